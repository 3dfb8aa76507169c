"""Output files (``-o``, ``--report``, ``--robust-links``) and full disks, through the CLI.

What is at an output path is never replaced by something else: a character
device (``/dev/null``) or a FIFO is written through, a symbolic link is followed
to its target, a folder is refused. New files get the mode the umask gives, an
existing file keeps its own. A full disk, a read-only file system or a refused
write is exit 3 with the file named, never an internal error; and ``run``
checks where its reports go before anything is checked, fetched or recorded.

Devices are made with mknod in the test's folder (never the system's /dev):
``1,3`` is /dev/null, ``1,7`` is /dev/full.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from archiver.cli import cli
from tests.support.localweb import LocalSite, Reply
from tests.support.pywb_archive import Page, PywbArchive, source, write_manifest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = str(ROOT / "manifests" / "example.toml")
STORY = "http://news.example.com/2014/10/15/story.html"
FAST_RUN = ["--allow-private", "--no-progress", "--per-host-interval", "0", "--backoff", "0.01",
            "--retries", "1", "--no-probe", "--list-rate", "60000", "--download-rate", "1000"]


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def device(path: Path, minor: int) -> Path:
    """A character device node of the memory driver (major 1) at ``path``."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    except PermissionError:  # pragma: no cover - without CAP_MKNOD
        pytest.skip("cannot make device nodes here")
    return path


def leftovers(folder: Path, *expected: str) -> list[str]:
    """Names in ``folder`` other than ``expected`` (temporary files left behind)."""
    return sorted(p.name for p in folder.iterdir() if p.name not in (*expected, "crashes"))


@pytest.fixture(autouse=True)
def crash_files_stay_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tracebacks of internal errors are saved in the test's folder, not the system's."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "crashes"))
    (tmp_path / "crashes").mkdir()


@pytest.fixture()
def umask() -> Iterator[Any]:
    old = os.umask(0o022)
    os.umask(old)

    def set_to(mask: int) -> None:
        os.umask(mask)
    yield set_to
    os.umask(old)


# -- what is at the path --------------------------------------------------------------


def test_output_onto_a_character_device_writes_through(tmp_path: Path) -> None:
    null = device(tmp_path / "null", 3)
    result = invoke("validate", "-o", null, EXAMPLE)
    assert result.exit_code == 0, result.stderr
    assert stat.S_ISCHR(null.lstat().st_mode), "the device node was replaced"
    assert leftovers(tmp_path, "null") == []


def test_output_to_a_full_device_is_exit_3_and_replaces_nothing(tmp_path: Path) -> None:
    full = device(tmp_path / "full", 7)
    result = invoke("validate", "-o", full, EXAMPLE)
    assert result.exit_code == 3, result.stderr
    assert "No space left on device" in result.stderr and str(full) in result.stderr
    assert "hint:" in result.stderr and "Traceback" not in result.stderr
    assert stat.S_ISCHR(full.lstat().st_mode), "the device node was replaced"
    assert leftovers(tmp_path, "full") == []


