"""The README and CI stay true: the two commands, the command list, --help."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from archiver._version import __version__
from archiver.cli import COMMANDS, cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def first_code_block() -> list[str]:
    m = re.search(r"```sh\n(.*?)```", README, re.S)
    assert m, "the README must start with a sh code block"
    return [line for line in m.group(1).splitlines() if line.strip() and not line.startswith("#")]


def test_readme_starts_with_exactly_two_commands() -> None:
    assert README.index("```sh") < 400  # on the first screen
    commands = first_code_block()
    assert len(commands) == 2
    main, tests = commands
    assert "pip install -e ." in main and "manifests/calais-2014.toml" in main
    assert "'.[test]'" in tests and "pytest" in tests


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert first_code_block()[1] in ci.splitlines()


#: Commands whose README section the lead writes at merge (helpers do not edit the
#: README); remove a name once its section is in.
README_PENDING = frozenset({"fixity", "save"})


def test_every_command_is_documented_and_has_help() -> None:
    assert isinstance(cli, click.Group)
    ctx = click.Context(cli)
    names = cli.list_commands(ctx)
    assert names == sorted(COMMANDS) and {"check", "fetch", "verify", "run"} <= set(names)
    for name in names:
        command = cli.get_command(ctx, name)
        assert command is not None
        # `package`'s README section is written when its branch is merged: then drop this
        if name not in {"package"} | README_PENDING:
            assert f"`archiver {name}" in README, f"{name} is not in the README"
        assert command.help and "not implemented" not in command.help.lower(), name
        result = CliRunner().invoke(cli, [name, "--help"])
        assert result.exit_code == 0, (name, result.output)
        assert "Usage:" in result.stdout


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0 and __version__ in result.stdout


def test_exit_codes_are_documented() -> None:
    for code in range(6):
        assert re.search(rf"^\| {code} \|", README, re.M), code


@pytest.mark.parametrize("path", ["manifests/example.toml", "manifests/calais-2014.toml"])
def test_manifests_validate_through_the_cli(path: str) -> None:
    result = CliRunner().invoke(cli, ["validate", str(ROOT / path)])
    assert result.exit_code == 0, result.stderr
    assert ": ok:" in result.stdout


def test_changelog_keeps_a_changelog_and_has_the_current_version() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", text, re.M)
    assert headings[0] == "[Unreleased]"
    for heading in headings[1:]:
        assert re.fullmatch(r"\[\d+\.\d+\.\d+\] - \d{4}-\d{2}-\d{2}", heading), heading
    assert any(h.startswith(f"[{__version__}] - ") for h in headings), __version__
    kinds = set(re.findall(r"^### (.+)$", text, re.M))
    assert kinds <= {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}, kinds
