"""A damaged, foreign or locked history database: a clear input error, never a crash.

A database whose header is intact but whose later pages are overwritten used
to be written into by ``archiver check`` and ``archiver run`` (exit 0) while
``archiver history --runs`` crashed (exit 5). Now opening an existing database
runs SQLite's ``PRAGMA quick_check``: a damaged file is refused (exit 3, the
file named, a hint to restore it or move it away) and left untouched. Whatever
SQLite or a row conversion raises while reading becomes the same clear error.
A database locked by another process past the busy timeout says so, and does
not advise moving the file away.
"""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from archiver.cli import cli
from archiver.errors import StoreError
from archiver.history import History
from archiver.models import LinkClass, LinkResult
from tests.support.localweb import LocalSite, Reply

T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
FLAGS = ["--allow-private", "--no-progress", "--per-host-interval", "0", "--backoff", "0.01",
         "--retries", "0", "--no-probe", "--fail-on", "never"]


def make_history(path: Path, runs: int = 5, urls: int = 200) -> None:
    """A real history database: ``runs`` check runs of ``urls`` links, checkpointed."""
    with History(path) as h:
        for r in range(runs):
            at = T0 + timedelta(days=3 * r)
            h.record_run(manifest_id="press", started_at=at, finished_at=at, results=[
                LinkResult(f"s{i}", f"https://news.example/{i}/story-{i}",
                           LinkClass.GONE if i % 3 else LinkClass.OK, http_status=404,
                           detail="not found " * 5, checked_at=at) for i in range(urls)])
    db = sqlite3.connect(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def damage(path: Path) -> None:
    """Overwrite the middle of a later page; the 100-byte header stays intact."""
    data = bytearray(path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    pages = len(data) // page_size
    assert pages > 10
    start = (pages * 2 // 3) * page_size
    data[start:start + page_size // 2] = b"\xa5" * (page_size // 2)
    path.write_bytes(bytes(data))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def manifest(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "press.toml"
    path.write_text(f"""[manifest]
id = "press"
title = "Press"

[[source]]
id = "story"
url = "{url}"
publisher = "Example"
title = "Story"
published = 2014-10-15
language = "en"
""", encoding="utf-8")
    return path


def assert_clear_error(result: Result, db: Path, *phrases: str) -> None:
    assert result.exit_code == 3, result.output
    assert "internal error" not in result.output
    assert str(db) in result.output
    for phrase in phrases:
        assert phrase in result.output, result.output


# -- damaged pages ------------------------------------------------------------------


def test_a_damaged_database_is_refused_by_check_run_and_history(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    make_history(db)
    damage(db)
    before = digest(db)
    with LocalSite(default=Reply(200, "<html><title>Story</title><p>text</p></html>")) as site:
        path = manifest(tmp_path, site.url("/2014/story"))
        check = CliRunner().invoke(cli, ["check", str(path), "--db", str(db), *FLAGS])
        run = CliRunner().invoke(cli, ["run", str(path), "--db", str(db),
                                       "--archive", site.url("/wayback"),
                                       "--warcs", str(tmp_path / "w"), *FLAGS])
        asked = len(site.requests)
    runs = CliRunner().invoke(cli, ["history", "--db", str(db), "--runs"])
    links = CliRunner().invoke(cli, ["history", "--db", str(db)])
    for result in (check, run, runs, links):
        assert_clear_error(result, db, "damaged", "backup", "move it away")
    assert digest(db) == before  # nothing was written into it
    assert asked == 0  # refused before any request


def test_a_healthy_database_still_opens_and_reads(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    make_history(db, runs=2, urls=20)
    result = CliRunner().invoke(cli, ["history", "--db", str(db), "--runs"])
    assert result.exit_code == 0, result.output


def test_the_library_raises_store_error_naming_the_file(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    make_history(db)
    damage(db)
    with pytest.raises(StoreError, match="damaged") as info:
        History(db, create=False)
    assert str(db) in str(info.value) and info.value.hint and "backup" in info.value.hint


# -- errors while reading -----------------------------------------------------------


def test_undecodable_text_in_a_row_is_a_clear_error(tmp_path: Path) -> None:
    """Text that is not UTF-8 passes quick_check; sqlite3 refuses it on reading."""
    db = tmp_path / "h.sqlite3"
    make_history(db, runs=1, urls=3)
    raw = sqlite3.connect(db)
    raw.execute("UPDATE runs SET manifest_id = CAST(X'ff00fe' AS TEXT)")
    raw.execute("UPDATE links SET last_class = CAST(X'ff00fe' AS TEXT)")
    raw.commit()
    raw.close()
    runs = CliRunner().invoke(cli, ["history", "--db", str(db), "--runs"])
    links = CliRunner().invoke(cli, ["history", "--db", str(db)])
    for result in (runs, links):
        assert_clear_error(result, db, "cannot be read")


def test_a_row_this_archiver_cannot_understand_is_a_clear_error(tmp_path: Path) -> None:
    """Written by another program or another version: an unknown class, a bad date."""
    db = tmp_path / "h.sqlite3"
    make_history(db, runs=1, urls=3)
    raw = sqlite3.connect(db)
    raw.execute("UPDATE checks SET class = 'vanished'")
    raw.execute("UPDATE links SET state = 'zombie'")
    raw.execute("UPDATE runs SET started_at = 'last tuesday'")
    raw.commit()
    raw.close()
    url = "https://news.example/1/story-1"
    for args in (["--runs"], [], [url]):
        result = CliRunner().invoke(cli, ["history", "--db", str(db), *args])
        assert_clear_error(result, db, "cannot be read")
    with pytest.raises(StoreError, match="cannot be read"), History(db) as h:
        h.record_run(manifest_id="press", started_at=T0, finished_at=T0,
                     results=[LinkResult("s1", url, LinkClass.OK, checked_at=T0)])


# -- locked -------------------------------------------------------------------------


def test_a_locked_database_says_another_process_holds_it(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    make_history(db, runs=1, urls=3)
    with History(db, timeout=0.3) as h:
        holder = sqlite3.connect(db, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another writer, mid-transaction
        try:
            assert h.run_count() == 1  # reading still works: WAL readers never wait
            with pytest.raises(StoreError) as write_info:
                h.record_run(manifest_id="press", started_at=T0, finished_at=T0,
                             results=[LinkResult("s1", "https://news.example/x",
                                                 LinkClass.OK, checked_at=T0)])
            with pytest.raises(StoreError) as open_info:
                History(db, timeout=0.3)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
    for err in (open_info.value, write_info.value):
        text = str(err)
        assert "locked" in text and str(db) in text
        assert "another archiver process" in text and "wait" in text
        assert "move this file away" not in text and "move it away" not in text
