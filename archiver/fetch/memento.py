"""Memento TimeMaps (RFC 7089) in link format (RFC 6690 / RFC 8288).

``GET <base>timemap/link/<url>`` answers ``application/link-format``: a
comma-separated list of ``<URI>; param=value; ...`` links. Commas may occur
inside ``<...>`` and inside quoted strings (``datetime="Wed, 15 Oct 2014 ..."``),
so the text is tokenised, never split on commas.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field

from archiver.errors import LinkFormatError
from archiver.fetch.limits import LISTING_MAX_BYTES, RequestKind
from archiver.fetch.listing import Archive, Candidate, Listing, parse_http_date, to_timestamp
from archiver.fetch.session import ArchiveSession
from archiver.fetch.wayback import unusable_listing

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Link:
    target: str
    params: dict[str, str] = field(default_factory=dict)

    @property
    def rels(self) -> frozenset[str]:
        return frozenset(self.params.get("rel", "").lower().split())


_SEPARATORS = frozenset(";,=")


def parse_links(text: str) -> list[Link]:
    """Parse a link-format document or a ``Link`` header; raise LinkFormatError."""
    links: list[Link] = []
    i, n = 0, len(text)

    def skip_space(i: int) -> int:
        while i < n and text[i] in " \t\r\n":
            i += 1
        return i

    while True:
        i = skip_space(i)
        while i < n and text[i] == ",":
            i = skip_space(i + 1)
        if i >= n:
            return links
        if text[i] != "<":
            raise LinkFormatError(f"expected '<' at character {i}: {text[i:i + 20]!r}")
        end = text.find(">", i + 1)
        if end < 0:
            raise LinkFormatError(f"unclosed '<' at character {i}")
        target = text[i + 1:end].strip()
        i = end + 1
        params: dict[str, str] = {}
        while True:
            i = skip_space(i)
            if i >= n or text[i] != ";":
                break
            i = skip_space(i + 1)
            start = i
            while i < n and text[i] not in _SEPARATORS and text[i] not in " \t\r\n":
                i += 1
            name = text[start:i].lower()
            i = skip_space(i)
            value = ""
            if i < n and text[i] == "=":
                i = skip_space(i + 1)
                if i < n and text[i] == '"':
                    i += 1
                    chars: list[str] = []
                    while i < n and text[i] != '"':
                        if text[i] == "\\" and i + 1 < n:
                            i += 1
                        chars.append(text[i])
                        i += 1
                    if i >= n:
                        raise LinkFormatError("unclosed quoted string")
                    i += 1
                    value = "".join(chars)
                else:
                    start = i
                    while i < n and text[i] not in ";," and text[i] not in " \t\r\n":
                        i += 1
                    value = text[start:i]
            if name:
                params.setdefault(name, value)  # RFC 8288 §3.3: the first rel counts
        links.append(Link(target, params))
        i = skip_space(i)
        if i < n and text[i] != ",":
            raise LinkFormatError(f"expected ',' at character {i}: {text[i:i + 20]!r}")


def original_of(links: list[Link]) -> str | None:
    for link in links:
        if "original" in link.rels:
            return link.target
    return None


def list_timemap(session: ArchiveSession, archive: Archive, url: str) -> Listing:
    """List the captures of ``url`` from ``archive``'s link-format TimeMap."""
    query = archive.timemap_url(url)
    response = session.get(query, RequestKind.LISTING, max_bytes=LISTING_MAX_BYTES)
    unusable = unusable_listing(response, archive, url, "TimeMap", (query,))
    if unusable is not None:
        return unusable
    if response.status == 404:
        return Listing(archive, url, queries=(query,))
    try:
        links = parse_links(response.body.decode("utf-8", errors="replace"))
    except LinkFormatError as err:
        return Listing(archive, url, queries=(query,),
                       error=f"the TimeMap is not link format ({err})")
    original = original_of(links) or url
    candidates: list[Candidate] = []
    for link in links:
        if "memento" not in link.rels or "datetime" not in link.params:
            continue
        try:
            when = parse_http_date(link.params["datetime"])
        except ValueError:
            logger.warning("skipping a TimeMap link with a bad datetime: %s", link)
            continue
        row = json.dumps({"uri": link.target, **link.params}, ensure_ascii=False,
                         separators=(",", ":"))
        candidates.append(Candidate(timestamp=to_timestamp(when), when=when,
                                    original=original, row=row))
    return Listing(archive, url, tuple(candidates), (query,))
