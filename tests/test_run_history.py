"""Whole runs in the history database: schema upgrade, one transaction, baselines, diffs."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from archiver.cli import cli
from archiver.errors import StoreError
from archiver.history import (
    KIND_CHECK,
    KIND_PIPELINE,
    SCHEMA_VERSION,
    History,
    RunRecord,
    diff_runs,
)
from archiver.history.diff import _capture_change, _link_change, _quote_changes, diff_sorted
from archiver.models import (
    Capture,
    CaptureOutcome,
    CaptureResult,
    Change,
    ChangeKind,
    LinkClass,
    LinkResult,
    LinkState,
    LiveStatus,
    MatchMethod,
    QuoteResult,
    QuoteStatus,
)

T0 = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
A = "https://news.example/2014/harbour"
B = "https://news.example/2014/fence"

#: The schema archiver 0.1.0 wrote (history schema 1), verbatim.
V1_SCHEMA = """
CREATE TABLE runs (id INTEGER PRIMARY KEY, manifest_id TEXT NOT NULL, started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL, inconclusive INTEGER NOT NULL DEFAULT 0, reason TEXT,
    tool_version TEXT);
CREATE TABLE checks (id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs(id),
    url TEXT NOT NULL, source_id TEXT, checked_at TEXT NOT NULL, class TEXT NOT NULL,
    observed_class TEXT, http_status INTEGER, final_url TEXT,
    redirects TEXT NOT NULL DEFAULT '[]', error TEXT, detail TEXT, elapsed_ms INTEGER,
    body_size INTEGER, body_sha256 TEXT, attempts INTEGER NOT NULL DEFAULT 1,
    counted INTEGER NOT NULL DEFAULT 0, state_after TEXT NOT NULL,
    failing_after INTEGER NOT NULL DEFAULT 0);
CREATE INDEX checks_by_url ON checks(url, checked_at);
CREATE TABLE links (url TEXT PRIMARY KEY, source_id TEXT, state TEXT NOT NULL,
    failing_count INTEGER NOT NULL DEFAULT 0, first_failure_at TEXT, last_failure_at TEXT,
    last_success_at TEXT, last_checked_at TEXT, last_class TEXT, state_since TEXT,
    checks INTEGER NOT NULL DEFAULT 0);
CREATE TABLE transitions (id INTEGER PRIMARY KEY, url TEXT NOT NULL, at TEXT NOT NULL,
    from_state TEXT NOT NULL, to_state TEXT NOT NULL, failing_count INTEGER NOT NULL,
    check_id INTEGER REFERENCES checks(id), reason TEXT);
CREATE INDEX transitions_by_url ON transitions(url, at);
INSERT INTO runs VALUES (1, 'press', '2026-02-01T09:00:00.000000Z',
    '2026-02-01T09:00:05.000000Z', 0, NULL, '0.1.0');
INSERT INTO checks (run_id, url, source_id, checked_at, class, http_status, state_after)
    VALUES (1, 'https://news.example/2014/harbour', 'harbour',
    '2026-02-01T09:00:01.000000Z', 'ok', 200, 'alive');
INSERT INTO links (url, source_id, state, last_checked_at, last_class, checks)
    VALUES ('https://news.example/2014/harbour', 'harbour', 'alive',
    '2026-02-01T09:00:01.000000Z', 'ok', 1);
