"""``archiver verify``: are the quoted passages in the archived pages?"""

from __future__ import annotations

from pathlib import Path

import click

from archiver.cli.common import (
    ExitCode,
    emit,
    finish,
    progress_callback,
    tables_for,
    warn,
)
from archiver.cli.options import (
    allow_private_option,
    fail_on_option,
    format_option,
    no_progress_option,
    output_option,
    proxy_option,
    source_option,
    warcs_option,
)
from archiver.failon import Command, FailOn
from archiver.manifest import load_manifest, select_sources
from archiver.report.quotes import FORMATS, render
from archiver.store import default_warcs_dir
from archiver.verify import verify_manifest


@click.command("verify")
@click.argument("manifest", type=click.Path(path_type=Path, dir_okay=False))
@source_option
@warcs_option
@click.option("--live", is_flag=True, default=False,
              help="Also fetch each live page and report quotes that are in the archived "
              "copy but gone from the live one (content drift).")
@click.option("--captures", type=click.Choice(["chosen", "all"]), default="chosen",
              show_default=True,
              help="Which stored captures of each URL to search: the one fetch chose, "
              "then the others for a quote not found there (chosen); or every capture for "
              "every quote (all). A quote searched in several gets a timeline: first and "
              "last capture holding it, and the capture it was removed by.")
@format_option(FORMATS)
@output_option
@fail_on_option(Command.VERIFY)
@allow_private_option
@proxy_option
@no_progress_option
def command(manifest: Path, source_ids: tuple[str, ...], warcs: Path | None, live: bool,
            captures: str, fmt: str, output: Path | None,
            fail_on: FailOn, allow_private: bool, proxy: str | None, no_progress: bool) -> None:
    """Check that every quoted passage is in the archived text of its source.

    Each source's capture is looked up in the WARC folder (the one `fetch`
    chose, else any capture of the URL); each quote is matched exactly, then
    normalized, then on letters and digits only (lost spaces, hyphenation),
    then across [...] ellipses, then fuzzily for quotes of 25+ letters.

    \b
    Statuses: verified, verified_typo, altered (a word or number differs),
    missing (flagged "probable translation" when the languages differ),
    unverifiable (no capture). Exits 1 when a result matches --fail-on.

    \b
    Example:
      archiver verify manifests/calais-2014.toml --warcs warcs/ --format markdown
    """
    loaded = select_sources(load_manifest(manifest), source_ids)
    folder = warcs if warcs is not None else default_warcs_dir(loaded)
    bar = progress_callback(no_progress)

    def note(text: str) -> None:
        bar.close()
        warn(f"warning: {text}")

    try:
        run = verify_manifest(loaded, folder, live=live, allow_private=allow_private,
                             proxy=proxy, progress=bar, on_note=note, captures=captures)
    finally:
        bar.close()
    with tables_for(output):
        text = render(run, fmt, fail_on)
    emit(text, output)
    failed = sum(1 for r in run.results if fail_on.matches_quote(r))
    finish(ExitCode.FINDINGS if failed else ExitCode.OK)
