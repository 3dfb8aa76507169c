"""Helpers the commands share: exit codes, output, progress."""

from __future__ import annotations

import enum
import os
import sys
import tempfile
from pathlib import Path

import click

from archiver.errors import StoreError
from archiver.models import Progress, ProgressCallback
from archiver.report.safe import one_line, visible


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


def emit(text: str, output: Path | None) -> None:
    """Write ``text`` to ``output`` (atomically) or to stdout."""
    if not text.endswith("\n"):
        text += "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    output = output.expanduser()
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
            os.replace(tmp, output)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as err:
        raise StoreError(f"cannot write output file {output}: {err.strerror}",
                         hint="check that the folder exists and is writable") from err


def warn(message: str) -> None:
    """A message on stderr; control and bidi characters in it are shown escaped."""
    click.echo(visible(message), err=True)


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


__all__ = ["ExitCode", "ProgressBar", "ProgressCallback", "emit", "finish",
           "progress_callback", "warn"]
