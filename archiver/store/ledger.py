"""The ledger: ``archiver-index.jsonl``, one JSON line per stored capture, and its keys.

A capture is identified by its URL key and 14-digit timestamp
(:func:`capture_key`), the way a CDX index keys captures by (SURT, timestamp),
so a rerun skips what is stored already. Lines are only ever appended, each
write fsynced, after the WARC file they name has been renamed into place.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archiver.errors import StoreError
from archiver.models import Capture, Hop, Source
from archiver.store.fields import as_utc
from archiver.urls import url_key

logger = logging.getLogger(__name__)

LEDGER_NAME = "archiver-index.jsonl"
LEDGER_VERSION = 1


def capture_key(uri_r: str, timestamp: str) -> str:
    """The identity of a capture: its URL key (:func:`archiver.urls.url_key`) and
    14-digit timestamp."""
    return f"{url_key(uri_r)} {timestamp}"


def rekey(key: str) -> str:
    """A stored capture key recomputed under today's URL rule.

    Keys are stored as written (ledger lines, ``listing-key`` fields of metadata
    records) and compared as strings. Folders written before
    :func:`archiver.urls.url_key` became the one rule hold keys of an older,
    simpler rule (host lower-cased without ``www.``, default port and trailing
    slash dropped, the path otherwise as written), which differs for a path
    with percent-escapes or dot segments and for a trailing-dot or
    internationalised host. The URL part of a key is a URL without its scheme,
    so it is keyed again. A :class:`LedgerEntry` holds both forms of each key it
    was given, so :meth:`archiver.store.WarcStore.find_capture` finds a capture
    stored under either rule.
    """
    url, sep, timestamp = key.rpartition(" ")
    if not sep:
        return key
    return f"{url_key('http://' + url)} {timestamp}"


@dataclass(frozen=True)
class LedgerEntry:
    """One stored capture chosen for one source; a line of ``archiver-index.jsonl``."""

    manifest_id: str
    source_id: str
    requested_url: str
    published: str
    uri_r: str
    timestamp: str
    memento_url: str
    memento_datetime: str  # ISO 8601, UTC
    archive: str
    warc_file: str
    warc_offset: int
    record_id: str
    payload_sha256: str | None = None
    warc_length: int | None = None
    http_status: int = 200
    mime: str | None = None
    distance_days: float | None = None
    pre_publication: bool = False
    rule: str | None = None
    keys: tuple[str, ...] = ()
    redirects: tuple[tuple[int, str, str | None], ...] = ()
    stored_at: str | None = None
    #: The file holding the chosen metadata record, when not ``warc_file`` (a
    #: capture shared with another source, or reached by new redirects).
    metadata_file: str | None = None
    v: int = LEDGER_VERSION
    #: False for another capture of the source's URL stored besides the chosen
    #: one (``fetch --captures``); lines written before have no such field: True.
    chosen: bool = True

    def __post_init__(self) -> None:
        # A line of the ledger, or a metadata record it was rebuilt from, may have
        # been edited by hand or by someone else: refuse a date that cannot be read
        # here rather than fail later (read_ledger counts the line as unreadable).
        if _iso_date(self.memento_datetime) is None:
            raise ValueError(f"not a UTC date: {self.memento_datetime!r}")
        # Keys written under an older URL rule are matched under today's too
        # (see rekey), so a folder written before is never fetched again.
        keys = tuple(dict.fromkeys([*self.keys, *(rekey(k) for k in self.keys)]))
        if keys != self.keys:
            object.__setattr__(self, "keys", keys)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, line: str) -> LedgerEntry:
        data = json.loads(line)
        if not isinstance(data, dict):
            raise ValueError("not an object")
        known = {f for f in cls.__dataclass_fields__}
        data = {k: v for k, v in data.items() if k in known}
        data["keys"] = tuple(data.get("keys", ()))
        data["redirects"] = tuple(
            (int(s), str(u), loc) for s, u, loc in data.get("redirects", ()))
        return cls(**data)

    def matches_source(self, manifest_id: str, source: Source) -> bool:
        return (self.manifest_id == manifest_id and self.source_id == source.id
                and self.requested_url == source.url
                and self.published == source.published.isoformat())

    def capture(self) -> Capture:
        return Capture(
            source_id=self.source_id, url=self.uri_r, archive=self.archive,
            memento_url=self.memento_url,
            memento_datetime=_iso_date(self.memento_datetime) or datetime.min.replace(tzinfo=UTC),
            http_status=self.http_status, mime=self.mime, warc_file=self.warc_file,
            warc_offset=self.warc_offset, record_id=self.record_id,
            payload_sha256=self.payload_sha256, distance_days=self.distance_days,
            pre_publication=self.pre_publication,
            redirects=tuple(Hop(url=u, status=s, location=loc) for s, u, loc in self.redirects),
        )


def _iso_date(text: object) -> datetime | None:
    """An ISO 8601 date of the ledger (``2014-10-15T12:35:00Z``) in UTC, or None."""
    if not isinstance(text, str):
        return None
    try:
        return as_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        return None


def read_ledger(path: Path) -> tuple[list[LedgerEntry], int]:
    """The entries of the ledger at ``path`` (none if it does not exist), and how
    many non-blank lines could not be read (an interrupted write)."""
    entries: list[LedgerEntry] = []
    if not path.exists():
        return entries, 0
    bad = 0
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            try:
                entries.append(LedgerEntry.from_json(line))
            except (ValueError, TypeError, KeyError, AttributeError):
                bad += 1
    return entries, bad


def append_ledger(path: Path, entries: Sequence[LedgerEntry]) -> None:
    """Append ``entries`` to the ledger at ``path`` in one fsynced write."""
    if not entries:
        return
    text = "".join(e.to_json() + "\n" for e in entries)
    try:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as err:
        raise StoreError(f"cannot write {path}: {err.strerror}") from err


# --------------------------------------------------------------------------
# Caches beside the ledger
# --------------------------------------------------------------------------


def file_key(path: Path) -> list[int] | None:
    """What says a file is unchanged since it was last read: [size, mtime in ns]."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return [stat.st_size, stat.st_mtime_ns]


def read_cache(path: Path, version: int) -> dict[str, Any]:
    """The ``files`` map of a JSON cache written by :func:`write_cache`; empty when
    it is missing, unreadable, of another version or not what we wrote."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("v") != version:
        return {}
    files = data.get("files")
    return files if isinstance(files, dict) else {}


def write_cache(path: Path, version: int, files: dict[str, Any]) -> None:
    """Replace the JSON cache at ``path`` in one step (a new file renamed over it).

    A cache only saves work: a folder that cannot be written keeps none, and a
    cache lost in a crash is rebuilt by the next run.
    """
    tmp = path.with_name(f"{path.name}.{secrets.token_hex(6)}.tmp")
    try:  # a new file of its own (O_EXCL), with the folder's usual permissions
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as err:
        logger.debug("no cache %s: %s", path, err)
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"v": version, "files": files}, fh, ensure_ascii=False,
                      separators=(",", ":"))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as err:
        logger.debug("no cache %s: %s", path, err)
        with contextlib.suppress(OSError):
            os.unlink(tmp)
