"""Reports of a whole run: a table, JSON, Markdown, a self-contained HTML page, Robust Links.

Pure functions of a :class:`~archiver.models.RunResult` and its manifest: no
I/O, no verdicts. The HTML page loads nothing from the network (no CDN, no
fonts, no images): its CSS and its few lines of script are inline. It is also
well-formed XML (void elements closed, the script in a CDATA section), so an
XML parser can check it; every text in it is escaped by
:mod:`archiver.report.safe`, and its links, like the Markdown report's and the
Robust Links file's, go only to http(s) URLs (:func:`~archiver.report.safe.link_target`).

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
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from archiver._version import __version__
from archiver.history import RunRecord
from archiver.models import (
    CaptureResult,
    Change,
    ChangeKind,
    DatePrecision,
    LinkClass,
    LinkResult,
    LinkState,
    LiveStatus,
    Manifest,
    QuoteResult,
    QuoteStatus,
    RunResult,
    Source,
)
from archiver.report import serialize
from archiver.report.common import for_people, markdown_table, md_escape, text_table
from archiver.report.safe import (
    Markdown,
    html_comment,
    html_link,
    html_text,
    link_target,
    md_link,
)
from archiver.report.serialize import SourceRow, Summary, capture_word, rows, summarize

#: Excerpts mark the matched passage between these brackets (archiver.verify).
MARK_OPEN, MARK_CLOSE = "⟦", "⟧"

#: Changes shown as bad news (the rest are good news or neutral).
BAD_CHANGES = frozenset(k for k in ChangeKind if k.is_regression)


def summary(result: RunResult) -> Summary:
    return summarize(result.links, result.captures, result.quotes, result.changes)


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
# JSON
# --------------------------------------------------------------------------


def format_json(result: RunResult, manifest: Manifest) -> str:
    return serialize.to_json(serialize.run_document(result, manifest))


# --------------------------------------------------------------------------
# Markdown (a GitHub job summary)
# --------------------------------------------------------------------------


def _quote_tally(quotes: Iterable[QuoteResult]) -> str:
    counts = Counter(q.status for q in quotes)
    return ", ".join(f"{n} {status.value}" for status, n in sorted(counts.items()))


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
        return Markdown(capture.capture.memento_datetime.strftime("%Y-%m-%d"))
    return Markdown(capture_word(capture))


def format_markdown(result: RunResult, manifest: Manifest) -> str:
    s = summary(result)
    out = [f"## archiver run: {md_escape(manifest.title)}", ""]
    if result.inconclusive:
        out += [f"> **Inconclusive run**: {md_escape(result.inconclusive_reason or '')}."
                + (" No link's history advanced." if result.check_inconclusive else ""), ""]
    out.append(f"- Sources: {s.sources}; links: "
               + (", ".join(f"{n} {k}" for k, n in s.links.items()) or "none checked")
               + "; captures: "
               + (", ".join(f"{n} {k}" for k, n in s.captures.items()) or "none")
               + "; quotes: "
               + (", ".join(f"{n} {k}" for k, n in s.quotes.items()) or "none"))
    out.append(f"- Run {result.run_id or '—'} at {_when(result.started_at)}"
               + (f", compared with run {result.previous_run_id}"
                  if result.previous_run_id else ", the first run"))
    out.append("")
    if result.changes:
        out += ["### Changes since the previous run", ""]
        for change in result.changes:
            mark = "⚠️" if change.kind in BAD_CHANGES else "✅"
            out.append(f"- {mark} **{md_escape(change.source_id)}**: {md_escape(change.detail)}")
        out.append("")
    out += ["### Sources", ""]
    table = []
    for row in rows(result, manifest):
        src = row.source
        table.append([src.publisher, md_link(src.title, src.url), date_text(src),
                      _link_cell(row.link), _capture_cell(row.capture),
                      Markdown(_quote_tally(row.quotes) or "—")])
    out.append(markdown_table(["publisher", "title", "date", "link", "capture", "quotes"],
                              table))
    problems = [q for q in result.quotes if not q.status.is_found]
    if problems:
        out += ["", "### Quotes that did not verify", ""]
        for q in problems:
            extra = " (probable translation)" if q.probable_translation else ""
            out.append(f"- `{q.status.value}`{extra} **{md_escape(q.source_id)}** "
                       f"#{q.quote_index}: “{md_escape(q.text[:160])}”")
    drifted = [q for q in result.quotes if q.live_status in (LiveStatus.GONE, LiveStatus.ALTERED)]
    if drifted:
        out += ["", "### Quotes gone from or changed on the live page", ""]
        for q in drifted:
            why = f" ({md_escape(q.live_detail)})" if q.live_detail else ""
            out.append(f"- `{q.live_status}` **{md_escape(q.source_id)}** "
                       f"#{q.quote_index}: “{md_escape(q.text[:160])}”{why}")
    return for_people("\n".join(out) + "\n")


# --------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------

_CSS = """
:root { --ok:#1a7f37; --warn:#9a6700; --bad:#cf222e; --muted:#57606a; --line:#d0d7de; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0;
       color: #1f2328; background: #fff; }
header, main { max-width: 1200px; margin: 0 auto; padding: 16px 24px; }
header { border-bottom: 1px solid var(--line); }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 24px 0 8px; }
.meta { color: var(--muted); font-size: 13px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; min-width: 150px; }
.card b { display: block; font-size: 22px; }
.card.bad { border-color: var(--bad); color: var(--bad); }
td.date { white-space: nowrap; }
.inconclusive { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 8px;
                padding: 10px 14px; margin: 12px 0; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; }
