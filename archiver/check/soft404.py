"""Soft 404s by comparison with a random sibling URL that cannot exist.

A site that answers "200 OK" for a missing page answers the same way for a URL
that cannot exist; ask it for one beside the page (:func:`sibling_url`) and
compare the two answers. The method is Bar-Yossef et al., "Sic Transit Gloria
Telae: Towards an Understanding of the Web's Decay" (WWW 2004), as
benhoyt/soft404 implements it (soft404.py, ``_is_dead``: a random sibling, the
same final redirect, or almost the same page). The threshold and the minimum
text are in :mod:`.rules`. The request itself is made by
:class:`archiver.check.checker.Checker`; this module only compares.

The rule, in order (:func:`compare_with_probe`):

1. the probe was not answered 2xx: nothing to learn;
2. both were redirected to the same final URL: a soft 404;
3. both answers are the same page (the same bytes, or the same words when
   there are at least ``SOFT404_MIN_WORDS`` of them): a soft 404 — a
   catch-all site serving its home page for every path — unless the page is a
   JavaScript application shell (:func:`is_app_shell`), whose script makes
   the page from the address: undecided;
4. pages with too little text are not compared;
5. otherwise the pages' words, less the words of both URLs (a "not found"
   page may echo the address it was asked for; the same words are left out of
   both pages), are compared: similar enough is a soft 404.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from archiver.check.classify import Verdict
from archiver.check.rules import (
    APP_SHELL_MAX_WORDS,
    SIMILARITY_MAX_BYTES,
    SOFT404_MIN_WORDS,
    SOFT404_SIMILARITY,
    URL_STOP_WORDS,
    URL_WORD_MIN_LETTERS,
)
from archiver.models import LinkClass
from archiver.urls import TRACKING_PARAM_RE

_DROP_RE = re.compile(rb"<(script|style|noscript)\b.*?</\1\s*>|<!--.*?-->",
                      re.IGNORECASE | re.DOTALL)
_TAG_RE = re.compile(rb"<[^>]+>")
_WORD_RE = re.compile(r"[^\W\d_]+")
_SCRIPT_RE = re.compile(rb"<script\b", re.IGNORECASE)


def page_text(body: bytes, *, drop: Iterable[str] = ()) -> list[str]:
    """The words of a page, for comparison: no markup, scripts, digits or ``drop`` words."""
    data = _DROP_RE.sub(b" ", body[:SIMILARITY_MAX_BYTES])
    data = _TAG_RE.sub(b" ", data)
    text = html.unescape(data.decode("utf-8", errors="replace")).lower()
    dropped = {d.lower() for d in drop}
    return [w for w in _WORD_RE.findall(text) if w not in dropped]


def text_similarity(a: Sequence[str], b: Sequence[str], n: int = 3) -> float:
    """Jaccard similarity of the word ``n``-grams of two texts (1.0: same text)."""
    if len(a) < n or len(b) < n:
        return 1.0 if list(a) == list(b) else 0.0
    grams_a = {tuple(a[i:i + n]) for i in range(len(a) - n + 1)}
    grams_b = {tuple(b[i:i + n]) for i in range(len(b) - n + 1)}
    return len(grams_a & grams_b) / len(grams_a | grams_b)


def url_words(url: str) -> set[str]:
    """Words of a URL's path and query: sites echo them into their "not found" pages.

    Only words of at least ``URL_WORD_MIN_LETTERS`` letters that are not
    ``URL_STOP_WORDS``: short and common words are on every page of a site.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return set()
    text = unquote(parts.path + " " + parts.query.replace("+", " ")).lower()
    return {w for w in _WORD_RE.findall(text)
            if len(w) >= URL_WORD_MIN_LETTERS and w not in URL_STOP_WORDS}


def is_app_shell(body: bytes) -> bool:
    """Whether a page is a JavaScript application shell (the test is in :mod:`.rules`).

    Fewer than ``APP_SHELL_MAX_WORDS`` words of visible text, and a ``<script>``
    element: the page is made by its script, from the address, in the browser.
    """
    head = body[:SIMILARITY_MAX_BYTES]
    return len(page_text(head)) < APP_SHELL_MAX_WORDS and _SCRIPT_RE.search(head) is not None


