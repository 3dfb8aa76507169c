"""The concurrent check runner: politeness per host, parallel hosts, retries, offline runs.

Each simulated host is a real server on its own loopback address (127.0.0.2,
127.0.0.3 ...): per-host limits key on the host name, not the port.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from archiver.check import Attempt, Checker, CheckOptions
from archiver.clock import ManualClock
from archiver.history import History
from archiver.models import LinkClass, LinkState, Manifest, Progress, Source
from archiver.net.aio import AsyncHttpClient
from archiver.pipeline import check_manifest, check_urls
from tests.support.localweb import LocalSite, Reply, SeenRequest, refused_urls, stop_all

ARTICLE = "<html><title>Story</title><body>" + "words of a real story " * 50 + "</body></html>"


class InFlight:
    """A route handler that answers after ``delay`` s and records concurrency."""

    def __init__(self, delay: float, reply: Reply | None = None) -> None:
        self.delay = delay
        self.reply = reply or Reply(200, ARTICLE)
        self.now = 0
        self.peak = 0
        self._lock = threading.Lock()

    def __call__(self, req: SeenRequest) -> Reply:
        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
        time.sleep(self.delay)
        with self._lock:
            self.now -= 1
        return self.reply


def quick(**kw: object) -> CheckOptions:
    base: dict[str, object] = {"allow_private": True, "per_host_interval": 0.0, "backoff": 0.01,
                               "soft404_probe": False, "deadline": 5.0}
    base.update(kw)
    return CheckOptions(**base)  # type: ignore[arg-type]


def manifest_of(*urls: str, path: Path | None = None) -> Manifest:
    sources = tuple(Source(id=f"s{i}", url=u, publisher="P", title="T",
                           published=date(2014, 9, 1), language="fr")
                    for i, u in enumerate(urls))
    return Manifest(id="m", title="M", sources=sources, path=path)


@pytest.fixture(scope="module")
def shared_hosts() -> Iterator[list[LocalSite]]:
    """Four hosts for the module, reset between tests; stopped in parallel."""
    sites = [LocalSite(address=f"127.0.0.{n}") for n in range(2, 6)]
    for s in sites:
        s.start()
    yield sites
    stop_all(sites)


@pytest.fixture()
def hosts(shared_hosts: list[LocalSite]) -> list[LocalSite]:
    """The shared hosts with no routes and no recorded requests."""
    for s in shared_hosts:
        s.reset()
    return shared_hosts


def test_per_host_concurrency_is_respected(hosts: list[LocalSite]) -> None:
    site = hosts[0]
    handler = InFlight(0.1)
    urls = [site.url(f"/p{i}") for i in range(8)]
    for i in range(8):
        site.route(f"/p{i}", handler)
    started = time.monotonic()
    results = check_urls([(f"s{i}", u) for i, u in enumerate(urls)],
                         quick(per_host_concurrency=2, concurrency=16))
    took = time.monotonic() - started
    assert [r.link_class for r in results] == [LinkClass.OK] * 8
    assert handler.peak == 2
    assert 0.38 <= took < 1.0  # 8 URLs / 2 in flight x 0.1 s


def test_per_host_interval_spaces_request_starts(hosts: list[LocalSite]) -> None:
    site = hosts[0]
    site.default = Reply(200, ARTICLE)
    check_urls([(f"s{i}", site.url(f"/p{i}")) for i in range(4)],
               quick(per_host_concurrency=2, per_host_interval=0.2))
    starts = sorted(r.at for r in site.requests)
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps) >= 0.18, gaps


def test_hosts_are_checked_in_parallel_under_the_global_cap(hosts: list[LocalSite]) -> None:
    handlers = [InFlight(0.2) for _ in hosts]
    pairs = []
    for site, handler in zip(hosts, handlers, strict=True):
        for i in range(3):
            site.route(f"/p{i}", handler)
            pairs.append((f"{site.address}-{i}", site.url(f"/p{i}")))
    started = time.monotonic()
    results = check_urls(pairs, quick(per_host_concurrency=1, concurrency=16))
    took = time.monotonic() - started
    assert all(r.link_class is LinkClass.OK for r in results)
    assert took < 1.8  # 3 rounds of 0.2 s (0.6 s), not 12 in turn (2.4 s); slack for load
    # With a global cap of 2, at most 2 requests are in flight over all hosts.
    shared = InFlight(0.05)
    for site in hosts:
        for i in range(3):
            site.route(f"/p{i}", shared)
    check_urls(pairs, quick(per_host_concurrency=2, concurrency=2))
    assert shared.peak == 2


def test_a_slow_host_does_not_hold_up_the_others(hosts: list[LocalSite]) -> None:
    slow, fast = hosts[0], hosts[1]
    slow.route("/p", InFlight(0.2))
    fast.default = Reply(200, ARTICLE)
    pairs = [(f"slow{i}", slow.url(f"/p?{i}")) for i in range(4)]
    pairs += [(f"fast{i}", fast.url(f"/f{i}")) for i in range(3)]
    started = time.monotonic()
    check_urls(pairs, quick(per_host_concurrency=1, concurrency=3))
    fast_done = max(r.at for r in fast.requests) - started
    assert fast_done < 0.3  # not after the slow host's 0.8 s queue


def test_results_keep_order_and_each_url_is_requested_once(hosts: list[LocalSite]) -> None:
    site = hosts[0]
    site.route("/a", Reply(200, ARTICLE))
    site.route("/b", Reply(404, "no"))
    pairs = [("one", site.url("/a")), ("two", site.url("/b")), ("three", site.url("/a"))]
    results = check_urls(pairs, quick())
    assert [(r.source_id, r.link_class) for r in results] == [
        ("one", LinkClass.OK), ("two", LinkClass.GONE), ("three", LinkClass.OK)]
    assert site.hits("/a") == 1


def test_429_pauses_the_whole_host_but_not_the_others(hosts: list[LocalSite]) -> None:
    limited, other = hosts[0], hosts[1]
    answers = iter([Reply(429, "slow down", headers={"Retry-After": "1"})])
    limited.route("/a", lambda req: next(answers, Reply(200, ARTICLE)))
    limited.default = Reply(200, ARTICLE)
    other.default = Reply(200, ARTICLE)
    pairs = [("a", limited.url("/a"))] + [(f"b{i}", limited.url(f"/b{i}")) for i in range(2)]
    pairs += [(f"o{i}", other.url(f"/o{i}")) for i in range(3)]
    results = check_urls(pairs, quick(per_host_concurrency=1, concurrency=4,
                                      slowdown_floor=0.2))
    assert all(r.link_class is LinkClass.OK for r in results)
    first_429 = limited.requests[0].at
    after = [r.at for r in limited.requests[1:]]
    assert min(after) - first_429 >= 0.95  # every request to the host waited
    assert max(r.at for r in other.requests) - first_429 < 0.5  # the other host did not
    assert next(r for r in results if r.source_id == "a").attempts == 2


def test_a_manual_clock_drives_every_wait_of_a_concurrent_run(hosts: list[LocalSite]) -> None:
    """Per-host gaps, a Retry-After pause and the retry are waited on the clock given:
    with a ManualClock a run that would wait over a minute ends at once (nothing
    spins on a clock that does not move), and the waits show in the check times."""
    limited, other = hosts[0], hosts[1]
    answers = iter([Reply(429, "slow down", headers={"Retry-After": "60"})])
    limited.route("/a", lambda req: next(answers, Reply(200, ARTICLE)))
    limited.default = Reply(200, ARTICLE)
    other.default = Reply(200, ARTICLE)
    urls = [limited.url("/a"), limited.url("/b"), limited.url("/c"), other.url("/d")]
    clock = ManualClock(start=datetime(2026, 3, 1, tzinfo=UTC))
    started = time.monotonic()
    run = check_manifest(manifest_of(*urls), quick(per_host_concurrency=1, concurrency=4,
                                                   per_host_interval=10.0), clock=clock)
    assert time.monotonic() - started < 5
    assert [r.link_class for r in run.results] == [LinkClass.OK] * 4
    assert run.results[0].attempts == 2
    at = {r.url: (r.checked_at - clock.start).total_seconds()
          for r in run.results if r.checked_at is not None}
    assert at[urls[0]] >= 60 and at[urls[3]] < 10  # the pause held one host only
    limited_times = sorted(at[u] for u in urls[:3])
    assert all(b - a >= 10 for a, b in itertools.pairwise(limited_times))
    assert clock.sleeps and run.finished_at == clock.now()


def test_progress_is_reported_for_every_url(hosts: list[LocalSite]) -> None:
    hosts[0].default = Reply(200, ARTICLE)
    events: list[Progress] = []
    check_urls([(f"s{i}", hosts[0].url(f"/p{i}")) for i in range(5)], quick(), events.append)
    assert [e.done for e in events] == [1, 2, 3, 4, 5]
    assert {e.total for e in events} == {5} and {e.stage for e in events} == {"check"}


def test_a_bug_in_a_check_is_raised_not_hung(hosts: list[LocalSite]) -> None:
    class Broken(Checker):
        async def attempt_async(self, source_id: str, url: str, client: AsyncHttpClient,
                                attempt: int = 1) -> Attempt:
            raise RuntimeError("boom")

    with Broken(quick()) as checker, pytest.raises(RuntimeError, match="boom"):
        check_urls([("a", hosts[0].url("/a")), ("b", hosts[1].url("/b"))], checker=checker)


# -- offline and history ----------------------------------------------------------


def test_all_hosts_refusing_makes_the_run_inconclusive(tmp_path: Path) -> None:
    manifest = manifest_of(*refused_urls(3))
    with History(tmp_path / "h.sqlite3") as history:
        run = check_manifest(manifest, quick(retries=1), history=history)
        assert run.inconclusive and "3 of 3 hosts" in (run.inconclusive_reason or "")
        assert {r.link_class for r in run.results} == {LinkClass.INCONCLUSIVE}
        assert {r.observed_class for r in run.results} == {LinkClass.TRANSIENT}
        assert {r.state for r in run.results} == {LinkState.UNKNOWN}
        records = history.links()
        assert len(records) == 3 and {r.state for r in records} == {LinkState.UNKNOWN}
        assert all(c.run_inconclusive for r in records for c in history.checks(r.url))


def test_failing_canary_voids_the_run_without_checking(hosts: list[LocalSite]) -> None:
    hosts[0].route("/a", Reply(200, ARTICLE))
    canary = refused_urls(1)[0]
    run = check_manifest(manifest_of(hosts[0].url("/a")), quick(canary=canary, retries=0))
    assert run.inconclusive and "canary" in (run.inconclusive_reason or "")
    assert run.results[0].link_class is LinkClass.INCONCLUSIVE
    assert hosts[0].hits("/a") == 0


def test_working_canary_lets_the_run_count(hosts: list[LocalSite]) -> None:
    hosts[0].route("/a", Reply(404, "no"))
    hosts[1].route("/up", Reply(200, "up"))
    run = check_manifest(manifest_of(hosts[0].url("/a")), quick(canary=hosts[1].url("/up")))
    assert not run.inconclusive and run.results[0].link_class is LinkClass.GONE


def test_one_dead_host_among_live_ones_is_not_offline(hosts: list[LocalSite]) -> None:
    for site in hosts[:3]:
        site.default = Reply(200, ARTICLE)
    urls = [s.url("/a") for s in hosts[:3]] + refused_urls(1)
    run = check_manifest(manifest_of(*urls), quick(retries=0))
    assert not run.inconclusive
    assert [r.link_class for r in run.results][-1] is LinkClass.TRANSIENT


def test_runs_days_apart_walk_a_404_to_dead(hosts: list[LocalSite], tmp_path: Path) -> None:
    hosts[0].route("/gone", Reply(404, "no"))
    hosts[0].route("/live", Reply(200, ARTICLE))
    manifest = manifest_of(hosts[0].url("/gone"), hosts[0].url("/live"))
    clock = ManualClock(start=datetime(2026, 3, 1, tzinfo=UTC))
    states = []
    with History(tmp_path / "h.sqlite3", clock=clock) as history:
        for _ in range(3):
            run = check_manifest(manifest, quick(), history=history, clock=clock)
            states.append((run.results[0].state, run.results[0].failing_count))
            clock.advance(timedelta(days=3).total_seconds())
        assert run.run_id == 3 and run.results[1].state is LinkState.ALIVE
    assert states == [(LinkState.FAILING, 1), (LinkState.FAILING, 2), (LinkState.DEAD, 3)]
