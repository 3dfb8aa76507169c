"""The client: one HTTP request at a time, as an :class:`HttpResponse` or a classified failure.

Every request archiver makes goes through :class:`HttpClient`. It makes one
request at a time per call (redirects are *not* followed: callers walk them by
hand so every hop is recorded) and returns an :class:`HttpResponse` or raises a
:class:`~archiver.errors.NetError` whose ``kind`` (a
:class:`~archiver.net.kinds.NetErrorKind`) names the failure. The client puts
together the rest of the package: the total deadline (:mod:`.deadline`), the
private-address guard (:mod:`.guard`), proxies (:mod:`.proxy`) and per-host
politeness (:mod:`.hosts`), with the defaults of :mod:`.limits`.

Every request URL is first normalised as it will be sent (:func:`.wire.wire_url`:
host percent-decoded and IDNA-mapped, dot segments removed); the guard, the
proxy choice and politeness all read that one URL, and exactly that URL is
sent, so what is judged is what is sent.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import socket
import ssl
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from archiver.errors import (
    ConfigError,
    DeadlineExceeded,
    NetError,
    NetErrorKind,
    PrivateAddressError,
)
from archiver.net.guard import (
    NXDOMAIN_ERRNOS,
    TrustedPrefix,
    guard_peers,
    is_public_address,
    literal_address,
    literal_host_is_private,
    resolve_host,
)
from archiver.net.headers import Headers
from archiver.net.hosts import HostLimiter
from archiver.net.limits import (
    CHUNK_SIZE,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_DEADLINE,
    DEFAULT_MAX_BYTES,
    DEFAULT_USER_AGENT,
)
from archiver.net.proxy import PROXY_AUTH_HINT, bypasses_proxy, no_proxy_entries, proxy_failure
from archiver.net.wire import WireUrl, wire_url

if TYPE_CHECKING:
    import requests

    from archiver.net.aio import AsyncHttpClient

logger = logging.getLogger(__name__)


#: Request headers sent but never kept in :attr:`HttpResponse.request_headers` (so
#: never written into a WARC request record nor shown): credentials.
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})


def reported_headers(headers: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Request fields as :attr:`HttpResponse.request_headers` keeps them: secrets redacted."""
    return tuple((k, "[redacted]" if k.lower() in SECRET_HEADERS else v) for k, v in headers)


class SlowAnswer(DeadlineExceeded):
    """The deadline passed after the answer began: its headers came, its body did not finish.

    A server that drips its body is reachable but too slow; one that sends no
    answer at all raises a plain :class:`~archiver.errors.DeadlineExceeded`.
    """


@dataclass(frozen=True)
class HttpResponse:
    """One HTTP response, with its body read (up to the cap)."""

    url: str
    status: int
    reason: str
    headers: Headers
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


#: How http.client reports a refused CONNECT: "Tunnel connection failed: 502 Bad Gateway".
_TUNNEL_RE = re.compile(r"Tunnel connection failed: (\d{3})\b([^'\"()]*)")


def classify_exception(err: BaseException) -> tuple[NetErrorKind, str]:
    """Map a transport exception to (kind, human message)."""
    text = str(err)
    chain: list[BaseException] = []
    cur: BaseException | None = err
    while cur is not None and len(chain) < 10:
        chain.append(cur)
        cur = cur.__cause__ or cur.__context__
    for exc in chain:
        if isinstance(exc, ssl.SSLError | ssl.CertificateError) or "SSL" in type(exc).__name__:
            return NetErrorKind.TLS, f"TLS error: {exc}"
    # requests' own exceptions, when requests raised this (it is imported only by the
    # blocking client: the asynchronous one raises standard-library exceptions)
    found = _library_kind(err, chain, text) if "requests" in sys.modules else None
    if found is not None:
        return found
    for exc in chain:
        if isinstance(exc, ConnectionRefusedError):
            return NetErrorKind.REFUSED, "connection refused"
        if isinstance(exc, ConnectionResetError):
            return NetErrorKind.RESET, "connection reset by peer"
        if isinstance(exc, socket.gaierror):
            if exc.errno in NXDOMAIN_ERRNOS:
                return NetErrorKind.DNS, f"host name does not exist: {exc}"
            return NetErrorKind.DNS_FAILURE, f"DNS lookup failed: {exc}"
        if isinstance(exc, OSError) and exc.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return NetErrorKind.UNREACHABLE, "network unreachable"
    found = _library_timeout(err, text) if "requests" in sys.modules else None
    if found is not None:
        return found
    return NetErrorKind.CONNECTION, f"{type(err).__name__}: {text}"


