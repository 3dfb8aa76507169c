"""Building blocks shared by the text formatters: terminal tables, Markdown, JUnit XML.

JSON, JSON Lines and CSV are :mod:`archiver.report.serialize`'s job.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr


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
