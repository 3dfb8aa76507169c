"""Run reports: JSON, Markdown, self-contained HTML (checked in real Chromium), Robust Links."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from archiver.models import (
    Capture,
    CaptureOutcome,
    CaptureResult,
    Change,
    ChangeKind,
    LinkClass,
    LinkResult,
    LinkState,
    LiveStatus,
    Manifest,
    MatchMethod,
    Quote,
    QuoteResult,
    QuoteStatus,
    Relation,
    RunResult,
    Source,
)
from archiver.report.run import (
    REPORT_FILES,
    RUN_FORMATS,
    format_html,
    format_json,
    format_markdown,
    format_robust_links,
    format_table,
    render,
    summary_line,
)
from tests.support.browser import CHROMIUM_ARGS, chromium_path

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def sample() -> tuple[RunResult, Manifest]:
    a = Source(id="guardian", url="http://www.theguardian.com/a", publisher="The Guardian",
               title="UK pledges £12m <to> Calais & co", published=date(2014, 9, 20),
               language="en", quotes=(Quote("pledged £12m"), Quote("a missing one")))
    b = Source(id="lvdn", url="http://www.lavoixdunord.fr/b", publisher="La Voix du Nord",
               title="La maire", published=date(2014, 8, 28), language="fr",
               relation=Relation.CITED, quotes=(Quote("même si"),))
    c = Source(id="reuters", url="http://uk.reuters.com/c", publisher="Reuters", title="Fine",
               published=date(2014, 9, 10), language="en", quotes=(Quote("England is my goal"),))
    manifest = Manifest(id="m", title="Test <manifest>", sources=(a, b, c))
    cap = Capture(source_id="guardian", url=a.url, archive="http://127.0.0.1:1/coll/",
                  memento_url="http://127.0.0.1:1/coll/20140921000000id_/http://www.theguardian.com/a",
                  memento_datetime=datetime(2014, 9, 21, tzinfo=UTC), http_status=200,
                  mime="text/html", warc_file="x.warc.gz", warc_offset=0)
    result = RunResult(
        manifest_id="m", started_at=T0, finished_at=T0, run_id=2, previous_run_id=1,
        links=(LinkResult("guardian", a.url, LinkClass.OK, http_status=200,
                          state=LinkState.ALIVE),
               LinkResult("lvdn", b.url, LinkClass.GONE, http_status=404,
                          state=LinkState.FAILING, failing_count=1),
               LinkResult("reuters", c.url, LinkClass.OK, http_status=200,
                          state=LinkState.ALIVE)),
        captures=(CaptureResult("guardian", a.url, CaptureOutcome.STORED, capture=cap),
                  CaptureResult("lvdn", b.url, CaptureOutcome.NO_CAPTURE,
                                detail="no archive holds it")),
        quotes=(QuoteResult("guardian", 1, "pledged £12m", QuoteStatus.VERIFIED, score=1.0,
                            method=MatchMethod.EXACT, excerpt="has ⟦pledged £12m⟧ to <help>"),
                QuoteResult("guardian", 2, "a missing one", QuoteStatus.MISSING),
                QuoteResult("lvdn", 1, "même si", QuoteStatus.UNVERIFIABLE),
                QuoteResult("reuters", 1, "England is my goal", QuoteStatus.VERIFIED,
                            live_status=LiveStatus.ALTERED, live_detail="word: «my» ≠ «our»")),
        changes=(Change(ChangeKind.LINK_FAILING, "lvdn", "the link started failing (404)"),),
    )
    return result, manifest


def test_html_is_self_contained_and_escaped() -> None:
    page = format_html(*sample())
    # Nothing is loaded from anywhere: no src attributes, stylesheets, imports or url().
    assert not re.search(r"\bsrc=", page)
    assert "<link" not in page and "@import" not in page and "url(" not in page
    assert "UK pledges £12m &lt;to&gt; Calais &amp; co" in page
    assert "<mark>pledged £12m</mark> to &lt;help&gt;" in page
    assert 'class="source changed"' in page


def test_markdown_and_json() -> None:
    result, manifest = sample()
    md = format_markdown(result, manifest)
    assert ("| The Guardian | [UK pledges £12m &lt;to&gt; Calais &amp; co]"
            "(http://www.theguardian.com/a)") in md
    assert "⚠️ **lvdn**: the link started failing (404)" in md
    # Quote numbers are verify's, which count from 1.
    assert "- `missing` **guardian** #2: “a missing one”" in md
    assert "- `altered` **reuters** #1: “England is my goal” (word: «my» ≠ «our»)" in md
    data = json.loads(format_json(result, manifest))
    assert data["run"]["summary"]["quotes"] == {"missing": 1, "unverifiable": 1, "verified": 2}
    assert [s["source"]["id"] for s in data["sources"]] == ["guardian", "lvdn", "reuters"]
    assert data["changes"][0]["kind"] == "link_failing"


def test_replay_url() -> None:
    from archiver.report.run import replay_url

    raw = "https://web.archive.org/web/20140906101500id_/http://www.telegraph.co.uk/a.html"
    assert replay_url(raw) == "https://web.archive.org/web/20140906101500/http://www.telegraph.co.uk/a.html"
    assert replay_url("http://127.0.0.1:1/coll/20140906101500/x") == "http://127.0.0.1:1/coll/20140906101500/x"


def test_robust_links() -> None:
    text = format_robust_links(*sample())
    original = "http://www.theguardian.com/a"
    version = f"http://127.0.0.1:1/coll/20140921000000/{original}"
    assert (f'<a href="{original}" data-originalurl="{original}" '
            f'data-versionurl="{version}" data-versiondate="2014-09-21">') in text
    assert "<!-- lvdn: no archived version known -->" in text
    assert text.count("data-versionurl") == 1


def test_html_in_headless_chromium(tmp_path: Path) -> None:
    """The page loads without console errors and shows the expected rows."""
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    page_file = tmp_path / "report.html"
    page_file.write_text(format_html(*sample()), encoding="utf-8")
    errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(page_file.as_uri())
            rows = page.locator("tr.source")
            assert rows.count() == 3
            assert page.locator("#src-guardian td").first.inner_text() == "The Guardian"
            assert "verified" in page.locator("#src-guardian").inner_text()
            assert page.locator("#src-lvdn").get_attribute("class") == "source changed"
            assert "the link started failing" in page.locator("#changes").inner_text()
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
            page.check("#only-problems")
            assert page.locator("#src-reuters").is_hidden()
            assert page.locator("#src-guardian").is_visible()  # a missing quote is a problem
            assert page.locator("#src-lvdn").is_visible()
        finally:
            browser.close()
    assert errors == []
    assert [u for u in requests if not u.startswith("file://")] == []
    assert (tmp_path / "report.png").stat().st_size > 5000


def test_table_and_summary_line() -> None:
    result, manifest = sample()
    line = summary_line(result)
    assert line == ("3 sources: links 1 gone, 2 ok; captures 1 no_capture, 1 stored; "
                    "quotes 1 missing, 1 unverifiable, 2 verified; 1 change(s) since run 1 "
                    "(1 bad)")
    table = format_table(result, manifest)
    assert table.startswith("archiver run: Test <manifest> (run 2)\n" + line + "\n")
    assert "  ! lvdn: the link started failing (404)" in table
    lvdn = next(r for r in table.splitlines() if r.startswith("lvdn "))
    assert lvdn.split() == ["lvdn", "gone", "(failing", "×1)", "no_capture", "1",
                            "unverifiable", "*"]
    inconclusive = replace(result, inconclusive=True, inconclusive_reason="fetch: HTTP 429",
                           previous_run_id=None, changes=())
    assert summary_line(inconclusive).endswith("; first run; INCONCLUSIVE")
    assert "inconclusive: fetch: HTTP 429" in format_table(inconclusive, manifest)


def test_render_picks_the_format_and_report_files_are_the_three_formats() -> None:
    result, manifest = sample()
    assert set(RUN_FORMATS) == {"table", "json", "markdown"}
    assert json.loads(render(result, manifest, "json"))["run"]["run_id"] == 2
    assert render(result, manifest, "markdown") == format_markdown(result, manifest)
    assert render(result, manifest, "table") == format_table(result, manifest)
    with pytest.raises(ValueError):
        render(result, manifest, "csv")
    assert list(REPORT_FILES) == ["report.json", "report.md", "report.html"]


def test_inconclusive_banner_says_whether_link_history_advanced() -> None:
    result, manifest = sample()
    voided = replace(result, inconclusive=True, check_inconclusive=True,
                     inconclusive_reason="check: 3 of 3 hosts unreachable")
    page = format_html(voided, manifest)
    assert "check: 3 of 3 hosts unreachable. No link's history advanced." in page
    fetch_only = replace(result, inconclusive=True, inconclusive_reason="fetch: HTTP 429")
    assert "No link" not in format_markdown(fetch_only, manifest)
    assert "> **Inconclusive run**: fetch: HTTP 429." in format_markdown(fetch_only, manifest)


@pytest.mark.parametrize("fmt", [format_html, format_markdown, format_json, format_robust_links,
                                 format_table])
def test_empty_run(fmt: object) -> None:
    manifest = Manifest(id="e", title="Empty", sources=())
    result = RunResult(manifest_id="e", started_at=T0, finished_at=T0)
    assert callable(fmt)
    assert fmt(result, manifest)
