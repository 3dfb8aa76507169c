"""What an archive is, and what it lists: archives, candidates, listings, timestamps."""

from __future__ import annotations

import email.utils
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from archiver.errors import NetError, ParseError
from archiver.fetch.limits import is_internet_archive
from archiver.models import CaptureOutcome
from archiver.net import wire_url
from archiver.store.fields import as_utc

#: The Internet Archive's Wayback Machine: the default archive.
IA_BASE = "https://web.archive.org/web/"
#: Its CDX search API (internetarchive/wayback, wayback-cdx-server/README.md).
IA_CDX_API = "https://web.archive.org/cdx/search/cdx"


@dataclass(frozen=True)
class Archive:
    """A Wayback/Memento-style archive.

    ``base`` is the URL that ``<14-digit timestamp>id_/<url>`` is appended to
    for raw playback (``https://web.archive.org/web/``, a pywb collection
    ``http://host:port/coll/``). Captures are listed through ``cdx_api`` (an
    IA-format CDX endpoint) when set, else through the Memento TimeMap
    ``<base>timemap/link/<url>``.
    """

    base: str
    cdx_api: str | None = None

    @classmethod
    def from_url(cls, base: str, cdx_api: str | None = None) -> Archive:
        """An archive from a user's base URL; the Internet Archive gets its CDX API.

        Both URLs (``--archive``, ``--cdx-api``) are normalised as they will be
        sent (:func:`archiver.net.wire_url`: host in lower-case ASCII, dot
        segments removed), so that the archive is trusted by what its URLs
        are, not how they were typed. Raises ValueError for a URL that is not
        an absolute http(s) URL, or that holds a user name or password.
        """
        base = _normalised(base, "archive")
        if not base.endswith("/"):
            base += "/"
        if cdx_api is not None:
            cdx_api = _normalised(cdx_api, "CDX API")
        elif is_internet_archive(urlsplit(base).netloc):
            cdx_api = IA_CDX_API
        return cls(base=base, cdx_api=cdx_api)

    @property
    def host(self) -> str:
        return urlsplit(self.base).netloc.lower()

    @property
    def name(self) -> str:
        return self.base

    def memento_url(self, timestamp: str, url: str) -> str:
        """The raw (``id_``) playback URL of a capture."""
        return f"{self.base}{timestamp}id_/{url}"

    def timemap_url(self, url: str) -> str:
        return f"{self.base}timemap/link/{url}"

    def parse_memento_url(self, url: str) -> tuple[str, str] | None:
        """(timestamp, original URL) of a playback URL of this archive, or None."""
        if not url.startswith(self.base):
            return None
        rest = url[len(self.base):]
        stamp, slash, original = rest.partition("/")
        digits = "".join(ch for ch in stamp[:14] if ch.isdigit())
        if not slash or not stamp[:1].isdigit() or not original:
            return None
        # "20141015123456id_", "20141015123456" or a shorter, inexact prefix.
        if len(digits) < 4 or not stamp.startswith(digits):
            return None
        suffix = stamp[len(digits):]
        if suffix and not (suffix.endswith("_") and len(suffix) <= 4):
            return None
        return digits.ljust(14, "0"), original


INTERNET_ARCHIVE = Archive(IA_BASE, IA_CDX_API)


def _normalised(url: str, what: str) -> str:
    """A user's archive URL as it will be sent; ValueError when it cannot be one."""
    try:
        wire = wire_url(url)
    except NetError as err:
        raise ValueError(f"bad {what} URL: {err.message}; give an absolute http(s) "
                         "URL") from err
    if wire.userinfo is not None:
        raise ValueError(f"{what} URL {url.strip()!r} holds a user name or password, "
                         "which archiver does not send to archives; give the URL without "
                         "them")
    if "?" in wire.url and what == "archive":
        raise ValueError(f"archive URL {url.strip()!r} has a query; give the base URL "
                         "that capture timestamps are appended to")
    return wire.url