def _library_kind(err: BaseException, chain: list[BaseException],
                  text: str) -> tuple[NetErrorKind, str] | None:
    """The kind of a requests TLS or proxy error (checked before the socket errors)."""
    import requests

    if isinstance(err, requests.exceptions.SSLError):
        return NetErrorKind.TLS, f"TLS error: {text}"
    if isinstance(err, requests.exceptions.ProxyError):
        # Either the proxy cannot be reached, or it refused to open a tunnel
        # (CONNECT) to the site: in both cases the site was never reached.
        for exc in chain:
            match = _TUNNEL_RE.search(str(exc))
            if match:
                return NetErrorKind.PROXY, (
                    "the proxy could not open a tunnel to the site "
                    f"(HTTP {match.group(1)} {match.group(2).strip()})")
        for exc in chain:
            if isinstance(exc, ConnectionRefusedError | ConnectionResetError | socket.gaierror
                          | TimeoutError):
                # The proxy itself is down or misnamed: a configuration problem,
                # not a site's or an archive's failure (no point retrying for long).
                return NetErrorKind.PROXY_UNREACHABLE, (
                    f"cannot connect to the proxy: {exc}; check --proxy or "
                    "HTTP_PROXY/HTTPS_PROXY")
        return NetErrorKind.PROXY, f"proxy error: {text}"
    return None


