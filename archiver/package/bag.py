"""A BagIt bag (RFC 8493) of a manifest's captures, reports and history, for deposit.

Made with the Library of Congress's ``bagit`` library (``bagit.make_bag``):
SHA-256 and SHA-512 payload and tag manifests (RFC 8493 section 2.4: tools must
support both), ``bag-info.txt`` with ``Payload-Oxum``. The payload::

    data/manifest/<manifest>.toml       the manifest, as written
    data/warcs/<name>.warc.gz           the WARC files of the packaged captures
    data/warcs/archiver-index.jsonl     their ledger lines: data/warcs is a WARC
                                        folder archiver can read again (--warcs)
    data/report/report.{json,md,html}   the last ``archiver run`` report, if it
                                        is this manifest's
    data/history/history.json           the history export: this manifest's runs,
                                        and each link's checks and state changes

``bag-info.txt``: ``Source-Organization`` (``--organization``), ``External-Identifier``
(the manifest id), ``External-Description`` (its title and description),
``Bagging-Date``, ``Bag-Software-Agent`` (archiver's version and bagit's),
``Payload-Oxum``. Two bags of the same inputs differ only in ``Bagging-Date`` (and
so in the tag manifests).

The bag is built in a temporary folder beside the target, validated there with
``bagit.Bag.validate()`` (every digest recomputed), fsynced, then renamed into
place. ``bagit.make_bag`` changes the process's working folder while it runs
(and restores it): call :func:`write_bag` from one thread at a time.

bagit writes ``BagIt-Version: 0.97`` in ``bagit.txt``, the version it implements;
the layout is the one RFC 8493 (BagIt 1.0) standardised, and bagit validates both.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import secrets
import shutil
from datetime import datetime
from pathlib import Path

from archiver._version import __version__
from archiver.errors import InputError, StoreError
from archiver.models import FileRole, PackagedFile, PackageKind, PackageResult
from archiver.package.inputs import Inputs, Item
from archiver.package.target import check_bag_target, fsync_tree, install_folder

__all__ = ["CHECKSUMS", "PAYLOAD_FOLDERS", "write_bag"]

#: The manifests' algorithms: RFC 8493 section 2.4 requires tools to support both.
CHECKSUMS = ("sha256", "sha512")
#: The folder under ``data/`` of each role (see the module).
PAYLOAD_FOLDERS = {FileRole.MANIFEST: "manifest", FileRole.WARC: "warcs",
                   FileRole.LEDGER: "warcs", FileRole.REPORT: "report",
                   FileRole.HISTORY: "history"}


def _copy(item: Item, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / item.name, "xb") as out:
        for chunk in item.open():
            out.write(chunk)


def _items(inputs: Inputs) -> list[Item]:
    items = [inputs.manifest_file, *inputs.warcs]
    if inputs.ledger is not None:
        items.append(inputs.ledger)
    items.extend(inputs.reports)
    if inputs.history is not None:
        items.append(inputs.history)
    return items


def _bag_info(inputs: Inputs, created: datetime, organization: str | None) -> dict[str, str]:
    import bagit

    manifest = inputs.manifest
    description = manifest.title + (f". {manifest.description}" if manifest.description else "")
    info = {}
    if organization:
        info["Source-Organization"] = organization
    info.update({
        "External-Identifier": manifest.id,
        "External-Description": " ".join(description.split()),
        "Bagging-Date": created.date().isoformat(),
        "Bag-Software-Agent": f"archiver {__version__} (bagit.py {bagit.VERSION})",
    })
    return info


def _sha256(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _listing(bag: Path) -> list[PackagedFile]:
    roles = {folder: role for role, folder in PAYLOAD_FOLDERS.items()
             if role is not FileRole.LEDGER}  # warcs/ holds the ledger beside the WARCs
    files = []
    for path in sorted(p for p in bag.rglob("*") if p.is_file()):
        rel = path.relative_to(bag).as_posix()
        parts = rel.split("/")
        role = FileRole.METADATA  # bagit.txt, bag-info.txt, the manifests
        if parts[0] == "data" and len(parts) > 2:
            role = roles.get(parts[1], FileRole.METADATA)
            if role is FileRole.WARC and not rel.endswith((".warc.gz", ".warc")):
                role = FileRole.LEDGER
        size, sha = _sha256(path)
        files.append(PackagedFile(rel, role, size, sha))
    return files


def write_bag(inputs: Inputs, target: Path, *, created: datetime, force: bool = False,
              organization: str | None = None) -> PackageResult:
    """Write the bag of ``inputs`` in the folder ``target`` (see the module)."""
    import bagit

    check_bag_target(target, force)
    final = target.absolute()
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"cannot make the folder {final.parent}: {err.strerror}",
                         hint="give a path in a writable folder") from err
    build = final.parent / f".{final.name}.{secrets.token_hex(6)}.tmp"
    build.mkdir()
    try:
        for item in _items(inputs):
            _copy(item, build / PAYLOAD_FOLDERS[item.role])
        # bagit logs each step at INFO and a failure at ERROR; the failure is raised
        # to the caller here, so its log line would only say it twice.
        bagit_log = logging.getLogger("bagit")
        level = bagit_log.level
        bagit_log.setLevel(logging.CRITICAL)
        try:
            bagit.make_bag(str(build), _bag_info(inputs, created, organization),
                           processes=1, checksums=list(CHECKSUMS))
            bagit.Bag(str(build)).validate()
        except bagit.BagError as err:
            raise StoreError(f"the bag built for {target} is not valid: {err}",
                             hint="a file changed while it was packaged? run again") from err
        finally:
            bagit_log.setLevel(level)
        fsync_tree(build)
        install_folder(build, final)
    except BaseException:
        with contextlib.suppress(OSError):
            shutil.rmtree(build)
        raise
    files = _listing(final)
    return PackageResult(
        kind=PackageKind.BAGIT, path=target, manifest_id=inputs.manifest.id,
        created_at=created, sources=len(inputs.manifest.sources),
        packaged=tuple(p.source_id for p in inputs.pages), missing=inputs.missing,
        files=tuple(files), bytes=sum(f.bytes for f in files), notes=inputs.notes)
