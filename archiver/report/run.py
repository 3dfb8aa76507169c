"""Reports of a whole run: a table, JSON, Markdown, a self-contained HTML page, Robust Links.

Pure functions of a :class:`~archiver.models.RunResult` and its manifest: no
I/O, no verdicts. The HTML page (:mod:`archiver.report.html`) loads nothing
from the network and is well-formed XML; every text in it is escaped by
:mod:`archiver.report.safe`, and its links, like the Markdown report's and the
Robust Links file's, go only to http(s) URLs (:func:`~archiver.report.safe.link_target`).
Above :data:`MD_ALL_ROWS_MAX` sources, report.md lists only the sources with
problems or changes, and says so.

``archiver run --report DIR`` writes :data:`REPORT_FILES`; ``--format`` picks
one of :data:`RUN_FORMATS` for standard output (:func:`render`).

``report.json`` (and ``--format json``) is built by
:mod:`archiver.report.serialize`; its shape is the JSON Schema
``archiver/schemas/run.schema.json``. ``archiver history --runs`` and ``--run
ID`` in JSON follow ``history-runs.schema.json`` and ``history-run.schema.json``.
The records they share are in ``records.schema.json``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from archiver._version import __version__
from archiver.history import RunRecord
from archiver.models import (
    CaptureKind,
    CaptureResult,
    Change,
    ChangeKind,
    DatePrecision,
    LinkClass,
    LinkResult,
    LinkState,
    Manifest,
    QuoteResult,
    QuoteStatus,
    RunResult,
    Source,
)
from archiver.report import serialize
from archiver.report.common import for_people, markdown_table, md_escape, text_table
from archiver.report.run_rows import SourceRow, Summary
from archiver.report.safe import (
    Markdown,
    html_comment,
    html_text,
    link_target,
    md_link,
)
from archiver.report.serialize import capture_word, rows, summarize
from archiver.store.live import live_label

#: Excerpts mark the matched passage between these brackets (archiver.verify).
MARK_OPEN, MARK_CLOSE = "⟦", "⟧"

#: Changes shown as bad news (the rest are good news or neutral).
BAD_CHANGES = frozenset(k for k in ChangeKind if k.is_regression)


def summary(result: RunResult) -> Summary:
    return summarize(result.links, result.captures, result.quotes, result.changes)


#: The tone of each link class in the reports; a "bad" one makes its source a problem.
LINK_TONE = {
    LinkClass.OK: "good", LinkClass.REDIRECTED: "good", LinkClass.GONE: "bad",
    LinkClass.SOFT404: "bad", LinkClass.TLS_ERROR: "bad", LinkClass.BLOCKED: "warn",
    LinkClass.PAYWALLED: "warn", LinkClass.TRANSIENT: "warn", LinkClass.INVALID: "bad",
    LinkClass.INCONCLUSIVE: "neutral",
}

#: Above this many sources, report.md lists only the sources with problems or changes.
MD_ALL_ROWS_MAX = 500
#: report.md lists at most this many sources, and this many quotes per list (a GitHub
#: job summary is limited to 1 MiB per step: docs.github.com, "Adding a job summary").
MD_LIST_MAX = 1000


def is_problem(row: SourceRow, skipped: set[tuple[str, int]]) -> bool:
    """A source with a change, a bad link, or a judged quote not found or drifted."""
    if row.changes:
        return True
    if row.link is not None and LINK_TONE.get(row.link.link_class) == "bad":
        return True
    return any((not q.status.is_found or q.drifted)
               and (q.source_id, q.quote_index) not in skipped for q in row.quotes)


def date_text(src: Source) -> str:
    if src.published_precision is DatePrecision.YEAR:
        return f"{src.published.year}"
    if src.published_precision is DatePrecision.MONTH:
        return src.published.strftime("%Y-%m")
    return src.published.isoformat()


_RAW_MEMENTO_RE = re.compile(r"/(\d{14})id_/")


def replay_url(memento_url: str) -> str:
    """The archive's replay URL of a memento, for people.

    ``fetch`` downloads raw captures (``…/20140906101500id_/http://…``); a
    reader, and the Robust Links ``data-versionurl``, want the archive's normal
    replay page (``…/20140906101500/http://…``).
    """
    return _RAW_MEMENTO_RE.sub(r"/\1/", memento_url, count=1)


def _when(dt: datetime | None) -> str:
    return dt.strftime("%Y-%m-%d %H:%M:%S UTC") if dt else ""


# --------------------------------------------------------------------------
# Triage: what an archivist looks at first
# --------------------------------------------------------------------------

_ANCHOR_SAFE = re.compile(r"[A-Za-z0-9.-]")


def source_anchor(source_id: str) -> str:
    """The HTML ``id`` of a source's row: ``source-`` and the id, safe as an id and a fragment.

    Letters, digits, ``.`` and ``-`` are kept; every other character (``_``
    included) is written ``_`` and its code point in hex and ``_``, so two ids
    never share an anchor and the anchor has no space (WHATWG HTML §3.2.6.2, the
    id attribute) and nothing a URL fragment would percent-encode (WHATWG URL,
    the fragment percent-encode set).
    """
    return "source-" + "".join(ch if _ANCHOR_SAFE.fullmatch(ch) else f"_{ord(ch):x}_"
                               for ch in source_id)


def unjudged(result: RunResult) -> set[tuple[str, int]]:
    """The quotes an inconclusive run could not judge, as (source id, quote number).

    A quote is unjudged when the run is inconclusive and it is unverifiable for
    want of a capture that fetch did not attempt (it stopped: rate-limited or no
    archive reachable) or did not report at all. A capture the archive said it
    does not have is an answer; a stopped fetch is none.
    """
    if not result.inconclusive:
        return set()
    captures = {c.source_id: c for c in result.captures}
    out = set()
    for q in result.quotes:
        cap = captures.get(q.source_id)
        if q.status is QuoteStatus.UNVERIFIABLE and (
                cap is None or (cap.capture is None and cap.outcome.stopped)):
            out.add((q.source_id, q.quote_index))
    return out


_FIRST_CLAUSE = re.compile(r"[:;(]| - ")
_STAGE = re.compile(r"(?:^|;\s*)(check|fetch|verify): ")
SHORT_REASON_MAX = 120


def short_reason(reason: str | None) -> str:
    """The inconclusive reason for a one-line banner: each stage's reason to its first clause.

    ``fetch: no archive could be reached: https://…/cdx?url=…`` becomes
    ``fetch: no archive could be reached``; the full reason stays in report.json.
    """
    if not reason:
        return "the run stopped early"
    stages = list(_STAGE.finditer(reason))
    parts = [_FIRST_CLAUSE.split(reason, maxsplit=1)[0].strip()] if not stages else []
    for i, m in enumerate(stages):
        end = stages[i + 1].start() if i + 1 < len(stages) else len(reason)
        clause = _FIRST_CLAUSE.split(reason[m.end():end], maxsplit=1)[0].strip()
        parts.append(f"{m.group(1)}: {clause}")
    short = "; ".join(p for p in parts if p) or "the run stopped early"
    return short if len(short) <= SHORT_REASON_MAX else short[:SHORT_REASON_MAX - 1] + "…"


def comparison_text(result: RunResult) -> str:
    """Which run this one is compared with, worded so the run number and the words agree."""
    if result.run_id is None:
        return "not recorded in a history, so not compared with any run"
    if result.previous_run_id is not None:
        return f"run {result.run_id}, compared with run {result.previous_run_id}"
    if result.run_id == 1:
        return "run 1, the first run"
    return f"run {result.run_id}, no earlier complete run to compare with"


def fixity_text(result: RunResult) -> str:
    """The WARC folder's last fixity check, in one line (what to run when none or bad)."""
    fx = result.last_fixity
    if fx is None:
        return "fixity: never checked (run `archiver fixity` on the manifest)"
    when = _when(fx.checked_at)
    if fx.failed:
        return (f"fixity: {fx.failed} of {fx.files} WARC file(s) CHANGED or unreadable at the "
                f"last check, {when} (`archiver history --fixity` says where)")
    return f"fixity: {fx.files} WARC file(s) intact at the last check, {when}"


@dataclass(frozen=True)
class Tile:
    """One triage count, and the first source row it applies to."""

    label: str
    count: int
    first: str | None  # the source id of the first matching row


def _tiles(result: RunResult, all_rows: Sequence[SourceRow]) -> list[Tile]:
    skipped = unjudged(result)

    def link_is(row: SourceRow, test: Callable[[LinkResult], bool]) -> int:
        return 1 if row.link is not None and test(row.link) else 0

    tests: list[tuple[str, Callable[[SourceRow], int]]] = [
        ("dead", lambda r: link_is(r, lambda x: x.state is LinkState.DEAD)),
        ("failing", lambda r: link_is(r, lambda x: x.state is LinkState.FAILING)),
        ("gone now", lambda r: link_is(
            r, lambda x: x.link_class in (LinkClass.GONE, LinkClass.SOFT404))),
        ("missing", lambda r: sum(q.status is QuoteStatus.MISSING for q in r.quotes)),
        ("altered", lambda r: sum(q.status is QuoteStatus.ALTERED for q in r.quotes)),
        ("drift", lambda r: sum(q.drifted for q in r.quotes)),
        ("no capture", lambda r: 1 if r.capture is not None and r.capture.capture is None
         and not r.capture.outcome.stopped else 0),
    ]
    if result.inconclusive:
        tests.append(("not judged (inconclusive run)", lambda r: sum(
            (q.source_id, q.quote_index) in skipped for q in r.quotes)))
    tiles = []
    for label, test in tests:
        counts = [(row.source.id, test(row)) for row in all_rows]
        tiles.append(Tile(label, sum(n for _, n in counts),
                          next((sid for sid, n in counts if n), None)))
    return tiles


def triage(result: RunResult, manifest: Manifest) -> list[Tile]:
    """The triage counts of a run: dead, failing, gone now, missing, altered, drift, no capture.

    An inconclusive run adds the quotes it could not judge.
    """
    return _tiles(result, rows(result, manifest))


# --------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------


def format_json(result: RunResult, manifest: Manifest) -> str:
    return "".join(serialize.run_json(result, manifest))


def _json_pieces(result: RunResult, manifest: Manifest) -> Iterator[str]:
    """report.json written source by source (the text of :func:`format_json`)."""
    pieces = serialize.run_json(result, manifest)
    # emit() writes an iterator's pieces as they come, ending with a newline
    yield from pieces
    yield "\n"


# --------------------------------------------------------------------------
# Markdown (a GitHub job summary)
# --------------------------------------------------------------------------


def _quote_tally(quotes: Iterable[QuoteResult],
                 skipped: frozenset[tuple[str, int]] | set[tuple[str, int]] = frozenset()
                 ) -> str:
    counts = Counter("not judged" if (q.source_id, q.quote_index) in skipped
                     else q.status.value for q in quotes)
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))


