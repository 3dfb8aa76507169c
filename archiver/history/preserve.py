"""Rows of the preservation tables (schema 3): Save Page Now jobs and fixity events.

``saves`` holds one row per source ``archiver save`` asked Save Page Now 2
about (the job id, the API's status and error code, the capture's timestamp
and original URL, where the memento was stored); ``fixity_events`` one row per
WARC file ``archiver fixity`` checked, as a PREMIS "fixity check" event is
recorded (Library of Congress, PREMIS Data Dictionary 3.0, eventType
``fixity check``: eventDateTime, eventOutcome, linkingAgent): when, by which
tool and version, the outcome, the counts and each problem found.
The :class:`~archiver.history.History` methods call these in its transactions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from archiver.history.rows import dt, opt_ts, req_dt, ts
from archiver.models import (
    Capture,
    FixityOutcome,
    FixityProblem,
    FixityResult,
    SaveOutcome,
    SaveResult,
)

if TYPE_CHECKING:  # the database's types: sqlite3 itself is loaded by .database
    import sqlite3


@dataclass(frozen=True)
class SaveRecord:
    """One stored Save Page Now job (a row of ``saves``)."""

    id: int
    manifest_id: str
    api: str
    result: SaveResult
    tool_version: str | None = None


@dataclass(frozen=True)
class FixityEvent:
    """One stored fixity check of one WARC file (a row of ``fixity_events``)."""

    id: int
    warcs_dir: str
    result: FixityResult
    manifest_id: str | None = None


def insert_save(db: sqlite3.Connection, manifest_id: str, api: str, r: SaveResult,
                tool_version: str) -> int:
    c = r.capture
    cursor = db.execute(
        "INSERT INTO saves (manifest_id, source_id, url, api, outcome, detail, job_id, status, "
        "status_ext, message, timestamp, original_url, memento_url, warc_file, warc_offset, "
        "record_id, requested_at, finished_at, polls, tool_version) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (manifest_id, r.source_id, r.url, api, str(r.outcome), r.detail, r.job_id, r.status,
         r.status_ext, r.message, r.timestamp, r.original_url, r.memento_url,
         c.warc_file if c else None, c.warc_offset if c else None,
         c.record_id if c else None, opt_ts(r.requested_at), opt_ts(r.finished_at), r.polls,
         tool_version))
    return int(cursor.lastrowid or 0)


def save_record(row: sqlite3.Row) -> SaveRecord:
    result = SaveResult(
        source_id=row["source_id"], url=row["url"], outcome=SaveOutcome(row["outcome"]),
        detail=row["detail"], job_id=row["job_id"], status=row["status"],
        status_ext=row["status_ext"], message=row["message"], timestamp=row["timestamp"],
        original_url=row["original_url"], memento_url=row["memento_url"],
        requested_at=dt(row["requested_at"]), finished_at=dt(row["finished_at"]),
        polls=int(row["polls"] or 0))
    if row["warc_file"] is not None and row["memento_url"] is not None:
        # Enough to say where the memento went; the ledger holds the rest.
        when = dt(row["finished_at"]) or dt(row["requested_at"])
        if when is not None:
            result = replace(result, capture=Capture(
                source_id=row["source_id"], url=row["original_url"] or row["url"],
                archive="", memento_url=row["memento_url"], memento_datetime=when,
                http_status=200, mime=None, warc_file=row["warc_file"],
                warc_offset=int(row["warc_offset"] or 0), record_id=row["record_id"]))
    return SaveRecord(id=int(row["id"]), manifest_id=row["manifest_id"], api=row["api"],
                      result=result, tool_version=row["tool_version"])


def _problem_json(p: FixityProblem) -> dict[str, object]:
    return {"offset": p.offset, "kind": p.kind, "detail": p.detail, "record_id": p.record_id}


def insert_fixity(db: sqlite3.Connection, warcs_dir: str, manifest_id: str | None,
                  r: FixityResult) -> int:
    cursor = db.execute(
        "INSERT INTO fixity_events (checked_at, warcs_dir, file, outcome, size, sha256, "
        "records, digests_checked, ledger_checked, problems, tool, tool_version, elapsed_ms, "
        "manifest_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (ts(r.checked_at), warcs_dir, r.file, str(r.outcome), r.size, r.sha256, r.records,
         r.digests_checked, r.ledger_checked,
         json.dumps([_problem_json(p) for p in r.problems], ensure_ascii=False),
         r.tool, r.tool_version, r.elapsed_ms, manifest_id))
    return int(cursor.lastrowid or 0)


def fixity_event(row: sqlite3.Row) -> FixityEvent:
    problems = tuple(
        FixityProblem(offset=int(p["offset"]), kind=str(p["kind"]), detail=str(p["detail"]),
                      record_id=p.get("record_id"))
        for p in json.loads(row["problems"] or "[]"))
    result = FixityResult(
        file=row["file"], outcome=FixityOutcome(row["outcome"]),
        checked_at=req_dt(row["checked_at"]), size=int(row["size"]), sha256=row["sha256"],
        records=int(row["records"]), digests_checked=int(row["digests_checked"]),
        ledger_checked=int(row["ledger_checked"]), problems=problems, tool=row["tool"],
        tool_version=row["tool_version"], elapsed_ms=int(row["elapsed_ms"]))
    return FixityEvent(id=int(row["id"]), warcs_dir=row["warcs_dir"], result=result,
                       manifest_id=row["manifest_id"])
