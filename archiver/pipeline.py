"""Runs the stages; the one place where work runs concurrently.

Other modules do one thing to one item (:mod:`archiver.check` checks one URL);
this module decides what runs when, on how many threads, and reports progress
through a callback. It never prints and never imports click.

``check_manifest``
    Every URL of a manifest, checked concurrently under the politeness limits,
    judged for "are we offline?", and recorded in the history database.
``run_pipeline``
    The whole job (``archiver run``): check, then fetch, then verify, over one
    shared :class:`~archiver.net.HttpClient`; the run recorded in the history
    database in one transaction at the end, and compared with the previous run.

Scheduling (``_HostScheduler``): a fixed pool of ``concurrency`` worker threads
takes jobs from per-host queues, visiting hosts round-robin. A job is handed
out only when its host has a free slot (fewer than ``per_host_concurrency``
checks running) and the host's politeness gap has passed, so a worker never
sits waiting on a busy host while another host has work. Retries go back into
their host's queue with a not-before time instead of sleeping in a worker, and
a 429 or ``Retry-After`` pauses the whole host through the shared
:class:`~archiver.net.HostLimiter`.

Time: one :class:`~archiver.clock.Clock` drives every stage of a run (the
checks' ``checked_at``, the run's times, the host limiter, fetch's politeness
and WARC dates). The scheduler reads and waits on the host limiter's clock,
the one its ``next_start`` moments are on. A worker waits on the clock only
when no request is in flight (then only time can make a job ready, and a
:class:`~archiver.clock.ManualClock` moves at once); while one is, it waits for
that request to finish, so nothing polls a clock that does not move.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import pickle
import sys
import threading
from collections import deque
from collections.abc import Callable, Coroutine, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

from archiver.check import (
    Attempt,
    Checker,
    CheckOptions,
    OfflineTally,
    final_result,
    host_of,
    judge_offline,
    retry_delay,
    void_result,
    void_results,
    voidable,
)
from archiver.clock import SYSTEM_CLOCK, Clock, SystemClock
from archiver.durable import spool_error, spool_file
from archiver.errors import ConfigError
from archiver.manifest import select_sources
from archiver.models import (
    CaptureKind,
    CaptureOutcome,
    CheckRun,
    Expectation,
    LinkClass,
    LinkResult,
    Manifest,
    Progress,
    ProgressCallback,
    Source,
)
from archiver.net import HostLimiter, HttpClient
from archiver.net.aio import AsyncHttpClient

if TYPE_CHECKING:
    from archiver.fetch import Archive, CaptureScope
    from archiver.history import FixityEvent, History
    from archiver.models import Change, FetchRun, FixitySummary, RunResult
    from archiver.verify import SearchScope

logger = logging.getLogger(__name__)

#: The check stage's name in :class:`~archiver.models.Progress` events.
CHECK_STAGE = "check"


@dataclass(slots=True)
class _Job:  # one per distinct URL: kept small (slots), its strings the manifest's own
    index: int  # position in the list of distinct URLs
    source_id: str
    url: str
    host: str
    attempt: int = 1
    not_before: float = 0.0


@dataclass(slots=True)
class _Host:
    jobs: deque[_Job]
    running: int = 0
    next_dispatch: float = 0.0
    queued: bool = False  # in the scheduler's ready queue
    timed: bool = False  # in the scheduler's timer heap


class _HostScheduler:
    """Starts checks host by host under the politeness limits, on one event loop.

    Event-driven, so its cost does not grow with the number of hosts: a host
    is in the *ready* queue when it has jobs and a free slot, or in the *timer*
    heap when its next job must wait (its politeness gap, a pause, a retry's
    not-before time). Hosts take turns (the ready queue is first in, first
    out), and at most ``concurrency`` checks run at once.
    """

    def __init__(self, jobs: Sequence[_Job], checker: Checker, options: CheckOptions,
                 progress: ProgressCallback | None,
                 on_result: Callable[[LinkResult], None] | None = None,
                 feed: Iterator[Sequence[_Job]] | None = None) -> None:
        self.checker = checker
        self.limiter = checker.limiter
        self.clock = checker.limiter.clock  # next_start() moments are on this clock
        self.options = options
        self.progress = progress
        # Each final result goes to on_result as it comes, or is kept in job order.
        self.on_result = on_result
        self.results: list[LinkResult | None] = [None] * (len(jobs) if on_result is None else 0)
        self.total = 0  # jobs given so far (_add counts them)
        self.done = 0
        self.error: BaseException | None = None
        self._hosts: dict[str, _Host] = {}
        self._ready: deque[str] = deque()
        self._add(jobs)
        # More jobs, a batch at a time, taken between the loop's turns while checks run
        # (a manifest still being read); only with on_result (results are not indexed).
        self._feed = feed
        if feed is not None and on_result is None:
            raise ValueError("check scheduler: a feed of jobs needs on_result")
        self._timers: list[tuple[float, str]] = []
        self._running = 0  # checks started and not finished, all hosts
        self._tasks: set[asyncio.Task[None]] = set()
        self._changed: asyncio.Event | None = None
        self._client: AsyncHttpClient | None = None
        self._closing = False

    def run(self) -> list[LinkResult]:
        """Check every job; results in job order (none when given ``on_result``).

        Runs its own event loop.
        """
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            _run_loop(self._run())
        else:  # called from a coroutine (a notebook): the loop gets a thread of its own
            failure: list[BaseException] = []

            def target() -> None:
                try:
                    _run_loop(self._run())
                except BaseException as err:  # re-raised in the caller's thread
                    failure.append(err)

            thread = threading.Thread(target=target, name="archiver-check", daemon=True)
            thread.start()
            thread.join()
            if failure:
                raise failure[0]
        return [r for r in self.results if r is not None]

    def _add(self, jobs: Sequence[_Job]) -> None:
        """Queue ``jobs``: each host with new work and no place in the queues gets one."""
        hosts = self._hosts
        for job in jobs:
            host = hosts.get(job.host)
            if host is None:
                host = hosts[job.host] = _Host(deque())
            host.jobs.append(job)
            if not host.queued and not host.timed:
                host.queued = True  # a full host is dropped by _dispatch, queued when it frees
                self._ready.append(job.host)
        self.total += len(jobs)

    def _take_batch(self) -> None:
        """The feed's next batch of jobs queued; the feed dropped once it is done."""
        assert self._feed is not None
        batch = next(self._feed, None)
        if batch is None:
            self._feed = None
        else:
            self._add(batch)

    async def _run(self) -> None:
        self._changed = asyncio.Event()
        self._client = client = self.checker.async_client()
        try:
            while self.done < self.total or self._feed is not None:
                if self.error is not None:
                    raise self.error
                if self._feed is not None:
                    self._take_batch()
                now = self.clock.monotonic()
                self._release_timers(now)
                self._dispatch(now)
                if self._feed is not None:
                    # the next batch once the checks started meanwhile have sent their
                    # requests and the answers already in are handled
                    await asyncio.sleep(0)
                    continue
                if self.done >= self.total:
                    break
                wake = self._timers[0][0] if self._timers else None
                if self._running:
                    # a check in flight: its end (a free slot, a retry queued), or the
                    # first timer on the real clock, whichever comes first
                    timeout = (max(wake - now, 0.001)
                               if wake is not None and isinstance(self.clock, SystemClock)
                               else None)
                    self._changed.clear()
                    try:
                        async with asyncio.timeout(timeout):
                            await self._changed.wait()
                    except TimeoutError:
                        pass
                elif wake is not None:  # only time can make a job ready
                    await self.limiter.sleep_async(wake - now)
                else:
                    raise AssertionError("check scheduler: jobs left, none running or waiting")
            if self.error is not None:
                raise self.error
        finally:
            self._closing = True  # no check starts once the run is ending (an error, ^C)
            for task in self._tasks:
                task.cancel()
            if self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)
            await client.aclose()

    def _release_timers(self, now: float) -> None:
        while self._timers and self._timers[0][0] <= now:
            _, name = heapq.heappop(self._timers)
            host = self._hosts[name]
            host.timed = False
            if not host.queued:
                host.queued = True
                self._ready.append(name)

    def _dispatch(self, now: float) -> None:
        """Start every check that may start now."""
        limiter = self.limiter
        while self._running < self.options.concurrency and self._ready:
            name = self._ready.popleft()
            host = self._hosts[name]
            host.queued = False
            if not host.jobs or host.running >= limiter.concurrency_for(name):
                continue  # back in the queue when a check of it finishes
            ready = max(host.next_dispatch, limiter.next_start(name))
            job = host.jobs[0] if host.jobs[0].not_before <= now else _first_ready(host, now)
            if job is None:
                ready = max(ready, min(j.not_before for j in host.jobs))
            if ready > now or job is None:
                if not host.timed:
                    host.timed = True
                    heapq.heappush(self._timers, (ready, name))
                continue
            if job is host.jobs[0]:
                host.jobs.popleft()
            else:
                host.jobs.remove(job)
            host.running += 1
            self._running += 1
            host.next_dispatch = now + limiter.interval_for(name)
            task = asyncio.create_task(self._check(job))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            if host.jobs and host.running < limiter.concurrency_for(name):
                host.queued = True
                self._ready.append(name)

    async def _check(self, job: _Job) -> None:
        assert self._client is not None
        try:
            outcome = await self.checker.attempt_async(job.source_id, job.url, self._client,
                                                       job.attempt)
        except asyncio.CancelledError:
            raise
        except BaseException as err:  # a bug: stop the run, re-raised by run()
            self.error = self.error or err
        else:
            try:
                self._finish(job, outcome)
            except BaseException as err:  # the receiver of results failed (a full disk)
                self.error = self.error or err
            else:
                if not self._closing and self.error is None and self.done < self.total:
                    # the freed slot is filled now, not when the scheduler's loop next
                    # wakes: a host's next request goes out one loop turn sooner
                    now = self.clock.monotonic()
                    self._release_timers(now)
                    self._dispatch(now)
        finally:
            assert self._changed is not None
            self._changed.set()

    def _finish(self, job: _Job, outcome: Attempt) -> None:
        delay = retry_delay(job.attempt, outcome, self.options)
        host = self._hosts[job.host]
        host.running -= 1
        self._running -= 1
        if delay is not None:
            logger.info("retrying %s in %.1f s (attempt %d: %s)", job.url, delay,
                        job.attempt, outcome.result.detail)
            host.jobs.append(replace(job, attempt=job.attempt + 1,
                                     not_before=self.clock.monotonic() + delay))
        else:
            result = final_result(outcome, self.options)
            if self.on_result is not None:
                self.on_result(result)
            else:
                self.results[job.index] = result
            self.done += 1
            if self.progress is not None:
                self.progress(Progress(CHECK_STAGE, self.done, self.total, job.url))
        if host.jobs and not host.queued and not host.timed:
            host.queued = True
            self._ready.append(job.host)


