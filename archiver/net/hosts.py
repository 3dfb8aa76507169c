"""Per-host politeness: request gaps and concurrency per host, backoff, Retry-After.

The defaults are in :mod:`archiver.net.limits` (IABot's 1 s gap per site;
lychee's retry rule). Retry-After is read as RFC 9110 §10.2.3 gives it: a
number of seconds or an HTTP date. :class:`HostLimiter` reads time and waits,
and :func:`parse_retry_after` reads "now", through a
:class:`~archiver.clock.Clock`, so tests drive them with a
:class:`~archiver.clock.ManualClock`.
"""

from __future__ import annotations

import asyncio
import random
import threading
import weakref
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC

from archiver.clock import SYSTEM_CLOCK, Clock, SystemClock
from archiver.net.limits import (
    DEFAULT_BACKOFF,
    DEFAULT_PER_HOST_CONCURRENCY,
    DEFAULT_PER_HOST_INTERVAL,
    MAX_RETRY_AFTER,
)
from archiver.urls import host_key


@dataclass
class _HostSlot:
    semaphore: threading.BoundedSemaphore
    next_start: float = 0.0
    interval: float = DEFAULT_PER_HOST_INTERVAL
    lock: threading.Lock = field(default_factory=threading.Lock)
    # the same limit for coroutines, one semaphore per event loop (an asyncio
    # semaphore belongs to the loop that first waits on it)
    async_semaphores: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
        field(default_factory=weakref.WeakKeyDictionary))


class _AsyncSlot:
    """``async with limiter.acquire_async(host)``: a slot of the host, after its gap."""

    __slots__ = ("_limiter", "_semaphore", "_slot")

    def __init__(self, limiter: HostLimiter, slot: _HostSlot,
                 semaphore: asyncio.Semaphore) -> None:
        self._limiter = limiter
        self._slot = slot
        self._semaphore = semaphore

    async def __aenter__(self) -> None:
        await self._semaphore.acquire()
        try:
            slot = self._slot
            with slot.lock:
                now = self._limiter.clock.monotonic()
                start = max(now, slot.next_start)
                slot.next_start = start + slot.interval
            if start > now:
                await self._limiter.sleep_async(start - now)
        except BaseException:
            self._semaphore.release()
            raise

    async def __aexit__(self, *exc: object) -> None:
        self._semaphore.release()


class HostLimiter:
    """At most ``concurrency`` requests in flight per host, ``interval`` s apart.

    Thread-safe; one instance is shared by all workers of a run. ``slow_down``
    widens a host's gap (used on 429) and ``pause`` holds every request to the
    host until a moment has passed (Retry-After). Time is read from and waited
    on ``clock`` (the system clock by default).
    """

    def __init__(self, concurrency: int = DEFAULT_PER_HOST_CONCURRENCY,
                 interval: float = DEFAULT_PER_HOST_INTERVAL,
                 clock: Clock = SYSTEM_CLOCK,
                 overrides: Mapping[str, tuple[int | None, float | None]] | None = None,
                 ) -> None:
        if concurrency < 1:
            raise ValueError("per-host concurrency must be at least 1")
        if interval < 0:
            raise ValueError("per-host interval must not be negative")
        self.concurrency = concurrency
        self.interval = interval
        self.clock = clock
        #: Per-host (concurrency, interval) overrides, keyed by :func:`~archiver.urls.host_key`;
        #: ``None`` keeps the default (``[hosts."NAME"]`` in archiver.toml).
        self.overrides = {host_key(host): value for host, value in (overrides or {}).items()}
        self._slots: dict[str, _HostSlot] = {}
        self._lock = threading.Lock()

    def _slot(self, host: str) -> _HostSlot:
        with self._lock:
            slot = self._slots.get(host)
            if slot is None:
                slot = _HostSlot(threading.BoundedSemaphore(self.concurrency_for(host)),
                                 interval=self._interval_default(host))
                self._slots[host] = slot
            return slot

    @contextmanager
    def acquire(self, host: str) -> Iterator[None]:
        slot = self._slot(host_key(host))
        with slot.semaphore:
            with slot.lock:
                now = self.clock.monotonic()
                start = max(now, slot.next_start)
                slot.next_start = start + slot.interval
            if start > now:
                self.clock.sleep(start - now)
            yield

    def acquire_async(self, host: str) -> _AsyncSlot:
        """:meth:`acquire` for a coroutine (``async with``): the same slots, gaps and pauses.

        The in-flight limit is counted per event loop: a run checks either
        from threads or from one loop, not both at once.
        """
        slot = self._slot(host_key(host))
        loop = asyncio.get_running_loop()
        semaphore = slot.async_semaphores.get(loop)
        if semaphore is None:
            with slot.lock:
                semaphore = slot.async_semaphores.setdefault(
                    loop, asyncio.Semaphore(self.concurrency_for(host)))
        return _AsyncSlot(self, slot, semaphore)

    async def sleep_async(self, seconds: float) -> None:
        """Wait ``seconds`` on the limiter's clock without blocking the event loop.

        The system clock is waited on by the loop; another clock (a test's
        :class:`~archiver.clock.ManualClock`) is asked to sleep, which moves it.
        """
        if isinstance(self.clock, SystemClock):
            await asyncio.sleep(seconds)
        else:
            self.clock.sleep(seconds)
            await asyncio.sleep(0)

    def slow_down(self, host: str, factor: float = 2.0, ceiling: float = 30.0,
                  floor: float = 1.0) -> None:
        """Widen the host's gap: ``factor`` times, at least ``floor``, at most ``ceiling`` s."""
        slot = self._slot(host_key(host))
        with slot.lock:
            slot.interval = min(max(slot.interval * factor, floor), ceiling)

    def pause(self, host: str, seconds: float) -> None:
        slot = self._slot(host_key(host))
        with slot.lock:
            slot.next_start = max(slot.next_start, self.clock.monotonic() + seconds)

    def concurrency_for(self, host: str) -> int:
        """Requests in flight allowed to ``host``: its override, else the default."""
        override = self.overrides.get(host_key(host), (None, None))[0]
        return self.concurrency if override is None else override

    def _interval_default(self, host: str) -> float:
        override = self.overrides.get(host_key(host), (None, None))[1]
        return self.interval if override is None else override

    def interval_for(self, host: str) -> float:
        return self._slot(host_key(host)).interval

    def next_start(self, host: str) -> float:
        """The ``clock.monotonic()`` moment from which a new request to ``host`` may start.

        A peek for schedulers: it reserves nothing (``acquire`` does). In-flight
        limits are not reflected; the caller counts its own requests.
        """
        slot = self._slot(host_key(host))
        with slot.lock:
            return slot.next_start


def backoff_delay(attempt: int, base: float = DEFAULT_BACKOFF,
                  rng: random.Random | None = None) -> float:
    """Exponential backoff with full jitter on the upper half: attempt 1 -> [0.5, 1] x base."""
    r = (rng or random).random()
    ceiling = base * (2 ** (attempt - 1))
    return float(ceiling * (0.5 + 0.5 * r))


def parse_retry_after(value: str | None, clock: Clock = SYSTEM_CLOCK,
                      cap: float = MAX_RETRY_AFTER) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or HTTP date), capped.

    An HTTP date is measured from ``clock.now()``.
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), cap)
    import email.utils  # here: only a Retry-After date needs it (about 3 ms to import)

    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max((when - clock.now()).total_seconds(), 0.0), cap)
