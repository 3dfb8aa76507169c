"""The one HTTP layer: session, total deadlines, size caps, politeness, address guard, proxies.

Every request archiver makes goes through :class:`HttpClient`. It makes one
request at a time per call (redirects are *not* followed: callers walk them by
hand so every hop is recorded) and returns an :class:`HttpResponse` or raises a
:class:`~archiver.errors.NetError` whose ``kind`` names the failure.

Politeness is data: the numbers below are the defaults, each with where it
comes from. Stages may pass their own limits.

Proxies (the HTTP_PROXY family, or ``--proxy``) are honoured; a proxy's own
failures are told from the site's answers by :func:`proxy_failure` (the rule
and its limits are written above it).
"""

from __future__ import annotations

import email.utils
import errno
import heapq
import ipaddress
import itertools
import logging
import os
import random
import re
import socket
import ssl
import threading
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from archiver import __version__
from archiver.errors import ConfigError, DeadlineExceeded, NetError, PrivateAddressError

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------
# Politeness and limits. One place for every number.
# --------------------------------------------------------------------------

#: Honest, stable User-Agent with a contact URL, like LinkChecker's "compatible;"
#: form. A frozen browser UA causes as many 403s as it avoids (linkcheck.md §b.3).
PROJECT_URL = "https://github.com/archiver-project/archiver"
DEFAULT_USER_AGENT = f"archiver/{__version__} (+{PROJECT_URL}; link and quote preservation)"

#: Total deadline per request, covering connect, headers and body. lychee uses
#: 20 s, CheckIfDead 30 s (HEAD) / 60 s (GET); the issue asks for 30 s.
DEFAULT_DEADLINE = 30.0
#: Connect timeout inside the deadline.
DEFAULT_CONNECT_TIMEOUT = 10.0
#: Body cap. The body is needed for soft-404 detection; 5 MB holds any article page.
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
#: Redirect hops followed by hand (lychee and LinkChecker: 10).
MAX_REDIRECTS = 10
#: Per-host politeness: requests in flight and the gap between request starts.
#: IABot waits 1 s between requests to one site (linkcheck.md, feature table).
DEFAULT_PER_HOST_CONCURRENCY = 2
DEFAULT_PER_HOST_INTERVAL = 1.0
#: Hosts in parallel overall (requests in flight across all hosts).
DEFAULT_CONCURRENCY = 16
#: Statuses worth retrying (lychee retry.rs: timeouts, 408, 429, 5xx).
RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
#: Retries for transient failures, exponential backoff from 1 s with jitter.
DEFAULT_RETRIES = 3
DEFAULT_BACKOFF = 1.0
#: Retry-After is honoured up to this many seconds (lychee caps at 60 s).
MAX_RETRY_AFTER = 120.0

CHUNK_SIZE = 64 * 1024


# --------------------------------------------------------------------------
# Responses
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class HttpResponse:
    """One HTTP response, with its body read (up to the cap)."""

    url: str
    status: int
    reason: str
    headers: CaseInsensitiveDict[str]
    header_list: tuple[tuple[str, str], ...]  # as sent, in order, duplicates kept
    body: bytes
    truncated: bool  # True if the body was cut at the size cap
    elapsed: float  # seconds
    http_version: str = "HTTP/1.1"
    request_headers: tuple[tuple[str, str], ...] = ()
    peer: str | None = None  # the IP address we talked to, when known

    @property
    def location(self) -> str | None:
        return self.headers.get("Location")

    @property
    def is_redirect(self) -> bool:
        return self.status in (301, 302, 303, 307, 308) and bool(self.location)


# --------------------------------------------------------------------------
# The deadline watchdog.
#
# requests has only per-socket-operation timeouts: a server that sends one byte
# a second never trips them. A shared deadline thread shuts the socket down when
# the total deadline passes, which unblocks any read in progress. Our connection classes
# register their socket with the watchdog of the current thread's request.
# --------------------------------------------------------------------------

_local = threading.local()


class _Watchdog:
    def __init__(self, seconds: float) -> None:
        self.fired = False
        self.cancelled = False
        self._seconds = max(seconds, 0.0)
        self._socks: list[Any] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        _DEADLINES.schedule(self, time.monotonic() + self._seconds)

    def add(self, sock: Any) -> None:
        if sock is None:
            return
        with self._lock:
            if self.fired:
                _shutdown(sock)
            else:
                self._socks.append(sock)

    def _fire(self) -> None:
        with self._lock:
            if self.cancelled:
                return
            self.fired = True
            for sock in self._socks:
                _shutdown(sock)

    def cancel(self) -> None:
        """After this returns the watchdog never fires (its sockets may be reused)."""
        with self._lock:
            self.cancelled = True


