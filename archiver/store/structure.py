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
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

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


def _gzip_members(data: bytes, path: Path) -> Iterator[tuple[int, int, bytes]]:
    """(offset, length, decompressed) per gzip member; raise on a truncated member."""
    pos = 0
    while pos < len(data):
        dec = zlib.decompressobj(wbits=31)
        try:
            out = dec.decompress(data[pos:])
        except zlib.error as err:
            raise WarcStructureError(f"bad gzip data at byte {pos}: {err}", path=path) from err
        if not dec.eof:
            raise WarcStructureError(f"gzip member at byte {pos} is truncated", path=path)
        length = len(data) - pos - len(dec.unused_data)
        yield pos, length, out
        pos += length


def _parse_record(offset: int, length: int, raw: bytes, path: Path) -> WarcRecordInfo:
    head, sep, rest = raw.partition(b"\r\n\r\n")
    if not sep:
        raise WarcStructureError(f"record at byte {offset}: no end of WARC headers", path=path)
    lines = head.decode("utf-8", errors="replace").split("\r\n")
    if not lines[0].startswith("WARC/"):
        raise WarcStructureError(f"record at byte {offset}: no WARC version line", path=path)
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon:
            raise WarcStructureError(f"record at byte {offset}: bad header line {line!r}",
                                     path=path)
        headers.append((name.strip(), value.strip()))
    rec = WarcRecordInfo(offset, length, headers, b"")
    try:
        size = int(rec.get("Content-Length") or "")
    except ValueError as err:
        raise WarcStructureError(f"record at byte {offset}: no valid Content-Length",
                                 path=path) from err
    if len(rest) < size + 4 or rest[size:] != b"\r\n\r\n":
        raise WarcStructureError(
            f"record at byte {offset}: block is not Content-Length ({size}) bytes "
            "followed by CRLF CRLF (truncated, or more than one record in a gzip member)",
            path=path)
    rec.block = rest[:size]
    return rec


def read_warc(path: Path | str) -> list[WarcRecordInfo]:
    """Read every record of a per-record-gzipped WARC; raise WarcStructureError if broken."""
    path = Path(path)
    data = path.read_bytes()
    if not data:
        raise WarcStructureError("file is empty", path=path)
    return [_parse_record(off, ln, raw, path) for off, ln, raw in _gzip_members(data, path)]


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