def _run_loop(main: Coroutine[Any, Any, None]) -> None:
    """Run ``main`` on a new event loop: uvloop's where it is installed, else asyncio's.

    uvloop (libuv) halves the CPU of each request on this machine class
    (bench/bench_check.py: 2,000 requests take 0.11 s of CPU against 0.22 s).
    """
    try:
        import uvloop
    except ImportError:
        factory = None
    else:
        factory = uvloop.new_event_loop
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(main)


def _first_ready(host: _Host, now: float) -> _Job | None:
    for job in host.jobs:
        if job.not_before <= now:
            return job
    return None


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
        scheduler = _HostScheduler(list(unique.values()), checker, options, progress)
        del unique  # the scheduler's queues hold the jobs now: each goes once its URL is done
        results = scheduler.run()
        del scheduler
    finally:
        if own:
            checker.close()
    by_url = {r.url: r for r in results}
    del results
    # A URL listed once keeps its one result object: no second copy of every result.
    return [r if (r := by_url[url]).source_id == source_id else replace(r, source_id=source_id)
            for source_id, url in sources]


def check_manifest(manifest: Manifest | ManifestBatches, options: CheckOptions | None = None,
                   progress: ProgressCallback | None = None, *,
                   history: History | None = None, clock: Clock = SYSTEM_CLOCK,
                   checker: Checker | None = None, sink: ResultSink | None = None) -> CheckRun:
    """Check every source URL of ``manifest``; judge the run; record it in ``history``.

    Parameters
    ----------
    manifest:
        The sources to check, in order (results keep that order). With a ``sink``
        it may be a :class:`ManifestBatches` (a
        :class:`~archiver.manifest.ManifestReader`): the checks then start as its
        first sources are read, and an invalid manifest raises
        :class:`~archiver.errors.ManifestError` part-way, once requests were made.
    options:
        Limits and switches (:class:`~archiver.check.CheckOptions`).
    progress:
        Called after each URL is done (from worker threads; keep it quick).
    history:
        Where checks are stored and states advanced. Without it every result's
        state is ``unknown``.
    clock:
        The time of each check and of the run, and the waits between requests
        (tests pass a :class:`~archiver.clock.ManualClock`).
    checker:
        A ready :class:`~archiver.check.Checker` (tests may pass one), running
        on ``clock``; the default is built from ``options`` and ``clock``.
    sink:
        Where each source's result goes as soon as it is final
        (:class:`ResultSink`), instead of into the run: the results are then
        never held together, so memory does not grow with the manifest's size.

    Returns
    -------
    CheckRun
        With ``inconclusive`` set when the canary failed or most hosts could
        not be reached; then non-success results are marked ``inconclusive``
        and no history state advanced. With a ``sink``, its ``results`` are
        empty: they went to the sink.
    """
    options = options or (checker.options if checker is not None else CheckOptions())
    if checker is not None and checker.clock is not clock:
        raise ValueError("check_manifest: the checker must run on the clock given")
    own = checker is None
    checker = checker or Checker(options, clock=clock)
    if sink is not None:
        try:
            return _check_streamed(manifest, options, progress, history, clock, checker, sink)
        finally:
            if own:
                checker.close()
    if not isinstance(manifest, Manifest):
        # read whole: every result is kept anyway
        read = tuple(source for batch in manifest.batches() for source in batch)
        manifest = replace(manifest.head(), sources=read)
    started = clock.now()
    ignored, pairs = plan_check(manifest, options)
    reason: str | None = None
    try:
        if options.canary:
            reason = checker.canary(options.canary)
        if reason is None:
            results = check_urls(pairs, options, progress, checker=checker)
        else:
            results = not_checked(pairs, reason, started)
        requests = checker.requests
    finally:
        if own:
            checker.close()
    return conclude_check(manifest, options, results, reason, ignored=ignored,
                          started=started, history=history, clock=clock, requests=requests)


