"""Converting between results and the rows of the history database.

Every ``INSERT`` column list and every row-to-record conversion lives here,
so a column added to :mod:`archiver.history.schema` is handled in one file.
Times are stored as UTC ISO 8601 text with microseconds and a ``Z``
(:func:`ts`); classes, states and statuses as their enum values. No
transactions here: :class:`archiver.history.History` owns the connection and
passes it in.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from archiver.history.records import CheckRecord, Transition
from archiver.history.state import LinkRecord
from archiver.models import (
    Capture,
    CaptureOutcome,
    CaptureResult,
    Hop,
    LinkClass,
    LinkResult,
    LinkState,
    LiveStatus,
    MatchMethod,
    QuoteResult,
    QuoteStatus,
)

if TYPE_CHECKING:  # the database's types: sqlite3 itself is loaded by .database
    import sqlite3

# -- times ---------------------------------------------------------------------------------


def ts(value: datetime) -> str:
    """A time as stored: UTC, ``2026-01-01T09:00:00.000000Z`` (a naive time is taken as UTC)."""
    if value.tzinfo is not UTC:
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
    # isoformat is C code; strftime was a tenth of the CPU of recording 2,000 checks
    return value.isoformat(timespec="microseconds")[:-6] + "Z"  # drop "+00:00"


def opt_ts(value: datetime | None) -> str | None:
    return ts(value) if value is not None else None


def dt(value: str | None) -> datetime | None:
    """A stored time read back (aware, UTC), or None."""
    if value is None:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def req_dt(value: str) -> datetime:
    parsed = dt(value)
    assert parsed is not None
    return parsed


# -- link states and checks (``links``, ``checks``, ``transitions``) -----------------------


#: ``INSERT`` of one check, its id given (:func:`check_row`).
INSERT_CHECK = (
    "INSERT INTO checks (id, run_id, url, source_id, checked_at, class, observed_class, "
    "http_status, final_url, redirects, error, detail, elapsed_ms, body_size, "
    "body_sha256, attempts, counted, state_after, failing_after) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


def check_row(check_id: int | None, run_id: int, result: LinkResult, at: datetime,
              counted: bool, after: LinkRecord) -> tuple[object, ...]:
    """The :data:`INSERT_CHECK` values of one check of ``result.url`` and the state it left
    (``check_id`` None: SQLite picks the id)."""
    return (check_id, run_id, result.url, result.source_id, ts(at), str(result.link_class),
            str(result.observed_class) if result.observed_class else None,
            result.http_status, result.final_url,
            json.dumps([[h.url, h.status, h.location] for h in result.redirects])
            if result.redirects else "[]",
            result.error, result.detail, result.elapsed_ms, result.body_size,
            result.body_sha256, result.attempts, int(counted), str(after.state),
            after.failing_count)


def insert_check(db: sqlite3.Connection, run_id: int, result: LinkResult, at: datetime,
                 counted: bool, after: LinkRecord) -> int | None:
    """Store one check of ``result.url`` and the state it left; returns the check's id."""
    cur = db.execute(INSERT_CHECK, check_row(None, run_id, result, at, counted, after))
    return cur.lastrowid


#: ``INSERT`` of a URL's record, replacing the one stored before (:func:`link_row`).
UPSERT_LINK = (
    "INSERT INTO links (url, source_id, state, failing_count, first_failure_at, "
    "last_failure_at, last_success_at, last_checked_at, last_class, state_since, checks) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET "
    "source_id = excluded.source_id, state = excluded.state, "
    "failing_count = excluded.failing_count, "
    "first_failure_at = excluded.first_failure_at, "
    "last_failure_at = excluded.last_failure_at, "
    "last_success_at = excluded.last_success_at, "
    "last_checked_at = excluded.last_checked_at, last_class = excluded.last_class, "
    "state_since = excluded.state_since, checks = excluded.checks")


def link_row(record: LinkRecord) -> tuple[object, ...]:
    """The :data:`UPSERT_LINK` values of ``record``."""
    return (record.url, record.source_id, str(record.state), record.failing_count,
            opt_ts(record.first_failure_at), opt_ts(record.last_failure_at),
            opt_ts(record.last_success_at), opt_ts(record.last_checked_at),
            str(record.last_class) if record.last_class else None, opt_ts(record.state_since),
            record.checks)


