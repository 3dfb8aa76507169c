"""Runs the stages; the one place where work runs concurrently.

Other modules do one thing to one item (:mod:`archiver.check` checks one URL);
this module decides what runs when, on how many threads, and reports progress
through a callback. It never prints and never imports click.

``check_manifest``
    Every URL of a manifest, checked concurrently under the politeness limits,
    judged for "are we offline?", and recorded in the history database.

Scheduling (``_HostScheduler``): a fixed pool of ``concurrency`` worker threads
takes jobs from per-host queues, visiting hosts round-robin. A job is handed
out only when its host has a free slot (fewer than ``per_host_concurrency``
checks running) and the host's politeness gap has passed, so a worker never
sits waiting on a busy host while another host has work. Retries go back into
their host's queue with a not-before time instead of sleeping in a worker, and
a 429 or ``Retry-After`` pauses the whole host through the shared
:class:`~archiver.net.HostLimiter`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from archiver.check import (
    Attempt,
    Checker,
    CheckOptions,
    Clock,
    final_result,
    host_of,
    judge_offline,
    retry_delay,
    utc_now,
    void_results,
)
from archiver.history import History
from archiver.models import CheckRun, LinkClass, LinkResult, Manifest, Progress, ProgressCallback

logger = logging.getLogger(__name__)

#: The check stage's name in :class:`~archiver.models.Progress` events.
CHECK_STAGE = "check"


@dataclass
class _Job:
    index: int  # position in the list of distinct URLs
    source_id: str
    url: str
    host: str
    attempt: int = 1
    not_before: float = 0.0


@dataclass
class _Host:
    jobs: deque[_Job]
    running: int = 0
    next_dispatch: float = 0.0


class _HostScheduler:
    """Hands jobs to workers, host by host, under the politeness limits."""

    def __init__(self, jobs: Sequence[_Job], checker: Checker, options: CheckOptions,
                 progress: ProgressCallback | None) -> None:
        self.checker = checker
        self.options = options
        self.progress = progress
        self.results: list[LinkResult | None] = [None] * len(jobs)
        self.total = len(jobs)
        self.done = 0
        self.error: BaseException | None = None
        self._cond = threading.Condition()
        self._hosts: dict[str, _Host] = {}
        for job in jobs:
            self._hosts.setdefault(job.host, _Host(deque())).jobs.append(job)
        self._order = list(self._hosts)
        self._turn = 0

    def run(self) -> list[LinkResult]:
        workers = [threading.Thread(target=self._work, name=f"check-{i}", daemon=True)
                   for i in range(min(self.options.concurrency, max(self.total, 1)))]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        if self.error is not None:
            raise self.error
        return [r for r in self.results if r is not None]

    # -- the workers' loop -------------------------------------------------------

    def _work(self) -> None:
        while True:
            with self._cond:
                job = self._take()
            if job is None:
                return
            try:
                outcome = self.checker.attempt(job.source_id, job.url, job.attempt)
                self._finish(job, outcome)
            except BaseException as err:  # a bug: stop everyone, re-raise in run()
                with self._cond:
                    self.error = self.error or err
                    self._cond.notify_all()
                return

    def _take(self) -> _Job | None:
        """The next runnable job, waiting as long as needed; None when all are done."""
        while True:
            if self.error is not None or self.done >= self.total:
                return None
            now = time.monotonic()
            wake = now + 1.0
            count = len(self._order)
            for step in range(count):
                name = self._order[(self._turn + step) % count]
                host = self._hosts[name]
                if not host.jobs or host.running >= self.options.per_host_concurrency:
                    continue
                ready = max(host.next_dispatch, self.checker.limiter.next_start(name))
                job = self._first_ready(host, now)
                if job is None:
                    wake = min(wake, min(j.not_before for j in host.jobs))
                    continue
                if ready > now:
                    wake = min(wake, ready)
                    continue
                host.jobs.remove(job)
                host.running += 1
                host.next_dispatch = now + self.checker.limiter.interval_for(name)
                self._turn = (self._turn + step + 1) % count
                return job
            self._cond.wait(timeout=max(wake - now, 0.001))

    @staticmethod
    def _first_ready(host: _Host, now: float) -> _Job | None:
        for job in host.jobs:
            if job.not_before <= now:
                return job
        return None

    def _finish(self, job: _Job, outcome: Attempt) -> None:
        delay = retry_delay(job.attempt, outcome, self.options)
        with self._cond:
            host = self._hosts[job.host]
            host.running -= 1
            if delay is not None:
                logger.info("retrying %s in %.1f s (attempt %d: %s)", job.url, delay,
                            job.attempt, outcome.result.detail)
                host.jobs.append(replace(job, attempt=job.attempt + 1,
                                         not_before=time.monotonic() + delay))
            else:
                self.results[job.index] = final_result(outcome, self.options)
                self.done += 1
                if self.progress is not None:
                    self.progress(Progress(CHECK_STAGE, self.done, self.total, job.url))
            # One slot came free (or one job came back): one waiting worker is
            # enough; this worker itself looks for work next. Waking them all
            # would have 16+ threads rescan every host after every request.
            if self.done >= self.total:
                self._cond.notify_all()
            else:
                self._cond.notify()


def check_urls(sources: Sequence[tuple[str, str]], options: CheckOptions | None = None,
               progress: ProgressCallback | None = None, *, checker: Checker | None = None,
               ) -> list[LinkResult]:
    """Check ``(source_id, url)`` pairs concurrently; results in the same order.

    A URL listed by several sources is requested once; each source gets a copy
    of the result under its own id.
    """
    options = options or (checker.options if checker is not None else CheckOptions())
    unique: dict[str, _Job] = {}
    for source_id, url in sources:
        if url not in unique:
            unique[url] = _Job(len(unique), source_id, url, host_of(url))
    own = checker is None
    checker = checker or Checker(options)
    try:
        results = _HostScheduler(list(unique.values()), checker, options, progress).run()
    finally:
        if own:
            checker.close()
    by_url = {r.url: r for r in results}
    return [replace(by_url[url], source_id=source_id) for source_id, url in sources]


def check_manifest(manifest: Manifest, options: CheckOptions | None = None,
                   progress: ProgressCallback | None = None, *,
                   history: History | None = None, clock: Clock = utc_now,
                   checker: Checker | None = None) -> CheckRun:
    """Check every source URL of ``manifest``; judge the run; record it in ``history``.

    Parameters
    ----------
    manifest:
        The sources to check, in order (results keep that order).
    options:
        Limits and switches (:class:`~archiver.check.CheckOptions`).
    progress:
        Called after each URL is done (from worker threads; keep it quick).
    history:
        Where checks are stored and states advanced. Without it every result's
        state is ``unknown``.
    clock:
        The time of each check and of the run (tests pass a fake clock).
    checker:
        A ready :class:`~archiver.check.Checker` (tests may pass one); the
        default is built from ``options``.

    Returns
    -------
    CheckRun
        With ``inconclusive`` set when the canary failed or most hosts could
        not be reached; then non-success results are marked ``inconclusive``
        and no history state advanced.
    """
    options = options or (checker.options if checker is not None else CheckOptions())
    own = checker is None
    checker = checker or Checker(options, clock=clock)
    started = clock()
    pairs = [(s.id, s.url) for s in manifest.sources]
    reason: str | None = None
    try:
        if options.canary:
            reason = checker.canary(options.canary)
        if reason is None:
            results = check_urls(pairs, options, progress, checker=checker)
            reason = judge_offline(results, share=options.offline_share,
                                   min_hosts=options.offline_min_hosts)
        else:
            results = [LinkResult(sid, url, LinkClass.INCONCLUSIVE, checked_at=started,
                                  detail=f"not checked: {reason}") for sid, url in pairs]
        requests = checker.requests
    finally:
        if own:
            checker.close()
    inconclusive = reason is not None
    if inconclusive:
        assert reason is not None
        logger.info("run inconclusive: %s", reason)  # the caller reports it
        results = list(void_results(results, reason))
    finished = clock()
    run_id = None
    if history is not None:
        results, run_id = _record(history, manifest.id, started, finished, results,
                                  inconclusive, reason)
    return CheckRun(
        manifest_id=manifest.id, started_at=started, finished_at=finished,
        results=tuple(results), inconclusive=inconclusive, inconclusive_reason=reason,
        run_id=run_id, db_path=history.path if history is not None else None,
        hosts=len({host_of(url) for _, url in pairs}), requests=requests)


def _record(history: History, manifest_id: str, started: datetime, finished: datetime,
            results: Sequence[LinkResult], inconclusive: bool,
            reason: str | None) -> tuple[list[LinkResult], int]:
    """Store one check per distinct URL; give every source its URL's state."""
    first: dict[str, LinkResult] = {}
    for result in results:
        first.setdefault(result.url, result)
    recorded = history.record_run(manifest_id=manifest_id, started_at=started,
                                  finished_at=finished, results=list(first.values()),
                                  inconclusive=inconclusive, reason=reason)
    by_url = {r.url: r for r in recorded.results}
    out = []
    for result in results:
        stored = by_url[result.url]
        out.append(replace(result, state=stored.state, failing_count=stored.failing_count,
                           previous_state=stored.previous_state, checked_at=stored.checked_at))
    return out, recorded.run_id
