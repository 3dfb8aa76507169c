"""Link-check and history results as text: table, JSON, JSONL, CSV, Markdown, JUnit.

Pure functions: they neither print, nor write files, nor judge. Which results
fail a run is the :class:`~archiver.check.FailPolicy`'s call; the JUnit report
only shows it.

The JSON document (``--format json``)::

    {"run": {"manifest_id", "started_at", "finished_at", "duration_ms", "inconclusive",
             "inconclusive_reason", "run_id", "db", "hosts", "requests", "links",
             "counts": {class: n}, "states": {state: n}, "fail_on", "failed"},
     "results": [{"source_id", "url", "class", "http_status", "final_url",
                  "redirects": [{"url", "status", "location"}], "error", "elapsed_ms",
                  "state", "failing_count", "previous_state", "detail", "observed_class",
                  "body_size", "body_sha256", "body_truncated", "attempts", "checked_at"}]}

``--format jsonl`` writes one result object per line, then one last line
``{"run": {...}}``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from archiver.check import FailPolicy
from archiver.history import CheckRecord, LinkRecord, Transition
from archiver.models import CheckRun, LinkClass, LinkResult, LinkState
from archiver.report.common import (
    JUnitCase,
    csv_table,
    document_json,
    document_jsonl,
    dumps,
    junit_xml,
    markdown_table,
    md_escape,
    text_table,
    to_jsonable,
)

CHECK_FORMATS = ("table", "json", "jsonl", "csv", "markdown", "junit")
HISTORY_FORMATS = ("table", "json", "csv", "markdown")

#: Classes that are not a verdict on the link (JUnit "skipped").
INCONCLUSIVE_CLASSES = frozenset({LinkClass.BLOCKED, LinkClass.PAYWALLED, LinkClass.TRANSIENT,
                                  LinkClass.INVALID, LinkClass.INCONCLUSIVE})
#: Table order: the worst news first.
CLASS_ORDER = (LinkClass.GONE, LinkClass.SOFT404, LinkClass.TLS_ERROR, LinkClass.TRANSIENT,
               LinkClass.BLOCKED, LinkClass.PAYWALLED, LinkClass.INVALID,
               LinkClass.INCONCLUSIVE, LinkClass.REDIRECTED, LinkClass.OK)


# --------------------------------------------------------------------------
# JSON shapes
# --------------------------------------------------------------------------


def result_json(r: LinkResult) -> dict[str, Any]:
    """One result as the JSON report shows it (the issue's keys first)."""
    return {
        "source_id": r.source_id,
        "url": r.url,
        "class": str(r.link_class),
        "http_status": r.http_status,
        "final_url": r.final_url,
        "redirects": [{"url": h.url, "status": h.status, "location": h.location}
                      for h in r.redirects],
        "error": r.error,
        "elapsed_ms": r.elapsed_ms,
        "state": str(r.state),
        "failing_count": r.failing_count,
        "previous_state": str(r.previous_state) if r.previous_state else None,
        "detail": r.detail,
        "observed_class": str(r.observed_class) if r.observed_class else None,
        "body_size": r.body_size,
        "body_sha256": r.body_sha256,
        "body_truncated": r.body_truncated,
        "attempts": r.attempts,
        "checked_at": to_jsonable(r.checked_at),
    }


def run_json(run: CheckRun, policy: FailPolicy | None = None) -> dict[str, Any]:
    """The ``run`` object of the JSON report."""
    counts = Counter(str(r.link_class) for r in run.results)
    states = Counter(str(r.state) for r in run.results)
    out: dict[str, Any] = {
        "manifest_id": run.manifest_id,
        "started_at": to_jsonable(run.started_at),
        "finished_at": to_jsonable(run.finished_at),
        "duration_ms": round((run.finished_at - run.started_at).total_seconds() * 1000),
        "inconclusive": run.inconclusive,
        "inconclusive_reason": run.inconclusive_reason,
        "run_id": run.run_id,
        "db": str(run.db_path) if run.db_path else None,
        "hosts": run.hosts,
        "requests": run.requests,
        "links": len(run.results),
        "counts": {str(c): counts[str(c)] for c in LinkClass if counts[str(c)]},
        "states": {str(s): states[str(s)] for s in LinkState if states[str(s)]},
        "notes": list(run.notes),
    }
    if policy is not None:
        out["fail_on"] = str(policy)
        out["failed"] = [r.source_id for r in run.results if policy.matches(r)]
    return out


# --------------------------------------------------------------------------
# check reports
# --------------------------------------------------------------------------


def summary_line(run: CheckRun) -> str:
    """One line: how many links of each class, and the run's state."""
    counts = Counter(r.link_class for r in run.results)
    parts = [f"{counts[c]} {c}" for c in reversed(CLASS_ORDER) if counts[c]]
    dead = sum(1 for r in run.results if r.state is LinkState.DEAD)
    text = f"{len(run.results)} links checked: " + (", ".join(parts) or "none")
    if dead:
        text += f"; {dead} dead by history"
    if run.inconclusive:
        text += f"; RUN INCONCLUSIVE: {run.inconclusive_reason} (no history advanced)"
    return text


def _sorted(results: Sequence[LinkResult]) -> list[LinkResult]:
    rank = {c: i for i, c in enumerate(CLASS_ORDER)}
    return sorted(results, key=lambda r: rank.get(r.link_class, len(rank)))


def _explain(r: LinkResult) -> str:
    if r.link_class is LinkClass.REDIRECTED and r.final_url:
        return f"→ {r.final_url}"
    return r.detail or r.error or ""


def _state(r: LinkResult) -> str:
    if r.state is LinkState.FAILING:
        return f"failing({r.failing_count})"
    return str(r.state)


ROW_HEADERS = ("source", "class", "http", "state", "url", "detail")


def _row(r: LinkResult) -> list[Any]:
    return [r.source_id, r.link_class, r.http_status, _state(r), r.url, _explain(r)]


def format_table(run: CheckRun) -> str:
    table = text_table(ROW_HEADERS, [_row(r) for r in _sorted(run.results)])
    return f"{table}\n\n{summary_line(run)}"


def format_json(run: CheckRun, policy: FailPolicy | None = None) -> str:
    return document_json(run_json(run, policy), [result_json(r) for r in run.results])


def format_jsonl(run: CheckRun, policy: FailPolicy | None = None) -> str:
    return document_jsonl(run_json(run, policy), [result_json(r) for r in run.results])


CSV_HEADERS = ("source_id", "url", "class", "http_status", "final_url", "redirects", "error",
               "elapsed_ms", "state", "failing_count", "detail", "body_size", "body_sha256",
               "checked_at")


def format_csv(run: CheckRun) -> str:
    rows = [[r.source_id, r.url, r.link_class, r.http_status, r.final_url,
             " ".join(f"{h.status}:{h.location}" for h in r.redirects), r.error,
             r.elapsed_ms, r.state, r.failing_count, r.detail, r.body_size, r.body_sha256,
             to_jsonable(r.checked_at)] for r in run.results]
    return csv_table(CSV_HEADERS, rows)


def format_markdown(run: CheckRun, policy: FailPolicy | None = None) -> str:
    """A report for a GitHub job summary: findings first, everything in a fold."""
    out = [f"## Link check: {md_escape(run.manifest_id)}", "", summary_line(run), ""]
    if run.inconclusive:
        out += [f"> **Run inconclusive:** {md_escape(run.inconclusive_reason or '')}. "
                "No link's history advanced; rerun when the network is back.", ""]
    findings = [r for r in _sorted(run.results) if not r.link_class.is_success
                or r.state in (LinkState.FAILING, LinkState.DEAD)]
    if policy is not None:
        failed = [r for r in run.results if policy.matches(r)]
        out += [f"**Fails the run** (`--fail-on {policy}`): {len(failed)}", ""]
    if findings:
        out += ["### Findings", "", markdown_table(ROW_HEADERS, [_row(r) for r in findings]),
                ""]
    else:
        out += ["No findings.", ""]
    out += ["<details><summary>All links</summary>", "",
            markdown_table(ROW_HEADERS, [_row(r) for r in _sorted(run.results)]), "",
            "</details>"]
    return "\n".join(out)


def format_junit(run: CheckRun, policy: FailPolicy) -> str:
    """One test case per source: failed when the policy says so, skipped when inconclusive."""
    cases = []
    for r in run.results:
        message = f"{r.link_class}: {_explain(r)}".rstrip(": ")
        failed = policy.matches(r) and not run.inconclusive
        skipped = (r.link_class in INCONCLUSIVE_CLASSES and not failed)
        details = "\n".join(
            [f"url: {r.url}", f"class: {r.link_class}", f"state: {_state(r)}",
             f"http status: {r.http_status}", f"final url: {r.final_url}"]
            + [f"redirect: {h.status} {h.url} -> {h.location}" for h in r.redirects]
            + [f"detail: {r.detail}"])
        cases.append(JUnitCase(
            name=f"{r.source_id}: {r.url}", classname=f"archiver.check.{run.manifest_id}",
            failure=message if failed else None, failure_type=str(r.link_class),
            skipped=message if skipped else None, details=details,
            time=(r.elapsed_ms or 0) / 1000))
    return junit_xml(f"archiver check {run.manifest_id}", cases)


def format_check_run(run: CheckRun, fmt: str, policy: FailPolicy | None = None) -> str:
    """The report of a check run in ``fmt`` (one of :data:`CHECK_FORMATS`)."""
    formatters: dict[str, Callable[[], str]] = {
        "table": lambda: format_table(run),
        "json": lambda: format_json(run, policy),
        "jsonl": lambda: format_jsonl(run, policy),
        "csv": lambda: format_csv(run),
        "markdown": lambda: format_markdown(run, policy),
        "junit": lambda: format_junit(run, policy or FailPolicy.parse([])),
    }
    if fmt not in formatters:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(CHECK_FORMATS)}")
    return formatters[fmt]()


