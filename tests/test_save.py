"""``archiver save`` against a fake Save Page Now 2 (tests/support/fake_spn2.py).

The fake is a real HTTP server on 127.0.0.1 built from the public API docs:
stateful jobs (pending, then success with a timestamp, or an error code),
refusals at submission, 429s, and the captured memento served back Wayback-style.
Library tests run on a :class:`ManualClock`, so polling and 429 pauses cost no
real time; CLI tests scale the waits down.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from archiver.cli import cli
from archiver.clock import ManualClock
from archiver.errors import ConfigError
from archiver.fetch import limits
from archiver.fetch import save as save_mod
from archiver.fetch.listing import Archive
from archiver.fetch.save import (
    ACCOUNT,
    ERROR_CODES,
    POLL_TIMEOUT,
    RULE_SAVE_PAGE_NOW,
    SpnKeys,
    save_sources,
)
from archiver.history import History
from archiver.models import Manifest, SaveOutcome, SaveRun
from archiver.report import serialize
from archiver.store import LEDGER_NAME, read_warc
from tests.support.fake_spn2 import FakeSpn2
from tests.support.pywb_archive import Page, PywbArchive, source, write_manifest

ACCESS = "AK-7f3e9c1d2b4a"
SECRET = "SK-9d8c7b6a5e4f3210"
ENV = {"IA_ACCESS_KEY_ID": ACCESS, "IA_SECRET_ACCESS_KEY": SECRET}
A, B, C = "http://news.example/a", "http://news.example/b", "http://news.example/c"


@pytest.fixture()
def spn() -> Iterator[FakeSpn2]:
    with FakeSpn2(access=ACCESS, secret=SECRET) as fake:
        yield fake


def manifest(*urls: str) -> Manifest:
    return Manifest(id="m", title="m", sources=tuple(
        source(f"s{i}", url, "2014-10-15") for i, url in enumerate(urls, 1)))


def run_save(spn: FakeSpn2, tmp: Path, m: Manifest, *, clock: ManualClock | None = None,
             history: History | None = None, **given: Any) -> SaveRun:
    return save_sources(m, keys=SpnKeys(ACCESS, SECRET), api=spn.api,
                        archive=Archive.from_url(spn.archive), warcs_dir=tmp / "warcs",
                        history=history, clock=clock or ManualClock(), **given)


# --------------------------------------------------------------------------
# The success path
# --------------------------------------------------------------------------


def test_a_capture_is_polled_then_stored_in_warc_and_history(spn: FakeSpn2,
                                                             tmp_path: Path) -> None:
    spn.plan(A, pending=2, timestamp="20261130093015")
    clock = ManualClock()
    with History(tmp_path / "h.db") as history:
        run = run_save(spn, tmp_path, manifest(A), clock=clock, history=history)
        [saved] = history.saves(url=A)
    [result] = run.results
    assert result.outcome is SaveOutcome.SAVED and not run.inconclusive
    assert result.timestamp == "20261130093015" and result.original_url == A
    assert result.polls == 3 and result.job_id and result.job_id.startswith("spn2-")
    # the request is the documented one
    [post] = spn.requests("POST")
    assert post.form["url"] == A and post.form["skip_first_archive"] == "1"
    assert post.headers["Authorization"] == f"LOW {ACCESS}:{SECRET}"
    assert post.headers["Accept"] == "application/json"
    assert len(spn.requests("GET", "/save/status/")) == 3
    assert clock.sleeps[:3] == [5.0, 7.5, 11.25]  # polled with backoff
    # the memento went into the WARC folder by fetch's playback and store
    capture = result.capture
    assert capture is not None and capture.memento_datetime.strftime("%Y%m%d%H%M%S") == \
        "20261130093015"
    records = read_warc(tmp_path / "warcs" / capture.warc_file)
    response = next(r for r in records if r.type == "response")
    assert response.get("WARC-Target-URI") == A
    assert b"Saved today." in response.block
    ledger = [json.loads(line) for line in
              (tmp_path / "warcs" / LEDGER_NAME).read_text().splitlines()]
    assert [e["rule"] for e in ledger] == [RULE_SAVE_PAGE_NOW]
    # and the history holds the job
    assert saved.result.outcome is SaveOutcome.SAVED and saved.result.job_id == result.job_id
    assert saved.result.timestamp == "20261130093015" and saved.result.original_url == A
    assert saved.result.capture is not None
    assert saved.result.capture.warc_file == capture.warc_file


def test_the_original_url_after_redirects_is_the_one_stored(spn: FakeSpn2,
                                                            tmp_path: Path) -> None:
    final = "https://news.example/a-final"
    spn.plan(A, pending=0, original_url=final)
    [result] = run_save(spn, tmp_path, manifest(A)).results
    assert result.outcome is SaveOutcome.SAVED and result.original_url == final
    assert result.capture is not None and result.capture.url == final


def test_sources_holding_a_capture_are_left_alone_unless_all(spn: FakeSpn2,
                                                            tmp_path: Path) -> None:
    spn.plan(A, pending=0)
    run_save(spn, tmp_path, manifest(A))
    again = run_save(spn, tmp_path, manifest(A))
    assert again.results == () and len(spn.requests("POST")) == 1
    spn.plan(A, pending=0, timestamp="20261201100000")
    [result] = run_save(spn, tmp_path, manifest(A), all_sources=True).results
    assert len(spn.requests("POST")) == 2  # --all asks again ...
    assert result.outcome is SaveOutcome.SAVED  # ... and a save replaces a save


def test_a_new_capture_never_replaces_a_capture_of_publication_time(
        spn: FakeSpn2, tmp_path: Path) -> None:
    from tests.test_fixity import store_with  # a store written as fetch writes it

    store_with(tmp_path / "warcs", [("s1", A)])
    spn.plan(A, pending=0)
    [result] = run_save(spn, tmp_path, manifest(A), all_sources=True).results
    assert result.outcome is SaveOutcome.CAPTURED and result.capture is None
    assert result.detail is not None and "already holds a capture" in result.detail


def test_a_capture_not_yet_served_is_stored_by_the_next_run_without_a_new_request(
        spn: FakeSpn2, tmp_path: Path) -> None:
    plan = spn.plan(A, pending=0, serve=False)
    with History(tmp_path / "h.db") as history:
        [first] = run_save(spn, tmp_path, manifest(A), history=history).results
        assert first.outcome is SaveOutcome.CAPTURED and "run `archiver save` again" in (
            first.detail or "")
        plan.serve = True
        [second] = run_save(spn, tmp_path, manifest(A), history=history).results
    assert second.outcome is SaveOutcome.SAVED and second.job_id == first.job_id
    assert len(spn.requests("POST")) == 1


def test_a_capture_still_pending_is_polled_again_by_the_next_run(spn: FakeSpn2,
                                                                tmp_path: Path) -> None:
    plan = spn.plan(A, pending=1000)
    with History(tmp_path / "h.db") as history:
        clock = ManualClock()
        [first] = run_save(spn, tmp_path, manifest(A), history=history, clock=clock).results
        assert first.outcome is SaveOutcome.PENDING and first.job_id
        assert sum(clock.sleeps) <= POLL_TIMEOUT
        plan.pending = 0
        [second] = run_save(spn, tmp_path, manifest(A), history=history, clock=clock).results
    assert second.outcome is SaveOutcome.SAVED and second.job_id == first.job_id
    assert len(spn.requests("POST")) == 1


def test_a_memento_the_archive_serves_from_another_time_is_not_stored(
        spn: FakeSpn2, tmp_path: Path) -> None:
    """Just after a capture the Wayback Machine may still serve an older one."""
    spn.plan(A, pending=0, timestamp="20261130093015", served_as="20261129093015")
    [result] = run_save(spn, tmp_path, manifest(A)).results
    assert result.outcome is SaveOutcome.CAPTURED and result.capture is None
    assert "not indexed yet" in (result.detail or "")
    assert not (tmp_path / "warcs" / LEDGER_NAME).exists()


# --------------------------------------------------------------------------
# Every documented error code
# --------------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(ERROR_CODES))
def test_each_error_code_has_its_own_outcome_and_advice(spn: FakeSpn2, tmp_path: Path,
                                                       code: str) -> None:
    spn.plan(A, pending=1, error=code)
    spn.plan(B, pending=0)
    run = run_save(spn, tmp_path, manifest(A, B))
    first, second = run.results
    assert first.outcome is ERROR_CODES[code].outcome
    assert first.status_ext == code and first.message == f"capture failed: {code}"
    assert first.detail is not None and ERROR_CODES[code].meaning in first.detail
    if ERROR_CODES[code].scope == ACCOUNT:  # about you: stop, the rest is not attempted
        assert run.inconclusive and code in (run.inconclusive_reason or "")
        assert second.outcome is SaveOutcome.NOT_ATTEMPTED
        assert len(spn.requests("POST")) == 1
    else:  # about the page or the moment: the run goes on
        assert not run.inconclusive and second.outcome is SaveOutcome.SAVED


def test_error_codes_and_outcomes_are_one_to_one() -> None:
    outcomes = [c.outcome for c in ERROR_CODES.values()]
    assert len(set(outcomes)) == len(outcomes) == len(ERROR_CODES)
    assert len({c.meaning for c in ERROR_CODES.values()}) == len(ERROR_CODES)
    for name in ("error:user-session-limit", "error:too-many-daily-captures",
                 "error:blocked-url", "error:no-access", "error:invalid-url-syntax",
                 "error:not-found", "error:soft-time-limit-exceeded", "error:too-large"):
        assert name in ERROR_CODES


@pytest.mark.parametrize("code", ["error:blocked-url", "error:invalid-url-syntax",
                                  "error:too-many-daily-captures"])
def test_a_refusal_at_submission_is_the_same_outcome(spn: FakeSpn2, tmp_path: Path,
                                                     code: str) -> None:
    spn.plan(A, refuse=code)
    [result] = run_save(spn, tmp_path, manifest(A)).results
    assert result.outcome is ERROR_CODES[code].outcome and result.job_id is None
    assert spn.requests("GET", "/save/status/") == []


def test_an_undocumented_code_is_kept_verbatim(spn: FakeSpn2, tmp_path: Path) -> None:
    spn.plan(A, error="error:brand-new-failure")
    [result] = run_save(spn, tmp_path, manifest(A)).results
    assert result.outcome is SaveOutcome.UNKNOWN_ERROR
    assert result.status_ext == "error:brand-new-failure"
    assert "does not list" in (result.detail or "")


@pytest.mark.parametrize("answer", [b"<html>Saving...</html>", b'{"job_id": "../../etc"}',
                                    b'{"job_id": "spn2-1"}'])
def test_an_answer_that_is_not_the_apis_is_a_bad_answer(spn: FakeSpn2, tmp_path: Path,
                                                        answer: bytes) -> None:
    spn.plan(A, raw_answer=answer)
    spn.plan(B, pending=0)
    first, second = run_save(spn, tmp_path, manifest(A, B)).results
    assert first.outcome is SaveOutcome.BAD_ANSWER and first.detail
    assert second.outcome is SaveOutcome.SAVED
    assert all(".." not in s.path for s in spn.seen)


# --------------------------------------------------------------------------
# 429s, as fetch handles them
# --------------------------------------------------------------------------


def test_one_429_pauses_for_retry_after_then_goes_on(spn: FakeSpn2, tmp_path: Path) -> None:
    spn.plan(A, pending=0)
    spn.rate_limit(1, retry_after="90")
    clock = ManualClock()
    [result] = run_save(spn, tmp_path, manifest(A), clock=clock).results
    assert result.outcome is SaveOutcome.SAVED
    assert 90.0 in clock.sleeps  # Retry-After honoured (above the 60 s floor)


def test_a_429_without_retry_after_pauses_the_floor(spn: FakeSpn2, tmp_path: Path) -> None:
    spn.plan(A, pending=0)
    spn.rate_limit(1)
    clock = ManualClock()
    run_save(spn, tmp_path, manifest(A), clock=clock)
    assert limits.RATE_LIMIT_PAUSE in clock.sleeps


def test_a_second_429_stops_the_run(spn: FakeSpn2, tmp_path: Path) -> None:
    spn.plan(A, pending=0)
    spn.rate_limit(2)
    run = run_save(spn, tmp_path, manifest(A, B))
    assert run.inconclusive and "429" in (run.inconclusive_reason or "")
    assert [r.outcome for r in run.results] == [SaveOutcome.RATE_LIMITED] * 2


def test_a_retry_after_beyond_the_cap_stops_at_once(spn: FakeSpn2, tmp_path: Path) -> None:
    spn.rate_limit(1, retry_after="3600")
    clock = ManualClock()
    run = run_save(spn, tmp_path, manifest(A), clock=clock)
    assert run.inconclusive and "3600" in (run.inconclusive_reason or "")
    assert 3600.0 not in clock.sleeps


# --------------------------------------------------------------------------
# The command, credentials and secrets
# --------------------------------------------------------------------------


@pytest.fixture()
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real-clock waits (polls, 429 pauses) scaled down for CLI tests."""
    monkeypatch.setattr(save_mod, "POLL_FIRST_WAIT", 0.01)
    monkeypatch.setattr(save_mod, "POLL_MAX_WAIT", 0.02)
    monkeypatch.setattr(limits, "RATE_LIMIT_PAUSE", 0.05)


