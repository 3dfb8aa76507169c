"""``archiver run``: check, fetch and verify a manifest, record the run, report what changed."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

import click

from archiver.cli.common import (
    ExitCode,
    check_output_file,
    check_output_folder,
    emit,
    finish,
    progress_callback,
    stop_inconclusive,
    tables_for,
    warn,
)
from archiver.cli.fetch_tuning import FetchTuning, fetch_tuning_options
from archiver.cli.options import (
    allow_private_option,
    archive_option,
    captures_option,
    db_option,
    fail_on_option,
    format_option,
    no_progress_option,
    output_option,
    proxy_option,
    source_option,
    warcs_option,
)
from archiver.cli.tuning import CheckTuning, check_tuning_options
from archiver.failon import Command, FailOn
from archiver.fetch import MAX_CAPTURES_PER_SOURCE, CaptureScope
from archiver.history import History, default_db_path
from archiver.manifest import load_manifest, select_sources
from archiver.models import Manifest, RunResult
from archiver.pipeline import (
    RunOptions,
    run_pipeline,
)
from archiver.report import default_report_dir
from archiver.report.run import (
    REPORT_FILES,
    RUN_FORMATS,
    format_robust_links,
    html_pieces,
    render,
    summary_line,
)
from archiver.report.run_junit import FORMAT as JUNIT
from archiver.report.run_junit import format_junit
from archiver.store.replay import DEFAULT_PORT, base_url

F = TypeVar("F", bound=Callable[..., Any])

#: How many findings are listed on stderr (all are in the report).
MAX_FINDINGS_SHOWN = 20


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (``kill``, a cancelled CI job, systemd) stops the run as Ctrl-C does."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@click.command("run")
@click.argument("manifest", type=click.Path(path_type=Path, dir_okay=False))
@source_option
@archive_option
@warcs_option
@db_option
@click.option("--report", "report_dir", type=click.Path(path_type=Path),
              default=None, metavar="DIR",
              help="Write report.json (everything), report.md (a GitHub job summary) and "
              "report.html (one self-contained page) into DIR. Default: report/ in the "
              "manifest's project folder, beside warcs/ and .archiver/.")
@click.option("--no-report", is_flag=True, default=False,
              help="Write no report files (the result still goes to standard output).")
@click.option("--replay-port", "replay_port", type=click.IntRange(1, 65535),
              default=DEFAULT_PORT, show_default=True, metavar="PORT",
              help="The port `archiver replay --port PORT` serves the WARC folder on: "
              "report.html's \"local copy\" links and the command it shows use it.")
@click.option("--robust-links", "robust_links", type=click.Path(path_type=Path),
              default=None, metavar="FILE",
              help="Write each source's link with its archived version (Robust Links "
              "data-originalurl, data-versionurl, data-versiondate) as HTML to FILE.")
@click.option("--live", is_flag=True, default=False,
              help="Also look for each quote on the live page and report quotes that are "
              "gone from it or changed there (content drift).")
@click.option("--capture", "capture", is_flag=True, default=False,
              help="After fetch, capture the live page of each source no archive holds "
              "into the WARC folder, as `archiver capture` does (named in the notes; "
              "never used by verify).")
@click.option("--requisites", "capture_requisites", is_flag=True, default=False,
              help="With --capture: also the pages' same-site images, stylesheets, scripts.")
@captures_option("Which captures of each source's URL fetch stores, as `archiver fetch "
                 "--captures`: the one nearest publication, and also the first and/or last "
                 f"listed, or all (at most {MAX_CAPTURES_PER_SOURCE} per source). With more "
                 "than nearest, verify searches every stored capture for every quote (as "
                 "`archiver verify --captures all`): a quote gets a timeline, dating its "
                 "removal.")
@fail_on_option(Command.RUN)
@format_option((*RUN_FORMATS, JUNIT))
@output_option
@check_tuning_options
@fetch_tuning_options
@allow_private_option
@proxy_option
@no_progress_option
@click.option("--cluster", metavar="ADDRESS", default=None,
              help="Make the link checks, the fetch and the live captures on the workers of "
              "a Dask cluster (its scheduler's address, e.g. tcp://10.0.0.5:8786; the WARC "
              "folder must be shared, at the same path on every worker); verify runs here. "
              "Needs pip install 'archiver-provenance[cluster]'.")
def command(manifest: Path, source_ids: tuple[str, ...], archives: tuple[str, ...],
            warcs: Path | None, db: Path | None,
            report_dir: Path | None, no_report: bool, replay_port: int,
            robust_links: Path | None, live: bool,
            capture: bool, capture_requisites: bool, captures: frozenset[CaptureScope],
            fail_on: FailOn, fmt: str, output: Path | None,
            check_tuning: CheckTuning, fetch_tuning: FetchTuning, allow_private: bool,
            proxy: str | None, no_progress: bool, cluster: str | None) -> None:
    """Check every link, store a capture for every source, verify every quote.

    The stages run in order over the whole manifest: check (live link
    health, as `archiver check`), fetch (the web-archive capture nearest
    publication, as `archiver fetch`; sources already stored are not fetched
    again; --captures stores others too) and verify (each quote in the archived text, as `archiver
    verify`; with --live also on the live page). The run is then recorded in
    the history database (--db) in one transaction and compared with the
    previous complete run of the manifest: links that died or came back,
    quotes that stopped verifying, new captures.

    An interrupted run (Ctrl-C, SIGTERM, kill) records nothing; captures it
    stored are kept, and running the same command again resumes.

    \b
    Exit codes:
      0  nothing matches --fail-on (default: a dead link, a missing or altered quote)
      1  some result matches --fail-on
      2  usage error
      3  invalid manifest, unusable WARC folder, database or output path
      4  inconclusive: offline, archive unreachable or rate-limited; the report
         is still written, marked inconclusive, and no link's history advanced
         when the check stage was the one offline
      130  interrupted (Ctrl-C or SIGTERM)

    \b
    Example:
      archiver run manifests/calais-2014.toml --report report/ --live
    """
    if capture_requisites and not capture:
        raise click.UsageError("--requisites goes with --capture")
    loaded = select_sources(load_manifest(manifest), source_ids)
    if no_report:
        report_dir = None
    elif report_dir is None:
        report_dir = default_report_dir(loaded)
    # Where the reports go is checked before any request: a run that could not
    # write them would be recorded, and its captures stored, for nothing.
    check_output_folder(report_dir, REPORT_FILES)
    check_output_file(robust_links)
    options = RunOptions(
        check=check_tuning.check_options(allow_private=allow_private, proxy=proxy),
        archives=tuple(fetch_tuning.archive_list(archives)), warcs_dir=warcs, live=live,
        listings_per_minute=fetch_tuning.list_rate,
        downloads_per_second=fetch_tuning.download_rate, operator=fetch_tuning.operator,
        source_ids=source_ids, capture=capture, capture_requisites=capture_requisites,
        captures=captures)
    policy = check_tuning.history_policy()
    bar = progress_callback(no_progress)
    try:
        with sigterm_as_interrupt(), History(db or default_db_path(loaded),
                                             policy=policy) as history:
            stages: dict[str, Any] = {}
            if cluster:
                from archiver.cluster import capture_on_cluster, check_on_cluster, fetch_on_cluster
                stages = {
                    "check_stage": partial(check_on_cluster, cluster),
                    "fetch_stage": partial(fetch_on_cluster, cluster, proxy=proxy),
                    "capture_stage": partial(capture_on_cluster, cluster,
                                             allow_private=allow_private, proxy=proxy),
                }
            result = run_pipeline(loaded, options, bar, history=history, **stages)
    except KeyboardInterrupt:
        bar.close()
        warn("interrupted: this run was not recorded in the history; captures already "
             "stored are kept\n  hint: run the same command again to resume")
        raise
    finally:
        bar.close()
    for note in result.notes:
        warn(f"note: {note}")
    if report_dir is not None:
        files: dict[str, Callable[[RunResult, Manifest], str | Iterable[str]]] = {
            **REPORT_FILES,
            # in pieces, written as they come: a large run's page is never one string
            "report.html": partial(html_pieces, replay_base=base_url(port=replay_port))}
        for name, formatter in files.items():
            emit(formatter(result, loaded), report_dir / name)
    if robust_links is not None:
        emit(format_robust_links(result, loaded), robust_links)
    with tables_for(output):
        text = (format_junit(result, loaded, fail_on) if fmt == JUNIT
                else render(result, loaded, fmt))
    emit(text, output)
    if fmt != "table" or output is not None:
        warn(summary_line(result))
    if report_dir is not None:
        warn(f"report: {', '.join(str(report_dir / n) for n in REPORT_FILES)}")
    if result.inconclusive:
        advanced = ("no link's history was advanced" if result.check_inconclusive
                    else "link checks were recorded")
        stop_inconclusive(result.inconclusive_reason,
                          "check the network and the archives, then run the same command "
                          f"again ({advanced}; stored captures are kept)")
    findings = fail_on.findings(result)
    if findings:
        for finding in findings[:MAX_FINDINGS_SHOWN]:
            warn(f"finding: {finding.source_id}: {finding.text}")
        if len(findings) > MAX_FINDINGS_SHOWN:
            warn(f"… and {len(findings) - MAX_FINDINGS_SHOWN} more (see the report)")
        warn(f"{len(findings)} finding(s) match --fail-on {fail_on}")
        finish(ExitCode.FINDINGS)
    finish(ExitCode.OK)
