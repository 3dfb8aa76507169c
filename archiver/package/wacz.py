"""A WACZ file (Web Archive Collection Zipped 1.1.1) of a manifest's stored captures.

Written to the specification, https://specs.webrecorder.net/wacz/1.1.1/
(webrecorder/specs ``wacz/1.1.1/index.md``), rather than with py-wacz's
``wacz create``: that command prints as it works, stamps every ZIP entry with
the time of writing and writes its output in place, where a package must be
the same bytes for the same inputs and appear whole or not at all. py-wacz's
``wacz validate`` is what the tests check the result with.

Layout (every entry dated 1980-01-01 00:00, the earliest a ZIP date can say,
in this order)::

    archive/<name>.warc.gz      the WARC files, STORED (never compressed again,
                                so a reader can seek into them: spec "Zip Compression")
    indexes/index.cdx           CDXJ of those files (pywb's format, from
                                cdxj-indexer, the indexer py-wacz uses), sorted
    pages/pages.jsonl           a header line, then one page per packaged source:
                                id, url, ts (RFC 3339), title (the manifest's)
    archiver/<manifest>.toml    the manifest itself: why these pages were collected
    datapackage.json            profile, wacz_version 1.1.1, title, description,
                                created, software, and every file above with its
                                sha256 and size (Frictionless Data Package)
    datapackage-digest.json     the sha256 of datapackage.json

The manifest is in the WACZ because it is the collection's context (titles,
publication dates, the quotes that were checked), which the spec asks a WACZ to
carry. The run reports and the history export are not: they are judgements
made at one time, not the archived pages, and go in the bag (:mod:`.bag`).
Extra files sit in their own folder because the spec reserves ``archive``,
``indexes`` and ``pages`` for its own.

Only ``created`` in ``datapackage.json`` (and so the digest file) changes
between two packages of the same inputs.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import zipfile
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from archiver._version import __version__
from archiver.durable import fsync_dir
from archiver.errors import InputError
from archiver.models import FileRole, PackagedFile, PackageKind, PackageResult
from archiver.package.inputs import Inputs, Item
from archiver.package.target import check_file_target, temporary_beside
from archiver.report import serialize

__all__ = ["WACZ_VERSION", "ZIP_DATE", "cdxj_index", "write_wacz"]

#: The version of the WACZ specification written (``wacz/latest`` is 1.1.1).
WACZ_VERSION = "1.1.1"
#: Every entry's date: the DOS epoch, the earliest a ZIP entry can hold, so the
#: same inputs give the same bytes.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
#: Entry permissions (rw-r--r--, a regular file) in the ZIP's Unix attributes.
_ENTRY_MODE = (0o100644 & 0xFFFF) << 16
#: The header line of pages.jsonl, as in the spec's example (wacz/1.1.1, "pages.jsonl").
PAGES_FORMAT = "json-pages-1.0"
INDEX_PATH = "indexes/index.cdx"
PAGES_PATH = "pages/pages.jsonl"
EXTRA_FOLDER = "archiver"


def cdxj_index(paths: Iterable[Path]) -> bytes:
    """The sorted CDXJ index of the WARC files ``paths`` (each named by its file name).

    cdxj-indexer is the indexer py-wacz and pywb use; the same options as
    ``wacz create``: request records joined to their responses (``post_append``),
    each record's digest (``recordDigest``), the referrer.
    """
    from cdxj_indexer.main import CDXJIndexer

    out = io.StringIO()
    indexer = CDXJIndexer(out, [str(p) for p in paths], sort=True, post_append=True,
                          digest_records=True, fields="referrer")
    indexer.process_all()
    return out.getvalue().encode("utf-8")


def _resource_name(path: str, taken: set[str]) -> str:
    """A Frictionless resource name for ``path``: lower-case letters, digits, ``-._``,
    unique in the package."""
    base = re.sub(r"[^a-z0-9._-]+", "-", path.rsplit("/", 1)[-1].lower()).strip("-") or "file"
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    taken.add(name)
    return name


class _Writer:
    """Entries into one ZIP, each with its SHA-256 and size noted as it is written."""

    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf
        self.files: list[PackagedFile] = []

    def add(self, path: str, role: FileRole, chunks: Iterable[bytes], *, size: int | None,
            compress: bool) -> str:
        info = zipfile.ZipInfo(path, date_time=ZIP_DATE)
        info.external_attr = _ENTRY_MODE
        info.create_system = 3  # Unix, whatever the platform, for the same bytes everywhere
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        if size is not None:
            info.file_size = size
        digest, count = hashlib.sha256(), 0
        with self.zf.open(info, "w", force_zip64=size is None or size > 0x7FFFFFFF) as fh:
            for chunk in chunks:
                fh.write(chunk)
                digest.update(chunk)
                count += len(chunk)
        self.files.append(PackagedFile(path, role, count, digest.hexdigest()))
        return digest.hexdigest()

    def add_item(self, folder: str, item: Item, *, compress: bool) -> None:
        size = item.path.stat().st_size if item.path is not None else len(item.data or b"")
        self.add(f"{folder}/{item.name}", item.role, item.open(), size=size, compress=compress)


def _json(data: Any) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _pages(inputs: Inputs) -> bytes:
    header = {"format": PAGES_FORMAT, "id": "pages", "title": inputs.manifest.title}
    lines = [header] + [{"id": p.source_id, "url": p.url, "ts": p.ts, "title": p.title}
                        for p in inputs.pages]
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode("utf-8")


def _datapackage(inputs: Inputs, files: list[PackagedFile], created: datetime) -> bytes:
    taken: set[str] = set()
    manifest = inputs.manifest
    description = manifest.description or f"The captures of the sources of {manifest.id}."
    package: dict[str, Any] = {
        "profile": "data-package",
        "wacz_version": WACZ_VERSION,
        "title": manifest.title,
        "description": description,
        "created": serialize.timestamp(created.replace(microsecond=0)),
        "software": f"archiver {__version__}",
    }
    if len(inputs.pages) == 1:  # the one page to open first
        package["mainPageUrl"] = inputs.pages[0].url
        package["mainPageDate"] = inputs.pages[0].ts
    package["resources"] = [{"name": _resource_name(f.path, taken), "path": f.path,
                             "hash": f"sha256:{f.sha256}", "bytes": f.bytes} for f in files]
    return _json(package)


def write_wacz(inputs: Inputs, target: Path, *, created: datetime,
               force: bool = False) -> PackageResult:
    """Write the WACZ of ``inputs`` at ``target`` (see the module)."""
    if not inputs.warcs:
        raise InputError(f"no stored capture to put in {target}: none of the "
                         f"{len(inputs.manifest.sources)} selected sources has one",
                         hint="run `archiver fetch` first (a WACZ must hold a WARC file)")
    check_file_target(target, force)
    final = Path(os.path.realpath(target))
    tmp = temporary_beside(final)
    try:
        with open(tmp, "xb") as fh:
            with zipfile.ZipFile(fh, "w", allowZip64=True) as zf:
                w = _Writer(zf)
                for item in inputs.warcs:
                    w.add_item("archive", item, compress=False)
                index = cdxj_index(item.path for item in inputs.warcs if item.path)
                w.add(INDEX_PATH, FileRole.INDEX, [index], size=len(index), compress=True)
                pages = _pages(inputs)
                w.add(PAGES_PATH, FileRole.PAGES, [pages], size=len(pages), compress=True)
                w.add_item(EXTRA_FOLDER, inputs.manifest_file, compress=True)
                listed = list(w.files)
                package = _datapackage(inputs, listed, created)
                sha = w.add("datapackage.json", FileRole.METADATA, [package],
                            size=len(package), compress=True)
                digest = _json({"path": "datapackage.json", "hash": f"sha256:{sha}"})
                w.add("datapackage-digest.json", FileRole.METADATA, [digest],
                      size=len(digest), compress=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_dir(final.parent)
    return PackageResult(
        kind=PackageKind.WACZ, path=target, manifest_id=inputs.manifest.id,
        created_at=created, sources=len(inputs.manifest.sources),
        packaged=tuple(p.source_id for p in inputs.pages), missing=inputs.missing,
        files=tuple(w.files), bytes=final.stat().st_size, notes=inputs.notes)
