"""Anchors and what the page says instead (#14): TextQuoteSelector, text-fragment
links opened in headless Chromium on a frameless pywb replay, the nearest
passage and word diff, ``ambiguous``, and drift only for quotes in the archive."""

from __future__ import annotations

import json
import re
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archiver.extract import extract_html, extract_page
from archiver.failon import Command, parse_fail_on
from archiver.models import (
    Capture,
    CaptureOutcome,
    CaptureResult,
    LiveStatus,
    Manifest,
    Quote,
    QuoteStatus,
    RunResult,
    Source,
    TextQuoteSelector,
    VerifyRun,
)
from archiver.pages import LivePage
from archiver.report.quotes import render
from archiver.report.run import format_html
from archiver.verify import index_page, match_quote, result_from_match
from archiver.verify.anchor import CONTEXT, encode_term, selector, text_fragment
from archiver.verify.edits import word_diff
from archiver.verify.run import _live_status
from tests.support.browser import CHROMIUM_ARGS, chromium_path
from tests.support.pywb_archive import Page, PywbArchive

_TERM_RE = re.compile(r"(?:[A-Za-z0-9!$'()*+./:;=?@_~]|%[0-9A-F]{2})*")

# -- the fragment encoder -------------------------------------------------------------


def test_encode_term_escapes_the_directive_delimiters() -> None:
    assert encode_term("a-b, c&d") == "a%2Db%2C%20c%26d"
    assert encode_term("l'été") == "l'%C3%A9t%C3%A9"
    assert encode_term("#:~:text=") == "%23:~:text="
    assert encode_term("100%") == "100%25"


@given(st.text())
def test_encode_term_round_trips_and_keeps_only_safe_characters(term: str) -> None:
    encoded = encode_term(term)
    assert _TERM_RE.fullmatch(encoded)
    assert not set(encoded) & set("-,& #")
    assert urllib.parse.unquote(encoded, errors="strict") == term


@given(st.text(min_size=1), st.text(), st.text())
def test_text_fragment_has_the_spec_shape(exact: str, prefix: str, suffix: str) -> None:
    fragment = text_fragment(TextQuoteSelector(exact, prefix, suffix))
    if not exact.split():
        assert fragment == ""
        return
    assert fragment.startswith("#:~:text=")
    terms = fragment.removeprefix("#:~:text=").split(",")
    # [prefix-,]start[,end][,-suffix]: a dash only marks prefix and suffix.
    middle = [t for t in terms if not t.endswith("-") and not t.startswith("-")]
    assert 1 <= len(middle) <= 2
    assert all(_TERM_RE.fullmatch(t.strip("-")) for t in terms)
    assert terms[0].endswith("-") or terms[0] == middle[0]


def test_text_fragment_short_long_and_context() -> None:
    text = ("Intro line.\nLe maire a dit : « Calais ne peut plus, vraiment plus », "
            "mardi soir au port.\nNext block.")
    start = text.index("Calais")
    end = text.index("plus »") + 4
    sel = selector(text, start, end)
    assert sel.exact == "Calais ne peut plus, vraiment plus"
    assert sel.prefix.endswith("dit : « ") and "\n" in sel.prefix
    assert len(sel.prefix) <= CONTEXT and len(sel.suffix) <= CONTEXT
    fragment = text_fragment(sel)
    # Context only from the passage's own line, in whole words.
    assert fragment == ("#:~:text=maire%20a%20dit%20:%20%C2%AB-,"
                        "Calais%20ne%20peut%20plus%2C%20vraiment%20plus,"
                        "-%C2%BB%2C%20mardi%20soir%20au")
    long = TextQuoteSelector(" ".join(f"w{i}" for i in range(30)))
    assert text_fragment(long) == "#:~:text=w0%20w1%20w2%20w3,w26%20w27%20w28%20w29"
    two_blocks = TextQuoteSelector("first words here\nsecond block ends")
    assert text_fragment(two_blocks) == ("#:~:text=first%20words%20here,"
                                         "second%20block%20ends")


def test_word_diff_is_git_style() -> None:
    assert (word_diff("the state offered 12 million to Calais",
                      "the state has offered 15 million to « Calais »")
            == "the state {+has+} offered [-12-]{+15+} million to « Calais »")
    assert word_diff("Same words", "same  words.") is None


# -- match results --------------------------------------------------------------------

ARTICLE = ("<html lang='en'><body><article><p>Britain offered £12m for new fences at the "
           "port of Calais, the Home Office said on Tuesday.</p>"
           "<p>The summit ended without agreement on the fences.</p>"
           "<aside>The summit ended without agreement on the fences.</aside>"
           "<p>Local associations criticised the plan as a waste of public money that "
           "would only push migrants towards more dangerous crossings.</p>"
           "</article></body></html>")


