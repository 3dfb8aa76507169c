"""The typed, frozen values that pipeline stages exchange. No I/O here.

Stages pass these along in one direction::

    Manifest/Source -> LinkResult (check) -> CaptureResult (fetch/store)
                    -> QuoteResult (verify) -> RunResult (pipeline) -> text (report)
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar, dataclass_transform

_T = TypeVar("_T")

#: The records only the other commands make (fetch, verify, run, package, save, fixity),
#: by name: each is written below as usual but becomes a dataclass (by the same
#: ``dataclass(frozen=True)``, on the same class object) when this module is first
#: asked for one of them (``from archiver.models import SaveRun``, PEP 562), all of
#: them at once, since their annotations name one another. Making a dataclass
#: compiles its generated methods (about 1 ms a class), and ``archiver check``
#: needs none of these. No annotation of a class made at import names one of them
#: (tests/test_lazy_exports.py checks), so ``typing.get_type_hints`` works on any.
_LATER: dict[str, type] = {}
_LATER_LOCK = threading.Lock()


@dataclass_transform(frozen_default=True)
def _later(cls: type[_T]) -> type[_T]:
    """``@dataclass(frozen=True)``, applied on the module's first lookup of the name."""
    _LATER[cls.__name__] = cls
    return cls


# --------------------------------------------------------------------------
# Manifest
# --------------------------------------------------------------------------


class Relation(enum.StrEnum):
    """How a source relates to the body of work."""

    CITED = "cited"  # the article the dossier reproduces
    RELATED = "related"  # a URL merely listed beside it


class QuoteKind(enum.StrEnum):
    DIRECT = "direct"  # words in guillemets or quote marks, attributed to a person
    EXCERPT = "excerpt"  # a sentence the dossier reproduces from the article


class DatePrecision(enum.StrEnum):
    """How much of a publication date is known (``2014-09-04``, ``2014-09`` or ``2014``)."""

    DAY = "day"
    MONTH = "month"
    YEAR = "year"


class Expectation(enum.StrEnum):
    """What a manifest says it expects of a link (``expect = "..."``)."""

    GONE = "gone"  # known dead: a failure is expected, a recovery is news


@dataclass(frozen=True, slots=True)  # made once per source: slots, no instance __dict__
class Quote:
    text: str
    kind: QuoteKind | None = None
    lang: str | None = None


@dataclass(frozen=True, slots=True)  # made once per source: slots, no instance __dict__
class Source:
    id: str
    url: str
    publisher: str
    title: str
    published: date
    language: str
    relation: Relation = Relation.CITED
    author: str | None = None
    archived_url: str | None = None
    archived_at: datetime | None = None
    quotes: tuple[Quote, ...] = ()
    line: int | None = None  # line of the [[source]] header in the manifest file
    #: ``published`` is the first day of the month or year when only those are known.
    published_precision: DatePrecision = DatePrecision.DAY
    #: Free text kept with the source (``note = "..."``); never interpreted.
    note: str | None = None
    #: ``ignore = true``: listed as ignored, never checked.
    ignore: bool = False
    #: ``expect = "gone"``: a known-dead link; failing does not fail a run, coming back is said.
    expect: Expectation | None = None
    #: Every author, in order, when there are several (``author`` holds a single one).
    authors: tuple[str, ...] = ()
    #: When the researcher last consulted the page (a bibliography's "accessed"/``urldate``).
    accessed: date | None = None


def project_dir_of(manifest_path: Path | None) -> Path:
    """The folder of the project the manifest file at ``manifest_path`` belongs to
    (:attr:`Manifest.project_dir`); the current folder when there is no file."""
    if manifest_path is None:
        return Path.cwd()
    folder = manifest_path.resolve().parent
    return folder.parent if folder.name == "manifests" else folder


@dataclass(frozen=True)
class Manifest:
    id: str
    title: str
    sources: tuple[Source, ...]
    description: str | None = None
    dossier: str | None = None
    path: Path | None = None

    @property
    def project_dir(self) -> Path:
        """The folder of the project the manifest belongs to.

        A manifest kept in a ``manifests/`` folder belongs to that folder's
        parent; any other manifest belongs to its own folder.
        """
        return project_dir_of(self.path)

    def source(self, source_id: str) -> Source:
        for src in self.sources:
            if src.id == source_id:
                return src
        raise KeyError(source_id)