PRAGMA user_version = 1;
"""


def at(days: float) -> datetime:
    return T0 + timedelta(days=days)


def link(sid: str, url: str, cls: LinkClass, day: float = 0, status: int | None = None
         ) -> LinkResult:
    return LinkResult(sid, url, cls, http_status=status, checked_at=at(day))


def capture(sid: str, url: str, when: str = "2014-10-16T07:15:00+00:00") -> CaptureResult:
    stamp = datetime.fromisoformat(when)
    memento = f"http://archive.example/c/{stamp:%Y%m%d%H%M%S}id_/{url}"
    cap = Capture(source_id=sid, url=url, archive="http://archive.example/c/",
                  memento_url=memento, memento_datetime=stamp, http_status=200,
                  mime="text/html", warc_file="press-1.warc.gz", warc_offset=512,
                  record_id="<urn:uuid:1>", distance_days=1.3)
    return CaptureResult(sid, url, CaptureOutcome.STORED, capture=cap, rule="after_publication")


def quote(sid: str, n: int, text: str, status: QuoteStatus = QuoteStatus.VERIFIED,
          live: LiveStatus | None = None) -> QuoteResult:
    return QuoteResult(sid, n, text, status, score=1.0 if status.is_found else 0.0,
                       method=MatchMethod.EXACT if status.is_found else None, live_status=live,
                       live_detail="word: «monday» ≠ «tuesday»" if live == "altered" else None)


def state(h: History, url: str) -> LinkState | None:
    found = h.link(url)
    return found.state if found is not None else None


def baseline_id(h: History, manifest: str, before: int | None = None) -> int | None:
    found = h.baseline_before(manifest, before)
    return found.id if found is not None else None


def record(h: History, day: float, links: list[LinkResult], captures: list[CaptureResult],
           quotes: list[QuoteResult], manifest: str = "press", *,
           check_inconclusive: bool = False, inconclusive: bool = False) -> int:
    return h.record_pipeline_run(manifest_id=manifest, started_at=at(day),
                                 finished_at=at(day) + timedelta(minutes=1), links=links,
                                 captures=captures, quotes=quotes,
                                 check_inconclusive=check_inconclusive,
                                 inconclusive=inconclusive).run_id


# -- the database -----------------------------------------------------------------------


def test_a_schema_1_database_is_upgraded_in_place_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(V1_SCHEMA)
    db.close()

    with History(path) as h:
        assert h.integrity_ok()
        [old] = h.runs()
        assert (old.id, old.kind, old.baseline) == (1, KIND_CHECK, False)
        assert old.links[0].link_class is LinkClass.OK and old.links[0].state is LinkState.ALIVE
        assert h.baseline_before("press") is None  # a check run is never a baseline
        run_id = record(h, 0, [link("harbour", A, LinkClass.GONE, status=404)],
                        [capture("harbour", A)], [quote("harbour", 1, "will reopen")])
        assert state(h, A) is LinkState.FAILING
        assert [c.link_class for c in h.checks(A)] == [LinkClass.OK, LinkClass.GONE]
    with History(path) as h:  # opening again changes nothing
        assert [r.id for r in h.runs()] == [1, run_id]
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 2
    tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"run_links", "run_captures", "run_quotes"} <= tables
    raw.close()


def test_check_runs_still_record_as_before(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite3") as h:
        recorded = h.record_run(manifest_id="press", started_at=T0, finished_at=T0,
                                results=[link("harbour", A, LinkClass.OK)])
        [run] = h.runs()
        assert (run.id, run.kind, run.baseline) == (recorded.run_id, KIND_CHECK, False)
        assert run.captures == () and run.quotes == ()


def test_a_run_is_stored_whole_with_every_result(tmp_path: Path) -> None:
    links = [link("harbour", A, LinkClass.OK, status=200),
             link("harbour-print", A, LinkClass.OK, status=200),  # same URL, other source
             link("fence", B, LinkClass.GONE, status=404)]
    captures = [capture("harbour", A), capture("harbour-print", A),
                CaptureResult("fence", B, CaptureOutcome.NO_CAPTURE, detail="no capture listed")]
    quotes = [quote("harbour", 1, "will reopen"), quote("harbour", 2, "said the mayor",
                                                        QuoteStatus.ALTERED),
              quote("fence", 1, "no soft touch", QuoteStatus.UNVERIFIABLE)]
    with History(tmp_path / "h.sqlite3") as h:
        recorded = h.record_pipeline_run(manifest_id="press", started_at=T0, finished_at=at(0.01),
                                         links=links, captures=captures, quotes=quotes)
        assert [r.state for r in recorded.results] == [LinkState.ALIVE, LinkState.ALIVE,
                                                       LinkState.FAILING]
        assert len(h.checks(A)) == 1  # one check per URL, as `archiver check` stores them
        run = h.run(recorded.run_id)
    assert run is not None
    assert (run.kind, run.baseline, run.inconclusive) == (KIND_PIPELINE, True, False)
    assert [(r.source_id, r.state, r.http_status) for r in run.links] == [
        ("harbour", LinkState.ALIVE, 200), ("harbour-print", LinkState.ALIVE, 200),
        ("fence", LinkState.FAILING, 404)]
    assert run.links[2].previous_state is LinkState.UNKNOWN
    assert run.captures[0].capture == captures[0].capture
    assert run.captures[2].outcome is CaptureOutcome.NO_CAPTURE
    assert run.captures[2].capture is None
    assert [(q.source_id, q.quote_index, q.status) for q in run.quotes] == [
        ("harbour", 1, QuoteStatus.VERIFIED), ("harbour", 2, QuoteStatus.ALTERED),
        ("fence", 1, QuoteStatus.UNVERIFIABLE)]


def test_a_failing_write_stores_nothing(tmp_path: Path) -> None:
    """A quote stored twice breaks the primary key half-way: the whole run is rolled back."""
    with History(tmp_path / "h.sqlite3") as h:
        first = record(h, 0, [link("harbour", A, LinkClass.OK)], [], [])
        with pytest.raises(StoreError, match="cannot write to the history database"):
            record(h, 4, [link("harbour", A, LinkClass.GONE, day=4)], [capture("harbour", A)],
                   [quote("harbour", 1, "x"), quote("harbour", 1, "x")])
        assert [r.id for r in h.runs()] == [first]
        assert state(h, A) is LinkState.ALIVE
        assert len(h.checks(A)) == 1
        assert h.integrity_ok()


def test_an_offline_check_stage_advances_no_link_and_is_no_baseline(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite3") as h:
        first = record(h, 0, [link("harbour", A, LinkClass.OK)], [], [])
        offline = LinkResult("harbour", A, LinkClass.INCONCLUSIVE, checked_at=at(5),
                             observed_class=LinkClass.GONE)
        voided = record(h, 5, [offline], [], [], check_inconclusive=True, inconclusive=True)
        assert state(h, A) is LinkState.ALIVE
        run = h.run(voided)
        assert run is not None and run.inconclusive and not run.baseline
        assert run.links[0].observed_class is LinkClass.GONE
        assert baseline_id(h, "press") == first
        before, changes = h.changes(voided)
        assert before is not None and before.id == first and changes == ()


def test_the_baseline_is_the_last_complete_run_of_the_same_manifest(tmp_path: Path) -> None:
    ok = [link("harbour", A, LinkClass.OK)]
    with History(tmp_path / "h.sqlite3") as h:
        first = record(h, 0, ok, [], [])
        h.record_run(manifest_id="press", started_at=at(1), finished_at=at(1), results=ok)
        rate_limited = record(h, 2, ok, [], [], inconclusive=True)  # fetch stopped early
        record(h, 3, ok, [], [], manifest="other")
        last = record(h, 4, ok, [], [])
        assert baseline_id(h, "press", last) == first
        assert baseline_id(h, "press", first) is None
        assert baseline_id(h, "press") == last
        assert baseline_id(h, "other") is not None
        assert h.changes(first) == (None, ())
        compared_with, _ = h.changes(rate_limited)
        assert compared_with is not None and compared_with.id == first
        assert [r.id for r in h.runs("press", kind=KIND_PIPELINE, limit=2)] == [
            rate_limited, last]


def test_changes_of_a_stored_run_across_days(tmp_path: Path) -> None:
    """The dead rule runs on the checks' own times: 3 failures 3 days apart make a link dead."""
    with History(tmp_path / "h.sqlite3") as h:
        record(h, 0, [link("fence", B, LinkClass.OK, 0, 200)], [], [])
        second = record(h, 3, [link("fence", B, LinkClass.GONE, 3, 404)], [], [])
        third = record(h, 6, [link("fence", B, LinkClass.GONE, 6, 404)], [], [])
        fourth = record(h, 9, [link("fence", B, LinkClass.GONE, 9, 404)], [], [])
        fifth = record(h, 10, [link("fence", B, LinkClass.OK, 10, 200)], [], [])
        kinds = [[c.kind for c in h.changes(run)[1]] for run in (second, third, fourth, fifth)]
    assert kinds == [[ChangeKind.LINK_FAILING], [], [ChangeKind.LINK_DIED],
                     [ChangeKind.LINK_RECOVERED]]


