"""Downloading one capture: ``<base><ts>id_/<url>``, redirects walked by hand.

An answer *with* ``Memento-Datetime`` is an archived response: a 200 is the
page, a 3xx an archived redirect (a hop, stored like the page, then followed
inside the archive). An answer *without* it is the archive talking: a 3xx is
a Wayback jump to the nearest capture, accepted only within
:data:`~archiver.fetch.choose.JUMP_WINDOW` of the capture asked for; a 404 means
no memento; exclusions are outcomes. Every request stays inside the archive:
an archived redirect to a live URL is looked up in the archive, never fetched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin

from archiver.errors import LinkFormatError, PrivateAddressError
from archiver.fetch.choose import JUMP_WINDOW, is_html
from archiver.fetch.limits import DOWNLOAD_MAX_BYTES, RequestKind
from archiver.fetch.listing import Archive, Candidate, parse_http_date, parse_timestamp
from archiver.fetch.memento import original_of, parse_links
from archiver.fetch.session import ArchiveSession
from archiver.fetch.wayback import detect_exclusion
from archiver.models import CaptureOutcome
from archiver.net import MAX_REDIRECTS, HttpResponse
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


def _fail(outcome: CaptureOutcome, detail: str, hops: list[Memento],
          jumps: list[str]) -> Playback:
    return Playback(None, tuple(hops), tuple(jumps), outcome, detail)


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


def play(session: ArchiveSession, archive: Archive, candidate: Candidate) -> Playback:
    """Download ``candidate`` from ``archive``, following its redirects inside the archive."""
    url = archive.memento_url(candidate.timestamp, candidate.original)
    asked_when, asked_uri = candidate.when, candidate.original
    hops: list[Memento] = []
    jumps: list[str] = []
    seen = {url}
    for _ in range(MAX_REDIRECTS + 1):
        fetched_at = session.clock.now()
        try:
            response = session.get(url, RequestKind.DOWNLOAD, max_bytes=DOWNLOAD_MAX_BYTES)
        except PrivateAddressError as err:
            return _fail(CaptureOutcome.PLAYBACK_ERROR, err.message, hops, jumps)
        raw_when = response.headers.get("Memento-Datetime")
        if raw_when is None:
            excluded = detect_exclusion(response)
            if excluded:
                return _fail(excluded[0], excluded[1], hops, jumps)
            if response.is_redirect:
                assert response.location is not None
                target = urljoin(url, response.location)
                parsed = archive.parse_memento_url(target)
                if parsed is None:
                    return _fail(CaptureOutcome.PLAYBACK_ERROR,
                                 f"{url} redirects outside the archive, to {target}",
                                 hops, jumps)
                stamp, original = parsed
                when = parse_timestamp(stamp)
                if abs(when - asked_when) > JUMP_WINDOW:
                    return _fail(CaptureOutcome.PLAYBACK_ERROR,
                                 f"the archive jumped from the capture of {asked_when:%Y-%m-%d}"
                                 f" to one of {when:%Y-%m-%d}, more than "
                                 f"{JUMP_WINDOW.days} days away", hops, jumps)
                if url_key(original) != url_key(asked_uri):
                    return _fail(CaptureOutcome.PLAYBACK_ERROR,
                                 f"the archive jumped to another URL: {original}", hops, jumps)
                next_url = archive.memento_url(stamp, original)
                jumps.append(f"{url} -> {target}")
                if next_url in seen:
                    return _fail(CaptureOutcome.PLAYBACK_ERROR,
                                 f"redirect loop at {next_url}", hops, jumps)
                seen.add(next_url)
                url = next_url
                continue
            if response.status == 404:
                return _fail(CaptureOutcome.NO_MEMENTO,
                             f"listed, but the archive has no memento ({url}: HTTP 404)",
                             hops, jumps)
            return _fail(CaptureOutcome.PLAYBACK_ERROR,
                         f"{url} answered HTTP {response.status} without Memento-Datetime",
                         hops, jumps)

        try:
            when = parse_http_date(raw_when)
        except ValueError:
            return _fail(CaptureOutcome.PLAYBACK_ERROR,
                         f"{url} sent a bad Memento-Datetime: {raw_when!r}", hops, jumps)
        uri_r = _original(response, asked_uri)
        if abs(when - asked_when) > JUMP_WINDOW:
            # pywb answers an inexact request with the nearest capture (200 +
            # Content-Location) rather than a redirect: held to the same window.
            return _fail(CaptureOutcome.PLAYBACK_ERROR,
                         f"asked for the capture of {asked_when:%Y-%m-%d %H:%M}, the archive "
                         f"served one of {when:%Y-%m-%d %H:%M}", hops, jumps)
        if response.is_redirect:
            assert response.location is not None
            absolute = urljoin(url, response.location)
            parsed = archive.parse_memento_url(absolute)
            if parsed is not None:  # IA rewrites Location to /web/<ts>id_/<target>
                stamp, target = parsed
            else:  # pywb keeps the archived Location: an original URL, maybe relative
                stamp, target = (when.strftime("%Y%m%d%H%M%S"),
                                 urljoin(uri_r, response.location))
            hops.append(_memento(response, when, uri_r, fetched_at, location=target))
            next_url = archive.memento_url(stamp, target)
            if next_url in seen or len(hops) > MAX_REDIRECTS:
                return _fail(CaptureOutcome.PLAYBACK_ERROR,
                             f"redirect loop at {next_url}", hops, jumps)
            seen.add(next_url)
            url, asked_when, asked_uri = next_url, parse_timestamp(stamp), target
            continue
        if response.status != 200:
            return _fail(CaptureOutcome.PLAYBACK_ERROR,
                         f"the archived response is HTTP {response.status}, not a page",
                         hops, jumps)
        if response.truncated:
            return _fail(CaptureOutcome.PLAYBACK_ERROR,
                         f"the memento is larger than {DOWNLOAD_MAX_BYTES // 2**20} MB; "
                         "not stored", hops, jumps)
        content_type = response.headers.get("Content-Type")
        if content_type and not is_html(content_type):
            return _fail(CaptureOutcome.PLAYBACK_ERROR,
                         f"the memento is {content_type.split(';')[0]}, not HTML", hops, jumps)
        return Playback(_memento(response, when, uri_r, fetched_at), tuple(hops), tuple(jumps))
    return _fail(CaptureOutcome.PLAYBACK_ERROR,
                 f"more than {MAX_REDIRECTS} redirects", hops, jumps)
