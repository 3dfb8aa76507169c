"""Link history in SQLite: every check stored, a state per URL, IABot's dead rule.

State rule (after InternetArchiveBot, ``linkcheck.md`` §c): a URL is ``dead``
after :data:`DEAD_AFTER_FAILURES` consecutive *failing* checks, each at least
:data:`MIN_FAILURE_INTERVAL` after the previous counted one; any successful
check resets it to ``alive``. Both numbers are configurable
(:class:`HistoryPolicy`).

* Failing checks: ``gone``, ``soft404``, ``tls_error``
  (:attr:`archiver.models.LinkClass.is_failure`). A failure sooner than the
  interval after the last counted one is stored but does not count.
* Successful checks: ``ok``, ``redirected``.
* Neither: ``blocked``, ``paywalled``, ``transient``, ``invalid`` and
  ``inconclusive``. They are stored, and change nothing: a bot wall or a
  flaky network never kills a link, and never vouches for it either.
* In an inconclusive run (offline) checks are stored and no state changes.

Concurrent runs on one database are safe: WAL journal, a busy timeout, and one
``BEGIN IMMEDIATE`` transaction per run, so each run's read-modify-write of the
link states is atomic and runs are serialised, never interleaved.

The clock is injectable (``History(path, clock=...)``, and each result's
``checked_at``), so tests can simulate checks days apart without sleeping.

Whole runs (``archiver run``, schema 2): :meth:`History.record_pipeline_run`
stores a run's checks (advancing link states as above) together with each
source's link result, capture and quote results, in one transaction: a run
is recorded whole or not at all. :func:`diff_runs` compares a run with its
*baseline*, the latest earlier ``archiver run`` of the same manifest in which
every stage reached a verdict (:meth:`History.baseline_before`); inconclusive
runs are stored but never become a baseline. A database written by schema 1
is upgraded in place when opened (new columns with defaults, new tables).
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from archiver import __version__
from archiver.clock import NowFn, utc_now
from archiver.errors import ConfigError, StoreError
from archiver.models import (
    Capture,
    CaptureOutcome,
    CaptureResult,
    CaptureStatus,
    Change,
    ChangeKind,
    Hop,
    LinkClass,
    LinkResult,
    LinkState,
    Manifest,
    QuoteResult,
    QuoteStatus,
)

#: IABot: "test it 2 more times waiting at least 3 days between each test" (Meta
#: FAQ_for_sysadmins), i.e. dead after 3 failing checks at least 3 days apart.
DEAD_AFTER_FAILURES = 3
MIN_FAILURE_INTERVAL = timedelta(days=3)
#: How long a run waits for another run's transaction on the same database.
BUSY_TIMEOUT = 60.0
#: Where the database lives, relative to the manifest's folder.
DEFAULT_DB_NAME = Path(".archiver") / "history.sqlite3"
SCHEMA_VERSION = 2
#: ``runs.kind``: a run of ``archiver check`` or a whole ``archiver run``.
KIND_CHECK = "check"
KIND_PIPELINE = "run"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    manifest_id TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    inconclusive INTEGER NOT NULL DEFAULT 0,
    reason TEXT,
    tool_version TEXT
);
CREATE TABLE IF NOT EXISTS checks (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    url TEXT NOT NULL,
    source_id TEXT,
    checked_at TEXT NOT NULL,
    class TEXT NOT NULL,
    observed_class TEXT,
    http_status INTEGER,
    final_url TEXT,
    redirects TEXT NOT NULL DEFAULT '[]',
    error TEXT,
    detail TEXT,
    elapsed_ms INTEGER,
    body_size INTEGER,
    body_sha256 TEXT,
    attempts INTEGER NOT NULL DEFAULT 1,
    counted INTEGER NOT NULL DEFAULT 0,
    state_after TEXT NOT NULL,
    failing_after INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS checks_by_url ON checks(url, checked_at);
CREATE TABLE IF NOT EXISTS links (
    url TEXT PRIMARY KEY,
    source_id TEXT,
    state TEXT NOT NULL,
    failing_count INTEGER NOT NULL DEFAULT 0,
    first_failure_at TEXT,
    last_failure_at TEXT,
    last_success_at TEXT,
    last_checked_at TEXT,
    last_class TEXT,
    state_since TEXT,
    checks INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS transitions (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    at TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    failing_count INTEGER NOT NULL,
    check_id INTEGER REFERENCES checks(id),
    reason TEXT
);
CREATE INDEX IF NOT EXISTS transitions_by_url ON transitions(url, at);
CREATE TABLE IF NOT EXISTS run_links (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    position INTEGER NOT NULL,
    source_id TEXT NOT NULL,
    url TEXT NOT NULL,
    class TEXT NOT NULL,
    observed_class TEXT,
    state TEXT NOT NULL,
    previous_state TEXT,
    failing_count INTEGER NOT NULL DEFAULT 0,
    http_status INTEGER,
    final_url TEXT,
    error TEXT,
    detail TEXT,
    checked_at TEXT,
    PRIMARY KEY (run_id, source_id)
);
CREATE TABLE IF NOT EXISTS run_captures (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    position INTEGER NOT NULL,
    source_id TEXT NOT NULL,
    url TEXT NOT NULL,
    status TEXT NOT NULL,
    outcome TEXT,
    detail TEXT,
    rule TEXT,
    archive TEXT,
    memento_url TEXT,
    memento_datetime TEXT,
    http_status INTEGER,
    mime TEXT,
    warc_file TEXT,
    warc_offset INTEGER,
    record_id TEXT,
    payload_sha256 TEXT,
    distance_days REAL,
    pre_publication INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, source_id)
);
CREATE TABLE IF NOT EXISTS run_quotes (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    position INTEGER NOT NULL,
    source_id TEXT NOT NULL,
    quote_index INTEGER NOT NULL,
    text TEXT NOT NULL,
    status TEXT NOT NULL,
    score REAL,
    method TEXT,
    excerpt TEXT,
    difference TEXT,
    detail TEXT,
    probable_translation INTEGER NOT NULL DEFAULT 0,
    live_status TEXT,
    live_detail TEXT,
    memento_url TEXT,
    PRIMARY KEY (run_id, source_id, quote_index)
);
"""

