"""Read a folder of WARC files back for ``verify``: index it, find each source's capture.

:class:`WarcIndex` indexes a folder once (record headers only, no payloads):
``*.warc``, ``*.warc.gz``, ``*.arc``, ``*.arc.gz`` in any subfolder, gzip per
record or plain, as written by archiver itself, wget, Heritrix, warcio, pywb
or warcprox. It then finds the capture of each manifest source:

1. the capture ``fetch`` chose: a ``metadata`` record with ``archiver-chosen:
   true`` and this source's ``source-id`` (or ``requested-url``), whose
   ``WARC-Refers-To`` names the response record (:mod:`archiver.store.provenance`);
2. otherwise a ``response``, ``resource`` or ``revisit`` record whose
   ``WARC-Target-URI`` is the source URL up to the usual equivalences
   (:func:`archiver.urls.url_key`: scheme, ``www.``, default port, trailing
   slash, fragment, percent-encoding), also when the target is a Wayback
   memento URL of it. Redirect captures are followed inside the folder (at most
   :data:`archiver.net.MAX_REDIRECTS` hops). Among several, the one nearest the
   manifest's ``archived_at`` wins, else the earliest on or after the
   publication date, else the latest before it.

**Damaged files.** A WARC file that is truncated or corrupt does not abort the
run: the records before the damage are kept, the rest of that file is skipped,
and a warning naming the file and offset is recorded in
:attr:`WarcIndex.warnings` (the CLI prints it and puts it in the report).
Quotes whose only capture was lost become ``unverifiable``. Pass
``strict=True`` to raise :class:`~archiver.errors.WarcError` instead. Only an
unreadable or missing *folder* always raises.
"""

from __future__ import annotations

import contextlib
import io
import logging
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from warcio.archiveiterator import ArchiveIterator

from archiver._lru import Lru
from archiver.errors import WarcError
from archiver.extract import (
    FLAG_NOT_HTML,
    PageText,
    extract_page,
    is_extractable,
    mime_of,
    unreadable_reason,
)
from archiver.models import Capture, CaptureKind, Hop, Progress, ProgressCallback, Source
from archiver.net.limits import MAX_REDIRECTS
from archiver.pages import Located, NotLocated
from archiver.store import provenance
from archiver.store.fields import as_utc
from archiver.store.ledger import file_key, read_cache, write_cache
from archiver.store.live import ARCHIVE_LIVE, live_label, live_record_ids
from archiver.store.scan import Damage, scan_records
from archiver.store.structure import WarcStructureError
from archiver.urls import url_key

logger = logging.getLogger(__name__)

#: Payloads larger than this are not read for verification (no article page is).
MAX_PAYLOAD_BYTES = 50 * 1024 * 1024
#: metadata records larger than this are not parsed (ours are < 4 kB).
MAX_METADATA_BYTES = 256 * 1024
WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
#: What each file of the folder gave the index, by path under the folder, with
#: the file's [size, mtime_ns]: a file unchanged since is not read again.
INDEX_CACHE_NAME = ".archiver-index-cache.json"
INDEX_CACHE_VERSION = 1
#: Flag on results checked against a capture that no archiver metadata record chose.
FLAG_NOT_CHOSEN = "capture_not_chosen_by_fetch"
#: Flag on results checked against a live capture (``verify --live-captures``).
FLAG_LIVE_CAPTURE = "live_capture"
#: Memento URLs of Wayback-style archives: .../web/TIMESTAMP[id_]/ORIGINAL, or any
#: path ending in /14-DIGIT-TIMESTAMP[id_]/http(s)://ORIGINAL (pywb, arquivo.pt).
_WAYBACK_RES = (
    re.compile(r"^https?://[^/]+/(?:[^/]+/)*?web/(\d{4,14})(?:[a-z]{2}_)?/(.+)$"),
    re.compile(r"^https?://[^/]+/(?:[^/]+/)*?(\d{14})(?:[a-z]{2}_)?/(https?://.+)$"),
)


def wayback_original(url: str) -> tuple[str, str] | None:
    """(timestamp, original URL) of a Wayback-style memento URL, else None."""
    text = url.strip().strip("<>")
    m = _WAYBACK_RES[0].match(text) or _WAYBACK_RES[1].match(text)
    if not m:
        return None
    original = m.group(2)
    if not original.startswith(("http://", "https://")):
        original = "http://" + original
    return m.group(1), original


