"""Internet-Archive-only behaviour, replayed with ``responses`` (pywb cannot show it).

The JSON CDX format, the Wayback jump to the nearest capture, archived redirects
with rewritten Locations, exclusions, 429s and 5xx. Time is a ManualClock: every
wait is recorded, none is slept.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from archiver.fetch import Archive, ManualClock, fetch_sources
from archiver.fetch.limits import RATE_LIMIT_PAUSE, RETRY_DELAYS, Politeness
from archiver.models import CaptureOutcome, FetchRun, Manifest, Source
from archiver.net import HttpClient
from archiver.store import check_folder, provenance, read_warc
from tests.support.localweb import LocalSite, Reply, SeenRequest
from tests.support.pywb_archive import source

WB = "https://web.archive.org/web/"
CDX = "https://web.archive.org/cdx/search/cdx"
OTHER = "https://archive.example.org/wayback/"  # an archive not capped like IA
OTHER_CDX = "https://archive.example.org/cdx"
URL = "http://news.example.com/2014/10/15/story.html"
FIELDS = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]
BODY = b"<html><body><p>The harbour will reopen on Monday.</p></body></html>"


def http_date(ts: str) -> str:
    from archiver.fetch.listing import parse_timestamp

    return parse_timestamp(ts).strftime("%a, %d %b %Y %H:%M:%S GMT")


def cdx_json(*rows: tuple[str, str, str, str]) -> str:
    """Rows of (timestamp, original, mimetype, statuscode) in IA's JSON format."""
    return json.dumps([FIELDS, *[["com,example,news)/2014/10/15/story.html", ts, orig, mime,
                                  status, "DIGESTDIGESTDIGESTDIGESTDIGEST12", "2000"]
                                 for ts, orig, mime, status in rows]])


def memento_headers(ts: str, original: str = URL, **extra: str) -> list[tuple[str, str]]:
    headers = [("Memento-Datetime", http_date(ts)),
               ("Link", f'<{original}>; rel="original", '
                        f'<{WB}timemap/link/{original}>; rel="timemap"; '
                        'type="application/link-format"'),
               ("X-Archive-Orig-Date", http_date(ts)),
               ("X-Archive-Orig-Server", "Apache"),
               ("X-Archive-Src", "crawl-2014/IA-000123.warc.gz")]
    headers.extend(extra.items())
    return headers


class FakeWayback:
    """Routes for one fake Wayback-style archive; CDX answers queued per ``url=``."""

    def __init__(self, rsps: responses.RequestsMock, base: str = WB, cdx: str = CDX) -> None:
        self.rsps, self.base, self.cdx = rsps, base, cdx
        self.cdx_answers: dict[str, list[tuple[int, list[tuple[str, str]], str]]] = {}
        # responses takes a list of header pairs at run time (its stubs say Mapping).
        rsps.add_callback(responses.GET, re.compile(re.escape(cdx) + r"\?.*"),
                          callback=self._cdx)  # type: ignore[arg-type]

    def listing(self, url: str, body: str, status: int = 200,
                headers: list[tuple[str, str]] | None = None) -> None:
        self.cdx_answers.setdefault(url, []).append((status, headers or [], body))

    def _cdx(self, request: Any) -> tuple[int, list[tuple[str, str]], str]:
        params = parse_qs(urlsplit(str(request.url)).query)
        queue = self.cdx_answers.get(params["url"][0], [])
        if not queue:
            return 200, [], json.dumps([FIELDS]) if "from" in params else "[]"
        return queue.pop(0) if len(queue) > 1 else queue[0]

    def memento(self, ts: str, url: str = URL, body: bytes = BODY, status: int = 200,
                headers: list[tuple[str, str]] | None = None, gzipped: bool = False) -> None:
        hdrs = headers if headers is not None else memento_headers(
            ts, url, **{"Content-Type": "text/html; charset=utf-8"})
        if gzipped:
            body = gzip.compress(body)
            hdrs = [*hdrs, ("Content-Encoding", "gzip")]
        # A dict, so that responses adds no Content-Type of its own to ours.
        self.rsps.add(responses.GET, f"{self.base}{ts}id_/{url}", body=body, status=status,
                      headers={"Content-Type": "text/html", **dict(hdrs)})

    def cdx_queries(self) -> list[dict[str, list[str]]]:
        return [parse_qs(urlsplit(str(c.request.url)).query) for c in self.rsps.calls
                if str(c.request.url).startswith(self.cdx)]