#: Columns added to tables of schema 1 (``ALTER TABLE ... ADD COLUMN``): existing
#: rows get the default, so every run stored before is an ``archiver check`` run.
_ADDED_COLUMNS = (
    ("runs", "kind", f"TEXT NOT NULL DEFAULT '{KIND_CHECK}'"),
    ("runs", "baseline", "INTEGER NOT NULL DEFAULT 0"),
)
#: Created after the columns above exist.
_INDEXES = """
CREATE INDEX IF NOT EXISTS runs_by_manifest ON runs(manifest_id, kind, id);
"""


def default_db_path(manifest: Manifest) -> Path:
    """``.archiver/history.sqlite3`` in the manifest's folder (the working folder if none)."""
    folder = manifest.path.parent if manifest.path is not None else Path.cwd()
    return folder / DEFAULT_DB_NAME


# --------------------------------------------------------------------------
# The state machine (pure)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryPolicy:
    """When a failing link is declared dead."""

    dead_after: int = DEAD_AFTER_FAILURES
    min_interval: timedelta = MIN_FAILURE_INTERVAL

    def __post_init__(self) -> None:
        if self.dead_after < 1:
            raise ConfigError("the number of failing checks before 'dead' must be at least 1")
        if self.min_interval < timedelta(0):
            raise ConfigError("the interval between counted failures must not be negative")


@dataclass(frozen=True)
class LinkRecord:
    """What the history knows about one URL."""

    url: str
    state: LinkState = LinkState.UNKNOWN
    failing_count: int = 0
    first_failure_at: datetime | None = None
    last_failure_at: datetime | None = None  # the last *counted* failure
    last_success_at: datetime | None = None
    last_checked_at: datetime | None = None
    last_class: LinkClass | None = None
    state_since: datetime | None = None
    checks: int = 0
    source_id: str | None = None


@dataclass(frozen=True)
class Advance:
    """The outcome of one check for a URL's record."""

    record: LinkRecord
    counted: bool  # the check moved the failure count (or reset it)
    reason: str


