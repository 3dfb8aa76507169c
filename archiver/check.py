"""Live link health: one URL in, one classified :class:`~archiver.models.LinkResult` out.

A check is one GET with a streamed, size-capped body and a total deadline
(:class:`archiver.net.HttpClient` does that), redirects walked by hand so every
hop is recorded, then a *class* rather than a bare status code:

=============  ==============================================================
``ok``          2xx, no material redirect
``redirected``  2xx, but the final URL differs materially from the manifest's
``gone``        404, 410, the host name does not exist, a redirect loop
``soft404``     a "not found" answered with 200: a redirect to the site root or
                a 404-looking URL, a "not found" title, or a body that matches
                the site's answer for a random sibling URL that cannot exist
``blocked``     401, 403, 451, 999, WAF codes, bot challenges (``cf-mitigated``)
``paywalled``   402, a redirect to a login or subscribe page, paywall markup
``transient``   timeout, reset, refused, DNS server failure, 408/425/429, 5xx
``tls_error``   the TLS handshake or certificate failed
``invalid``     not checkable: refused private address, bad redirect target
=============  ==============================================================

Only ``transient`` results are retried. A failing link is a result, never an
exception. Concurrency lives in :mod:`archiver.pipeline`; this module checks one
URL at a time and is safe to call from several threads at once.
"""

from __future__ import annotations

import hashlib
import html
import logging
import math
import random
import re
import secrets
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from archiver.clock import NowFn, utc_now
from archiver.errors import ConfigError, NetError
from archiver.models import Hop, LinkClass, LinkResult, LinkState
from archiver.net import (
    DEFAULT_BACKOFF,
    DEFAULT_CONCURRENCY,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_DEADLINE,
    DEFAULT_MAX_BYTES,
    DEFAULT_PER_HOST_CONCURRENCY,
    DEFAULT_PER_HOST_INTERVAL,
    DEFAULT_RETRIES,
    DEFAULT_USER_AGENT,
    MAX_REDIRECTS,
    MAX_RETRY_AFTER,
    HostLimiter,
    HttpClient,
    HttpResponse,
    backoff_delay,
    parse_retry_after,
)

logger = logging.getLogger(__name__)

Clock = NowFn




# --------------------------------------------------------------------------
# Numbers and markers. One place for each, with where it comes from.
# --------------------------------------------------------------------------

#: A run is offline when more than this share of its distinct hosts failed at
#: the network level ("most hosts", issue #3; linkcheck.md §f.5 suggests 50 %).
OFFLINE_HOST_SHARE = 0.5
#: ... and at least this many distinct hosts were checked: with one host, "most
#: hosts" says nothing about the network (use a canary for one-host manifests).
OFFLINE_MIN_HOSTS = 2
#: Error kinds (see :meth:`archiver.net.HttpClient.get`) that mean "we could not
#: reach the host at all": DNS and connect failures. Timeouts are left out: a
#: slow server is a common, host-specific failure.
NETWORK_LEVEL_ERRORS = frozenset({"dns", "dns_failure", "refused", "unreachable",
                                  "connection", "proxy", "proxy_unreachable"})

#: On a 429 the host's gap between requests doubles, starting at least here.
#: lychee starts at 500 ms and doubles to 30 s; our default gap is already 1 s.
HOST_SLOWDOWN_FLOOR = 1.0
HOST_SLOWDOWN_CEILING = 30.0

#: A 200 page whose text is at least this similar to the site's answer for a URL
#: that cannot exist is a soft 404. Our choice: template pages of one site score
#: 0.95-1.0 against each other, real articles well under 0.8 against an error page.
SOFT404_SIMILARITY = 0.9
#: Pages with fewer words than this are not compared: a JavaScript app serves the
#: same near-empty shell for every URL, real or not.
SOFT404_MIN_WORDS = 20
#: Bodies are compared on their first bytes only (enough for any article page).
SIMILARITY_MAX_BYTES = 512 * 1024
#: The sibling probe asks for a path segment that cannot exist.
PROBE_PREFIX = "archiver-probe-"

