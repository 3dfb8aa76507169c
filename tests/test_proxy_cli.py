"""``--proxy`` and the proxy variables on ``check``, ``fetch`` and ``verify``, through click.

A real local forward proxy (:mod:`tests.world.proxy`) stands between archiver
and made-up hosts; offline detection must still work behind it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from archiver.cli import cli
from archiver.clock import ManualClock
from archiver.fetch import Archive, fetch_sources
from archiver.fetch.limits import RETRY_DELAYS
from archiver.manifest import load_manifest
from archiver.models import CaptureOutcome
from tests.support.localweb import LocalSite, Reply
from tests.test_proxy import PROXY_VARS
from tests.test_warcread import WarcFile, page
from tests.world.proxy import ForwardProxy, ProxiedRequest, TableRouter

ARTICLE = ("<html><title>Calais</title><body>" + "the port of Calais and its ferries " * 30
           + "</body></html>")
FAST = ["--no-progress", "--per-host-interval", "0", "--retries", "0", "--no-history"]
PASSAGE = "« la fibre humanitaire est dans la famille », dit-elle"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)


def news(request: ProxiedRequest) -> Reply:
    if request.target == "/2014/story":
        return Reply(200, ARTICLE)
    if request.target == "/2014/live-story":
        return Reply(200, page("Elle le dit autrement aujourd'hui."))
    return Reply(404, "<html><title>Not found</title></html>")


def proxy_for(style: str) -> ForwardProxy:
    sites: dict[str, Callable[[ProxiedRequest], Reply]] = {
        "news.example.org": news, "other.example.org": news}
    return ForwardProxy(TableRouter(sites), style=style)


@pytest.fixture()
def proxy() -> Iterator[ForwardProxy]:
    with proxy_for("rfc9209") as p:
        yield p


def write_manifest(folder: Path, urls: dict[str, str], quote: str | None = None) -> Path:
    parts = ['[manifest]\nid = "proxy-test"\ntitle = "Test"\n']
    for sid, url in urls.items():
        parts.append(f'[[source]]\nid = "{sid}"\nurl = "{url}"\npublisher = "P"\n'
                     f'title = "T"\npublished = 2014-09-01\nlanguage = "fr"\n')
        if quote:
            parts.append(f'  [[source.quote]]\n  text = "{quote}"\n')
    path = folder / "sources.toml"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def invoke(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], env=env)


def classes(result: Result) -> dict[str, tuple[str, str | None]]:
    data = json.loads(result.stdout)
    return {r["source_id"]: (r["link_class"], r["error"]) for r in data["results"]}


@pytest.mark.parametrize("command", ["check", "fetch", "verify"])
def test_bad_proxy_url_is_a_usage_error(tmp_path: Path, command: str) -> None:
    path = write_manifest(tmp_path, {"a": "http://news.example.org/2014/story"})
    result = invoke(command, path, "--proxy", "socks5://127.0.0.1:1080")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "--proxy" in result.stderr and "not an http:// or https:// URL" in result.stderr


@pytest.mark.parametrize("command", ["check", "fetch", "verify"])
def test_proxy_option_is_documented(command: str) -> None:
    result = invoke(command, "--help")
    assert result.exit_code == 0 and "--proxy URL" in result.stdout


def test_check_through_the_proxy(tmp_path: Path, proxy: ForwardProxy) -> None:
    path = write_manifest(tmp_path, {"ok": "http://news.example.org/2014/story",
                                     "gone": "http://news.example.org/2014/removed",
                                     "dead": "http://dead-domain.example.org/2014/x"})
    result = invoke("check", path, "--proxy", proxy.url, "--format", "json", *FAST)
    assert result.exit_code == 1, result.stderr  # gone links found
    assert classes(result) == {"ok": ("ok", None), "gone": ("gone", None),
                               "dead": ("gone", "dns")}
    assert "2 of 3 links match --fail-on gone,dead" in result.stderr
    assert proxy.seen("http://news.example.org/2014/story") == 1


def test_check_honours_http_proxy_from_the_environment(tmp_path: Path,
                                                       proxy: ForwardProxy) -> None:
    path = write_manifest(tmp_path, {"ok": "http://news.example.org/2014/story"})
    result = invoke("check", path, "--format", "json", *FAST, env={"HTTP_PROXY": proxy.url})
    assert result.exit_code == 0, result.stderr
    assert classes(result) == {"ok": ("ok", None)}
    assert proxy.seen("http://news.example.org/") >= 1


@pytest.mark.parametrize("style", ["rfc9209", "squid", "bare"])
def test_offline_behind_a_proxy_is_inconclusive(tmp_path: Path, style: str) -> None:
    """The proxy is up but reaches nothing: its 502/503 answers are not the sites' 5xx."""
    path = write_manifest(tmp_path, {f"s{i}": f"http://host{i}.example.net/2014/a"
                                     for i in range(4)})
    with proxy_for(style) as p:
        result = invoke("check", path, "--proxy", p.url, "--format", "json", *FAST)
    assert result.exit_code == 4, result.stdout
    assert "inconclusive: 4 of 4 hosts could not be reached at all" in result.stderr
    assert {c for c, _ in classes(result).values()} == {"inconclusive"}