def test_output_onto_a_fifo_writes_through(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as fh:
            got.append(fh.read())
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    result = invoke("validate", "-o", fifo, EXAMPLE)
    reader.join(10)
    assert result.exit_code == 0, result.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert got and b": ok:" in got[0]


def test_output_through_a_symlink_writes_its_target_and_keeps_the_link(tmp_path: Path) -> None:
    target = tmp_path / "real" / "out.txt"
    target.parent.mkdir()
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    result = invoke("validate", "-o", link, EXAMPLE)
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink() and link.readlink() == target
    assert ": ok:" in target.read_text(encoding="utf-8")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_a_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    target = tmp_path / "made.txt"
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    result = invoke("validate", "-o", link, EXAMPLE)
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink() and ": ok:" in target.read_text(encoding="utf-8")


def test_output_onto_a_folder_is_exit_3(tmp_path: Path) -> None:
    result = invoke("validate", "-o", tmp_path, EXAMPLE)
    assert result.exit_code == 3, result.stderr
    assert "is a folder" in result.stderr and str(tmp_path) in result.stderr


def test_a_new_output_file_gets_the_mode_the_umask_gives(tmp_path: Path, umask: Any) -> None:
    for mask, mode in ((0o022, 0o644), (0o077, 0o600), (0o002, 0o664)):
        out = tmp_path / f"out-{mask:o}.txt"
        umask(mask)
        result = invoke("validate", "-o", out, EXAMPLE)
        assert result.exit_code == 0, result.stderr
        assert stat.S_IMODE(out.stat().st_mode) == mode, (oct(mask), oct(out.stat().st_mode))


def test_an_existing_output_file_keeps_its_mode(tmp_path: Path, umask: Any) -> None:
    out = tmp_path / "out.txt"
    out.write_text("old", encoding="utf-8")
    out.chmod(0o604)
    umask(0o077)
    result = invoke("validate", "-o", out, EXAMPLE)
    assert result.exit_code == 0, result.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o604
    assert ": ok:" in out.read_text(encoding="utf-8")
    assert leftovers(tmp_path, "out.txt") == []


def test_enospc_while_an_output_file_is_written_leaves_the_old_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out.txt"
    out.write_text("old", encoding="utf-8")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(os, "fsync", full)
    result = invoke("validate", "-o", out, EXAMPLE)
    assert result.exit_code == 3, result.stderr
    assert "No space left on device" in result.stderr and str(out) in result.stderr
    assert out.read_text(encoding="utf-8") == "old"
    assert leftovers(tmp_path, "out.txt") == []


# -- errors deep in the library ---------------------------------------------------------


@pytest.fixture(scope="module")
def archive(pywb: PywbArchive) -> str:
    return pywb.collection([Page(STORY, "2014-10-16T07:15:00Z", "<html>harbour</html>")])


@pytest.mark.parametrize(("code", "words"), [
    (errno.ENOSPC, "No space left on device"),
    (errno.EDQUOT, "quota"),
    (errno.EROFS, "Read-only file system"),
    (errno.EACCES, "Permission denied"),
])
def test_a_disk_error_while_a_warc_is_written_exits_3(
        tmp_path: Path, archive: str, monkeypatch: pytest.MonkeyPatch, code: int,
        words: str) -> None:
    from archiver.store import writer

    def fail(self: Any, record: Any) -> Any:
        raise OSError(code, os.strerror(code))
    monkeypatch.setattr(writer.FileWriter, "_write", fail)
    (tmp_path / "manifests").mkdir()
    manifest = write_manifest(tmp_path / "manifests" / "press.toml",
                              [source("s0", STORY, "2014-10-15")], "press")
    result = invoke("fetch", manifest, "--archive", archive, "--warcs", tmp_path / "w",
                    "--list-rate", "60000", "--download-rate", "1000", "--no-progress")
    assert result.exit_code == 3, result.stderr
    assert words in result.stderr and "hint:" in result.stderr
    assert str(tmp_path / "w") in result.stderr  # the file being written is named
    assert "internal error" not in result.stderr
    assert [p.name for p in (tmp_path / "w").glob("*.warc.gz*")] == []


def test_other_os_errors_are_still_internal_errors(monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    from archiver.cli import validate_cmd

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.EIO, "Input/output error")
    monkeypatch.setattr(validate_cmd, "validate_file", broken)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    result = invoke("validate", EXAMPLE)
    assert result.exit_code == 5, result.stderr


# -- run checks where its reports go before it starts -------------------------------------


@pytest.fixture(scope="module")
def site() -> Iterator[LocalSite]:
    with LocalSite() as s:
        s.route("/a", Reply(200, "<html>a story</html>"))
        yield s


def run_manifest(folder: Path, site: LocalSite) -> Path:
    (folder / "manifests").mkdir(parents=True, exist_ok=True)
    return write_manifest(folder / "manifests" / "press.toml",
                          [source("a", site.url("/a"), "2014-10-15")], "press")


def assert_nothing_ran(result: Result, site: LocalSite, manifest: Path, *words: str) -> None:
    assert result.exit_code == 3, result.stderr
    for word in words:
        assert word in result.stderr
    assert site.requests == [], "the run started"
    assert not (manifest.parent / ".archiver").exists(), "a history database was made"


def run(manifest: Path, site: LocalSite, *args: str | Path) -> Result:
    """``archiver run``, the local site as its archive too (it lists nothing)."""
    return invoke("run", manifest, "--archive", site.url("/archive/"), *FAST_RUN, *args)


def test_a_file_in_the_way_of_the_report_folder_stops_run_before_it_starts(
        tmp_path: Path, site: LocalSite) -> None:
    site.requests.clear()
    manifest = run_manifest(tmp_path, site)
    blocker = tmp_path / "blocker"
    blocker.write_text("a file", encoding="utf-8")
    assert_nothing_ran(run(manifest, site, "--report", blocker / "sub"), site, manifest,
                       "cannot write", str(blocker), "not a folder")
    assert_nothing_ran(run(manifest, site, "--report", blocker), site, manifest,
                       "cannot write", str(blocker), "not a folder")


def test_a_folder_where_a_report_file_goes_stops_run_before_it_starts(
        tmp_path: Path, site: LocalSite) -> None:
    site.requests.clear()
    manifest = run_manifest(tmp_path, site)
    report = tmp_path / "report"
    (report / "report.html").mkdir(parents=True)
    assert_nothing_ran(run(manifest, site, "--report", report), site, manifest,
                       "report.html", "is a folder")
    assert_nothing_ran(run(manifest, site, "--robust-links", tmp_path), site, manifest,
                       "is a folder")
    assert_nothing_ran(run(manifest, site, "-o", tmp_path), site, manifest, "is a folder")
    afile = tmp_path / "afile"
    afile.write_text("a file", encoding="utf-8")
    assert_nothing_ran(run(manifest, site, "-o", afile / "sub" / "run.json"),
                       site, manifest, "cannot write", f"{afile} is not a folder")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_report_folder_stops_run_before_it_starts(
        tmp_path: Path, site: LocalSite) -> None:  # pragma: no cover - not as root
    site.requests.clear()
    manifest = run_manifest(tmp_path, site)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        assert_nothing_ran(run(manifest, site, "--report", locked), site, manifest,
                           "cannot write", str(locked))
        assert_nothing_ran(run(manifest, site, "--report", locked / "sub"), site, manifest,
                           "cannot write", str(locked))
    finally:
        locked.chmod(0o700)


def test_run_writes_its_reports_where_the_checks_allowed(tmp_path: Path,
                                                         site: LocalSite) -> None:
    site.requests.clear()
    manifest = run_manifest(tmp_path, site)
    result = run(manifest, site, "--report", tmp_path / "new" / "report", "--robust-links",
                 tmp_path / "links" / "robust.html", "--format", "json", "-o",
                 tmp_path / "out" / "run.json")
    assert result.exit_code in (0, 1, 4), result.stderr
    for name in ("report.json", "report.md", "report.html"):
        assert (tmp_path / "new" / "report" / name).is_file()
    assert (tmp_path / "links" / "robust.html").is_file()
    assert (tmp_path / "out" / "run.json").is_file()
