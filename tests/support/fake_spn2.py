"""A fake Save Page Now 2 API on 127.0.0.1, built from its public documentation.

The "Save Page Now 2 Public API Docs" (draft by V. Banos, Internet Archive,
updated 2022-04-05) describe:

- ``POST /save`` with the form field ``url`` and the headers ``Accept:
  application/json`` and ``Authorization: LOW <access>:<secret>``, answered
  ``{"url": ..., "job_id": "spn2-..."}``, or an error object
  ``{"status": "error", "status_ext": "error:...", "message": ...}`` (HTTP 200);
- ``GET /save/status/<job_id>``: ``{"status": "pending", ...}`` while the capture
  runs, then ``{"status": "success", "timestamp": "YYYYMMDDhhmmss",
  "original_url": ..., "duration_sec": ..., "resources": [...]}`` or an error
  object with ``status_ext``, ``exception`` and ``message``;
- ``GET /save/status/user``: ``{"available": n, "processing": m}``.

This server keeps jobs as state (``pending`` polls then the planned end), can
refuse at submission with any error code, answers HTTP 429 (with or without
``Retry-After``) for the next requests when told to, and refuses a wrong
``Authorization`` with a 401 HTML page. After a successful capture it also
serves the memento the way the Wayback Machine does at
``/web/<timestamp>id_/<url>`` (``Memento-Datetime``, ``Link rel="original"``,
``X-Archive-Orig-*``), so the same server is the archive that ``save`` then
fetches from (``--archive <server>/web/``).

    with FakeSpn2(access="k", secret="s") as spn:
        spn.plan("http://news.example/a", pending=2)                  # success after 2 polls
        spn.plan("http://news.example/b", error="error:not-found")    # fails when polled
        spn.plan("http://news.example/c", refuse="error:blocked-url") # refused at once
        spn.rate_limit(1, retry_after="30")                           # next request: 429
        spn.api      # "http://127.0.0.1:PORT/save"
        spn.archive  # "http://127.0.0.1:PORT/web/"
"""

from __future__ import annotations

import itertools
import json
import threading
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote

from tests.support.localweb import BackgroundServer


@dataclass
class Plan:
    """What the fake does with a capture request for one URL."""

    pending: int = 1  # pending status answers before the end
    error: str | None = None  # the job ends with this status_ext
    refuse: str | None = None  # the capture request itself is refused with this status_ext
    timestamp: str = "20261130093015"
    original_url: str | None = None  # after redirects; default the URL asked for
    body: bytes = b"<html><head><title>Saved</title></head><body><p>Saved today.</p></body></html>"
    message: str | None = None
    serve: bool = True  # serve the memento once captured (False: "not indexed yet")
    served_as: str | None = None  # serve it as a capture of this timestamp (a stale copy)
    raw_answer: bytes | None = None  # answer the capture request with these bytes instead


@dataclass
class Job:
    id: str
    url: str
    plan: Plan
    polls: int = 0


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, str] = field(default_factory=dict)


