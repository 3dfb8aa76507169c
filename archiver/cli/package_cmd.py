"""``archiver package``: a manifest's stored captures as a WACZ file and/or a BagIt bag."""

from __future__ import annotations

from pathlib import Path

import click

from archiver.cli.common import ExitCode, emit, finish, tables_for, warn
from archiver.cli.options import (
    db_option,
    format_option,
    output_option,
    source_option,
    warcs_option,
)
from archiver.manifest import load_manifest
from archiver.package import package_manifest
from archiver.report.packages import FORMATS, render, summary


@click.command("package")
@click.argument("manifest", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--wacz", "wacz", type=click.Path(path_type=Path, dir_okay=False),
              metavar="FILE", default=None,
              help="Write a WACZ file (Web Archive Collection Zipped 1.1.1) here: the WARCs, "
              "a CDXJ index, one page per source, the manifest. Opens in ReplayWeb.page.")
@click.option("--bagit", "bagit", type=click.Path(path_type=Path, file_okay=False),
              metavar="DIR", default=None,
              help="Write a BagIt bag (RFC 8493) in this new folder: the manifest, the "
              "WARCs and their ledger, the last report, the history export; SHA-256 and "
              "SHA-512 manifests.")
@click.option("--force", is_flag=True, default=False,
              help="Replace an existing WACZ file, or an existing bag (never a folder "
              "that is not a bag).")
@click.option("--organization", metavar="TEXT", default=None,
              help="The bag's Source-Organization (who made it).")
@click.option("--report", "report_dir", type=click.Path(path_type=Path, file_okay=False),
              default=None, metavar="DIR",
              help="Where the last `archiver run` report is. Default: report/ in the "
              "manifest's project folder.")
@source_option
@warcs_option
@db_option
@format_option(FORMATS)
@output_option
def command(manifest: Path, wacz: Path | None, bagit: Path | None, force: bool,
            organization: str | None, report_dir: Path | None, source_ids: tuple[str, ...],
            warcs: Path | None, db: Path | None, fmt: str, output: Path | None) -> None:
    """Package the stored captures of a manifest's sources for replay and deposit.

    --wacz FILE writes one file that ReplayWeb.page and other Webrecorder tools
    open: the WARC files holding the sources' captures, a CDXJ index, a page
    list (one page per source with a stored capture: its URL, capture date and
    title), the manifest, and a datapackage.json with every file's SHA-256.

    --bagit DIR writes a BagIt bag, what institutional repositories ingest: the
    manifest, the WARC files and their ledger lines, the last report of
    `archiver run` (if it is this manifest's) and the history database's export
    of this manifest's runs and links, with SHA-256 and SHA-512 manifests.

    Packages are built beside their target and renamed into place when whole.
    Nothing is written in the WARC folder. The same inputs give the same
    package contents: only the creation date differs.

    \b
    Exit codes:
      0  the packages were written
      2  usage error (neither --wacz nor --bagit)
      3  invalid manifest, no stored capture for a WACZ, a target that exists
         (without --force), a WARC the ledger names missing or outside --warcs

    \b
    Example:
      archiver package manifests/calais-2014.toml --wacz calais-2014.wacz --bagit calais-2014-bag
    """
    if wacz is None and bagit is None:
        raise click.UsageError("give --wacz FILE, --bagit DIR or both")
    loaded = load_manifest(manifest)
    results = package_manifest(loaded, wacz=wacz, bagit=bagit, warcs_dir=warcs,
                               source_ids=source_ids, report_dir=report_dir, db=db,
                               force=force, organization=organization)
    for note in results[0].notes:
        warn(f"note: {note}")
    with tables_for(output):
        text = render(results, fmt)
    emit(text, output)
    if fmt != "table" or output is not None:
        for result in results:
            warn(summary(result))
    elif results[0].missing:
        warn(f"no stored capture for: {', '.join(results[0].missing)} "
             "(run `archiver fetch` to store them)")
    finish(ExitCode.OK)
