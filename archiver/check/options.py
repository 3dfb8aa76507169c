"""How to check links: :class:`CheckOptions`, every limit and switch in one value.

The defaults are the library's and the CLI's alike; the network ones come from
:mod:`archiver.net`, the check's own from :mod:`.rules`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from archiver.check.rules import HOST_SLOWDOWN_FLOOR, OFFLINE_HOST_SHARE, OFFLINE_MIN_HOSTS
from archiver.config import compile_patterns
from archiver.errors import ConfigError
from archiver.models import HostSettings
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
)
from archiver.urls import host_key


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
    #: URL patterns (Python regular expressions, searched anywhere in the URL). A URL
    #: matching ``include`` is checked; else one matching ``exclude`` is not (listed
    #: as ``ignored``); given ``include`` but no ``exclude``, only included URLs are
    #: checked. The same precedence as lychee's ``--include``/``--exclude``.
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    #: Status codes counted as alive whatever the classifier would say (``--accept``;
    #: e.g. a site known to answer 403 to every robot).
    accept: frozenset[int] = frozenset()
    #: Per-host overrides (``[hosts."NAME"]`` in archiver.toml).
    hosts: tuple[HostSettings, ...] = ()
    _include: tuple[re.Pattern[str], ...] = field(default=(), init=False, repr=False,
                                                  compare=False)
    _exclude: tuple[re.Pattern[str], ...] = field(default=(), init=False, repr=False,
                                                  compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_include", compile_patterns(self.include, "include"))
        object.__setattr__(self, "_exclude", compile_patterns(self.exclude, "exclude"))
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

    def excluded_by(self, url: str) -> str | None:
        """Why ``url`` is not to be checked (the pattern that excludes it), or None."""
        include, exclude = self._include, self._exclude
        if any(p.search(url) for p in include):
            return None
        for pattern in exclude:
            if pattern.search(url):
                return f"excluded by the pattern {pattern.pattern!r}"
        if include and not exclude:
            return "matches no include pattern"
        return None

    def host_settings(self, host: str) -> HostSettings | None:
        """The overrides for ``host``, if any."""
        key = host_key(host)
        for item in self.hosts:
            if host_key(item.host) == key:
                return item
        return None

    def host_limits(self) -> dict[str, tuple[int | None, float | None]]:
        """(concurrency, interval) overrides per host, for :class:`~archiver.net.HostLimiter`."""
        return {host_key(h.host): (h.concurrency, h.interval) for h in self.hosts
                if h.concurrency is not None or h.interval is not None}
