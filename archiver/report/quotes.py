"""Quote-verification results as text: table, JSON, JSON Lines, CSV, Markdown, JUnit.

Pure functions of a :class:`~archiver.models.VerifyRun`; which results count as
failures is decided by the :class:`~archiver.failon.FailOn` passed in.

JSON, JSON Lines and CSV are built by :mod:`archiver.report.serialize`; their
shape is the JSON Schema ``archiver/schemas/verify.schema.json`` (records in
``records.schema.json``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from archiver.failon import Command, FailOn, parse_fail_on
from archiver.models import QuoteResult, QuoteStatus, VerifyRun
from archiver.report import serialize
from archiver.report.common import for_people, markdown_table, md_escape, text_table
from archiver.report.junit import JUnitCase, junit_xml
from archiver.report.safe import Markdown, html_link, html_text
from archiver.verify import FLAG_OTHER_CAPTURE, counts
from archiver.verify.anchor import text_fragment
from archiver.verify.search import FLAG_AMBIGUOUS

FORMATS = ("table", "json", "jsonl", "csv", "markdown", "junit")


def summary(run: VerifyRun) -> str:
    """One line: how many quotes got each status."""
    c = counts(run.results)
    parts = [f"{n} {status}" for status, n in c.items() if n]
    noun = "quote" if len(run.results) == 1 else "quotes"
    text = f"{len(run.results)} {noun}: " + (", ".join(parts) if parts else "none")
    if run.live:
        text += f"; {sum(1 for r in run.results if r.drifted)} gone from the live pages"
    files = "file" if run.warc_files == 1 else "files"
    return text + f" (WARC folder {run.warcs}, {run.warc_files} {files})"


def _note(r: QuoteResult) -> str:
    if r.status is QuoteStatus.MISSING and r.probable_translation:
        return "probable translation"
    if r.difference and r.status is not QuoteStatus.VERIFIED:
        return r.difference
    if r.status in (QuoteStatus.MISSING, QuoteStatus.UNVERIFIABLE):
        return r.detail or ""
    if r.match_count > 1:
        return ambiguity(r)
    return ""


def ambiguity(r: QuoteResult) -> str:
    """"ambiguous: N places" for a quote that stands in more than one place, else ""."""
    return f"{FLAG_AMBIGUOUS}: {r.match_count} places" if r.match_count > 1 else ""


def nearest_line(r: QuoteResult) -> str:
    """What the page says instead (altered, missing): the nearest passage's score and
    the word diff from the quote to it, or "" when there is none."""
    if r.nearest is None or r.status.is_found:
        return ""
    what = r.word_diff or r.nearest
    return f"nearest passage ({r.nearest_score or 0:.2f}): {what}"


def timeline_text(r: QuoteResult) -> str:
    """A quote's timeline in words ("" without one): where it was found, and when."""
    t = r.timeline
    if t is None:
        return ""
    if not t.present or t.first_present is None or t.last_present is None:
        return f"in none of {t.searched} captures"
    parts = [f"in {t.present} of {t.searched} captures, "
             + (f"{t.first_present:%Y-%m-%d}" if t.first_present == t.last_present
                else f"{t.first_present:%Y-%m-%d} to {t.last_present:%Y-%m-%d}")]
    if t.absent_before is not None:
        parts.append(f"added after {t.absent_before:%Y-%m-%d}")
    if t.removed_by is not None:
        parts.append(f"removed by {t.removed_by:%Y-%m-%d}")
    if FLAG_OTHER_CAPTURE in r.flags and r.capture is not None:
        parts.append(f"verified in the capture of {r.capture.memento_datetime:%Y-%m-%d}, "
                     "not the chosen one")
    return "; ".join(parts)


def _live(r: QuoteResult) -> str:
    if r.drifted:
        return f"drift: {r.live_status}"
    return r.live_status or ("?" if r.live_detail else "")


def fragment_url(r: QuoteResult, replay: str | None) -> str | None:
    """The replay URL with a text fragment that opens the page at the quote (verified
    and altered quotes with a selector), else None."""
    if replay is None or r.selector is None or "#" in replay:
        return None
    fragment = text_fragment(r.selector)
    return replay + fragment if fragment else None


def _word_diff_html(diff: str) -> str:
    out = html_text(diff)
    out = re.sub(r"\[-(.*?)-\]", r"<del>\1</del>", out, flags=re.S)
    return re.sub(r"\{\+(.*?)\+\}", r"<ins>\1</ins>", out, flags=re.S)


def passage_html(r: QuoteResult, replay: str | None) -> str:
    """The HTML report's additions to a quote: a link to the replayed page opened at
    the passage (text fragment), ``ambiguous``, and the nearest passage with its
    word diff (removed words struck, added words underlined)."""
    out = ""
    link = fragment_url(r, replay)
    if link is not None:
        out += (' <span class="meta">'
                + html_link(link, "open the archived page at the passage") + "</span>")
    if r.match_count > 1:
        out += f' <span class="badge warn">{html_text(ambiguity(r))}</span>'
    if r.nearest is not None and not r.status.is_found:
        shown = _word_diff_html(r.word_diff) if r.word_diff else html_text(r.nearest)
        out += (f'<div class="excerpt">nearest passage (score {r.nearest_score or 0:.2f}): '
                f"{shown}</div>")
    return out


