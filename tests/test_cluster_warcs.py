"""``fetch --cluster`` and ``capture --cluster``: workers write the WARCs, one ledger.

A ``distributed.LocalCluster`` of two worker processes on loopback stands for
the cluster and the test's temporary folder for the shared WARC folder. Live
hosts are real servers on their own loopback addresses, each counting its
requests in flight; the archive is a real local pywb. A cluster run must store
what a local run of the same input stores (compared by ledger fields and record
payloads, not file names), keep the per-host limits, and lose and double
nothing when a worker is killed while it writes.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from warcio.archiveiterator import ArchiveIterator

from archiver.cluster import capture_on_cluster, fetch_on_cluster
from archiver.cluster.stage import partition_by_archive, partition_by_site
from archiver.errors import ConfigError, StoreError
from archiver.fetch import Archive, fetch_sources
from archiver.fetch.capture import capture_sources
from archiver.models import CaptureOutcome, FetchRun, Manifest, Source
from archiver.net import DEFAULT_PER_HOST_CONCURRENCY, DEFAULT_PER_HOST_INTERVAL
from archiver.store import LEDGER_NAME, WarcIndex, WarcInfo, WarcStore
from archiver.store.fixity import check_folder as check_fixity
from archiver.store.ledger import LedgerEntry, read_ledger
from archiver.store.live import LIVE_LEDGER_NAME
from archiver.store.staging import (
    PARTIAL_SUFFIX,
    STAGING_DIR,
    StagingStore,
    check_staged,
    clear_staging,
)
from tests.support.cluster import local_cluster
from tests.support.localweb import Handler, LocalSite, Reply, SeenRequest
from tests.support.pywb_archive import Page, PywbArchive, source, write_manifest

distributed = pytest.importorskip("distributed")

if TYPE_CHECKING:
    from distributed import LocalCluster

HOSTS = 4
ARTICLE = "<html><title>Story</title><body>" + "words of a real story " * 40 + "</body></html>"
#: path -> (reply, outcome); "moved" redirects to /a/ok-0 on the same host.
PATHS = {
    "/a/ok-0": Reply(200, ARTICLE),
    "/a/gone-1": Reply(404, "<html><title>Not found</title></html>"),
    "/a/moved-2": Reply(301, "", headers={"Location": "/a/ok-0"}),
}
#: A worker's file: ...-HOST-PID-pINDEX-TOKEN.warc.gz.partial
PARTIAL_NAME = re.compile(r"-(\d+)-p\d+-[a-z0-9]{8}\.warc\.gz\.partial$")


class Live:
    """``HOSTS`` loopback sites, each counting requests in flight (and their peak)."""

    def __init__(self, delay: float) -> None:
        self.lock = threading.Lock()
        self.sites = [LocalSite(address=f"127.0.0.{50 + n}") for n in range(HOSTS)]
        self.now = dict.fromkeys(range(HOSTS), 0)
        self.peak = dict.fromkeys(range(HOSTS), 0)
        self.delay = delay
        for n, site in enumerate(self.sites):
            for path in PATHS:
                site.route(path, self._handler(n, path))
            site.start()
        self.urls = [site.url(path) for site in self.sites for path in PATHS]

    def _handler(self, n: int, path: str) -> Handler:
        def answer(req: SeenRequest) -> Reply:
            with self.lock:
                self.now[n] += 1
                self.peak[n] = max(self.peak[n], self.now[n])
            try:
                time.sleep(self.delay)
                return PATHS[path]
            finally:
                with self.lock:
                    self.now[n] -= 1
        return answer

    def reset(self) -> None:
        for n, site in enumerate(self.sites):
            site.requests.clear()
            self.peak[n] = 0

    def gaps(self) -> list[float]:
        """Seconds between consecutive request starts at each host."""
        out: list[float] = []
        for site in self.sites:
            starts = sorted(r.at for r in site.requests)
            out += [b - a for a, b in itertools.pairwise(starts)]
        return out

    def close(self) -> None:
        for site in self.sites:
            site.stop()


def manifest_of(urls: list[str], path: Path | None = None) -> Manifest:
    return Manifest(id="m", title="M", path=path, sources=tuple(
        Source(id=f"s{i}", url=u, publisher="P", title="T", published=date(2014, 9, 1),
               language="fr") for i, u in enumerate(urls)))


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    """Two worker processes on loopback, two threads each, for the whole module."""
    with local_cluster() as local:
        yield local


@pytest.fixture(scope="module")
def live() -> Iterator[Live]:
    web = Live(delay=0.05)
    yield web
    web.close()


def payloads(folder: Path, entries: list[LedgerEntry]) -> dict[str, bytes]:
    """Each entry's response payload, read by warcio at the ledgered offset, by source."""
    out: dict[str, bytes] = {}
    for entry in entries:
        with open(folder / entry.warc_file, "rb") as fh:
            fh.seek(entry.warc_offset)
            record = next(iter(ArchiveIterator(fh)))
            assert record.rec_type == "response"
            assert record.rec_headers.get_header("WARC-Record-ID") == entry.record_id
            out[entry.source_id] = record.content_stream().read()
    return out


