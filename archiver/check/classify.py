"""Pure classification: one answer (or one transport failure) in, one :class:`Verdict` out.

No network here: :func:`classify_answer` judges the last answer of a redirect
walk by its status, headers, body and redirects, the same way for a live answer
(:mod:`.checker`) and an archived one (:mod:`archiver.verify.live`). The status
sets and markers are in :mod:`.rules`, with their sources. The soft-404 rules
take after InternetArchiveBot's checker (DeadlinkChecker src/CheckIfDead.php:724-746:
a redirect to a 404-looking URL or to the site's root); a bot challenge is
Cloudflare's ``cf-mitigated`` header ("Detect a Challenge Page response",
developers.cloudflare.com/cloudflare-challenges/challenge-types/challenge-pages/detect-response/)
or a vendor's challenge markup.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from archiver.check.rules import (
    BLOCKED_STATUSES,
    CHALLENGE_MARKERS_STRONG,
    CHALLENGE_MARKERS_WEAK,
    GONE_STATUSES,
    HOME_PATH_RE,
    LOGIN_PATH_RE,
    MARKER_WINDOW,
    NOT_FOUND_TITLE_RE,
    NOT_FOUND_URL_RE,
    PAYWALL_MARKUP_RE,
    PAYWALL_STATUSES,
    TRANSIENT_ERRORS,
    TRANSIENT_STATUSES,
)
from archiver.models import Hop, LinkClass
from archiver.urls import same_page

_TITLE_RE = re.compile(rb"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Verdict:
    """A class, and the sentence that says why."""

    link_class: LinkClass
    detail: str


def is_material_redirect(original: str, final: str) -> bool:
    """Whether ``final`` is a different page from ``original``
    (:func:`archiver.urls.same_page`).

    Not material: http to https, adding or dropping ``www.``, a trailing slash,
    the default port, the fragment, tracking parameters (``utm_*``), the order
    of query parameters, the spelling of percent-escapes.
    """
    return not same_page(original, final)


def is_home_page(url: str) -> bool:
    """Whether ``url`` is a site root or home page ("/", "/index.html", "/fr/")."""
    parts = urlsplit(url)
    return not parts.query and bool(HOME_PATH_RE.match(parts.path or "/"))


def page_title(body: bytes) -> str | None:
    """The text of the first ``<title>``, unescaped and with whitespace collapsed."""
    match = _TITLE_RE.search(body[:MARKER_WINDOW])
    if not match:
        return None
    text = html.unescape(match.group(1).decode("utf-8", errors="replace"))
    return " ".join(text.split()) or None


_ALL_MARKERS = (*CHALLENGE_MARKERS_STRONG, *CHALLENGE_MARKERS_WEAK)


def _any_marker(head: bytes) -> bool:
    """Whether ``head`` holds a challenge marker: one substring search per marker, about
    three times faster than one regular expression of them all (8 µs against 17 µs on
    a 1 kB page, 0.35 ms against 1.0 ms on 64 kB; the regex tries every marker at
    every byte)."""
    for marker in _ALL_MARKERS:  # noqa: SIM110 - any() over a generator takes twice as long
        if marker in head:
            return True
    return False


def challenge_marker(status: int, headers: Mapping[str, str], body: bytes) -> str | None:
    """Name the bot challenge a response shows, if any."""
    mitigated = headers.get("cf-mitigated")
    if mitigated:
        return f"cf-mitigated: {mitigated}"
    head = body[:MARKER_WINDOW].lower()
    if not _any_marker(head):
        return None
    for marker in CHALLENGE_MARKERS_STRONG:
        if marker in head:
            return marker.decode()
    if status >= 400:
        for marker in CHALLENGE_MARKERS_WEAK:
            if marker in head:
                return marker.decode()
    return None


def classify_error(kind: str, message: str) -> Verdict:
    """The class of a transport failure (``NetError.kind``)."""
    if kind == "dns":
        return Verdict(LinkClass.GONE, f"the host name does not exist ({message})")
    if kind == "tls":
        return Verdict(LinkClass.TLS_ERROR, message)
    if kind in ("private", "invalid"):
        return Verdict(LinkClass.INVALID, message)
    if kind in TRANSIENT_ERRORS:
        return Verdict(LinkClass.TRANSIENT, message)
    return Verdict(LinkClass.TRANSIENT, f"{kind}: {message}")


def classify_answer(
    url: str,
    final_url: str,
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    hops: Sequence[Hop] = (),
) -> Verdict:
    """The class of the last answer of a redirect walk (no network; no sibling probe).

    Parameters
    ----------
    url:
        The URL as the manifest gives it.
    final_url, status, headers, body:
        The answer that was not a redirect.
    hops:
        The redirects followed to get there.
    """
    challenge = challenge_marker(status, headers, body)
    if challenge:
        return Verdict(LinkClass.BLOCKED,
                       f"HTTP {status} with a bot challenge ({challenge}); inconclusive, "
                       "a person with a browser may still see the page")
    if status in PAYWALL_STATUSES:
        return Verdict(LinkClass.PAYWALLED, f"HTTP {status} Payment Required")
    if status in BLOCKED_STATUSES:
        return Verdict(LinkClass.BLOCKED,
                       f"HTTP {status}: the server refused us; inconclusive, never dead")
    if status in GONE_STATUSES:
        return Verdict(LinkClass.GONE, f"HTTP {status}" + (" Gone" if status == 410 else
                                                             " Not Found"))
    if status in TRANSIENT_STATUSES or 500 <= status <= 599:
        return Verdict(LinkClass.TRANSIENT, f"HTTP {status}: the server is busy or failing")
    if 400 <= status <= 499:
        return Verdict(LinkClass.GONE, f"HTTP {status}: the server will not serve this URL")
    if not 200 <= status <= 299:
        return Verdict(LinkClass.INVALID,
                       f"HTTP {status} is neither a page nor a redirect we can follow")

    redirected = bool(hops)
    # the final URL is read only when there was a redirect (most answers have none)
    final_parts = urlsplit(final_url) if redirected else None
    if final_parts is not None and LOGIN_PATH_RE.search(final_parts.path):
        return Verdict(LinkClass.PAYWALLED,
                       f"redirected to a login or subscription page: {final_url}")
    if PAYWALL_MARKUP_RE.search(body[:MARKER_WINDOW]):
        return Verdict(LinkClass.PAYWALLED,
                       'the page is marked "isAccessibleForFree": false (a paywall)')
    if redirected and is_home_page(final_url) and not is_home_page(url):
        return Verdict(LinkClass.SOFT404,
                       f"redirected to the site's home page ({final_url}): the page is gone")
    if final_parts is not None and is_material_redirect(url, final_url) and \
            NOT_FOUND_URL_RE.search(final_parts.path + "?" + final_parts.query):
        return Verdict(LinkClass.SOFT404, f"redirected to a 'not found' page: {final_url}")
    title = page_title(body)
    if title and NOT_FOUND_TITLE_RE.search(title):
        return Verdict(LinkClass.SOFT404, f"HTTP {status} but the title says {title!r}")
    if redirected and is_material_redirect(url, final_url):
        return Verdict(LinkClass.REDIRECTED, f"moved to {final_url}")
    return Verdict(LinkClass.OK, f"HTTP {status}")
