"""Where a package goes: refusing to overwrite, temporary names beside the target.

A package is built under a temporary name in the folder of the path the user
named (``.NAME.<random>.tmp``), fsynced, then renamed onto that path, so a
reader never sees half a package and a failure leaves nothing behind (the
temporary file or folder is removed). Nothing is written anywhere else.

An existing target is refused unless ``force``: a file is then replaced; a
folder only when it is empty or is a bag (it holds ``bagit.txt``), so
``--force`` cannot delete a folder of other things by mistake.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from pathlib import Path

from archiver.durable import fsync_dir
from archiver.errors import InputError

__all__ = ["check_bag_target", "check_file_target", "fsync_tree", "install_folder",
           "temporary_beside"]


def temporary_beside(target: Path) -> Path:
    """A new, unused name in ``target``'s folder (the folder is made if missing)."""
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"cannot make the folder {folder}: {err.strerror}",
                         hint="give a path in a writable folder") from err
    return folder / f".{target.name}.{secrets.token_hex(6)}.tmp"


def check_file_target(target: Path, force: bool) -> None:
    """Raise unless a file may be written at ``target``."""
    if target.is_dir():
        raise InputError(f"cannot write the package {target}: it is a folder",
                         hint="give the name of a file to write, e.g. collection.wacz")
    if target.exists() or target.is_symlink():
        if not force:
            raise InputError(f"{target} exists already",
                             hint="give another name, or pass --force to replace it")
        if not target.is_file():
            raise InputError(f"cannot replace {target}: it is not a regular file",
                             hint="give the name of a file to write")


def check_bag_target(target: Path, force: bool) -> None:
    """Raise unless a bag may be written at ``target`` (see the module)."""
    if target.is_symlink():
        raise InputError(f"cannot write the bag {target}: it is a symbolic link",
                         hint="give the folder itself, or the name of a new folder")
    if target.exists() and not target.is_dir():
        raise InputError(f"cannot write the bag {target}: it exists and is not a folder",
                         hint="give the name of a new folder")
    if not target.is_dir() or not any(target.iterdir()):
        return
    if not force:
        raise InputError(f"the folder {target} exists and is not empty",
                         hint="give a new folder, or pass --force to replace a bag there")
    if not (target / "bagit.txt").is_file():
        raise InputError(f"{target} is not a bag (no bagit.txt): --force replaces only a bag",
                         hint="give a new folder, or empty this one yourself")


def fsync_tree(root: Path) -> None:
    """fsync every file and folder under ``root`` (and ``root``)."""
    for folder, _dirs, files in os.walk(root):
        for name in files:
            fd = os.open(os.path.join(folder, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_dir(Path(folder))


def install_folder(built: Path, target: Path) -> None:
    """Move the folder ``built`` to ``target``, replacing what
    :func:`check_bag_target` allowed to replace there."""
    aside: Path | None = None
    if target.is_dir():
        if any(target.iterdir()):
            aside = target.with_name(f".{target.name}.{secrets.token_hex(6)}.old")
            os.rename(target, aside)
        else:
            target.rmdir()
    try:
        os.rename(built, target)
    except BaseException:
        if aside is not None:
            with contextlib.suppress(OSError):
                os.rename(aside, target)
        raise
    fsync_dir(target.parent)
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)
