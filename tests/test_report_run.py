"""Run reports: JSON, Markdown, self-contained HTML (checked in real Chromium), Robust Links."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
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
    result, manifest = sample()
    # reuters's quote still on the live page: a source with no problem, for the filter.
    result = replace(result, quotes=(*result.quotes[:3], replace(
        result.quotes[3], live_status=LiveStatus.PRESENT, live_detail=None)))
    page_file.write_text(format_html(result, manifest), encoding="utf-8")
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
            assert page.locator("#source-guardian td").first.inner_text() == "The Guardian"
            assert "verified" in page.locator("#source-guardian").inner_text()
            assert page.locator("#source-lvdn").get_attribute("class") == "source changed"
            assert "the link started failing" in page.locator("#changes").inner_text()
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
            # A tile shows only the rows it counts and takes the reader to the first one;
            # folded quotes open on a click.
            page.click("a.tile[data-label='missing']")
            assert page.evaluate("location.hash") == "#source-guardian"
            assert page.locator("a.tile[data-label='missing']").get_attribute(
                "aria-pressed") == "true"
            assert [rows.nth(i).get_attribute("data-source-id")
                    for i in range(rows.count())] == ["guardian"]
            verified = page.locator("#source-guardian details")
            assert not verified.locator("li").first.is_visible()
            verified.locator("summary").click()
            assert verified.locator("li").first.is_visible()
            assert page.locator("#source-guardian ul.problems li").first.is_visible()
            page.click("a.tile[data-label='missing']")  # pressed again: the filter is off
            assert rows.count() == 3
            page.check("#only-problems")
            assert page.locator("#source-reuters").is_hidden()
            assert page.locator("#source-guardian").is_visible()  # a missing quote is a problem
            assert page.locator("#source-lvdn").is_visible()
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
    assert summary_line(inconclusive).endswith(
        "; no earlier complete run to compare with; INCONCLUSIVE")
    assert summary_line(replace(inconclusive, run_id=1)).endswith("; first run; INCONCLUSIVE")
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


# -- triage: offline runs, tiles, links to rows, folded quotes, Robust Links snippet --------

LONG_REASON = ("fetch: no archive could be reached: https://web.archive.org/web/: cannot reach "
               "web.archive.org: connection refused (http://web.archive.org/cdx/search/cdx?url="
               + "%2F%3A" * 30 + ")")


def offline_sample() -> tuple[RunResult, Manifest]:
    """Run 2, no baseline, fetch stopped: verify had nothing to judge."""
    result, manifest = sample()
    captures = tuple(CaptureResult(s.id, s.url, CaptureOutcome.ARCHIVE_UNREACHABLE,
                                   detail="not attempted: the run stopped")
                     for s in manifest.sources)
    quotes = tuple(QuoteResult(s.id, i, q.text, QuoteStatus.UNVERIFIABLE)
                   for s in manifest.sources for i, q in enumerate(s.quotes, start=1))
    links = tuple(replace(link, link_class=LinkClass.INCONCLUSIVE, state=LinkState.UNKNOWN)
                  for link in result.links)
    return replace(result, links=links, captures=captures, quotes=quotes, changes=(),
                   previous_run_id=None, inconclusive=True, check_inconclusive=True,
                   inconclusive_reason=LONG_REASON), manifest


def test_offline_run_lists_no_unjudged_quote_as_a_problem() -> None:
    result, manifest = offline_sample()
    md = format_markdown(result, manifest)
    assert "did not verify" not in md
    assert "`unverifiable`" not in md
    assert "4 quote(s) not judged" in md
    assert "| 4 |" in md.split("### Sources")[0]  # the "not judged (inconclusive run)" count
    assert "not judged (inconclusive run)" in md
    page = format_html(result, manifest)
    assert 'data-problem="yes"' not in page
    assert '<span class="badge neutral">archive_unreachable</span>' in page  # not a finding
    assert "4 quote(s) not judged" in page
    # Shortened to its first clause, once; the full reason stays in report.json.
    assert "> **Inconclusive run**: fetch: no archive could be reached. No link's" in md
    assert "%2F" not in md and "%2F" not in page
    assert md.count("no archive could be reached") == 1
    assert json.loads(format_json(result, manifest))["run"]["inconclusive_reason"] == LONG_REASON


def test_header_never_calls_a_later_run_without_baseline_the_first_run() -> None:
    result, manifest = offline_sample()
    md, page = format_markdown(result, manifest), format_html(result, manifest)
    for text in (md, page):
        assert "first run" not in text
        assert "run 2, no earlier complete run to compare with" in text.lower()
    assert "run 2, compared with run 1" in format_html(*sample())
    first = replace(result, run_id=1)
    assert "run 1, the first run" in format_markdown(first, manifest).lower()
    assert summary_line(result).endswith("; no earlier complete run to compare with; "
                                         "INCONCLUSIVE")


def test_a_stopped_fetch_for_some_sources_leaves_the_others_judged() -> None:
    result, manifest = sample()
    stopped = replace(result, inconclusive=True, inconclusive_reason="fetch: HTTP 429",
                      captures=(*result.captures,
                                CaptureResult("reuters", "http://uk.reuters.com/c",
                                              CaptureOutcome.RATE_LIMITED)),
                      quotes=(*result.quotes[:3],
                              QuoteResult("reuters", 1, "x", QuoteStatus.UNVERIFIABLE)))
    md = format_markdown(stopped, manifest)
    assert "- `missing` **guardian** #2" in md
    assert "- `unverifiable` **lvdn** #1" in md  # no_capture is an answer
    assert "**reuters**" not in md.split("did not verify")[1]
    assert "1 quote(s) not judged" in md


def tiles_of(page: str) -> dict[str, tuple[str, str | None]]:
    """label -> (count, href or None) of the triage tiles of a page."""
    root = ET.fromstring(page.split("\n", 1)[1])  # after the doctype
    out = {}
    for el in root.iter():
        if "tile" in (el.get("class") or "").split():
            out[el.get("data-label") or ""] = ((el.findtext("b") or ""), el.get("href"))
    return out


def test_triage_tiles_count_failing_and_gone_links_and_link_to_their_rows() -> None:
    result, manifest = sample()
    tiles = tiles_of(format_html(result, manifest))
    assert list(tiles) == ["dead", "failing", "gone now", "missing", "altered", "drift",
                           "no capture"]
    assert tiles["dead"] == ("0", None)  # muted, no link
    assert tiles["failing"] == ("1", "#source-lvdn")
    assert tiles["gone now"] == ("1", "#source-lvdn")
    assert tiles["missing"] == ("1", "#source-guardian")
    assert tiles["drift"] == ("1", "#source-reuters")
    assert tiles["no capture"] == ("1", "#source-lvdn")
    assert 'class="tile muted" data-label="dead"' in format_html(result, manifest)
    md = format_markdown(result, manifest)
    assert ("| dead | failing | gone now | missing | altered | drift | no capture |\n"
            "|---|---|---|---|---|---|---|\n| 0 | 1 | 1 | 1 | 0 | 1 | 1 |") in md
    assert "0 dead links" not in md


def test_changes_link_to_their_rows_with_escaped_anchors() -> None:
    result, manifest = sample()
    odd = 'a b"<_x'
    src = replace(manifest.sources[1], id=odd)
    manifest = replace(manifest, sources=(manifest.sources[0], src, manifest.sources[2]))
    result = replace(result,
                     links=tuple(replace(r, source_id=odd) if r.source_id == "lvdn" else r
                                 for r in result.links),
                     changes=(Change(ChangeKind.LINK_FAILING, odd, "started failing"),
                              Change(ChangeKind.LINK_FAILING, "guardian", "x")))
    page = format_html(result, manifest)
    root = ET.fromstring(page.split("\n", 1)[1])
    ids = {el.get("id") for el in root.iter() if el.get("id")}
    hrefs = [a.get("href", "") for a in root.iter("a")
             if a.get("href", "").startswith("#") and "tile" not in (a.get("class") or "")]
    assert hrefs == ["#source-a_20_b_22__3c__5f_x", "#source-guardian"]
    assert all(h[1:] in ids for h in hrefs)
    assert not any(ch in h for h in hrefs for ch in ' "<')


def test_verified_quotes_fold_and_problem_quotes_show() -> None:
    page = format_html(*sample())
    root = ET.fromstring(page.split("\n", 1)[1])
    rows = {tr.get("data-source-id"): tr for tr in root.iter("tr") if tr.get("data-source-id")}
    guardian = rows["guardian"]
    details = list(guardian.iter("details"))
    assert len(details) == 1 and details[0].get("open") is None
    assert (details[0].findtext("summary") or "") == "1 verified"
    assert "pledged £12m" in ET.tostring(details[0], encoding="unicode")
    open_part = ET.tostring(guardian.find(".//ul[@class='quotes problems']"),  # type: ignore[arg-type]
                            encoding="unicode")
    assert "a missing one" in open_part and "pledged" not in open_part
    reuters = rows["reuters"]  # verified but drifted on the live page: a problem, shown
    assert not list(reuters.iter("details"))
    assert "England is my goal" in ET.tostring(reuters, encoding="unicode")


def test_robust_links_snippet_is_complete() -> None:
    text = format_robust_links(*sample())
    assert text.endswith("</a>\n")
    head = text.split("-->", 1)[0]
    assert text.startswith("<!--")
    assert "robustlinks.js" in head and "robustlinks.css" in head
    assert "https://robustlinks.mementoweb.org/" in head
    assert "--" not in head[4:]