col.c-publisher { width: 11%; } col.c-title { width: 16%; } col.c-date { width: 8.5%; }
col.c-link { width: 16.5%; } col.c-capture { width: 11%; } col.c-quotes { width: 37%; }
td { overflow-wrap: anywhere; }
th, td { text-align: left; vertical-align: top; padding: 8px;
         border-bottom: 1px solid var(--line); }
th { background: #f6f8fa; font-size: 13px; }
tr.changed { background: #fff8c5; }
.badge { display: inline-block; border-radius: 10px; padding: 0 8px; font-size: 12px;
         border: 1px solid currentColor; white-space: nowrap; }
.good { color: var(--ok); } .warn { color: var(--warn); } .bad { color: var(--bad); }
.neutral { color: var(--muted); }
ul.quotes { margin: 0; padding-left: 18px; } ul.quotes li { margin-bottom: 6px; }
.excerpt { color: var(--muted); font-size: 13px; }
mark { background: #fff3a3; color: inherit; }
ul.changes li.bad { color: var(--bad); } ul.changes li.good { color: var(--ok); }
.controls { margin: 8px 0; font-size: 14px; }
"""

_SCRIPT = """//<![CDATA[
document.getElementById('only-problems').addEventListener('change', function (e) {
  var rows = document.querySelectorAll('tr.source');
  for (var i = 0; i < rows.length; i++) {
    rows[i].hidden = e.target.checked && rows[i].getAttribute('data-problem') !== 'yes';
  }
});
//]]>"""

_LINK_TONE = {
    LinkClass.OK: "good", LinkClass.REDIRECTED: "good", LinkClass.GONE: "bad",
    LinkClass.SOFT404: "bad", LinkClass.TLS_ERROR: "bad", LinkClass.BLOCKED: "warn",
    LinkClass.PAYWALLED: "warn", LinkClass.TRANSIENT: "warn", LinkClass.INVALID: "bad",
    LinkClass.INCONCLUSIVE: "neutral",
}
_QUOTE_TONE = {
    QuoteStatus.VERIFIED: "good", QuoteStatus.VERIFIED_TYPO: "good",
    QuoteStatus.ALTERED: "warn", QuoteStatus.MISSING: "bad",
    QuoteStatus.UNVERIFIABLE: "neutral",
}


def _e(text: object) -> str:
    return html_text(text)


def _excerpt_html(excerpt: str) -> str:
    escaped = _e(excerpt)
    return re.sub(re.escape(_e(MARK_OPEN)) + "(.*?)" + re.escape(_e(MARK_CLOSE)),
                  r"<mark>\1</mark>", escaped, flags=re.S)


def _is_problem(row: SourceRow) -> bool:
    if row.changes:
        return True
    if row.link is not None and _LINK_TONE.get(row.link.link_class) == "bad":
        return True
    return any(not q.status.is_found for q in row.quotes)


def _link_html(link: LinkResult | None) -> str:
    if link is None:
        return '<span class="neutral">not checked</span>'
    tone = _LINK_TONE.get(link.link_class, "neutral")
    out = f'<span class="badge {tone}">{_e(link.link_class.value)}</span>'
    if link.state is not LinkState.UNKNOWN:
        count = f" ×{link.failing_count}" if link.state is LinkState.FAILING else ""
        out += f' <span class="meta">{_e(link.state.value)}{count}</span>'
    status = f"HTTP {link.http_status}" if link.http_status else None
    if status and not (link.detail or "").startswith(status):
        out += f'<div class="meta">{status}</div>'
    if link.final_url and link.final_url != link.url:
        out += f'<div class="meta">→ {_e(link.final_url)}</div>'
    if link.detail:
        out += f'<div class="meta">{_e(link.detail)}</div>'
    return out


def _capture_html(capture: CaptureResult | None) -> str:
    if capture is None:
        return '<span class="neutral">—</span>'
    cap = capture.capture
    if cap is None:
        tone = "warn" if capture.outcome.is_excluded else "bad"
        detail = f'<div class="meta">{_e(capture.detail)}</div>' if capture.detail else ""
        return f'<span class="badge {tone}">{_e(capture_word(capture))}</span>{detail}'
    flag = ' <span class="badge warn">before publication</span>' if cap.pre_publication else ""
    when = cap.memento_datetime.strftime("%Y-%m-%d")
    return (html_link(replay_url(cap.memento_url), _e(when))
            + f"{flag}<div class=\"meta\">{_e(cap.warc_file)}</div>")


def _quotes_html(quotes: tuple[QuoteResult, ...]) -> str:
    if not quotes:
        return '<span class="neutral">—</span>'
    items = []
    for q in quotes:
        tone = _QUOTE_TONE.get(q.status, "neutral")
        extra = ""
        if q.method:
            extra += f' <span class="meta">{_e(q.method)}, score {q.score:.2f}</span>'
        if q.probable_translation:
            extra += ' <span class="badge warn">probable translation</span>'
        if q.live_status is LiveStatus.GONE:
            extra += ' <span class="badge bad">gone from the live page</span>'
        elif q.live_status is LiveStatus.ALTERED:
            extra += ' <span class="badge warn">changed on the live page</span>'
        elif q.live_status is LiveStatus.PRESENT:
            extra += ' <span class="badge good">on the live page</span>'
        if q.live_detail and q.live_status in (LiveStatus.GONE, LiveStatus.ALTERED):
            extra += f'<div class="meta">live: {_e(q.live_detail)}</div>'
        body = f"“{_e(q.text)}”"
        if q.excerpt:
            body += f'<div class="excerpt">{_excerpt_html(q.excerpt)}</div>'
        if q.difference:
            body += f'<div class="excerpt">difference: {_e(q.difference)}</div>'
        items.append(f'<li><span class="badge {tone}">{_e(q.status.value)}</span>{extra} '
                     f"{body}</li>")
    return '<ul class="quotes">' + "".join(items) + "</ul>"


def format_html(result: RunResult, manifest: Manifest) -> str:
    s = summary(result)
    all_rows = rows(result, manifest)
    found = sum(1 for q in result.quotes if q.status.is_found)
    dead = sum(1 for r in result.links if r.state is LinkState.DEAD)
    stored = sum(1 for c in result.captures if c.capture is not None)
    bad_changes = sum(1 for c in result.changes if c.kind in BAD_CHANGES)
    cards = [  # (label, value, bad news?)
        ("sources", s.sources, False),
        ("links ok", sum(1 for r in result.links
                         if r.link_class in (LinkClass.OK, LinkClass.REDIRECTED)), False),
        ("dead links", dead, dead > 0),
        ("captures", f"{stored}/{len(result.captures)}", stored < len(result.captures)),
        ("quotes verified", f"{found}/{len(result.quotes)}", found < len(result.quotes)),
        ("changes", len(result.changes), bad_changes > 0),
    ]
    parts = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8"/>',
        '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
        f"<title>archiver report: {_e(manifest.title)}</title>",
        f"<style>{_CSS}</style>", "</head>", "<body>", "<header>",
        f"<h1>{_e(manifest.title)}</h1>",
        f'<div class="meta">manifest <code>{_e(manifest.id)}</code> · run '
        f"{_e(result.run_id or '—')} · {_e(_when(result.started_at))} · archiver "
        f"{_e(__version__)}"
        + (f" · compared with run {_e(result.previous_run_id)}" if result.previous_run_id
           else " · first run") + "</div>",
        "</header>", "<main>",
    ]
    if result.inconclusive:
        voided = " No link's history advanced." if result.check_inconclusive else ""
        parts.append(f'<div class="inconclusive" id="inconclusive"><b>Inconclusive run.</b> '
                     f"{_e(result.inconclusive_reason)}.{voided}</div>")
    parts.append('<section class="cards" id="summary">' + "".join(
        f'<div class="card{" bad" if bad else ""}"><b>{_e(v)}</b>{_e(k)}</div>'
        for k, v, bad in cards) + "</section>")
    parts.append('<section id="changes"><h2>Changes since the previous run</h2>')
    if result.changes:
        parts.append('<ul class="changes">' + "".join(
            f'<li class="{"bad" if c.kind in BAD_CHANGES else "good"}" '
            f'data-kind="{_e(c.kind.value)}"><b>{_e(c.source_id)}</b>: {_e(c.detail)}</li>'
            for c in result.changes) + "</ul>")
    else:
        parts.append('<p class="meta">None.</p>' if result.previous_run_id
                     else '<p class="meta">This is the first run.</p>')
    parts.append("</section>")
    parts.append('<h2>Sources</h2><div class="controls"><label><input type="checkbox" '
                 'id="only-problems"/> show only sources with problems or changes</label></div>')
    parts.append('<table id="sources"><colgroup>' + "".join(
        f'<col class="c-{name}"/>' for name in
        ("publisher", "title", "date", "link", "capture", "quotes")) + "</colgroup>"
        "<thead><tr><th>publisher</th><th>title</th><th>date</th>"
        "<th>link</th><th>capture</th><th>quotes</th></tr></thead><tbody>")
    for row in all_rows:
        src = row.source
        classes = "source changed" if row.changes else "source"
        changed = "".join(f'<div class="meta">changed: {_e(c.detail)}</div>' for c in row.changes)
        parts.append(
            f'<tr class="{classes}" id="src-{_e(src.id)}" data-source-id="{_e(src.id)}" '
            f'data-problem="{"yes" if _is_problem(row) else "no"}">'
            f"<td>{_e(src.publisher)}</td>"
            f"<td>{html_link(src.url, _e(src.title))}"
            f'<div class="meta">{_e(src.relation.value)} · {_e(src.language)}</div>{changed}</td>'
            f'<td class="date">{_e(date_text(src))}</td><td>{_link_html(row.link)}</td>'
            f"<td>{_capture_html(row.capture)}</td><td>{_quotes_html(row.quotes)}</td></tr>")
    parts.append("</tbody></table>")
    if result.notes:
        parts.append("<h2>Notes</h2><ul>" + "".join(f"<li>{_e(n)}</li>" for n in result.notes)
                     + "</ul>")
    parts += ["</main>", f"<script>{_SCRIPT}</script>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"


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
        line += "; first run"
    if result.inconclusive:
        line += "; INCONCLUSIVE"
    return line


def format_table(result: RunResult, manifest: Manifest) -> str:
    """The run for a terminal: the summary, the changes, one line per source."""
    out = [f"archiver run: {manifest.title}"
           + (f" (run {result.run_id})" if result.run_id is not None else ""),
           summary_line(result)]
    if result.inconclusive:
        out.append(f"inconclusive: {result.inconclusive_reason}")
    if result.changes:
        out += ["", f"Changes since run {result.previous_run_id}:"]
        out += [f"  {'!' if c.kind in BAD_CHANGES else '+'} {c.source_id}: {c.detail}"
                for c in result.changes]
    table = []
    for row in rows(result, manifest):
        table.append([row.source.id, _link_cell(row.link), _capture_cell(row.capture),
                      _quote_tally(row.quotes) or "—", "*" if row.changes else ""])
    out += ["", text_table(["source", "link", "capture", "quotes", "changed"], table)]
    return for_people("\n".join(out) + "\n")


#: ``archiver run --format`` choices.
RUN_FORMATS = ("table", "json", "markdown")
#: The files ``archiver run --report DIR`` writes, and their formatters.
REPORT_FILES: dict[str, Callable[[RunResult, Manifest], str]] = {
    "report.json": format_json, "report.md": format_markdown, "report.html": format_html,
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
    captures = {c.source_id: c.capture for c in result.captures if c.capture is not None}
    out = ["<!-- Robust Links for manifest "
           f"{html_comment(manifest.id)}, written by archiver {_e(__version__)}. -->"]
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
