"""``run_pipeline`` against real local servers: a live site and a local pywb archive.

The press here is three stories on one live site (a :class:`LocalSite`), two of
them archived in pywb. Between runs the tests edit the live site, the archive
and the clock, and check what the pipeline stores and what it says changed.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from archiver.check import CheckOptions
from archiver.clock import ManualClock
from archiver.errors import ConfigError
from archiver.failon import DEFAULTS, Command, parse_fail_on
from archiver.fetch import Archive
from archiver.history import History
from archiver.models import (
    CaptureOutcome,
    Change,
    ChangeKind,
    LinkClass,
    LinkResult,
    LinkState,
    LiveStatus,
    Manifest,
    Progress,
    Quote,
    QuoteResult,
    QuoteStatus,
    RunResult,
    Source,
)
from archiver.pipeline import RunOptions, run_pipeline
from archiver.store import LEDGER_NAME, LedgerEntry, check_folder
from tests.support.clients import CountingClient
from tests.support.localweb import LocalSite, Reply
from tests.support.pywb_archive import Page, PywbArchive, write_pages_warc

T0 = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)

HARBOUR = ("<html><head><title>Harbour</title></head><body><article><p>The harbour will "
           "reopen on Monday, the mayor said.</p></article></body></html>")
FENCE = ("<html><head><title>Fence</title></head><body><article><p>Britain is no soft touch "
         "when it comes to illegal immigration, the minister said.</p></article></body></html>")
MARKET = ("<html><head><title>Market</title></head><body><article><p>The Sunday market will "
          "move to the town hall square.</p></article></body></html>")
HARBOUR_QUOTE = "The harbour will reopen on Monday"
FENCE_QUOTE = "Britain is no soft touch"
MARKET_QUOTE = "The Sunday market will move"


@dataclass
class Press:
    """The live site, its archive, and a manifest of its three stories."""

    site: LocalSite
    pywb: PywbArchive
    base: str
    folder: Path

    @classmethod
    def start(cls, site: LocalSite, pywb: PywbArchive, folder: Path) -> Press:
        site.route("/2014/harbour", Reply(200, HARBOUR))
        site.route("/2014/fence", Reply(200, FENCE))
        site.route("/2014/market", Reply(200, MARKET))
        base = pywb.collection([
            Page(site.url("/2014/harbour"), "2014-10-16T07:15:00Z", HARBOUR),
            Page(site.url("/2014/fence"), "2014-10-17T09:00:00Z", FENCE),
        ])
        return cls(site, pywb, base, folder)

    def sources(self) -> tuple[Source, ...]:
        def story(sid: str, path: str, quote: str) -> Source:
            return Source(id=sid, url=self.site.url(path), publisher="Nord Littoral",
                          title=f"The {sid} story", published=date(2014, 10, 15),
                          language="en", quotes=(Quote(quote),))
        return (story("harbour", "/2014/harbour", HARBOUR_QUOTE),
                story("fence", "/2014/fence", FENCE_QUOTE),
                story("market", "/2014/market", MARKET_QUOTE))

    def manifest(self) -> Manifest:
        return Manifest(id="press", title="Press", sources=self.sources())

    def options(self, **extra: Any) -> RunOptions:
        check = CheckOptions(per_host_interval=0, backoff=0.01, allow_private=True,
                             soft404_probe=False, **extra.pop("check", {}))
        return RunOptions(check=check, archives=(Archive.from_url(self.base),),
                          warcs_dir=self.folder / "warcs", listings_per_minute=60000,
                          downloads_per_second=1000, **extra)

    def archive_market(self) -> None:
        """The archive gets a capture of the market story (it had none)."""
        warc = write_pages_warc(self.folder / "market-pages.warc.gz", [
            Page(self.site.url("/2014/market"), "2014-10-18T10:00:00Z", MARKET)])
        self.pywb.add_warcs(self.base, [warc])


@pytest.fixture(scope="module")
def shared_site() -> Iterator[LocalSite]:
    with LocalSite() as site:
        yield site


@pytest.fixture()
def press(shared_site: LocalSite, pywb: PywbArchive, tmp_path: Path) -> Press:
    shared_site.routes.clear()
    shared_site.requests.clear()
    return Press.start(shared_site, pywb, tmp_path)


def refused_url(path: str = "/") -> str:
    """A URL on a loopback port nothing listens on: connections are refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