class _DeadlineThread:
    """One thread fires every pending request deadline.

    A ``threading.Timer`` per request costs a thread start and two context
    switches, about a quarter of a request's CPU time on a fast server.
    Cancelled deadlines stay in the heap until they come due, then are dropped.
    """

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, _Watchdog]] = []
        self._cond = threading.Condition()
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None

    def schedule(self, watchdog: _Watchdog, at: float) -> None:
        with self._cond:
            heapq.heappush(self._heap, (at, next(self._seq), watchdog))
            if self._thread is None or not self._thread.is_alive():  # first use, or forked
                self._thread = threading.Thread(target=self._run, name="archiver-deadlines",
                                                daemon=True)
                self._thread.start()
            if self._heap[0][2] is watchdog:
                self._cond.notify()

    def _run(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                while self._heap and (self._heap[0][0] <= now or self._heap[0][2].cancelled):
                    _, _, watchdog = heapq.heappop(self._heap)
                    if not watchdog.cancelled:
                        watchdog._fire()
                self._cond.wait(self._heap[0][0] - now if self._heap else None)


_DEADLINES = _DeadlineThread()


def _shutdown(sock: Any) -> None:
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _register_sock(sock: Any) -> None:
    watchdog: _Watchdog | None = getattr(_local, "watchdog", None)
    if watchdog is not None:
        watchdog.add(sock)


def _check_peer(sock: Any) -> None:
    """Refuse a connection whose peer is private, when this request must not reach one.

    ``HttpClient.check_address`` judges the addresses a name resolves to *before*
    the request; the name is resolved again when the connection is made, and a
    hostile DNS server can answer differently the second time (DNS rebinding).
    Checking the address actually connected to closes that gap. It runs on the
    bare TCP socket, before any TLS handshake or HTTP byte is sent.
    """
    guard: str | None = getattr(_local, "peer_guard", None)
    if guard is None or sock is None:
        return
    try:
        ip = str(sock.getpeername()[0])
    except (OSError, IndexError):
        return
    if not is_public_address(ip):
        with suppress(OSError):
            sock.close()
        raise PrivateAddressError(
            f"refusing to fetch {guard}: the connection went to {ip}, a loopback or "
            "private address (the host name resolved differently when connecting)",
            url=guard, kind="private",
            hint="pass --allow-private to permit loopback and private networks")


class _WatchedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> Any:
        sock = super()._new_conn()
        _check_peer(sock)
        return sock

    def connect(self) -> None:
        super().connect()
        _register_sock(self.sock)

    def getresponse(self) -> Any:
        _check_peer(self.sock)
        _register_sock(self.sock)
        return super().getresponse()


class _WatchedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> Any:
        sock = super()._new_conn()
        _check_peer(sock)
        return sock

    def connect(self) -> None:
        super().connect()
        _register_sock(self.sock)

    def getresponse(self) -> Any:
        _check_peer(self.sock)
        _register_sock(self.sock)
        return super().getresponse()


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _WatchedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _WatchedHTTPPool, "https": _WatchedHTTPSPool,
        }
        self.poolmanager.key_fn_by_scheme = dict(self.poolmanager.key_fn_by_scheme)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        # Requests through a proxy use a ProxyManager of their own: without our
        # pool classes there, the total deadline would not cover them.
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}
        return manager


# --------------------------------------------------------------------------
# Private-address guard
# --------------------------------------------------------------------------


def is_public_address(ip: str) -> bool:
    addr = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return addr.is_global and not addr.is_multicast


#: Names that mean this machine whatever DNS says (RFC 6761 reserves
#: ``localhost`` and its subdomains; the others are common /etc/hosts entries).
LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "localhost6",
                         "localhost6.localdomain6", "ip6-localhost", "ip6-loopback"})
_LEGACY_IPV4_RE = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+)){0,3}")


