"""``save``: ask the Internet Archive's Save Page Now 2 to capture a source, then store it.

The API is the one of the "Save Page Now 2 Public API Docs" (a draft by
Vangelis Banos, Internet Archive, updated 2022-04-05; linked from
https://web.archive.org/save; "the docs" below):

- a capture request is ``POST https://web.archive.org/save`` with the form field
  ``url`` and the headers ``Accept: application/json`` and
  ``Authorization: LOW <access key>:<secret>`` (the account's S3 keys, from
  https://archive.org/account/s3.php). It answers ``{"url", "job_id"}`` (and a
  ``message`` when, say, a recent capture is reused), or an error object
  ``{"status": "error", "status_ext": "error:...", "message"}``;
- ``GET /save/status/<job_id>`` (same headers) answers ``{"status": "pending"}``
  while the capture runs, ``{"status": "success", "timestamp", "original_url",
  ...}`` when done (the memento is ``<archive><timestamp>/<original_url>``), or
  an error object. :data:`ERROR_CODES` lists every documented ``status_ext``.

We send ``skip_first_archive=1`` (documented: "Skip checking if a capture is a
first if you don't need this information. This will make captures run
faster"), and ``if_not_archived_within`` when asked.

The keys come from the environment only (``IA_ACCESS_KEY_ID`` and
``IA_SECRET_ACCESS_KEY``, the names the ``internetarchive`` library reads), never
from the command line. They are sent in one header, only to the Save Page Now
endpoint, and never kept: :class:`SpnKeys` hides them from ``repr``, the HTTP
layer does not keep an ``Authorization`` header in its responses
(:data:`archiver.net.client.SECRET_HEADERS`), and no message quotes them.

Politeness is fetch's (:mod:`archiver.fetch.limits`): the API's host has the
same :class:`~archiver.fetch.limits.ArchiveGate` as the mementos', so a 429 from
either pauses both for max(Retry-After, 60 s) (a Retry-After above 10 minutes,
or a second 429 within 10 minutes, stops the run: exit 4); capture requests are
further spaced by :data:`SPN_CAPTURES_PER_MINUTE`.

A capture made now is evidence of today, never of the publication date: the
memento is stored with the selection rule ``save_page_now`` and its distance
from publication, and a source that already holds a stored capture (``--all``)
keeps it: its new capture is recorded in the history, not stored in its place.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from archiver.clock import SYSTEM_CLOCK, Clock
from archiver.errors import (
    ArchiveRateLimited,
    ArchiveUnreachable,
    ConfigError,
    InconclusiveError,
    NetError,
    ParseError,
)
from archiver.fetch import limits
from archiver.fetch.choose import distance_days
from archiver.fetch.limits import (
    RETRY_DELAYS,
    RETRYABLE_NET_KINDS,
    RETRYABLE_STATUSES,
    Politeness,
    RateLimiter,
    RequestKind,
    is_internet_archive,
    is_local_archive,
)
from archiver.fetch.listing import IA_BASE, Archive, Candidate, parse_timestamp
from archiver.fetch.playback import play
from archiver.fetch.run import manifest_sha256
from archiver.fetch.session import ArchiveSession
from archiver.history import History
from archiver.manifest import select_sources
from archiver.models import (
    Manifest,
    Progress,
    ProgressCallback,
    SaveOutcome,
    SaveResult,
    SaveRun,
    Source,
)
from archiver.net import DEFAULT_USER_AGENT, HttpClient, HttpResponse, parse_retry_after, wire_url
from archiver.store import Selection, WarcInfo, WarcStore, capture_key, default_warcs_dir

logger = logging.getLogger(__name__)

#: The Save Page Now 2 endpoint (the docs, "Capture request").
SPN_API = "https://web.archive.org/save"
#: Where the keys come from: the environment variables the Internet Archive's own
#: Python library reads (jjjake/internetarchive ``internetarchive/config.py``).
ENV_ACCESS_KEY = "IA_ACCESS_KEY_ID"
ENV_SECRET_KEY = "IA_SECRET_ACCESS_KEY"
#: Where an account's S3 keys are shown (the docs, "Capture request").
S3_KEYS_PAGE = "https://archive.org/account/s3.php"
#: The selection rule of a memento stored by ``save`` (the ledger's ``rule``).
RULE_SAVE_PAGE_NOW = "save_page_now"

# --------------------------------------------------------------------------
# The numbers
# --------------------------------------------------------------------------

#: Capture requests per minute. IA publishes no fixed rate: its SPN2 changelog
#: (2023-01-22) gave 12 captures a minute to logged-in users, and users have since
#: reported 6 (overcast07/wayback-machine-spn-scripts issue 20, 2023-12). We take
#: the lower number.
SPN_CAPTURES_PER_MINUTE = 6.0
#: First wait before asking a job's status, then each wait times POLL_BACKOFF up
#: to POLL_MAX_WAIT. The docs' example script and waybackpy (``save_api.py``)
#: wait 5 s between status requests; the growth and the cap are our own, so a
#: slow capture costs few requests.
POLL_FIRST_WAIT = 5.0
POLL_BACKOFF = 1.5
POLL_MAX_WAIT = 30.0
#: How long a job is polled before it is left ``pending``. The docs' limitations
#: give a capture 2 minutes in total; captures to a busy host are delayed further
#: (the docs, "Limitations"), so we wait 5 minutes, our own margin.
POLL_TIMEOUT = 300.0
#: A job left pending is polled again by the next run (instead of a new capture
#: request) when it is younger than this. The docs do not say how long a job's
#: status is kept; an hour is our guess, and an expired job is asked again.
PENDING_JOB_REUSE = timedelta(hours=1)
#: Body cap for the API's JSON answers.
API_MAX_BYTES = 1 << 20
#: The memento served for a capture must be within this of the capture's
#: timestamp: just after a capture the Wayback Machine can still redirect to an
#: older one (it is not yet indexed), which must not be stored as the new one.
SAME_CAPTURE = timedelta(minutes=1)
#: What an ``if_not_archived_within`` value may look like: the docs give
#: "<timedelta>" examples such as ``3d 5h 20m`` or ``120`` (seconds).
_TIMESPEC = re.compile(r"\d{1,6}[smhd]?(?: \d{1,6}[smhd]?)*(?:,\s?\d{1,6}[smhd]?"
                       r"(?: \d{1,6}[smhd]?)*)?")
#: A job id we are willing to put in a URL path (the API's are ``spn2-<hex>``).
_JOB_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,199}")


# --------------------------------------------------------------------------
# Error codes
# --------------------------------------------------------------------------

#: Whom an error code is about.
TARGET = "target"  # the page or its site: this source, not the others
TRANSIENT = "transient"  # Save Page Now or the site, for now: try this source later
ACCOUNT = "account"  # your account or address: the run stops (exit 4)


@dataclass(frozen=True)
class ErrorCode:
    """One documented ``status_ext``: its outcome, what it means, what to do."""

    outcome: SaveOutcome
    meaning: str
    action: str
    scope: str


_LATER = "try this source again later"
_BROWSER = "open the URL in a browser to see what the site answers"
#: Every ``status_ext`` of the docs' "Error codes" table (2022-04-05), plus
#: ``error:too-large`` (named in archiver's issue 12; not in that table).
ERROR_CODES: dict[str, ErrorCode] = {
    "error:bad-gateway": ErrorCode(SaveOutcome.BAD_GATEWAY,
                                   "the site answered 502 Bad Gateway", _LATER, TRANSIENT),
    "error:bad-request": ErrorCode(SaveOutcome.BAD_REQUEST,
                                   "the site could not understand the request (HTTP 400)",
                                   "check the URL in the manifest", TARGET),
    "error:bandwidth-limit-exceeded": ErrorCode(
        SaveOutcome.BANDWIDTH_LIMIT_EXCEEDED,
        "the site has exceeded the bandwidth its administrator set (HTTP 509)", _LATER,
        TRANSIENT),
    "error:blocked": ErrorCode(SaveOutcome.BLOCKED,
                               "the site blocks the Internet Archive (HTTP 999)",
                               "use `archiver capture` or another archive for this source",
                               TARGET),
    "error:blocked-client-ip": ErrorCode(
        SaveOutcome.BLOCKED_CLIENT_IP,
        "Save Page Now refuses requests from your IP address (it is on a Spamhaus list)",
        "use another network, or ask info@archive.org", ACCOUNT),
    "error:blocked-url": ErrorCode(
        SaveOutcome.BLOCKED_URL,
        "Save Page Now does not capture this URL (its block list, based on Mozilla's "
        "tracker lists)", "use `archiver capture` or another archive for this source",
        TARGET),
    "error:browsing-timeout": ErrorCode(SaveOutcome.BROWSING_TIMEOUT,
                                        "Save Page Now's headless browser timed out",
                                        _LATER, TRANSIENT),
    "error:capture-location-error": ErrorCode(
        SaveOutcome.CAPTURE_LOCATION_ERROR,
        "Save Page Now could not find the capture it made (a system error)", _LATER,
        TRANSIENT),
    "error:cannot-fetch": ErrorCode(SaveOutcome.CANNOT_FETCH,
                                    "Save Page Now cannot fetch the URL: it is overloaded",
                                    _LATER, TRANSIENT),
    "error:celery": ErrorCode(SaveOutcome.CELERY, "Save Page Now could not start the capture",
                              _LATER, TRANSIENT),
    "error:filesize-limit": ErrorCode(SaveOutcome.FILESIZE_LIMIT,
                                      "the resource is over Save Page Now's 2 GB limit",
                                      "use `archiver capture` for this source", TARGET),
    "error:ftp-access-denied": ErrorCode(SaveOutcome.FTP_ACCESS_DENIED,
                                         "the FTP server denied access",
                                         "check the URL in the manifest", TARGET),
    "error:gateway-timeout": ErrorCode(SaveOutcome.GATEWAY_TIMEOUT,
                                       "the site did not answer in time (HTTP 504)",
                                       _LATER, TRANSIENT),
    "error:http-version-not-supported": ErrorCode(
        SaveOutcome.HTTP_VERSION_NOT_SUPPORTED,
        "the site does not support the HTTP version used (HTTP 505)",
        "use `archiver capture` for this source", TARGET),
    "error:internal-server-error": ErrorCode(SaveOutcome.INTERNAL_SERVER_ERROR,
                                             "Save Page Now had an internal error", _LATER,
                                             TRANSIENT),
    "error:invalid-host-resolution": ErrorCode(
        SaveOutcome.INVALID_HOST_RESOLUTION, "the site's host name does not resolve",
        "check the URL; `archiver check` tells whether the site is gone", TARGET),
    "error:invalid-server-response": ErrorCode(
        SaveOutcome.INVALID_SERVER_RESPONSE,
        "the site's answer was invalid (bad headers or content encoding)",
        "use `archiver capture` for this source", TARGET),
    "error:invalid-ssl-cert": ErrorCode(SaveOutcome.INVALID_SSL_CERT,
                                        "the site's TLS certificate is invalid",
                                        "check the URL (http or https?)", TARGET),
    "error:invalid-url-syntax": ErrorCode(SaveOutcome.INVALID_URL_SYNTAX,
                                          "Save Page Now finds the URL's syntax invalid",
                                          "correct the URL in the manifest", TARGET),
    "error:job-failed": ErrorCode(SaveOutcome.JOB_FAILED,
                                  "the capture failed (a Save Page Now system error)",
                                  _LATER, TRANSIENT),
    "error:max-daily-bandwidth": ErrorCode(
        SaveOutcome.MAX_DAILY_BANDWIDTH,
        "your account has used its daily Save Page Now bandwidth",
        "run `archiver save` again tomorrow", ACCOUNT),
    "error:max-daily-bandwidth-from-ip": ErrorCode(
        SaveOutcome.MAX_DAILY_BANDWIDTH_FROM_IP,
        "your IP address has used its daily Save Page Now bandwidth",
        "run `archiver save` again tomorrow", ACCOUNT),
    "error:max-daily-bandwidth-host": ErrorCode(
        SaveOutcome.MAX_DAILY_BANDWIDTH_HOST,
        "Save Page Now has captured as much of this site as it will today",
        "try this source again tomorrow", TRANSIENT),
    "error:method-not-allowed": ErrorCode(SaveOutcome.METHOD_NOT_ALLOWED,
                                          "the site refuses the request method (HTTP 405)",
                                          "use `archiver capture` for this source", TARGET),
    "error:network-authentication-required": ErrorCode(
        SaveOutcome.NETWORK_AUTHENTICATION_REQUIRED,
        "the site requires network authentication (HTTP 511)",
        "use `archiver capture` from a network that can reach it", TARGET),
    "error:no-access": ErrorCode(SaveOutcome.NO_ACCESS,
                                 "the site refused access (HTTP 403)",
                                 f"{_BROWSER}; `archiver capture` may reach it", TARGET),
    "error:no-browsers-available": ErrorCode(SaveOutcome.NO_BROWSERS_AVAILABLE,
                                             "Save Page Now has no headless browser free",
                                             _LATER, TRANSIENT),
    "error:not-found": ErrorCode(SaveOutcome.NOT_FOUND,
                                 "the site answered 404 Not Found",
                                 "check the URL; `archiver check` tells whether it is gone",
                                 TARGET),
    "error:not-implemented": ErrorCode(SaveOutcome.NOT_IMPLEMENTED,
                                       "the site does not support the request (HTTP 501)",
                                       "use `archiver capture` for this source", TARGET),
    "error:protocol-error": ErrorCode(SaveOutcome.PROTOCOL_ERROR,
                                      "the HTTP connection to the site broke", _LATER,
                                      TRANSIENT),
    "error:proxy-error": ErrorCode(SaveOutcome.PROXY_ERROR, "Save Page Now's proxy failed",
                                   _LATER, TRANSIENT),
    "error:read-timeout": ErrorCode(SaveOutcome.READ_TIMEOUT,
                                    "the site stopped sending (read timeout)", _LATER,
                                    TRANSIENT),
    "error:service-unavailable": ErrorCode(SaveOutcome.SERVICE_UNAVAILABLE,
                                           "the site answered 503 Service Unavailable",
                                           _LATER, TRANSIENT),
    "error:soft-time-limit-exceeded": ErrorCode(
        SaveOutcome.SOFT_TIME_LIMIT_EXCEEDED,
        "the capture took longer than Save Page Now allows and was stopped",
        f"{_LATER}; a very heavy page may need `archiver capture`", TRANSIENT),
    "error:too-large": ErrorCode(SaveOutcome.TOO_LARGE, "the page is too large to capture",
                                 "use `archiver capture` for this source", TARGET),
    "error:too-many-daily-captures": ErrorCode(
        SaveOutcome.TOO_MANY_DAILY_CAPTURES,
        "this URL has been captured as often today as Save Page Now allows",
        "its captures of today exist: run `archiver fetch` for it, or save it again "
        "tomorrow", TARGET),
    "error:too-many-redirects": ErrorCode(SaveOutcome.TOO_MANY_REDIRECTS,
                                          "the URL redirects more than Save Page Now follows "
                                          "(3)", "put the final URL in the manifest", TARGET),
    "error:too-many-requests": ErrorCode(
        SaveOutcome.TOO_MANY_REQUESTS,
        "the site is throttling Save Page Now (HTTP 429 from the site)", _LATER, TRANSIENT),
    "error:unauthorized": ErrorCode(SaveOutcome.UNAUTHORIZED,
                                    "the site requires a login (HTTP 401)",
                                    "use `archiver capture` with access, or another archive",
                                    TARGET),
    "error:user-session-limit": ErrorCode(
        SaveOutcome.USER_SESSION_LIMIT,
        "your account has as many captures running as Save Page Now allows at once",
        "wait for your other captures to finish, then run `archiver save` again",
        ACCOUNT),
}
_BY_OUTCOME = {code.outcome: code for code in ERROR_CODES.values()}


def error_code(status_ext: str | None) -> ErrorCode | None:
    """What a ``status_ext`` means, or None for a code the docs do not list."""
    return ERROR_CODES.get((status_ext or "").strip().lower())


def describe_outcome(outcome: SaveOutcome) -> str | None:
    """The meaning and the advice of an error outcome, in one sentence."""
    code = _BY_OUTCOME.get(outcome)
    return None if code is None else f"{code.meaning}; {code.action}"


# --------------------------------------------------------------------------
# Keys
# --------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class SpnKeys:
    """An account's S3 keys. ``repr`` and ``str`` never show them."""

    access: str = field(repr=False)
    secret: str = field(repr=False)

    def __repr__(self) -> str:
        return "SpnKeys(<hidden>)"

    __str__ = __repr__

    def authorization(self) -> str:
        """The ``Authorization`` header value (the docs, "Capture request")."""
        return f"LOW {self.access}:{self.secret}"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SpnKeys:
        """The keys in ``IA_ACCESS_KEY_ID`` and ``IA_SECRET_ACCESS_KEY``; ConfigError
        (exit 3) naming the variables, never their values, when they are unusable."""
        env = os.environ if env is None else env
        access = env.get(ENV_ACCESS_KEY, "").strip()
        secret = env.get(ENV_SECRET_KEY, "").strip()
        missing = [name for name, value in ((ENV_ACCESS_KEY, access),
                                            (ENV_SECRET_KEY, secret)) if not value]
        if missing:
            raise ConfigError(
                "Save Page Now needs the Internet Archive account's S3 keys; "
                + " and ".join(missing) + (" is" if len(missing) == 1 else " are") + " not set",
                hint=f"get the keys at {S3_KEYS_PAGE} (log in first), then set "
                f"{ENV_ACCESS_KEY} and {ENV_SECRET_KEY} in the environment; archiver never "
                "takes them on the command line")
        for name, value in ((ENV_ACCESS_KEY, access), (ENV_SECRET_KEY, secret)):
            if not value.isascii() or not value.isprintable() or (
                    name == ENV_ACCESS_KEY and ":" in value):
                raise ConfigError(
                    f"{name} holds characters an S3 key does not have (its value is not "
                    "shown)", hint=f"copy the key again from {S3_KEYS_PAGE}")
        return cls(access, secret)