# --------------------------------------------------------------------------
# check: live link health
# --------------------------------------------------------------------------


class LinkClass(enum.StrEnum):
    OK = "ok"
    REDIRECTED = "redirected"  # ok, but the final URL differs materially
    GONE = "gone"  # 404, 410, NXDOMAIN
    SOFT404 = "soft404"  # a "not found" answered with 200 or a redirect home
    BLOCKED = "blocked"  # 401/403/999/451, bot challenge: inconclusive, never dead
    PAYWALLED = "paywalled"
    TRANSIENT = "transient"  # timeout, reset, refused, 408/425/429, 5xx
    TLS_ERROR = "tls_error"
    INVALID = "invalid"  # not checkable
    INCONCLUSIVE = "inconclusive"  # the run was judged offline
    IGNORED = "ignored"  # not requested: ``ignore = true`` or an exclude pattern

    @property
    def is_failure(self) -> bool:
        """Whether this class counts as a failed check for the link's history."""
        return self in (LinkClass.GONE, LinkClass.SOFT404, LinkClass.TLS_ERROR)

    @property
    def is_success(self) -> bool:
        """Whether this class counts as a successful check (it resets the history)."""
        return self in (LinkClass.OK, LinkClass.REDIRECTED)


class LinkState(enum.StrEnum):
    ALIVE = "alive"
    FAILING = "failing"
    DEAD = "dead"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class HostSettings:
    """Per-host overrides of the check's politeness and requests (``[hosts."NAME"]``).

    ``host`` is the host name as URLs are keyed (lower case, IDNA); ``None``
    fields keep the run's setting.
    """

    host: str
    concurrency: int | None = None
    interval: float | None = None
    timeout: float | None = None
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)  # made once per source: slots, no instance __dict__
class Hop:
    """One step of a redirect chain."""

    url: str
    status: int
    location: str | None = None


@dataclass(frozen=True, slots=True)  # made once per source: slots, no instance __dict__
class LinkResult:
    source_id: str
    url: str
    link_class: LinkClass
    http_status: int | None = None
    final_url: str | None = None
    redirects: tuple[Hop, ...] = ()
    error: str | None = None  # error kind, e.g. "timeout", "dns", "refused"
    detail: str | None = None  # a human sentence explaining the class
    elapsed_ms: int | None = None
    body_size: int | None = None
    body_sha256: str | None = None
    checked_at: datetime | None = None
    attempts: int = 1
    state: LinkState = LinkState.UNKNOWN
    failing_count: int = 0
    body_truncated: bool = False  # the body was cut at the size cap
    #: In an inconclusive run, the class the check observed before the run was voided.
    observed_class: LinkClass | None = None
    previous_state: LinkState | None = None  # the history state before this check
    #: The manifest's ``expect`` for the source (``gone``: failing is expected).
    expected: Expectation | None = None
    #: Where the link is written, as ``file:line`` (``archiver check`` on documents), in order.
    locations: tuple[str, ...] = ()

    @property
    def came_back(self) -> bool:
        """A link the manifest expects gone answers again: news, not a failure."""
        return self.expected is Expectation.GONE and self.link_class.is_success


@dataclass(frozen=True)
class CheckRun:
    """The result of one ``check`` run: one :class:`LinkResult` per source, in order.

    ``inconclusive`` is set when the run looked offline (most hosts failed at the
    network level, or the canary failed); then no link's history advanced.
    """

    manifest_id: str
    started_at: datetime
    finished_at: datetime
    results: tuple[LinkResult, ...]
    inconclusive: bool = False
    inconclusive_reason: str | None = None
    run_id: int | None = None  # the history database's run id, when recorded
    db_path: Path | None = None
    hosts: int = 0  # distinct hosts checked
    requests: int = 0  # HTTP requests made, retries, hops and probes included
    notes: tuple[str, ...] = ()


# --------------------------------------------------------------------------
# fetch + store: web-archive captures in WARC files
# --------------------------------------------------------------------------


