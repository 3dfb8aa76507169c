"""The coordinator of ``fetch --cluster`` and ``capture --cluster``: submit, take, enter.

The coordinating process opens the WARC folder as a local run does (its lock,
the recovery of what a killed run left, the ledger), checks that every worker
sees the folder (a probe file each worker must read, and a file each must
write: :func:`archiver.cluster.stage.probe_folder`), then submits the
partitions. Workers write their files in the run's staging folder
(:mod:`archiver.store.staging`); as each partition's result comes back, this
process alone moves its files into the WARC folder and enters them in the
ledger (:func:`archiver.store.staging.enter_staged`).

Partitions: ``capture`` splits the sources by live host
(:func:`archiver.cluster.stage.partition_by_site`: whole hosts, as ``check
--cluster`` does, a ``www.`` host with its site as requisites are), so each
host is captured by one task at a time under the per-host limits. ``fetch``
keeps all sources in one partition
(:func:`archiver.cluster.stage.partition_by_archive`): politeness is per
archive, so a run gains no speed from a cluster, but the downloads and their
bandwidth leave the coordinating machine.

A worker killed mid-run: the scheduler gives its task to another worker (see
:mod:`archiver.cluster.run`), which starts the partition again. The dead
worker's files stay ``.partial`` in the staging folder and are removed with it
at the end of the run; only a result that comes back is entered, and only the
first one of each partition. A partition that fails on every try leaves its
sources not attempted and the run inconclusive (exit 4); what was entered is
kept, so running again resumes.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Collection, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from archiver._version import __version__
from archiver.clock import SYSTEM_CLOCK, Clock
from archiver.cluster.partition import Partition
from archiver.cluster.run import CONNECT_TIMEOUT, PARTITIONS_PER_THREAD, TASK_RETRIES, connect
from archiver.cluster.stage import (
    PROBE_NAME,
    CaptureSettings,
    FetchSettings,
    StagedResult,
    StageJob,
    partition_by_archive,
    partition_by_site,
    probe_folder,
    store_partition,
)
from archiver.errors import ConfigError, StoreError
from archiver.fetch.capture import LIVE_ARCHIVE, LIVE_RULE, WARCINFO_WHAT
from archiver.fetch.choose import CaptureScope, parse_captures
from archiver.fetch.listing import INTERNET_ARCHIVE, Archive
from archiver.fetch.run import manifest_sha256
from archiver.manifest import select_sources
from archiver.models import (
    CaptureOutcome,
    CaptureResult,
    FetchRun,
    Manifest,
    Progress,
    ProgressCallback,
)
from archiver.net import DEFAULT_USER_AGENT
from archiver.net.raw import CAPTURE_MAX_BYTES
from archiver.store import WarcInfo, WarcStore, default_warcs_dir
from archiver.store.staging import check_staged, clear_staging, enter_staged, new_staging

if TYPE_CHECKING:
    from distributed import Client

logger = logging.getLogger(__name__)

FETCH_STAGE = "fetch"
CAPTURE_STAGE = "capture"


def fetch_on_cluster(
    address: str,
    manifest: Manifest,
    *,
    warcs_dir: Path | None = None,
    archives: Sequence[Archive] = (INTERNET_ARCHIVE,),
    source_ids: Collection[str] | None = None,
    listings_per_minute: float | None = None,
    downloads_per_second: float | None = None,
    allow_private: bool = False,
    operator: str | None = None,
    progress: ProgressCallback | None = None,
    proxy: str | None = None,
    captures: Collection[CaptureScope] | str = (CaptureScope.NEAREST,),
    clock: Clock = SYSTEM_CLOCK,
    connect_timeout: float = CONNECT_TIMEOUT,
) -> FetchRun:
    """:func:`archiver.fetch.fetch_sources`, with the downloads made by a Dask worker.

    ``address`` is the scheduler's (``tcp://10.0.0.5:8786``); the other
    parameters are :func:`~archiver.fetch.fetch_sources`'s. ``warcs_dir`` must
    be the same path on every worker (a shared filesystem): a worker that
    cannot read and write there is a :class:`~archiver.errors.ConfigError`
    before any request. Returns what a local run of the same input returns;
    ``progress`` is called as the partition comes back.
    """
    scopes = (parse_captures(captures) if isinstance(captures, str)
              else frozenset({CaptureScope.NEAREST, *captures}))
    sources = select_sources(manifest, source_ids or ()).sources
    info = WarcInfo(manifest_id=manifest.id, manifest_sha256=manifest_sha256(manifest),
                    user_agent=DEFAULT_USER_AGENT, operator=operator)
    settings = FetchSettings(tuple(archives), listings_per_minute, downloads_per_second,
                             scopes, allow_private, proxy)
    return _on_cluster(address, FETCH_STAGE, replace(manifest, sources=sources),
                       warcs_dir, info, settings, progress, clock, connect_timeout,
                       tuple(a.base for a in archives))


def capture_on_cluster(
    address: str,
    manifest: Manifest,
    *,
    warcs_dir: Path | None = None,
    source_ids: Collection[str] | None = None,
    all_sources: bool = False,
    requisites: bool = False,
    allow_private: bool = False,
    proxy: str | None = None,
    operator: str | None = None,
    max_bytes: int = CAPTURE_MAX_BYTES,
    progress: ProgressCallback | None = None,
    clock: Clock = SYSTEM_CLOCK,
    partitions: int | None = None,
    connect_timeout: float = CONNECT_TIMEOUT,
) -> FetchRun:
    """:func:`archiver.fetch.capture.capture_sources`, with the captures made by
    Dask workers, each on whole live hosts.

    ``partitions``: how many partitions of whole hosts (default: one per worker
    thread of the cluster, at most one per host). The rest as for
    :func:`fetch_on_cluster` and :func:`~archiver.fetch.capture.capture_sources`.
    """
    named = tuple(dict.fromkeys(source_ids or ()))
    sources = select_sources(manifest, named).sources
    info = WarcInfo(manifest_id=manifest.id, manifest_sha256=manifest_sha256(manifest),
                    user_agent=DEFAULT_USER_AGENT, operator=operator, what=WARCINFO_WHAT)
    settings = CaptureSettings(named, all_sources, requisites, allow_private, proxy, max_bytes)
    return _on_cluster(address, CAPTURE_STAGE, replace(manifest, sources=sources), warcs_dir,
                       info, settings, progress, clock, connect_timeout, (LIVE_ARCHIVE,),
                       partitions)


def _on_cluster(address: str, stage: str, manifest: Manifest, warcs_dir: Path | None,
                info: WarcInfo, settings: FetchSettings | CaptureSettings,
                progress: ProgressCallback | None, clock: Clock, connect_timeout: float,
                archives: tuple[str, ...], partitions: int | None = None) -> FetchRun:
    started = clock.now()
    folder = (Path(warcs_dir) if warcs_dir is not None
              else default_warcs_dir(manifest)).absolute()
    pairs = [(s.id, s.url) for s in manifest.sources]
    store = WarcStore(folder, info=info, now=clock.now)
    store.open()  # the folder's lock, and the recovery of what a killed run left
    try:
        notes = [*store.notes, *clear_staging(folder)]
        staging = new_staging(folder, uuid.uuid4().hex)
        try:
            with connect(address, timeout=connect_timeout) as client:
                _probe(client, folder, staging)
                if stage == FETCH_STAGE:
                    parts = partition_by_archive(pairs)
                else:
                    threads = sum(client.nthreads().values())  # type: ignore[no-untyped-call]
                    parts = partition_by_site(pairs, partitions or
                                              PARTITIONS_PER_THREAD * threads)
                taken, failures = _collect(client, stage, manifest, parts, store, folder,
                                           staging, info, settings, progress)
        finally:
            clear_staging(folder)
    finally:
        store.close()
    results: list[CaptureResult | None] = [None] * len(pairs)
    reason: str | None = None
    for out in taken.values():
        part = next(p for p in parts if p.index == out.index)
        for (position, _, _), result in zip(part.items, out.run.results, strict=True):
            results[position] = result
        notes += out.run.notes
        if out.run.inconclusive and reason is None:
            reason = out.run.inconclusive_reason
    if failures:
        verb = "fetched" if stage == FETCH_STAGE else "captured"
        reason = (f"{len(failures)} of {len(parts)} partitions of the sources could not be "
                  f"{verb} on the cluster ({failures[0]})")
    final = [r if r is not None else _not_attempted(stage, manifest, i, reason)
             for i, r in enumerate(results)]
    return FetchRun(manifest_id=manifest.id, started_at=started, finished_at=clock.now(),
                    results=tuple(final), archives=archives, warcs_dir=folder,
                    inconclusive=reason is not None, inconclusive_reason=reason,
                    notes=tuple(dict.fromkeys(notes)))


def _not_attempted(stage: str, manifest: Manifest, position: int,
                   reason: str | None) -> CaptureResult:
    source = manifest.sources[position]
    detail = f"not attempted: the run stopped ({reason})"
    if stage == FETCH_STAGE:
        return CaptureResult(source_id=source.id, url=source.url,
                             outcome=CaptureOutcome.ARCHIVE_UNREACHABLE, detail=detail)
    return CaptureResult(source_id=source.id, url=source.url,
                         outcome=CaptureOutcome.LIVE_ERROR, detail=detail,
                         archives_tried=(LIVE_ARCHIVE,), rule=LIVE_RULE)


def _probe(client: Client, folder: Path, staging: Path) -> None:
    """Every worker reads the probe file written here and writes one of its own there."""
    token = secrets.token_hex(16)
    (staging / PROBE_NAME).write_text(token, encoding="utf-8")
    try:
        answers: dict[str, str | None] = client.run(probe_folder, str(staging), token)
    except Exception as err:  # a worker that cannot run the probe at all
        raise ConfigError(f"the workers could not be asked whether they see the WARC folder "
                          f"{folder}: {type(err).__name__}: {err}") from None
    wrong = sorted(f"{worker} {why}" for worker, why in answers.items() if why is not None)
    if wrong:
        raise ConfigError(
            f"{len(wrong)} of {len(answers)} workers cannot use the WARC folder {folder}: "
            f"{'; '.join(wrong)}",
            hint="workers write the WARC files themselves: the folder must be on a shared "
            "filesystem (NFS, SMB, a cluster filesystem) at the same path on every worker "
            "and on this machine; mount it there, or give such a folder with --warcs")


def _collect(client: Client, stage: str, manifest: Manifest, parts: list[Partition],
             store: WarcStore, folder: Path, staging: Path, info: WarcInfo,
             settings: FetchSettings | CaptureSettings, progress: ProgressCallback | None
             ) -> tuple[dict[int, StagedResult], list[str]]:
    """Submit every partition; enter each first complete result as it comes."""
    from distributed import as_completed

    run = staging.name
    futures = []
    index_of: dict[str, int] = {}
    for part in parts:
        sub = replace(manifest, sources=tuple(manifest.sources[pos] for pos, _, _ in part.items))
        job = StageJob(part.index, sub, str(folder), str(staging), info, settings)
        key = f"archiver-{stage}-{run}-{part.index}"
        index_of[key] = part.index
        futures.append(client.submit(store_partition, job, __version__, key=key,
                                     retries=TASK_RETRIES))
    by_index = {p.index: p for p in parts}
    total = len(manifest.sources)
    taken: dict[int, StagedResult] = {}
    failures: dict[int, str] = {}  # by partition: why its (last) result was not taken
    done = 0
    try:
        for future in as_completed(futures, loop=client.loop):  # type: ignore[no-untyped-call]
            try:
                out: StagedResult = future.result()
            except Exception as err:  # the partition failed on every try
                failures[index_of.get(future.key, -1)] = f"{type(err).__name__}: {err}"
                logger.warning("a partition failed on the cluster: %s", err)
                continue
            mine = by_index.get(out.index)
            if mine is None or out.index in taken:
                logger.warning("dropped a duplicate result of partition %d", out.index)
                continue
            ids = [sid for _, sid, _ in mine.items]
            if [r.source_id for r in out.run.results] != ids:
                failures[out.index] = (f"partition {out.index} came back without one "
                                       "result per source")
                continue
            try:
                check_staged(folder, staging, out.files)
            except StoreError as err:
                failures[out.index] = f"partition {out.index}: {err.message}"
                continue
            enter_staged(store, staging, out.files, out.entries, out.live_entries)
            taken[out.index] = out
            if progress is not None:
                for source_id in ids:
                    done += 1
                    progress(Progress(stage, done, total, source_id))
    finally:
        client.cancel(futures)  # type: ignore[no-untyped-call]
    if progress is not None:
        progress(Progress(stage, total, total, None))
    return taken, [why for index, why in failures.items() if index not in taken]