# -- diff_runs, pure ----------------------------------------------------------------------


def run_of(links: Sequence[LinkResult], captures: Sequence[CaptureResult] = (),
           quotes: Sequence[QuoteResult] = (), run_id: int = 1) -> RunRecord:
    return RunRecord(run_id, "press", KIND_PIPELINE, T0, T0, inconclusive=False, baseline=True,
                     links=tuple(links), captures=tuple(captures), quotes=tuple(quotes))


def with_state(result: LinkResult, state: LinkState, failing: int = 0) -> LinkResult:
    return replace(result, state=state, failing_count=failing)


def test_diff_links() -> None:
    alive = with_state(link("harbour", A, LinkClass.OK, status=200), LinkState.ALIVE)
    failing = with_state(link("harbour", A, LinkClass.GONE, status=404), LinkState.FAILING, 1)
    dead = with_state(link("harbour", A, LinkClass.GONE, status=404), LinkState.DEAD, 3)
    moved = with_state(link("harbour", A, LinkClass.REDIRECTED, status=200), LinkState.ALIVE)
    blocked = with_state(link("harbour", A, LinkClass.BLOCKED, status=403), LinkState.ALIVE)

    def one(before: LinkResult, after: LinkResult) -> tuple[ChangeKind, str] | None:
        changes = diff_runs(run_of([before]), run_of([after], run_id=2))
        assert len(changes) <= 1
        return (changes[0].kind, changes[0].detail) if changes else None

    assert one(alive, failing) == (ChangeKind.LINK_FAILING,
                                   "the link started failing (gone, HTTP 404; failing check 1)")
    assert one(failing, dead) == (ChangeKind.LINK_DIED, "the link is dead (gone, HTTP 404)")
    assert one(alive, dead) == (ChangeKind.LINK_DIED, "the link is dead (gone, HTTP 404)")
    assert one(dead, alive) == (ChangeKind.LINK_RECOVERED,
                                "the link answers again (ok, HTTP 200); it was dead")
    assert one(alive, moved) == (ChangeKind.LINK_CLASS,
                                 "the link is redirected, HTTP 200 now; it was ok, HTTP 200")
    assert one(alive, blocked) == (ChangeKind.LINK_CLASS,
                                   "the link is blocked, HTTP 403 now; it was ok, HTTP 200")
    assert one(failing, failing) is None and one(dead, dead) is None
    # Nothing to compare: another URL for the source now, or a voided (offline) check.
    assert one(alive, replace(failing, url=B)) is None
    voided = replace(failing, link_class=LinkClass.INCONCLUSIVE)
    assert one(alive, voided) is None and one(voided, alive) is None


