"""What changed between two stored runs (pure): links, captures and quotes.

:func:`diff_runs` compares a run with its *baseline*, the latest earlier
``archiver run`` of the same manifest in which every stage reached a verdict
(:meth:`archiver.history.History.baseline_before` finds it). No database
here: both runs are :class:`~archiver.history.records.RunRecord` values.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from operator import attrgetter
from typing import TypeVar

from archiver.history.records import RunRecord
from archiver.models import (
    CaptureResult,
    Change,
    ChangeKind,
    LinkClass,
    LinkResult,
    LinkState,
    LiveStatus,
    QuoteResult,
)

_R = TypeVar("_R", LinkResult, CaptureResult, QuoteResult)


def diff_runs(before: RunRecord, after: RunRecord) -> tuple[Change, ...]:
    """What changed for each source of ``after`` since ``before``, in source order.

    Links (compared when the URL is the same and neither run voided its checks):
    ``link_died`` when the state became dead, ``link_failing`` when an alive or
    unknown link started failing, ``link_recovered`` when a failing or dead
    link is alive again, else ``link_class`` when the class differs (ok ->
    redirected, gone -> blocked ...). Captures: ``new_capture`` when the source
    has a capture that ``before`` did not use (a first one, or another memento).
    Quotes (matched by source and text): ``quote_lost`` when a verified quote
    no longer verifies, ``quote_regained`` the other way round,
    ``quote_live_gone`` when a quote seen on the live page in ``before`` is
    gone from it or changed there. A source new to the manifest has no
    link or quote changes.
    """
    def by_source(items: Iterable[_R]) -> list[_R]:
        return sorted(items, key=attrgetter("source_id"))  # stable: run order kept

    return diff_sorted(
        (by_source(before.links), by_source(after.links)),
        (by_source(before.captures), by_source(after.captures)),
        (by_source(before.quotes), by_source(after.quotes)),
        lambda: [*(r.source_id for r in after.links), *(c.source_id for c in after.captures),
                 *(q.source_id for q in after.quotes)])


def diff_sorted(links: tuple[Iterable[LinkResult], Iterable[LinkResult]],
                captures: tuple[Iterable[CaptureResult], Iterable[CaptureResult]],
                quotes: tuple[Iterable[QuoteResult], Iterable[QuoteResult]],
                later_order: Callable[[], Iterable[str]]) -> tuple[Change, ...]:
    """The comparison :func:`diff_runs` makes, with neither run held: source by source.

    Each kind of result is given as (earlier run's, later run's), both sorted by
    source id, a source's own results in run order (a stable sort of each run).
    ``later_order`` gives the later run's source ids in its own order (its links',
    then its captures', then its quotes'; repeats allowed); it is called only
    when something changed. Memory holds one source's results and the changes,
    not two runs (the database reads them in this order: :meth:`History.changes`).
    Each later result is compared with the earlier run's last result of its
    source (a quote with the first earlier quote of its source and text).
    """
    per_source: dict[str, list[Change]] = {}

    def add(change: Change | None) -> None:
        if change is not None:
            per_source.setdefault(change.source_id, []).append(change)

    for old_links, new_links in _by_source(*links):
        if old_links:
            for link in new_links:
                add(_link_change(old_links[-1], link))
    for old_captures, new_captures in _by_source(*captures):
        for capture in new_captures:
            add(_capture_change(old_captures[-1] if old_captures else None, capture))
    for old_quotes, new_quotes in _by_source(*quotes):
        first: dict[str, QuoteResult] = {}
        for quote in old_quotes:
            first.setdefault(quote.text, quote)
        for quote in new_quotes:
            old_quote = first.get(quote.text)
            if old_quote is not None:
                for change in _quote_changes(old_quote, quote):
                    add(change)
    if not per_source:
        return ()
    order = dict.fromkeys(sid for sid in later_order() if sid in per_source)
    return tuple(c for sid in order for c in per_source[sid])


def _by_source(before: Iterable[_R], after: Iterable[_R]) -> Iterator[tuple[list[_R], list[_R]]]:
    """(earlier results, later results) of each source of the later run, both inputs
    sorted by source id: a merge, one source at a time."""
    earlier = itertools.groupby(before, key=attrgetter("source_id"))
    old_sid, old_group = next(earlier, (None, iter(())))
    for sid, group in itertools.groupby(after, key=attrgetter("source_id")):
        while old_sid is not None and old_sid < sid:
            old_sid, old_group = next(earlier, (None, iter(())))
        yield (list(old_group) if old_sid == sid else []), list(group)


def _link_words(link: LinkResult) -> str:
    words = str(link.link_class)
    if link.http_status:
        words += f", HTTP {link.http_status}"
    return words


def _link_change(before: LinkResult, after: LinkResult) -> Change | None:
    if before.url != after.url:  # the manifest now lists another URL for the source
        return None
    if LinkClass.INCONCLUSIVE in (before.link_class, after.link_class):
        return None
    sid = after.source_id
    old, new = before.state, after.state
    if new is LinkState.DEAD and old is not LinkState.DEAD:
        return Change(ChangeKind.LINK_DIED, sid, f"the link is dead ({_link_words(after)})",
                      before=str(old), after=str(new))
    if new is LinkState.FAILING and old in (LinkState.ALIVE, LinkState.UNKNOWN):
        return Change(ChangeKind.LINK_FAILING, sid,
                      f"the link started failing ({_link_words(after)}; failing check "
                      f"{after.failing_count})", before=str(old), after=str(new))
    if new is LinkState.ALIVE and old in (LinkState.FAILING, LinkState.DEAD):
        return Change(ChangeKind.LINK_RECOVERED, sid,
                      f"the link answers again ({_link_words(after)}); it was {old}",
                      before=str(old), after=str(new))
    if after.link_class is not before.link_class:
        return Change(ChangeKind.LINK_CLASS, sid,
                      f"the link is {_link_words(after)} now; it was {_link_words(before)}",
                      before=str(before.link_class), after=str(after.link_class))
    return None


def _capture_change(before: CaptureResult | None, after: CaptureResult) -> Change | None:
    new = after.capture
    if new is None:
        return None
    old = before.capture if before is not None else None
    if old is not None and (old.memento_url, old.memento_datetime) == (
            new.memento_url, new.memento_datetime):
        return None
    detail = (f"new capture of {new.memento_datetime:%Y-%m-%d %H:%M} UTC stored "
              f"(from {new.archive})")
    if old is not None:
        detail += f"; the previous run used the capture of {old.memento_datetime:%Y-%m-%d %H:%M}"
    return Change(ChangeKind.NEW_CAPTURE, after.source_id, detail,
                  before=old.memento_url if old is not None else None, after=new.memento_url)


def _quote_changes(before: QuoteResult, after: QuoteResult) -> list[Change]:
    out = []
    sid, n = after.source_id, after.quote_index
    if before.status.is_found and not after.status.is_found:
        why = f": {after.detail}" if after.detail else ""
        out.append(Change(ChangeKind.QUOTE_LOST, sid,
                          f"quote {n} no longer verifies ({before.status} -> {after.status})"
                          f"{why}", quote_index=n, before=str(before.status),
                          after=str(after.status)))
    elif after.status.is_found and not before.status.is_found:
        out.append(Change(ChangeKind.QUOTE_REGAINED, sid,
                          f"quote {n} verifies again ({before.status} -> {after.status})",
                          quote_index=n, before=str(before.status), after=str(after.status)))
    if before.live_status is LiveStatus.PRESENT and after.drifted:
        if after.live_status is LiveStatus.ALTERED:
            detail = f"quote {n} was changed on the live page"
        else:
            detail = f"quote {n} is gone from the live page"
        if after.live_detail:
            detail += f" ({after.live_detail})"
        out.append(Change(ChangeKind.QUOTE_LIVE_GONE, sid, detail, quote_index=n,
                          before=before.live_status, after=after.live_status))
    return out