def advance(record: LinkRecord, link_class: LinkClass, at: datetime,
            policy: HistoryPolicy = HistoryPolicy()) -> Advance:
    """Apply one check to a URL's record (IABot's rule; see the module docstring)."""
    seen = replace(record, last_checked_at=at, last_class=link_class, checks=record.checks + 1)
    if link_class.is_success:
        new = replace(seen, state=LinkState.ALIVE, failing_count=0, first_failure_at=None,
                      last_failure_at=None, last_success_at=at)
        reason = ("a successful check resets the failure count"
                  if record.failing_count or record.state is LinkState.DEAD
                  else "successful check")
        return Advance(_since(record, new, at), True, reason)
    if not link_class.is_failure:
        return Advance(seen, False, f"a {link_class} check neither fails nor vouches for a link")
    if record.state is LinkState.DEAD:
        return Advance(seen, False, "already dead")
    if record.failing_count == 0 or record.last_failure_at is None:
        count = 1
        first = at
    elif at - record.last_failure_at >= policy.min_interval:
        count = record.failing_count + 1
        first = record.first_failure_at or at
    else:
        waited = at - record.last_failure_at
        return Advance(seen, False,
                       f"failure {_days(waited)} after the last counted one: not counted "
                       f"(failures count at least {_days(policy.min_interval)} apart)")
    state = LinkState.DEAD if count >= policy.dead_after else LinkState.FAILING
    new = replace(seen, state=state, failing_count=count, first_failure_at=first,
                  last_failure_at=at)
    if state is LinkState.DEAD:
        reason = f"failing check {count} of {policy.dead_after}: dead"
    else:
        reason = f"failing check {count} of {policy.dead_after}"
    return Advance(_since(record, new, at), True, reason)


def _since(old: LinkRecord, new: LinkRecord, at: datetime) -> LinkRecord:
    return new if old.state is new.state else replace(new, state_since=at)


def _days(delta: timedelta) -> str:
    days = delta.total_seconds() / 86400
    if days >= 1:
        return f"{days:.1f} days"
    hours = delta.total_seconds() / 3600
    return f"{hours:.1f} hours"


# --------------------------------------------------------------------------
# Records read back
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckRecord:
    """One stored check."""

    id: int
    run_id: int
    url: str
    source_id: str | None
    checked_at: datetime
    link_class: LinkClass
    observed_class: LinkClass | None
    http_status: int | None
    final_url: str | None
    redirects: tuple[Hop, ...]
    error: str | None
    detail: str | None
    elapsed_ms: int | None
    body_size: int | None
    body_sha256: str | None
    attempts: int
    counted: bool
    state_after: LinkState
    failing_after: int
    run_inconclusive: bool = False


@dataclass(frozen=True)
class Transition:
    """A change of a URL's state."""

    url: str
    at: datetime
    from_state: LinkState
    to_state: LinkState
    failing_count: int
    check_id: int | None
    reason: str | None


@dataclass(frozen=True)
class RecordedRun:
    run_id: int
    results: tuple[LinkResult, ...]  # the input, with state, failing_count, previous_state


@dataclass(frozen=True)
class RunRecord:
    """One stored run and its results, as read back from the database.

    ``kind`` is :data:`KIND_CHECK` (``archiver check``: ``links`` holds one
    result per URL, no captures or quotes) or :data:`KIND_PIPELINE`
    (``archiver run``: one link result per source, captures and quotes).
    Results carry the fields the database keeps, not every field of a live run.
    """

    id: int
    manifest_id: str
    kind: str
    started_at: datetime
    finished_at: datetime
    inconclusive: bool  # the link checks were voided (offline): no link state advanced
    baseline: bool  # every stage reached a verdict: later runs compare with this one
    reason: str | None = None
    tool_version: str | None = None
    links: tuple[LinkResult, ...] = ()
    captures: tuple[CaptureResult, ...] = ()
    quotes: tuple[QuoteResult, ...] = ()


# --------------------------------------------------------------------------
# The database
# --------------------------------------------------------------------------