@pytest.fixture()
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture()
def ia(rsps: responses.RequestsMock) -> FakeWayback:
    return FakeWayback(rsps)


def run(tmp_path: Path, sources: list[Source], clock: ManualClock | None = None,
        archives: tuple[Archive, ...] = (Archive.from_url(WB),), **kw: Any) -> FetchRun:
    manifest = Manifest(id="press", title="Press", sources=tuple(sources))
    trusted = tuple(p for a in archives for p in (a.base, a.cdx_api) if p)
    with HttpClient(trusted_prefixes=trusted) as client:
        return fetch_sources(manifest, warcs_dir=tmp_path / "warcs", archives=archives,
                             client=client, clock=clock or ManualClock(), **kw)


def fields_of(warc: Path, chosen: bool = True) -> list[tuple[str, str]]:
    for rec in read_warc(warc):
        if rec.type == "metadata":
            pairs = provenance.decode_fields(rec.block)
            if provenance.as_dict(pairs).get(provenance.F_CHOSEN) == ("true" if chosen
                                                                      else "false"):
                return pairs
    raise AssertionError("no such metadata record")


STORY = source("story", URL, "2014-10-15")


def test_cdx_json_listing_choice_and_warc_provenance(tmp_path: Path,
                                                      ia: FakeWayback) -> None:
    ia.listing(URL, cdx_json(("20141013000000", URL, "text/html", "200"),
                          ("20141016101010", URL, "text/html", "200"),
                          ("20141017000000", URL, "text/html", "301"),
                          ("20141020000000", URL, "text/html", "200")))
    headers = memento_headers("20141016101010", **{
        "Content-Type": "text/html; charset=utf-8", "X-Archive-Orig-Transfer-Encoding": "chunked",
        "X-Archive-Orig-Content-Length": "9999", "X-Archive-Orig-Connection": "close"})
    ia.memento("20141016101010", headers=headers, gzipped=True)

    result = run(tmp_path, [STORY]).results[0]

    assert result.outcome is CaptureOutcome.STORED and result.rule == "after_publication"
    cap = result.capture
    assert cap is not None and cap.distance_days == pytest.approx(1.424, abs=0.001)
    assert cap.memento_url == f"{WB}20141016101010id_/{URL}" and not cap.pre_publication
    # One listing call: the "before publication" query was not needed.
    queries = ia.cdx_queries()
    assert len(queries) == 1 and queries[0]["from"] == ["20141014000000"]
    assert queries[0]["output"] == ["json"] and queries[0]["limit"] == ["500"]

    warc = tmp_path / "warcs" / cap.warc_file
    records = read_warc(warc)
    assert [r.type for r in records] == ["warcinfo", "response", "metadata", "request"]
    resp = records[1]
    assert resp.offset == cap.warc_offset
    assert resp.get("WARC-Target-URI") == URL
    assert resp.get("WARC-Date") == "2014-10-16T10:10:10Z"
    assert resp.get("WARC-Source-URI") == cap.memento_url
    assert (resp.get("WARC-Creation-Date") or "").startswith("2026-01-01T")  # ManualClock
    head, _, body = resp.block.partition(b"\r\n\r\n")
    assert body == BODY  # stored decoded, byte for byte
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"Server: Apache" in head and b"Date: Thu, 16 Oct 2014 10:10:10 GMT" in head
    assert f"Content-Length: {len(BODY)}".encode() in head
    for dropped in (b"Transfer-Encoding", b"Content-Encoding", b"9999", b"Connection",
                    b"Memento-Datetime", b"X-Archive"):
        assert dropped not in head
    fields = fields_of(warc)
    meta = dict(provenance.as_dict(fields))
    assert meta[provenance.F_SOURCE_ID] == "story"
    assert meta[provenance.F_PUBLISHED] == "2014-10-15"
    assert meta[provenance.F_DISTANCE_DAYS] == "1.424"
    assert meta["wayback-source-file"] == "crawl-2014/IA-000123.warc.gz"
    assert meta["cdx-digest-match"] == "false"
    assert json.loads(meta["listing-row"])["timestamp"] == "20141016101010"
    assert [v for k, v in fields if k == "candidate"][:2] == [
        "20141016101010 200 text/html after_publication",
        "20141020000000 200 text/html after_publication"]
    raw = json.loads(meta["wayback-response-headers"])
    assert ["X-Archive-Orig-Transfer-Encoding", "chunked"] in raw
    assert check_folder(tmp_path / "warcs") == []


