"""The history database: one SQLite file, every check stored, a state per URL.

:class:`History` owns the connection. It records ``archiver check`` runs
(:meth:`History.record_run`) and whole ``archiver run`` runs
(:meth:`History.record_pipeline_run`: checks, link results, captures and
quotes in one transaction, so a run is recorded whole or not at all),
advancing each URL's state by :func:`archiver.history.state.advance`, and
reads back links, checks, state changes and runs. In an inconclusive run
(offline) checks are stored and no state changes. The tables are in
:mod:`archiver.history.schema`, the row conversions in
:mod:`archiver.history.rows`.

Concurrent runs on one database are safe: WAL journal, a busy timeout, and one
``BEGIN IMMEDIATE`` transaction per run, so each run's read-modify-write of the
link states is atomic and runs are serialised, never interleaved. Opening
retries while another process holds the new file's lock (see
:meth:`History._open_with_retry`).

A file that already exists may come from a crash, a bad copy or another
program: opening it runs SQLite's ``PRAGMA quick_check`` first (every page of
every b-tree read once: measured about 10 ms for a 3 MB file of 10,000 checks,
0.2 s for 33 MB and 100,000), and a damaged file is refused before anything is
written into it.
Whatever SQLite raises while reading (text that is not UTF-8, a page damaged
since) and whatever row this archiver cannot understand (a value written by
another program or version) becomes a :class:`~archiver.errors.StoreError`
naming the file, never a crash.

The clock is injectable (``History(path, clock=...)``, a
:class:`~archiver.clock.Clock`, and each result's ``checked_at``), so tests can
simulate checks days apart without sleeping.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import TypeVar

from archiver._version import __version__
from archiver.clock import SYSTEM_CLOCK, Clock
from archiver.errors import StoreError
from archiver.history.diff import diff_sorted
from archiver.history.kinds import KIND_PIPELINE
from archiver.history.preserve import (
    FixityEvent,
    SaveRecord,
    fixity_event,
    insert_fixity,
    insert_save,
    save_record,
)
from archiver.history.records import CheckRecord, RecordedRun, RunRecord, Transition
from archiver.history.rows import (
    INSERT_CHECK,
    INSERT_TRANSITION,
    UPSERT_LINK,
    capture_result,
    check_record,
    check_row,
    insert_capture,
    insert_link,
    insert_quote,
    link_record,
    link_result,
    link_result_from_check,
    link_row,
    quote_result,
    req_dt,
    transition,
    transition_row,
    ts,
)
from archiver.history.schema import ADDED_COLUMNS, INDEXES, SCHEMA, SCHEMA_VERSION
from archiver.history.state import Advance, HistoryPolicy, LinkRecord, advance
from archiver.models import (
    CaptureResult,
    Change,
    FixityResult,
    LinkClass,
    LinkResult,
    QuoteResult,
    SaveResult,
)

#: How long a run waits for another run's transaction on the same database.
BUSY_TIMEOUT = 60.0

#: Checks recorded per ``executemany`` (and URLs per ``IN (...)`` look-up: SQLite
#: allows 32,766 parameters since 3.32, https://www.sqlite.org/limits.html#max_variable_number).
RECORD_BATCH = 500

#: What a row conversion (:mod:`archiver.history.rows`) raises on a value it
#: cannot understand: an unknown class or state, a date that does not parse, a
#: missing column.
_ROW_ERRORS = (ValueError, TypeError, KeyError, IndexError)


def _is_locked(err: sqlite3.Error) -> bool:
    """SQLITE_BUSY or SQLITE_LOCKED: another connection holds the lock."""
    text = str(err).lower()
    return isinstance(err, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


def _damaged(err: sqlite3.Error) -> bool:
    """SQLITE_CORRUPT: an SQLite file whose pages are not sound (not SQLITE_NOTADB:
    a file that is no database at all is refused as such)."""
    text = str(err).lower()
    return "malformed" in text or "corrupt" in text


_T = TypeVar("_T")


class History:
    """The history database. Open with ``with History(path) as h:``.

    Parameters
    ----------
    path:
        The SQLite file; its folder is created if needed (unless ``create`` is
        False, then a missing file is an error).
    policy:
        When a failing link becomes dead.
    clock:
        The time of results without ``checked_at`` (``clock.now()``).
    """

    def __init__(self, path: Path | str, *, policy: HistoryPolicy | None = None,
                 clock: Clock = SYSTEM_CLOCK, create: bool = True,
                 timeout: float = BUSY_TIMEOUT) -> None:
        self.path = Path(path)
        self.policy = policy or HistoryPolicy()
        self.clock = clock
        self.timeout = timeout
        if not create and not self.path.is_file():
            raise StoreError(f"no history database at {self.path}",
                             hint="run `archiver check MANIFEST` first, or pass --db with "
                             "the path of an existing database")
        existed = self.path.exists()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        except (OSError, sqlite3.Error) as err:
            raise StoreError(f"cannot open the history database {self.path}: {err}",
                             hint="check that the folder is writable, or pass --db") from err
        self._db.row_factory = sqlite3.Row
        try:
            self._db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            if existed:
                self._quick_check()
            self._open_with_retry(timeout)
        except sqlite3.Error as err:
            self._db.close()
            if _is_locked(err) or _damaged(err):
                raise self._error(err, "open") from err
            raise StoreError(f"{self.path} is not a usable history database: {err}",
                             hint="pass --db with another path, or move this file away") from err
        except BaseException:
            self._db.close()
            raise

    def _quick_check(self) -> None:
        """Refuse a damaged file before writing into it (SQLite's ``PRAGMA quick_check``).

        quick_check reads every page of every table and index once and checks
        their structure, without integrity_check's cross-check of each index
        against its table (https://www.sqlite.org/pragma.html#pragma_quick_check).
        """
        rows = self._db.execute("PRAGMA quick_check(5)").fetchall()
        problems = [str(r[0]) for r in rows]
        if problems != ["ok"]:
            raise sqlite3.DatabaseError(
                "database disk image is malformed (quick_check: "
                + "; ".join(p[:200] for p in problems) + ")")

    def _error(self, err: BaseException, doing: str) -> StoreError:
        """The StoreError for ``err``, raised while ``doing`` ("open", "read", "write to")."""
        if isinstance(err, sqlite3.Error) and _is_locked(err):
            return StoreError(
                f"the history database {self.path} is locked: another connection held it "
                f"for more than {self.timeout:g} s ({err})",
                hint="another archiver process (or another program, such as a database "
                "browser) is using this database; wait for it to finish, or stop it, then "
                "run again")
        if isinstance(err, sqlite3.Error) and _damaged(err):
            return StoreError(
                f"the history database {self.path} is damaged: {err}",
                hint="restore the file from a backup, or move it away to start a new "
                "history (or pass --db with another path)")
        if isinstance(err, sqlite3.Error) and doing == "write to":
            return StoreError(f"cannot write to the history database {self.path}: {err}",
                              hint="check the disk and the file's permissions")
        return StoreError(
            f"the history database {self.path} cannot be read: {type(err).__name__}: {err}",
            hint="was it written by another program, or by a newer or modified archiver? "
            "restore the file from a backup, or move it away to start a new history "
            "(or pass --db with another path)")

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """Turn what SQLite or a row conversion raises while reading into a StoreError."""
        try:
            yield
        except sqlite3.Error as err:
            raise self._error(err, "read") from err
        except _ROW_ERRORS as err:
            raise self._error(err, "read") from err

    def _open_with_retry(self, timeout: float) -> None:
        """Switch to WAL and create or upgrade the schema, retrying while locked.

        SQLite can answer SQLITE_BUSY at once, without calling the busy handler,
        when two connections open a new database together (one switching the
        journal mode to WAL while the other holds a read lock: a deadlock SQLite
        breaks by failing one side). Retrying the opening steps resolves it.

        The waits are real (:func:`time.sleep`), not on ``self.clock``: they wait
        for another process to release the file, which a fake clock cannot hasten.
        """
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._open_once()
                return
            except sqlite3.OperationalError as err:
                if "locked" not in str(err) and "busy" not in str(err):
                    raise
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.02 + random.random() * 0.05)

    def _open_once(self) -> None:
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")
        self._db.execute("PRAGMA foreign_keys = ON")
        with self._transaction():
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path} was written by a newer archiver (schema {version}, "
                    f"this one knows {SCHEMA_VERSION})", hint="upgrade archiver")
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    self._db.execute(statement)
            self._migrate()
            for statement in INDEXES.split(";"):
                if statement.strip():
                    self._db.execute(statement)
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _migrate(self) -> None:
        """Add the columns a schema-1 database lacks (inside the opening transaction)."""
        for table, column, decl in ADDED_COLUMNS:
            have = {r["name"] for r in self._db.execute(f"PRAGMA table_info({table})")}
            if column not in have:
                self._db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {decl}")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken up front so concurrent runs serialise."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- writing ---------------------------------------------------------------

    def record_run(self, *, manifest_id: str, started_at: datetime, finished_at: datetime,
                   results: Sequence[LinkResult], inconclusive: bool = False,
                   reason: str | None = None, in_place: bool = False) -> RecordedRun:
        """Store a run's checks (one per URL) and advance each URL's state.

        In an inconclusive run the checks are stored and no state changes.
        Returns the results with ``state``, ``failing_count`` and
        ``previous_state`` filled in. With ``in_place`` (``results`` must be a
        list) each item of ``results`` is replaced by its recorded result as it
        is stored, so a large run never holds two copies of every result (if
        the transaction fails, some items are already replaced: the list is
        then only good for discarding).
        """
        into: list[LinkResult] | None = None
        if in_place:
            if not isinstance(results, list):
                raise TypeError("record_run(in_place=True) needs a list of results")
            into = results
        out: Sequence[LinkResult] = []
        try:
            with self._transaction() as db:
                run_id = _insert_check_run(db, manifest_id, started_at, finished_at,
                                           inconclusive, reason)
                out = self._record_many(db, run_id, results, inconclusive,
                                        into=into)
        except sqlite3.Error as err:
            raise self._error(err, "write to") from err
        return RecordedRun(run_id, tuple(out))

    def record_run_streamed(self, *, manifest_id: str, started_at: datetime,
                            finished_at: datetime, results: Iterable[LinkResult],
                            inconclusive: bool = False, reason: str | None = None,
                            on_recorded: Callable[[LinkResult], None]) -> int:
        """:meth:`record_run` for results that come one at a time; return the run's id.

        Each recorded result (``state``, ``failing_count`` and ``previous_state``
        filled in) is handed to ``on_recorded`` once its batch is written, inside
        the run's one transaction: nothing is kept, so a run of any size is
        recorded in bounded memory. If ``on_recorded`` or ``results`` raises, the
        transaction is rolled back and nothing of the run is stored.
        """
        try:
            with self._transaction() as db:
                run_id = _insert_check_run(db, manifest_id, started_at, finished_at,
                                           inconclusive, reason)
                self._record_batches(db, run_id, results, inconclusive,
                                     lambda _, recorded: on_recorded(recorded))
        except sqlite3.Error as err:
            raise self._error(err, "write to") from err
        return run_id

    def _record_many(self, db: sqlite3.Connection, run_id: int,
                     results: Sequence[LinkResult], inconclusive: bool,
                     into: list[LinkResult] | None = None) -> list[LinkResult]:
        """Store one check per result and advance its URL's state (:meth:`_record_batches`).

        With ``into`` (``results`` itself), each recorded result replaces its item
        there, and ``into`` is returned.
        """
        out: list[LinkResult] = into if into is not None else []

        def keep(index: int, recorded: LinkResult) -> None:
            if into is not None:
                into[index] = recorded
            else:
                out.append(recorded)

        self._record_batches(db, run_id, results, inconclusive, keep)
        return out

    def _record_batches(self, db: sqlite3.Connection, run_id: int,
                        results: Iterable[LinkResult], inconclusive: bool,
                        keep: Callable[[int, LinkResult], None]) -> None:
        """Store one check per result and advance its URL's state, :data:`RECORD_BATCH` at a time.

        Each batch reads the URLs' records with one query and writes its checks,
        link records and transitions with one ``executemany`` each (the caller's
        transaction is held, so the check ids are given here: the next after the
        largest). A URL met twice sees the record its first check left. Each
        recorded result goes to ``keep(index, recorded)`` once its batch is written.
        """
        next_id = int(db.execute("SELECT COALESCE(MAX(id), 0) FROM checks").fetchone()[0]) + 1
        pending = iter(results)
        index = 0
        while batch := list(islice(pending, RECORD_BATCH)):
            urls = list(dict.fromkeys(r.url for r in batch))
            marks = ", ".join("?" * len(urls))
            try:
                current = {row["url"]: link_record(row) for row in db.execute(
                    f"SELECT * FROM links WHERE url IN ({marks})", urls)}
            except _ROW_ERRORS as err:
                raise self._error(err, "read") from err
            checks, links, moves, recorded = [], {}, [], []
            for result in batch:
                at = result.checked_at or self.clock.now()
                old = current.get(result.url) or LinkRecord(result.url)
                step = self._step(old, result, at, inconclusive)
                new = replace(step.record, source_id=old.source_id or result.source_id)
                checks.append(check_row(next_id, run_id, result, at, step.counted, new))
                links[result.url] = link_row(new)
                if new.state is not old.state:
                    moves.append(transition_row(result.url, at, old.state, new, next_id,
                                                step.reason))
                current[result.url] = new
                recorded.append(replace(result, state=new.state,
                                        failing_count=new.failing_count,
                                        previous_state=old.state, checked_at=at))
                next_id += 1
            del batch
            db.executemany(INSERT_CHECK, checks)
            db.executemany(UPSERT_LINK, links.values())
            db.executemany(INSERT_TRANSITION, moves)
            for one in recorded:
                keep(index, one)
                index += 1

    def _step(self, old: LinkRecord, result: LinkResult, at: datetime,
              inconclusive: bool) -> Advance:
        if inconclusive or result.link_class is LinkClass.INCONCLUSIVE:
            return Advance(replace(old, last_checked_at=at, checks=old.checks + 1), False,
                           "inconclusive run: history not advanced")
        return advance(old, result.link_class, at, self.policy)

    def record_pipeline_run(self, *, manifest_id: str, started_at: datetime,
                            finished_at: datetime, links: Sequence[LinkResult],
                            captures: Sequence[CaptureResult] = (),
                            quotes: Sequence[QuoteResult] = (),
                            check_inconclusive: bool = False, inconclusive: bool = False,
                            reason: str | None = None, partial: bool = False) -> RecordedRun:
        """Store a whole ``archiver run`` in one transaction: recorded whole or not at all.

        ``links`` has one result per source (several sources may share a URL:
        the URL is checked and its state advanced once). When
        ``check_inconclusive`` the checks are stored and no link state changes.
        A run that is ``inconclusive`` in any stage, or ``partial`` (only some
        sources of the manifest, ``--source``), is stored but never becomes the
        baseline later runs compare with.

        Returns the run id and ``links`` with ``state``, ``failing_count`` and
        ``previous_state`` filled in.
        """
        voided = check_inconclusive
        baseline = not (voided or inconclusive or partial)
        out: list[LinkResult] = []
        try:
            with self._transaction() as db:
                cur = db.execute(
                    "INSERT INTO runs (manifest_id, started_at, finished_at, inconclusive, "
                    "reason, tool_version, kind, baseline) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (manifest_id, ts(started_at), ts(finished_at), int(voided), reason,
                     __version__, KIND_PIPELINE, int(baseline)))
                run_id = int(cur.lastrowid or 0)
                first: dict[str, LinkResult] = {}
                for result in links:
                    # an ignored link was not requested: listed in the run, no check stored
                    if result.url not in first and result.link_class is not LinkClass.IGNORED:
                        first[result.url] = result
                by_url = {r.url: r for r in self._record_many(db, run_id, list(first.values()),
                                                              voided)}
                del first
                for position, result in enumerate(links):
                    stored = by_url.get(result.url)
                    if stored is not None and result.link_class is not LinkClass.IGNORED:
                        result = replace(result, state=stored.state,
                                         failing_count=stored.failing_count,
                                         previous_state=stored.previous_state,
                                         checked_at=stored.checked_at)
                    insert_link(db, run_id, position, result)
                    out.append(result)
                for position, capture in enumerate(captures):
                    insert_capture(db, run_id, position, capture)
                for position, quote in enumerate(quotes):
                    insert_quote(db, run_id, position, quote)
        except sqlite3.Error as err:
            raise self._error(err, "write to") from err
        return RecordedRun(run_id, tuple(out))

    # -- reading ---------------------------------------------------------------

    def link(self, url: str) -> LinkRecord | None:
        """What is known about ``url``, or None if it was never checked."""
        with self._reading():
            row = self._db.execute("SELECT * FROM links WHERE url = ?", (url,)).fetchone()
            return link_record(row) if row is not None else None

    def links(self, urls: Iterable[str] | None = None) -> list[LinkRecord]:
        """Every URL's record (or those of ``urls`` that have one), by URL."""
        with self._reading():
            rows = self._db.execute("SELECT * FROM links ORDER BY url").fetchall()
            records = [link_record(r) for r in rows]
        if urls is None:
            return records
        wanted = set(urls)
        return [r for r in records if r.url in wanted]

    def states(self, urls: Iterable[str]) -> dict[str, LinkRecord]:
        """The records of ``urls`` that have one, keyed by URL."""
        return {r.url: r for r in self.links(urls)}

    def checks(self, url: str, limit: int | None = None) -> list[CheckRecord]:
        """The checks of ``url``, oldest first (the last ``limit`` if given)."""
        sql = ("SELECT checks.*, runs.inconclusive AS run_inconclusive FROM checks "
               "JOIN runs ON runs.id = checks.run_id WHERE url = ? "
               "ORDER BY checked_at DESC, checks.id DESC")
        params: tuple[object, ...] = (url,)
        if limit is not None:
            sql += " LIMIT ?"
            params = (url, limit)
        with self._reading():
            rows = self._db.execute(sql, params).fetchall()
            return [check_record(r) for r in reversed(rows)]

    def transitions(self, url: str) -> list[Transition]:
        """The state changes of ``url``, oldest first."""
        with self._reading():
            rows = self._db.execute("SELECT * FROM transitions WHERE url = ? ORDER BY at, id",
                                    (url,)).fetchall()
            return [transition(r) for r in rows]

    def run_count(self) -> int:
        with self._reading():
            return int(self._db.execute("SELECT count(*) FROM runs").fetchone()[0])

    # -- whole runs ------------------------------------------------------------

    def runs(self, manifest_id: str | None = None, *, kind: str | None = None,
             limit: int | None = None) -> list[RunRecord]:
        """Stored runs with their results, oldest first (the last ``limit`` if given)."""
        where, params = [], []
        if manifest_id is not None:
            where.append("manifest_id = ?")
            params.append(manifest_id)
        if kind is not None:
            where.append("kind = ?")
            params.append(kind)
        sql = "SELECT * FROM runs" + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self._reading():
            rows = self._db.execute(sql, params).fetchall()
            return [self._run_record(r) for r in reversed(rows)]

    def run(self, run_id: int) -> RunRecord | None:
        """One stored run with its results, or None."""
        with self._reading():
            row = self._db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
            return self._run_record(row) if row is not None else None

    def baseline_before(self, manifest_id: str, run_id: int | None = None) -> RunRecord | None:
        """The run a new run of ``manifest_id`` is compared with.

        The latest ``archiver run`` of that manifest before ``run_id`` (or the
        latest of all) in which every stage reached a verdict. ``archiver
        check`` runs and inconclusive runs are never baselines.
        """
        with self._reading():
            row = self._baseline_row(manifest_id, run_id)
            return self._run_record(row) if row is not None else None

    def _baseline_row(self, manifest_id: str, run_id: int | None) -> sqlite3.Row | None:
        sql = "SELECT * FROM runs WHERE manifest_id = ? AND kind = ? AND baseline = 1"
        params: list[object] = [manifest_id, KIND_PIPELINE]
        if run_id is not None:
            sql += " AND id < ?"
            params.append(run_id)
        row: sqlite3.Row | None = self._db.execute(sql + " ORDER BY id DESC LIMIT 1",
                                                   params).fetchone()
        return row

    def changes(self, run_id: int) -> tuple[RunRecord | None, tuple[Change, ...]]:
        """What changed in run ``run_id`` since its baseline: (baseline, changes).

        No baseline (a first run), or a run that is not an ``archiver run``:
        ``(None, ())``. The baseline is given without its results (its id, times
        and flags; :meth:`run` reads them): neither run's results are held, they
        are compared source by source as they are read (:func:`diff_sorted`).
        """
        with self._reading():
            row = self._db.execute("SELECT kind, manifest_id FROM runs WHERE id = ?",
                                   (run_id,)).fetchone()
            if row is None or row["kind"] != KIND_PIPELINE:
                return None, ()
            base = self._baseline_row(row["manifest_id"], run_id)
            if base is None:
                return None, ()
            before_id = int(base["id"])

            def by_source(table: str, convert: Callable[[sqlite3.Row], _T],
                          run: int) -> Iterator[_T]:
                # read through the primary key's index (run_id, source_id, ...)
                for r in self._db.execute(f"SELECT * FROM {table} WHERE run_id = ? "
                                          "ORDER BY source_id, position", (run,)):
                    yield convert(r)

            def pair(table: str, convert: Callable[[sqlite3.Row], _T],
                     ) -> tuple[Iterator[_T], Iterator[_T]]:
                return by_source(table, convert, before_id), by_source(table, convert, run_id)

            def later_order() -> Iterator[str]:
                for table in ("run_links", "run_captures", "run_quotes"):
                    for r in self._db.execute(f"SELECT source_id FROM {table} "
                                              "WHERE run_id = ? ORDER BY position", (run_id,)):
                        yield str(r[0])

            changes = diff_sorted(pair("run_links", link_result),
                                  pair("run_captures", capture_result),
                                  pair("run_quotes", quote_result), later_order)
            return self._run_head(base), changes

    def _run_head(self, row: sqlite3.Row) -> RunRecord:
        """A stored run without its results."""
        return RunRecord(
            id=int(row["id"]), manifest_id=row["manifest_id"], kind=str(row["kind"]),
            started_at=req_dt(row["started_at"]), finished_at=req_dt(row["finished_at"]),
            inconclusive=bool(row["inconclusive"]), baseline=bool(row["baseline"]),
            reason=row["reason"], tool_version=row["tool_version"])

    def _run_record(self, row: sqlite3.Row) -> RunRecord:
        head = self._run_head(row)

        def rows(table: str) -> Iterator[sqlite3.Row]:
            yield from self._db.execute(
                f"SELECT * FROM {table} WHERE run_id = ? ORDER BY position", (head.id,))

        if head.kind == KIND_PIPELINE:
            links = tuple(link_result(r) for r in rows("run_links"))
        else:  # an ``archiver check`` run: one check per URL
            links = tuple(link_result_from_check(r) for r in self._db.execute(
                "SELECT * FROM checks WHERE run_id = ? ORDER BY id", (head.id,)))
        return replace(head, links=links,
                       captures=tuple(capture_result(r) for r in rows("run_captures")),
                       quotes=tuple(quote_result(r) for r in rows("run_quotes")))

    def integrity_ok(self) -> bool:
        """SQLite's own integrity check of the file (False if it is damaged)."""
        try:
            return bool(self._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok")
        except sqlite3.Error as err:
            if _damaged(err):
                return False
            raise self._error(err, "read") from err

    # -- preservation (schema 3): Save Page Now jobs, fixity events ------------------------

    def record_saves(self, manifest_id: str, api: str,
                     results: Sequence[SaveResult]) -> list[int]:
        """Store one row per Save Page Now result, in one transaction; return their ids."""
        try:
            with self._transaction() as db:
                return [insert_save(db, manifest_id, api, r, __version__) for r in results]
        except sqlite3.Error as err:
            raise self._error(err, "write to") from err

    def saves(self, url: str | None = None, manifest_id: str | None = None,
              limit: int | None = None) -> list[SaveRecord]:
        """Stored Save Page Now jobs, newest first (of ``url``, of ``manifest_id``)."""
        rows = self._newest("saves", {"url": url, "manifest_id": manifest_id}, limit)
        return [save_record(r) for r in rows]

    def record_fixity(self, warcs_dir: str, manifest_id: str | None,
                      results: Sequence[FixityResult]) -> list[int]:
        """Store one fixity event per checked file, in one transaction; return their ids."""
        try:
            with self._transaction() as db:
                return [insert_fixity(db, warcs_dir, manifest_id, r) for r in results]
        except sqlite3.Error as err:
            raise self._error(err, "write to") from err

    def fixity_events(self, warcs_dir: str | None = None, file: str | None = None,
                      limit: int | None = None) -> list[FixityEvent]:
        """Stored fixity events, newest first (of a WARC folder, of one file in it)."""
        rows = self._newest("fixity_events", {"warcs_dir": warcs_dir, "file": file}, limit)
        return [fixity_event(r) for r in rows]

    def _newest(self, table: str, filters: dict[str, str | None],
                limit: int | None) -> list[sqlite3.Row]:
        """Rows of ``table`` matching the ``filters`` given, newest first, at most ``limit``."""
        where, args = _where(filters)
        sql = f"SELECT * FROM {table}{where} ORDER BY id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self._reading():
            return self._db.execute(sql, args).fetchall()

    def last_good_fixity(self, warcs_dir: str) -> dict[str, FixityEvent]:
        """Per file of ``warcs_dir``, its last fixity event with outcome ``ok``."""
        with self._reading():
            rows = self._db.execute(
                "SELECT * FROM fixity_events WHERE warcs_dir = ? AND outcome = 'ok' "
                "ORDER BY id", (warcs_dir,)).fetchall()
            return {e.result.file: e for e in (fixity_event(r) for r in rows)}


def _where(filters: dict[str, str | None]) -> tuple[str, tuple[str, ...]]:
    """A WHERE clause (column names are ours, values bound) for the filters given."""
    given = {k: v for k, v in filters.items() if v is not None}
    if not given:
        return "", ()
    return " WHERE " + " AND ".join(f"{k} = ?" for k in given), tuple(given.values())


def _insert_check_run(db: sqlite3.Connection, manifest_id: str, started_at: datetime,
                      finished_at: datetime, inconclusive: bool, reason: str | None) -> int:
    """Insert a ``check`` run's row; return its id."""
    cur = db.execute(
        "INSERT INTO runs (manifest_id, started_at, finished_at, inconclusive, reason, "
        "tool_version) VALUES (?, ?, ?, ?, ?, ?)",
        (manifest_id, ts(started_at), ts(finished_at), int(inconclusive), reason, __version__))
    return int(cur.lastrowid or 0)