# Statuses, by class. Anything else 4xx is "gone"; anything else 5xx "transient".
GONE_STATUSES = frozenset({404, 410})
PAYWALL_STATUSES = frozenset({402})
#: 401/403/451/999 per the issue (999 is LinkedIn's bot wall); 406/412/418/428
#: are what web application firewalls answer robots with, and 440/449 are the
#: login codes IABot treats as paywall signals (linkcheck.md §c): inconclusive.
BLOCKED_STATUSES = frozenset({401, 403, 451, 999, 406, 412, 418, 428, 440, 449})
TRANSIENT_STATUSES = frozenset({408, 425, 429})

TRANSIENT_ERRORS = frozenset({"timeout", "reset", "refused", "unreachable", "connection",
                              "proxy", "proxy_unreachable", "dns_failure"})

#: Bot-challenge markers, searched in the lower-cased start of a body.
#: Strong ones mean a challenge whatever the status; weak ones only on an error
#: status, because Cloudflare injects its challenge-platform script into
#: ordinary 200 pages too.
CHALLENGE_MARKERS_STRONG = (
    b"<title>just a moment...</title>",  # Cloudflare managed challenge
    b"cf_chl_opt",  # Cloudflare challenge options
    b"captcha-delivery.com",  # DataDome
    b"px-captcha",  # PerimeterX / HUMAN
)
CHALLENGE_MARKERS_WEAK = (
    b"/cdn-cgi/challenge-platform/",
    b"attention required! | cloudflare",
    b"cf-browser-verification",
    b"_incapsula_resource",  # Imperva
    b"sucuri website firewall",
    b"ddos-guard",
    b"captcha",
)
MARKER_WINDOW = 64 * 1024

#: schema.org markup for paywalled articles (Google's "subscription and
#: paywalled content" structured data).
PAYWALL_MARKUP_RE = re.compile(rb'"isaccessibleforfree"\s*:\s*"?false', re.IGNORECASE)
#: A redirect that lands here means "log in or pay first".
LOGIN_PATH_RE = re.compile(
    r"(?:^|/)(?:login|log-in|signin|sign-in|connexion|se-connecter|subscribe|subscription|"
    r"abonnement|abonnez-vous|paywall|register|inscription)(?:[/.?_-]|$)", re.IGNORECASE)
#: A redirect that lands on a 404-looking URL (IABot: "/404", "notfound").
NOT_FOUND_URL_RE = re.compile(
    r"(?:^|[/_.=-])(?:404|not[-_]?found|page[-_]?not[-_]?found|page[-_]?introuvable|"
    r"erreur[-_]?404|error[-_]?404|introuvable)(?:[/_.?&=-]|$)", re.IGNORECASE)
#: Site roots and home pages: "/", "/index.html", "/home", "/fr/", "/en-gb/".
HOME_PATH_RE = re.compile(
    r"^/?(?:(?:index|default|home|accueil|start)(?:\.[a-z]{2,5})?/?|[a-z]{2}(?:[-_][a-z]{2})?/?)?$",
    re.IGNORECASE)
#: "Not found" page titles. "introuvable" and "not found" alone would match real
#: headlines ("Une solution introuvable"), so they count only at the start of
#: the title or after a word such as "page".
NOT_FOUND_TITLE_RE = re.compile(
    r"\b(?:error|erreur|fehler|errore)?\s*404\b"
    r"|\b(?:page|article|contenu|content|document|fichier|file|resource|ressource|seite|"
    r"pagina|página|url)s?\s+(?:not\s+found|introuvable|non\s+trouv[ée]e?|inexistante?|"
    r"nicht\s+gefunden|no\s+encontrad[ao]|non\s+trovat[ao]|niet\s+gevonden|"
    r"does\s+not\s+exist|n['’]existe\s+(?:pas|plus))"
    r"|^\s*(?:not\s+found|introuvable|oops|oups)\b",
    re.IGNORECASE)
