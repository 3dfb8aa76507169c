"""``net``: the one HTTP layer: deadlines, size caps, politeness, address guard, proxies.

Public API::

    from archiver.net import HostLimiter, HttpClient, walk_redirects

    with HttpClient(limiter=HostLimiter()) as client:
        response = client.get(url)        # one request, redirects not followed
        response.status, response.body    # or a NetError whose kind names the failure
        walk = walk_redirects(url, client.get)  # redirects followed by hand, hop by hop

Modules: :mod:`.limits` (every politeness and limit number), :mod:`.kinds`
(:class:`NetErrorKind`, the failure kinds), :mod:`.deadline` (the total-deadline
watchdog and the watched connections), :mod:`.guard` (the private-address
guard), :mod:`.proxy` (proxy settings and a proxy's own failures),
:mod:`.hosts` (per-host politeness, backoff, Retry-After), :mod:`.wire` (the
URL as sent, normalised once before the guard judges it), :mod:`.client`
(:class:`HttpClient` and :class:`HttpResponse`), :mod:`.redirects`
(:func:`walk_redirects`, the one redirect walker).
"""

from archiver.errors import NetErrorKind
from archiver.net.client import HttpClient, HttpResponse, SlowAnswer
from archiver.net.guard import (
    LOCAL_NAMES,
    TrustedPrefix,
    embedded_ipv4,
    is_public_address,
    literal_host_is_private,
    resolve_host,
)
from archiver.net.hosts import HostLimiter, backoff_delay, parse_retry_after
from archiver.net.limits import (
    CHUNK_SIZE,
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
    PROJECT_URL,
    RETRYABLE_STATUSES,
)
from archiver.net.proxy import (
    GATEWAY_STATUSES,
    PROXY_AUTH_HINT,
    PROXY_SCHEMES,
    PROXY_STATUS_ERRORS,
    SQUID_ERRORS,
    ProxyFailure,
    bypasses_proxy,
    parse_proxy_url,
    proxy_failure,
)
from archiver.net.redirects import (
    Answer,
    RedirectStop,
    RedirectWalk,
    Veto,
    resolve_location,
    walk_redirects,
)
from archiver.net.wire import WireUrl, wire_url

__all__ = [
    "CHUNK_SIZE", "DEFAULT_BACKOFF", "DEFAULT_CONCURRENCY", "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_DEADLINE", "DEFAULT_MAX_BYTES", "DEFAULT_PER_HOST_CONCURRENCY",
    "DEFAULT_PER_HOST_INTERVAL", "DEFAULT_RETRIES", "DEFAULT_USER_AGENT", "GATEWAY_STATUSES",
    "LOCAL_NAMES", "MAX_REDIRECTS", "MAX_RETRY_AFTER", "PROJECT_URL", "PROXY_AUTH_HINT",
    "PROXY_SCHEMES", "PROXY_STATUS_ERRORS", "RETRYABLE_STATUSES", "SQUID_ERRORS", "Answer",
    "HostLimiter", "HttpClient", "HttpResponse", "NetErrorKind", "ProxyFailure", "RedirectStop",
    "RedirectWalk", "SlowAnswer", "TrustedPrefix", "Veto", "WireUrl", "backoff_delay",
    "bypasses_proxy", "embedded_ipv4", "is_public_address", "literal_host_is_private",
    "parse_proxy_url", "parse_retry_after", "proxy_failure", "resolve_host", "resolve_location",
    "walk_redirects", "wire_url",
]