def plan_check(manifest: Manifest, options: CheckOptions,
               ) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """What a check run of ``manifest`` does: the ignored sources (id -> why), and the
    ``(source_id, url)`` pairs to check, in manifest order."""
    ignored = {s.id: why for s in manifest.sources if (why := _ignored(s, options)) is not None}
    pairs = [(s.id, s.url) for s in manifest.sources if s.id not in ignored]
    return ignored, pairs


def not_checked(pairs: Sequence[tuple[str, str]], reason: str,
                at: datetime) -> list[LinkResult]:
    """The results of a run stopped before any check (a failed canary): inconclusive."""
    return [LinkResult(sid, url, LinkClass.INCONCLUSIVE, checked_at=at,
                       detail=f"not checked: {reason}") for sid, url in pairs]


def conclude_check(manifest: Manifest, options: CheckOptions, results: Sequence[LinkResult],
                   reason: str | None, *, ignored: Mapping[str, str], started: datetime,
                   history: History | None, clock: Clock, requests: int) -> CheckRun:
    """A :class:`~archiver.models.CheckRun` from the results of :func:`plan_check`'s pairs.

    The tail of :func:`check_manifest`, also used by a run whose checks were made
    elsewhere (:mod:`archiver.cluster`): unless ``reason`` (a failed canary) is
    given, the run is judged offline or not over all ``results``; an offline run's
    failures are voided; the run is recorded in ``history``; the ignored sources
    and the manifest's ``expect`` are put back in, in manifest order.
    """
    if reason is None:
        reason = judge_offline(results, share=options.offline_share,
                               min_hosts=options.offline_min_hosts)
    inconclusive = reason is not None
    if inconclusive:
        assert reason is not None
        logger.info("run inconclusive: %s", reason)  # the caller reports it
        results = list(void_results(results, reason))
    finished = clock.now()
    run_id = None
    if history is not None:
        # recorded in place when given a list (no second copy of every result)
        results, run_id = _record(history, manifest.id, started, finished,
                                  results if isinstance(results, list) else list(results),
                                  inconclusive, reason)
    hosts = len({host_of(r.url) for r in results})
    results = _with_manifest_view(manifest, results, ignored, started)
    return CheckRun(
        manifest_id=manifest.id, started_at=started, finished_at=finished,
        results=tuple(results), inconclusive=inconclusive, inconclusive_reason=reason,
        run_id=run_id, db_path=history.path if history is not None else None,
        hosts=hosts, requests=requests)


