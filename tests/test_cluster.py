"""``check --cluster``: the checks made by the workers of a Dask cluster.

A ``distributed.LocalCluster`` of two worker processes on loopback stands for
the cluster; each simulated host is a real server on its own loopback address
(127.0.0.2 ...), counting its requests in flight. The cluster run must give
the classes a local run gives, never exceed the per-host limit (a host is
served by one task at a time), and survive a worker killed mid-run with one
result per source and one check per URL in the history.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from archiver.check import CheckOptions
from archiver.cluster import (
    Collector,
    PartitionResult,
    check_on_cluster,
    partition_by_host,
)
from archiver.errors import ConfigError
from archiver.history import History
from archiver.models import LinkClass, LinkResult, LinkState, Manifest, Progress, Source
from archiver.pipeline import check_manifest
from tests.support.cluster import local_cluster
from tests.support.localweb import LocalSite, Reply, SeenRequest

distributed = pytest.importorskip("distributed")

if TYPE_CHECKING:
    from distributed import LocalCluster

ARTICLE = "<html><title>Story</title><body>" + "words of a real story " * 50 + "</body></html>"
PER_HOST = 2
HOSTS = 6
PATHS_PER_HOST = 12
#: What each path kind answers, and the class a check gives it.
KINDS = {
    "ok": (Reply(200, ARTICLE), LinkClass.OK),
    "gone": (Reply(404, "<html><title>Not found</title></html>"), LinkClass.GONE),
    "blocked": (Reply(403, "<html><title>Forbidden</title></html>"), LinkClass.BLOCKED),
    "moved": (Reply(301, "", headers={"Location": "/elsewhere/ok-0"}), LinkClass.REDIRECTED),
    "down": (Reply(503, "busy"), LinkClass.TRANSIENT),
}


class Counted:
    """One host's answers, each after ``delay`` s, with its requests in flight counted."""

    def __init__(self, delay: float, peaks: dict[str, int], lock: threading.Lock) -> None:
        self.delay = delay
        self.now = 0
        self.peak = 0
        self.total_now = peaks
        self._lock = lock

    def __call__(self, req: SeenRequest) -> Reply:
        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
            self.total_now["now"] += 1
            self.total_now["peak"] = max(self.total_now["peak"], self.total_now["now"])
        try:
            time.sleep(self.delay)
            kind = req.path.rsplit("/", 1)[-1].split("-")[0]
            return KINDS[kind][0]
        finally:
            with self._lock:
                self.now -= 1
                self.total_now["now"] -= 1


class Web:
    """``HOSTS`` loopback hosts, every path answered by a :class:`Counted` handler."""

    def __init__(self, delay: float) -> None:
        self.lock = threading.Lock()
        self.all = {"now": 0, "peak": 0}
        self.sites = [LocalSite(address=f"127.0.0.{30 + n}") for n in range(HOSTS)]
        self.handlers = [Counted(delay, self.all, self.lock) for _ in self.sites]
        self.urls: list[str] = []
        for site, handler in zip(self.sites, self.handlers, strict=True):
            site.route("/elsewhere/ok-0", handler)
            for i in range(PATHS_PER_HOST):
                kind = list(KINDS)[i % len(KINDS)]
                path = f"/a/{kind}-{i}"
                site.route(path, handler)
                self.urls.append(site.url(path))
            site.start()

    def peaks(self) -> dict[str, int]:
        return {site.address: h.peak for site, h in zip(self.sites, self.handlers, strict=True)}

    def reset(self) -> None:
        for site, handler in zip(self.sites, self.handlers, strict=True):
            site.requests.clear()
            handler.peak = 0
        self.all["peak"] = 0

    def close(self) -> None:
        for site in self.sites:
            site.stop()


def expected_class(url: str) -> LinkClass:
    return KINDS[url.rsplit("/", 1)[-1].split("-")[0]][1]


def options(**kw: object) -> CheckOptions:
    base: dict[str, object] = {"allow_private": True, "per_host_interval": 0.0, "retries": 0,
                               "soft404_probe": False, "deadline": 10.0,
                               "per_host_concurrency": PER_HOST, "concurrency": 16}
    base.update(kw)
    return CheckOptions(**base)  # type: ignore[arg-type]


