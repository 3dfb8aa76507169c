"""Live captures in WARC: the exchanges ``archiver capture`` recorded, written byte for byte.

A live capture is kept the way a recording crawler keeps it (warcprox
``warcprox/warc.py``, GNU wget ``src/warc.c``): for every HTTP exchange, a
``response`` record whose block is the response *exactly as received* (status
line, header fields, the body with its content coding and chunked framing), a
``request`` record holding the request as sent, ``WARC-Concurrent-To`` the
response, and a ``metadata`` record saying why, when and by what.

Digests (WARC 1.1 §5.8, §5.9, §6.3.2; iipc/warc-specifications#22):

* ``WARC-Block-Digest``: SHA-1 of the whole block (base32, as warcio and the
  Internet Archive's CDX write it);
* ``WARC-Payload-Digest``: SHA-1 of the entity body with the transfer coding
  (chunked) removed and the content coding (gzip) kept. Most writers digest
  the raw chunked bytes instead (webrecorder/warcio#74, ArchiveTeam/wpull#424,
  internetarchive/heritrix3#769); the spec's reading is the one used here;
* a response cut at the size cap carries ``WARC-Truncated: length`` (WARC 1.1
  §5.15); its payload digest then covers the part kept.

Records are built here rather than by warcio's record builder because warcio
re-serialises the HTTP head it parses; the bytes must be the server's. Each
record is its own gzip member (Annex D), written to the ``.open`` file of
:func:`archiver.store.writer.write_warc_file`, whose warcinfo opens the file.

**Telling a live capture from an archived one.** The metadata record of every
live response has ``capture-kind: live`` (:data:`F_CAPTURE_KIND`) and
``archive: live``; :class:`archiver.store.WarcIndex` reads it and leaves live
responses out of what ``verify`` uses unless asked. The ledger of live captures
is its own file, :data:`LIVE_LEDGER_NAME`, beside ``archiver-index.jsonl``,
so that nothing that reads the archived-capture ledger (``fetch`` skipping
stored sources) mistakes a live capture for an archived one.
"""

from __future__ import annotations

import hashlib
import uuid
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from archiver.store import provenance
from archiver.store.fields import sha1_base32, warc_date
from archiver.store.ledger import LedgerEntry, append_ledger, read_ledger
from archiver.store.writer import FileWriter, Written, one_line

__all__ = [
    "ARCHIVE_LIVE",
    "F_CAPTURE_KIND",
    "KIND_LIVE",
    "LIVE_LEDGER_NAME",
    "PAYLOAD_DIGEST_TRANSFER_DECODED",
    "Exchange",
    "append_live_ledger",
    "live_label", "live_record_ids",
    "payload_sha256",
    "read_live_ledger",
    "write_exchange",
]

#: The ledger of live captures, one :class:`~archiver.store.ledger.LedgerEntry` a line.
LIVE_LEDGER_NAME = "archiver-live.jsonl"
#: The metadata field that marks a live capture, and its value.
F_CAPTURE_KIND = "capture-kind"
KIND_LIVE = "live"
#: The ``archive`` of a live capture (metadata field and ledger).
ARCHIVE_LIVE = "live"
#: Metadata fields of a live capture (WARC 1.1 §6.6 defines ``via`` and
#: ``hopsFromSeed``: Heritrix's hop letters, R redirect, E embed).
F_VIA = "via"
F_HOPS = "hopsFromSeed"
F_FETCH_TIME_MS = "fetchTimeMs"
F_REASON = "reason"
F_CAPTURED_AT = "captured-at"
F_TRUNCATED = "truncated"
F_PROXY = "proxy"
F_NOTE = "note"


@dataclass(frozen=True)
class Exchange:
    """What the store needs of one recorded exchange (:class:`archiver.net.raw.RawExchange`
    has all of it)."""

    url: str
    request: bytes
    response: bytes
    payload: bytes
    truncated: bool
    peer: str | None
    started_at: datetime
    elapsed: float
    proxy: str | None = None
    head_length: int = 0  # bytes of the response head in ``response``

    @property
    def wire_body(self) -> bytes:
        """The body as received, transfer coding (chunk framing) included."""
        return self.response[self.head_length:]


def _record(rec_type: str, headers: Sequence[tuple[str, str]], block: bytes,
            content_type: str) -> bytes:
    lines = ["WARC/1.1", f"WARC-Type: {rec_type}", *(f"{k}: {v}" for k, v in headers),
             f"Content-Type: {content_type}",
             f"WARC-Block-Digest: sha1:{sha1_base32(block)}",
             f"Content-Length: {len(block)}"]
    # The WARC head is ours: every value is one line (one_line), ASCII.
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")
    return head + block + b"\r\n\r\n"


