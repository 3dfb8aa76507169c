"""Hostile text in results never acts in a report: links, terminals, spreadsheets, XML.

Whatever a manifest, a web server or a WARC file puts in a result's fields
(a ``javascript:`` memento URL, an OSC 52 escape sequence in a redirect's
``Location``, a spreadsheet formula, a NUL, ``<script>``), every output for
people shows it as inert text: links only to http(s) URLs, control and bidi
characters escaped visibly, CSV cells that would start a formula prefixed with
``'``, JUnit XML and report.html well-formed, Markdown escaped. JSON stays
lossless. Examples first, then a hypothesis property over all the formats.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archiver.cli import cli
from archiver.cli.common import warn
from archiver.failon import Command, parse_fail_on
from archiver.models import (
    Capture,
    CaptureOutcome,
    CaptureResult,
    Change,
    ChangeKind,
    CheckRun,
    FetchRun,
    Hop,
    LinkClass,
    LinkResult,
    LinkState,
    LiveStatus,
    Manifest,
    MatchMethod,
    Quote,
    QuoteResult,
    QuoteStatus,
    RunResult,
    Source,
    VerifyRun,
)
from archiver.report import captures, links, quotes, run
from tests.support.localweb import LocalSite, Reply

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
JS = "javascript:alert(document.domain)//"
OSC52 = "\x1b]52;c;ZXZpbA==\x07"  # "write 'evil' to the clipboard"
#: What no output for people may contain raw: C0 but tab and newline, DEL, C1, bidi overrides.
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: Characters XML 1.0 does not allow (§2.2, the Char production).
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def capture(memento_url: str = "http://archive.example/20140921000000id_/http://a.example/",
            **kw: object) -> Capture:
    fields: dict[str, object] = dict(
        source_id="a", url="http://a.example/", archive="http://archive.example/",
        memento_url=memento_url, memento_datetime=datetime(2014, 9, 21, tzinfo=UTC),
        http_status=200, mime="text/html", warc_file="x.warc.gz", warc_offset=0)
    fields.update(kw)
    return Capture(**fields)  # type: ignore[arg-type]


def one_source(url: str = "http://a.example/", **kw: object) -> Source:
    fields: dict[str, object] = dict(id="a", url=url, publisher="P", title="T",
                                     published=date(2014, 9, 20), language="en",
                                     quotes=(Quote("q"),))
    fields.update(kw)
    return Source(**fields)  # type: ignore[arg-type]


def run_of(src: Source, cap: Capture | None = None, **kw: object) -> tuple[RunResult, Manifest]:
    manifest = Manifest(id="m", title="M", sources=(src,))
    captured = (CaptureResult(src.id, src.url, CaptureOutcome.STORED, capture=cap),) if cap else ()
    fields: dict[str, object] = dict(manifest_id="m", started_at=T0, finished_at=T0,
                                     captures=captured)
    fields.update(kw)
    return RunResult(**fields), manifest  # type: ignore[arg-type]


def unescaped_md(md: str) -> str:
    """Markdown with its backslash escapes removed: what is left is syntax."""
    return re.sub(r"\\.", "", md)


def md_links_to_other_than_http(md: str) -> list[str]:
    return re.findall(r"\]\((?!https?://)[^)]*", unescaped_md(md))


#: The only links that are not http(s): the report's own links to a source's row.
IN_PAGE = re.compile(r"#source-[A-Za-z0-9._-]+")


def attribute_urls(html: str) -> list[str]:
    """Every href and data-*url attribute value (unescaped) in a page.

    Links within the page (a triage tile or a change to a source's row) are left
    out once checked: made only of safe characters, and naming an id on the page.
    """
    root = ET.fromstring(html)
    ids = {el.get("id") for el in root.iter()}
    values = [value for el in root.iter() for name, value in el.attrib.items()
              if name == "href" or name.endswith("url")]
    in_page = [v for v in values if v.startswith("#")]
    assert all(IN_PAGE.fullmatch(v) and v[1:] in ids for v in in_page), in_page
    return [v for v in values if not v.startswith("#")]


# -- finding 4: only http(s) URLs become links -----------------------------------------


def test_a_javascript_memento_url_is_text_not_a_link() -> None:
    result, manifest = run_of(one_source(), capture(JS))
    page = run.format_html(result, manifest)
    assert 'href="javascript' not in page.lower() and "href='javascript" not in page.lower()
    assert "javascript:alert(document.domain)//" in page  # shown, as text
    assert all(u.startswith(("http://", "https://")) for u in attribute_urls(page))
    robust = run.format_robust_links(result, manifest)
    assert "javascript:" not in re.sub(r"<!--.*?-->", "", robust, flags=re.S)
    assert 'data-versionurl="' not in robust
    assert all(u.startswith(("http://", "https://"))
               for u in attribute_urls(f"<div>{robust}</div>"))
    md = run.format_markdown(result, manifest)
    assert md_links_to_other_than_http(md) == []


@pytest.mark.parametrize("url", [JS, "data:text/html,<script>alert(1)</script>",
                                 " javascript:alert(1)", "JaVaScRiPt:alert(1)",
                                 "java\tscript:alert(1)", "vbscript:msgbox(1)",
                                 "\x01javascript:alert(1)", "//evil.example/x", "file:///etc/passwd"])
def test_no_url_that_is_not_http_becomes_a_link_anywhere(url: str) -> None:
    src = one_source(url=url, archived_url=url, archived_at=T0)
    result, manifest = run_of(src, capture(url))
    for page in (run.format_html(result, manifest), run.format_robust_links(result, manifest)):
        wrapped = page if page.startswith("<!DOCTYPE") else f"<div>{page}</div>"
        assert all(u.startswith(("http://", "https://")) for u in attribute_urls(wrapped)), url
    md = run.format_markdown(result, manifest)
    assert md_links_to_other_than_http(md) == [], md


def test_http_urls_still_become_links() -> None:
    url = "http://a.example/x?q=(1)&r=<2>"
    result, manifest = run_of(one_source(url=url), capture())
    page = run.format_html(result, manifest)
    assert url in attribute_urls(page)
    assert "http://archive.example/20140921000000/http://a.example/" in attribute_urls(page)
    md = run.format_markdown(result, manifest)
    assert "[T](http://a.example/x?q=\\(1\\)\\&r=%3C2%3E)" in md


# -- finding 5: terminals --------------------------------------------------------------


@pytest.fixture(scope="module")
def shared_site() -> Iterator[LocalSite]:
    with LocalSite() as s:
        yield s


def write_manifest(folder: Path, url: str, title: str = "T") -> Path:
    path = folder / "sources.toml"
    path.write_text(f'[manifest]\nid = "test"\ntitle = {json.dumps(title)}\n'
                    f'[[source]]\nid = "a"\nurl = "{url}"\npublisher = "P"\n'
                    f'title = "T"\npublished = 2014-09-01\nlanguage = "fr"\n', encoding="utf-8")
    return path


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


FAST = ["--allow-private", "--no-progress", "--per-host-interval", "0", "--backoff", "0.01",
        "--no-probe", "--no-history"]


@pytest.mark.parametrize("fmt", ["table", "csv", "markdown", "junit"])
def test_an_osc52_location_is_shown_escaped_in_every_format(shared_site: LocalSite,
                                                            tmp_path: Path, fmt: str) -> None:
    shared_site.reset()
    shared_site.route("/moved", Reply(301, "", headers={"Location": "/new" + OSC52}))
    shared_site.default = Reply(200, "<html><body>" + "words of a story " * 40 + "</body></html>")
    manifest = write_manifest(tmp_path, shared_site.url("/moved"))
    result = invoke("check", manifest, "--format", fmt, *FAST)
    assert result.exit_code in (0, 1), result.stderr
    assert not FORBIDDEN.search(result.stdout), repr(result.stdout)
    assert not FORBIDDEN.search(result.stderr), repr(result.stderr)
    if fmt in ("table", "csv"):
        assert "\\x1b]52;c;ZXZpbA==\\x07" in result.stdout
    elif fmt == "markdown":  # the backslash escaped for Markdown: it shows as \x1b
        assert "\\\\x1b\\]52;c;ZXZpbA==\\\\x07" in result.stdout
    else:
        ET.fromstring(result.stdout)
    # JSON keeps the bytes as they came (json.dumps escapes them itself).
    data = json.loads(invoke("check", manifest, "--format", "json", *FAST).stdout)
    assert any(OSC52 in (hop["location"] or "") for r in data["results"]
               for hop in r["redirects"])


def test_escape_sequences_in_a_manifest_do_not_reach_the_terminal(tmp_path: Path) -> None:
    manifest = tmp_path / "evil.toml"
    manifest.write_text('[manifest]\nid = "x"\ntitle = "t"\n[[source]]\n'
                        'id = "a\\u001b]52;c;ZXZpbA==\\u0007\\u202e"\nurl = "ftp://x\\u001b[2J"\n',
                        encoding="utf-8")
    for command in ("validate", "check"):
        result = invoke(command, manifest, "--no-progress" if command == "check" else "--strict")
        assert result.exit_code == 3, result.stderr
        assert not FORBIDDEN.search(result.stderr), repr(result.stderr)
        assert "\\x1b" in result.stderr


def test_warn_escapes_control_and_bidi_characters(capsys: pytest.CaptureFixture[str]) -> None:
    warn(f"note: {OSC52} \x9b31m \u202eevil\u202c\ttab\nnext line")
    err = capsys.readouterr().err
    assert err == ("note: \\x1b]52;c;ZXZpbA==\\x07 \\x9b31m \\u202eevil\\u202c\ttab\n"
                   "next line\n")


def test_the_run_table_escapes_what_the_manifest_says() -> None:
    src = one_source(title="T\x1b[2J")
    manifest = Manifest(id="m", title=f"Title {OSC52}", sources=(src,))
    result = RunResult(manifest_id="m", started_at=T0, finished_at=T0,
                       changes=(Change(ChangeKind.LINK_FAILING, "a", "gone \x1b[31m"),),
                       previous_run_id=1, run_id=2)
    table = run.format_table(result, manifest)
    assert not FORBIDDEN.search(table)
    assert "Title \\x1b]52;c;ZXZpbA==\\x07" in table and "gone \\x1b[31m" in table


# -- finding 5: spreadsheets ----------------------------------------------------------------


def csv_cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def fetch_run(*results: CaptureResult) -> FetchRun:
    return FetchRun(manifest_id="m", started_at=T0, finished_at=T0, results=results)


def test_csv_cells_that_would_start_a_formula_get_a_quote_mark_numbers_stay_numbers() -> None:
    evil = [CaptureResult("a", "http://a.example/", CaptureOutcome.NO_CAPTURE,
                          detail='=HYPERLINK("http://evil.example","click")'),
            CaptureResult("b", "http://b.example/", CaptureOutcome.NO_CAPTURE, detail="@SUM(1)"),
            CaptureResult("c", "http://c.example/", CaptureOutcome.NO_CAPTURE, detail="+1+2"),
            CaptureResult("d", "http://d.example/", CaptureOutcome.NO_CAPTURE,
                          detail="-2+3+cmd|' /C calc'!A0"),
            CaptureResult("e", "http://e.example/", CaptureOutcome.NO_CAPTURE, detail="\t=1"),
            CaptureResult("f", "http://f.example/", CaptureOutcome.STORED,
                          capture=capture(distance_days=-1.5), detail="-1.5")]
    rows = csv_cells(captures.render(fetch_run(*evil), "csv"))
    header = rows[0]
    detail = header.index("detail")
    days = header.index("capture.distance_days")
    assert [r[detail] for r in rows[1:]] == [
        "'=HYPERLINK(\"http://evil.example\",\"click\")", "'@SUM(1)", "'+1+2",
        "'-2+3+cmd|' /C calc'!A0", "'\t=1", "-1.5"]
    assert rows[-1][days] == "-1.5"


def test_a_list_separator_of_another_locale_is_quoted() -> None:
    """Excel splits a CSV on ';' in many locales: a cell holding one is quoted."""
    text = captures.render(fetch_run(CaptureResult(
        "a", "http://a.example/", CaptureOutcome.NO_CAPTURE, detail="x;=1+2")), "csv")
    assert '"x;=1+2"' in text


def test_verify_csv_and_junit_survive_hostile_quotes() -> None:
    results = (QuoteResult("a", 1, "=1+2\x00\x1b[31m", QuoteStatus.MISSING,
                           detail="@cmd \x00 \ufffe \ud800"),
               QuoteResult("a", 2, "-3", QuoteStatus.ALTERED, difference="-word \x1b",
                           excerpt="⟦x⟧ \x00"))
    vrun = VerifyRun(manifest_id="m", started_at=T0, finished_at=T0, warcs="w",
                     results=results)
    rows = csv_cells(quotes.render(vrun, "csv"))
    text = rows[0].index("text")
    assert rows[1][text].startswith("'=1+2") and rows[2][text] == "-3"
    junit = quotes.render(vrun, "junit")
    assert not NOT_XML.search(junit) and not FORBIDDEN.search(junit)
    suite = ET.fromstring(junit).find("testsuite")
    assert suite is not None and suite.get("failures") == "2"


# -- finding 5: Markdown and HTML ---------------------------------------------------------


def test_report_md_makes_markup_inert() -> None:
    src = one_source(url="http://a.example/", title="<script>alert(1)</script> [x](javascript:1)",
                     publisher="<img src=x onerror=alert(1)> *bold* _em_ `code` | pipe \\")
    result, manifest = run_of(src, capture(), quotes=(
        QuoteResult("a", 1, "<b>hi</b> ![img](http://evil.example/x.png)", QuoteStatus.MISSING),))
    md = run.format_markdown(result, manifest)
    assert "<" not in md and ">" not in md.replace("→", "")
    assert "\\[x\\](javascript:1)" in md
    assert "\\*bold\\* \\_em\\_ \\`code\\` \\| pipe \\\\" in md
    assert "!\\[img\\]" in md


def test_report_html_is_well_formed_xml_whatever_the_text() -> None:
    src = one_source(title="nul \x00 esc \x1b ff \x0c \ufffe \ud800 end")
    result, manifest = run_of(src, capture(), notes=("note \x00\x1b",))
    page = run.format_html(result, manifest)
    assert not NOT_XML.search(page) and not FORBIDDEN.search(page)
    root = ET.fromstring(page)
    assert root.tag == "html"


# -- the property: any text, every format for people --------------------------------------

#: Text a hostile source could hold: any code point, weighted towards the dangerous ones.
DANGEROUS = st.sampled_from(["\x00", "\x07", "\x1b", "\x1b]52;c;ZXZpbA==\x07", "\x7f", "\x85",
                             "\x9b", "\u202e", "\u2066", "\ufffe", "\ud800", "\r", "\t", "\n",
                             "=", "+", "-", "@", "<script>", "<img src=x onerror=alert(1)>",
                             "[x](javascript:alert(1))", "]]>", "-->", "&", '"', "'", "|", "`",
                             "*", "_", "\\", ";", ",", "javascript:", "-1.5", "1e5"])
TEXT = st.lists(st.one_of(DANGEROUS, st.text(max_size=4)), max_size=6).map("".join)


def _number(cell: str) -> bool:
    return NUMBER.fullmatch(cell) is not None


def human_outputs(t: list[str]) -> dict[str, str]:
    """Every format for people, of results whose text fields come from ``t``."""
    src = Source(id="a", url="http://a.example/" + t[0], publisher=t[1], title=t[2],
                 published=date(2014, 9, 20), language="en", quotes=(Quote(t[3]),),
                 archived_url=t[4], archived_at=T0)
    cap = capture(memento_url=t[4], warc_file=t[5], distance_days=-1.5,
                  redirects=(Hop(t[6], 301, t[7]),))
    link = LinkResult("a", src.url, LinkClass.REDIRECTED, http_status=301, final_url=t[7],
                      redirects=(Hop(src.url, 301, t[7]),), detail=t[8], error=t[9],
                      state=LinkState.FAILING, failing_count=1)
    quote = QuoteResult("a", 1, t[3], QuoteStatus.ALTERED, score=0.5,
                        method=MatchMethod.FUZZY, excerpt=f"{t[10]}⟦{t[11]}⟧", difference=t[8],
                        detail=t[9], live_status=LiveStatus.GONE, live_detail=t[10],
                        capture=cap)
    missing = QuoteResult("a", 2, t[11], QuoteStatus.MISSING, detail=t[2])
    fetched = CaptureResult("a", src.url, CaptureOutcome.STORED, capture=cap, detail=t[9],
                            rule=t[10])
    manifest = Manifest(id=t[11], title=t[0], sources=(src,))
    check_run = CheckRun(manifest_id=t[11], started_at=T0, finished_at=T0, results=(link,),
                         inconclusive=True, inconclusive_reason=t[1])
    verify_run = VerifyRun(manifest_id=t[11], started_at=T0, finished_at=T0, warcs=t[5],
                           results=(quote, missing), live=True, notes=(t[6],))
    fetch = FetchRun(manifest_id=t[11], started_at=T0, finished_at=T0, results=(fetched,),
                     notes=(t[7],))
    result = RunResult(manifest_id=t[11], started_at=T0, finished_at=T0, links=(link,),
                       captures=(fetched,), quotes=(quote, missing), inconclusive=True,
                       inconclusive_reason=t[1], notes=(t[6],), run_id=2, previous_run_id=1,
                       changes=(Change(ChangeKind.QUOTE_LOST, "a", t[8], 1, t[9], t[10]),))
    policy = parse_fail_on(None, Command.CHECK)
    out = {f"check {fmt}": links.format_check_run(check_run, fmt, policy)
           for fmt in ("table", "csv", "markdown", "junit")}
    out |= {f"verify {fmt}": quotes.render(verify_run, fmt)
            for fmt in ("table", "csv", "markdown", "junit")}
    out |= {f"fetch {fmt}": captures.render(fetch, fmt) for fmt in ("table", "csv", "markdown")}
    out |= {f"run {fmt}": run.render(result, manifest, fmt) for fmt in ("table", "markdown")}
    out["report.md"] = run.format_markdown(result, manifest)
    out["report.html"] = run.format_html(result, manifest)
    out["robust links"] = run.format_robust_links(result, manifest)
    out["summary"] = run.summary_line(result)
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TEXT, min_size=12, max_size=12))
def test_any_text_is_inert_in_every_format_for_people(t: list[str]) -> None:
    for name, text in human_outputs(t).items():
        assert not FORBIDDEN.search(text), (name, text)
        assert not NOT_XML.search(text), (name, text)
        text.encode("utf-8")  # no lone surrogate: every output can be written
        if name.endswith("junit") or name == "report.html":
            ET.fromstring(text)
        if name == "robust links":
            ET.fromstring(f"<div>{text}</div>")
        if name in ("report.html", "robust links"):
            wrapped = text if name == "report.html" else f"<div>{text}</div>"
            assert all(u.startswith(("http://", "https://")) for u in attribute_urls(wrapped))
            root = ET.fromstring(wrapped)
            assert not [a for el in root.iter() for a in el.attrib if a.startswith("on")]
            assert [el.tag for el in root.iter() if el.tag in ("script", "img", "iframe")] \
                in ([], ["script"])
        if name.endswith("csv"):
            for row in csv_cells(text):
                for cell in row:
                    assert not cell.lstrip(" ").startswith(FORMULA_START) or _number(cell), \
                        (name, cell)
        if name in ("report.md", "run markdown", "fetch markdown", "verify markdown",
                    "check markdown"):
            assert md_links_to_other_than_http(text) == [], (name, text)
            tags = re.findall(r"<[^>]*>?", text)
            assert set(tags) <= {"<details>", "<summary>", "</summary>", "</details>"}, tags


def test_json_stays_lossless() -> None:
    hostile = f"{OSC52}\x00\u202e\x9b"
    vrun = VerifyRun(manifest_id="m", started_at=T0, finished_at=T0, warcs="w",
                     results=(QuoteResult("a", 1, hostile, QuoteStatus.MISSING),))
    assert json.loads(quotes.render(vrun, "json"))["results"][0]["text"] == hostile
    line = quotes.render(vrun, "jsonl").splitlines()[0]
    assert json.loads(line)["text"] == hostile


def test_library_warnings_reach_stderr_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    """A warning whose text came from a server (a TimeMap datetime, say) cannot put a
    terminal escape on the user's terminal: the CLI routes the library's warnings
    through its escaping, instead of Python's last-resort handler printing them raw."""
    import logging

    from archiver.cli.common import route_library_warnings

    route_library_warnings()
    route_library_warnings()  # idempotent: one line per warning
    logging.getLogger("archiver.fetch.memento").warning(
        "skipped a TimeMap link with a bad datetime: %s", "\x1b]52;c;aGk=\x07")
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err
    assert err.count("skipped a TimeMap link") == 1 and "\\x1b]52" in err


@settings(max_examples=300)
@given(text=st.text())
def test_xml_escaping_is_the_standard_library_s(text: str) -> None:
    """report.common writes out xml.sax.saxutils's escape and quoteattr (to start faster)."""
    from xml.sax.saxutils import escape, quoteattr

    from archiver.report import common

    assert common.escape(text) == escape(text)
    assert common.quoteattr(text) == quoteattr(text)