class CaptureKind(enum.StrEnum):
    """Where a stored capture came from."""

    ARCHIVED = "archived"  # a web archive's memento (``fetch``)
    LIVE = "live"  # the live site, captured by ``archiver capture`` (evidence of that day)


@_later
class Capture:
    """A web-archive capture stored in a local WARC file."""

    source_id: str
    url: str  # the original URL as archived
    archive: str  # base URL of the archive
    memento_url: str
    memento_datetime: datetime
    http_status: int
    mime: str | None
    warc_file: str  # path relative to the WARC folder
    warc_offset: int  # offset of the response record
    record_id: str | None = None  # WARC-Record-ID of the response record
    payload_sha256: str | None = None
    distance_days: float | None = None  # capture time minus publication date
    pre_publication: bool = False
    redirects: tuple[Hop, ...] = ()
    #: ``live`` for a page ``archiver capture`` fetched from the live site itself:
    #: evidence of the day it was captured, never of the publication date.
    kind: CaptureKind = CaptureKind.ARCHIVED


class CaptureOutcome(enum.StrEnum):
    """What ``fetch`` did for one source: the one verdict of the fetch stage."""

    STORED = "stored"  # chosen, downloaded and written now
    ALREADY_STORED = "already_stored"  # held in the WARC folder already: nothing downloaded
    NO_CAPTURE = "no_capture"  # no archive lists a usable capture
    BLOCKED_SITE = "blocked_site"  # the archive excludes the site (administrative block)
    BLOCKED_ROBOTS = "blocked_robots"  # the archive excludes it because of robots.txt
    NO_MEMENTO = "no_memento"  # listed, but the archive has no playable memento
    PLAYBACK_ERROR = "playback_error"  # listed, but playback failed (5xx, bad redirect ...)
    RATE_LIMITED = "rate_limited"  # not attempted: the run stopped on repeated 429s
    ARCHIVE_UNREACHABLE = "archive_unreachable"  # not attempted: no archive could be reached
    LIVE_ERROR = "live_error"  # capture: the live page could not be fetched (network, guard)

    @property
    def has_capture(self) -> bool:
        """A capture is in the WARC folder (stored now or before)."""
        return self in (CaptureOutcome.STORED, CaptureOutcome.ALREADY_STORED)

    @property
    def is_excluded(self) -> bool:
        """The archive refuses to serve the URL (an administrative or robots.txt block)."""
        return self in (CaptureOutcome.BLOCKED_SITE, CaptureOutcome.BLOCKED_ROBOTS)

    @property
    def stopped(self) -> bool:
        """Not attempted: the run stopped first (it is inconclusive, and resumes here)."""
        return self in (CaptureOutcome.RATE_LIMITED, CaptureOutcome.ARCHIVE_UNREACHABLE)




@_later
class CaptureResult:
    """What ``fetch`` did for one source, and the capture stored if there is one."""

    source_id: str
    url: str
    outcome: CaptureOutcome
    capture: Capture | None = None
    detail: str | None = None
    archives_tried: tuple[str, ...] = ()
    rule: str | None = None  # how the capture was chosen: after_publication, redirect, ...
    #: Other captures of the URL stored besides ``capture`` (``fetch --captures``),
    #: in date order: stored now or held already.
    extra_captures: tuple[Capture, ...] = ()


@_later
class FetchRun:
    """The result of one ``fetch`` run: one :class:`CaptureResult` per source, in order.

    ``inconclusive`` is set when the run stopped early (repeated 429s, no archive
    reachable); the sources it did not reach have outcome ``rate_limited`` or
    ``archive_unreachable`` and a rerun resumes there.
    """

    manifest_id: str
    started_at: datetime
    finished_at: datetime
    results: tuple[CaptureResult, ...]
    archives: tuple[str, ...] = ()
    warcs_dir: Path | None = None
    inconclusive: bool = False
    inconclusive_reason: str | None = None
    notes: tuple[str, ...] = ()  # recovered or set-aside ".open" files, and the like


# --------------------------------------------------------------------------
# verify: quotes in archived text
# --------------------------------------------------------------------------


