"""``archiver check`` and ``archiver history`` through click: exit codes, stdout, stderr."""

from __future__ import annotations

import json
import socket
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from archiver.cli import cli
from archiver.history import DEFAULT_DB_NAME, History
from archiver.models import LinkClass, LinkResult
from tests.support.localweb import LocalSite, Reply

ARTICLE = "<html><title>Story</title><body>" + "words of a real story " * 50 + "</body></html>"
FAST = ["--allow-private", "--no-progress", "--per-host-interval", "0", "--backoff", "0.01",
        "--no-probe"]
RESULT_KEYS = {"source_id", "url", "link_class", "http_status", "final_url", "redirects", "error",
               "elapsed_ms", "state"}


@pytest.fixture(scope="module")
def shared_site() -> Iterator[LocalSite]:
    with LocalSite() as s:
        yield s


@pytest.fixture()
def site(shared_site: LocalSite) -> LocalSite:
    shared_site.reset()
    shared_site.route("/ok", Reply(200, ARTICLE))
    shared_site.route("/gone", Reply(404, "no"))
    shared_site.route("/moved", Reply(301, "", headers={"Location": "/2014/new-place"}))
    shared_site.route("/2014/new-place", Reply(200, ARTICLE))
    return shared_site


def write_manifest(folder: Path, urls: dict[str, str]) -> Path:
    parts = ['[manifest]\nid = "test"\ntitle = "Test"\n']
    for sid, url in urls.items():
        parts.append(f'[[source]]\nid = "{sid}"\nurl = "{url}"\npublisher = "P"\n'
                     f'title = "T"\npublished = 2014-09-01\nlanguage = "fr"\n')
    path = folder / "sources.toml"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def refused_url(address: str) -> str:
    """A URL on ``address`` where nothing listens (the port was free a moment ago)."""
    with socket.socket() as sock:
        sock.bind((address, 0))
        port = sock.getsockname()[1]
    return f"http://{address}:{port}/story"


# -- exit codes and the JSON schema -----------------------------------------------


def test_json_report_and_exit_1_on_gone(site: LocalSite, tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path, {"a": site.url("/ok"), "b": site.url("/gone"),
                                         "c": site.url("/moved")})
    result = run("check", manifest, "--format", "json", *FAST)
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    assert doc["run"]["inconclusive"] is False and doc["run"]["links"] == 3
    assert doc["run"]["fail_on"] == "gone,dead" and doc["run"]["failed"] == ["b"]
    assert [r["link_class"] for r in doc["results"]] == ["ok", "gone", "redirected"]
    for r in doc["results"]:
        assert set(r) >= RESULT_KEYS
    moved = doc["results"][2]
    assert moved["final_url"] == site.url("/2014/new-place")
    assert moved["redirects"] == [{"url": site.url("/moved"), "status": 301,
                                   "location": site.url("/2014/new-place")}]
    assert doc["results"][1]["state"] == "failing"
    assert "3 links checked" in result.stderr and "1 of 3 links match --fail-on" in result.stderr


def test_all_ok_exits_0_with_a_table_and_a_quiet_stderr(site: LocalSite, tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path, {"a": site.url("/ok"), "c": site.url("/moved")})
    result = run("check", manifest, *FAST)
    assert result.exit_code == 0, result.output
    assert "source" in result.stdout and "redirected" in result.stdout
    assert "2 links checked: 1 ok, 1 redirected" in result.stdout
    assert result.stderr == ""  # no progress bar off a terminal, no warnings


def test_fail_on_never_and_lists(site: LocalSite, tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path, {"a": site.url("/ok"), "b": site.url("/gone")})
    assert run("check", manifest, "--fail-on", "never", *FAST).exit_code == 0
    assert run("check", manifest, "--fail-on", "redirected,blocked", *FAST).exit_code == 0
    assert run("check", manifest, "--fail-on", "transient", "--fail-on", "gone",
               *FAST).exit_code == 1


def test_bad_fail_on_is_a_usage_error(tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path, {"a": "https://example.org/a"})
    result = run("check", manifest, "--fail-on", "deadd")
    assert result.exit_code == 2
    assert "deadd" in result.stderr and "soft404" in result.stderr and result.stdout == ""


