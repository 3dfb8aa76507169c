"""Pure parts of fetch: the choice rule, timestamps, link format, politeness arithmetic."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from archiver.clock import ManualClock
from archiver.errors import ArchiveRateLimited, ConfigError, LinkFormatError
from archiver.failon import Command, parse_fail_on
from archiver.fetch.choose import Rule, describe, distance_days, is_pre_publication, rank
from archiver.fetch.limits import (
    RATE_LIMIT_PAUSE,
    ArchiveGate,
    Politeness,
    RateLimiter,
    RequestKind,
)
from archiver.fetch.listing import Archive, Candidate, parse_http_date, parse_timestamp
from archiver.fetch.memento import parse_links
from archiver.models import Capture, CaptureOutcome, CaptureResult

PUB = date(2014, 10, 15)
URL = "http://news.example.com/a"


def cand(stamp: str, status: int | None = 200, mime: str | None = "text/html") -> Candidate:
    return Candidate(timestamp=stamp, when=parse_timestamp(stamp), original=URL,
                     status=status, mime=mime)


# -- the rule ------------------------------------------------------------------------


def test_earliest_page_from_the_day_before_publication_wins() -> None:
    ranked = rank([cand("20141201000000"), cand("20141014230000"), cand("20140901000000"),
                   cand("20141013000000")], PUB)
    assert [(r.candidate.timestamp, r.rule) for r in ranked] == [
        ("20141014230000", Rule.AFTER_PUBLICATION),  # within the day of slack
        ("20141201000000", Rule.AFTER_PUBLICATION),
        ("20141013000000", Rule.BEFORE_PUBLICATION),  # closest before first
        ("20140901000000", Rule.BEFORE_PUBLICATION),
    ]


def test_redirect_ranks_after_pages_and_before_pre_publication() -> None:
    ranked = rank([cand("20141020000000", 301, "text/html"), cand("20141010000000"),
                   cand("20141030000000", 404), cand("20141021000000", 200, "image/png")], PUB)
    assert [(r.candidate.timestamp, r.rule) for r in ranked] == [
        ("20141020000000", Rule.REDIRECT), ("20141010000000", Rule.BEFORE_PUBLICATION)]


def test_unlisted_status_is_a_candidate_and_revisits_count_as_pages() -> None:
    ranked = rank([cand("20141016000000", None, None),
                   cand("20141017000000", None, "warc/revisit")], PUB)
    assert [r.rule for r in ranked] == [Rule.AFTER_PUBLICATION, Rule.AFTER_PUBLICATION]
    assert describe(ranked)[0] == "20141016000000 - - after_publication"


def test_duplicate_rows_are_ranked_once() -> None:
    assert len(rank([cand("20141016000000"), cand("20141016000000")], PUB)) == 1


def test_distance_and_pre_publication() -> None:
    when = datetime(2014, 10, 14, 12, 0, tzinfo=UTC)
    assert distance_days(when, PUB) == -0.5
    assert not is_pre_publication(when, PUB)
    assert is_pre_publication(datetime(2014, 10, 13, 23, 59, tzinfo=UTC), PUB)


# -- timestamps, archives --------------------------------------------------------------


def test_timestamps() -> None:
    assert parse_timestamp("20141015123456") == datetime(2014, 10, 15, 12, 34, 56, tzinfo=UTC)
    assert parse_timestamp("2014") == datetime(2014, 1, 1, tzinfo=UTC)
    assert parse_timestamp("20000015101016").month == 1  # IA's "00" month
    assert parse_timestamp("20000800101016").day == 1  # and "00" day
    with pytest.raises(ValueError):
        parse_timestamp("2014-10-15")
    assert parse_http_date("Wed, 15 Oct 2014 12:34:56 GMT").hour == 12


def test_archive_urls() -> None:
    ia = Archive.from_url("https://web.archive.org/web")
    assert ia.cdx_api == "https://web.archive.org/cdx/search/cdx"
    assert ia.memento_url("20141015123456", URL) == \
        "https://web.archive.org/web/20141015123456id_/http://news.example.com/a"
    assert ia.parse_memento_url(
        "https://web.archive.org/web/20141015123456id_/http://x.org/a?b=1") == \
        ("20141015123456", "http://x.org/a?b=1")
    assert ia.parse_memento_url("https://web.archive.org/web/2014/http://x.org/") == \
        ("20140000000000", "http://x.org/")
    assert ia.parse_memento_url("https://web.archive.org/web/timemap/link/x") is None
    assert ia.parse_memento_url("http://x.org/a") is None
    local = Archive.from_url("http://127.0.0.1:8080/coll/")
    assert local.cdx_api is None
    assert local.timemap_url(URL) == "http://127.0.0.1:8080/coll/timemap/link/" + URL
    with pytest.raises(ValueError):
        Archive.from_url("ftp://example.org/")


# -- link format ---------------------------------------------------------------------


def test_link_format_with_commas_in_quotes_and_uris() -> None:
    text = ('<http://a.example/x?a=1,2>; rel="original",\n'
            '<http://arc/20141015123456mp_/http://a.example/x>; rel="first memento"; '
            'datetime="Wed, 15 Oct 2014 12:34:56 GMT"; collection="c",\n'
            '<http://arc/timemap>; rel=self; type="application/link-format"; '
            'title="a \\"quoted\\" title"')
    links = parse_links(text)
    assert [link.target for link in links] == [
        "http://a.example/x?a=1,2", "http://arc/20141015123456mp_/http://a.example/x",
        "http://arc/timemap"]
    assert links[1].rels == {"first", "memento"}
    assert links[1].params["datetime"] == "Wed, 15 Oct 2014 12:34:56 GMT"
    assert links[2].params["title"] == 'a "quoted" title'
    assert parse_links("") == []


@pytest.mark.parametrize("bad", ["http://no-brackets", "<http://x>; rel=a <http://y>",
                                 '<http://x>; title="unclosed', "<http://x"])
def test_link_format_errors(bad: str) -> None:
    with pytest.raises(LinkFormatError):
        parse_links(bad)


# -- politeness arithmetic -------------------------------------------------------------


def test_rate_limiter_spaces_request_starts() -> None:
    clock = ManualClock()
    limiter = RateLimiter.per_second(24 / 60, clock)
    for _ in range(3):
        limiter.wait()
    assert clock.sleeps == [2.5, 2.5]


def test_429_pauses_the_host_then_a_second_one_within_10_minutes_stops() -> None:
    clock = ManualClock()
    gate = ArchiveGate("web.archive.org", clock, listings_per_minute=24,
                       downloads_per_second=2)
    assert gate.on_429(None) == RATE_LIMIT_PAUSE
    gate.before(RequestKind.DOWNLOAD)
    assert clock.sleeps == [RATE_LIMIT_PAUSE]
    clock.advance(30)
    with pytest.raises(ArchiveRateLimited) as info:
        gate.on_429(None)
    assert "twice" in info.value.message


def test_429_retry_after_is_honoured_and_a_late_second_429_only_pauses() -> None:
    clock = ManualClock()
    gate = ArchiveGate("h", clock, listings_per_minute=24, downloads_per_second=2)
    assert gate.on_429(90.0) == 90.0
    clock.advance(601)
    assert gate.on_429(None) == RATE_LIMIT_PAUSE
    with pytest.raises(ArchiveRateLimited):
        gate.on_429(3600.0)  # longer than we are willing to wait


def test_internet_archive_rates_are_capped() -> None:
    politeness = Politeness(ManualClock(), listings_per_minute=600, downloads_per_second=50)
    assert politeness.gate("web.archive.org").listing.interval == pytest.approx(2.5)
    assert politeness.gate("web.archive.org").download.interval == pytest.approx(0.5)
    assert politeness.gate("127.0.0.1:8080").listing.interval == pytest.approx(0.1)


def test_fail_on_policy() -> None:
    missing = CaptureResult("s", URL, CaptureOutcome.NO_CAPTURE)
    cap = Capture("s", URL, "a", "m", datetime(2014, 1, 1, tzinfo=UTC), 200, "text/html",
                  "f", 0, pre_publication=True)
    early = CaptureResult("s", URL, CaptureOutcome.STORED, capture=cap)
    default = parse_fail_on([], Command.FETCH)
    assert default.matches_capture(missing) and not default.matches_capture(early)
    assert parse_fail_on(["none"], Command.FETCH).matches_capture(missing) is False
    assert parse_fail_on(["pre-publication"], Command.FETCH).matches_capture(early)
    assert str(parse_fail_on(["no-capture,pre_publication"], Command.FETCH)) == (
        "no-capture,pre-publication")
    with pytest.raises(ConfigError):
        parse_fail_on(["dead"], Command.FETCH)


def test_default_rates_are_each_archives_own() -> None:
    from archiver.fetch.limits import (
        DEFAULT_LISTINGS_PER_MINUTE,
        LOCAL_LISTINGS_PER_MINUTE,
        default_rates,
    )
    assert default_rates("web.archive.org")[0] == DEFAULT_LISTINGS_PER_MINUTE
    assert default_rates("webarchive.example.org")[0] == DEFAULT_LISTINGS_PER_MINUTE
    for local in ("127.0.0.1:8080", "localhost:8080", "[::1]:8080", "10.1.2.3", "192.168.0.9"):
        assert default_rates(local)[0] == LOCAL_LISTINGS_PER_MINUTE, local
    given = Politeness(ManualClock(), listings_per_minute=120)  # given rates: every archive
    assert given.gate("127.0.0.1:8080").listing.interval == pytest.approx(0.5)
    assert given.gate("web.archive.org").listing.interval == pytest.approx(2.5)  # IA's cap