def _link_cell(link: LinkResult | None) -> Markdown:
    """The link's class and state: archiver's own words (a table cell as it is)."""
    if link is None:
        return Markdown("—")
    text = link.link_class.value
    if link.state is not LinkState.UNKNOWN:
        text += f" ({link.state.value}"
        text += f" ×{link.failing_count})" if link.state is LinkState.FAILING else ")"
    return Markdown(text)


def _capture_cell(capture: CaptureResult | None) -> Markdown:
    """The capture's date or what fetch did: archiver's own words."""
    if capture is None:
        return Markdown("—")
    if capture.capture is not None:
        if capture.capture.kind is CaptureKind.LIVE:
            return Markdown(live_label(capture.capture.memento_datetime))
        return Markdown(capture.capture.memento_datetime.strftime("%Y-%m-%d"))
    return Markdown(capture_word(capture))


def _inconclusive_line(result: RunResult, skipped: set[tuple[str, int]],
                       escape: Callable[[str], str]) -> str:
    """Why the run is inconclusive, once, in one line (the full reason is in report.json).

    ``escape`` is applied to the reason; the rest is archiver's own plain words.
    """
    line = f"{escape(short_reason(result.inconclusive_reason))}."
    if result.check_inconclusive:
        line += " No link's history advanced."
    if skipped:
        line += f" {len(skipped)} quote(s) not judged."
    return line


