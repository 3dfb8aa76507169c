"""``archiver capture``: store what the live site serves today, for sources no archive holds.

For each selected source the live page is requested through the one HTTP layer
(:class:`archiver.net.raw.RawRecorder`: address guard on every hop and every
resolved address, deadlines, a size cap, the proxy, per-host politeness), its
redirects walked hop by hop (:func:`archiver.net.walk_redirects`), and every
exchange stored byte for byte (:mod:`archiver.store.live`) in one new WARC
file per source, with a metadata record per response saying why (manifest,
source, selection), when and by which archiver. With ``requisites`` the
page's same-site images, stylesheets and scripts are captured too
(:mod:`.requisites`), within :data:`~.requisites.MAX_REQUISITES` and
:data:`~.requisites.MAX_REQUISITES_BYTES`.

**A live capture is evidence of the day it was made, never of the publication
date.** Its :class:`~archiver.models.Capture` has ``kind`` ``live`` and
``archive`` ``live``; it goes to its own ledger
(:data:`archiver.store.live.LIVE_LEDGER_NAME`), never to the archived-capture
ledger ``fetch`` reads; ``verify`` leaves it out unless asked.

**Selection.** By default the sources with no archived capture in the WARC
folder (the ``fetch`` ledger); ``all_sources`` takes every source; a source
named in ``source_ids`` is captured whatever is stored.

**Unreached.** When no selected page could be reached at all (every attempt
ended in a network-level failure before any answer: DNS, refused or broken
connections, timeouts, the proxy; :data:`UNREACHED_KINDS`, the check's
offline rule plus timeouts), nothing was learnt about any source: the run is
``inconclusive`` (``archiver capture`` exits 4), as ``fetch`` is when no
archive can be reached. A page that answered, even 404 or 500, is evidence and
is stored; a run where some pages answered is not inconclusive.

**Size cap.** A response longer than ``max_bytes`` (wire bytes) is kept cut,
its response record marked ``WARC-Truncated: length`` and the result's detail
saying so; the outcome stays ``stored`` (what was received is evidence too).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from archiver._version import __version__
from archiver.check.rules import NETWORK_LEVEL_ERRORS
from archiver.clock import SYSTEM_CLOCK, Clock
from archiver.errors import NetError, NetErrorKind
from archiver.fetch.requisites import (
    MAX_REQUISITES,
    MAX_REQUISITES_BYTES,
    html_requisites,
    same_site,
    stylesheet_requisites,
)
from archiver.fetch.run import manifest_sha256
from archiver.manifest import select_sources
from archiver.models import (
    Capture,
    CaptureKind,
    CaptureOutcome,
    CaptureResult,
    FetchRun,
    Hop,
    Manifest,
    Progress,
    ProgressCallback,
    Source,
)
from archiver.net import DEFAULT_USER_AGENT, HostLimiter, HttpClient, walk_redirects
from archiver.net.raw import CAPTURE_MAX_BYTES, RawExchange, RawRecorder
from archiver.net.redirects import RedirectStop
from archiver.store import WarcInfo, WarcStore, default_warcs_dir, provenance, warc_date
from archiver.store.fields import F_MANIFEST_ROW, F_USER_AGENT
from archiver.store.ledger import LedgerEntry, capture_key
from archiver.store.live import (
    ARCHIVE_LIVE,
    F_CAPTURE_KIND,
    F_CAPTURED_AT,
    F_HOPS,
    F_NOTE,
    F_REASON,
    F_VIA,
    KIND_LIVE,
    Exchange,
    live_label,
    payload_sha256,
    write_exchange,
)
from archiver.store.writer import FileWriter, Written

logger = logging.getLogger(__name__)

__all__ = ["LIVE_ARCHIVE", "LIVE_RULE", "capture_sources", "live_label"]

#: ``FetchRun.archives`` and ``CaptureResult.rule`` of a live capture run.
LIVE_ARCHIVE = ARCHIVE_LIVE
LIVE_RULE = "live"
#: Why a source was captured (the metadata record's ``reason``).
REASON_DEFAULT = "no archived capture of this source is stored"
REASON_ALL = "every source was asked for (--all)"
REASON_NAMED = "the source was named (--source)"
#: The warcinfo ``description`` of a live-capture file.
WARCINFO_WHAT = ("live captures (archiver capture: evidence of the day captured, not of "
                 "publication)")
#: Failures that say "the site could not be reached at all" rather than anything
#: about the page: the check's offline rule (:data:`archiver.check.rules.NETWORK_LEVEL_ERRORS`:
#: DNS, refused, unreachable, connection, proxy) plus timeouts (a deadline is no
#: answer either). Guard refusals and TLS failures are not: they are about the URL.
UNREACHED_KINDS = frozenset({*NETWORK_LEVEL_ERRORS, NetErrorKind.TIMEOUT.value})
#: Content types whose body is read for requisites.
_HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass
class _Item:
    """One exchange to store and how it was reached."""

    exchange: RawExchange
    via: str | None
    hops: str  # Heritrix's hop path: "" the page, "R" a redirect, "E" an embed


def _mime(exchange: RawExchange) -> str | None:
    value = exchange.header("Content-Type")
    return value.split(";")[0].strip().lower() if value else None


class _Capturer:
    def __init__(self, manifest: Manifest, recorder: RawRecorder, store: WarcStore,
                 user_agent: str, requisites: bool) -> None:
        self.manifest = manifest
        self.recorder = recorder
        self.store = store
        self.user_agent = user_agent
        self.requisites = requisites
        self.last_error: NetError | None = None  # of the last walk
        #: Why each page not reached at all failed (network level, no answer).
        self.unreached: list[str] = []

    def walk(self, url: str, via: str | None, embed: bool
             ) -> tuple[list[_Item], RawExchange | None, str | None]:
        """Request ``url``, redirects followed: (every exchange, final answer, why none)."""
        answered: list[RawExchange] = []

        def get(target: str) -> RawExchange:
            exchange = self.recorder.get(target)
            answered.append(exchange)
            return exchange

        walk = walk_redirects(url, get)
        self.last_error = walk.error
        start = "E" if embed else ""
        items = [_Item(ex, via, start + "R" * n) for n, ex in enumerate(answered)]
        if walk.stop is RedirectStop.NETWORK:
            error = walk.error
            return items, None, error.message if error is not None else "no answer"
        if walk.stop is not None:
            return items, None, (f"the redirects stopped ({walk.stop.value}) at "
                                 f"{walk.target or walk.url}")
        return items, walk.answer, None

    def capture(self, source: Source, reason: str) -> CaptureResult:
        items, final, why = self.walk(source.url, None, embed=False)
        if final is None:
            if not items and self.last_error is not None \
                    and self.last_error.kind.value in UNREACHED_KINDS:
                self.unreached.append(f"{source.id}: {why}")
            return CaptureResult(source_id=source.id, url=source.url,
                                 outcome=CaptureOutcome.LIVE_ERROR,
                                 detail=f"the live page could not be captured: {why}",
                                 archives_tried=(LIVE_ARCHIVE,), rule=LIVE_RULE)
        notes: list[str] = []
        if self.requisites and _mime(final) in _HTML_TYPES:
            items += self._requisites(final, notes)
        return self._store(source, reason, items, final, notes)

    def _requisites(self, page: RawExchange, notes: list[str]) -> list[_Item]:
        decoded = page.decoded()
        if decoded is None:
            notes.append("the page's content coding could not be read: no requisites")
            return []
        charset = "utf-8"
        ctype = page.header("Content-Type") or ""
        if "charset=" in ctype.lower():
            charset = ctype.lower().split("charset=", 1)[1].split(";")[0].strip(' "\'')
        try:
            text = decoded.decode(charset, errors="replace")
        except LookupError:
            text = decoded.decode("utf-8", errors="replace")
        wanted = [(u, k) for u, k in html_requisites(text, page.url)
                  if same_site(u, page.url)]
        items: list[_Item] = []
        seen = {page.url}
        total = 0
        failed = 0
        skipped = 0
        queue = list(wanted)
        sheets_read: set[str] = set()
        while queue:
            url, kind = queue.pop(0)
            if url in seen:
                continue
            if len(seen) - 1 >= MAX_REQUISITES or total >= MAX_REQUISITES_BYTES:
                skipped += 1
                continue
            seen.add(url)
            got, final, why = self.walk(url, page.url, embed=True)
            items += got
            total += sum(len(i.exchange.response) for i in got)
            if final is None:
                failed += 1
                logger.info("requisite %s not captured: %s", url, why)
                continue
            if kind == "stylesheet" and url not in sheets_read and \
                    (_mime(final) == "text/css" or url.lower().endswith(".css")):
                sheets_read.add(url)
                body = final.decoded()
                if body is not None:
                    queue += [(u, "css") for u, _ in stylesheet_requisites(
                        body.decode("utf-8", errors="replace"), final.url)
                        if same_site(u, page.url) and u not in seen]
        done = len(seen) - 1
        text = f"{done} requisite{'' if done == 1 else 's'} requested"
        if failed:
            text += f", {failed} without an answer"
        if skipped:
            text += (f", {skipped} left out (over {MAX_REQUISITES} requisites or "
                     f"{MAX_REQUISITES_BYTES // 2**20} MB)")
        notes.append(text)
        return items

    def _fields(self, source: Source, reason: str, item: _Item,
                chosen: bool) -> list[tuple[str, str]]:
        ex = item.exchange
        fields = [
            (provenance.F_SOFTWARE, f"archiver/{__version__}"),
            (provenance.F_MANIFEST_ID, self.manifest.id),
            (provenance.F_SOURCE_ID, source.id),
            (provenance.F_REQUESTED_URL, source.url),
            (provenance.F_ARCHIVE, ARCHIVE_LIVE),
            (F_CAPTURE_KIND, KIND_LIVE),
            (F_REASON, f"archiver capture: {reason}"),
            (F_CAPTURED_AT, warc_date(ex.started_at, micros=True)),
            (provenance.F_PUBLISHED, source.published.isoformat()),
            (provenance.F_PAYLOAD_SHA256, payload_sha256(ex.payload)),
            (F_NOTE, "a live capture: evidence of the day it was made, not of the "
                     "publication date"),
        ]
        if chosen:
            fields.append(("live-page", "true"))
        if item.hops:
            fields.append((F_HOPS, item.hops))
        if item.via:
            fields.append((F_VIA, item.via))
        fields.append((F_USER_AGENT, self.user_agent))
        fields.extend((F_NOTE, n) for n in ex.notes)
        if source.line is not None:
            fields.append((F_MANIFEST_ROW, str(source.line)))
        return fields

    def _store(self, source: Source, reason: str, items: list[_Item], final: RawExchange,
               notes: list[str]) -> CaptureResult:
        page_items = [i for i in items if i.via is None]

        def build(fw: FileWriter) -> Written:
            place: Written | None = None
            for item in items:
                ex = item.exchange
                written = write_exchange(fw, Exchange(
                    url=ex.url, request=ex.request, response=ex.response, payload=ex.payload,
                    truncated=ex.truncated, peer=ex.peer, started_at=ex.started_at,
                    elapsed=ex.elapsed, proxy=ex.proxy, head_length=ex.head_length),
                    self._fields(source, reason, item, ex is final))
                if ex is final:
                    place = written
            assert place is not None
            return place

        name, place = self.store.write_file(build)
        redirects = tuple(Hop(i.exchange.url, i.exchange.status,
                              i.exchange.location) for i in page_items[:-1])
        when = final.started_at.replace(microsecond=0)  # as WARC-Date says it
        entry = LedgerEntry(
            manifest_id=self.manifest.id, source_id=source.id, requested_url=source.url,
            published=source.published.isoformat(), uri_r=final.url,
            timestamp=when.strftime("%Y%m%d%H%M%S"), memento_url=final.url,
            memento_datetime=warc_date(when), archive=ARCHIVE_LIVE, warc_file=name,
            warc_offset=place.offset, warc_length=place.length, record_id=place.record_id,
            payload_sha256=payload_sha256(final.payload), http_status=final.status,
            mime=_mime(final), rule=LIVE_RULE,
            keys=(capture_key(final.url, when.strftime("%Y%m%d%H%M%S")),),
            redirects=tuple((h.status, h.url, h.location) for h in redirects),
            stored_at=warc_date(final.started_at, micros=True))
        self.store.append_live([entry])
        capture = Capture(
            source_id=source.id, url=final.url, archive=ARCHIVE_LIVE, memento_url=final.url,
            memento_datetime=when, http_status=final.status, mime=_mime(final),
            warc_file=name, warc_offset=place.offset, record_id=place.record_id,
            payload_sha256=entry.payload_sha256, redirects=redirects, kind=CaptureKind.LIVE)
        detail = [live_label(when)]
        if final.status >= 400:
            detail.append(f"the live page answered {final.status} {final.reason}".rstrip())
        if final.truncated:
            detail.append(f"the page was cut at {self.recorder.max_bytes} bytes "
                          "(WARC-Truncated: length)")
        cut = sum(1 for i in items if i.exchange.truncated and i.exchange is not final)
        if cut:
            detail.append(f"{cut} requisite(s) cut at the size cap")
        detail.extend(notes)
        detail.extend(final.notes)
        return CaptureResult(source_id=source.id, url=source.url,
                             outcome=CaptureOutcome.STORED, capture=capture,
                             detail="; ".join(detail), archives_tried=(LIVE_ARCHIVE,),
                             rule=LIVE_RULE)


def capture_sources(
    manifest: Manifest,
    *,
    warcs_dir: Path | None = None,
    source_ids: Collection[str] | None = None,
    all_sources: bool = False,
    requisites: bool = False,
    client: HttpClient | None = None,
    clock: Clock = SYSTEM_CLOCK,
    allow_private: bool = False,
    proxy: str | None = None,
    operator: str | None = None,
    max_bytes: int = CAPTURE_MAX_BYTES,
    progress: ProgressCallback | None = None,
    store: WarcStore | None = None,
) -> FetchRun:
    """Capture the live page (and with ``requisites`` its same-site requisites) of
    each selected source into new WARC files (the rules are in the module docstring).

    ``client`` supplies the HTTP rules (guard, deadline, proxy, politeness); by
    default one with a per-host :class:`~archiver.net.HostLimiter`. A source
    whose page gives no answer has outcome ``live_error``; one not selected
    (an archived capture is stored) ``already_stored``, with that capture.
    ``store``: an opened :class:`~archiver.store.WarcStore` to write into (a
    cluster worker's :class:`~archiver.store.staging.StagingStore`), left open;
    by default one is opened on ``warcs_dir`` for the run.
    """
    started = clock.now()
    named = list(dict.fromkeys(source_ids or ()))
    sources = select_sources(manifest, named).sources
    folder = Path(warcs_dir) if warcs_dir is not None else default_warcs_dir(manifest)
    own_client = client is None
    if client is None:
        client = HttpClient(allow_private=allow_private, proxy=proxy, limiter=HostLimiter())
    user_agent = client.user_agent or DEFAULT_USER_AGENT
    own_store = store is None
    if store is None:
        store = WarcStore(folder, info=WarcInfo(manifest_id=manifest.id,
                                                manifest_sha256=manifest_sha256(manifest),
                                                user_agent=user_agent, operator=operator,
                                                what=WARCINFO_WHAT),
                          now=clock.now)
    results: list[CaptureResult] = []
    attempted = 0
    try:
        if own_store:
            store.open()
        capturer = _Capturer(manifest, RawRecorder(client, max_bytes=max_bytes), store,
                             user_agent, requisites)
        for index, source in enumerate(sources):
            if progress is not None:
                progress(Progress("capture", index, len(sources), source.id))
            stored = store.find_for_source(manifest.id, source)
            if source.id in named:
                reason = REASON_NAMED
            elif all_sources:
                reason = REASON_ALL
            elif stored is not None:
                results.append(CaptureResult(
                    source_id=source.id, url=source.url,
                    outcome=CaptureOutcome.ALREADY_STORED, capture=stored.capture(),
                    detail="an archived capture is stored; pass --all to capture the "
                           "live page too", rule=stored.rule))
                continue
            else:
                reason = REASON_DEFAULT
            attempted += 1
            try:
                results.append(capturer.capture(source, reason))
            except NetError as err:  # pragma: no cover - walk_redirects keeps them
                results.append(CaptureResult(
                    source_id=source.id, url=source.url, outcome=CaptureOutcome.LIVE_ERROR,
                    detail=f"the live page could not be captured: {err.message}",
                    archives_tried=(LIVE_ARCHIVE,), rule=LIVE_RULE))
        if progress is not None:
            progress(Progress("capture", len(sources), len(sources), None))
    finally:
        if own_store:
            store.close()
        if own_client:
            client.close()
    reason_unreached = _unreached_reason(capturer.unreached, attempted)
    return FetchRun(manifest_id=manifest.id, started_at=started, finished_at=clock.now(),
                    results=tuple(results), archives=(LIVE_ARCHIVE,), warcs_dir=folder,
                    inconclusive=reason_unreached is not None,
                    inconclusive_reason=reason_unreached, notes=tuple(store.notes))


def _unreached_reason(unreached: Sequence[str], attempted: int) -> str | None:
    """Why the run is inconclusive: every page asked for was unreached (see the module
    docstring); None when any page answered or none was asked for."""
    if not attempted or len(unreached) < attempted:
        return None
    pages = "the live page" if attempted == 1 else f"any of the {attempted} live pages"
    return (f"could not reach {pages} (no answer at all: network, DNS, timeout or proxy): "
            f"{unreached[0]}")


def live_results(results: Sequence[CaptureResult]) -> list[CaptureResult]:
    """The results that stored a live capture."""
    return [r for r in results if r.capture is not None and r.capture.kind is CaptureKind.LIVE]
