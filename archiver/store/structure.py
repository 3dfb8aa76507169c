"""A strict reader of the WARC files the store writes, and their structural checks.

:func:`read_warc` reads a per-record-gzipped WARC exactly: every gzip member
must be whole and hold exactly one record whose block is ``Content-Length``
bytes followed by CRLF CRLF, so a truncated file is caught (``warcio check``
does not catch it: webrecorder/warcio#138). :func:`check_records` and
:func:`check_folder` apply the field rules of WARC 1.1 (ISO 28500:2017,
iipc/warc-specifications ``specifications/warc-format/warc-1.1/index.md``):
mandatory fields (§5.2-5.5), ``WARC-Target-URI`` per type (§5.14), where
``WARC-Refers-To`` (§5.11), ``WARC-Filename`` (§5.17) and payload digests
(§5.9) may appear, and that record links resolve.

The store also uses them to decide whether a ``.open`` file left by a killed
run is whole.

Reading is bounded whatever a file holds: :class:`GzipMembers` reads a file
once, a chunk at a time, and inflates each member only as far as it is read
(a gzip bomb is never held whole); a record is never read past
:data:`MAX_RECORD_BYTES`, nor its headers past :data:`MAX_HEADER_BYTES`.
"""

from __future__ import annotations

import zlib
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from archiver.errors import WarcError
from archiver.store.fields import OPEN_SUFFIX, WARC_SUFFIX, sha1_base32