def _gzip_member(data: bytes) -> bytes:
    """One gzip member (RFC 1952), as warcio's per-record writer makes."""
    packer = zlib.compressobj(6, zlib.DEFLATED, zlib.MAX_WBITS + 16)
    return packer.compress(data) + packer.flush()


def _new_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


def _write(fw: FileWriter, record: bytes, record_id: str) -> Written:
    start = fw.fh.tell()
    fw.fh.write(_gzip_member(record))
    return Written(record_id, start, fw.fh.tell() - start)


#: Whether ``WARC-Payload-Digest`` is computed with the chunked transfer coding
#: removed, as WARC 1.1 §5.9/§6.3.2 define the payload (iipc/warc-specifications#22;
#: Heritrix changed to it, internetarchive/heritrix3#770). warcio 1.8.1's ``check``
#: digests the chunked bytes instead (webrecorder/warcio#74, open) and so reports
#: a chunked response's payload digest as failed; False writes that reading.
PAYLOAD_DIGEST_TRANSFER_DECODED = True


def write_exchange(fw: FileWriter, exchange: Exchange, fields: Sequence[tuple[str, str]],
                   *, transfer_decoded: bool = PAYLOAD_DIGEST_TRANSFER_DECODED) -> Written:
    """Write ``exchange`` as response, request and metadata records; the response's place.

    ``transfer_decoded``: see :data:`PAYLOAD_DIGEST_TRANSFER_DECODED`.
    """
    rid = _new_id()
    date = warc_date(exchange.started_at)
    target = one_line(exchange.url)
    common = [("WARC-Date", date), ("WARC-Target-URI", target)]
    ip = [] if exchange.proxy is not None or not exchange.peer else [
        ("WARC-IP-Address", exchange.peer)]
    payload = exchange.payload if transfer_decoded else exchange.wire_body
    resp_headers = [("WARC-Record-ID", rid), *common, ("WARC-Warcinfo-ID", fw.warcinfo_id),
                    *ip, ("WARC-Payload-Digest", f"sha1:{sha1_base32(payload)}")]
    if exchange.truncated:
        resp_headers.append(("WARC-Truncated", "length"))
    response = _write(fw, _record("response", resp_headers, exchange.response,
                                  "application/http; msgtype=response"), rid)
    req_id = _new_id()
    req_headers = [("WARC-Record-ID", req_id), *common, ("WARC-Concurrent-To", rid),
                   ("WARC-Warcinfo-ID", fw.warcinfo_id), *ip]
    _write(fw, _record("request", req_headers, exchange.request,
                       "application/http; msgtype=request"), req_id)
    meta_id = _new_id()
    meta_headers = [("WARC-Record-ID", meta_id), *common, ("WARC-Refers-To", rid),
                    ("WARC-Concurrent-To", rid), ("WARC-Warcinfo-ID", fw.warcinfo_id)]
    all_fields = [*fields, (F_FETCH_TIME_MS, str(round(exchange.elapsed * 1000)))]
    if exchange.truncated:
        all_fields.append((F_TRUNCATED, "length"))
    if exchange.proxy is not None:
        all_fields.append((F_PROXY, "true"))
    _write(fw, _record("metadata", meta_headers, provenance.encode_fields(all_fields),
                       provenance.CONTENT_TYPE), meta_id)
    return response


def live_label(when: datetime) -> str:
    """How reports name a live capture: ``live capture, 2026-11-30`` (its UTC day)."""
    return f"live capture, {when.strftime('%Y-%m-%d')}"


def payload_sha256(payload: bytes) -> str:
    return "sha256:" + hashlib.sha256(payload).hexdigest()


def read_live_ledger(folder: Path) -> list[LedgerEntry]:
    """The live captures recorded in ``folder`` (none when there is no live ledger)."""
    entries, _ = read_ledger(folder / LIVE_LEDGER_NAME)
    return entries


def append_live_ledger(folder: Path, entries: Sequence[LedgerEntry]) -> None:
    """Append ``entries`` to the live ledger, fsynced, after their WARC is in place."""
    append_ledger(folder / LIVE_LEDGER_NAME, entries)


def live_record_ids(metadata: Sequence[tuple[str, Sequence[tuple[str, str]]]]) -> set[str]:
    """The response record ids that live-capture metadata records refer to.

    ``metadata`` is (refers-to, fields) per metadata record, as the index keeps them.
    """
    out: set[str] = set()
    for refers_to, fields in metadata:
        for name, value in fields:
            if name.lower() == F_CAPTURE_KIND and value.strip().lower() == KIND_LIVE:
                out.add(refers_to)
                break
    return out