def literal_host_is_private(host: str) -> bool:
    """Judge a host name without resolving it (IP literals, localhost and the like).

    Used when names are resolved elsewhere (at a proxy), so it also reads the
    legacy IPv4 spellings that resolvers, curl and browsers still accept and
    that ``ipaddress`` does not: ``127.1``, ``0x7f000001``, ``2130706433``,
    ``0177.0.0.1``. A *name* that resolves to a private address (say
    ``127.0.0.1.nip.io``) cannot be seen without resolving it: a proxy's own
    policy has to refuse those.
    """
    host = host.strip("[]").lower().rstrip(".")
    if host in LOCAL_NAMES or host.endswith(".localhost"):
        return True
    try:
        return not is_public_address(host)
    except ValueError:
        pass
    if _LEGACY_IPV4_RE.fullmatch(host):
        try:
            packed = socket.inet_aton(host)
        except OSError:
            return False
        return not is_public_address(socket.inet_ntoa(packed))
    return False


#: getaddrinfo answers meaning "no such name" (an answer), as opposed to a DNS
#: server failure or no network (EAI_AGAIN, EAI_FAIL: no answer at all).
_NXDOMAIN_ERRNOS = frozenset({socket.EAI_NONAME, getattr(socket, "EAI_NODATA", -5)})


