"""Build the WARC records of a capture and write them to a new file atomically.

Layout: every file is WARC/1.1 (ISO 28500:2017), one gzip member per record
(WARC 1.1 Annex D), and starts with a ``warcinfo`` record. Each downloaded
memento becomes three records, in order:

``response``
    ``WARC-Target-URI`` = the original URL (the memento's ``Link rel="original"``),
    ``WARC-Date`` = its ``Memento-Datetime``, ``WARC-Source-URI`` = the memento URL,
    ``WARC-Creation-Date`` = when we downloaded it, as pywb's ``LiveWebLoader``
    records from a remote archive (webrecorder/pywb
    ``pywb/warcserver/resource/responseloader.py``; the two fields come from
    webrecorder/warcit). The HTTP headers are the historical ones rebuilt from
    ``X-Archive-Orig-*`` (:func:`historical_headers`); the body is stored
    exactly as received after transport decoding.
``metadata``
    right after the response (the contract in :mod:`archiver.store.provenance`):
    ``WARC-Refers-To`` the response, ``application/warc-fields``, no payload
    digest; which source, how the capture was chosen, the archive's raw headers.
``request``
    what we sent the archive (``WARC-Concurrent-To`` the response).

A file is written as ``NAME.warc.gz.open``, fsynced, renamed to
``NAME.warc.gz`` and the folder fsynced (:func:`write_warc_file`), as Heritrix
(``OCCUPIED_SUFFIX`` in WriterPoolMember.java) and warcprox
(warcprox/writer.py) do; a closed file is never appended to.
"""

from __future__ import annotations

import http
import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import IO, Any, TypeVar
from urllib.parse import quote, urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archiver.durable import fsync_dir
from archiver.errors import StoreError
from archiver.models import Source
from archiver.store import provenance
from archiver.store.fields import (
    F_ARCHIVE_HEADERS,
    F_ARCHIVE_SOURCE_FILE,
    F_ARCHIVE_STATUS,
    F_CANDIDATE,
    F_CDX_DIGEST,
    F_CDX_DIGEST_MATCH,
    F_FETCH_TIME_MS,
    F_JUMP,
    F_LISTING_KEY,
    F_LISTING_ROW,
    F_LISTING_URL,
    F_MANIFEST_ROW,
    F_PUBLISHED_PRECISION,
    F_REDIRECT_TO,
    F_SELECTION_RULE,
    F_USER_AGENT,
    F_WARC_FILE,
    F_WARC_OFFSET,
    OPEN_SUFFIX,
    Memento,
    Selection,
    WarcInfo,
    sha1_base32,
    sha256_label,
    warc_date,
)
from archiver.store.ledger import LedgerEntry, capture_key

#: Headers never rebuilt from ``X-Archive-Orig-*``: they describe the original
#: transfer, not the stored body. A payload digest must be computed after
#: removing Transfer-Encoding (iipc/warc-specifications#22), and historical
#: Content-Encoding cannot be known from the Wayback Machine
#: (edgi-govdata-archiving/wayback ``src/wayback/_models.py``).
TRANSFER_HEADERS = frozenset({"transfer-encoding", "content-encoding", "content-length",
                              "connection", "keep-alive"})


class ArchiverWarcWriter(WARCWriter):  # type: ignore[misc]
    """warcio's writer, WARC/1.1, gzip per record, no payload digest on metadata.

    warcio puts a payload digest on metadata records (recordbuilder.py
    ``NO_PAYLOAD_DIGEST_TYPES``), which WARC 1.1 §5.9 forbids for blocks without
    a well-defined payload and which FastWARC's ``check -p`` reports as failures.

    Record ids and the warcinfo date come from warcio's ``_make_warc_id`` and
    ``_make_warc_date`` hooks, so tests can pin them (as warcio's own tests do).
    """

    NO_PAYLOAD_DIGEST_TYPES = ("warcinfo", "revisit", "metadata")

    def __init__(self, filebuf: IO[bytes]) -> None:
        super().__init__(filebuf, gzip=True, warc_version="1.1")

    def new_id(self) -> str:
        return str(self._make_warc_id())

    def file_date(self) -> str:
        return str(self._make_warc_date(use_micros=False))


def historical_headers(memento: Memento) -> list[tuple[str, str]]:
    """The original server's headers, rebuilt from what the archive sent.

    ``X-Archive-Orig-*`` headers are un-prefixed except the transfer ones; the
    archive's unprefixed Content-Type is kept (it is the archived one); a
    redirect's Location is the original target URL; Content-Length is recomputed.
    """
    out: list[tuple[str, str]] = []
    prefix = "x-archive-orig-"
    has_type = any(k.lower() == "content-type" for k, _ in memento.header_list)
    for name, value in memento.header_list:
        lname = name.lower()
        if lname.startswith(prefix):
            original = name[len(prefix):]
            lorig = original.lower()
            if lorig in TRANSFER_HEADERS or (lorig == "content-type" and has_type):
                continue
            if lorig == "location" and memento.location:
                continue
            out.append((original, one_line(value)))
        elif lname == "content-type":
            out.append(("Content-Type", one_line(value)))
    if memento.location:
        out.append(("Location", one_line(memento.location)))
    out.append(("Content-Length", str(len(memento.body))))
    return out


