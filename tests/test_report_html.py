"""report.html's two ways to ship its rows agree, and its row data cannot break out.

Up to ``SERVER_ROWS_MAX`` sources the rows are HTML; above, JSON records drawn
by the page's script (archiver/report/html.py). The same runs are written both
ways (``server_rows_max=0`` forces the JSON way) and the rows Chromium ends up
with are compared, element for element, on ordinary and on hostile text.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

from archiver.models import (
    CaptureKind,
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
    QuoteResult,
    QuoteStatus,
    RunResult,
    TextQuoteSelector,
)
from archiver.report.html import SERVER_ROWS_MAX, format_html, html_pieces
from tests.support.browser import CHROMIUM_ARGS, chromium_path
from tests.test_report_run import offline_sample, sample
from tests.test_report_safety import capture, one_source, run_of

#: Text that would end a script element, open a comment or a CDATA end, or end a line in
#: old JavaScript, and a terminal escape, a bidi override, a lone surrogate.
BREAKOUT = ("</script><script>alert(1)</script> <!-- x --> ]]> \u2028 \u2029 "
            "\x1b[31m \u202e \ud800 & < > \" ' ⟦marked⟧")


def hostile() -> tuple[RunResult, Manifest]:
    src = one_source(id='a b"<_x', title=BREAKOUT, publisher=BREAKOUT,
                     url="javascript:alert(1)")
    cap = capture(url="http://a.example/x?a=1&b=</script>",
                  memento_url="http://archive.example/20140921000000id_/http://a.example/y",
                  warc_file=BREAKOUT + ".warc.gz", warc_offset=7, pre_publication=True)
    result, manifest = run_of(src, cap)
    elsewhere = capture(memento_url="https://other.example/web/20150101000000id_/http://a.example/")
    quotes = (QuoteResult(src.id, 1, BREAKOUT, QuoteStatus.ALTERED, score=0.5,
                          method=MatchMethod.FUZZY, excerpt="a ⟦" + BREAKOUT + "⟧ b",
                          difference=BREAKOUT, probable_translation=True,
                          live_status=LiveStatus.GONE, live_detail=BREAKOUT, match_count=2,
                          nearest=BREAKOUT, nearest_score=0.71,
                          word_diff="[-praised " + BREAKOUT + "-]{+criticised+} & [-x-]",
                          capture=cap, selector=TextQuoteSelector(BREAKOUT, "<p>", "& more")),
              QuoteResult(src.id, 2, "fine", QuoteStatus.VERIFIED, score=1.0,
                          method=MatchMethod.EXACT, live_status=LiveStatus.PRESENT,
                          capture=elsewhere, selector=TextQuoteSelector("fine")),
              QuoteResult(src.id, 3, "gone", QuoteStatus.MISSING, nearest="g\x1bone",
                          nearest_score=0.4))
    link = LinkResult(src.id, src.url, LinkClass.GONE, http_status=410, state=LinkState.DEAD,
                      final_url=BREAKOUT, detail=BREAKOUT)
    other = one_source(id="b", url="http://b.example/", title="B")
    live = one_source(id="c", url="http://c.example/", title="C")
    live_capture = capture(source_id="c", url=live.url, memento_url=live.url,
                           kind=CaptureKind.LIVE, warc_file=BREAKOUT)
    manifest = replace(manifest, sources=(*manifest.sources, other, live))
    result = replace(result, quotes=quotes, links=(link,),
                     captures=(*result.captures, CaptureResult(
                         "b", other.url, CaptureOutcome.BLOCKED_ROBOTS, detail=BREAKOUT),
                               CaptureResult("c", live.url, CaptureOutcome.STORED,
                                             capture=live_capture)),
                     changes=(Change(ChangeKind.LINK_DIED, src.id, BREAKOUT),))
    return result, manifest


RUNS = {"sample": sample, "offline": offline_sample, "hostile": hostile}


def rows_data(page: str) -> str:
    return page.split('id="rows-data">', 1)[1].split("</script>", 1)[0]


@pytest.mark.parametrize("name", list(RUNS))
def test_row_data_cannot_leave_its_script_element(name: str) -> None:
    result, manifest = RUNS[name]()
    page = format_html(result, manifest, server_rows_max=0)
    data = rows_data(page)
    for char in "<>&\u2028\u2029":
        assert char not in data
    records = json.loads(data)
    assert [r["i"] for r in records] == [s.id for s in manifest.sources]
    ET.fromstring(page.split("\n", 1)[1])  # still well-formed XML
    assert page.count("<script") == 3  # the config, the rows, the page's script
    if name == "hostile":
        title = records[0]["t"]
        assert "</script>" in title and "\\x1b[31m" in title and "\\u202e" in title
        assert "\\ud800" in title  # shown, escaped, as in every output for people


def test_a_page_drawn_by_its_script_is_written_a_row_at_a_time() -> None:
    """``archiver run --report`` writes report.html from html_pieces: each row's data is
    its own piece (a 100,000-source page is never one string), and the pieces are
    format_html's text."""
    result, manifest = hostile()
    pieces = list(html_pieces(result, manifest, server_rows_max=0))
    assert "".join(pieces) == format_html(result, manifest, server_rows_max=0)
    start = pieces.index('<script type="application/json" id="rows-data">')
    end = pieces.index("</script>\n", start)
    rows = pieces[start + 1:end]
    assert rows[0] == "[\n" and rows[-1] == "\n]"
    assert len(rows[1:-1]) == len(manifest.sources)  # one piece a row
    assert json.loads("".join(rows))[1]["i"] == manifest.sources[1].id