def cli_save(spn: FakeSpn2, tmp: Path, *args: str, env: dict[str, str] | None = None,
             urls: tuple[str, ...] = (A,)) -> Result:
    path = write_manifest(tmp / "m.toml", [source(f"s{i}", u, "2014-10-15")
                                           for i, u in enumerate(urls, 1)], "m")
    return CliRunner().invoke(cli, [
        "save", str(path), "--save-api", spn.api, "--archive", spn.archive,
        "--warcs", str(tmp / "warcs"), "--db", str(tmp / "h.db"), "--no-progress", *args],
        env={"IA_ACCESS_KEY_ID": "", "IA_SECRET_ACCESS_KEY": "", **(env or {})})


def test_without_keys_exit_3_before_any_request(spn: FakeSpn2, tmp_path: Path) -> None:
    result = cli_save(spn, tmp_path)
    assert result.exit_code == 3
    assert "IA_ACCESS_KEY_ID" in result.stderr and "IA_SECRET_ACCESS_KEY" in result.stderr
    assert "s3.php" in result.stderr
    assert spn.seen == []
    half = cli_save(spn, tmp_path, env={"IA_ACCESS_KEY_ID": ACCESS})
    assert half.exit_code == 3 and "IA_SECRET_ACCESS_KEY is not set" in half.stderr
    assert ACCESS not in half.stderr and spn.seen == []


