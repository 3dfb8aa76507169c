"""A small HTTP forward proxy on 127.0.0.1 that answers from in-process sites.

It plays an institutional proxy in front of a made-up web: requests arrive in
absolute form (``GET http://www.example.fr/a HTTP/1.1``) or, for https, as a
``CONNECT host:443`` tunnel that the proxy terminates with a certificate signed
by a test CA (``trustme``); either way the request is answered by a
:class:`Router` that knows the world's host names. No URL changes: the client
believes it talks to the real hosts.

A host the router does not know is answered as a proxy answers for a name
that does not resolve. How it says so depends on ``style``:

``rfc9209``
    502 with ``Proxy-Status: <name>; error=dns_error; rcode="NXDOMAIN"``;
    relayed answers carry ``Proxy-Status: <name>; received-status=<status>``.
``squid``
    503 with ``X-Squid-Error: ERR_DNS_FAIL 0`` and ``Server: squid``, as Squid does.
``bare``
    502 with an HTML body and nothing else: a proxy that says nothing useful.

A CONNECT to an unknown host is refused with the same status. Requests for a
loopback IP literal that the router does not know (a local pywb archive) are
forwarded for real, as any forward proxy would; nothing else leaves the
machine. Every request is recorded in :attr:`ForwardProxy.requests`.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol
from urllib.parse import urlsplit

from tests.support.localweb import BackgroundServer, Reply

PROXY_NAME = "world-proxy"
STYLES = ("rfc9209", "squid", "bare")
#: Headers that belong to one connection, never forwarded (RFC 9110 §7.6.1).
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "proxy-authenticate",
                        "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade"})
#: Seconds to wait for a forwarded loopback server (pywb answers in well under that).
FORWARD_TIMEOUT = 60.0


@dataclass(frozen=True)
class ProxiedRequest:
    """A request as the site sees it, once the proxy has read it."""

    method: str
    scheme: str
    host: str  # lower case, no port
    port: int
    target: str  # path and query, e.g. "/news/a.html?x=1"
    headers: dict[str, str]

    @property
    def url(self) -> str:
        default = 443 if self.scheme == "https" else 80
        netloc = self.host if self.port == default else f"{self.host}:{self.port}"
        return f"{self.scheme}://{netloc}{self.target}"


class Router(Protocol):
    """The made-up web behind the proxy."""

    def knows(self, host: str) -> bool:
        """Whether ``host`` resolves in this world."""

    def answer(self, request: ProxiedRequest) -> Reply:
        """The site's answer (only asked for hosts it knows)."""


class TableRouter:
    """A router from a dict of host names to handlers (for small tests)."""

    def __init__(self, sites: dict[str, Callable[[ProxiedRequest], Reply]]) -> None:
        self.sites = {host.lower(): handler for host, handler in sites.items()}

    def knows(self, host: str) -> bool:
        return host.lower() in self.sites

    def answer(self, request: ProxiedRequest) -> Reply:
        return self.sites[request.host](request)