def _ts(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _dt(value: str | None) -> datetime | None:
    if value is None:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


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
        Timestamps for runs and for results without ``checked_at``.
    """

    def __init__(self, path: Path | str, *, policy: HistoryPolicy | None = None,
                 clock: NowFn = utc_now, create: bool = True,
                 timeout: float = BUSY_TIMEOUT) -> None:
        self.path = Path(path)
        self.policy = policy or HistoryPolicy()
        self.clock = clock
        if not create and not self.path.is_file():
            raise StoreError(f"no history database at {self.path}",
                             hint="run `archiver check MANIFEST` first, or pass --db with "
                             "the path of an existing database")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        except (OSError, sqlite3.Error) as err:
            raise StoreError(f"cannot open the history database {self.path}: {err}",
                             hint="check that the folder is writable, or pass --db") from err
        self._db.row_factory = sqlite3.Row
        try:
            self._db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            self._open_with_retry(timeout)
        except sqlite3.DatabaseError as err:
            self._db.close()
            raise StoreError(f"{self.path} is not a usable history database: {err}",
                             hint="pass --db with another path, or move this file away") from err
        except BaseException:
            self._db.close()
            raise

    def _open_with_retry(self, timeout: float) -> None:
        """Switch to WAL and create or upgrade the schema, retrying while locked.

        SQLite can answer SQLITE_BUSY at once, without calling the busy handler,
        when two connections open a new database together (one switching the
        journal mode to WAL while the other holds a read lock: a deadlock SQLite
        breaks by failing one side). Retrying the opening steps resolves it.
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
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self._db.execute(statement)
            self._migrate()
            for statement in _INDEXES.split(";"):
                if statement.strip():
                    self._db.execute(statement)
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _migrate(self) -> None:
        """Add the columns a schema-1 database lacks (inside the opening transaction)."""
        for table, column, decl in _ADDED_COLUMNS:
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
                   reason: str | None = None) -> RecordedRun:
        """Store a run's checks (one per URL) and advance each URL's state.

        In an inconclusive run the checks are stored and no state changes.
        Returns the results with ``state``, ``failing_count`` and
        ``previous_state`` filled in.
        """
        out: list[LinkResult] = []
        try:
            with self._transaction() as db:
                cur = db.execute(
                    "INSERT INTO runs (manifest_id, started_at, finished_at, inconclusive, "
                    "reason, tool_version) VALUES (?, ?, ?, ?, ?, ?)",
                    (manifest_id, _ts(started_at), _ts(finished_at), int(inconclusive), reason,
                     __version__))
                run_id = int(cur.lastrowid or 0)
                for result in results:
                    out.append(self._record_one(db, run_id, result, inconclusive))
        except sqlite3.Error as err:
            raise StoreError(f"cannot write to the history database {self.path}: {err}",
                             hint="check the disk and the file's permissions") from err
        return RecordedRun(run_id, tuple(out))

    def _record_one(self, db: sqlite3.Connection, run_id: int, result: LinkResult,
                    inconclusive: bool) -> LinkResult:
        at = result.checked_at or self.clock()
        row = db.execute("SELECT * FROM links WHERE url = ?", (result.url,)).fetchone()
        old = _link_record(row) if row is not None else LinkRecord(result.url)
        if inconclusive or result.link_class is LinkClass.INCONCLUSIVE:
            step = Advance(replace(old, last_checked_at=at, checks=old.checks + 1), False,
                           "inconclusive run: history not advanced")
        else:
            step = advance(old, result.link_class, at, self.policy)
        new = replace(step.record, source_id=old.source_id or result.source_id)
        cur = db.execute(
            "INSERT INTO checks (run_id, url, source_id, checked_at, class, observed_class, "
            "http_status, final_url, redirects, error, detail, elapsed_ms, body_size, "
            "body_sha256, attempts, counted, state_after, failing_after) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (run_id, result.url, result.source_id, _ts(at), str(result.link_class),
             str(result.observed_class) if result.observed_class else None,
             result.http_status, result.final_url,
             json.dumps([[h.url, h.status, h.location] for h in result.redirects]),
             result.error, result.detail, result.elapsed_ms, result.body_size,
             result.body_sha256, result.attempts, int(step.counted), str(new.state),
             new.failing_count))
        check_id = cur.lastrowid
        db.execute(
            "INSERT INTO links (url, source_id, state, failing_count, first_failure_at, "
            "last_failure_at, last_success_at, last_checked_at, last_class, state_since, checks) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET "
            "source_id = excluded.source_id, state = excluded.state, "
            "failing_count = excluded.failing_count, "
            "first_failure_at = excluded.first_failure_at, "
            "last_failure_at = excluded.last_failure_at, "
            "last_success_at = excluded.last_success_at, "
            "last_checked_at = excluded.last_checked_at, last_class = excluded.last_class, "
            "state_since = excluded.state_since, checks = excluded.checks",
            (new.url, new.source_id, str(new.state), new.failing_count,
             _opt_ts(new.first_failure_at), _opt_ts(new.last_failure_at),
             _opt_ts(new.last_success_at), _opt_ts(new.last_checked_at),
             str(new.last_class) if new.last_class else None, _opt_ts(new.state_since),
             new.checks))
        if new.state is not old.state:
            db.execute(
                "INSERT INTO transitions (url, at, from_state, to_state, failing_count, "
                "check_id, reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (result.url, _ts(at), str(old.state), str(new.state), new.failing_count,
                 check_id, step.reason))
        return replace(result, state=new.state, failing_count=new.failing_count,
                       previous_state=old.state, checked_at=at)

    def record_pipeline_run(self, *, manifest_id: str, started_at: datetime,
                            finished_at: datetime, links: Sequence[LinkResult],
                            captures: Sequence[CaptureResult] = (),
                            quotes: Sequence[QuoteResult] = (),
                            check_inconclusive: bool = False, inconclusive: bool = False,
                            reason: str | None = None) -> RecordedRun:
        """Store a whole ``archiver run`` in one transaction: recorded whole or not at all.

        ``links`` has one result per source (several sources may share a URL:
        the URL is checked and its state advanced once). When
        ``check_inconclusive`` the checks are stored and no link state changes.
        A run that is ``inconclusive`` in any stage is stored but never becomes
        the baseline later runs compare with.

        Returns the run id and ``links`` with ``state``, ``failing_count`` and
        ``previous_state`` filled in.
        """
        voided = check_inconclusive
        baseline = not (voided or inconclusive)
        out: list[LinkResult] = []
        try:
            with self._transaction() as db:
                cur = db.execute(
                    "INSERT INTO runs (manifest_id, started_at, finished_at, inconclusive, "
                    "reason, tool_version, kind, baseline) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (manifest_id, _ts(started_at), _ts(finished_at), int(voided), reason,
                     __version__, KIND_PIPELINE, int(baseline)))
                run_id = int(cur.lastrowid or 0)
                by_url: dict[str, LinkResult] = {}
                for result in links:
                    if result.url not in by_url:
                        by_url[result.url] = self._record_one(db, run_id, result, voided)
                for position, result in enumerate(links):
                    stored = by_url[result.url]
                    result = replace(result, state=stored.state,
                                     failing_count=stored.failing_count,
                                     previous_state=stored.previous_state,
                                     checked_at=stored.checked_at)
                    _insert_link(db, run_id, position, result)
                    out.append(result)
                for position, capture in enumerate(captures):
                    _insert_capture(db, run_id, position, capture)
                for position, quote in enumerate(quotes):
                    _insert_quote(db, run_id, position, quote)
        except sqlite3.Error as err:
            raise StoreError(f"cannot write to the history database {self.path}: {err}",
                             hint="check the disk and the file's permissions") from err
        return RecordedRun(run_id, tuple(out))

    # -- reading ---------------------------------------------------------------

    def link(self, url: str) -> LinkRecord | None:
        """What is known about ``url``, or None if it was never checked."""
        row = self._db.execute("SELECT * FROM links WHERE url = ?", (url,)).fetchone()
        return _link_record(row) if row is not None else None

    def links(self, urls: Iterable[str] | None = None) -> list[LinkRecord]:
        """Every URL's record (or those of ``urls`` that have one), by URL."""
        rows = self._db.execute("SELECT * FROM links ORDER BY url").fetchall()
        records = [_link_record(r) for r in rows]
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
        rows = self._db.execute(sql, params).fetchall()
        return [_check_record(r) for r in reversed(rows)]

    def transitions(self, url: str) -> list[Transition]:
        """The state changes of ``url``, oldest first."""
        rows = self._db.execute("SELECT * FROM transitions WHERE url = ? ORDER BY at, id",
                                (url,)).fetchall()
        return [Transition(r["url"], _req_dt(r["at"]), LinkState(r["from_state"]),
                           LinkState(r["to_state"]), r["failing_count"], r["check_id"],
                           r["reason"]) for r in rows]

    def run_count(self) -> int:
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
        rows = self._db.execute(sql, params).fetchall()
        return [self._run_record(r) for r in reversed(rows)]

    def run(self, run_id: int) -> RunRecord | None:
        """One stored run with its results, or None."""
        row = self._db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        return self._run_record(row) if row is not None else None

    def baseline_before(self, manifest_id: str, run_id: int | None = None) -> RunRecord | None:
        """The run a new run of ``manifest_id`` is compared with.

        The latest ``archiver run`` of that manifest before ``run_id`` (or the
        latest of all) in which every stage reached a verdict. ``archiver
        check`` runs and inconclusive runs are never baselines.
        """
        sql = "SELECT * FROM runs WHERE manifest_id = ? AND kind = ? AND baseline = 1"
        params: list[object] = [manifest_id, KIND_PIPELINE]
        if run_id is not None:
            sql += " AND id < ?"
            params.append(run_id)
        row = self._db.execute(sql + " ORDER BY id DESC LIMIT 1", params).fetchone()
        return self._run_record(row) if row is not None else None

    def changes(self, run_id: int) -> tuple[RunRecord | None, tuple[Change, ...]]:
        """What changed in run ``run_id`` since its baseline: (baseline, changes).

        No baseline (a first run), or a run that is not an ``archiver run``:
        ``(None, ())``.
        """
        record = self.run(run_id)
        if record is None or record.kind != KIND_PIPELINE:
            return None, ()
        before = self.baseline_before(record.manifest_id, run_id)
        if before is None:
            return None, ()
        return before, diff_runs(before, record)

    def _run_record(self, row: sqlite3.Row) -> RunRecord:
        run_id = int(row["id"])
        kind = str(row["kind"])
        if kind == KIND_PIPELINE:
            links = tuple(_link_result(r) for r in self._db.execute(
                "SELECT * FROM run_links WHERE run_id = ? ORDER BY position", (run_id,)))
        else:  # an ``archiver check`` run: one check per URL
            links = tuple(_link_result_from_check(r) for r in self._db.execute(
                "SELECT * FROM checks WHERE run_id = ? ORDER BY id", (run_id,)))
        captures = tuple(_capture_result(r) for r in self._db.execute(
            "SELECT * FROM run_captures WHERE run_id = ? ORDER BY position", (run_id,)))
        quotes = tuple(_quote_result(r) for r in self._db.execute(
            "SELECT * FROM run_quotes WHERE run_id = ? ORDER BY position", (run_id,)))
        return RunRecord(
            id=run_id, manifest_id=row["manifest_id"], kind=kind,
            started_at=_req_dt(row["started_at"]), finished_at=_req_dt(row["finished_at"]),
            inconclusive=bool(row["inconclusive"]), baseline=bool(row["baseline"]),
            reason=row["reason"], tool_version=row["tool_version"], links=links,
            captures=captures, quotes=quotes)

    def integrity_ok(self) -> bool:
        """SQLite's own integrity check of the file."""
        return bool(self._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok")


def _opt_ts(value: datetime | None) -> str | None:
    return _ts(value) if value is not None else None


def _req_dt(value: str) -> datetime:
    parsed = _dt(value)
    assert parsed is not None
    return parsed


def _link_record(row: sqlite3.Row) -> LinkRecord:
    return LinkRecord(
        url=row["url"], state=LinkState(row["state"]), failing_count=row["failing_count"],
        first_failure_at=_dt(row["first_failure_at"]),
        last_failure_at=_dt(row["last_failure_at"]),
        last_success_at=_dt(row["last_success_at"]),
        last_checked_at=_dt(row["last_checked_at"]),
        last_class=LinkClass(row["last_class"]) if row["last_class"] else None,
        state_since=_dt(row["state_since"]), checks=row["checks"], source_id=row["source_id"])


def _check_record(row: sqlite3.Row) -> CheckRecord:
    hops = tuple(Hop(u, s, loc) for u, s, loc in json.loads(row["redirects"] or "[]"))
    return CheckRecord(
        id=row["id"], run_id=row["run_id"], url=row["url"], source_id=row["source_id"],
        checked_at=_req_dt(row["checked_at"]), link_class=LinkClass(row["class"]),
        observed_class=LinkClass(row["observed_class"]) if row["observed_class"] else None,
        http_status=row["http_status"], final_url=row["final_url"], redirects=hops,
        error=row["error"], detail=row["detail"], elapsed_ms=row["elapsed_ms"],
        body_size=row["body_size"], body_sha256=row["body_sha256"], attempts=row["attempts"],
        counted=bool(row["counted"]), state_after=LinkState(row["state_after"]),
        failing_after=row["failing_after"], run_inconclusive=bool(row["run_inconclusive"]))


# --------------------------------------------------------------------------
# Whole runs: rows
# --------------------------------------------------------------------------


def _insert_link(db: sqlite3.Connection, run_id: int, position: int, r: LinkResult) -> None:
    db.execute(
        "INSERT INTO run_links (run_id, position, source_id, url, class, observed_class, state, "
        "previous_state, failing_count, http_status, final_url, error, detail, checked_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (run_id, position, r.source_id, r.url, str(r.link_class),
         str(r.observed_class) if r.observed_class else None, str(r.state),
         str(r.previous_state) if r.previous_state else None, r.failing_count, r.http_status,
         r.final_url, r.error, r.detail, _opt_ts(r.checked_at)))