def upsert_link(db: sqlite3.Connection, record: LinkRecord) -> None:
    """Store a URL's record, replacing the one stored before."""
    db.execute(UPSERT_LINK, link_row(record))


#: ``INSERT`` of one change of a URL's state (:func:`transition_row`).
INSERT_TRANSITION = (
    "INSERT INTO transitions (url, at, from_state, to_state, failing_count, "
    "check_id, reason) VALUES (?, ?, ?, ?, ?, ?, ?)")


def transition_row(url: str, at: datetime, before: LinkState, after: LinkRecord,
                   check_id: int | None, reason: str) -> tuple[object, ...]:
    """The :data:`INSERT_TRANSITION` values of ``url``'s change to ``after.state``."""
    return (url, ts(at), str(before), str(after.state), after.failing_count, check_id, reason)


def insert_transition(db: sqlite3.Connection, url: str, at: datetime, before: LinkState,
                      after: LinkRecord, check_id: int | None, reason: str) -> None:
    """Store a change of ``url``'s state from ``before`` to ``after.state``."""
    db.execute(INSERT_TRANSITION, transition_row(url, at, before, after, check_id, reason))


def link_record(row: sqlite3.Row) -> LinkRecord:
    return LinkRecord(
        url=row["url"], state=LinkState(row["state"]), failing_count=row["failing_count"],
        first_failure_at=dt(row["first_failure_at"]),
        last_failure_at=dt(row["last_failure_at"]),
        last_success_at=dt(row["last_success_at"]),
        last_checked_at=dt(row["last_checked_at"]),
        last_class=LinkClass(row["last_class"]) if row["last_class"] else None,
        state_since=dt(row["state_since"]), checks=row["checks"], source_id=row["source_id"])


def check_record(row: sqlite3.Row) -> CheckRecord:
    hops = tuple(Hop(u, s, loc) for u, s, loc in json.loads(row["redirects"] or "[]"))
    return CheckRecord(
        id=row["id"], run_id=row["run_id"], url=row["url"], source_id=row["source_id"],
        checked_at=req_dt(row["checked_at"]), link_class=LinkClass(row["class"]),
        observed_class=LinkClass(row["observed_class"]) if row["observed_class"] else None,
        http_status=row["http_status"], final_url=row["final_url"], redirects=hops,
        error=row["error"], detail=row["detail"], elapsed_ms=row["elapsed_ms"],
        body_size=row["body_size"], body_sha256=row["body_sha256"], attempts=row["attempts"],
        counted=bool(row["counted"]), state_after=LinkState(row["state_after"]),
        failing_after=row["failing_after"], run_inconclusive=bool(row["run_inconclusive"]))



def transition(row: sqlite3.Row) -> Transition:
    return Transition(row["url"], req_dt(row["at"]), LinkState(row["from_state"]),
                      LinkState(row["to_state"]), row["failing_count"], row["check_id"],
                      row["reason"])


# -- whole runs (``run_links``, ``run_captures``, ``run_quotes``) --------------------------


def insert_link(db: sqlite3.Connection, run_id: int, position: int, r: LinkResult) -> None:
    db.execute(
        "INSERT INTO run_links (run_id, position, source_id, url, class, observed_class, state, "
        "previous_state, failing_count, http_status, final_url, error, detail, checked_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (run_id, position, r.source_id, r.url, str(r.link_class),
         str(r.observed_class) if r.observed_class else None, str(r.state),
         str(r.previous_state) if r.previous_state else None, r.failing_count, r.http_status,
         r.final_url, r.error, r.detail, opt_ts(r.checked_at)))


def insert_capture(db: sqlite3.Connection, run_id: int, position: int,
                    r: CaptureResult) -> None:
    c = r.capture
    db.execute(
        "INSERT INTO run_captures (run_id, position, source_id, url, status, outcome, detail, "
        "rule, archive, memento_url, memento_datetime, http_status, mime, warc_file, "
        "warc_offset, record_id, payload_sha256, distance_days, pre_publication) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (run_id, position, r.source_id, r.url, _coarse_status(r.outcome), str(r.outcome),
         r.detail, r.rule,
         c.archive if c else None, c.memento_url if c else None,
         ts(c.memento_datetime) if c else None, c.http_status if c else None,
         c.mime if c else None, c.warc_file if c else None, c.warc_offset if c else None,
         c.record_id if c else None, c.payload_sha256 if c else None,
         c.distance_days if c else None, int(c.pre_publication) if c else 0))


