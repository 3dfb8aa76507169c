"""History writes in batches: the same rows as one result at a time, across batch edges."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from archiver.history import History
from archiver.history import database as database_module
from archiver.models import LinkClass, LinkResult, LinkState

T0 = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)


def _runs(path: Path) -> list[tuple[LinkResult, ...]]:
    out = []
    with History(path) as history:
        for day in range(4):
            at = T0 + timedelta(days=4 * day)
            results = [
                LinkResult("a", "https://x.example/a", LinkClass.GONE, checked_at=at),
                LinkResult("b", "https://x.example/b", LinkClass.OK, checked_at=at),
                # the same URL twice in one run: the second sees the first's record
                LinkResult("c", "https://x.example/c", LinkClass.GONE, checked_at=at),
                LinkResult("c2", "https://x.example/c", LinkClass.GONE, checked_at=at),
                LinkResult("d", "https://x.example/d",
                           LinkClass.OK if day % 2 else LinkClass.GONE, checked_at=at),
            ]
            out.append(history.record_run(manifest_id="m", started_at=at, finished_at=at,
                                          results=results).results)
    return out


def _dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    db = sqlite3.connect(path)
    try:
        return {table: db.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
                for table in ("checks", "links", "transitions")}
    finally:
        db.close()


def test_batches_store_what_one_at_a_time_stores(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(database_module, "RECORD_BATCH", 1)
    single = _runs(tmp_path / "one.sqlite3")
    monkeypatch.setattr(database_module, "RECORD_BATCH", 2)  # "c" twice straddles an edge
    batched = _runs(tmp_path / "two.sqlite3")
    assert single == batched
    one, two = _dump(tmp_path / "one.sqlite3"), _dump(tmp_path / "two.sqlite3")
    assert one["links"] == two["links"]
    assert one["transitions"] == two["transitions"]
    # checks: the same rows, ids included (the transitions point at them)
    assert one["checks"] == two["checks"]
    assert len(two["checks"]) == 20
    # "a" failed four times 4 days apart: dead; its transition points at its own check
    dead = [t for t in two["transitions"] if t[1] == "https://x.example/a" and t[4] == "dead"]
    assert dead, two["transitions"]
    check_ids = {row[0]: row[2] for row in two["checks"]}
    assert check_ids[dead[0][6]] == "https://x.example/a"
    assert batched[-1][0].state is LinkState.DEAD
    # the second "c" of a run sees the record the first left
    assert batched[0][2].previous_state is LinkState.UNKNOWN
    assert batched[0][3].previous_state is LinkState.FAILING


def test_in_place_replaces_the_callers_list_with_the_recorded_results(tmp_path: Path) -> None:
    results = [LinkResult(f"s{n}", f"https://x.example/{n}", LinkClass.GONE, checked_at=T0)
               for n in range(3)]
    given = list(results)
    with History(tmp_path / "h.sqlite3") as history:
        recorded = history.record_run(manifest_id="m", started_at=T0, finished_at=T0,
                                      results=results, in_place=True)
        with pytest.raises(TypeError, match="needs a list"):
            history.record_run(manifest_id="m", started_at=T0, finished_at=T0,
                               results=tuple(given), in_place=True)
    assert list(recorded.results) == results
    assert all(r.state is LinkState.FAILING for r in results)
    assert [r.url for r in results] == [r.url for r in given]
    assert all(r.state is LinkState.UNKNOWN for r in given)