def normalise_api(url: str) -> str:
    """A ``--save-api`` URL as it will be sent (ValueError for one that cannot be)."""
    try:
        wire = wire_url(url.strip())
    except NetError as err:
        raise ValueError(f"bad Save Page Now API URL: {err.message}; give an absolute "
                         "http(s) URL such as " + SPN_API) from err
    if wire.userinfo is not None or "?" in wire.url or "#" in url:
        raise ValueError("the Save Page Now API URL may hold no user name, password, query "
                         "or fragment (the keys come from " + ENV_ACCESS_KEY + " and "
                         + ENV_SECRET_KEY + ")")
    return wire.url.rstrip("/")


def check_timespec(value: str) -> str:
    """An ``if_not_archived_within`` value (``3d 5h``, ``120``); ValueError if not one."""
    text = value.strip()
    if not _TIMESPEC.fullmatch(text):
        raise ValueError(f"{value!r} is not a time span such as 30m, 3d 5h or 120 (seconds)")
    return text


# --------------------------------------------------------------------------
# The API
# --------------------------------------------------------------------------


class _Refused(Exception):
    """The API itself refused us (bad keys): a configuration problem."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


@dataclass
class SpnApi:
    """Requests to the Save Page Now 2 API, with fetch's politeness and 429 rule."""

    client: HttpClient
    politeness: Politeness
    api: str
    keys: SpnKeys
    captures_per_minute: float | None = None
    _capture_gate: RateLimiter | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def host(self) -> str:
        return wire_url(self.api).url.split("/")[2].lower()

    def status_url(self, job_id: str) -> str:
        return f"{self.api}/status/{quote(job_id, safe='')}"

    def _headers(self) -> dict[str, str]:
        return {"Accept": "application/json", "Authorization": self.keys.authorization()}

    def _capture_limiter(self) -> RateLimiter:
        with self._lock:
            if self._capture_gate is None:
                rate = self.captures_per_minute
                if rate is None:  # a local endpoint (a test's, your own) is not paced
                    rate = (limits.LOCAL_LISTINGS_PER_MINUTE
                            if is_local_archive(self.host) and not is_internet_archive(self.host)
                            else SPN_CAPTURES_PER_MINUTE)
                if is_internet_archive(self.host):
                    rate = min(rate, SPN_CAPTURES_PER_MINUTE)
                self._capture_gate = RateLimiter.per_second(rate / 60.0,
                                                            self.politeness.clock)
            return self._capture_gate

    def request(self, method: str, url: str,
                data: Mapping[str, str] | None = None) -> HttpResponse:
        """One API call: retried on 5xx and network failures, paused on a 429."""
        gate = self.politeness.gate(self.host)
        clock = self.politeness.clock
        attempt = 0
        while True:
            gate.before(RequestKind.DOWNLOAD)
            if method == "POST":
                self._capture_limiter().wait()
            try:
                if method == "POST":
                    response = self.client.post(url, data=data or {}, headers=self._headers(),
                                                deadline=limits.ARCHIVE_DEADLINE,
                                                max_bytes=API_MAX_BYTES)
                else:
                    response = self.client.get(url, headers=self._headers(),
                                               deadline=limits.ARCHIVE_DEADLINE,
                                               max_bytes=API_MAX_BYTES, polite=False)
            except NetError as err:
                if err.kind == "private":
                    raise
                if err.kind not in RETRYABLE_NET_KINDS or attempt >= len(RETRY_DELAYS):
                    raise ArchiveUnreachable(
                        f"cannot reach Save Page Now at {self.host}: {err.message}",
                        archive=self.host,
                        hint="check the network (and --save-api), then run the same command "
                        "again; captures made are kept") from err
                delay = RETRY_DELAYS[attempt]
                attempt += 1
                logger.info("retrying %s in %.0f s (%s)", url, delay, err.kind)
                clock.sleep(delay)
                continue
            if response.status == 429:
                retry_after = parse_retry_after(response.headers.get("Retry-After"), clock,
                                                cap=float("inf"))
                gate.on_429(retry_after)  # raises ArchiveRateLimited on the second
                continue
            if response.status in RETRYABLE_STATUSES and attempt < len(RETRY_DELAYS) \
                    and _json(response) is None:
                delay = RETRY_DELAYS[attempt]
                attempt += 1
                logger.info("retrying %s in %.0f s (HTTP %d)", url, delay, response.status)
                clock.sleep(delay)
                continue
            if response.status in (401, 403) and _json(response) is None:
                raise _Refused(response.status)
            return response


