"""What goes into a package: the manifest, the stored WARCs of its sources, the
last reports and the history, gathered once and read-only.

Nothing here writes: the WARC folder is read under a shared lock
(:func:`reading`) on the lock file ``archiver fetch`` holds exclusively while it
writes, so a package never catches a fetch half way; the history database is
read through :class:`archiver.history.History`.

Callers hold :func:`reading` on the WARC folder while they gather and write.

**Which WARC files.** The ledger (``archiver-index.jsonl``) says which file
holds each source's chosen capture (and, when another file holds its metadata
record, that one too). Only those files are packaged: a folder may hold other
manifests' captures. A ledger line names a file *in* the folder; a name with a
path in it, or a symbolic link whose target is outside the folder, is refused:
a package holds what the folder you named holds, never a file from elsewhere
that a link (or an edited ledger) points at.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from archiver.errors import InputError, StoreError
from archiver.history import History, default_db_path
from archiver.manifest import select_sources
from archiver.models import FileRole, Manifest, Source
from archiver.report import default_report_dir, serialize
from archiver.report.run import REPORT_FILES
from archiver.store import LEDGER_NAME, LedgerEntry, default_warcs_dir
from archiver.store.folder import LOCK_NAME
from archiver.store.ledger import read_ledger

try:  # pragma: no cover - every POSIX system has it
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

__all__ = ["HISTORY_NAME", "Inputs", "Item", "Page", "gather", "reading"]

#: The history export's file name in a bag (``history/history.json``).
HISTORY_NAME = "history.json"


@dataclass(frozen=True)
class Item:
    """A file to put in a package: ``name`` in the folder of its ``role``; its
    bytes are read from ``path``, or are ``data`` made here."""

    name: str
    role: FileRole
    path: Path | None = None
    data: bytes | None = None

    def open(self) -> Iterator[bytes]:
        """The item's bytes, in chunks."""
        if self.data is not None:
            yield self.data
            return
        assert self.path is not None
        with open(self.path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                yield chunk


@dataclass(frozen=True)
class Page:
    """A source whose capture is packaged: where and when it was captured."""

    source_id: str
    url: str  # the captured URL (the response record's WARC-Target-URI)
    ts: str  # the capture's date, RFC 3339 in UTC
    title: str


@dataclass(frozen=True)
class Inputs:
    """Everything a package of ``manifest`` holds, in a fixed order."""

    manifest: Manifest  # with the selected sources only
    manifest_file: Item
    pages: tuple[Page, ...]  # in manifest order
    missing: tuple[str, ...]  # selected sources with no stored capture
    warcs: tuple[Item, ...]  # by name
    ledger: Item | None  # the ledger lines of the packaged captures
    reports: tuple[Item, ...]
    history: Item | None
    notes: tuple[str, ...]


def _plain_name(name: str, ledger: Path) -> str:
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name:
        raise InputError(f"{ledger} names {name!r}, which is not a file name in its folder",
                         hint="a ledger line names a WARC file of the same folder; restore "
                         "the ledger from a backup, or remove that line")
    return name


def _warc_path(folder: Path, name: str, ledger: Path) -> Path:
    """``folder / name``, checked: a regular file, in ``folder`` (links followed)."""
    path = folder / _plain_name(name, ledger)
    if path.is_symlink():
        target = path.resolve()
        if not target.is_relative_to(folder.resolve()):
            raise InputError(
                f"{path} is a symbolic link to {target}, outside the WARC folder {folder}",
                hint="a package holds only files of the folder given with --warcs: copy the "
                "file into that folder (or give --warcs the folder it is in)")
    if not path.is_file():
        raise StoreError(f"{ledger} names {name}, which is missing from {folder}",
                         hint="restore the file from a backup, or run `archiver fetch` "
                         "again to store the capture anew")
    return path


@contextlib.contextmanager
def reading(folder: Path) -> Iterator[None]:
    """Hold a shared lock on the folder's fetch lock file, if it has one.

    ``archiver fetch`` holds that file's lock exclusively while it writes; the
    file is opened read-only and never created here.
    """
    try:
        fh = open(folder / LOCK_NAME, "rb")  # noqa: SIM115 - held for the block
    except OSError:
        yield
        return
    with fh:
        if fcntl is not None:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
            except OSError as err:
                raise StoreError(f"another archiver fetch is writing to {folder}",
                                 hint="wait for it to finish, then package again") from err
        yield


def _rfc3339(text: str) -> str:
    return serialize.timestamp(datetime.fromisoformat(text.replace("Z", "+00:00")))


def _entry(entries: list[LedgerEntry], manifest_id: str, source: Source) -> LedgerEntry | None:
    for entry in reversed(entries):  # the latest line for a source wins, as in the store
        if entry.matches_source(manifest_id, source):
            return entry
    return None


def _reports(folder: Path, manifest_id: str) -> tuple[tuple[Item, ...], list[str]]:
    """The last ``archiver run`` report in ``folder``, if it is ``manifest_id``'s."""
    main = folder / "report.json"
    if not main.is_file():
        return (), []
    try:
        with open(main, encoding="utf-8") as fh:
            owner = json.load(fh)["run"]["manifest_id"]
    except (OSError, ValueError, KeyError, TypeError):
        return (), [f"{main} is not a report of archiver run: reports left out"]
    if owner != manifest_id:
        return (), [f"{main} is manifest {owner!r}'s report, not this one's: reports left out"]
    return tuple(Item(name, FileRole.REPORT, path=folder / name)
                 for name in REPORT_FILES if (folder / name).is_file()), []


def _history(db: Path, manifest: Manifest) -> bytes:
    with History(db, create=False) as history:
        runs = []
        for run in history.runs(manifest.id):
            baseline, changes = history.changes(run.id)
            runs.append((run, baseline.id if baseline is not None else None, changes))
        links = [(rec, history.checks(rec.url), history.transitions(rec.url))
                 for rec in history.links([s.url for s in manifest.sources])]
    document = serialize.history_export_document(manifest.id, runs, links)
    return (serialize.to_json(document) + "\n").encode("utf-8")


def gather(manifest: Manifest, *, warcs_dir: Path | None = None,
           source_ids: tuple[str, ...] = (), report_dir: Path | None = None,
           db: Path | None = None) -> Inputs:
    """What a package of ``manifest`` (its sources ``source_ids``, default all) holds.

    ``warcs_dir``, ``report_dir`` and ``db`` default to the project folder's
    ``warcs/``, ``report/`` and ``.archiver/history.sqlite3``. Missing reports or
    history are a note, not an error; a WARC file the ledger names that is
    missing or outside the folder is an :class:`InputError`.
    """
    if manifest.path is None:
        raise InputError("the manifest has no file to package",
                         hint="load the manifest from its file (archiver.load_manifest)")
    selected = select_sources(manifest, source_ids)
    folder = warcs_dir if warcs_dir is not None else default_warcs_dir(manifest)
    notes: list[str] = []
    ledger_path = folder / LEDGER_NAME
    pages: list[Page] = []
    missing: list[str] = []
    chosen: list[LedgerEntry] = []
    if folder.is_dir():
        entries, bad = read_ledger(ledger_path)
    else:
        entries, bad = [], 0
    if bad:
        notes.append(f"{ledger_path}: {bad} unreadable line(s) skipped")
    if not entries:
        notes.append(f"no stored capture in {folder}: run `archiver fetch` first")
    for source in selected.sources:
        entry = _entry(entries, manifest.id, source)
        if entry is None:
            missing.append(source.id)
            continue
        chosen.append(entry)
        pages.append(Page(source.id, entry.uri_r, _rfc3339(entry.memento_datetime),
                          source.title))
    names = sorted({n for e in chosen for n in (e.warc_file, e.metadata_file) if n})
    warcs = tuple(Item(name, FileRole.WARC, path=_warc_path(folder, name, ledger_path))
                  for name in names)
    ledger = (Item(LEDGER_NAME, FileRole.LEDGER,
                   data="".join(e.to_json() + "\n" for e in chosen).encode("utf-8"))
              if chosen else None)
    reports, report_notes = _reports(report_dir if report_dir is not None
                                     else default_report_dir(manifest), manifest.id)
    notes.extend(report_notes)
    db_path = db if db is not None else default_db_path(selected)
    history = None
    if db_path.is_file():
        history = Item(HISTORY_NAME, FileRole.HISTORY, data=_history(db_path, selected))
    else:
        notes.append(f"no history database at {db_path}: no history export")
    manifest_file = Item(os.path.basename(manifest.path), FileRole.MANIFEST, path=manifest.path)
    return Inputs(manifest=selected, manifest_file=manifest_file, pages=tuple(pages),
                  missing=tuple(missing), warcs=warcs, ledger=ledger, reports=reports,
                  history=history, notes=tuple(notes))