def insert_quote(db: sqlite3.Connection, run_id: int, position: int, r: QuoteResult) -> None:
    db.execute(
        "INSERT INTO run_quotes (run_id, position, source_id, quote_index, text, status, score, "
        "method, excerpt, difference, detail, probable_translation, live_status, live_detail, "
        "memento_url) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (run_id, position, r.source_id, r.quote_index, r.text, str(r.status), r.score,
         r.method, r.excerpt, r.difference, r.detail, int(r.probable_translation),
         r.live_status, r.live_detail, r.capture.memento_url if r.capture else None))


def _opt_class(value: str | None) -> LinkClass | None:
    return LinkClass(value) if value else None


def link_result(row: sqlite3.Row) -> LinkResult:
    return LinkResult(
        source_id=row["source_id"], url=row["url"], link_class=LinkClass(row["class"]),
        http_status=row["http_status"], final_url=row["final_url"], error=row["error"],
        detail=row["detail"], checked_at=dt(row["checked_at"]),
        state=LinkState(row["state"]), failing_count=row["failing_count"],
        observed_class=_opt_class(row["observed_class"]),
        previous_state=LinkState(row["previous_state"]) if row["previous_state"] else None)


def link_result_from_check(row: sqlite3.Row) -> LinkResult:
    return LinkResult(
        source_id=row["source_id"] or "", url=row["url"], link_class=LinkClass(row["class"]),
        http_status=row["http_status"], final_url=row["final_url"], error=row["error"],
        detail=row["detail"], checked_at=dt(row["checked_at"]),
        state=LinkState(row["state_after"]), failing_count=row["failing_after"],
        observed_class=_opt_class(row["observed_class"]))


def capture_result(row: sqlite3.Row) -> CaptureResult:
    capture = None
    if row["memento_url"] is not None:
        capture = Capture(
            source_id=row["source_id"], url=row["url"], archive=row["archive"] or "",
            memento_url=row["memento_url"], memento_datetime=req_dt(row["memento_datetime"]),
            http_status=row["http_status"] or 0, mime=row["mime"],
            warc_file=row["warc_file"] or "", warc_offset=row["warc_offset"] or 0,
            record_id=row["record_id"], payload_sha256=row["payload_sha256"],
            distance_days=row["distance_days"], pre_publication=bool(row["pre_publication"]))
    return CaptureResult(
        source_id=row["source_id"], url=row["url"],
        outcome=CaptureOutcome(row["outcome"]) if row["outcome"]
        else _OUTCOME_OF_STATUS[row["status"]],
        capture=capture, detail=row["detail"], rule=row["rule"])


#: The ``run_captures.status`` column (NOT NULL since schema 2) keeps the coarse
#: grouping earlier versions wrote; rows it wrote without an ``outcome`` are read
#: back as the outcome their status stood for.
_COARSE_STATUS = {
    CaptureOutcome.STORED: "stored", CaptureOutcome.ALREADY_STORED: "already_stored",
    CaptureOutcome.NO_CAPTURE: "not_archived", CaptureOutcome.BLOCKED_SITE: "excluded",
    CaptureOutcome.BLOCKED_ROBOTS: "excluded",
}
_OUTCOME_OF_STATUS = {
    "stored": CaptureOutcome.STORED, "already_stored": CaptureOutcome.ALREADY_STORED,
    "not_archived": CaptureOutcome.NO_CAPTURE, "excluded": CaptureOutcome.BLOCKED_SITE,
    "failed": CaptureOutcome.PLAYBACK_ERROR,
}


def _coarse_status(outcome: CaptureOutcome) -> str:
    return _COARSE_STATUS.get(outcome, "failed")


def quote_result(row: sqlite3.Row) -> QuoteResult:
    return QuoteResult(
        source_id=row["source_id"], quote_index=row["quote_index"], text=row["text"],
        status=QuoteStatus(row["status"]), score=row["score"] or 0.0,
        method=MatchMethod(row["method"]) if row["method"] else None,
        excerpt=row["excerpt"], difference=row["difference"], detail=row["detail"],
        probable_translation=bool(row["probable_translation"]),
        live_status=LiveStatus(row["live_status"]) if row["live_status"] else None,
        live_detail=row["live_detail"])

