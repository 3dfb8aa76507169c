"""report.html at 100,000 sources: written in seconds, tens of MB, and usable in Chromium.

The run is made up in the test (no HTTP): 100,000 sources over 1,000 hosts, one
capture and one quote each, a few dead, failing, gone, missing and changed. The
page must load, filter and search in under 2 s each in headless Chromium (the
figures are printed), show its triage tiles, and open a row on a late page from
its ``#source-ID`` link.
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, date, datetime, timedelta
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
    Manifest,
    MatchMethod,
    Quote,
    QuoteResult,
    QuoteStatus,
    RunResult,
    Source,
)
from archiver.report.html import PAGE_SIZE, SERVER_ROWS_MAX, format_html
from archiver.report.run import MD_ALL_ROWS_MAX, format_markdown
from tests.support.browser import CHROMIUM_ARGS, chromium_path

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
N = 100_000
#: Every DEAD_EVERY-th source is dead (gone, 404); others fail, go missing or change.
DEAD_EVERY = 997
LATE = N - 3  # a source on the last page


def sid(n: int) -> str:
    return f"s{n:06d}"


def big_run(n: int = N, *, tmp: Path | None = None) -> tuple[RunResult, Manifest]:
    """A made-up run of ``n`` sources: mostly fine, a few of every kind of problem."""
    sources, links, captures, quotes, changes = [], [], [], [], []
    published = date(2014, 9, 1)
    for i in range(n):
        url = f"http://host{i % 1000}.example/news/2014/story-{i}.html"
        src = Source(id=sid(i), url=url, publisher=f"Publisher {i % 1000}",
                     title=f"Story number {i} about the harbour", published=published,
                     language="en", quotes=(Quote(f"quoted words {i}"),))
        sources.append(src)
        dead = i % DEAD_EVERY == 0
        failing = i % 1009 == 5
        links.append(LinkResult(
            src.id, url, LinkClass.GONE if dead or failing else LinkClass.OK,
            http_status=404 if dead or failing else 200,
            state=LinkState.DEAD if dead else LinkState.FAILING if failing else LinkState.ALIVE,
            failing_count=1 if failing else 0))
        when = datetime(2014, 9, 2, tzinfo=UTC) + timedelta(seconds=i)
        ts = when.strftime("%Y%m%d%H%M%S")
        captures.append(CaptureResult(src.id, url, CaptureOutcome.ALREADY_STORED, capture=Capture(
            source_id=src.id, url=url, archive="https://web.archive.org/web/",
            memento_url=f"https://web.archive.org/web/{ts}id_/{url}", memento_datetime=when,
            http_status=200, mime="text/html",
            warc_file=f"big-20261126120000000-{i:05d}-abcdefgh.warc.gz", warc_offset=0)))
        missing = i % 1013 == 7
        quotes.append(QuoteResult(
            src.id, 1, f"quoted words {i}",
            QuoteStatus.MISSING if missing else QuoteStatus.VERIFIED,
            score=0.0 if missing else 1.0, method=None if missing else MatchMethod.EXACT,
            excerpt=None if missing else f"… the mayor said ⟦quoted words {i}⟧ on Tuesday …"))
        if failing:
            changes.append(Change(ChangeKind.LINK_FAILING, src.id,
                                  "the link started failing (404)"))
    manifest = Manifest(id="big", title="100,000 sources", sources=tuple(sources),
                        path=(tmp / "big.toml") if tmp else None)
    result = RunResult(manifest_id="big", started_at=T0, finished_at=T0, run_id=2,
                       previous_run_id=1, links=tuple(links), captures=tuple(captures),
                       quotes=tuple(quotes), changes=tuple(changes),
                       warcs_dir=(tmp / "warcs") if tmp else None)
    return result, manifest