def test_no_page_after_publication_looks_before_and_flags_pre_publication(
        tmp_path: Path, ia: FakeWayback) -> None:
    ia.listing(URL, cdx_json(("20141020000000", URL, "text/html", "404")))
    ia.listing(URL, "[]")  # unused: answers are per url=, queued
    ia.cdx_answers[URL] = [(200, [], cdx_json(("20141020000000", URL, "text/html", "404"))),
                           (200, [], cdx_json(("20140901000000", URL, "text/html", "200"),
                                              ("20141010000000", URL, "text/html", "200")))]
    ia.memento("20141010000000")

    result = run(tmp_path, [STORY]).results[0]

    assert result.outcome is CaptureOutcome.STORED and result.rule == "before_publication"
    assert result.capture is not None and result.capture.pre_publication
    assert result.capture.distance_days == -5.0
    queries = ia.cdx_queries()
    assert [("from" in q, q.get("to")) for q in queries] == [(True, None),
                                                             (False, ["20141013235959"])]


def test_wayback_jump_within_the_window_is_followed(tmp_path: Path, ia: FakeWayback,
                                                     rsps: responses.RequestsMock) -> None:
    ia.listing(URL, cdx_json(("20141016000000", URL, "text/html", "200")))
    rsps.add(responses.GET, f"{WB}20141016000000id_/{URL}", status=302,
             headers={"Location": f"{WB}20141016003000id_/{URL}"})  # no Memento-Datetime
    ia.memento("20141016003000")

    result = run(tmp_path, [STORY]).results[0]

    assert result.outcome is CaptureOutcome.STORED
    assert result.capture is not None
    assert result.capture.memento_url == f"{WB}20141016003000id_/{URL}"
    assert result.capture.redirects == ()  # a jump is not an archived redirect
    meta = provenance.as_dict(fields_of(tmp_path / "warcs" / result.capture.warc_file))
    assert meta["wayback-jump"].endswith(f"-> {WB}20141016003000id_/{URL}")


def test_wayback_jump_outside_the_window_tries_the_next_candidate(
        tmp_path: Path, ia: FakeWayback, rsps: responses.RequestsMock) -> None:
    ia.listing(URL, cdx_json(("20141016000000", URL, "text/html", "200"),
                          ("20141101000000", URL, "text/html", "200")))
    rsps.add(responses.GET, f"{WB}20141016000000id_/{URL}", status=302,
             headers={"Location": f"{WB}20160101000000id_/{URL}"})
    ia.memento("20141101000000")

    result = run(tmp_path, [STORY]).results[0]

    assert result.outcome is CaptureOutcome.STORED
    assert result.capture is not None and result.capture.memento_datetime.month == 11
    assert not any("20160101" in str(c.request.url) for c in rsps.calls)


def test_a_jump_out_of_the_archive_is_never_followed(tmp_path: Path, ia: FakeWayback,
                                                    rsps: responses.RequestsMock) -> None:
    ia.listing(URL, cdx_json(("20141016000000", URL, "text/html", "200")))
    rsps.add(responses.GET, f"{WB}20141016000000id_/{URL}", status=302,
             headers={"Location": "http://127.0.0.1:9/admin"})

    result = run(tmp_path, [STORY]).results[0]

    assert result.outcome is CaptureOutcome.PLAYBACK_ERROR
    assert "redirects outside the archive" in (result.detail or "")
    assert not any("127.0.0.1" in str(c.request.url) for c in rsps.calls)