def test_verified_quote_carries_its_selector_and_ambiguity() -> None:
    index = index_page(extract_html(ARTICLE))
    m = match_quote("Britain offered £12m for new fences", index)
    assert m.status is QuoteStatus.VERIFIED and m.selector is not None
    assert m.selector.exact == "Britain offered £12m for new fences"
    assert m.selector.suffix.startswith(" at the port of Calais")
    assert m.nearest is None and m.word_diff is None and "ambiguous" not in m.flags
    twice = match_quote("The summit ended without agreement", index)
    assert twice.match_count == 2 and "ambiguous" in twice.flags


def test_altered_and_missing_quotes_show_the_nearest_passage() -> None:
    index = index_page(extract_html(ARTICLE))
    altered = match_quote("Local associations praised the plan as a waste of public money "
                          "that would only push migrants", index)
    assert altered.status is QuoteStatus.ALTERED
    assert altered.nearest is not None and altered.nearest.startswith("Local associations")
    assert altered.word_diff is not None and "[-praised-]{+criticised+}" in altered.word_diff
    assert altered.selector is not None
    missing = match_quote("Local groups praised the scheme as a loss of public funds that "
                          "would only push migrants towards more dangerous crossings", index)
    assert missing.status is QuoteStatus.MISSING
    assert missing.nearest is not None and "public money" in missing.nearest
    assert missing.nearest_score is not None and 0.5 <= missing.nearest_score < 0.8
    assert missing.word_diff is not None and "[-funds-]{+money+}" in missing.word_diff
    # A paraphrase sharing little more than chance with the page gets none.
    assert match_quote("Local groups slammed the scheme as a squandering of public funds "
                       "that would drive migrants toward riskier crossings", index).nearest is None
    assert "nearest passage scores" in (missing.detail or "")
    assert missing.selector is None
    unrelated = match_quote("Zebras graze quietly in the savannah at dawn every single day",
                            index)
    assert unrelated.status is QuoteStatus.MISSING and unrelated.nearest is None


SOURCE = Source(id="bbc", url="http://news.example.com/a", publisher="BBC", title="Fences",
                published=date(2014, 10, 15), language="en",
                quotes=(Quote("Britain offered £12m for new fences"),
                        Quote("Local associations praised the plan as a waste of public money "
                              "that would only push migrants"),
                        Quote("The summit ended without agreement")))


def _results(capture: Capture | None = None) -> tuple[VerifyRun, list[Quote]]:
    index = index_page(extract_html(ARTICLE))
    results = tuple(result_from_match(SOURCE, i, q, match_quote(q.text, index), capture)
                    for i, q in enumerate(SOURCE.quotes, start=1))
    run = VerifyRun("m", datetime(2026, 11, 30, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC),
                    "warcs", results, warc_files=1)
    return run, list(SOURCE.quotes)


def test_every_format_carries_nearest_diff_selector_and_ambiguous() -> None:
    run, _ = _results()
    policy = parse_fail_on(None, Command.VERIFY)
    document = json.loads(render(run, "json", policy))
    first, second, third = document["results"]
    assert first["selector"]["exact"] == "Britain offered £12m for new fences"
    assert second["nearest"].startswith("Local associations")
    assert "[-praised-]{+criticised+}" in second["word_diff"]
    assert second["nearest_score"] == second["score"]
    assert third["match_count"] == 2 and "ambiguous" in third["flags"]
    csv_text = render(run, "csv", policy)
    header = csv_text.splitlines()[0].split(",")
    assert {"nearest", "nearest_score", "word_diff", "selector.exact", "selector.prefix",
            "selector.suffix"} <= set(header)
    table = render(run, "table", policy)
    assert "word diff: Local associations [-praised-]{+criticised+}" in table
    assert "ambiguous: 2 places" in table
    markdown = render(run, "markdown", policy)
    assert "ambiguous: 2 places" in markdown and "nearest passage (" in markdown
    junit = render(run, "junit", policy)
    assert "nearest passage (" in junit


# -- drift only for quotes in the archive ------------------------------------------------


