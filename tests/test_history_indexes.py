"""Every query the history database answers for ``archiver history`` and the report uses an index.

The statements are the ones :class:`~archiver.history.History` really runs
(caught with SQLite's trace callback), planned with ``EXPLAIN QUERY PLAN``
(https://www.sqlite.org/eqp.html): a plan line ``SCAN <table>`` without an
index means SQLite reads the whole table, which at 100,000 checks per run
makes every look-up read every run.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from archiver.history import History
from archiver.models import LinkClass, LinkResult

T0 = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
URLS = [f"https://news.example/2014/{n}" for n in range(5)]

#: Tables read whole on purpose, and only by a query with no WHERE clause:
#: ``history`` without a URL lists every link; without a manifest, every run.
WHOLE = {"links", "runs"}


def _fill(history: History) -> None:
    for day in range(3):
        results = [LinkResult(f"s{n}", url, LinkClass.GONE if n % 2 else LinkClass.OK,
                              http_status=404 if n % 2 else 200,
                              checked_at=T0 + timedelta(days=4 * day))
                   for n, url in enumerate(URLS)]
        history.record_run(manifest_id="m", started_at=T0 + timedelta(days=4 * day),
                           finished_at=T0 + timedelta(days=4 * day, minutes=1),
                           results=results)
        history.record_pipeline_run(
            manifest_id="m", started_at=T0 + timedelta(days=4 * day, hours=1),
            finished_at=T0 + timedelta(days=4 * day, hours=2), links=results)


def _plans(db_path: Path, statements: list[str]) -> dict[str, list[str]]:
    import sqlite3
    db = sqlite3.connect(db_path)
    try:
        return {sql: [str(row[3]) for row in db.execute("EXPLAIN QUERY PLAN " + sql)]
                for sql in statements}
    finally:
        db.close()


def test_every_read_of_history_and_the_report_uses_an_index(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    with History(path) as history:
        _fill(history)
    seen: list[str] = []
    with History(path, create=False) as history:
        history._db.set_trace_callback(seen.append)
        runs = history.runs("m")
        history.runs()
        history.runs("m", kind="run", limit=2)
        history.run(runs[-1].id)
        history.changes(runs[-1].id)
        history.baseline_before("m", runs[-1].id)
        history.links()
        history.link(URLS[1])
        history.checks(URLS[1])
        history.checks(URLS[1], limit=2)
        history.transitions(URLS[1])
    selects = sorted({s for s in seen if s.lstrip().upper().startswith("SELECT")})
    tables = " ".join(selects)
    for table in ("checks", "run_links", "run_captures", "run_quotes", "transitions", "links",
                  "runs"):
        assert re.search(rf"\b{table}\b", tables), f"no query of {table} was exercised"
    plans = _plans(path, selects)
    for sql, lines in plans.items():
        for line in lines:
            scan = re.match(r"SCAN (\w+)", line)
            if scan is None or "USING" in line:
                continue
            table = scan.group(1)
            assert table in WHOLE and " WHERE " not in sql.upper(), (
                f"{sql!r} reads all of {table}: {lines}")


def test_a_check_runs_results_are_found_by_run(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite3") as history:
        _fill(history)
        plan = [str(r[3]) for r in history._db.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM checks WHERE run_id = ? ORDER BY id", (1,))]
    assert any("checks_by_run" in line for line in plan), plan
    assert not any("TEMP B-TREE" in line for line in plan), plan
