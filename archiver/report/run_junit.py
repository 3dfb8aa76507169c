"""A whole ``archiver run`` as one JUnit XML report, the format CI systems read.

One test suite per stage — ``check`` (a case per source's link), ``fetch`` (a
case per source's capture), ``verify`` (a case per quote) — and, when the
policy names ``changes``, a ``changes`` suite (a case per change since the
previous run). A case fails when the run's ``--fail-on`` policy
(:class:`~archiver.failon.FailOn`) matches it, so the report's failures are
the findings that set exit code 1; a result that is no verdict (a link
blocked or transient, a capture not attempted because the run stopped, a
quote that could not be looked for, every link of a check stage voided as
offline) is ``skipped`` with the reason.

A pure function: no I/O, no verdicts of its own.
"""

from __future__ import annotations

from collections.abc import Sequence

from archiver.failon import FailOn
from archiver.models import (
    CaptureResult,
    LinkClass,
    LinkResult,
    LinkState,
    Manifest,
    QuoteResult,
    QuoteStatus,
    RunResult,
)
from archiver.report.junit import JUnitCase, junit_suites
from archiver.report.serialize import capture_word

__all__ = ["FORMAT", "format_junit"]

#: The ``archiver run --format`` choice this module writes.
FORMAT = "junit"

#: Link classes that are no verdict on the link (as for ``archiver check``).
_INCONCLUSIVE_LINKS = frozenset({LinkClass.BLOCKED, LinkClass.PAYWALLED, LinkClass.TRANSIENT,
                                 LinkClass.INVALID, LinkClass.INCONCLUSIVE,
                                 LinkClass.IGNORED})


def _reason(message: str, why: str | None) -> str:
    return f"{message}: {why}" if why else message


def _link_case(r: LinkResult, result: RunResult, policy: FailOn, classname: str) -> JUnitCase:
    explain = (f"→ {r.final_url}" if r.link_class is LinkClass.REDIRECTED and r.final_url
               else r.detail or r.error or "")
    state = (f"failing({r.failing_count})" if r.state is LinkState.FAILING else str(r.state))
    message = _reason(str(r.link_class), explain)
    details = "\n".join([f"url: {r.url}", f"class: {r.link_class}", f"state: {state}",
                         f"http status: {r.http_status}", f"final url: {r.final_url}",
                         f"detail: {r.detail}"])
    case = JUnitCase(name=f"{r.source_id}: {r.url}", classname=classname,
                     details=details, time=(r.elapsed_ms or 0) / 1000)
    if result.check_inconclusive:
        return _with(case, skipped=_reason("check voided, run inconclusive",
                                           result.inconclusive_reason))
    if policy.matches_link(r):
        return _with(case, failure=message, failure_type=str(r.link_class))
    if r.link_class in _INCONCLUSIVE_LINKS:
        return _with(case, skipped=message)
    return case


def _capture_case(c: CaptureResult, policy: FailOn, classname: str) -> JUnitCase:
    word = capture_word(c)
    message = _reason(word, c.detail)
    lines = [f"url: {c.url}", f"outcome: {c.outcome}"]
    if c.capture is not None:
        lines += [f"memento: {c.capture.memento_url}",
                  f"memento datetime: {c.capture.memento_datetime.isoformat()}",
                  f"warc file: {c.capture.warc_file}"]
    lines += [f"archive tried: {a}" for a in c.archives_tried] + [f"detail: {c.detail}"]
    case = JUnitCase(name=f"{c.source_id}: {c.url}", classname=classname,
                     details="\n".join(lines))
    if policy.matches_capture(c):
        if c.outcome.has_capture and c.capture is not None and c.capture.pre_publication:
            message = _reason("the capture predates publication", c.capture.memento_url)
        return _with(case, failure=message, failure_type=str(c.outcome))
    if c.outcome.stopped:
        return _with(case, skipped=message)
    return case


def _quote_case(q: QuoteResult, policy: FailOn, classname: str) -> JUnitCase:
    message = _reason(q.status.value, q.difference or q.detail)
    if q.drifted:
        message += f"; live: {q.live_status} ({q.live_detail or ''})"
    case = JUnitCase(name=f"{q.source_id} #{q.quote_index}: {q.text[:60]}",
                     classname=classname, details=f"{message}\n{q.excerpt or ''}".strip())
    if policy.matches_quote(q):
        return _with(case, failure=message, failure_type=q.status.value)
    if q.status is QuoteStatus.UNVERIFIABLE:
        return _with(case, skipped=message)
    return case


def _with(case: JUnitCase, *, failure: str | None = None, failure_type: str | None = None,
          skipped: str | None = None) -> JUnitCase:
    return JUnitCase(name=case.name, classname=case.classname, failure=failure,
                     failure_type=failure_type, skipped=skipped, details=case.details,
                     time=case.time)


def format_junit(result: RunResult, manifest: Manifest, policy: FailOn) -> str:
    """The run as JUnit XML: a suite per stage, failed cases where ``policy`` matches."""
    base = f"archiver.run.{manifest.id}"
    suites: list[tuple[str, Sequence[JUnitCase]]] = [
        ("check", [_link_case(r, result, policy, f"{base}.check") for r in result.links]),
        ("fetch", [_capture_case(c, policy, f"{base}.fetch") for c in result.captures]),
        ("verify", [_quote_case(q, policy, f"{base}.verify") for q in result.quotes]),
    ]
    if policy.changes:
        suites.append(("changes", [
            JUnitCase(name=f"{c.source_id}: {c.kind}", classname=f"{base}.changes",
                      failure=c.detail if policy.matches_change(c) else None,
                      failure_type=str(c.kind), details=c.detail)
            for c in result.changes]))
    return junit_suites(f"archiver run {manifest.id}", suites)
