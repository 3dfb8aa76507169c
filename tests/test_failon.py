"""The one --fail-on grammar (archiver.failon): every command, any combination."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archiver.errors import ConfigError
from archiver.failon import DEFAULTS, Command, choices, parse_fail_on
from archiver.models import (
    Capture,
    CaptureOutcome,
    CaptureResult,
    LinkClass,
    LinkResult,
    LinkState,
    LiveStatus,
    QuoteResult,
    QuoteStatus,
    RunResult,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def link(cls: LinkClass, state: LinkState = LinkState.UNKNOWN) -> LinkResult:
    return LinkResult("s", "http://a.fr/x", cls, state=state)


def quote(status: QuoteStatus, live: LiveStatus | None = None) -> QuoteResult:
    return QuoteResult("s", 0, "a quote", status, live_status=live)


def capture(outcome: CaptureOutcome, pre: bool = False) -> CaptureResult:
    cap = None
    if outcome.has_capture:
        cap = Capture("s", "http://a.fr/x", "http://arch", "http://arch/2014/x", T0, 200,
                      "text/html", "f.warc.gz", 0, pre_publication=pre)
    return CaptureResult("s", "http://a.fr/x", outcome, cap)


@pytest.mark.parametrize("command", list(Command))
def test_never_and_any_are_accepted_everywhere(command: Command) -> None:
    assert parse_fail_on("never", command).is_never
    assert parse_fail_on("none", command).is_never  # the older spelling
    policy = parse_fail_on("any", command)
    assert not policy.is_never


@pytest.mark.parametrize("command", list(Command))
def test_every_pair_of_a_commands_words_is_accepted(command: Command) -> None:
    words = [w for w in choices(command) if w != "never"]
    for a, b in itertools.combinations(words, 2):
        assert parse_fail_on(f"{a},{b}", command).words == (a, b)
    assert parse_fail_on([",".join(words)], command).words == tuple(words)


@pytest.mark.parametrize("command", list(Command))
def test_unknown_word_lists_the_choices(command: Command) -> None:
    with pytest.raises(ConfigError) as info:
        parse_fail_on(f"{choices(command)[0]},bogus", command)
    assert "'bogus'" in str(info.value)
    for word in choices(command):
        assert word in str(info.value)


def test_never_cannot_be_combined() -> None:
    with pytest.raises(ConfigError, match="cannot be combined"):
        parse_fail_on("never,gone", Command.CHECK)


def test_defaults() -> None:
    for command in Command:
        assert parse_fail_on(None, command).words == DEFAULTS[command]
        assert parse_fail_on([], command).words == DEFAULTS[command]
    run = parse_fail_on(None, Command.RUN)
    check = parse_fail_on(None, Command.CHECK)
    # run's link default is check's: a fresh 404 or soft 404 fails both
    for cls in (LinkClass.GONE, LinkClass.SOFT404):
        assert run.matches_link(link(cls)) and check.matches_link(link(cls))
    assert run.matches_link(link(LinkClass.TRANSIENT, LinkState.DEAD))
    assert not run.matches_link(link(LinkClass.TRANSIENT, LinkState.FAILING))
    assert run.matches_quote(quote(QuoteStatus.MISSING))
    assert run.matches_quote(quote(QuoteStatus.ALTERED))
    assert not run.matches_quote(quote(QuoteStatus.UNVERIFIABLE))
    assert not run.matches_capture(capture(CaptureOutcome.NO_CAPTURE))


def test_spelling_is_forgiving_about_case_and_separators() -> None:
    policy = parse_fail_on("TLS_ERROR, Blocked-Site", Command.RUN)
    assert policy.matches_link(link(LinkClass.TLS_ERROR))
    assert policy.matches_capture(capture(CaptureOutcome.BLOCKED_SITE))
    assert not policy.matches_capture(capture(CaptureOutcome.BLOCKED_ROBOTS))


def test_fetch_words() -> None:
    group = parse_fail_on("no-capture", Command.FETCH)
    for outcome in CaptureOutcome:
        expected = not outcome.has_capture and not outcome.stopped
        assert group.matches_capture(capture(outcome)) is expected, outcome
    pre = parse_fail_on("pre-publication", Command.FETCH)
    assert pre.matches_capture(capture(CaptureOutcome.STORED, pre=True))
    assert not pre.matches_capture(capture(CaptureOutcome.STORED))
    with pytest.raises(ConfigError, match="no-capture"):
        parse_fail_on("missing", Command.FETCH)  # the word moved: the hint says where


def test_verify_combination_once_refused_is_accepted() -> None:
    policy = parse_fail_on("missing,unverifiable", Command.VERIFY)
    assert policy.matches_quote(quote(QuoteStatus.UNVERIFIABLE))
    assert not policy.matches_quote(quote(QuoteStatus.ALTERED))
    drift = parse_fail_on("drift", Command.VERIFY)
    assert drift.matches_quote(quote(QuoteStatus.VERIFIED, live=LiveStatus.GONE))
    assert not drift.matches_quote(quote(QuoteStatus.MISSING, live=LiveStatus.GONE))


def test_findings_of_a_run() -> None:
    result = RunResult("m", T0, T0, links=(link(LinkClass.GONE),),
                       captures=(capture(CaptureOutcome.NO_CAPTURE),),
                       quotes=(quote(QuoteStatus.MISSING), quote(QuoteStatus.VERIFIED)))
    stages = [f.stage for f in parse_fail_on("any", Command.RUN).findings(result)]
    assert stages == ["check", "fetch", "verify"]
    assert parse_fail_on("never", Command.RUN).findings(result) == []


_FINDING_WORDS = [w for w in choices(Command.RUN) if w not in ("never", "ok", "redirected")]


@given(st.lists(st.sampled_from(_FINDING_WORDS), min_size=1, max_size=6))
def test_any_combination_parses_and_is_a_subset_of_any(words: list[str]) -> None:
    """``any`` covers every word that names a finding (ok and redirected are successes)."""
    policy = parse_fail_on(",".join(words), Command.RUN)
    everything = parse_fail_on("any", Command.RUN)
    assert policy.link_classes <= everything.link_classes
    assert policy.capture_outcomes <= everything.capture_outcomes
    assert policy.quote_statuses <= everything.quote_statuses
