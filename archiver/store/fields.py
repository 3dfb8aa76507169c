"""What fetch hands the store, and the names and value formats of what it writes.

:class:`Memento` (one archived HTTP response as downloaded), :class:`Selection`
(how and for whom a capture was chosen) and :class:`WarcInfo` (what each
file's ``warcinfo`` record says) are the store's input. The ``F_*`` constants
name the fields of the metadata record beyond the provenance contract
(:mod:`archiver.store.provenance`); :func:`warc_date` and the digest helpers
format WARC field values.

The field rules are those of WARC 1.1 (ISO 28500:2017,
iipc/warc-specifications ``specifications/warc-format/warc-1.1/index.md``):
§5.4 ``WARC-Date``, §5.8/§5.9 labelled digests, §6.2 warcinfo fields.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from archiver._version import __version__
from archiver.models import Source

SOFTWARE = f"archiver/{__version__}"
#: A finished WARC file (WARC 1.1 Annex D: per-record gzip, ``.warc.gz``).
WARC_SUFFIX = ".warc.gz"
#: A WARC file still being written (Heritrix's ``OCCUPIED_SUFFIX``, warcprox's
#: ``open_suffix`` in warcprox/writer.py).
OPEN_SUFFIX = ".open"

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
# informative only (edgi-govdata-archiving/wayback src/wayback/_models.py:113)
F_CDX_DIGEST_MATCH = "cdx-digest-match"
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
    #: False for another capture of the URL stored besides the chosen one
    #: (``fetch --captures``): its metadata says ``archiver-chosen: false`` and
    #: ``archiver-extra: true``.
    chosen: bool = True


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
# Value formats
# --------------------------------------------------------------------------


#: The years of the dates archiver takes from outside (archives, WARC files): those
#: written with four digits, so that every date has a 14-digit Wayback timestamp
#: and a WARC-Date (WARC 1.1 §5.4: W3C-DTF, ``YYYY``). ``datetime`` itself stops at
#: 9999, so a date of 9999 in a zone west of UTC is out of range once in UTC.
MIN_YEAR, MAX_YEAR = 1000, 9999


def as_utc(when: datetime) -> datetime | None:
    """``when`` in UTC (a naive one is read as UTC), or None if it is out of range:
    its UTC year is not :data:`MIN_YEAR`-:data:`MAX_YEAR`, or it has none."""
    try:
        utc = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
    return utc if MIN_YEAR <= utc.year <= MAX_YEAR else None


def warc_date(when: datetime, *, micros: bool = False) -> str:
    """A WARC-Date: UTC, ``Z``; whole seconds unless ``micros`` (JHOVE rejects
    fractions, openpreserve/jhove#937)."""
    when = when.astimezone(UTC)
    if micros:
        return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def sha256_label(data: bytes) -> str:
    """``sha256:<hex>`` of ``data`` (the ``payload-sha256`` field and the ledger)."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def sha1_base32(data: bytes) -> str:
    """The base32 SHA-1 of ``data``: warcio's digest format and the IA CDX ``digest``."""
    return base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")