class FakeSpn2(BackgroundServer):
    """The fake API (see the module docstring). ``seen`` lists every request."""

    def __init__(self, access: str = "test-access", secret: str = "test-secret") -> None:
        self.access, self.secret = access, secret
        self.plans: dict[str, Plan] = {}
        self.jobs: dict[str, Job] = {}
        self.captured: dict[tuple[str, str], Plan] = {}  # (timestamp, original) -> page
        self.seen: list[Seen] = []
        self._429s: list[str | None] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        fake = self

        class _H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                fake._handle(self, "POST")

            def do_GET(self) -> None:
                fake._handle(self, "GET")

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(_H)

    # -- set-up -----------------------------------------------------------------------

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api(self) -> str:
        return f"{self.base}/save"

    @property
    def archive(self) -> str:
        return f"{self.base}/web/"

    def plan(self, url: str, **given: Any) -> Plan:
        self.plans[url] = Plan(**given)
        return self.plans[url]

    def rate_limit(self, count: int = 1, retry_after: str | None = None) -> None:
        """Answer the next ``count`` API requests with HTTP 429."""
        with self._lock:
            self._429s.extend([retry_after] * count)

    def requests(self, method: str, prefix: str = "/save") -> list[Seen]:
        return [s for s in self.seen if s.method == method and s.path.startswith(prefix)]

    # -- serving ------------------------------------------------------------------------

    def _send(self, handler: BaseHTTPRequestHandler, status: int, body: bytes,
              content_type: str = "application/json",
              headers: dict[str, str] | None = None) -> None:
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _json(self, handler: BaseHTTPRequestHandler, data: dict[str, Any]) -> None:
        self._send(handler, 200, json.dumps(data).encode())

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        form: dict[str, str] = {}
        if method == "POST":
            length = int(handler.headers.get("Content-Length") or 0)
            raw = handler.rfile.read(length).decode("utf-8")
            form = {k: v[0] for k, v in parse_qs(raw).items()}
        path = handler.path
        with self._lock:
            self.seen.append(Seen(method, path, dict(handler.headers.items()), form))
        if path.startswith("/web/"):
            self._memento(handler, path)
            return
        with self._lock:
            limited = bool(self._429s)
            retry_after = self._429s.pop(0) if limited else None
        if limited:
            self._send(handler, 429, b"<html>Too Many Requests</html>", "text/html",
                       {"Retry-After": retry_after} if retry_after else None)
            return
        if handler.headers.get("Authorization") != f"LOW {self.access}:{self.secret}":
            self._send(handler, 401, b"<html>Unauthorized</html>", "text/html")
            return
        if method == "POST" and path == "/save":
            self._capture(handler, form)
        elif method == "GET" and path == "/save/status/user":
            self._json(handler, {"available": 5, "processing": 0})
        elif method == "GET" and path.startswith("/save/status/"):
            self._status(handler, unquote(path.removeprefix("/save/status/")))
        else:
            self._send(handler, 404, b"<html>Not Found</html>", "text/html")

    def _capture(self, handler: BaseHTTPRequestHandler, form: dict[str, str]) -> None:
        url = form.get("url", "")
        plan = self.plans.get(url, Plan())
        if plan.raw_answer is not None:
            self._send(handler, 200, plan.raw_answer, "text/html")
            return
        if plan.refuse:
            self._json(handler, {"status": "error", "status_ext": plan.refuse,
                                 "message": f"refused: {plan.refuse}"})
            return
        job = Job(f"spn2-{next(self._ids):032x}", url, plan)
        with self._lock:
            self.jobs[job.id] = job
        answer: dict[str, Any] = {"url": url, "job_id": job.id}
        if plan.message:
            answer["message"] = plan.message
        self._json(handler, answer)

    def _status(self, handler: BaseHTTPRequestHandler, job_id: str) -> None:
        job = self.jobs.get(job_id)
        if job is None:
            self._send(handler, 404, b"<html>Not Found</html>", "text/html")
            return
        with self._lock:
            job.polls += 1
            polls = job.polls
        if polls <= job.plan.pending:
            self._json(handler, {"status": "pending", "job_id": job.id, "resources": []})
            return
        if job.plan.error:
            self._json(handler, {"status": "error", "status_ext": job.plan.error,
                                 "job_id": job.id, "exception": "Exception",
                                 "message": f"capture failed: {job.plan.error}",
                                 "resources": []})
            return
        original = job.plan.original_url or job.url
        with self._lock:
            self.captured[(job.plan.timestamp, original)] = job.plan
        self._json(handler, {"status": "success", "job_id": job.id, "original_url": original,
                             "timestamp": job.plan.timestamp, "duration_sec": 6.5,
                             "resources": [original], "outlinks": {}})

    def _memento(self, handler: BaseHTTPRequestHandler, path: str) -> None:
        stamp, _, original = path.removeprefix("/web/").partition("/")
        stamp = stamp.removesuffix("id_")
        plan = self.captured.get((stamp, original))
        if plan is None or not plan.serve:
            self._send(handler, 404, b"<html>No memento</html>", "text/html")
            return
        when = datetime.strptime(plan.served_as or stamp, "%Y%m%d%H%M%S")
        http_date = when.strftime("%a, %d %b %Y %H:%M:%S GMT")
        self._send(handler, 200, plan.body, "text/html; charset=utf-8", {
            "Memento-Datetime": http_date,
            "Link": f'<{original}>; rel="original", '
                    f'<{self.archive}{stamp}/{original}>; rel="memento"; '
                    f'datetime="{http_date}"',
            "X-Archive-Orig-Date": http_date,
            "X-Archive-Orig-Server": "fake-origin",
        })
