"""Helpers the commands share: exit codes, output files, messages, progress.

**Output files** (``-o``/``--output``, ``run --report``, ``--robust-links``) are
written by :func:`emit` under one rule, whatever is at the path:

- a new path, or a regular file: written atomically, to a temporary file in the
  same folder, fsynced, then renamed over the target, so a reader never sees half
  a report and a failed write leaves the old file as it was. A new file gets the
  mode the umask gives (``0666 & ~umask``), as any tool's output does; an existing
  file keeps its permission bits (and, where allowed, its owner and group). When
  the folder cannot take a temporary file but the file itself is writable, the
  file is overwritten in place.
- a symbolic link: followed. What is written is the link's target, under the
  same rule (a regular file is replaced, a device written through, a missing
  target created); the link itself is never replaced.
- a character device (``/dev/null``, ``/dev/stdout``, a terminal) or a FIFO:
  written through, never replaced. ``/dev/full`` fails with "No space left on
  device" (exit 3).
- a folder, a block device or a socket: refused (exit 3).

:func:`check_output_file` and :func:`check_output_folder` apply the same rule
before a command starts, so a run whose reports cannot be written stops before
it checks, fetches or records anything. A write that fails anyway (a full
disk, a quota, a read-only file system, a refused permission) is exit 3 with the
file named and what to do (:func:`disk_error`), never an internal error.

**Messages** on stderr (:func:`warn`, and every error the CLI prints) show
control and bidi-override characters visibly (:func:`archiver.report.safe.visible`):
text from a manifest or a server cannot move the cursor, set the terminal's
title or write its clipboard (OSC 52).
"""

from __future__ import annotations

import contextlib
import enum
import errno
import io
import logging
import os
import re
import secrets
import stat
import sys
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import click

from archiver.durable import fsync_dir
from archiver.errors import InputError
from archiver.models import Progress, ProgressCallback
from archiver.report.common import tables_fit
from archiver.report.safe import one_line, visible

if TYPE_CHECKING:
    from archiver.failon import FailOn
    from archiver.models import FetchRun


class ExitCode(enum.IntEnum):
    """Exit codes, the same for every command (documented in the README)."""

    OK = 0
    FINDINGS = 1  # dead links, missing quotes (per --fail-on)
    USAGE = 2  # bad options or arguments (click's own code)
    INVALID_INPUT = 3  # manifest, config, WARC, unwritable output
    INCONCLUSIVE = 4  # offline, archive unreachable or rate-limited
    INTERNAL = 5  # a bug


def finish(code: ExitCode | int) -> None:
    """End the command with ``code``."""
    raise click.exceptions.Exit(int(code))


# --------------------------------------------------------------------------
# Disks that refuse a write
# --------------------------------------------------------------------------

#: OS errors that say the disk, not archiver, refused a write: exit 3, not a bug.
DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM,
                         errno.EFBIG})


def disk_hint(code: int | None) -> str:
    """What to do about an OS error ``code`` on a write."""
    if code in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return ("free some space on that disk (or raise your quota there), or choose a place "
                "on another disk; then run the same command again")
    if code == errno.EROFS:
        return "the file system is read-only: write to another place, or remount it read-write"
    if code in (errno.EACCES, errno.EPERM):
        return ("check the permissions of the file and of its folder, or write to another "
                "place")
    return "check that the folder exists and is writable"


def _file_in_traceback(tb: TracebackType | None) -> str | None:
    """The name of a file object the innermost frames of ``tb`` were using, if any.

    An OS error raised by a write on an open file carries no file name; the
    frames that were writing usually hold the file, whose name tells the user
    which disk to look at.
    """
    frames = []
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    for frame in reversed(frames):
        for value in list(frame.f_locals.values()):
            name = getattr(value, "name", None) if isinstance(value, io.IOBase) else None
            if isinstance(name, str | bytes):
                return os.fsdecode(name)
    return None