class _SocketWriter:
    """A write-only file over a socket that sends everything (``sendall``)."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def write(self, data: bytes) -> int:
        self._sock.sendall(data)
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


class ForwardProxy(BackgroundServer):
    """An HTTP forward proxy on 127.0.0.1 in front of a :class:`Router`.

    Parameters
    ----------
    router:
        The sites behind the proxy.
    tls:
        A server context with a certificate for the router's https hosts; without
        one, CONNECT is refused (502) for every host.
    style:
        How the proxy reports its own failures: ``rfc9209``, ``squid`` or ``bare``.
    """

    def __init__(self, router: Router, *, tls: ssl.SSLContext | None = None,
                 style: str = "rfc9209") -> None:
        if style not in STYLES:
            raise ValueError(f"style must be one of {STYLES}")
        self.router = router
        self.tls = tls
        self.style = style
        self.requests: list[tuple[str, str]] = []  # (method, URL) as the proxy saw them
        self._lock = threading.Lock()
        proxy = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True
            tunnel: tuple[str, int] | None = None

            def do_CONNECT(self) -> None:
                proxy._connect(self)

            def do_GET(self) -> None:
                proxy._serve(self, send_body=True)

            def do_HEAD(self) -> None:
                proxy._serve(self, send_body=False)

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(_Handler, name="world-proxy")

    @property
    def url(self) -> str:
        """The proxy URL to give to ``--proxy``."""
        return f"http://127.0.0.1:{self.port}"

    def seen(self, url_prefix: str) -> int:
        """How many requests for URLs starting with ``url_prefix`` reached the proxy."""
        with self._lock:
            return sum(1 for _, url in self.requests if url.startswith(url_prefix))

    # -- the proxy's own answers --------------------------------------------------

    def _own_error(self, what: str) -> Reply:
        """The proxy's answer for a host that does not resolve."""
        body = (f"<html><head><title>ERROR: The requested URL could not be retrieved</title>"
                f"</head><body><h1>Unable to determine IP address from host name "
                f"{what}</h1><p>Generated by {PROXY_NAME}</p></body></html>")
        if self.style == "rfc9209":
            return Reply(502, body, headers={
                "Proxy-Status": f'{PROXY_NAME}; error=dns_error; rcode="NXDOMAIN"'})
        if self.style == "squid":
            return Reply(503, body, headers={"X-Squid-Error": "ERR_DNS_FAIL 0",
                                             "Server": "squid/6.6"})
        return Reply(502, body)

    def _record(self, method: str, url: str) -> None:
        with self._lock:
            self.requests.append((method, url))

    # -- CONNECT --------------------------------------------------------------------

    def _connect(self, handler: Any) -> None:
        host, _, port_text = handler.path.rpartition(":")
        host = host.strip("[]").lower()
        self._record("CONNECT", handler.path)
        if self.tls is None or not port_text.isdigit() or not self.router.knows(host):
            reply = self._own_error(host)
            self._write(handler, reply, send_body=True, close=True)
            return
        handler.send_response(200, "Connection Established")
        handler.end_headers()
        try:
            wrapped = self.tls.wrap_socket(handler.connection, server_side=True)
        except (ssl.SSLError, OSError):
            handler.close_connection = True  # the client did not trust our CA
            return
        handler.connection = wrapped
        handler.rfile = wrapped.makefile("rb", -1)
        handler.wfile = _SocketWriter(wrapped)
        handler.tunnel = (host, int(port_text))
        handler.close_connection = False

    # -- requests -------------------------------------------------------------------

    def _request(self, handler: Any) -> ProxiedRequest | None:
        headers = {k: v for k, v in handler.headers.items()}
        if handler.tunnel is not None:
            host, port = handler.tunnel
            return ProxiedRequest(handler.command, "https", host, port, handler.path, headers)
        parts = urlsplit(handler.path)
        if parts.scheme != "http" or not parts.hostname:
            return None
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return ProxiedRequest(handler.command, "http", parts.hostname.lower(),
                              parts.port or 80, target, headers)

    def _serve(self, handler: Any, send_body: bool) -> None:
        request = self._request(handler)
        if request is None:
            self._write(handler, Reply(400, "<html><title>Bad request</title>this is a "
                                            "proxy: send absolute URLs</html>"), send_body)
            return
        self._record(request.method, request.url)
        if self.router.knows(request.host):
            reply = self.router.answer(request)
            if self.style == "rfc9209" and request.scheme == "http":
                reply = Reply(reply.status, reply.body, {
                    **reply.headers, "Proxy-Status": f"{PROXY_NAME}; received-status="
                                                     f"{reply.status}"},
                    reply.content_type, reply.drip_seconds, reply.delay)
        elif _is_loopback(request.host) and request.scheme == "http":
            self._forward(handler, request, send_body)
            return
        else:
            reply = self._own_error(request.host)
        self._write(handler, reply, send_body)

    def _forward(self, handler: Any, request: ProxiedRequest, send_body: bool) -> None:
        """Relay a request to a real server on loopback (a local archive)."""
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        conn = http.client.HTTPConnection(request.host, request.port, timeout=FORWARD_TIMEOUT)
        try:
            conn.request(request.method, request.target, headers=headers)
            upstream = conn.getresponse()
            body = upstream.read()
            status, reason = upstream.status, upstream.reason
            relayed = [(k, v) for k, v in upstream.getheaders()
                       if k.lower() not in HOP_BY_HOP and k.lower() != "content-length"]
        except OSError:
            self._write(handler, Reply(502, "<html><title>Bad gateway</title></html>", headers={
                "Proxy-Status": f"{PROXY_NAME}; error=connection_refused"}), send_body)
            return
        finally:
            conn.close()
        try:
            handler.send_response(status, reason)
            for name, value in relayed:
                handler.send_header(name, value)
            if self.style == "rfc9209":
                handler.send_header("Proxy-Status", f"{PROXY_NAME}; received-status={status}")
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            if send_body:
                handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            handler.close_connection = True

    def _write(self, handler: Any, reply: Reply, send_body: bool, close: bool = False) -> None:
        if reply.delay:
            time.sleep(reply.delay)
        body = reply.payload()
        try:
            handler.send_response(reply.status)
            headers = {"Content-Type": reply.content_type, "Content-Length": str(len(body))}
            headers.update(reply.headers)
            if close:
                headers["Connection"] = "close"
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            if not send_body:
                return
            if reply.drip_seconds:
                for i in range(len(body)):
                    handler.wfile.write(body[i:i + 1])
                    handler.wfile.flush()
                    time.sleep(reply.drip_seconds)
            else:
                handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            handler.close_connection = True
        if close:
            handler.close_connection = True


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def tls_context(hosts: list[str]) -> tuple[ssl.SSLContext, bytes]:
    """A server context with one certificate for ``hosts``, and its CA in PEM.

    The CA is made up on the spot (``trustme``); clients trust it through
    ``REQUESTS_CA_BUNDLE``.
    """
    import trustme

    ca = trustme.CA(organization_name="archiver test world")
    cert = ca.issue_cert(*hosts)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    return context, ca.cert_pem.bytes()