#: One day on a :class:`ManualClock` (which advances by seconds).
DAY = timedelta(days=1).total_seconds()


def kinds(result: RunResult) -> list[tuple[str, ChangeKind]]:
    return [(c.source_id, c.kind) for c in result.changes]


def by_source(result: RunResult) -> dict[str, tuple[LinkResult, CaptureOutcome | None,
                                                      QuoteResult]]:
    links = {r.source_id: r for r in result.links}
    captures = {c.source_id: c.outcome for c in result.captures}
    return {q.source_id: (links[q.source_id], captures[q.source_id], q) for q in result.quotes}


# -- end to end ------------------------------------------------------------------------


def test_runs_record_what_changed_between_them(press: Press, tmp_path: Path) -> None:
    clock = ManualClock(start=T0)
    manifest = press.manifest()
    with History(tmp_path / "history.sqlite3", clock=clock) as history:
        def run(live: bool = True) -> RunResult:
            return run_pipeline(manifest, press.options(live=live), history=history,
                                clock=clock)

        first = run()
        assert (first.run_id, first.previous_run_id, first.changes) == (1, None, ())
        assert not first.inconclusive and first.live
        rows = by_source(first)
        assert [(link.link_class, link.state) for link, _, _ in rows.values()] == [
            (LinkClass.OK, LinkState.ALIVE)] * 3
        assert [outcome for _, outcome, _ in rows.values()] == [
            CaptureOutcome.STORED, CaptureOutcome.STORED, CaptureOutcome.NO_CAPTURE]
        assert [(q.status, q.live_status) for _, _, q in rows.values()] == [
            (QuoteStatus.VERIFIED, "present"), (QuoteStatus.VERIFIED, "present"),
            (QuoteStatus.UNVERIFIABLE, "present")]

        # A day later: the fence story is gone, the harbour story was edited on the
        # live site, and the archive now holds the market story.
        press.site.route("/2014/fence", Reply(404, "<html><title>Not found</title></html>"))
        press.site.route("/2014/harbour", Reply(200, HARBOUR.replace("Monday", "Tuesday")))
        press.archive_market()
        clock.advance(DAY)
        second = run()
        assert (second.run_id, second.previous_run_id) == (2, 1)
        assert kinds(second) == [
            ("harbour", ChangeKind.QUOTE_LIVE_GONE),
            ("fence", ChangeKind.LINK_FAILING), ("fence", ChangeKind.QUOTE_LIVE_GONE),
            ("market", ChangeKind.NEW_CAPTURE), ("market", ChangeKind.QUOTE_REGAINED)]
        details = {(c.source_id, c.kind): c for c in second.changes}
        harbour = details["harbour", ChangeKind.QUOTE_LIVE_GONE]
        assert harbour.detail.startswith("quote 1 was changed on the live page")
        assert "tuesday" in harbour.detail and harbour.quote_index == 1
        assert details["fence", ChangeKind.LINK_FAILING].detail == (
            "the link started failing (gone, HTTP 404; failing check 1)")
        rows = by_source(second)
        assert [outcome for _, outcome, _ in rows.values()] == [
            CaptureOutcome.ALREADY_STORED, CaptureOutcome.ALREADY_STORED, CaptureOutcome.STORED]
        # The archived copies still hold the quotes: only the live web changed.
        assert [q.status for _, _, q in rows.values()] == [QuoteStatus.VERIFIED] * 3

        # IABot's rule: dead after 3 failing checks at least 3 days apart.
        clock.advance(3 * DAY)
        assert kinds(run(live=False)) == []  # failing check 2 of 3: no change of state
        clock.advance(3 * DAY)
        third_failure = run(live=False)
        assert kinds(third_failure) == [("fence", ChangeKind.LINK_DIED)]
        assert third_failure.changes[0].detail == "the link is dead (gone, HTTP 404)"
        press.site.route("/2014/fence", Reply(200, FENCE))
        clock.advance(DAY)
        back = run(live=False)
        assert kinds(back) == [("fence", ChangeKind.LINK_RECOVERED)]
        assert back.previous_run_id == third_failure.run_id

        # The history holds every run whole, and recomputes the same changes.
        assert [r.id for r in history.runs("press")] == [1, 2, 3, 4, 5]
        baseline, changes = history.changes(2)
        assert baseline is not None and baseline.id == 1
        assert [(c.source_id, c.kind) for c in changes] == kinds(second)
        assert history.integrity_ok()