class MatchMethod(enum.StrEnum):
    """The tier of verify's search that found a quote, strictest first."""

    EXACT = "exact"  # the quote's characters, as they are
    NORMALIZED = "normalized"  # after folding quotes, dashes, spaces, case (offsets kept)
    SKELETON = "skeleton"  # letters and digits only, accents folded (PDF-to-text damage)
    ELLIPSIS = "ellipsis"  # each part of a quote cut with "…", in order, close together
    FUZZY = "fuzzy"  # an edit-distance alignment (typos; changed words make it "altered")


class PageLayer(enum.StrEnum):
    """A text layer of a page, searched in this order."""

    TEXT = "text"  # the visible text
    SCRIPT = "script"  # text inside script data (JSON-LD, Next.js state ...)
    META = "meta"  # <title> and <meta> descriptions


class LiveStatus(enum.StrEnum):
    """Where a quote found in the archived page stands on the live page (``--live``)."""

    PRESENT = "present"
    ALTERED = "altered"  # only a changed version is on the live page
    GONE = "gone"


class QuoteStatus(enum.StrEnum):
    VERIFIED = "verified"
    VERIFIED_TYPO = "verified_typo"
    ALTERED = "altered"
    MISSING = "missing"
    UNVERIFIABLE = "unverifiable"

    @property
    def is_found(self) -> bool:
        return self in (QuoteStatus.VERIFIED, QuoteStatus.VERIFIED_TYPO)


@_later
class QuoteTimeline:
    """When a quote was on the stored captures of its source's URL (``verify``
    searched more than one): dates of captures, each a ``Memento-Datetime``."""

    searched: int  # captures searched (readable ones)
    present: int  # of them, those containing the quote (verified or with typos)
    first_present: datetime | None = None
    last_present: datetime | None = None
    #: The first capture without the quote after the last one holding it:
    #: "removed by" that date (None if the latest capture still holds it).
    removed_by: datetime | None = None
    #: The last capture without the quote before the first one holding it:
    #: "added after" that date (None if the earliest capture holds it).
    absent_before: datetime | None = None


@_later
class TextQuoteSelector:
    """Where a quote stands in the archived text, the W3C Web Annotation way
    (https://www.w3.org/TR/annotation-model/#text-quote-selector): the passage as
    the page has it and the text just before and after it, whitespace collapsed."""

    exact: str
    prefix: str = ""
    suffix: str = ""


@_later
class QuoteResult:
    """One quote looked for in the archived page of its source (and the live page)."""

    source_id: str
    quote_index: int
    text: str
    status: QuoteStatus
    url: str | None = None  # the source's URL, as in the manifest
    # -- the match --
    score: float = 0.0
    method: MatchMethod | None = None
    layer: PageLayer | None = None
    start: int | None = None  # offsets in the layer's text
    end: int | None = None
    excerpt: str | None = None
    match_count: int = 0
    in_article_body: bool | None = None
    probable_translation: bool = False
    difference: str | None = None  # what differs, word by word, when not verbatim
    flags: tuple[str, ...] = ()  # e.g. "mojibake_repaired", "number_changed"
    detail: str | None = None
    # -- where it was looked for --
    capture: Capture | None = None
    live_status: LiveStatus | None = None  # with --live
    live_detail: str | None = None  # with --live: why, e.g. "the live page answered 404"
    #: When the quote was on the stored captures of the URL (when more than one
    #: was searched: ``verify --captures all``, or a quote missing from the chosen one).
    timeline: QuoteTimeline | None = None
    # -- what the page says instead (altered, missing) and where the quote stands --
    nearest: str | None = None  # the best-scoring passage of the page
    nearest_score: float | None = None  # its score, as ``score``
    word_diff: str | None = None  # quote -> passage, git word-diff style: [-quote-]{+page+}
    selector: TextQuoteSelector | None = None  # verified and altered quotes

    @property
    def drifted(self) -> bool:
        """Found in the archived copy but not (as such) on the live page, or altered
        there and gone from the live page (``--live``). A quote missing from the
        archived copy cannot drift."""
        if self.status is QuoteStatus.ALTERED:
            return self.live_status is LiveStatus.GONE
        return self.status.is_found and self.live_status in (LiveStatus.GONE,
                                                             LiveStatus.ALTERED)