def test_diff_captures() -> None:
    first = capture("harbour", A)
    later = capture("harbour", A, "2014-12-01T00:00:00+00:00")
    missing = CaptureResult("harbour", A, CaptureOutcome.NO_CAPTURE)
    held = replace(first, outcome=CaptureOutcome.ALREADY_STORED)

    def kinds(before: list[CaptureResult], after: CaptureResult) -> list[ChangeKind]:
        return [c.kind for c in diff_runs(run_of([], before), run_of([], [after]))]

    assert kinds([missing], first) == [ChangeKind.NEW_CAPTURE]
    assert kinds([], first) == [ChangeKind.NEW_CAPTURE]  # e.g. stored by an interrupted run
    assert kinds([first], held) == []  # the same capture, reused
    assert kinds([first], missing) == []
    [change] = diff_runs(run_of([], [first]), run_of([], [later]))
    assert first.capture is not None and later.capture is not None
    assert (change.before, change.after) == (first.capture.memento_url,
                                             later.capture.memento_url)
    assert change.detail == ("new capture of 2014-12-01 00:00 UTC stored (from "
                             "http://archive.example/c/); the previous run used the capture "
                             "of 2014-10-16 07:15")


def test_diff_quotes() -> None:
    text = "The harbour will reopen on Monday"

    def changes(before: QuoteResult, after: QuoteResult) -> list[tuple[ChangeKind, str]]:
        return [(c.kind, c.detail) for c in diff_runs(run_of([], [], [before]),
                                                      run_of([], [], [after]))]

    verified = quote("harbour", 1, text, live=LiveStatus.PRESENT)
    assert changes(verified, quote("harbour", 1, text, QuoteStatus.MISSING)) == [
        (ChangeKind.QUOTE_LOST, "quote 1 no longer verifies (verified -> missing)")]
    assert changes(quote("harbour", 1, text, QuoteStatus.UNVERIFIABLE), verified) == [
        (ChangeKind.QUOTE_REGAINED, "quote 1 verifies again (unverifiable -> verified)")]
    assert changes(verified, quote("harbour", 1, text, live=LiveStatus.ALTERED)) == [
        (ChangeKind.QUOTE_LIVE_GONE,
         "quote 1 was changed on the live page (word: «monday» ≠ «tuesday»)")]
    assert changes(verified, quote("harbour", 1, text, live=LiveStatus.GONE)) == [
        (ChangeKind.QUOTE_LIVE_GONE, "quote 1 is gone from the live page")]
    # Not seen on the live page last time (no --live, or unreachable): no change to report.
    assert changes(quote("harbour", 1, text), quote("harbour", 1, text, live=LiveStatus.GONE)) == []
    assert changes(verified, verified) == []
    assert changes(quote("harbour", 1, text, QuoteStatus.VERIFIED_TYPO), verified) == []
    # Quotes are matched by their text: an edited or new quote has no history.
    assert changes(verified, quote("harbour", 1, "another quote", QuoteStatus.MISSING)) == []