@dataclass(frozen=True)
class Candidate:
    """A capture as an archive lists it, before download."""

    timestamp: str  # 14 digits, UTC
    when: datetime
    original: str  # the URL as the archive lists it (URI-R)
    status: int | None = None  # None: not listed (TimeMaps) or a revisit
    mime: str | None = None
    digest: str | None = None  # the listing's digest (sha1 base32 at IA); informative
    row: str | None = None  # the raw listing row, for provenance

    @property
    def is_revisit(self) -> bool:
        return (self.mime or "").lower() == "warc/revisit"


@dataclass(frozen=True)
class Listing:
    """What one archive lists for one URL."""

    archive: Archive
    url: str
    candidates: tuple[Candidate, ...] = ()
    queries: tuple[str, ...] = ()  # the URLs called
    excluded: CaptureOutcome | None = None  # blocked_site / blocked_robots
    error: str | None = None  # an answer we could not use
    detail: str | None = None


# --------------------------------------------------------------------------
# Timestamps
# --------------------------------------------------------------------------


def to_timestamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def parse_timestamp(stamp: str) -> datetime:
    """A 14-digit (or shorter, padded) Wayback timestamp as an aware UTC datetime.

    Raises :class:`~archiver.errors.ParseError` (a ValueError) for anything else,
    a date that does not exist included: timestamps come from archives
    (CDX rows, memento URLs, ``Location`` headers) and are never trusted.
    """
    digits = stamp.strip()
    if not (digits.isascii() and digits.isdigit()) or not 4 <= len(digits) <= 14:
        raise ParseError(f"not a Wayback timestamp: {_shown(stamp)}")
    # HACK: IA's CDX holds timestamps with a "00" month or day (EDGI _utils.py:54-84,
    # e.g. 20000800241016); read them as the first month / day.
    padded = digits.ljust(14, "0")
    month, day = padded[4:6], padded[6:8]
    if month == "00":
        padded = padded[:4] + "01" + padded[6:]
    if day == "00":
        padded = padded[:6] + "01" + padded[8:]
    # END HACK
    # Fixed-width fields: strptime's %m, %d, %H ... also match one digit.
    year, month_, day_, hour, minute, second = (
        int(padded[i:j]) for i, j in ((0, 4), (4, 6), (6, 8), (8, 10), (10, 12), (12, 14)))
    try:
        when = as_utc(datetime(year, month_, day_, hour, minute, second, tzinfo=UTC))
    except ValueError as err:
        raise ParseError(f"not a Wayback timestamp: {_shown(stamp)} ({err})") from err
    if when is None:
        raise ParseError(f"Wayback timestamp out of range: {_shown(stamp)}")
    return when


#: An HTTP date is printable ASCII (RFC 9110 §5.6.7); anything else is refused
#: before parsing, since email.utils splits on any Unicode white space (NEL too).
_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]*")


def parse_http_date(value: str) -> datetime:
    """An HTTP date (Memento-Datetime, a TimeMap ``datetime``) as an aware UTC datetime.

    IMF-fixdate (RFC 9110 §5.6.7, RFC 7089 §2.1.1) and the other RFC 5322 forms
    ``email.utils`` reads. Raises :class:`~archiver.errors.ParseError` (a
    ValueError) for anything else, a date out of range (:func:`as_utc`) included.
    """
    text = value.strip()
    if not _PRINTABLE_ASCII.fullmatch(text):
        raise ParseError(f"not an HTTP date: {_shown(value)}")
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError) as err:
        raise ParseError(f"not an HTTP date: {_shown(value)}") from err
    if when is None:  # pragma: no cover - Python < 3.10 returned None
        raise ParseError(f"not an HTTP date: {_shown(value)}")
    utc = as_utc(when)
    if utc is None:
        raise ParseError(f"HTTP date out of range: {_shown(value)}")
    return utc


def _shown(text: str, limit: int = 60) -> str:
    """``text`` as a short repr for a message (archives may send anything)."""
    return repr(text if len(text) <= limit else text[:limit] + "...")
