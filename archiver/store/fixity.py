"""Fixity: read every stored WARC file again and say whether its bytes are unchanged.

For each file of a WARC folder, every record is read (each gzip member inflated
and its CRC-32 checked, RFC 1952 §2.3.1) and

- its ``WARC-Block-Digest`` is recomputed over the record block, and its
  ``WARC-Payload-Digest`` over the payload: for ``application/http`` records the
  entity body after the HTTP headers, transfer encoding removed (WARC 1.1,
  ISO 28500:2017, §5.8-5.9; iipc/warc-specifications
  ``specifications/warc-format/warc-1.1/index.md``). warcio writes the payload
  digest over the body as framed on the wire (chunked framing kept,
  webrecorder/warcio ``recordbuilder.py``), so a chunked body matches either
  form. The chunked framing is read by :func:`archiver.net.chunked.dechunk`, the
  reader ``archiver capture`` digests with (bare LFs tolerated, a body cut at the
  cap read up to the cut), so fixity never disagrees with the writer. Labels are
  ``algorithm:value`` with the value in base32 (warcio's
  ``sha1:`` form) or hex (our ``sha256:`` fields); ``revisit`` records carry
  the digest of another record's payload and only their block is checked;
- the ledger (``archiver-index.jsonl``) is compared with the file: each
  capture it lists there must be a response record with its ``WARC-Record-ID``
  at its offset, of its compressed length, with its payload SHA-256;
- the whole file's SHA-256 and size are compared with the last clean check of
  the same file, when the history holds one: a WARC file is never written to
  after it is closed (:mod:`archiver.store.writer`), so a changed digest is
  damage even where no record digest covers the byte (a gzip header's MTIME
  field, say), and a shorter file is a truncation.

A file that ends inside a gzip member or a record block is ``truncated``; one
whose bytes disagree anywhere is ``mismatch``; every problem names the file,
the offset of the record's gzip member (or of the record, in an uncompressed
file) and the record's ``WARC-Record-ID`` when it can be read. Nothing here
writes: the caller records one fixity event per file in the history.
"""

from __future__ import annotations

import base64
import hashlib
import time
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from archiver._version import __version__
from archiver.models import (
    FixityOutcome,
    FixityProblem,
    FixityResult,
    FixityRun,
    Progress,
    ProgressCallback,
)
from archiver.net.chunked import dechunk
from archiver.store.index import iter_warc_files
from archiver.store.ledger import LEDGER_NAME, LedgerEntry, read_ledger

TOOL = "archiver fixity"
#: Bytes read from the file at a time.
READ_SIZE = 1 << 20
#: A record (one gzip member, inflated) larger than this is not held in memory to be
#: checked: it is reported as a problem, never silently passed. Far above what
#: fetch stores (50 MB, :data:`archiver.fetch.limits.DOWNLOAD_MAX_BYTES`).
MAX_RECORD_BYTES = 1 << 30
#: File suffixes checked; ARC files (``.arc``, ``.arc.gz``) carry no digests.
FIXITY_SUFFIXES = (".warc", ".warc.gz")
#: hashlib names of the digest labels WARC files use (WARC 1.1 §5.8 leaves the
#: algorithm open; these are the ones warcio, wget, Heritrix and warcprox write).
_ALGORITHMS = {"sha1": "sha1", "sha-1": "sha1", "sha256": "sha256", "sha-256": "sha256",
               "sha512": "sha512", "sha-512": "sha512", "md5": "md5"}


# --------------------------------------------------------------------------
# Digests
# --------------------------------------------------------------------------


def digest_matches(label: str, variants: Sequence[bytes]) -> bool | None:
    """Whether ``label`` (``sha1:BASE32``, ``sha256:hex`` ...) is the digest of one
    of ``variants``; None when the algorithm or the value's encoding is unknown."""
    algo, sep, value = label.strip().partition(":")
    name = _ALGORITHMS.get(algo.lower())
    if not sep or name is None or not value:
        return None
    for data in variants:
        digest = hashlib.new(name, data).digest()
        if value.lower() == digest.hex():
            return True
        if value.upper().rstrip("=") == base64.b32encode(digest).decode("ascii").rstrip("="):
            return True
    return False


def _label_of(label: str, data: bytes) -> str:
    """``data``'s digest in the algorithm and encoding ``label`` uses (for messages)."""
    algo, _, value = label.strip().partition(":")
    name = _ALGORITHMS.get(algo.lower(), "sha1")
    digest = hashlib.new(name, data).digest()
    is_hex = all(c in "0123456789abcdefABCDEF" for c in value) and len(value) == 2 * len(digest)
    return f"{algo}:" + (digest.hex() if is_hex else base64.b32encode(digest).decode("ascii"))


