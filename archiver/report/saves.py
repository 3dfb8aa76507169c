"""Save Page Now results as text: table, JSON, JSON lines, CSV. Pure functions.

JSON, JSON Lines and CSV are built by :mod:`archiver.report.serialize`; their
shape is the JSON Schema ``archiver/schemas/save.schema.json``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from archiver.history import SaveRecord
from archiver.models import SaveResult, SaveRun
from archiver.report import serialize
from archiver.report.common import for_people, sources_summary, text_table

FORMATS = ("table", "json", "jsonl", "csv")
HISTORY_FORMATS = ("table", "json", "csv")


def summary(run: SaveRun) -> str:
    return sources_summary(len(run.results), serialize.save_counts(run.results), run.warcs_dir,
                           f"{run.inconclusive_reason}" if run.inconclusive else None)


def _captured(r: SaveResult) -> str:
    if not r.timestamp:
        return ""
    t = r.timestamp
    return f"{t[:4]}-{t[4:6]}-{t[6:8]} {t[8:10]}:{t[10:12]}"


def _where(r: SaveResult) -> str:
    if r.capture is not None:
        return f"{r.capture.warc_file}@{r.capture.warc_offset}"
    return r.detail or ""


def _rows(run: SaveRun) -> list[list[Any]]:
    return [[r.source_id, r.outcome, _captured(r), r.job_id or "", _where(r)]
            for r in run.results]


def format_table(run: SaveRun) -> str:
    headers = ["SOURCE", "OUTCOME", "CAPTURED (UTC)", "JOB", "WARC / DETAIL"]
    rows = _rows(run)
    out = [text_table(headers, rows, max_width=70)] if rows else [
        "no sources to save (every selected source holds a capture; --all asks anyway)"]
    out += ["", summary(run)]
    return for_people("\n".join(out))


def format_csv(run: SaveRun) -> str:
    return serialize.to_csv(serialize.SAVE_COLUMNS,
                            [serialize.save_result(r) for r in run.results])


def format_json(run: SaveRun) -> str:
    return serialize.to_json(serialize.save_document(run))


def format_jsonl(run: SaveRun) -> str:
    return serialize.to_jsonl(serialize.save_document(run))


_FORMATTERS: dict[str, Callable[[SaveRun], str]] = {
    "table": format_table, "json": format_json, "jsonl": format_jsonl, "csv": format_csv,
}


def render(run: SaveRun, fmt: str) -> str:
    """``run`` in format ``fmt`` (one of :data:`FORMATS`)."""
    return _FORMATTERS[fmt](run)


def format_saves(records: Sequence[SaveRecord], fmt: str) -> str:
    """Stored Save Page Now jobs (``archiver history --saves``)."""
    if fmt == "json":
        return serialize.to_json(serialize.saves_document(records))
    if fmt == "csv":
        return serialize.to_csv(serialize.SAVE_RECORD_COLUMNS,
                                [serialize.save_record(r) for r in records])
    if not records:
        return "no Save Page Now job recorded (run `archiver save`)"
    headers = ["REQUESTED (UTC)", "SOURCE", "OUTCOME", "CAPTURED (UTC)", "JOB", "DETAIL"]
    rows = [[r.result.requested_at.strftime("%Y-%m-%d %H:%M:%S")
             if r.result.requested_at else "", r.result.source_id, r.result.outcome,
             _captured(r.result), r.result.job_id or "", r.result.detail or ""]
            for r in records]
    return for_people(text_table(headers, rows, max_width=70))


__all__ = ["FORMATS", "HISTORY_FORMATS", "format_saves", "render", "summary"]
