"""A real local pywb web archive for tests, fed with pages the tests make up.

pywb (a test extra) stands in for the Wayback Machine: the same ``<ts>id_/<url>``
raw playback, ``Memento-Datetime``, ``Link rel="original"``, ``X-Archive-Orig-*``
headers and link-format TimeMaps at ``<coll>/timemap/link/<url>``; an
IA-format-ish CDX API at ``<coll>/cdx`` (``output=json`` is one JSON object per
line). It has no 429s, exclusions or Wayback jumps: use ``responses`` for those.

Start one server per test module and give each test its own collection (pywb
discovers new collections and index files while it runs)::

    @pytest.fixture(scope="module")
    def pywb(tmp_path_factory):
        with PywbArchive(tmp_path_factory.mktemp("pywb")) as archive:
            yield archive

    def test_something(pywb):
        base = pywb.collection([                      # -> "http://127.0.0.1:PORT/c1/"
            Page("http://news.example.com/a", "2014-10-15T12:34:56Z", "<html>…</html>"),
            Page("http://news.example.com/old", "2014-10-16T00:00:00Z", status=301,
                 location="http://news.example.com/a"),
        ])
        pywb.cdx_url(base)                            # -> "http://127.0.0.1:PORT/c1/cdx"
        pywb.add_warcs(base, [our_warc])              # index any WARC into the collection

``Page`` bodies are stored as given; ``write_pages_warc`` writes them the way a
crawler would (response + request records, WARC-Date = the capture time).
``source()`` and ``write_manifest()`` make the matching manifest sources.
The server is a ``wayback`` subprocess on 127.0.0.1 and a free port; it is
stopped (by its own pid) when the context ends. Its log is ``<root>/pywb.log``.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archiver.models import Source

START_TIMEOUT = 30.0


@dataclass(frozen=True)
class Page:
    """One capture to put in a test archive.

    ``when`` is an aware datetime, an ISO 8601 string or a 14-digit timestamp.
    A 3xx page needs ``location`` (the archived Location header, as the site sent it).
    """

    url: str
    when: datetime | str
    body: bytes | str = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    location: str | None = None
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def captured(self) -> datetime:
        return as_datetime(self.when)

    @property
    def timestamp(self) -> str:
        return self.captured.strftime("%Y%m%d%H%M%S")

    @property
    def payload(self) -> bytes:
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body


def as_datetime(when: datetime | str) -> datetime:
    if isinstance(when, datetime):
        return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
    text = when.strip()
    if text.isdigit():
        return datetime.strptime(text.ljust(14, "0"), "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def write_pages_warc(path: Path, pages: Sequence[Page]) -> Path:
    """Write ``pages`` as a crawler would: a response and a request record per page."""
    reasons = {200: "OK", 301: "Moved Permanently", 302: "Found", 404: "Not Found"}
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True, warc_version="1.1")
        for page in pages:
            date = page.captured.strftime("%Y-%m-%dT%H:%M:%SZ")
            headers = [("Content-Type", page.content_type),
                       ("Date", page.captured.strftime("%a, %d %b %Y %H:%M:%S GMT"))]
            if page.location:
                headers.append(("Location", page.location))
            headers.extend(page.headers)
            headers.append(("Content-Length", str(len(page.payload))))
            http = StatusAndHeaders(f"{page.status} {reasons.get(page.status, 'Status')}",
                                    headers, protocol="HTTP/1.1")
            resp = writer.create_warc_record(page.url, "response",
                                             payload=BytesIO(page.payload),
                                             length=len(page.payload), http_headers=http,
                                             warc_headers_dict={"WARC-Date": date})
            parts = urlsplit(page.url)
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            req_http = StatusAndHeaders(f"GET {target}", [("Host", parts.netloc),
                                                          ("User-Agent", "test-crawler")],
                                        protocol="HTTP/1.1", is_http_request=True)
            req = writer.create_warc_record(page.url, "request", http_headers=req_http,
                                            warc_headers_dict={"WARC-Date": date})
            writer.write_request_response_pair(req, resp)
    return path


def source(sid: str, url: str, published: str | date, **extra: Any) -> Source:
    """A manifest source with dull defaults for the fields fetch does not read."""
    when = date.fromisoformat(published) if isinstance(published, str) else published
    fields: dict[str, Any] = {"publisher": "Example News", "title": f"Story {sid}",
                              "language": "en", **extra}
    return Source(id=sid, url=url, published=when, **fields)


def write_manifest(path: Path, sources: Sequence[Source], manifest_id: str = "test") -> Path:
    """Write a TOML manifest holding ``sources`` (for CLI and subprocess tests)."""
    lines = ["[manifest]", f'id = "{manifest_id}"', 'title = "Test manifest"', ""]
    for src in sources:
        lines += ["[[source]]", f'id = "{src.id}"', f'url = "{src.url}"',
                  f'publisher = "{src.publisher}"', f'title = "{src.title}"',
                  f"published = {src.published.isoformat()}", f'language = "{src.language}"',
                  ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PywbArchive:
    """A pywb ``wayback`` server on 127.0.0.1 serving collections under ``root``."""

    root: Path
    port: int = 0
    _process: subprocess.Popen[bytes] | None = None
    _names: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    # -- server ---------------------------------------------------------------------

    def start(self) -> PywbArchive:
        (self.root / "collections").mkdir(parents=True, exist_ok=True)
        self.port = self.port or _free_port()
        log = open(self.root / "pywb.log", "wb")  # noqa: SIM115 - owned by the process
        code = "import sys; from pywb.apps.cli import wayback; sys.exit(wayback(sys.argv[1:]))"
        self._process = subprocess.Popen(
            [sys.executable, "-c", code, "-p", str(self.port), "-b", "127.0.0.1"],
            cwd=self.root, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"pywb exited at start: {self.log()[-2000:]}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=2).close()
                return self
            except urllib.error.HTTPError:
                return self  # it answers
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"pywb did not answer within {START_TIMEOUT:.0f} s")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def __enter__(self) -> PywbArchive:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def log(self) -> str:
        path = self.root / "pywb.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # -- collections ------------------------------------------------------------------

    @property
    def server(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def _name(self, base_or_name: str) -> str:
        return base_or_name.rstrip("/").rsplit("/", 1)[-1]

    def base_url(self, name: str) -> str:
        """The archive base URL of a collection: ``<ts>id_/<url>`` is appended to it."""
        return f"{self.server}{self._name(name)}/"

    def cdx_url(self, name: str) -> str:
        return f"{self.server}{self._name(name)}/cdx"

    def collection(self, pages: Sequence[Page] = (), warcs: Sequence[Path] = (),
                   name: str | None = None) -> str:
        """Make a new collection holding ``pages`` and ``warcs``; return its base URL."""
        name = name or f"c{next(self._names)}"
        coll = self.root / "collections" / name
        (coll / "archive").mkdir(parents=True, exist_ok=False)
        (coll / "indexes").mkdir()
        files = list(warcs)
        if pages:
            files.append(write_pages_warc(self.root / f"{name}-pages.warc.gz", pages))
        self.add_warcs(name, files)
        return self.base_url(name)

    def add_warcs(self, name: str, warcs: Sequence[Path]) -> None:
        """Copy WARCs into a collection and index them (in-process, pywb's indexer)."""
        with warnings.catch_warnings():  # pywb imports the deprecated cgi module
            warnings.simplefilter("ignore", DeprecationWarning)
            from pywb.indexer.cdxindexer import write_cdx_index

        coll = self.root / "collections" / self._name(name)
        for warc in warcs:
            dest = coll / "archive" / Path(warc).name
            shutil.copyfile(warc, dest)
            out = BytesIO()
            with open(dest, "rb") as fh:
                write_cdx_index(out, fh, dest.name, cdxj=True, sort=True)
            lines = sorted(line for line in out.getvalue().splitlines(keepends=True)
                           if line.strip() and not line.startswith(b" CDX"))
            tmp = coll / "indexes" / f".{dest.name}.cdxj.tmp"
            tmp.write_bytes(b"".join(lines))
            tmp.replace(coll / "indexes" / f"{dest.name}.cdxj")
        # HACK: pywb caches a collection's list of index files until the folder's
        # os.stat() mtime changes, compared in whole seconds: an index added in the
        # second the collection was last read would stay unseen by the running
        # server. Move the folder's mtime on so pywb rescans it.
        indexes = coll / "indexes"
        later = max(time.time(), indexes.stat().st_mtime) + 2
        os.utime(indexes, (later, later))
        # END HACK