def resolve_host(host: str, port: int, url: str) -> list[str]:
    """Resolve ``host``; raise NetError kind ``dns`` (no such name) or ``dns_failure``."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as err:
        if err.errno in _NXDOMAIN_ERRNOS:
            raise NetError(f"host name {host!r} does not exist", url=url, kind="dns",
                           cause=err) from err
        raise NetError(f"DNS lookup of {host!r} failed: {err.strerror}", url=url,
                       kind="dns_failure", cause=err) from err
    except UnicodeError as err:
        raise NetError(f"host name {host!r} is not valid", url=url, kind="invalid",
                       cause=err) from err
    return sorted({str(info[4][0]) for info in infos})


# --------------------------------------------------------------------------
# Proxies
#
# archiver honours HTTP_PROXY / HTTPS_PROXY / ALL_PROXY / NO_PROXY (either
# case) as curl and requests do, or an explicit proxy (``--proxy URL``), which
# replaces the proxy variables; NO_PROXY applies to both, as in curl. The proxy
# is the user's own choice: it is trusted even on loopback, and the
# private-address guard then judges only a URL's literal host, since names are
# resolved at the proxy.
#
# When a proxy cannot reach a site it answers for it, with a status of its
# own, and that answer must not be read as the site's. Which answers are the
# proxy's own (:func:`proxy_failure`):
#
# - a failed CONNECT (https through the proxy): the tunnel never reached the
#   site, whatever the status (requests raises ProxyError: kind ``proxy``);
# - an answer whose *last* ``Proxy-Status`` member (RFC 9209: the proxy
#   nearest us, ours) has an ``error`` parameter: mapped to our error kinds
#   (``dns_error`` with ``rcode="NXDOMAIN"`` is ``dns``, a name that does not
#   exist; ``connection_refused`` is ``refused`` ...). A member with
#   ``received-status`` and no error says the next hop answered: the status is
#   the site's, even a 502;
# - an answer carrying Squid's ``X-Squid-Error`` (only Squid's own error pages
#   have it): ERR_DNS_FAIL is ``dns_failure`` (Squid says the same for "no such
#   name" and "no answer"), ERR_CONNECT_FAIL ``connection`` ...;
# - 407 Proxy Authentication Required: the proxy wants credentials;
# - failing all of that, a bare 502 or 504 (the gateway statuses: "no valid /
#   timely answer from upstream"): taken as the proxy's own.
#
# Limits, honestly: the last rule misreads a site's own 502/504 (its CDN or
# reverse proxy failing) relayed by a proxy that sends no Proxy-Status. Both
# readings are transient, so no link is judged dead either way; only the
# offline judgement counts that host as unreachable, and it needs most hosts
# to fail. Without Proxy-Status a proxy's "no such host" cannot be told from
# "DNS down", so a dead domain behind such a proxy is transient, not gone.
# Inside a CONNECT tunnel every answer is end-to-end: a TLS-inspecting proxy's
# own errors there look like the site's.
# --------------------------------------------------------------------------

#: Proxy URL schemes: HTTP forward proxies (https targets through CONNECT), or a
#: proxy reached over TLS. SOCKS would need PySocks.
PROXY_SCHEMES = ("http", "https")
#: The answers a bare proxy gives when it cannot get one from upstream.
GATEWAY_STATUSES = frozenset({502, 504})
#: RFC 9209 §2.3 error types, as our :class:`NetError` kinds. Unlisted: ``proxy``.
PROXY_STATUS_ERRORS = {
    "dns_timeout": "dns_failure",
    "dns_error": "dns_failure",  # "dns" when rcode="NXDOMAIN"
    "destination_unavailable": "unreachable",
    "destination_ip_unroutable": "unreachable",
    "connection_refused": "refused",
    "connection_terminated": "reset",
    "connection_timeout": "timeout",
    "connection_read_timeout": "timeout",
    "connection_write_timeout": "timeout",
    "http_response_timeout": "timeout",
    "http_response_incomplete": "reset",
    "tls_protocol_error": "tls",
    "tls_certificate_error": "tls",
    "tls_alert_received": "tls",
}
#: Squid's error page names (``X-Squid-Error: ERR_DNS_FAIL 0``), as kinds.
SQUID_ERRORS = {
    "ERR_DNS_FAIL": "dns_failure",
    "ERR_CONNECT_FAIL": "connection",
    "ERR_READ_TIMEOUT": "timeout",
    "ERR_LIFETIME_EXP": "timeout",
    "ERR_READ_ERROR": "reset",
    "ERR_ZERO_SIZE_OBJECT": "reset",
}


def parse_proxy_url(value: str) -> str:
    """A proxy URL as the user gave it, checked; ``host:port`` means ``http://host:port``.

    Raises :class:`~archiver.errors.ConfigError` for anything else.
    """
    text = value.strip()
    if "://" not in text:
        text = "http://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as err:
        raise ConfigError(f"proxy URL {value!r} is not valid: {err}",
                          hint="give it as http://HOST:PORT") from err
    if parts.scheme.lower() not in PROXY_SCHEMES or not parts.hostname:
        raise ConfigError(f"proxy URL {value!r} is not an http:// or https:// URL with a host",
                          hint="give it as http://HOST:PORT (SOCKS proxies are not supported)")
    if parts.path not in ("", "/") or parts.query or parts.fragment or port == 0:
        raise ConfigError(f"proxy URL {value!r} should be just a scheme, host and port",
                          hint="give it as http://HOST:PORT")
    return text


def _no_proxy_entries(value: str | None) -> tuple[str, ...]:
    return tuple(e.strip().lower() for e in (value or "").replace(" ", ",").split(",")
                 if e.strip())


def bypasses_proxy(url: str, no_proxy: tuple[str, ...]) -> bool:
    """Whether ``url`` goes direct under a NO_PROXY list (curl's and requests' reading).

    ``*`` matches everything; a name matches itself and its subdomains (a
    leading dot is optional); an IP address or CIDR block matches IP-literal
    hosts; ``host:port`` matches only that port.
    """
    if not no_proxy:
        return False
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        port = None
    try:
        ip: ipaddress.IPv4Address | ipaddress.IPv6Address | None = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    for entry in no_proxy:
        if entry == "*":
            return True
        name, want_port = entry, None
        if entry.count(":") == 1 or (entry.startswith("[") and "]:" in entry):
            name, _, port_text = entry.rpartition(":")
            if port_text.isdigit():
                want_port = int(port_text)
            else:
                name = entry
        if want_port is not None and want_port != port:
            continue
        name = name.strip("[]").rstrip(".")
        if ip is not None:
            try:
                if ip in ipaddress.ip_network(name, strict=False):
                    return True
            except ValueError:
                pass
            continue
        name = name.lstrip(".")
        if name and (host == name or host.endswith("." + name)):
            return True
    return False


def _proxy_status_members(value: str) -> list[tuple[str, dict[str, str]]]:
    """The members of a ``Proxy-Status`` header (an RFC 8941 list), leniently parsed."""
    members: list[tuple[str, dict[str, str]]] = []
    for member in _split_outside_quotes(value, ","):
        pieces = _split_outside_quotes(member, ";")
        if not pieces or not pieces[0].strip():
            continue
        params: dict[str, str] = {}
        for piece in pieces[1:]:
            key, _, val = piece.strip().partition("=")
            val = val.strip()
            if len(val) >= 2 and val[0] == val[-1] == '"':
                val = val[1:-1].replace('\\"', '"').replace("\\\\", "\\")
            params[key.strip().lower()] = val
        members.append((pieces[0].strip().strip('"'), params))
    return members


def _split_outside_quotes(text: str, sep: str) -> list[str]:
    out: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for ch in text:
        if escaped:
            escaped = False
        elif ch == "\\" and quoted:
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == sep and not quoted:
            out.append("".join(current))
            current = []
            continue
        current.append(ch)
    out.append("".join(current))
    return out


@dataclass(frozen=True)
class ProxyFailure:
    """A proxy's own answer for a site it could not reach (see the rule above)."""

    kind: str  # a NetError kind: dns, dns_failure, refused, timeout, proxy ...
    reason: str  # what the proxy said, for people