def test_invalid_manifest_exits_3(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[manifest]\nid = "x"\n[[source]]\nid = "a"\n', encoding="utf-8")
    result = run("check", bad, *FAST)
    assert result.exit_code == 3 and "error" in result.stderr and result.stdout == ""


def test_an_offline_run_in_json_lines_is_voided_in_the_file(tmp_path: Path) -> None:
    """JSON Lines are written as checks end; an offline verdict at the end still voids them."""
    manifest = write_manifest(tmp_path, {"a": refused_url("127.0.0.2"),
                                         "b": refused_url("127.0.0.3")})
    out = tmp_path / "out.jsonl"
    result = run("check", manifest, "--format", "jsonl", "-o", out, "--retries", "0", *FAST)
    assert result.exit_code == 4, result.output
    assert result.stdout == ""
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["source_id"] for r in lines[:-1]] == ["a", "b"]
    assert {r["link_class"] for r in lines[:-1]} == {"inconclusive"}
    assert {r["observed_class"] for r in lines[:-1]} == {"transient"}
    assert lines[-1]["run"]["inconclusive"] is True
    assert lines[-1]["run"]["counts"]["transient"] == 0
    assert "no link's history was advanced" in result.stderr
    # no spool or temporary file is left beside the output (the history is in .archiver/)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".archiver", "out.jsonl",
                                                          "sources.toml"]


def test_offline_run_exits_4_and_says_so(tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path, {"a": refused_url("127.0.0.2"),
                                         "b": refused_url("127.0.0.3")})
    result = run("check", manifest, "--format", "json", "--retries", "0", *FAST)
    assert result.exit_code == 4, result.output
    doc = json.loads(result.stdout)
    assert doc["run"]["inconclusive"] is True
    assert {r["link_class"] for r in doc["results"]} == {"inconclusive"}
    assert "inconclusive:" in result.stderr and "offline" in result.stderr
    assert result.stderr.count("inconclusive:") == 1  # the library logs, never prints
    assert "no link's history was advanced" in result.stderr


def test_canary_option(site: LocalSite, tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path, {"a": site.url("/ok")})
    assert run("check", manifest, "--canary", site.url("/ok"), *FAST).exit_code == 0
    result = run("check", manifest, "--canary", refused_url("127.0.0.4"), "--retries", "0",
                 *FAST)
    assert result.exit_code == 4 and "canary" in result.stderr


def test_private_urls_are_refused_without_allow_private(site: LocalSite, tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path, {"a": site.url("/ok")})
    result = run("check", manifest, "--format", "json", "--no-progress")
    assert result.exit_code == 0
    r = json.loads(result.stdout)["results"][0]
    assert r["link_class"] == "invalid" and r["error"] == "private"
    assert "--allow-private" in r["detail"]
    assert site.hits("/ok") == 0


def test_user_agent_option(site: LocalSite, tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path, {"a": site.url("/ok")})
    run("check", manifest, "--user-agent", "survey-bot/1 (+mailto:me@example.org)", *FAST)
    assert site.requests[0].headers["User-Agent"] == "survey-bot/1 (+mailto:me@example.org)"


# -- formats and --output ------------------------------------------------------------


def test_other_formats(site: LocalSite, tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path, {"a": site.url("/ok"), "b": site.url("/gone")})
    lines = run("check", manifest, "--format", "jsonl", *FAST).stdout.splitlines()
    assert [json.loads(x)["link_class"] for x in lines[:2]] == ["ok", "gone"]
    assert json.loads(lines[2])["run"]["links"] == 2

    csv_out = run("check", manifest, "--format", "csv", *FAST).stdout.splitlines()
    assert csv_out[0].startswith("source_id,url,link_class,http_status") and len(csv_out) == 3

    md = run("check", manifest, "--format", "markdown", *FAST).stdout
    assert md.startswith("## Link check: test") and "### Findings" in md and "| b |" in md

    xml = run("check", manifest, "--format", "junit", *FAST).stdout
    suite = ET.fromstring(xml).find("testsuite")
    assert suite is not None and suite.get("tests") == "2" and suite.get("failures") == "1"


def test_output_file(site: LocalSite, tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path, {"a": site.url("/ok")})
    out = tmp_path / "reports" / "links.json"
    result = run("check", manifest, "--format", "json", "--output", out, *FAST)
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(out.read_text())["results"][0]["link_class"] == "ok"
    assert "1 links checked: 1 ok" in result.stderr


# -- history -----------------------------------------------------------------------


