"""The verify stage: every quote of a manifest against its archived (and live) page.

:func:`verify_manifest` is the whole stage as ``archiver verify`` and
``archiver run`` perform it: index the WARC folder, optionally set up the
live-page fetcher, and call :func:`verify_pages`, which takes its pages
from the providers of :mod:`archiver.verify.pages`, indexes each page once
(sources sharing a capture share its index) and matches each quote
(:func:`~archiver.verify.match.match_quote`). With live pages, each result
also says whether the quote is still on the live page; a quote found in the
archived copy but gone from or altered on the live page is *drift*.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path

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
    )


def verify_source(source: Source, located: Located | NotLocated,
                  cache: dict[int, PageIndex] | None = None) -> list[QuoteResult]:
    """Every quote of one source against its located capture.

    ``cache`` (keyed by ``id(page)``) lets sources that share a capture share its index.
    """
    if isinstance(located, NotLocated) or located.page is None:
        detail = located.detail
        capture = located.capture if isinstance(located, Located) else None
        flags = located.flags if isinstance(located, Located) else ()
        return [QuoteResult(source_id=source.id, quote_index=i, text=q.text,
                            status=QuoteStatus.UNVERIFIABLE, capture=capture, detail=detail,
                            url=source.url, flags=flags)
                for i, q in enumerate(source.quotes, start=1)]
    index = cache.get(id(located.page)) if cache is not None else None
    if index is None:
        index = index_page(located.page, fallback_lang=source.language)
        if cache is not None:
            cache[id(located.page)] = index
    flags = tuple(dict.fromkeys((*located.flags, *index.flags)))
    return [result_from_match(source, i, q, match_quote(q.text, index, quote_lang=q.lang),
                              located.capture, flags)
            for i, q in enumerate(source.quotes, start=1)]


def _live_status(result: QuoteResult, live: LivePage, index: PageIndex | None,
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
                    notes: Sequence[str] = (), clock: Clock = SYSTEM_CLOCK) -> VerifyRun:
    """Verify every quote of every source of a manifest.

    ``pages`` locates each source's capture (one index of the WARC folder, built
    once); ``live``, when given, also checks the live page of each source.
    Sources without quotes are skipped. Never raises for a missing quote or a
    missing capture: those are results.
    """
    started = clock.now()
    sources = [s for s in manifest.sources if s.quotes]
    results: list[QuoteResult] = []
    cache: dict[int, PageIndex] = {}
    keep: list[PageText] = []  # keeps cached pages alive, so their ids stay unique
    for done, source in enumerate(sources):
        if progress is not None:
            progress(Progress("verify", done, len(sources), source.id))
        located = pages.locate(source)
        if isinstance(located, Located) and located.page is not None:
            keep.append(located.page)
        source_results = verify_source(source, located, cache)
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
                   clock: Clock = SYSTEM_CLOCK, live_captures: bool = False) -> VerifyRun:
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
                               notes=all_notes, clock=clock)
    finally:
        if own_client is not None:
            own_client.close()


def counts(results: Iterable[QuoteResult]) -> dict[str, int]:
    """How many results have each status (every status listed, in order)."""
    out = {s.value: 0 for s in QuoteStatus}
    for r in results:
        out[r.status.value] += 1
    return out