def _insert_capture(db: sqlite3.Connection, run_id: int, position: int,
                    r: CaptureResult) -> None:
    c = r.capture
    db.execute(
        "INSERT INTO run_captures (run_id, position, source_id, url, status, outcome, detail, "
        "rule, archive, memento_url, memento_datetime, http_status, mime, warc_file, "
        "warc_offset, record_id, payload_sha256, distance_days, pre_publication) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (run_id, position, r.source_id, r.url, str(r.status),
         str(r.outcome) if r.outcome else None, r.detail, r.rule,
         c.archive if c else None, c.memento_url if c else None,
         _ts(c.memento_datetime) if c else None, c.http_status if c else None,
         c.mime if c else None, c.warc_file if c else None, c.warc_offset if c else None,
         c.record_id if c else None, c.payload_sha256 if c else None,
         c.distance_days if c else None, int(c.pre_publication) if c else 0))


def _insert_quote(db: sqlite3.Connection, run_id: int, position: int, r: QuoteResult) -> None:
    db.execute(
        "INSERT INTO run_quotes (run_id, position, source_id, quote_index, text, status, score, "
        "method, excerpt, difference, detail, probable_translation, live_status, live_detail, "
        "memento_url) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (run_id, position, r.source_id, r.quote_index, r.text, str(r.status), r.score,
         r.method, r.excerpt, r.difference, r.detail, int(r.probable_translation),
         r.live_status, r.live_detail, r.capture.memento_url if r.capture else None))


