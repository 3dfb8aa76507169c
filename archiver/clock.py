"""The one clock every stage reads time from and waits on.

Nondeterminism sits behind a hook that tests replace (as warcio's
``_make_warc_date`` does, warcio/recordbuilder.py): stages take a :class:`Clock`
and never call :func:`time.time`, :func:`time.sleep` or :func:`datetime.now`
themselves. :class:`ManualClock` drives time by hand so tests never really sleep.
"""

from __future__ import annotations

import time
from collections.abc import Callable
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


#: A bare "what time is it" callable, as the check stage and history take it.
NowFn = Callable[[], datetime]


def utc_now() -> datetime:
    """Now, in UTC, from the system clock."""
    return SYSTEM_CLOCK.now()


@dataclass
class ManualClock:
    """A clock for tests: ``sleep`` advances time at once and is recorded."""

    start: datetime = datetime(2026, 1, 1, tzinfo=UTC)
    elapsed: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.elapsed

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.sleeps.append(seconds)
            self.elapsed += seconds

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.elapsed)

    def advance(self, seconds: float) -> None:
        self.elapsed += seconds
