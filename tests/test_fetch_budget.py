"""A memento that drips costs a bounded time, then the source is a playback_error.

A local archive (:class:`LocalSite`) lists one capture per source; one memento
drips its body a byte at a time. The archive deadline and the memento budget
are scaled down (0.3 s and 3 s instead of 60 s and 120 s) and retry waits run
on a :class:`ManualClock`, so the test takes about a second.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from archiver.clock import ManualClock
from archiver.fetch import Archive, fetch_sources, limits
from archiver.fetch.session import ArchiveSession, Budget, MementoTooSlow
from archiver.models import CaptureOutcome, Manifest
from archiver.net import HttpClient
from tests.support.localweb import LocalSite, Reply
from tests.support.pywb_archive import source

STAMP = "20141016000000"
WHEN = "Thu, 16 Oct 2014 00:00:00 GMT"
PAGE = b"<html><body><p>The harbour will reopen on Monday.</p></body></html>"
DEADLINE = 0.3
BUDGET = 3.0


@pytest.fixture()
def scaled(monkeypatch: pytest.MonkeyPatch) -> None:
    """The archive deadline and the memento budget, scaled down a hundredfold or so."""
    monkeypatch.setattr(limits, "ARCHIVE_DEADLINE", DEADLINE)
    monkeypatch.setattr(limits, "MEMENTO_BUDGET", BUDGET, raising=False)
    # Before the budget existed the session imported the deadline by name.
    monkeypatch.setattr("archiver.fetch.session.ARCHIVE_DEADLINE", DEADLINE, raising=False)


def archive_with(site: LocalSite, originals: dict[str, Reply]) -> str:
    """Serve a TimeMap and a memento for each original URL; return the archive base."""
    base = site.url("/web/")
    for original, memento in originals.items():
        site.route(f"/web/timemap/link/{original}", Reply(
            200, f'<{base}{STAMP}/{original}>; rel="memento"; datetime="{WHEN}"',
            content_type="application/link-format"))
        site.route(f"/web/{STAMP}id_/{original}", memento)
    return base


def test_a_dripping_memento_is_a_playback_error_and_the_run_goes_on(
        tmp_path: Path, scaled: None) -> None:
    slow, quick = "http://news.example.com/slow", "http://news.example.com/quick"
    headers = {"Memento-Datetime": WHEN}
    with LocalSite() as site:
        base = archive_with(site, {
            slow: Reply(200, PAGE, headers=headers, drip_seconds=0.05),  # ~3.5 s a try
            quick: Reply(200, PAGE, headers=headers)})
        manifest = Manifest(id="m", title="m", sources=(
            source("slow", slow, "2014-10-15"), source("quick", quick, "2014-10-15")))
        clock = ManualClock()
        run = fetch_sources(manifest, warcs_dir=tmp_path / "w",
                            archives=[Archive.from_url(base)], clock=clock,
                            listings_per_minute=60000, downloads_per_second=1000)
        slow_tries = site.hits(f"/web/{STAMP}id_/{slow}")

    assert not run.inconclusive
    by_id = {r.source_id: r for r in run.results}
    assert by_id["slow"].outcome is CaptureOutcome.PLAYBACK_ERROR
    assert "one memento may take" in (by_id["slow"].detail or "")
    assert by_id["quick"].outcome is CaptureOutcome.STORED
    # 0.3 s, a 2 s wait, 0.3 s: the 4 s wait would overrun the 3 s budget.
    assert slow_tries == 2


def test_a_budget_spent_by_earlier_hops_stops_the_next(tmp_path: Path) -> None:
    with LocalSite() as site, HttpClient(allow_private=True) as client:
        site.route("/m", Reply(200, PAGE))
        session = ArchiveSession(client, limits.Politeness(ManualClock()))
        budget = Budget(1.0)
        budget.spend(1.0)
        with pytest.raises(MementoTooSlow, match="one memento may take"):
            session.get(site.url("/m"), limits.RequestKind.DOWNLOAD, budget=budget)
        assert site.hits("/m") == 0


def test_the_default_budget_is_about_two_deadlines() -> None:
    # One slow memento costs at most the budget: two full archive deadlines and
    # the first retry wait fit, a third try does not.
    budget, deadline, first_wait = (limits.MEMENTO_BUDGET, limits.ARCHIVE_DEADLINE,
                                    limits.RETRY_DELAYS[0])
    assert deadline + first_wait < budget <= 2 * deadline + first_wait