def test_one_clock_times_every_stage_and_the_history(press: Press, tmp_path: Path) -> None:
    """The clock given to run_pipeline is the only one: it gives the checks' times,
    the captures' storage times and the history's times (the history keeps none
    of its own here), and moving it 4 days moves them all."""
    clock = ManualClock(start=T0)
    manifest = press.manifest()
    harbour = press.site.url("/2014/harbour")
    with History(tmp_path / "history.sqlite3") as history:
        first = run_pipeline(manifest, press.options(), history=history, clock=clock)
        clock.advance(4 * DAY)
        second = run_pipeline(manifest, press.options(), history=history, clock=clock)
        runs = history.runs("press")
        checks = history.checks(harbour)
        link = history.link(harbour)
    assert first.started_at == T0
    assert second.started_at - first.finished_at == timedelta(days=4)
    for run in (first, second):  # the check stage runs first and waits for nothing
        assert {r.checked_at for r in run.links} == {run.started_at}
    assert [(r.started_at, r.finished_at) for r in runs] == [
        (first.started_at, first.finished_at), (second.started_at, second.finished_at)]
    assert [c.checked_at for c in checks] == [first.started_at, second.started_at]
    assert link is not None and link.last_checked_at == second.started_at
    ledger = (press.folder / "warcs" / LEDGER_NAME).read_text().splitlines()
    stored = [LedgerEntry.from_json(line).stored_at or "" for line in ledger]
    assert len(stored) == 2 and all(
        first.started_at <= datetime.fromisoformat(t) <= first.finished_at for t in stored)


def test_stored_captures_are_not_fetched_again_and_one_client_serves_every_stage(
        press: Press) -> None:
    client = CountingClient()
    manifest = press.manifest()
    try:
        first = run_pipeline(manifest, press.options(live=True), client=client)
        archive_calls = [u for u in client.urls if u.startswith(press.base)]
        live_calls = [u for u in client.urls if u.startswith(press.site.base)]
        assert archive_calls and live_calls  # check, fetch and verify --live, one client
        assert live_calls.count(press.site.url("/2014/harbour")) == 2  # check + live page
        client.urls.clear()

        second = run_pipeline(manifest, press.options(), client=client)
    finally:
        client.close()
    assert first.run_id is None and first.changes == ()  # no history: nothing compared
    assert [c.outcome for c in second.captures] == [
        CaptureOutcome.ALREADY_STORED, CaptureOutcome.ALREADY_STORED,
        CaptureOutcome.NO_CAPTURE]
    # Only the source without a capture went to the archive again.
    asked = [u for u in client.urls if u.startswith(press.base)]
    assert asked and all("/2014/market" in u for u in asked)
    ledger = (press.folder / "warcs" / LEDGER_NAME).read_text().splitlines()
    assert len(ledger) == 2
    assert check_folder(press.folder / "warcs") == []