# --------------------------------------------------------------------------
# Index entries
# --------------------------------------------------------------------------


#: Extracted pages the index keeps for sources that share a capture: the ones read
#: last. Keeping every page made verify's memory grow with the folder (a page's
#: text layers are several times its text), and verify asks for a capture's page
#: again only for sources and timelines of the same URL, close together.
PAGES_KEPT = 64


@dataclass(frozen=True)
class WarcRecord:
    """Headers of one indexed record, and where it is."""

    path: Path
    rel: str  # path relative to the folder
    offset: int
    type: str  # response, resource, revisit
    url: str
    date: datetime | None
    record_id: str | None
    status: int | None
    mime: str | None  # the HTTP Content-Type (or the WARC one for resource records)
    location: str | None = None
    source_uri: str | None = None  # WARC-Source-URI (the memento URL)
    payload_digest: str | None = None
    refers_to: str | None = None  # revisit: WARC-Refers-To
    refers_to_url: str | None = None
    refers_to_date: str | None = None


@dataclass(frozen=True)
class _Meta:
    refers_to: str
    fields: tuple[tuple[str, str], ...]


#: The fields of a WarcRecord in the cache, in order (``path`` is the folder's
#: and ``rel`` the cache entry's).
_RECORD_FIELDS = ("offset", "type", "url", "date", "record_id", "status", "mime",
                  "location", "source_uri", "payload_digest", "refers_to",
                  "refers_to_url", "refers_to_date")


@dataclass
class _Found:
    """What one file holds for the index: its records, metadata records, warnings
    (sentences without the file's name)."""

    records: list[WarcRecord]
    metadata: list[_Meta]
    warnings: list[str]

    def to_json(self) -> dict[str, Any]:
        rows = []
        for r in self.records:
            row: list[Any] = [getattr(r, name) for name in _RECORD_FIELDS]
            row[3] = r.date.isoformat() if r.date else None
            rows.append(row)
        return {"records": rows,
                "metadata": [[m.refers_to, [list(f) for f in m.fields]] for m in self.metadata],
                "warnings": list(self.warnings)}

    @classmethod
    def from_json(cls, data: dict[str, Any], path: Path, rel: str) -> _Found:
        """Rebuild from :meth:`to_json`; TypeError or ValueError if it is not that."""
        records = []
        for row in data["records"]:
            if len(row) != len(_RECORD_FIELDS):
                raise ValueError("not a cached record")
            values = dict(zip(_RECORD_FIELDS, row, strict=True))
            if not isinstance(values["offset"], int) or values["offset"] < 0:
                raise TypeError("offset")
            if values["status"] is not None and not isinstance(values["status"], int):
                raise TypeError("status")
            for name in _RECORD_FIELDS[1:]:
                if name != "status" and not isinstance(values[name], str | None):
                    raise TypeError(name)
            if not isinstance(values["type"], str) or not isinstance(values["url"], str):
                raise TypeError("type")
            date_text = values.pop("date")
            when = as_utc(datetime.fromisoformat(date_text)) if date_text else None
            records.append(WarcRecord(path=path, rel=rel, date=when, **values))
        metadata = []
        for refers, fields in data["metadata"]:
            pairs = tuple((str(k), str(v)) for k, v in fields)
            if not isinstance(refers, str):
                raise TypeError("refers_to")
            metadata.append(_Meta(refers, pairs))
        warnings = [str(w) for w in data["warnings"]]
        return cls(records, metadata, warnings)


def _short(text: str, limit: int = 200) -> str:
    """A message from a library or a file, cut to a sensible length."""
    return text if len(text) <= limit else text[:limit] + "..."


def _parse_warc_date(value: str | None) -> datetime | None:
    """A WARC-Date (or a 14-digit timestamp, or an HTTP date) in UTC; None if it is
    missing, unreadable or out of range (:func:`archiver.store.fields.as_utc`)."""
    if not value:
        return None
    text = value.strip()
    if re.fullmatch(r"[0-9]{14}", text):
        return _timestamp14(text)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    return as_utc(parsed)


def _timestamp14(ts: str) -> datetime | None:
    """A Wayback timestamp (padded to 14 digits) in UTC; None if it is no date."""
    ts = (ts + "0" * 14)[:14]
    if not re.fullmatch(r"[0-9]{14}", ts):
        return None
    try:
        return as_utc(datetime(int(ts[:4]), int(ts[4:6]), int(ts[6:8]), int(ts[8:10]),
                               int(ts[10:12]), int(ts[12:14]), tzinfo=UTC))
    except ValueError:
        return None


