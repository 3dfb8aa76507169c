"""Write web-archive captures into WARC files, safely and exactly once.

Layout (warc.md §4): every file is WARC/1.1, one gzip member per record, and
starts with a ``warcinfo`` record. Each downloaded memento (the chosen page,
and every archived redirect that led to it) becomes three records, in order:

``response``
    ``WARC-Target-URI`` = the original URL (the memento's ``Link rel="original"``),
    ``WARC-Date`` = its ``Memento-Datetime``, ``WARC-Source-URI`` = the memento URL,
    ``WARC-Creation-Date`` = when we downloaded it. The HTTP headers are the
    historical ones rebuilt from ``X-Archive-Orig-*`` (never Transfer-Encoding,
    Content-Encoding or the original Content-Length; Content-Length recomputed);
    the body is stored exactly as received after transport decoding.
``metadata``
    right after the response (the contract in :mod:`archiver.provenance`):
    ``WARC-Refers-To`` the response, ``application/warc-fields``, no payload
    digest; which source, how the capture was chosen, the archive's raw headers.
``request``
    what we sent the archive (``WARC-Concurrent-To`` the response).

Safety (warc.md §5): a file is written as ``NAME.warc.gz.open``, fsynced,
renamed to ``NAME.warc.gz`` and the folder fsynced; only then is it entered in
the ledger (``archiver-index.jsonl``, one JSON line per stored capture). A file
is never appended to once closed. On :meth:`WarcStore.open`, leftover ``.open``
files from a killed run are checked: complete ones are finished (renamed and
indexed), others are set aside as ``.invalid``; finished WARCs missing from the
ledger (a kill between rename and ledger write) are indexed from their own
metadata records. So nothing stored is lost and nothing is stored twice.

This module never touches the network.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http
import json
import logging
import os
import random
import string
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import IO, Any, TypeVar
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archiver import __version__, provenance
from archiver.errors import StoreError
from archiver.models import Capture, Hop, Source

try:  # POSIX advisory locks; elsewhere the folder is simply not locked.
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

logger = logging.getLogger(__name__)

LEDGER_NAME = "archiver-index.jsonl"
LOCK_NAME = ".archiver-fetch.lock"
OPEN_SUFFIX = ".open"
INVALID_SUFFIX = ".invalid"
WARC_SUFFIX = ".warc.gz"
LEDGER_VERSION = 1
SOFTWARE = f"archiver/{__version__}"

#: Headers never rebuilt from ``X-Archive-Orig-*``: they describe the original
#: transfer, not the stored body (warc.md §1 errata, §4).
TRANSFER_HEADERS = frozenset({"transfer-encoding", "content-encoding", "content-length",
                              "connection", "keep-alive"})

# Fields of the metadata record beyond the provenance contract (fetch's own).
F_SELECTION_RULE = "selection-rule"
F_LISTING_URL = "listing-url"  # repeated: every CDX/TimeMap query made
F_LISTING_ROW = "listing-row"  # the CDX row or TimeMap link of the chosen capture (JSON)
F_LISTING_KEY = "listing-key"  # repeated: capture keys that led here (see capture_key)
F_CANDIDATE = "candidate"  # repeated: "<ts14> <status> <mime> <rule>" per candidate
F_ARCHIVE_STATUS = "wayback-status"  # the archive's HTTP status for the memento URL
F_ARCHIVE_SOURCE_FILE = "wayback-source-file"  # X-Archive-Src: the archive's own (W)ARC
F_ARCHIVE_HEADERS = "wayback-response-headers"  # verbatim JSON list of [name, value]
F_JUMP = "wayback-jump"  # repeated: "<from URI-M> -> <to URI-M>" (no Memento-Datetime)
F_REDIRECT_TO = "redirect-to"  # on a redirect hop's metadata: the original target URL
F_USER_AGENT = "user-agent"
F_FETCH_TIME_MS = "fetchTimeMs"  # WARC 1.1 §6.6
F_MANIFEST_ROW = "manifest-row"  # line of the source in the manifest
F_CDX_DIGEST = "cdx-digest"
F_CDX_DIGEST_MATCH = "cdx-digest-match"  # informative only (EDGI _models.py:113)
F_PUBLISHED_PRECISION = "published-precision"  # "month"/"year" when only those are known
F_WARC_FILE = "warc-file"  # on a reference record: the file holding the response
F_WARC_OFFSET = "warc-offset"


# --------------------------------------------------------------------------
# What fetch hands the store
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Memento:
    """One archived HTTP response as downloaded: a redirect hop or the chosen page."""

    uri_r: str  # the original URL (Link rel="original")
    memento_url: str  # the URI-M we requested
    memento_datetime: datetime  # Memento-Datetime, UTC
    datetime_raw: str  # Memento-Datetime as sent
    status: int
    reason: str
    header_list: tuple[tuple[str, str], ...]  # the archive's headers, as sent
    body: bytes  # after transport decoding
    request_headers: tuple[tuple[str, str], ...] = ()
    peer: str | None = None
    fetched_at: datetime | None = None
    elapsed_ms: int | None = None
    location: str | None = None  # archived redirect: the original URL it points to

    def header(self, name: str) -> str | None:
        for key, value in self.header_list:
            if key.lower() == name.lower():
                return value
        return None

    @property
    def timestamp(self) -> str:
        return self.memento_datetime.strftime("%Y%m%d%H%M%S")


@dataclass(frozen=True)
class Selection:
    """How and for whom a capture was chosen: the body of the metadata record."""

    manifest_id: str
    source: Source
    archive: str
    rule: str
    distance_days: float
    pre_publication: bool
    listing_urls: tuple[str, ...] = ()
    listing_row: str | None = None
    listing_keys: tuple[str, ...] = ()
    candidates: tuple[str, ...] = ()
    jumps: tuple[str, ...] = ()
    cdx_digest: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True)
class WarcInfo:
    """What the ``warcinfo`` record of every file says."""

    manifest_id: str
    manifest_sha256: str | None = None
    user_agent: str | None = None
    operator: str | None = None
    software: str = SOFTWARE
    environment: str | None = None  # "(warcio/x; python/y)"; computed when None

    def fields(self, filename: str) -> list[tuple[str, str]]:
        out = [
            ("software", f"{self.software} {self.environment or _environment()}"),
            ("format", "WARC File Format 1.1"),
            ("conformsTo",
             "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"),
            ("isPartOf", self.manifest_id),
            ("description", f"web-archive captures for manifest {self.manifest_id}"
                            + (f" (sha256:{self.manifest_sha256})"
                               if self.manifest_sha256 else "")),
        ]
        if self.operator:
            out.append(("operator", self.operator))
        if self.manifest_sha256:
            out.append(("manifest-sha256", f"sha256:{self.manifest_sha256}"))
        if self.user_agent:
            out.append(("http-header-user-agent", self.user_agent))
        return out


def _environment() -> str:
    import platform
    from importlib.metadata import version

    return f"(warcio/{version('warcio')}; python/{platform.python_version()})"


# --------------------------------------------------------------------------
# The ledger
# --------------------------------------------------------------------------


def url_key(url: str) -> str:
    """A key under which spellings of one URL the archives treat alike collide.

    Scheme, ``www.``, default ports, letter case of the host and a trailing
    slash are ignored, as Wayback's canonical matching does.
    """
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    port = parts.port
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/")
    return f"{host}{path}" + (f"?{parts.query}" if parts.query else "")


def capture_key(uri_r: str, timestamp: str) -> str:
    """The identity of a capture: its URL key and 14-digit timestamp."""
    return f"{url_key(uri_r)} {timestamp}"


@dataclass(frozen=True)
class LedgerEntry:
    """One stored capture chosen for one source; a line of ``archiver-index.jsonl``."""

    manifest_id: str
    source_id: str
    requested_url: str
    published: str
    uri_r: str
    timestamp: str
    memento_url: str
    memento_datetime: str  # ISO 8601, UTC
    archive: str
    warc_file: str
    warc_offset: int
    record_id: str
    payload_sha256: str | None = None
    warc_length: int | None = None
    http_status: int = 200
    mime: str | None = None
    distance_days: float | None = None
    pre_publication: bool = False
    rule: str | None = None
    keys: tuple[str, ...] = ()
    redirects: tuple[tuple[int, str, str | None], ...] = ()
    stored_at: str | None = None
    #: The file holding the chosen metadata record, when not ``warc_file`` (a
    #: capture shared with another source, or reached by new redirects).
    metadata_file: str | None = None
    v: int = LEDGER_VERSION

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, line: str) -> LedgerEntry:
        data = json.loads(line)
        if not isinstance(data, dict):
            raise ValueError("not an object")
        known = {f for f in cls.__dataclass_fields__}
        data = {k: v for k, v in data.items() if k in known}
        data["keys"] = tuple(data.get("keys", ()))
        data["redirects"] = tuple(
            (int(s), str(u), loc) for s, u, loc in data.get("redirects", ()))
        return cls(**data)

    def matches_source(self, manifest_id: str, source: Source) -> bool:
        return (self.manifest_id == manifest_id and self.source_id == source.id
                and self.requested_url == source.url
                and self.published == source.published.isoformat())

    def capture(self) -> Capture:
        return Capture(
            source_id=self.source_id, url=self.uri_r, archive=self.archive,
            memento_url=self.memento_url,
            memento_datetime=datetime.fromisoformat(self.memento_datetime.replace("Z",
                                                                                  "+00:00")),
            http_status=self.http_status, mime=self.mime, warc_file=self.warc_file,
            warc_offset=self.warc_offset, record_id=self.record_id,
            payload_sha256=self.payload_sha256, distance_days=self.distance_days,
            pre_publication=self.pre_publication,
            redirects=tuple(Hop(url=u, status=s, location=loc) for s, u, loc in self.redirects),
        )


# --------------------------------------------------------------------------
# The WARC writer
# --------------------------------------------------------------------------


class ArchiverWarcWriter(WARCWriter):  # type: ignore[misc]
    """warcio's writer, WARC/1.1, gzip per record, no payload digest on metadata.

    warcio puts a payload digest on metadata records (recordbuilder.py
    ``NO_PAYLOAD_DIGEST_TYPES``), which WARC 1.1 §5.9 forbids for blocks without
    a well-defined payload and FastWARC flags (warc.md §2).

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


