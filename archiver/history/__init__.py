"""``history``: link history in SQLite: every check stored, a state per URL, what changed.

Public API::

    from archiver.history import History, default_db_path

    with History(default_db_path(manifest)) as history:
        recorded = history.record_run(manifest_id=..., started_at=..., finished_at=...,
                                      results=link_results)   # states advanced
        history.link(url)                                   # LinkRecord: state, failures
        baseline, changes = history.changes(run_id)         # since the last full run

Modules: :mod:`.state` (IABot's dead rule, pure), :mod:`.schema` (tables,
upgrades, the file's place), :mod:`.records` (what is read back),
:mod:`.rows` (results to and from rows), :mod:`.database` (:class:`History`),
:mod:`.diff` (what changed between two runs, pure), :mod:`.kinds` (the bare
strings stored and compared).
"""

from typing import TYPE_CHECKING

from archiver._lazy import lazy_exports

if TYPE_CHECKING:
    from archiver.history.database import BUSY_TIMEOUT, History
    from archiver.history.diff import diff_runs
    from archiver.history.kinds import KIND_CHECK, KIND_PIPELINE
    from archiver.history.preserve import FixityEvent, SaveRecord
    from archiver.history.records import CheckRecord, RecordedRun, RunRecord, Transition
    from archiver.history.schema import DEFAULT_DB_NAME, SCHEMA_VERSION, default_db_path
    from archiver.history.state import (
        DEAD_AFTER_FAILURES,
        MIN_FAILURE_INTERVAL,
        Advance,
        HistoryPolicy,
        LinkRecord,
        advance,
    )

__all__ = [
    "BUSY_TIMEOUT", "DEAD_AFTER_FAILURES", "DEFAULT_DB_NAME", "KIND_CHECK", "KIND_PIPELINE",
    "MIN_FAILURE_INTERVAL", "SCHEMA_VERSION", "Advance", "CheckRecord", "FixityEvent", "History",
    "HistoryPolicy", "LinkRecord", "RecordedRun", "RunRecord", "SaveRecord", "Transition",
    "advance", "default_db_path", "diff_runs",
]

# Loaded on first use (archiver/_lazy.py): `archiver check --no-history` needs the
# records and the state rule, not sqlite3 and the database.
__getattr__ = lazy_exports(__name__, {
    "BUSY_TIMEOUT": "archiver.history.database",
    "History": "archiver.history.database",
    "diff_runs": "archiver.history.diff",
    "KIND_CHECK": "archiver.history.kinds",
    "KIND_PIPELINE": "archiver.history.kinds",
    "FixityEvent": "archiver.history.preserve",
    "SaveRecord": "archiver.history.preserve",
    "CheckRecord": "archiver.history.records",
    "RecordedRun": "archiver.history.records",
    "RunRecord": "archiver.history.records",
    "Transition": "archiver.history.records",
    "DEFAULT_DB_NAME": "archiver.history.schema",
    "SCHEMA_VERSION": "archiver.history.schema",
    "default_db_path": "archiver.history.schema",
    "DEAD_AFTER_FAILURES": "archiver.history.state",
    "MIN_FAILURE_INTERVAL": "archiver.history.state",
    "Advance": "archiver.history.state",
    "HistoryPolicy": "archiver.history.state",
    "LinkRecord": "archiver.history.state",
    "advance": "archiver.history.state",
})
