"""Tables for people fit the terminal; piped or written to a file they keep full width.

The formatter takes the width as a parameter (:func:`text_table`); the CLI
passes the terminal's width only when standard output is a terminal. The CLI
test runs ``archiver check`` in a real pseudo-terminal of 80 columns.
"""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

from archiver.report.common import MIN_COLUMN, tables_fit, text_table
from tests.support.localweb import LocalSite, Reply
from tests.test_cli_run import FAST_CHECK

LONG = "x" * 150


def test_text_table_without_a_width_keeps_every_cell_up_to_its_cap() -> None:
    table = text_table(["id", "url", "detail"], [["a", "http://e.com/" + LONG, LONG]],
                       max_width=200)
    assert max(len(line) for line in table.splitlines()) > 300
    assert "…" not in table


def test_text_table_fits_a_width_by_shortening_the_widest_columns_first() -> None:
    rows = [["harbour", "http://example.com/" + LONG, "ok", "a detail of some length"]]
    table = text_table(["source", "url", "class", "detail"], rows, max_width=200, width=80)
    lines = table.splitlines()
    assert all(len(line) <= 80 for line in lines), lines
    assert lines[2].startswith("harbour  http://example.com/xx")
    assert "…" in lines[2]
    # the narrow columns are untouched: only the widest one was cut
    assert lines[2].endswith("…  ok     a detail of some length")


def test_text_table_never_goes_below_a_readable_minimum() -> None:
    rows = [["a-source-name", LONG, LONG, LONG]]
    table = text_table(["source", "one", "two", "three"], rows, width=20)
    widths = [len(cell) for cell in table.splitlines()[1].split("  ")]
    assert widths == [MIN_COLUMN] * 4


def test_the_width_can_come_from_the_context_the_cli_sets() -> None:
    rows = [["harbour", "http://example.com/" + LONG]]
    with tables_fit(60):
        fitted = text_table(["source", "url"], rows, max_width=200)
    assert max(len(line) for line in fitted.splitlines()) == 60
    assert max(len(line) for line in text_table(["source", "url"], rows,
                                                max_width=200).splitlines()) > 60


def write_manifest(path: Path, url: str) -> Path:
    path.write_text(
        "[manifest]\nid = 'wide'\ntitle = 'Wide'\n\n[[source]]\nid = 'harbour'\n"
        f"url = '{url}'\npublisher = 'Nord Littoral'\ntitle = 'The harbour'\n"
        "published = 2014-10-15\nlanguage = 'en'\n", encoding="utf-8")
    return path


def in_a_terminal(args: list[str], columns: int) -> str:
    """Run the CLI with its stdout on a pseudo-terminal ``columns`` wide; what it showed."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    proc = subprocess.Popen([sys.executable, "-m", "archiver", *args], stdout=follower,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=60)
    os.close(leader)
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


def test_check_fits_the_terminal_and_keeps_full_width_in_a_pipe_or_a_file(
        tmp_path: Path) -> None:
    with LocalSite() as site:
        path = "/2014/10/15/" + "the-harbour-will-reopen-on-monday-" * 4 + ".html"
        site.route(path, Reply(200, "<html><title>The harbour</title><p>Open.</p></html>"))
        manifest = write_manifest(tmp_path / "wide.toml", site.url(path))
        args = ["check", str(manifest), *FAST_CHECK]
        shown = in_a_terminal(args, 80)
        piped = subprocess.run([sys.executable, "-m", "archiver", *args], capture_output=True,
                               text=True, check=False)
        out = tmp_path / "table.txt"
        subprocess.run([sys.executable, "-m", "archiver", *args, "-o", str(out)],
                       capture_output=True, check=False)
    table = [line for line in shown.splitlines() if line.startswith(("source", "harbour"))]
    assert len(table) == 2, shown
    assert all(len(line) <= 80 for line in shown.splitlines()), shown
    assert "…" in table[1]
    assert site.url(path)[:40] in piped.stdout  # the pipe: the whole URL
    assert any(len(line) > 80 for line in piped.stdout.splitlines()), piped.stdout
    written = out.read_text(encoding="utf-8")
    assert any(len(line) > 80 for line in written.splitlines()), written
