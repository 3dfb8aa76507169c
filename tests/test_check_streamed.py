"""A check run streamed to its output (``check_manifest(sink=...)``): the same lines, not held.

The streamed path hands each result over as its check ends (or as its batch
is recorded), spooled and put back in manifest order by
:class:`~archiver.report.stream.CheckLinesSpool`. These tests hold it to the
output of the path that keeps every result: the same text, line for line, with
and without history, on an offline run (results voided after they were handed
over) and on a failed canary; and they check what a failing receiver leaves.
"""

from __future__ import annotations

import errno
import json
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from archiver.check import CheckOptions
from archiver.clock import ManualClock
from archiver.failon import Command, parse_fail_on
from archiver.history import History
from archiver.models import (
    CheckRun,
    Expectation,
    LinkClass,
    LinkResult,
    LinkState,
    Manifest,
    Source,
)
from archiver.pipeline import check_manifest
from archiver.report import stream
from archiver.report.serialize import check_jsonl
from archiver.report.stream import CheckLinesSpool
from tests.support.localweb import LocalSite, Reply, refused_urls, stop_all

ARTICLE = "<html><title>Story</title><body>" + "words of a real story " * 50 + "</body></html>"
T0 = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
FAIL_ON = parse_fail_on("gone,soft404,dead", Command.CHECK)
#: Fields that differ between two runs of the same checks (wall-clock timings, the
#: database file when each way has its own).
VOLATILE = {"elapsed_ms", "duration_ms", "db_path"}


def quick(**kw: object) -> CheckOptions:
    base: dict[str, object] = {"allow_private": True, "per_host_interval": 0.0, "backoff": 0.01,
                               "soft404_probe": False, "deadline": 5.0, "retries": 0}
    base.update(kw)
    return CheckOptions(**base)  # type: ignore[arg-type]


def source(sid: str, url: str, **kw: Any) -> Source:
    return Source(id=sid, url=url, publisher="P", title="T", published=date(2014, 9, 1),
                  language="fr", **kw)


@pytest.fixture(scope="module")
def sites() -> Iterator[list[LocalSite]]:
    hosts = [LocalSite(address=f"127.0.0.{n}") for n in (2, 3)]
    for site in hosts:
        site.start()
    for site in hosts:
        site.route("/ok", Reply(200, ARTICLE))
        site.route("/gone", Reply(404, "no"))
        site.route("/moved", Reply(301, "", headers={"Location": "/2014/new-place"}))
        site.route("/2014/new-place", Reply(200, ARTICLE))
        site.route("/back", Reply(200, ARTICLE))
        site.route("/slow", Reply(200, ARTICLE, delay=0.3))
    yield hosts
    stop_all(hosts)


def mixed_manifest(sites: list[LocalSite]) -> Manifest:
    """Every case a result is shaped by: a slow first source (finishes last), two
    sources sharing a URL, an ignored source, an excluded one, ``expect = "gone"``
    answering again, a redirect, a 404, an invalid URL."""
    a, b = sites
    sources = (
        source("slow", a.url("/slow")),
        source("ok", a.url("/ok")),
        source("twin", a.url("/ok")),
        source("gone", b.url("/gone")),
        source("skipped", b.url("/ok"), ignore=True),
        source("moved", b.url("/moved")),
        source("excluded", b.url("/private/x")),
        source("back", b.url("/back"), expect=Expectation.GONE),
        source("bad", "ftp://example.org/x"),
    )
    return Manifest(id="m", title="M", sources=sources)


def lines_of(text: str) -> list[dict[str, Any]]:
    """The JSON Lines records, without the fields that differ from run to run."""
    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in VOLATILE}
        return value
    return [strip(json.loads(line)) for line in text.splitlines()]


def streamed(manifest: Manifest, options: CheckOptions, **kw: Any) -> tuple[CheckRun, str]:
    with CheckLinesSpool(len(manifest.sources), FAIL_ON) as spool:
        run = check_manifest(manifest, options, sink=spool, **kw)
        return run, "".join(spool.lines(run))


def kept(manifest: Manifest, options: CheckOptions, **kw: Any) -> tuple[CheckRun, str]:
    run = check_manifest(manifest, options, **kw)
    return run, "".join(check_jsonl(run, FAIL_ON))