def test_archived_redirect_is_stored_and_followed_inside_the_archive(
        tmp_path: Path, ia: FakeWayback) -> None:
    new = "http://news.example.com/2014/10/15/story-updated.html"
    ia.listing(URL, cdx_json(("20141016000000", URL, "text/html", "301")))
    ia.memento("20141016000000", status=301, body=b"", headers=memento_headers(
        "20141016000000", Location=f"{WB}20141016000005id_/{new}"))
    ia.memento("20141016000005", url=new)

    result = run(tmp_path, [STORY]).results[0]

    assert result.outcome is CaptureOutcome.STORED and result.rule == "redirect"
    cap = result.capture
    assert cap is not None and cap.url == new
    assert [(h.status, h.url, h.location) for h in cap.redirects] == [(301, URL, new)]
    records = read_warc(tmp_path / "warcs" / cap.warc_file)
    assert [r.type for r in records] == ["warcinfo", "response", "metadata", "request",
                                         "response", "metadata", "request"]
    hop = records[1]
    assert hop.get("WARC-Target-URI") == URL
    assert f"Location: {new}\r\n".encode() in hop.block  # un-wrapped from the memento URL
    assert provenance.as_dict(fields_of(tmp_path / "warcs" / cap.warc_file))[
        provenance.F_REDIRECT] == f"301 {URL}"
    assert provenance.as_dict(fields_of(tmp_path / "warcs" / cap.warc_file, chosen=False))[
        "redirect-to"] == new


def test_an_archived_redirect_loop_is_a_playback_error_at_its_first_return(
        tmp_path: Path, ia: FakeWayback, rsps: responses.RequestsMock) -> None:
    other = "http://news.example.com/2014/10/15/story-b.html"
    ia.listing(URL, cdx_json(("20141016000000", URL, "text/html", "301")))
    ia.memento("20141016000000", status=301, body=b"", headers=memento_headers(
        "20141016000000", Location=f"{WB}20141016000000id_/{other}"))
    ia.memento("20141016000000", url=other, status=301, body=b"", headers=memento_headers(
        "20141016000000", other, Location=f"{WB}20141016000000id_/{URL}"))

    result = run(tmp_path, [STORY]).results[0]

    assert result.outcome is CaptureOutcome.PLAYBACK_ERROR
    assert f"redirect loop at {WB}20141016000000id_/{URL}" in (result.detail or "")
    # An archive answers alike every time: the first return is the loop.
    plays = [str(c.request.url) for c in rsps.calls if "id_/" in str(c.request.url)]
    assert plays == [f"{WB}20141016000000id_/{URL}", f"{WB}20141016000000id_/{other}"]


@pytest.mark.parametrize(("error", "outcome"), [
    ("org.archive.wayback.exception.AdministrativeAccessControlException: Blocked Site Error",
     CaptureOutcome.BLOCKED_SITE),
    ("org.archive.wayback.exception.RobotAccessControlException: Blocked By Robots",
     CaptureOutcome.BLOCKED_ROBOTS),
])
def test_cdx_exclusions_are_outcomes_not_retries(tmp_path: Path, ia: FakeWayback,
                                                 error: str, outcome: CaptureOutcome) -> None:
    ia.listing(URL, "", status=403, headers=[("X-Archive-Wayback-Runtime-Error", error)])
    clock = ManualClock()

    result = run(tmp_path, [STORY], clock=clock).results[0]

    assert result.outcome is outcome and result.capture is None
    assert len(ia.cdx_queries()) == 1 and clock.sleeps == []
    assert "Blocked" in (result.detail or "")


def test_excluded_playback_page_without_memento_datetime_is_blocked_site(
        tmp_path: Path, ia: FakeWayback, rsps: responses.RequestsMock) -> None:
    ia.listing(URL, cdx_json(("20141016000000", URL, "text/html", "200"),
                          ("20141017000000", URL, "text/html", "200")))
    page = b"<html><p>Sorry.</p><p>This URL has been excluded from the Wayback Machine.</p>"
    rsps.add(responses.GET, f"{WB}20141016000000id_/{URL}", body=page, status=200,
             content_type="text/html")

    result = run(tmp_path, [STORY]).results[0]

    assert result.outcome is CaptureOutcome.BLOCKED_SITE
    assert not any("20141017" in str(c.request.url) for c in rsps.calls)  # no point trying more


def test_listed_but_not_playable_tries_the_next_candidate(
        tmp_path: Path, ia: FakeWayback, rsps: responses.RequestsMock) -> None:
    ia.listing(URL, cdx_json(("20141016000000", URL, "text/html", "200"),
                          ("20141018000000", URL, "text/html", "200")))
    rsps.add(responses.GET, f"{WB}20141016000000id_/{URL}", status=404, body=b"not found")
    ia.memento("20141018000000")

    result = run(tmp_path, [STORY]).results[0]

    assert result.outcome is CaptureOutcome.STORED
    assert result.capture is not None and result.capture.memento_datetime.day == 18