#: Query parameters that never make two URLs different pages.
TRACKING_PARAM_RE = re.compile(r"^(?:utm_\w+|fbclid|gclid|xtor|at_\w+)$", re.IGNORECASE)

_TITLE_RE = re.compile(rb"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_DROP_RE = re.compile(rb"<(script|style|noscript)\b.*?</\1\s*>|<!--.*?-->",
                      re.IGNORECASE | re.DOTALL)
_TAG_RE = re.compile(rb"<[^>]+>")
_WORD_RE = re.compile(r"[^\W\d_]+")


# --------------------------------------------------------------------------
# Options
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckOptions:
    """How to check links. Every default is the library's, the CLI uses the same.

    Parameters
    ----------
    deadline:
        Total seconds per request, covering connect, headers and body.
    per_host_concurrency, per_host_interval:
        At most this many requests in flight per host, starts this many
        seconds apart.
    concurrency:
        Requests in flight over all hosts.
    retries, backoff:
        Retries of ``transient`` results; the first waits about ``backoff`` s,
        each next one twice as long, with jitter.
    max_retry_after:
        ``Retry-After`` is honoured up to this; a longer wait gives up the URL.
    soft404_probe:
        Ask each site for a random sibling URL to recognise soft 404s (one
        extra request per host and folder, cached for the run).
    canary:
        A URL that must answer for the run to count (off by default).
    proxy:
        Send every request through this HTTP proxy (``--proxy``); by default
        HTTP_PROXY/HTTPS_PROXY/NO_PROXY apply. A proxy's own gateway errors
        are network-level failures, not the site's answers
        (:func:`archiver.net.proxy_failure`).
    """

    user_agent: str = DEFAULT_USER_AGENT
    deadline: float = DEFAULT_DEADLINE
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    max_bytes: int = DEFAULT_MAX_BYTES
    max_redirects: int = MAX_REDIRECTS
    concurrency: int = DEFAULT_CONCURRENCY
    per_host_concurrency: int = DEFAULT_PER_HOST_CONCURRENCY
    per_host_interval: float = DEFAULT_PER_HOST_INTERVAL
    retries: int = DEFAULT_RETRIES
    backoff: float = DEFAULT_BACKOFF
    max_retry_after: float = MAX_RETRY_AFTER
    slowdown_floor: float = HOST_SLOWDOWN_FLOOR
    allow_private: bool = False
    verify_tls: bool = True
    soft404_probe: bool = True
    canary: str | None = None
    offline_share: float = OFFLINE_HOST_SHARE
    offline_min_hosts: int = OFFLINE_MIN_HOSTS
    proxy: str | None = None

    def __post_init__(self) -> None:
        problems = []
        if self.deadline <= 0:
            problems.append("the request timeout must be positive")
        if self.max_bytes < 1:
            problems.append("the body size cap must be at least 1 byte")
        if self.max_redirects < 0:
            problems.append("the redirect limit must not be negative")
        if self.concurrency < 1 or self.per_host_concurrency < 1:
            problems.append("concurrency limits must be at least 1")
        if self.per_host_interval < 0 or self.backoff < 0 or self.retries < 0:
            problems.append("intervals, backoff and retries must not be negative")
        if not 0 <= self.offline_share < 1:
            problems.append("the offline host share must be in [0, 1)")
        if problems:
            raise ConfigError("invalid check options: " + "; ".join(problems))


# --------------------------------------------------------------------------
# Pure classification
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    link_class: LinkClass
    detail: str


def host_of(url: str) -> str:
    """The lower-cased host name of ``url`` ("" if it has none)."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _comparable(url: str) -> tuple[str, str, str, str]:
    """What is left of a URL once immaterial differences are removed."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    try:
        port = parts.port
    except ValueError:
        port = None
    port_text = "" if port in (None, 80, 443) else str(port)
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if not TRACKING_PARAM_RE.match(k)))
    return host, port_text, path, query