def _json(response: HttpResponse) -> dict[str, Any] | None:
    try:
        data = json.loads(response.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _text(value: object, limit: int = 2000) -> str | None:
    """A string field of the API's JSON, as sent (cut at ``limit``), or None."""
    if not isinstance(value, str):
        return None
    return value if len(value) <= limit else value[:limit] + "..."


# --------------------------------------------------------------------------
# One run
# --------------------------------------------------------------------------


class _Stop(Exception):
    """An account-level error code: the run stops after this source."""

    def __init__(self, result: SaveResult) -> None:
        super().__init__(result.detail)
        self.result = result


@dataclass
class _Saver:
    manifest: Manifest
    api: SpnApi
    archive: Archive
    session: ArchiveSession
    store: WarcStore
    user_agent: str
    options: dict[str, str]
    history: History | None
    clock: Clock

    def _result(self, source: Source, outcome: SaveOutcome, detail: str | None,
                **given: Any) -> SaveResult:
        return SaveResult(source_id=source.id, url=source.url, outcome=outcome,
                          detail=detail, finished_at=self.clock.now(), **given)

    def _resume(self, source: Source) -> SaveResult | None:
        """The last job of this URL worth continuing: captured but not stored, or
        pending and young enough to poll again."""
        if self.history is None:
            return None
        for record in self.history.saves(url=source.url, manifest_id=self.manifest.id,
                                         limit=1):
            last = record.result
            if (last.outcome is SaveOutcome.CAPTURED and last.timestamp and last.original_url
                    and self.store.find_for_source(self.manifest.id, source) is None):
                return last  # captured, not stored yet: store it, ask for nothing new
            if (last.outcome is SaveOutcome.PENDING and last.job_id
                    and last.requested_at is not None
                    and self.clock.now() - last.requested_at < PENDING_JOB_REUSE):
                return last
        return None

    def save(self, source: Source) -> SaveResult:
        earlier = self._resume(source)
        if earlier is not None and earlier.outcome is SaveOutcome.CAPTURED:
            assert earlier.timestamp and earlier.original_url
            return self._store(source, replace(earlier, detail=None, finished_at=None),
                               earlier.timestamp, earlier.original_url)
        requested = self.clock.now()
        if earlier is not None and earlier.job_id:
            job_id, message = earlier.job_id, earlier.message
            requested = earlier.requested_at or requested
        else:
            data = {"url": source.url, **self.options}
            answer = self.api.request("POST", self.api.api, data)
            body = _json(answer)
            if body is None:
                return self._result(source, SaveOutcome.BAD_ANSWER,
                                    f"Save Page Now answered HTTP {answer.status} without "
                                    "JSON to the capture request; try again later",
                                    requested_at=requested)
            if body.get("status") == "error" or "status_ext" in body:
                return self._error(source, body, requested, job_id=_text(body.get("job_id")))
            job_id = _text(body.get("job_id"), 200) or ""
            message = _text(body.get("message"))
            if not _JOB_ID.fullmatch(job_id):
                return self._result(source, SaveOutcome.BAD_ANSWER,
                                    f"Save Page Now answered HTTP {answer.status} with no "
                                    "usable job id", requested_at=requested, message=message)
        return self._poll(source, job_id, message, requested)

    def _poll(self, source: Source, job_id: str, message: str | None,
              requested: datetime) -> SaveResult:
        start = self.clock.monotonic()
        wait = POLL_FIRST_WAIT
        polls = 0
        status: str | None = None
        while True:
            if self.clock.monotonic() - start + wait > POLL_TIMEOUT:
                return self._result(
                    source, SaveOutcome.PENDING,
                    f"the capture was still running after {POLL_TIMEOUT:.0f} s; run "
                    "`archiver save` again later: it asks about the same job",
                    job_id=job_id, status=status, message=message, requested_at=requested,
                    polls=polls)
            self.clock.sleep(wait)
            wait = min(wait * POLL_BACKOFF, POLL_MAX_WAIT)
            answer = self.api.request("GET", self.api.status_url(job_id))
            polls += 1
            body = _json(answer)
            if body is None:
                if answer.status == 404:  # the job is gone (expired): ask again next run
                    return self._result(
                        source, SaveOutcome.BAD_ANSWER,
                        f"Save Page Now no longer knows job {job_id} (HTTP 404); run "
                        "`archiver save` again", job_id=job_id, requested_at=requested,
                        polls=polls)
                return self._result(source, SaveOutcome.BAD_ANSWER,
                                    f"the status of job {job_id} came as HTTP {answer.status} "
                                    "without JSON; try again later", job_id=job_id,
                                    requested_at=requested, polls=polls)
            status = _text(body.get("status"), 40)
            if status == "pending":
                continue
            if status == "success":
                return self._success(source, body, job_id, message, requested, polls)
            return self._error(source, body, requested, job_id=job_id, polls=polls)

    def _error(self, source: Source, body: Mapping[str, Any], requested: datetime,
               job_id: str | None, polls: int = 0) -> SaveResult:
        status_ext = _text(body.get("status_ext"), 100)
        message = _text(body.get("message"))
        code = error_code(status_ext)
        given: dict[str, Any] = dict(job_id=job_id, status=_text(body.get("status"), 40),
                                     status_ext=status_ext, message=message,
                                     requested_at=requested, polls=polls)
        if code is None:
            return self._result(
                source, SaveOutcome.UNKNOWN_ERROR,
                f"Save Page Now failed with {status_ext or 'no error code'}, which its "
                "documentation does not list; read its message, and try again later",
                **given)
        result = self._result(source, code.outcome, f"{code.meaning}; {code.action}", **given)
        if code.scope == ACCOUNT:
            raise _Stop(result)
        return result

    def _success(self, source: Source, body: Mapping[str, Any], job_id: str,
                 message: str | None, requested: datetime, polls: int) -> SaveResult:
        stamp = _text(body.get("timestamp"), 14) or ""
        original = _text(body.get("original_url"), 8000) or ""
        base = SaveResult(source_id=source.id, url=source.url, outcome=SaveOutcome.CAPTURED,
                          job_id=job_id, status="success", message=message,
                          requested_at=requested, polls=polls)
        try:
            parse_timestamp(stamp)
            if len(stamp) != 14:
                raise ParseError("not 14 digits")
            wire_url(original)
        except (ParseError, NetError):
            return replace(base, outcome=SaveOutcome.BAD_ANSWER, finished_at=self.clock.now(),
                           detail="Save Page Now reported success without a usable "
                           "timestamp and original URL; try again later")
        return self._store(source, replace(base, timestamp=stamp, original_url=original),
                           stamp, original)

    def _store(self, source: Source, base: SaveResult, stamp: str,
               original: str) -> SaveResult:
        """Fetch the new capture from the archive by fetch's playback, and store it."""
        when = parse_timestamp(stamp)
        memento_url = f"{self.archive.base}{stamp}/{original}"
        base = replace(base, memento_url=memento_url)
        held = self.store.find_for_source(self.manifest.id, source)
        if held is not None and held.rule != RULE_SAVE_PAGE_NOW:
            return replace(base, outcome=SaveOutcome.CAPTURED, finished_at=self.clock.now(),
                           detail=f"captured; not stored: the source already holds a capture "
                           f"of {held.memento_datetime[:10]} ({held.warc_file}), which a "
                           "capture made now does not replace")
        key = capture_key(original, stamp)
        playback = play(self.session, self.archive,
                        Candidate(timestamp=stamp, when=when, original=original))
        if not playback.ok or playback.final is None:
            return replace(base, outcome=SaveOutcome.CAPTURED, finished_at=self.clock.now(),
                           detail=f"captured, but not stored yet: {playback.detail}; run "
                           "`archiver save` again later to store it (no new capture is "
                           "requested)")
        final = playback.final
        if abs(final.memento_datetime - when) > SAME_CAPTURE:
            return replace(base, outcome=SaveOutcome.CAPTURED, finished_at=self.clock.now(),
                           detail=f"captured, but the archive serves a capture of "
                           f"{final.memento_datetime:%Y-%m-%d %H:%M} instead (the new one is "
                           "not indexed yet); run `archiver save` again later to store it")
        selection = Selection(
            manifest_id=self.manifest.id, source=source, archive=self.archive.base,
            rule=RULE_SAVE_PAGE_NOW, distance_days=distance_days(when, source.published),
            pre_publication=False, listing_urls=(self.api.status_url(base.job_id or ""),)
            if base.job_id else (),
            listing_row=json.dumps({"job_id": base.job_id, "status": "success",
                                    "timestamp": stamp, "original_url": original},
                                   ensure_ascii=False),
            listing_keys=(key,), jumps=playback.jumps, user_agent=self.user_agent)
        stored = self.store.find_capture(capture_key(final.uri_r, final.timestamp))
        if stored is not None and not playback.hops:
            entry = (stored if stored.source_id == source.id
                     and stored.manifest_id == self.manifest.id
                     else self.store.write_reference(selection, stored))
        else:
            entry = self.store.write_capture(selection, final, playback.hops, stored=stored)
        return replace(base, outcome=SaveOutcome.SAVED, capture=entry.capture(),
                       finished_at=self.clock.now(),
                       detail=f"captured {when:%Y-%m-%d %H:%M} UTC, stored in {entry.warc_file}")


def save_sources(
    manifest: Manifest,
    *,
    keys: SpnKeys | None = None,
    source_ids: Collection[str] | None = None,
    all_sources: bool = False,
    api: str = SPN_API,
    archive: Archive | None = None,
    warcs_dir: Path | None = None,
    history: History | None = None,
    if_not_archived_within: str | None = None,
    client: HttpClient | None = None,
    clock: Clock = SYSTEM_CLOCK,
    politeness: Politeness | None = None,
    allow_private: bool = False,
    operator: str | None = None,
    proxy: str | None = None,
    progress: ProgressCallback | None = None,
    env: Mapping[str, str] | None = None,
) -> SaveRun:
    """Ask Save Page Now 2 to capture each selected source, and store the mementos.

    Sources: those of ``source_ids`` (all if none) that hold no stored capture in
    the WARC folder; with ``all_sources``, every one of them. ``keys`` default to
    :meth:`SpnKeys.from_env` (``env``, default the environment): without them a
    :class:`~archiver.errors.ConfigError` is raised before any request.

    ``api`` is the capture endpoint (``--save-api``), ``archive`` where mementos
    are fetched from (default the Wayback Machine); both are trusted even on
    loopback. Each result is recorded in ``history`` as soon as it is known, so
    a run stopped half-way loses nothing; a capture made but not yet stored, or
    still pending, is taken up again by the next run without a new request.

    A failed capture is a result. A second 429 (or a long Retry-After), an
    unreachable API and the account-level error codes (``ACCOUNT`` in
    :data:`ERROR_CODES`) stop the run: ``inconclusive`` is set and the sources
    not reached get ``rate_limited``, ``spn_unreachable`` or ``not_attempted``.
    """
    keys = keys if keys is not None else SpnKeys.from_env(env)
    try:
        api = normalise_api(api)
        options = {"skip_first_archive": "1"}
        if if_not_archived_within:
            options["if_not_archived_within"] = check_timespec(if_not_archived_within)
    except ValueError as err:
        raise ConfigError(str(err)) from None
    archive = archive or Archive.from_url(IA_BASE)
    started = clock.now()
    selected = select_sources(manifest, source_ids or ()).sources
    folder = Path(warcs_dir) if warcs_dir is not None else default_warcs_dir(manifest)
    own_client = client is None
    if client is None:
        trusted = tuple(p for p in (api, archive.base, archive.cdx_api) if p)
        client = HttpClient(allow_private=allow_private, trusted_prefixes=trusted, proxy=proxy)
    politeness = politeness or Politeness(clock)
    user_agent = client.user_agent or DEFAULT_USER_AGENT
    store = WarcStore(folder, info=WarcInfo(manifest_id=manifest.id,
                                            manifest_sha256=manifest_sha256(manifest),
                                            user_agent=user_agent, operator=operator),
                      now=clock.now)
    results: list[SaveResult] = []
    stopped: InconclusiveError | None = None
    stop_outcome = SaveOutcome.NOT_ATTEMPTED
    try:
        store.open()
        sources = [s for s in selected
                   if all_sources or store.find_for_source(manifest.id, s) is None]
        saver = _Saver(manifest, SpnApi(client, politeness, api, keys), archive,
                       ArchiveSession(client, politeness), store, user_agent, options,
                       history, clock)
        for index, source in enumerate(sources):
            if progress is not None:
                progress(Progress("save", index, len(sources), source.id))
            if stopped is not None:
                results.append(_not_attempted(source, stop_outcome, stopped))
                continue
            try:
                result = saver.save(source)
            except _Stop as stop:
                result = stop.result
                stopped = InconclusiveError(f"Save Page Now stopped the run at source "
                                            f"{source.id}: {result.status_ext}: {result.detail}")
            except _Refused as refused:
                raise ConfigError(
                    f"Save Page Now refused the keys in {ENV_ACCESS_KEY} and "
                    f"{ENV_SECRET_KEY} (HTTP {refused.status})",
                    hint=f"check them at {S3_KEYS_PAGE}") from None
            except (ArchiveRateLimited, ArchiveUnreachable) as err:
                logger.info("save stopped: %s", err.message)
                stopped = err
                stop_outcome = (SaveOutcome.RATE_LIMITED if isinstance(err, ArchiveRateLimited)
                                else SaveOutcome.SPN_UNREACHABLE)
                results.append(_not_attempted(source, stop_outcome, stopped))
                continue
            results.append(result)
            _record(history, manifest.id, api, result)
        if progress is not None:
            progress(Progress("save", len(sources), len(sources), None))
    finally:
        store.close()
        if own_client:
            client.close()
    return SaveRun(
        manifest_id=manifest.id, started_at=started, finished_at=clock.now(),
        results=tuple(results), api=api, archive=archive.base, warcs_dir=folder,
        inconclusive=stopped is not None,
        inconclusive_reason=stopped.message if stopped is not None else None,
        notes=tuple(store.notes))


def _not_attempted(source: Source, outcome: SaveOutcome,
                   stopped: InconclusiveError) -> SaveResult:
    return SaveResult(source_id=source.id, url=source.url, outcome=outcome,
                      detail="not attempted: the run stopped (" + stopped.message + ")")


def _record(history: History | None, manifest_id: str, api: str, result: SaveResult) -> None:
    if history is not None:
        history.record_saves(manifest_id, api, [result])


class SaveStopped(InconclusiveError):
    """A save run stopped early; ``run`` holds what it did before stopping."""

    def __init__(self, run: SaveRun) -> None:
        super().__init__(run.inconclusive_reason or "the save run stopped early",
                         hint="run the same command again later: captures made are kept "
                         "and the run resumes where it stopped")
        self.run = run


__all__ = [
    "ACCOUNT", "ENV_ACCESS_KEY", "ENV_SECRET_KEY", "ERROR_CODES", "POLL_FIRST_WAIT",
    "POLL_TIMEOUT", "RULE_SAVE_PAGE_NOW", "SPN_API", "SPN_CAPTURES_PER_MINUTE", "TARGET",
    "TRANSIENT", "ErrorCode", "SaveStopped", "SpnApi", "SpnKeys", "check_timespec",
    "describe_outcome", "error_code", "normalise_api", "save_sources",
]

