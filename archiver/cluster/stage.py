"""What a worker runs for ``fetch --cluster`` and ``capture --cluster``: one partition.

A :class:`StageJob` carries a partition's sources (a manifest of only those),
the shared WARC folder, the run's staging folder and the settings of the
stage; :func:`store_partition` runs the same stage code as a local run
(:func:`archiver.fetch.fetch_sources`, :func:`archiver.fetch.capture.capture_sources`)
into a :class:`~archiver.store.staging.StagingStore`, and sends back a
:class:`StagedResult`: the stage's :class:`~archiver.models.FetchRun`, the
ledger entries of what it stored and the files it wrote. It writes no ledger.

File names: ``PREFIX-TIMESTAMP-SERIAL-CRAWLHOST-TOKEN.warc.gz`` (WARC 1.1
Annex C, with warcprox's random token), the crawlhost being the worker's host
name, process id and partition (``p3``), so files of different workers,
processes, partitions and tries never collide.
"""

from __future__ import annotations

import os
import re
import socket
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from archiver.cluster.partition import Partition, partition_by_host
from archiver.cluster.work import _same_version
from archiver.fetch.capture import capture_sources
from archiver.fetch.choose import CaptureScope
from archiver.fetch.listing import Archive
from archiver.fetch.run import fetch_sources
from archiver.models import FetchRun, Manifest
from archiver.net.raw import CAPTURE_MAX_BYTES
from archiver.store.fields import WarcInfo
from archiver.store.ledger import LedgerEntry
from archiver.store.staging import StagingStore
from archiver.urls import host_of

#: The file each worker must read in the staging folder before any task runs.
PROBE_NAME = "probe"


@dataclass(frozen=True)
class FetchSettings:
    """``fetch``'s settings, as :func:`archiver.fetch.fetch_sources` takes them."""

    archives: tuple[Archive, ...]
    listings_per_minute: float | None = None
    downloads_per_second: float | None = None
    captures: frozenset[CaptureScope] = frozenset({CaptureScope.NEAREST})
    allow_private: bool = False
    proxy: str | None = None


@dataclass(frozen=True)
class CaptureSettings:
    """``capture``'s settings, as :func:`archiver.fetch.capture.capture_sources` takes them."""

    named: tuple[str, ...] = ()
    all_sources: bool = False
    requisites: bool = False
    allow_private: bool = False
    proxy: str | None = None
    max_bytes: int = CAPTURE_MAX_BYTES


@dataclass(frozen=True)
class StageJob:
    """One partition of a fetch or capture run, as sent to a worker."""

    index: int
    manifest: Manifest  # the partition's sources only, in the run's order
    folder: str  # the WARC folder, an absolute path every worker sees
    staging: str  # the run's staging folder in it
    info: WarcInfo
    settings: FetchSettings | CaptureSettings


@dataclass(frozen=True)
class StagedResult:
    """What a worker sends back: the stage's run over the partition and what it wrote."""

    index: int
    run: FetchRun
    entries: tuple[LedgerEntry, ...]  # for the ledger of archived captures
    live_entries: tuple[LedgerEntry, ...]  # for the ledger of live captures
    files: tuple[tuple[str, int], ...]  # (name in the WARC folder, size) of each file
    worker: str = ""


def partition_by_archive(pairs: Sequence[tuple[str, str]]) -> list[Partition]:
    """``(source_id, url)`` pairs of a fetch run as partitions: one per archive.

    Fetch politeness is per archive host (:mod:`archiver.fetch.limits`), and
    every source of a run may be asked of every ``--archive`` in turn, so all
    the sources go to one partition: each archive is then asked by one task,
    under one limiter, at a time, as on one machine.
    """
    if not pairs:
        return []
    return [Partition(0, tuple((pos, sid, url) for pos, (sid, url) in enumerate(pairs)))]


def site_of(url: str) -> str:
    """A live capture's host as :func:`archiver.fetch.requisites.same_site` sees it:
    lower-cased, one leading ``www.`` aside. A page's requisites, and the usual
    redirect between ``example.com`` and ``www.example.com``, stay with it."""
    return host_of(url).rstrip(".").removeprefix("www.")


def partition_by_site(pairs: Sequence[tuple[str, str]], count: int) -> list[Partition]:
    """``(source_id, url)`` pairs of a capture run in at most ``count`` partitions of
    whole sites (:func:`site_of`), so a site is captured by one task at a time."""
    return partition_by_host(pairs, count, key=site_of)


def crawlhost(index: int) -> str:
    """This process's part of file names: host name, process id, partition."""
    host = re.sub(r"[^A-Za-z0-9.]+", "_", socket.gethostname()) or "worker"
    return f"{host}-{os.getpid()}-p{index}"


def store_partition(job: StageJob, version: str) -> StagedResult:
    """Fetch or capture one partition's sources into the staging folder."""
    _same_version(version)
    store = StagingStore(job.folder, job.staging, info=job.info, crawlhost=crawlhost(job.index))
    store.open()
    settings = job.settings
    folder = Path(job.folder)
    if isinstance(settings, FetchSettings):
        run = fetch_sources(job.manifest, warcs_dir=folder, archives=settings.archives,
                            listings_per_minute=settings.listings_per_minute,
                            downloads_per_second=settings.downloads_per_second,
                            allow_private=settings.allow_private, proxy=settings.proxy,
                            captures=settings.captures, store=store)
    else:
        run = capture_sources(job.manifest, warcs_dir=folder, source_ids=settings.named,
                              all_sources=settings.all_sources, requisites=settings.requisites,
                              allow_private=settings.allow_private, proxy=settings.proxy,
                              max_bytes=settings.max_bytes, store=store)
    return StagedResult(job.index, run, tuple(store.staged), tuple(store.staged_live),
                        tuple(store.files), socket.gethostname())


def probe_folder(staging: str, token: str) -> str | None:
    """Why this worker cannot use the run's staging folder, or None if it can.

    It must read the probe file the coordinator wrote there (the same folder,
    not one of the same name on this machine), and create a file of its own.
    """
    path = Path(staging)
    try:
        seen = (path / PROBE_NAME).read_text(encoding="utf-8")
    except OSError as err:
        return (f"does not see {path} (the coordinator's probe file: "
                f"{err.strerror or type(err).__name__})")
    if seen != token:
        return f"sees another folder at {path} (not the coordinator's probe file)"
    mine = path / f"probe-{crawlhost(0)}-{uuid.uuid4().hex[:8]}"
    try:
        mine.write_bytes(b"archiver\n")
        mine.unlink()
    except OSError as err:
        return f"cannot write in {path} ({err.strerror or type(err).__name__})"
    return None