def is_material_redirect(original: str, final: str) -> bool:
    """Whether ``final`` is a different page from ``original``.

    Not material: http to https, adding or dropping ``www.``, a trailing slash,
    the default port, the fragment, tracking parameters (``utm_*``), the order
    of query parameters.
    """
    return _comparable(original) != _comparable(final)


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


def challenge_marker(status: int, headers: Mapping[str, str], body: bytes) -> str | None:
    """Name the bot challenge a response shows, if any."""
    mitigated = headers.get("cf-mitigated")
    if mitigated:
        return f"cf-mitigated: {mitigated}"
    head = body[:MARKER_WINDOW].lower()
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
    final_parts = urlsplit(final_url)
    if redirected and LOGIN_PATH_RE.search(final_parts.path):
        return Verdict(LinkClass.PAYWALLED,
                       f"redirected to a login or subscription page: {final_url}")
    if PAYWALL_MARKUP_RE.search(body[:MARKER_WINDOW]):
        return Verdict(LinkClass.PAYWALLED,
                       'the page is marked "isAccessibleForFree": false (a paywall)')
    if redirected and is_home_page(final_url) and not is_home_page(url):
        return Verdict(LinkClass.SOFT404,
                       f"redirected to the site's home page ({final_url}): the page is gone")
    if redirected and is_material_redirect(url, final_url) and NOT_FOUND_URL_RE.search(
            final_parts.path + "?" + final_parts.query):
        return Verdict(LinkClass.SOFT404, f"redirected to a 'not found' page: {final_url}")
    title = page_title(body)
    if title and NOT_FOUND_TITLE_RE.search(title):
        return Verdict(LinkClass.SOFT404, f"HTTP {status} but the title says {title!r}")
    if redirected and is_material_redirect(url, final_url):
        return Verdict(LinkClass.REDIRECTED, f"moved to {final_url}")
    return Verdict(LinkClass.OK, f"HTTP {status}")


# --------------------------------------------------------------------------
# Soft-404 by comparison with a random sibling URL
# --------------------------------------------------------------------------


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
    """Words of a URL's path and query: sites echo them into their "not found" pages."""
    parts = urlsplit(url)
    return set(_WORD_RE.findall((parts.path + " " + parts.query).lower()))


def sibling_url(url: str, token: str) -> tuple[str, tuple[object, ...]]:
    """A URL beside ``url`` that cannot exist, and the cache key of its pattern.

    ``/news/2014/article.html`` gives ``/news/2014/<token>.html``; a trailing
    slash is kept; a URL with a query keeps its path and gets ``token`` for
    every query value (``article.php?id=<token>``). The key ignores the digits
    of the folder, so ``/news/2014/09/03/`` and ``/news/2014/10/21/`` share one
    probe: a site answers missing pages by template, not by date.
    """
    parts = urlsplit(url)
    path = parts.path or "/"
    if parts.query:
        keys = [k for k, _ in parse_qsl(parts.query, keep_blank_values=True)]
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
    """How a site answers a URL that cannot exist."""

    url: str
    status: int | None  # None: the probe failed at the network level
    final_url: str | None
    words: tuple[str, ...] = ()
    redirected: bool = False


def compare_with_probe(url: str, final_url: str, body: bytes, redirected: bool,
                       probe: ProbeAnswer) -> Verdict | None:
    """A soft-404 verdict when the page matches the site's answer for a missing URL."""
    if probe.status is None or not 200 <= probe.status <= 299:
        return None  # the site says "not found" properly: nothing to learn
    if redirected and probe.redirected and probe.final_url == final_url:
        return Verdict(LinkClass.SOFT404,
                       f"redirected to {final_url}, where this site also sends URLs that "
                       "cannot exist")
    words = page_text(body, drop=url_words(url) | url_words(final_url))
    if min(len(words), len(probe.words)) < SOFT404_MIN_WORDS:
        return None  # too little text to judge: an app shell, an empty page
    score = text_similarity(words, probe.words)
    if score >= SOFT404_SIMILARITY:
        return Verdict(LinkClass.SOFT404,
                       f"the page matches this site's answer for a URL that cannot exist "
                       f"({probe.url}; similarity {score:.2f})")
    return None


