"""The WARC folder: file naming, the folder lock, recovery, and the public store operations.

Safety: each capture goes into a new file written as ``NAME.warc.gz.open``,
fsynced, renamed to ``NAME.warc.gz`` and the folder fsynced
(:func:`archiver.store.writer.write_warc_file`); only then is it entered in the
ledger (:mod:`archiver.store.ledger`). A file is never appended to once closed.
On :meth:`WarcStore.open`, leftover ``.open`` files from a killed run are
checked (:mod:`archiver.store.structure`): complete ones are finished (renamed
and indexed), others are set aside as ``.invalid``; finished WARCs missing from
the ledger (a kill between rename and ledger write) are indexed from their own
metadata records. So nothing stored is lost and nothing is stored twice. The
``.open`` and ``.invalid`` suffixes are Heritrix's (``OCCUPIED_SUFFIX`` and
``INVALID_SUFFIX`` in internetarchive/heritrix3 WriterPoolMember.java); file
names follow WARC 1.1 Annex C (prefix, 17-digit timestamp, serial) with
warcprox's random token in place of the host name (warcprox/main.py); a
cluster worker's names carry its host too (``crawlhost``, :mod:`.staging`).

This module never touches the network.
"""

from __future__ import annotations

import logging
import math
import os
import random
import re
import string
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from archiver.durable import fsync_dir
from archiver.errors import StoreError
from archiver.models import Manifest, Source
from archiver.store import provenance
from archiver.store.fields import (
    F_LISTING_KEY,
    F_SELECTION_RULE,
    F_WARC_FILE,
    F_WARC_OFFSET,
    OPEN_SUFFIX,
    WARC_SUFFIX,
    Memento,
    Selection,
    WarcInfo,
    sha256_label,
    warc_date,
)
from archiver.store.ledger import (
    LEDGER_NAME,
    LedgerEntry,
    append_ledger,
    capture_key,
    file_key,
    read_cache,
    read_ledger,
    write_cache,
)
from archiver.store.live import append_live_ledger
from archiver.store.structure import (
    WarcRecordInfo,
    WarcStructureError,
    check_records,
    read_first_record,
    read_warc,
)
from archiver.store.writer import (
    ArchiverWarcWriter,
    FileWriter,
    T,
    Written,
    chosen_fields,
    hop_fields,
    reference_fields,
    write_warc_file,
)

try:  # POSIX advisory locks; elsewhere the folder is simply not locked.
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

logger = logging.getLogger(__name__)

LOCK_NAME = ".archiver-fetch.lock"
#: Finished WARCs that are not in the ledger and gave nothing to it, by name:
#: [size, mtime_ns] when last read (see WarcStore._index_unknown_files).
SEEN_NAME = ".archiver-seen-warcs.json"
SEEN_VERSION = 1
#: The first record of a WARC of ours, its warcinfo, is under 1 kB; one larger
#: than this is someone else's, and not read further.
MAX_WARCINFO_BYTES = 64 * 1024
INVALID_SUFFIX = ".invalid"

_TOKEN_ALPHABET = string.ascii_lowercase + string.digits


def default_warcs_dir(manifest: Manifest) -> Path:
    """Where a manifest's WARC files go by default: ``warcs/`` in its project folder."""
    return manifest.project_dir / "warcs"


