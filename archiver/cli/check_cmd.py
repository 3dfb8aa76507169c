"""``archiver check``: live link health, classified, polite, offline-aware, with history."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
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
    fail_on_option,
    format_option,
    no_progress_option,
    output_option,
    proxy_option,
    source_option,
)
from archiver.cli.tuning import CheckTuning, check_tuning_options
from archiver.clock import SYSTEM_CLOCK
from archiver.failon import Command, FailOn
from archiver.manifest import (
    JSONL_SUFFIXES,
    ManifestReader,
    load_manifest,
    select_sources,
)
from archiver.models import CheckRun, Manifest, Source
from archiver.pipeline import check_manifest
from archiver.report.links import CHECK_FORMATS, format_check_run, summary_line
from archiver.report.serialize import LinkTally, check_jsonl
from archiver.report.stream import STREAMED_FORMATS, CheckLinesSpool


@click.command("check")
@click.argument("inputs", nargs=-1, required=True, metavar="MANIFEST.toml | PATH...")
@source_option
@click.option("--include-verbatim", is_flag=True, default=False,
              help="Documents: also check links in code blocks, code spans, <pre>, <code>, "
              "<script> and literal blocks (skipped by default, as lychee does).")
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
@click.option("--cluster", metavar="ADDRESS", default=None,
              help="Make the checks on the workers of a Dask cluster (its scheduler's "
              "address, e.g. tcp://10.0.0.5:8786); needs "
              "pip install 'archiver-provenance[cluster]'.")
def command(inputs: tuple[str, ...], source_ids: tuple[str, ...], include_verbatim: bool,
            fmt: str, output: Path | None, fail_on: FailOn,
            db: Path | None, no_history: bool, check_tuning: CheckTuning,
            allow_private: bool, proxy: str | None, no_progress: bool,
            cluster: str | None) -> None:
    """Check that every source URL of MANIFEST (or every link in documents) still answers.

    One GET per URL (body capped, redirects followed by hand and recorded,
    total deadline), classified: ok, redirected, gone, soft404, blocked,
    paywalled, transient, tls_error, invalid. Only transient failures are
    retried; 429 and Retry-After slow the whole host down.

    Documents instead of a manifest: give Markdown, HTML, reStructuredText,
    text files, URL lists (.urls), CSV tables with a url column, folders
    (walked recursively, skipping hidden files and what .gitignore ignores),
    globs ('docs/**/*.md') or '-' for stdin. Their http(s) links are checked
    (each URL once, links in code skipped unless --include-verbatim) and every
    result names the file:line where the link is written. The history database
    is then .archiver/history.sqlite3 in the current folder. An argument
    ending in .toml (or .jsonl, a JSON Lines manifest) is a manifest and must be
    the only one.

    With --format jsonl or csv a manifest is read as the checks run: the first
    requests leave once its first sources are read, and a manifest found invalid
    part-way stops the run (exit 3) with nothing written or recorded.

    Every check is stored in the history database. A link is dead after 3
    failing checks (gone, soft404, tls_error) at least 3 days apart; any ok
    check resets it; blocked, paywalled and transient checks count neither way.

    \b
    Exit codes:
      0  no result matches --fail-on
      1  some result matches --fail-on (default: gone or soft404 now, or dead by history)
      3  invalid manifest, a missing document or folder, unusable database or output file
      4  inconclusive: the canary failed or most hosts were unreachable
         (this machine looks offline); no history was advanced

    \b
    Examples:
      archiver check manifests/calais-2014.toml --format markdown -o summary.md
      archiver check README.md docs/ --format junit -o links.xml
    """
    locations: dict[str, tuple[str, ...]] = {}
    notes: tuple[str, ...] = ()
    manifest = _manifest_path(inputs)
    streamed = fmt in STREAMED_FORMATS and not cluster
    # A manifest checked whole and written as it goes is read as the checks run: the
    # first requests leave once its first sources are read (ManifestReader).
    loaded: Manifest | _Begun
    if manifest is not None and streamed and not source_ids:
        loaded = _Begun(ManifestReader(manifest, keep=False))
    elif manifest is not None:
        loaded = select_sources(load_manifest(manifest), source_ids)
    else:
        if source_ids:
            raise click.UsageError("--source picks sources of a manifest; with documents, "
                                   "name the files or folders to check instead")
        loaded, locations, notes = _from_documents(inputs, include_verbatim)
    options = check_tuning.check_options(allow_private=allow_private, proxy=proxy)
    history = None
    if not no_history:  # the database (sqlite3) is loaded only when it is used
        from archiver.history import History, default_db_path

        history = History(db or default_db_path(loaded if isinstance(loaded, Manifest)
                                                else loaded.path),
                          policy=check_tuning.history_policy())
    bar = progress_callback(no_progress)
    # JSON Lines and CSV are written as the checks end (to a spool, put back in
    # manifest order at the end): a run's results are never held together.
    spool = (CheckLinesSpool(len(loaded.sources) if isinstance(loaded, Manifest) else 0,
                             fail_on, locations if manifest is None else None, fmt=fmt)
             if streamed else None)
    try:
        try:
            if cluster:
                from archiver.cluster import check_on_cluster
                assert isinstance(loaded, Manifest)
                run = check_on_cluster(cluster, loaded, options, bar, history=history)
            else:
                run = check_manifest(loaded, options, bar, history=history, sink=spool)
        finally:
            bar.close()
            if history is not None:
                history.close()
        if manifest is None:
            run = _located(run, locations, notes)
        if spool is not None:
            emit(spool.lines(run), output)
            tally = spool.tally
        else:
            tally = LinkTally.of(run.results, fail_on)
            if fmt == "jsonl":  # line by line: a 100,000-link document is never built whole
                emit(check_jsonl(run, fail_on), output)
            else:
                with tables_for(output):
                    text = format_check_run(run, fmt, fail_on)
                emit(text, output)
    finally:
        if spool is not None:
            spool.close()
    if fmt != "table" or output is not None:
        warn(summary_line(run, tally))
    if run.inconclusive:
        stop_inconclusive(run.inconclusive_reason,
                          "check this machine's network (or the --canary URL) and run again; "
                          "no link's history was advanced")
    failed = len(tally.failed or ())
    if failed:
        warn(f"{failed} of {tally.links} links match --fail-on {fail_on}")
    finish(ExitCode.FINDINGS if failed else ExitCode.OK)


class _Begun:
    """A :class:`ManifestReader` whose head and first batch are read already, so a file
    that is not a manifest (or whose first sources are wrong) is refused before the
    history database is opened or created; the rest is read as the checks run."""

    def __init__(self, reader: ManifestReader) -> None:
        self.path = reader.path
        self._reader = reader
        self._rest = reader.batches()
        self._first = next(self._rest, None)

    def batches(self) -> Iterator[list[Source]]:
        if self._first is not None:
            first, self._first = self._first, None
            yield first
        yield from self._rest

    def head(self) -> Manifest:
        return self._reader.head()


def _manifest_path(inputs: Sequence[str]) -> Path | None:
    """The manifest to check, or None when ``inputs`` are documents.

    The rule: an argument ending in ``.toml`` (or ``.jsonl``/``.ndjson``, a JSON
    Lines manifest) is a manifest; it must then be the only argument (a manifest
    and documents together are ambiguous).
    """
    manifests = [i for i in inputs if i.lower().endswith((".toml", *JSONL_SUFFIXES))]
    if not manifests:
        return None
    if len(inputs) > 1:
        raise click.UsageError(
            f"check takes one manifest (.toml) or documents and folders, not both: got "
            f"{', '.join(inputs[:4])}{' ...' if len(inputs) > 4 else ''}. Run one check per "
            "manifest, and one for the documents")
    return Path(manifests[0])


def _from_documents(inputs: Sequence[str], include_verbatim: bool,
                    ) -> tuple[Manifest, dict[str, tuple[str, ...]], tuple[str, ...]]:
    # the document readers (Markdown, HTML, ...) load only for a check of documents
    from archiver.inputs import InputStats, links_in_paths
    from archiver.inputs.sources import document_sources

    stats = InputStats()
    found = document_sources(links_in_paths(inputs, include_verbatim=include_verbatim,
                                            stats=stats),
                             today=SYSTEM_CLOCK.now().date())
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(stats.kinds.items()))
    read = (f"read {stats.files} file{'s' if stats.files != 1 else ''}"
            f"{f' ({kinds})' if kinds else ''}: {found.occurrences} http(s) links, "
            f"{len(found.manifest.sources)} distinct URLs")
    skipped = ", ".join(f"{n} {reason}" for reason, n in sorted(stats.skipped_links.items()))
    notes = [read + (f"; not checked: {skipped}" if skipped else "")]
    notes += [f"skipped {path}: {why}" for path, why in stats.skipped_files]
    for note in notes:
        warn(note)
    if stats.files == 0:
        warn("  hint: a folder is searched for .md, .html, .rst and .txt files; name other "
             "files directly")
    return found.manifest, found.locations, tuple(notes)


def _located(run: CheckRun, locations: dict[str, tuple[str, ...]],
             notes: tuple[str, ...]) -> CheckRun:
    """``run`` with each result's file:line locations and the reading notes."""
    results = tuple(dataclasses.replace(r, locations=locations.get(r.source_id, ()))
                    for r in run.results)
    return dataclasses.replace(run, results=results, notes=(*notes, *run.notes))
