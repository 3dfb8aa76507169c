"""``net``: the one HTTP layer: deadlines, size caps, politeness, address guard, proxies.

Everything lives in :mod:`.client` for now; this package root re-exports the
names other modules use.
"""

from archiver.net.client import (
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
    GATEWAY_STATUSES,
    LOCAL_NAMES,
    MAX_REDIRECTS,
    MAX_RETRY_AFTER,
    PROJECT_URL,
    PROXY_AUTH_HINT,
    PROXY_SCHEMES,
    PROXY_STATUS_ERRORS,
    RETRYABLE_STATUSES,
    SQUID_ERRORS,
    HostLimiter,
    HttpClient,
    HttpResponse,
    ProxyFailure,
    backoff_delay,
    bypasses_proxy,
    is_public_address,
    literal_host_is_private,
    parse_proxy_url,
    parse_retry_after,
    proxy_failure,
    resolve_host,
)

__all__ = [
    "CHUNK_SIZE", "DEFAULT_BACKOFF", "DEFAULT_CONCURRENCY", "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_DEADLINE", "DEFAULT_MAX_BYTES", "DEFAULT_PER_HOST_CONCURRENCY",
    "DEFAULT_PER_HOST_INTERVAL", "DEFAULT_RETRIES", "DEFAULT_USER_AGENT", "GATEWAY_STATUSES",
    "LOCAL_NAMES", "MAX_REDIRECTS", "MAX_RETRY_AFTER", "PROJECT_URL", "PROXY_AUTH_HINT",
    "PROXY_SCHEMES", "PROXY_STATUS_ERRORS", "RETRYABLE_STATUSES", "SQUID_ERRORS",
    "HostLimiter", "HttpClient", "HttpResponse", "ProxyFailure",
    "backoff_delay", "bypasses_proxy", "is_public_address", "literal_host_is_private",
    "parse_proxy_url", "parse_retry_after", "proxy_failure", "resolve_host",
]
