"""A verify run's memory does not grow with the number of pages it reads."""

from __future__ import annotations

import random
import tracemalloc
from collections.abc import Sequence
from datetime import UTC, date, datetime

import pytest

from archiver.extract import extract_html
from archiver.models import Capture, Manifest, Quote, QuoteStatus, Source
from archiver.pages import Located, NotLocated
from archiver.verify import run as verify_run
from archiver.verify.run import IndexCache, verify_pages

WORDS = ("le la les un une des migrants calais port ferry police camp ville maire "
         "gouvernement accord britannique france harbour storm mayor").split()


class Pages:
    """A page provider giving every source a page of its own (about 30 kB of text)."""

    def __init__(self) -> None:
        self.rng = random.Random(7)

    def locate(self, source: Source) -> Located | NotLocated:
        words = " ".join(self.rng.choice(WORDS) for _ in range(5000))
        page = extract_html(f"<html><body><article><p>{words} {source.id} said the mayor."
                            "</p></article></body></html>")
        capture = Capture(source.id, source.url, "http://archive.example/", source.url,
                          datetime(2014, 9, 1, tzinfo=UTC), 200, "text/html", "a.warc.gz", 0)
        return Located(capture, page)

    def history(self, source: Source) -> Sequence[Located]:
        return []


def manifest(n: int) -> Manifest:
    return Manifest(id="m", title="M", sources=tuple(
        Source(id=f"s{i}", url=f"http://news.example/{i}", publisher="P", title="T",
               published=date(2014, 9, 1), language="fr",
               quotes=(Quote(f"s{i} said the mayor"), Quote("a sentence no page holds at all")))
        for i in range(n)))


def peak(n: int) -> int:
    tracemalloc.start()
    try:
        run = verify_pages(manifest(n), Pages())
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        assert [r.status for r in run.results][:2] == [QuoteStatus.VERIFIED, QuoteStatus.MISSING]


def test_memory_stays_flat_as_pages_add_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(verify_run, "INDEX_CACHE_PAGES", 2)
    few, many = peak(6), peak(30)
    assert many < 1.5 * few, (few, many)  # every index kept: about 5 times as much


def test_the_cache_keeps_the_last_pages_used() -> None:
    pages = Pages()
    cache = IndexCache(size=2)
    located = [pages.locate(s) for s in manifest(3).sources]
    for loc in located:
        assert isinstance(loc, Located) and loc.page is not None
        cache.put(loc.page, object())  # type: ignore[arg-type]
    assert len(cache) == 2
    first = located[0]
    assert isinstance(first, Located) and first.page is not None
    assert cache.get(first.page) is None