def proxy_failure(status: int, headers: Mapping[str, str]) -> ProxyFailure | None:
    """Whether an answer received through a proxy is the proxy's own failure.

    ``headers`` must be case-insensitive (requests' are). The rule and its
    limits are described at the top of this section.
    """
    if status == 407:
        return ProxyFailure("proxy", "HTTP 407: the proxy requires authentication")
    proxy_status = headers.get("Proxy-Status")
    if proxy_status:
        members = _proxy_status_members(proxy_status)
        if members:
            name, params = members[-1]
            error = params.get("error")
            if error:
                kind = PROXY_STATUS_ERRORS.get(error.lower(), "proxy")
                if error.lower() == "dns_error" and params.get("rcode", "").upper() == "NXDOMAIN":
                    kind = "dns"
                details = ", ".join(f"{k}={v}" for k, v in params.items())
                return ProxyFailure(kind, f"HTTP {status} from proxy {name} ({details})")
            if "received-status" in params:
                return None  # the next hop answered: the status is the site's
    squid = headers.get("X-Squid-Error")
    if squid:
        code = squid.split()[0].upper() if squid.split() else ""
        return ProxyFailure(SQUID_ERRORS.get(code, "proxy"),
                            f"HTTP {status} from the proxy (X-Squid-Error: {squid.strip()})")
    if status in GATEWAY_STATUSES:
        return ProxyFailure("proxy", f"HTTP {status} from the proxy: it got no (timely) "
                            "answer from the site")
    return None


# --------------------------------------------------------------------------
# Per-host politeness
# --------------------------------------------------------------------------


@dataclass
class _HostSlot:
    semaphore: threading.BoundedSemaphore
    next_start: float = 0.0
    interval: float = DEFAULT_PER_HOST_INTERVAL
    lock: threading.Lock = field(default_factory=threading.Lock)


class HostLimiter:
    """At most ``concurrency`` requests in flight per host, ``interval`` s apart.

    Thread-safe; one instance is shared by all workers of a run. ``slow_down``
    widens a host's gap (used on 429) and ``pause`` holds every request to the
    host until a moment has passed (Retry-After).
    """

    def __init__(self, concurrency: int = DEFAULT_PER_HOST_CONCURRENCY,
                 interval: float = DEFAULT_PER_HOST_INTERVAL) -> None:
        if concurrency < 1:
            raise ValueError("per-host concurrency must be at least 1")
        if interval < 0:
            raise ValueError("per-host interval must not be negative")
        self.concurrency = concurrency
        self.interval = interval
        self._slots: dict[str, _HostSlot] = {}
        self._lock = threading.Lock()

    def _slot(self, host: str) -> _HostSlot:
        with self._lock:
            slot = self._slots.get(host)
            if slot is None:
                slot = _HostSlot(threading.BoundedSemaphore(self.concurrency),
                                 interval=self.interval)
                self._slots[host] = slot
            return slot

    @contextmanager
    def acquire(self, host: str) -> Iterator[None]:
        slot = self._slot(host.lower())
        with slot.semaphore:
            with slot.lock:
                now = time.monotonic()
                start = max(now, slot.next_start)
                slot.next_start = start + slot.interval
            if start > now:
                time.sleep(start - now)
            yield

    def slow_down(self, host: str, factor: float = 2.0, ceiling: float = 30.0,
                  floor: float = 1.0) -> None:
        """Widen the host's gap: ``factor`` times, at least ``floor``, at most ``ceiling`` s."""
        slot = self._slot(host.lower())
        with slot.lock:
            slot.interval = min(max(slot.interval * factor, floor), ceiling)

    def pause(self, host: str, seconds: float) -> None:
        slot = self._slot(host.lower())
        with slot.lock:
            slot.next_start = max(slot.next_start, time.monotonic() + seconds)

    def interval_for(self, host: str) -> float:
        return self._slot(host.lower()).interval

    def next_start(self, host: str) -> float:
        """The ``time.monotonic()`` moment from which a new request to ``host`` may start.

        A peek for schedulers: it reserves nothing (``acquire`` does). In-flight
        limits are not reflected; the caller counts its own requests.
        """
        slot = self._slot(host.lower())
        with slot.lock:
            return slot.next_start


