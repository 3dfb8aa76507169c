"""Which results are findings: the one ``--fail-on`` grammar of every command.

A policy is any comma-separated combination (the option may also be repeated)
of the words its command knows; every command also knows ``any`` (all of its
words) and ``never`` (nothing; ``none`` is accepted as its older spelling).
``-`` and ``_`` are the same in a word, and letter case does not matter.

Words, by stage (a command knows the words of the stages it runs):

* links (``check``, ``run``): a link class this run — ``ok``, ``redirected``,
  ``gone`` (soft 404s included), ``soft404``, ``blocked``, ``paywalled``,
  ``transient``, ``tls-error``, ``invalid`` — or a history state, ``failing``
  or ``dead`` (InternetArchiveBot's rule: failing at three checks at least
  three days apart);
* captures (``fetch``, ``run``): ``no-capture`` (the source was left without a
  stored capture: any of ``not-archived``, ``blocked-site``,
  ``blocked-robots``, ``no-memento``, ``playback-error``), each of those
  finer outcomes, and ``pre-publication`` (the stored capture predates
  publication). A source ``fetch`` did not reach because it stopped is not a
  finding: the run is inconclusive instead;
* quotes (``verify``, ``run``): ``missing``, ``altered``, ``unverifiable``,
  and ``drift`` (in the archived page but gone from, or changed on, the live
  page; with ``--live``);
* ``changes`` (``run``): a regression since the previous run.

Defaults: ``check`` gone,dead; ``fetch`` no-capture; ``verify``
missing,altered; ``run`` gone,dead,missing,altered (the link default of
``check`` plus the quote default of ``verify``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from archiver.errors import ConfigError
from archiver.models import (
    CaptureOutcome,
    Expectation,
    LinkClass,
    LinkResult,
    LinkState,
    QuoteStatus,
)

if TYPE_CHECKING:  # records made on first use (archiver.models): a link check needs none
    from archiver.models import CaptureResult, Change, QuoteResult, RunResult

__all__ = [
    "ANY", "DEFAULTS", "NEVER", "Command", "FailOn", "Finding", "choices", "parse_fail_on",
]

ANY = "any"
NEVER = "never"
#: The word ``fetch`` and ``verify`` used for "never" before 0.2.0.
_NEVER_ALIASES = frozenset({"none"})


class Command(enum.StrEnum):
    """The commands that take ``--fail-on``; each knows the words of its stages."""

    CHECK = "check"
    FETCH = "fetch"
    VERIFY = "verify"
    RUN = "run"


def _word(value: str) -> str:
    return value.strip().lower().replace("_", "-")


# -- the words, by stage ------------------------------------------------------

#: Link classes a policy may name (``inconclusive`` is never a finding: it is
#: the whole run's verdict, exit code 4; ``ignored`` links were not requested).
_LINK_CLASSES = {_word(c): c for c in LinkClass
                 if c not in (LinkClass.INCONCLUSIVE, LinkClass.IGNORED)}
_LINK_STATES = {_word(s): s for s in (LinkState.FAILING, LinkState.DEAD)}
NO_CAPTURE = "no-capture"
PRE_PUBLICATION = "pre-publication"
#: Outcomes that leave a source without a stored capture (inconclusive ones aside).
MISSING_CAPTURE = frozenset({
    CaptureOutcome.NO_CAPTURE, CaptureOutcome.BLOCKED_SITE, CaptureOutcome.BLOCKED_ROBOTS,
    CaptureOutcome.NO_MEMENTO, CaptureOutcome.PLAYBACK_ERROR, CaptureOutcome.LIVE_ERROR,
})
#: The finer capture words: ``not-archived`` is the outcome ``no_capture``
#: (no archive lists a usable capture), renamed so as not to read as the group.
_CAPTURE_OUTCOMES = {("not-archived" if o is CaptureOutcome.NO_CAPTURE else _word(o)): o
                     for o in sorted(MISSING_CAPTURE)}
_QUOTE_STATUSES = {_word(q): q for q in
                   (QuoteStatus.MISSING, QuoteStatus.ALTERED, QuoteStatus.UNVERIFIABLE)}
DRIFT = "drift"
CHANGES = "changes"

_LINK_WORDS = (*_LINK_CLASSES, *_LINK_STATES)
_CAPTURE_WORDS = (NO_CAPTURE, *_CAPTURE_OUTCOMES, PRE_PUBLICATION)
_QUOTE_WORDS = (*_QUOTE_STATUSES, DRIFT)

_WORDS: Mapping[Command, tuple[str, ...]] = {
    Command.CHECK: _LINK_WORDS,
    Command.FETCH: _CAPTURE_WORDS,
    Command.VERIFY: _QUOTE_WORDS,
    Command.RUN: (*_LINK_WORDS, *_CAPTURE_WORDS, *_QUOTE_WORDS, CHANGES),
}

DEFAULTS: Mapping[Command, tuple[str, ...]] = {
    Command.CHECK: ("gone", "dead"),
    Command.FETCH: (NO_CAPTURE,),
    Command.VERIFY: ("missing", "altered"),
    Command.RUN: ("gone", "dead", "missing", "altered"),
}

#: What ``any`` stands for: every word but the ones that only narrow another
#: (``ok`` and ``redirected`` are successes, never findings).
_NOT_IN_ANY = frozenset({"ok", "redirected"})

#: Hints for words that moved, so an old script gets told what to write now.
_RENAMED: Mapping[tuple[Command, str], str] = {
    (Command.FETCH, "missing"): NO_CAPTURE,
}


def choices(command: Command) -> tuple[str, ...]:
    """The words ``command`` accepts, ``any`` and ``never`` last."""
    return (*_WORDS[command], ANY, NEVER)


@dataclass(frozen=True)
class Finding:
    """One result that matches a ``--fail-on`` policy."""

    stage: str  # check, fetch, verify, or "changes"
    source_id: str
    text: str


@dataclass(frozen=True)
class FailOn:
    """A parsed ``--fail-on`` policy. ``words`` are as given (defaults filled in)."""

    command: Command
    words: tuple[str, ...]
    link_classes: frozenset[LinkClass] = frozenset()
    link_states: frozenset[LinkState] = frozenset()
    capture_outcomes: frozenset[CaptureOutcome] = frozenset()
    pre_publication: bool = False
    quote_statuses: frozenset[QuoteStatus] = frozenset()
    drift: bool = False
    changes: bool = False

    # -- one result at a time -------------------------------------------------

    def matches_link(self, result: LinkResult) -> bool:
        if result.expected is Expectation.GONE and not result.link_class.is_success:
            return False  # known dead (expect = "gone"): its failing is what was expected
        return result.link_class in self.link_classes or result.state in self.link_states

    def matches_capture(self, result: CaptureResult) -> bool:
        if result.outcome in self.capture_outcomes:
            return True
        return bool(self.pre_publication and result.capture is not None
                    and result.capture.pre_publication)

    def matches_quote(self, result: QuoteResult) -> bool:
        return result.status in self.quote_statuses or (self.drift and result.drifted)

    def matches_change(self, change: Change) -> bool:
        return self.changes and change.kind.is_regression

    @property
    def is_never(self) -> bool:
        return self.words == (NEVER,)

    # -- a whole run ------------------------------------------------------------

    def findings(self, result: RunResult) -> list[Finding]:
        """The results of ``result`` that match, in stage order."""
        out: list[Finding] = []
        for link in result.links:
            if self.matches_link(link):
                what = str(link.link_class)
                if link.state in (LinkState.FAILING, LinkState.DEAD):
                    what += f", {link.state}"
                out.append(Finding("check", link.source_id, f"link {what}: {link.url}"))
        for capture in result.captures:
            if capture.outcome in self.capture_outcomes:
                out.append(Finding("fetch", capture.source_id,
                                   f"no capture ({capture.outcome}): {capture.url}"))
            elif self.matches_capture(capture) and capture.capture is not None:
                out.append(Finding("fetch", capture.source_id,
                                   "the capture predates publication: "
                                   f"{capture.capture.memento_url}"))
        for quote in result.quotes:
            if quote.status in self.quote_statuses:
                out.append(Finding("verify", quote.source_id,
                                   f"quote {quote.quote_index} {quote.status}: "
                                   f"“{_short(quote.text)}”"))
            elif self.drift and quote.drifted:
                out.append(Finding("verify", quote.source_id,
                                   f"quote {quote.quote_index} {quote.live_status} on the live "
                                   f"page: “{_short(quote.text)}”"))
        out.extend(Finding("changes", c.source_id, c.detail) for c in result.changes
                   if self.matches_change(c))
        return out

    def __str__(self) -> str:
        return ",".join(self.words)


def parse_fail_on(values: Iterable[str] | str | None, command: Command) -> FailOn:
    """Parse ``--fail-on`` values (comma-separated, repeatable) for ``command``.

    No value (or only empty ones) gives the command's default. Raises
    :class:`~archiver.errors.ConfigError` naming the bad word and listing the
    command's choices.
    """
    if values is None:
        values = ()
    elif isinstance(values, str):
        values = (values,)
    words = [_word(w) for value in values for w in value.split(",") if w.strip()]
    words = ["never" if w in _NEVER_ALIASES else w for w in words]
    words = list(dict.fromkeys(words)) or list(DEFAULTS[command])
    known = choices(command)
    for word in words:
        if word not in known:
            renamed = _RENAMED.get((command, word))
            hint = (f"'{word}' is now spelled '{renamed}'; " if renamed else "") + (
                f"use any comma-separated combination of: {', '.join(known)}")
            raise ConfigError(f"--fail-on: {command} does not know {word!r}", hint=hint)
    if NEVER in words:
        if len(words) > 1:
            raise ConfigError("--fail-on: 'never' cannot be combined with other words",
                              hint="give 'never' alone, or drop it")
        return FailOn(command, (NEVER,))
    expanded = set(words)
    if ANY in expanded:
        expanded |= {w for w in _WORDS[command] if w not in _NOT_IN_ANY}
    classes = {_LINK_CLASSES[w] for w in expanded if w in _LINK_CLASSES}
    if LinkClass.GONE in classes:
        classes.add(LinkClass.SOFT404)  # a soft 404 is a page gone, answered as found
    outcomes = {_CAPTURE_OUTCOMES[w] for w in expanded if w in _CAPTURE_OUTCOMES}
    if NO_CAPTURE in expanded:
        outcomes |= MISSING_CAPTURE
    return FailOn(
        command, tuple(words),
        link_classes=frozenset(classes),
        link_states=frozenset(_LINK_STATES[w] for w in expanded if w in _LINK_STATES),
        capture_outcomes=frozenset(outcomes),
        pre_publication=PRE_PUBLICATION in expanded,
        quote_statuses=frozenset(_QUOTE_STATUSES[w] for w in expanded if w in _QUOTE_STATUSES),
        drift=DRIFT in expanded,
        changes=CHANGES in expanded,
    )


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