def disk_error(err: BaseException) -> InputError | None:
    """``err`` as the input error it is when a disk refused a write (see :data:`DISK_ERRNOS`).

    ``err`` itself, or what it was raised from, is looked at; None when it is no
    such error (then it is a bug, exit 5).
    """
    seen: set[int] = set()
    cause: BaseException | None = err
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, OSError) and cause.errno in DISK_ERRNOS:
            name = cause.filename or _file_in_traceback(cause.__traceback__)
            reason = cause.strerror or os.strerror(cause.errno or 0)
            where = f": {os.fsdecode(name)}" if name else ""
            return InputError(f"{reason}{where}", hint=disk_hint(cause.errno))
        cause = cause.__cause__ or cause.__context__
    return None


# --------------------------------------------------------------------------
# Output files
# --------------------------------------------------------------------------


def _cannot(path: Path, reason: str, hint: str) -> InputError:
    return InputError(f"cannot write output file {path}: {reason}", hint=hint)


def _os_error(path: Path, err: OSError) -> InputError:
    reason = err.strerror or str(err)
    if err.filename and os.fsdecode(err.filename) != str(path):
        reason += f" ({os.fsdecode(err.filename)})"
    return _cannot(path, reason, disk_hint(err.errno))


_PICK_A_FILE = "give the name of a file to write (in an existing or new folder)"


def _stat(path: Path, shown: Path) -> os.stat_result | None:
    try:
        return os.stat(path)
    except (FileNotFoundError, NotADirectoryError):  # missing, or a file where a folder goes
        return None
    except OSError as err:
        raise _os_error(shown, err) from err


def _check_folder_can_take(folder: Path, shown: Path) -> None:
    """``folder`` exists, or can be made, and can take new files."""
    existing = folder
    while True:
        st = _stat(existing, shown)
        if st is not None:
            break
        if existing.parent == existing:  # pragma: no cover - the root always exists
            return
        existing = existing.parent
    if not stat.S_ISDIR(st.st_mode):
        raise _cannot(shown, f"{existing} is not a folder",
                      "remove or rename that file, or write to another place")
    if not os.access(existing, os.W_OK | os.X_OK):
        read_only = False
        with contextlib.suppress(OSError):
            read_only = bool(os.statvfs(existing).f_flag & os.ST_RDONLY)
        reason = (f"{existing} is on a read-only file system" if read_only
                  else f"the folder {existing} is not writable")
        raise _cannot(shown, reason, disk_hint(errno.EROFS if read_only else errno.EACCES))


def _resolved(path: Path) -> Path:
    """``path`` with ``~`` expanded and every symbolic link followed (see the module)."""
    return Path(os.path.realpath(path.expanduser()))


def check_output_file(path: Path | None) -> None:
    """Raise :class:`InputError` now if :func:`emit` could not write ``path`` later."""
    if path is None:
        return
    target = _resolved(path)
    st = _stat(target, path)
    if st is None:
        _check_folder_can_take(target.parent, path)
        return
    if stat.S_ISDIR(st.st_mode):
        raise _cannot(path, "it is a folder", _PICK_A_FILE)
    if stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode) or stat.S_ISREG(st.st_mode):
        if os.access(target, os.W_OK) or (stat.S_ISREG(st.st_mode)
                                          and os.access(target.parent, os.W_OK | os.X_OK)):
            return
        raise _cannot(path, "it is not writable", disk_hint(errno.EACCES))
    raise _cannot(path, "it is neither a file, a character device nor a FIFO", _PICK_A_FILE)


def check_output_folder(folder: Path | None, names: Iterable[str]) -> None:
    """Raise :class:`InputError` now if the files ``names`` could not be written in ``folder``."""
    if folder is None:
        return
    target = _resolved(folder)
    st = _stat(target, folder)
    if st is None:
        _check_folder_can_take(target, folder)
        return
    if not stat.S_ISDIR(st.st_mode):
        raise InputError(f"cannot write output files in {folder}: it is not a folder",
                         hint="give a folder (it is made if missing), or remove that file")
    for name in names:
        check_output_file(folder / name)


