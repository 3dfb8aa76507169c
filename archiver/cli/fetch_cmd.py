"""``archiver fetch``: store the web-archive capture nearest each source's publication."""

from __future__ import annotations

from pathlib import Path

import click

from archiver.cli.common import (
    end_capture_run,
    progress_callback,
)
from archiver.cli.fetch_tuning import FetchTuning, fetch_tuning_options
from archiver.cli.options import (
    allow_private_option,
    archive_option,
    captures_option,
    cluster_option,
    fail_on_option,
    format_option,
    no_progress_option,
    output_option,
    proxy_option,
    source_option,
    warcs_option,
)
from archiver.failon import Command, FailOn
from archiver.fetch import (
    MAX_CAPTURES_PER_SOURCE,
    CaptureScope,
    fetch_sources,
)
from archiver.manifest import load_manifest
from archiver.report.captures import FORMATS


@click.command("fetch")
@click.argument("manifest", type=click.Path(path_type=Path, dir_okay=False))
@source_option
@archive_option
@warcs_option
@format_option(FORMATS)
@output_option
@fail_on_option(Command.FETCH)
@fetch_tuning_options
@captures_option("Which captures of each source's URL to store: the one nearest "
                 "publication (the chosen one), and also the first and/or last listed, or "
                 f"all of them (at most {MAX_CAPTURES_PER_SOURCE} per source: the first, the "
                 "last and captures evenly spread between). The others come from the same "
                 "listing, one download each at the same rates: a CDX listing starts the day "
                 "before publication (at most 500 rows), a TimeMap lists every capture. "
                 "`verify` searches them when a quote is missing from the chosen one, and "
                 "dates when a quote was removed.")
@allow_private_option
@proxy_option
@no_progress_option
@cluster_option("the downloads")
def command(manifest: Path, source_ids: tuple[str, ...], archives: tuple[str, ...],
            warcs: Path | None, fmt: str, output: Path | None, fail_on: FailOn,
            fetch_tuning: FetchTuning, captures: frozenset[CaptureScope],
            allow_private: bool, proxy: str | None, no_progress: bool,
            cluster: str | None) -> None:
    """Store the web-archive capture nearest each source's publication in WARC files.

    For each source, the archives (default: the Internet Archive's Wayback
    Machine) are asked for their captures; the earliest 200 capture verify can
    read (HTML, plain text, PDF, JSON, XML feed) from the day before publication
    on is chosen, else an archived redirect (followed), else the closest capture
    before publication (flagged pre-publication). With --captures, other
    captures of the same URL are stored too. Only archives are contacted, never
    the live sites.

    Captures go into WARC files in --warcs, with a metadata record saying how
    each was chosen. Sources already stored are skipped without a download, so
    an interrupted run resumes where it stopped.

    With --cluster, a Dask worker makes the downloads and writes the WARC
    files (the folder must be shared); this machine enters them in the
    ledger. Politeness is per archive, so all sources go to one worker.

    \b
    Exit codes:
      0  every source has a capture (or nothing matches --fail-on)
      1  some source matches --fail-on (default: no capture stored)
      2  usage error
      3  invalid manifest, or the WARC folder is unusable
      4  inconclusive: rate-limited (HTTP 429) or no archive reachable; run again later

    \b
    Example:
      archiver fetch manifests/calais-2014.toml --format json -o captures.json
    """
    archive_list = fetch_tuning.archive_list(archives)
    loaded = load_manifest(manifest)
    bar = progress_callback(no_progress)
    try:
        if cluster:
            from archiver.cluster import fetch_on_cluster
            run = fetch_on_cluster(
                cluster, loaded, warcs_dir=warcs, archives=archive_list,
                source_ids=source_ids, listings_per_minute=fetch_tuning.list_rate,
                downloads_per_second=fetch_tuning.download_rate, allow_private=allow_private,
                operator=fetch_tuning.operator, progress=bar, proxy=proxy, captures=captures)
        else:
            run = fetch_sources(
                loaded, warcs_dir=warcs, archives=archive_list,
                source_ids=source_ids,
                listings_per_minute=fetch_tuning.list_rate,
                downloads_per_second=fetch_tuning.download_rate, allow_private=allow_private,
                operator=fetch_tuning.operator, progress=bar, proxy=proxy, captures=captures)
    finally:
        bar.close()
    end_capture_run(run, fmt, fail_on, output, command="fetch",
                    hint="run the same command again later; stored captures are kept and the "
                    "run resumes where it stopped")
