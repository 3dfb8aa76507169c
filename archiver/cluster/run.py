"""The coordinating process of a cluster run: submit partitions, collect, judge, record.

The coordinator never makes a link check itself: workers do, each on whole
hosts (:mod:`.partition`). Results stream back as partitions finish
(``distributed.as_completed``); this process alone writes the history database
and judges the run offline or not over all results, exactly as a local run
(:func:`archiver.pipeline.conclude_check`).

A worker that dies mid-run: the scheduler gives its unfinished tasks to other
workers (up to its ``distributed.scheduler.allowed-failures`` times, 3 by
default; see https://distributed.dask.org/en/stable/killed.html); a task that
raises is retried ``TASK_RETRIES`` times. A partition that still fails leaves
its sources ``inconclusive`` ("not checked") and the run inconclusive, so no
history advances on a partial picture.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from archiver._version import __version__
from archiver.check import CheckOptions
from archiver.clock import SYSTEM_CLOCK, Clock
from archiver.cluster.partition import Collector, Partition, PartitionResult, partition_by_host
from archiver.cluster.work import check_partition, run_canary, worker_version
from archiver.errors import ConfigError
from archiver.history import History
from archiver.models import CheckRun, LinkResult, Manifest, Progress, ProgressCallback
from archiver.pipeline import CHECK_STAGE, conclude_check, not_checked, plan_check

if TYPE_CHECKING:
    from distributed import Client

logger = logging.getLogger(__name__)

#: Retries of a partition whose task raised (a bug, a worker of another version);
#: a worker's death is the scheduler's ``allowed-failures`` (default 3).
TASK_RETRIES = 2
#: Seconds to wait for the scheduler to answer, then for a first worker to join.
CONNECT_TIMEOUT = 30.0
#: Partitions per worker thread. A host's checks take as long as its URLs allow
#: under its own limits, wherever they run, so the run is shortest when every
#: partition runs at once: one per thread (2,000 URLs over 20 hosts on two
#: one-thread workers: 2.6 s with 2 partitions, 3.7 s with 4, 15 s with 20). More
#: threads per worker (``dask worker --nthreads``) give more, smaller partitions,
#: and a smaller rerun when a worker dies.
PARTITIONS_PER_THREAD = 1

INSTALL_HINT = ("install the cluster extra, on this machine and every worker: "
                "pip install 'archiver-provenance[cluster]'")


@contextmanager
def connect(address: str, *, timeout: float = CONNECT_TIMEOUT) -> Iterator[Client]:
    """A Dask client of the scheduler at ``address`` with at least one worker of our version."""
    try:
        from distributed import Client
    except ImportError:
        raise ConfigError("--cluster needs the Dask 'distributed' package, which is not "
                          "installed", hint=INSTALL_HINT) from None
    try:
        client = Client(address, timeout=timeout,  # type: ignore[no-untyped-call]
                        set_as_default=False)
    except (OSError, TimeoutError, ValueError) as err:
        raise ConfigError(f"cannot reach the Dask scheduler at {address!r}: {err}",
                          hint="start one with `dask scheduler` and give its address, "
                          "e.g. --cluster tcp://10.0.0.5:8786") from None
    try:
        try:
            client.wait_for_workers(1, timeout=timeout)
        except TimeoutError:
            raise ConfigError(f"no worker joined the Dask scheduler at {address} within "
                              f"{timeout:.0f} s", hint=f"start workers with `dask worker "
                              f"{address}` on the machines that will make the requests"
                              ) from None
        _check_versions(client, address)
        yield client
    finally:
        client.close()  # type: ignore[no-untyped-call]


def _check_versions(client: Client, address: str) -> None:
    try:
        versions: dict[str, Any] = client.run(worker_version)
    except Exception as err:  # a worker without archiver cannot unpickle the function
        raise ConfigError(f"the workers of {address} cannot run archiver: "
                          f"{type(err).__name__}: {err}", hint=INSTALL_HINT) from None
    wrong = sorted(f"{worker} has {version}" for worker, version in versions.items()
                   if version != __version__)
    if wrong:
        raise ConfigError(f"workers run another archiver version than this machine "
                          f"({__version__}): {'; '.join(wrong)}",
                          hint=f"install archiver-provenance=={__version__} on every worker")


def check_on_cluster(address: str, manifest: Manifest, options: CheckOptions | None = None,
                     progress: ProgressCallback | None = None, *,
                     history: History | None = None, clock: Clock = SYSTEM_CLOCK,
                     partitions: int | None = None,
                     connect_timeout: float = CONNECT_TIMEOUT) -> CheckRun:
    """:func:`archiver.pipeline.check_manifest`, with the checks made by Dask workers.

    Parameters
    ----------
    address:
        The Dask scheduler, e.g. ``tcp://10.0.0.5:8786``.
    manifest, options, progress, history, clock:
        As for :func:`~archiver.pipeline.check_manifest`. ``options`` go to
        every worker as they are; ``concurrency`` applies to each task (a
        worker with N threads runs up to N tasks), the per-host limits to the
        whole cluster. ``progress`` is called as partitions come back.
        ``clock`` times the run; each check's time is its worker's clock.
    partitions:
        How many partitions of whole hosts (default: one per worker thread of
        the cluster, at most one per host).
    connect_timeout:
        Seconds to wait for the scheduler, then for a first worker.

    Returns
    -------
    CheckRun
        The same as a local run of the same manifest would give (the same
        classes, recorded the same way), one result per source.
    """
    options = options or CheckOptions()
    started = clock.now()
    ignored, pairs = plan_check(manifest, options)
    with connect(address, timeout=connect_timeout) as client:
        reason: str | None = None
        if options.canary:
            try:
                reason = client.submit(run_canary, options, options.canary, __version__,
                                       key=f"archiver-canary-{uuid.uuid4().hex}",
                                       retries=TASK_RETRIES).result()
            except Exception as err:  # the canary task failed on every try
                reason = (f"the canary could not be checked on the cluster "
                          f"({type(err).__name__}: {err})")
        if reason is not None:
            results = not_checked(pairs, reason, started)
            requests = 0
        else:
            threads = sum(client.nthreads().values())  # type: ignore[no-untyped-call]
            parts = partition_by_host(pairs, partitions or PARTITIONS_PER_THREAD * threads)
            collector, failures = _collect(client, parts, options, progress)
            found = collector.results(len(pairs))
            requests = collector.requests
            if failures:
                reason = (f"{len(failures)} of {len(parts)} partitions of the sources could "
                          f"not be checked on the cluster ({failures[0]})")
                lost = not_checked(pairs, reason, started)
                results = [r if r is not None else lost[i] for i, r in enumerate(found)]
            else:
                results = [r for r in found if r is not None]
    return conclude_check(manifest, options, results, reason, ignored=ignored,
                          started=started, history=history, clock=clock, requests=requests)


def _collect(client: Client, parts: list[Partition], options: CheckOptions,
             progress: ProgressCallback | None) -> tuple[Collector, list[str]]:
    """Submit every partition; take each result as it comes (one per partition)."""
    from distributed import as_completed

    run = uuid.uuid4().hex
    collector = Collector(parts)
    futures = [client.submit(check_partition, part, options, __version__,
                             key=f"archiver-check-{run}-{part.index}", retries=TASK_RETRIES)
               for part in parts]
    total = sum(part.urls for part in parts)
    done = 0
    failures: list[str] = []
    try:
        for future in as_completed(futures, loop=client.loop):  # type: ignore[no-untyped-call]
            try:
                out: PartitionResult = future.result()
            except Exception as err:  # the partition failed on every try
                failures.append(f"{type(err).__name__}: {err}")
                logger.warning("a partition failed on the cluster: %s", err)
                continue
            taken = collector.add(out)
            if not taken:
                logger.warning("dropped a duplicate result of partition %d", out.index)
                continue
            if progress is not None:
                for url in _distinct(taken):
                    done += 1
                    progress(Progress(CHECK_STAGE, done, total, url))
    finally:
        client.cancel(futures)  # type: ignore[no-untyped-call]
    return collector, failures


def _distinct(results: tuple[LinkResult, ...]) -> list[str]:
    seen: dict[str, None] = {}
    for result in results:
        seen.setdefault(result.url)
    return list(seen)