def test_history_database_and_command(site: LocalSite, tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path, {"a": site.url("/ok"), "b": site.url("/gone")})
    run("check", manifest, *FAST)
    db = tmp_path / DEFAULT_DB_NAME
    assert db.is_file()

    listing = run("history", "--manifest", manifest)
    assert listing.exit_code == 0, listing.output
    assert "alive" in listing.stdout and "failing" in listing.stdout
    assert "2 links: 1 alive, 1 failing" in listing.stdout

    one = run("history", "--manifest", manifest, "b")
    assert one.exit_code == 0 and site.url("/gone") in one.stdout
    assert "unknown" in one.stdout and "failing" in one.stdout  # the state change

    doc = json.loads(run("history", "--db", db, site.url("/gone"), "--format", "json").stdout)
    assert doc["link"]["state"] == "failing" and doc["checks"][0]["http_status"] == 404
    assert doc["transitions"][0]["to_state"] == "failing"


def test_history_errors(tmp_path: Path) -> None:
    assert run("history").exit_code == 2
    missing = run("history", "--db", tmp_path / "none.sqlite3")
    assert missing.exit_code == 3 and "archiver check" in missing.stderr
    with History(tmp_path / "h.sqlite3"):
        pass
    unknown = run("history", "--db", tmp_path / "h.sqlite3", "https://example.org/never")
    assert unknown.exit_code == 3 and "never been checked" in unknown.stderr


def test_no_history_writes_nothing(site: LocalSite, tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path, {"b": site.url("/gone")})
    result = run("check", manifest, "--no-history", "--format", "json", *FAST)
    assert json.loads(result.stdout)["results"][0]["state"] == "unknown"
    assert not (tmp_path / ".archiver").exists()


def test_fail_on_dead_uses_the_history(site: LocalSite, tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path, {"b": site.url("/gone")})
    fresh = run("check", manifest, "--db", tmp_path / "fresh.sqlite3", "--fail-on", "dead",
                *FAST)
    assert fresh.exit_code == 0  # failing(1) is not dead yet
    db = tmp_path / "h.sqlite3"
    long_ago = datetime.now(UTC) - timedelta(days=30)
    with History(db) as history:  # two failing checks a month ago, 3 days apart
        for day in (0, 3):
            at = long_ago + timedelta(days=day)
            history.record_run(manifest_id="test", started_at=at, finished_at=at,
                               results=[LinkResult("b", site.url("/gone"), LinkClass.GONE,
                                                   checked_at=at)])
    dead = run("check", manifest, "--db", db, "--fail-on", "dead", "--format", "json", *FAST)
    assert dead.exit_code == 1
    assert json.loads(dead.stdout)["results"][0]["state"] == "dead"


def test_dead_threshold_options(site: LocalSite, tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path, {"b": site.url("/gone")})
    result = run("check", manifest, "--dead-after", "1", "--fail-on", "dead", "--format",
                 "json", *FAST)
    assert result.exit_code == 1
    assert json.loads(result.stdout)["results"][0]["state"] == "dead"


def test_help_documents_exit_codes_and_classes() -> None:
    text = run("check", "--help").stdout
    for word in ("soft404", "blocked", "inconclusive", "--fail-on", "--per-host-interval",
                 "--canary", "Exit codes"):
        assert word in text
    assert "Examples" in run("history", "--help").stdout


def test_threads_are_not_left_behind(site: LocalSite, tmp_path: Path) -> None:
    before = threading.active_count()
    manifest = write_manifest(tmp_path, {"a": site.url("/ok")})
    run("check", manifest, *FAST)
    assert threading.active_count() <= before + 1


def test_ctrl_c_stops_a_check_at_once(site: LocalSite, tmp_path: Path) -> None:
    """SIGINT while requests are in flight: exit 130, "Interrupted.", no traceback, no wait
    for the slow server (its answer would take 30 s)."""
    import signal
    import subprocess
    import sys
    import time

    site.route("/slow", Reply(200, "late", delay=30))
    manifest = write_manifest(tmp_path, {f"s{i}": site.url(f"/slow?{i}") for i in range(4)})
    proc = subprocess.Popen(
        [sys.executable, "-m", "archiver", "check", str(manifest), "--allow-private",
         "--no-progress", "--no-history"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    deadline = time.monotonic() + 20
    while len(site.requests) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(site.requests) >= 2  # requests are in flight
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130
    assert time.monotonic() - started < 5
    assert "Interrupted." in err and "Traceback" not in err
    assert out == ""
