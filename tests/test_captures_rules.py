"""Pure parts of "every capture": which other captures fetch stores, and timelines."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from archiver.fetch.choose import (
    MAX_CAPTURES_PER_SOURCE,
    CaptureScope,
    Rule,
    extra_candidates,
    parse_captures,
)
from archiver.fetch.listing import Candidate, parse_timestamp
from archiver.verify import timeline_of

URL = "http://news.example.com/a"


def cand(stamp: str, status: int | None = 200, mime: str | None = "text/html") -> Candidate:
    return Candidate(timestamp=stamp, when=parse_timestamp(stamp), original=URL,
                     status=status, mime=mime)


LISTED = [cand("20141016000000"), cand("20140901000000"), cand("20150302000000"),
          cand("20141201000000"), cand("20141101000000", 301),
          cand("20141102000000", 200, "image/png"), cand("20141103000000", 200,
                                                          "application/pdf")]


@pytest.mark.parametrize(("text", "scopes"), [
    ("nearest", {"nearest"}),
    ("first,nearest,last", {"first", "nearest", "last"}),
    (" Last , first ", {"first", "nearest", "last"}),
    ("all", {"all", "nearest"}),
])
def test_parse_captures(text: str, scopes: set[str]) -> None:
    assert {s.value for s in parse_captures(text)} == scopes


def test_parse_captures_refuses_an_unknown_word() -> None:
    with pytest.raises(ValueError, match="unknown capture choice 'newest'"):
        parse_captures("first,newest")


def test_first_and_last_are_the_earliest_and_latest_pages_listed() -> None:
    picked = extra_candidates(LISTED, parse_captures("first,nearest,last"), LISTED[0])
    assert [(r.candidate.timestamp, r.rule) for r in picked] == [
        ("20140901000000", Rule.FIRST), ("20150302000000", Rule.LAST)]


def test_the_chosen_capture_is_never_an_extra() -> None:
    picked = extra_candidates(LISTED, parse_captures("first"), LISTED[1])  # chosen = first
    assert picked == []


def test_all_takes_every_readable_page_but_no_redirect_or_image() -> None:
    picked = extra_candidates(LISTED, parse_captures("all"), LISTED[0])
    assert [r.candidate.timestamp for r in picked] == [
        "20140901000000", "20141103000000", "20141201000000", "20150302000000"]
    assert {r.rule for r in picked} == {Rule.EVERY}


def test_nearest_alone_picks_nothing() -> None:
    assert extra_candidates(LISTED, frozenset({CaptureScope.NEAREST}), LISTED[0]) == []


def test_all_is_capped_with_the_first_and_last_kept() -> None:
    many = [cand(f"2014{m:02d}{d:02d}000000") for m in range(1, 13) for d in range(1, 29)]
    picked = extra_candidates(many, parse_captures("all"), many[100])
    stamps = [r.candidate.timestamp for r in picked]
    assert len(stamps) <= MAX_CAPTURES_PER_SOURCE - 1
    assert stamps[0] == many[0].timestamp and stamps[-1] == many[-1].timestamp
    assert stamps == sorted(set(stamps))
    # with room for 2 besides the chosen one: the first and the last
    small = extra_candidates(many, parse_captures("all"), many[5], limit=3)
    assert [r.candidate.timestamp for r in small] == [many[0].timestamp, many[-1].timestamp]


def at(day: int, month: int = 1, year: int = 2015) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


def test_timeline_present_then_removed() -> None:
    t = timeline_of([(at(3), False), (at(1), True), (at(2), True), (at(4), False)])
    assert (t.searched, t.present) == (4, 2)
    assert (t.first_present, t.last_present, t.removed_by, t.absent_before) == (
        at(1), at(2), at(3), None)


def test_timeline_added_later_and_still_there() -> None:
    t = timeline_of([(at(1), False), (at(2), False), (at(3), True)])
    assert (t.first_present, t.last_present, t.removed_by, t.absent_before) == (
        at(3), at(3), None, at(2))


def test_timeline_gone_and_back_is_dated_by_the_last_removal() -> None:
    t = timeline_of([(at(1), True), (at(2), False), (at(3), True), (at(4), False)])
    assert (t.first_present, t.last_present, t.removed_by) == (at(1), at(3), at(4))


def test_timeline_never_present() -> None:
    t = timeline_of([(at(1), False), (at(2), False)])
    assert (t.searched, t.present, t.first_present, t.removed_by) == (2, 0, None, None)