def one_line(value: str) -> str:
    """``value`` as it may stand in a header line (WARC or HTTP): every C0 control
    but HTAB (CR and LF among them) and DEL percent-encoded (RFC 3986 §2.1).

    URLs come from the archive (a TimeMap, a Link header): a line break in one
    must not end the header line and start a field of the archive's choosing
    (WARC 1.1 §4 and RFC 9112 §5 end a header line at CRLF; readers also take a
    bare LF). Values without those characters, all of them in practice, are
    unchanged.
    """
    if not _CONTROL.search(value):
        return value
    return _CONTROL.sub(lambda m: f"%{ord(m.group()):02X}", value)


#: C0 controls but HTAB, and DEL.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def wire_uri(value: str) -> str:
    """``value`` as an HTTP request target or ``Host`` goes on the wire: ASCII, every
    other character, space and control percent-encoded as UTF-8 (RFC 3986 §2.1,
    RFC 3987 §3.1), as the HTTP client sent it."""
    return "".join(ch if "!" <= ch <= "~" else _encoded(ch) for ch in value)


def _encoded(ch: str) -> str:
    return quote(ch.encode("utf-8", errors="surrogatepass"), safe="")


def _request_line_headers(memento: Memento) -> tuple[str, list[tuple[str, str]]]:
    parts = urlsplit(memento.memento_url)
    target = wire_uri(parts.path or "/")
    if parts.query:
        target += "?" + wire_uri(parts.query)
    headers = [("Host", wire_uri(parts.netloc))]
    headers.extend((k, v) for k, v in memento.request_headers if k.lower() != "host")
    return f"GET {target}", headers


def _fields_record(writer: ArchiverWarcWriter, headers: list[tuple[str, str]],
                   fields: Sequence[tuple[str, str]], rec_type: str) -> Any:
    body = provenance.encode_fields(fields)
    warc_headers = StatusAndHeaders("", [("WARC-Type", rec_type), *headers],
                                    protocol="WARC/1.1")
    return writer.create_warc_record("", rec_type, payload=BytesIO(body), length=len(body),
                                     warc_headers=warc_headers,
                                     warc_content_type=provenance.CONTENT_TYPE)


T = TypeVar("T")


@dataclass
class Written:
    """Where a written record is: its id, offset and length in its file."""

    record_id: str
    offset: int
    length: int


class FileWriter:
    """Writes the records of one WARC file and remembers their offsets."""

    def __init__(self, writer: ArchiverWarcWriter, fh: IO[bytes], filename: str,
                 info: WarcInfo) -> None:
        self.writer = writer
        self.fh = fh
        self.filename = filename
        self.info = info
        self.warcinfo_id = ""

    def _write(self, record: Any) -> Written:
        start = self.fh.tell()
        self.writer.write_record(record)
        return Written(str(record.rec_headers.get_header("WARC-Record-ID")), start,
                       self.fh.tell() - start)

    def warcinfo(self) -> None:
        rid = self.writer.new_id()
        self.warcinfo_id = rid
        headers = [("WARC-Record-ID", rid), ("WARC-Date", self.writer.file_date()),
                   ("WARC-Filename", self.filename)]
        self._write(_fields_record(self.writer, headers, self.info.fields(self.filename),
                                   "warcinfo"))

    def _capture_headers(self, memento: Memento, rid: str) -> list[tuple[str, str]]:
        headers = [("WARC-Record-ID", rid), ("WARC-Date", warc_date(memento.memento_datetime)),
                   ("WARC-Target-URI", one_line(memento.uri_r)),
                   ("WARC-Source-URI", one_line(memento.memento_url))]
        if memento.fetched_at is not None:
            headers.append(("WARC-Creation-Date", warc_date(memento.fetched_at, micros=True)))
        headers.append(("WARC-Warcinfo-ID", self.warcinfo_id))
        return headers

    def response(self, memento: Memento) -> Written:
        rid = self.writer.new_id()
        headers = self._capture_headers(memento, rid)
        if memento.peer:
            headers.append(("WARC-IP-Address", memento.peer))
        reason = memento.reason
        if not (reason.isascii() and reason.isprintable()):  # warcio writes ASCII
            reason = _reason(memento.status)
        reason = reason or _reason(memento.status)
        http_headers = StatusAndHeaders(f"{memento.status} {reason}",
                                        historical_headers(memento), protocol="HTTP/1.1")
        warc_headers = StatusAndHeaders("", [("WARC-Type", "response"), *headers],
                                        protocol="WARC/1.1")
        record = self.writer.create_warc_record(
            one_line(memento.uri_r), "response", payload=BytesIO(memento.body),
            length=len(memento.body), warc_headers=warc_headers, http_headers=http_headers)
        return self._write(record)

    def request(self, memento: Memento, response_id: str) -> Written:
        rid = self.writer.new_id()
        headers = self._capture_headers(memento, rid)
        headers.insert(4, ("WARC-Concurrent-To", response_id))
        if memento.peer:
            headers.append(("WARC-IP-Address", memento.peer))
        line, req_headers = _request_line_headers(memento)
        # warcio splits a request line into method (its "protocol") and the rest.
        http_headers = StatusAndHeaders(f"{line} HTTP/1.1", req_headers, is_http_request=True)
        warc_headers = StatusAndHeaders("", [("WARC-Type", "request"), *headers],
                                        protocol="WARC/1.1")
        record = self.writer.create_warc_record(
            one_line(memento.uri_r), "request", payload=BytesIO(b""), length=0,
            warc_headers=warc_headers, http_headers=http_headers)
        return self._write(record)

    def metadata(self, uri_r: str, when: datetime, refers_to: str, concurrent: bool,
                 fields: Sequence[tuple[str, str]]) -> Written:
        rid = self.writer.new_id()
        headers = [("WARC-Record-ID", rid), ("WARC-Date", warc_date(when)),
                   ("WARC-Target-URI", one_line(uri_r)), ("WARC-Refers-To", refers_to)]
        if concurrent:
            headers.append(("WARC-Concurrent-To", refers_to))
        headers.append(("WARC-Warcinfo-ID", self.warcinfo_id))
        return self._write(_fields_record(self.writer, headers, fields, "metadata"))


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


