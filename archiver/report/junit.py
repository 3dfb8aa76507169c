"""JUnit XML, the format CI systems read as test results (``--format junit``).

Apart from :mod:`archiver.report.common` so that a run written in another format does
not make the :class:`JUnitCase` dataclass (about 1 ms of start-up).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from archiver.report.common import escape, quoteattr
from archiver.report.safe import visible


@dataclasses.dataclass(frozen=True)
class JUnitCase:
    name: str
    classname: str
    failure: str | None = None  # message; None = passed
    failure_type: str | None = None
    skipped: str | None = None
    details: str | None = None
    time: float = 0.0
    #: Where the case is written (``check`` on documents): the ``file`` and ``line``
    #: attributes pytest writes and CI annotators (e.g. action-junit-report) read.
    file: str | None = None
    line: int | None = None


def _attr(text: str) -> str:
    return quoteattr(visible(text))


def _suite_counts(cases: Sequence[JUnitCase]) -> tuple[int, int, float]:
    failures = sum(1 for c in cases if c.failure is not None)
    skipped = sum(1 for c in cases if c.skipped is not None and c.failure is None)
    return failures, skipped, sum(c.time for c in cases)


def junit_xml(suite: str, cases: Sequence[JUnitCase]) -> str:
    """A JUnit XML report of one test suite (see :func:`junit_suites`)."""
    return junit_suites(suite, [(suite, cases)])


def junit_suites(name: str, suites: Sequence[tuple[str, Sequence[JUnitCase]]]) -> str:
    """A JUnit XML report, the format CI systems read as test results.

    One ``<testsuite>`` per ``(name, cases)`` pair, in order, inside one
    ``<testsuites>``. Names and messages are
    :func:`~archiver.report.safe.visible` first, so the document holds only
    characters XML 1.0 allows (§2.2) and parses whatever a quote or a
    server's answer contained.
    """
    all_cases = [c for _, cases in suites for c in cases]
    failures, skipped, _ = _suite_counts(all_cases)
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f"<testsuites name={_attr(name)} tests=\"{len(all_cases)}\" "
           f"failures=\"{failures}\" skipped=\"{skipped}\">"]
    for suite, cases in suites:
        failures, skipped, total_time = _suite_counts(cases)
        out.append(f"  <testsuite name={_attr(suite)} tests=\"{len(cases)}\" "
                   f"failures=\"{failures}\" skipped=\"{skipped}\" errors=\"0\" "
                   f"time=\"{total_time:.3f}\">")
        out.extend(_junit_case(c) for c in cases)
        out.append("  </testsuite>")
    out.append("</testsuites>")
    return "\n".join(out) + "\n"


def _junit_case(c: JUnitCase) -> str:
    head = (f"    <testcase name={_attr(c.name)} classname={_attr(c.classname)} "
            f"time=\"{c.time:.3f}\"")
    if c.file is not None:
        head += f" file={_attr(c.file)}"
    if c.line is not None:
        head += f" line=\"{c.line}\""
    if c.failure is None and c.skipped is None:
        return head + "/>"
    out = [head + ">"]
    if c.failure is not None:
        out.append(f"      <failure message={_attr(c.failure)} "
                   f"type={_attr(c.failure_type or 'failure')}>"
                   f"{escape(visible(c.details or c.failure))}</failure>")
    elif c.skipped is not None:
        out.append(f"      <skipped message={_attr(c.skipped)}/>")
    out.append("    </testcase>")
    return "\n".join(out)