def test_a_proxy_that_is_down_makes_the_run_inconclusive(tmp_path: Path) -> None:
    with LocalSite() as gone:
        port = gone.port
    path = write_manifest(tmp_path, {"a": "http://news.example.org/2014/story",
                                     "b": "http://other.example.org/2014/story"})
    result = invoke("check", path, "--proxy", f"http://127.0.0.1:{port}", "--format", "json",
                    *FAST)
    assert result.exit_code == 4
    assert "looks offline" in result.stderr
    assert classes(result) == {"a": ("inconclusive", "proxy_unreachable"),
                               "b": ("inconclusive", "proxy_unreachable")}


def test_fetch_through_a_proxy_that_is_down_stops_at_once(tmp_path: Path) -> None:
    """A misnamed or stopped proxy is a configuration problem: fetch does not spend
    the 62 s of archive retries on it, it stops (exit 4) and names the proxy."""
    import time

    with LocalSite() as gone:
        port = gone.port
    path = write_manifest(tmp_path, {"a": "http://news.example.org/2014/story"})
    started = time.monotonic()
    result = invoke("fetch", path, "--proxy", f"http://127.0.0.1:{port}",
                    "--archive", "http://archive.example.org/web/",
                    "--warcs", str(tmp_path / "warcs"), "--no-progress")
    assert time.monotonic() - started < 10
    assert result.exit_code == 4, result.stderr
    assert "cannot connect to the proxy" in result.stderr


def test_one_dead_domain_behind_the_proxy_is_not_offline(tmp_path: Path,
                                                         proxy: ForwardProxy) -> None:
    path = write_manifest(tmp_path, {"a": "http://news.example.org/2014/story",
                                     "b": "http://other.example.org/2014/story",
                                     "dead": "http://dead-domain.example.org/x"})
    result = invoke("check", path, "--proxy", proxy.url, "--format", "json", *FAST)
    assert result.exit_code == 1
    assert classes(result)["dead"] == ("gone", "dns")
    assert "inconclusive" not in result.stderr


def test_fetch_stops_when_the_proxy_cannot_reach_the_archive(tmp_path: Path,
                                                             proxy: ForwardProxy) -> None:
    path = write_manifest(tmp_path, {"a": "http://news.example.org/2014/story"})
    result = invoke("fetch", path, "--proxy", proxy.url, "--archive",
                    "http://archive.example.org/web/", "--warcs", tmp_path / "warcs",
                    "--no-progress", "--format", "json")
    assert result.exit_code == 4
    assert json.loads(result.stdout)["results"][0]["outcome"] == "archive_unreachable"
    assert "host name does not exist" in result.stderr or "NXDOMAIN" in result.stderr
    assert proxy.seen("http://archive.example.org/web/") == 1  # a name that does not exist


def test_fetch_retries_a_bare_proxy_gateway_error(tmp_path: Path) -> None:
    """A bare 502 for the archive is "could not connect", retried like a refused connection."""
    path = write_manifest(tmp_path, {"a": "http://news.example.org/2014/story"})
    clock = ManualClock()
    with proxy_for("bare") as p:
        run = fetch_sources(load_manifest(path), warcs_dir=tmp_path / "warcs",
                            archives=[Archive.from_url("http://archive.example.org/web/")],
                            clock=clock, proxy=p.url)
        asked = p.seen("http://archive.example.org/web/")
    assert run.inconclusive
    assert run.results[0].outcome is CaptureOutcome.ARCHIVE_UNREACHABLE
    assert asked == len(RETRY_DELAYS) + 1
    # 2, 4, 8, 16 and 32 s apart (politeness waits of the listing limiter come between)
    assert [s for s in clock.sleeps if s in RETRY_DELAYS] == list(RETRY_DELAYS)


def test_verify_live_through_the_proxy(tmp_path: Path, proxy: ForwardProxy) -> None:
    url = "http://news.example.org/2014/live-story"
    path = write_manifest(tmp_path, {"obs": url}, quote="la fibre humanitaire est dans la famille")
    with WarcFile(tmp_path / "warcs" / "a.warc.gz") as w:
        rid, _ = w.response(url, page(PASSAGE))
        w.chosen(url, rid, "obs")
    result = invoke("verify", path, "--live", "--proxy", proxy.url, "--format", "json",
                    "--fail-on", "drift", "--no-progress")
    assert result.exit_code == 1, result.stderr
    quote = json.loads(result.stdout)["results"][0]
    assert (quote["status"], quote["live_status"]) == ("verified", "gone")
    assert proxy.seen(url) == 1