def _opt_class(value: str | None) -> LinkClass | None:
    return LinkClass(value) if value else None


def _link_result(row: sqlite3.Row) -> LinkResult:
    return LinkResult(
        source_id=row["source_id"], url=row["url"], link_class=LinkClass(row["class"]),
        http_status=row["http_status"], final_url=row["final_url"], error=row["error"],
        detail=row["detail"], checked_at=_dt(row["checked_at"]),
        state=LinkState(row["state"]), failing_count=row["failing_count"],
        observed_class=_opt_class(row["observed_class"]),
        previous_state=LinkState(row["previous_state"]) if row["previous_state"] else None)


def _link_result_from_check(row: sqlite3.Row) -> LinkResult:
    return LinkResult(
        source_id=row["source_id"] or "", url=row["url"], link_class=LinkClass(row["class"]),
        http_status=row["http_status"], final_url=row["final_url"], error=row["error"],
        detail=row["detail"], checked_at=_dt(row["checked_at"]),
        state=LinkState(row["state_after"]), failing_count=row["failing_after"],
        observed_class=_opt_class(row["observed_class"]))


def _capture_result(row: sqlite3.Row) -> CaptureResult:
    capture = None
    if row["memento_url"] is not None:
        capture = Capture(
            source_id=row["source_id"], url=row["url"], archive=row["archive"] or "",
            memento_url=row["memento_url"], memento_datetime=_req_dt(row["memento_datetime"]),
            http_status=row["http_status"] or 0, mime=row["mime"],
            warc_file=row["warc_file"] or "", warc_offset=row["warc_offset"] or 0,
            record_id=row["record_id"], payload_sha256=row["payload_sha256"],
            distance_days=row["distance_days"], pre_publication=bool(row["pre_publication"]))
    return CaptureResult(
        source_id=row["source_id"], url=row["url"], status=CaptureStatus(row["status"]),
        capture=capture, detail=row["detail"],
        outcome=CaptureOutcome(row["outcome"]) if row["outcome"] else None, rule=row["rule"])


