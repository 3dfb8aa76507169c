"""Fixity results as text: table, JSON, JSON lines, CSV. Pure functions.

JSON, JSON Lines and CSV are built by :mod:`archiver.report.serialize`; their
shape is the JSON Schema ``archiver/schemas/fixity.schema.json`` (the history's
events: ``history-fixity.schema.json``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from archiver.history import FixityEvent
from archiver.models import FixityResult, FixityRun
from archiver.report import serialize
from archiver.report.common import for_people, text_table

FORMATS = ("table", "json", "jsonl", "csv")
HISTORY_FORMATS = ("table", "json", "csv")


def summary(run: FixityRun) -> str:
    counts = serialize.fixity_run(run)["counts"]
    parts = [f"{n} {name}" for name, n in counts.items() if n]
    noun = "file" if len(run.results) == 1 else "files"
    text = (f"{len(run.results)} WARC {noun} in {run.warcs_dir}: "
            + (", ".join(parts) if parts else "none"))
    seconds = (run.finished_at - run.started_at).total_seconds()
    text += f"; {run.bytes_read / 1e6:.1f} MB read"
    if seconds > 0:
        text += f" at {run.bytes_read / 1e6 / seconds:.1f} MB/s"
    return text


def _first_problem(r: FixityResult) -> str:
    if not r.problems:
        return ""
    more = f" (+{len(r.problems) - 1} more)" if len(r.problems) > 1 else ""
    return r.problems[0].detail + more


def _rows(results: Sequence[FixityResult]) -> list[list[Any]]:
    return [[r.file, r.outcome, r.records, r.digests_checked, _first_problem(r)]
            for r in results]


def format_table(run: FixityRun) -> str:
    headers = ["FILE", "OUTCOME", "RECORDS", "DIGESTS", "PROBLEM"]
    rows = _rows(run.results)
    out = [text_table(headers, rows, max_width=90)] if rows else ["no WARC files"]
    problems = [p for r in run.results for p in r.problems]
    if problems:
        out += ["", "Problems:"] + [f"  {p.detail}" for p in problems]
    out += [f"note: {n}" for n in run.notes]
    out += ["", summary(run)]
    return for_people("\n".join(out))


def format_csv(run: FixityRun) -> str:
    return serialize.to_csv(serialize.FIXITY_COLUMNS,
                            [serialize.fixity_result(r) for r in run.results])


def format_json(run: FixityRun) -> str:
    return serialize.to_json(serialize.fixity_document(run))


def format_jsonl(run: FixityRun) -> str:
    return serialize.to_jsonl(serialize.fixity_document(run))


_FORMATTERS: dict[str, Callable[[FixityRun], str]] = {
    "table": format_table, "json": format_json, "jsonl": format_jsonl, "csv": format_csv,
}


def render(run: FixityRun, fmt: str) -> str:
    """``run`` in format ``fmt`` (one of :data:`FORMATS`)."""
    return _FORMATTERS[fmt](run)


def format_events(events: Sequence[FixityEvent], fmt: str) -> str:
    """Stored fixity events (``archiver history --fixity``)."""
    if fmt == "json":
        return serialize.to_json(serialize.fixity_events_document(events))
    if fmt == "csv":
        return serialize.to_csv(serialize.FIXITY_EVENT_COLUMNS,
                                [serialize.fixity_event(e) for e in events])
    if not events:
        return "no fixity check recorded (run `archiver fixity`)"
    headers = ["CHECKED (UTC)", "FILE", "OUTCOME", "RECORDS", "TOOL", "PROBLEM"]
    rows = [[e.result.checked_at.strftime("%Y-%m-%d %H:%M:%S"), e.result.file,
             e.result.outcome, e.result.records,
             f"{e.result.tool} {e.result.tool_version or ''}".strip(),
             _first_problem(e.result)] for e in events]
    return for_people(text_table(headers, rows, max_width=80))


__all__ = ["FORMATS", "HISTORY_FORMATS", "format_events", "render", "summary"]
