"""The flagship manifest, unchanged, end to end in the local world (issue #7).

``archiver run manifests/calais-2014.toml`` goes through a local forward proxy
that answers for the manifest's real host names as the sites behave today, and
fetches from a local pywb holding made-up 2014 captures; every source's link
class, chosen capture and quote verdicts are compared with
:mod:`tests.world.expectations`. A second test drives the same world stage by
stage (``check``, ``fetch``, ``verify``) with the same options.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from archiver.cli import cli
from tests.world.__main__ import instructions
from tests.world.definition import HOSTS, WORLD
from tests.world.expectations import BEHAVIOURS, EXPECTED
from tests.world.table import main as table_main
from tests.world.table import markdown_table
from tests.world.web import host_of
from tests.world.world import FAST_ARCHIVE, World, fast_archive_options

pytestmark = pytest.mark.slow

#: The issue's list of publishers: each must have a source in the world.
PUBLISHERS = {
    "epresse.fr": "www.epresse.fr", "La Voix du Nord": "www.lavoixdunord.fr",
    "Nord Littoral": "www.nordlittoral.fr", "interieur.gouv.fr": "www.interieur.gouv.fr",
    "gouvernement.fr": "www.gouvernement.fr", "ambafrance-es.org": "www.ambafrance-es.org",
    "The Telegraph": "www.telegraph.co.uk", "Reuters": "uk.reuters.com",
    "Le Figaro": "www.lefigaro.fr", "the Express": "www.express.co.uk",
    "The Guardian": "www.theguardian.com", "Nouvel Obs": "tempsreel.nouvelobs.com",
    "France 3 Régions": "france3-regions.francetvinfo.fr", "UNHCR (French)": "www.unhcr.fr",
    "UNHCR (English)": "www.unhcr.org",
}


@dataclass(frozen=True)
class Seen:
    """What archiver said about one source, in the shape of :class:`Expect`."""

    link: str
    final_url: str | None
    error: str | None
    capture: str | None
    capture_url: str | None
    rule: str | None
    quotes: tuple[tuple[str, str | None], ...]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with World(tmp_path_factory.mktemp("world")) as w:
        yield w


def stamp(memento_datetime: str | None) -> str | None:
    """"2014-09-10T14:02:13Z" -> "20140910140213"."""
    return "".join(ch for ch in memento_datetime if ch.isdigit())[:14] \
        if memento_datetime else None


def compare(seen: dict[str, Seen], sources: dict[str, str]) -> list[str]:
    """Every difference from the expectations, one line each."""
    problems = []
    for sid, want in EXPECTED.items():
        got = seen.get(sid)
        if got is None:
            problems.append(f"{sid}: not in the output")
            continue
        checks: list[tuple[str, object, object]] = [
            ("link", want.link, got.link), ("error", want.error, got.error),
            ("capture", want.capture, got.capture), ("rule", want.rule, got.rule),
            ("capture url", want.capture_url or (sources[sid] if want.capture else None),
             got.capture_url),
            ("quotes", want.quotes, got.quotes)]
        if want.final_url is not None:
            checks.append(("final url", want.final_url, got.final_url))
        for what, expected, actual in checks:
            if expected != actual:
                problems.append(f"{sid}: {what} {actual!r}, expected {expected!r}")
    return problems


def quotes_of(results: list[dict[str, Any]]) -> tuple[tuple[str, str | None], ...]:
    ordered = sorted(results, key=lambda q: q["quote_index"])
    return tuple((q["status"], q["method"]) for q in ordered)


def live_rule(expected_link: str, error: str | None) -> str | None:
    """What ``--live`` must say of a quote found in the 2014 capture, given how the
    world's page behaves today (the expected link class, not the observed one):
    present on a live or moved page; gone from a page sent home or answering
    404/410; unjudged (None) behind a paywall or a bot wall, on a slow server, or
    for a domain that no longer resolves (one failed lookup is not proof)."""
    if expected_link in ("ok", "redirected"):
        return "present"
    if expected_link == "soft404" or (expected_link == "gone" and error is None):
        return "gone"
    return None


def live_problems(report: dict[str, Any]) -> list[str]:
    problems = []
    for row in report["sources"]:
        want = EXPECTED[row["source"]["id"]]
        for q in row["quotes"]:
            if q["status"] not in ("verified", "verified_typo"):
                continue
            expected = live_rule(want.link, want.error)
            if q.get("live_status") != expected:
                problems.append(f"{row['source']['id']} quote {q['quote_index']}: live "
                                f"{q.get('live_status')!r}, expected {expected!r} "
                                f"({q.get('live_detail')})")
    return problems


def from_report(report: dict[str, Any]) -> dict[str, Seen]:
    """The ``archiver run`` report.json, source by source."""
    out = {}
    for row in report["sources"]:
        link, capture = row["link"] or {}, row["capture"] or {}
        held = capture.get("capture") or {}
        out[row["source"]["id"]] = Seen(
            link.get("link_class", "?"), link.get("final_url"), link.get("error"),
            stamp(held.get("memento_datetime")), held.get("url"), capture.get("rule"),
            quotes_of(row["quotes"]))
    return out


def from_stages(check: dict[str, Any], fetch: dict[str, Any],
                verify: dict[str, Any]) -> dict[str, Seen]:
    """The JSON of ``check``, ``fetch`` and ``verify``, source by source."""
    links = {r["source_id"]: r for r in check["results"]}
    captures = {r["source_id"]: r for r in fetch["results"]}
    out = {}
    for sid, link in links.items():
        capture = captures[sid]
        held = capture.get("capture") or {}
        out[sid] = Seen(link["link_class"], link["final_url"], link["error"],
                        stamp(held.get("memento_datetime")), held.get("url"),
                        capture.get("rule"),
                        quotes_of([q for q in verify["results"] if q["source_id"] == sid]))
    return out


def invoke(world: World, *args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], env=world.env())


# --------------------------------------------------------------------------
# The world itself
# --------------------------------------------------------------------------


def test_the_world_covers_the_manifest_and_the_issue(world: World) -> None:
    sources = {s.id: s for s in world.manifest.sources}
    assert set(EXPECTED) == set(WORLD) == set(sources)
    for sid, source in sources.items():
        assert len(EXPECTED[sid].quotes) == len(WORLD[sid].quotes) == len(source.quotes), sid
    assert sum(len(s.quotes) for s in sources.values()) == 66
    hosts = {host_of(s.url) for s in sources.values()}
    assert set(PUBLISHERS.values()) == hosts
    assert hosts - set(HOSTS) == {"www.ambafrance-es.org"}  # the dead domain
    assert len(set(BEHAVIOURS.values())) == len(BEHAVIOURS)
    statuses = {status for e in EXPECTED.values() for status, _ in e.quotes}
    assert statuses == {"verified", "verified_typo", "altered", "missing", "unverifiable"}
    assert EXPECTED["lobs-radicaux-sans-frontieres"].capture is None  # no capture at all


# --------------------------------------------------------------------------
# archiver run, end to end
# --------------------------------------------------------------------------


def test_calais_2014_end_to_end(world: World, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    result = invoke(world, *world.run_args(tmp_path), *fast_archive_options(), "--live")
    # Findings: the corrected figure (altered) and the absent passage (missing).
    assert result.exit_code == 1, result.stderr + result.stdout
    assert "express-migrants-brag" in result.stderr and "altered" in result.stderr
    assert "guardian-uk-pledges-12m" in result.stderr and "missing" in result.stderr
    assert "lobs-radicaux-sans-frontieres" in result.stdout  # the table, one row per source
    report = json.loads((tmp_path / "report" / "report.json").read_text(encoding="utf-8"))
    assert report["run"]["inconclusive"] is False
    sources = {s.id: s.url for s in world.manifest.sources}
    assert compare(from_report(report), sources) == []
    assert (tmp_path / "report" / "report.html").is_file()
    table = markdown_table(report).splitlines()  # the README's table
    assert table_main([str(tmp_path / "report" / "report.json")]) == 0
    assert len([line for line in table if line.startswith("| `")]) == 22
    assert capsys.readouterr().out.splitlines() == table
    assert "| `ambafrance-es-visite-barcelone` | Ambassade de France en Espagne | gone (dns) " \
        "| 2014-09-02 | 3 verified |" in table
    # The README shows this very table (generated, not typed).
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- flagship-table:start -->\n", 1)[1].split(
        "\n<!-- flagship-table:end -->", 1)[0]
    assert block.splitlines() == table
    # --live: today's page judged as the link check judged it (see live_rule).
    assert live_problems(report) == []
    # Every request went through the proxy, archive included; no URL was changed.
    assert world.proxy is not None
    assert world.proxy.seen(world.archive_url) >= 21
    for url in sources.values():
        assert world.proxy.seen(url) >= 1, url


def test_calais_2014_stage_by_stage(world: World, tmp_path: Path) -> None:
    """``check``, ``fetch`` and ``verify`` in sequence, with the same options as ``run``."""
    manifest = world.manifest_path
    check = invoke(world, "check", manifest, "--proxy", world.proxy_url, "--db",
                   tmp_path / "h.sqlite3", "--per-host-interval", "0", "--timeout", "3",
                   "--retries", "1", "--backoff", "0.1", "--format", "json", "--no-progress")
    assert check.exit_code == 1, check.stderr  # gone and soft-404 links
    assert "22 links checked: 5 ok, 5 redirected, 2 paywalled, 2 blocked, 1 transient, " \
           "3 soft404, 4 gone" in check.stderr
    fetch = invoke(world, "fetch", manifest, *world.options(), "--warcs", tmp_path / "warcs",
                   *FAST_ARCHIVE, "--format", "json", "--no-progress")
    assert fetch.exit_code == 1, fetch.stderr  # epresse.fr has no capture
    assert "22 sources: 21 stored, 1 no_capture" in fetch.stderr
    verify = invoke(world, "verify", manifest, "--warcs", tmp_path / "warcs", "--format",
                    "json", "--no-progress")
    assert verify.exit_code == 1, verify.stderr  # missing and altered quotes
    seen = from_stages(json.loads(check.stdout), json.loads(fetch.stdout),
                       json.loads(verify.stdout))
    assert compare(seen, {s.id: s.url for s in world.manifest.sources}) == []


def test_the_world_script_says_how_to_point_archiver_at_it(world: World, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str],
                                                          ) -> None:
    text = instructions(world, tmp_path)
    run_line = next(line for line in text.splitlines() if "archiver run " in line)
    assert run_line.strip().startswith(f"REQUESTS_CA_BUNDLE={world.ca_bundle} ")
    # the command works from the venv the tests run in, active or not
    command = run_line.split()[1]
    assert Path(command).is_file() or command.endswith("python"), command
    done = subprocess.run([command, "--version"], capture_output=True, text=True, check=True)
    assert done.stdout.startswith("archiver, version")
    for option in (f"--proxy {world.proxy_url}", f"--archive {world.archive_url}",
                   f"--cdx-api {world.cdx_url}", "--per-host-interval 0"):
        assert option in run_line
    assert "Press Ctrl-C" in text
    assert table_main([]) == 2
    assert "usage: python -m tests.world.table" in capsys.readouterr().err


def test_the_world_starts_again_in_the_same_folder(tmp_path: Path) -> None:
    for _ in range(2):
        with World(tmp_path / "world") as again:
            assert again.archive_url.startswith("http://127.0.0.1:")
