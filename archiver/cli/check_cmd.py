"""``archiver check``: live link health, classified, polite, offline-aware, with history."""

from __future__ import annotations

from pathlib import Path

import click

from archiver.cli.common import (
    ExitCode,
    emit,
    finish,
    progress_callback,
    short_urls,
    tables_for,
    warn,
)
from archiver.cli.options import (
    allow_private_option,
    db_option,
    fail_on_option,
    format_option,
    no_progress_option,
    output_option,
    proxy_option,
    source_option,
)
from archiver.cli.tuning import CheckTuning, check_tuning_options
from archiver.failon import Command, FailOn
from archiver.history import (
    History,
    default_db_path,
)
from archiver.manifest import load_manifest, select_sources
from archiver.pipeline import check_manifest
from archiver.report.links import CHECK_FORMATS, format_check_run, summary_line
from archiver.report.serialize import check_jsonl


@click.command("check")
@click.argument("manifest", type=click.Path(path_type=Path, dir_okay=False))
@source_option
@format_option(CHECK_FORMATS)
@output_option
@fail_on_option(Command.CHECK)
@db_option
@click.option("--no-history", is_flag=True, default=False,
              help="Neither read nor write the history database (every state is 'unknown').")
@check_tuning_options
@allow_private_option
@proxy_option
@no_progress_option
def command(manifest: Path, source_ids: tuple[str, ...], fmt: str, output: Path | None,
            fail_on: FailOn,
            db: Path | None, no_history: bool, check_tuning: CheckTuning,
            allow_private: bool, proxy: str | None, no_progress: bool) -> None:
    """Check that every source URL of MANIFEST still answers, and keep a history.

    One GET per URL (body capped, redirects followed by hand and recorded,
    total deadline), classified: ok, redirected, gone, soft404, blocked,
    paywalled, transient, tls_error, invalid. Only transient failures are
    retried; 429 and Retry-After slow the whole host down.

    Every check is stored in the history database. A link is dead after 3
    failing checks (gone, soft404, tls_error) at least 3 days apart; any ok
    check resets it; blocked, paywalled and transient checks count neither way.

    \b
    Exit codes:
      0  no result matches --fail-on
      1  some result matches --fail-on (default: gone or soft404 now, or dead by history)
      3  invalid manifest, unusable database or output file
      4  inconclusive: the canary failed or most hosts were unreachable
         (this machine looks offline); no history was advanced

    \b
    Example:
      archiver check manifests/calais-2014.toml --format markdown -o summary.md
    """
    loaded = select_sources(load_manifest(manifest), source_ids)
    options = check_tuning.check_options(allow_private=allow_private, proxy=proxy)
    history = None if no_history else History(db or default_db_path(loaded),
                                               policy=check_tuning.history_policy())
    bar = progress_callback(no_progress)
    try:
        run = check_manifest(loaded, options, bar, history=history)
    finally:
        bar.close()
        if history is not None:
            history.close()
    if fmt == "jsonl":  # line by line: a 100,000-link document is never built whole
        emit(check_jsonl(run, fail_on), output)
    else:
        with tables_for(output):
            text = format_check_run(run, fmt, fail_on)
        emit(text, output)
    if fmt != "table" or output is not None:
        warn(summary_line(run))
    if run.inconclusive:
        warn(f"inconclusive: {short_urls(run.inconclusive_reason or '')}\n"
             "  hint: check this machine's network (or the --canary URL) and run again; "
             "no link's history was advanced")
        finish(ExitCode.INCONCLUSIVE)
    failed = [r for r in run.results if fail_on.matches_link(r)]
    if failed:
        warn(f"{len(failed)} of {len(run.results)} links match --fail-on {fail_on}")
    finish(ExitCode.FINDINGS if failed else ExitCode.OK)