def comparable(entry: LedgerEntry) -> tuple[object, ...]:
    """What a stored capture is, without where and when it was written."""
    return (entry.source_id, entry.requested_url, entry.uri_r, entry.http_status,
            entry.payload_sha256, entry.mime, entry.redirects, entry.archive, entry.rule,
            entry.chosen)


def worker_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.warc.gz"))


def kill_the_first_writer(folder: Path, killed: list[int], stop: threading.Event) -> None:
    """SIGKILL the worker process whose ``.partial`` file shows up first."""
    while not stop.is_set():
        for path in folder.glob(f"{STAGING_DIR}/*/*{PARTIAL_SUFFIX}"):
            match = PARTIAL_NAME.search(path.name)
            if match:
                os.kill(int(match.group(1)), signal.SIGKILL)
                killed.append(int(match.group(1)))
                return
        time.sleep(0.005)


# -- the staging folder (no cluster) ---------------------------------------------


def test_a_workers_files_stay_partial_and_nothing_reads_an_orphan(tmp_path: Path) -> None:
    folder = tmp_path / "warcs"
    info = WarcInfo(manifest_id="m")
    with WarcStore(folder, info=info):
        pass
    staging = folder / STAGING_DIR / "run1"
    staging.mkdir(parents=True)
    store = StagingStore(folder, staging, info=info, crawlhost="node7.lan-4242-p3")
    store.open()
    name, _ = store.write_file(lambda fw: None)
    assert re.fullmatch(r"m-\d{17}-00000-node7\.lan-4242-p3-[a-z0-9]{8}\.warc\.gz", name)
    partial = staging / (name + PARTIAL_SUFFIX)
    assert partial.exists() and not (staging / name).exists()
    assert store.files == [(name, partial.stat().st_size)]
    # a half-written file of a killed worker beside it
    (staging / ("m-x-00001-dead-1-p0-abcdefgh.warc.gz" + PARTIAL_SUFFIX)).write_bytes(
        partial.read_bytes()[:40])
    # the store's recovery, the index and fixity leave both alone
    with WarcStore(folder, info=info) as again:
        assert again.notes == [] and again.entries == []
    index = WarcIndex.build(folder)
    assert index.files == [] and index.warnings == []
    fixity = check_fixity(folder)
    assert fixity.results == () and fixity.notes == ()
    # the coordinator refuses a file of the wrong size, or one it cannot see
    with pytest.raises(StoreError, match="the worker wrote 5"):
        check_staged(folder, staging, [(name, 5)])
    with pytest.raises(StoreError, match="cannot be read here"):
        check_staged(folder, staging, [("m-none.warc.gz", 5)])
    with pytest.raises(StoreError, match="not a WARC file name"):
        check_staged(folder, staging, [("../evil.warc.gz", 5)])
    notes = clear_staging(folder)
    assert notes and "removed 2 unfinished file(s) of an interrupted cluster run" in notes[0]
    assert not (folder / STAGING_DIR).exists()


