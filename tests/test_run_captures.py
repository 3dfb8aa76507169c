"""``archiver run --captures`` (fetch stores the other captures, verify dates a quote's
removal) and ``--replay-port`` (where report.html's local-copy links point).

A local pywb archive holds four captures of one story (one before publication,
the one nearest publication, two later; the last without one of the quotes),
and a local site serves the live page for the check stage.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from archiver.cli import cli
from archiver.fetch import CaptureScope
from archiver.pipeline import RunOptions
from archiver.store import LEDGER_NAME
from archiver.verify import SearchScope
from tests.support.localweb import LocalSite, Reply
from tests.support.pywb_archive import Page, PywbArchive
from tests.test_captures_pywb import COST, MAYOR, UNION, html
from tests.test_cli_run import FAST

PATH = "/2014/10/15/harbour.html"


@pytest.fixture()
def site() -> Iterator[LocalSite]:
    with LocalSite() as s:
        s.route(PATH, Reply(200, html(MAYOR, COST)))
        yield s


def story_pages(url: str) -> list[Page]:
    return [Page(url, "2014-09-01T08:00:00Z", html("An older page at that address.")),
            Page(url, "2014-10-16T07:15:00Z", html(MAYOR, UNION)),  # nearest publication
            Page(url, "2014-12-01T10:00:00Z", html(MAYOR, UNION, COST)),
            Page(url, "2015-03-02T09:30:00Z", html(MAYOR, COST))]  # UNION removed


def manifest(path: Path, url: str) -> Path:
    path.write_text(
        '[manifest]\nid = "press"\ntitle = "Press"\n\n[[source]]\nid = "harbour"\n'
        f'url = "{url}"\npublisher = "Nord Littoral"\ntitle = "The harbour"\n'
        'published = 2014-10-15\nlanguage = "en"\n\n'
        f'  [[source.quote]]\n  text = "{UNION}"\n', encoding="utf-8")
    return path


def run(tmp_path: Path, archive: str, url: str, *args: str) -> Result:
    return CliRunner().invoke(cli, [
        "run", str(manifest(tmp_path / "press.toml", url)), "--archive", archive,
        "--warcs", str(tmp_path / "warcs"), "--db", str(tmp_path / "h.db"), "--no-report",
        "--format", "json", *FAST, *args])


def quote_of(result: Result) -> dict[str, Any]:
    data = json.loads(result.stdout)
    (source,) = data["sources"]
    quote: dict[str, Any] = source["quotes"][0]
    return quote


def ledger_lines(tmp_path: Path) -> int:
    return len((tmp_path / "warcs" / LEDGER_NAME).read_text().splitlines())


def test_run_captures_all_stores_every_capture_and_dates_the_removal(
        tmp_path: Path, pywb: PywbArchive, site: LocalSite) -> None:
    url = site.url(PATH)
    archive = pywb.collection(story_pages(url))
    result = run(tmp_path, archive, url, "--captures", "all")
    assert result.exit_code == 0, result.stderr
    assert ledger_lines(tmp_path) == 4
    quote = quote_of(result)
    assert quote["status"] == "verified"
    timeline = quote["timeline"]
    assert timeline is not None and timeline["removed_by"] == "2015-03-02T09:30:00Z"
    assert timeline["first_present"] == "2014-10-16T07:15:00Z"


def test_run_by_default_stores_only_the_nearest_capture(
        tmp_path: Path, pywb: PywbArchive, site: LocalSite) -> None:
    url = site.url(PATH)
    archive = pywb.collection(story_pages(url))
    result = run(tmp_path, archive, url)
    assert result.exit_code == 0, result.stderr
    assert ledger_lines(tmp_path) == 1
    assert quote_of(result).get("timeline") is None


def test_run_captures_first_and_last(tmp_path: Path, pywb: PywbArchive,
                                     site: LocalSite) -> None:
    url = site.url(PATH)
    archive = pywb.collection(story_pages(url))
    result = run(tmp_path, archive, url, "--captures", "first,last")
    assert result.exit_code == 0, result.stderr
    assert ledger_lines(tmp_path) == 3  # first, nearest, last


def test_a_bad_captures_word_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["run", "x.toml", "--captures", "newest"])
    assert result.exit_code == 2 and "unknown capture choice 'newest'" in result.output


def test_run_options_pass_the_scope_to_both_stages() -> None:
    assert RunOptions().verify_captures is SearchScope.CHOSEN
    wider = RunOptions(captures=frozenset({CaptureScope.NEAREST, CaptureScope.LAST}))
    assert wider.verify_captures is SearchScope.ALL


def test_replay_port_sets_the_reports_local_copy_links(
        tmp_path: Path, pywb: PywbArchive, site: LocalSite) -> None:
    url = site.url(PATH)
    archive = pywb.collection(story_pages(url))
    man = manifest(tmp_path / "press.toml", url)
    common = ["run", str(man), "--archive", archive, "--warcs", str(tmp_path / "warcs"),
              "--db", str(tmp_path / "h.db"), *FAST]
    moved = CliRunner().invoke(cli, [*common, "--report", str(tmp_path / "moved"),
                                     "--replay-port", "9123"])
    assert moved.exit_code == 0, moved.stderr
    page = (tmp_path / "moved" / "report.html").read_text(encoding="utf-8")
    assert "http://127.0.0.1:9123/" in page and "--port 9123" in page
    assert "127.0.0.1:8080" not in page

    default = CliRunner().invoke(cli, [*common, "--report", str(tmp_path / "default")])
    assert default.exit_code == 0, default.stderr
    page = (tmp_path / "default" / "report.html").read_text(encoding="utf-8")
    assert "http://127.0.0.1:8080/" in page and "--port" not in page