def warc_date(when: datetime, *, micros: bool = False) -> str:
    """A WARC-Date: UTC, ``Z``; whole seconds unless ``micros`` (JHOVE rejects fractions)."""
    when = when.astimezone(UTC)
    if micros:
        return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


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
            out.append((original, value))
        elif lname == "content-type":
            out.append(("Content-Type", value))
    if memento.location:
        out.append(("Location", memento.location))
    out.append(("Content-Length", str(len(memento.body))))
    return out


def _request_line_headers(memento: Memento) -> tuple[str, list[tuple[str, str]]]:
    parts = urlsplit(memento.memento_url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    headers = [("Host", parts.netloc)]
    headers.extend((k, v) for k, v in memento.request_headers if k.lower() != "host")
    return f"GET {target}", headers


def _sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _sha1_b32(data: bytes) -> str:
    return base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


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
class _Written:
    record_id: str
    offset: int
    length: int


class _FileWriter:
    """Writes the records of one WARC file and remembers their offsets."""

    def __init__(self, writer: ArchiverWarcWriter, fh: IO[bytes], filename: str,
                 info: WarcInfo) -> None:
        self.writer = writer
        self.fh = fh
        self.filename = filename
        self.info = info
        self.warcinfo_id = ""

    def _write(self, record: Any) -> _Written:
        start = self.fh.tell()
        self.writer.write_record(record)
        return _Written(str(record.rec_headers.get_header("WARC-Record-ID")), start,
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
                   ("WARC-Target-URI", memento.uri_r),
                   ("WARC-Source-URI", memento.memento_url)]
        if memento.fetched_at is not None:
            headers.append(("WARC-Creation-Date", warc_date(memento.fetched_at, micros=True)))
        headers.append(("WARC-Warcinfo-ID", self.warcinfo_id))
        return headers

    def response(self, memento: Memento) -> _Written:
        rid = self.writer.new_id()
        headers = self._capture_headers(memento, rid)
        if memento.peer:
            headers.append(("WARC-IP-Address", memento.peer))
        reason = memento.reason or _reason(memento.status)
        http_headers = StatusAndHeaders(f"{memento.status} {reason}",
                                        historical_headers(memento), protocol="HTTP/1.1")
        warc_headers = StatusAndHeaders("", [("WARC-Type", "response"), *headers],
                                        protocol="WARC/1.1")
        record = self.writer.create_warc_record(
            memento.uri_r, "response", payload=BytesIO(memento.body),
            length=len(memento.body), warc_headers=warc_headers, http_headers=http_headers)
        return self._write(record)

    def request(self, memento: Memento, response_id: str) -> _Written:
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
            memento.uri_r, "request", payload=BytesIO(b""), length=0,
            warc_headers=warc_headers, http_headers=http_headers)
        return self._write(record)

    def metadata(self, uri_r: str, when: datetime, refers_to: str, concurrent: bool,
                 fields: Sequence[tuple[str, str]]) -> _Written:
        rid = self.writer.new_id()
        headers = [("WARC-Record-ID", rid), ("WARC-Date", warc_date(when)),
                   ("WARC-Target-URI", uri_r), ("WARC-Refers-To", refers_to)]
        if concurrent:
            headers.append(("WARC-Concurrent-To", refers_to))
        headers.append(("WARC-Warcinfo-ID", self.warcinfo_id))
        return self._write(_fields_record(self.writer, headers, fields, "metadata"))


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _fmt_days(days: float) -> str:
    return f"{days:.3f}"