def manifest_of(urls: list[str]) -> Manifest:
    sources = tuple(Source(id=f"s{i}", url=u, publisher="P", title="T",
                           published=date(2014, 9, 1), language="fr")
                    for i, u in enumerate(urls))
    return Manifest(id="m", title="M", sources=sources)


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    """Two worker processes on loopback, two threads each, for the whole module."""
    with local_cluster() as local:
        yield local


@pytest.fixture(scope="module")
def web() -> Iterator[Web]:
    site = Web(delay=0.03)
    yield site
    site.close()


def history_checks(db: Path, run_id: int | None) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT url, COUNT(*) FROM checks WHERE run_id = ? GROUP BY url",
                            (run_id,)).fetchall()
    return {url: count for url, count in rows}


# -- partitions and the collector (no cluster) -----------------------------------


def test_partitions_hold_whole_hosts_and_every_source_once() -> None:
    pairs = [(f"s{i}", f"http://h{i % 7}.example/{i}") for i in range(50)]
    pairs.append(("dup", pairs[3][1]))  # a URL two sources list
    parts = partition_by_host(pairs, 3)
    assert len(parts) == 3
    positions = sorted(pos for p in parts for pos, _, _ in p.items)
    assert positions == list(range(len(pairs)))
    owners: dict[str, int] = {}
    for part in parts:
        for host in part.hosts:
            assert owners.setdefault(host, part.index) == part.index
    # 8 URLs on h0, 7 on each other host: largest first, each to the lightest partition
    assert sorted(p.urls for p in parts) == [14, 15, 21]
    assert partition_by_host(pairs, 100)[-1].index == 6  # at most one partition per host
    assert partition_by_host([], 4) == []


def test_the_collector_keeps_the_first_complete_result_of_a_partition() -> None:
    pairs = [(f"s{i}", f"http://h{i % 2}.example/{i}") for i in range(4)]
    parts = partition_by_host(pairs, 2)
    collector = Collector(parts)

    def answer(part_index: int, cls: LinkClass, drop_last: bool = False) -> PartitionResult:
        items = parts[part_index].items[:-1] if drop_last else parts[part_index].items
        return PartitionResult(part_index, tuple((pos, LinkResult(sid, url, cls))
                                                 for pos, sid, url in items), requests=2)

    assert collector.add(answer(0, LinkClass.GONE, drop_last=True)) == ()  # incomplete
    assert len(collector.add(answer(0, LinkClass.OK))) == 2
    assert collector.add(answer(0, LinkClass.GONE)) == ()  # the rerun's duplicate
    assert not collector.complete and collector.missing() == [1]
    collector.add(answer(1, LinkClass.OK))
    assert collector.complete and collector.dropped == 2 and collector.requests == 4
    results = collector.results(len(pairs))
    assert [r.link_class if r else None for r in results] == [LinkClass.OK] * 4
    assert [r.source_id if r else None for r in results] == ["s0", "s1", "s2", "s3"]


def test_no_scheduler_at_the_address_is_a_config_error() -> None:
    manifest = manifest_of(["http://127.0.0.1:9/x"])
    with pytest.raises(ConfigError, match="cannot reach the Dask scheduler at 'tcp://127"):
        check_on_cluster("tcp://127.0.0.1:9", manifest, options(), connect_timeout=2)


# -- on a LocalCluster ---------------------------------------------------------------