def _header(record: Any, name: str) -> str | None:
    value = record.rec_headers.get_header(name)
    return str(value).strip() if value else None


class WarcIndex:
    """An index of a WARC folder, built once, that locates each source's capture.

    Implements :class:`archiver.verify.PageProvider`.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files: list[Path] = []
        self.warnings: list[str] = []
        self.records: list[WarcRecord] = []
        self.by_key: dict[str, list[WarcRecord]] = {}
        self.by_id: dict[str, WarcRecord] = {}
        self.by_digest: dict[str, WarcRecord] = {}
        self.metadata: list[_Meta] = []
        # the pages read last (PAGES_KEPT), not every page of the folder
        self._pages: Lru[tuple[str, int], tuple[PageText | None, str | None,
                                                tuple[str, ...]]] = Lru(PAGES_KEPT)
        self._cache_in: dict[str, Any] = {}
        self._cache_out: dict[str, Any] = {}
        self._cache_changed = False
        #: Response record ids of live captures (``archiver capture``), and whether
        #: they may be used: by default a capture is looked for among archived ones.
        self.live_ids: set[str] = set()
        self.live_captures = False
        self._meta_index: dict[str, dict[str, str]] | None = None

    # -- building -------------------------------------------------------------

    @classmethod
    def build(cls, folder: Path | str, *, progress: ProgressCallback | None = None,
              strict: bool = False, live_captures: bool = False) -> WarcIndex:
        """Index every WARC file under ``folder``.

        Live captures (``archiver capture``: their metadata records say
        ``capture-kind: live``) are left out of every lookup unless
        ``live_captures``; a live capture is evidence of the day it was made,
        never of the publication date.

        Raises :class:`WarcError` if the folder is missing or unreadable, and,
        with ``strict``, if any file is damaged.
        """
        folder = Path(folder)
        if not folder.exists():
            raise WarcError(f"WARC folder not found: {folder}", path=folder,
                            hint="run `archiver fetch` first, or pass --warcs DIR")
        if not folder.is_dir():
            raise WarcError(f"not a folder: {folder}", path=folder,
                            hint="--warcs takes the folder that holds the .warc.gz files")
        index = cls(folder)
        try:
            files = list(iter_warc_files(folder))
            opened = sorted(p for p in folder.rglob("*.open") if p.is_file())
        except OSError as err:
            raise WarcError(f"cannot read WARC folder {folder}: {err.strerror}",
                            path=folder) from err
        for p in opened:
            index.warnings.append(f"{p}: an unfinished WARC (.open) was skipped; "
                                  "a fetch run was interrupted")
        index.files = files
        index._load_cache()
        for n, path in enumerate(files):
            if progress is not None:
                progress(Progress("index", n, len(files), path.name))
            index._index_file(path, strict)
        if progress is not None:
            progress(Progress("index", len(files), len(files), None))
        index._save_cache()
        index.live_ids = live_record_ids([(m.refers_to, m.fields) for m in index.metadata])
        index.live_captures = live_captures
        return index

    def _index_file(self, path: Path, strict: bool) -> None:
        rel = path.relative_to(self.folder).as_posix()
        key = file_key(path)
        found = self._cached(rel, key)
        if found is None:
            found = self._read_file(path, rel)
            self._cache_changed = True
        if key is not None:
            self._cache_out[rel] = {"key": key, **found.to_json()}
        for detail in found.warnings:
            self._damaged(path, f"{path}: {detail}", strict, None)
        for meta in found.metadata:
            self.metadata.append(meta)
        for entry in found.records:
            self._add(entry)

    def _read_file(self, path: Path, rel: str) -> _Found:
        """Index one file, within bounds (:mod:`archiver.store.scan`)."""
        found = _Found([], [], [])
        offset = 0
        stderr = io.StringIO()
        try:
            with path.open("rb") as fh, contextlib.redirect_stderr(stderr):
                for offset, record in scan_records(fh, path, found.warnings.append):
                    self._index_record(record, path, rel, offset, found)
        except OSError as err:
            found.warnings.append(f"cannot read: {_short(err.strerror or str(err))}")
        except (Damage, WarcStructureError) as err:
            found.warnings.append(f"{err.detail}; the rest of the file was skipped")
        except Exception as err:  # warcio raises many types on bad input
            found.warnings.append(f"damaged at offset {offset} ({type(err).__name__}: "
                                  f"{_short(str(err))}); the rest of the file was skipped")
        noise = stderr.getvalue().strip()
        if noise:
            found.warnings.append(_short(noise.splitlines()[0]))
        return found

    def _damaged(self, path: Path, message: str, strict: bool,
                 err: BaseException | None) -> None:
        if strict:
            raise WarcError(message, path=path,
                            hint="check the file with `warcio check`; a truncated file "
                            "may be recoverable with `warcio recompress`") from err
        logger.info("%s", message)  # a note of the run: the caller reports it, once
        self.warnings.append(message)

    # -- the cache ------------------------------------------------------------

    def _load_cache(self) -> None:
        self._cache_in = read_cache(self.folder / INDEX_CACHE_NAME, INDEX_CACHE_VERSION)

    def _cached(self, rel: str, key: list[int] | None) -> _Found | None:
        """What the cache holds for a file unchanged since it was indexed, if anything."""
        entry = self._cache_in.get(rel)
        if key is None or not isinstance(entry, dict) or entry.get("key") != key:
            return None
        try:
            return _Found.from_json(entry, self.folder / rel, rel)
        except (TypeError, ValueError, KeyError, IndexError):
            return None  # not what we wrote: read the file again

    def _save_cache(self) -> None:
        if self._cache_changed or set(self._cache_out) != set(self._cache_in):
            write_cache(self.folder / INDEX_CACHE_NAME, INDEX_CACHE_VERSION, self._cache_out)

    def _index_record(self, record: Any, path: Path, rel: str, offset: int,
                      found: _Found) -> None:
        rtype = record.rec_type
        if rtype == "metadata":
            refers = _header(record, "WARC-Refers-To") or _header(record, "WARC-Concurrent-To")
            ctype = mime_of(_header(record, "Content-Type"))
            if refers and ctype == provenance.CONTENT_TYPE and \
                    (record.length or 0) <= MAX_METADATA_BYTES:
                body = record.content_stream().read(MAX_METADATA_BYTES)
                found.metadata.append(_Meta(refers, tuple(provenance.decode_fields(body))))
            return
        if rtype not in ("response", "resource", "revisit"):
            return
        url = (_header(record, "WARC-Target-URI") or "").strip("<>")
        if not url:
            return
        status: int | None = None
        mime: str | None = None
        location: str | None = None
        if record.http_headers is not None and rtype != "resource":
            try:
                status = int(record.http_headers.get_statuscode())
            except (TypeError, ValueError):
                status = None
            mime = record.http_headers.get_header("Content-Type")
            location = record.http_headers.get_header("Location")
        elif rtype == "resource":
            status = 200
            mime = _header(record, "Content-Type")
        entry = WarcRecord(
            path=path, rel=rel, offset=offset, type=rtype, url=url,
            date=_parse_warc_date(_header(record, "WARC-Date")),
            record_id=_header(record, "WARC-Record-ID"), status=status, mime=mime,
            location=location, source_uri=_header(record, "WARC-Source-URI"),
            payload_digest=_header(record, "WARC-Payload-Digest"),
            refers_to=_header(record, "WARC-Refers-To"),
            refers_to_url=_header(record, "WARC-Refers-To-Target-URI"),
            refers_to_date=_header(record, "WARC-Refers-To-Date"),
        )
        found.records.append(entry)

    def _add(self, entry: WarcRecord) -> None:
        """Enter one indexed record in the lookups."""
        url = entry.url
        self.records.append(entry)
        if entry.record_id:
            self.by_id[entry.record_id] = entry
        if entry.payload_digest and entry.type != "revisit":
            self.by_digest.setdefault(entry.payload_digest, entry)
        keys = {url_key(url)}
        wb = wayback_original(url)
        if wb is not None:
            keys.add(url_key(wb[1]))
        if entry.source_uri:
            keys.add(url_key(entry.source_uri))
        for key in keys:
            self.by_key.setdefault(key, []).append(entry)

    # -- locating ------------------------------------------------------------

    def candidates(self, url: str) -> list[WarcRecord]:
        """Every indexed capture of ``url`` (up to equivalence)."""
        out = list(self.by_key.get(url_key(url), []))
        wb = wayback_original(url)
        if wb is not None:
            out.extend(self.by_key.get(url_key(wb[1]), []))
        if self.live_ids and not self.live_captures:
            out = [r for r in out if r.record_id not in self.live_ids]
        return list(dict.fromkeys(out))

    def _chosen(self, source: Source) -> tuple[WarcRecord, dict[str, str],
                                               list[tuple[str, str]]] | None:
        key = url_key(source.url)
        by_id: tuple[WarcRecord, dict[str, str], list[tuple[str, str]]] | None = None
        by_url: tuple[WarcRecord, dict[str, str], list[tuple[str, str]]] | None = None
        for meta in self.metadata:
            fields = dict(provenance.as_dict(meta.fields))
            lowered = {k.lower(): v for k, v in fields.items()}
            if lowered.get(provenance.F_CHOSEN, "").lower() != "true":
                continue
            record = self.by_id.get(meta.refers_to)
            if record is None:
                continue
            pairs = list(meta.fields)
            if lowered.get(provenance.F_SOURCE_ID) == source.id:
                by_id = (record, lowered, pairs)  # the last one written wins
            elif url_key(lowered.get(provenance.F_REQUESTED_URL, "")) == key:
                by_url = (record, lowered, pairs)
        return by_id or by_url

    def _follow(self, record: WarcRecord) -> tuple[WarcRecord, tuple[Hop, ...]] | None:
        hops: list[Hop] = []
        seen: set[tuple[str, int]] = set()
        while record.status is not None and 300 <= record.status < 400 and record.location:
            if len(hops) >= MAX_REDIRECTS or (record.rel, record.offset) in seen:
                return None
            seen.add((record.rel, record.offset))
            hops.append(Hop(record.url, record.status, record.location))
            target = urljoin(record.url, record.location)
            nxt = self._best(self.candidates(target), record.date)
            if nxt is None:
                return None
            record = nxt
        return record, tuple(hops)

    @staticmethod
    def _best(records: list[WarcRecord], near: datetime | None,
              published: date | None = None) -> WarcRecord | None:
        usable = [r for r in records if r.type == "revisit" or r.status is None
                  or r.status < 400]
        if not usable:
            return None
        def when(r: WarcRecord) -> float:
            return r.date.timestamp() if r.date else 0.0
        if near is not None:
            return min(usable, key=lambda r: (abs(when(r) - near.timestamp()),
                                              r.status is not None and r.status >= 300))
        ok = [r for r in usable if r.status is None or r.status < 300] or usable
        if published is not None:
            start = datetime(published.year, published.month, published.day, tzinfo=UTC)
            after = [r for r in ok if r.date is None or r.date >= start]
            if after:
                return min(after, key=when)
            return max(ok, key=when)
        return ok[0]

    def locate(self, source: Source) -> Located | NotLocated:
        """The capture to check ``source``'s quotes against, and its page text."""
        chosen = self._chosen(source)
        fields: dict[str, str] = {}
        how = "the capture fetch chose"
        if chosen is not None:
            record, fields, pairs = chosen
            redirects = tuple(_hop(v) for k, v in pairs if k.lower() == provenance.F_REDIRECT)
        else:
            cands = self.candidates(source.url)
            if source.archived_url:
                cands += self.candidates(source.archived_url)
            best = self._best(list(dict.fromkeys(cands)), source.archived_at,
                              published=source.published)
            if best is None:
                what = "only error captures" if cands else "no capture"
                n = len(self.files)
                return NotLocated(f"{what} of {source.url} in {self.folder} "
                                  f"({n} WARC file{'' if n == 1 else 's'})")
            how = "a capture of the URL"
            redirects = ()
            record = best
        followed = self._follow(record)
        if followed is None:
            return NotLocated(f"the capture of {source.url} redirects to a page that "
                              f"is not in {self.folder}")
        final, hops = followed
        if redirects:  # the chosen record lists "status url" per hop; each led to the next
            targets = [h.url for h in redirects[1:]] + [final.url]
            redirects = tuple(Hop(h.url, h.status, h.location or t)
                              for h, t in zip(redirects, targets, strict=True))
        capture = self._capture(source, final, fields, redirects or hops)
        page, detail, flags = self._page(final)
        if capture.kind is CaptureKind.LIVE:
            flags = (*flags, FLAG_LIVE_CAPTURE)
            if page is not None:
                detail = (f"checked against a {live_label(capture.memento_datetime)} "
                          "(--live-captures): evidence of that day, not of the publication date")
        elif chosen is None:
            flags = (*flags, FLAG_NOT_CHOSEN)
            if page is not None:
                detail = f"checked against {how} (fetch marked no capture as chosen)"
        return Located(capture, page, detail, flags)

    def _page(self, record: WarcRecord) -> tuple[PageText | None, str | None,
                                                 tuple[str, ...]]:
        """A capture's page, read and extracted once while it is among the last used."""
        key = (record.rel, record.offset)
        found = self._pages.get(key)
        if found is None:
            found = self._load(record)
            self._pages.put(key, found)
        return found

    def history(self, source: Source) -> list[Located]:
        """Every stored capture of ``source``'s URL, oldest first, each with its page.

        The capture :meth:`locate` gives is among them (the same
        :class:`~archiver.pages.Located`), then every other ``response``,
        ``resource`` or ``revisit`` record of the URL (of its ``archived_url``,
        and of the page a chosen redirect led to) up to the usual equivalences,
        whoever wrote it:
        those ``fetch --captures`` stored beside the chosen one, or a crawler's.
        Redirect and error captures are left out (they hold no page); two
        records of the same URL at the same second count once.
        """
        located = self.locate(source)
        out: list[Located] = []
        seen: set[tuple[str, int]] = set()
        moments: set[tuple[str, datetime | None]] = set()
        if isinstance(located, Located):
            out.append(located)
            seen.add((located.capture.warc_file, located.capture.warc_offset))
            moments.add((url_key(located.capture.url), located.capture.memento_datetime))
        cands = self.candidates(source.url)
        if source.archived_url:
            cands += self.candidates(source.archived_url)
        if isinstance(located, Located):  # the page a redirect led to
            cands += self.candidates(located.capture.url)
        meta = self._metadata_by_record()
        for record in dict.fromkeys(cands):
            if record.type != "revisit" and record.status is not None \
                    and not 200 <= record.status < 300:
                continue
            if (record.rel, record.offset) in seen:
                continue
            seen.add((record.rel, record.offset))
            fields = meta.get(record.record_id or "", {})
            capture = self._capture(source, record, fields, ())
            moment = (url_key(capture.url), capture.memento_datetime)
            if moment in moments:
                continue
            moments.add(moment)
            page, detail, flags = self._page(record)
            out.append(Located(capture, page, detail, flags))
        out.sort(key=lambda loc: loc.capture.memento_datetime)
        return out

    def _metadata_by_record(self) -> dict[str, dict[str, str]]:
        """archiver's metadata fields (lower-case names) by the record they refer to;
        a chosen record's fields win over another's."""
        if self._meta_index is None:
            index: dict[str, dict[str, str]] = {}
            for meta in self.metadata:
                fields = {k.lower(): v for k, v in provenance.as_dict(meta.fields).items()}
                if provenance.F_MEMENTO_URL not in fields:
                    continue
                held = index.get(meta.refers_to)
                if held is None or held.get(provenance.F_CHOSEN) != "true":
                    index[meta.refers_to] = fields
            self._meta_index = index
        return self._meta_index

    def _capture(self, source: Source, record: WarcRecord, fields: dict[str, str],
                 redirects: tuple[Hop, ...]) -> Capture:
        if self._is_live(record):  # archiver capture's: the live site on that day
            return Capture(
                source_id=source.id, url=record.url, archive=ARCHIVE_LIVE,
                memento_url=record.url,
                memento_datetime=record.date or datetime(1970, 1, 1, tzinfo=UTC),
                http_status=record.status or 200, mime=mime_of(record.mime) or None,
                warc_file=record.rel, warc_offset=record.offset, record_id=record.record_id,
                redirects=redirects, kind=CaptureKind.LIVE)
        memento_url = fields.get(provenance.F_MEMENTO_URL) or record.source_uri or ""
        wb = wayback_original(record.url)
        when = record.date
        if fields.get(provenance.F_MEMENTO_DATETIME):
            when = _parse_warc_date(fields[provenance.F_MEMENTO_DATETIME]) or when
        elif wb is not None:
            when = _timestamp14(wb[0]) or when
            memento_url = memento_url or record.url
        archive = fields.get(provenance.F_ARCHIVE, "")
        if not archive and memento_url:
            parts = urlsplit(memento_url)
            archive = f"{parts.scheme}://{parts.netloc}/" if parts.netloc else ""
        distance: float | None = None
        if fields.get(provenance.F_DISTANCE_DAYS):
            with contextlib.suppress(ValueError):
                distance = float(fields[provenance.F_DISTANCE_DAYS])
            if distance is not None and not math.isfinite(distance):
                distance = None  # "nan" or "inf" from a hand-made record
        return Capture(
            source_id=source.id, url=wb[1] if wb else record.url, archive=archive,
            memento_url=memento_url,
            memento_datetime=when or datetime(1970, 1, 1, tzinfo=UTC),
            http_status=record.status or 200, mime=mime_of(record.mime) or None,
            warc_file=record.rel, warc_offset=record.offset, record_id=record.record_id,
            payload_sha256=fields.get(provenance.F_PAYLOAD_SHA256),
            distance_days=distance,
            pre_publication=fields.get(provenance.F_PRE_PUBLICATION, "").lower() == "true",
            redirects=redirects,
        )

    def _is_live(self, record: WarcRecord) -> bool:
        """Whether ``record`` is the response of a live capture (``archiver capture``)."""
        return record.record_id is not None and record.record_id in self.live_ids

    def _payload_record(self, record: WarcRecord) -> WarcRecord | None:
        """The record holding the payload: itself, or a revisit's original."""
        if record.type != "revisit":
            return record
        if record.refers_to and record.refers_to in self.by_id:
            return self.by_id[record.refers_to]
        if record.payload_digest and record.payload_digest in self.by_digest:
            return self.by_digest[record.payload_digest]
        if record.refers_to_url:
            for cand in self.candidates(record.refers_to_url):
                if cand.type != "revisit" and cand.date == _parse_warc_date(
                        record.refers_to_date):
                    return cand
        return None

    def _load(self, record: WarcRecord) -> tuple[PageText | None, str | None,
                                                 tuple[str, ...]]:
        """Read and extract a capture's page once: (page, why not, flags)."""
        source = self._payload_record(record)
        if source is None:
            return None, (f"the revisit record at {record.rel}:{record.offset} refers to "
                          "a capture that is not in the folder"), ()
        try:
            body, ctype = read_payload(source)
        except WarcError as err:
            return None, err.message, ()
        ctype = ctype or record.mime
        if not is_extractable(ctype, body):
            return None, unreadable_reason(ctype, body), (FLAG_NOT_HTML,)
        page = extract_page(body, ctype)
        if page.unreadable is not None:  # a scanned PDF, invalid JSON
            return None, page.unreadable, page.flags
        return page, None, ()

    def __len__(self) -> int:
        return len(self.records)


