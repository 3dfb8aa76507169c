"""``archiver run`` end to end: a live local site, a local pywb archive, real Chromium.

The main test runs the command twice on a manifest, changes the world in
between (a story removed from the live site, a quote edited on the live page)
and checks that the second report says so, in report.json and in report.html
as a browser shows it. Others cover the exit codes, the output formats, a proxy,
and runs stopped by SIGTERM or SIGKILL and run again.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from archiver.cli import cli
from archiver.history import DEFAULT_DB_NAME, History
from archiver.store import LEDGER_NAME, check_folder, provenance, read_warc
from tests.support.browser import CHROMIUM_ARGS, chromium_path
from tests.support.localweb import LocalSite, Reply
from tests.support.pywb_archive import Page, PywbArchive
from tests.test_pipeline_run import refused_url
from tests.world.proxy import ForwardProxy, ProxiedRequest, TableRouter

FAST = ["--allow-private", "--no-progress", "--per-host-interval", "0", "--backoff", "0.01",
        "--retries", "1", "--no-probe", "--list-rate", "60000", "--download-rate", "1000"]
FAST_CHECK = [*FAST[:-4], "--no-history"]


def article(title: str, text: str) -> str:
    return (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
            f"<p>{text}</p></article></body></html>")


@dataclass(frozen=True)
class Story:
    sid: str
    path: str
    title: str
    text: str
    quote: str
    captured: str | None  # when the archive captured it; None: never


STORIES = (
    Story("harbour", "/2014/10/15/harbour.html", "The harbour reopens",
          "The harbour will reopen on Monday, the mayor said on Wednesday.",
          "The harbour will reopen on Monday", "2014-10-16T07:15:00Z"),
    Story("fence", "/2014/10/15/fence.html", "The fence",
          "Britain is no soft touch when it comes to illegal immigration, the minister said.",
          "Britain is no soft touch", "2014-10-17T09:00:00Z"),
    Story("market", "/2014/10/15/market.html", "The market moves",
          "The Sunday market will move to the town hall square in November.",
          "The Sunday market will move", None),
)


def write_manifest(path: Path, base: str, stories: tuple[Story, ...] = STORIES) -> Path:
    lines = ["[manifest]", 'id = "press"', 'title = "Press review, October 2014"', ""]
    for s in stories:
        lines += ["[[source]]", f'id = "{s.sid}"', f'url = "{base}{s.path}"',
                  'publisher = "Nord Littoral"', f'title = "{s.title}"',
                  "published = 2014-10-15", 'language = "en"', "",
                  "  [[source.quote]]", f'  text = "{s.quote}"', ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def pages(base: str, stories: tuple[Story, ...] = STORIES) -> list[Page]:
    return [Page(base + s.path, s.captured, article(s.title, s.text))
            for s in stories if s.captured]


@dataclass
class World:
    site: LocalSite
    archive: str
    manifest: Path

    def run(self, *args: str | Path) -> Result:
        return CliRunner().invoke(cli, ["run", str(self.manifest), "--archive", self.archive,
                                        *FAST, *map(str, args)])


@pytest.fixture(scope="module")
def shared_site() -> Iterator[LocalSite]:
    with LocalSite() as site:
        yield site


@pytest.fixture()
def site(shared_site: LocalSite) -> LocalSite:
    shared_site.routes.clear()
    shared_site.requests.clear()
    return shared_site


@pytest.fixture()
def world(site: LocalSite, pywb: PywbArchive, tmp_path: Path) -> World:
    for s in STORIES:
        site.route(s.path, Reply(200, article(s.title, s.text)))
    manifest = write_manifest(tmp_path / "manifests" / "press.toml", site.base)
    return World(site, pywb.collection(pages(site.base)), manifest)


def load_report(folder: Path) -> dict[str, Any]:
    data = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def change_kinds(report: dict[str, Any]) -> list[tuple[str, str]]:
    return [(c["source_id"], c["kind"]) for c in report["changes"]]


# -- end to end, twice ----------------------------------------------------------------------


def test_two_runs_and_the_second_report_shows_what_changed(world: World, tmp_path: Path) -> None:
    first = world.run("--live", "--dead-after", "1", "--report", tmp_path / "r1",
                      "--robust-links", tmp_path / "links.html")

    assert first.exit_code == 0, first.stderr
    assert first.stdout.startswith("archiver run: Press review, October 2014 (run 1)\n")
    assert "3 sources: links 3 ok; captures 1 no_capture, 2 stored; quotes 1 unverifiable, " \
           "2 verified; first run" in first.stdout
    assert f"report: {tmp_path / 'r1' / 'report.json'}" in first.stderr
    assert sorted(p.name for p in (tmp_path / "r1").iterdir()) == [
        "report.html", "report.json", "report.md"]
    report = load_report(tmp_path / "r1")
    assert report["run"]["run_id"] == 1 and report["run"]["previous_run_id"] is None
    assert change_kinds(report) == []
    links = (tmp_path / "links.html").read_text(encoding="utf-8")
    original = world.site.url(STORIES[0].path)
    assert (f'<a href="{original}" data-originalurl="{original}" data-versionurl="'
            f'{world.archive}20141016071500/{original}" data-versiondate="2014-10-16">'
            "The harbour reopens</a>") in links
    assert "<!-- market: no archived version known -->" in links

    # In between: the fence story is taken down; the harbour story is edited.
    world.site.route(STORIES[1].path, Reply(404, "<html><title>Not found</title></html>"))
    edited = STORIES[0].text.replace("Monday", "Tuesday")
    world.site.route(STORIES[0].path, Reply(200, article(STORIES[0].title, edited)))

    second = world.run("--live", "--dead-after", "1", "--report", tmp_path / "r2")

    assert second.exit_code == 1, second.stderr  # a dead link: the default --fail-on
    assert f"finding: fence: link gone, dead: {world.site.url(STORIES[1].path)}" in second.stderr
    assert "1 finding(s) match --fail-on gone,dead,missing,altered" in second.stderr
    assert "Changes since run 1:\n  ! harbour: quote 1 was changed on the live page" \
        in second.stdout
    report = load_report(tmp_path / "r2")
    run = report["run"]
    assert (run["run_id"], run["previous_run_id"], run["inconclusive"], run["live"]) == (
        2, 1, False, True)
    assert change_kinds(report) == [("harbour", "quote_live_gone"), ("fence", "link_died"),
                                    ("fence", "quote_live_gone")]
    sources = {s["source"]["id"]: s for s in report["sources"]}
    fence, harbour = sources["fence"], sources["harbour"]
    assert (fence["link"]["link_class"], fence["link"]["state"]) == ("gone", "dead")
    assert fence["link"]["previous_state"] == "alive"
    assert fence["capture"]["outcome"] == "already_stored"  # not fetched again
    assert [c["kind"] for c in fence["changes"]] == ["link_died", "quote_live_gone"]
    quote = harbour["quotes"][0]
    assert (quote["status"], quote["live_status"]) == ("verified", "altered")
    assert "tuesday" in quote["live_detail"]
    markdown = (tmp_path / "r2" / "report.md").read_text(encoding="utf-8")
    assert "- ⚠️ **fence**: the link is dead (gone, HTTP 404)" in markdown
    assert "| Nord Littoral | [The fence](" in markdown

    shot = tmp_path / "report.png"
    seen = look_at(tmp_path / "r2" / "report.html", shot)
    assert seen.rows == ["harbour", "fence", "market"]
    assert seen.changed == ["harbour", "fence"]
    assert "the link is dead (gone, HTTP 404)" in seen.changes
    assert "quote 1 was changed on the live page" in seen.changes
    assert seen.tiles == {"dead": "1", "failing": "0", "gone now": "1", "missing": "0",
                          "altered": "0", "drift": "2", "no capture": "1"}
    assert "changed on the live page" in seen.harbour
    assert seen.problems_only == ["harbour", "fence", "market"]  # market has no capture
    assert seen.errors == [] and seen.requests == []
    assert shot.stat().st_size > 10_000

    # The history database holds both runs and tells the same story.
    listing = CliRunner().invoke(cli, ["history", "--manifest", str(world.manifest), "--runs"])
    assert listing.exit_code == 0, listing.stderr
    assert "3 (3 bad) vs run 1" in listing.stdout
    detail = CliRunner().invoke(cli, ["history", "--manifest", str(world.manifest),
                                      "--run", "2", "--format", "json"])
    assert detail.exit_code == 0, detail.stderr
    assert json.loads(detail.stdout)["compared_with"] == 1
    assert [c["kind"] for c in json.loads(detail.stdout)["changes"]] == [
        "quote_live_gone", "link_died", "quote_live_gone"]


@dataclass
class Seen:
    """What headless Chromium showed of a report page."""

    rows: list[str]
    changed: list[str]
    changes: str
    tiles: dict[str, str]  # triage tile label -> count
    harbour: str
    problems_only: list[str]
    errors: list[str]
    requests: list[str]  # anything but the file itself


def look_at(page_file: Path, screenshot: Path) -> Seen:
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(page_file.as_uri())
            rows = page.locator("tr.source")
            ids = [rows.nth(i).get_attribute("data-source-id") or ""
                   for i in range(rows.count())]
            changed = page.locator("tr.source.changed")
            changed_ids = [changed.nth(i).get_attribute("data-source-id") or ""
                           for i in range(changed.count())]
            tiles = {}
            for i in range(page.locator(".tile").count()):
                tile = page.locator(".tile").nth(i)
                tiles[tile.get_attribute("data-label") or ""] = tile.locator("b").inner_text()
            seen = Seen(rows=ids, changed=changed_ids,
                        changes=page.locator("#changes").inner_text(), tiles=tiles,
                        harbour=page.locator("#source-harbour").inner_text(), problems_only=[],
                        errors=errors, requests=[])
            page.screenshot(path=str(screenshot), full_page=True)
            page.check("#only-problems")
            seen.problems_only = [i for i in ids if page.locator(f"#source-{i}").is_visible()]
        finally:
            browser.close()
    seen.requests = [u for u in requests if not u.startswith("file://")]
    return seen


# -- outputs and exit codes ---------------------------------------------------------------


def test_json_to_a_file_and_markdown_to_stdout(world: World, tmp_path: Path) -> None:
    out = tmp_path / "out" / "run.json"
    result = world.run("--format", "json", "--output", out)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    *_, summary, report_line = result.stderr.splitlines()
    assert summary == (
        "3 sources: links 3 ok; captures 1 no_capture, 2 stored; quotes 1 unverifiable, "
        "2 verified; first run")
    # with no flags, WARCs, database and report share the project folder
    project = world.manifest.parent.parent
    assert report_line == "report: " + ", ".join(
        str(project / "report" / name) for name in ("report.json", "report.md", "report.html"))
    assert sorted(p.name for p in project.iterdir() if p.name in (
        "warcs", ".archiver", "report")) == [".archiver", "report", "warcs"]
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [s["source"]["id"] for s in data["sources"]] == ["harbour", "fence", "market"]
    # one project folder: the database beside warcs/, in the parent of manifests/
    assert data["run"]["db_path"] == str(world.manifest.parent.parent / DEFAULT_DB_NAME)
    assert data["run"]["warcs_dir"] == str(world.manifest.parent.parent / "warcs")

    again = world.run("--format", "markdown", "--fail-on", "no-capture")
    assert again.exit_code == 1, again.stderr  # the market story has no capture
    assert again.stdout.startswith("## archiver run: Press review, October 2014\n")
    assert "- Run 2, compared with run 1, at " in again.stdout
    assert "finding: market: no capture (no_capture): " in again.stderr
    assert again.stderr.splitlines()[-1] == "1 finding(s) match --fail-on no-capture"


def test_fail_on_changes_only_fails_on_a_regression(world: World) -> None:
    first = world.run("--fail-on", "changes")
    assert first.exit_code == 0, first.stderr
    world.site.route(STORIES[0].path, Reply(404, "gone"))
    second = world.run("--fail-on", "changes")
    assert second.exit_code == 1, second.stderr
    assert "finding: harbour: the link started failing (gone, HTTP 404; failing check 1)" \
        in second.stderr
    third = world.run("--fail-on", "changes")
    assert third.exit_code == 0, third.stderr  # still failing: no news, no failure


def test_source_runs_only_those_sources_and_is_never_the_baseline(world: World,
                                                                  tmp_path: Path) -> None:
    first = world.run("--format", "json")
    assert first.exit_code == 0, first.stderr
    partial = world.run("--source", "harbour", "--format", "json")
    assert partial.exit_code == 0, partial.stderr
    data = json.loads(partial.stdout)
    assert [s["source"]["id"] for s in data["sources"]] == ["harbour"]
    assert data["run"]["previous_run_id"] == 1
    third = world.run("--format", "json")
    # the full run compares with the last full run, not with the partial one
    assert json.loads(third.stdout)["run"]["previous_run_id"] == 1


def test_no_report_writes_no_report_files(world: World) -> None:
    result = world.run("--no-report")
    assert result.exit_code == 0, result.stderr
    assert not (world.manifest.parent.parent / "report").exists()
    assert "report:" not in result.stderr


def test_a_404_at_the_first_check_fails_run_by_default_as_it_fails_check(world: World) -> None:
    world.site.route(STORIES[1].path, Reply(404, "<html><title>Not found</title></html>"))
    result = world.run()
    assert result.exit_code == 1, result.stderr
    assert f"finding: fence: link gone, failing: {world.site.url(STORIES[1].path)}" \
        in result.stderr
    check = CliRunner().invoke(cli, ["check", str(world.manifest), *FAST_CHECK])
    assert check.exit_code == 1, check.stderr
    assert "match --fail-on gone,dead" in check.stderr
    never = world.run("--fail-on", "never")
    assert never.exit_code == 0, never.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["--bogus"], "No such option '--bogus'"),
    (["--fail-on", "gone,lost"], "run does not know 'lost'"),
    (["--format", "csv"], "'csv' is not one of"),
    (["--cdx-api", "http://a/cdx", "--cdx-api", "http://b/cdx"], "2 --cdx-api given"),
    (["--proxy", "socks5://127.0.0.1:1080"], "not an http:// or https:// URL"),
])
def test_usage_errors_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    manifest = write_manifest(tmp_path / "press.toml", "http://news.example.com")
    result = CliRunner().invoke(cli, ["run", str(manifest), *args])
    assert result.exit_code == 2, result.stderr
    assert result.stdout == ""
    assert message in result.stderr


def test_invalid_input_exits_3_before_any_request(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[manifest]\nid = 'x'\n[[source]]\nid = 'a'\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", str(broken), "--no-progress"])
    assert result.exit_code == 3
    assert result.stdout == ""
    assert "error in manifest" in result.stderr or "errors in manifest" in result.stderr
    assert not (tmp_path / ".archiver").exists()  # no database was even created


def test_an_unwritable_report_folder_exits_3(world: World, tmp_path: Path) -> None:
    blocker = tmp_path / "report"
    blocker.write_text("a file where the report folder should be", encoding="utf-8")
    result = world.run("--report", blocker / "sub")
    assert result.exit_code == 3
    assert "cannot write output file" in result.stderr


def test_offline_run_exits_4_writes_a_report_and_advances_no_link(world: World,
                                                                  tmp_path: Path) -> None:
    canary = refused_url()
    world.site.route(STORIES[0].path, Reply(404, "gone"))
    result = world.run("--canary", canary, "--report", tmp_path / "r", "--dead-after", "1")
    assert result.exit_code == 4, result.stderr
    assert "inconclusive: check: " in result.stderr
    assert "no link's history was advanced" in result.stderr
    report = load_report(tmp_path / "r")
    assert (report["run"]["inconclusive"], report["run"]["check_inconclusive"]) == (True, True)
    page = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    assert 'id="inconclusive"' in page and "No link's history advanced." in page
    with History(world.manifest.parent.parent / DEFAULT_DB_NAME) as history:
        assert [link.state.value for link in history.links()] == ["unknown"] * 3
        assert history.baseline_before("press") is None


def test_run_through_a_proxy_sends_every_stage_through_it(pywb: PywbArchive,
                                                          tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          ) -> None:
    """No --allow-private: the live site is a made-up host behind the proxy; pywb is local."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy",
                 "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    host = "http://news.example.org"
    stories = STORIES[:2]

    def news(request: ProxiedRequest) -> Reply:
        for s in stories:
            if request.target == s.path:
                return Reply(200, article(s.title, s.text))
        return Reply(404, "<html><title>Not found</title></html>")

    archive = pywb.collection(pages(host, stories))
    manifest = write_manifest(tmp_path / "press.toml", host, stories)
    with ForwardProxy(TableRouter({"news.example.org": news})) as proxy:
        result = CliRunner().invoke(cli, [
            "run", str(manifest), "--archive", archive, "--proxy", proxy.url, "--live",
            "--no-progress", "--per-host-interval", "0", "--no-probe", "--list-rate", "60000",
            "--download-rate", "1000", "--format", "json"])
        assert result.exit_code == 0, result.stderr
        assert proxy.seen(host + stories[0].path) == 2  # the check and the live page
        assert proxy.seen(archive) >= 4  # a listing and a download per source
    data = json.loads(result.stdout)
    assert [s["link"]["link_class"] for s in data["sources"]] == ["ok", "ok"]
    assert [s["quotes"][0]["live_status"] for s in data["sources"]] == ["present"] * 2