# --------------------------------------------------------------------------
# Retries
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    """One try at a URL: the result plus what a retry decision needs."""

    result: LinkResult
    retry_after: float | None = None  # seconds the server asked for (uncapped)


def retry_delay(attempt: int, outcome: Attempt, options: CheckOptions,
                rng: random.Random | None = None) -> float | None:
    """Seconds to wait before trying again, or None to stop.

    Only ``transient`` results are retried, at most ``options.retries`` times,
    after the larger of the server's ``Retry-After`` and an exponential backoff
    with jitter. A ``Retry-After`` beyond ``options.max_retry_after`` gives up.

    Parameters
    ----------
    attempt:
        The number of the attempt that just ended (1 for the first).
    """
    if outcome.result.link_class is not LinkClass.TRANSIENT or attempt > options.retries:
        return None
    if outcome.retry_after is not None and outcome.retry_after > options.max_retry_after:
        return None
    delay = backoff_delay(attempt, options.backoff, rng=rng)
    if outcome.retry_after is not None:
        delay = max(delay, outcome.retry_after)
    return delay


# --------------------------------------------------------------------------
# Offline detection and fail policy
# --------------------------------------------------------------------------


def judge_offline(results: Iterable[LinkResult], *, share: float = OFFLINE_HOST_SHARE,
                  min_hosts: int = OFFLINE_MIN_HOSTS) -> str | None:
    """Why the run looks offline, or None.

    Offline when at least ``min_hosts`` distinct hosts were checked and more
    than ``share`` of them failed *every* check at the network level (DNS or
    connect: :data:`NETWORK_LEVEL_ERRORS`).
    """
    per_host: dict[str, bool] = {}
    for result in results:
        if result.link_class is LinkClass.INVALID and result.error in ("private", "invalid"):
            continue  # refused before any network use
        host = host_of(result.url)
        network_failed = result.error in NETWORK_LEVEL_ERRORS
        per_host[host] = per_host.get(host, True) and network_failed
    total = len(per_host)
    failed = sum(per_host.values())
    if total >= min_hosts and failed > share * total:
        return (f"{failed} of {total} hosts could not be reached at all (DNS or connection "
                "failures): this machine looks offline")
    return None


def void_results(results: Iterable[LinkResult], reason: str) -> tuple[LinkResult, ...]:
    """Mark an inconclusive run's results: every non-success becomes ``inconclusive``."""
    out = []
    for r in results:
        if r.link_class.is_success or r.link_class is LinkClass.INCONCLUSIVE:
            out.append(r)
            continue
        out.append(replace(r, link_class=LinkClass.INCONCLUSIVE, observed_class=r.link_class,
                           detail=f"run inconclusive ({reason}); observed {r.link_class}: "
                           f"{r.detail or r.error or ''}".rstrip(": ")))
    return tuple(out)


#: ``--fail-on`` words besides class and state names.
FAIL_ON_ANY = "any"
FAIL_ON_NEVER = "never"
FAIL_ON_STATES = (LinkState.FAILING, LinkState.DEAD)
FAIL_ON_CLASSES = tuple(c for c in LinkClass if c is not LinkClass.INCONCLUSIVE)
FAIL_ON_CHOICES = (tuple(str(c) for c in FAIL_ON_CLASSES) + tuple(str(s) for s in FAIL_ON_STATES)
                   + (FAIL_ON_ANY, FAIL_ON_NEVER))
#: The issue's default: links gone this run (soft 404s included) and links dead by history.
DEFAULT_FAIL_ON = ("gone", "dead")