class ResultSink(Protocol):
    """Where :func:`check_manifest` hands each source's result once it is final.

    Results come in the order their checks finish. ``position`` is the
    source's index in the manifest, so a receiver can put them back in
    manifest order. Without a history database each result is handed over as
    its check finishes; with one, once the run is recorded (a result's state
    depends on the run's verdict), one batch at a time.
    """

    def add(self, position: int, result: LinkResult) -> None:
        """One source's result."""

    def replace(self, position: int, before: LinkResult, after: LinkResult) -> None:
        """The result handed over for ``position``, ``before``, is now ``after``.

        Happens when a run turns out inconclusive after its results were handed
        over: its failures are then voided (:func:`~archiver.check.void_result`).
        """


class ManifestBatches(Protocol):
    """A manifest read a batch of sources at a time, while the check runs
    (:class:`archiver.manifest.ManifestReader`)."""

    def batches(self) -> Iterator[list[Source]]:
        """The sources in manifest order, a batch at a time; raises
        :class:`~archiver.errors.ManifestError` once an invalid manifest is read through."""

    def head(self) -> Manifest:
        """The manifest without its sources (its id, title...), once :meth:`batches` is
        done."""


def _check_streamed(manifest: Manifest | ManifestBatches, options: CheckOptions,
                    progress: ProgressCallback | None, history: History | None, clock: Clock,
                    checker: Checker, sink: ResultSink) -> CheckRun:
    """:func:`check_manifest` handing each result to ``sink`` instead of keeping them.

    Without history, a result is final as its check ends unless the run turns
    out inconclusive (judged on all results, at the end): the results such a
    verdict would change (failures) are also written to a temporary spool file,
    to be voided then. With history, every result goes to the spool, read back
    once the verdict is known to be recorded (states advance only in a
    conclusive run) and handed over. Memory holds the hosts' queues and the
    checks in flight, not the results.

    Given a :class:`ManifestBatches`, the checks of the first batch start as soon
    as it is read, and the next batches are read between the checks' network
    events, so a large manifest's reading overlaps its checks. A manifest found
    invalid part-way stops the run: the checks made are lost, nothing is handed
    over but the ignored sources' results (without history), nothing is recorded.
    """
    started = clock.now()
    # What each source's result needs, not the sources themselves (a Source is about
    # 0.8 kB; 100,000 of them as bench/bench_scale.py writes them, 78 MB): a URL's
    # first source is the one its check is made for (its id is the result's); the
    # sources listing it again, and the ignored ones, are noted with their ids.
    count = 0  # sources planned
    first: dict[str, int] = {}  # URL -> the position of the first source listing it
    again: dict[str, list[tuple[int, str]]] = {}  # URL -> (position, id) of later ones
    expects: dict[int, Expectation] = {}  # position -> the source's expect, if any
    ignored: dict[int, tuple[str, str, str]] = {}  # position -> (id, URL, why)
    final_at_once = history is None  # no state to wait for
    tally = OfflineTally()
    hosts: set[str] = set()  # of the URLs checked: each gets one result
    # A whole manifest is read as one batch. While the manifest is still being read, a
    # later source may list a URL whose check is over: without history its result is
    # kept until the reading is done.
    batches = (iter([manifest.sources]) if isinstance(manifest, Manifest)
               else manifest.batches())
    reading = True
    early: dict[str, LinkResult] = {}

    def copies(result: LinkResult) -> Iterator[tuple[int, LinkResult]]:
        """A URL's result, as each source listing it sees it."""
        position = first[result.url]
        yield position, _expected(expects.get(position), result)
        for position, source_id in again.get(result.url, ()):
            yield position, _seen_by(source_id, expects.get(position), result)

    def hand_over(result: LinkResult) -> None:
        for position, one in copies(result):
            sink.add(position, one)

    def hand_over_ignored(position: int) -> None:
        source_id, url, why = ignored[position]
        sink.add(position, _expected(expects.get(position),
                                     _ignored_result(source_id, url, why, started)))

    def plan(batch: Sequence[Source]) -> list[_Job]:
        """``batch``'s new URLs as jobs; its ignored sources and repeated URLs noted."""
        nonlocal count
        jobs = []
        for source in batch:
            position = count
            count += 1
            url = source.url
            if source.expect is not None:
                expects[position] = source.expect
            why = _ignored(source, options)
            if why is not None:
                ignored[position] = (source.id, url, why)
                if final_at_once:
                    hand_over_ignored(position)
            elif url in first:
                again.setdefault(url, []).append((position, source.id))
                if (done := early.get(url)) is not None:  # checked already
                    sink.add(position, _seen_by(source.id, source.expect, done))
            else:
                first[url] = position
                # one string per host, not one per URL, held by the queued jobs
                host = sys.intern(host_of(url))
                hosts.add(host)
                jobs.append(_Job(len(first) - 1, source.id, url, host))
        return jobs

    def feed() -> Iterator[list[_Job]]:
        nonlocal reading
        for batch in batches:
            yield plan(batch)
        reading = False
        early.clear()

    with spool_file(_SPOOLED) as spool:
        def finished(result: LinkResult) -> None:
            tally.add(result)
            if not final_at_once or voidable(result):
                try:
                    pickle.dump(result, spool, protocol=pickle.HIGHEST_PROTOCOL)
                except OSError as err:
                    raise spool_error(err, _SPOOLED) from err
            if final_at_once:
                hand_over(result)
                if reading:
                    early[result.url] = result

        reason = checker.canary(options.canary) if options.canary else None
        checked = reason is None
        results: Iterator[LinkResult]
        if reason is None:
            _HostScheduler([], checker, options, progress, on_result=finished,
                           feed=feed()).run()
            reason = tally.verdict(share=options.offline_share,
                                   min_hosts=options.offline_min_hosts)
            results = _spooled(spool)
        else:  # a failed canary: nothing checked, every URL inconclusive
            pairs = [(job.source_id, job.url) for batch in batches for job in plan(batch)]
            results = iter(not_checked(pairs, reason, started))
        whole = manifest if isinstance(manifest, Manifest) else manifest.head()
        inconclusive = reason is not None
        if inconclusive:
            logger.info("run inconclusive: %s", reason)  # the caller reports it
        finished_at = clock.now()
        run_id = None
        if history is not None:
            for position in ignored:
                hand_over_ignored(position)
            if inconclusive:
                assert reason is not None
                results = (void_result(r, reason) for r in results)
            run_id = history.record_run_streamed(
                manifest_id=whole.id, started_at=started, finished_at=finished_at,
                results=results, inconclusive=inconclusive, reason=reason,
                on_recorded=hand_over)
        elif not checked:
            for result in results:
                hand_over(result)
        elif inconclusive:
            assert reason is not None
            for result in results:  # the failures, handed over already: now voided
                voided = void_result(result, reason)
                for (position, before), (_, after) in zip(copies(result), copies(voided),
                                                          strict=True):
                    sink.replace(position, before, after)
    return CheckRun(
        manifest_id=whole.id, started_at=started, finished_at=finished_at, results=(),
        inconclusive=inconclusive, inconclusive_reason=reason, run_id=run_id,
        db_path=history.path if history is not None else None, hosts=len(hosts),
        requests=checker.requests)


