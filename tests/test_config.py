"""The configuration file (archiver.toml, [tool.archiver], --config) and per-source keys.

Real local servers answer the checks; the file's values reach the command as
defaults that flags override; ignored links are never requested.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st

from archiver.cli import cli
from archiver.config import (
    discover_config,
    find_config,
    load_config,
    parse_statuses,
)
from archiver.errors import ConfigError
from archiver.history import History
from archiver.manifest import load_manifest, validate_file
from archiver.models import Expectation
from tests.support.localweb import LocalSite, Reply
from tests.test_schemas import validate

ARTICLE = "<html><title>Story</title><body>" + "words of a real story " * 50 + "</body></html>"
FAST = ["--allow-private", "--no-progress", "--per-host-interval", "0", "--backoff", "0.01",
        "--no-probe", "--retries", "0"]


@pytest.fixture(scope="module")
def shared_site() -> Iterator[LocalSite]:
    with LocalSite() as s:
        yield s


@pytest.fixture()
def site(shared_site: LocalSite) -> LocalSite:
    shared_site.reset()
    shared_site.route("/ok", Reply(200, ARTICLE))
    shared_site.route("/gone", Reply(404, "no"))
    shared_site.route("/forbidden", Reply(403, "robots go away"))
    shared_site.route("/private/page", Reply(200, ARTICLE))
    return shared_site


def write_manifest(folder: Path, sources: dict[str, str], extra: dict[str, str] | None = None
                   ) -> Path:
    parts = ['[manifest]\nid = "test"\ntitle = "Test"\n']
    for sid, url in sources.items():
        parts.append(f'[[source]]\nid = "{sid}"\nurl = "{url}"\npublisher = "P"\n'
                     f'title = "T"\npublished = 2014-09-01\nlanguage = "fr"\n'
                     + (extra or {}).get(sid, ""))
    path = folder / "sources.toml"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def classes(result: Result) -> dict[str, str]:
    return {r["source_id"]: r["link_class"] for r in json.loads(result.stdout)["results"]}


# -- finding and reading the file ---------------------------------------------------


def test_find_order_explicit_then_beside_manifest_then_project_then_cwd(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "manifests").mkdir(parents=True)
    manifest = project / "manifests" / "m.toml"
    manifest.write_text("", encoding="utf-8")
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    assert find_config(manifest=manifest, cwd=cwd) is None
    (cwd / "archiver.toml").write_text("", encoding="utf-8")
    assert find_config(manifest=manifest, cwd=cwd) == ((cwd / "archiver.toml").resolve(), None)
    (project / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    # a pyproject.toml without [tool.archiver] is not a configuration
    assert find_config(manifest=manifest, cwd=cwd) == ((cwd / "archiver.toml").resolve(), None)
    (project / "pyproject.toml").write_text('[tool.archiver]\naccept = ["403"]\n',
                                            encoding="utf-8")
    assert find_config(manifest=manifest, cwd=cwd) == (
        (project / "pyproject.toml").resolve(), "[tool.archiver]")
    (project / "manifests" / "archiver.toml").write_text("", encoding="utf-8")
    assert find_config(manifest=manifest, cwd=cwd) == (
        (project / "manifests" / "archiver.toml").resolve(), None)
    other = tmp_path / "other.toml"
    other.write_text("", encoding="utf-8")
    assert find_config(explicit=other, manifest=manifest, cwd=cwd) == (other, None)
    with pytest.raises(ConfigError, match="does not exist"):
        find_config(explicit=tmp_path / "missing.toml")


def test_pyproject_table_is_read(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.archiver]\naccept = ["403"]\n[tool.archiver.check]\n'
        'fail-on = "dead"\n', encoding="utf-8")
    config = discover_config(cwd=tmp_path, commands=("check",))
    assert config.table == "[tool.archiver]"
    assert config.value("check", "fail-on") == ("dead", f"{config.label}: [check] fail-on")
    assert config.value("check", "accept") == (["403"], f"{config.label}: accept")
    assert config.value("fetch", "fail-on") is None


@pytest.mark.parametrize(("text", "phrase"), [
    ("[chek]\nx = 1\n", "did you mean [check]"),
    ('[hosts."a.example"]\nconcurency = 1\n', "did you mean 'concurrency'"),
    ('[hosts."a.example"]\nconcurrency = 0\n', "at least 1"),
    ('[hosts."a.example"]\ntimeout = 0\n', "more than 0"),
    ('[hosts."a.example"]\nheaders = { "Bad Name" = "x" }\n', "not a valid HTTP header"),
    ('[hosts."a.example"]\nheaders = { "X-A" = "a\\r\\nInjected: 1" }\n',
     "not a valid HTTP header"),
    ('[hosts."https://a.example/"]\nconcurrency = 1\n', "not a host name"),
    ("accept = [\n", "not valid TOML"),
    ("[check.deeper]\nx = 1\n", "holds option values only"),
])
def test_bad_files_say_what_and_where(tmp_path: Path, text: str, phrase: str) -> None:
    path = tmp_path / "archiver.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=phrase.replace("[", r"\[").replace(".", r"\.")) as err:
        load_config(path, commands=("check", "fetch"))
    assert str(path) in str(err.value)


def test_hosts_are_read_and_keyed_like_urls(tmp_path: Path) -> None:
    path = tmp_path / "archiver.toml"
    path.write_text('[hosts."WWW.Example.ORG."]\nconcurrency = 1\ninterval = 2\n'
                    'headers = { "User-Agent" = "me" }\n', encoding="utf-8")
    config = load_config(path)
    host = config.host("www.example.org")
    assert host is not None and host.concurrency == 1 and host.interval == 2.0
    assert host.headers == (("User-Agent", "me"),) and host.timeout is None


@given(st.integers(100, 599), st.integers(100, 599))
def test_status_ranges(low: int, high: int) -> None:
    low, high = min(low, high), max(low, high)
    assert parse_statuses([f"{low}..={high}"]) == frozenset(range(low, high + 1))
    if high > low:
        assert parse_statuses([f"{low}..{high}"]) == frozenset(range(low, high))
    assert parse_statuses([low, str(high)]) == frozenset({low, high})
    assert parse_statuses([f"{low},{high}"]) == frozenset({low, high})


@pytest.mark.parametrize("bad", ["600", "99", "2xx", "300..=200", "403..403", "true"])
def test_bad_statuses(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_statuses([bad])


# -- the file on the command line ---------------------------------------------------


def test_file_options_reach_check_and_flags_override(site: LocalSite, tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path, {"a": site.url("/ok"), "b": site.url("/gone"),
                                         "c": site.url("/forbidden"),
                                         "d": site.url("/private/page")})
    (tmp_path / "archiver.toml").write_text(
        "exclude = ['/private/']\naccept = [\"403\"]\n[check]\nfail-on = \"never\"\n",
        encoding="utf-8")
    result = run("check", manifest, "--format", "json", *FAST)
    assert result.exit_code == 0, result.output  # fail-on = never from the file
    doc = json.loads(result.stdout)
    assert classes(result) == {"a": "ok", "b": "gone", "c": "ok", "d": "ignored"}
    by_id = {r["source_id"]: r for r in doc["results"]}
    assert "accepted status" in by_id["c"]["detail"] and "blocked" in by_id["c"]["detail"]
    assert "'/private/'" in by_id["d"]["detail"]
    assert site.hits("/private/page") == 0  # an ignored link is never requested
    validate("check", doc)
    # a flag beats the file
    result = run("check", manifest, "--format", "json", "--fail-on", "gone", *FAST)
    assert result.exit_code == 1, result.output
    # --config names another file; the one beside the manifest is then not read
    other = tmp_path / "other.toml"
    other.write_text("[check]\nfail-on = \"gone\"\n", encoding="utf-8")
    result = run("check", manifest, "--format", "json", "--config", other, *FAST)
    assert result.exit_code == 1
    assert classes(result)["c"] == "blocked" and classes(result)["d"] == "ok"


def test_include_wins_over_exclude(site: LocalSite, tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path, {"a": site.url("/ok"), "d": site.url("/private/page")})
    result = run("check", manifest, "--format", "json", "--exclude", "127\\.0\\.0\\.1",
                 "--include", "/private/", *FAST)
    assert classes(result) == {"a": "ignored", "d": "ok"}
    result = run("check", manifest, "--format", "json", "--include", "/private/", *FAST)
    assert classes(result) == {"a": "ignored", "d": "ok"}  # include alone: an allow-list
    result = run("check", manifest, "--format", "json", "--exclude", "(", *FAST)
    assert result.exit_code == 2 and "not a regular expression" in result.stderr


def test_bad_file_is_exit_3_before_any_request(site: LocalSite, tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path, {"a": site.url("/ok")})
    (tmp_path / "archiver.toml").write_text("[check]\nper-host-concurency = 2\n",
                                            encoding="utf-8")
    result = run("check", manifest, *FAST)
    assert result.exit_code == 3
    assert "per-host-concurency" in result.stderr and "did you mean" in result.stderr
    assert "archiver.toml" in result.stderr and result.stdout == ""
    (tmp_path / "archiver.toml").write_text("[check]\nretries = \"many\"\n", encoding="utf-8")
    result = run("check", manifest, *FAST)
    assert result.exit_code == 3 and "retries" in result.stderr
    (tmp_path / "archiver.toml").write_text("colour = \"red\"\n", encoding="utf-8")
    result = run("check", manifest, *FAST)
    assert result.exit_code == 3 and "unknown key 'colour'" in result.stderr
    # a key another command knows is fine at the top level (fetch's --operator)
    (tmp_path / "archiver.toml").write_text("operator = \"Archives\"\n", encoding="utf-8")
    result = run("check", manifest, "--format", "json", *FAST)
    assert result.exit_code == 0, result.output
    assert site.hits("/ok") == 1


def test_host_overrides_headers_timeout_and_interval(site: LocalSite, tmp_path: Path) -> None:
    site.route("/slow", Reply(200, ARTICLE, delay=1.5))
    host = "127.0.0.1"
    manifest = write_manifest(tmp_path, {"a": site.url("/ok"), "s": site.url("/slow"),
                                         "b": site.url("/ok?again")})
    (tmp_path / "archiver.toml").write_text(
        f'[hosts."{host}"]\ntimeout = 0.5\ninterval = 0.4\nconcurrency = 1\n'
        'headers = { "User-Agent" = "archiver-config-test (mailto:a@example.org)" }\n',
        encoding="utf-8")
    # --per-host-interval 0 on the command line; the host's own 0.4 s still holds
    result = run("check", manifest, "--format", "json", "--fail-on", "never", *FAST)
    assert result.exit_code == 0, result.output
    assert classes(result)["s"] == "transient"  # the host's 0.5 s timeout, not 20 s
    agents = {r.headers.get("User-Agent") for r in site.requests}
    assert agents == {"archiver-config-test (mailto:a@example.org)"}
    starts = sorted(r.at for r in site.requests)
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert gaps and min(gaps) >= 0.35  # the host's interval, not 0


# -- per-source keys --------------------------------------------------------------


def test_note_ignore_expect_are_manifest_keys(tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path, {"a": "https://example.org/a", "b": "https://example.org/b",
                                         "c": "https://example.org/c"},
                              {"a": 'note = "moved to the print edition"\nignore = true\n',
                               "b": 'expect = "gone"\n'})
    loaded = load_manifest(manifest)
    a, b, c = loaded.sources
    assert a.note == "moved to the print edition" and a.ignore and a.expect is None
    assert b.expect is Expectation.GONE and not b.ignore and c.note is None
    bad = write_manifest(tmp_path, {"a": "https://example.org/a"},
                         {"a": 'expect = "dead"\nignore = "yes"\nnotes = "x"\n'})
    _, problems = validate_file(bad)
    text = "\n".join(str(p) for p in problems)
    assert "expect 'dead' is not one of: 'gone'" in text
    assert "ignore 'yes' is not true or false" in text
    assert "did you mean 'note'" in text


def test_ignored_and_expected_gone_sources(site: LocalSite, tmp_path: Path) -> None:
    manifest = write_manifest(
        tmp_path, {"a": site.url("/ok"), "b": site.url("/gone"), "c": site.url("/private/page"),
                   "d": site.url("/ok?back")},
        {"b": 'expect = "gone"\n', "c": "ignore = true\n", "d": 'expect = "gone"\n'})
    db = tmp_path / "h.sqlite3"
    result = run("check", manifest, "--format", "json", "--db", db, *FAST)
    assert result.exit_code == 0, result.output  # a known-dead 404 is not a finding
    doc = json.loads(result.stdout)
    by_id = {r["source_id"]: r for r in doc["results"]}
    assert by_id["b"]["link_class"] == "gone" and by_id["b"]["expected"] == "gone"
    assert by_id["c"]["link_class"] == "ignored" and "ignore = true" in by_id["c"]["detail"]
    assert by_id["d"]["link_class"] == "ok" and "answers again" in by_id["d"]["detail"]
    assert site.hits("/private/page") == 0
    with History(db) as history:
        assert history.link(site.url("/private/page")) is None  # never checked, never stored
        assert history.link(site.url("/gone")) is not None
    table = run("check", manifest, "--db", db, *FAST)
    assert table.exit_code == 0 and "ignored" in table.stdout


def test_config_command_shows_values_and_origins(tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path, {"a": "https://example.org/a"})
    (tmp_path / "archiver.toml").write_text(
        'user-agent = "me (mailto:a@example.org)"\n[check]\nfail-on = "dead"\n'
        '[hosts."www.example.org"]\ninterval = 5\n', encoding="utf-8")
    result = run("config", manifest, "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    validate("config", doc)
    check = {s["key"]: s for s in doc["commands"]["check"]}
    assert check["fail-on"]["value"] == "dead" and "[check] fail-on" in check["fail-on"]["origin"]
    assert check["user-agent"]["origin"].endswith("archiver.toml: user-agent")
    assert check["timeout"]["origin"] == "default" and check["timeout"]["value"] > 0
    run_ = {s["key"]: s for s in doc["commands"]["run"]}
    assert run_["fail-on"]["origin"] == "default"  # [check] does not reach run
    assert doc["hosts"] == [{"host": "www.example.org", "concurrency": None, "interval": 5.0,
                             "timeout": None, "headers": {}}]
    table = run("config", manifest, "--changed")
    assert table.exit_code == 0
    assert "fail-on" in table.stdout and "per-host-interval" not in table.stdout
    assert "www.example.org" in table.stdout
    none = run("config", "--format", "json", "--config", tmp_path / "archiver.toml")
    assert none.exit_code == 0



def test_readme_example_is_a_valid_configuration(tmp_path: Path) -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration", 1)[1]
    example = section.split("```toml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "archiver.toml"
    path.write_text(example, encoding="utf-8")
    result = run("config", "--config", path, "--changed", "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert {s["key"] for s in doc["commands"]["check"]} >= {"exclude", "accept", "fail-on"}
    assert [h["host"] for h in doc["hosts"]] == ["www.lemonde.fr"]
