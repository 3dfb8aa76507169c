"""History: IABot's dead rule driven by a fake clock, the database, concurrent writers."""

from __future__ import annotations

import multiprocessing
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from archiver.clock import ManualClock
from archiver.errors import ConfigError, StoreError
from archiver.history import (
    DEFAULT_DB_NAME,
    History,
    HistoryPolicy,
    LinkRecord,
    advance,
    default_db_path,
)
from archiver.models import LinkClass, LinkResult, LinkState, Manifest

URL = "https://news.example/2014/story"
T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


def days(n: float) -> datetime:
    return T0 + timedelta(days=n)


# -- the state machine, pure -------------------------------------------------------


def run_rule(checks: list[tuple[float, LinkClass]],
             policy: HistoryPolicy | None = None) -> LinkRecord:
    record = LinkRecord(URL)
    for day, cls in checks:
        record = advance(record, cls, days(day), policy or HistoryPolicy()).record
    return record


def test_dead_after_three_failures_three_days_apart() -> None:
    record = run_rule([(0, LinkClass.GONE), (3, LinkClass.GONE)])
    assert record.state is LinkState.FAILING and record.failing_count == 2
    record = advance(record, LinkClass.SOFT404, days(6)).record
    assert record.state is LinkState.DEAD and record.failing_count == 3
    assert record.state_since == days(6) and record.first_failure_at == T0


def test_failures_closer_than_three_days_do_not_count() -> None:
    record = run_rule([(0, LinkClass.GONE), (1, LinkClass.GONE), (2.9, LinkClass.GONE)])
    assert record.state is LinkState.FAILING and record.failing_count == 1
    step = advance(record, LinkClass.GONE, days(2.95))
    assert not step.counted and "not counted" in step.reason
    # Counted failures are measured from the last *counted* one (day 0).
    record = run_rule([(0, LinkClass.GONE), (2, LinkClass.GONE), (3, LinkClass.GONE),
                       (5, LinkClass.GONE), (6, LinkClass.GONE)])
    assert record.state is LinkState.DEAD and record.checks == 5


def test_any_success_resets() -> None:
    record = run_rule([(0, LinkClass.GONE), (3, LinkClass.GONE), (4, LinkClass.OK),
                       (7, LinkClass.GONE), (10, LinkClass.GONE)])
    assert record.state is LinkState.FAILING and record.failing_count == 2
    dead = run_rule([(0, LinkClass.GONE), (3, LinkClass.GONE), (6, LinkClass.GONE),
                     (20, LinkClass.REDIRECTED)])
    assert dead.state is LinkState.ALIVE and dead.failing_count == 0


@pytest.mark.parametrize("neutral", [LinkClass.BLOCKED, LinkClass.TRANSIENT,
                                     LinkClass.PAYWALLED, LinkClass.INVALID,
                                     LinkClass.INCONCLUSIVE])
def test_neutral_classes_neither_fail_nor_reset(neutral: LinkClass) -> None:
    record = run_rule([(0, LinkClass.GONE), (3, LinkClass.GONE), (4, neutral),
                       (6, LinkClass.GONE)])
    assert record.state is LinkState.DEAD  # the neutral check did not reset
    fresh = run_rule([(0, neutral), (3, neutral), (6, neutral), (9, neutral)])
    assert fresh.state is LinkState.UNKNOWN and fresh.checks == 4


def test_tls_errors_count_as_failures() -> None:
    record = run_rule([(0, LinkClass.TLS_ERROR), (3, LinkClass.TLS_ERROR),
                       (6, LinkClass.TLS_ERROR)])
    assert record.state is LinkState.DEAD


def test_thresholds_are_configurable() -> None:
    quick = HistoryPolicy(dead_after=2, min_interval=timedelta(hours=1))
    record = run_rule([(0, LinkClass.GONE), (0.05, LinkClass.GONE)], quick)
    assert record.state is LinkState.DEAD
    with pytest.raises(ConfigError):
        HistoryPolicy(dead_after=0)


# -- the database ----------------------------------------------------------------


def record(history: History, cls: LinkClass, at: datetime, url: str = URL,
           inconclusive: bool = False) -> LinkResult:
    result = LinkResult("story", url, cls, http_status=404 if cls is LinkClass.GONE else 200,
                        checked_at=at)
    run = history.record_run(manifest_id="m", started_at=at, finished_at=at,
                             results=[result], inconclusive=inconclusive,
                             reason="offline" if inconclusive else None)
    return run.results[0]