def test_diff_lists_changes_source_by_source_in_manifest_order() -> None:
    before = run_of([with_state(link("fence", B, LinkClass.OK), LinkState.ALIVE),
                     with_state(link("harbour", A, LinkClass.OK), LinkState.ALIVE)],
                    [], [quote("fence", 1, "no soft touch", live=LiveStatus.PRESENT),
                         quote("harbour", 1, "will reopen")])
    after = run_of([with_state(link("fence", B, LinkClass.GONE, status=404), LinkState.DEAD),
                    with_state(link("harbour", A, LinkClass.OK), LinkState.ALIVE)],
                   [capture("harbour", A), capture("fence", B)],
                   [quote("fence", 1, "no soft touch", live=LiveStatus.GONE),
                    quote("harbour", 1, "will reopen", QuoteStatus.MISSING)], run_id=2)
    assert [(c.source_id, c.kind) for c in diff_runs(before, after)] == [
        ("fence", ChangeKind.LINK_DIED), ("fence", ChangeKind.NEW_CAPTURE),
        ("fence", ChangeKind.QUOTE_LIVE_GONE),
        ("harbour", ChangeKind.NEW_CAPTURE), ("harbour", ChangeKind.QUOTE_LOST)]


def test_stored_changes_stream_both_runs_and_equal_the_diff_of_the_whole_records(
        tmp_path: Path) -> None:
    """History.changes reads both runs' rows source by source into the diff (neither
    run held); the result is diff_runs of both runs read whole, in manifest order."""
    with History(tmp_path / "h.sqlite3") as h:
        first = record(h, 0, [link("fence", B, LinkClass.OK, 0, 200),
                              link("harbour", A, LinkClass.OK, 0, 200)],
                       [CaptureResult("fence", B, CaptureOutcome.NO_CAPTURE)],
                       [quote("fence", 1, "no soft touch", live=LiveStatus.PRESENT),
                        quote("harbour", 1, "will reopen")])
        assert h.changes(first) == (None, ())  # a first run: nothing to compare with
        later = record(h, 3, [link("fence", B, LinkClass.GONE, 3, 404),
                              link("harbour", A, LinkClass.REDIRECTED, 3, 200)],
                       [capture("harbour", A), capture("fence", B)],
                       [quote("fence", 1, "no soft touch", live=LiveStatus.GONE),
                        quote("harbour", 1, "will reopen", QuoteStatus.MISSING)])
        baseline, streamed = h.changes(later)
        whole_before, whole_after = h.run(first), h.run(later)
        assert whole_before is not None and whole_after is not None
        # the baseline comes without its results (History.run reads them)
        assert baseline == replace(whole_before, links=(), captures=(), quotes=())
    assert streamed == diff_runs(whole_before, whole_after)
    assert [(c.source_id, c.kind) for c in streamed] == [
        ("fence", ChangeKind.LINK_FAILING), ("fence", ChangeKind.NEW_CAPTURE),
        ("fence", ChangeKind.QUOTE_LIVE_GONE), ("harbour", ChangeKind.LINK_CLASS),
        ("harbour", ChangeKind.NEW_CAPTURE), ("harbour", ChangeKind.QUOTE_LOST)]


