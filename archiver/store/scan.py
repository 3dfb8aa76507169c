"""Reading anyone's WARC files, within bounds: what verify indexes a folder with.

A WARC folder may hold files archiver did not write (wget, Heritrix, warcio,
pywb, warcprox, or someone hostile), gzipped per record or plain, WARC or ARC.
:func:`scan_records` reads one such file once, from start to end, and hands
out each record as warcio parses it (``ArcWarcRecordLoader``, ARC read as
WARC), with its offset. Whatever the file holds, reading it is bounded:

* **memory**: gzip members are inflated a chunk at a time
  (:class:`~archiver.store.structure.GzipMembers`); nothing is held whole;
* **headers**: warcio reads header lines whole, so at most
  :data:`~archiver.store.structure.MAX_HEADER_BYTES` may be read before a
  record's WARC and HTTP headers are parsed; a record with more is skipped
  (a gzip member) or ends the file (a plain file, where the next record
  cannot be found);
* **records**: a record whose ``Content-Length`` passes
  :data:`~archiver.store.structure.MAX_RECORD_BYTES` is skipped with a
  warning naming the file and offset, its block never read (a gzip bomb);
* **time**: one pass, linear in the file's inflated size.

A damaged file (cut, corrupt, more than one record in a gzip member) ends
with a :class:`Damage` naming the offset; the records before it stand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from warcio.bufferedreaders import BufferedReader
from warcio.recordloader import ArcWarcRecordLoader

from archiver.store.structure import (
    CHUNK,
    GZIP_MAGIC,
    MAX_HEADER_BYTES,
    MAX_RECORD_BYTES,
    GzipMembers,
    WarcStructureError,
)

#: Bytes allowed after a record's block in its gzip member: the CRLF CRLF that
#: ends a WARC record (WARC 1.1 §4), or the LF of an ARC one, with room for a
#: writer that adds a blank line more. More is another record in the member.
TRAILER_SLACK = 64


class Damage(Exception):
    """The file is damaged at ``offset``: ``detail`` says how; the rest is not read."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class _Over(Exception):
    """A stream was read past its current allowance."""


class _Allowance:
    """A readable stream over ``read`` that refuses to read past ``limit`` bytes.

    The limit is moved for each phase: while warcio parses headers it may read
    :data:`MAX_HEADER_BYTES` more (warcio reads a line whole, however long);
    then the record's block.
    """

    def __init__(self, read: Callable[[int], bytes]) -> None:
        self._read = read
        self.delivered = 0
        self.limit = 0

    def allow(self, more: int) -> None:
        self.limit = self.delivered + more

    def read(self, n: int | None = -1) -> bytes:
        if self.delivered >= self.limit:
            raise _Over
        want = CHUNK if n is None or n < 0 else n
        data = self._read(min(want, self.limit - self.delivered))
        self.delivered += len(data)
        return data


Warn = Callable[[str], None]


def scan_records(fh: BinaryIO, path: Path, warn: Warn) -> Iterator[tuple[int, Any]]:
    """(offset, warcio record) of each record of the open file ``fh``, in order.

    The caller may read the record's content before asking for the next one;
    what it leaves is read past here. ``warn`` is called with a sentence (no
    file name) for each record skipped; :class:`Damage` (or
    :class:`~archiver.store.structure.WarcStructureError`) ends a damaged file.
    """
    start = fh.read(len(GZIP_MAGIC))
    fh.seek(0)
    if start == GZIP_MAGIC:
        yield from _scan_gzip(fh, path, warn)
    else:
        yield from _scan_plain(fh, warn)


def _loader() -> Any:
    return ArcWarcRecordLoader(verify_http=False, arc2warc=True)


def _parse(loader: Any, reader: BufferedReader, offset: int,
           first_line: bytes | None = None) -> Any:
    """The record warcio reads at ``offset``; Damage if it cannot read one there."""
    try:
        return loader.parse_record_stream(reader, first_line)
    except (EOFError, _Over, WarcStructureError):
        raise
    except Exception as err:  # warcio raises many types on bad input
        raise Damage(f"damaged at offset {offset} ({type(err).__name__}: "
                     f"{_short(str(err))})") from err


