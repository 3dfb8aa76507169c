"""One fetch run: for each source, find, choose, download and store a capture."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from archiver.clock import SYSTEM_CLOCK, Clock
from archiver.errors import ArchiveRateLimited, ArchiveUnreachable, InconclusiveError
from archiver.fetch.choose import (
    MAX_CANDIDATES_TRIED,
    CaptureScope,
    Ranked,
    Rule,
    describe,
    distance_days,
    extra_candidates,
    is_pre_publication,
    parse_captures,
    rank,
)
from archiver.fetch.limits import (
    Politeness,
)
from archiver.fetch.listing import INTERNET_ARCHIVE, Archive, Candidate, Listing
from archiver.fetch.memento import list_timemap
from archiver.fetch.playback import Playback, play
from archiver.fetch.session import ArchiveSession
from archiver.fetch.wayback import list_cdx
from archiver.manifest import select_sources
from archiver.models import (
    Capture,
    CaptureOutcome,
    CaptureResult,
    FetchRun,
    Manifest,
    Progress,
    ProgressCallback,
    Source,
)
from archiver.net import DEFAULT_USER_AGENT, HttpClient
from archiver.store import (
    LedgerEntry,
    Selection,
    WarcInfo,
    WarcStore,
    capture_key,
    default_warcs_dir,
)

logger = logging.getLogger(__name__)

#: Failure outcomes, most telling first: the one reported when every archive fails.
_FAILURE_ORDER = (
    CaptureOutcome.ARCHIVE_UNREACHABLE, CaptureOutcome.BLOCKED_SITE,
    CaptureOutcome.BLOCKED_ROBOTS, CaptureOutcome.PLAYBACK_ERROR, CaptureOutcome.NO_MEMENTO,
    CaptureOutcome.NO_CAPTURE,
)


def manifest_sha256(manifest: Manifest) -> str | None:
    if manifest.path is None:
        return None
    try:
        return hashlib.sha256(Path(manifest.path).read_bytes()).hexdigest()
    except OSError:
        return None


@dataclass
class _Attempt:
    archive: Archive
    outcome: CaptureOutcome
    detail: str | None


@dataclass
class _Fetcher:
    manifest: Manifest
    archives: Sequence[Archive]
    session: ArchiveSession
    store: WarcStore
    user_agent: str
    scopes: frozenset[CaptureScope] = frozenset({CaptureScope.NEAREST})
    down: set[str] = field(default_factory=set)
    #: A stop (429s, archive down) met while storing the other captures of a
    #: source whose chosen capture was stored: raised at the next source.
    stop: ArchiveRateLimited | ArchiveUnreachable | None = None

    # -- one source ---------------------------------------------------------------

    def fetch(self, source: Source) -> CaptureResult:
        if self.stop is not None:
            raise self.stop
        held = self.store.find_for_source(self.manifest.id, source)
        if held is not None:
            result = self._result(source, CaptureOutcome.ALREADY_STORED, held,
                                  detail=f"held in {held.warc_file}", tried=())
            return self._held_extras(source, held, result)
        attempts: list[_Attempt] = []
        for archive in self.archives:
            if archive.base in self.down:
                attempts.append(_Attempt(archive, CaptureOutcome.ARCHIVE_UNREACHABLE,
                                         "unreachable earlier in this run"))
                continue
            try:
                found = self._from_archive(source, archive, attempts)
            except ArchiveUnreachable as err:
                self.down.add(archive.base)
                attempts.append(_Attempt(archive, CaptureOutcome.ARCHIVE_UNREACHABLE,
                                         err.message))
                continue
            if found is not None:
                result, listing, chosen = found
                return self._with_extras(source, archive, listing, chosen, result)
        tried = tuple(a.archive.base for a in attempts)
        if all(a.outcome is CaptureOutcome.ARCHIVE_UNREACHABLE for a in attempts):
            raise ArchiveUnreachable(
                "no archive could be reached: " + "; ".join(
                    f"{a.archive.base}: {a.detail}" for a in attempts),
                archive=", ".join(tried),
                hint="check the network and the archive URLs, then run the same command "
                "again; stored captures are kept")
        worst = min(attempts, key=lambda a: _FAILURE_ORDER.index(a.outcome))
        detail = "; ".join(f"{a.archive.base}: {a.outcome.value}"
                           + (f" ({a.detail})" if a.detail else "") for a in attempts) \
            if len(attempts) > 1 else worst.detail
        return CaptureResult(source_id=source.id, url=source.url, outcome=worst.outcome,
                             detail=detail, archives_tried=tried)

    def _list(self, archive: Archive, source: Source) -> Listing:
        if archive.cdx_api:
            return list_cdx(self.session, archive, source.url, source.published)
        return list_timemap(self.session, archive, source.url)

    def _from_archive(self, source: Source, archive: Archive, attempts: list[_Attempt]
                      ) -> tuple[CaptureResult, Listing, Ranked] | None:
        """The chosen capture's result, the listing and the candidate chosen; None
        when this archive gives no capture (the reason is added to ``attempts``)."""
        listing = self._list(archive, source)
        if listing.excluded is not None:
            attempts.append(_Attempt(archive, listing.excluded, listing.detail))
            return None
        if listing.error is not None:
            attempts.append(_Attempt(archive, CaptureOutcome.PLAYBACK_ERROR, listing.error))
            return None
        ranked = rank(listing.candidates, source.published)
        if not ranked:
            detail = ("no capture listed" if not listing.candidates else
                      f"{len(listing.candidates)} capture(s) listed, none a page or redirect")
            attempts.append(_Attempt(archive, CaptureOutcome.NO_CAPTURE, detail))
            return None
        candidates = describe(ranked)
        deferred: tuple[Ranked, Playback] | None = None
        failures: list[Playback] = []
        for item in ranked:
            if len(failures) + (deferred is not None) >= MAX_CANDIDATES_TRIED:
                break
            key = capture_key(item.candidate.original, item.candidate.timestamp)
            stored = self.store.find_capture(key)
            if stored is not None:
                return (self._reuse(source, archive, listing, item, stored, candidates),
                        listing, item)
            playback = play(self.session, archive, item.candidate)
            if not playback.ok:
                if playback.outcome in (CaptureOutcome.BLOCKED_SITE,
                                        CaptureOutcome.BLOCKED_ROBOTS):
                    attempts.append(_Attempt(archive, playback.outcome, playback.detail))
                    return None
                failures.append(playback)
                continue
            if playback.hops and item.rule is Rule.AFTER_PUBLICATION:
                # A TimeMap lists no statuses: this "page" was a redirect. Rule 2
                # ranks below any page after publication, so look on first.
                if deferred is None:
                    deferred = (item, playback)
                continue
            assert playback.final is not None
            landed = self.store.find_capture(capture_key(playback.final.uri_r,
                                                         playback.final.timestamp))
            if landed is not None and not playback.hops:  # a jump onto a stored capture
                return (self._reuse(source, archive, listing, item, landed, candidates),
                        listing, item)
            return (self._store(source, archive, listing, item, playback, candidates),
                    listing, item)
        if deferred is not None:
            return (self._store(source, archive, listing, deferred[0], deferred[1],
                                candidates), listing, deferred[0])
        if failures:
            outcome = (CaptureOutcome.NO_MEMENTO
                       if all(f.outcome is CaptureOutcome.NO_MEMENTO for f in failures)
                       else CaptureOutcome.PLAYBACK_ERROR)
            attempts.append(_Attempt(archive, outcome, "; ".join(
                f.detail or "" for f in failures)))
            return None
        attempts.append(_Attempt(archive, CaptureOutcome.NO_CAPTURE, "no capture listed"))
        return None

    # -- other captures of the URL (--captures) -----------------------------------

    def _held_extras(self, source: Source, held: LedgerEntry,
                     result: CaptureResult) -> CaptureResult:
        """A source chosen in an earlier run: its other captures, if asked for, are
        listed again (one listing) and those not stored yet are stored."""
        if self.scopes <= {CaptureScope.NEAREST}:
            return result
        archive = next((a for a in self.archives if a.base == held.archive), None)
        if archive is None or archive.base in self.down:
            return replace(result, detail=f"{result.detail}; other captures not looked for: "
                           f"{held.archive} is not among the archives of this run")
        try:
            listing = self._list(archive, source)
        except ArchiveUnreachable as err:
            self.down.add(archive.base)
            return replace(result, detail=f"{result.detail}; other captures not looked "
                           f"for: {err.message}")
        if listing.excluded is not None or listing.error is not None:
            return replace(result, detail=f"{result.detail}; other captures not listed: "
                           f"{listing.detail or listing.error}")
        chosen = next((c for c in listing.candidates
                       if capture_key(c.original, c.timestamp) in held.keys), None)
        return self._with_extras(source, archive, listing, chosen, result)

    def _with_extras(self, source: Source, archive: Archive, listing: Listing,
                     chosen: Ranked | Candidate | None,
                     result: CaptureResult) -> CaptureResult:
        """``result`` with the other captures ``--captures`` asks for stored
        (one playback each, through the same politeness limits)."""
        if self.scopes <= {CaptureScope.NEAREST} or result.capture is None:
            return result
        cand = chosen.candidate if isinstance(chosen, Ranked) else chosen
        wanted = extra_candidates(listing.candidates, self.scopes, cand)
        held_keys = {capture_key(result.capture.url, result.capture.memento_datetime
                                 .strftime("%Y%m%d%H%M%S"))}
        captures: list[Capture] = []
        problems: list[str] = []
        for item in wanted:
            key = capture_key(item.candidate.original, item.candidate.timestamp)
            if key in held_keys:
                continue
            try:
                entry = self._store_extra(source, archive, listing, item)
            except (ArchiveRateLimited, ArchiveUnreachable) as err:
                self.stop = err  # the chosen capture is stored: stop at the next source
                problems.append(f"the run stopped ({err.message})")
                break
            if isinstance(entry, str):
                problems.append(f"{item.candidate.timestamp}: {entry}")
                continue
            if entry.record_id in {c.record_id for c in captures} or \
                    entry.record_id == result.capture.record_id:
                continue  # a jump or redirect onto a capture counted already
            captures.append(entry.capture())
        captures.sort(key=lambda c: c.memento_datetime)
        detail = result.detail
        if problems:
            note = (f"{len(problems)} other capture(s) not stored: " + "; ".join(problems))
            detail = f"{detail}; {note}" if detail else note
        return replace(result, extra_captures=tuple(captures), detail=detail)

    def _store_extra(self, source: Source, archive: Archive, listing: Listing,
                     item: Ranked) -> LedgerEntry | str:
        """Store one other capture (not the chosen one), or say why not. A capture
        stored already, under any source, is not downloaded again."""
        key = capture_key(item.candidate.original, item.candidate.timestamp)
        stored = self.store.find_capture(key)
        if stored is not None:
            return stored
        playback = play(self.session, archive, item.candidate)
        if not playback.ok:
            return playback.detail or (playback.outcome.value if playback.outcome
                                       else "playback failed")
        final = playback.final
        assert final is not None
        landed = self.store.find_capture(capture_key(final.uri_r, final.timestamp))
        if landed is not None and not playback.hops:
            return landed
        when = final.memento_datetime
        selection = replace(
            self._selection(source, archive, listing, item, item.rule,
                            distance_days(when, source.published),
                            is_pre_publication(when, source.published), (),
                            playback.jumps), chosen=False)
        return self.store.write_capture(selection, final, playback.hops, stored=landed)

    # -- storing -----------------------------------------------------------------

    def _selection(self, source: Source, archive: Archive, listing: Listing, item: Ranked,
                   rule: Rule, when_days: float, pre: bool, candidates: tuple[str, ...],
                   jumps: tuple[str, ...] = ()) -> Selection:
        key = capture_key(item.candidate.original, item.candidate.timestamp)
        return Selection(
            manifest_id=self.manifest.id, source=source, archive=archive.base,
            rule=rule.value, distance_days=when_days, pre_publication=pre,
            listing_urls=listing.queries, listing_row=item.candidate.row,
            listing_keys=(key,), candidates=candidates, jumps=jumps,
            cdx_digest=item.candidate.digest, user_agent=self.user_agent)

    def _store(self, source: Source, archive: Archive, listing: Listing, item: Ranked,
               playback: Playback, candidates: tuple[str, ...]) -> CaptureResult:
        final = playback.final
        assert final is not None
        when = final.memento_datetime
        pre = is_pre_publication(when, source.published)
        rule = Rule.REDIRECT if playback.hops else item.rule
        if pre and rule is Rule.AFTER_PUBLICATION:  # a jump or redirect landed earlier
            rule = Rule.BEFORE_PUBLICATION
        selection = self._selection(source, archive, listing, item, rule,
                                    distance_days(when, source.published), pre, candidates,
                                    playback.jumps)
        # A redirect may lead to a capture stored already (for another source):
        # then only the new hops are written, and the page is not stored twice.
        held = self.store.find_capture(capture_key(final.uri_r, final.timestamp))
        entry = self.store.write_capture(selection, final, playback.hops, stored=held)
        return self._result(source, CaptureOutcome.STORED, entry,
                            tried=(archive.base,))

    def _reuse(self, source: Source, archive: Archive, listing: Listing, item: Ranked,
               stored: LedgerEntry, candidates: tuple[str, ...]) -> CaptureResult:
        if stored.chosen and stored.source_id == source.id and \
                stored.manifest_id == self.manifest.id:
            entry = stored
        else:
            when = stored.capture().memento_datetime
            rule = Rule(stored.rule or item.rule.value) if stored.chosen else item.rule
            selection = self._selection(
                source, archive, listing, item, rule,
                distance_days(when, source.published),
                is_pre_publication(when, source.published), candidates)
            entry = self.store.write_reference(selection, stored)
        return self._result(source, CaptureOutcome.ALREADY_STORED, entry,
                            detail=f"held in {stored.warc_file}", tried=(archive.base,))

    def _result(self, source: Source, outcome: CaptureOutcome, entry: LedgerEntry,
                tried: tuple[str, ...], detail: str | None = None) -> CaptureResult:
        return CaptureResult(source_id=source.id, url=source.url, outcome=outcome,
                             capture=entry.capture(), detail=detail, archives_tried=tried,
                             rule=entry.rule)


def fetch_sources(
    manifest: Manifest,
    *,
    warcs_dir: Path | None = None,
    archives: Sequence[Archive] = (INTERNET_ARCHIVE,),
    source_ids: Collection[str] | None = None,
    client: HttpClient | None = None,
    clock: Clock = SYSTEM_CLOCK,
    listings_per_minute: float | None = None,
    downloads_per_second: float | None = None,
    allow_private: bool = False,
    operator: str | None = None,
    progress: ProgressCallback | None = None,
    store: WarcStore | None = None,
    politeness: Politeness | None = None,
    proxy: str | None = None,
    captures: Collection[CaptureScope] | str = (CaptureScope.NEAREST,),
) -> FetchRun:
    """Find, choose, download and store a web-archive capture for each source.

    Parameters
    ----------
    manifest:
        The sources (``source_ids`` picks some of them, in manifest order, by the
        rule of :func:`archiver.manifest.select_sources`: an unknown id is a
        :class:`~archiver.errors.ConfigError` before any request).
    warcs_dir:
        The WARC folder; default ``warcs/`` in the manifest's project folder.
    archives:
        Tried in order for each source; default the Internet Archive. Each
        archive's base URL (and CDX API) is trusted even on loopback.
    client:
        The HTTP client; by default one with the archive deadline, trusting the
        archives' URLs. Pass your own to share a session or in tests.
    clock:
        Time and sleeping (politeness waits, retries, WARC-Creation-Date). Tests
        pass :class:`~archiver.clock.ManualClock` so nothing really sleeps.
    listings_per_minute, downloads_per_second:
        Politeness per archive host (capped at the defaults for the Internet Archive).
    store:
        An opened :class:`~archiver.store.WarcStore` to write into (tests pin its
        record ids); by default one is opened on ``warcs_dir`` for the run.
    politeness:
        Rate limiters and 429 state to share between calls (a pipeline calling
        this more than once should pass one, built on the same ``clock``);
        by default a new one from ``clock`` and the two rates.
    proxy:
        An HTTP proxy for the default client (``--proxy``); by default
        HTTP_PROXY/HTTPS_PROXY/NO_PROXY apply. Ignored when ``client`` is given.
    captures:
        Which captures of each source's URL to store (``fetch --captures``):
        ``nearest`` (the default: the chosen one only), any of ``first``,
        ``last``, or ``all`` besides it (a string such as ``"first,nearest,last"``
        or a collection of :class:`~archiver.fetch.choose.CaptureScope`). The
        others come from the same listing, one download each through the same
        politeness limits, so "first" and "last" are those of the listing: a
        CDX listing (:mod:`archiver.fetch.wayback`) starts the day before
        publication and holds at most ``CDX_LIMIT`` rows (plus the captures
        before publication when none after can be chosen), a TimeMap lists
        every capture; ``all`` stores at most
        :data:`~archiver.fetch.choose.MAX_CAPTURES_PER_SOURCE` per source. A
        capture stored already is not downloaded again. They are stored with
        ``archiver-chosen: false`` and listed in each result's ``extra_captures``.
        A ValueError names a choice that is none of these.

    Returns a :class:`~archiver.models.FetchRun`. A missing capture is a result.
    When an archive rate-limits us twice or no archive can be reached, the run
    stops: the remaining sources get outcome ``rate_limited`` /
    ``archive_unreachable``, ``inconclusive`` is set, and
    :func:`raise_if_inconclusive` turns that into the exception. Stored captures
    are kept, so running again resumes.
    """
    started = clock.now()
    scopes = (parse_captures(captures) if isinstance(captures, str)
              else frozenset({CaptureScope.NEAREST, *captures}))
    sources = select_sources(manifest, source_ids or ()).sources
    folder = Path(warcs_dir) if warcs_dir is not None else default_warcs_dir(manifest)
    own_client = client is None
    if client is None:
        trusted = tuple(p for a in archives for p in (a.base, a.cdx_api) if p)
        client = HttpClient(allow_private=allow_private, trusted_prefixes=trusted, proxy=proxy)
    if politeness is None:
        politeness = Politeness(clock, listings_per_minute=listings_per_minute,
                                downloads_per_second=downloads_per_second)
    session = ArchiveSession(client, politeness)
    user_agent = client.user_agent or DEFAULT_USER_AGENT
    own_store = store is None
    if store is None:
        store = WarcStore(folder, info=WarcInfo(manifest_id=manifest.id,
                                                manifest_sha256=manifest_sha256(manifest),
                                                user_agent=user_agent, operator=operator),
                          now=clock.now)
        store.open()
    fetcher = _Fetcher(manifest, archives, session, store, user_agent, scopes)
    results: list[CaptureResult] = []
    stopped: InconclusiveError | None = None
    try:
        for index, source in enumerate(sources):
            if progress is not None:
                progress(Progress("fetch", index, len(sources), source.id))
            if stopped is None:
                try:
                    results.append(fetcher.fetch(source))
                    continue
                except (ArchiveRateLimited, ArchiveUnreachable) as err:
                    logger.info("fetch stopped: %s", err.message)  # the caller reports it
                    stopped = err
            outcome = (CaptureOutcome.RATE_LIMITED if isinstance(stopped, ArchiveRateLimited)
                       else CaptureOutcome.ARCHIVE_UNREACHABLE)
            results.append(CaptureResult(
                source_id=source.id, url=source.url, outcome=outcome,
                detail="not attempted: the run stopped (" + stopped.message + ")"))
        if progress is not None:
            progress(Progress("fetch", len(sources), len(sources), None))
    finally:
        if own_store:
            store.close()
        if own_client:
            client.close()
    return FetchRun(
        manifest_id=manifest.id, started_at=started, finished_at=clock.now(),
        results=tuple(results), archives=tuple(a.base for a in archives), warcs_dir=folder,
        inconclusive=stopped is not None,
        inconclusive_reason=stopped.message if stopped is not None else None,
        notes=tuple(store.notes),
    )


class FetchStopped(InconclusiveError):
    """A fetch run stopped early; ``run`` holds what it did before stopping."""

    def __init__(self, run: FetchRun) -> None:
        super().__init__(run.inconclusive_reason or "the fetch run stopped early",
                         hint="run the same command again later: stored captures are kept "
                         "and the run resumes where it stopped")
        self.run = run


def raise_if_inconclusive(run: FetchRun) -> FetchRun:
    """Return ``run``, or raise :class:`FetchStopped` if it stopped early."""
    if run.inconclusive:
        raise FetchStopped(run)
    return run