_SIDS = st.sampled_from(["a", "b", "c", "d"])
_LINKS = st.lists(st.builds(
    lambda sid, url, cls, st_, n: with_state(link(sid, url, cls, status=200), st_, n),
    _SIDS, st.sampled_from([A, B]), st.sampled_from(list(LinkClass)),
    st.sampled_from(list(LinkState)), st.integers(0, 3)), max_size=6)
_CAPTURES = st.lists(st.one_of(
    st.builds(capture, _SIDS, st.sampled_from([A, B]),
              st.sampled_from(["2014-10-16T07:15:00+00:00", "2014-12-01T00:00:00+00:00"])),
    st.builds(lambda sid: CaptureResult(sid, A, CaptureOutcome.NO_CAPTURE), _SIDS)),
    max_size=6)
_QUOTES = st.lists(st.builds(quote, _SIDS, st.integers(1, 3), st.sampled_from(["x", "y"]),
                             st.sampled_from(list(QuoteStatus)),
                             st.sampled_from([None, *LiveStatus])), max_size=8)


def reference_diff(before: RunRecord, after: RunRecord) -> tuple[Change, ...]:
    """The comparison as first written, whole runs held in dictionaries: each later
    result against the earlier run's last result of its source, a quote against the
    first earlier quote of its source and text; sources in the later run's order."""
    links = {r.source_id: r for r in before.links}
    captures = {c.source_id: c for c in before.captures}
    quotes: dict[tuple[str, str], QuoteResult] = {}
    for q in before.quotes:
        quotes.setdefault((q.source_id, q.text), q)
    per_source: dict[str, list[Change]] = {}

    def add(change: Change | None) -> None:
        if change is not None:
            per_source.setdefault(change.source_id, []).append(change)

    order = list(dict.fromkeys([*(r.source_id for r in after.links),
                                *(c.source_id for c in after.captures),
                                *(q.source_id for q in after.quotes)]))
    for link in after.links:
        old = links.get(link.source_id)
        if old is not None:
            add(_link_change(old, link))
    for capture in after.captures:
        add(_capture_change(captures.get(capture.source_id), capture))
    for quote in after.quotes:
        old_quote = quotes.get((quote.source_id, quote.text))
        if old_quote is not None:
            for change in _quote_changes(old_quote, quote):
                add(change)
    return tuple(c for sid in order for c in per_source.get(sid, ()))


@settings(max_examples=300, deadline=None)
@given(_LINKS, _CAPTURES, _QUOTES, _LINKS, _CAPTURES, _QUOTES)
def test_the_streamed_diff_is_the_diff_of_the_whole_runs(
        links0: list[LinkResult], captures0: list[CaptureResult], quotes0: list[QuoteResult],
        links1: list[LinkResult], captures1: list[CaptureResult],
        quotes1: list[QuoteResult]) -> None:
    """diff_sorted, given each run's results sorted by source id (a stable sort, as the
    database reads them), finds the changes of the whole-run comparison, in its order,
    repeated sources included; diff_runs, which sorts and calls it, does too."""
    before = run_of(links0, captures0, quotes0)
    after = run_of(links1, captures1, quotes1, run_id=2)

    def by_source(items: Sequence[Any]) -> list[Any]:
        return sorted(items, key=lambda r: r.source_id)

    order = [*(r.source_id for r in links1), *(c.source_id for c in captures1),
             *(q.source_id for q in quotes1)]
    streamed = diff_sorted((by_source(links0), by_source(links1)),
                           (by_source(captures0), by_source(captures1)),
                           (by_source(quotes0), by_source(quotes1)), lambda: order)
    expected = reference_diff(before, after)
    assert streamed == expected
    assert diff_runs(before, after) == expected