def test_streamed_lines_are_the_kept_runs_lines(sites: list[LocalSite]) -> None:
    manifest = mixed_manifest(sites)
    options = quick(exclude=("/private/",))
    clock = ManualClock(start=T0)
    run_kept, text_kept = kept(manifest, options, clock=clock)
    before = sum(len(s.requests) for s in sites)
    run_streamed, text_streamed = streamed(manifest, options, clock=clock)
    requests = sum(len(s.requests) for s in sites) - before
    assert run_streamed.results == () and len(run_kept.results) == 9
    assert lines_of(text_streamed) == lines_of(text_kept)
    records = lines_of(text_streamed)
    assert [r["source_id"] for r in records[:-1]] == [s.id for s in manifest.sources]
    by_id = {r["source_id"]: r for r in records[:-1]}
    assert by_id["twin"]["url"] == by_id["ok"]["url"] and by_id["twin"]["link_class"] == "ok"
    assert by_id["skipped"]["link_class"] == "ignored"
    assert by_id["excluded"]["link_class"] == "ignored"
    assert "expects this link gone" in by_id["back"]["detail"]
    run = records[-1]["run"]
    assert run["links"] == 9 and run["hosts"] == 3 and run["failures"] == 1
    assert run["failed"] == ["gone"]
    # one request per distinct URL checked: slow, ok, gone, moved (+ its hop), back
    assert requests == 6 == run_streamed.requests


def test_streamed_history_records_the_same_states(sites: list[LocalSite],
                                                 tmp_path: Path) -> None:
    manifest = mixed_manifest(sites)
    clock = ManualClock(start=T0)
    texts: dict[str, list[str]] = {"kept": [], "streamed": []}
    for name, way in (("kept", kept), ("streamed", streamed)):
        with History(tmp_path / f"{name}.sqlite3", clock=clock) as history:
            for _ in range(3):  # the 404 walks failing(1), failing(2), dead
                run, text = way(manifest, quick(), history=history, clock=clock)
                assert run.run_id is not None and run.db_path == history.path
                texts[name].append(text)
                clock.advance(timedelta(days=3).total_seconds())
            checks = [(c.url, c.link_class, c.state_after, c.failing_after)
                      for r in history.links() for c in history.checks(r.url)]
        texts[name].append(repr(sorted(checks)))
        clock = ManualClock(start=T0)
    for kept_text, streamed_text in zip(texts["kept"][:3], texts["streamed"][:3], strict=True):
        assert lines_of(streamed_text) == lines_of(kept_text)
    assert texts["streamed"][3] == texts["kept"][3]
    last = {r["source_id"]: r for r in lines_of(texts["streamed"][2])[:-1]}
    assert last["gone"]["state"] == LinkState.DEAD.value and last["gone"]["failing_count"] == 3
    assert last["ok"]["state"] == last["twin"]["state"] == LinkState.ALIVE.value


class Recording(CheckLinesSpool):
    """A spool that counts the results replaced."""

    replaced = 0

    def __enter__(self) -> Recording:
        return self

    def replace(self, position: int, before: LinkResult, after: LinkResult) -> None:
        self.replaced += 1
        super().replace(position, before, after)


@pytest.mark.parametrize("with_history", [False, True])
def test_an_offline_run_is_voided_after_its_results_were_handed_over(
        sites: list[LocalSite], tmp_path: Path, with_history: bool) -> None:
    urls = [*refused_urls(3, first=30), sites[0].url("/ok")]
    manifest = Manifest(id="m", title="M",
                        sources=tuple(source(f"s{i}", url) for i, url in enumerate(urls)))
    clock = ManualClock(start=T0)
    history = History(tmp_path / "h.sqlite3", clock=clock) if with_history else None
    try:
        with Recording(len(manifest.sources), FAIL_ON) as spool:
            run = check_manifest(manifest, quick(), sink=spool, history=history, clock=clock)
            text = "".join(spool.lines(run))
        assert run.inconclusive and "3 of 4 hosts" in (run.inconclusive_reason or "")
        # without history every result was handed over as it came, the failures then voided
        assert spool.replaced == (0 if with_history else 3)
        records = lines_of(text)
        assert [r["link_class"] for r in records[:-1]] == ["inconclusive"] * 3 + ["ok"]
        assert {r["observed_class"] for r in records[:3]} == {"transient"}
        assert records[-1]["run"]["links"] == 4 and records[-1]["run"]["failures"] == 0
        assert records[-1]["run"]["counts"]["inconclusive"] == 3
        other = History(tmp_path / "k.sqlite3") if with_history else None
        try:
            _, text_kept = kept(manifest, quick(), clock=ManualClock(start=T0), history=other)
        finally:
            if other is not None:
                other.close()
        assert lines_of(text) == lines_of(text_kept)
        if history is not None:
            links = history.links()
            assert len(links) == 4 and {r.state for r in links} == {LinkState.UNKNOWN}
            assert all(c.run_inconclusive for r in links for c in history.checks(r.url))
    finally:
        if history is not None:
            history.close()


