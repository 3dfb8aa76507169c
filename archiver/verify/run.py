"""The verify stage: every quote of a manifest against its archived (and live) page.

:func:`verify_manifest` is the whole stage as ``archiver verify`` and
``archiver run`` perform it: index the WARC folder, optionally set up the
live-page fetcher, and call :func:`verify_pages`, which takes its pages
from the providers of :mod:`archiver.verify.pages`, indexes each page once
(sources sharing a capture share its index) and matches each quote
(:func:`~archiver.verify.match.match_quote`). With live pages, each result
also says whether the quote is still on the live page; a quote found in the
archived copy but gone from or altered on the live page is *drift*.

**Other captures.** A URL may have more than one stored capture (``fetch
--captures``, or a crawler's WARCs). By default (``captures="chosen"``) a quote
is matched against the chosen capture, and only when it is not found there
(``altered``, ``missing``, or the chosen capture cannot be read) against every
other stored capture of the URL: a quote found in another capture is reported
from that capture (``capture`` is that capture, the flag
:data:`FLAG_OTHER_CAPTURE` and the detail say so). With ``captures="all"``
every quote is matched against every capture. Whenever more than one readable
capture was searched, the result carries a :class:`~archiver.models.QuoteTimeline`:
the first and last capture holding the quote, the first without it after
that ("removed by"), and the last without it before ("added after").
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from archiver._lru import Lru
from archiver.clock import SYSTEM_CLOCK, Clock
from archiver.extract import PageText
from archiver.models import (
    Capture,
    LiveStatus,
    Manifest,
    Progress,
    ProgressCallback,
    Quote,
    QuoteResult,
    QuoteStatus,
    QuoteTimeline,
    Source,
    VerifyRun,
)
from archiver.net import HostLimiter, HttpClient
from archiver.pages import LivePage, LiveProvider, Located, NotLocated, PageProvider
from archiver.store import WarcIndex, default_warcs_dir
from archiver.verify.index import PageIndex, index_page
from archiver.verify.live import LiveFetcher
from archiver.verify.match import match_quote
from archiver.verify.search import Match

#: Flag on a result found not in the chosen capture but in another stored capture
#: of the same URL (its ``capture`` is that one).
FLAG_OTHER_CAPTURE = "found_in_other_capture"


class SearchScope(enum.StrEnum):
    """Which stored captures of a source's URL ``verify`` matches quotes against."""

    CHOSEN = "chosen"  # the chosen one; the others only for a quote not found there
    ALL = "all"  # every stored capture, for every quote (a timeline for each)


def result_from_match(source: Source, index: int, quote: Quote, match: Match,
                      capture: Capture | None, page_flags: tuple[str, ...] = ()) -> QuoteResult:
    """The reported result of one quote's :class:`~archiver.verify.search.Match`."""
    return QuoteResult(
        source_id=source.id, quote_index=index, text=quote.text, status=match.status,
        score=match.score, method=match.method, layer=match.layer, start=match.start,
        end=match.end, excerpt=match.excerpt, match_count=match.match_count,
        in_article_body=match.in_article_body,
        probable_translation=match.probable_translation, difference=match.difference,
        capture=capture, detail=match.detail, url=source.url,
        flags=tuple(dict.fromkeys((*page_flags, *match.flags))),
        nearest=match.nearest, nearest_score=match.nearest_score, word_diff=match.word_diff,
        selector=match.selector,
    )


def verify_source(source: Source, located: Located | NotLocated,
                  cache: IndexCache | None = None) -> list[QuoteResult]:
    """Every quote of one source against its located capture.

    ``cache`` (an :class:`IndexCache`) lets sources that share a capture share its index.
    """
    if isinstance(located, NotLocated) or located.page is None:
        detail = located.detail
        capture = located.capture if isinstance(located, Located) else None
        flags = located.flags if isinstance(located, Located) else ()
        return [QuoteResult(source_id=source.id, quote_index=i, text=q.text,
                            status=QuoteStatus.UNVERIFIABLE, capture=capture, detail=detail,
                            url=source.url, flags=flags)
                for i, q in enumerate(source.quotes, start=1)]
    index = _index(source, located.page, cache)
    flags = tuple(dict.fromkeys((*located.flags, *index.flags)))
    return [result_from_match(source, i, q, match_quote(q.text, index, quote_lang=q.lang),
                              located.capture, flags)
            for i, q in enumerate(source.quotes, start=1)]


