"""Fetch results as text: table, JSON, JSON lines, CSV, Markdown. Pure functions.

JSON, JSON Lines and CSV are built by :mod:`archiver.report.serialize`; their
shape is the JSON Schema ``archiver/schemas/fetch.schema.json`` (records in
``records.schema.json``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from archiver.failon import Command, FailOn, parse_fail_on
from archiver.models import CaptureKind, CaptureResult, FetchRun
from archiver.report import serialize
from archiver.report.common import (
    for_people,
    markdown_table,
    md_escape,
    sources_summary,
    text_table,
)
from archiver.store.live import live_label

FORMATS = ("table", "json", "jsonl", "csv", "markdown")


def counts(run: FetchRun) -> dict[str, int]:
    """Results per outcome, every outcome listed."""
    return serialize.outcome_counts(run.results)


def summary(run: FetchRun) -> str:
    return sources_summary(len(run.results), counts(run), run.warcs_dir,
                           f"{run.inconclusive_reason}" if run.inconclusive else None)


def _captured(r: CaptureResult) -> str:
    if r.capture is None:
        return ""
    if r.capture.kind is CaptureKind.LIVE:  # evidence of that day, not of publication
        return live_label(r.capture.memento_datetime) + r.capture.memento_datetime.strftime(
            " %H:%M")
    return r.capture.memento_datetime.strftime("%Y-%m-%d %H:%M")


def _days(r: CaptureResult) -> str:
    if r.capture is None or r.capture.distance_days is None:
        return ""
    mark = " (pre-pub.)" if r.capture.pre_publication else ""
    return f"{r.capture.distance_days:+.1f}{mark}"


def _where(r: CaptureResult) -> str:
    if r.capture is not None:
        more = len(r.extra_captures)
        return f"{r.capture.warc_file}@{r.capture.warc_offset}" + (
            f" (+{more} other capture{'s' if more > 1 else ''})" if more else "")
    return r.detail or ""


def _rows(run: FetchRun) -> list[list[Any]]:
    return [[r.source_id, r.outcome, _captured(r), _days(r),
             r.rule or "", _where(r)] for r in run.results]


def format_table(run: FetchRun, fail_on: FailOn) -> str:
    headers = ["SOURCE", "OUTCOME", "CAPTURED (UTC)", "DAYS", "RULE", "WARC / DETAIL"]
    rows = _rows(run)
    out = [text_table(headers, rows, max_width=70)] if rows else ["no sources to fetch"]
    out += ["", summary(run)]
    return for_people("\n".join(out))


def format_markdown(run: FetchRun, fail_on: FailOn) -> str:
    headers = ["source", "outcome", "captured (UTC)", "days", "rule", "WARC / detail"]
    rows = _rows(run)
    out = [f"# Web-archive captures: {md_escape(run.manifest_id)}", "", md_escape(summary(run)),
           ""]
    out.append(markdown_table(headers, rows) if rows else "No sources to fetch.")
    if run.notes:
        out += ["", "## Notes", ""] + [f"- {md_escape(n)}" for n in run.notes]
    return for_people("\n".join(out))


def format_csv(run: FetchRun, fail_on: FailOn) -> str:
    return serialize.to_csv(serialize.FETCH_COLUMNS,
                            [serialize.capture_result(r) for r in run.results])


def format_json(run: FetchRun, fail_on: FailOn) -> str:
    return serialize.to_json(serialize.fetch_document(run, fail_on))


def format_jsonl(run: FetchRun, fail_on: FailOn) -> str:
    """One result per line, then the run summary as the last line."""
    return serialize.to_jsonl(serialize.fetch_document(run, fail_on))


_FORMATTERS: dict[str, Callable[[FetchRun, FailOn], str]] = {
    "table": format_table, "json": format_json, "jsonl": format_jsonl, "csv": format_csv,
    "markdown": format_markdown,
}


def render(run: FetchRun, fmt: str, fail_on: FailOn | None = None, *,
           command: str = "fetch") -> str:
    """``run`` in format ``fmt`` (one of :data:`FORMATS`); ``command`` "capture"
    writes JSON under the capture schema (``archiver capture``)."""
    policy = fail_on or parse_fail_on(None, Command.FETCH)
    if command == "capture" and fmt in ("json", "jsonl"):
        document = serialize.capture_document(run, policy)
        return serialize.to_json(document) if fmt == "json" else serialize.to_jsonl(document)
    return _FORMATTERS[fmt](run, policy)


__all__ = ["FORMATS", "counts", "render", "summary"]