# --------------------------------------------------------------------------
# The fields of the metadata records
# --------------------------------------------------------------------------


def _fmt_days(days: float) -> str:
    return f"{days:.3f}"


def _choice_fields(selection: Selection, info: WarcInfo, *, archive: str, memento_url: str,
                   memento_datetime: str) -> list[tuple[str, str]]:
    """The fields that open every record of a choice: who chose what, for which source."""
    src = selection.source
    return [
        (provenance.F_SOFTWARE, info.software),
        (provenance.F_MANIFEST_ID, selection.manifest_id),
        (provenance.F_SOURCE_ID, src.id),
        (provenance.F_REQUESTED_URL, src.url),
        (provenance.F_ARCHIVE, archive),
        (provenance.F_MEMENTO_URL, memento_url),
        (provenance.F_MEMENTO_DATETIME, memento_datetime),
        (provenance.F_PUBLISHED, src.published.isoformat()),
        (provenance.F_DISTANCE_DAYS, _fmt_days(selection.distance_days)),
        (provenance.F_PRE_PUBLICATION, "true" if selection.pre_publication else "false"),
        (provenance.F_CHOSEN, "true" if selection.chosen else "false"),
        *([] if selection.chosen else [(provenance.F_EXTRA, "true")]),
    ]


def chosen_fields(selection: Selection, final: Memento, hops: Sequence[Memento],
                  info: WarcInfo) -> list[tuple[str, str]]:
    """The metadata of the capture chosen for ``selection.source``."""
    src = selection.source
    fields = _choice_fields(selection, info, archive=selection.archive,
                            memento_url=final.memento_url,
                            memento_datetime=final.datetime_raw)
    fields.extend((provenance.F_REDIRECT, f"{hop.status} {hop.uri_r}") for hop in hops)
    fields.append((provenance.F_PAYLOAD_SHA256, sha256_label(final.body)))
    fields.extend(_precision(src))
    fields.append((F_SELECTION_RULE, selection.rule))
    fields.extend((F_LISTING_URL, u) for u in selection.listing_urls)
    if selection.listing_row:
        fields.append((F_LISTING_ROW, selection.listing_row))
    keys = dict.fromkeys([*selection.listing_keys, capture_key(final.uri_r, final.timestamp)])
    fields.extend((F_LISTING_KEY, k) for k in keys)
    fields.extend((F_CANDIDATE, c) for c in selection.candidates)
    fields.extend((F_JUMP, j) for j in selection.jumps)
    fields.extend(_archive_fields(final))
    if selection.cdx_digest:
        fields.append((F_CDX_DIGEST, selection.cdx_digest))
        match = selection.cdx_digest.removeprefix("sha1:").upper() == sha1_base32(final.body)
        fields.append((F_CDX_DIGEST_MATCH, "true" if match else "false"))
    if selection.user_agent:
        fields.append((F_USER_AGENT, selection.user_agent))
    if final.elapsed_ms is not None:
        fields.append((F_FETCH_TIME_MS, str(final.elapsed_ms)))
    if src.line is not None:
        fields.append((F_MANIFEST_ROW, str(src.line)))
    return fields


