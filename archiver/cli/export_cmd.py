"""``archiver export``: a manifest's sources for reference managers (CSL-JSON, BibTeX)."""

from __future__ import annotations

from pathlib import Path

import click

from archiver.biblio.bibtex import write_entries
from archiver.biblio.csljson import QuoteState, dumps, text_quote_selector, write_items
from archiver.cli.common import ExitCode, emit, finish, warn
from archiver.cli.options import db_option, output_option, warcs_option
from archiver.history import KIND_PIPELINE, History, default_db_path
from archiver.manifest import load_manifest
from archiver.models import Manifest
from archiver.report.serialize import timestamp
from archiver.store import LEDGER_NAME, default_warcs_dir
from archiver.store.ledger import read_ledger


def replay_urls(manifest: Manifest, warcs: Path) -> dict[str, str]:
    """Per source id, the replay URL of the capture stored for it (the ledger's latest)."""
    entries, _bad = read_ledger(warcs / LEDGER_NAME)
    out: dict[str, str] = {}
    for src in manifest.sources:
        for entry in reversed(entries):
            if entry.matches_source(manifest.id, src):
                out[src.id] = entry.memento_url
                break
    return out


def quote_states(manifest: Manifest, db: Path, *, required: bool = False
                 ) -> tuple[dict[tuple[str, int], QuoteState], str | None]:
    """Each quote's status in the last ``archiver run`` of the manifest, if the database
    exists and holds one; a quote whose text changed since is left out. A missing
    database is an error when ``required`` (given with --db), else no status."""
    if not db.is_file() and not required:
        return {}, None
    with History(db, create=False) as history:
        runs = history.runs(manifest.id, kind=KIND_PIPELINE, limit=1)
    if not runs:
        return {}, None
    run = runs[0]
    texts = {(s.id, i): q.text for s in manifest.sources for i, q in enumerate(s.quotes)}
    checked_at = timestamp(run.finished_at)
    states = {
        (r.source_id, r.quote_index): QuoteState(r.status.value, checked_at,
                                                 text_quote_selector(r))
        for r in run.quotes if texts.get((r.source_id, r.quote_index)) == r.text
    }
    return states, f"run {run.id} of {checked_at}"


@click.command("export")
@click.argument("manifest", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["csl-json", "bibtex"]), required=True,
              help="csl-json (Zotero, Pandoc, citeproc) or bibtex (biblatex @online entries).")
@output_option
@warcs_option
@db_option
def command(manifest: Path, fmt: str, output: Path | None, warcs: Path | None,
            db: Path | None) -> None:
    """Write a manifest's sources for reference managers.

    Each source becomes a CSL-JSON item or a biblatex @online entry: URL,
    title, authors, publication and accessed dates, publisher, language, and
    the replay URL of the capture stored for it in the WARC folder (CSL
    archive_location; BibTeX note). CSL-JSON also carries each quote with its
    status in the last `archiver run` and a W3C TextQuoteSelector (exact,
    prefix, suffix) from the archived text, under custom.archiver.
    `archiver extract` reads an export back into the same manifest.

    \b
    Example:
      archiver export manifests/calais-2014.toml --format csl-json -o calais.json
      archiver export manifests/calais-2014.toml --format bibtex -o calais.bib
    """
    loaded = load_manifest(manifest)
    replay = replay_urls(loaded, warcs or default_warcs_dir(loaded))
    if fmt == "bibtex":
        emit(write_entries(loaded.sources, replay=replay), output)
        states: dict[tuple[str, int], QuoteState] = {}
        run = None
    else:
        states, run = quote_states(loaded, db or default_db_path(loaded),
                                   required=db is not None)
        emit(dumps(write_items(loaded.sources, replay=replay, states=states)), output)
    quotes = sum(len(s.quotes) for s in loaded.sources)
    warn(f"{manifest}: {len(loaded.sources)} sources exported as {fmt}, "
         f"{len(replay)} with a stored capture"
         + (f", {len(states)} of {quotes} quotes with their status from {run}" if run
            else "" if fmt == "bibtex" else ", no run in the history database"))
    finish(ExitCode.OK)