@_later
class VerifyRun:
    """The outcome of ``archiver verify`` for one manifest."""

    manifest_id: str
    started_at: datetime
    finished_at: datetime
    warcs: str  # the WARC folder searched
    results: tuple[QuoteResult, ...] = ()
    warc_files: int = 0
    live: bool = False
    notes: tuple[str, ...] = ()  # warnings, e.g. a damaged WARC file that was skipped


# --------------------------------------------------------------------------
# pipeline
# --------------------------------------------------------------------------


class ChangeKind(enum.StrEnum):
    """What changed for a source since the previous run."""

    LINK_DIED = "link_died"  # the link's state became dead
    LINK_FAILING = "link_failing"  # an alive link started failing
    LINK_RECOVERED = "link_recovered"  # a failing or dead link answers again
    LINK_CLASS = "link_class"  # another class than last run (e.g. ok -> redirected)
    QUOTE_LOST = "quote_lost"  # a quote that verified no longer does
    QUOTE_REGAINED = "quote_regained"  # a quote that did not verify now does
    QUOTE_LIVE_GONE = "quote_live_gone"  # a quote vanished from the live page
    NEW_CAPTURE = "new_capture"  # a capture was stored for the source this run

    @property
    def is_regression(self) -> bool:
        """Whether this change is bad news (a link or a quote was lost)."""
        return self in (ChangeKind.LINK_DIED, ChangeKind.LINK_FAILING, ChangeKind.QUOTE_LOST,
                        ChangeKind.QUOTE_LIVE_GONE)


@_later
class Change:
    kind: ChangeKind
    source_id: str
    detail: str
    quote_index: int | None = None
    before: str | None = None
    after: str | None = None


@_later
class FixitySummary:
    """Where the WARC folder stands by its fixity checks: each file's latest event."""

    checked_at: datetime  # the newest event's time
    files: int  # files with at least one event
    failed: int  # files whose latest event is not ``ok``


@_later
class RunResult:
    """One ``archiver run``: every stage's results, where they went, what changed."""

    manifest_id: str
    started_at: datetime
    finished_at: datetime
    links: tuple[LinkResult, ...] = ()
    captures: tuple[CaptureResult, ...] = ()
    quotes: tuple[QuoteResult, ...] = ()
    # -- verdict --
    inconclusive: bool = False
    inconclusive_reason: str | None = None
    check_inconclusive: bool = False  # the link checks were voided: no link state advanced
    notes: tuple[str, ...] = field(default=())
    # -- history --
    run_id: int | None = None
    previous_run_id: int | None = None
    changes: tuple[Change, ...] = ()
    # -- where --
    db_path: Path | None = None  # the history database the run was recorded in
    warcs_dir: Path | None = None  # the WARC folder fetch wrote and verify read
    archives: tuple[str, ...] = ()  # archive base URLs, in the order tried
    live: bool = False  # quotes were also looked for on the live pages
    #: The WARC folder's fixity checks (``archiver fixity``); None if it was never checked.
    last_fixity: FixitySummary | None = None


@dataclass(frozen=True)
class Progress:
    """A progress event, passed to a callback. The library never prints."""

    stage: str
    done: int
    total: int
    item: str | None = None


ProgressCallback = Callable[[Progress], None]


# --------------------------------------------------------------------------
# package: WACZ and BagIt packages of a manifest's captures
# --------------------------------------------------------------------------


class PackageKind(enum.StrEnum):
    """The kind of package ``archiver package`` writes."""

    WACZ = "wacz"  # Web Archive Collection Zipped 1.1.1 (Webrecorder): for replay
    BAGIT = "bagit"  # BagIt (RFC 8493, Library of Congress): for deposit


class FileRole(enum.StrEnum):
    """What a file in a package is."""

    WARC = "warc"  # a WARC file of the store
    LEDGER = "ledger"  # the store's ledger lines for the packaged captures
    INDEX = "index"  # the CDXJ index of the WARCs (WACZ)
    PAGES = "pages"  # the page list (WACZ)
    MANIFEST = "manifest"  # the manifest file, as written
    REPORT = "report"  # a report of the last run
    HISTORY = "history"  # the history database's export (JSON)
    METADATA = "metadata"  # the package's own description and checksums


@_later
class PackagedFile:
    """One file in a package: its path inside the package, size and SHA-256."""

    path: str
    role: FileRole
    bytes: int
    sha256: str


