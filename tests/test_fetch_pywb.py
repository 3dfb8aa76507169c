"""fetch against a real local pywb: listing, choice, download, storage, replay, kill."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from archiver.fetch import Archive, fetch_sources
from archiver.models import CaptureOutcome, FetchRun, Manifest, Source
from archiver.net import HttpClient
from archiver.store import LEDGER_NAME, check_folder, provenance, read_warc
from tests.support.clients import CountingClient
from tests.support.pywb_archive import Page, PywbArchive, source, write_manifest

FAST = {"listings_per_minute": 60000.0, "downloads_per_second": 1000.0}
STORY = "http://news.example.com/2014/10/15/story.html"
BODY_2014 = "<html><head><title>Harbour</title></head><body><p>The harbour will reopen " \
            "on Monday, the mayor said.</p></body></html>"


def fetch(tmp_path: Path, sources: list[Source], archives: list[Archive],
          client: HttpClient | None = None) -> FetchRun:
    manifest = Manifest(id="press", title="Press", sources=tuple(sources))
    return fetch_sources(manifest, warcs_dir=tmp_path / "warcs", archives=archives,
                         client=client, **FAST)  # type: ignore[arg-type]


def chosen_fields(folder: Path) -> list[dict[str, str]]:
    out = []
    for warc in sorted(folder.glob("*.warc.gz")):
        for rec in read_warc(warc):
            if rec.type == "metadata":
                fields = dict(provenance.as_dict(provenance.decode_fields(rec.block)))
                if fields.get(provenance.F_CHOSEN) == "true":
                    out.append(fields)
    return out


def story_pages() -> list[Page]:
    return [Page(STORY, "2014-09-01T08:00:00Z", "<html>an older page at that URL</html>"),
            Page(STORY, "2014-10-16T07:15:00Z", BODY_2014),
            Page(STORY, "2014-12-01T00:00:00Z", "<html>edited later</html>")]


@pytest.mark.parametrize("listing", ["timemap", "cdx"])
def test_nearest_capture_after_publication_is_stored_byte_for_byte(
        tmp_path: Path, pywb: PywbArchive, listing: str) -> None:
    base = pywb.collection(story_pages())
    archive = Archive.from_url(base, pywb.cdx_url(base) if listing == "cdx" else None)

    run = fetch(tmp_path, [source("story", STORY, "2014-10-15")], [archive])

    result = run.results[0]
    assert result.outcome is CaptureOutcome.STORED and result.rule == "after_publication"
    cap = result.capture
    assert cap is not None and cap.url == STORY and cap.archive == base
    assert cap.memento_datetime.isoformat() == "2014-10-16T07:15:00+00:00"
    assert cap.distance_days == pytest.approx(1.302, abs=0.001) and not cap.pre_publication
    records = read_warc(tmp_path / "warcs" / cap.warc_file)
    response = next(r for r in records if r.offset == cap.warc_offset)
    assert response.get("WARC-Target-URI") == STORY
    assert response.get("WARC-Date") == "2014-10-16T07:15:00Z"
    assert response.get("WARC-Source-URI") == f"{base}20141016071500id_/{STORY}"
    assert response.block.endswith(b"\r\n\r\n" + BODY_2014.encode())
    assert b"Date: Thu, 16 Oct 2014 07:15:00 GMT" in response.block  # X-Archive-Orig-Date
    assert check_folder(tmp_path / "warcs") == []
    listed = chosen_fields(tmp_path / "warcs")[0]["listing-url"]
    assert ("/cdx?" in listed) == (listing == "cdx")


def test_archived_redirect_is_followed_inside_the_archive(tmp_path: Path,
                                                          pywb: PywbArchive) -> None:
    old, new = "http://news.example.com/old-story", "http://news.example.com/new-story"
    base = pywb.collection([
        Page(old, "2014-10-16T00:00:00Z", status=301, location=new, body=""),
        Page(new, "2014-10-16T00:00:02Z", BODY_2014)])

    result = fetch(tmp_path, [source("old", old, "2014-10-15")],
                   [Archive.from_url(base)]).results[0]

    assert result.outcome is CaptureOutcome.STORED and result.rule == "redirect"
    assert result.capture is not None and result.capture.url == new
    assert [(h.status, h.url, h.location) for h in result.capture.redirects] == [
        (301, old, new)]
    assert [r.type for r in read_warc(tmp_path / "warcs" / result.capture.warc_file)] == [
        "warcinfo", "response", "metadata", "request", "response", "metadata", "request"]
    assert chosen_fields(tmp_path / "warcs")[0][provenance.F_REDIRECT] == f"301 {old}"


def test_only_earlier_captures_are_flagged_pre_publication(tmp_path: Path,
                                                           pywb: PywbArchive) -> None:
    base = pywb.collection(story_pages()[:1])

    result = fetch(tmp_path, [source("story", STORY, "2014-10-15")],
                   [Archive.from_url(base, pywb.cdx_url(base))]).results[0]

    assert result.outcome is CaptureOutcome.STORED and result.rule == "before_publication"
    assert result.capture is not None and result.capture.pre_publication
    assert result.capture.distance_days == pytest.approx(-43.667, abs=0.001)
    assert chosen_fields(tmp_path / "warcs")[0][provenance.F_PRE_PUBLICATION] == "true"


def test_missing_from_the_first_archive_is_found_in_the_next(tmp_path: Path,
                                                             pywb: PywbArchive) -> None:
    empty = pywb.collection([Page("http://elsewhere.example.com/", "2014-10-16", "<html/>")])
    full = pywb.collection(story_pages())
    sources = [source("story", STORY, "2014-10-15"),
               source("gone", "http://news.example.com/never-archived", "2014-10-15")]

    run = fetch(tmp_path, sources, [Archive.from_url(empty), Archive.from_url(full)])

    assert [r.outcome for r in run.results] == [CaptureOutcome.STORED,
                                                CaptureOutcome.NO_CAPTURE]
    assert run.results[0].capture is not None and run.results[0].capture.archive == full
    assert run.results[1].archives_tried == (empty, full)


def test_a_second_run_downloads_nothing(tmp_path: Path, pywb: PywbArchive) -> None:
    base = pywb.collection(story_pages())
    sources = [source("story", STORY, "2014-10-15"),
               source("gone", "http://news.example.com/never-archived", "2014-10-15")]
    first = fetch(tmp_path, sources, [Archive.from_url(base)])
    files = sorted((tmp_path / "warcs").glob("*.warc.gz"))

    client = CountingClient()
    second = fetch(tmp_path, sources, [Archive.from_url(base)], client=client)

    assert [r.outcome for r in second.results] == [CaptureOutcome.ALREADY_STORED,
                                                   CaptureOutcome.NO_CAPTURE]
    assert second.results[0].capture == first.results[0].capture
    assert not any("id_/" in u for u in client.urls)  # only the missing one was listed
    assert client.urls == [f"{base}timemap/link/http://news.example.com/never-archived"]
    assert sorted((tmp_path / "warcs").glob("*.warc.gz")) == files


def test_the_same_capture_chosen_for_two_sources_is_stored_once(
        tmp_path: Path, pywb: PywbArchive) -> None:
    base = pywb.collection(story_pages())
    sources = [source("story", STORY, "2014-10-15"),
               source("story-again", STORY.replace("http:", "https:"), "2014-10-15")]

    run = fetch(tmp_path, sources, [Archive.from_url(base)])

    assert [r.outcome for r in run.results] == [CaptureOutcome.STORED,
                                                CaptureOutcome.ALREADY_STORED]
    caps = [r.capture for r in run.results]
    assert caps[0] is not None and caps[1] is not None
    assert caps[0].record_id == caps[1].record_id
    responses = [r for w in (tmp_path / "warcs").glob("*.warc.gz") for r in read_warc(w)
                 if r.type == "response"]
    assert len(responses) == 1
    assert sorted(f[provenance.F_SOURCE_ID] for f in chosen_fields(tmp_path / "warcs")) == [
        "story", "story-again"]
    assert check_folder(tmp_path / "warcs") == []
    again = fetch(tmp_path, sources, [Archive.from_url(base)])
    assert [r.capture for r in again.results] == caps and again.notes == ()


def test_a_redirect_onto_a_stored_capture_stores_only_the_hop(tmp_path: Path,
                                                              pywb: PywbArchive) -> None:
    old = "http://news.example.com/old-url"
    base = pywb.collection([*story_pages(),
                            Page(old, "2014-10-16T07:00:00Z", status=301, location=STORY)])
    sources = [source("story", STORY, "2014-10-15"), source("old", old, "2014-10-15")]

    run = fetch(tmp_path, sources, [Archive.from_url(base)])

    assert [r.outcome for r in run.results] == [CaptureOutcome.STORED] * 2
    story, moved = (r.capture for r in run.results)
    assert story is not None and moved is not None
    assert (moved.record_id, moved.warc_file) == (story.record_id, story.warc_file)
    assert [h.status for h in moved.redirects] == [301]
    pages = [r for w in (tmp_path / "warcs").glob("*.warc.gz") for r in read_warc(w)
             if r.type == "response"]
    assert sorted(r.get("WARC-Target-URI") or "" for r in pages) == sorted([old, STORY])
    assert check_folder(tmp_path / "warcs") == []
    again = fetch(tmp_path, sources, [Archive.from_url(base)])  # the ledger knows both
    assert [r.outcome for r in again.results] == [CaptureOutcome.ALREADY_STORED] * 2
    assert again.results[1].capture == moved and again.notes == ()
    ledger = (tmp_path / "warcs" / LEDGER_NAME).read_text().splitlines()
    assert len(ledger) == 2


def test_pywb_replays_the_warcs_we_write(tmp_path: Path, pywb: PywbArchive) -> None:
    base = pywb.collection(story_pages())
    run = fetch(tmp_path, [source("story", STORY, "2014-10-15")], [Archive.from_url(base)])
    ours = sorted((tmp_path / "warcs").glob("*.warc.gz"))
    done = subprocess.run([sys.executable, "-m", "warcio.cli", "check", *map(str, ours)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout

    replay = pywb.collection(warcs=ours)  # a fresh collection holding only our WARC

    got = requests.get(f"{replay}20141016071500id_/{STORY}", timeout=10)
    assert got.status_code == 200
    assert got.content == BODY_2014.encode()
    assert got.headers["Memento-Datetime"] == "Thu, 16 Oct 2014 07:15:00 GMT"
    timemap = requests.get(f"{replay}timemap/link/{STORY}", timeout=10).text
    assert timemap.count('rel="memento"') == 1  # the metadata record is not replayed
    assert run.results[0].outcome is CaptureOutcome.STORED


def test_a_killed_fetch_leaves_valid_warcs_and_the_rerun_completes_without_duplicates(
        tmp_path: Path, pywb: PywbArchive) -> None:
    urls = [f"http://news.example.com/2014/10/15/story-{i}.html" for i in range(8)]
    base = pywb.collection([Page(u, f"2014-10-16T0{i}:00:00Z", f"<html>story {i}</html>")
                            for i, u in enumerate(urls)])
    sources = [source(f"s{i}", u, "2014-10-15") for i, u in enumerate(urls)]
    manifest = write_manifest(tmp_path / "press.toml", sources, "press")
    warcs = tmp_path / "warcs"
    proc = subprocess.Popen(
        [sys.executable, "-m", "archiver", "fetch", str(manifest), "--archive", base,
         "--warcs", str(warcs), "--list-rate", "100", "--download-rate", "1000",
         "--no-progress", "--format", "json"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not list(warcs.glob("*.warc.gz")):
        time.sleep(0.02)
    time.sleep(0.3)
    proc.kill()  # SIGKILL: no cleanup of any kind
    assert proc.wait(timeout=10) == -9, proc.stderr.read() if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()

    finished = sorted(warcs.glob("*.warc.gz"))
    assert 1 <= len(finished) < len(sources)
    for warc in finished:
        read_warc(warc)  # every finished file is whole
    assert [p for p in check_folder(warcs) if ".open" not in p] == []

    from archiver.manifest import load_manifest

    rerun = fetch_sources(load_manifest(manifest), warcs_dir=warcs,
                          archives=[Archive.from_url(base)], **FAST)  # type: ignore[arg-type]

    outcomes = [r.outcome for r in rerun.results]
    assert outcomes.count(CaptureOutcome.ALREADY_STORED) == len(finished)
    assert outcomes.count(CaptureOutcome.STORED) == len(sources) - len(finished)
    chosen = sorted(f[provenance.F_SOURCE_ID] for f in chosen_fields(warcs))
    assert chosen == sorted(s.id for s in sources)  # each exactly once
    assert check_folder(warcs) == []  # no .open left: recovered or set aside


def test_a_local_archive_is_not_paced_like_the_internet_archive(tmp_path: Path,
                                                                 pywb: PywbArchive) -> None:
    """7 sources from a local pywb, default rates: under 2 s of politeness waits in all.

    With the Internet Archive's budget (24 listings a minute) the same fetch
    waited about 15 s; the IA's gate keeps that budget."""
    from archiver.clock import SYSTEM_CLOCK
    from archiver.fetch.limits import Politeness

    stories = [f"http://news.example.com/2014/10/15/story-{i}.html" for i in range(7)]
    base = pywb.collection([Page(url, "2014-10-16T07:15:00Z", BODY_2014) for url in stories])
    sources = [source(f"s{i}", url, "2014-10-15") for i, url in enumerate(stories)]
    politeness = Politeness(SYSTEM_CLOCK)
    started = time.monotonic()
    run = fetch_sources(Manifest(id="press", title="Press", sources=tuple(sources)),
                        warcs_dir=tmp_path / "warcs", archives=[Archive.from_url(base)],
                        politeness=politeness, allow_private=True)
    took = time.monotonic() - started
    assert [r.outcome for r in run.results] == [CaptureOutcome.STORED] * 7
    gate = politeness.gate(Archive.from_url(base).host)
    waits = 7 * (gate.listing.interval + gate.download.interval)
    assert waits < 2.0 and took < 15.0
    assert politeness.gate("web.archive.org").listing.interval == pytest.approx(2.5)