def test_a_failed_canary_is_streamed_without_a_check(sites: list[LocalSite]) -> None:
    before = sites[0].hits("/ok")
    manifest = Manifest(id="m", title="M", sources=(source("a", sites[0].url("/ok")),
                                                     source("b", sites[0].url("/ok"))))
    options = quick(canary=refused_urls(1, first=30)[0])
    run, text = streamed(manifest, options)
    assert run.inconclusive and "canary" in (run.inconclusive_reason or "")
    records = lines_of(text)
    assert [r["source_id"] for r in records[:-1]] == ["a", "b"]
    assert {r["link_class"] for r in records[:-1]} == {"inconclusive"}
    assert sites[0].hits("/ok") == before


class Broken(CheckLinesSpool):
    """A receiver that fails on its third result (a full disk)."""

    def add(self, position: int, result: LinkResult) -> None:
        if self.tally.links == 2:
            raise OSError(28, "No space left on device")
        super().add(position, result)


def stop_part_way(sites: list[LocalSite], tmp_path: Path, with_history: bool,
                  given: Any, spool: CheckLinesSpool, error: type[Exception],
                  match: str) -> None:
    """Check ``given`` (the manifest of :func:`stopping_manifest`, or a reader of it)
    into ``spool``: the run must stop with ``error`` and record nothing."""
    for site in sites:
        site.default = Reply(200, ARTICLE)
    history = History(tmp_path / "h.sqlite3") if with_history else None
    try:
        with spool, pytest.raises(error, match=match):
            check_manifest(given, quick(), sink=spool, history=history)
        if history is not None:
            assert history.links() == [] and history.runs() == []
    finally:
        for site in sites:
            site.default = None
        if history is not None:
            history.close()


def stopping_manifest(sites: list[LocalSite], count: int) -> Manifest:
    return Manifest(id="m", title="M", sources=tuple(
        source(f"s{i}", sites[i % 2].url(f"/ok?part={i}")) for i in range(count)))


@pytest.mark.parametrize("with_history", [False, True])
def test_a_failing_receiver_stops_the_run_and_records_nothing(
        sites: list[LocalSite], tmp_path: Path, with_history: bool) -> None:
    manifest = stopping_manifest(sites, 6)
    stop_part_way(sites, tmp_path, with_history, manifest,
                  Broken(len(manifest.sources), FAIL_ON), OSError, "No space left")


def test_no_check_starts_once_the_receiver_has_failed(sites: list[LocalSite]) -> None:
    """A check that ends fills its host's freed slot at once (in the check's own task),
    but a failing receiver still stops the run: the checks then in flight end, no
    new one goes out, and nothing is requested after the run has returned."""
    site = sites[0]
    site.route("/stop", Reply(200, ARTICLE, delay=0.05))
    manifest = Manifest(id="m", title="M", sources=tuple(
        source(f"s{i}", site.url(f"/stop?n={i}")) for i in range(40)))
    options = quick(per_host_concurrency=2, concurrency=2)
    before = len(site.requests)
    with Broken(len(manifest.sources), FAIL_ON) as spool, \
            pytest.raises(OSError, match="No space left"):
        check_manifest(manifest, options, sink=spool)
    made = len(site.requests) - before
    time.sleep(0.3)
    assert len(site.requests) - before == made  # nothing after the run returned
    # results 1 and 2 each started one more check; the third result failed while at
    # most one other was in flight
    assert 3 <= made <= 5, made


# -- the spool ------------------------------------------------------------------------


def result(n: int, **kw: Any) -> LinkResult:
    return LinkResult(f"s{n}", f"https://x.example/{n}", LinkClass.OK, http_status=200,
                      detail=f"caf\u00e9 {n}", checked_at=T0, **kw)


