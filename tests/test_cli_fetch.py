"""``archiver fetch`` through click: outputs, formats and exit codes (pywb + responses)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import responses
from click.testing import CliRunner, Result

from archiver.cli import cli
from archiver.store import check_folder
from tests.support.pywb_archive import Page, PywbArchive, source, write_manifest

STORY = "http://news.example.com/2014/10/15/story.html"
GONE = "http://news.example.com/never-archived"
FAST = ["--list-rate", "60000", "--download-rate", "1000"]
RESULT_KEYS = {"source_id", "url", "outcome", "capture", "detail", "archives_tried",
               "rule"}
CAPTURE_KEYS = {"memento_url", "memento_datetime", "warc_file", "warc_offset", "distance_days"}


@pytest.fixture(scope="module")
def base(pywb: PywbArchive) -> str:
    return pywb.collection([Page(STORY, "2014-10-16T07:15:00Z", "<html>harbour</html>")])


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, ["fetch", *map(str, args)])


def manifest(tmp_path: Path, *urls: str) -> Path:
    sources = [source(f"s{i}", u, "2014-10-15") for i, u in enumerate(urls)]
    (tmp_path / "manifests").mkdir(exist_ok=True)
    return write_manifest(tmp_path / "manifests" / "press.toml", sources, "press")


def test_json_report_and_exit_0_when_every_source_is_stored(tmp_path: Path, base: str) -> None:
    result = invoke(manifest(tmp_path, STORY), "--archive", base, "--format", "json", *FAST)

    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["run"]["counts"]["stored"] == 1 and report["run"]["archives"] == [base]
    assert report["run"]["inconclusive"] is False
    row = report["results"][0]
    assert set(row) >= RESULT_KEYS and set(row["capture"]) >= CAPTURE_KEYS
    assert (row["outcome"], row["capture"]["memento_datetime"]) == ("stored",
                                                                    "2014-10-16T07:15:00Z")
    assert row["capture"]["distance_days"] == pytest.approx(1.302, abs=0.001)
    # Default folder: warcs/ in the manifest's project (the parent of manifests/).
    assert (tmp_path / "warcs" / row["capture"]["warc_file"]).exists()
    assert check_folder(tmp_path / "warcs") == []
    assert "1 source: 1 stored" in result.stderr


def test_table_and_exit_1_when_a_source_has_no_capture(tmp_path: Path, base: str) -> None:
    path = manifest(tmp_path, STORY, GONE)
    result = invoke(path, "--archive", base, "--warcs", tmp_path / "w", *FAST)

    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["SOURCE", "OUTCOME", "CAPTURED", "(UTC)", "DAYS", "RULE",
                                "WARC", "/", "DETAIL"]
    assert re.search(r"^s0 +stored +2014-10-16 07:15 +\+1\.3 +after_publication", result.stdout,
                     re.M)
    assert re.search(r"^s1 +no_capture +no capture listed$", result.stdout, re.M)
    assert lines[-1].startswith("2 sources: 1 stored, 1 no_capture")
    assert "1 of 2 sources match --fail-on no-capture" in result.stderr

    again = invoke(path, "--archive", base, "--warcs", tmp_path / "w", "--fail-on", "none",
                   *FAST)
    assert again.exit_code == 0, again.stderr
    assert re.search(r"^s0 +already_stored", again.stdout, re.M)


@pytest.mark.parametrize(("fmt", "check"), [
    ("jsonl", lambda out: json.loads(out.splitlines()[0])["outcome"] == "stored"
     and "run" in json.loads(out.splitlines()[-1])),
    ("csv", lambda out: out.startswith("source_id,url,outcome,capture.source_id,")
     and ",stored," in out),
    ("markdown", lambda out: out.startswith("# Web-archive captures: press")
     and "| s0 | stored |" in out),
])
def test_other_formats_to_an_output_file(tmp_path: Path, base: str, fmt: str,
                                         check: object) -> None:
    out = tmp_path / "report" / f"captures.{fmt}"
    result = invoke(manifest(tmp_path, STORY), "--archive", base, "--format", fmt,
                    "--output", out, *FAST)

    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert callable(check) and check(out.read_text(encoding="utf-8"))


def test_cdx_api_and_source_selection(tmp_path: Path, pywb: PywbArchive, base: str) -> None:
    result = invoke(manifest(tmp_path, GONE, STORY), "--archive", base, "--cdx-api",
                    pywb.cdx_url(base), "--source", "s1", "--format", "json", *FAST)

    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)["results"]
    assert [(r["source_id"], r["outcome"]) for r in rows] == [("s1", "stored")]


@pytest.mark.parametrize("args", [
    ["--cdx-api", "http://127.0.0.1:1/cdx"],  # a CDX API for no archive ...
    ["--archive", "http://127.0.0.1:1/a/", "--cdx-api", "http://x/cdx", "--cdx-api", "y"],
    ["--fail-on", "dead"],
    ["--archive", "ftp://example.org/"],
    ["--list-rate", "0"],
])
def test_usage_errors_exit_2(tmp_path: Path, args: list[str]) -> None:
    path = manifest(tmp_path, STORY)
    if args == ["--cdx-api", "http://127.0.0.1:1/cdx"]:
        args = [*args, "--cdx-api", "http://127.0.0.1:2/cdx"]  # ... two for the default one
    result = invoke(path, *args)

    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Error" in result.stderr


def test_invalid_input_exits_3(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[manifest]\nid = 'Not A Slug'\n", encoding="utf-8")
    result = invoke(bad)
    assert result.exit_code == 3 and "error:" in result.stderr and result.stdout == ""

    unknown = invoke(manifest(tmp_path, STORY), "--source", "nope")
    assert unknown.exit_code == 3
    assert "no source 'nope'" in unknown.stderr


def test_rate_limited_run_exits_4_and_keeps_its_partial_report(tmp_path: Path) -> None:
    """A Retry-After of an hour stops the run at once: nothing is hammered, exit 4."""
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, "https://web.archive.org/cdx/search/cdx", status=429,
                 body="Too Many Requests", headers={"Retry-After": "3600"})
        result = invoke(manifest(tmp_path, STORY, GONE), "--format", "json")
        assert len(rsps.calls) == 1

    assert result.exit_code == 4
    report = json.loads(result.stdout)
    assert [r["outcome"] for r in report["results"]] == ["rate_limited", "rate_limited"]
    assert report["run"]["inconclusive"] is True
    assert "inconclusive:" in result.stderr and "run the same command again" in result.stderr


def test_help_documents_exit_codes() -> None:
    result = CliRunner().invoke(cli, ["fetch", "--help"])
    assert result.exit_code == 0
    for text in ("--archive", "--cdx-api", "--warcs", "--fail-on", "--list-rate",
                 "4  inconclusive", "Example:"):
        assert text in result.stdout
