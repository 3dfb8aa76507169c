"""Durable file operations shared by every writer: what makes a rename survive a crash.

A file written aside, fsynced and renamed into place is whole or absent after
a crash, but the rename itself lives in the folder's entry: fsync(2) of a file
does not sync the directory entry that names it (the Linux man page says so
explicitly), so the folder is fsynced too.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

__all__ = ["fsync_dir"]


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where the platform can open a folder)."""
    with contextlib.suppress(OSError):  # not every platform can open a folder
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
