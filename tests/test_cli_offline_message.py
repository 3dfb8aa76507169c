"""Offline, ``run`` and ``fetch`` say why once, on one line, with URLs shortened.

The archive is a closed port on 127.0.0.1 (``--allow-private``); the full
reason, with its whole URL, stays in the JSON output.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from archiver.cli import cli
from tests.support.localweb import LocalSite, Reply
from tests.test_cli_run import FAST, STORIES, article, write_manifest
from tests.test_pipeline_run import refused_url

FETCH = ["--allow-private", "--no-progress", "--list-rate", "60000",
         "--download-rate", "1000"]


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    """The archive's retries wait 2, 4, 8 ... s on the real clock: not here."""
    monkeypatch.setattr(time, "sleep", lambda seconds: None)


def offline(command: str, tmp_path: Path, *args: str) -> tuple[Result, str]:
    archive = refused_url()
    with LocalSite() as site:
        for s in STORIES:
            site.route(s.path, Reply(200, article(s.title, s.text)))
        manifest = write_manifest(tmp_path / "manifests" / "press.toml", site.base)
        options = FAST if command == "run" else FETCH
        result = CliRunner().invoke(cli, [command, str(manifest), "--archive", archive,
                                          "--cdx-api", archive + "cdx/search/cdx",
                                          *options, *args])
    return result, archive


@pytest.mark.parametrize("command", ["run", "fetch"])
@pytest.mark.parametrize("fmt", ["table", "json"])
def test_offline_reason_is_printed_once_on_one_short_line(
        command: str, fmt: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        result, archive = offline(command, tmp_path, "--format", fmt)
    # the CLI configures no logging: Python prints WARNING records on stderr
    # (logging.lastResort), so a library warning would repeat the reason there
    assert [r.getMessage() for r in caplog.records
            if r.levelno >= logging.WARNING and "connection refused" in r.getMessage()] == []
    assert result.exit_code == 4, result.stderr
    assert result.stderr.count("connection refused") == 1, result.stderr
    line = next(x for x in result.stderr.splitlines() if "connection refused" in x)
    assert line.startswith("inconclusive: ")
    assert f"({archive}…)" in line  # the CDX URL, shortened to scheme://host/…
    assert "%3A%2F%2F" not in result.stderr
    assert len(line) < 200, line
    if fmt == "json":  # the whole detail stays in the JSON output
        document = json.loads(result.stdout)
        assert "cdx/search/cdx?url=http%3A%2F%2F" in json.dumps(document)