def _chosen_fields(selection: Selection, final: Memento, hops: Sequence[Memento],
                   info: WarcInfo) -> list[tuple[str, str]]:
    src = selection.source
    fields: list[tuple[str, str]] = [
        (provenance.F_SOFTWARE, info.software),
        (provenance.F_MANIFEST_ID, selection.manifest_id),
        (provenance.F_SOURCE_ID, src.id),
        (provenance.F_REQUESTED_URL, src.url),
        (provenance.F_ARCHIVE, selection.archive),
        (provenance.F_MEMENTO_URL, final.memento_url),
        (provenance.F_MEMENTO_DATETIME, final.datetime_raw),
        (provenance.F_PUBLISHED, src.published.isoformat()),
        (provenance.F_DISTANCE_DAYS, _fmt_days(selection.distance_days)),
        (provenance.F_PRE_PUBLICATION, "true" if selection.pre_publication else "false"),
        (provenance.F_CHOSEN, "true"),
    ]
    fields.extend((provenance.F_REDIRECT, f"{hop.status} {hop.uri_r}") for hop in hops)
    fields.append((provenance.F_PAYLOAD_SHA256, _sha256(final.body)))
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
        match = selection.cdx_digest.removeprefix("sha1:").upper() == _sha1_b32(final.body)
        fields.append((F_CDX_DIGEST_MATCH, "true" if match else "false"))
    if selection.user_agent:
        fields.append((F_USER_AGENT, selection.user_agent))
    if final.elapsed_ms is not None:
        fields.append((F_FETCH_TIME_MS, str(final.elapsed_ms)))
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


