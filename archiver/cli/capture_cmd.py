"""``archiver capture``: store the live page of each source no archive holds, byte for byte."""

from __future__ import annotations

from pathlib import Path

import click

from archiver.cli.common import (
    end_capture_run,
    progress_callback,
)
from archiver.cli.options import (
    allow_private_option,
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
from archiver.fetch.capture import capture_sources
from archiver.manifest import load_manifest
from archiver.report.captures import FORMATS


@click.command("capture")
@click.argument("manifest", type=click.Path(path_type=Path, dir_okay=False))
@source_option
@click.option("--all", "all_sources", is_flag=True,
              help="Capture every source, also those with an archived capture stored.")
@click.option("--requisites", is_flag=True,
              help="Also capture the page's same-site images, stylesheets and scripts.")
@warcs_option
@format_option(FORMATS)
@output_option
@fail_on_option(Command.FETCH)
@allow_private_option
@proxy_option
@no_progress_option
@cluster_option("the captures")
def command(manifest: Path, source_ids: tuple[str, ...], all_sources: bool, requisites: bool,
            warcs: Path | None, fmt: str, output: Path | None, fail_on: FailOn,
            allow_private: bool, proxy: str | None, no_progress: bool,
            cluster: str | None) -> None:
    """Capture the live page of each source into WARC files, exactly as the site sends it.

    By default only the sources with no archived capture in the WARC folder
    (see `archiver fetch`) are captured; --all captures every source, and a
    source named with --source is captured whatever is stored. Each page is
    requested from the live site with the same address guard, deadlines, size
    cap, proxy and per-host politeness as every other request; redirects are
    followed and every hop recorded. The response is stored as received
    (status line, headers, gzip and chunked framing kept), with a request record
    and a metadata record saying why, when and by which archiver version.

    A live capture is evidence of the day it was made, never of the
    publication date: reports call it "live capture, DATE", and `verify` does
    not use it unless given --live-captures.

    With --cluster, Dask workers make the captures, each on whole hosts (so
    the per-host limits hold across the cluster), and write the WARC files
    (the folder must be shared); this machine enters them in the ledger.

    \b
    Exit codes:
      0  every selected source has a capture (or nothing matches --fail-on)
      1  some source matches --fail-on (default: no capture stored); a page
         that answered with an error (404, 500 ...) is stored as evidence of
         that answer, so it is not "no capture stored"
      2  usage error
      3  invalid manifest, or the WARC folder is unusable (or not shared by the workers)
      4  inconclusive: no selected page could be reached at all (DNS, refused
         connections, timeouts, the proxy), or (--cluster) some sources could not
         be captured on the cluster; run again later

    \b
    Example:
      archiver capture manifests/calais-2014.toml --requisites
    """
    loaded = load_manifest(manifest)
    bar = progress_callback(no_progress)
    try:
        if cluster:
            from archiver.cluster import capture_on_cluster
            run = capture_on_cluster(cluster, loaded, warcs_dir=warcs, source_ids=source_ids,
                                     all_sources=all_sources, requisites=requisites,
                                     allow_private=allow_private, proxy=proxy, progress=bar)
        else:
            run = capture_sources(loaded, warcs_dir=warcs, source_ids=source_ids,
                                  all_sources=all_sources, requisites=requisites,
                                  allow_private=allow_private, proxy=proxy, progress=bar)
    finally:
        bar.close()
    end_capture_run(run, fmt, fail_on, output, command="capture",
                    hint="check the network (and --proxy, or the cluster's workers), then run "
                    "the same command again; captures already stored are kept")