# --------------------------------------------------------------------------
# history reports
# --------------------------------------------------------------------------


def _ts(value: Any) -> str:
    text = to_jsonable(value)
    return "" if text is None else str(text)[:19].replace("T", " ")


def link_record_json(rec: LinkRecord) -> dict[str, Any]:
    return {
        "url": rec.url, "source_id": rec.source_id, "state": str(rec.state),
        "failing_count": rec.failing_count, "checks": rec.checks,
        "last_class": str(rec.last_class) if rec.last_class else None,
        "last_checked_at": to_jsonable(rec.last_checked_at),
        "last_success_at": to_jsonable(rec.last_success_at),
        "first_failure_at": to_jsonable(rec.first_failure_at),
        "last_failure_at": to_jsonable(rec.last_failure_at),
        "state_since": to_jsonable(rec.state_since),
    }


def check_record_json(c: CheckRecord) -> dict[str, Any]:
    return {
        "checked_at": to_jsonable(c.checked_at), "run_id": c.run_id, "source_id": c.source_id,
        "class": str(c.link_class),
        "observed_class": str(c.observed_class) if c.observed_class else None,
        "http_status": c.http_status, "final_url": c.final_url,
        "redirects": [{"url": h.url, "status": h.status, "location": h.location}
                      for h in c.redirects],
        "error": c.error, "detail": c.detail, "elapsed_ms": c.elapsed_ms,
        "body_size": c.body_size, "body_sha256": c.body_sha256, "attempts": c.attempts,
        "counted": c.counted, "state_after": str(c.state_after),
        "failing_after": c.failing_after, "run_inconclusive": c.run_inconclusive,
    }


