"""Page requisites: the images, stylesheets and scripts a page loads without running script.

Read with the standard library's :class:`html.parser.HTMLParser` (the parser
:mod:`archiver.extract` uses). The elements and attributes are those a browser
fetches while parsing (WHATWG HTML: ``img`` ``src``/``srcset``, ``link
rel=stylesheet`` (and ``icon``) ``href``, ``script src``, ``source``
``src``/``srcset``, ``video poster``, ``input type=image src``); wget's
``--page-requisites`` follows the same list (GNU wget ``src/html-url.c``,
``tag_url_attributes``). Inline ``<style>`` blocks and ``style`` attributes are
read for CSS ``url(...)`` and ``@import`` (CSS Values 4 §4.5 "url()", CSS
Cascade 4 §2 "@import"); stylesheets fetched are read once more for the same,
one level deep (their own imports are not followed).

**Same site** is the same host, compared without one leading ``www.``: the
registrable domain would need the Public Suffix List, which archiver does not
ship, and a host is what a reader of the capture can check by eye.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from archiver.urls import host_of

__all__ = ["MAX_REQUISITES", "MAX_REQUISITES_BYTES", "css_urls", "html_requisites",
           "same_site"]

#: Requisites captured per page at most. A news article page references
#: 20-60 same-site images, stylesheets and scripts (HTTP Archive's Web Almanac
#: 2022, "Page Weight": a median page makes ~70 requests, many third-party);
#: 100 holds a page's own while bounding a hostile one.
MAX_REQUISITES = 100
#: Wire bytes of all a page's requisites together at most (the page itself has
#: :data:`archiver.net.raw.CAPTURE_MAX_BYTES`); the Web Almanac's median page
#: weighs ~2 MB, its 90th percentile ~8 MB.
MAX_REQUISITES_BYTES = 50 * 1024 * 1024

_SRCSET_SPLIT = re.compile(r",\s+|,(?=\S)")
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)""", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"""@import\s+(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)


def _srcset(value: str) -> list[str]:
    """The URLs of a ``srcset`` (each candidate is "URL [descriptor]")."""
    out = []
    for candidate in _SRCSET_SPLIT.split(value.strip()):
        url = candidate.strip().split(" ", 1)[0].strip()
        if url:
            out.append(url)
    return out


def css_urls(text: str) -> list[str]:
    """The references of a stylesheet: ``url(...)`` and ``@import "..."``, as written."""
    out = []
    for match in _CSS_URL.finditer(text):
        ref = next((g for g in match.groups() if g is not None), "").strip()
        if ref and not ref.lower().startswith("data:"):
            out.append(ref)
    for match in _CSS_IMPORT.finditer(text):
        ref = next((g for g in match.groups() if g is not None), "").strip()
        if ref:
            out.append(ref)
    return out


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: str | None = None
        self.refs: list[tuple[str, str]] = []  # (reference as written, kind)
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "base" and self.base is None and a.get("href"):
            self.base = a["href"]
        elif tag == "img" or tag == "source":
            if a.get("src"):
                self.refs.append((a["src"], "image"))
            self.refs.extend((u, "image") for u in _srcset(a.get("srcset", "")))
        elif tag == "link":
            rels = set(a.get("rel", "").lower().split())
            if a.get("href") and rels & {"stylesheet", "icon", "shortcut"}:
                self.refs.append((a["href"], "stylesheet" if "stylesheet" in rels else "image"))
        elif tag == "script" and a.get("src"):
            self.refs.append((a["src"], "script"))
        elif tag == "video" and a.get("poster"):
            self.refs.append((a["poster"], "image"))
        elif tag == "input" and a.get("type", "").lower() == "image" and a.get("src"):
            self.refs.append((a["src"], "image"))
        if a.get("style"):
            self.refs.extend((u, "image") for u in css_urls(a["style"]))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.refs.extend((u, "css") for u in css_urls(data))


def html_requisites(html: str, page_url: str) -> list[tuple[str, str]]:
    """(absolute URL, kind) of each requisite of a page, in document order, once each.

    ``kind`` is ``stylesheet`` (its own ``url()`` are read too), ``image``,
    ``script`` or ``css`` (referenced from inline CSS). Only http(s) URLs.
    """
    parser = _Refs()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):  # html.parser on hostile input
        pass
    base = urljoin(page_url, parser.base) if parser.base else page_url
    return _absolute(parser.refs, base)


def stylesheet_requisites(css: str, sheet_url: str) -> list[tuple[str, str]]:
    """(absolute URL, kind) of what a stylesheet references (one level: not followed)."""
    return _absolute([(u, "css") for u in css_urls(css)], sheet_url)


def _absolute(refs: list[tuple[str, str]], base: str) -> list[tuple[str, str]]:
    out: dict[str, str] = {}
    for ref, kind in refs:
        try:
            url = urljoin(base, ref.strip()).partition("#")[0]
            scheme = urlsplit(url).scheme.lower()
        except ValueError:
            continue
        if scheme in ("http", "https") and url not in out:
            out[url] = kind
    return list(out.items())


def _site(url: str) -> str:
    host = (host_of(url) or "").lower().rstrip(".")
    return host.removeprefix("www.")


def same_site(url: str, page_url: str) -> bool:
    """Whether ``url`` is on the page's site: the same host, one leading ``www.`` aside."""
    site = _site(url)
    return bool(site) and site == _site(page_url)