def _seen_by(source_id: str, expect: Expectation | None, result: LinkResult) -> LinkResult:
    """The result of a source's URL as the source (``source_id``, ``expect``) sees it."""
    one = result if source_id == result.source_id else replace(result, source_id=source_id)
    return _expected(expect, one)


#: What :func:`_check_streamed` spools (named in the error if the disk is full).
_SPOOLED = "the check's results"


def _spooled(spool: IO[bytes]) -> Iterator[LinkResult]:
    """The results :func:`_check_streamed` wrote to its own spool file, in that order."""
    try:
        spool.flush()
    except OSError as err:
        raise spool_error(err, _SPOOLED) from err
    spool.seek(0)
    while True:
        try:
            result = pickle.load(spool)  # the file is this process's own, never another's
        except EOFError:
            return
        assert isinstance(result, LinkResult)
        yield result


def _ignored(source: Source, options: CheckOptions) -> str | None:
    """Why ``source``'s link is not checked (``ignore = true``, a pattern), or None."""
    if source.ignore:
        return "not checked: ignore = true in the manifest"
    why = options.excluded_by(source.url)
    return f"not checked: {why}" if why is not None else None


def _with_manifest_view(manifest: Manifest, results: Sequence[LinkResult],
                        ignored: Mapping[str, str], at: datetime) -> list[LinkResult]:
    """Every source's result in manifest order: ignored ones listed, ``expect`` carried."""
    checked = iter(results)
    return [_viewed(source, _ignored_result(source.id, source.url, ignored[source.id], at)
                    if source.id in ignored else next(checked))
            for source in manifest.sources]


def _ignored_result(source_id: str, url: str, why: str, at: datetime) -> LinkResult:
    return LinkResult(source_id, url, LinkClass.IGNORED, checked_at=at, detail=why)