def test_every_candidate_unplayable_is_no_memento(tmp_path: Path, ia: FakeWayback,
                                                  rsps: responses.RequestsMock) -> None:
    ia.listing(URL, cdx_json(("20141016000000", URL, "text/html", "200")))
    rsps.add(responses.GET, f"{WB}20141016000000id_/{URL}", status=404, body=b"not found")
    ia.listing("http://news.example.com/nothing", "[]")
    nothing = source("nothing", "http://news.example.com/nothing", "2014-10-15")

    results = run(tmp_path, [STORY, nothing]).results

    assert [r.outcome for r in results] == [CaptureOutcome.NO_MEMENTO,
                                            CaptureOutcome.NO_CAPTURE]
    assert not (tmp_path / "warcs").exists() or not list((tmp_path / "warcs").glob("*.warc.gz"))


def test_listing_calls_are_spaced_24_per_minute(tmp_path: Path, ia: FakeWayback) -> None:
    sources = [source(f"s{i}", f"http://news.example.com/{i}", "2014-10-15") for i in range(3)]
    clock = ManualClock()

    results = run(tmp_path, sources, clock=clock).results

    # Nothing listed: each source costs two CDX queries (after, then before
    # publication), all sharing one limit of 24 a minute.
    assert len(ia.cdx_queries()) == 6 and clock.sleeps == [2.5] * 5
    assert {r.outcome for r in results} == {CaptureOutcome.NO_CAPTURE}


def test_429_pauses_then_a_second_429_stops_cleanly_and_a_rerun_resumes(
        tmp_path: Path, ia: FakeWayback, rsps: responses.RequestsMock) -> None:
    urls = [f"http://news.example.com/{n}" for n in ("a", "b", "c")]
    sources = [source(n, u, "2014-10-15") for n, u in zip("abc", urls, strict=True)]
    ia.cdx_answers[urls[0]] = [(429, [], "Too Many Requests"),
                               (200, [], cdx_json(("20141016000000", urls[0], "text/html",
                                                   "200")))]
    ia.memento("20141016000000", url=urls[0])
    ia.listing(urls[1], "Too Many Requests", status=429)
    clock = ManualClock()

    first = run(tmp_path, sources, clock=clock)

    assert [r.outcome for r in first.results] == [
        CaptureOutcome.STORED, CaptureOutcome.RATE_LIMITED, CaptureOutcome.RATE_LIMITED]
    assert first.inconclusive and "twice" in (first.inconclusive_reason or "")
    assert RATE_LIMIT_PAUSE in clock.sleeps
    assert not any(urls[2] in q["url"][0] for q in ia.cdx_queries())  # c never asked
    assert check_folder(tmp_path / "warcs") == []

    # The archive recovers: the rerun downloads only what is missing.
    rsps.reset()
    again = FakeWayback(rsps)
    for u, ts in zip(urls[1:], ("20141017000000", "20141018000000"), strict=True):
        again.listing(u, cdx_json((ts, u, "text/html", "200")))
        again.memento(ts, url=u)
    second = run(tmp_path, sources, clock=ManualClock())
    assert [r.outcome for r in second.results] == [
        CaptureOutcome.ALREADY_STORED, CaptureOutcome.STORED, CaptureOutcome.STORED]
    assert not any(urls[0] in str(c.request.url) for c in rsps.calls)
    assert len(list((tmp_path / "warcs").glob("*.warc.gz"))) == 3


def test_a_shared_politeness_remembers_a_429_across_calls(tmp_path: Path,
                                                          ia: FakeWayback) -> None:
    clock = ManualClock()
    shared = Politeness(clock)
    ia.cdx_answers[URL] = [(429, [], "Too Many Requests"), (200, [], "[]")]
    first = run(tmp_path, [STORY], clock=clock, politeness=shared)
    assert not first.inconclusive
    ia.cdx_answers[URL] = [(429, [], "Too Many Requests")]
    second = run(tmp_path, [STORY], clock=clock, politeness=shared)
    assert second.inconclusive  # the second 429 within 10 minutes, across calls


def test_retry_after_longer_than_we_wait_stops_at_once(tmp_path: Path,
                                                       ia: FakeWayback) -> None:
    ia.listing(URL, "slow down", status=429, headers=[("Retry-After", "3600")])
    clock = ManualClock()

    result = run(tmp_path, [STORY], clock=clock)

    assert result.inconclusive and result.results[0].outcome is CaptureOutcome.RATE_LIMITED
    assert clock.sleeps == []