def format_markdown(result: RunResult, manifest: Manifest) -> str:
    s = summary(result)
    all_rows = rows(result, manifest)
    skipped = unjudged(result)
    out = [f"## archiver run: {md_escape(manifest.title)}", ""]
    if result.inconclusive:
        out += [f"> **Inconclusive run**: {_inconclusive_line(result, skipped, md_escape)}", ""]
    compared = comparison_text(result)
    out.append(f"- {md_escape(compared[:1].upper() + compared[1:])}, "
               f"at {_when(result.started_at)}; {s.sources} source(s), "
               f"{len(result.changes)} change(s)")
    fixity = fixity_text(result)
    out.append(f"- {md_escape(fixity[:1].upper() + fixity[1:])}")
    out.append("")
    tiles = _tiles(result, all_rows)
    out.append(markdown_table([t.label for t in tiles], [[t.count for t in tiles]]))
    out.append("")
    if result.changes:
        out += ["### Changes since the previous run", ""]
        if len(result.changes) > MD_LIST_MAX:
            out += [f"The first {MD_LIST_MAX} of {len(result.changes)} "
                    "(report.json has them all):", ""]
        for change in result.changes[:MD_LIST_MAX]:
            mark = "⚠️" if change.kind in BAD_CHANGES else "✅"
            out.append(f"- {mark} **{md_escape(change.source_id)}**: {md_escape(change.detail)}")
        out.append("")
    out += ["### Sources", ""]
    listed = all_rows
    if len(all_rows) > MD_ALL_ROWS_MAX:
        listed = [row for row in all_rows if is_problem(row, skipped)]
        out += [f"{len(all_rows)} sources (more than {MD_ALL_ROWS_MAX}): only the "
                f"{len(listed)} with problems or changes are listed; report.html and "
                "report.json have every source.", ""]
    if len(listed) > MD_LIST_MAX:
        out += [f"The first {MD_LIST_MAX} of them:", ""]
        listed = listed[:MD_LIST_MAX]
    table = []
    for row in listed:
        src = row.source
        table.append([src.publisher, md_link(src.title, src.url), date_text(src),
                      _link_cell(row.link), _capture_cell(row.capture),
                      Markdown(_quote_tally(row.quotes, skipped) or "—")])
    out.append(markdown_table(["publisher", "title", "date", "link", "capture", "quotes"],
                              table))
    problems = [q for q in result.quotes if not q.status.is_found
                and (q.source_id, q.quote_index) not in skipped]
    if problems:
        out += ["", "### Quotes that did not verify", ""]
        if len(problems) > MD_LIST_MAX:
            out += [f"The first {MD_LIST_MAX} of {len(problems)} (report.json has them all):",
                    ""]
        for q in problems[:MD_LIST_MAX]:
            extra = " (probable translation)" if q.probable_translation else ""
            out.append(f"- `{q.status.value}`{extra} **{md_escape(q.source_id)}** "
                       f"#{q.quote_index}: “{md_escape(q.text[:160])}”")
    drifted = [q for q in result.quotes if q.drifted]
    if drifted:
        out += ["", "### Quotes gone from or changed on the live page", ""]
        if len(drifted) > MD_LIST_MAX:
            out += [f"The first {MD_LIST_MAX} of {len(drifted)} (report.json has them all):",
                    ""]
        for q in drifted[:MD_LIST_MAX]:
            why = f" ({md_escape(q.live_detail)})" if q.live_detail else ""
            out.append(f"- `{q.live_status}` **{md_escape(q.source_id)}** "
                       f"#{q.quote_index}: “{md_escape(q.text[:160])}”{why}")
    return for_people("\n".join(out) + "\n")


