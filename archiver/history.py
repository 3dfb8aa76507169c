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
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from archiver import __version__
from archiver.check import Clock, utc_now
from archiver.errors import ConfigError, StoreError
from archiver.models import Hop, LinkClass, LinkResult, LinkState, Manifest

#: IABot: "test it 2 more times waiting at least 3 days between each test" (Meta
#: FAQ_for_sysadmins), i.e. dead after 3 failing checks at least 3 days apart.
DEAD_AFTER_FAILURES = 3
MIN_FAILURE_INTERVAL = timedelta(days=3)
#: How long a run waits for another run's transaction on the same database.
BUSY_TIMEOUT = 60.0
#: Where the database lives, relative to the manifest's folder.
DEFAULT_DB_NAME = Path(".archiver") / "history.sqlite3"
SCHEMA_VERSION = 1

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
                 clock: Clock = utc_now, create: bool = True,
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
                self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.DatabaseError as err:
            self._db.close()
            raise StoreError(f"{self.path} is not a usable history database: {err}",
                             hint="pass --db with another path, or move this file away") from err
        except BaseException:
            self._db.close()
            raise

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