def format_table(run: VerifyRun, fail_on: FailOn) -> str:
    headers = ["SOURCE", "#", "STATUS", "METHOD", "SCORE", "QUOTE", "NOTE"]
    if run.live:
        headers.insert(5, "LIVE")
    rows: list[list[Any]] = []
    for r in run.results:
        row: list[Any] = [r.source_id, r.quote_index, r.status.value, r.method or "",
                          f"{r.score:.2f}" if r.method else "", r.text, _note(r)]
        if run.live:
            row.insert(5, _live(r))
        rows.append(row)
    out = [text_table(headers, rows, max_width=48)] if rows else ["no quotes to verify"]
    details = []
    for r in run.results:
        if r.status in (QuoteStatus.ALTERED, QuoteStatus.VERIFIED_TYPO) and r.excerpt:
            details.append(f"{r.status.value} {r.source_id} #{r.quote_index}: "
                           f"{r.difference or ''}\n    {r.excerpt}")
            if r.word_diff:
                details.append(f"    word diff: {r.word_diff}")
        elif r.status is QuoteStatus.MISSING:
            details.append(f"missing {r.source_id} #{r.quote_index}: {r.detail or ''}")
            if nearest_line(r):
                details.append(f"    {nearest_line(r)}")
        if run.live and r.drifted:
            details.append(f"drift {r.source_id} #{r.quote_index}: {r.live_detail or ''}")
        if r.timeline is not None:
            details.append(f"timeline {r.source_id} #{r.quote_index}: {timeline_text(r)}")
    if details:
        out.append("")
        out.extend(details)
    out.append("")
    out.append(summary(run))
    return for_people("\n".join(out))


def format_markdown(run: VerifyRun, fail_on: FailOn) -> str:
    headers = ["source", "#", "status", "method", "score", "quote", "excerpt / difference"]
    if run.live:
        headers.insert(5, "live")
    rows: list[list[Any]] = []
    for r in run.results:
        note = _note(r)
        shown = r.excerpt or ""
        if note and note != shown:
            shown = f"{note} — {shown}" if shown else note
        for extra in (nearest_line(r), ambiguity(r) if note != ambiguity(r) else ""):
            if extra:
                shown = f"{shown} — {extra}" if shown else extra
        if r.timeline is not None:
            shown = f"{shown} ({timeline_text(r)})" if shown else timeline_text(r)
        row: list[Any] = [r.source_id, r.quote_index, Markdown(f"**{r.status.value}**"),
                          r.method or "", f"{r.score:.2f}" if r.method else "", r.text, shown]
        if run.live:
            row.insert(5, _live(r))
        rows.append(row)
    out = [f"# Quote verification: {md_escape(run.manifest_id)}", "", md_escape(summary(run)), ""]
    out.append(markdown_table(headers, rows) if rows else "No quotes to verify.")
    if run.notes:
        out += ["", "## Warnings", ""] + [f"- {md_escape(n)}" for n in run.notes]
    return for_people("\n".join(out))


def format_junit(run: VerifyRun, fail_on: FailOn) -> str:
    cases = []
    for r in run.results:
        name = f"{r.source_id} #{r.quote_index}: {r.text[:60]}"
        message = f"{r.status.value}: {r.difference or r.detail or ''}".rstrip(": ")
        if nearest_line(r):
            message += f"; {nearest_line(r)}"
        if r.drifted:
            message += f"; live: {r.live_status} ({r.live_detail or ''})"
        if fail_on.matches_quote(r):
            cases.append(JUnitCase(name, r.source_id, failure=message,
                                   failure_type=r.status.value,
                                   details=f"{message}\n{r.excerpt or ''}".strip()))
        elif r.status is QuoteStatus.UNVERIFIABLE:
            cases.append(JUnitCase(name, r.source_id, skipped=message))
        else:
            cases.append(JUnitCase(name, r.source_id))
    return junit_xml(f"archiver verify {run.manifest_id}", cases)


def format_csv(run: VerifyRun, fail_on: FailOn) -> str:
    return serialize.to_csv(serialize.VERIFY_COLUMNS,
                            [serialize.quote_result(r) for r in run.results])


def format_json(run: VerifyRun, fail_on: FailOn) -> str:
    return serialize.to_json(serialize.verify_document(run, fail_on))


def format_jsonl(run: VerifyRun, fail_on: FailOn) -> str:
    """One result per line, then the run summary as the last line."""
    return serialize.to_jsonl(serialize.verify_document(run, fail_on))


_FORMATTERS: dict[str, Callable[[VerifyRun, FailOn], str]] = {
    "table": format_table, "json": format_json, "jsonl": format_jsonl, "csv": format_csv,
    "markdown": format_markdown, "junit": format_junit,
}


def render(run: VerifyRun, fmt: str, fail_on: FailOn | None = None) -> str:
    """``run`` in format ``fmt`` (one of :data:`FORMATS`)."""
    return _FORMATTERS[fmt](run, fail_on or parse_fail_on(None, Command.VERIFY))


__all__ = ["FORMATS", "ambiguity", "fragment_url", "nearest_line", "passage_html", "render",
           "summary"]
