"""Live pages for ``verify --live``: fetch a URL's current page and judge whether it shows.

Redirects are followed by hand, at most
:data:`archiver.net.MAX_REDIRECTS` hops (10, as lychee and LinkChecker
follow). A login wall, a paywall or a bot challenge is judged the way
``archiver check`` judges it (:func:`archiver.check.classify_answer`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from archiver.check import classify_answer
from archiver.errors import NetError
from archiver.extract import extract_page, is_extractable, mime_of
from archiver.models import Hop, LinkClass
from archiver.net import MAX_REDIRECTS
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
        current = url
        hops: list[Hop] = []
        for _ in range(MAX_REDIRECTS + 1):
            try:
                response = self.client.get(current)
            except NetError as err:
                return LivePage(url, None, None, current, f"{err.kind}: {err.message}")
            if response.is_redirect:
                hops.append(Hop(current, response.status, response.location))
                current = urljoin(current, response.location)
                continue
            if response.status != 200:
                return LivePage(url, None, response.status, current)
            ctype = response.headers.get("Content-Type")
            if not is_extractable(ctype, response.body):
                return LivePage(url, None, response.status, current,
                                f"the live page is {mime_of(ctype) or 'of unknown type'}")
            # The same judgement as `archiver check`: a login wall, a paywall or a
            # bot challenge hides the article; what it does not show is not gone.
            verdict = classify_answer(url, current, response.status, response.headers,
                                      response.body, hops)
            restricted = (f"it is {verdict.link_class.value} ({verdict.detail})"
                          if verdict.link_class in (LinkClass.PAYWALLED, LinkClass.BLOCKED)
                          else None)
            return LivePage(url, extract_page(response.body, ctype), response.status, current,
                            restricted=restricted)
        return LivePage(url, None, None, current, f"more than {MAX_REDIRECTS} redirects")


__all__ = ["LiveFetcher"]
