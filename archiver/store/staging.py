"""A cluster worker's files: written aside as ``.partial``, entered by the coordinator.

On a Dask cluster (``archiver fetch --cluster``, ``capture --cluster``) the
workers write the WARC files and the coordinating process alone writes the
ledgers. Each run has a staging folder in the (shared) WARC folder,
``.archiver-cluster/RUN/``. A worker's :class:`StagingStore` reads the ledger
of the WARC folder (what is stored already), writes each new file in the
staging folder as ``NAME.warc.gz.partial`` (warcinfo first, fsynced, never
renamed by the worker) and keeps the ledger entries of what it wrote, to send
back with its results. The coordinator takes a result (:func:`enter_staged`):
it moves the result's files to ``NAME.warc.gz`` in the WARC folder, then
appends the entries to the ledger, the order a local run keeps (file in
place, then ledger line), so the store's own recovery covers a coordinator
killed in between.

**An orphan file** (a worker killed mid-run, or a result dropped because the
partition's rerun came back first) keeps its ``.partial`` name in the staging
folder: it ends in neither ``.warc.gz`` nor ``.open``, so neither the store's
recovery, nor the index ``verify`` reads, nor ``fixity``, nor replay ever
read it, and nothing of it enters a ledger. The coordinator removes the run's
staging folder when the run ends, and one left by a killed coordinator when
the next cluster run starts (:func:`clear_staging`): what such a file held is
fetched again by the partition's rerun, or by the next run.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from archiver.durable import fsync_dir
from archiver.errors import StoreError
from archiver.store.fields import WARC_SUFFIX, WarcInfo
from archiver.store.folder import WarcStore
from archiver.store.ledger import LedgerEntry
from archiver.store.writer import FileWriter, T, write_warc_file

#: The staging folders of cluster runs, inside the WARC folder (hidden).
STAGING_DIR = ".archiver-cluster"
#: A worker's file until the coordinator takes it. Not ``.open``: that is a
#: local run's unfinished file, which the store recovers and the index warns of.
PARTIAL_SUFFIX = ".partial"


class StagingStore(WarcStore):
    """A worker's store: the WARC folder's ledger read, new files written to ``staging``.

    No lock is taken (the coordinator holds the folder's) and nothing is
    recovered or indexed. ``staged`` and ``staged_live`` are the ledger
    entries of what this store wrote, ``files`` the names (as they will be in
    the WARC folder) and sizes of its ``.partial`` files.
    """

    def __init__(self, folder: Path | str, staging: Path | str, *, info: WarcInfo,
                 crawlhost: str, now: Callable[[], datetime] | None = None) -> None:
        super().__init__(folder, info=info, now=now, crawlhost=crawlhost)
        self.staging = Path(staging)
        self.staged: list[LedgerEntry] = []
        self.staged_live: list[LedgerEntry] = []
        self.files: list[tuple[str, int]] = []

    def open(self) -> list[str]:
        if not self.staging.is_dir():
            raise StoreError(f"the staging folder {self.staging} is not there on this worker",
                             hint="the WARC folder must be shared: the same path on every "
                             "worker and the coordinating machine")
        self._load_ledger()
        return self.notes

    def close(self) -> None:
        pass

    def _append(self, entries: Sequence[LedgerEntry]) -> None:
        self.entries.extend(entries)
        self.staged.extend(entries)

    def append_live(self, entries: Sequence[LedgerEntry]) -> None:
        self.staged_live.extend(entries)

    def _write_file(self, build: Callable[[FileWriter], T]) -> tuple[str, T]:
        name = self._new_name()
        result = write_warc_file(self.staging, name, self.writer_class, self.info, build,
                                 suffix=PARTIAL_SUFFIX, rename=False)
        self.files.append((name, (self.staging / (name + PARTIAL_SUFFIX)).stat().st_size))
        return name, result


def new_staging(folder: Path, run: str) -> Path:
    """The staging folder of cluster run ``run`` in the WARC folder ``folder``, created."""
    path = folder / STAGING_DIR / run
    try:
        path.mkdir(parents=True)
    except OSError as err:
        raise StoreError(f"cannot create {path}: {err.strerror}",
                         hint="give a writable WARC folder with --warcs") from err
    return path


def clear_staging(folder: Path) -> list[str]:
    """Remove the staging folders of cluster runs in ``folder``; what was removed."""
    root = folder / STAGING_DIR
    if not root.is_dir():
        return []
    notes: list[str] = []
    for run in sorted(root.iterdir()):
        left = 0
        if run.is_dir():
            left = sum(1 for _ in run.glob(f"*{PARTIAL_SUFFIX}"))
            shutil.rmtree(run, ignore_errors=True)
        else:
            run.unlink(missing_ok=True)
        if left:
            notes.append(f"removed {left} unfinished file(s) of an interrupted cluster run "
                         f"({STAGING_DIR}/{run.name}); their captures were not in the ledger")
    with contextlib.suppress(OSError):  # not empty (a worker still writing), or gone
        root.rmdir()
    return notes


def check_staged(folder: Path, staging: Path,
                 files: Sequence[tuple[str, int]]) -> list[tuple[Path, Path]]:
    """The moves that put a worker's ``files`` from ``staging`` into ``folder``.

    Each file must have a plain ``.warc.gz`` name, its ``.partial`` in ``staging``
    the size the worker wrote, and no file of that name in ``folder``; a
    :class:`~archiver.errors.StoreError` names the first that has not.
    """
    moves: list[tuple[Path, Path]] = []
    for name, size in files:
        src = staging / (name + PARTIAL_SUFFIX)
        dst = folder / name
        if Path(name).name != name or not name.endswith(WARC_SUFFIX):
            raise StoreError(f"a worker named a file {name!r}, not a WARC file name")
        try:
            got = src.stat().st_size
        except OSError as err:
            raise StoreError(f"a worker's file {src} cannot be read here: {err.strerror}",
                             hint="the WARC folder must be shared by every worker") from err
        if got != size:
            raise StoreError(f"{src} has {got} bytes here, the worker wrote {size}")
        if dst.exists():
            raise StoreError(f"{dst} exists already; refusing to overwrite it")
        moves.append((src, dst))
    return moves


def enter_staged(store: WarcStore, staging: Path, files: Sequence[tuple[str, int]],
                 entries: Sequence[LedgerEntry], live_entries: Sequence[LedgerEntry]) -> None:
    """Move a worker's ``files`` from ``staging`` into ``store``'s folder, then enter
    ``entries`` in its ledger and ``live_entries`` in the live ledger.

    Every file is checked first (:func:`check_staged`), so nothing is moved or
    entered when one is not right.
    """
    moves = check_staged(store.folder, staging, files)
    for src, dst in moves:
        with open(src, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(src, dst)
    if moves:
        fsync_dir(store.folder)
    store._append(entries)
    store.append_live(live_entries)