def _viewed(source: Source, result: LinkResult) -> LinkResult:
    """``result`` as ``source`` sees it: its ``expect`` carried, a link back noted."""
    return _expected(source.expect, result)


def _expected(expect: Expectation | None, result: LinkResult) -> LinkResult:
    """``result`` with ``expect`` carried (a link back noted), as its source sees it."""
    if expect is not None:
        result = replace(result, expected=expect)
        if result.came_back:
            result = replace(result, detail=_came_back(result))
    return result


def _came_back(result: LinkResult) -> str:
    said = f"{result.detail}; " if result.detail else ""
    return (f"{said}the manifest expects this link gone (expect = \"gone\"), but it answers "
            "again: check the page and remove expect if it is back for good")


def _record(history: History, manifest_id: str, started: datetime, finished: datetime,
            results: list[LinkResult], inconclusive: bool,
            reason: str | None) -> tuple[list[LinkResult], int]:
    """Store one check per distinct URL; give every source its URL's state.

    When every URL is distinct (the usual case) ``results`` itself is recorded
    in place: each result is replaced by its recorded copy as it is stored, so
    100,000 results are never held twice.
    """
    first: dict[str, LinkResult] = {}
    for result in results:
        first.setdefault(result.url, result)
    if len(first) == len(results):
        del first
        recorded = history.record_run(manifest_id=manifest_id, started_at=started,
                                      finished_at=finished, results=results,
                                      inconclusive=inconclusive, reason=reason, in_place=True)
        return results, recorded.run_id
    recorded = history.record_run(manifest_id=manifest_id, started_at=started,
                                  finished_at=finished, results=list(first.values()),
                                  inconclusive=inconclusive, reason=reason)
    del first
    by_url = {r.url: r for r in recorded.results}
    out = []
    for result in results:
        stored = by_url[result.url]
        if stored.source_id == result.source_id:  # the result itself, with its state
            out.append(stored)
            continue
        out.append(replace(result, state=stored.state, failing_count=stored.failing_count,
                           previous_state=stored.previous_state, checked_at=stored.checked_at))
    return out, recorded.run_id


# --------------------------------------------------------------------------
# The whole pipeline: check -> fetch -> verify -> history
# --------------------------------------------------------------------------

#: A check stage made elsewhere (``run --cluster``): ``(manifest, options, progress)`` to
#: an unrecorded :class:`~archiver.models.CheckRun`, as :func:`check_manifest` without history.
CheckStage = Callable[[Manifest, CheckOptions, ProgressCallback | None], CheckRun]

class FetchStage(Protocol):
    """A fetch stage made elsewhere (``run --cluster``): :func:`archiver.fetch.fetch_sources`'s
    keywords but the client; :func:`archiver.cluster.fetch_on_cluster` with its address."""

    def __call__(self, manifest: Manifest, *, warcs_dir: Path, archives: Sequence[Archive],
                 clock: Clock, listings_per_minute: float | None,
                 downloads_per_second: float | None, allow_private: bool,
                 operator: str | None, progress: ProgressCallback | None,
                 captures: frozenset[CaptureScope]) -> FetchRun: ...


class CaptureStage(Protocol):
    """A capture stage made elsewhere (``run --cluster --capture``): the keywords of
    :func:`archiver.fetch.capture.capture_sources` but the client."""

    def __call__(self, manifest: Manifest, *, warcs_dir: Path, clock: Clock,
                 requisites: bool, operator: str | None,
                 progress: ProgressCallback | None) -> FetchRun: ...


#: The stages of :func:`run_pipeline`, in order (also their names in progress events;
#: the WARC folder is indexed, as stage ``index``, between fetch and verify).
STAGES = ("check", "fetch", "verify")


@dataclass(frozen=True)
class RunOptions:
    """How :func:`run_pipeline` runs each stage. Every default is the stage's own.

    Parameters
    ----------
    check:
        Link-check limits and switches; ``user_agent``, ``deadline``,
        ``max_bytes``, ``allow_private``, ``verify_tls`` and ``proxy`` also
        configure the one HTTP client every stage shares, so the proxy (default:
        the ``HTTP_PROXY``/``HTTPS_PROXY``/``NO_PROXY`` environment) carries
        the archive and live-page requests too.
    archives:
        Web archives to fetch captures from, tried in order.
    warcs_dir:
        The WARC folder; default ``warcs/`` in the manifest's project folder.
    live:
        Also look for each quote on the live page (content drift).
    listings_per_minute, downloads_per_second:
        Fetch politeness per archive (capped for the Internet Archive).
    operator:
        Who runs the pipeline, recorded in each WARC file written.
    source_ids:
        Only these sources of the manifest (``--source``); all when empty. Such
        a partial run is recorded, but never becomes the run later ones are
        compared with.
    capture:
        After fetch, capture the live page of each source still without an
        archived capture (``run --capture``; :func:`archiver.fetch.capture_sources`),
        with ``capture_requisites`` its same-site requisites too. Live captures
        are evidence of the day they are made: they are reported in the run's
        notes, never as the source's capture, and verify does not use them.
    captures:
        Which captures of each source's URL fetch stores (``run --captures``, as
        ``fetch --captures``: the nearest always). When more than the nearest
        are asked for, verify searches every stored capture for every quote
        (``verify --captures all``: a quote gets a timeline, dating its removal);
        else the chosen one first (``chosen``). See :attr:`verify_captures`.
    """

    check: CheckOptions = field(default_factory=CheckOptions)
    archives: tuple[Archive, ...] = field(default_factory=lambda: _default_archives())
    warcs_dir: Path | None = None
    live: bool = False
    listings_per_minute: float | None = None  # None: each archive's own (fetch.default_rates)
    downloads_per_second: float | None = None
    operator: str | None = None
    source_ids: tuple[str, ...] = ()
    capture: bool = False
    capture_requisites: bool = False
    captures: frozenset[CaptureScope] = field(default_factory=lambda: _nearest_only())

    @property
    def verify_captures(self) -> SearchScope:
        """The verify stage's ``captures``: ``all`` when fetch stores more than the nearest."""
        from archiver.fetch import CaptureScope
        from archiver.verify import SearchScope

        return SearchScope.ALL if self.captures - {CaptureScope.NEAREST} else SearchScope.CHOSEN

    def __post_init__(self) -> None:
        if not self.archives:
            raise ConfigError("no web archive to fetch from",
                              hint="give at least one --archive URL")


