"""Live pages for ``verify --live``: fetch a URL's current page and judge whether it shows.

Redirects are followed by hand (:func:`archiver.net.walk_redirects`), at
most :data:`archiver.net.MAX_REDIRECTS` hops (10, as lychee and LinkChecker
follow). A login wall, a paywall or a bot challenge is judged the way
``archiver check`` judges it (:func:`archiver.check.classify_answer`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from archiver.check import classify_answer
from archiver.extract import extract_page, is_extractable, mime_of
from archiver.models import LinkClass
from archiver.net import MAX_REDIRECTS, RedirectStop, walk_redirects
from archiver.pages import LivePage


@dataclass
class LiveFetcher:
    """Fetch the live page of a URL through :class:`archiver.net.HttpClient`,
    following redirects by hand (at most :data:`MAX_REDIRECTS` hops).

    Implements :class:`archiver.verify.LiveProvider`. ``client`` is any object
    with the ``HttpClient.get`` signature.
    """

    client: Any
    cache: dict[str, LivePage] = field(default_factory=dict)

    def fetch(self, url: str) -> LivePage:
        if url in self.cache:
            return self.cache[url]
        page = self._fetch(url)
        self.cache[url] = page
        return page

    def _fetch(self, url: str) -> LivePage:
        # No loop check: a loop ends at the redirect limit, as any long chain does.
        walk = walk_redirects(url, self.client.get, max_visits=None)
        response = walk.answer
        if walk.error is not None:
            return LivePage(url, None, None, walk.url, f"{walk.error.kind}: {walk.error.message}")
        if walk.stop is RedirectStop.TOO_MANY:
            return LivePage(url, None, None, walk.target or walk.url,
                            f"more than {MAX_REDIRECTS} redirects")
        assert response is not None
        if walk.stop is not None:  # a target that is not an http(s) URL
            return LivePage(url, None, None, walk.url,
                            f"HTTP {response.status} redirects to {response.location!r}, "
                            "which is not an http(s) URL we can follow")
        if response.status != 200:
            return LivePage(url, None, response.status, walk.url)
        ctype = response.headers.get("Content-Type")
        if not is_extractable(ctype, response.body):
            return LivePage(url, None, response.status, walk.url,
                            f"the live page is {mime_of(ctype) or 'of unknown type'}")
        # The same judgement as `archiver check`: a login wall, a paywall or a
        # bot challenge hides the article; what it does not show is not gone.
        verdict = classify_answer(url, walk.url, response.status, response.headers,
                                  response.body, walk.hops)
        restricted = (f"it is {verdict.link_class.value} ({verdict.detail})"
                      if verdict.link_class in (LinkClass.PAYWALLED, LinkClass.BLOCKED)
                      else None)
        page = extract_page(response.body, ctype)
        if page.unreadable is not None:  # a scanned PDF: nothing to compare
            return LivePage(url, None, response.status, walk.url, page.unreadable)
        return LivePage(url, page, response.status, walk.url, restricted=restricted)


__all__ = ["LiveFetcher"]