def backoff_delay(attempt: int, base: float = DEFAULT_BACKOFF,
                  rng: random.Random | None = None) -> float:
    """Exponential backoff with full jitter on the upper half: attempt 1 -> [0.5, 1] x base."""
    r = (rng or random).random()
    ceiling = base * (2 ** (attempt - 1))
    return float(ceiling * (0.5 + 0.5 * r))


def parse_retry_after(value: str | None, now: datetime | None = None,
                      cap: float = MAX_RETRY_AFTER) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or HTTP date), capped."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), cap)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return min(max((when - now).total_seconds(), 0.0), cap)


# --------------------------------------------------------------------------
# The client
# --------------------------------------------------------------------------


#: How http.client reports a refused CONNECT: "Tunnel connection failed: 502 Bad Gateway".
_TUNNEL_RE = re.compile(r"Tunnel connection failed: (\d{3})\b([^'\"()]*)")
PROXY_AUTH_HINT = ("the proxy wants credentials: give them in the proxy URL, "
                   "http://USER:PASSWORD@HOST:PORT")


def _classify_exception(err: BaseException) -> tuple[str, str]:
    """Map a transport exception to (kind, human message)."""
    text = str(err)
    chain: list[BaseException] = []
    cur: BaseException | None = err
    while cur is not None and len(chain) < 10:
        chain.append(cur)
        cur = cur.__cause__ or cur.__context__
    for exc in chain:
        if isinstance(exc, ssl.SSLError | ssl.CertificateError) or "SSL" in type(exc).__name__:
            return "tls", f"TLS error: {exc}"
    if isinstance(err, requests.exceptions.SSLError):
        return "tls", f"TLS error: {text}"
    if isinstance(err, requests.exceptions.ProxyError):
        # Either the proxy cannot be reached, or it refused to open a tunnel
        # (CONNECT) to the site: in both cases the site was never reached.
        for exc in chain:
            match = _TUNNEL_RE.search(str(exc))
            if match:
                return "proxy", (f"the proxy could not open a tunnel to the site "
                                 f"(HTTP {match.group(1)} {match.group(2).strip()})")
        for exc in chain:
            if isinstance(exc, ConnectionRefusedError | ConnectionResetError | socket.gaierror
                          | TimeoutError):
                # The proxy itself is down or misnamed: a configuration problem,
                # not a site's or an archive's failure (no point retrying for long).
                return "proxy_unreachable", (f"cannot connect to the proxy: {exc}; check "
                                             "--proxy or HTTP_PROXY/HTTPS_PROXY")
        return "proxy", f"proxy error: {text}"
    for exc in chain:
        if isinstance(exc, ConnectionRefusedError):
            return "refused", "connection refused"
        if isinstance(exc, ConnectionResetError):
            return "reset", "connection reset by peer"
        if isinstance(exc, socket.gaierror):
            if exc.errno in _NXDOMAIN_ERRNOS:
                return "dns", f"host name does not exist: {exc}"
            return "dns_failure", f"DNS lookup failed: {exc}"
        if isinstance(exc, OSError) and exc.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return "unreachable", "network unreachable"
    if isinstance(err, requests.exceptions.ConnectTimeout):
        return "timeout", "connect timed out"
    if isinstance(err, requests.exceptions.ReadTimeout | urllib3.exceptions.ReadTimeoutError):
        return "timeout", "read timed out"
    if isinstance(err, requests.exceptions.ConnectionError):
        if "refused" in text.lower():
            return "refused", "connection refused"
        if "reset" in text.lower() or "aborted" in text.lower():
            return "reset", "connection reset"
        return "connection", f"connection failed: {text}"
    if isinstance(err, requests.exceptions.ChunkedEncodingError | urllib3.exceptions.ProtocolError):
        return "reset", f"connection broken: {text}"
    return "connection", f"{type(err).__name__}: {text}"


