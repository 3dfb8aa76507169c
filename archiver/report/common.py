"""Building blocks shared by the formatters."""

from __future__ import annotations

import csv
import dataclasses
import enum
import io
import json
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr


def to_jsonable(value: Any) -> Any:
    """Dataclasses, enums, dates and paths to plain JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value


def dumps(value: Any) -> str:
    return json.dumps(to_jsonable(value), indent=2, ensure_ascii=False)


def dumps_line(value: Any) -> str:
    return json.dumps(to_jsonable(value), ensure_ascii=False, separators=(",", ":"))


def document_json(run: Any, results: Sequence[Any]) -> str:
    """The JSON document every command writes: ``{"run": {...}, "results": [...]}``."""
    return dumps({"run": run, "results": list(results)})


def document_jsonl(run: Any, results: Sequence[Any]) -> str:
    """One result per line, then ``{"run": {...}}`` as the last line."""
    return "\n".join([*(dumps_line(r) for r in results), dumps_line({"run": run})])


def records_csv(columns: Sequence[str], records: Sequence[dict[str, Any]]) -> str:
    """CSV of the named keys of each record."""
    return csv_table(columns, [[record.get(col) for col in columns] for record in records])


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, enum.Enum):
        return str(value.value)
    return str(value).replace("\n", " ")


def text_table(headers: Sequence[str], rows: Sequence[Sequence[Any]],
               max_width: int = 60) -> str:
    """A plain aligned table for terminals; long cells are shortened with an ellipsis."""
    cells = [[_cell(c) for c in row] for row in rows]
    cells = [[c if len(c) <= max_width else c[: max_width - 1] + "…" for c in row]
             for row in cells]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, c in enumerate(row):
            widths[i] = max(widths[i], len(c))
    def line(row: Sequence[str]) -> str:
        return "  ".join(c.ljust(widths[i]) for i, c in enumerate(row)).rstrip()
    out = [line(headers), line(["-" * w for w in widths])]
    out.extend(line(row) for row in cells)
    return "\n".join(out)


def csv_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_cell(c) for c in row])
    return buf.getvalue()


def md_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    out = ["| " + " | ".join(md_escape(h) for h in headers) + " |",
           "|" + "|".join("---" for _ in headers) + "|"]
    for row in rows:
        out.append("| " + " | ".join(md_escape(_cell(c)) for c in row) + " |")
    return "\n".join(out)


@dataclasses.dataclass(frozen=True)
class JUnitCase:
    name: str
    classname: str
    failure: str | None = None  # message; None = passed
    failure_type: str | None = None
    skipped: str | None = None
    details: str | None = None
    time: float = 0.0


def junit_xml(suite: str, cases: Sequence[JUnitCase]) -> str:
    """A JUnit XML report, the format CI systems read as test results."""
    failures = sum(1 for c in cases if c.failure is not None)
    skipped = sum(1 for c in cases if c.skipped is not None and c.failure is None)
    total_time = sum(c.time for c in cases)
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f"<testsuites name={quoteattr(suite)} tests=\"{len(cases)}\" "
           f"failures=\"{failures}\" skipped=\"{skipped}\">",
           f"  <testsuite name={quoteattr(suite)} tests=\"{len(cases)}\" "
           f"failures=\"{failures}\" skipped=\"{skipped}\" errors=\"0\" "
           f"time=\"{total_time:.3f}\">"]
    for c in cases:
        head = (f"    <testcase name={quoteattr(c.name)} classname={quoteattr(c.classname)} "
                f"time=\"{c.time:.3f}\"")
        if c.failure is None and c.skipped is None:
            out.append(head + "/>")
            continue
        out.append(head + ">")
        if c.failure is not None:
            out.append(f"      <failure message={quoteattr(c.failure)} "
                       f"type={quoteattr(c.failure_type or 'failure')}>"
                       f"{escape(c.details or c.failure)}</failure>")
        elif c.skipped is not None:
            out.append(f"      <skipped message={quoteattr(c.skipped)}/>")
        out.append("    </testcase>")
    out.append("  </testsuite>")
    out.append("</testsuites>")
    return "\n".join(out) + "\n"
