"""Every capture and non-HTML captures, end to end through a real local pywb (#14).

fetch --captures stores more than the chosen capture (from the same listing,
nothing downloaded twice); verify searches the other captures of a URL for a
quote missing from the chosen one and dates a quote's removal; a PDF served by
a local site, archived in pywb and fetched by archiver, is verified through its
text layer, and a scanned PDF is unverifiable with the reason.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from archiver.cli import cli
from archiver.clock import ManualClock
from archiver.errors import NetError, NetErrorKind
from archiver.fetch import MAX_CAPTURES_PER_SOURCE, Archive, fetch_sources
from archiver.models import (
    CaptureOutcome,
    FetchRun,
    Manifest,
    Quote,
    QuoteStatus,
    Source,
    VerifyRun,
)
from archiver.net import HttpClient, HttpResponse
from archiver.report.captures import render
from archiver.store import LEDGER_NAME, WarcIndex, check_folder, provenance, read_warc
from archiver.verify import FLAG_OTHER_CAPTURE, verify_manifest
from tests.support.clients import CountingClient
from tests.support.localweb import LocalSite, Reply
from tests.support.pdfs import image_pdf, text_pdf
from tests.support.pywb_archive import Page, PywbArchive, source, write_manifest
from tests.test_schemas import validate

FAST = {"listings_per_minute": 60000.0, "downloads_per_second": 1000.0}
STORY = "http://news.example.com/2014/10/15/harbour.html"
MAYOR = "The harbour will reopen on Monday, the mayor told reporters at the quay."
UNION = "Fishermen were never consulted about the closure, the union said angrily."
COST = "The council later added that the repairs would cost two million euros."


def html(*paragraphs: str) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"<html><head><title>Harbour</title></head><body>{body}</body></html>"


def story_pages() -> list[Page]:
    return [Page(STORY, "2014-09-01T08:00:00Z", html("An older page at that address.")),
            Page(STORY, "2014-10-16T07:15:00Z", html(MAYOR, UNION)),  # nearest publication
            Page(STORY, "2014-12-01T10:00:00Z", html(MAYOR, UNION, COST)),
            Page(STORY, "2015-03-02T09:30:00Z", html(MAYOR, COST))]  # UNION removed


def story(*quotes: str) -> Source:
    return source("harbour", STORY, "2014-10-15",
                  quotes=tuple(Quote(text=q) for q in quotes))


def fetch(tmp_path: Path, sources: list[Source], base: str, captures: str = "nearest",
          client: HttpClient | None = None) -> FetchRun:
    manifest = Manifest(id="press", title="Press", sources=tuple(sources))
    return fetch_sources(manifest, warcs_dir=tmp_path / "warcs",
                         archives=[Archive.from_url(base)], client=client,
                         captures=captures, **FAST)  # type: ignore[arg-type]


def verify(tmp_path: Path, sources: list[Source], captures: str = "chosen") -> VerifyRun:
    manifest = Manifest(id="press", title="Press", sources=tuple(sources))
    return verify_manifest(manifest, tmp_path / "warcs", captures=captures)


def day(when: datetime | None) -> str:
    assert when is not None
    return when.astimezone(UTC).strftime("%Y-%m-%d")


# -- fetch --captures ----------------------------------------------------------------


def test_first_nearest_last_then_all_stores_each_capture_once(tmp_path: Path,
                                                              pywb: PywbArchive) -> None:
    base = pywb.collection(story_pages())

    first = fetch(tmp_path, [story()], base, "first,nearest,last").results[0]

    assert first.outcome is CaptureOutcome.STORED and first.capture is not None
    assert day(first.capture.memento_datetime) == "2014-10-16"
    assert [day(c.memento_datetime) for c in first.extra_captures] == [
        "2014-09-01", "2015-03-02"]

    client = CountingClient()
    run = fetch(tmp_path, [story()], base, "all", client=client)
    client.close()
    again = run.results[0]
    document = json.loads(render(run, "json"))
    validate("fetch", document)
    assert len(document["results"][0]["extra_captures"]) == 3

    assert again.outcome is CaptureOutcome.ALREADY_STORED
    assert [day(c.memento_datetime) for c in again.extra_captures] == [
        "2014-09-01", "2014-12-01", "2015-03-02"]
    downloads = [u for u in client.urls if "id_/" in u]
    assert len(downloads) == 1 and "20141201100000id_/" in downloads[0]  # only the new one
    # nothing lost or doubled: one ledger line per capture, one chosen
    lines = [json.loads(x) for x in (tmp_path / "warcs" / LEDGER_NAME).read_text().splitlines()]
    assert len(lines) == 4 and sum(1 for x in lines if x["chosen"]) == 1
    assert Counter(x["timestamp"] for x in lines).most_common(1)[0][1] == 1
    chosen = [dict(provenance.as_dict(provenance.decode_fields(r.block)))
              for w in sorted((tmp_path / "warcs").glob("*.warc.gz")) for r in read_warc(w)
              if r.type == "metadata"]
    assert sorted(f[provenance.F_CHOSEN] for f in chosen) == ["false"] * 3 + ["true"]
    assert sum(1 for f in chosen if f.get(provenance.F_EXTRA) == "true") == 3
    assert check_folder(tmp_path / "warcs") == []

    # a third run with the default stores and downloads nothing
    client = CountingClient()
    third = fetch(tmp_path, [story()], base, client=client).results[0]
    client.close()
    assert third.outcome is CaptureOutcome.ALREADY_STORED and client.urls == []
    assert third.extra_captures == ()


def test_all_is_capped_per_source(tmp_path: Path, pywb: PywbArchive) -> None:
    pages = [Page(STORY, datetime(2014, 10, 16, tzinfo=UTC).replace(day=1 + n % 28,
                                                                     month=10 + n // 28),
                  html(f"Version {n} of the page.")) for n in range(MAX_CAPTURES_PER_SOURCE + 6)]
    base = pywb.collection(pages)

    result = fetch(tmp_path, [story()], base, "all").results[0]

    assert result.capture is not None
    assert 1 + len(result.extra_captures) == MAX_CAPTURES_PER_SOURCE
    dates = [c.memento_datetime for c in result.extra_captures]
    assert min(dates) == pages[0].captured and max(dates) == pages[-1].captured


def test_an_unknown_capture_choice_is_a_usage_error(tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path / "m.toml", [story()])
    result = CliRunner().invoke(cli, ["fetch", str(manifest), "--captures", "newest",
                                      "--warcs", str(tmp_path / "w")])
    assert result.exit_code == 2 and "unknown capture choice 'newest'" in result.stderr


# -- verify across captures ------------------------------------------------------------


def test_quote_removed_later_gets_a_timeline_and_a_later_quote_its_capture(
        tmp_path: Path, pywb: PywbArchive) -> None:
    base = pywb.collection(story_pages())
    fetch(tmp_path, [story()], base, "all")
    src = story(MAYOR, UNION, COST)

    default = verify(tmp_path, [src]).results
    everything = verify(tmp_path, [src], "all").results

    mayor, union, cost = default
    # found in the chosen capture: not searched elsewhere by default
    assert mayor.status is QuoteStatus.VERIFIED and mayor.timeline is None
    assert union.status is QuoteStatus.VERIFIED and union.timeline is None
    # absent from the nearest capture, present in the next: verified there, and said so
    assert cost.status is QuoteStatus.VERIFIED and cost.capture is not None
    assert day(cost.capture.memento_datetime) == "2014-12-01"
    assert FLAG_OTHER_CAPTURE in cost.flags
    assert cost.detail is not None and "not in the chosen capture of 2014-10-16" in cost.detail
    assert "found in the capture of 2014-12-01" in cost.detail
    assert cost.timeline is not None and cost.timeline.searched == 4
    assert day(cost.timeline.first_present) == "2014-12-01"
    assert day(cost.timeline.absent_before) == "2014-10-16"
    assert cost.timeline.removed_by is None

    mayor, union, cost = everything
    assert union.status is QuoteStatus.VERIFIED and union.timeline is not None
    assert day(union.capture.memento_datetime if union.capture else None) == "2014-10-16"
    assert (union.timeline.present, union.timeline.searched) == (2, 4)
    assert day(union.timeline.first_present) == "2014-10-16"
    assert day(union.timeline.last_present) == "2014-12-01"
    assert day(union.timeline.removed_by) == "2015-03-02"
    assert day(union.timeline.absent_before) == "2014-09-01"
    assert mayor.timeline is not None and mayor.timeline.removed_by is None
    assert day(mayor.timeline.last_present) == "2015-03-02"


def test_verify_cli_shows_and_serializes_the_timeline(tmp_path: Path,
                                                      pywb: PywbArchive) -> None:
    base = pywb.collection(story_pages())
    fetch(tmp_path, [story()], base, "all")
    src = story(UNION)
    manifest = tmp_path / "m.toml"
    text = write_manifest(manifest, [src], manifest_id="press").read_text()
    manifest.write_text(text + f'[[source.quote]]\ntext = "{UNION}"\n', encoding="utf-8")
    warcs = str(tmp_path / "warcs")

    table = CliRunner().invoke(cli, ["verify", str(manifest), "--warcs", warcs,
                                     "--captures", "all", "--no-progress"])
    assert table.exit_code == 0, table.output
    assert "removed by 2015-03-02" in table.stdout
    assert "2014-10-16 to 2014-12-01" in table.stdout

    out = CliRunner().invoke(cli, ["verify", str(manifest), "--warcs", warcs, "--captures",
                                   "all", "--format", "json", "--no-progress"])
    document = json.loads(out.stdout)
    validate("verify", document)
    timeline = document["results"][0]["timeline"]
    assert timeline["removed_by"] == "2015-03-02T09:30:00Z"
    assert timeline["first_present"] == "2014-10-16T07:15:00Z"


def test_history_lists_every_stored_capture_in_date_order(tmp_path: Path,
                                                         pywb: PywbArchive) -> None:
    base = pywb.collection(story_pages())
    fetch(tmp_path, [story()], base, "all")

    history = WarcIndex.build(tmp_path / "warcs").history(story())

    assert [day(h.capture.memento_datetime) for h in history] == [
        "2014-09-01", "2014-10-16", "2014-12-01", "2015-03-02"]
    assert all(h.page is not None for h in history)
    assert sum(1 for h in history if "capture_not_chosen_by_fetch" in h.flags) == 0


# -- PDF captures ----------------------------------------------------------------------


COMMUNIQUE = [["MINISTRY OF THE SEA - PRESS RELEASE", "",
               "The harbour authority confirmed on Monday that the pier would",
               "reopen once the assessment of the environ-",
               "mental damage caused by the storm had been completed."]]


@pytest.fixture(scope="module")
def site() -> Iterator[LocalSite]:
    with LocalSite() as server:
        yield server


def archive_from_site(pywb: PywbArchive, site: LocalSite, paths: list[str]) -> str:
    """Download each path from the local site (as a crawler would) into a pywb collection."""
    pages = []
    with HttpClient(allow_private=True) as client:
        for path in paths:
            response = client.get(site.url(path))
            assert response.status == 200
            pages.append(Page(f"http://ministry.example.org{path}", "2014-10-16T12:00:00Z",
                              response.body, content_type=response.headers["Content-Type"]))
    return pywb.collection(pages)


def test_pdf_through_pywb_verifies_a_quote_across_a_hyphenated_line_break(
        tmp_path: Path, pywb: PywbArchive, site: LocalSite) -> None:
    site.route("/communique.pdf", Reply(200, text_pdf(COMMUNIQUE),
                                        content_type="application/pdf"))
    site.route("/scan.pdf", Reply(200, image_pdf(), content_type="application/pdf"))
    base = archive_from_site(pywb, site, ["/communique.pdf", "/scan.pdf"])
    quote = ("the pier would reopen once the assessment of the environmental damage "
             "caused by the storm had been completed")
    sources = [source("communique", "http://ministry.example.org/communique.pdf",
                      "2014-10-15", quotes=(Quote(text=quote),)),
               source("scan", "http://ministry.example.org/scan.pdf", "2014-10-15",
                      quotes=(Quote(text="The harbour authority confirmed on Monday"),))]

    fetched = fetch(tmp_path, sources, base)

    assert [r.outcome for r in fetched.results] == [CaptureOutcome.STORED] * 2
    assert fetched.results[0].capture is not None
    assert fetched.results[0].capture.mime == "application/pdf"
    run = verify(tmp_path, sources)
    pdf, scan = run.results
    assert pdf.status is QuoteStatus.VERIFIED, pdf
    assert pdf.capture is not None and pdf.capture.archive == base
    assert scan.status is QuoteStatus.UNVERIFIABLE
    assert scan.detail is not None and "no text layer (a scan?)" in scan.detail


def test_a_lost_ledger_is_rebuilt_with_the_other_captures(tmp_path: Path,
                                                          pywb: PywbArchive) -> None:
    base = pywb.collection(story_pages())
    fetch(tmp_path, [story()], base, "all")
    (tmp_path / "warcs" / LEDGER_NAME).unlink()  # a crash before the ledger was written

    client = CountingClient()
    result = fetch(tmp_path, [story()], base, "all", client=client).results[0]
    client.close()

    assert result.outcome is CaptureOutcome.ALREADY_STORED
    assert len(result.extra_captures) == 3
    assert [u for u in client.urls if "id_/" in u] == []  # nothing fetched again
    lines = [json.loads(x) for x in (tmp_path / "warcs" / LEDGER_NAME).read_text().splitlines()]
    assert len(lines) == 4 and [x["chosen"] for x in lines].count(True) == 1


class _DownAfterChosen(CountingClient):
    """The archive stops answering once the chosen capture has been downloaded."""

    def get(self, url: str, *, headers: Mapping[str, str] | None = None, **kw: Any
            ) -> HttpResponse:
        if "id_/" in url and "20141016071500" not in url:
            self.urls.append(url)
            raise NetError("connection refused", url=url, kind=NetErrorKind.REFUSED)
        return super().get(url, headers=headers, **kw)


def test_archive_going_down_during_other_captures_keeps_the_chosen_one(
        tmp_path: Path, pywb: PywbArchive) -> None:
    base = pywb.collection(story_pages())
    other = source("other", "http://news.example.com/other", "2014-10-15")
    manifest = Manifest(id="press", title="Press", sources=(story(), other))
    client = _DownAfterChosen()

    run = fetch_sources(manifest, warcs_dir=tmp_path / "warcs", archives=[
        Archive.from_url(base)], client=client, captures="all", clock=ManualClock(),
        **FAST)  # type: ignore[arg-type]
    client.close()

    first, second = run.results
    assert first.outcome is CaptureOutcome.STORED and first.extra_captures == ()
    assert first.detail is not None and "the run stopped" in first.detail
    assert second.outcome is CaptureOutcome.ARCHIVE_UNREACHABLE
    assert run.inconclusive
    assert WarcIndex.build(tmp_path / "warcs").locate(story()) is not None
