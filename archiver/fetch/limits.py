"""Politeness towards web archives: every number in one place, and the limiter.

The Internet Archive blocks an IP address at its firewall for an hour, doubling
each time, when its 429s are ignored for more than a minute (an Internet Archive
engineer's answer quoted in edgi-govdata-archiving/wayback issue 137,
2023-11-01). So politeness is not a nicety here: it is what keeps the user's
machine able to reach the archive at all.

All waiting goes through a :class:`Clock`, so tests drive time by hand
(:class:`ManualClock`) and never really sleep.
"""

from __future__ import annotations

import logging
import threading
from urllib.parse import urlsplit

from archiver.clock import SYSTEM_CLOCK, Clock
from archiver.errors import ArchiveRateLimited
from archiver.net import literal_host_is_private

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------
# The numbers. "EDGI" is edgi-govdata-archiving/wayback, a Python client of the
# Wayback Machine (file:line in src/wayback/, commit db10610); "edgi #N" its issues.
# --------------------------------------------------------------------------

#: Listing calls (CDX and TimeMap share one pool at IA) per minute. IA's hard
#: limit is 30/min for /cdx/search/cdx and /web/timemap/* together (edgi wayback
#: #206, PR #208, 2026-06); IA staff asked clients to default to 80 % of the hard
#: limits, i.e. 24/min (EDGI _client.py:66-69).
DEFAULT_LISTINGS_PER_MINUTE = 24.0
#: Highest listing rate accepted for the Internet Archive whatever the user asks:
#: the same 80 % of its hard limit.
IA_MAX_LISTINGS_PER_MINUTE = 24.0
#: Memento downloads per second. EDGI allows 8/s (80 % of an unpublished
#: 600/min, _client.py:69); our volume is small (one page per source), so we
#: stay well below: 2/s, a quarter of EDGI's rate, is our own choice.
DEFAULT_DOWNLOADS_PER_SECOND = 2.0
#: Highest download rate accepted for the Internet Archive.
IA_MAX_DOWNLOADS_PER_SECOND = 2.0
#: After a 429 every request to that archive waits at least this long, longer
#: when Retry-After says so. EDGI's default when IA sends no Retry-After, which
#: it did not as of 2023-11 (EDGI _client.py:73).
RATE_LIMIT_PAUSE = 60.0
#: A second 429 within this window of the first stops the run: past this point
#: IA's firewall block (1 h, doubling) is the likely next step (edgi #137).
SECOND_429_WINDOW = 600.0
#: A Retry-After longer than this stops the run at once instead of waiting.
MAX_RETRY_AFTER_WAIT = 600.0
#: Waits between attempts after a 5xx or a timeout: 2, 4, 8, 16, 32 s, i.e.
#: EDGI's retries=6, backoff=2 without its immediate first retry (_client.py:339).
RETRY_DELAYS: tuple[float, ...] = (2.0, 4.0, 8.0, 16.0, 32.0)
#: Statuses retried after those delays (EDGI _client.py:330 ``retryable_statuses``).
RETRYABLE_STATUSES = frozenset({413, 421, 500, 502, 503, 504, 599})
#: Transport failures retried the same way (net.HttpClient error kinds).
#: "refused" is retried a few times only because IA's firewall answers that way
#: when it blocks an IP ("no connection", edgi #137): after the delays run out
#: the run stops.
#: "proxy" is a proxy that could not reach the archive (its 502/504, a refused
#: CONNECT): the same failure as "connection", seen from behind a proxy.
#: "proxy_unreachable" (the configured proxy itself cannot be reached) is not
#: retried: it is a configuration problem, and the run stops at once (exit 4).
RETRYABLE_NET_KINDS = frozenset({"timeout", "reset", "connection", "refused", "proxy"})
#: Total deadline for one archive request. EDGI uses timeout=60 s (_client.py:341);
#: the timeouts met against IA are in reading the answer, not in connecting
#: (edgi-govdata-archiving/web-monitoring-processing pull request 679).
ARCHIVE_DEADLINE = 60.0
#: Total seconds one memento may cost across its requests, retries and the waits
#: between them (:class:`archiver.fetch.session.Budget`). Without it a memento
#: that drips its bytes costs every try its full ARCHIVE_DEADLINE: 6 tries and
#: the RETRY_DELAYS, about 7 minutes per source. Two minutes is two deadlines
#: (EDGI's 60 s each): a slow archive gets a second chance, and when both run
#: out the source is a playback_error and the run goes on. An archive that
#: refuses connections fails fast and still gets all its retries (62 s of
#: waits); one that cannot be connected to at all stops the run as before.
MEMENTO_BUDGET = 120.0
#: Body cap for memento downloads: far above any article page. A capped body is
#: never stored (it would not be the archived bytes).
DOWNLOAD_MAX_BYTES = 50 * 1024 * 1024
#: Body cap for listings (CDX JSON, TimeMaps).
LISTING_MAX_BYTES = 20 * 1024 * 1024


# --------------------------------------------------------------------------
# Time
# --------------------------------------------------------------------------


# --------------------------------------------------------------------------
# Limiters
# --------------------------------------------------------------------------


class RateLimiter:
    """Request starts at least ``interval`` seconds apart. Thread-safe."""

    def __init__(self, interval: float, clock: Clock) -> None:
        if interval < 0:
            raise ValueError("interval must not be negative")
        self.interval = interval
        self.clock = clock
        self._next = float("-inf")
        self._lock = threading.Lock()

    @classmethod
    def per_second(cls, rate: float, clock: Clock) -> RateLimiter:
        if rate <= 0:
            raise ValueError("rate must be positive")
        return cls(1.0 / rate, clock)

    def wait(self) -> float:
        """Block until a request may start; return the seconds waited."""
        with self._lock:
            now = self.clock.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        delay = start - now
        if delay > 0:
            self.clock.sleep(delay)
        return delay