def test_help_lists_the_shared_options() -> None:
    result = CliRunner().invoke(cli, ["run", "--help"])
    assert result.exit_code == 0
    for option in ("--archive URL", "--cdx-api URL", "--warcs DIRECTORY", "--db FILE",
                   "--report DIR", "--robust-links FILE", "--allow-private", "--proxy URL",
                   "--live", "--no-progress", "--fail-on LIST", "--format",
                   "--output FILE", "--per-host-interval SECONDS", "--per-host-concurrency",
                   "--concurrency", "--timeout SECONDS", "--retries", "--backoff SECONDS",
                   "--user-agent", "--canary URL", "--no-probe", "--dead-after"):
        assert option in result.stdout, option


# -- interrupted runs: SIGTERM and SIGKILL, then a rerun ----------------------------------------


@dataclass
class Big:
    """Eight archived stories, fetched slowly enough to be interrupted."""

    site: LocalSite
    archive: str
    manifest: Path
    warcs: Path
    db: Path

    def argv(self) -> list[str]:
        return [sys.executable, "-m", "archiver", "run", str(self.manifest), "--archive",
                self.archive, "--warcs", str(self.warcs), "--db", str(self.db),
                "--allow-private", "--no-progress", "--per-host-interval", "0", "--no-probe",
                "--list-rate", "60000", "--download-rate", "4", "--format", "json"]

    def start(self) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(self.argv(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not list(self.warcs.glob("*.warc.gz")):
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            time.sleep(0.02)
        time.sleep(0.1)
        return proc

    def rerun(self) -> Result:
        return CliRunner().invoke(cli, self.argv()[3:])


BIG = tuple(Story(f"s{i}", f"/2014/10/15/story-{i}.html", f"Story {i}",
                  f"Story number {i} says the harbour will reopen soon.",
                  f"Story number {i} says", f"2014-10-16T0{i}:00:00Z") for i in range(8))


@pytest.fixture()
def big(site: LocalSite, pywb: PywbArchive, tmp_path: Path) -> Big:
    for s in BIG:
        site.route(s.path, Reply(200, article(s.title, s.text)))
    manifest = write_manifest(tmp_path / "press.toml", site.base, BIG)
    return Big(site, pywb.collection(pages(site.base, BIG)), manifest, tmp_path / "warcs",
               tmp_path / "history.sqlite3")


def assert_stored_once_each(big: Big) -> None:
    """Every WARC is whole, the ledger and the metadata records name each source once."""
    assert check_folder(big.warcs) == []
    ledger = [json.loads(line) for line in
              (big.warcs / LEDGER_NAME).read_text(encoding="utf-8").splitlines()]
    assert sorted(e["source_id"] for e in ledger) == sorted(s.sid for s in BIG)
    chosen = []
    for warc in sorted(big.warcs.glob("*.warc.gz")):
        for record in read_warc(warc):
            if record.type == "metadata":
                fields = provenance.as_dict(provenance.decode_fields(record.block))
                if fields.get(provenance.F_CHOSEN) == "true":
                    chosen.append(fields[provenance.F_SOURCE_ID])
    assert sorted(chosen) == sorted(s.sid for s in BIG)


def test_sigkill_mid_run_then_rerun_loses_and_duplicates_nothing(big: Big) -> None:
    proc = big.start()
    proc.kill()  # SIGKILL: no handler, no cleanup of any kind
    assert proc.wait(timeout=10) == -signal.SIGKILL
    if proc.stderr:
        proc.stderr.close()
    finished = sorted(big.warcs.glob("*.warc.gz"))
    assert 1 <= len(finished) < len(BIG)
    for warc in finished:
        read_warc(warc)  # every finished file is whole
    if big.db.exists():  # the run records only at its end: nothing of it is there
        with History(big.db) as history:
            assert history.run_count() == 0 and history.integrity_ok()

    rerun = big.rerun()

    assert rerun.exit_code == 0, rerun.stderr
    outcomes = [s["capture"]["outcome"] for s in json.loads(rerun.stdout)["sources"]]
    assert outcomes.count("already_stored") == len(finished)
    assert outcomes.count("stored") == len(BIG) - len(finished)
    assert_stored_once_each(big)
    with History(big.db) as history:
        assert history.integrity_ok() and history.run_count() == 1
        [run] = history.runs()
        assert len(run.captures) == len(BIG) and run.baseline


def test_sigterm_stops_the_run_cleanly_and_the_rerun_resumes(big: Big) -> None:
    proc = big.start()
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(timeout=30)
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    assert code == 130, stderr
    assert "interrupted: this run was not recorded in the history" in stderr
    assert "Traceback" not in stderr
    assert check_folder(big.warcs) == []  # stopped between files: nothing left open
    stored = len(list(big.warcs.glob("*.warc.gz")))
    assert 1 <= stored < len(BIG)

    rerun = big.rerun()

    assert rerun.exit_code == 0, rerun.stderr
    assert_stored_once_each(big)
    with History(big.db) as history:
        assert history.run_count() == 1 and history.integrity_ok()
