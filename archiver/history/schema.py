"""The SQLite schema of the history database, its upgrades, and where the file lives.

Schema 1 stored ``archiver check`` runs (``runs``, ``checks``, ``links``,
``transitions``); schema 2 added whole ``archiver run`` runs (``run_links``,
``run_captures``, ``run_quotes``, and the ``runs.kind`` and ``runs.baseline``
columns). A schema-1 database is upgraded in place when opened: the tables are
created if missing, then :data:`ADDED_COLUMNS` are added with their defaults,
then :data:`INDEXES` (which need those columns) are created. Schema 3 added
``saves`` (``archiver save``: one row per Save Page Now job) and
``fixity_events`` (``archiver fixity``: one row per WARC file checked).
:data:`SCHEMA_VERSION` is written to ``PRAGMA user_version``.
"""

from __future__ import annotations

from pathlib import Path

from archiver.history.kinds import KIND_CHECK
from archiver.models import Manifest, project_dir_of

#: Where the database lives, relative to the manifest's folder.
DEFAULT_DB_NAME = Path(".archiver") / "history.sqlite3"
SCHEMA_VERSION = 3

SCHEMA = """
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
CREATE TABLE IF NOT EXISTS saves (
    id INTEGER PRIMARY KEY,
    manifest_id TEXT NOT NULL,
    source_id TEXT NOT NULL,
    url TEXT NOT NULL,
    api TEXT NOT NULL,
    outcome TEXT NOT NULL,
    detail TEXT,
    job_id TEXT,
    status TEXT,
    status_ext TEXT,
    message TEXT,
    timestamp TEXT,
    original_url TEXT,
    memento_url TEXT,
    warc_file TEXT,
    warc_offset INTEGER,
    record_id TEXT,
    requested_at TEXT,
    finished_at TEXT,
    polls INTEGER NOT NULL DEFAULT 0,
    tool_version TEXT
);
CREATE INDEX IF NOT EXISTS saves_by_url ON saves(url, id);
CREATE TABLE IF NOT EXISTS fixity_events (
    id INTEGER PRIMARY KEY,
    checked_at TEXT NOT NULL,
    warcs_dir TEXT NOT NULL,
    file TEXT NOT NULL,
    outcome TEXT NOT NULL,
    size INTEGER NOT NULL DEFAULT 0,
    sha256 TEXT,
    records INTEGER NOT NULL DEFAULT 0,
    digests_checked INTEGER NOT NULL DEFAULT 0,
    ledger_checked INTEGER NOT NULL DEFAULT 0,
    problems TEXT NOT NULL DEFAULT '[]',
    tool TEXT NOT NULL,
    tool_version TEXT,
    elapsed_ms INTEGER NOT NULL DEFAULT 0,
    manifest_id TEXT
);
CREATE INDEX IF NOT EXISTS fixity_by_file ON fixity_events(warcs_dir, file, id);
"""

#: Columns added to tables of schema 1 (``ALTER TABLE ... ADD COLUMN``): existing
#: rows get the default, so every run stored before is an ``archiver check`` run.
ADDED_COLUMNS = (
    ("runs", "kind", f"TEXT NOT NULL DEFAULT '{KIND_CHECK}'"),
    ("runs", "baseline", "INTEGER NOT NULL DEFAULT 0"),
)
#: Created after the columns above exist.
INDEXES = """
CREATE INDEX IF NOT EXISTS runs_by_manifest ON runs(manifest_id, kind, id);
CREATE INDEX IF NOT EXISTS checks_by_run ON checks(run_id, id);
"""


def default_db_path(manifest: Manifest | Path) -> Path:
    """``.archiver/history.sqlite3`` in the manifest's project folder, beside ``warcs/``.

    ``manifest`` may be the manifest file's path (a manifest not read yet).

    The project folder is :attr:`archiver.models.Manifest.project_dir` (the parent
    of a ``manifests/`` folder, else the manifest's own folder), so the WARCs, the
    database and the report of a project sit together. A database that archiver
    0.2 and earlier kept beside the manifest is used where it is, as long as there
    is none in the project folder, so no history is left behind.
    """
    manifest_path = manifest if isinstance(manifest, Path) else manifest.path
    path = project_dir_of(manifest_path) / DEFAULT_DB_NAME
    if manifest_path is not None:
        earlier = manifest_path.resolve().parent / DEFAULT_DB_NAME
        if earlier != path and earlier.exists() and not path.exists():
            return earlier
    return path

