"""``archiver verify`` end to end: manifest + WARC folder written by the test."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from archiver.cli import cli
from tests.support.localweb import LocalSite, Reply
from tests.test_warcread import WarcFile, page

ARTICLE = "http://www.example.org/2014/08/28/calais"
PASSAGE = "sa mère était institutrice, « la fibre humanitaire est dans la famille »"
NUMBERS = "Le gouvernement a offert £12m à la ville, qui compte 1 200 migrants cette année."

MANIFEST = """[manifest]
id = "calais-test"
title = "Calais test"

[[source]]
id = "obs"
url = "https://example.org/2014/08/28/calais/"
publisher = "Le Nouvel Observateur"
title = "A Calais"
published = 2014-08-28
language = "fr"

  [[source.quote]]
  text = "« lafibrehumanitaire estdanslafamille »"

  [[source.quote]]
  text = "Le gouvernement a offert £1.2m à la ville"

  [[source.quote]]
  text = "I want to send out a very clear message today to people on both sides of the Channel"
  lang = "en"

[[source]]
id = "lost"
url = "https://example.org/never-archived"
publisher = "Nobody"
title = "Never archived"
published = 2014-08-28
language = "fr"

  [[source.quote]]
  text = "rien du tout"

[[source]]
id = "no-quotes"
url = "https://example.org/related"
publisher = "Related"
title = "No quotes"
published = 2014-08-28
language = "fr"
"""


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["verify", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A project folder: manifests/m.toml and warcs/ with one chosen capture."""
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "m.toml").write_text(MANIFEST, encoding="utf-8")
    with WarcFile(tmp_path / "warcs" / "ARCHIVER-20250101000000000-00000-abcd.warc.gz") as w:
        rid, _ = w.response(ARTICLE, page(PASSAGE, NUMBERS),
                            source_uri="https://web.archive.org/web/20140829100000id_/" + ARTICLE)
        w.chosen(ARTICLE, rid, "obs")
    return tmp_path


def manifest(project: Path) -> str:
    return str(project / "manifests" / "m.toml")


def test_table_output_and_findings_exit_code(project: Path) -> None:
    code, out, err = run(manifest(project))
    assert code == 1  # an altered and a missing quote, default --fail-on missing,altered
    assert err == ""
    lines = out.splitlines()
    assert lines[0].split()[:6] == ["SOURCE", "#", "STATUS", "METHOD", "SCORE", "QUOTE"]
    assert any(line.startswith("obs     1  verified") and "skeleton" in line for line in lines)
    assert any("altered" in line and "1.2m" in line and "12m" in line for line in lines)
    assert any("missing" in line and "probable translation" in line for line in lines)
    assert any(line.startswith("lost") and "unverifiable" in line for line in lines)
    assert "no-quotes" not in out
    assert lines[-1].startswith("4 quotes: 1 verified, 1 altered, 1 missing, 1 unverifiable")


def test_json_output(project: Path) -> None:
    code, out, err = run(manifest(project), "--format", "json")
    assert code == 1 and err == ""
    data = json.loads(out)
    assert data["run"]["manifest_id"] == "calais-test"
    assert data["run"]["counts"]["verified"] == 1 and data["run"]["failures"] == 2
    assert data["run"]["warc_files"] == 1 and data["run"]["warcs"].endswith("warcs")
    first = data["results"][0]
    for key in ("source_id", "url", "text", "status", "method", "score", "excerpt", "capture"):
        assert key in first, key
    assert first["status"] == "verified" and first["method"] == "skeleton"
    assert first["capture"]["memento_datetime"] == "2014-08-29T10:00:00Z"
    assert first["capture"]["warc_file"].startswith("ARCHIVER-")
    assert first["capture"]["warc_offset"] == 0
    assert "⟦la fibre humanitaire est dans la famille⟧" in first["excerpt"]
    translation = data["results"][2]
    assert translation["status"] == "missing" and translation["probable_translation"] is True
    lost = data["results"][3]
    assert lost["status"] == "unverifiable" and lost["capture"] is None


def test_jsonl_csv_markdown_junit(project: Path) -> None:
    code, out, _ = run(manifest(project), "--format", "jsonl")
    *results, last = [json.loads(line) for line in out.splitlines()]
    assert code == 1 and [r["status"] for r in results] == [
        "verified", "altered", "missing", "unverifiable"]
    assert last["run"]["manifest_id"]  # the run summary comes last, as for check and fetch
    code, out, _ = run(manifest(project), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["status"] for r in rows] == ["verified", "altered", "missing", "unverifiable"]
    assert rows[1]["difference"].startswith("number")
    code, out, _ = run(manifest(project), "--format", "markdown")
    assert out.startswith("# Quote verification: calais-test") and "| **altered** |" in out
    code, out, _ = run(manifest(project), "--format", "junit")
    suite = ET.fromstring(out).find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("4", "2", "1")


