"""``archiver history``: the stored checks and states of links, and the stored runs."""

from __future__ import annotations

from pathlib import Path

import click

from archiver.cli.common import (
    ExitCode,
    emit,
    finish,
    tables_for,
)
from archiver.cli.options import db_option, format_option, output_option
from archiver.errors import InputError
from archiver.history import History, RunRecord, default_db_path
from archiver.manifest import load_manifest
from archiver.models import Change, Manifest
from archiver.report.fixity import format_events
from archiver.report.links import HISTORY_FORMATS, format_link_history, format_links
from archiver.report.run import format_run_changes, format_run_list
from archiver.report.saves import format_saves


def _resolve(target: str, manifest: Manifest | None) -> str:
    """A URL as given, or the URL of a manifest source id."""
    if "://" in target or manifest is None:
        return target
    try:
        return manifest.source(target).url
    except KeyError:
        raise InputError(f"{target!r} is neither a URL nor a source id of manifest "
                         f"{manifest.id!r}",
                         hint="give the URL as the manifest lists it, or a source id") from None


@click.command("history")
@click.argument("target", required=False, metavar="[URL|SOURCE_ID]")
@click.option("--manifest", "-m", "manifest_path", default=None,
              type=click.Path(path_type=Path, dir_okay=False),
              help="Show this manifest's links only; its folder holds the default database.")
@db_option
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="With a URL: show only its last N checks. With --runs: the last N runs.")
@click.option("--runs", "list_runs", is_flag=True, default=False,
              help="List the stored runs (of `check` and `run`), each `run` with what "
              "changed since the run it is compared with.")
@click.option("--run", "run_id", type=click.IntRange(min=1), default=None, metavar="ID",
              help="Show what changed in run ID since the previous complete run of its "
              "manifest.")
@click.option("--saves", "list_saves", is_flag=True, default=False,
              help="List the Save Page Now jobs `archiver save` made (of URL, of --manifest), "
              "newest first.")
@click.option("--fixity", "list_fixity", is_flag=True, default=False,
              help="List the fixity checks `archiver fixity` recorded, one per WARC file, "
              "newest first.")
@format_option(HISTORY_FORMATS)
@output_option
def command(target: str | None, manifest_path: Path | None, db: Path | None,
            limit: int | None, list_runs: bool, run_id: int | None, list_saves: bool,
            list_fixity: bool, fmt: str, output: Path | None) -> None:
    """Show what the history database knows about links.

    Without a URL: one line per URL with its state (alive, failing with the
    count of counted failures, dead, unknown), its number of checks and the
    last class seen. With a URL (or, with --manifest, a source id): every
    check of that URL and every change of its state.

    With --saves: the Save Page Now jobs (of the URL or source id given, of
    --manifest). With --fixity: the fixity checks, one per WARC file.

    With --runs: one line per stored run (of `check` and `run`; with
    --manifest, of that manifest), and for each `archiver run` the run it is
    compared with and its changes. With --run ID: those changes in full.

    The database is --db, or .archiver/history.sqlite3 in the project folder
    of --manifest (beside its warcs/).

    \b
    Examples:
      archiver history --manifest manifests/calais-2014.toml
      archiver history --manifest manifests/calais-2014.toml lemonde-2014-09-03
      archiver history --db .archiver/history.sqlite3 https://example.org/a
      archiver history --manifest manifests/calais-2014.toml --runs --limit 10
      archiver history --manifest manifests/calais-2014.toml --fixity
    """
    manifest = load_manifest(manifest_path) if manifest_path is not None else None
    if db is None:
        if manifest is None:
            raise click.UsageError("give --db FILE or --manifest FILE to find the database")
        db = default_db_path(manifest)
    if (list_runs or run_id is not None) and target is not None:
        raise click.UsageError("give a URL, --runs or --run, not several")
    if list_runs and run_id is not None:
        raise click.UsageError("give --runs or --run ID, not both")
    if sum((list_runs or run_id is not None, list_saves, list_fixity)) > 1:
        raise click.UsageError("give one of --runs, --run, --saves and --fixity")
    if list_fixity and target is not None:
        raise click.UsageError("--fixity lists every WARC file's checks; give no URL")
    with History(db, create=False) as history, tables_for(output):
        if list_saves:
            url = _resolve(target, manifest) if target is not None else None
            text = format_saves(history.saves(
                url=url, manifest_id=manifest.id if manifest is not None else None,
                limit=limit), fmt)
        elif list_fixity:
            text = format_events(history.fixity_events(limit=limit), fmt)
        elif list_runs:
            runs = history.runs(manifest.id if manifest is not None else None, limit=limit)
            text = format_run_list([_with_changes(history, r) for r in runs], fmt)
        elif run_id is not None:
            stored = history.run(run_id)
            if stored is None:
                raise InputError(f"no run {run_id} in the history database {db}",
                                 hint="`archiver history --runs` lists the stored runs")
            baseline, changes = history.changes(run_id)
            text = format_run_changes(stored, baseline, changes, fmt)
        elif target is None:
            urls = [s.url for s in manifest.sources] if manifest is not None else None
            text = format_links(history.links(urls), fmt)
        else:
            url = _resolve(target, manifest)
            record = history.link(url)
            if record is None:
                raise InputError(f"{url} has never been checked (database {db})",
                                 hint="run `archiver check` on a manifest that lists it; "
                                 "`archiver history` without a URL lists every known URL")
            text = format_link_history(record, history.checks(url, limit),
                                       history.transitions(url), fmt)
    emit(text, output)
    finish(ExitCode.OK)


def _with_changes(history: History, run: RunRecord) -> tuple[RunRecord, int | None,
                                                              tuple[Change, ...]]:
    baseline, changes = history.changes(run.id)
    return run, baseline.id if baseline is not None else None, changes