def _hop_fields(selection: Selection, hop: Memento, info: WarcInfo) -> list[tuple[str, str]]:
    fields = [
        (provenance.F_SOFTWARE, info.software),
        (provenance.F_MANIFEST_ID, selection.manifest_id),
        (provenance.F_SOURCE_ID, selection.source.id),
        (provenance.F_REQUESTED_URL, selection.source.url),
        (provenance.F_ARCHIVE, selection.archive),
        (provenance.F_MEMENTO_URL, hop.memento_url),
        (provenance.F_MEMENTO_DATETIME, hop.datetime_raw),
        (provenance.F_CHOSEN, "false"),
        (provenance.F_PAYLOAD_SHA256, _sha256(hop.body)),
    ]
    if hop.location:
        fields.append((F_REDIRECT_TO, hop.location))
    fields.extend(_archive_fields(hop))
    return fields


# --------------------------------------------------------------------------
# Structural checks (also used to decide whether a stray .open file is whole)
# --------------------------------------------------------------------------


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


class WarcStructureError(Exception):
    pass


def _gzip_members(data: bytes) -> Iterator[tuple[int, int, bytes]]:
    """(offset, length, decompressed) per gzip member; raise on a truncated member."""
    pos = 0
    while pos < len(data):
        dec = zlib.decompressobj(wbits=31)
        try:
            out = dec.decompress(data[pos:])
        except zlib.error as err:
            raise WarcStructureError(f"bad gzip data at byte {pos}: {err}") from err
        if not dec.eof:
            raise WarcStructureError(f"gzip member at byte {pos} is truncated")
        length = len(data) - pos - len(dec.unused_data)
        yield pos, length, out
        pos += length