def transition_json(t: Transition) -> dict[str, Any]:
    return {"at": to_jsonable(t.at), "from": str(t.from_state), "to": str(t.to_state),
            "failing_count": t.failing_count, "reason": t.reason}


LINKS_HEADERS = ("url", "source", "state", "failing", "checks", "last class", "last checked",
                 "since")


def format_links(records: Sequence[LinkRecord], fmt: str) -> str:
    """All URLs and their states (``archiver history`` without a URL)."""
    if fmt == "json":
        return dumps({"links": [link_record_json(r) for r in records]})
    rows = [[r.url, r.source_id, r.state, r.failing_count, r.checks, r.last_class,
             _ts(r.last_checked_at), _ts(r.state_since)] for r in records]
    if fmt == "csv":
        return csv_table(LINKS_HEADERS, rows)
    states = Counter(r.state for r in records)
    summary = f"{len(records)} links: " + ", ".join(
        f"{states[s]} {s}" for s in LinkState if states[s])
    if fmt == "markdown":
        return f"## Link history\n\n{summary}\n\n{markdown_table(LINKS_HEADERS, rows)}"
    return f"{text_table(LINKS_HEADERS, rows)}\n\n{summary}"


CHECKS_HEADERS = ("checked at", "class", "http", "counted", "state after", "detail")


def format_link_history(record: LinkRecord, checks: Sequence[CheckRecord],
                        transitions: Sequence[Transition], fmt: str) -> str:
    """One URL's checks and state changes (``archiver history URL``)."""
    if fmt == "json":
        return dumps({"link": link_record_json(record),
                      "checks": [check_record_json(c) for c in checks],
                      "transitions": [transition_json(t) for t in transitions]})
    rows = [[_ts(c.checked_at),
             f"{c.link_class} ({c.observed_class})" if c.observed_class else c.link_class,
             c.http_status, "yes" if c.counted else "no",
             f"failing({c.failing_after})" if c.state_after is LinkState.FAILING
             else c.state_after, c.detail] for c in checks]
    trows = [[_ts(t.at), t.from_state, t.to_state, t.reason] for t in transitions]
    if fmt == "csv":
        return csv_table(CHECKS_HEADERS, rows)
    state = (f"failing ({record.failing_count} counted failures)"
             if record.state is LinkState.FAILING else str(record.state))
    head = f"{record.url}\nstate: {state}; {record.checks} checks"
    if record.state_since:
        head += f"; {record.state} since {_ts(record.state_since)}"
    if fmt == "markdown":
        return "\n".join([f"## {md_escape(record.url)}", "", md_escape(head.split("\n", 1)[1]),
                          "", "### Checks", "", markdown_table(CHECKS_HEADERS, rows), "",
                          "### State changes", "",
                          markdown_table(("at", "from", "to", "reason"), trows)])
    return "\n".join([head, "", "checks:", text_table(CHECKS_HEADERS, rows, max_width=70), "",
                      "state changes:",
                      text_table(("at", "from", "to", "reason"), trows, max_width=70)
                      if trows else "(none)"])
