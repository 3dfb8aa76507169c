"""Requests to archives: politeness, retries and the 429 rule, over ``net.HttpClient``.

Every request fetch makes goes through :meth:`ArchiveSession.get`, which:

- waits for the archive host's 429 pause and the limiter of its kind
  (listing or download, :mod:`archiver.fetch.limits`);
- on a 429 pauses *every* request to that host for max(Retry-After, 60 s) and
  tries once more; a second 429 within 10 minutes raises
  :class:`~archiver.errors.ArchiveRateLimited`;
- retries 5xx answers and timeouts after 2, 4, 8, 16 and 32 s, then returns the
  last answer (a status) or raises :class:`~archiver.errors.ArchiveUnreachable`
  (a transport failure);
- when given a :class:`Budget` (one per memento), stops retrying once the
  requests and the waits between them would spend more than it holds
  (:data:`~archiver.fetch.limits.MEMENTO_BUDGET`): an archive that answers
  but drips the body then raises :class:`MementoTooSlow` (the source is a
  ``playback_error``, the run goes on); any other failure is still
  :class:`~archiver.errors.ArchiveUnreachable`.

Any other answer, 4xx included, is returned for the caller to interpret.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import urlsplit

import urllib3

from archiver.errors import ArchiveUnreachable, DeadlineExceeded, NetError, NetErrorKind
from archiver.fetch import limits
from archiver.fetch.limits import (
    RETRY_DELAYS,
    RETRYABLE_NET_KINDS,
    RETRYABLE_STATUSES,
    Politeness,
)
from archiver.net import HttpClient, HttpResponse, SlowAnswer, parse_retry_after

logger = logging.getLogger(__name__)


class MementoTooSlow(DeadlineExceeded):
    """A memento's budget ran out while the archive was still sending it."""


class Budget:
    """Seconds one memento may still cost: its requests and the waits between retries.

    Requests are measured on the real clock, as their deadlines are (a
    :class:`~archiver.clock.ManualClock` does not move while a socket waits);
    retry waits count at their length, whichever clock sleeps them. Politeness
    waits and 429 pauses are the archive's rules, not the memento's cost, and
    do not count.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.spent = 0.0
        self.tries = 0

    @property
    def remaining(self) -> float:
        return self.seconds - self.spent

    def spend(self, seconds: float) -> None:
        self.spent += max(seconds, 0.0)


def _too_slow(url: str, budget: Budget, cause: NetError | None) -> MementoTooSlow:
    return MementoTooSlow(
        f"{url} was still arriving after {budget.spent:.0f} s over {budget.tries} "
        f"tries (one memento may take {budget.seconds:g} s at most); skipped",
        url=url, kind=NetErrorKind.TIMEOUT, cause=cause)


class ArchiveSession:
    """An :class:`HttpClient` plus the politeness of a run.

    ``deadline`` is each request's total deadline and ``memento_budget`` what
    :meth:`budget` gives a memento (defaults: :mod:`archiver.fetch.limits`).
    """

    def __init__(self, client: HttpClient, politeness: Politeness, *,
                 deadline: float | None = None, memento_budget: float | None = None) -> None:
        self.client = client
        self.politeness = politeness
        self.clock = politeness.clock
        self.deadline = limits.ARCHIVE_DEADLINE if deadline is None else deadline
        self.memento_budget = (limits.MEMENTO_BUDGET if memento_budget is None
                               else memento_budget)

    def budget(self) -> Budget:
        """A fresh budget for one memento (every request of its playback shares it)."""
        return Budget(self.memento_budget)

    def get(self, url: str, kind: str, *, max_bytes: int | None = None,
            headers: dict[str, str] | None = None,
            budget: Budget | None = None) -> HttpResponse:
        host = urlsplit(url).netloc.lower()
        gate = self.politeness.gate(host)
        attempt = 0
        while True:
            gate.before(kind)
            deadline = self.deadline
            if budget is not None:
                if budget.remaining <= 0:  # earlier hops of this memento spent it
                    raise _too_slow(url, budget, None)
                deadline = min(deadline, budget.remaining)
                budget.tries += 1
            started = time.monotonic()
            try:
                response = self.client.get(url, headers=headers, deadline=deadline,
                                           max_bytes=max_bytes, polite=False)
            except NetError as err:
                if budget is not None:
                    budget.spend(time.monotonic() - started)
                # HACK: the Wayback Machine sometimes sends both "content-encoding: " (the
                # archived, empty value) and "Content-Encoding: gzip" (its own), which
                # urllib3 reads as a chain ending in an unknown coding and fails to
                # decode (EDGI patches urllib3 globally for this, _client.py:218-275;
                # web-monitoring-processing#309). Asking again for an uncompressed
                # transfer avoids the second header. Example: any id_ URL served that way.
                if (isinstance(err.cause, urllib3.exceptions.DecodeError)
                        and (headers or {}).get("Accept-Encoding") != "identity"):
                    logger.info("%s: undecodable Content-Encoding; asking for identity", url)
                    headers = {**(headers or {}), "Accept-Encoding": "identity"}
                    continue
                # END HACK
                out_of_budget = (budget is not None and attempt < len(RETRY_DELAYS)
                                 and RETRY_DELAYS[attempt] >= budget.remaining)
                # Too slow, not unreachable: the answer had begun, or the budget
                # (not the archive deadline) cut the wait short.
                slow = isinstance(err, SlowAnswer) or (isinstance(err, DeadlineExceeded)
                                                       and deadline < self.deadline)
                if out_of_budget and slow:
                    assert budget is not None
                    raise _too_slow(url, budget, err) from err
                if (err.kind not in RETRYABLE_NET_KINDS or attempt >= len(RETRY_DELAYS)
                        or out_of_budget):
                    if err.kind == "private":
                        raise
                    raise ArchiveUnreachable(
                        f"cannot reach {host}: {err.message}", archive=host,
                        hint="check the network and the archive URL, then run the same "
                        "command again; stored captures are kept") from err
                delay = RETRY_DELAYS[attempt]
                attempt += 1
                logger.info("retrying %s in %.0f s (attempt %d failed: %s)",
                            url, delay, attempt, err.kind)
                if budget is not None:
                    budget.spend(delay)
                self.clock.sleep(delay)
                continue
            if budget is not None:
                budget.spend(time.monotonic() - started)
            if response.status == 429:
                retry_after = parse_retry_after(response.headers.get("Retry-After"),
                                                self.clock, cap=float("inf"))
                gate.on_429(retry_after)  # raises on the second 429
                continue
            if (response.status in RETRYABLE_STATUSES and attempt < len(RETRY_DELAYS)
                    and (budget is None or RETRY_DELAYS[attempt] < budget.remaining)):
                delay = RETRY_DELAYS[attempt]
                attempt += 1
                logger.info("retrying %s in %.0f s (HTTP %d)", url, delay, response.status)
                if budget is not None:
                    budget.spend(delay)
                self.clock.sleep(delay)
                continue
            return response