def _library_timeout(err: BaseException, text: str) -> tuple[NetErrorKind, str] | None:
    """The kind of a requests or urllib3 timeout or broken connection."""
    import requests
    import urllib3

    if isinstance(err, requests.exceptions.ConnectTimeout):
        return NetErrorKind.TIMEOUT, "connect timed out"
    if isinstance(err, requests.exceptions.ReadTimeout | urllib3.exceptions.ReadTimeoutError):
        return NetErrorKind.TIMEOUT, "read timed out"
    if isinstance(err, requests.exceptions.ConnectionError):
        if "refused" in text.lower():
            return NetErrorKind.REFUSED, "connection refused"
        if "reset" in text.lower() or "aborted" in text.lower():
            return NetErrorKind.RESET, "connection reset"
        return NetErrorKind.CONNECTION, f"connection failed: {text}"
    if isinstance(err, requests.exceptions.ChunkedEncodingError | urllib3.exceptions.ProtocolError):
        return NetErrorKind.RESET, f"connection broken: {text}"
    return None


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
        on loopback: same scheme, host and port, and a path under the prefix's
        path segments once both are normalised (:class:`~.guard.TrustedPrefix`);
        a URL with userinfo is never trusted. Raises
        :class:`~archiver.errors.ConfigError` for a prefix that is not a URL.
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
        self._trusted = _parse_trusted(trusted_prefixes)
        self.limiter = limiter
        self.verify_tls = verify_tls
        self._requests_session: requests.Session | None = None
        # Proxies and the CA bundle come from the environment once, here, rather
        # than from requests on every request: with trust_env on, requests
        # re-reads the whole environment each time (proxy variables twice, the
        # CA-bundle variables and ~/.netrc), about 15 % of a request's CPU
        # against a fast server; and credentials from ~/.netrc are never wanted.
        # urllib.request (about 25 ms to import) only when a *_proxy variable is set:
        # getproxies_environment reads nothing else
        env: dict[str, str] = {}
        if any(name.lower().endswith("_proxy") for name in os.environ):
            import urllib.request

            env = urllib.request.getproxies_environment()
        explicit = {k.lower(): v for k, v in (proxies or {}).items() if v}
        if proxy:
            explicit.setdefault("http", proxy)
            explicit.setdefault("https", proxy)
        no_proxy = explicit.pop("no_proxy", None) or explicit.pop("no", None) or env.get("no")
        chosen = explicit or env
        self.proxies: dict[str, str] = {k: chosen[k] for k in ("http", "https", "all")
                                        if chosen.get(k)}
        self.no_proxy = no_proxy_entries(no_proxy)
        self._verify: bool | str = verify_tls
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        if verify_tls and bundle:
            self._verify = bundle

    @property
    def tls_verify(self) -> bool | str:
        """Certificate verification: off (False), the default bundle (True), or a CA file."""
        return self._verify

    def async_client(self, *, threads: int = 16) -> AsyncHttpClient:
        """A new :class:`~.aio.AsyncHttpClient` with this client's settings and guard.

        For one event loop; ``await aclose()`` it before the loop ends.
        ``threads`` bounds its worker threads (proxied requests, name lookups).
        """
        from archiver.net.aio import AsyncHttpClient

        return AsyncHttpClient(self, threads=threads)

    @property
    def _session(self) -> requests.Session:
        """The requests session of blocking requests, made on first use.

        An ``archiver check`` makes its requests with the asynchronous client
        and never loads requests (about 0.1 s of start-up).
        """
        if self._requests_session is None:
            import requests

            from archiver.net.watched import WatchedAdapter

            session = requests.Session()
            adapter = WatchedAdapter(pool_connections=32, pool_maxsize=32, max_retries=0)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            # The environment was read in __init__ (see there): requests must not.
            session.trust_env = False
            self._requests_session = session
        return self._requests_session

    def close(self) -> None:
        if self._requests_session is not None:
            self._requests_session.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- guard ----------------------------------------------------------------

    def proxy_for(self, url: str | WireUrl) -> str | None:
        """The proxy a request for ``url`` goes through, or None to go direct."""
        if not self.proxies:
            return None
        wire = url if isinstance(url, WireUrl) else wire_url(url)
        chosen = self.proxies.get(wire.scheme) or self.proxies.get("all")
        if chosen is None or bypasses_proxy(wire.url, self.no_proxy):
            return None
        return chosen

    def may_reach_private(self, url: str | WireUrl) -> bool:
        """Whether ``url`` may go to loopback or private addresses (allowed, or trusted)."""
        if self.allow_private:
            return True
        wire = url if isinstance(url, WireUrl) else wire_url(url)
        return any(prefix.covers(wire) for prefix in self._trusted)

    def check_address(self, url: str) -> str | None:
        """Refuse private addresses unless allowed. Return the resolved IP, if resolved.

        The host judged is the host sent (:func:`~.wire.wire_url`); a URL that
        cannot be normalised is a :class:`NetError` of kind ``invalid``.
        """
        return self._judge(wire_url(url), url)

    def _judge(self, wire: WireUrl, shown: str) -> str | None:
        """:meth:`check_address` of ``wire``, naming ``shown`` (the URL as given)."""
        if self.may_reach_private(wire):
            return None
        if self.proxy_for(wire) is not None:
            # Names are resolved at the proxy: judge the literal host only.
            if literal_host_is_private(wire.host):
                raise PrivateAddressError(
                    f"refusing to fetch {shown}: {wire.host} is a loopback or private "
                    "address", url=shown, kind=NetErrorKind.PRIVATE,
                    hint="pass --allow-private to permit it")
            return None
        # An address is judged as written ("127.0.0.1." and "0x7f.1" included),
        # a name by what it resolves to.
        literal = literal_address(wire.host)
        addresses = [literal] if literal else resolve_host(wire.host, wire.port, shown)
        self.refuse_private(wire, shown, addresses)
        return addresses[0] if addresses else None

    def refuse_private(self, wire: WireUrl, shown: str, addresses: list[str]) -> None:
        """Raise :class:`PrivateAddressError` if any of ``addresses`` (``wire``'s) is private."""
        for ip in addresses:
            if not is_public_address(ip):
                raise PrivateAddressError(
                    f"refusing to fetch {shown}: {wire.host} resolves to {ip}, a loopback or "
                    "private address", url=shown, kind=NetErrorKind.PRIVATE,
                    hint="pass --allow-private to permit loopback and private networks")

    # -- requests -------------------------------------------------------------

    def prepare(self, url: str) -> requests.PreparedRequest:
        """The request :meth:`get` would send for ``url`` (nothing is sent).

        Raises :class:`NetError` of kind ``invalid`` for a URL that cannot be
        normalised (:func:`~.wire.wire_url`).
        """
        return self._prepare(wire_url(url), url, {"User-Agent": self.user_agent})

    def _prepare(self, wire: WireUrl, url: str, headers: Mapping[str, str],
                 method: str = "GET",
                 data: Mapping[str, str] | None = None) -> requests.PreparedRequest:
        import requests

        try:
            prepared = self._session.prepare_request(
                requests.Request(method, wire.url, headers=dict(headers),
                                 data=dict(data) if data is not None else None))
        except (requests.RequestException, ValueError) as err:
            raise NetError(f"cannot prepare a request for {url}: {err}", url=url,
                           kind=NetErrorKind.INVALID, cause=err) from err
        if prepared.url != wire.url:  # wire_url prepared it the same way: a safety net
            raise NetError(f"refusing to fetch {url}: the URL sent would differ from the "
                           f"URL judged ({prepared.url})", url=url, kind=NetErrorKind.INVALID)
        return prepared

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
        wire = wire_url(url)
        peer = self._judge(wire, url)
        if polite and self.limiter is not None:
            with self.limiter.acquire(wire.host):
                return self._get(url, wire, headers, deadline, cap, peer)
        return self._get(url, wire, headers, deadline, cap, peer)

    def post(
        self,
        url: str,
        *,
        data: Mapping[str, str],
        headers: Mapping[str, str] | None = None,
        deadline: float | None = None,
        max_bytes: int | None = None,
    ) -> HttpResponse:
        """POST ``data`` as an HTML form to ``url`` once, without following redirects.

        The same guard, deadline, cap and errors as :meth:`get` (used for the
        Save Page Now API). Header values named in :data:`SECRET_HEADERS`
        (``Authorization``) are sent but never kept in the response's
        ``request_headers``.
        """
        deadline = self.deadline if deadline is None else deadline
        cap = self.max_bytes if max_bytes is None else max_bytes
        wire = wire_url(url)
        peer = self._judge(wire, url)
        return self._get(url, wire, headers, deadline, cap, peer, method="POST", data=data)

    def _get(self, url: str, wire: WireUrl, headers: Mapping[str, str] | None,
             deadline: float, cap: int, peer: str | None, method: str = "GET",
             data: Mapping[str, str] | None = None) -> HttpResponse:
        req_headers = {"User-Agent": self.user_agent, "Accept": "*/*",
                       "Accept-Encoding": "gzip, deflate"}
        if headers:
            req_headers.update(headers)
        # Real time, not the injected Clock (archiver.clock): ``elapsed`` is how
        # long the network took, and a fake clock does not move during I/O, so it
        # would record 0 s. Deadlines are real too (see deadline.py).
        started = time.monotonic()
        import requests
        import urllib3

        # here, with requests: the asynchronous client of a link check needs no watchdog
        from archiver.net.deadline import watch_deadline

        response: requests.Response | None = None
        proxy = self.proxy_for(wire)
        # Behind a proxy the peer is the proxy (trusted); otherwise the address
        # actually connected to is judged again (see guard.check_peer).
        guarded = proxy is None and not self.may_reach_private(wire)
        prepared = self._prepare(wire, url, req_headers, method, data)
        try:
            # Leaving the block cancels the deadline before the response is closed
            # (its connection may go back to the pool).
            with watch_deadline(deadline) as watchdog, guard_peers(url if guarded else None):
                try:
                    response = self._session.send(
                        prepared, allow_redirects=False, stream=True,
                        timeout=(min(self.connect_timeout, deadline), deadline),
                        # a CA bundle path makes requests stat() it on every request
                        # (requests/adapters.py _urllib3_request_context): 16 % of the
                        # busy time checking 2,000 http URLs; it means nothing for http
                        verify=self._verify if wire.scheme == "https" else True,
                        proxies={"http": proxy, "https": proxy} if proxy else {},
                    )
                    if proxy is not None and wire.scheme == "http":
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
                        raise SlowAnswer(
                            f"the answer from {url} started but did not finish within "
                            f"{deadline:g} s", url=url, kind=NetErrorKind.TIMEOUT)
                    body = b"".join(chunks)[:cap] if truncated else b"".join(chunks)
                except NetError:
                    raise
                except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError,
                        OSError, ValueError) as err:
                    if watchdog.fired and response is not None:
                        raise SlowAnswer(
                            f"the answer from {url} started but did not finish within "
                            f"{deadline:g} s", url=url, kind=NetErrorKind.TIMEOUT,
                            cause=err) from err
                    if watchdog.fired:
                        raise DeadlineExceeded(
                            f"no complete answer from {url} within {deadline:g} s",
                            url=url, kind=NetErrorKind.TIMEOUT, cause=err) from err
                    kind, message = classify_exception(err)
                    raise NetError(f"{message} ({url})", url=url, kind=kind,
                                   cause=err) from err
        finally:
            if response is not None:
                response.close()
        assert response is not None
        raw_headers = _header_list(response)
        version = {10: "HTTP/1.0", 11: "HTTP/1.1", 20: "HTTP/2"}.get(
            getattr(response.raw, "version", 11), "HTTP/1.1")
        logger.debug("%s %s -> %s (%d bytes)", method, url, response.status_code, len(body))
        return HttpResponse(
            url=url, status=response.status_code, reason=response.reason or "",
            headers=Headers(response.headers), header_list=raw_headers,
            body=body, truncated=truncated, elapsed=time.monotonic() - started,
            http_version=version, peer=peer,
            request_headers=reported_headers(req_headers.items()),
        )


def _parse_trusted(prefixes: tuple[str, ...]) -> tuple[TrustedPrefix, ...]:
    """The trusted prefixes, parsed; ConfigError for one that is not an http(s) URL."""
    parsed: list[TrustedPrefix] = []
    for prefix in prefixes:
        try:
            found = TrustedPrefix.parse(prefix)
        except NetError as err:
            raise ConfigError(f"trusted URL {prefix!r} is not valid: {err.message}",
                              hint="give an archive as an absolute http(s) URL") from err
        if found is not None:
            parsed.append(found)
    return tuple(parsed)


def _header_list(response: requests.Response) -> tuple[tuple[str, str], ...]:
    original = getattr(response.raw, "_original_response", None)
    msg = getattr(original, "msg", None)
    if msg is not None and hasattr(msg, "items"):
        return tuple((str(k), str(v)) for k, v in msg.items())
    return tuple(response.headers.items())