def test_a_quote_missing_from_the_archive_is_not_drift() -> None:
    run, quotes = _results()
    live = LivePage(SOURCE.url, extract_page(b"<html><body><p>Nothing here now.</p>"
                                             b"</body></html>", "text/html"), 200)
    live_index = index_page(live.page) if live.page is not None else None
    verified = _live_status(run.results[0], live, live_index, quotes[0])
    assert verified.live_status is LiveStatus.GONE and verified.drifted
    missing = replace(run.results[0], status=QuoteStatus.MISSING)
    checked = _live_status(missing, live, live_index, quotes[0])
    assert checked.live_status is None and not checked.drifted
    assert "not drift" in (checked.live_detail or "")
    altered = _live_status(run.results[1], live, live_index, quotes[1])
    assert run.results[1].status is QuoteStatus.ALTERED
    assert altered.live_status is LiveStatus.GONE and altered.drifted
    gone = LivePage(SOURCE.url, None, 404)
    assert _live_status(missing, gone, None, quotes[0]).live_status is None
    assert _live_status(verified, gone, None, quotes[0]).live_status is LiveStatus.GONE
    table = render(VerifyRun("m", run.started_at, run.finished_at, "w", (verified, checked),
                             live=True), "table", parse_fail_on(None, Command.VERIFY))
    assert "drift: gone" in table and "1 gone from the live pages" in table


# -- the report's links open the replayed page at the quote (headless Chromium) --------


@pytest.fixture(scope="module")
def frameless(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PywbArchive]:
    """pywb replaying without its top frame, as the Wayback Machine does: a text
    fragment is honoured only in a top-level page."""
    root = tmp_path_factory.mktemp("pywb-frameless")
    (root / "config.yaml").write_text("framed_replay: false\n", encoding="utf-8")
    with PywbArchive(root) as archive:
        yield archive


def test_report_link_opens_the_replayed_page_at_the_quote(frameless: PywbArchive,
                                                          tmp_path: Path) -> None:
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    filler = "".join(f"<p>Paragraph {i} on the harbour, the weather and the ferries.</p>"
                     for i in range(250))
    body = (f"<html lang='en'><body><h1>Fences</h1>{filler}<p>The minister said: « Britain "
            "offered £12m, not more, for new fences & cameras at the port of Calais », on "
            f"Tuesday.</p>{filler}</body></html>")
    original = "http://news.example.com/fences"
    base = frameless.collection([Page(original, "2014-10-15T12:34:56Z", body)])
    capture = Capture(source_id="bbc", url=original, archive=base,
                      memento_url=f"{base}20141015123456id_/{original}",
                      memento_datetime=datetime(2014, 10, 15, 12, 34, 56, tzinfo=UTC),
                      http_status=200, mime="text/html", warc_file="a.warc.gz",
                      warc_offset=0)
    source = Source(id="bbc", url=original, publisher="BBC", title="Fences",
                    published=date(2014, 10, 15), language="en",
                    quotes=(Quote("not more, for new fences & cameras at the port"),))
    index = index_page(extract_html(body))
    result = result_from_match(source, 1, source.quotes[0],
                               match_quote(source.quotes[0].text, index), capture)
    assert result.status is QuoteStatus.VERIFIED
    now = datetime(2026, 11, 30, tzinfo=UTC)
    report = format_html(RunResult(
        manifest_id="m", started_at=now, finished_at=now,
        captures=(CaptureResult("bbc", original, CaptureOutcome.STORED, capture=capture),),
        quotes=(result,)), Manifest(id="m", title="M", sources=(source,)))
    links = re.findall(r'href="([^"]*#:~:text=[^"]*)"', report)
    assert len(links) == 1
    link = links[0].replace("&amp;", "&")
    assert link.startswith(f"{base}20141015123456/{original}#:~:text=")  # replay, not id_
    assert "id_/" not in link
    assert ("#:~:text=Britain%20offered%20%C2%A312m%2C-,not%20more%2C%20for%20new%20fences"
            "%20%26%20cameras%20at%20the%20port,-of%20Calais%20%C2%BB%2C%20on") in link
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 700})
            page.goto(link)
            deadline = time.monotonic() + 10
            while page.evaluate("window.scrollY") == 0 and time.monotonic() < deadline:
                time.sleep(0.1)
            scrolled = page.evaluate("window.scrollY")
            # The paragraph holding the quote is in view; the page was scrolled to it.
            top = page.evaluate("""() => {
                const p = [...document.querySelectorAll('p')]
                    .find(e => e.textContent.includes('not more, for new fences'));
                return p.getBoundingClientRect().top; }""")
        finally:
            browser.close()
    assert scrolled > 5000
    assert 0 <= top < 700


def test_run_report_html_shows_word_diff_and_ambiguity() -> None:
    run, _ = _results()
    now = datetime(2026, 11, 30, tzinfo=UTC)
    html = format_html(RunResult(manifest_id="m", started_at=now, finished_at=now,
                                 quotes=run.results),
                       Manifest(id="m", title="M", sources=(SOURCE,)))
    assert "nearest passage (score 0." in html
    assert "<del>praised</del><ins>criticised</ins>" in html
    assert '<span class="badge warn">ambiguous: 2 places</span>' in html
    assert "#:~:text=" not in html  # no capture, no replay URL: no link
