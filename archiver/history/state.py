"""The link state machine (pure): when a URL becomes ``failing``, ``dead`` or ``alive``.

The rule is InternetArchiveBot's: a URL is ``dead`` after
:data:`DEAD_AFTER_FAILURES` consecutive *failing* checks, each at least
:data:`MIN_FAILURE_INTERVAL` after the previous counted one; any successful
check resets it to ``alive``. IABot keeps a per-URL ``live_state`` that a
failing check counts down (3 -> 2 -> 1 -> 0, dead) and a success sets back to
3, and re-checks a URL at least 259200 s (3 days) after the last check
(internetarchive/internetarchivebot ``app/src/Core/parse.php``,
``updateLinkInfo``); its Meta page FAQ_for_sysadmins says the same: "test it 2
more times waiting at least 3 days between each test". Both numbers are
configurable (:class:`HistoryPolicy`).

* Failing checks: ``gone``, ``soft404``, ``tls_error``
  (:attr:`archiver.models.LinkClass.is_failure`). A failure sooner than the
  interval after the last counted one is stored but does not count.
* Successful checks: ``ok``, ``redirected``.
* Neither: ``blocked``, ``paywalled``, ``transient``, ``invalid`` and
  ``inconclusive``. They are stored, and change nothing: a bot wall or a
  flaky network never kills a link, and never vouches for it either. (This
  part is this tool's choice, not IABot's rule.)

No clock and no database here: the time of each check is an argument, so
tests can simulate checks days apart without sleeping.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from archiver.errors import ConfigError
from archiver.models import LinkClass, LinkState

#: IABot: "test it 2 more times waiting at least 3 days between each test" (Meta
#: FAQ_for_sysadmins), i.e. dead after 3 failing checks at least 3 days apart.
DEAD_AFTER_FAILURES = 3
MIN_FAILURE_INTERVAL = timedelta(days=3)


@dataclass(frozen=True)
class HistoryPolicy:
    """When a failing link is declared dead."""

    dead_after: int = DEAD_AFTER_FAILURES
    min_interval: timedelta = MIN_FAILURE_INTERVAL

    def __post_init__(self) -> None:
        if self.dead_after < 1:
            raise ConfigError("the number of failing checks before 'dead' must be at least 1")
        if self.min_interval < timedelta(0):
            raise ConfigError("the interval between counted failures must not be negative")


@dataclass(frozen=True)
class LinkRecord:
    """What the history knows about one URL."""

    url: str
    state: LinkState = LinkState.UNKNOWN
    failing_count: int = 0
    first_failure_at: datetime | None = None
    last_failure_at: datetime | None = None  # the last *counted* failure
    last_success_at: datetime | None = None
    last_checked_at: datetime | None = None
    last_class: LinkClass | None = None
    state_since: datetime | None = None
    checks: int = 0
    source_id: str | None = None


@dataclass(frozen=True)
class Advance:
    """The outcome of one check for a URL's record."""

    record: LinkRecord
    counted: bool  # the check moved the failure count (or reset it)
    reason: str


def advance(record: LinkRecord, link_class: LinkClass, at: datetime,
            policy: HistoryPolicy = HistoryPolicy()) -> Advance:
    """Apply one check to a URL's record (IABot's rule; see the module docstring)."""
    seen = replace(record, last_checked_at=at, last_class=link_class, checks=record.checks + 1)
    if link_class.is_success:
        new = replace(seen, state=LinkState.ALIVE, failing_count=0, first_failure_at=None,
                      last_failure_at=None, last_success_at=at)
        reason = ("a successful check resets the failure count"
                  if record.failing_count or record.state is LinkState.DEAD
                  else "successful check")
        return Advance(_since(record, new, at), True, reason)
    if not link_class.is_failure:
        return Advance(seen, False, f"a {link_class} check neither fails nor vouches for a link")
    if record.state is LinkState.DEAD:
        return Advance(seen, False, "already dead")
    if record.failing_count == 0 or record.last_failure_at is None:
        count = 1
        first = at
    elif at - record.last_failure_at >= policy.min_interval:
        count = record.failing_count + 1
        first = record.first_failure_at or at
    else:
        waited = at - record.last_failure_at
        return Advance(seen, False,
                       f"failure {_days(waited)} after the last counted one: not counted "
                       f"(failures count at least {_days(policy.min_interval)} apart)")
    state = LinkState.DEAD if count >= policy.dead_after else LinkState.FAILING
    new = replace(seen, state=state, failing_count=count, first_failure_at=first,
                  last_failure_at=at)
    if state is LinkState.DEAD:
        reason = f"failing check {count} of {policy.dead_after}: dead"
    else:
        reason = f"failing check {count} of {policy.dead_after}"
    return Advance(_since(record, new, at), True, reason)


def _since(old: LinkRecord, new: LinkRecord, at: datetime) -> LinkRecord:
    return new if old.state is new.state else replace(new, state_since=at)


def _days(delta: timedelta) -> str:
    days = delta.total_seconds() / 86400
    if days >= 1:
        return f"{days:.1f} days"
    hours = delta.total_seconds() / 3600
    return f"{hours:.1f} hours"