def _quote_result(row: sqlite3.Row) -> QuoteResult:
    return QuoteResult(
        source_id=row["source_id"], quote_index=row["quote_index"], text=row["text"],
        status=QuoteStatus(row["status"]), score=row["score"] or 0.0, method=row["method"],
        excerpt=row["excerpt"], difference=row["difference"], detail=row["detail"],
        probable_translation=bool(row["probable_translation"]),
        live_status=row["live_status"], live_detail=row["live_detail"])


# --------------------------------------------------------------------------
# What changed between two runs (pure)
# --------------------------------------------------------------------------

#: Live statuses that mean the quote is not (as such) on the live page (verify.is_drift).
_DRIFT = frozenset({"gone", "altered"})


def diff_runs(before: RunRecord, after: RunRecord) -> tuple[Change, ...]:
    """What changed for each source of ``after`` since ``before``, in source order.

    Links (compared when the URL is the same and neither run voided its checks):
    ``link_died`` when the state became dead, ``link_failing`` when an alive or
    unknown link started failing, ``link_recovered`` when a failing or dead
    link is alive again, else ``link_class`` when the class differs (ok ->
    redirected, gone -> blocked ...). Captures: ``new_capture`` when the source
    has a capture that ``before`` did not use (a first one, or another memento).
    Quotes (matched by source and text): ``quote_lost`` when a verified quote
    no longer verifies, ``quote_regained`` the other way round,
    ``quote_live_gone`` when a quote seen on the live page in ``before`` is
    gone from it or changed there. A source new to the manifest has no
    link or quote changes.
    """
    links = {r.source_id: r for r in before.links}
    captures = {c.source_id: c for c in before.captures}
    quotes: dict[tuple[str, str], QuoteResult] = {}
    for q in before.quotes:
        quotes.setdefault((q.source_id, q.text), q)
    per_source: dict[str, list[Change]] = {}

    def add(change: Change | None) -> None:
        if change is not None:
            per_source.setdefault(change.source_id, []).append(change)

    order = list(dict.fromkeys([*(r.source_id for r in after.links),
                                *(c.source_id for c in after.captures),
                                *(q.source_id for q in after.quotes)]))
    for link in after.links:
        old = links.get(link.source_id)
        if old is not None:
            add(_link_change(old, link))
    for capture in after.captures:
        add(_capture_change(captures.get(capture.source_id), capture))
    for quote in after.quotes:
        old_quote = quotes.get((quote.source_id, quote.text))
        if old_quote is not None:
            for change in _quote_changes(old_quote, quote):
                add(change)
    return tuple(c for sid in order for c in per_source.get(sid, ()))


