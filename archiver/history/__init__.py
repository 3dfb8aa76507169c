"""``history``: link history in SQLite (package root; re-exports only)."""

from archiver.history.database import (
    BUSY_TIMEOUT,
    DEAD_AFTER_FAILURES,
    DEFAULT_DB_NAME,
    KIND_CHECK,
    KIND_PIPELINE,
    MIN_FAILURE_INTERVAL,
    SCHEMA_VERSION,
    Advance,
    CheckRecord,
    History,
    HistoryPolicy,
    LinkRecord,
    RecordedRun,
    RunRecord,
    Transition,
    advance,
    default_db_path,
    diff_runs,
)

__all__ = [
    "BUSY_TIMEOUT", "DEAD_AFTER_FAILURES", "DEFAULT_DB_NAME", "KIND_CHECK", "KIND_PIPELINE",
    "MIN_FAILURE_INTERVAL", "SCHEMA_VERSION", "Advance", "CheckRecord", "History",
    "HistoryPolicy", "LinkRecord", "RecordedRun", "RunRecord", "Transition", "advance",
    "default_db_path", "diff_runs",
]