def test_refused_keys_exit_3_without_showing_them(spn: FakeSpn2, tmp_path: Path,
                                                  quick: None) -> None:
    result = cli_save(spn, tmp_path, env={"IA_ACCESS_KEY_ID": ACCESS,
                                         "IA_SECRET_ACCESS_KEY": "wrong-secret-xyz"})
    assert result.exit_code == 3 and "refused the keys" in result.stderr
    assert "wrong-secret-xyz" not in result.output + result.stderr


def test_cli_success_and_failure_exit_codes(spn: FakeSpn2, tmp_path: Path,
                                            quick: None) -> None:
    spn.plan(A, pending=1)
    ok = cli_save(spn, tmp_path, "--format", "json", env=ENV)
    assert ok.exit_code == 0, ok.stderr
    spn.plan(B, error="error:no-access")
    bad = cli_save(spn, tmp_path, "--source", "s2", env=ENV, urls=(A, B))
    assert bad.exit_code == 1 and "no_access" in bad.stdout
    assert "not saved" in bad.stderr


def test_cli_a_second_429_exits_4(spn: FakeSpn2, tmp_path: Path, quick: None) -> None:
    spn.plan(A, pending=0)
    spn.rate_limit(2)
    result = cli_save(spn, tmp_path, env=ENV)
    assert result.exit_code == 4 and "429" in result.stderr