# --------------------------------------------------------------------------
# HTML (archiver/report/html.py)
# --------------------------------------------------------------------------


def _e(text: object) -> str:
    return html_text(text)


def format_html(result: RunResult, manifest: Manifest, **options: Any) -> str:
    """The run as one self-contained HTML page: :func:`archiver.report.html.format_html`."""
    from archiver.report.html import format_html as page

    return page(result, manifest, **options)


def html_pieces(result: RunResult, manifest: Manifest, **options: Any) -> Iterator[str]:
    """report.html in pieces (:func:`archiver.report.html.html_pieces`), written as they come."""
    from archiver.report.html import html_pieces as pieces

    return pieces(result, manifest, **options)


# --------------------------------------------------------------------------
# A table for the terminal, and the one-line summary
# --------------------------------------------------------------------------


def _counts(tally: dict[str, int]) -> str:
    return ", ".join(f"{n} {k}" for k, n in tally.items()) or "none"


def summary_line(result: RunResult) -> str:
    """One line for stderr and logs: what the run found and what changed."""
    s = summary(result)
    noun = "source" if s.sources == 1 else "sources"
    line = (f"{s.sources} {noun}: links {_counts(s.links)}; captures {_counts(s.captures)}; "
            f"quotes {_counts(s.quotes)}")
    if result.previous_run_id is not None:
        bad = sum(1 for c in result.changes if c.kind in BAD_CHANGES)
        line += (f"; {len(result.changes)} change(s) since run {result.previous_run_id}"
                 + (f" ({bad} bad)" if bad else ""))
    elif result.run_id is not None:
        line += ("; first run" if result.run_id == 1
                 else "; no earlier complete run to compare with")
    if result.inconclusive:
        line += "; INCONCLUSIVE"
    return line