class WarcStore:
    """A folder of WARC files with a ledger of the captures they hold.

    Use as a context manager (or call :meth:`open`/:meth:`close`): opening takes
    an exclusive lock on the folder, recovers what a killed run left, and loads
    the ledger. ``notes`` then says what was recovered or set aside.

    ``writer_class`` and ``rng`` exist for tests (pinned record ids, file names).
    """

    def __init__(self, folder: Path | str, *, info: WarcInfo, prefix: str | None = None,
                 now: Callable[[], datetime] | None = None,
                 writer_class: type[ArchiverWarcWriter] = ArchiverWarcWriter,
                 rng: random.Random | None = None, crawlhost: str | None = None) -> None:
        self.folder = Path(folder)
        self.info = info
        self.prefix = prefix or info.manifest_id or "archiver"
        #: Annex C's "Crawlhost" part of new file names, when set (a cluster
        #: worker: its host name, process id and partition), before the token.
        self.crawlhost = crawlhost
        self.now = now or (lambda: datetime.now(UTC))
        self.writer_class = writer_class
        self.rng = rng or random.SystemRandom()
        self.notes: list[str] = []
        self.entries: list[LedgerEntry] = []
        self._serial = 0
        self._lock_fh: IO[bytes] | None = None

    # -- life cycle -------------------------------------------------------------

    def __enter__(self) -> WarcStore:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def ledger_path(self) -> Path:
        return self.folder / LEDGER_NAME

    def open(self) -> list[str]:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise StoreError(f"cannot create the WARC folder {self.folder}: {err.strerror}",
                             hint="give a writable folder with --warcs") from err
        self._lock()
        self._load_ledger()
        for path in sorted(self.folder.glob(f"*{WARC_SUFFIX}{OPEN_SUFFIX}")):
            self._recover(path)
        self._index_unknown_files()
        return self.notes

    def close(self) -> None:
        if self._lock_fh is not None:
            self._lock_fh.close()
            self._lock_fh = None

    def _lock(self) -> None:
        path = self.folder / LOCK_NAME
        try:
            fh = open(path, "ab")  # noqa: SIM115 - held open for the run
        except OSError as err:
            raise StoreError(f"cannot write in the WARC folder {self.folder}: {err.strerror}",
                             hint="give a writable folder with --warcs") from err
        if fcntl is not None:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as err:
                fh.close()
                raise StoreError(
                    f"another archiver fetch is writing to {self.folder}",
                    hint="wait for it to finish, or give another folder with --warcs",
                ) from err
        self._lock_fh = fh

    # -- ledger -------------------------------------------------------------------

    def _load_ledger(self) -> None:
        self.entries, bad = read_ledger(self.ledger_path)
        if bad:
            self.notes.append(f"{LEDGER_NAME}: skipped {bad} unreadable line(s) "
                              "(an interrupted write); the WARCs they named are re-indexed")
        missing = sorted({e.warc_file for e in self.entries
                          if not (self.folder / e.warc_file).exists()})
        if missing:
            self.entries = [e for e in self.entries if e.warc_file not in missing]
            self.notes.append(f"{len(missing)} WARC file(s) named in {LEDGER_NAME} are "
                              f"missing (e.g. {missing[0]}); their captures will be "
                              "fetched again")

    def _append(self, entries: Sequence[LedgerEntry]) -> None:
        append_ledger(self.ledger_path, entries)
        self.entries.extend(entries)

    def find_for_source(self, manifest_id: str, source: Source) -> LedgerEntry | None:
        """The capture already chosen for this source (same URL and date), if any."""
        for entry in reversed(self.entries):
            if entry.chosen and entry.matches_source(manifest_id, source):
                return entry
        return None

    def find_capture(self, key: str) -> LedgerEntry | None:
        """A stored capture reached through ``key`` (see :func:`capture_key`), if any."""
        for entry in reversed(self.entries):
            if key in entry.keys:
                return entry
        return None

    # -- writing ------------------------------------------------------------------

    def _new_name(self) -> str:
        now = self.now().astimezone(UTC)
        ts17 = now.strftime("%Y%m%d%H%M%S") + f"{now.microsecond // 1000:03d}"
        token = "".join(self.rng.choice(_TOKEN_ALPHABET) for _ in range(8))
        host = f"{self.crawlhost}-" if self.crawlhost else ""
        name = f"{self.prefix}-{ts17}-{self._serial:05d}-{host}{token}{WARC_SUFFIX}"
        self._serial += 1
        return name

    def _write_file(self, build: Callable[[FileWriter], T]) -> tuple[str, T]:
        name = self._new_name()
        return name, write_warc_file(self.folder, name, self.writer_class, self.info, build)

    def write_file(self, build: Callable[[FileWriter], T]) -> tuple[str, T]:
        """Write a new WARC file of this store (named, atomic, warcinfo first) with the
        records ``build`` writes; (its name, what ``build`` returned). Nothing is
        added to the ledger: the caller records what the file holds."""
        return self._write_file(build)

    def append_live(self, entries: Sequence[LedgerEntry]) -> None:
        """Enter live captures (``archiver capture``) in their own ledger,
        :data:`archiver.store.live.LIVE_LEDGER_NAME`."""
        append_live_ledger(self.folder, entries)

    def write_capture(self, selection: Selection, final: Memento,
                      hops: Sequence[Memento] = (),
                      stored: LedgerEntry | None = None) -> LedgerEntry:
        """Write one new WARC holding ``hops`` then ``final``; index and return it.

        With ``stored`` (the ledger entry of ``final``, held already because a
        redirect led to a capture stored for another source), only the hops are
        written and the chosen metadata record refers to the stored response.
        """
        def build(fw: FileWriter) -> Written:
            for hop in hops:
                resp = fw.response(hop)
                fw.metadata(hop.uri_r, hop.memento_datetime, resp.record_id, True,
                            hop_fields(selection, hop, self.info))
                fw.request(hop, resp.record_id)
            if stored is not None:
                fields = chosen_fields(selection, final, hops, self.info)
                fields += [(F_WARC_FILE, stored.warc_file),
                           (F_WARC_OFFSET, str(stored.warc_offset))]
                fw.metadata(final.uri_r, final.memento_datetime, stored.record_id, False,
                            fields)
                return Written(stored.record_id, stored.warc_offset, stored.warc_length or 0)
            resp = fw.response(final)
            fw.metadata(final.uri_r, final.memento_datetime, resp.record_id, True,
                        chosen_fields(selection, final, hops, self.info))
            fw.request(final, resp.record_id)
            return resp

        name, resp = self._write_file(build)
        metadata_file = None
        if stored is not None:
            name, metadata_file = stored.warc_file, name
        keys = tuple(dict.fromkeys([*selection.listing_keys,
                                    capture_key(final.uri_r, final.timestamp)]))
        content_type = final.header("Content-Type")
        entry = LedgerEntry(
            manifest_id=selection.manifest_id, source_id=selection.source.id,
            requested_url=selection.source.url,
            published=selection.source.published.isoformat(), uri_r=final.uri_r,
            timestamp=final.timestamp, memento_url=final.memento_url,
            memento_datetime=warc_date(final.memento_datetime), archive=selection.archive,
            warc_file=name, warc_offset=resp.offset, warc_length=resp.length,
            record_id=resp.record_id, payload_sha256=sha256_label(final.body),
            http_status=final.status,
            mime=content_type.split(";")[0].strip() if content_type else None,
            distance_days=selection.distance_days, pre_publication=selection.pre_publication,
            rule=selection.rule, keys=keys,
            redirects=tuple((h.status, h.uri_r, h.location) for h in hops),
            stored_at=warc_date(self.now(), micros=True), metadata_file=metadata_file,
            chosen=selection.chosen,
        )
        self._append([entry])
        return entry

    def write_reference(self, selection: Selection, stored: LedgerEntry) -> LedgerEntry:
        """Record that ``selection.source`` chose a capture stored already for another
        source: a small WARC with a metadata record referring to the stored response."""
        when = datetime.fromisoformat(stored.memento_datetime.replace("Z", "+00:00"))
        src = selection.source
        fields = reference_fields(selection, stored, when, self.info)

        def build(fw: FileWriter) -> Written:
            return fw.metadata(stored.uri_r, when, stored.record_id, False, fields)

        metadata_file, _ = self._write_file(build)
        entry = LedgerEntry(**{
            **asdict(stored), "keys": stored.keys, "redirects": stored.redirects,
            "manifest_id": selection.manifest_id, "source_id": src.id,
            "requested_url": src.url, "published": src.published.isoformat(),
            "distance_days": selection.distance_days,
            "pre_publication": selection.pre_publication, "rule": selection.rule,
            "stored_at": warc_date(self.now(), micros=True), "metadata_file": metadata_file,
            "chosen": True,
        })
        self._append([entry])
        return entry

    # -- recovery -----------------------------------------------------------------

    def _recover(self, path: Path) -> None:
        final_name = path.name[: -len(OPEN_SUFFIX)]
        final = self.folder / final_name
        why: str | None = None
        entries: list[LedgerEntry] = []
        try:
            records = read_warc(path)
            known = {e.record_id for e in self.entries}
            problems = check_records(records, name=path.name, known_ids=known)
            if problems:
                why = problems[0]
            else:
                entries = _entries_from_records(records, final_name)
                if not entries:
                    why = "it holds no chosen capture"
        except WarcStructureError as err:
            why = err.detail
        except OSError as err:
            why = str(err)
        if why is None and not final.exists():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(path, final)
            fsync_dir(self.folder)
            self._append(entries)
            self.notes.append(f"recovered {final_name} left unfinished by an interrupted run "
                              f"({len(entries)} capture(s))")
            return
        dest = _free_name(self.folder / (path.name[: -len(OPEN_SUFFIX)] + INVALID_SUFFIX))
        os.replace(path, dest)
        fsync_dir(self.folder)
        self.notes.append(f"set aside {path.name} left by an interrupted run as {dest.name} "
                          f"({why or 'a finished file of that name exists'}); "
                          "its capture will be fetched again")

    def _index_unknown_files(self) -> None:
        """Index the finished WARCs of ours the ledger misses (a kill between rename
        and ledger write); skip everyone else's.

        A file is first read up to the end of its first record, a warcinfo of
        ours or not (:data:`MAX_WARCINFO_BYTES`); only archiver's own are read
        further, each record within :data:`~archiver.store.structure.MAX_RECORD_BYTES`.
        Files that gave nothing (someone else's, damaged, or ours without a chosen
        capture) are remembered in :data:`SEEN_NAME` by size and modification
        time, so a later run reads none of them again until they change.
        """
        indexed = {e.warc_file for e in self.entries}
        indexed |= {e.metadata_file for e in self.entries if e.metadata_file}
        seen_path = self.folder / SEEN_NAME
        seen = read_cache(seen_path, SEEN_VERSION)
        still: dict[str, Any] = {}
        found: list[LedgerEntry] = []
        for path in sorted(self.folder.glob(f"*{WARC_SUFFIX}")):
            if path.name in indexed:
                continue
            key = file_key(path)
            if key is None:
                continue
            if seen.get(path.name) == key:
                still[path.name] = key
                continue
            entries = _entries_of_unknown_file(path)
            if entries:
                found.extend(entries)
            else:
                still[path.name] = key
        if found:
            self._append(found)
            self.notes.append(f"indexed {len(found)} stored capture(s) missing from "
                              f"{LEDGER_NAME} (an interrupted run)")
        if still != seen:
            write_cache(seen_path, SEEN_VERSION, still)