#: Page indexes a verify run keeps for the sources that share a capture: the most
#: recently used ones. An index costs about 100 times its page's text (a 50 kB
#: article: 5-6 MB, measured), so keeping every page's made a 1,000-source run
#: take gigabytes; 16 are kept (about 100 MB for articles).
INDEX_CACHE_PAGES = 16


class IndexCache:
    """The indexes of the pages used last, by page identity, at most ``size`` of them.

    An entry holds its page, so a page's ``id`` cannot be reused while cached.
    """

    def __init__(self, size: int | None = None) -> None:
        self._items: Lru[int, tuple[PageText, PageIndex]] = Lru(
            INDEX_CACHE_PAGES if size is None else size)

    def __len__(self) -> int:
        return len(self._items)

    def get(self, page: PageText) -> PageIndex | None:
        entry = self._items.get(id(page))
        return entry[1] if entry is not None and entry[0] is page else None

    def put(self, page: PageText, index: PageIndex) -> None:
        self._items.put(id(page), (page, index))


def _index(source: Source, page: PageText, cache: IndexCache | None) -> PageIndex:
    index = cache.get(page) if cache is not None else None
    if index is None:
        index = index_page(page, fallback_lang=source.language)
        if cache is not None:
            cache.put(page, index)
    return index


def _same(a: Capture | None, b: Capture) -> bool:
    return a is not None and (a.warc_file, a.warc_offset) == (b.warc_file, b.warc_offset)


def timeline_of(seen: Sequence[tuple[datetime, bool]]) -> QuoteTimeline:
    """The timeline of a quote from (capture date, found) pairs, in any order."""
    ordered = sorted(seen, key=lambda s: s[0])
    found = [when for when, ok in ordered if ok]
    if not found:
        return QuoteTimeline(searched=len(ordered), present=0)
    first, last = found[0], found[-1]
    removed = next((when for when, ok in ordered if when > last and not ok), None)
    before = [when for when, ok in ordered if when < first and not ok]
    return QuoteTimeline(searched=len(ordered), present=len(found), first_present=first,
                         last_present=last, removed_by=removed,
                         absent_before=before[-1] if before else None)


def _day(capture: Capture) -> str:
    return f"{capture.memento_datetime:%Y-%m-%d %H:%M}"


def verify_across(source: Source, located: Located | NotLocated, history: Sequence[Located],
                  chosen: Sequence[QuoteResult], scope: SearchScope = SearchScope.CHOSEN,
                  cache: IndexCache | None = None) -> list[QuoteResult]:
    """``chosen`` (the results against the chosen capture), completed from the
    other stored captures of the URL (``history``, oldest first).

    A quote not found in the chosen capture but found in another is reported
    from that capture (the one nearest the chosen capture's date, else the
    earliest), flagged :data:`FLAG_OTHER_CAPTURE`; a quote the chosen capture
    could not be searched for takes the best result of the others. Every
    result gets a timeline when two readable captures or more were searched.
    With ``scope`` ``chosen``, quotes found in the chosen capture are left as
    they are (no other capture is searched for them).
    """
    readable = [h for h in history if h.page is not None]
    base = located.capture if isinstance(located, Located) else None
    if not readable:
        return list(chosen)
    out: list[QuoteResult] = []
    for (i, quote), first in zip(enumerate(source.quotes, start=1), chosen, strict=True):
        if scope is SearchScope.CHOSEN and first.status.is_found:
            out.append(first)
            continue
        per: list[QuoteResult] = []
        for loc in readable:
            if _same(base, loc.capture) and first.status is not QuoteStatus.UNVERIFIABLE:
                per.append(first)
                continue
            assert loc.page is not None
            index = _index(source, loc.page, cache)
            flags = tuple(dict.fromkeys((*loc.flags, *index.flags)))
            match = match_quote(quote.text, index, quote_lang=quote.lang)
            per.append(result_from_match(source, i, quote, match, loc.capture, flags))
        timeline = (timeline_of([(r.capture.memento_datetime, r.status.is_found)
                                 for r in per if r.capture is not None])
                    if len(per) > 1 else None)
        out.append(replace(_pick(first, per, base), timeline=timeline))
    return out


