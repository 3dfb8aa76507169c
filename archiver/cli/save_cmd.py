"""``archiver save``: ask the Internet Archive's Save Page Now 2 to capture sources now."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from archiver.cli.common import (
    ExitCode,
    emit,
    finish,
    progress_callback,
    stop_inconclusive,
    tables_for,
    warn,
)
from archiver.cli.options import (
    allow_private_option,
    db_option,
    format_option,
    no_progress_option,
    output_option,
    proxy_option,
    source_option,
    warcs_option,
)
from archiver.errors import ConfigError
from archiver.fetch.listing import IA_BASE, Archive
from archiver.fetch.save import SPN_API, SpnKeys, save_sources
from archiver.history import History, default_db_path
from archiver.manifest import load_manifest
from archiver.models import SaveOutcome
from archiver.report.saves import FORMATS, render, summary


@click.command("save")
@click.argument("manifest", type=click.Path(path_type=Path, dir_okay=False))
@source_option
@click.option("--all", "all_sources", is_flag=True, default=False,
              help="Ask for every selected source, even one that holds a stored capture "
              "(default: only sources without one).")
@click.option("--save-api", "save_api", metavar="URL", default=SPN_API, show_default=True,
              help="The Save Page Now 2 capture endpoint (another one, e.g. a test server; "
              "trusted even on loopback).")
@click.option("--archive", "archive", metavar="URL", default=IA_BASE, show_default=True,
              help="Where the new captures are played back from, into the WARC folder.")
@click.option("--if-not-archived-within", "within", metavar="SPAN", default=None,
              help="Ask Save Page Now to reuse a capture younger than SPAN (e.g. 1d, 3d 5h, "
              "120) instead of making a new one.")
@warcs_option
@db_option
@format_option(FORMATS)
@output_option
@allow_private_option
@proxy_option
@no_progress_option
def command(manifest: Path, source_ids: tuple[str, ...], all_sources: bool, save_api: str,
            archive: str, within: str | None, warcs: Path | None, db: Path | None, fmt: str,
            output: Path | None, allow_private: bool, proxy: str | None,
            no_progress: bool) -> None:
    """Ask the Internet Archive's Save Page Now to capture sources now, and store them.

    For each selected source without a stored capture (every one with --all),
    Save Page Now 2 is asked to capture the live page; its job is polled until
    it succeeds or fails; the new capture is then played back from the
    Wayback Machine into the WARC folder, as `archiver fetch` stores captures
    (selection rule save_page_now: evidence of today, not of the publication
    date). Every job is recorded in the history database (`archiver history
    --saves`); a capture made but not yet stored, or still running, is taken
    up again by the next run without a new request.

    The account's S3 keys (https://archive.org/account/s3.php) are read from
    the environment only: IA_ACCESS_KEY_ID and IA_SECRET_ACCESS_KEY, never
    from the command line.

    \b
    Exit codes:
      0  every selected source was captured and stored
      1  some source was not (its outcome says why and what to do)
      2  usage error
      3  no keys in the environment, keys refused, or invalid manifest
      4  inconclusive: rate-limited (HTTP 429) twice, an account limit, or the
         API unreachable; run again later
    \b
    Example:
      IA_ACCESS_KEY_ID=... IA_SECRET_ACCESS_KEY=... archiver save manifests/calais-2014.toml
    """
    loaded = load_manifest(manifest)
    keys = SpnKeys.from_env()  # before any request: exit 3 without them
    try:
        memento_archive = Archive.from_url(archive)
    except ValueError as err:
        raise ConfigError(f"--archive: {err}") from None
    bar = progress_callback(no_progress)
    with History(db or default_db_path(loaded)) as history:
        try:
            run = save_sources(loaded, keys=keys, source_ids=source_ids,
                               all_sources=all_sources, api=save_api,
                               archive=memento_archive, warcs_dir=warcs, history=history,
                               if_not_archived_within=within, allow_private=allow_private,
                               proxy=proxy, progress=bar)
        finally:
            bar.close()
    for note in run.notes:
        warn(f"note: {note}")
    with tables_for(output):
        text = render(run, fmt)
    emit(text, output)
    if fmt != "table" or output is not None:
        warn(summary(dataclasses.replace(run, inconclusive=False)))
    if run.inconclusive:
        stop_inconclusive(run.inconclusive_reason,
                          "run the same command again later; captures made are kept and the "
                          "run resumes where it stopped")
    failed = [r for r in run.results if r.outcome is not SaveOutcome.SAVED]
    if failed:
        warn(f"{len(failed)} of {len(run.results)} sources were not saved")
        finish(ExitCode.FINDINGS)
    finish(ExitCode.OK)
