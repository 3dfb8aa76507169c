"""The scheduled-use examples stay true: their ``archiver run`` lines parse, their files fit."""

from __future__ import annotations

import importlib
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import click
import pytest

from archiver._version import DISTRIBUTION, __version__
from archiver.cli import cli
from archiver.failon import Command, parse_fail_on

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / "examples" / "github-actions" / "archiver.yml"
ACTION = ROOT / "action.yml"
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


def test_the_workflow_uses_the_action_with_a_manifest_that_exists() -> None:
    yaml = pytest.importorskip("yaml")  # installed with pywb, a test extra
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    triggers = workflow[True]  # YAML 1.1 reads the key "on" as true
    assert re.fullmatch(r"(\S+ ){4}\S+", triggers["schedule"][0]["cron"])
    steps = workflow["jobs"]["run"]["steps"]
    [step] = [s for s in steps if s.get("uses", "").startswith("archiver-project/archiver@")]
    assert (ROOT / step["with"]["manifest"]).is_file()
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    assert set(step["with"]) <= set(action["inputs"])
    assert str(parse_fail_on(step["with"]["fail-on"], Command.RUN)) == "changes"


def test_the_action_caches_the_state_writes_the_summary_and_uploads_the_report() -> None:
    yaml = pytest.importorskip("yaml")
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    uses = {s.get("uses", "").split("@")[0]: s for s in steps}
    restore, save = uses["actions/cache/restore"], uses["actions/cache/save"]
    assert restore["with"]["path"] == save["with"]["path"] == "${{ inputs.state }}"
    assert save["if"] == "always()"
    assert uses["actions/upload-artifact"]["with"]["path"] == "${{ inputs.report }}"
    script = next(s["run"] for s in steps if s.get("id") == "run")
    assert "GITHUB_STEP_SUMMARY" in script and '"$REPORT/report.md"' in script
    # the command line the script builds, with the inputs' defaults, parses
    env = {k: v for k, v in next(s for s in steps if s.get("id") == "run")["env"].items()}
    assert env["MANIFEST"] == "${{ inputs.manifest }}"
    params = parse_run("archiver run m.toml --db .archiver-state/history.sqlite3 --warcs "
                       ".archiver-state/warcs --report archiver-report --robust-links "
                       "archiver-report/robust-links.html --no-progress --live")
    assert params["report_dir"] == Path("archiver-report") and params["live"]


@pytest.mark.slow
def test_the_actions_install_step_installs_this_package_not_the_callers(
        tmp_path: Path) -> None:
    """Run the install step as the runner would, in a repository holding only a manifest."""
    yaml = pytest.importorskip("yaml")
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    [install] = [s for s in action["runs"]["steps"] if s.get("id") == "install"]
    caller = tmp_path / "caller"
    (caller / "manifests").mkdir(parents=True)
    shutil.copy(ROOT / "manifests" / "example.toml", caller / "manifests" / "example.toml")
    # a trap: were the caller's repository installed, this is what would run
    (caller / "pyproject.toml").write_text(
        '[project]\nname = "archiver"\nversion = "9.9.9"\n', encoding="utf-8")
    runner_temp, github_path = tmp_path / "runner", tmp_path / "github_path"
    runner_temp.mkdir()
    env = {**os.environ, "RUNNER_TEMP": str(runner_temp), "GITHUB_ACTION_PATH": str(ROOT),
           "GITHUB_PATH": str(github_path)}
    done = subprocess.run(["bash", "-c", install["run"]], cwd=caller, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith(f"archiver, version {__version__}")
    bin_dir = Path(github_path.read_text(encoding="utf-8").strip())
    probe = subprocess.run(
        [str(bin_dir / "python"), "-c",
         "import archiver, importlib.metadata as m; print(archiver.__file__); "
         f"print(m.version({DISTRIBUTION!r}))"],
        cwd=caller, capture_output=True, text=True, check=True, timeout=60)
    path, version = probe.stdout.split()
    assert path.startswith(str(runner_temp)) and version == __version__
    validate = subprocess.run([str(bin_dir / "archiver"), "validate",
                               "manifests/example.toml"], cwd=caller, capture_output=True,
                              text=True, timeout=60)
    assert validate.returncode == 0, validate.stderr


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
    # the weekly fixity check: a valid schedule, and a command `archiver fixity` accepts
    fields = lines[2].split(None, 5)
    assert len(fields) == 6 and all(re.fullmatch(r"[\d*/,-]+", f) for f in fields[:5])
    argv = shlex.split(fields[5].split(" chronic ", 1)[1])
    assert argv[0].endswith("archiver") and argv[1] == "fixity"
    fixity = importlib.import_module("archiver.cli.fixity_cmd").command
    ctx = fixity.make_context("fixity", argv[2:])
    assert ctx.params["warcs"] == Path("warcs") and ctx.params["no_progress"]
