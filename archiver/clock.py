"""The one clock every stage reads time from and waits on.

Nondeterminism sits behind a hook that tests replace (as warcio's
``_make_warc_date`` does, warcio/recordbuilder.py): stages take a :class:`Clock`
and never call :func:`time.time`, :func:`time.sleep` or :func:`datetime.now`
themselves. :class:`ManualClock` drives time by hand so tests never really sleep.

Three waits stay on the real clock on purpose, because what they wait for is
outside the program and does not move with a fake clock: a request's total
deadline (:mod:`archiver.net.deadline`: the socket is shut down after real
seconds), the measured duration of a request (``elapsed``: a fake clock would
record 0 ms), and the history database's retries while another process holds
its lock (:mod:`archiver.history.database`).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Where a stage gets its time from, and how it waits."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (for gaps and deadlines)."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` (nothing for zero or less)."""
        ...

    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)

    def now(self) -> datetime:
        return datetime.now(UTC)


#: The clock stages use when none is given.
SYSTEM_CLOCK = SystemClock()


@dataclass
class ManualClock:
    """A clock for tests: ``sleep`` advances time at once and is recorded.

    Time moves only when someone sleeps on the clock or calls :meth:`advance`,
    for every thread at once (the check stage's workers share one clock). A
    loop that waits for time to pass must therefore wait on the clock, never
    poll it: polling a ManualClock would spin forever.
    """

    start: datetime = datetime(2026, 1, 1, tzinfo=UTC)
    elapsed: float = 0.0
    sleeps: list[float] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False,
                                  compare=False)

    def monotonic(self) -> float:
        with self._lock:
            return self.elapsed

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            with self._lock:
                self.sleeps.append(seconds)
                self.elapsed += seconds

    def now(self) -> datetime:
        with self._lock:
            return self.start + timedelta(seconds=self.elapsed)

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds`` without recording a sleep."""
        if seconds < 0:
            raise ValueError("a clock never goes back")
        with self._lock:
            self.elapsed += seconds