def _pick(first: QuoteResult, per: Sequence[QuoteResult], base: Capture | None) -> QuoteResult:
    """The result to report: the chosen capture's, unless another capture found
    the quote (or the chosen one could not be searched)."""
    if first.status.is_found:
        return first
    found = [(r, r.capture) for r in per if r.status.is_found and r.capture is not None]
    if found:
        if base is not None:
            near = base.memento_datetime
            best, cap = min(found, key=lambda rc: (
                abs((rc[1].memento_datetime - near).total_seconds()), rc[1].memento_datetime))
        else:
            best, cap = found[0]
        where = (f"not in the chosen capture of {_day(base)} ({first.status.value})"
                 if base is not None and first.status is not QuoteStatus.UNVERIFIABLE
                 else "the chosen capture could not be searched"
                 if base is not None else "no capture was chosen")
        note = (f"{where}; found in the capture of {_day(cap)} "
                f"({cap.memento_url or cap.warc_file})")
        return replace(best, detail=f"{note}; {best.detail}" if best.detail else note,
                       flags=tuple(dict.fromkeys((*best.flags, FLAG_OTHER_CAPTURE))))
    if first.status is QuoteStatus.UNVERIFIABLE:
        searched = [r for r in per if r.status is not QuoteStatus.UNVERIFIABLE]
        if searched:
            best = max(searched, key=lambda r: (r.status is QuoteStatus.ALTERED, r.score))
            note = (f"the chosen capture could not be searched ({first.detail}); "
                    f"reported from the capture of {_day(best.capture)}"
                    if best.capture is not None else first.detail or "")
            return replace(best, detail=f"{note}; {best.detail}" if best.detail else note)
    return first


#: Added to the live detail of a quote absent from the live page and from the
#: archived copy: that is no drift (nothing changed since the capture).
NOT_IN_ARCHIVE = "not drift: the quote is not in the archived copy either"


def _in_archive(result: QuoteResult) -> bool:
    """Whether drift can be told for the quote (as :attr:`QuoteResult.drifted`)."""
    return result.status.is_found or result.status is QuoteStatus.ALTERED


def _live_status(result: QuoteResult, live: LivePage, index: PageIndex | None,
                 quote: Quote) -> QuoteResult:
    """The live page's verdict on one quote. Drift (gone from or altered on the
    live page) is a change since the archived copy, so only a quote found (or
    altered) there gets it; for another, a live page without the quote says
    nothing new, while a live page with it is reported (``present``)."""
    checked = _live_check(result, live, index, quote)
    if _in_archive(result) or checked.live_status not in (LiveStatus.GONE, LiveStatus.ALTERED):
        return checked
    return replace(checked, live_status=None,
                   live_detail=f"{checked.live_detail or ''}; {NOT_IN_ARCHIVE}".lstrip("; "))


def _live_check(result: QuoteResult, live: LivePage, index: PageIndex | None,
                 quote: Quote) -> QuoteResult:
    if index is None:
        if live.status in (404, 410):
            return replace(result, live_status=LiveStatus.GONE,
                           live_detail=f"the live page answered {live.status}")
        why = live.error or (f"the live page answered {live.status}" if live.status
                             else "the live page could not be read")
        return replace(result, live_detail=why)
    m = match_quote(quote.text, index, quote_lang=quote.lang)
    where = f" at {live.final_url}" if live.final_url and live.final_url != live.url else ""
    if m.status.is_found:
        return replace(result, live_status=LiveStatus.PRESENT, live_detail=f"{m.method}{where}")
    if m.status is QuoteStatus.ALTERED:
        return replace(result, live_status=LiveStatus.ALTERED,
                       live_detail=(m.difference or "changed") + where)
    if live.restricted:
        return replace(result, live_detail=f"not visible on the live page{where}: "
                       f"{live.restricted}; cannot tell whether it is still there")
    return replace(result, live_status=LiveStatus.GONE, live_detail=f"not on the live page{where}")


