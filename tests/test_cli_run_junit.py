"""``archiver run --format junit``: one JUnit report of the whole run for CI.

Runs against the local world of :mod:`tests.test_cli_run` (a live local site,
a local pywb archive) and parses the XML.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from click.testing import Result

from tests.support.localweb import Reply
from tests.test_cli_run import STORIES, World, shared_site, site, world
from tests.test_pipeline_run import refused_url

__all__ = ["shared_site", "site", "world"]  # the fixtures, used by name


def suites(result: Result) -> dict[str, ET.Element]:
    root = ET.fromstring(result.stdout)
    assert root.tag == "testsuites"
    return {s.get("name", ""): s for s in root.findall("testsuite")}


def outcome(case: ET.Element) -> str:
    if case.find("failure") is not None:
        return "failure"
    if case.find("skipped") is not None:
        return "skipped"
    return "passed"


def cases(suite: ET.Element) -> dict[str, str]:
    return {c.get("name", "").split(":")[0]: outcome(c) for c in suite.findall("testcase")}


def test_junit_has_a_suite_per_stage_and_fails_what_fail_on_matches(world: World) -> None:
    world.site.route(STORIES[1].path, Reply(404, "<html><title>Not found</title></html>"))
    result = world.run("--format", "junit")
    assert result.exit_code == 1, result.stderr
    found = suites(result)
    assert list(found) == ["check", "fetch", "verify"]
    assert cases(found["check"]) == {"harbour": "passed", "fence": "failure",
                                     "market": "passed"}
    assert found["check"].get("failures") == "1"
    # the default --fail-on of run does not name no-capture: the market has none, not a failure
    assert cases(found["fetch"]) == {"harbour": "passed", "fence": "passed",
                                     "market": "passed"}
    # the market's quote could not be looked for (no capture): skipped, with the reason
    assert cases(found["verify"]) == {"harbour #1": "passed", "fence #1": "passed",
                                      "market #1": "skipped"}
    skipped = found["verify"].findall("testcase")[2].find("skipped")
    assert skipped is not None and skipped.get("message", "").startswith("unverifiable")
    failure = found["check"].findall("testcase")[1].find("failure")
    assert failure is not None and failure.get("type") == "gone"


def test_junit_follows_the_runs_fail_on(world: World) -> None:
    result = world.run("--format", "junit", "--fail-on", "no-capture")
    assert result.exit_code == 1, result.stderr
    found = suites(result)
    assert cases(found["fetch"])["market"] == "failure"
    assert found["check"].get("failures") == "0"


def test_an_offline_run_in_junit_is_skipped_with_the_reason(world: World,
                                                             tmp_path: Path) -> None:
    world.site.route(STORIES[0].path, Reply(404, "gone"))
    out = tmp_path / "junit.xml"
    result = world.run("--canary", refused_url(), "--format", "junit", "-o", out)
    assert result.exit_code == 4, result.stderr
    root = ET.parse(out).getroot()
    check = next(s for s in root.findall("testsuite") if s.get("name") == "check")
    assert set(cases(check).values()) == {"skipped"}
    skipped = check.findall("testcase")[0].find("skipped")
    assert skipped is not None and "inconclusive" in skipped.get("message", "")
