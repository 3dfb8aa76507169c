"""Link-check and history results as text: table, JSON, JSONL, CSV, Markdown, JUnit.

Pure functions: they neither print, nor write files, nor judge. Which results
fail a run is the :class:`~archiver.failon.FailOn`'s call; the JUnit report
only shows it.

JSON, JSON Lines and CSV are built by :mod:`archiver.report.serialize`; their
shapes are the JSON Schemas ``archiver/schemas/check.schema.json`` (``check``)
and ``history-links``, ``history-link`` (``history``), with the records in
``records.schema.json``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from archiver.failon import Command, FailOn, parse_fail_on
from archiver.models import CheckRun, LinkClass, LinkResult, LinkState
from archiver.report import serialize
from archiver.report.common import for_people, markdown_table, md_escape, text_table

if TYPE_CHECKING:  # the history reports' records; a link check reads none
    from archiver.history import CheckRecord, LinkRecord, Transition

CHECK_FORMATS = ("table", "json", "jsonl", "csv", "markdown", "junit")
HISTORY_FORMATS = ("table", "json", "csv", "markdown")

#: Classes that are not a verdict on the link (JUnit "skipped").
INCONCLUSIVE_CLASSES = frozenset({LinkClass.BLOCKED, LinkClass.PAYWALLED, LinkClass.TRANSIENT,
                                  LinkClass.INVALID, LinkClass.INCONCLUSIVE,
                                  LinkClass.IGNORED})
#: Table order: the worst news first.
CLASS_ORDER = (LinkClass.GONE, LinkClass.SOFT404, LinkClass.TLS_ERROR, LinkClass.TRANSIENT,
               LinkClass.BLOCKED, LinkClass.PAYWALLED, LinkClass.INVALID,
               LinkClass.INCONCLUSIVE, LinkClass.IGNORED, LinkClass.REDIRECTED, LinkClass.OK)


# --------------------------------------------------------------------------
# check reports
# --------------------------------------------------------------------------


def summary_line(run: CheckRun, tally: serialize.LinkTally | None = None) -> str:
    """One line: how many links of each class, and the run's state (counted over
    ``tally`` when the run's results were streamed)."""
    if tally is None:
        tally = serialize.LinkTally.of(run.results)
    parts = [f"{tally.classes[c]} {c}" for c in reversed(CLASS_ORDER) if tally.classes[c]]
    text = f"{tally.links} links checked: " + (", ".join(parts) or "none")
    if tally.dead:
        text += f"; {tally.dead} dead by history"
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
#: With links read from documents (``archiver check README.md docs/``), "where" replaces
#: "source": the first file:line the link is written at, and how many more.
WHERE_HEADERS = ("where", "class", "http", "state", "url", "detail")


def _where(r: LinkResult, *, every: bool = False) -> str:
    if every or len(r.locations) <= 1:
        return ", ".join(r.locations)
    return f"{r.locations[0]} (+{len(r.locations) - 1})"


def _located(results: Sequence[LinkResult]) -> bool:
    return any(r.locations for r in results)


def _headers(results: Sequence[LinkResult]) -> tuple[str, ...]:
    return WHERE_HEADERS if _located(results) else ROW_HEADERS


def _row(r: LinkResult, *, located: bool = False, every: bool = False) -> list[Any]:
    first = _where(r, every=every) if located else r.source_id
    return [first, r.link_class, r.http_status, _state(r), r.url, _explain(r)]


def format_table(run: CheckRun) -> str:
    located = _located(run.results)
    table = text_table(_headers(run.results),
                       [_row(r, located=located) for r in _sorted(run.results)])
    return for_people(f"{table}\n\n{summary_line(run)}")


def format_json(run: CheckRun, policy: FailOn | None = None) -> str:
    return serialize.to_json(serialize.check_document(run, policy))


def format_jsonl(run: CheckRun, policy: FailOn | None = None) -> str:
    return serialize.to_jsonl(serialize.check_document(run, policy))


def format_csv(run: CheckRun) -> str:
    return serialize.to_csv(serialize.CHECK_COLUMNS,
                            [serialize.link_result(r) for r in run.results])


def format_markdown(run: CheckRun, policy: FailOn | None = None) -> str:
    """A report for a GitHub job summary: findings first, everything in a fold."""
    out = [f"## Link check: {md_escape(run.manifest_id)}", "", md_escape(summary_line(run)), ""]
    if run.inconclusive:
        out += [f"> **Run inconclusive:** {md_escape(run.inconclusive_reason or '')}. "
                "No link's history advanced; rerun when the network is back.", ""]
    findings = [r for r in _sorted(run.results) if not r.link_class.is_success
                or r.state in (LinkState.FAILING, LinkState.DEAD)]
    if policy is not None:
        failed = [r for r in run.results if policy.matches_link(r)]
        out += [f"**Fails the run** (`--fail-on {policy}`): {len(failed)}", ""]
    located = _located(run.results)
    headers = _headers(run.results)
    if findings:
        out += ["### Findings", "",
                markdown_table(headers, [_row(r, located=located, every=True)
                                         for r in findings]), ""]
    else:
        out += ["No findings.", ""]
    out += ["<details><summary>All links</summary>", "",
            markdown_table(headers, [_row(r, located=located, every=True)
                                     for r in _sorted(run.results)]), "",
            "</details>"]
    return for_people("\n".join(out))