def format_table(result: RunResult, manifest: Manifest) -> str:
    """The run for a terminal: the summary, the changes, one line per source."""
    out = [f"archiver run: {manifest.title}"
           + (f" (run {result.run_id})" if result.run_id is not None else ""),
           summary_line(result)]
    if result.inconclusive:
        out.append(f"inconclusive: {short_reason(result.inconclusive_reason)}")
    if result.changes:
        out += ["", f"Changes since run {result.previous_run_id}:"]
        out += [f"  {'!' if c.kind in BAD_CHANGES else '+'} {c.source_id}: {c.detail}"
                for c in result.changes]
    table = []
    skipped = unjudged(result)
    for row in rows(result, manifest):
        table.append([row.source.id, _link_cell(row.link), _capture_cell(row.capture),
                      _quote_tally(row.quotes, skipped) or "—", "*" if row.changes else ""])
    out += ["", text_table(["source", "link", "capture", "quotes", "changed"], table)]
    return for_people("\n".join(out) + "\n")


#: ``archiver run --format`` choices.
RUN_FORMATS = ("table", "json", "markdown")
#: The files ``archiver run --report DIR`` writes, and their formatters.
REPORT_FILES: dict[str, Callable[[RunResult, Manifest], str | Iterable[str]]] = {
    "report.json": _json_pieces, "report.md": format_markdown, "report.html": html_pieces,
}


def render(result: RunResult, manifest: Manifest, fmt: str) -> str:
    """The run in one of :data:`RUN_FORMATS`."""
    if fmt == "json":
        return format_json(result, manifest)
    if fmt == "markdown":
        return format_markdown(result, manifest)
    if fmt == "table":
        return format_table(result, manifest)
    raise ValueError(f"unknown run format {fmt!r}")


# --------------------------------------------------------------------------
# The list of stored runs (``archiver history --runs``)
# --------------------------------------------------------------------------

RUN_LIST_FORMATS = ("table", "json", "csv", "markdown")


def format_run_list(runs: Sequence[tuple[RunRecord, int | None, Sequence[Change]]],
                    fmt: str) -> str:
    """Stored runs, each with the run it is compared with and its changes."""
    if fmt == "json":
        return serialize.to_json(serialize.runs_document(runs))
    if fmt == "csv":
        return serialize.to_csv(serialize.STORED_RUN_COLUMNS,
                                [serialize.stored_run(*run) for run in runs])
    headers = ["run", "kind", "started", "links", "dead", "captures", "quotes", "changes"]
    table = []
    for run, baseline, changes in runs:
        found = sum(1 for q in run.quotes if q.status.is_found)
        stored = sum(1 for c in run.captures if c.capture is not None)
        inconclusive = run.inconclusive or (run.kind == "run" and not run.baseline)
        bad = sum(1 for c in changes if c.kind in BAD_CHANGES)
        change_text = (f"{len(changes)} ({bad} bad) vs run {baseline}"
                       if baseline is not None else "—")
        links = (_counts(dict(sorted(Counter(r.link_class.value for r in run.links).items())))
                 if run.links else "—")
        table.append([
            str(run.id) + (" (inconclusive)" if inconclusive else ""), run.kind,
            _when(run.started_at), links,
            sum(1 for r in run.links if r.state is LinkState.DEAD),
            f"{stored}/{len(run.captures)}" if run.captures else "—",
            f"{found}/{len(run.quotes)}" if run.quotes else "—", change_text])
    if fmt == "markdown":
        return for_people(markdown_table(headers, table) + "\n")
    return for_people(text_table(headers, table, max_width=80) + "\n")