def _hop(value: str) -> Hop:
    status, _, url = value.partition(" ")
    try:
        return Hop(url.strip(), int(status))
    except ValueError:
        return Hop(value, 0)


def read_payload(record: WarcRecord) -> tuple[bytes, str | None]:
    """The decoded HTTP payload (or resource block) of an indexed record."""
    try:
        with record.path.open("rb") as fh, contextlib.redirect_stderr(io.StringIO()):
            fh.seek(record.offset)
            iterator = ArchiveIterator(fh, arc2warc=True)
            for rec in iterator:
                body = rec.content_stream().read(MAX_PAYLOAD_BYTES + 1)
                if len(body) > MAX_PAYLOAD_BYTES:
                    raise WarcError(f"{record.rel}:{record.offset}: payload larger than "
                                    f"{MAX_PAYLOAD_BYTES // 2**20} MB; not read",
                                    path=record.path)
                left = getattr(rec.raw_stream, "limit", 0)
                if left:  # what warcio left unread: a chunked body's trailer, or missing
                    left -= len(rec.raw_stream.read(left))
                if left:
                    raise WarcError(f"{record.rel}:{record.offset}: the record is truncated "
                                    f"({left} bytes missing)", path=record.path)
                ctype = (rec.http_headers.get_header("Content-Type")
                         if rec.http_headers is not None and rec.rec_type != "resource"
                         else rec.rec_headers.get_header("Content-Type"))
                return body, ctype
    except WarcError:
        raise
    except Exception as err:
        raise WarcError(f"{record.rel}:{record.offset}: cannot read the record "
                        f"({type(err).__name__}: {err})", path=record.path) from err
    raise WarcError(f"{record.rel}:{record.offset}: no record at this offset",
                    path=record.path)


def iter_warc_files(folder: Path) -> Iterator[Path]:
    """WARC files under ``folder``, sorted."""
    yield from sorted(p for p in folder.rglob("*")
                      if p.is_file() and p.name.lower().endswith(WARC_SUFFIXES))