def test_an_offline_check_stage_is_recorded_but_advances_no_link(
        press: Press, tmp_path: Path) -> None:
    clock = ManualClock(start=T0)
    manifest = press.manifest()
    canary = refused_url()
    with History(tmp_path / "history.sqlite3", clock=clock) as history:
        first = run_pipeline(manifest, press.options(), history=history, clock=clock)
        press.site.route("/2014/fence", Reply(404, "gone"))
        clock.advance(4 * DAY)
        offline = run_pipeline(manifest, press.options(check={"canary": canary}, live=True),
                               history=history, clock=clock)
        assert offline.inconclusive and offline.check_inconclusive
        # Offline, the live pages say nothing about drift: they are not asked for.
        assert not offline.live and {q.live_status for q in offline.quotes} == {None}
        assert "quotes were not looked for on the live pages" in offline.notes[-1]
        assert offline.inconclusive_reason is not None
        assert offline.inconclusive_reason.startswith("check: ")
        assert {r.link_class for r in offline.links} == {LinkClass.INCONCLUSIVE}
        assert [r.state for r in offline.links] == [LinkState.ALIVE] * 3  # not advanced
        assert offline.previous_run_id == first.run_id and offline.changes == ()
        # fetch and verify still ran: what is stored is verified.
        assert [q.status for q in offline.quotes][:2] == [QuoteStatus.VERIFIED] * 2
        stored = history.run(offline.run_id or 0)
        assert stored is not None and stored.inconclusive and not stored.baseline

        clock.advance(DAY)
        online = run_pipeline(manifest, press.options(), history=history, clock=clock)
    assert online.previous_run_id == first.run_id  # never the offline run
    assert kinds(online) == [("fence", ChangeKind.LINK_FAILING)]


def test_an_unreachable_archive_makes_the_run_inconclusive_but_links_advance(
        press: Press, tmp_path: Path) -> None:
    nowhere = refused_url("/coll/")
    clock = ManualClock(start=T0)
    options = press.options()
    options = RunOptions(check=options.check, archives=(Archive.from_url(nowhere),),
                         warcs_dir=options.warcs_dir)
    press.site.route("/2014/fence", Reply(404, "gone"))
    # The archive's retries wait 2, 4, 8 ... s on the clock: not really.
    with History(tmp_path / "history.sqlite3", clock=clock) as history:
        result = run_pipeline(press.manifest(), options, history=history, clock=clock)
        stored = history.run(result.run_id or 0)
        assert stored is not None and not stored.baseline and not stored.inconclusive
        assert history.baseline_before("press") is None
    assert result.inconclusive and not result.check_inconclusive
    assert (result.inconclusive_reason or "").startswith("fetch: no archive could be reached")
    assert {c.outcome for c in result.captures} == {CaptureOutcome.ARCHIVE_UNREACHABLE}
    assert [r.state for r in result.links] == [LinkState.ALIVE, LinkState.FAILING,
                                               LinkState.ALIVE]
    assert {q.status for q in result.quotes} == {QuoteStatus.UNVERIFIABLE}
    assert clock.sleeps  # retried politely before giving up


def test_an_interrupted_run_records_nothing_and_its_rerun_resumes(
        press: Press, tmp_path: Path) -> None:
    """Ctrl-C during fetch: the capture stored is kept; the history holds no half run."""
    clock = ManualClock(start=T0)
    manifest = press.manifest()
    warcs = press.folder / "warcs"

    @dataclass
    class StopAtSecondSource:
        events: list[Progress] = field(default_factory=list)

        def __call__(self, event: Progress) -> None:
            self.events.append(event)
            if event.stage == "fetch" and event.done == 1:
                raise KeyboardInterrupt

    stop = StopAtSecondSource()
    with History(tmp_path / "history.sqlite3", clock=clock) as history:
        with pytest.raises(KeyboardInterrupt):
            run_pipeline(manifest, press.options(), stop, history=history, clock=clock)
        assert history.run_count() == 0 and history.links() == []
        assert {e.stage for e in stop.events} == {"check", "fetch"}
        assert len((warcs / LEDGER_NAME).read_text().splitlines()) == 1

        rerun = run_pipeline(manifest, press.options(), history=history, clock=clock)
        assert [c.outcome for c in rerun.captures] == [
            CaptureOutcome.ALREADY_STORED, CaptureOutcome.STORED, CaptureOutcome.NO_CAPTURE]
        assert (rerun.run_id, rerun.previous_run_id) == (1, None)
        assert history.run_count() == 1 and history.integrity_ok()
    assert len((warcs / LEDGER_NAME).read_text().splitlines()) == 2
    assert check_folder(warcs) == []