@dataclass(frozen=True)
class FailPolicy:
    """Which results make a run fail (exit code 1).

    Words: a class name matches results of that class this run (``gone`` also
    matches ``soft404``); ``failing`` and ``dead`` match the history state;
    ``any`` matches every result that is not ``ok`` or ``redirected``; ``never``
    matches nothing.
    """

    classes: frozenset[LinkClass] = field(default_factory=frozenset)
    states: frozenset[LinkState] = field(default_factory=frozenset)
    words: tuple[str, ...] = ()

    @classmethod
    def parse(cls, values: Iterable[str]) -> FailPolicy:
        words: list[str] = []
        for value in values:
            words.extend(w.strip().lower() for w in value.split(",") if w.strip())
        if not words:
            words = list(DEFAULT_FAIL_ON)
        unknown = [w for w in words if w not in FAIL_ON_CHOICES]
        if unknown:
            raise ConfigError(f"--fail-on: unknown value {unknown[0]!r}",
                              hint="use a comma-separated list of: " + ", ".join(FAIL_ON_CHOICES))
        if FAIL_ON_NEVER in words and len(set(words)) > 1:
            raise ConfigError("--fail-on: 'never' cannot be combined with other values")
        classes: set[LinkClass] = set()
        states: set[LinkState] = set()
        for word in words:
            if word == FAIL_ON_ANY:
                classes.update(c for c in FAIL_ON_CLASSES if not c.is_success)
            elif word in {str(s) for s in FAIL_ON_STATES}:
                states.add(LinkState(word))
            elif word != FAIL_ON_NEVER:
                classes.add(LinkClass(word))
                if word == LinkClass.GONE:
                    classes.add(LinkClass.SOFT404)
        return cls(frozenset(classes), frozenset(states), tuple(dict.fromkeys(words)))

    def matches(self, result: LinkResult) -> bool:
        return result.link_class in self.classes or result.state in self.states

    def __str__(self) -> str:
        return ",".join(self.words) or FAIL_ON_NEVER


# --------------------------------------------------------------------------
# The checker: the network part
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Walk:
    hops: tuple[Hop, ...]
    final: HttpResponse | None = None
    error: NetError | None = None
    stop: Verdict | None = None  # a verdict reached while walking (loop, bad target)
    stop_kind: str | None = None
    elapsed: float = 0.0


