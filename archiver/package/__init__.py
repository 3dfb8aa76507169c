"""``package``: a manifest's stored captures as a WACZ (for replay) and a BagIt bag (for deposit).

Public API::

    from archiver.package import package_manifest

    results = package_manifest(manifest, wacz=Path("calais.wacz"), bagit=Path("calais-bag"))
    for r in results:                       # PackageResult: every file, size, SHA-256
        print(r.kind, r.path, r.bytes, len(r.files))

Modules: :mod:`.inputs` (what goes in, read-only), :mod:`.target` (refusing to
overwrite, temporary names, the final rename), :mod:`.wacz` (WACZ 1.1.1),
:mod:`.bag` (BagIt with the ``bagit`` library).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from archiver.errors import InputError
from archiver.models import Manifest, PackageResult
from archiver.package.bag import write_bag
from archiver.package.inputs import Inputs, gather, reading
from archiver.package.target import check_bag_target, check_file_target
from archiver.package.wacz import write_wacz
from archiver.store import default_warcs_dir

__all__ = ["Inputs", "gather", "package_manifest", "write_bag", "write_wacz"]


def package_manifest(manifest: Manifest, *, wacz: Path | None = None,
                     bagit: Path | None = None, warcs_dir: Path | None = None,
                     source_ids: tuple[str, ...] = (), report_dir: Path | None = None,
                     db: Path | None = None, force: bool = False,
                     organization: str | None = None,
                     now: datetime | None = None) -> tuple[PackageResult, ...]:
    """Write the WACZ file ``wacz`` and/or the bag ``bagit`` of ``manifest``.

    The sources ``source_ids`` (default: all) whose capture is stored in
    ``warcs_dir`` (default ``warcs/`` in the project folder) are packaged, with
    the manifest; the bag also holds the last report in ``report_dir`` (default
    ``report/``) and the history export of ``db`` (default
    ``.archiver/history.sqlite3``). An existing package is replaced only with
    ``force``. ``now`` (default: the current time) dates the packages.
    """
    if wacz is None and bagit is None:
        raise InputError("nothing to write: give a WACZ file, a bag folder or both",
                         hint="archiver package MANIFEST --wacz FILE --bagit DIR")
    if wacz is not None and bagit is not None and (
            wacz.absolute() == bagit.absolute()
            or wacz.absolute().is_relative_to(bagit.absolute())):
        raise InputError(f"the WACZ file {wacz} would be inside the bag {bagit}",
                         hint="write the WACZ file somewhere else")
    if wacz is not None:  # both targets judged before anything is read or written
        check_file_target(wacz, force)
    if bagit is not None:
        check_bag_target(bagit, force)
    created = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    folder = warcs_dir if warcs_dir is not None else default_warcs_dir(manifest)
    results = []
    with reading(folder):
        inputs = gather(manifest, warcs_dir=folder, source_ids=source_ids,
                        report_dir=report_dir, db=db)
        if wacz is not None:
            _not_an_input(wacz, inputs)
        if wacz is not None:
            results.append(write_wacz(inputs, wacz, created=created, force=force))
        if bagit is not None:
            results.append(write_bag(inputs, bagit, created=created, force=force,
                                     organization=organization))
    return tuple(results)


def _not_an_input(target: Path, inputs: Inputs) -> None:
    """Refuse to write a WACZ over a file it is made of (``--force`` or not)."""
    items = [inputs.manifest_file, *inputs.warcs, *inputs.reports]
    real = os.path.realpath(target)
    for item in items:
        if item.path is not None and os.path.realpath(item.path) == real:
            raise InputError(f"{target} is one of the files to package ({item.role.value})",
                             hint="write the WACZ file somewhere else")
