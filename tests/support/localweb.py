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
from typing import Any
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


class LocalSite:
    def __init__(self, default: Reply | None = None) -> None:
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

        class _Server(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # clients that hang up early (deadline tests) are expected

        self._server: ThreadingHTTPServer = _Server(("127.0.0.1", 0), _H)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base + path

    def route(self, path: str, reply: Reply | Handler) -> None:
        self.routes[path] = reply

    def start(self) -> LocalSite:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LocalSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

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