def sibling_url(url: str, token: str) -> tuple[str, tuple[object, ...]]:
    """A URL beside ``url`` that cannot exist, and the cache key of its pattern.

    ``/news/2014/article.html`` gives ``/news/2014/<token>.html``; a trailing
    slash is kept; a URL with a query keeps its path and gets ``token`` for
    every query value (``article.php?id=<token>``) — but tracking parameters
    (``utm_*``, ``xtor`` …, :data:`archiver.urls.TRACKING_PARAM_RE`) select no
    content: they are dropped, and a URL with only those is probed by its path,
    since a server that ignores them would serve the article for the probe too
    and the live article would look like a soft 404. The key ignores the digits
    of the folder, so ``/news/2014/09/03/`` and ``/news/2014/10/21/`` share one
    probe: a site answers missing pages by template, not by date.
    """
    parts = urlsplit(url)
    path = parts.path or "/"
    keys = [k for k, _ in parse_qsl(parts.query, keep_blank_values=True)
            if not TRACKING_PARAM_RE.match(k)]
    if keys:
        query = urlencode([(k, token) for k in keys])
        key: tuple[object, ...] = (parts.scheme, parts.netloc.lower(), _shape(path),
                                   tuple(keys))
        return urlunsplit((parts.scheme, parts.netloc, path, query, "")), key
    trailing = path.endswith("/") and path != "/"
    folder, _, last = path.rstrip("/").rpartition("/") if trailing else path.rpartition("/")
    ext_match = re.search(r"\.[A-Za-z0-9]{1,5}$", last)
    ext = ext_match.group(0) if ext_match else ""
    new_path = f"{folder}/{token}{ext}" + ("/" if trailing else "")
    key = (parts.scheme, parts.netloc.lower(), _shape(folder), ext, trailing)
    return urlunsplit((parts.scheme, parts.netloc, new_path, "", "")), key


def _shape(path: str) -> str:
    return re.sub(r"\d+", "0", path)


@dataclass(frozen=True)
class ProbeAnswer:
    """How a site answers a URL that cannot exist.

    ``words`` are the words of its page (:func:`page_text`), ``drop`` the words
    of the probe's URLs (:func:`url_words`), ``body_sha256`` the SHA-256 of its
    body (hex; None when unknown).
    """

    url: str
    status: int | None  # None: the probe failed at the network level
    final_url: str | None
    words: tuple[str, ...] = ()
    redirected: bool = False
    body_sha256: str | None = None
    drop: frozenset[str] = frozenset()

    @classmethod
    def from_response(cls, url: str, status: int, final_url: str, body: bytes, *,
                      redirected: bool) -> ProbeAnswer:
        """The probe's answer from the response to ``url`` (final URL ``final_url``)."""
        return cls(url, status, final_url, tuple(page_text(body)), redirected=redirected,
                   body_sha256=_sha256(body),
                   drop=frozenset(url_words(url) | url_words(final_url)))


def _sha256(body: bytes) -> str:
    return hashlib.sha256(body[:SIMILARITY_MAX_BYTES]).hexdigest()


def compare_with_probe(url: str, final_url: str, body: bytes, redirected: bool,
                       probe: ProbeAnswer) -> Verdict | None:
    """A soft-404 verdict when the page matches the site's answer for a missing URL."""
    if probe.status is None or not 200 <= probe.status <= 299:
        return None  # the site says "not found" properly: nothing to learn
    if redirected and probe.redirected and probe.final_url == final_url:
        return Verdict(LinkClass.SOFT404,
                       f"redirected to {final_url}, where this site also sends URLs that "
                       "cannot exist")
    words = page_text(body)
    same_bytes = probe.body_sha256 is not None and _sha256(body) == probe.body_sha256
    same_words = len(words) >= SOFT404_MIN_WORDS and tuple(words) == probe.words
    if same_bytes or same_words:
        if is_app_shell(body):
            return None  # one shell for every address: its script decides, not its markup
        how = "byte for byte" if same_bytes else "word for word"
        return Verdict(LinkClass.SOFT404,
                       f"the page matches this site's answer for a URL that cannot exist "
                       f"({probe.url}; similarity 1.00: the same page, {how})")
    drop = url_words(url) | url_words(final_url) | probe.drop
    words = [w for w in words if w not in drop]
    probe_words = [w for w in probe.words if w not in drop]
    if min(len(words), len(probe_words)) < SOFT404_MIN_WORDS:
        return None  # too little text to judge: an app shell, an empty page
    score = text_similarity(words, probe_words)
    if score >= SOFT404_SIMILARITY:
        return Verdict(LinkClass.SOFT404,
                       f"the page matches this site's answer for a URL that cannot exist "
                       f"({probe.url}; similarity {score:.2f})")
    return None
