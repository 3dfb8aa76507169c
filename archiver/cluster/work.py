"""What runs on a Dask worker: the same stage code as a local run, on one partition.

These functions are sent to workers by reference (module and name), so each
worker must have ``archiver`` installed, at the coordinator's version (checked
before any task runs, and again by each task). The worker makes the HTTP
requests: its network, its proxy settings and its address guard apply.
"""

from __future__ import annotations

import socket

from archiver._version import __version__
from archiver.check import Checker, CheckOptions
from archiver.cluster.partition import Partition, PartitionResult
from archiver.pipeline import check_urls


def worker_version() -> str:
    """The archiver version installed where this runs."""
    return __version__


def _same_version(version: str) -> None:
    if version != __version__:
        raise RuntimeError(f"this worker ({socket.gethostname()}) runs archiver {__version__}, "
                           f"the coordinator {version}: install the same version on every "
                           "worker")


def check_partition(partition: Partition, options: CheckOptions,
                    version: str) -> PartitionResult:
    """Check one partition's URLs under ``options``' limits: what a local run does."""
    _same_version(version)
    pairs = [(source_id, url) for _, source_id, url in partition.items]
    with Checker(options) as checker:
        results = check_urls(pairs, options, checker=checker)
        requests = checker.requests
    positions = [position for position, _, _ in partition.items]
    return PartitionResult(partition.index, tuple(zip(positions, results, strict=True)),
                           requests, socket.gethostname())


def run_canary(options: CheckOptions, url: str, version: str) -> str | None:
    """The canary check, from a worker (why the run cannot count, or None)."""
    _same_version(version)
    with Checker(options) as checker:
        return checker.canary(url)
