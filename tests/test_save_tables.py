"""``archiver save``'s table fits the terminal like the others'; piped it keeps full width."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fake_spn2 import FakeSpn2
from tests.support.pywb_archive import source, write_manifest
from tests.test_cli_tables import in_a_terminal
from tests.test_save import ACCESS, SECRET

LONG_URL = "http://news.example/2014/10/15/" + "the-harbour-will-reopen-on-monday-" * 3


@pytest.fixture()
def spn() -> Iterator[FakeSpn2]:
    with FakeSpn2(access=ACCESS, secret=SECRET) as fake:
        yield fake


def test_save_fits_a_narrow_terminal_and_keeps_full_width_in_a_pipe(
        spn: FakeSpn2, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # refused at submission: no polling, and a long detail (the advice) in the table
    spn.plan(LONG_URL, refuse="error:no-access")
    path = write_manifest(tmp_path / "m.toml", [source("harbour", LONG_URL, "2014-10-15")], "m")
    monkeypatch.setenv("IA_ACCESS_KEY_ID", ACCESS)
    monkeypatch.setenv("IA_SECRET_ACCESS_KEY", SECRET)
    args = ["save", str(path), "--save-api", spn.api, "--archive", spn.archive,
            "--warcs", str(tmp_path / "warcs"), "--db", str(tmp_path / "h.db"), "--no-progress"]

    shown = in_a_terminal(args, 60)
    piped = subprocess.run([sys.executable, "-m", "archiver", *args], capture_output=True,
                           text=True, check=False)

    table = [line for line in shown.splitlines() if line.startswith(("SOURCE", "harbour"))]
    assert len(table) == 2, shown
    assert all(len(line) <= 60 for line in table), shown  # the summary line is a message
    assert "…" in table[1]
    assert piped.returncode == 1, piped.stderr
    assert any(len(line) > 60 for line in piped.stdout.splitlines()
               if line.startswith("harbour")), piped.stdout