@_later
class PackageResult:
    """One package written by ``archiver package``."""

    kind: PackageKind
    path: Path  # the WACZ file or the bag's folder
    manifest_id: str
    created_at: datetime
    sources: int  # sources selected
    packaged: tuple[str, ...]  # ids of the sources whose stored capture is in the package
    missing: tuple[str, ...]  # ids of selected sources with no stored capture
    files: tuple[PackagedFile, ...]
    bytes: int  # the package's own size on disk (the WACZ, or every file of the bag)
    notes: tuple[str, ...] = ()
# save: asking the Internet Archive's Save Page Now 2 to capture a source
# --------------------------------------------------------------------------


class SaveOutcome(enum.StrEnum):
    """What ``save`` did for one source: one value per Save Page Now 2 ``status_ext``
    error code (``error:not-found`` is ``not_found``), and our own outcomes.

    The codes are those of the "Save Page Now 2 Public API Docs" (draft by
    V. Banos, Internet Archive, updated 2022-04-05, section "Error codes");
    :mod:`archiver.fetch.save` says what each means and what to do.
    """

    SAVED = "saved"  # captured by Save Page Now, and the memento stored in the WARC folder
    CAPTURED = "captured"  # captured, but the memento could not be stored yet (rerun)
    PENDING = "pending"  # the capture was still running when we stopped polling
    RATE_LIMITED = "rate_limited"  # not attempted: the run stopped on repeated 429s
    NOT_ATTEMPTED = "not_attempted"  # not attempted: an account limit stopped the run
    SPN_UNREACHABLE = "spn_unreachable"  # not attempted: the API could not be reached
    BAD_ANSWER = "bad_answer"  # the API answered something that is not its JSON
    UNKNOWN_ERROR = "unknown_error"  # an error code the docs do not list
    # -- the documented status_ext codes --
    BAD_GATEWAY = "bad_gateway"
    BAD_REQUEST = "bad_request"
    BANDWIDTH_LIMIT_EXCEEDED = "bandwidth_limit_exceeded"
    BLOCKED = "blocked"
    BLOCKED_CLIENT_IP = "blocked_client_ip"
    BLOCKED_URL = "blocked_url"
    BROWSING_TIMEOUT = "browsing_timeout"
    CAPTURE_LOCATION_ERROR = "capture_location_error"
    CANNOT_FETCH = "cannot_fetch"
    CELERY = "celery"
    FILESIZE_LIMIT = "filesize_limit"
    FTP_ACCESS_DENIED = "ftp_access_denied"
    GATEWAY_TIMEOUT = "gateway_timeout"
    HTTP_VERSION_NOT_SUPPORTED = "http_version_not_supported"
    INTERNAL_SERVER_ERROR = "internal_server_error"
    INVALID_HOST_RESOLUTION = "invalid_host_resolution"
    INVALID_SERVER_RESPONSE = "invalid_server_response"
    INVALID_SSL_CERT = "invalid_ssl_cert"
    INVALID_URL_SYNTAX = "invalid_url_syntax"
    JOB_FAILED = "job_failed"
    MAX_DAILY_BANDWIDTH = "max_daily_bandwidth"
    MAX_DAILY_BANDWIDTH_FROM_IP = "max_daily_bandwidth_from_ip"
    MAX_DAILY_BANDWIDTH_HOST = "max_daily_bandwidth_host"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    NETWORK_AUTHENTICATION_REQUIRED = "network_authentication_required"
    NO_ACCESS = "no_access"
    NO_BROWSERS_AVAILABLE = "no_browsers_available"
    NOT_FOUND = "not_found"
    NOT_IMPLEMENTED = "not_implemented"
    PROTOCOL_ERROR = "protocol_error"
    PROXY_ERROR = "proxy_error"
    READ_TIMEOUT = "read_timeout"
    SERVICE_UNAVAILABLE = "service_unavailable"
    SOFT_TIME_LIMIT_EXCEEDED = "soft_time_limit_exceeded"
    TOO_MANY_DAILY_CAPTURES = "too_many_daily_captures"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    TOO_MANY_REQUESTS = "too_many_requests"
    TOO_LARGE = "too_large"  # named in archiver's issue 12, not in the 2022 docs
    UNAUTHORIZED = "unauthorized"
    USER_SESSION_LIMIT = "user_session_limit"

    @property
    def captured(self) -> bool:
        """Save Page Now made (or had) a capture: its timestamp is known."""
        return self in (SaveOutcome.SAVED, SaveOutcome.CAPTURED)