def _parse_record(offset: int, length: int, raw: bytes) -> WarcRecordInfo:
    head, sep, rest = raw.partition(b"\r\n\r\n")
    if not sep:
        raise WarcStructureError(f"record at byte {offset}: no end of WARC headers")
    lines = head.decode("utf-8", errors="replace").split("\r\n")
    if not lines[0].startswith("WARC/"):
        raise WarcStructureError(f"record at byte {offset}: no WARC version line")
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon:
            raise WarcStructureError(f"record at byte {offset}: bad header line {line!r}")
        headers.append((name.strip(), value.strip()))
    rec = WarcRecordInfo(offset, length, headers, b"")
    try:
        size = int(rec.get("Content-Length") or "")
    except ValueError as err:
        raise WarcStructureError(f"record at byte {offset}: no valid Content-Length") from err
    if len(rest) < size + 4 or rest[size:] != b"\r\n\r\n":
        raise WarcStructureError(
            f"record at byte {offset}: block is not Content-Length ({size}) bytes "
            "followed by CRLF CRLF (truncated, or more than one record in a gzip member)")
    rec.block = rest[:size]
    return rec


def read_warc(path: Path | str) -> list[WarcRecordInfo]:
    """Read every record of a per-record-gzipped WARC; raise WarcStructureError if broken."""
    data = Path(path).read_bytes()
    if not data:
        raise WarcStructureError("file is empty")
    return [_parse_record(off, ln, raw) for off, ln, raw in _gzip_members(data)]


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
            if algo.lower() == "sha1" and value != _sha1_b32(rec.block):
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
            problems.append(f"{path.name}: {err}")
    all_ids = {r.record_id for recs in parsed.values() for r in recs}
    for name, recs in parsed.items():
        problems.extend(check_records(recs, name=name, known_ids=all_ids))
    for path in folder.glob(f"*{OPEN_SUFFIX}"):
        problems.append(f"{path.name}: an unfinished WARC (.open) is left in the folder")
    return problems


# --------------------------------------------------------------------------
# The store
# --------------------------------------------------------------------------

_TOKEN_ALPHABET = string.ascii_lowercase + string.digits