@dataclass
class WarcRecordInfo:
    """The WARC headers of one record, where it sits, and its block."""

    offset: int
    length: int  # bytes of the gzip member
    headers: list[tuple[str, str]]
    block: bytes

    def get(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def get_all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def type(self) -> str:
        return self.get("WARC-Type") or ""

    @property
    def record_id(self) -> str:
        return self.get("WARC-Record-ID") or ""


class WarcStructureError(WarcError):
    """A WARC file is not whole, or not one record per gzip member.

    ``detail`` says what is wrong and at which byte; the message also names the file.
    """

    def __init__(self, detail: str, *, path: Path | str) -> None:
        super().__init__(f"{path}: {detail}", path=path)
        self.detail = detail


#: The most one WARC record may hold, decompressed, for archiver to read it. fetch
#: never writes a body larger than ``archiver.fetch.limits.DOWNLOAD_MAX_BYTES``
#: (50 MiB) and verify never reads a payload larger than
#: ``archiver.store.index.MAX_PAYLOAD_BYTES`` (50 MiB), so a larger record holds
#: nothing archiver would use; 64 MiB leaves room for the headers. It bounds what
#: a gzip bomb (1 MB of zeros inflates to 1 GB) can make archiver hold or parse.
MAX_RECORD_BYTES = 64 * 2**20
#: The most the WARC and HTTP headers of one record may take. Real ones take a
#: few kB (web servers refuse request headers past 8-16 kB); past this a record
#: is skipped, so no line is ever read whole from a stream without bound.
MAX_HEADER_BYTES = 2**20
#: Bytes inflated at a time.
CHUNK = 64 * 1024
GZIP_MAGIC = b"\x1f\x8b"


class GzipMember:
    """One gzip member of a file, inflated as it is read: never more than asked.

    ``offset`` is where the member starts in the file; ``length`` (its
    compressed size) is known once it has been read or skipped to its end.
    """

    def __init__(self, source: GzipMembers) -> None:
        self._source = source
        self._inflater = zlib.decompressobj(wbits=31)
        self.offset = source.pos
        self.done = False

    @property
    def length(self) -> int:
        return self._source.pos - self.offset

    def read(self, n: int = -1) -> bytes:
        """Up to ``n`` inflated bytes (at most :data:`CHUNK` when ``n`` < 0); b"" at
        the member's end. Raises WarcStructureError if the member is cut or corrupt."""
        limit = CHUNK if n is None or n < 0 else min(n, CHUNK)
        src = self._source
        while not self.done and limit > 0:
            if not src.pending:
                src.pending = src.fh.read(CHUNK)
                if not src.pending:
                    raise WarcStructureError(f"gzip member at byte {self.offset} is truncated",
                                             path=src.path)
            data = src.pending
            try:
                out = self._inflater.decompress(data, limit)
            except zlib.error as err:
                raise WarcStructureError(f"bad gzip data at byte {self.offset}: {err}",
                                         path=src.path) from err
            self.done = self._inflater.eof
            src.pending = (self._inflater.unused_data if self.done
                           else self._inflater.unconsumed_tail)
            src.pos += len(data) - len(src.pending)
            if out:
                return out
        return b""

    def skip(self) -> None:
        """Inflate the rest of the member and drop it, a chunk at a time."""
        while self.read(CHUNK):
            pass


class GzipMembers:
    """The gzip members of an open file, in order, each read once: one pass over
    the file, a chunk at a time, whatever its size or the number of members."""

    def __init__(self, fh: BinaryIO, path: Path) -> None:
        self.fh = fh
        self.path = path
        self.pos = fh.tell()  # file offset of ``pending``'s first byte
        self.pending = b""

    def __iter__(self) -> Iterator[GzipMember]:
        while True:
            if not self.pending:
                self.pending = self.fh.read(CHUNK)
                if not self.pending:
                    return
            member = GzipMember(self)
            yield member
            member.skip()  # whatever the caller left unread


def _read_member_record(member: GzipMember, path: Path, max_bytes: int) -> WarcRecordInfo:
    """The one record of a gzip member, read whole but never past ``max_bytes``."""
    offset = member.offset
    head = b""
    while b"\r\n\r\n" not in head:
        if len(head) > MAX_HEADER_BYTES:
            raise WarcStructureError(f"record at byte {offset}: no end of WARC headers in "
                                     f"{MAX_HEADER_BYTES // 1024} kB", path=path)
        chunk = member.read(CHUNK)
        if not chunk:
            break
        head += chunk
    if not head:
        raise WarcStructureError(f"record at byte {offset}: the gzip member is empty",
                                 path=path)
    header, sep, rest = head.partition(b"\r\n\r\n")
    rec = _parse_headers(offset, header, sep, path)
    size = _content_length(rec, path)
    if size > max_bytes - len(header):
        raise WarcStructureError(
            f"record at byte {offset}: larger than {max_bytes // 2**20} MB "
            f"(Content-Length {size}); not read", path=path)
    block = bytearray(rest)
    del head, rest
    while len(block) < size + 4:
        chunk = member.read(min(CHUNK, size + 4 - len(block)))
        if not chunk:
            break
        block += chunk
    extra = member.read(1) if len(block) <= size + 4 else b"x"
    if len(block) != size + 4 or block[size:] != b"\r\n\r\n" or extra:
        raise WarcStructureError(
            f"record at byte {offset}: block is not Content-Length ({size}) bytes "
            "followed by CRLF CRLF (truncated, or more than one record in a gzip member)",
            path=path)
    del block[size:]
    rec.length = member.length
    rec.block = bytes(block)
    return rec


def _parse_headers(offset: int, head: bytes, sep: bytes, path: Path) -> WarcRecordInfo:
    if not sep:
        raise WarcStructureError(f"record at byte {offset}: no end of WARC headers", path=path)
    lines = head.decode("utf-8", errors="replace").split("\r\n")
    if not lines[0].startswith("WARC/"):
        raise WarcStructureError(f"record at byte {offset}: no WARC version line", path=path)
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon:
            raise WarcStructureError(f"record at byte {offset}: bad header line "
                                     f"{_short(line)}", path=path)
        headers.append((name.strip(), value.strip()))
    return WarcRecordInfo(offset, 0, headers, b"")


def _content_length(rec: WarcRecordInfo, path: Path) -> int:
    text = rec.get("Content-Length") or ""
    if not (text.isascii() and text.isdigit()):
        raise WarcStructureError(f"record at byte {rec.offset}: no valid Content-Length",
                                 path=path)
    return int(text)


def _short(text: str, limit: int = 80) -> str:
    """``text`` as a repr short enough for a message (a file may hold anything)."""
    return repr(text if len(text) <= limit else text[:limit] + "...")


def iter_warc_records(path: Path | str, *,
                      max_record_bytes: int = MAX_RECORD_BYTES) -> Generator[WarcRecordInfo]:
    """The records of a per-record-gzipped WARC, one at a time, in one pass.

    Each record is read whole (it is small: archiver's own files), but never
    past ``max_record_bytes``. Raises WarcStructureError where the file is broken
    or a record is too large, and OSError if it cannot be read.
    """
    path = Path(path)
    with open(path, "rb") as fh:
        if not fh.read(1):
            raise WarcStructureError("file is empty", path=path)
        fh.seek(0)
        for member in GzipMembers(fh, path):
            yield _read_member_record(member, path, max_record_bytes)


def read_first_record(path: Path | str, *, max_bytes: int) -> WarcRecordInfo:
    """The first record of a per-record-gzipped WARC, read no further than it
    (``max_bytes`` at most); raise WarcStructureError if it cannot be."""
    records = iter_warc_records(path, max_record_bytes=max_bytes)
    try:
        return next(records)
    except StopIteration:  # pragma: no cover - an empty file raises above
        raise WarcStructureError("no record", path=Path(path)) from None
    finally:
        records.close()


def read_warc(path: Path | str, *,
              max_record_bytes: int = MAX_RECORD_BYTES) -> list[WarcRecordInfo]:
    """Read every record of a per-record-gzipped WARC; raise WarcStructureError if broken
    (a record larger than ``max_record_bytes`` included)."""
    return list(iter_warc_records(path, max_record_bytes=max_record_bytes))


_REQUIRED = ("WARC-Record-ID", "Content-Length", "WARC-Date", "WARC-Type")
_TARGET_REQUIRED = {"response", "resource", "request", "revisit", "conversion",
                    "continuation"}


def check_records(records: Sequence[WarcRecordInfo], *, name: str = "",
                  known_ids: set[str] | None = None) -> list[str]:
    """Structural problems of one WARC's records (WARC 1.1 field rules, links, digests).

    ``known_ids`` are record ids of other files that ``WARC-Refers-To`` may name.
    """
    problems: list[str] = []
    ids = {r.record_id for r in records}
    external = known_ids or set()
    if not records or records[0].type != "warcinfo":
        problems.append(f"{name}: the first record is not a warcinfo record")
    for rec in records:
        where = f"{name}@{rec.offset} ({rec.type or '?'})"
        for field_name in _REQUIRED:
            if not rec.get(field_name):
                problems.append(f"{where}: missing {field_name}")
        if rec.type in _TARGET_REQUIRED and not rec.get("WARC-Target-URI"):
            problems.append(f"{where}: missing WARC-Target-URI")
        if rec.type == "warcinfo":
            for forbidden in ("WARC-Target-URI", "WARC-Concurrent-To", "WARC-Refers-To"):
                if rec.get(forbidden):
                    problems.append(f"{where}: {forbidden} is not allowed on warcinfo")
        elif rec.get("WARC-Filename"):
            problems.append(f"{where}: WARC-Filename is allowed on warcinfo only")
        if rec.get("WARC-Refers-To") and rec.type not in ("metadata", "revisit", "conversion"):
            problems.append(f"{where}: WARC-Refers-To is not allowed on {rec.type}")
        if rec.type == "metadata" and rec.get("WARC-Payload-Digest"):
            problems.append(f"{where}: metadata records have no payload digest")
        for link in ("WARC-Concurrent-To", "WARC-Warcinfo-ID"):
            for target in rec.get_all(link):
                if target not in ids:
                    problems.append(f"{where}: {link} {target} names no record in the file")
        for target in rec.get_all("WARC-Refers-To"):
            if target not in ids and target not in external:
                problems.append(f"{where}: WARC-Refers-To {target} names no known record")
        digest = rec.get("WARC-Block-Digest")
        if digest:
            algo, _, value = digest.partition(":")
            if algo.lower() == "sha1" and value != sha1_base32(rec.block):
                problems.append(f"{where}: WARC-Block-Digest does not match the block")
    return problems


def check_folder(folder: Path | str) -> list[str]:
    """Structural problems of every ``*.warc.gz`` in ``folder`` (cross-file refs resolved)."""
    folder = Path(folder)
    parsed: dict[str, list[WarcRecordInfo]] = {}
    problems: list[str] = []
    for path in sorted(folder.glob(f"*{WARC_SUFFIX}")):
        try:
            parsed[path.name] = read_warc(path)
        except WarcStructureError as err:
            problems.append(f"{path.name}: {err.detail}")
    all_ids = {r.record_id for recs in parsed.values() for r in recs}
    for name, recs in parsed.items():
        problems.extend(check_records(recs, name=name, known_ids=all_ids))
    for path in folder.glob(f"*{OPEN_SUFFIX}"):
        problems.append(f"{path.name}: an unfinished WARC (.open) is left in the folder")
    return problems

