"""Found links as manifest sources: one per URL, with every place it is written."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from archiver.inputs.links import FoundLink
from archiver.models import DatePrecision, Manifest, Source

#: The longest host part of a source id (the id stays a manifest slug: at most 120 characters).
ID_HOST_CHARS = 40
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def check_url(url: str) -> str:
    """The URL a link is checked as: without its fragment, which no server sees."""
    return url.split("#", 1)[0]


def source_id(url: str) -> str:
    """A stable id for ``url``: its host as a slug and 10 hex digits of its SHA-256.

    The same URL gets the same id in every run and every folder, so the history
    database follows a link across runs (``www-example-org-3f2a9c1b0d``).
    """
    return _source_id(url, _hostname(url))


def _hostname(url: str) -> str | None:
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def _source_id(url: str, hostname: str | None) -> str:
    slug = (_NOT_SLUG.sub("-", (hostname or "link").lower()).strip("-")[:ID_HOST_CHARS]
            .strip("-") or "link")
    return f"{slug}-{hashlib.sha256(url.encode('utf-8')).hexdigest()[:10]}"


@dataclass(frozen=True)
class DocumentSources:
    """The manifest built from found links, and where each of its sources is written."""

    manifest: Manifest
    locations: dict[str, tuple[str, ...]]  # source id -> "file:line", in reading order
    occurrences: int  # links found, repeats included


def document_sources(links: Iterable[FoundLink], *, today: date,
                     manifest_id: str = "documents",
                     title: str = "links read from documents") -> DocumentSources:
    """An in-memory :class:`Manifest` with one source per distinct URL of ``links``.

    URLs are compared without their fragment (``page#a`` and ``page#b`` are one
    check). A source's title is the first anchor text met (else the URL), its
    publisher the URL's host; its date is ``today`` at year precision and its
    language ``und`` (undetermined, BCP 47): a checked link needs neither.
    The manifest has no path, so its project folder is the current folder.
    """
    order: list[str] = []
    first: dict[str, FoundLink] = {}
    titles: dict[str, str] = {}
    places: dict[str, list[str]] = {}
    count = 0
    for link in links:
        count += 1
        url = check_url(link.url)
        if url not in first:
            order.append(url)
            first[url] = link
            places[url] = []
        if link.text and url not in titles:
            titles[url] = link.text
        if link.location not in places[url]:
            places[url].append(link.location)
    sources: list[Source] = []
    locations: dict[str, tuple[str, ...]] = {}
    for url in order:
        hostname = _hostname(url)  # split once, for the id and the publisher
        sid = _source_id(url, hostname)
        sources.append(Source(id=sid, url=url, publisher=hostname or url,
                              title=titles.get(url, url),
                              published=date(today.year, 1, 1), language="und",
                              published_precision=DatePrecision.YEAR))
        locations[sid] = tuple(places[url])
    manifest = Manifest(id=manifest_id, title=title, sources=tuple(sources))
    return DocumentSources(manifest, locations, count)