def test_cli_an_account_limit_exits_4(spn: FakeSpn2, tmp_path: Path, quick: None) -> None:
    spn.plan(A, refuse="error:user-session-limit")
    result = cli_save(spn, tmp_path, env=ENV, urls=(A, B))
    assert result.exit_code == 4 and "user-session-limit" in result.stderr


def test_the_keys_never_appear_in_outputs_history_warcs_or_logs(
        spn: FakeSpn2, tmp_path: Path, quick: None, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    spn.plan(A, pending=1)
    spn.plan(B, error="error:not-found")
    spn.plan(C, refuse="error:blocked-url")
    spn.rate_limit(1)
    texts: list[str] = []
    for fmt in ("table", "json", "jsonl", "csv"):
        result = cli_save(spn, tmp_path, "--format", fmt, "--all", env=ENV, urls=(A, B, C))
        assert result.exit_code in (0, 1), result.stderr
        texts += [result.stdout, result.stderr]
    for fmt in ("table", "json", "csv"):
        shown = CliRunner().invoke(cli, ["history", "--db", str(tmp_path / "h.db"), "--saves",
                                         "--format", fmt])
        assert shown.exit_code == 0 and "spn2-" in shown.stdout
        texts += [shown.stdout, shown.stderr]
    texts += [r.getMessage() for r in caplog.records]
    texts.append(repr(SpnKeys(ACCESS, SECRET)) + str(SpnKeys(ACCESS, SECRET)))
    blobs = [p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()]
    assert any(b"Saved today." in b or b"spn2-" in b for b in blobs)  # the files were read
    for secret in (ACCESS, SECRET):
        assert all(secret not in t for t in texts)
        assert all(secret.encode() not in b for b in blobs)
    with sqlite3.connect(tmp_path / "h.db") as db:
        rows = db.execute("SELECT * FROM saves").fetchall()
    assert rows and all(SECRET not in str(row) and ACCESS not in str(row) for row in rows)


def test_keys_are_read_from_the_environment_only() -> None:
    with pytest.raises(ConfigError, match="IA_ACCESS_KEY_ID"):
        SpnKeys.from_env({})
    with pytest.raises(ConfigError) as bad:
        SpnKeys.from_env({"IA_ACCESS_KEY_ID": "a:b", "IA_SECRET_ACCESS_KEY": SECRET})
    assert SECRET not in str(bad.value) and "a:b" not in str(bad.value)
    keys = SpnKeys.from_env(ENV)
    assert keys.authorization() == f"LOW {ACCESS}:{SECRET}"
    assert ACCESS not in repr(keys) and SECRET not in f"{keys}"
    help_text = CliRunner().invoke(cli, ["save", "--help"]).stdout
    assert "IA_SECRET_ACCESS_KEY" in help_text and "--secret" not in help_text


def test_an_api_url_with_credentials_or_a_query_is_refused(spn: FakeSpn2,
                                                          tmp_path: Path) -> None:
    for api in (f"http://user:{SECRET}@127.0.0.1:{spn.port}/save", f"{spn.api}?key=1",
                "ftp://example.org/save"):
        path = write_manifest(tmp_path / "m.toml", [source("s1", A, "2014-10-15")], "m")
        result = CliRunner().invoke(cli, ["save", str(path), "--save-api", api,
                                          "--warcs", str(tmp_path / "w"), "--db",
                                          str(tmp_path / "h.db")], env=ENV)
        assert result.exit_code == 3, result.stderr
        assert SECRET not in result.stderr
    assert spn.seen == []


def test_save_outputs_validate_against_their_schemas(spn: FakeSpn2, tmp_path: Path,
                                                     quick: None) -> None:
    from tests.test_schemas import csv_header, result_record, validate

    spn.plan(A, pending=0)
    spn.plan(B, error="error:not-found")
    result = cli_save(spn, tmp_path, "--format", "json", env=ENV, urls=(A, B))
    document = json.loads(result.stdout)
    validate("save", document)
    lines = cli_save(spn, tmp_path, "--format", "jsonl", "--all", env=ENV,
                     urls=(A, B)).stdout.splitlines()
    for line in lines[:-1]:
        validate("save", json.loads(line), "#/$defs/result")
    validate("save", json.loads(lines[-1]), "#/$defs/run_line")
    assert list(serialize.SAVE_COLUMNS) == csv_header(*result_record("save"))
    history = CliRunner().invoke(cli, ["history", "--db", str(tmp_path / "h.db"), "--saves",
                                       "--format", "json"])
    validate("history-saves", json.loads(history.stdout))
    from archiver import schemas

    enum = schemas.load("save")["$defs"]["save_outcome"]["enum"]
    assert enum == [o.value for o in SaveOutcome]


def test_the_memento_is_fetched_from_a_real_wayback_software(spn: FakeSpn2, tmp_path: Path,
                                                             pywb: PywbArchive) -> None:
    """pywb plays the part of the Wayback Machine serving the new capture."""
    body = "<html><head><title>Today</title></head><body><p>As captured now.</p></body></html>"
    base = pywb.collection([Page(A, "2026-11-30T09:30:15Z", body)])
    spn.plan(A, pending=1, timestamp="20261130093015", serve=False)
    run = save_sources(manifest(A), keys=SpnKeys(ACCESS, SECRET), api=spn.api,
                       archive=Archive.from_url(base), warcs_dir=tmp_path / "warcs",
                       clock=ManualClock())
    [result] = run.results
    assert result.outcome is SaveOutcome.SAVED, result.detail
    assert result.capture is not None and result.capture.archive == base
    records = read_warc(tmp_path / "warcs" / result.capture.warc_file)
    response = next(r for r in records if r.type == "response")
    assert b"As captured now." in response.block
    assert spn.requests("GET", "/web/") == []  # nothing asked of the fake's own archive