def _link_words(link: LinkResult) -> str:
    words = str(link.link_class)
    if link.http_status:
        words += f", HTTP {link.http_status}"
    return words


def _link_change(before: LinkResult, after: LinkResult) -> Change | None:
    if before.url != after.url:  # the manifest now lists another URL for the source
        return None
    if LinkClass.INCONCLUSIVE in (before.link_class, after.link_class):
        return None
    sid = after.source_id
    old, new = before.state, after.state
    if new is LinkState.DEAD and old is not LinkState.DEAD:
        return Change(ChangeKind.LINK_DIED, sid, f"the link is dead ({_link_words(after)})",
                      before=str(old), after=str(new))
    if new is LinkState.FAILING and old in (LinkState.ALIVE, LinkState.UNKNOWN):
        return Change(ChangeKind.LINK_FAILING, sid,
                      f"the link started failing ({_link_words(after)}; failing check "
                      f"{after.failing_count})", before=str(old), after=str(new))
    if new is LinkState.ALIVE and old in (LinkState.FAILING, LinkState.DEAD):
        return Change(ChangeKind.LINK_RECOVERED, sid,
                      f"the link answers again ({_link_words(after)}); it was {old}",
                      before=str(old), after=str(new))
    if after.link_class is not before.link_class:
        return Change(ChangeKind.LINK_CLASS, sid,
                      f"the link is {_link_words(after)} now; it was {_link_words(before)}",
                      before=str(before.link_class), after=str(after.link_class))
    return None


def _capture_change(before: CaptureResult | None, after: CaptureResult) -> Change | None:
    new = after.capture
    if new is None:
        return None
    old = before.capture if before is not None else None
    if old is not None and (old.memento_url, old.memento_datetime) == (
            new.memento_url, new.memento_datetime):
        return None
    detail = (f"new capture of {new.memento_datetime:%Y-%m-%d %H:%M} UTC stored "
              f"(from {new.archive})")
    if old is not None:
        detail += f"; the previous run used the capture of {old.memento_datetime:%Y-%m-%d %H:%M}"
    return Change(ChangeKind.NEW_CAPTURE, after.source_id, detail,
                  before=old.memento_url if old is not None else None, after=new.memento_url)


def _quote_changes(before: QuoteResult, after: QuoteResult) -> list[Change]:
    out = []
    sid, n = after.source_id, after.quote_index
    if before.status.is_found and not after.status.is_found:
        why = f": {after.detail}" if after.detail else ""
        out.append(Change(ChangeKind.QUOTE_LOST, sid,
                          f"quote {n} no longer verifies ({before.status} -> {after.status})"
                          f"{why}", quote_index=n, before=str(before.status),
                          after=str(after.status)))
    elif after.status.is_found and not before.status.is_found:
        out.append(Change(ChangeKind.QUOTE_REGAINED, sid,
                          f"quote {n} verifies again ({before.status} -> {after.status})",
                          quote_index=n, before=str(before.status), after=str(after.status)))
    if before.live_status == "present" and after.live_status in _DRIFT:
        if after.live_status == "altered":
            detail = f"quote {n} was changed on the live page"
        else:
            detail = f"quote {n} is gone from the live page"
        if after.live_detail:
            detail += f" ({after.live_detail})"
        out.append(Change(ChangeKind.QUOTE_LIVE_GONE, sid, detail, quote_index=n,
                          before=before.live_status, after=after.live_status))
    return out