def test_same_classes_as_a_local_run_and_the_per_host_limit_holds(
        cluster: LocalCluster, web: Web, tmp_path: Path) -> None:
    urls = [*web.urls, web.urls[0]]  # the last source repeats the first one's URL
    manifest = manifest_of(urls)
    web.reset()
    local = check_manifest(manifest, options())
    assert max(web.peaks().values()) <= PER_HOST
    web.reset()
    events: list[Progress] = []
    with History(tmp_path / "h.db") as history:
        run = check_on_cluster(cluster.scheduler_address, manifest, options(), events.append,
                               history=history)
    assert [(r.source_id, r.link_class) for r in run.results] == \
        [(r.source_id, r.link_class) for r in local.results]
    assert [r.link_class for r in run.results] == [expected_class(u) for u in urls]
    assert run.results[-1].source_id == f"s{len(urls) - 1}"
    assert not run.inconclusive and run.run_id is not None and run.hosts == HOSTS
    assert run.requests == local.requests
    # the servers never saw more than the per-host limit in flight, yet hosts ran in parallel
    peaks = web.peaks()
    assert max(peaks.values()) <= PER_HOST, peaks
    assert web.all["peak"] > PER_HOST
    # one check per distinct URL in the history, one request per URL on the wire
    assert set(history_checks(tmp_path / "h.db", run.run_id).values()) == {1}
    assert len(history_checks(tmp_path / "h.db", run.run_id)) == len(set(urls))
    assert events and events[-1].done == events[-1].total == len(set(urls))