def output_file_callback(ctx: click.Context, param: click.Parameter,
                         value: Path | None) -> Path | None:
    """A click callback: :func:`check_output_file` as the option is read."""
    check_output_file(value)
    return value


def _write_all(fd: int, data: bytes | Iterable[bytes]) -> None:
    if not isinstance(data, bytes):  # pieces (a long JSON Lines output): ~1 MB writes
        buffer = bytearray()
        for piece in data:
            buffer += piece
            if len(buffer) >= _WRITE_BUFFER:
                _write_all(fd, bytes(buffer))
                buffer.clear()
        data = bytes(buffer)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


#: How much of an output given in pieces is gathered before each write.
_WRITE_BUFFER = 1 << 20


def _write_through(target: Path, data: bytes | Iterable[bytes]) -> None:
    fd = os.open(target, os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        _write_all(fd, data)
    finally:
        os.close(fd)


def _write_in_place(target: Path, data: bytes | Iterable[bytes]) -> None:
    fd = os.open(target, os.O_WRONLY | os.O_TRUNC | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        _write_all(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def _replace(target: Path, data: bytes | Iterable[bytes], st: os.stat_result | None) -> None:
    """Write ``target`` atomically: a temporary file beside it, fsynced, renamed over it."""
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{target.name}.{secrets.token_hex(6)}.tmp"
    try:
        # A new file: 0666, less the umask (the kernel applies it). An existing one:
        # created private, then given the old file's permission bits.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC,
                     0o666 if st is None else 0o600)
    except PermissionError:
        if st is None:
            raise
        _write_in_place(target, data)  # the folder is closed to new files, the file is not
        return
    try:
        try:
            if st is not None:
                with contextlib.suppress(OSError):  # not permitted unless root
                    os.fchown(fd, st.st_uid, st.st_gid)
                os.fchmod(fd, stat.S_IMODE(st.st_mode) & 0o777)
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_dir(folder)


def write_output(path: Path, text: str | Iterable[str]) -> None:
    """Write ``text`` (UTF-8) to the output file ``path`` under the module's rule.

    ``text`` may come in pieces (an iterator of lines): they are written as they
    come, never joined, and the file is still replaced whole or not at all.
    """
    data: bytes | Iterable[bytes] = (
        text.encode("utf-8", errors="backslashreplace") if isinstance(text, str)
        else (piece.encode("utf-8", errors="backslashreplace") for piece in text))
    target = _resolved(path)
    st = _stat(target, path)
    try:
        if st is None or stat.S_ISREG(st.st_mode):
            _replace(target, data, st)
        elif stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode):
            _write_through(target, data)
        elif stat.S_ISDIR(st.st_mode):
            raise _cannot(path, "it is a folder", _PICK_A_FILE)
        else:
            raise _cannot(path, "it is neither a file, a character device nor a FIFO",
                          _PICK_A_FILE)
    except OSError as err:
        raise _os_error(path, err) from err


def emit(text: str | Iterable[str], output: Path | None) -> None:
    """Write ``text`` to ``output`` (see the module's rule) or to stdout.

    ``text`` may be an iterator of pieces, each ending in a newline (JSON Lines
    written one line at a time).
    """
    if not isinstance(text, str):
        if output is None:
            for piece in text:
                click.echo(piece, nl=False)
            return
        write_output(output, text)
        return
    if not text.endswith("\n"):
        text += "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    write_output(output, text)


def terminal_width(output: Path | None) -> int | None:
    """The terminal's width in columns when the result goes to a terminal, else ``None``.

    A result written to a file (``-o FILE``) or piped keeps its full width: a
    program or a later reader may want every character.
    """
    if output is not None or not sys.stdout.isatty():
        return None
    import shutil  # here: with bz2 and lzma, about 2 ms that a run to a file or pipe never needs

    return shutil.get_terminal_size().columns


def tables_for(output: Path | None) -> contextlib.AbstractContextManager[None]:
    """Within the block, tables for people fit the terminal (:func:`terminal_width`)."""
    return tables_fit(terminal_width(output))


_LONG_URL_RE = re.compile(r"\b(https?://[^/\s()]+/)([^\s()]+)")


def short_urls(text: str) -> str:
    """``text`` with each http(s) URL that has a path cut to ``scheme://host/…``.

    For one-line messages on stderr: a percent-encoded CDX query is long and
    says little there; the full URL stays in the JSON output.
    """
    return _LONG_URL_RE.sub(r"\1…", text)


def warn(message: str) -> None:
    """A message on stderr; control and bidi characters in it are shown escaped."""
    click.echo(visible(message), err=True)


def stop_inconclusive(reason: str | None, hint: str) -> None:
    """End with exit 4: the reason once, in one line (URLs shortened), and what to do."""
    warn(f"inconclusive: {short_urls(reason or '')}\n  hint: {hint}")
    finish(ExitCode.INCONCLUSIVE)


class WarnHandler(logging.Handler):
    """The library's warnings (``logger.warning``) reach stderr through :func:`warn`.

    Without a handler Python's last-resort handler would print them raw, and
    their text often comes from a server (a TimeMap's datetime, a CDX row):
    a terminal escape sequence in it must not reach the terminal.
    """

    def emit(self, record: logging.LogRecord) -> None:
        try:
            warn(f"warning: {short_urls(record.getMessage())}")
        except Exception:  # pragma: no cover - logging must never raise
            self.handleError(record)


def route_library_warnings() -> None:
    """Send the ``archiver`` loggers' warnings through :class:`WarnHandler` (once)."""
    logger = logging.getLogger("archiver")
    if not any(isinstance(h, WarnHandler) for h in logger.handlers):
        handler = WarnHandler(logging.WARNING)
        logger.addHandler(handler)


class ProgressBar:
    """A one-line progress display on stderr, shown only on a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self._last_len = 0

    def __call__(self, event: Progress) -> None:
        if not self.enabled:
            return
        width = 24
        filled = int(width * event.done / event.total) if event.total else width
        bar = "#" * filled + "-" * (width - filled)
        item = one_line(event.item or "")[:50]
        line = f"\r{event.stage:>7} [{bar}] {event.done}/{event.total} {item}"
        pad = max(0, self._last_len - len(line))
        sys.stderr.write(line + " " * pad)
        sys.stderr.flush()
        self._last_len = len(line)

    def close(self) -> None:
        if self.enabled and self._last_len:
            sys.stderr.write("\r" + " " * self._last_len + "\r")
            sys.stderr.flush()
            self._last_len = 0


def progress_callback(no_progress: bool) -> ProgressBar:
    return ProgressBar(enabled=not no_progress)


__all__ = ["DISK_ERRNOS", "ExitCode", "ProgressBar", "ProgressCallback", "check_output_file",
           "check_output_folder", "disk_error", "disk_hint", "emit", "finish",
           "output_file_callback", "progress_callback", "warn", "write_output"]


def end_capture_run(run: FetchRun, fmt: str, fail_on: FailOn, output: Path | None, *,
                    command: str, hint: str) -> None:
    """How ``fetch`` and ``capture`` end: notes, the report, the summary line, then exit
    4 (inconclusive, with ``hint``), 1 (a source matches ``fail_on``) or 0."""
    import dataclasses

    from archiver.report.captures import render, summary

    for note in run.notes:
        warn(f"note: {note}")
    with tables_for(output):
        text = render(run, fmt, fail_on, command=command)
    emit(text, output)
    if fmt != "table" or output is not None:
        # the reason an inconclusive run gives is said once, on the "inconclusive:" line
        warn(summary(dataclasses.replace(run, inconclusive=False)))
    if run.inconclusive:
        stop_inconclusive(run.inconclusive_reason, hint)
    failed = [r for r in run.results if fail_on.matches_capture(r)]
    if failed:
        warn(f"{len(failed)} of {len(run.results)} sources match --fail-on {fail_on}")
        finish(ExitCode.FINDINGS)
    finish(ExitCode.OK)