def test_database_walks_a_link_to_dead_and_back(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite3") as h:
        states = [record(h, LinkClass.GONE, days(d)).state for d in (0, 1, 3, 6)]
        assert states == [LinkState.FAILING, LinkState.FAILING, LinkState.FAILING,
                          LinkState.DEAD]
        back = record(h, LinkClass.OK, days(9))
        assert back.state is LinkState.ALIVE and back.previous_state is LinkState.DEAD
        checks = h.checks(URL)
        assert [c.counted for c in checks] == [True, False, True, True, True]
        assert [c.failing_after for c in checks] == [1, 1, 2, 3, 0]
        moves = [(t.from_state, t.to_state) for t in h.transitions(URL)]
        assert moves == [(LinkState.UNKNOWN, LinkState.FAILING),
                         (LinkState.FAILING, LinkState.DEAD),
                         (LinkState.DEAD, LinkState.ALIVE)]
        link = h.link(URL)
        assert link is not None and link.checks == 5 and link.last_class is LinkClass.OK


def test_inconclusive_runs_are_stored_but_do_not_advance(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite3") as h:
        record(h, LinkClass.GONE, days(0))
        record(h, LinkClass.GONE, days(3), inconclusive=True)
        after = record(h, LinkClass.GONE, days(6), inconclusive=True)
        assert after.state is LinkState.FAILING and after.failing_count == 1
        checks = h.checks(URL)
        assert len(checks) == 3 and [c.run_inconclusive for c in checks] == [False, True, True]
        assert h.run_count() == 3


def test_clock_fills_missing_check_times(tmp_path: Path) -> None:
    clock = ManualClock(start=T0)
    with History(tmp_path / "h.sqlite3", clock=clock) as h:
        for day in (0, 3, 6):
            clock.advance((days(day) - clock.now()).total_seconds())
            h.record_run(manifest_id="m", started_at=clock.now(), finished_at=clock.now(),
                         results=[LinkResult("s", URL, LinkClass.GONE)])
        link = h.link(URL)
    assert link is not None and link.state is LinkState.DEAD and link.last_checked_at == days(6)


def test_history_survives_reopening_and_keeps_evidence(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "h.sqlite3"
    with History(path) as h:
        record(h, LinkClass.GONE, days(0))
    with History(path, create=False) as h:
        check = h.checks(URL)[0]
        assert check.http_status == 404 and check.link_class is LinkClass.GONE
        assert [r.url for r in h.links()] == [URL]
        assert h.integrity_ok()


def test_missing_database_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="archiver check"):
        History(tmp_path / "none.sqlite3", create=False)


def test_garbage_file_is_refused_with_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError) as info:
        History(path)
    assert "not a usable history database" in str(info.value) and "--db" in str(info.value)


def test_wal_mode(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite3"):
        pass
    db = sqlite3.connect(tmp_path / "h.sqlite3")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()


def test_default_path_is_in_the_project_folder_beside_the_warcs(tmp_path: Path) -> None:
    manifest = Manifest(id="m", title="t", sources=(), path=tmp_path / "m" / "x.toml")
    assert default_db_path(manifest) == tmp_path / "m" / DEFAULT_DB_NAME
    kept = Manifest(id="m", title="t", sources=(), path=tmp_path / "p" / "manifests" / "x.toml")
    assert default_db_path(kept) == tmp_path / "p" / DEFAULT_DB_NAME
    assert default_db_path(kept).parent.parent == kept.project_dir  # where warcs/ goes


def test_a_database_kept_beside_the_manifest_by_earlier_versions_stays_in_use(
        tmp_path: Path) -> None:
    kept = Manifest(id="m", title="t", sources=(), path=tmp_path / "manifests" / "x.toml")
    earlier = tmp_path / "manifests" / DEFAULT_DB_NAME
    earlier.parent.mkdir(parents=True)
    earlier.write_bytes(b"")
    assert default_db_path(kept) == earlier
    (tmp_path / DEFAULT_DB_NAME).parent.mkdir()
    (tmp_path / DEFAULT_DB_NAME).write_bytes(b"")
    assert default_db_path(kept) == tmp_path / DEFAULT_DB_NAME


# -- concurrent runs -------------------------------------------------------------

WRITER_RUNS = 40
WRITER_URLS = 20


def _writer(path: str, name: str, start: Any) -> None:
    """Open the database afresh for every run, as separate ``archiver check`` runs do."""
    start.wait()
    for i in range(WRITER_RUNS):
        at = days(i * 3)
        results = [LinkResult(f"{name}{n}", f"https://shared.example/{n}",
                              LinkClass.GONE if n % 2 else LinkClass.OK, checked_at=at)
                   for n in range(WRITER_URLS)]
        with History(path) as h:
            h.record_run(manifest_id=name, started_at=at, finished_at=at, results=results)


def test_two_processes_writing_at_once_do_not_corrupt(tmp_path: Path) -> None:
    path = str(tmp_path / "h.sqlite3")
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    procs = [ctx.Process(target=_writer, args=(path, name, start)) for name in ("a", "b")]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    with History(path) as h:
        assert h.integrity_ok()
        assert h.run_count() == 2 * WRITER_RUNS
        records = h.links()
        assert len(records) == WRITER_URLS
        for rec in records:
            assert rec.checks == 2 * WRITER_RUNS
            n = int(rec.url.rsplit("/", 1)[1])
            assert rec.state is (LinkState.DEAD if n % 2 else LinkState.ALIVE)
            assert len(h.checks(rec.url)) == 2 * WRITER_RUNS


def _open_at_once(path: str, barrier: Any, results: Any) -> None:
    from archiver.history import History as _History

    barrier.wait()
    try:
        _History(path).close()
        results.put("ok")
    except Exception as err:  # reported to the parent
        results.put(f"{type(err).__name__}: {err}")


def test_many_processes_opening_a_new_database_at_once(tmp_path: Path) -> None:
    """SQLite fails one side at once (no busy wait) when two connections race to
    switch a new database to WAL; opening must retry instead of reporting
    "database is locked" (seen as a flaky failure before the fix)."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    for attempt in range(4):
        path = str(tmp_path / f"race-{attempt}.sqlite3")
        barrier, results = ctx.Barrier(6), ctx.Queue()
        procs = [ctx.Process(target=_open_at_once, args=(path, barrier, results))
                 for _ in range(6)]
        for proc in procs:
            proc.start()
        outcomes = [results.get(timeout=60) for _ in procs]
        for proc in procs:
            proc.join(timeout=60)
        assert outcomes == ["ok"] * 6
