"""``archiver capture``'s exit codes: 4 when no page could be reached at all, 1 for findings.

Exit 4 (inconclusive) is "nothing could be done because of the network": every
selected page failed before any answer (refused, DNS, timeouts, the proxy).
A page that answered, even 404, is evidence; a refusal by the address guard is
about the URL; either makes the run conclusive.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from archiver.cli import cli
from archiver.models import Source
from tests.support.pywb_archive import write_manifest
from tests.test_capture import WIRE, RawSite, no_proxy_env

__all__ = ["no_proxy_env"]  # the autouse fixture, imported to apply here too

CLOSED = "http://127.0.0.1:9"  # the discard port: nothing listens, the connection is refused


@pytest.fixture
def site() -> Iterator[RawSite]:
    with RawSite(WIRE) as server:
        yield server


def capture(tmp_path: Path, urls: dict[str, str], *args: str) -> Result:
    path = write_manifest(tmp_path / "m.toml", [
        Source(id=sid, url=url, publisher="P", title="T", published=date(2014, 10, 15),
               language="en") for sid, url in urls.items()])
    return CliRunner().invoke(cli, ["capture", str(path), "--warcs", str(tmp_path / "w"),
                                    "--no-progress", *args])


def test_every_page_unreachable_is_inconclusive_exit_4(tmp_path: Path) -> None:
    out = tmp_path / "c.json"
    # refused twice, and a name that never resolves (.invalid, RFC 6761 §6.4)
    result = capture(tmp_path, {"a": f"{CLOSED}/a", "b": f"{CLOSED}/b",
                                "c": "http://nowhere.invalid/story"}, "--allow-private",
                     "--format", "json", "-o", str(out))
    assert result.exit_code == 4, result.output
    assert "inconclusive:" in result.stderr and "could not reach any of the 3" in result.stderr
    assert "connection refused" in result.stderr and "hint:" in result.stderr
    doc = json.loads(out.read_text())
    assert doc["run"]["inconclusive"] is True
    assert "could not reach" in doc["run"]["inconclusive_reason"]
    assert {r["outcome"] for r in doc["results"]} == {"live_error"}


def test_a_page_that_answered_makes_the_run_conclusive(tmp_path: Path, site: RawSite) -> None:
    result = capture(tmp_path, {"gone": site.url("/missing"), "down": f"{CLOSED}/a"},
                     "--allow-private", "--format", "json")
    assert result.exit_code == 1, result.output  # the unreached page is a finding
    doc = json.loads(result.stdout)
    assert doc["run"]["inconclusive"] is False
    by_id = {r["source_id"]: r for r in doc["results"]}
    assert by_id["gone"]["outcome"] == "stored" and "404" in by_id["gone"]["detail"]
    assert by_id["down"]["outcome"] == "live_error"
    assert "inconclusive" not in result.stderr


def test_every_page_refused_by_the_guard_is_a_finding_not_inconclusive(tmp_path: Path) -> None:
    result = capture(tmp_path, {"a": f"{CLOSED}/a"})  # private, and no --allow-private
    assert result.exit_code == 1, result.output
    assert "inconclusive" not in result.stderr


def test_the_help_names_exit_4() -> None:
    shown = CliRunner().invoke(cli, ["capture", "--help"]).stdout
    assert "4  inconclusive" in shown and "reached at all" in shown