def format_run_changes(run: RunRecord, baseline: RunRecord | None,
                       changes: Sequence[Change], fmt: str) -> str:
    """What changed in one stored run since the run it is compared with."""
    compared_with = baseline.id if baseline is not None else None
    if fmt == "json":
        return serialize.to_json(serialize.run_changes_document(run, compared_with, changes))
    if fmt == "csv":
        return serialize.to_csv(serialize.CHANGE_COLUMNS, [serialize.change(c) for c in changes])
    if fmt == "markdown":
        headers = ["source", "change", "detail", "before", "after"]
        table = [[c.source_id, c.kind, c.detail, c.before or "", c.after or ""]
                 for c in changes]
        return for_people(markdown_table(headers, table) + "\n")
    head = f"run {run.id} ({run.kind}, {_when(run.started_at)})"
    if baseline is None:
        why = ("not an `archiver run`" if run.kind != "run"
               else "no earlier complete run of this manifest to compare with")
        return for_people(f"{head}: {why}\n")
    out = [f"{head} compared with run {baseline.id} ({_when(baseline.started_at)}): "
           f"{len(changes)} change(s)"]
    out += [f"  {'!' if c.kind in BAD_CHANGES else '+'} {c.source_id}: {c.detail}"
            for c in changes]
    return for_people("\n".join(out) + "\n")


# --------------------------------------------------------------------------
# Robust Links
# --------------------------------------------------------------------------


#: What a page needs to show these links as Robust Links, said in the snippet's first comment.
#: The Robust Links project (https://robustlinks.mementoweb.org/) provides the script and the
#: style sheet; archiver names them and that page rather than a copy or a CDN address.
ROBUST_LINKS_HOWTO = (
    "To show them as Robust Links (a menu to the archived version), the page must also\n"
    "include robustlinks.js and robustlinks.css, the Robust Links project's script and\n"
    "style sheet: see https://robustlinks.mementoweb.org/ for the files and the tags that\n"
    "load them. Without them the links still work as plain links.")


def format_robust_links(result: RunResult, manifest: Manifest) -> str:
    """One Robust Links anchor per source with a stored capture.

    The convention (iipc/robustlinks): ``data-originalurl``, ``data-versionurl``
    and ``data-versiondate`` (YYYY-MM-DD) on the link, so that a reader can
    reach the archived version when the original has rotted. Only http(s) URLs
    are written as links or attributes (:func:`~archiver.report.safe.link_target`):
    a source whose archived version has another URL gets a plain link and a
    comment saying why; a source whose own URL is not http(s) gets its title as
    text.
    """
    captures = {c.source_id: c.capture for c in result.captures if c.capture is not None
                and c.capture.kind is not CaptureKind.LIVE}  # a live capture is no version
    out = ["<!-- Robust Links for manifest "
           f"{html_comment(manifest.id)}, written by archiver {_e(__version__)}.",
           ROBUST_LINKS_HOWTO + " -->"]
    for src in manifest.sources:
        cap = captures.get(src.id)
        version_url: str | None = None
        if cap is None and src.archived_url and src.archived_at:
            version_url, version_date = src.archived_url, src.archived_at
        elif cap is not None:
            version_url, version_date = replay_url(cap.memento_url), cap.memento_datetime
        original = link_target(src.url)
        if original is None:
            out.append(f"<!-- {html_comment(src.id)}: its URL is not an http(s) URL: "
                       f"{html_comment(src.url)} -->")
            out.append(_e(src.title))
            continue
        if version_url is None or link_target(version_url) is None:
            why = ("no archived version known" if version_url is None else
                   f"its archived version's URL is not an http(s) URL: "
                   f"{html_comment(version_url)}")
            out.append(f"<!-- {html_comment(src.id)}: {why} -->")
            out.append(f'<a href="{_e(original)}">{_e(src.title)}</a>')
            continue
        out.append(
            f'<a href="{_e(original)}" data-originalurl="{_e(original)}" '
            f'data-versionurl="{_e(version_url)}" '
            f'data-versiondate="{version_date.strftime("%Y-%m-%d")}">{_e(src.title)}</a>')
    return "\n".join(out) + "\n"
