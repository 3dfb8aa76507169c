"""Durable file operations shared by every writer: what makes a rename survive a crash.

A file written aside, fsynced and renamed into place is whole or absent after
a crash, but the rename itself lives in the folder's entry: fsync(2) of a file
does not sync the directory entry that names it (the Linux man page says so
explicitly), so the folder is fsynced too.

Spool files (:func:`spool_file`) are the other kind: temporary files that hold
a run's results on disk instead of in memory, removed when closed or when the
process ends, and never seen by the user unless writing them fails.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import IO

from archiver.errors import StoreError

__all__ = ["fsync_dir", "spool_error", "spool_file"]


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where the platform can open a folder)."""
    with contextlib.suppress(OSError):  # not every platform can open a folder
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def spool_file(what: str) -> IO[bytes]:
    """A new anonymous temporary file for ``what`` (in ``TMPDIR``), deleted when closed."""
    import tempfile  # with shutil, bz2 and lzma: loaded by the runs that spool

    try:
        return tempfile.TemporaryFile(prefix="archiver-spool-")
    except OSError as err:
        raise spool_error(err, what) from err


def spool_error(err: OSError, what: str) -> StoreError:
    """The error to raise when writing the spool file of ``what`` failed (a full disk)."""
    import tempfile

    return StoreError(f"cannot write {what} in the temporary folder {tempfile.gettempdir()}: "
                      f"{err.strerror or err}",
                      hint="free space there, or point TMPDIR at a folder with room")