def rendered_rows(page_file: Path) -> tuple[list[str], list[str], list[str]]:
    """The rows' outerHTML in Chromium, the page's errors, and any dialog it opened."""
    from playwright.sync_api import Dialog, sync_playwright

    errors: list[str] = []
    dialogs: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            def on_dialog(dialog: Dialog) -> None:
                dialogs.append(dialog.message)
                dialog.dismiss()

            page.on("dialog", on_dialog)
            page.goto(page_file.as_uri())
            rows = page.locator("tr.source").evaluate_all("rows => rows.map(r => r.outerHTML)")
        finally:
            browser.close()
    return rows, errors, dialogs


@pytest.mark.parametrize("name", list(RUNS))
def test_rows_drawn_by_the_script_are_the_rows_written_as_html(name: str, tmp_path: Path) -> None:
    chromium_path()
    result, manifest = RUNS[name]()
    server, client = tmp_path / "server.html", tmp_path / "client.html"
    server.write_text(format_html(result, manifest), encoding="utf-8")
    client.write_text(format_html(result, manifest, server_rows_max=0), encoding="utf-8")
    assert 'id="rows-data"' not in server.read_text(encoding="utf-8")
    assert len(manifest.sources) <= SERVER_ROWS_MAX
    server_rows, server_errors, server_dialogs = rendered_rows(server)
    client_rows, client_errors, client_dialogs = rendered_rows(client)
    assert len(server_rows) == len(manifest.sources)
    assert client_rows == server_rows
    assert server_errors == client_errors == []
    assert server_dialogs == client_dialogs == []
    if name == "hostile":
        assert 'href="javascript' not in "".join(client_rows)
        assert "<del>praised " in client_rows[0] and "<ins>criticised</ins>" in client_rows[0]
        assert client_rows[0].count("#:~:text=") == 2  # a passage link per quote with one
        assert "ambiguous: 2 places" in client_rows[0]
        assert "live capture, " in client_rows[2] and "href" not in client_rows[2].split(
            "<td>", 5)[5].split("</td>")[0]  # a live capture: no replay link
        assert "&lt;/script&gt;&lt;script&gt;alert(1)" in client_rows[0]


def test_a_hash_with_an_escaped_anchor_opens_its_row_in_the_json_page(tmp_path: Path) -> None:
    chromium_path()
    from playwright.sync_api import sync_playwright

    result, manifest = hostile()
    page_file = tmp_path / "client.html"
    page_file.write_text(format_html(result, manifest, server_rows_max=0), encoding="utf-8")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(page_file.as_uri())
            page.fill("#search", "nothing matches this")
            assert page.locator("tr.source").count() == 0
            page.click("#changes a")  # the changed source: the search is dropped to show it
            row = page.locator("tr.source.target")
            assert row.get_attribute("data-source-id") == 'a b"<_x'
            assert page.evaluate("location.hash") == "#source-a_20_b_22__3c__5f_x"
            page.fill("#search", "b.example")
            assert [page.locator("tr.source").nth(i).get_attribute("data-source-id")
                    for i in range(page.locator("tr.source").count())] == ["b"]
        finally:
            browser.close()


def many(n: int, changed: int = 0) -> tuple[RunResult, Manifest]:
    """``n`` fine sources (no quotes, links ok), the first ``changed`` of them changed."""
    sources = tuple(one_source(id=f"s{i}", url=f"http://a.example/{i}") for i in range(n))
    links = tuple(LinkResult(s.id, s.url, LinkClass.OK, http_status=200) for s in sources)
    changes = tuple(Change(ChangeKind.LINK_FAILING, s.id, "started failing")
                    for s in sources[:changed])
    manifest = Manifest(id="m", title="M", sources=sources)
    result = RunResult(manifest_id="m", started_at=sample()[0].started_at,
                       finished_at=sample()[0].finished_at, links=links, changes=changes,
                       run_id=2, previous_run_id=1)
    return result, manifest


def test_a_big_page_says_without_its_script_what_it_holds() -> None:
    result, manifest = many(SERVER_ROWS_MAX + 1, changed=3)
    page = format_html(result, manifest)
    noscript = page.split("<noscript>", 1)[1].split("</noscript>", 1)[0]
    assert f"This report has {SERVER_ROWS_MAX + 1} sources" in noscript
    assert "0 dead · 0 failing" in noscript and "report.md lists the problems" in noscript
    assert page.count("<tr") == 1  # only the header: the rows are data
    small = format_html(*many(SERVER_ROWS_MAX))
    assert "<noscript>" not in small and small.count('<tr class="source') == SERVER_ROWS_MAX


def test_the_changes_list_is_cut_short_and_says_where_the_rest_are() -> None:
    from archiver.report.html import CHANGES_SHOWN_MAX

    result, manifest = many(CHANGES_SHOWN_MAX + 20, changed=CHANGES_SHOWN_MAX + 20)
    page = format_html(result, manifest)
    changes = page.split('<section id="changes">', 1)[1].split("</section>", 1)[0]
    assert changes.count("<li") == CHANGES_SHOWN_MAX
    assert "… and 20 more" in changes


def test_report_md_lists_only_problem_rows_above_its_threshold() -> None:
    from archiver.report.run import MD_ALL_ROWS_MAX, format_markdown

    result, manifest = many(MD_ALL_ROWS_MAX + 1, changed=2)
    md = format_markdown(result, manifest)
    assert (f"{MD_ALL_ROWS_MAX + 1} sources (more than {MD_ALL_ROWS_MAX}): only the 2 with "
            "problems or changes are listed") in md
    table = md.split("### Sources", 1)[1].split("###", 1)[0]
    assert table.count("| P |") == 2
    small = format_markdown(*many(MD_ALL_ROWS_MAX, changed=2))
    assert "only the" not in small
    assert small.split("### Sources", 1)[1].count("| P |") == MD_ALL_ROWS_MAX