# --------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------


@dataclass
class _Record:
    offset: int  # of its gzip member (or of the record, uncompressed)
    headers: dict[str, str]
    block: bytes
    member_length: int | None = None  # compressed length of its gzip member

    @property
    def record_id(self) -> str | None:
        return self.headers.get("warc-record-id")

    @property
    def type(self) -> str:
        return self.headers.get("warc-type", "").lower()


class _Truncated(Exception):
    pass


class _Damaged(Exception):
    def __init__(self, detail: str, record_id: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.record_id = record_id


def _parse_head(data: bytes, offset: int, pos: int = 0) -> tuple[dict[str, str], int]:
    """The WARC headers at ``pos`` in ``data`` and where the block begins."""
    end = data.find(b"\r\n\r\n", pos, pos + (1 << 20))
    if end < 0:
        head = data[pos:pos + 65536]
        raise _Truncated() if len(data) - pos < 65536 and head.startswith(b"WARC/") \
            else _Damaged(f"no WARC record header at offset {offset}", _record_id_in(head))
    lines = data[pos:end].split(b"\r\n")
    if not lines[0].startswith(b"WARC/"):
        raise _Damaged(f"no WARC record at offset {offset} (it starts with "
                       f"{bytes(lines[0][:20])!r})", _record_id_in(data[pos:end]))
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if sep:
            headers.setdefault(name.decode("latin-1").strip().lower(),
                               value.decode("latin-1").strip())
    return headers, end + 4


def _record_id_in(data: bytes) -> str | None:
    """The WARC-Record-ID in what could be read of a damaged record, if any."""
    at = data.find(b"WARC-Record-ID:")
    if at < 0:
        return None
    line = data[at + len(b"WARC-Record-ID:"):].split(b"\r\n", 1)[0].strip()
    text = line.decode("latin-1")
    return text if text.startswith("<") and text.endswith(">") and len(text) < 200 else None


def _records_of(data: bytes, offset: int, member_length: int | None) -> Iterator[_Record]:
    """The records in one inflated gzip member (normally exactly one)."""
    pos = 0
    while pos < len(data):
        if not data[pos:pos + 64].strip(b"\r\n") and not data[pos:].strip(b"\r\n"):
            return
        headers, start = _parse_head(data, offset, pos)
        try:
            length = int(headers.get("content-length", ""))
        except ValueError:
            raise _Damaged(f"record at offset {offset} has no valid Content-Length",
                           headers.get("warc-record-id")) from None
        block = data[start:start + length]
        if len(block) < length:
            raise _Truncated()
        yield _Record(offset, headers, block, member_length)
        pos = start + length
        if data[pos:pos + 4] != b"\r\n\r\n":
            raise _Damaged(f"record {headers.get('warc-record-id', '?')} at offset {offset} "
                           "does not end with CRLF CRLF", headers.get("warc-record-id"))
        pos += 4


class _Reader:
    """A file read once, in order, its SHA-256 computed on the way."""

    def __init__(self, fh: BinaryIO) -> None:
        self.fh = fh
        self.sha256 = hashlib.sha256()
        self.size = 0

    def read(self) -> bytes:
        chunk = self.fh.read(READ_SIZE)
        self.sha256.update(chunk)
        self.size += len(chunk)
        return chunk


def _gzip_records(reader: _Reader) -> Iterator[_Record | _Damaged | _Truncated]:
    """Each gzip member's records; a damaged or unfinished member as its error."""
    pending = reader.read()
    offset = 0
    while True:
        if not pending:
            pending = reader.read()
            if not pending:
                return
        start = offset
        inflater = zlib.decompressobj(31)  # gzip wrapper, CRC-32 and ISIZE checked
        out: list[bytes] = []
        inflated = 0
        fed: list[bytes] = []  # this member's compressed bytes so far (to salvage its id)
        while True:
            try:
                fed.append(pending)
                out.append(inflater.decompress(pending))
                inflated += len(out[-1])
            except zlib.error as err:
                yield _Damaged(f"gzip member at offset {start} is damaged ({err})",
                               _record_id_in(_salvage(b"".join(fed))))
                return  # where the next member starts cannot be known
            if inflater.eof:
                rest = inflater.unused_data
                offset += len(pending) - len(rest)
                pending = rest
                break
            offset += len(pending)
            if inflated > MAX_RECORD_BYTES:
                yield _Damaged(f"the record at offset {start} is larger than "
                               f"{MAX_RECORD_BYTES >> 20} MB inflated; not checked",
                               _record_id_in(out[0][:65536]))
                return
            pending = reader.read()
            if not pending:
                yield _Truncated()
                return
        try:
            yield from _records_of(b"".join(out), start, offset - start)
        except (_Truncated, _Damaged) as err:
            yield err
            if isinstance(err, _Truncated):
                return


def _salvage(compressed: bytes, limit: int = 65536) -> bytes:
    """What a damaged gzip member inflates to before the damage (its WARC headers,
    usually), fed a little at a time so that output before the error is kept."""
    inflater = zlib.decompressobj(31)
    out = bytearray()
    for at in range(0, len(compressed), 256):
        try:
            out += inflater.decompress(compressed[at:at + 256])
        except zlib.error:
            break
        if len(out) >= limit or inflater.eof:
            break
    return bytes(out[:limit])


def _plain_records(reader: _Reader) -> Iterator[_Record | _Damaged | _Truncated]:
    """The records of an uncompressed WARC file."""
    buffer = bytearray()
    base = 0  # file offset of buffer[0]
    eof = False

    def fill(n: int) -> bool:
        nonlocal eof
        while len(buffer) < n and not eof:
            chunk = reader.read()
            if not chunk:
                eof = True
            buffer.extend(chunk)
        return len(buffer) >= n

    while True:
        fill(4)
        while buffer[:2] == b"\r\n":
            del buffer[:2]
            base += 2
            fill(4)
        if not buffer:
            return
        while buffer.find(b"\r\n\r\n") < 0 and not eof and len(buffer) < 1 << 20:
            fill(len(buffer) + READ_SIZE)
        try:
            headers, start = _parse_head(bytes(buffer[:1 << 20]), base)
            length = int(headers.get("content-length", "-1"))
        except ValueError:
            yield _Damaged(f"record at offset {base} has no valid Content-Length",
                           _record_id_in(bytes(buffer[:65536])))
            return
        except (_Truncated, _Damaged) as err:
            yield err
            return
        if length < 0 or length > MAX_RECORD_BYTES:
            yield _Damaged(f"record at offset {base} has no usable Content-Length",
                           headers.get("warc-record-id"))
            return
        if not fill(start + length + 4):
            yield _Truncated()
            return
        yield _Record(base, headers, bytes(buffer[start:start + length]))
        if buffer[start + length:start + length + 4] != b"\r\n\r\n":
            yield _Damaged(f"record {headers.get('warc-record-id', '?')} at offset {base} "
                           "does not end with CRLF CRLF", headers.get("warc-record-id"))
            return
        del buffer[:start + length + 4]
        base += start + length + 4


# --------------------------------------------------------------------------
# Checking one file
# --------------------------------------------------------------------------


def http_payload(record: _Record) -> list[bytes] | None:
    """The payload of a record in each acceptable form (see the module docstring):
    None when the record has no payload distinct from its block."""
    ctype = record.headers.get("content-type", "").lower()
    if record.type not in ("response", "request") or not ctype.startswith("application/http"):
        return [record.block]
    end = record.block.find(b"\r\n\r\n")
    if end < 0:
        return [b""]
    head, body = record.block[:end], record.block[end + 4:]
    chunked = any(line.lower().startswith(b"transfer-encoding:") and b"chunked" in line.lower()
                  for line in head.split(b"\r\n")[1:])
    if chunked:
        # The one reader capture digests with (tolerant of bare LFs; a body cut at
        # the cap, WARC-Truncated, yields the data kept): the payload is a function
        # of the stored bytes, so a changed chunk still changes it.
        plain, _complete = dechunk(body)
        return [plain, body]
    return [body]


@dataclass
class _FileCheck:
    rel: str
    ledger: Sequence[LedgerEntry]
    problems: list[FixityProblem] = field(default_factory=list)
    records: int = 0
    digests: int = 0
    truncated: bool = False
    unreadable: bool = False
    by_offset: dict[int, _Record] = field(default_factory=dict)

    def problem(self, offset: int, kind: str, detail: str, record_id: str | None) -> None:
        self.problems.append(FixityProblem(offset=offset, kind=kind, detail=detail,
                                           record_id=record_id))

    def ledger_id_at(self, offset: int) -> str | None:
        for entry in self.ledger:
            if entry.warc_offset == offset:
                return entry.record_id
        return None

    def check(self, record: _Record) -> None:
        self.records += 1
        self.by_offset.setdefault(record.offset, record)
        rid = record.record_id
        where = f"{self.rel} offset {record.offset} record {rid or '(no WARC-Record-ID)'}"
        self._digest(record, where, "WARC-Block-Digest", "block_digest", "block",
                     lambda: [record.block])
        if record.type != "revisit":
            self._digest(record, where, "WARC-Payload-Digest", "payload_digest", "payload",
                         lambda: http_payload(record) or [record.block])

    def _digest(self, record: _Record, where: str, header: str, kind: str, what: str,
                forms: Callable[[], list[bytes]]) -> None:
        """Compare the record's ``header`` digest with its acceptable ``forms`` (made
        only when the header is there: a payload may need dechunking)."""
        label = record.headers.get(header.lower())
        if not label:
            return
        self.digests += 1
        variants = forms()
        ok = digest_matches(label, variants)
        if ok is None:
            self.problem(record.offset, "unknown_digest",
                         f"{where}: {header} {label!r} uses an unknown algorithm or "
                         "encoding; not checked", record.record_id)
        elif not ok:
            self.problem(record.offset, kind,
                         f"{where}: {header} {label} does not match the {what} "
                         f"({_label_of(label, variants[0])})", record.record_id)

    def damaged(self, err: _Damaged) -> None:
        offset = _offset_in(err.detail)
        rid = err.record_id or (self.ledger_id_at(offset) if offset is not None else None)
        self.problem(offset if offset is not None else -1, "damaged",
                     f"{self.rel}: {err.detail}"
                     + (f"; record {rid}" if rid else ""), rid)

    def compare_ledger(self, size: int) -> None:
        for entry in self.ledger:
            record = self.by_offset.get(entry.warc_offset)
            where = f"{self.rel} offset {entry.warc_offset} record {entry.record_id}"
            if record is None:
                if entry.warc_offset >= size:
                    self.truncated = True
                    self.problem(entry.warc_offset, "truncated",
                                 f"{where}: the ledger ({LEDGER_NAME}) lists a capture at "
                                 f"this offset, beyond the end of the file ({size} bytes)",
                                 entry.record_id)
                elif not self.truncated and not self.problems:
                    self.problem(entry.warc_offset, "ledger",
                                 f"{where}: the ledger ({LEDGER_NAME}) lists a capture at "
                                 "this offset, but no record starts there", entry.record_id)
                continue
            if record.record_id != entry.record_id:
                self.problem(entry.warc_offset, "ledger",
                             f"{where}: the record at this offset is {record.record_id}, not "
                             f"the one the ledger lists", record.record_id)
                continue
            if (entry.warc_length and record.member_length is not None
                    and record.member_length != entry.warc_length):
                self.problem(entry.warc_offset, "ledger",
                             f"{where}: {record.member_length} bytes long, the ledger says "
                             f"{entry.warc_length}", entry.record_id)
            if entry.payload_sha256:
                payloads = http_payload(record) or [record.block]
                if not digest_matches(entry.payload_sha256, payloads):
                    self.problem(entry.warc_offset, "ledger",
                                 f"{where}: the payload's SHA-256 is not the ledger's "
                                 f"{entry.payload_sha256}", entry.record_id)


def _offset_in(detail: str) -> int | None:
    marker = "offset "
    at = detail.find(marker)
    if at < 0:
        return None
    digits = ""
    for ch in detail[at + len(marker):]:
        if not ch.isdigit():
            break
        digits += ch
    return int(digits) if digits else None


def check_file(path: Path, rel: str, *, ledger: Sequence[LedgerEntry] = (),
               last_good: FixityResult | None = None,
               now: Callable[[], datetime] | None = None) -> FixityResult:
    """Check one WARC file (see the module docstring); ``rel`` names it in messages.

    ``ledger`` is the ledger's entries for this file; ``last_good`` the last
    clean fixity check of it (its size and SHA-256 are compared).
    """
    clock = now or (lambda: datetime.now(UTC))
    started = time.monotonic()
    checked_at = clock()
    state = _FileCheck(rel, ledger)
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed below
    except OSError as err:
        return FixityResult(
            file=rel, outcome=FixityOutcome.UNREADABLE, checked_at=checked_at,
            problems=(FixityProblem(0, "unreadable", f"{rel}: cannot be read "
                                                      f"({err.strerror})"),),
            tool=TOOL, tool_version=__version__)
    with fh:
        reader = _Reader(fh)
        gz = fh.read(2) == b"\x1f\x8b"
        fh.seek(0)
        items = _gzip_records(reader) if gz else _plain_records(reader)
        for item in items:
            if isinstance(item, _Record):
                state.check(item)
            elif isinstance(item, _Truncated):
                state.truncated = True
                state.problem(reader.size, "truncated",
                              f"{rel}: the file ends inside a record (at {reader.size} bytes)",
                              None)
            else:
                state.damaged(item)
        while reader.read():  # the rest of a file whose reading stopped early
            pass
        size = reader.size
        sha256 = "sha256:" + reader.sha256.hexdigest()
    if state.records == 0 and not state.truncated and not state.problems:
        state.unreadable = size > 0
        if size == 0:
            state.truncated = True
            state.problem(0, "truncated", f"{rel}: the file is empty", None)
        else:
            state.problem(0, "unreadable", f"{rel}: no WARC record could be read", None)
    state.compare_ledger(size)
    if last_good is not None and last_good.sha256 and last_good.sha256 != sha256:
        when = last_good.checked_at.strftime("%Y-%m-%d %H:%M UTC")
        if size < last_good.size:
            state.truncated = True
            state.problem(size, "truncated",
                          f"{rel}: {size} bytes, {last_good.size} at the fixity check of "
                          f"{when}: the file was cut", None)
        else:
            state.problem(0, "file_digest",
                          f"{rel}: its SHA-256 is {sha256}, it was {last_good.sha256} at the "
                          f"fixity check of {when}: the file changed"
                          + ("" if state.problems else " where no record digest covers it "
                             "(a gzip header, say)"), None)
    if state.truncated:
        outcome = FixityOutcome.TRUNCATED
    elif state.unreadable:
        outcome = FixityOutcome.UNREADABLE
    elif state.problems:
        outcome = FixityOutcome.MISMATCH
    else:
        outcome = FixityOutcome.OK
    return FixityResult(
        file=rel, outcome=outcome, checked_at=checked_at, size=size, sha256=sha256,
        records=state.records, digests_checked=state.digests,
        ledger_checked=len(ledger), problems=tuple(state.problems), tool=TOOL,
        tool_version=__version__, elapsed_ms=int((time.monotonic() - started) * 1000))


def check_folder(folder: Path | str, *, last_good: Mapping[str, FixityResult] | None = None,
                 manifest_id: str | None = None, now: Callable[[], datetime] | None = None,
                 progress: ProgressCallback | None = None) -> FixityRun:
    """Check every WARC file of ``folder`` against its digests, the ledger and
    ``last_good`` (each file's last clean check, by path under ``folder``).

    A file the ledger names that is gone is an ``unreadable`` result. Files
    being written (``*.open``) are left alone.
    """
    folder = Path(folder)
    clock = now or (lambda: datetime.now(UTC))
    started = clock()
    entries, bad = read_ledger(folder / LEDGER_NAME)
    by_file: dict[str, list[LedgerEntry]] = {}
    for entry in entries:
        by_file.setdefault(entry.warc_file, []).append(entry)
    notes: list[str] = []
    if bad:
        notes.append(f"{LEDGER_NAME}: {bad} unreadable line(s) not compared")
    files = [p for p in iter_warc_files(folder) if p.name.lower().endswith(FIXITY_SUFFIXES)]
    skipped = [p for p in iter_warc_files(folder) if p not in files]
    if skipped:
        notes.append(f"{len(skipped)} ARC file(s) carry no digests and were not checked "
                     f"(e.g. {skipped[0].relative_to(folder).as_posix()})")
    results: list[FixityResult] = []
    total = len(files)
    seen: set[str] = set()
    for index, path in enumerate(files):
        rel = path.relative_to(folder).as_posix()
        seen.add(rel)
        if progress is not None:
            progress(Progress("fixity", index, total, rel))
        results.append(check_file(path, rel, ledger=by_file.get(rel, ()),
                                  last_good=(last_good or {}).get(rel), now=clock))
    for rel in sorted(set(by_file) - seen):
        results.append(FixityResult(
            file=rel, outcome=FixityOutcome.UNREADABLE, checked_at=clock(),
            ledger_checked=len(by_file[rel]),
            problems=tuple(FixityProblem(e.warc_offset, "missing",
                                         f"{rel}: the ledger lists record {e.record_id} at "
                                         f"offset {e.warc_offset} in this file, which is gone",
                                         e.record_id) for e in by_file[rel]),
            tool=TOOL, tool_version=__version__))
    if progress is not None:
        progress(Progress("fixity", total, total, None))
    return FixityRun(warcs_dir=folder, started_at=started, finished_at=clock(),
                     results=tuple(results), manifest_id=manifest_id,
                     bytes_read=sum(r.size for r in results), notes=tuple(notes))


__all__ = ["FIXITY_SUFFIXES", "TOOL", "check_file", "check_folder",
           "digest_matches", "http_payload"]
