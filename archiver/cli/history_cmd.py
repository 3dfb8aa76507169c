"""``archiver history``: the stored checks and states of links."""

from __future__ import annotations

from pathlib import Path

import click

from archiver.cli.common import ExitCode, emit, finish
from archiver.cli.options import db_option, format_option, output_option
from archiver.errors import InputError
from archiver.history import History, default_db_path
from archiver.manifest import load_manifest
from archiver.models import Manifest
from archiver.report.links import HISTORY_FORMATS, format_link_history, format_links


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
              help="With a URL: show only its last N checks.")
@format_option(HISTORY_FORMATS)
@output_option
def command(target: str | None, manifest_path: Path | None, db: Path | None,
            limit: int | None, fmt: str, output: Path | None) -> None:
    """Show what the history database knows about links.

    Without a URL: one line per URL with its state (alive, failing with the
    count of counted failures, dead, unknown), its number of checks and the
    last class seen. With a URL (or, with --manifest, a source id): every
    check of that URL and every change of its state.

    The database is --db, or .archiver/history.sqlite3 in the folder of
    --manifest.

    \b
    Examples:
      archiver history --manifest manifests/calais-2014.toml
      archiver history --manifest manifests/calais-2014.toml lemonde-2014-09-03
      archiver history --db .archiver/history.sqlite3 https://example.org/a
    """
    manifest = load_manifest(manifest_path) if manifest_path is not None else None
    if db is None:
        if manifest is None:
            raise click.UsageError("give --db FILE or --manifest FILE to find the database")
        db = default_db_path(manifest)
    with History(db, create=False) as history:
        if target is None:
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
