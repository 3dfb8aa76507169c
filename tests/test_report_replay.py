"""`archiver replay` serves the WARC folder with pywb, where the report's local links point.

A real fetch from a local pywb archive stores captures in a project's WARC
folder; ``archiver replay`` (a subprocess, as a user runs it) serves that
folder; the links report.html gives are fetched and answer 200 with the
archived page; SIGINT and SIGTERM stop it (exit 0, nothing left listening).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from archiver.cli import cli
from archiver.fetch import Archive, fetch_sources
from archiver.manifest import load_manifest
from archiver.models import CaptureOutcome, FetchRun, Manifest, RunResult
from archiver.report.run import format_html
from archiver.store import replay
from tests.support.pywb_archive import Page, PywbArchive, source, write_manifest

BODY = ("<html><head><title>Harbour</title></head><body><p>The harbour will reopen "
        "on Monday, the mayor said.</p></body></html>")
STORIES = ["http://news.example.com/2014/10/15/story.html",
           "http://news.example.com/2014/10/16/other.html?id=7&x=y"]
T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
START = 90.0  # seconds: indexing, then pywb's start, on a loaded machine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def project(pywb: PywbArchive, tmp_path_factory: pytest.TempPathFactory,
            ) -> tuple[Manifest, FetchRun]:
    """A project folder (manifest, warcs/) whose captures a real fetch stored."""
    folder = tmp_path_factory.mktemp("project")
    base = pywb.collection([Page(url, "2014-10-16T07:15:00Z", BODY) for url in STORIES])
    sources = [source(f"s{i}", url, "2014-10-15") for i, url in enumerate(STORIES)]
    manifest = load_manifest(write_manifest(folder / "press.toml", sources))
    run = fetch_sources(manifest, warcs_dir=folder / "warcs", archives=[Archive.from_url(base)],
                        listings_per_minute=60000.0, downloads_per_second=1000.0,
                        allow_private=True)
    assert [r.outcome for r in run.results] == [CaptureOutcome.STORED] * 2
    return manifest, run


def run_of(manifest: Manifest, fetched: FetchRun) -> RunResult:
    return RunResult(manifest_id=manifest.id, started_at=T0, finished_at=T0,
                     captures=fetched.results, warcs_dir=fetched.warcs_dir)


def local_links(page: str) -> list[str]:
    root = ET.fromstring(page.split("\n", 1)[1])
    return [a.get("href", "") for a in root.iter("a") if a.get("class") == "local"]


class Replay:
    """``archiver replay`` in a subprocess, as a user starts it."""

    def __init__(self, *args: str, cwd: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "archiver", "replay", *args, "--no-progress"],
            cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})

    def wait_serving(self) -> str:
        """The first line on stdout (``serving … at URL``), once pywb answers."""
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # blocks until the server is up, or it exits
        if not line:
            _, err = self.proc.communicate(timeout=10)
            raise AssertionError(f"replay exited {self.proc.returncode}: {err}")
        return line

    def stop(self, sig: int) -> tuple[int, str]:
        self.proc.send_signal(sig)
        _, err = self.proc.communicate(timeout=30)
        return self.proc.returncode, err

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_replay_serves_what_the_report_links_and_stops_on_a_signal(
        project: tuple[Manifest, FetchRun], sig: int) -> None:
    manifest, fetched = project
    assert manifest.path is not None
    port = free_port()
    server = Replay(manifest.path.name, "--port", str(port), cwd=manifest.path.parent)
    try:
        started = time.monotonic()
        line = server.wait_serving()
        took = time.monotonic() - started
        assert f"http://127.0.0.1:{port}/local/" in line and "record(s)" in line
        page = format_html(run_of(manifest, fetched), manifest,
                           replay_base=f"http://127.0.0.1:{port}/")
        links = local_links(page)
        assert len(links) == 2
        for link, result in zip(links, fetched.results, strict=True):
            assert result.capture is not None
            assert link == (f"http://127.0.0.1:{port}/local/"
                            f"{result.capture.memento_datetime:%Y%m%d%H%M%S}/{result.capture.url}")
            answer = requests.get(link, timeout=30)
            assert answer.status_code == 200, (link, answer.status_code)
            assert "The harbour will reopen on Monday" in answer.text
        raw = requests.get(links[0].replace("/local/20141016071500/",
                                            "/local/20141016071500id_/"), timeout=30)
        assert raw.status_code == 200 and raw.text == BODY  # the stored payload, byte for byte
        code, err = server.stop(sig)
    finally:
        server.kill()
    print(f"\nreplay answered after {took:.1f} s")
    assert code == 0, err
    assert "stopped" in err
    with pytest.raises(OSError):  # pywb went with it
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_the_report_links_each_capture_to_the_default_replay_and_says_where_the_warc_is(
        project: tuple[Manifest, FetchRun]) -> None:
    manifest, fetched = project
    page = format_html(run_of(manifest, fetched), manifest)
    capture = fetched.results[1].capture
    assert capture is not None
    assert local_links(page)[1] == (
        "http://127.0.0.1:8080/local/20141016071500/"
        "http://news.example.com/2014/10/16/other.html?id=7&x=y")
    assert f"<code>warcs/{capture.warc_file}</code> @ {capture.warc_offset}" in page
    assert 'title="start it with: archiver replay press.toml"' in page
    assert "<code>archiver replay press.toml</code> runs in the project folder" in page


def test_without_pywb_replay_names_the_extra_to_install(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(replay, "pywb_available", lambda: False)
    result = CliRunner().invoke(cli, ["replay", "--warcs", str(tmp_path)])
    assert result.exit_code == 3
    assert "needs pywb" in result.stderr
    assert "pip install 'archiver-provenance[replay]'" in result.stderr


def test_replay_needs_a_warc_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["replay"])
    assert result.exit_code == 3 and "no WARC folder" in result.stderr
    result = CliRunner().invoke(cli, ["replay", "--warcs", str(tmp_path / "none")])
    assert result.exit_code == 3 and "WARC folder not found" in result.stderr


def test_a_port_in_use_is_refused_before_pywb_starts(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(cli, ["replay", "--warcs", str(tmp_path), "--port",
                                          str(port), "--no-progress"])
    assert result.exit_code == 3
    assert f"cannot serve on 127.0.0.1:{port}" in result.stderr and "--port" in result.stderr


def test_index_lines_are_cached_per_warc_file(project: tuple[Manifest, FetchRun],
                                              tmp_path: Path) -> None:
    _, fetched = project
    assert fetched.warcs_dir is not None
    first = replay.build_index(fetched.warcs_dir, tmp_path / "a.cdxj")
    assert (fetched.warcs_dir / replay.INDEX_CACHE_NAME).is_file()
    assert first >= 2
    lines = (tmp_path / "a.cdxj").read_text().splitlines()
    assert lines == sorted(lines) and any("news.example.com" in x for x in lines)
    # the second time, the cache answers (the same index)
    assert replay.build_index(fetched.warcs_dir, tmp_path / "b.cdxj") == first
    assert (tmp_path / "b.cdxj").read_text() == (tmp_path / "a.cdxj").read_text()


def test_a_killed_replay_leaves_no_server_behind(project: tuple[Manifest, FetchRun]) -> None:
    _, fetched = project
    assert fetched.warcs_dir is not None
    port = free_port()
    server = Replay("--warcs", str(fetched.warcs_dir), "--port", str(port),
                    cwd=fetched.warcs_dir)
    try:
        server.wait_serving()
        server.proc.kill()  # SIGKILL: no chance to stop pywb itself
        server.proc.wait()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
            except OSError:
                break  # pywb noticed its parent was gone and stopped
            time.sleep(0.2)
        else:
            raise AssertionError("pywb still serves after archiver replay was killed")
    finally:
        server.kill()
