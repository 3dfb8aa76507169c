"""The scheduled-use examples stay true: their ``archiver run`` lines parse, their files fit."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import click
import pytest

from archiver.cli import cli

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / "examples" / "github-actions" / "archiver.yml"
CRONTAB = ROOT / "examples" / "cron" / "archiver.crontab"


def parse_run(command_line: str) -> dict[str, Any]:
    """The parameters click gives ``archiver run`` for this command line (no run)."""
    words = shlex.split(command_line)
    start = words.index("run")
    assert words[start - 1].endswith("archiver")
    assert isinstance(cli, click.Group)
    command = cli.get_command(click.Context(cli), "run")
    assert command is not None
    with command.make_context("run", words[start + 1:]) as ctx:
        return dict(ctx.params)


def test_the_workflow_caches_the_history_and_warcs_and_uploads_the_report() -> None:
    yaml = pytest.importorskip("yaml")  # installed with pywb, a test extra
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    triggers = workflow[True]  # YAML 1.1 reads the key "on" as true
    assert re.fullmatch(r"(\S+ ){4}\S+", triggers["schedule"][0]["cron"])
    steps = workflow["jobs"]["run"]["steps"]
    uses = {s.get("uses", "").split("@")[0]: s for s in steps}
    restore, save = uses["actions/cache/restore"], uses["actions/cache/save"]
    assert restore["with"]["path"].split() == save["with"]["path"].split() == [
        ".archiver", "warcs"]
    assert save["if"] == "always()"
    assert uses["actions/upload-artifact"]["with"]["path"] == "report/"
    script = next(s["run"] for s in steps if s.get("id") == "run")
    line = next(x for x in script.splitlines() if x.strip().startswith("archiver run"))
    params = parse_run(line)
    assert params["db"] == Path(".archiver/history.sqlite3")
    assert params["warcs"] == Path("warcs") and params["report_dir"] == Path("report")
    assert "GITHUB_STEP_SUMMARY" in script and "report/report.md" in script


def test_the_cron_line_is_a_valid_schedule_and_command() -> None:
    lines = [x for x in CRONTAB.read_text(encoding="utf-8").splitlines()
             if x.strip() and not x.startswith("#")]
    assert lines[0].startswith("MAILTO=")
    fields = lines[1].split(None, 5)
    assert len(fields) == 6 and all(re.fullmatch(r"[\d*/,-]+", f) for f in fields[:5])
    params = parse_run(fields[5].split(" chronic ", 1)[1])
    assert str(params["fail_on"]) == "changes"
    assert params["live"] and params["no_progress"]
    assert params["robust_links"] == Path("public/robust-links.html")