def _other(rsps: responses.RequestsMock) -> tuple[FakeWayback, tuple[Archive, ...]]:
    return FakeWayback(rsps, OTHER, OTHER_CDX), (Archive.from_url(OTHER, OTHER_CDX),)


def test_5xx_and_timeouts_are_retried_after_2_4_8_s(tmp_path: Path,
                                                     rsps: responses.RequestsMock) -> None:
    arc, archives = _other(rsps)
    arc.cdx_answers[URL] = [(503, [], "busy"), (502, [], "bad gateway"),
                            (200, [], cdx_json(("20141016000000", URL, "text/html", "200")))]
    memento = f"{OTHER}20141016000000id_/{URL}"
    rsps.add(responses.GET, memento, body=requests.exceptions.ReadTimeout("read timed out"))
    arc.memento("20141016000000")
    clock = ManualClock()

    result = run(tmp_path, [STORY], clock=clock, archives=archives,
                 listings_per_minute=60000, downloads_per_second=1000)

    assert result.results[0].outcome is CaptureOutcome.STORED
    assert [s for s in clock.sleeps if s >= 1] == [2.0, 4.0, 2.0]


def test_an_archive_that_keeps_failing_makes_the_run_inconclusive(
        tmp_path: Path, rsps: responses.RequestsMock) -> None:
    arc, archives = _other(rsps)
    arc.listing(URL, "down", status=503)
    later = source("later", "http://news.example.com/later", "2014-10-15")
    clock = ManualClock()

    result = run(tmp_path, [STORY, later], clock=clock, archives=archives,
                 listings_per_minute=60000)

    assert [s for s in clock.sleeps if s >= 1] == list(RETRY_DELAYS)
    assert result.inconclusive
    assert [r.outcome for r in result.results] == [CaptureOutcome.ARCHIVE_UNREACHABLE] * 2


def test_a_source_missing_from_the_first_archive_is_found_in_the_next(
        tmp_path: Path, ia: FakeWayback, rsps: responses.RequestsMock) -> None:
    ia.listing(URL, "[]")
    arc, archives = _other(rsps)
    arc.listing(URL, cdx_json(("20141016000000", URL, "text/html", "200")))
    arc.memento("20141016000000")

    result = run(tmp_path, [STORY], archives=(Archive.from_url(WB), *archives),
                 listings_per_minute=60000).results[0]

    assert result.outcome is CaptureOutcome.STORED
    assert result.capture is not None and result.capture.archive == OTHER
    assert result.archives_tried == (OTHER,)


def test_undecodable_double_content_encoding_is_asked_again_as_identity(
        tmp_path: Path) -> None:
    """IA sometimes sends "content-encoding: " and "Content-Encoding: gzip" together."""
    with LocalSite() as site:
        base = site.url("/web/")
        original = "http://news.example.com/x"

        def memento(request: SeenRequest) -> Reply:
            headers = {"Memento-Datetime": http_date("20141016000000"),
                       "Link": f'<{original}>; rel="original"'}
            if request.headers.get("Accept-Encoding") == "identity":
                return Reply(200, BODY, headers=headers)
            return Reply(200, gzip.compress(BODY), headers={
                **headers, "content-encoding": "", "Content-Encoding": "gzip"})

        site.route(f"/web/timemap/link/{original}", Reply(
            200, f'<{base}20141016000000mp_/{original}>; rel="memento"; '
                 f'datetime="{http_date("20141016000000")}"',
            content_type="application/link-format"))
        site.route(f"/web/20141016000000id_/{original}", memento)
        manifest = Manifest(id="m", title="m", sources=(source("x", original, date(2014, 10,
                                                                                    15)),))
        result = fetch_sources(manifest, warcs_dir=tmp_path / "w",
                               archives=[Archive.from_url(base)], clock=ManualClock(),
                               listings_per_minute=60000, downloads_per_second=1000)

    assert result.results[0].outcome is CaptureOutcome.STORED
    assert [r.headers.get("Accept-Encoding") for r in site.requests[1:]] == [
        "gzip, deflate", "identity"]
    cap = result.results[0].capture
    assert cap is not None
    body = read_warc(tmp_path / "w" / cap.warc_file)[1].block.partition(b"\r\n\r\n")[2]
    assert body == BODY