def _file_line(location: str) -> tuple[str, int | None]:
    file, _, line = location.rpartition(":")
    return (file, int(line)) if file and line.isdigit() else (location, None)


def format_junit(run: CheckRun, policy: FailOn) -> str:
    """One test case per source: failed when the policy says so, skipped when inconclusive."""
    from archiver.report.junit import JUnitCase, junit_xml  # loaded for JUnit only

    cases = []
    for r in run.results:
        message = f"{r.link_class}: {_explain(r)}".rstrip(": ")
        failed = policy.matches_link(r) and not run.inconclusive
        skipped = (r.link_class in INCONCLUSIVE_CLASSES and not failed)
        details = "\n".join(
            [f"url: {r.url}", f"class: {r.link_class}", f"state: {_state(r)}",
             f"http status: {r.http_status}", f"final url: {r.final_url}"]
            + [f"redirect: {h.status} {h.url} -> {h.location}" for h in r.redirects]
            + [f"detail: {r.detail}"] + [f"written at: {where}" for where in r.locations])
        file, line = _file_line(r.locations[0]) if r.locations else (None, None)
        cases.append(JUnitCase(
            # a link read from documents is named by where it is written: "docs/a.md:12: URL"
            name=f"{_where(r, every=True) if r.locations else r.source_id}: {r.url}",
            classname=f"archiver.check.{file}" if file else f"archiver.check.{run.manifest_id}",
            failure=message if failed else None, failure_type=str(r.link_class),
            skipped=message if skipped else None, details=details,
            time=(r.elapsed_ms or 0) / 1000, file=file, line=line))
    return junit_xml(f"archiver check {run.manifest_id}", cases)


def format_check_run(run: CheckRun, fmt: str, policy: FailOn | None = None) -> str:
    """The report of a check run in ``fmt`` (one of :data:`CHECK_FORMATS`)."""
    formatters: dict[str, Callable[[], str]] = {
        "table": lambda: format_table(run),
        "json": lambda: format_json(run, policy),
        "jsonl": lambda: format_jsonl(run, policy),
        "csv": lambda: format_csv(run),
        "markdown": lambda: format_markdown(run, policy),
        "junit": lambda: format_junit(run, policy or parse_fail_on(None, Command.CHECK)),
    }
    if fmt not in formatters:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(CHECK_FORMATS)}")
    return formatters[fmt]()


# --------------------------------------------------------------------------
# history reports
# --------------------------------------------------------------------------


def _ts(value: datetime | None) -> str:
    return "" if value is None else serialize.timestamp(value)[:19].replace("T", " ")


LINKS_HEADERS = ("url", "source", "state", "failing", "checks", "last class", "last checked",
                 "since")


def format_links(records: Sequence[LinkRecord], fmt: str) -> str:
    """All URLs and their states (``archiver history`` without a URL)."""
    if fmt == "json":
        return serialize.to_json(serialize.links_document(records))
    if fmt == "csv":
        return serialize.to_csv(serialize.LINK_RECORD_COLUMNS,
                                [serialize.link_record(r) for r in records])
    rows = [[r.url, r.source_id, r.state, r.failing_count, r.checks, r.last_class,
             _ts(r.last_checked_at), _ts(r.state_since)] for r in records]
    states = Counter(r.state for r in records)
    summary = f"{len(records)} links: " + ", ".join(
        f"{states[s]} {s}" for s in LinkState if states[s])
    if fmt == "markdown":
        return for_people(f"## Link history\n\n{summary}\n\n"
                          f"{markdown_table(LINKS_HEADERS, rows)}")
    return for_people(f"{text_table(LINKS_HEADERS, rows)}\n\n{summary}")


CHECKS_HEADERS = ("checked at", "class", "http", "counted", "state after", "detail")


def format_link_history(record: LinkRecord, checks: Sequence[CheckRecord],
                        transitions: Sequence[Transition], fmt: str) -> str:
    """One URL's checks and state changes (``archiver history URL``)."""
    if fmt == "json":
        return serialize.to_json(serialize.link_history_document(record, checks, transitions))
    if fmt == "csv":
        return serialize.to_csv(serialize.CHECK_RECORD_COLUMNS,
                                [serialize.check_record(c) for c in checks])
    rows = [[_ts(c.checked_at),
             f"{c.link_class} ({c.observed_class})" if c.observed_class else c.link_class,
             c.http_status, "yes" if c.counted else "no",
             f"failing({c.failing_after})" if c.state_after is LinkState.FAILING
             else c.state_after, c.detail] for c in checks]
    trows = [[_ts(t.at), t.from_state, t.to_state, t.reason] for t in transitions]
    state = (f"failing ({record.failing_count} counted failures)"
             if record.state is LinkState.FAILING else str(record.state))
    head = f"{record.url}\nstate: {state}; {record.checks} checks"
    if record.state_since:
        head += f"; {record.state} since {_ts(record.state_since)}"
    if fmt == "markdown":
        return for_people("\n".join([
            f"## {md_escape(record.url)}", "", md_escape(head.split("\n", 1)[1]),
            "", "### Checks", "", markdown_table(CHECKS_HEADERS, rows), "",
            "### State changes", "", markdown_table(("at", "from", "to", "reason"), trows)]))
    return for_people("\n".join([head, "", "checks:",
                                  text_table(CHECKS_HEADERS, rows, max_width=70), "",
                                  "state changes:",
                                  text_table(("at", "from", "to", "reason"), trows, max_width=70)
                                  if trows else "(none)"]))