@pytest.mark.parametrize("chunk", [1, 300, 1 << 20])
def test_the_spool_gives_manifest_order_whatever_the_order_results_came(
        monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    monkeypatch.setattr(stream, "READ_CHUNK", chunk)
    results = [result(n) for n in range(40)]
    results[7] = replace(results[7], detail="a lone surrogate \ud800 and \u2028")
    order = [*range(10, 40), *range(9, -1, -1)]  # a run of lines in order, then reversed
    run = CheckRun("m", T0, T0, ())
    with CheckLinesSpool(40, FAIL_ON) as spool:
        for n in order:
            spool.add(n, results[n])
        text = "".join(spool.lines(run))
    expected = "".join(check_jsonl(CheckRun("m", T0, T0, tuple(results)), FAIL_ON))
    assert text == expected


def test_a_replaced_result_is_counted_once() -> None:
    run = CheckRun("m", T0, T0, ())
    gone = replace(result(0), link_class=LinkClass.GONE, http_status=404)
    later = replace(result(0), link_class=LinkClass.INCONCLUSIVE, observed_class=LinkClass.GONE)
    with CheckLinesSpool(2, FAIL_ON) as spool:
        spool.add(1, result(1))
        spool.add(0, gone)
        assert spool.tally.failed == ["s0"]
        spool.replace(0, gone, later)
        assert spool.tally.links == 2 and spool.tally.failed == []
        assert spool.tally.classes[LinkClass.GONE] == 0
        text = "".join(spool.lines(run))
    assert text == "".join(check_jsonl(CheckRun("m", T0, T0, (later, result(1))), FAIL_ON))
    with CheckLinesSpool(1, FAIL_ON) as spool, pytest.raises(RuntimeError, match="no result"):
        spool.replace(0, gone, later)


def test_failed_sources_are_listed_in_manifest_order_whatever_the_order_they_came() -> None:
    results = [replace(result(n), link_class=LinkClass.GONE, http_status=404) for n in range(5)]
    with CheckLinesSpool(5, FAIL_ON) as spool:
        for n in (3, 0, 4, 1, 2):
            spool.add(n, results[n])
        assert spool.tally.failed == ["s0", "s1", "s2", "s3", "s4"]


def test_a_spool_missing_a_result_says_so() -> None:
    with CheckLinesSpool(2, FAIL_ON) as spool:
        spool.add(1, result(1))
        with pytest.raises(RuntimeError, match="no result for source #0"):
            list(spool.lines(CheckRun("m", T0, T0, ())))


_TEMPORARY_FILE = tempfile.TemporaryFile  # the real one, for FullDisk under monkeypatch


class FullDisk:
    """A temporary file on a disk that fills up after ``room`` bytes."""

    def __init__(self, room: int) -> None:
        self._file = _TEMPORARY_FILE()
        self._room = room

    def write(self, data: bytes) -> int:
        if len(data) > self._room:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self._room -= len(data)
        return self._file.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)

    def __enter__(self) -> FullDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()