# -- the --fail-on policy of a run ----------------------------------------------------------


def sample_run(**extra: Any) -> RunResult:
    links = (LinkResult("a", "http://a.example/", LinkClass.GONE, state=LinkState.FAILING,
                        failing_count=1),
             LinkResult("b", "http://b.example/", LinkClass.OK, state=LinkState.ALIVE))
    quotes = (QuoteResult("a", 1, "first", QuoteStatus.VERIFIED, live_status=LiveStatus.GONE),
              QuoteResult("b", 1, "second", QuoteStatus.ALTERED),
              QuoteResult("b", 2, "third", QuoteStatus.UNVERIFIABLE))
    return RunResult(manifest_id="m", started_at=T0, finished_at=T0, links=links,
                     quotes=quotes, **extra)


def words(policy: str, result: RunResult | None = None) -> list[tuple[str, str]]:
    found = parse_fail_on([policy] if policy else [], Command.RUN).findings(result or sample_run())
    return [(f.stage, f.source_id) for f in found]


def test_fail_on_default_is_checks_links_and_quotes_missing_or_altered() -> None:
    assert DEFAULTS[Command.RUN] == ("gone", "dead", "missing", "altered")
    assert str(parse_fail_on([], Command.RUN)) == "gone,dead,missing,altered"
    # a link answering 404 at its first check fails the run, as it fails `check`
    assert words("") == [("check", "a"), ("verify", "b")]
    [_, finding] = parse_fail_on([], Command.RUN).findings(sample_run())
    assert finding.text == "quote 1 altered: “second”"


def test_fail_on_words_of_every_stage() -> None:
    assert words("gone") == [("check", "a")]
    assert words("failing,unverifiable") == [("check", "a"), ("verify", "b")]
    assert words("drift") == [("verify", "a")]
    assert words("never") == []
    assert len(words("any")) == 4
    regression = Change(ChangeKind.LINK_FAILING, "a", "the link started failing")
    good_news = Change(ChangeKind.NEW_CAPTURE, "b", "new capture")
    changed = sample_run(changes=(regression, good_news))
    assert words("changes", changed) == [("changes", "a")]
    assert words("no-capture") == []


def test_fail_on_rejects_unknown_and_contradictory_words() -> None:
    with pytest.raises(ConfigError, match="does not know 'lost'"):
        parse_fail_on(["dead,lost"], Command.RUN)
    with pytest.raises(ConfigError, match="'never' cannot be combined"):
        parse_fail_on(["never", "dead"], Command.RUN)


def test_ctrl_c_during_the_check_stops_its_workers(press: Press) -> None:
    """The interrupt reaches the main thread, waiting on the workers: they stop too."""
    for i in range(12):
        press.site.route(f"/slow/{i}", Reply(200, "<html>slow</html>", delay=0.2))
    sources = tuple(Source(id=f"slow{i}", url=press.site.url(f"/slow/{i}"), publisher="P",
                           title="T", published=date(2014, 10, 15), language="en")
                    for i in range(12))
    manifest = Manifest(id="slow", title="Slow", sources=sources)
    armed = True

    def interrupt(signum: int, frame: object) -> None:
        if armed:
            raise KeyboardInterrupt

    def progress(event: Progress) -> None:
        if event.stage == "check" and event.done == 2:
            os.kill(os.getpid(), signal.SIGUSR1)  # from a worker thread, as a real signal

    previous = signal.signal(signal.SIGUSR1, interrupt)
    try:
        with pytest.raises(KeyboardInterrupt):
            run_pipeline(manifest, press.options(check={"concurrency": 2}), progress)
        armed = False
        asked = len(press.site.requests)
        time.sleep(0.8)  # without the stop, 4 more requests would start in this time
    finally:
        armed = False
        signal.signal(signal.SIGUSR1, previous)
    assert asked < 12
    assert len(press.site.requests) <= asked + 2  # at most the requests in flight