class RequestKind:
    LISTING = "listing"  # CDX query or TimeMap
    DOWNLOAD = "download"  # a memento


class ArchiveGate:
    """The politeness state of one archive host: its limiters and its 429 pause."""

    def __init__(self, host: str, clock: Clock, *, listings_per_minute: float,
                 downloads_per_second: float) -> None:
        self.host = host
        self.clock = clock
        self.listing = RateLimiter.per_second(listings_per_minute / 60.0, clock)
        self.download = RateLimiter.per_second(downloads_per_second, clock)
        self.paused_until = float("-inf")
        self.first_429_at: float | None = None
        self._lock = threading.Lock()

    def before(self, kind: str) -> None:
        """Wait out a 429 pause, then the limiter of ``kind``."""
        with self._lock:
            pause = self.paused_until - self.clock.monotonic()
        if pause > 0:
            logger.info("%s: waiting %.0f s after a 429", self.host, pause)
            self.clock.sleep(pause)
        (self.listing if kind == RequestKind.LISTING else self.download).wait()

    def on_429(self, retry_after: float | None) -> float:
        """Record a 429: pause the host, or raise if the run must stop. Return the pause."""
        with self._lock:
            now = self.clock.monotonic()
            if retry_after is not None and retry_after > MAX_RETRY_AFTER_WAIT:
                raise ArchiveRateLimited(
                    f"{self.host} asked us to wait {retry_after:.0f} s (Retry-After); "
                    "the run stopped", archive=self.host, retry_after=retry_after,
                    hint="run the same command again later: stored captures are kept "
                    "and the run resumes where it stopped")
            if self.first_429_at is not None and now - self.first_429_at < SECOND_429_WINDOW:
                raise ArchiveRateLimited(
                    f"{self.host} rate-limited us twice within "
                    f"{SECOND_429_WINDOW / 60:.0f} minutes (HTTP 429); the run stopped to "
                    "avoid an IP block", archive=self.host, retry_after=retry_after,
                    hint="wait an hour, then run the same command again: stored captures "
                    "are kept and the run resumes where it stopped")
            self.first_429_at = now
            pause = max(retry_after or 0.0, RATE_LIMIT_PAUSE)
            self.paused_until = now + pause
        logger.warning("%s answered 429; pausing every request to it for %.0f s",
                       self.host, pause)
        return pause


#: An archive on this machine or the private network (the user's own pywb, an
#: institution's archive reached with --allow-private) is the user's to load:
#: its default rates only bound a runaway loop, they do not pace it. Any rate
#: given explicitly (``--list-rate``, ``--download-rate``) replaces them.
LOCAL_LISTINGS_PER_MINUTE = 6000.0
LOCAL_DOWNLOADS_PER_SECOND = 100.0


def is_local_archive(host: str) -> bool:
    """An archive host that is ``localhost`` or a loopback or private IP literal."""
    return literal_host_is_private(urlsplit(f"//{host}").hostname or host)


def default_rates(host: str) -> tuple[float, float]:
    """(listings a minute, downloads a second) for an archive host nobody set rates for.

    The Internet Archive and any other public archive get the Internet Archive's
    budget (an unknown public archive is treated no worse); a local archive
    gets :data:`LOCAL_LISTINGS_PER_MINUTE` and :data:`LOCAL_DOWNLOADS_PER_SECOND`.
    """
    if not is_internet_archive(host) and is_local_archive(host):
        return LOCAL_LISTINGS_PER_MINUTE, LOCAL_DOWNLOADS_PER_SECOND
    return DEFAULT_LISTINGS_PER_MINUTE, DEFAULT_DOWNLOADS_PER_SECOND


class Politeness:
    """One :class:`ArchiveGate` per archive host, shared by everything in a run.

    Rates not given are each archive's own (:func:`default_rates`); rates given
    apply to every archive, never above the Internet Archive's limits there.
    """

    def __init__(self, clock: Clock = SYSTEM_CLOCK, *,
                 listings_per_minute: float | None = None,
                 downloads_per_second: float | None = None) -> None:
        if (listings_per_minute is not None and listings_per_minute <= 0) or (
                downloads_per_second is not None and downloads_per_second <= 0):
            raise ValueError("rates must be positive")
        self.clock = clock
        self.listings_per_minute = listings_per_minute
        self.downloads_per_second = downloads_per_second
        self._gates: dict[str, ArchiveGate] = {}
        self._lock = threading.Lock()

    def gate(self, host: str) -> ArchiveGate:
        host = host.lower()
        with self._lock:
            gate = self._gates.get(host)
            if gate is None:
                listings, downloads = default_rates(host)
                if self.listings_per_minute is not None:
                    listings = self.listings_per_minute
                if self.downloads_per_second is not None:
                    downloads = self.downloads_per_second
                if is_internet_archive(host):
                    listings = min(listings, IA_MAX_LISTINGS_PER_MINUTE)
                    downloads = min(downloads, IA_MAX_DOWNLOADS_PER_SECOND)
                gate = ArchiveGate(host, self.clock, listings_per_minute=listings,
                                   downloads_per_second=downloads)
                self._gates[host] = gate
            return gate


def is_internet_archive(host: str) -> bool:
    host = host.lower().split(":", 1)[0]
    return host == "archive.org" or host.endswith(".archive.org")