def test_a_full_temporary_folder_is_an_error_naming_it(
        sites: list[LocalSite], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from archiver.cli import cli

    manifest = tmp_path / "m.toml"
    manifest.write_text('[manifest]\nid = "t"\ntitle = "T"\n' + "".join(
        f'[[source]]\nid = "s{n}"\nurl = "{sites[0].url(f"/ok?n={n}")}"\npublisher = "P"\n'
        'title = "T"\npublished = 2014-09-01\nlanguage = "en"\n' for n in range(5)),
        encoding="utf-8")
    sites[0].default = Reply(200, ARTICLE)
    monkeypatch.setattr(tempfile, "TemporaryFile", lambda **kw: FullDisk(700))
    try:
        done = CliRunner().invoke(cli, ["check", str(manifest), "--format", "jsonl", "-o",
                                        str(tmp_path / "out.jsonl"), "--no-history",
                                        "--allow-private", "--no-progress", "--no-probe",
                                        "--per-host-interval", "0"])
    finally:
        sites[0].default = None
    assert done.exit_code == 3, done.output
    assert "cannot write the check's" in done.stderr and "temporary folder" in done.stderr
    assert "TMPDIR" in done.stderr and "internal error" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.toml"]


def test_any_object_with_add_and_replace_is_a_sink(sites: list[LocalSite]) -> None:
    """The public :class:`archiver.ResultSink` protocol, met by a plain class."""
    from archiver import ResultSink

    class Latest:
        def __init__(self) -> None:
            self.by_position: dict[int, LinkResult] = {}

        def add(self, position: int, result: LinkResult) -> None:
            self.by_position[position] = result

        def replace(self, position: int, before: LinkResult, after: LinkResult) -> None:
            assert self.by_position[position] == before
            self.by_position[position] = after

    latest = Latest()
    sink: ResultSink = latest
    manifest = mixed_manifest(sites)
    run = check_manifest(manifest, quick(), sink=sink)
    assert run.results == () and sorted(latest.by_position) == list(range(9))
    assert latest.by_position[3].link_class is LinkClass.GONE
    assert latest.by_position[4].link_class is LinkClass.IGNORED


def test_streamed_csv_is_the_kept_runs_csv(sites: list[LocalSite]) -> None:
    from archiver.report.links import format_csv

    manifest = mixed_manifest(sites)
    clock = ManualClock(start=T0)
    run = check_manifest(manifest, quick(), clock=clock)
    with CheckLinesSpool(len(manifest.sources), FAIL_ON, fmt="csv") as spool:
        streamed_run = check_manifest(manifest, quick(), clock=clock, sink=spool)
        text = "".join(spool.lines(streamed_run))

    def rows(csv_text: str) -> list[list[str]]:  # elapsed_ms is the one cell that differs
        import csv
        import io

        table = list(csv.reader(io.StringIO(csv_text)))
        at = table[0].index("elapsed_ms")
        return [row[:at] + row[at + 1:] for row in table]

    assert rows(text) == rows(format_csv(run))
    assert text.splitlines()[0].startswith("source_id,url,link_class")
    assert len(text.splitlines()) == 1 + len(manifest.sources)
    with pytest.raises(ValueError, match="jsonl or csv"):
        CheckLinesSpool(1, fmt="markdown")


# -- a manifest read as the checks run (ManifestBatches) ------------------------------


class Batched:
    """A manifest handed over ``size`` sources at a time, as
    :class:`archiver.manifest.ManifestReader` does; ``hold`` (a position) and ``until``
    (a test) keep the batch holding that position back, handing over empty batches,
    until ``until()`` is true; ``fail_at`` raises a ManifestError at that batch."""

    def __init__(self, manifest: Manifest, size: int, *, hold: int | None = None,
                 until: Any = None, fail_at: int | None = None) -> None:
        self.whole, self.size = manifest, size
        self.hold, self.until, self.fail_at = hold, until, fail_at
        self.given = 0

    def batches(self) -> Iterator[list[Source]]:
        from archiver.errors import ManifestError, Problem

        sources = self.whole.sources
        for at in range(0, len(sources), self.size):
            if self.fail_at is not None and at >= self.fail_at:
                raise ManifestError(Path("m.toml"), [Problem("m.toml", "bad url 'x'", line=9)])
            if self.hold is not None and at <= self.hold < at + self.size:
                deadline = time.monotonic() + 5
                while not self.until():
                    assert time.monotonic() < deadline, "the held source's URL was never done"
                    yield []
            self.given += len(sources[at:at + self.size])
            yield list(sources[at:at + self.size])

    def head(self) -> Manifest:
        assert self.given == len(self.whole.sources), "head() before every batch"
        return replace(self.whole, sources=())


@pytest.mark.parametrize("size", [1, 2, 4, 100])
@pytest.mark.parametrize("with_history", [False, True])
def test_a_manifest_read_in_batches_gives_the_same_lines(
        sites: list[LocalSite], tmp_path: Path, size: int, with_history: bool) -> None:
    manifest = mixed_manifest(sites)
    options = quick(exclude=("/private/",))
    clock = ManualClock(start=T0)
    kept_history = History(tmp_path / "k.sqlite3", clock=clock) if with_history else None
    read_history = History(tmp_path / "r.sqlite3", clock=clock) if with_history else None
    try:
        _, text_kept = kept(manifest, options, clock=clock, history=kept_history)
        reader = Batched(manifest, size)
        with CheckLinesSpool(0, FAIL_ON) as spool:
            run = check_manifest(reader, options, sink=spool, clock=clock,
                                 history=read_history)
            text = "".join(spool.lines(run))
        assert lines_of(text) == lines_of(text_kept)
        assert run.manifest_id == "m" and run.requests == 6
        if read_history is not None and kept_history is not None:
            assert [(r.url, r.state) for r in read_history.links()] == \
                [(r.url, r.state) for r in kept_history.links()]
    finally:
        for history in (kept_history, read_history):
            if history is not None:
                history.close()


@pytest.mark.parametrize("with_history", [False, True])
def test_a_url_listed_again_after_its_check_ended_gets_its_result(
        sites: list[LocalSite], tmp_path: Path, with_history: bool) -> None:
    """The second source of a URL is read only once the URL's check is over: it gets
    the URL's result, without a second request."""
    site = sites[0]
    manifest = Manifest(id="m", title="M", sources=(
        source("first", site.url("/ok?twice")), source("other", site.url("/gone")),
        source("again", site.url("/ok?twice"), expect=Expectation.GONE)))
    hits = site.hits("/ok?twice")
    history = History(tmp_path / "h.sqlite3") if with_history else None
    try:
        with CheckLinesSpool(0, FAIL_ON) as spool:
            # without history both results are handed over before "again" is read;
            # with history none is until the run is recorded: its request was made
            reader = Batched(manifest, 1, hold=2,
                             until=lambda: spool.tally.links >= 2 if history is None
                             else site.hits("/ok?twice") > hits)
            run = check_manifest(reader, quick(), sink=spool, history=history)
            records = lines_of("".join(spool.lines(run)))
    finally:
        if history is not None:
            history.close()
    assert site.hits("/ok?twice") == hits + 1  # one request for the two sources
    assert [r["source_id"] for r in records[:-1]] == ["first", "other", "again"]
    first, _, again = records[:-1]
    assert first["link_class"] == again["link_class"] == "ok"
    assert "expects this link gone" in again["detail"] and "expects" not in first["detail"]
    assert records[-1]["run"]["links"] == 3


@pytest.mark.parametrize("with_history", [False, True])
def test_a_manifest_found_invalid_part_way_stops_the_run(
        sites: list[LocalSite], tmp_path: Path, with_history: bool) -> None:
    from archiver.errors import ManifestError

    before = [len(site.requests) for site in sites]
    stop_part_way(sites, tmp_path, with_history,
                  Batched(stopping_manifest(sites, 8), 2, fail_at=4),
                  CheckLinesSpool(0, FAIL_ON), ManifestError, "bad url")
    requested = [r.path for site, skip in zip(sites, before, strict=True)
                 for r in site.requests[skip:]]
    assert not any(f"part={i}" in p for p in requested for i in range(4, 8))


def test_a_failed_canary_reads_the_whole_manifest_and_checks_nothing(
        sites: list[LocalSite]) -> None:
    before = sites[0].hits("/ok")
    manifest = Manifest(id="m", title="M", sources=tuple(
        source(s, sites[0].url("/ok")) for s in "abc"))
    options = quick(canary=refused_urls(1, first=30)[0])
    with CheckLinesSpool(0, FAIL_ON) as spool:
        run = check_manifest(Batched(manifest, 2), options, sink=spool)
        records = lines_of("".join(spool.lines(run)))
    assert run.inconclusive and "canary" in (run.inconclusive_reason or "")
    assert [r["source_id"] for r in records[:-1]] == ["a", "b", "c"]
    assert {r["link_class"] for r in records[:-1]} == {"inconclusive"}
    assert sites[0].hits("/ok") == before


def test_the_kept_path_reads_a_batched_manifest_whole(sites: list[LocalSite]) -> None:
    manifest = mixed_manifest(sites)
    clock = ManualClock(start=T0)
    _, text_kept = kept(manifest, quick(), clock=clock)
    reader = Batched(manifest, 3)
    run = check_manifest(reader, quick(), clock=clock)  # every batch read, then head()
    assert reader.given == len(manifest.sources)
    assert lines_of("".join(check_jsonl(run, FAIL_ON))) == lines_of(text_kept)


def test_a_spool_grows_for_positions_it_was_not_sized_for() -> None:
    results = [result(n) for n in range(9)]
    with CheckLinesSpool(0, FAIL_ON) as spool:
        for n in (8, 0, 3, 1, 2, 7, 4, 6, 5):
            spool.add(n, results[n])
        text = "".join(spool.lines(CheckRun("m", T0, T0, ())))
    assert text == "".join(check_jsonl(CheckRun("m", T0, T0, tuple(results)), FAIL_ON))
    with CheckLinesSpool(0, FAIL_ON) as spool, pytest.raises(RuntimeError, match="no result"):
        spool.replace(3, results[3], results[3])
    with CheckLinesSpool(0, FAIL_ON) as spool:  # room doubles, and only when it runs out
        for n in range(5000):
            spool.add(n, results[0])
        assert 5000 <= len(spool._offsets) < 10000