@_later
class SaveResult:
    """What ``save`` did for one source: the Save Page Now job and the memento stored."""

    source_id: str
    url: str
    outcome: SaveOutcome
    detail: str | None = None  # what happened and what to do, in a sentence
    job_id: str | None = None
    status: str | None = None  # the API's last "status": pending, success or error
    status_ext: str | None = None  # the API's error code as sent ("error:not-found")
    message: str | None = None  # the API's own message, as sent
    timestamp: str | None = None  # the capture's 14-digit Wayback timestamp
    original_url: str | None = None  # the URL captured, after redirects
    memento_url: str | None = None  # <archive><timestamp>/<original_url>
    capture: Capture | None = None  # the memento as stored in the WARC folder
    requested_at: datetime | None = None
    finished_at: datetime | None = None
    polls: int = 0  # status requests made


@_later
class SaveRun:
    """One ``save`` run: one :class:`SaveResult` per selected source, in manifest order."""

    manifest_id: str
    started_at: datetime
    finished_at: datetime
    results: tuple[SaveResult, ...]
    api: str  # the Save Page Now endpoint used
    archive: str  # where the mementos were fetched from
    warcs_dir: Path | None = None
    inconclusive: bool = False
    inconclusive_reason: str | None = None
    notes: tuple[str, ...] = ()


# --------------------------------------------------------------------------
# fixity: the stored WARC bytes, checked again
# --------------------------------------------------------------------------


class FixityOutcome(enum.StrEnum):
    """The verdict of one fixity check of one WARC file."""

    OK = "ok"  # every digest and the ledger agree with the bytes
    MISMATCH = "mismatch"  # a digest, the ledger or an earlier check disagrees
    TRUNCATED = "truncated"  # the file ends inside a record or a gzip member
    UNREADABLE = "unreadable"  # not a WARC file we can read (or the file is gone)

    @property
    def is_failure(self) -> bool:
        return self is not FixityOutcome.OK


@_later
class FixityProblem:
    """One disagreement found in a WARC file, located."""

    offset: int  # of the record (its gzip member) in the file
    kind: str  # block_digest, payload_digest, gzip, truncated, ledger, file_digest, ...
    detail: str
    record_id: str | None = None


@_later
class FixityResult:
    """One WARC file checked: one fixity event of the history."""

    file: str  # relative to the WARC folder
    outcome: FixityOutcome
    checked_at: datetime
    size: int = 0
    sha256: str | None = None  # of the whole file, as read now
    records: int = 0
    digests_checked: int = 0  # block and payload digests recomputed and compared
    ledger_checked: int = 0  # ledger entries compared with the file
    problems: tuple[FixityProblem, ...] = ()
    tool: str = "archiver fixity"
    tool_version: str | None = None
    elapsed_ms: int = 0


@_later
class FixityRun:
    """One ``fixity`` run over a WARC folder."""

    warcs_dir: Path
    started_at: datetime
    finished_at: datetime
    results: tuple[FixityResult, ...]
    manifest_id: str | None = None
    bytes_read: int = 0
    notes: tuple[str, ...] = ()

    @property
    def clean(self) -> bool:
        return all(not r.outcome.is_failure for r in self.results)


# The deferred records leave the namespace: a lookup of one reaches __getattr__.
for _name in _LATER:
    del globals()[_name]
del _name


def _make_later() -> None:
    with _LATER_LOCK:
        for name, cls in _LATER.items():
            globals()[name] = dataclass(frozen=True)(cls)
        _LATER.clear()


if not TYPE_CHECKING:  # type checkers see the classes above; a typo stays an error

    def __getattr__(name: str) -> type:
        if name in _LATER:
            _make_later()
        try:
            return globals()[name]
        except KeyError:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


def __dir__() -> list[str]:
    return sorted({*globals(), *_LATER})
