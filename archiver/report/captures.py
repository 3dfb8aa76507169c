"""Fetch results as text: table, JSON, JSON lines, CSV, Markdown. Pure functions.

JSON is ``{"run": {...}, "results": [...]}``; each result has at least
``source_id, url, outcome, memento_url, memento_datetime, warc_file,
warc_offset, distance_days`` (null when there is no capture).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from archiver import __version__
from archiver.fetch.policy import FailOn
from archiver.models import CaptureOutcome, CaptureResult, FetchRun
from archiver.report.common import (
    document_json,
    document_jsonl,
    markdown_table,
    md_escape,
    records_csv,
    text_table,
    to_jsonable,
)

FORMATS = ("table", "json", "jsonl", "csv", "markdown")
CSV_COLUMNS = ("source_id", "url", "outcome", "memento_url", "memento_datetime", "warc_file",
               "warc_offset", "distance_days", "pre_publication", "rule", "archive",
               "detail")


def result_json(r: CaptureResult) -> dict[str, Any]:
    cap = r.capture
    return {
        "source_id": r.source_id,
        "url": r.url,
        "outcome": r.outcome.value if r.outcome else r.status.value,
        "memento_url": cap.memento_url if cap else None,
        "memento_datetime": to_jsonable(cap.memento_datetime) if cap else None,
        "warc_file": cap.warc_file if cap else None,
        "warc_offset": cap.warc_offset if cap else None,
        "distance_days": cap.distance_days if cap else None,
        "pre_publication": cap.pre_publication if cap else None,
        "rule": r.rule,
        "archive": cap.archive if cap else None,
        "original_url": cap.url if cap else None,
        "record_id": cap.record_id if cap else None,
        "payload_sha256": cap.payload_sha256 if cap else None,
        "redirects": [{"status": h.status, "url": h.url, "location": h.location}
                      for h in cap.redirects] if cap else [],
        "archives_tried": list(r.archives_tried),
        "detail": r.detail,
    }


def counts(run: FetchRun) -> dict[str, int]:
    out = {o.value: 0 for o in CaptureOutcome}
    for r in run.results:
        out[(r.outcome or CaptureOutcome.NO_CAPTURE).value] += 1
    return out


def run_json(run: FetchRun, fail_on: FailOn) -> dict[str, Any]:
    return {
        "command": "fetch",
        "archiver_version": __version__,
        "manifest_id": run.manifest_id,
        "started_at": to_jsonable(run.started_at),
        "finished_at": to_jsonable(run.finished_at),
        "archives": list(run.archives),
        "warcs": to_jsonable(run.warcs_dir),
        "sources": len(run.results),
        "counts": counts(run),
        "fail_on": str(fail_on),
        "failures": sum(1 for r in run.results if fail_on.fails(r)),
        "inconclusive": run.inconclusive,
        "inconclusive_reason": run.inconclusive_reason,
        "notes": list(run.notes),
    }


def summary(run: FetchRun) -> str:
    parts = [f"{n} {name}" for name, n in counts(run).items() if n]
    noun = "source" if len(run.results) == 1 else "sources"
    text = f"{len(run.results)} {noun}: " + (", ".join(parts) if parts else "none")
    if run.warcs_dir is not None:
        text += f" (WARC folder {run.warcs_dir})"
    if run.inconclusive:
        text += f"; stopped early: {run.inconclusive_reason}"
    return text


def _captured(r: CaptureResult) -> str:
    if r.capture is None:
        return ""
    return r.capture.memento_datetime.strftime("%Y-%m-%d %H:%M")


def _days(r: CaptureResult) -> str:
    if r.capture is None or r.capture.distance_days is None:
        return ""
    mark = " (pre-pub.)" if r.capture.pre_publication else ""
    return f"{r.capture.distance_days:+.1f}{mark}"


def _where(r: CaptureResult) -> str:
    if r.capture is not None:
        return f"{r.capture.warc_file}@{r.capture.warc_offset}"
    return r.detail or ""


def _rows(run: FetchRun) -> list[list[Any]]:
    return [[r.source_id, (r.outcome or r.status).value, _captured(r), _days(r),
             r.rule or "", _where(r)] for r in run.results]


def format_table(run: FetchRun, fail_on: FailOn) -> str:
    headers = ["SOURCE", "OUTCOME", "CAPTURED (UTC)", "DAYS", "RULE", "WARC / DETAIL"]
    rows = _rows(run)
    out = [text_table(headers, rows, max_width=70)] if rows else ["no sources to fetch"]
    out += ["", summary(run)]
    return "\n".join(out)


def format_markdown(run: FetchRun, fail_on: FailOn) -> str:
    headers = ["source", "outcome", "captured (UTC)", "days", "rule", "WARC / detail"]
    rows = _rows(run)
    out = [f"# Web-archive captures: {md_escape(run.manifest_id)}", "", summary(run), ""]
    out.append(markdown_table(headers, rows) if rows else "No sources to fetch.")
    if run.notes:
        out += ["", "## Notes", ""] + [f"- {md_escape(n)}" for n in run.notes]
    return "\n".join(out)


def format_csv(run: FetchRun, fail_on: FailOn) -> str:
    return records_csv(CSV_COLUMNS, [result_json(r) for r in run.results])


def format_json(run: FetchRun, fail_on: FailOn) -> str:
    return document_json(run_json(run, fail_on), [result_json(r) for r in run.results])


def format_jsonl(run: FetchRun, fail_on: FailOn) -> str:
    """One result per line, then the run summary as the last line."""
    return document_jsonl(run_json(run, fail_on), [result_json(r) for r in run.results])


_FORMATTERS: dict[str, Callable[[FetchRun, FailOn], str]] = {
    "table": format_table, "json": format_json, "jsonl": format_jsonl, "csv": format_csv,
    "markdown": format_markdown,
}


def render(run: FetchRun, fmt: str, fail_on: FailOn | None = None) -> str:
    """``run`` in format ``fmt`` (one of :data:`FORMATS`)."""
    return _FORMATTERS[fmt](run, fail_on or FailOn())


__all__ = ["FORMATS", "render", "result_json", "run_json", "summary"]