def test_output_file_and_fail_on_none(project: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "report.json"
    code, out, err = run(manifest(project), "--format", "json", "--output", str(target),
                         "--fail-on", "none")
    assert (code, out, err) == (0, "", "")
    assert json.loads(target.read_text(encoding="utf-8"))["run"]["failures"] == 0


def test_fail_on_unverifiable_only(project: Path) -> None:
    code, _, _ = run(manifest(project), "--fail-on", "missing,altered,unverifiable")
    assert code == 1
    code, _, _ = run(manifest(project), "--fail-on", "drift")
    assert code == 0  # no --live, so no drift


def test_explicit_warcs_folder_and_a_damaged_file(project: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "broken.warc.gz").write_bytes(b"not a warc\n")
    code, out, err = run(manifest(project), "--warcs", str(other), "--format", "json")
    assert code == 0  # nothing found: every quote unverifiable, not a failure by default
    assert "warning:" in err and "broken.warc.gz" in err
    data = json.loads(out)
    assert data["run"]["counts"]["unverifiable"] == 4
    assert any("broken.warc.gz" in n for n in data["run"]["notes"])


def test_empty_warc_folder_warns(project: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    code, out, err = run(manifest(project), "--warcs", str(empty))
    assert code == 0 and "no WARC files" in err and "4 unverifiable" in out


def test_missing_warcs_folder_is_invalid_input(project: Path, tmp_path: Path) -> None:
    code, out, err = run(manifest(project), "--warcs", str(tmp_path / "nope"))
    assert code == 3 and out == ""
    assert "WARC folder not found" in err and "nope" in err and "hint:" in err


def test_invalid_manifest_is_invalid_input(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[manifest]\nid = 'x'\n", encoding="utf-8")
    code, out, err = run(str(bad))
    assert code == 3 and out == "" and "missing required key 'title'" in err


def test_bad_fail_on_is_a_usage_error(project: Path) -> None:
    code, _, err = run(manifest(project), "--fail-on", "sometimes")
    assert code == 2 and "--fail-on" in err


# --------------------------------------------------------------------------
# --live: content drift against a real local server
# --------------------------------------------------------------------------


@pytest.fixture()
def site() -> Iterator[LocalSite]:
    with LocalSite() as s:
        yield s


def live_project(tmp_path: Path, site: LocalSite) -> Path:
    url = site.url("/2014/08/28/calais")
    text = MANIFEST.replace("https://example.org/2014/08/28/calais/", url)
    text = text.replace('"rien du tout"', '"la fibre humanitaire est dans la famille"')
    text = text.replace("https://example.org/never-archived", site.url("/gone"))
    (tmp_path / "m.toml").write_text(text, encoding="utf-8")
    with WarcFile(tmp_path / "warcs" / "a.warc.gz") as w:
        rid, _ = w.response(url, page(PASSAGE, NUMBERS))
        w.chosen(url, rid, "obs")
        w.response(site.url("/gone"), page(PASSAGE))
    return tmp_path / "m.toml"


def test_live_reports_drift(tmp_path: Path, site: LocalSite) -> None:
    site.route("/2014/08/28/calais", Reply(301, "", headers={"Location": "/v2"}))
    site.route("/v2", Reply(200, page("Le maire a changé l'article.", NUMBERS)))
    path = live_project(tmp_path, site)
    code, out, err = run(str(path), "--live", "--allow-private", "--format", "json",
                         "--fail-on", "drift")
    assert err == ""
    assert code == 1
    data = json.loads(out)
    assert data["run"]["live"] is True and data["run"]["drift"] == 2
    first, second, _, gone = data["results"]
    assert (first["status"], first["live_status"]) == ("verified", "gone")
    assert "/v2" in first["live_detail"]
    assert (second["status"], second["live_status"]) == ("altered", "altered")
    assert (gone["status"], gone["live_status"]) == ("verified", "gone")
    assert gone["live_detail"] == "the live page answered 404"


def test_live_paywall_is_not_drift(tmp_path: Path, site: LocalSite) -> None:
    """A live page behind a login wall or a paywall does not show the article: what
    it does not show is unseen, not gone; what its teaser shows is present."""
    teaser = page(PASSAGE).replace(
        b"</head>", b'<script type="application/ld+json">{"@type": "NewsArticle", '
        b'"isAccessibleForFree": false}</script></head>')
    assert b"isAccessibleForFree" in teaser
    site.route("/2014/08/28/calais", Reply(200, teaser))
    site.route("/gone", Reply(302, "", headers={"Location": "/login?next=/gone"}))
    site.route("/login?next=/gone", Reply(200, "<html><title>Connexion</title>"
                                          "<body>Identifiez-vous pour lire</body></html>"))
    path = live_project(tmp_path, site)
    code, out, _ = run(str(path), "--live", "--allow-private", "--format", "json",
                         "--fail-on", "drift")
    assert code == 0, out
    first, second, _, behind_login = json.loads(out)["results"]
    assert first["live_status"] == "present"  # in the teaser
    assert second["live_status"] is None and "paywalled" in second["live_detail"]
    assert "cannot tell" in second["live_detail"]
    assert behind_login["live_status"] is None and "paywalled" in behind_login["live_detail"]


def test_live_without_allow_private_refuses_loopback(tmp_path: Path, site: LocalSite) -> None:
    path = live_project(tmp_path, site)
    code, out, err = run(str(path), "--live", "--format", "json", "--fail-on", "drift")
    assert code == 0 and err == ""
    results = json.loads(out)["results"]
    assert all(r["live_status"] is None for r in results)
    assert "private" in results[0]["live_detail"]
    assert site.requests == []


def test_table_shows_live_column(tmp_path: Path, site: LocalSite) -> None:
    site.route("/2014/08/28/calais", Reply(200, page(PASSAGE, NUMBERS)))
    path = live_project(tmp_path, site)
    code, out, err = run(str(path), "--live", "--allow-private")
    assert err == ""
    header = out.splitlines()[0].split()
    assert header[5] == "LIVE"
    assert "obs     1  verified" in out and "present" in out
    assert "drift lost #1: the live page answered 404" in out
    assert code == 1  # the altered quote