class Checker:
    """Checks URLs one at a time; share one instance between threads.

    Parameters
    ----------
    options:
        Limits and switches.
    limiter:
        Per-host politeness shared with the scheduler (created if not given).
    client:
        The HTTP client (created from ``options`` if not given). Its own limiter
        is bypassed: the checker takes the host slot itself.
    clock:
        Gives ``checked_at`` (UTC). Tests pass a fake one.
    """

    def __init__(self, options: CheckOptions | None = None, *,
                 limiter: HostLimiter | None = None, client: HttpClient | None = None,
                 clock: Clock = utc_now) -> None:
        self.options = options or CheckOptions()
        opts = self.options
        self.limiter = limiter or HostLimiter(opts.per_host_concurrency, opts.per_host_interval)
        self._own_client = client is None
        self.client = client or HttpClient(
            user_agent=opts.user_agent, deadline=opts.deadline,
            connect_timeout=opts.connect_timeout, max_bytes=opts.max_bytes,
            allow_private=opts.allow_private, verify_tls=opts.verify_tls, proxy=opts.proxy)
        self.clock = clock
        self._probes: dict[tuple[object, ...], Future[ProbeAnswer]] = {}
        self._lock = threading.Lock()
        self._requests = 0

    def close(self) -> None:
        if self._own_client:
            self.client.close()

    def __enter__(self) -> Checker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def requests(self) -> int:
        """HTTP requests made so far (hops, retries and probes included)."""
        return self._requests

    # -- one request, one walk -------------------------------------------------

    def _request(self, url: str) -> tuple[HttpResponse | None, NetError | None, float]:
        host = host_of(url)
        with self.limiter.acquire(host):
            started = time.monotonic()
            with self._lock:
                self._requests += 1
            try:
                return self.client.get(url, polite=False), None, time.monotonic() - started
            except NetError as err:
                return None, err, time.monotonic() - started

    def _walk(self, url: str) -> _Walk:
        hops: list[Hop] = []
        visits: dict[str, int] = {url: 1}
        current = url
        elapsed = 0.0
        while True:
            resp, err, took = self._request(current)
            elapsed += took
            if err is not None or resp is None:
                return _Walk(tuple(hops), error=err, elapsed=elapsed)
            if not resp.is_redirect:
                return _Walk(tuple(hops), final=resp, elapsed=elapsed)
            location = resp.location or ""
            try:
                target = urljoin(current, location.strip())
                scheme = urlsplit(target).scheme.lower()
            except ValueError:
                target, scheme = location, ""
            hops.append(Hop(current, resp.status, target))
            if scheme not in ("http", "https") or not host_of(target):
                return _Walk(tuple(hops), final=resp, elapsed=elapsed, stop_kind="bad_redirect",
                             stop=Verdict(LinkClass.INVALID,
                                          f"HTTP {resp.status} redirects to {location!r}, "
                                          "which is not an http(s) URL we can follow"))
            visits[target] = visits.get(target, 0) + 1
            # A target seen twice already is a loop; a URL may come back once,
            # after a cookie was set on the way.
            if visits[target] > 2:
                return _Walk(tuple(hops), final=resp, elapsed=elapsed, stop_kind="redirect_loop",
                             stop=Verdict(LinkClass.GONE,
                                          f"redirect loop: {target} redirects back to itself "
                                          f"after {len(hops)} hops"))
            if len(hops) > self.options.max_redirects:
                return _Walk(tuple(hops), final=resp, elapsed=elapsed,
                             stop_kind="too_many_redirects",
                             stop=Verdict(LinkClass.GONE,
                                          f"more than {self.options.max_redirects} redirects"))
            current = target

    # -- soft-404 probe --------------------------------------------------------

    def _probe(self, final_url: str) -> ProbeAnswer:
        """The site's answer for a sibling URL that cannot exist; one per pattern per run."""
        probe_url, key = sibling_url(final_url, PROBE_PREFIX + secrets.token_hex(6))
        with self._lock:
            future = self._probes.get(key)
            owner = future is None
            if future is None:
                future = Future()
                self._probes[key] = future
        if not owner:
            return future.result()
        try:
            walk = self._walk(probe_url)
            if walk.final is None or walk.stop is not None:
                answer = ProbeAnswer(probe_url, None, None)
            else:
                final = walk.final
                answer = ProbeAnswer(
                    probe_url, final.status, final.url,
                    tuple(page_text(final.body, drop=url_words(probe_url) | url_words(final.url))),
                    redirected=bool(walk.hops))
        except BaseException as err:
            future.set_exception(err)
            raise
        future.set_result(answer)
        return answer

    # -- a check ---------------------------------------------------------------

    def attempt(self, source_id: str, url: str, attempt: int = 1) -> Attempt:
        """One try at ``url``: walk the redirects, classify, probe for soft 404s.

        Rate limits are applied to the host as a side effect: a 429 slows the
        whole host down, a ``Retry-After`` pauses it.
        """
        checked_at = self.clock()
        try:
            parts = urlsplit(url)
            valid = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
        except ValueError:
            valid = False
        if not valid:
            return Attempt(LinkResult(source_id, url, LinkClass.INVALID, error="invalid",
                                      detail="not an absolute http(s) URL",
                                      checked_at=checked_at, attempts=attempt))
        walk = self._walk(url)
        elapsed_ms = round(walk.elapsed * 1000)
        base = LinkResult(source_id, url, LinkClass.INVALID, redirects=walk.hops,
                          elapsed_ms=elapsed_ms, checked_at=checked_at, attempts=attempt)
        if walk.error is not None:
            message = walk.error.message
            if walk.error.hint:
                message += f" ({walk.error.hint})"
            verdict = classify_error(walk.error.kind, message)
            failed_url = walk.hops[-1].location if walk.hops else None
            return Attempt(replace(base, link_class=verdict.link_class, error=walk.error.kind,
                                   final_url=failed_url, detail=verdict.detail))
        final = walk.final
        assert final is not None
        evidence = replace(base, http_status=final.status, final_url=final.url,
                           body_size=len(final.body), body_truncated=final.truncated,
                           body_sha256=hashlib.sha256(final.body).hexdigest())
        if walk.stop is not None:
            return Attempt(replace(evidence, link_class=walk.stop.link_class,
                                   error=walk.stop_kind, detail=walk.stop.detail,
                                   final_url=walk.hops[-1].location if walk.hops else url))
        verdict = classify_answer(url, final.url, final.status, final.headers, final.body,
                                  walk.hops)
        if (verdict.link_class.is_success and self.options.soft404_probe
                and _looks_like_html(final) and not is_home_page(final.url)):
            probed = compare_with_probe(url, final.url, final.body, bool(walk.hops),
                                        self._probe(final.url))
            verdict = probed or verdict
        retry_after = self._note_rate_limits(final)
        return Attempt(replace(evidence, link_class=verdict.link_class, detail=verdict.detail),
                       retry_after=retry_after)

    def _note_rate_limits(self, final: HttpResponse) -> float | None:
        """Slow a host down on 429 and pause it on ``Retry-After``; return the wait asked."""
        if final.status not in TRANSIENT_STATUSES and final.status < 500:
            return None
        host = host_of(final.url)
        retry_after = parse_retry_after(final.headers.get("Retry-After"), cap=math.inf)
        if final.status == 429:
            self.limiter.slow_down(host, floor=self.options.slowdown_floor,
                                   ceiling=HOST_SLOWDOWN_CEILING)
            logger.info("429 from %s: the host's interval is now %.1f s", host,
                        self.limiter.interval_for(host))
        if retry_after is not None and retry_after <= self.options.max_retry_after:
            self.limiter.pause(host, retry_after)
        return retry_after

    def check(self, source_id: str, url: str) -> LinkResult:
        """Check ``url`` with retries, sleeping between them (for one-off use).

        :func:`archiver.pipeline.check_manifest` runs many checks concurrently
        without sleeping in a worker.
        """
        attempt = 1
        while True:
            outcome = self.attempt(source_id, url, attempt)
            delay = retry_delay(attempt, outcome, self.options)
            if delay is None:
                return final_result(outcome, self.options)
            logger.info("retrying %s in %.1f s (attempt %d failed: %s)", url, delay, attempt,
                        outcome.result.detail)
            time.sleep(delay)
            attempt += 1

    def canary(self, url: str) -> str | None:
        """Check the canary URL once; return why it failed, or None if it answered."""
        walk = self._walk(url)
        if walk.error is not None:
            return f"canary {url} failed: {walk.error.message}"
        if walk.stop is not None:
            return f"canary {url} failed: {walk.stop.detail}"
        if walk.final is None or walk.final.status >= 400:
            status = walk.final.status if walk.final is not None else "no answer"
            return f"canary {url} answered HTTP {status}"
        return None


def _looks_like_html(resp: HttpResponse) -> bool:
    ctype = resp.headers.get("Content-Type", "").lower()
    if "html" in ctype:
        return True
    return not ctype and resp.body[:512].lstrip().lower().startswith((b"<!doctype html", b"<html"))


def final_result(outcome: Attempt, options: CheckOptions) -> LinkResult:
    """The result of a URL's last attempt, noting why a transient one was not retried."""
    result = outcome.result
    if result.link_class is not LinkClass.TRANSIENT:
        return result
    if outcome.retry_after is not None and outcome.retry_after > options.max_retry_after:
        note = (f"; the server asked us to wait {outcome.retry_after:.0f} s, more than the "
                f"{options.max_retry_after:.0f} s we wait")
    elif result.attempts > 1:
        note = f"; gave up after {result.attempts} attempts"
    else:
        note = ""
    return replace(result, detail=(result.detail or "") + note)

