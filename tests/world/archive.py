"""The 2014 web archive of the world: pages made up around the manifest's quotes,
captured at the times :data:`tests.world.definition.WORLD` gives, for pywb."""

from __future__ import annotations

from datetime import timedelta

from archiver.models import Manifest, Relation, Source
from tests.support.pywb_archive import Page, as_datetime
from tests.world import pages
from tests.world.definition import WORLD, Capture
from tests.world.text import article_paragraphs, comments
from tests.world.web import host_of

#: The archive's 404 page body: what a crawler got for a URL that did not exist yet.
NOT_FOUND_2014 = "<html><head><title>404 Not Found</title></head><body>Not Found</body></html>"


def related_links(source: Source, manifest: Manifest) -> list[tuple[str, str]]:
    """Links to the publisher's other manifest articles (the ones listed beside it)."""
    host = host_of(source.url)
    others = [s for s in manifest.sources if host_of(s.url) == host and s.id != source.id]
    if source.relation is Relation.CITED:
        others.sort(key=lambda s: s.relation is not Relation.RELATED)
    return [(s.title, s.url) for s in others[:5]]


def capture_page(source: Source, capture: Capture, manifest: Manifest) -> Page:
    """One capture as pywb will replay it."""
    url = capture.url or source.url
    if 300 <= capture.status < 400:
        return Page(url, capture.when, status=capture.status, location=capture.location)
    if capture.status != 200:
        return Page(url, capture.when, NOT_FOUND_2014, status=capture.status)
    world = WORLD[source.id]
    # The page says it was published a few hours before it was captured.
    published = (as_datetime(capture.when) - timedelta(hours=3)).replace(tzinfo=None)
    body = article_paragraphs(source, world.quotes)
    html = pages.article_2014(source, url, published, body, related_links(source, manifest),
                              comments(source.language[:2], source.id))
    return Page(url, capture.when, html)


def archive_pages(manifest: Manifest) -> list[Page]:
    """Every 2014 capture of the world, in manifest order."""
    out: list[Page] = []
    for source in manifest.sources:
        for capture in WORLD[source.id].captures:
            out.append(capture_page(source, capture, manifest))
    return out
