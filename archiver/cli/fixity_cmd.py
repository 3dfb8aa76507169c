"""``archiver fixity``: check that the stored WARC files are unchanged, and record it."""

from __future__ import annotations

from pathlib import Path

import click

from archiver.cli.common import ExitCode, emit, finish, progress_callback, warn
from archiver.cli.options import db_option, format_option, no_progress_option, output_option
from archiver.errors import InputError
from archiver.history import DEFAULT_DB_NAME, History, default_db_path
from archiver.manifest import load_manifest
from archiver.report.fixity import FORMATS, render, summary
from archiver.store import default_warcs_dir
from archiver.store.fixity import check_folder


@click.command("fixity")
@click.argument("manifest", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--warcs", "warcs", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="The WARC folder to check. Default: warcs/ in the "
              "manifest's project folder.")
@db_option
@click.option("--no-record", is_flag=True, default=False,
              help="Do not record the check in the history database.")
@format_option(FORMATS)
@output_option
@no_progress_option
def command(manifest: Path | None, warcs: Path | None, db: Path | None, no_record: bool,
            fmt: str, output: Path | None, no_progress: bool) -> None:
    """Check that every stored WARC file is unchanged (fixity), and record the check.

    Every record of every WARC file is read again: its WARC-Block-Digest and
    WARC-Payload-Digest are recomputed and compared with its headers, each
    gzip member's CRC is checked, the ledger (archiver-index.jsonl) is
    compared with the files, and each file's SHA-256 and size with its last
    clean check. One fixity event per file is recorded in the history
    database (`archiver history --fixity` shows them).

    Give a MANIFEST (its warcs/ and history database), or --warcs DIR (the
    database is then .archiver/history.sqlite3 beside DIR, or --db).

    \b
    Exit codes:
      0  every file is intact
      1  a digest, the ledger or an earlier check disagrees, or a file is
         truncated or unreadable: each problem names the file, the offset
         and the WARC-Record-ID
      2  usage error
      3  no such WARC folder, or an unusable database
    \b
    Examples:
      archiver fixity manifests/calais-2014.toml
      archiver fixity --warcs /srv/archive/warcs --format json -o fixity.json
    """
    loaded = load_manifest(manifest) if manifest is not None else None
    if warcs is not None:
        folder = warcs
    elif loaded is not None:
        folder = default_warcs_dir(loaded)
    else:
        raise click.UsageError("give a MANIFEST or --warcs DIR")
    if not folder.is_dir():
        raise InputError(f"no WARC folder at {folder}",
                         hint="give the folder with --warcs, or run `archiver fetch` first")
    if db is None:
        db = default_db_path(loaded) if loaded is not None else (
            folder.resolve().parent / DEFAULT_DB_NAME)
    key = str(folder.resolve())
    bar = progress_callback(no_progress)
    with History(db) as history:
        last_good = {rel: event.result
                     for rel, event in history.last_good_fixity(key).items()}
        try:
            run = check_folder(folder, last_good=last_good,
                               manifest_id=loaded.id if loaded is not None else None,
                               progress=bar)
        finally:
            bar.close()
        if not no_record:
            history.record_fixity(key, run.manifest_id, run.results)
    emit(render(run, fmt), output)
    if fmt != "table" or output is not None:
        warn(summary(run))
    failed = [r for r in run.results if r.outcome.is_failure]
    if failed:
        if fmt != "table" or output is not None:
            for result in failed:
                for problem in result.problems:
                    warn(f"fixity: {problem.detail}")
        warn(f"{len(failed)} of {len(run.results)} WARC files failed the fixity check")
        finish(ExitCode.FINDINGS)
    finish(ExitCode.OK)