# -- archiver history --runs / --run ------------------------------------------------------


def test_history_command_lists_runs_and_shows_a_runs_changes(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite3"
    with History(db) as h:
        record(h, 0, [link("harbour", A, LinkClass.OK, 0, 200)], [capture("harbour", A)],
               [quote("harbour", 1, "will reopen")])
        h.record_run(manifest_id="press", started_at=at(1), finished_at=at(1),
                     results=[link("harbour", A, LinkClass.OK, 1, 200)])
        record(h, 2, [link("harbour", A, LinkClass.GONE, 2, 404)], [capture("harbour", A)],
               [quote("harbour", 1, "will reopen", QuoteStatus.MISSING)])

    def history(*args: str) -> Result:
        return CliRunner().invoke(cli, ["history", "--db", str(db), *args])

    listing = history("--runs")
    assert listing.exit_code == 0, listing.stderr
    rows = listing.stdout.splitlines()
    assert rows[0].split() == ["run", "kind", "started", "links", "dead", "captures", "quotes",
                               "changes"]
    assert rows[2].split()[:2] == ["1", "run"] and rows[2].endswith("—")
    assert rows[3].split()[:2] == ["2", "check"]
    assert rows[4].split()[:2] == ["3", "run"] and rows[4].endswith("2 (2 bad) vs run 1")
    data = json.loads(history("--runs", "--format", "json", "--limit", "1").stdout)
    [last] = data["runs"]
    assert (last["id"], last["compared_with"]) == (3, 1)
    assert last["summary"]["quotes"] == {"missing": 1}
    assert [c["kind"] for c in last["changes"]] == ["link_failing", "quote_lost"]
    assert history("--runs", "--format", "csv").stdout.startswith("id,manifest_id,kind,")

    changes = history("--run", "3")
    assert changes.exit_code == 0, changes.stderr
    assert changes.stdout.splitlines() == [
        "run 3 (run, 2026-03-03 06:00:00 UTC) compared with run 1 (2026-03-01 06:00:00 UTC): "
        "2 change(s)",
        "  ! harbour: the link started failing (gone, HTTP 404; failing check 1)",
        "  ! harbour: quote 1 no longer verifies (verified -> missing)"]
    assert history("--run", "2").stdout == (
        "run 2 (check, 2026-03-02 06:00:00 UTC): not an `archiver run`\n")
    assert history("--run", "1").stdout.endswith(
        "no earlier complete run of this manifest to compare with\n")
    markdown = history("--run", "3", "--format", "markdown").stdout
    assert "| harbour | link_failing | the link started failing" in markdown

    missing = history("--run", "9")
    assert missing.exit_code == 3 and "no run 9 in the history database" in missing.stderr
    both = history("--runs", A)
    assert both.exit_code == 2 and "give a URL, --runs or --run, not several" in both.stderr


def test_capture_rows_written_before_outcomes_read_back_as_the_outcome_their_status_meant() -> None:
    """Rows of earlier versions carry only the coarse status: each maps to one outcome."""
    import sqlite3

    from archiver.history.rows import capture_result

    db = sqlite3.connect(":memory:")
    db.row_factory = sqlite3.Row
    columns = ("source_id", "url", "status", "outcome", "detail", "rule", "archive",
               "memento_url", "memento_datetime", "http_status", "mime", "warc_file",
               "warc_offset", "record_id", "payload_sha256", "distance_days", "pre_publication")
    db.execute(f"CREATE TABLE t ({', '.join(columns)})")
    expected = {"not_archived": CaptureOutcome.NO_CAPTURE, "excluded": CaptureOutcome.BLOCKED_SITE,
                "failed": CaptureOutcome.PLAYBACK_ERROR}
    for status in expected:
        db.execute("INSERT INTO t (source_id, url, status, pre_publication) VALUES (?, ?, ?, 0)",
                   ("s", A, status))
    rows = db.execute("SELECT * FROM t").fetchall()
    assert [capture_result(row).outcome for row in rows] == list(expected.values())