def test_fetch_keeps_all_sources_in_one_partition_capture_whole_sites() -> None:
    pairs = [(f"s{i}", f"http://h{i % 3}.example/{i}") for i in range(7)]
    (part,) = partition_by_archive(pairs)
    assert [pos for pos, _, _ in part.items] == list(range(7))
    assert partition_by_archive([]) == []
    # capture: a www. host goes with its site (requisites and redirects stay together)
    pairs += [("w", "http://WWW.h1.example./page"), ("o", "http://other.example/")]
    parts = partition_by_site(pairs, 4)
    owner = {sid: p.index for p in parts for _, sid, _ in p.items}
    assert owner["w"] == owner["s1"] == owner["s4"] != owner["s0"]
    assert len(parts) == 4 and len({owner["o"], owner["s0"], owner["s1"], owner["s2"]}) == 4


# -- capture on a LocalCluster ------------------------------------------------------


def test_capture_stores_what_a_local_run_stores_and_keeps_the_per_host_limits(
        cluster: LocalCluster, live: Live, tmp_path: Path) -> None:
    manifest = manifest_of(live.urls)
    live.reset()
    started = time.monotonic()
    local = capture_sources(manifest, warcs_dir=tmp_path / "local", allow_private=True)
    local_took = time.monotonic() - started
    live.reset()
    started = time.monotonic()
    run = capture_on_cluster(cluster.scheduler_address, manifest,
                             warcs_dir=tmp_path / "cluster", allow_private=True)
    took = time.monotonic() - started
    assert not run.inconclusive, run.inconclusive_reason
    assert [(r.source_id, r.outcome, r.capture and r.capture.http_status)
            for r in run.results] == \
        [(r.source_id, r.outcome, r.capture and r.capture.http_status) for r in local.results]
    assert {r.outcome for r in run.results} == {CaptureOutcome.STORED}
    # the same ledger entries (one per source) and the same payloads, read by warcio
    mine, _ = read_ledger(tmp_path / "cluster" / LIVE_LEDGER_NAME)
    theirs, _ = read_ledger(tmp_path / "local" / LIVE_LEDGER_NAME)
    assert sorted(map(comparable, mine)) == sorted(map(comparable, theirs))
    assert len(mine) == len(live.urls)
    assert payloads(tmp_path / "cluster", mine) == payloads(tmp_path / "local", theirs)
    assert [r.capture.warc_file for r in run.results if r.capture] == \
        [e.warc_file for e in sorted(mine, key=lambda e: int(e.source_id[1:]))]
    # every file in place, none left aside, and fixity finds nothing wrong
    assert len(worker_files(tmp_path / "cluster")) == len(live.urls)
    assert not (tmp_path / "cluster" / STAGING_DIR).exists()
    fixity = check_fixity(tmp_path / "cluster")
    assert {r.outcome.value for r in fixity.results} == {"ok"}
    # each host served by one task at a time: its limit and its gap held
    assert max(live.peak.values()) <= DEFAULT_PER_HOST_CONCURRENCY
    assert min(live.gaps()) >= DEFAULT_PER_HOST_INTERVAL - 0.2, sorted(live.gaps())[:3]
    # yet hosts were captured side by side, not one after the other as here
    assert took < local_took, (took, local_took)


def test_a_worker_killed_while_it_captures_loses_and_doubles_nothing(
        cluster: LocalCluster, live: Live, tmp_path: Path) -> None:
    folder = tmp_path / "warcs"
    manifest = manifest_of(live.urls)
    live.reset()
    killed: list[int] = []
    stop = threading.Event()
    watcher = threading.Thread(target=kill_the_first_writer, args=(folder, killed, stop),
                               daemon=True)
    watcher.start()
    try:
        run = capture_on_cluster(cluster.scheduler_address, manifest, warcs_dir=folder,
                                 allow_private=True, partitions=HOSTS)
    finally:
        stop.set()
        watcher.join()
    assert killed, "no worker was killed"
    assert not run.inconclusive, run.inconclusive_reason
    assert [r.outcome for r in run.results] == [CaptureOutcome.STORED] * len(live.urls)
    entries, bad = read_ledger(folder / LIVE_LEDGER_NAME)
    assert bad == 0
    assert sorted(e.source_id for e in entries) == sorted(s.id for s in manifest.sources)
    assert len(payloads(folder, entries)) == len(live.urls)  # warcio reads each
    # the dead worker's files went with the staging folder: one file per capture
    assert len(worker_files(folder)) == len(entries)
    assert not (folder / STAGING_DIR).exists()
    assert {r.outcome.value for r in check_fixity(folder).results} == {"ok"}
    # and a later run opens the folder with nothing to recover
    with WarcStore(folder, info=WarcInfo(manifest_id="m")) as store:
        assert store.notes == [] and store.entries == []
    # the killed worker's partition was captured again elsewhere: some page asked twice
    hops = HOSTS  # each host's redirect asks /a/ok-0 once more
    assert sum(len(site.requests) for site in live.sites) > len(live.urls) + hops
    assert max(live.peak.values()) <= DEFAULT_PER_HOST_CONCURRENCY


