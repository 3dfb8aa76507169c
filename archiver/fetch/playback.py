"""Downloading one capture: ``<base><ts>id_/<url>``, redirects walked by hand.

An answer *with* ``Memento-Datetime`` is an archived response: a 200 is the
page, a 3xx an archived redirect (a hop, stored like the page, then followed
inside the archive). An answer *without* it is the archive talking: a 3xx is
a Wayback jump to the nearest capture, accepted only within
:data:`~archiver.fetch.choose.JUMP_WINDOW` of the capture asked for; a 404 means
no memento; exclusions are outcomes. Every request stays inside the archive:
an archived redirect to a live URL is looked up in the archive, never fetched.
The walk itself (hop limit, loops, refused addresses) is
:func:`archiver.net.walk_redirects`; these archive rules judge each hop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from archiver.errors import LinkFormatError, ParseError, PrivateAddressError
from archiver.fetch.choose import JUMP_WINDOW, is_readable
from archiver.fetch.limits import DOWNLOAD_MAX_BYTES, RequestKind
from archiver.fetch.listing import Archive, Candidate, parse_http_date, parse_timestamp
from archiver.fetch.memento import original_of, parse_links
from archiver.fetch.session import ArchiveSession, MementoTooSlow
from archiver.fetch.wayback import detect_exclusion
from archiver.models import CaptureOutcome
from archiver.net import (
    MAX_REDIRECTS,
    HttpResponse,
    RedirectStop,
    RedirectWalk,
    Veto,
    resolve_location,
    walk_redirects,
)
from archiver.store import Memento
from archiver.urls import url_key


@dataclass(frozen=True)
class Playback:
    """The result of downloading one candidate."""

    final: Memento | None = None
    hops: tuple[Memento, ...] = ()  # archived redirects that led to ``final``
    jumps: tuple[str, ...] = ()  # "<from> -> <to>" Wayback jumps
    outcome: CaptureOutcome | None = None  # why it failed, when ``final`` is None
    detail: str | None = None

    @property
    def ok(self) -> bool:
        return self.final is not None


def _memento(response: HttpResponse, when: datetime, uri_r: str, fetched_at: datetime,
             location: str | None = None) -> Memento:
    return Memento(
        uri_r=uri_r, memento_url=response.url, memento_datetime=when,
        datetime_raw=response.headers.get("Memento-Datetime", ""),
        status=response.status, reason=response.reason, header_list=response.header_list,
        body=response.body, request_headers=response.request_headers, peer=response.peer,
        fetched_at=fetched_at, elapsed_ms=int(response.elapsed * 1000), location=location,
    )


def _original(response: HttpResponse, fallback: str) -> str:
    header = response.headers.get("Link")
    if header:
        try:
            found = original_of(parse_links(header))
        except LinkFormatError:
            found = None
        if found:
            return found
    return fallback


#: Why a playback failed: its outcome and the sentence that says why.
_Failure = tuple[CaptureOutcome, str]


def play(session: ArchiveSession, archive: Archive, candidate: Candidate) -> Playback:
    """Download ``candidate`` from ``archive``, following its redirects inside the archive."""
    judge = _InArchive(session, archive, candidate)
    # An archive answers a memento URL the same way every time (no cookies):
    # a memento URL met again is a loop.
    walk = walk_redirects(archive.memento_url(candidate.timestamp, candidate.original),
                          judge.fetch, follow=judge.follow, max_visits=1)
    return judge.result(walk)


def _timestamp(url: str, stamp: str) -> datetime | Veto[_Failure]:
    """The date of a Wayback timestamp the archive sent, or why it cannot be used."""
    try:
        return parse_timestamp(stamp)
    except ParseError as err:
        return Veto((CaptureOutcome.PLAYBACK_ERROR,
                     f"{url} redirects to a memento with a bad timestamp ({err.message})"))


class _InArchive:
    """Playback's judgement of each answer: the archive's rules, its own outcomes.

    It records the archived redirects (``hops``) and the archive's jumps
    (``jumps``) as the walk goes; :func:`archiver.net.walk_redirects` applies
    the generic rules (hop limit, loops, the address guard's refusals).
    """

    def __init__(self, session: ArchiveSession, archive: Archive, candidate: Candidate) -> None:
        self.session = session
        self.archive = archive
        self.asked_when = candidate.when
        self.asked_uri = candidate.original
        self.hops: list[Memento] = []
        self.jumps: list[str] = []
        self.fetched_at = session.clock.now()
        self.budget = session.budget()  # every hop and retry of this memento shares it

    def fetch(self, url: str) -> HttpResponse:
        self.fetched_at = self.session.clock.now()
        return self.session.get(url, RequestKind.DOWNLOAD, max_bytes=DOWNLOAD_MAX_BYTES,
                                budget=self.budget)

    def follow(self, url: str, response: HttpResponse, target: str) -> str | Veto[_Failure]:
        """Where a redirect leads inside the archive, or why it is not followed."""
        raw_when = response.headers.get("Memento-Datetime")
        if raw_when is None:
            return self._jump(url, response, target)
        dated = self._dated(url, response, raw_when)
        if isinstance(dated, Veto):
            return dated
        when, uri_r = dated
        parsed = self.archive.parse_memento_url(target)
        if parsed is not None:  # IA rewrites Location to /web/<ts>id_/<target>
            stamp, original = parsed
        else:  # pywb keeps the archived Location: an original URL, maybe relative
            stamp, original = (when.strftime("%Y%m%d%H%M%S"),
                               resolve_location(uri_r, response.location or ""))
        next_when = _timestamp(url, stamp)
        if isinstance(next_when, Veto):
            return next_when
        self.hops.append(_memento(response, when, uri_r, self.fetched_at, location=original))
        self.asked_when, self.asked_uri = next_when, original
        return self.archive.memento_url(stamp, original)

    def _jump(self, url: str, response: HttpResponse, target: str) -> str | Veto[_Failure]:
        """A 3xx without Memento-Datetime: the archive moving to another capture."""
        excluded = detect_exclusion(response)
        if excluded:
            return Veto(excluded)
        parsed = self.archive.parse_memento_url(target)
        if parsed is None:
            return Veto((CaptureOutcome.PLAYBACK_ERROR,
                         f"{url} redirects outside the archive, to {target}"))
        stamp, original = parsed
        when = _timestamp(url, stamp)
        if isinstance(when, Veto):
            return when
        if abs(when - self.asked_when) > JUMP_WINDOW:
            return Veto((CaptureOutcome.PLAYBACK_ERROR,
                         f"the archive jumped from the capture of {self.asked_when:%Y-%m-%d} "
                         f"to one of {when:%Y-%m-%d}, more than {JUMP_WINDOW.days} days away"))
        if url_key(original) != url_key(self.asked_uri):
            return Veto((CaptureOutcome.PLAYBACK_ERROR,
                         f"the archive jumped to another URL: {original}"))
        self.jumps.append(f"{url} -> {target}")
        return self.archive.memento_url(stamp, original)

    def _dated(self, url: str, response: HttpResponse,
               raw_when: str) -> tuple[datetime, str] | Veto[_Failure]:
        """An archived response's capture date and original URL, within the window."""
        try:
            when = parse_http_date(raw_when)
        except ParseError as err:
            return Veto((CaptureOutcome.PLAYBACK_ERROR,
                         f"{url} sent a bad Memento-Datetime ({err.message})"))
        if abs(when - self.asked_when) > JUMP_WINDOW:
            # pywb answers an inexact request with the nearest capture (200 +
            # Content-Location) rather than a redirect: held to the same window.
            return Veto((CaptureOutcome.PLAYBACK_ERROR,
                         f"asked for the capture of {self.asked_when:%Y-%m-%d %H:%M}, the "
                         f"archive served one of {when:%Y-%m-%d %H:%M}"))
        return when, _original(response, self.asked_uri)

    def _fail(self, failure: _Failure) -> Playback:
        return Playback(None, tuple(self.hops), tuple(self.jumps), failure[0], failure[1])

    def result(self, walk: RedirectWalk[HttpResponse, _Failure]) -> Playback:
        """The playback a finished walk amounts to."""
        error = CaptureOutcome.PLAYBACK_ERROR
        if walk.error is not None:
            if isinstance(walk.error, PrivateAddressError | MementoTooSlow):
                return self._fail((error, walk.error.message))
            raise walk.error  # the archive session turns every other failure into its own
        if walk.stop is RedirectStop.REJECTED:
            assert walk.veto is not None
            return self._fail(walk.veto)
        if walk.stop is RedirectStop.LOOP:
            return self._fail((error, f"redirect loop at {walk.target}"))
        if walk.stop is RedirectStop.TOO_MANY:
            return self._fail((error, f"more than {MAX_REDIRECTS} redirects"))
        if walk.stop is not None:
            return self._fail((error, f"{walk.url} redirects to {walk.target}, "
                                      "which is not an http(s) URL"))
        response, url = walk.answer, walk.url
        assert response is not None
        raw_when = response.headers.get("Memento-Datetime")
        if raw_when is None:
            excluded = detect_exclusion(response)
            if excluded:
                return self._fail(excluded)
            if response.status == 404:
                return self._fail((CaptureOutcome.NO_MEMENTO,
                                   f"listed, but the archive has no memento ({url}: HTTP 404)"))
            return self._fail((error, f"{url} answered HTTP {response.status} without "
                                      "Memento-Datetime"))
        dated = self._dated(url, response, raw_when)
        if isinstance(dated, Veto):
            return self._fail(dated.reason)
        when, uri_r = dated
        if response.status != 200:
            return self._fail((error, f"the archived response is HTTP {response.status}, "
                                      "not a page"))
        if response.truncated:
            return self._fail((error, f"the memento is larger than "
                                      f"{DOWNLOAD_MAX_BYTES // 2**20} MB; not stored"))
        content_type = response.headers.get("Content-Type")
        if content_type and not is_readable(content_type, response.body):
            return self._fail((error, f"the memento is {content_type.split(';')[0]}, "
                                      "not HTML, text, PDF, JSON or an XML feed"))
        return Playback(_memento(response, when, uri_r, self.fetched_at), tuple(self.hops),
                        tuple(self.jumps))