def _entries_of_unknown_file(path: Path) -> list[LedgerEntry]:
    """The chosen captures a finished WARC missing from the ledger holds, if it is ours."""
    try:
        if not _is_ours(read_first_record(path, max_bytes=MAX_WARCINFO_BYTES)):
            return []
        return _entries_from_records(read_warc(path), path.name)
    except (OSError, WarcStructureError):
        return []  # not ours to judge here; `check_folder` reports it


def _is_ours(warcinfo: WarcRecordInfo) -> bool:
    if warcinfo.type != "warcinfo":
        return False
    fields = provenance.as_dict(provenance.decode_fields(warcinfo.block))
    return fields.get("software", "").startswith("archiver/")


def _entries_from_records(records: Sequence[WarcRecordInfo], filename: str) -> list[LedgerEntry]:
    """Ledger entries rebuilt from the chosen-capture metadata records of one file."""
    by_id = {r.record_id: r for r in records}
    out: list[LedgerEntry] = []
    for rec in records:
        if rec.type != "metadata":
            continue
        pairs = provenance.decode_fields(rec.block)
        fields = provenance.as_dict(pairs)
        chosen = fields.get(provenance.F_CHOSEN) == "true"
        if not chosen and fields.get(provenance.F_EXTRA) != "true":
            continue
        refers = rec.get("WARC-Refers-To") or ""
        response = by_id.get(refers)
        warc_file, offset, length = filename, 0, None
        status, mime = 200, None
        metadata_file = None
        if response is not None:
            offset, length = response.offset, response.length
            status, mime = _status_and_mime(response.block)
        elif F_WARC_FILE in fields:
            warc_file, metadata_file = fields[F_WARC_FILE], filename
            offset_text = fields.get(F_WARC_OFFSET, "0")
            if not (offset_text.isascii() and offset_text.isdigit()):
                continue
            offset = int(offset_text)
        else:
            continue
        # The record's own date, as the writer wrote it (warc_date): anything else
        # is not a record of ours, whatever its warcinfo says.
        when = rec.get("WARC-Date") or ""
        if not _WARC_DATE.fullmatch(when):
            continue
        try:
            out.append(LedgerEntry(
                manifest_id=fields.get(provenance.F_MANIFEST_ID, ""),
                source_id=fields.get(provenance.F_SOURCE_ID, ""),
                requested_url=fields.get(provenance.F_REQUESTED_URL, ""),
                published=fields.get(provenance.F_PUBLISHED, ""),
                uri_r=rec.get("WARC-Target-URI") or "",
                timestamp=when[:19].replace("-", "").replace("T", "").replace(":", ""),
                memento_url=fields.get(provenance.F_MEMENTO_URL, ""),
                memento_datetime=when, archive=fields.get(provenance.F_ARCHIVE, ""),
                warc_file=warc_file, warc_offset=offset, warc_length=length,
                record_id=refers, payload_sha256=fields.get(provenance.F_PAYLOAD_SHA256),
                http_status=status, mime=mime,
                distance_days=_finite(fields.get(provenance.F_DISTANCE_DAYS)),
                pre_publication=fields.get(provenance.F_PRE_PUBLICATION) == "true",
                rule=fields.get(F_SELECTION_RULE),
                keys=tuple(v for k, v in pairs if k == F_LISTING_KEY),
                redirects=tuple((int(v.split(" ", 1)[0]), v.split(" ", 1)[1], None)
                                for k, v in pairs if k == provenance.F_REDIRECT),
                metadata_file=metadata_file, chosen=chosen,
            ))
        except (ValueError, IndexError):
            continue
    return out


#: A WARC-Date as :func:`archiver.store.fields.warc_date` writes it.
_WARC_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")


def _finite(text: str | None) -> float | None:
    """A number of days written by the writer; None if absent or not a finite number."""
    try:
        value = float(text) if text is not None else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None


def _status_and_mime(block: bytes) -> tuple[int, str | None]:
    head = block.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    try:
        status = int(head[0].split(" ")[1])
    except (IndexError, ValueError):
        status = 0
    mime = None
    for line in head[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-type":
            mime = value.split(";")[0].strip() or None
    return status, mime


def _free_name(path: Path) -> Path:
    candidate, n = path, 1
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.{n}")
        n += 1
    return candidate