def _short(text: str, limit: int = 200) -> str:
    """A message from warcio (which quotes what it read) cut to a sensible length."""
    return text if len(text) <= limit else text[:limit] + "..."


def _drain(record: Any) -> None:
    while record.raw_stream.read(CHUNK):
        pass


def _missing(record: Any, offset: int) -> None:
    left = getattr(record.raw_stream, "limit", 0)
    if left:
        raise Damage(f"truncated record at offset {offset} ({left} bytes missing)")


def _too_large(record: Any, offset: int, warn: Warn) -> bool:
    length = record.length
    if length is not None and length > MAX_RECORD_BYTES:
        warn(f"the record at offset {offset} is larger than "
             f"{MAX_RECORD_BYTES // 2**20} MB ({length} bytes); skipped")
        return True
    return False


def _scan_gzip(fh: BinaryIO, path: Path, warn: Warn) -> Iterator[tuple[int, Any]]:
    """One record per gzip member (WARC 1.1 Annex D.2), each member read on its own."""
    loader = _loader()
    for member in GzipMembers(fh, path):
        offset = member.offset
        stream = _Allowance(member.read)
        reader = BufferedReader(stream, block_size=CHUNK)
        stream.allow(MAX_HEADER_BYTES)
        try:
            record = _parse(loader, reader, offset)
        except EOFError:
            continue  # an empty member
        except _Over:
            warn(f"the record at offset {offset} has more than "
                 f"{MAX_HEADER_BYTES // 1024} kB of headers; skipped")
            continue
        if _too_large(record, offset, warn):
            continue  # GzipMembers inflates the rest of the member away, unkept
        stream.allow(MAX_RECORD_BYTES + TRAILER_SLACK)
        try:
            yield offset, record
            _drain(record)
        except _Over:
            warn(f"the record at offset {offset} is larger than "
                 f"{MAX_RECORD_BYTES // 2**20} MB; skipped")
            continue
        _missing(record, offset)
        stream.allow(TRAILER_SLACK + 1)
        try:
            trailer = reader.read(TRAILER_SLACK + 1)
        except _Over:
            trailer = b"x" * (TRAILER_SLACK + 1)
        if len(trailer) > TRAILER_SLACK or trailer.strip():
            raise Damage(f"more than one record in the gzip member at offset {offset} "
                         "(a WARC gzipped whole, not record by record?)")


def _scan_plain(fh: BinaryIO, warn: Warn) -> Iterator[tuple[int, Any]]:
    """Records one after another in an uncompressed file, blank lines between."""
    loader = _loader()
    stream = _Allowance(fh.read)
    reader = BufferedReader(stream, block_size=CHUNK)
    next_line: bytes | None = None
    while True:
        offset = stream.delivered - reader.rem_length() - len(next_line or b"")
        stream.allow(MAX_HEADER_BYTES)
        try:
            record = _parse(loader, reader, offset, next_line)
        except EOFError:
            return
        except _Over as err:
            raise Damage(f"the record at offset {offset} has more than "
                         f"{MAX_HEADER_BYTES // 1024} kB of headers") from err
        skip = _too_large(record, offset, warn)
        stream.allow((record.length or 0) + MAX_HEADER_BYTES)
        try:
            if not skip:
                yield offset, record
            _drain(record)
        except _Over as err:  # a record without a length: its end cannot be found
            raise Damage(f"the record at offset {offset} has no end") from err
        _missing(record, offset)
        stream.allow(MAX_HEADER_BYTES)
        try:
            next_line = _blank_lines(reader, offset, warn)
        except _Over as err:
            raise Damage(f"no record after offset {offset}, only "
                         f"{MAX_HEADER_BYTES // 1024} kB of blank lines or more") from err
        if next_line is None:
            return


def _blank_lines(reader: BufferedReader, offset: int, warn: Warn) -> bytes | None:
    """Read the blank lines after a record: the first line of the next, or None at
    the end. A first line that is not blank is skipped with a warning, as warcio
    does (``ArchiveIterator._consume_blanklines``)."""
    first = True
    while True:
        line = reader.readline(MAX_HEADER_BYTES)
        if not line:
            return None
        if line.strip() and not first:
            return bytes(line)
        if line.strip():
            warn(f"the record at offset {offset} is not followed by a blank line "
                 "(is its Content-Length wrong?)")
        first = False