def test_a_partition_failing_on_every_try_leaves_its_sources_inconclusive(
        cluster: LocalCluster, web: Web, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from archiver.cluster import run as cluster_run

    # past the up-front check, every task refuses the coordinator's version, on every try
    monkeypatch.setattr(cluster_run, "_check_versions", lambda client, address: None)
    monkeypatch.setattr(cluster_run, "__version__", "0.0.0")
    web.reset()
    with History(tmp_path / "h.db") as history:
        run = check_on_cluster(cluster.scheduler_address, manifest_of(web.urls[:4]),
                               options(), history=history)
        links = history.links()  # no state advanced on a partial picture
    assert len(links) == 4
    assert all(link.state is LinkState.UNKNOWN and link.last_class is None for link in links)
    assert run.inconclusive
    assert "could not be checked on the cluster" in (run.inconclusive_reason or "")
    assert "install the same version on every worker" in (run.inconclusive_reason or "")
    assert {r.link_class for r in run.results} == {LinkClass.INCONCLUSIVE}
    # the canary's task failing likewise makes the run inconclusive, with nothing checked
    web.reset()
    run = check_on_cluster(cluster.scheduler_address, manifest_of(web.urls[:4]),
                           options(canary=web.urls[0]))
    assert run.inconclusive
    assert "canary could not be checked on the cluster" in (run.inconclusive_reason or "")
    assert not any(site.requests for site in web.sites)


def write_manifest(folder: Path, urls: list[str]) -> Path:
    toml = ["[manifest]", 'id = "m"', 'title = "M"', ""]
    for i, url in enumerate(urls):
        toml += ["[[source]]", f'id = "s{i}"', f'url = "{url}"', 'publisher = "P"',
                 'title = "T"', "published = 2014-09-01", 'language = "fr"', ""]
    path = folder / "m.toml"
    path.write_text("\n".join(toml), encoding="utf-8")
    return path


def test_the_cli_check_takes_cluster_from_the_configuration_file(
        cluster: LocalCluster, web: Web, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from archiver.cli import cli

    path = write_manifest(tmp_path, web.urls[:PATHS_PER_HOST])
    (tmp_path / "archiver.toml").write_text(f'cluster = "{cluster.scheduler_address}"\n',
                                            encoding="utf-8")
    web.reset()
    result = CliRunner().invoke(cli, ["check", str(path), "--allow-private", "--retries", "0",
                                      "--per-host-interval", "0", "--no-probe",
                                      "--no-progress", "--format", "json",
                                      "--db", str(tmp_path / "h.db")])
    assert result.exit_code == 1, result.output  # some links are gone
    assert '"gone"' in result.output and '"blocked"' in result.output
    assert len(web.sites[0].requests) >= PATHS_PER_HOST  # the workers made the checks


def test_cluster_without_the_distributed_package_says_how_to_install_it(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from archiver.cli import cli

    monkeypatch.setitem(__import__("sys").modules, "distributed", None)  # not installed
    path = write_manifest(tmp_path, ["http://127.0.0.1:9/x"])
    result = CliRunner().invoke(cli, ["check", str(path), "--cluster", "tcp://127.0.0.1:9",
                                      "--no-history", "--no-progress"])
    assert result.exit_code == 3, result.output
    assert "needs the Dask 'distributed' package" in result.output
    assert "pip install 'archiver-provenance[cluster]'" in result.output


def test_run_makes_its_checks_on_the_cluster_and_records_them_once(
        cluster: LocalCluster, web: Web, tmp_path: Path) -> None:
    from functools import partial

    from archiver.fetch import Archive
    from archiver.pipeline import RunOptions, run_pipeline

    urls = web.urls[:PATHS_PER_HOST * 2]
    manifest = manifest_of(urls)
    with LocalSite(Reply(200, "", content_type="text/plain")) as archive:  # no captures
        opts = RunOptions(check=options(), warcs_dir=tmp_path / "warcs", archives=(
            Archive(archive.url("/web/"), cdx_api=archive.url("/cdx")),))
        web.reset()
        with History(tmp_path / "h.db") as history:
            result = run_pipeline(manifest, opts, history=history,
                                  check_stage=partial(check_on_cluster,
                                                      cluster.scheduler_address))
    assert [r.link_class for r in result.links] == [expected_class(u) for u in urls]
    assert not result.check_inconclusive and result.run_id is not None
    checks = history_checks(tmp_path / "h.db", result.run_id)
    assert len(checks) == len(urls) and set(checks.values()) == {1}
    assert len(result.captures) == len(urls)  # fetch ran here, over every source


def test_a_failed_canary_checks_nothing_and_the_run_is_inconclusive(
        cluster: LocalCluster, web: Web) -> None:
    web.reset()
    with LocalSite(Reply(503, "down")) as canary:
        run = check_on_cluster(cluster.scheduler_address, manifest_of(web.urls[:5]),
                               options(canary=canary.url("/")))
        assert canary.requests  # a worker asked the canary
    assert run.inconclusive and "canary" in (run.inconclusive_reason or "")
    assert {r.link_class for r in run.results} == {LinkClass.INCONCLUSIVE}
    assert not any(site.requests for site in web.sites)


def test_workers_of_another_version_are_refused(
        cluster: LocalCluster, monkeypatch: pytest.MonkeyPatch) -> None:
    from archiver.cluster import run as cluster_run

    monkeypatch.setattr(cluster_run, "__version__", "0.0.0")
    with pytest.raises(ConfigError, match="another archiver version") as err:
        check_on_cluster(cluster.scheduler_address, manifest_of(["http://127.0.0.1:9/"]),
                         options())
    assert "archiver-provenance==0.0.0" in (err.value.hint or "")


def test_a_worker_killed_mid_run_loses_and_doubles_nothing(
        cluster: LocalCluster, tmp_path: Path) -> None:
    slow = Web(delay=0.25)  # long enough that the killed worker is busy with a partition
    try:
        manifest = manifest_of(slow.urls)
        with distributed.Client(cluster.scheduler_address, set_as_default=False) as client:
            pids = client.run(os.getpid)
        killed: list[int] = []

        def kill_one(event: Progress) -> None:
            if not killed:  # the first results are in; the other partitions are running
                pid = next(iter(pids.values()))
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)

        with History(tmp_path / "h.db") as history:
            run = check_on_cluster(cluster.scheduler_address, manifest, options(), kill_one,
                                   history=history, partitions=HOSTS)
    finally:
        slow.close()
    assert killed
    assert [r.source_id for r in run.results] == [s.id for s in manifest.sources]
    assert [r.link_class for r in run.results] == [expected_class(u) for u in slow.urls]
    assert not run.inconclusive
    checks = history_checks(tmp_path / "h.db", run.run_id)
    assert len(checks) == len(slow.urls) and set(checks.values()) == {1}
    # the killed worker's partitions were checked again elsewhere: some URL asked twice
    seen = [r.path for site in slow.sites for r in site.requests]
    hops = sum(1 for url in slow.urls if expected_class(url) is LinkClass.REDIRECTED)
    assert len(seen) > len(slow.urls) + hops
    assert max(slow.peaks().values()) <= PER_HOST