def test_a_partition_failing_on_every_try_leaves_the_run_inconclusive(
        cluster: LocalCluster, live: Live, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from archiver.cli import cli
    from archiver.cluster import run as cluster_run
    from archiver.cluster import warcs

    # past the up-front check, every task refuses the coordinator's version, on every try
    monkeypatch.setattr(cluster_run, "_check_versions", lambda client, address: None)
    monkeypatch.setattr(warcs, "__version__", "0.0.0")
    live.reset()
    run = capture_on_cluster(cluster.scheduler_address, manifest_of(live.urls[:2]),
                             warcs_dir=tmp_path / "w", allow_private=True)
    assert run.inconclusive
    assert "1 of 1 partitions of the sources could not be captured on the cluster" in \
        (run.inconclusive_reason or "")
    assert "install the same version on every worker" in (run.inconclusive_reason or "")
    assert {r.outcome for r in run.results} == {CaptureOutcome.LIVE_ERROR}
    assert all("not attempted" in (r.detail or "") for r in run.results)
    assert not any(site.requests for site in live.sites)
    assert not (tmp_path / "w" / LIVE_LEDGER_NAME).exists()
    assert not (tmp_path / "w" / STAGING_DIR).exists()
    path = write_manifest(tmp_path / "m.toml", [source("s0", live.urls[0], "2014-09-01")])
    result = CliRunner().invoke(cli, ["capture", str(path), "--cluster",
                                      cluster.scheduler_address, "--allow-private",
                                      "--warcs", str(tmp_path / "w"), "--no-progress"])
    assert result.exit_code == 4, result.output
    assert "inconclusive: 1 of 1 partitions" in result.output


def test_capture_takes_cluster_from_the_configuration_file(
        cluster: LocalCluster, live: Live, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from archiver.cli import cli

    path = write_manifest(tmp_path / "m.toml", [
        source(f"s{i}", url, "2014-09-01") for i, url in enumerate(live.urls[:len(PATHS)])])
    (tmp_path / "archiver.toml").write_text(f'cluster = "{cluster.scheduler_address}"\n',
                                            encoding="utf-8")
    live.reset()
    result = CliRunner().invoke(cli, ["capture", str(path), "--allow-private",
                                      "--warcs", str(tmp_path / "w"), "--no-progress",
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [r["outcome"] for r in doc["results"]] == ["stored"] * len(PATHS)
    assert len(live.sites[0].requests) == len(PATHS) + 1  # the workers captured (and a hop)
    assert len(read_ledger(tmp_path / "w" / LIVE_LEDGER_NAME)[0]) == len(PATHS)


def test_workers_that_do_not_see_the_warc_folder_stop_the_run(
        cluster: LocalCluster, live: Live, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from archiver.cluster import warcs

    # the coordinator writes its probe where the workers do not look: as a worker
    # with the folder not shared (or another folder at that path) would see it
    monkeypatch.setattr(warcs, "PROBE_NAME", "elsewhere")
    live.reset()
    with pytest.raises(ConfigError, match="2 of 2 workers cannot use the WARC folder") as err:
        capture_on_cluster(cluster.scheduler_address, manifest_of(live.urls[:2]),
                           warcs_dir=tmp_path / "w", allow_private=True)
    assert "does not see" in err.value.message
    assert "shared filesystem" in (err.value.hint or "")
    assert not any(site.requests for site in live.sites)
    assert not (tmp_path / "w" / STAGING_DIR).exists()


def test_the_cli_exits_3_when_the_workers_do_not_share_the_folder(
        cluster: LocalCluster, live: Live, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from archiver.cli import cli
    from archiver.cluster import warcs

    monkeypatch.setattr(warcs, "PROBE_NAME", "elsewhere")
    path = write_manifest(tmp_path / "m.toml", [source("s0", live.urls[0], "2014-09-01")])
    result = CliRunner().invoke(cli, ["fetch", str(path), "--cluster",
                                      cluster.scheduler_address, "--warcs",
                                      str(tmp_path / "w"), "--no-progress"])
    assert result.exit_code == 3, result.output
    assert "cannot use the WARC folder" in result.output


# -- fetch on a LocalCluster --------------------------------------------------------

STORIES = [f"http://news.example.com/2014/10/{day}/story.html" for day in range(10, 18)]


def archive_of(pywb: PywbArchive) -> Archive:
    pages = [Page(url, f"2014-10-{url.split('/')[5]}T0{n % 9}:00:00Z",
                  f"<html><title>Story {n}</title><body>{'text ' * (50 + n)}</body></html>")
             for n, url in enumerate(STORIES)]
    pages.append(Page(STORIES[0], "2014-12-01T00:00:00Z", "<html>edited later</html>"))
    base = pywb.collection(pages)
    return Archive.from_url(base, pywb.cdx_url(base))


def fetch_manifest() -> Manifest:
    return Manifest(id="press", title="Press", sources=tuple(
        source(f"s{n}", url, f"2014-10-{url.split('/')[5]}")
        for n, url in enumerate(STORIES)))


def test_fetch_stores_what_a_local_run_stores(
        cluster: LocalCluster, pywb: PywbArchive, tmp_path: Path) -> None:
    archive = archive_of(pywb)
    manifest = fetch_manifest()
    rates = {"listings_per_minute": 60000.0, "downloads_per_second": 1000.0}
    local = fetch_sources(manifest, warcs_dir=tmp_path / "local", archives=[archive],
                          captures="first,nearest,last", **rates)  # type: ignore[arg-type]
    run: FetchRun = fetch_on_cluster(cluster.scheduler_address, manifest,
                                     warcs_dir=tmp_path / "cluster", archives=[archive],
                                     captures="first,nearest,last", **rates)  # type: ignore[arg-type]
    assert not run.inconclusive, run.inconclusive_reason
    assert [(r.source_id, r.outcome, r.rule) for r in run.results] == \
        [(r.source_id, r.outcome, r.rule) for r in local.results]
    assert {r.outcome for r in run.results} == {CaptureOutcome.STORED}
    assert len(run.results[0].extra_captures) == len(local.results[0].extra_captures) == 1
    mine, _ = read_ledger(tmp_path / "cluster" / LEDGER_NAME)
    theirs, _ = read_ledger(tmp_path / "local" / LEDGER_NAME)
    assert sorted(map(comparable, mine)) == sorted(map(comparable, theirs))
    assert sorted((e.source_id, e.memento_datetime, e.keys) for e in mine) == \
        sorted((e.source_id, e.memento_datetime, e.keys) for e in theirs)
    chosen = [e for e in mine if e.chosen]
    assert payloads(tmp_path / "cluster", chosen) == \
        payloads(tmp_path / "local", [e for e in theirs if e.chosen])
    assert {r.outcome.value for r in check_fixity(tmp_path / "cluster").results} == {"ok"}
    assert not (tmp_path / "cluster" / STAGING_DIR).exists()
    # a second run finds every source stored, as a local rerun does
    again = fetch_on_cluster(cluster.scheduler_address, manifest,
                             warcs_dir=tmp_path / "cluster", archives=[archive], **rates)  # type: ignore[arg-type]
    assert {r.outcome for r in again.results} == {CaptureOutcome.ALREADY_STORED}
    assert len(read_ledger(tmp_path / "cluster" / LEDGER_NAME)[0]) == len(mine)


def test_a_worker_killed_while_it_fetches_loses_and_doubles_nothing(
        cluster: LocalCluster, pywb: PywbArchive, tmp_path: Path) -> None:
    archive = archive_of(pywb)
    manifest = fetch_manifest()
    folder = tmp_path / "warcs"
    killed: list[int] = []
    stop = threading.Event()
    watcher = threading.Thread(target=kill_the_first_writer, args=(folder, killed, stop),
                               daemon=True)
    watcher.start()
    try:  # 4 downloads a second: the worker is still writing when it is killed
        run = fetch_on_cluster(cluster.scheduler_address, manifest, warcs_dir=folder,
                               archives=[archive], listings_per_minute=60000.0,
                               downloads_per_second=4.0)
    finally:
        stop.set()
        watcher.join()
    assert killed, "no worker was killed"
    assert not run.inconclusive, run.inconclusive_reason
    assert [r.outcome for r in run.results] == [CaptureOutcome.STORED] * len(STORIES)
    entries, bad = read_ledger(folder / LEDGER_NAME)
    assert bad == 0
    assert sorted(e.source_id for e in entries) == sorted(s.id for s in manifest.sources)
    assert len(payloads(folder, entries)) == len(STORIES)
    assert len(worker_files(folder)) == len(entries)
    assert not (folder / STAGING_DIR).exists()
    assert {r.outcome.value for r in check_fixity(folder).results} == {"ok"}
    with WarcStore(folder, info=WarcInfo(manifest_id="press")) as store:
        assert store.notes == [] and len(store.entries) == len(STORIES)


def test_the_cli_fetches_on_the_cluster_with_source_selection(
        cluster: LocalCluster, pywb: PywbArchive, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from archiver.cli import cli

    archive = archive_of(pywb)
    path = write_manifest(tmp_path / "m.toml", list(fetch_manifest().sources), "press")
    result = CliRunner().invoke(cli, [
        "fetch", str(path), "--cluster", cluster.scheduler_address, "--archive",
        archive.base, "--cdx-api", archive.cdx_api or "", "--source", "s2", "--source", "s5",
        "--list-rate", "60000", "--download-rate", "1000", "--warcs", str(tmp_path / "w"),
        "--format", "json", "--no-progress"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["results"]
    assert [(r["source_id"], r["outcome"]) for r in rows] == [("s2", "stored"), ("s5", "stored")]
    entries, _ = read_ledger(tmp_path / "w" / LEDGER_NAME)
    assert sorted(e.source_id for e in entries) == ["s2", "s5"]
    assert {Path(r["capture"]["warc_file"]).name for r in rows} == \
        {e.warc_file for e in entries}


def test_run_fetches_on_the_cluster_what_a_local_run_fetches(
        cluster: LocalCluster, pywb: PywbArchive, tmp_path: Path) -> None:
    """``run --cluster``: the fetch stage on the workers stores what a local run stores."""
    from functools import partial

    from archiver.check import CheckOptions
    from archiver.pipeline import RunOptions, run_pipeline

    archive = archive_of(pywb)
    manifest = fetch_manifest()

    def options(folder: Path) -> RunOptions:
        return RunOptions(check=CheckOptions(retries=0, deadline=2.0), archives=(archive,),
                          warcs_dir=folder, listings_per_minute=60000.0,
                          downloads_per_second=1000.0)

    local = run_pipeline(manifest, options(tmp_path / "local"))
    run = run_pipeline(manifest, options(tmp_path / "cluster"),
                       fetch_stage=partial(fetch_on_cluster, cluster.scheduler_address))
    assert [(c.source_id, c.outcome, c.rule) for c in run.captures] == \
        [(c.source_id, c.outcome, c.rule) for c in local.captures]
    assert {c.outcome for c in run.captures} == {CaptureOutcome.STORED}
    mine, _ = read_ledger(tmp_path / "cluster" / LEDGER_NAME)
    theirs, _ = read_ledger(tmp_path / "local" / LEDGER_NAME)
    assert sorted(map(comparable, mine)) == sorted(map(comparable, theirs))
    assert [q.status for q in run.quotes] == [q.status for q in local.quotes]
    assert not (tmp_path / "cluster" / STAGING_DIR).exists()
    # the files were written by workers (their names carry host, pid and partition)
    worker_named = re.compile(r"-\d+-p\d+-[a-z0-9]{8}\.warc\.gz$")
    assert mine and all(worker_named.search(e.warc_file) for e in mine)
    assert not any(worker_named.search(e.warc_file) for e in theirs)
