"""ReplayWeb.page shows a page from the WACZ `archiver package` writes, in headless Chromium.

ReplayWeb.page (npm ``replaywebpage``, Webrecorder) replays a WACZ in the
browser through a service worker, so it is served over HTTP from 127.0.0.1 (a
secure context, as service workers need), with the WACZ beside it, by a local
server that answers Range requests as the WACZ spec asks ("Partial Requests").
The package is fetched once with ``npm pack`` into a cache folder
(``$ARCHIVER_TEST_CACHE`` or ``~/.cache/archiver-tests``); without npm the test
is skipped, or fails when ``ARCHIVER_REQUIRE_BROWSER`` is set, as the other
browser tests do.
"""

from __future__ import annotations

import mimetypes
import os
import re
import shutil
import subprocess
import tarfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest

from archiver.package import package_manifest
from tests.support.browser import CHROMIUM_ARGS, chromium_path
from tests.support.localweb import LocalSite, Reply, SeenRequest
from tests.support.pywb_archive import PywbArchive
from tests.test_package import BRIDGE, BRIDGE_TEXT, HARBOUR, HARBOUR_TEXT, T1, make_project

if TYPE_CHECKING:  # playwright is imported by the test itself, after chromium_path()
    from playwright.sync_api import Page

#: The ReplayWeb.page release the test runs (pinned: the same app on every run).
REPLAYWEBPAGE = "replaywebpage@2.5.3"
#: How long the app may take to load the WACZ and render the page.
REPLAY_TIMEOUT = 60.0

_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


def _need(message: str) -> None:
    if os.environ.get("ARCHIVER_REQUIRE_BROWSER"):
        pytest.fail(message)
    pytest.skip(message)


def replaywebpage() -> Path:
    """The unpacked npm package (its ``index.html``, ``ui.js``, ``sw.js``), cached."""
    cache = Path(os.environ.get("ARCHIVER_TEST_CACHE")
                 or Path.home() / ".cache" / "archiver-tests") / REPLAYWEBPAGE.replace("@", "-")
    app = cache / "package"
    if (app / "sw.js").is_file() and (app / "ui.js").is_file():
        return app
    npm = shutil.which("npm")
    if npm is None:
        _need("npm is needed to fetch ReplayWeb.page (npm package replaywebpage)")
    assert npm is not None
    cache.mkdir(parents=True, exist_ok=True)
    packed = subprocess.run([npm, "pack", REPLAYWEBPAGE, "--silent"], cwd=cache,
                            capture_output=True, text=True, timeout=300, check=False)
    if packed.returncode != 0:
        _need(f"npm pack {REPLAYWEBPAGE} failed: {packed.stderr.strip()[-300:]}")
    tarball = cache / packed.stdout.strip().splitlines()[-1]
    unpacking = cache / f"unpacking-{os.getpid()}"
    with tarfile.open(tarball) as tar:
        tar.extractall(unpacking, filter="data")
    if not app.exists():
        os.replace(unpacking / "package", app)
    shutil.rmtree(unpacking, ignore_errors=True)
    tarball.unlink()
    return app


def _content_type(path: Path) -> str:
    if path.suffix == ".wacz":
        return "application/wacz"  # WACZ 1.1.1, "Media Type"
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def static_file(path: Path) -> Callable[[SeenRequest], Reply]:
    """A handler serving ``path`` whole or, for a Range request, the part asked."""
    def serve(request: SeenRequest) -> Reply:
        body = path.read_bytes()
        headers = {"Accept-Ranges": "bytes", "Cache-Control": "no-store"}
        wanted = {k.lower(): v for k, v in request.headers.items()}.get("range")
        match = _RANGE.match(wanted.strip()) if wanted else None
        if match is None:
            return Reply(200, body, headers, content_type=_content_type(path))
        first, last = match.groups()
        if first:
            start, end = int(first), min(int(last) if last else len(body) - 1, len(body) - 1)
        else:  # a suffix: the last N bytes
            start, end = max(0, len(body) - int(last)), len(body) - 1
        headers["Content-Range"] = f"bytes {start}-{end}/{len(body)}"
        return Reply(206, body[start:end + 1], headers, content_type=_content_type(path))
    return serve


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, pywb: PywbArchive) -> Iterator[LocalSite]:
    chromium_path()
    app = replaywebpage()
    project = make_project(tmp_path_factory.mktemp("project"), pywb)
    wacz = tmp_path_factory.mktemp("served") / "press.wacz"
    package_manifest(project.manifest, wacz=wacz, now=T1)
    server = LocalSite()
    for path in app.rglob("*"):
        if path.is_file():
            server.route("/" + path.relative_to(app).as_posix(), static_file(path))
    server.route("/press.wacz", static_file(wacz))
    with server:
        yield server


def frames_text(page: Page) -> str:
    """The visible text of every frame of ``page`` (the replayed page is an inner frame)."""
    texts = []
    for frame in page.frames:
        try:
            texts.append(frame.inner_text("body", timeout=1000))
        except Exception:  # a frame still loading, or gone
            continue
    return "\n".join(texts)


@pytest.mark.parametrize(("url", "ts", "text"), [(HARBOUR, "20141016071500", HARBOUR_TEXT),
                                               (BRIDGE, "20141021090000", BRIDGE_TEXT)])
def test_replaywebpage_shows_the_captured_page_from_our_wacz(site: LocalSite, url: str,
                                                             ts: str, text: str) -> None:
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    outside: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: outside.append(r.url)
                    if not r.url.startswith((site.base, "blob:", "data:")) else None)
            page.goto(site.url(f"/index.html?source={quote('/press.wacz')}"
                               f"#view=replay&url={quote(url, safe='')}&ts={ts}"))
            deadline = time.monotonic() + REPLAY_TIMEOUT
            seen, frames = "", []
            while time.monotonic() < deadline:
                seen = frames_text(page)
                if text in seen:
                    break
                time.sleep(0.5)
            frames = [f.url for f in page.frames]
        finally:
            browser.close()
    assert text in seen, f"not shown within {REPLAY_TIMEOUT:g} s; frames: {frames}"
    # replayed from the WACZ, at the capture's time, by the service worker
    assert any(f"/{ts}mp_/{url}" in f for f in frames), frames
    assert outside == [] and errors == []
    # read in parts, as a WACZ is meant to be (HTTP Range requests)
    assert any("range" in {k.lower() for k in r.headers} for r in site.requests
               if r.path == "/press.wacz")