class WarcStore:
    """A folder of WARC files with a ledger of the captures they hold.

    Use as a context manager (or call :meth:`open`/:meth:`close`): opening takes
    an exclusive lock on the folder, recovers what a killed run left, and loads
    the ledger. ``notes`` then says what was recovered or set aside.

    ``writer_class`` and ``rng`` exist for tests (pinned record ids, file names).
    """

    def __init__(self, folder: Path | str, *, info: WarcInfo, prefix: str | None = None,
                 now: Callable[[], datetime] | None = None,
                 writer_class: type[ArchiverWarcWriter] = ArchiverWarcWriter,
                 rng: random.Random | None = None) -> None:
        self.folder = Path(folder)
        self.info = info
        self.prefix = prefix or info.manifest_id or "archiver"
        self.now = now or (lambda: datetime.now(UTC))
        self.writer_class = writer_class
        self.rng = rng or random.SystemRandom()
        self.notes: list[str] = []
        self.entries: list[LedgerEntry] = []
        self._serial = 0
        self._lock_fh: IO[bytes] | None = None

    # -- life cycle -------------------------------------------------------------

    def __enter__(self) -> WarcStore:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def ledger_path(self) -> Path:
        return self.folder / LEDGER_NAME

    def open(self) -> list[str]:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise StoreError(f"cannot create the WARC folder {self.folder}: {err.strerror}",
                             hint="give a writable folder with --warcs") from err
        self._lock()
        self._load_ledger()
        for path in sorted(self.folder.glob(f"*{WARC_SUFFIX}{OPEN_SUFFIX}")):
            self._recover(path)
        self._index_unknown_files()
        return self.notes

    def close(self) -> None:
        if self._lock_fh is not None:
            self._lock_fh.close()
            self._lock_fh = None

    def _lock(self) -> None:
        path = self.folder / LOCK_NAME
        try:
            fh = open(path, "ab")  # noqa: SIM115 - held open for the run
        except OSError as err:
            raise StoreError(f"cannot write in the WARC folder {self.folder}: {err.strerror}",
                             hint="give a writable folder with --warcs") from err
        if fcntl is not None:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as err:
                fh.close()
                raise StoreError(
                    f"another archiver fetch is writing to {self.folder}",
                    hint="wait for it to finish, or give another folder with --warcs",
                ) from err
        self._lock_fh = fh

    # -- ledger -------------------------------------------------------------------

    def _load_ledger(self) -> None:
        self.entries = []
        if not self.ledger_path.exists():
            return
        bad = 0
        with open(self.ledger_path, encoding="utf-8") as fh:
            for line in fh:
                if not line.strip():
                    continue
                try:
                    self.entries.append(LedgerEntry.from_json(line))
                except (ValueError, TypeError, KeyError):
                    bad += 1
        if bad:
            self.notes.append(f"{LEDGER_NAME}: skipped {bad} unreadable line(s) "
                              "(an interrupted write); the WARCs they named are re-indexed")
        missing = sorted({e.warc_file for e in self.entries
                          if not (self.folder / e.warc_file).exists()})
        if missing:
            self.entries = [e for e in self.entries if e.warc_file not in missing]
            self.notes.append(f"{len(missing)} WARC file(s) named in {LEDGER_NAME} are "
                              f"missing (e.g. {missing[0]}); their captures will be "
                              "fetched again")

    def _append(self, entries: Sequence[LedgerEntry]) -> None:
        if not entries:
            return
        text = "".join(e.to_json() + "\n" for e in entries)
        try:
            with open(self.ledger_path, "a", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as err:
            raise StoreError(f"cannot write {self.ledger_path}: {err.strerror}") from err
        self.entries.extend(entries)

    def find_for_source(self, manifest_id: str, source: Source) -> LedgerEntry | None:
        """The capture already stored for this source (same URL and date), if any."""
        for entry in reversed(self.entries):
            if entry.matches_source(manifest_id, source):
                return entry
        return None

    def find_capture(self, key: str) -> LedgerEntry | None:
        """A stored capture reached through ``key`` (see :func:`capture_key`), if any."""
        for entry in reversed(self.entries):
            if key in entry.keys:
                return entry
        return None

    # -- writing ------------------------------------------------------------------

    def _new_name(self) -> str:
        now = self.now().astimezone(UTC)
        ts17 = now.strftime("%Y%m%d%H%M%S") + f"{now.microsecond // 1000:03d}"
        token = "".join(self.rng.choice(_TOKEN_ALPHABET) for _ in range(8))
        name = f"{self.prefix}-{ts17}-{self._serial:05d}-{token}{WARC_SUFFIX}"
        self._serial += 1
        return name

    def _write_file(self, build: Callable[[_FileWriter], T]) -> tuple[str, T]:
        name = self._new_name()
        final = self.folder / name
        tmp = self.folder / (name + OPEN_SUFFIX)
        try:
            fh = open(tmp, "xb")  # noqa: SIM115 - closed below on every path
        except OSError as err:
            raise StoreError(f"cannot create {tmp}: {err.strerror}",
                             hint="check that the WARC folder is writable") from err
        try:
            writer = _FileWriter(self.writer_class(fh), fh, name, self.info)
            writer.warcinfo()
            result = build(writer)
            fh.flush()
            os.fsync(fh.fileno())
        except BaseException:
            fh.close()
            tmp.unlink(missing_ok=True)
            raise
        fh.close()
        if final.exists():  # pragma: no cover - names carry a random token
            raise StoreError(f"{final} exists already; refusing to overwrite it")
        os.replace(tmp, final)
        _fsync_dir(self.folder)
        return name, result

    def write_capture(self, selection: Selection, final: Memento,
                      hops: Sequence[Memento] = (),
                      stored: LedgerEntry | None = None) -> LedgerEntry:
        """Write one new WARC holding ``hops`` then ``final``; index and return it.

        With ``stored`` (the ledger entry of ``final``, held already because a
        redirect led to a capture stored for another source), only the hops are
        written and the chosen metadata record refers to the stored response.
        """
        def build(fw: _FileWriter) -> _Written:
            for hop in hops:
                resp = fw.response(hop)
                fw.metadata(hop.uri_r, hop.memento_datetime, resp.record_id, True,
                            _hop_fields(selection, hop, self.info))
                fw.request(hop, resp.record_id)
            if stored is not None:
                fields = _chosen_fields(selection, final, hops, self.info)
                fields += [(F_WARC_FILE, stored.warc_file),
                           (F_WARC_OFFSET, str(stored.warc_offset))]
                fw.metadata(final.uri_r, final.memento_datetime, stored.record_id, False,
                            fields)
                return _Written(stored.record_id, stored.warc_offset, stored.warc_length or 0)
            resp = fw.response(final)
            fw.metadata(final.uri_r, final.memento_datetime, resp.record_id, True,
                        _chosen_fields(selection, final, hops, self.info))
            fw.request(final, resp.record_id)
            return resp

        name, resp = self._write_file(build)
        metadata_file = None
        if stored is not None:
            name, metadata_file = stored.warc_file, name
        keys = tuple(dict.fromkeys([*selection.listing_keys,
                                    capture_key(final.uri_r, final.timestamp)]))
        content_type = final.header("Content-Type")
        entry = LedgerEntry(
            manifest_id=selection.manifest_id, source_id=selection.source.id,
            requested_url=selection.source.url,
            published=selection.source.published.isoformat(), uri_r=final.uri_r,
            timestamp=final.timestamp, memento_url=final.memento_url,
            memento_datetime=warc_date(final.memento_datetime), archive=selection.archive,
            warc_file=name, warc_offset=resp.offset, warc_length=resp.length,
            record_id=resp.record_id, payload_sha256=_sha256(final.body),
            http_status=final.status,
            mime=content_type.split(";")[0].strip() if content_type else None,
            distance_days=selection.distance_days, pre_publication=selection.pre_publication,
            rule=selection.rule, keys=keys,
            redirects=tuple((h.status, h.uri_r, h.location) for h in hops),
            stored_at=warc_date(self.now(), micros=True), metadata_file=metadata_file,
        )
        self._append([entry])
        return entry

    def write_reference(self, selection: Selection, stored: LedgerEntry) -> LedgerEntry:
        """Record that ``selection.source`` chose a capture stored already for another
        source: a small WARC with a metadata record referring to the stored response."""
        when = datetime.fromisoformat(stored.memento_datetime.replace("Z", "+00:00"))
        src = selection.source
        fields: list[tuple[str, str]] = [
            (provenance.F_SOFTWARE, self.info.software),
            (provenance.F_MANIFEST_ID, selection.manifest_id),
            (provenance.F_SOURCE_ID, src.id),
            (provenance.F_REQUESTED_URL, src.url),
            (provenance.F_ARCHIVE, stored.archive),
            (provenance.F_MEMENTO_URL, stored.memento_url),
            (provenance.F_MEMENTO_DATETIME,
             when.strftime("%a, %d %b %Y %H:%M:%S GMT")),
            (provenance.F_PUBLISHED, src.published.isoformat()),
            (provenance.F_DISTANCE_DAYS, _fmt_days(selection.distance_days)),
            (provenance.F_PRE_PUBLICATION, "true" if selection.pre_publication else "false"),
            (provenance.F_CHOSEN, "true"),
        ]
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

        def build(fw: _FileWriter) -> _Written:
            return fw.metadata(stored.uri_r, when, stored.record_id, False, fields)

        metadata_file, _ = self._write_file(build)
        entry = LedgerEntry(**{
            **asdict(stored), "keys": stored.keys, "redirects": stored.redirects,
            "manifest_id": selection.manifest_id, "source_id": src.id,
            "requested_url": src.url, "published": src.published.isoformat(),
            "distance_days": selection.distance_days,
            "pre_publication": selection.pre_publication, "rule": selection.rule,
            "stored_at": warc_date(self.now(), micros=True), "metadata_file": metadata_file,
        })
        self._append([entry])
        return entry

    # -- recovery -----------------------------------------------------------------

    def _recover(self, path: Path) -> None:
        final_name = path.name[: -len(OPEN_SUFFIX)]
        final = self.folder / final_name
        why: str | None = None
        entries: list[LedgerEntry] = []
        try:
            records = read_warc(path)
            known = {e.record_id for e in self.entries}
            problems = check_records(records, name=path.name, known_ids=known)
            if problems:
                why = problems[0]
            else:
                entries = _entries_from_records(records, final_name)
                if not entries:
                    why = "it holds no chosen capture"
        except (OSError, WarcStructureError) as err:
            why = str(err)
        if why is None and not final.exists():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(path, final)
            _fsync_dir(self.folder)
            self._append(entries)
            self.notes.append(f"recovered {final_name} left unfinished by an interrupted run "
                              f"({len(entries)} capture(s))")
            return
        dest = _free_name(self.folder / (path.name[: -len(OPEN_SUFFIX)] + INVALID_SUFFIX))
        os.replace(path, dest)
        _fsync_dir(self.folder)
        self.notes.append(f"set aside {path.name} left by an interrupted run as {dest.name} "
                          f"({why or 'a finished file of that name exists'}); "
                          "its capture will be fetched again")

    def _index_unknown_files(self) -> None:
        indexed = {e.warc_file for e in self.entries}
        indexed |= {e.metadata_file for e in self.entries if e.metadata_file}
        found: list[LedgerEntry] = []
        for path in sorted(self.folder.glob(f"*{WARC_SUFFIX}")):
            if path.name in indexed:
                continue
            try:
                records = read_warc(path)
            except (OSError, WarcStructureError):
                continue  # not ours to judge here; `check_folder` reports it
            if not records or not _is_ours(records[0]):
                continue
            found.extend(_entries_from_records(records, path.name))
        if found:
            self._append(found)
            self.notes.append(f"indexed {len(found)} stored capture(s) missing from "
                              f"{LEDGER_NAME} (an interrupted run)")


def _is_ours(warcinfo: WarcRecordInfo) -> bool:
    if warcinfo.type != "warcinfo":
        return False
    fields = provenance.as_dict(provenance.decode_fields(warcinfo.block))
    return fields.get("software", "").startswith("archiver/")


def _entries_from_records(records: Sequence[WarcRecordInfo], filename: str) -> list[LedgerEntry]:
    """Ledger entries rebuilt from the chosen-capture metadata records of one file."""
    by_id = {r.record_id: r for r in records}
    out: list[LedgerEntry] = []
    for rec in records:
        if rec.type != "metadata":
            continue
        pairs = provenance.decode_fields(rec.block)
        fields = provenance.as_dict(pairs)
        if fields.get(provenance.F_CHOSEN) != "true":
            continue
        refers = rec.get("WARC-Refers-To") or ""
        response = by_id.get(refers)
        warc_file, offset, length = filename, 0, None
        status, mime = 200, None
        metadata_file = None
        if response is not None:
            offset, length = response.offset, response.length
            status, mime = _status_and_mime(response.block)
        elif F_WARC_FILE in fields:
            warc_file, metadata_file = fields[F_WARC_FILE], filename
            offset = int(fields.get(F_WARC_OFFSET, "0"))
        else:
            continue
        when = rec.get("WARC-Date") or ""
        try:
            out.append(LedgerEntry(
                manifest_id=fields.get(provenance.F_MANIFEST_ID, ""),
                source_id=fields.get(provenance.F_SOURCE_ID, ""),
                requested_url=fields.get(provenance.F_REQUESTED_URL, ""),
                published=fields.get(provenance.F_PUBLISHED, ""),
                uri_r=rec.get("WARC-Target-URI") or "",
                timestamp=when[:19].replace("-", "").replace("T", "").replace(":", ""),
                memento_url=fields.get(provenance.F_MEMENTO_URL, ""),
                memento_datetime=when, archive=fields.get(provenance.F_ARCHIVE, ""),
                warc_file=warc_file, warc_offset=offset, warc_length=length,
                record_id=refers, payload_sha256=fields.get(provenance.F_PAYLOAD_SHA256),
                http_status=status, mime=mime,
                distance_days=float(fields.get(provenance.F_DISTANCE_DAYS, "nan")),
                pre_publication=fields.get(provenance.F_PRE_PUBLICATION) == "true",
                rule=fields.get(F_SELECTION_RULE),
                keys=tuple(v for k, v in pairs if k == F_LISTING_KEY),
                redirects=tuple((int(v.split(" ", 1)[0]), v.split(" ", 1)[1], None)
                                for k, v in pairs if k == provenance.F_REDIRECT),
                metadata_file=metadata_file,
            ))
        except (ValueError, IndexError):
            continue
    return out


def _status_and_mime(block: bytes) -> tuple[int, str | None]:
    head = block.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    try:
        status = int(head[0].split(" ")[1])
    except (IndexError, ValueError):
        status = 0
    mime = None
    for line in head[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-type":
            mime = value.split(";")[0].strip() or None
    return status, mime


def _free_name(path: Path) -> Path:
    candidate, n = path, 1
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.{n}")
        n += 1
    return candidate


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform can open a folder
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


__all__ = [
    "ArchiverWarcWriter", "LedgerEntry", "Memento", "Selection", "WarcInfo", "WarcStore",
    "capture_key", "check_folder", "check_records", "historical_headers", "read_warc",
    "url_key", "warc_date",
]
