"""``archiver check README.md docs/``: links read from documents, checked, named by file:line."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from archiver.cli import cli
from archiver.inputs.sources import source_id
from tests.support.localweb import LocalSite, Reply
from tests.test_schemas import validate

FAST = ["--allow-private", "--no-progress", "--per-host-interval", "0", "--backoff", "0.01",
        "--no-probe"]
PAGE = "<html><title>Page</title><body>" + "words of a page " * 40 + "</body></html>"


@pytest.fixture(scope="module")
def shared_site() -> Iterator[LocalSite]:
    with LocalSite() as s:
        yield s


@pytest.fixture()
def site(shared_site: LocalSite) -> LocalSite:
    shared_site.reset()
    shared_site.route("/ok", Reply(200, PAGE))
    shared_site.route("/fine", Reply(200, PAGE))
    shared_site.route("/gone", Reply(404, "no"))
    return shared_site


@pytest.fixture()
def project(site: LocalSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """README.md and docs/ with one dead link (docs/guide.md line 5), working from the folder."""
    (tmp_path / "README.md").write_text(
        f"# Project\n\nSee [the page]({site.url('/ok')}) and the [guide](docs/guide.md).\n"
        f"\n```\ncurl {site.url('/gone')}\n```\n", encoding="utf-8")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "guide.md").write_text(
        f"# Guide\n\nA link that works: <{site.url('/ok')}>.\n\n"
        f"A dead one: [old page]({site.url('/gone')})\n", encoding="utf-8")
    (docs / "index.html").write_text(
        f'<!doctype html>\n<html><body>\n<p><a\n   href="{site.url("/fine")}">fine</a></p>\n'
        f"<pre>{site.url('/gone')}</pre>\n</body></html>\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_a_dead_link_in_docs_exits_1_and_names_file_and_line(project: Path,
                                                              site: LocalSite) -> None:
    result = run("check", "README.md", "docs/", *FAST)
    assert result.exit_code == 1, result.output
    assert "docs/guide.md:5" in result.stdout
    assert "gone" in result.stdout
    # the link in README's code block is not checked; the one in guide.md is, once
    assert sum(1 for r in site.requests if r.path == "/gone") == 1
    assert "read 3 files" in result.stderr and "1 relative" in result.stderr
    # the history database is in the current folder's .archiver/
    assert (project / ".archiver" / "history.sqlite3").exists()


def test_a_url_written_twice_is_checked_once_and_lists_both_places(project: Path,
                                                                   site: LocalSite) -> None:
    result = run("check", "README.md", "docs", *FAST, "--format", "json")
    document = json.loads(result.stdout)
    validate("check", document)
    by_url = {r["url"]: r for r in document["results"]}
    assert by_url[site.url("/ok")]["locations"] == ["README.md:3", "docs/guide.md:3"]
    assert by_url[site.url("/gone")]["locations"] == ["docs/guide.md:5"]
    assert by_url[site.url("/fine")]["locations"] == ["docs/index.html:4"]
    assert by_url[site.url("/ok")]["source_id"] == source_id(site.url("/ok"))
    assert sum(1 for r in site.requests if r.path == "/ok") == 1
    assert any("not checked: 1 relative" in n for n in document["run"]["notes"])
    assert document["run"]["failed"] == [source_id(site.url("/gone"))]


def test_junit_names_each_case_by_file_and_line(project: Path, site: LocalSite) -> None:
    result = run("check", "README.md", "docs/", *FAST, "--format", "junit")
    assert result.exit_code == 1
    cases = ET.fromstring(result.stdout).iter("testcase")
    failed = [c for c in cases if c.find("failure") is not None]
    assert len(failed) == 1
    case = failed[0]
    assert case.get("name", "").startswith("docs/guide.md:5: ")
    assert case.get("file") == "docs/guide.md" and case.get("line") == "5"
    assert "docs/guide.md" in case.get("classname", "")


def test_csv_and_markdown_carry_the_locations(project: Path, site: LocalSite) -> None:
    csv_out = run("check", "docs", *FAST, "--format", "csv").stdout
    assert csv_out.splitlines()[0].endswith(",locations")
    assert '"[""docs/guide.md:5""]"' in csv_out
    md = run("check", "docs", *FAST, "--format", "markdown").stdout
    assert "| where |" in md and "docs/guide.md:5" in md


def test_include_verbatim_checks_links_in_code_too(project: Path, site: LocalSite) -> None:
    result = run("check", "README.md", "docs/", *FAST, "--include-verbatim", "--format", "json")
    gone = next(r for r in json.loads(result.stdout)["results"] if r["url"].endswith("/gone"))
    assert gone["locations"] == ["README.md:6", "docs/guide.md:5", "docs/index.html:5"]


def test_all_alive_exits_0(project: Path, site: LocalSite) -> None:
    result = run("check", "docs/index.html", *FAST)
    assert result.exit_code == 0, result.output
    assert "docs/index.html:4" in result.stdout


def test_stdin_and_globs(project: Path, site: LocalSite) -> None:
    result = CliRunner().invoke(cli, ["check", "-", *FAST, "--format", "json"],
                                input=f"{site.url('/gone')}\n# a comment\n")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["results"][0]["locations"] == ["-:1"]
    result = run("check", "**/*.md", *FAST, "--format", "json")
    places = {p for r in json.loads(result.stdout)["results"] for p in r["locations"]}
    assert places == {"README.md:3", "docs/guide.md:3", "docs/guide.md:5"}


def test_a_manifest_with_documents_is_a_usage_error(project: Path) -> None:
    (project / "sources.toml").write_text("", encoding="utf-8")
    result = run("check", "sources.toml", "README.md", *FAST)
    assert result.exit_code == 2
    assert "one manifest (.toml) or documents" in result.output


def test_source_with_documents_is_a_usage_error(project: Path) -> None:
    result = run("check", "README.md", "--source", "x", *FAST)
    assert result.exit_code == 2 and "--source picks sources of a manifest" in result.output


def test_a_missing_path_exits_3(project: Path) -> None:
    result = run("check", "README.md", "nowhere/", *FAST)
    assert result.exit_code == 3 and "nowhere/: no such file or folder" in result.stderr


def test_gitignored_files_are_not_read(project: Path, site: LocalSite) -> None:
    (project / ".gitignore").write_text("docs/guide.md\n", encoding="utf-8")
    result = run("check", ".", *FAST, "--format", "json")
    assert result.exit_code == 0, result.output
    places = {p for r in json.loads(result.stdout)["results"] for p in r["locations"]}
    assert places == {"README.md:3", "docs/index.html:4"}


def test_no_links_is_not_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty.md").write_text("# Nothing here\n", encoding="utf-8")
    result = run("check", "empty.md", *FAST)
    assert result.exit_code == 0, result.output
    assert "0 http(s) links" in result.stderr


def test_no_history_leaves_no_database(project: Path) -> None:
    run("check", "docs/index.html", *FAST, "--no-history")
    assert not os.path.exists(project / ".archiver")


def test_json_lines_of_documents_are_the_json_documents_results(project: Path,
                                                               site: LocalSite) -> None:
    """``--format jsonl`` is written as the checks end: the same records, notes and order."""
    as_json = json.loads(run("check", "README.md", "docs", *FAST, "--format", "json",
                             "--no-history").stdout)
    result = run("check", "README.md", "docs", *FAST, "--format", "jsonl", "--no-history")
    assert result.exit_code == 1, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    for record in (*lines[:-1], *as_json["results"]):
        record.pop("elapsed_ms")
        record.pop("checked_at")
    assert lines[:-1] == as_json["results"]
    run_line = lines[-1]["run"]
    assert run_line["notes"] == as_json["run"]["notes"] and run_line["notes"]
    assert run_line["failed"] == as_json["run"]["failed"] and run_line["failures"] == 1
    assert "1 of 3 links match --fail-on" in result.stderr