def reference_fields(selection: Selection, stored: LedgerEntry, when: datetime,
                     info: WarcInfo) -> list[tuple[str, str]]:
    """The metadata saying that ``selection.source`` chose a capture stored already."""
    src = selection.source
    fields = _choice_fields(selection, info, archive=stored.archive,
                            memento_url=stored.memento_url,
                            memento_datetime=when.strftime("%a, %d %b %Y %H:%M:%S GMT"))
    fields.extend((provenance.F_REDIRECT, f"{s} {u}") for s, u, _ in stored.redirects)
    if stored.payload_sha256:
        fields.append((provenance.F_PAYLOAD_SHA256, stored.payload_sha256))
    fields.extend(_precision(src))
    fields.append((F_SELECTION_RULE, selection.rule))
    fields.extend((F_LISTING_URL, u) for u in selection.listing_urls)
    if selection.listing_row:
        fields.append((F_LISTING_ROW, selection.listing_row))
    fields.extend((F_LISTING_KEY, k) for k in stored.keys)
    fields.extend((F_CANDIDATE, c) for c in selection.candidates)
    fields.append((F_WARC_FILE, stored.warc_file))
    fields.append((F_WARC_OFFSET, str(stored.warc_offset)))
    if src.line is not None:
        fields.append((F_MANIFEST_ROW, str(src.line)))
    return fields


def _precision(source: Source) -> list[tuple[str, str]]:
    """A partial publication date is stored as its first day: say so."""
    precision = str(getattr(source, "published_precision", "day"))
    return [] if precision == "day" else [(F_PUBLISHED_PRECISION, precision)]


def _archive_fields(memento: Memento) -> list[tuple[str, str]]:
    out = [(F_ARCHIVE_STATUS, str(memento.status))]
    src_file = memento.header("X-Archive-Src")
    if src_file:
        out.append((F_ARCHIVE_SOURCE_FILE, src_file))
    out.append((F_ARCHIVE_HEADERS, json.dumps([list(h) for h in memento.header_list],
                                              ensure_ascii=False, separators=(",", ":"))))
    return out


def hop_fields(selection: Selection, hop: Memento, info: WarcInfo) -> list[tuple[str, str]]:
    """The metadata of an archived redirect that led to the chosen capture."""
    fields = [
        (provenance.F_SOFTWARE, info.software),
        (provenance.F_MANIFEST_ID, selection.manifest_id),
        (provenance.F_SOURCE_ID, selection.source.id),
        (provenance.F_REQUESTED_URL, selection.source.url),
        (provenance.F_ARCHIVE, selection.archive),
        (provenance.F_MEMENTO_URL, hop.memento_url),
        (provenance.F_MEMENTO_DATETIME, hop.datetime_raw),
        (provenance.F_CHOSEN, "false"),
        (provenance.F_PAYLOAD_SHA256, sha256_label(hop.body)),
    ]
    if hop.location:
        fields.append((F_REDIRECT_TO, hop.location))
    fields.extend(_archive_fields(hop))
    return fields


# --------------------------------------------------------------------------
# The atomic file
# --------------------------------------------------------------------------


def write_warc_file(folder: Path, name: str, writer_class: type[ArchiverWarcWriter],
                    info: WarcInfo, build: Callable[[FileWriter], T], *,
                    suffix: str = OPEN_SUFFIX, rename: bool = True) -> T:
    """Write a new WARC ``folder/name``: warcinfo, then what ``build`` writes.

    The records go to ``name`` + ``suffix`` (``.open``), which is fsynced and
    only then renamed to ``name`` (the folder fsynced too); on any error it is
    removed. With ``rename`` false the fsynced file keeps its suffixed name, for
    the caller to move into place (a cluster worker's ``.partial`` file,
    :mod:`archiver.store.staging`); its warcinfo names it ``name`` all the same.
    """
    final = folder / name
    tmp = folder / (name + suffix)
    try:
        fh = open(tmp, "xb")  # noqa: SIM115 - closed below on every path
    except OSError as err:
        raise StoreError(f"cannot create {tmp}: {err.strerror}",
                         hint="check that the WARC folder is writable") from err
    try:
        writer = FileWriter(writer_class(fh), fh, name, info)
        writer.warcinfo()
        result = build(writer)
        fh.flush()
        os.fsync(fh.fileno())
    except BaseException:
        fh.close()
        tmp.unlink(missing_ok=True)
        raise
    fh.close()
    if not rename:
        return result
    if final.exists():  # pragma: no cover - names carry a random token
        raise StoreError(f"{final} exists already; refusing to overwrite it")
    os.replace(tmp, final)
    fsync_dir(folder)
    return result