class HttpClient:
    """One HTTP session with deadlines, size caps, politeness and an address guard.

    Parameters
    ----------
    user_agent:
        Sent with every request.
    deadline:
        Total seconds per request: connect, headers and body.
    max_bytes:
        Bodies are cut at this size (``HttpResponse.truncated`` tells).
    allow_private:
        Permit loopback and private-network addresses.
    trusted_prefixes:
        URL prefixes (e.g. a local archive given with ``--archive``) allowed even
        on loopback.
    limiter:
        Per-host politeness; ``None`` for none (archives have their own limits).
    proxy:
        A proxy URL (``--proxy``) for http and https requests alike; it replaces
        the proxy environment variables (NO_PROXY still applies).
    proxies:
        Proxies by URL scheme (``http``, ``https``, ``all``; ``no_proxy`` a
        NO_PROXY list), as requests takes them. With neither ``proxy`` nor
        ``proxies``, HTTP_PROXY/HTTPS_PROXY/ALL_PROXY/NO_PROXY apply.
    """

    def __init__(
        self,
        *,
        user_agent: str = DEFAULT_USER_AGENT,
        deadline: float = DEFAULT_DEADLINE,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        max_bytes: int = DEFAULT_MAX_BYTES,
        allow_private: bool = False,
        trusted_prefixes: tuple[str, ...] = (),
        limiter: HostLimiter | None = None,
        proxies: Mapping[str, str] | None = None,
        verify_tls: bool = True,
        proxy: str | None = None,
    ) -> None:
        self.user_agent = user_agent
        self.deadline = deadline
        self.connect_timeout = connect_timeout
        self.max_bytes = max_bytes
        self.allow_private = allow_private
        self.trusted_prefixes = trusted_prefixes
        self.limiter = limiter
        self.verify_tls = verify_tls
        self._session = requests.Session()
        adapter = _WatchedAdapter(pool_connections=32, pool_maxsize=32, max_retries=0)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        # Proxies and the CA bundle come from the environment once, here, rather
        # than from requests on every request: with trust_env on, requests
        # re-reads the whole environment each time (proxy variables twice, the
        # CA-bundle variables and ~/.netrc), about 15 % of a request's CPU
        # against a fast server; and credentials from ~/.netrc are never wanted.
        env = urllib.request.getproxies_environment()
        explicit = {k.lower(): v for k, v in (proxies or {}).items() if v}
        if proxy:
            explicit.setdefault("http", proxy)
            explicit.setdefault("https", proxy)
        no_proxy = explicit.pop("no_proxy", None) or explicit.pop("no", None) or env.get("no")
        chosen = explicit or env
        self.proxies: dict[str, str] = {k: chosen[k] for k in ("http", "https", "all")
                                        if chosen.get(k)}
        self.no_proxy = _no_proxy_entries(no_proxy)
        self._verify: bool | str = verify_tls
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        if verify_tls and bundle:
            self._verify = bundle
        self._session.trust_env = False

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- guard ----------------------------------------------------------------

    def proxy_for(self, url: str) -> str | None:
        """The proxy a request for ``url`` goes through, or None to go direct."""
        if not self.proxies:
            return None
        scheme = urlsplit(url).scheme.lower()
        chosen = self.proxies.get(scheme) or self.proxies.get("all")
        if chosen is None or bypasses_proxy(url, self.no_proxy):
            return None
        return chosen

    def may_reach_private(self, url: str) -> bool:
        """Whether ``url`` may go to loopback or private addresses (allowed, or trusted)."""
        return self.allow_private or any(url.startswith(p) for p in self.trusted_prefixes)

    def check_address(self, url: str) -> str | None:
        """Refuse private addresses unless allowed. Return the resolved IP, if resolved."""
        parts = urlsplit(url)
        host = parts.hostname
        if not host:
            raise NetError(f"URL has no host: {url}", url=url, kind="invalid")
        if self.may_reach_private(url):
            return None
        if self.proxy_for(url) is not None:
            # Names are resolved at the proxy: judge the literal host only.
            if literal_host_is_private(host):
                raise PrivateAddressError(
                    f"refusing to fetch {url}: {host} is a loopback or private address",
                    url=url, kind="private", hint="pass --allow-private to permit it")
            return None
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = resolve_host(host, port, url)
        for ip in addresses:
            if not is_public_address(ip):
                raise PrivateAddressError(
                    f"refusing to fetch {url}: {host} resolves to {ip}, a loopback or "
                    "private address", url=url, kind="private",
                    hint="pass --allow-private to permit loopback and private networks")
        return addresses[0] if addresses else None

    # -- requests -------------------------------------------------------------

    def get(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        deadline: float | None = None,
        max_bytes: int | None = None,
        polite: bool = True,
    ) -> HttpResponse:
        """GET ``url`` once, without following redirects.

        Raises :class:`NetError` (``kind``: dns, dns_failure, refused, reset,
        timeout, tls, unreachable, connection, proxy, private, invalid);
        :class:`DeadlineExceeded` when the total deadline passes. A body over
        the cap is cut and flagged, not an error.
        """
        deadline = self.deadline if deadline is None else deadline
        cap = self.max_bytes if max_bytes is None else max_bytes
        host = (urlsplit(url).hostname or "").lower()
        peer = self.check_address(url)
        if polite and self.limiter is not None:
            with self.limiter.acquire(host):
                return self._get(url, headers, deadline, cap, peer)
        return self._get(url, headers, deadline, cap, peer)

    def _get(self, url: str, headers: Mapping[str, str] | None, deadline: float, cap: int,
             peer: str | None) -> HttpResponse:
        req_headers = {"User-Agent": self.user_agent, "Accept": "*/*",
                       "Accept-Encoding": "gzip, deflate"}
        if headers:
            req_headers.update(headers)
        started = time.monotonic()
        watchdog = _Watchdog(deadline)
        _local.watchdog = watchdog
        watchdog.start()
        response: requests.Response | None = None
        proxy = self.proxy_for(url)
        # Behind a proxy the peer is the proxy (trusted); otherwise the address
        # actually connected to is judged again (see _check_peer).
        guarded = proxy is None and not self.may_reach_private(url)
        _local.peer_guard = url if guarded else None
        try:
            try:
                response = self._session.get(
                    url, headers=req_headers, allow_redirects=False, stream=True,
                    timeout=(min(self.connect_timeout, deadline), deadline),
                    verify=self._verify,
                    proxies={"http": proxy, "https": proxy} if proxy else {},
                )
                if proxy is not None and urlsplit(url).scheme.lower() == "http":
                    failure = proxy_failure(response.status_code, response.headers)
                    if failure is not None:
                        raise NetError(
                            f"the proxy could not get {url}: {failure.reason}", url=url,
                            kind=failure.kind, hint=PROXY_AUTH_HINT
                            if response.status_code == 407 else None)
                chunks: list[bytes] = []
                size = 0
                truncated = False
                for chunk in response.raw.stream(CHUNK_SIZE, decode_content=True):
                    if watchdog.fired:
                        break
                    chunks.append(chunk)
                    size += len(chunk)
                    if size > cap:
                        truncated = True
                        break
                if watchdog.fired:
                    raise DeadlineExceeded(
                        f"no complete answer from {url} within {deadline:g} s",
                        url=url, kind="timeout")
                body = b"".join(chunks)[:cap] if truncated else b"".join(chunks)
            except NetError:
                raise
            except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError,
                    OSError, ValueError) as err:
                if watchdog.fired:
                    raise DeadlineExceeded(
                        f"no complete answer from {url} within {deadline:g} s",
                        url=url, kind="timeout", cause=err) from err
                kind, message = _classify_exception(err)
                raise NetError(f"{message} ({url})", url=url, kind=kind, cause=err) from err
        finally:
            watchdog.cancel()
            _local.watchdog = None
            _local.peer_guard = None
            if response is not None:
                response.close()
        assert response is not None
        raw_headers = _header_list(response)
        version = {10: "HTTP/1.0", 11: "HTTP/1.1", 20: "HTTP/2"}.get(
            getattr(response.raw, "version", 11), "HTTP/1.1")
        logger.debug("GET %s -> %s (%d bytes)", url, response.status_code, len(body))
        return HttpResponse(
            url=url, status=response.status_code, reason=response.reason or "",
            headers=CaseInsensitiveDict(response.headers), header_list=raw_headers,
            body=body, truncated=truncated, elapsed=time.monotonic() - started,
            http_version=version, request_headers=tuple(req_headers.items()), peer=peer,
        )


def _header_list(response: requests.Response) -> tuple[tuple[str, str], ...]:
    original = getattr(response.raw, "_original_response", None)
    msg = getattr(original, "msg", None)
    if msg is not None and hasattr(msg, "items"):
        return tuple((str(k), str(v)) for k, v in msg.items())
    return tuple(response.headers.items())
