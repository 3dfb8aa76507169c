"""How the console script leaves: Python's exit steps, minus freeing the heap.

``archiver.cli.main`` ends with ``os._exit`` once the command is done; these
tests hold it to what a normal exit guarantees: the exit code, every byte of
stdout and stderr, other threads finished, ``atexit`` handlers run (logging's
flush, temporary folders' clean-up).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path


def run_python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, cwd=cwd, timeout=60, check=False)


def test_leave_waits_for_threads_runs_atexit_and_flushes_streams(tmp_path: Path) -> None:
    done = run_python("""
        import atexit, logging, sys, tempfile, threading, time
        from pathlib import Path
        from archiver.cli import _leave

        logging.basicConfig(filename="log.txt", level=logging.INFO)
        logging.getLogger("t").info("logged before leaving")
        kept = tempfile.TemporaryDirectory(dir=".")
        Path(kept.name, "f").write_text("x")
        print("folder", kept.name)

        def late() -> None:
            time.sleep(0.3)
            Path("thread.txt").write_text("finished")

        threading.Thread(target=late).start()  # not a daemon: waited for
        atexit.register(lambda: Path("atexit.txt").write_text(
            Path("thread.txt").read_text() if Path("thread.txt").exists() else "too early"))
        sys.stdout.write("o" * 200_000)  # more than a pipe holds: must be flushed
        sys.stderr.write("the end\\n")
        _leave(4)
        print("never printed")
        """, tmp_path)
    assert done.returncode == 4, done.stderr
    assert done.stdout.endswith("o" * 200_000)
    assert "never printed" not in done.stdout
    assert done.stderr == "the end\n"
    assert (tmp_path / "thread.txt").read_text() == "finished"
    assert (tmp_path / "atexit.txt").read_text() == "finished"  # after the thread
    assert "logged before leaving" in (tmp_path / "log.txt").read_text()
    folder = done.stdout.split("\n", 1)[0].split(" ", 1)[1]
    assert not (tmp_path / folder).exists()  # TemporaryDirectory's finaliser ran


def test_leave_with_a_message_or_none_exits_as_python_does(tmp_path: Path) -> None:
    message = run_python("from archiver.cli import _leave\n_leave('stopped: why')", tmp_path)
    assert (message.returncode, message.stderr) == (1, "stopped: why\n")
    none = run_python("from archiver.cli import _leave\n_leave(None)", tmp_path)
    assert (none.returncode, none.stderr) == (0, "")


def test_the_console_script_keeps_exit_codes_and_whole_outputs(tmp_path: Path) -> None:
    page = tmp_path / "links.md"
    page.write_text("".join(f"- [page {i}](https://news.example.org/{i}/{'x' * 60})\n"
                            for i in range(3000)), encoding="utf-8")

    def archiver(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "archiver", *args], capture_output=True,
                              text=True, cwd=tmp_path, timeout=120, check=False)

    drafted = archiver("extract", str(page), "--format", "urls")
    assert drafted.returncode == 0, drafted.stderr
    urls = [line for line in drafted.stdout.splitlines() if line.startswith("https://")]
    assert len(urls) == 3000  # every line arrived (about 250 kB, more than a pipe holds)
    assert urls[-1] == f"https://news.example.org/2999/{'x' * 60}"

    bad = tmp_path / "bad.toml"
    bad.write_text("[manifest]\nid = 'x'\n", encoding="utf-8")
    invalid = archiver("validate", str(bad))
    assert invalid.returncode == 3
    assert "error" in invalid.stdout + invalid.stderr
    usage = archiver("no-such-command")
    assert usage.returncode == 2
    assert "No such command" in usage.stderr
    assert archiver("--version").stdout.startswith("archiver, version ")