def shared_client(options: RunOptions, limiter: HostLimiter | None = None) -> HttpClient:
    """The one HTTP client of a run: check, fetch and the live pages of verify.

    Its limits are the check options'; the archives' URLs are trusted even on
    loopback (as ``fetch`` does); ``limiter`` paces the live-page requests of
    verify per host (the checker and fetch pace their own requests).
    """
    opts = options.check
    trusted = tuple(p for a in options.archives for p in (a.base, a.cdx_api) if p)
    return HttpClient(user_agent=opts.user_agent, deadline=opts.deadline,
                      connect_timeout=opts.connect_timeout, max_bytes=opts.max_bytes,
                      allow_private=opts.allow_private, trusted_prefixes=trusted,
                      limiter=limiter, verify_tls=opts.verify_tls, proxy=opts.proxy)


def _nearest_only() -> frozenset[CaptureScope]:
    from archiver.fetch import CaptureScope

    return frozenset({CaptureScope.NEAREST})


def _default_archives() -> tuple[Archive, ...]:
    # imported here: ``archiver check`` never loads the fetch stage
    from archiver.fetch import INTERNET_ARCHIVE

    return (INTERNET_ARCHIVE,)


def _capture_step(manifest: Manifest, opts: RunOptions, folder: Path, client: HttpClient,
                  clock: Clock, progress: ProgressCallback | None, *,
                  offline: bool, stage: CaptureStage | None = None) -> tuple[str, ...]:
    """``run --capture``: live captures of the sources fetch found no capture for; notes."""
    if not opts.capture:
        return ()
    if offline:
        return ("no live capture was made: the check stage found this machine offline",)
    if stage is None:
        from archiver.fetch.capture import capture_sources

        stage = partial(capture_sources, client=client)
    run = stage(manifest, warcs_dir=folder, clock=clock, requisites=opts.capture_requisites,
                operator=opts.operator, progress=progress)
    notes = list(run.notes)
    for r in run.results:
        if r.capture is not None and r.capture.kind is CaptureKind.LIVE:
            notes.append(f"{r.source_id}: {r.detail} (stored in {r.capture.warc_file}; not "
                         "used by verify)")
        elif r.outcome is CaptureOutcome.LIVE_ERROR:
            notes.append(f"{r.source_id}: {r.detail}")
    return tuple(notes)