def verify_pages(manifest: Manifest, pages: PageProvider, *,
                    live: LiveProvider | None = None,
                    progress: ProgressCallback | None = None,
                    warcs: str = "", warc_files: int = 0,
                    notes: Sequence[str] = (), clock: Clock = SYSTEM_CLOCK,
                    captures: SearchScope | str = SearchScope.CHOSEN) -> VerifyRun:
    """Verify every quote of every source of a manifest.

    ``pages`` locates each source's capture (one index of the WARC folder, built
    once); ``live``, when given, also checks the live page of each source.
    ``captures`` says when the other stored captures of a URL are searched
    (:class:`SearchScope`; see the module's docstring). Sources without quotes
    are skipped. Never raises for a missing quote or a missing capture: those
    are results.
    """
    scope = SearchScope(captures)
    started = clock.now()
    sources = [s for s in manifest.sources if s.quotes]
    results: list[QuoteResult] = []
    cache = IndexCache()
    for done, source in enumerate(sources):
        if progress is not None:
            progress(Progress("verify", done, len(sources), source.id))
        located = pages.locate(source)
        source_results = verify_source(source, located, cache)
        # A provider written before history() existed offers the chosen capture only.
        listed = getattr(pages, "history", None)
        if listed is not None and (scope is SearchScope.ALL
                                   or not all(r.status.is_found for r in source_results)):
            history = listed(source)
            source_results = verify_across(source, located, history, source_results,
                                           scope, cache)
        if live is not None:
            page = live.fetch(source.url)
            index = (index_page(page.page, fallback_lang=source.language)
                     if page.page is not None else None)
            source_results = [_live_status(r, page, index, q)
                              for r, q in zip(source_results, source.quotes, strict=True)]
        results.extend(source_results)
    if progress is not None:
        progress(Progress("verify", len(sources), len(sources), None))
    return VerifyRun(manifest_id=manifest.id, started_at=started,
                     finished_at=clock.now(), warcs=warcs, results=tuple(results),
                     warc_files=warc_files, live=live is not None, notes=tuple(notes))


def verify_manifest(manifest: Manifest, warcs_dir: Path | None = None, *, live: bool = False,
                   client: HttpClient | None = None, allow_private: bool = False,
                   proxy: str | None = None, progress: ProgressCallback | None = None,
                   notes: Sequence[str] = (),
                   on_note: Callable[[str], None] | None = None,
                   clock: Clock = SYSTEM_CLOCK,
                   captures: SearchScope | str = SearchScope.CHOSEN,
                   live_captures: bool = False) -> VerifyRun:
    """The whole verify stage: index ``warcs_dir``, then verify every quote of the
    manifest against its capture there and, with ``live``, against its live page.

    Parameters
    ----------
    manifest:
        The sources; those without quotes are skipped.
    warcs_dir:
        The WARC folder, indexed once (progress stage ``index``); default
        ``warcs/`` in the manifest's project folder, where ``fetch`` writes.
    live:
        Also fetch each source's live page and report drift.
    client:
        The HTTP client for the live pages; it is not closed. Without one, a
        client of its own is made for ``live`` (``allow_private`` and ``proxy``
        as given, its own per-host limiter) and closed at the end.
    progress:
        Called with the ``index`` and ``verify`` stages' progress events.
    notes:
        Notes of the caller, recorded in the run after the stage's own (an
        unreadable WARC file, an empty folder).
    on_note:
        Called with each note as soon as it is known, before any quote is
        matched (the command line prints them as warnings).
    clock:
        The run's start and end times (the pipeline passes its one clock).
    captures:
        ``chosen`` (the default: the other stored captures of a URL only for a
        quote not found in the chosen one) or ``all`` (every capture, every
        quote); see :class:`SearchScope`. ValueError for anything else.
    live_captures:
        Also use live captures (``archiver capture``) when a source has no
        archived one; by default they are left out (evidence of the day they
        were made, never of the publication date).

    Never raises for a missing quote or a missing capture: those are results.
    """

    if warcs_dir is None:
        warcs_dir = default_warcs_dir(manifest)
    index = WarcIndex.build(warcs_dir, progress=progress, live_captures=live_captures)
    all_notes = list(index.warnings)
    if not index.files:
        all_notes.append(f"no WARC files in {warcs_dir}; every quote is unverifiable")
    all_notes.extend(notes)
    if on_note is not None:
        for note in all_notes:
            on_note(note)
    own_client: HttpClient | None = None
    fetcher: LiveFetcher | None = None
    if live:
        if client is None:
            client = own_client = HttpClient(allow_private=allow_private,
                                             limiter=HostLimiter(), proxy=proxy)
        fetcher = LiveFetcher(client)
    try:
        return verify_pages(manifest, index, live=fetcher, progress=progress,
                               warcs=str(warcs_dir), warc_files=len(index.files),
                               notes=all_notes, clock=clock, captures=captures)
    finally:
        if own_client is not None:
            own_client.close()


def counts(results: Iterable[QuoteResult]) -> dict[str, int]:
    """How many results have each status (every status listed, in order)."""
    out = {s.value: 0 for s in QuoteStatus}
    for r in results:
        out[r.status.value] += 1
    return out
