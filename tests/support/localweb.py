"""A small real HTTP server on 127.0.0.1 for tests: one per simulated host.

Routes map a path (with query string, or the path alone) to a :class:`Reply`
or to a function of the request returning one. Unknown paths get 404 unless a
``default`` is set. Every request is recorded in ``server.requests``.

    with LocalSite() as site:
        site.route("/a", Reply(200, "<html>...</html>"))
        site.url("/a")  # -> "http://127.0.0.1:PORT/a"
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import urlsplit


@dataclass
class Reply:
    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/html; charset=utf-8"
    drip_seconds: float = 0.0  # sleep this long between body bytes (a slow server)
    delay: float = 0.0  # sleep before answering

    def payload(self) -> bytes:
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body


@dataclass(frozen=True)
class SeenRequest:
    method: str
    path: str
    headers: dict[str, str]
    at: float


Handler = Callable[[SeenRequest], Reply]


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that hang up early (deadline tests, aborted tunnels) are expected


class BackgroundServer:
    """A threaded HTTP server on a loopback address, served from a daemon thread.

    The base of every test server (:class:`LocalSite`, the world's forward proxy):
    ``start``/``stop`` or ``with``; ``close`` frees the port of a server never started.
    """

    #: ``serve_forever``'s poll interval: ``stop`` waits up to this long.
    POLL_INTERVAL = 0.05

    def __init__(self, handler: type[BaseHTTPRequestHandler], address: str = "127.0.0.1",
                 name: str | None = None) -> None:
        self.address = address
        self._server = _QuietServer((address, 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        args=(self.POLL_INTERVAL,), daemon=True, name=name)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def close(self) -> None:
        """Free the port of a server that was never started."""
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class LocalSite(BackgroundServer):
    """One simulated host. ``address`` may be another loopback address (127.0.0.2 …)
    so that each site counts as a separate host."""

    def __init__(self, default: Reply | None = None, address: str = "127.0.0.1") -> None:
        self.routes: dict[str, Reply | Handler] = {}
        self.default = default
        self.requests: list[SeenRequest] = []
        self._lock = threading.Lock()
        site = self

        class _H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else ~40 ms of delayed-ACK per response

            def do_GET(self) -> None:
                site._serve(self, send_body=True)

            def do_HEAD(self) -> None:
                site._serve(self, send_body=False)

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(_H, address)

    @property
    def base(self) -> str:
        return f"http://{self.address}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base + path

    def route(self, path: str, reply: Reply | Handler) -> None:
        self.routes[path] = reply

    def reset(self) -> None:
        """Forget every route, the default and the recorded requests (shared fixtures)."""
        self.routes.clear()
        self.requests.clear()
        self.default = None

    def hits(self, path: str) -> int:
        with self._lock:
            return sum(1 for r in self.requests if r.path == path)

    def _serve(self, handler: BaseHTTPRequestHandler, send_body: bool) -> None:
        seen = SeenRequest(handler.command, handler.path, dict(handler.headers.items()),
                           time.monotonic())
        with self._lock:
            self.requests.append(seen)
        target = self.routes.get(handler.path) or self.routes.get(urlsplit(handler.path).path)
        if target is None:
            reply = self.default or Reply(404, "<html><title>Not found</title></html>")
        elif callable(target):
            reply = target(seen)
        else:
            reply = target
        if reply.delay:
            time.sleep(reply.delay)
        body = reply.payload()
        try:
            handler.send_response(reply.status)
            headers = {"Content-Type": reply.content_type, "Content-Length": str(len(body))}
            headers.update(reply.headers)
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
        except (BrokenPipeError, ConnectionResetError):
            pass


def refused_urls(n: int, *, first: int = 20) -> list[str]:
    """URLs on ``n`` distinct loopback hosts (127.0.0.FIRST on) where nothing listens."""
    urls = []
    for i in range(n):
        site = LocalSite(address=f"127.0.0.{first + i}")
        urls.append(site.url(f"/story{i}"))
        site.close()
    return urls


def stop_all(sites: list[LocalSite]) -> None:
    """Stop ``sites`` in parallel (each stop waits for its server's loop to end)."""
    stoppers = [threading.Thread(target=s.stop) for s in sites]
    for t in stoppers:
        t.start()
    for t in stoppers:
        t.join()