def run_pipeline(manifest: Manifest, options: RunOptions | None = None,
                 progress: ProgressCallback | None = None, *,
                 history: History | None = None, clock: Clock = SYSTEM_CLOCK,
                 client: HttpClient | None = None,
                 check_stage: CheckStage | None = None,
                 fetch_stage: FetchStage | None = None,
                 capture_stage: CaptureStage | None = None) -> RunResult:
    """Check every link, store a capture for every source, verify every quote; record it.

    The stages run one after the other, each over the whole manifest: the
    check stage is concurrent (host-aware, see :func:`check_manifest`); fetch
    is serial under the archives' rate limits and skips sources whose capture
    is already stored, without contacting any archive; verify reads the WARC
    folder (and, with ``options.live``, the live pages, unless the check stage
    found this machine offline). Every request goes through one
    :class:`~archiver.net.HttpClient`.

    Nothing reaches the history database before the end: then the links'
    checks (advancing their states), captures and quotes are stored in one
    transaction, and the run is compared with the previous complete run of
    the manifest (:meth:`~archiver.history.History.changes`). An interrupted
    run therefore records nothing, and its rerun compares with the same
    previous run; captures it stored are kept (fetch writes atomically).

    Parameters
    ----------
    manifest:
        The sources, in order (results keep that order).
    options:
        Per-stage options (:class:`RunOptions`).
    progress:
        Called with each stage's :class:`~archiver.models.Progress` events
        (``check`` events come from worker threads).
    history:
        Where the run is recorded. Without it there is no link state, no run
        id and no comparison.
    clock:
        The one clock of every stage: the checks' and the run's times, the
        per-host and the archives' politeness waits, retries, WARC dates
        (tests pass a :class:`~archiver.clock.ManualClock`).
    client:
        The shared HTTP client (default :func:`shared_client`); a client passed
        in is not closed, and its host limiter, if any, must run on ``clock``.
    check_stage:
        Makes the link checks instead of :func:`check_manifest` (``run --cluster``:
        :func:`archiver.cluster.check_on_cluster` on Dask workers).
    fetch_stage, capture_stage:
        Make the fetch and the live captures instead of the local stages
        (``run --cluster``: :func:`archiver.cluster.fetch_on_cluster` and
        :func:`archiver.cluster.capture_on_cluster`); they open the WARC folder
        themselves, as the local stages do.

    Returns
    -------
    RunResult
        ``inconclusive`` when the check stage looked offline (then no link
        state advanced) or fetch stopped early (rate-limited, no archive
        reachable); the reasons are in ``inconclusive_reason``. Per-source
        failures are results, never exceptions.
    """
    from archiver.fetch import fetch_sources  # the later stages, loaded when run
    from archiver.store import default_warcs_dir
    from archiver.verify import verify_manifest

    opts = options or RunOptions()
    manifest = select_sources(manifest, opts.source_ids)
    folder = opts.warcs_dir if opts.warcs_dir is not None else default_warcs_dir(manifest)
    limiter = HostLimiter(opts.check.per_host_concurrency, opts.check.per_host_interval,
                          clock=clock, overrides=opts.check.host_limits())
    own_client = client is None
    if client is None:
        client = shared_client(opts, limiter)
    elif client.limiter is not None:
        limiter = client.limiter
    started = clock.now()
    try:
        if check_stage is not None:
            check_run = check_stage(manifest, opts.check, progress)
        else:
            checker = Checker(opts.check, limiter=limiter, client=client, clock=clock)
            check_run = check_manifest(manifest, opts.check, progress, clock=clock,
                                       checker=checker)
        fetch: FetchStage = fetch_stage or partial(fetch_sources, client=client)
        fetch_run = fetch(
            manifest, warcs_dir=folder, archives=opts.archives,
            clock=clock, listings_per_minute=opts.listings_per_minute,
            downloads_per_second=opts.downloads_per_second,
            allow_private=opts.check.allow_private, operator=opts.operator, progress=progress,
            captures=opts.captures)
        capture_notes = _capture_step(manifest, opts, folder, client, clock, progress,
                                      offline=check_run.inconclusive, stage=capture_stage)
        live = opts.live and not check_run.inconclusive
        offline = ("quotes were not looked for on the live pages: the check stage found "
                   "this machine offline")
        verify_run = verify_manifest(manifest, folder, live=live, client=client,
                                    progress=progress, clock=clock,
                                    notes=(offline,) if opts.live and not live else (),
                                    captures=opts.verify_captures)
    finally:
        if own_client:
            client.close()
    finished = clock.now()
    reasons = []
    if check_run.inconclusive:
        reasons.append(f"check: {check_run.inconclusive_reason}")
    if fetch_run.inconclusive:
        reasons.append(f"fetch: {fetch_run.inconclusive_reason}")
    inconclusive = bool(reasons)
    reason = "; ".join(reasons) if reasons else None
    if inconclusive:
        logger.info("run inconclusive: %s", reason)  # the caller reports it
    links = check_run.results
    run_id = previous_id = None
    changes: tuple[Change, ...] = ()
    if history is not None:
        recorded = history.record_pipeline_run(
            manifest_id=manifest.id, started_at=started, finished_at=finished, links=links,
            captures=fetch_run.results, quotes=verify_run.results,
            check_inconclusive=check_run.inconclusive, inconclusive=inconclusive,
            reason=reason, partial=bool(opts.source_ids))
        links, run_id = recorded.results, recorded.run_id
        previous, changes = history.changes(run_id)
        previous_id = previous.id if previous is not None else None
    last_fixity = fixity_summary(history, folder) if history is not None else None
    from archiver.models import RunResult  # made on first use (archiver.models)

    return RunResult(
        manifest_id=manifest.id, started_at=started, finished_at=finished, links=links,
        captures=fetch_run.results, quotes=verify_run.results, inconclusive=inconclusive,
        inconclusive_reason=reason, run_id=run_id,
        notes=(*fetch_run.notes, *capture_notes, *verify_run.notes),
        previous_run_id=previous_id,
        changes=changes, db_path=history.path if history is not None else None,
        warcs_dir=folder, archives=tuple(a.base for a in opts.archives), live=verify_run.live,
        check_inconclusive=check_run.inconclusive, last_fixity=last_fixity)


def fixity_summary(history: History, warcs_dir: Path) -> FixitySummary | None:
    """The WARC folder's fixity state: each file's latest ``archiver fixity`` event.

    ``archiver fixity`` keys its events by the folder's resolved path. None when
    the folder was never checked.
    """
    latest: dict[str, FixityEvent] = {}
    for event in history.fixity_events(warcs_dir=str(warcs_dir.resolve())):  # newest first
        latest.setdefault(event.result.file, event)
    if not latest:
        return None
    from archiver.models import FixitySummary

    return FixitySummary(
        checked_at=max(e.result.checked_at for e in latest.values()), files=len(latest),
        failed=sum(1 for e in latest.values() if e.result.outcome.is_failure))
