"""Benchmark: the same live capture run locally and on a Dask cluster (``capture --cluster``).

N URLs over H loopback hosts with L ms latency (the servers of bench_check.py, in
their own process), listed host by host as a collection usually is. Capture
keeps the per-host gap (1 s between request starts) and captures one source
after another, so a local run waits about one gap per URL; on a cluster each
task takes whole hosts and the tasks run side by side. Runs
:func:`archiver.fetch.capture.capture_sources` here, then
:func:`archiver.cluster.capture_on_cluster` on a ``LocalCluster`` of
``--workers`` worker processes (or the cluster at ``--cluster``), each into a new
WARC folder, ``--repeat`` times, alternating; prints every wall time, the files
and ledger entries each run left, and the medians.

    python bench/bench_cluster_capture.py --urls 40 --hosts 20 --workers 2 --threads 2
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from bench_check import serve

from archiver.cluster import capture_on_cluster
from archiver.fetch.capture import capture_sources
from archiver.models import Manifest, Source
from archiver.store.live import read_live_ledger


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--urls", type=int, default=40)
    ap.add_argument("--hosts", type=int, default=20)
    ap.add_argument("--latency", type=float, default=0.05)
    ap.add_argument("--cluster", default=None, help="a scheduler's address (default: a "
                    "LocalCluster started here); the temporary folder must be shared")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2, help="threads per LocalCluster worker")
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    mgr = multiprocessing.Manager()
    ports = mgr.list()
    ready = multiprocessing.Event()
    proc = multiprocessing.Process(target=serve, args=(args.hosts, args.latency, ports, ready),
                                   daemon=True)
    proc.start()
    ready.wait()
    per_host = args.urls // args.hosts
    urls = [f"http://127.0.0.{h + 2}:{ports[h]}/p/{n}" for h in range(args.hosts)
            for n in range(per_host)]
    manifest = Manifest("bench", "Benchmark", tuple(
        Source(f"s{i}", url, "P", "T", date(2014, 9, 1), "en") for i, url in enumerate(urls)))
    local_cluster = None
    address = args.cluster
    if address is None:
        from distributed import LocalCluster

        local_cluster = LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=args.workers, threads_per_worker=args.threads,
            processes=True, dashboard_address=None)
        address = local_cluster.scheduler_address
    print(f"{len(urls)} URLs over {args.hosts} hosts ({per_host} each, host by host), "
          f"{args.latency * 1000:.0f} ms latency; cluster {address}")
    times: dict[str, list[float]] = {"local": [], "cluster": []}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for attempt in range(args.repeat):
                for name in times:
                    folder = Path(tmp) / f"{name}-{attempt}"
                    started = time.monotonic()
                    if name == "local":
                        run = capture_sources(manifest, warcs_dir=folder, allow_private=True)
                    else:
                        run = capture_on_cluster(address, manifest, warcs_dir=folder,
                                                 allow_private=True)
                    took = time.monotonic() - started
                    times[name].append(took)
                    stored = sum(1 for r in run.results if r.capture is not None)
                    files = len(list(folder.glob("*.warc.gz")))
                    print(f"  {name:8s} {took:6.2f} s  {stored}/{len(run.results)} stored, "
                          f"{files} WARC files, {len(read_live_ledger(folder))} ledger "
                          "entries")
    finally:
        if local_cluster is not None:
            local_cluster.close()
        proc.terminate()
    for name, values in times.items():
        print(f"{name:8s} median {statistics.median(values):6.2f} s")


if __name__ == "__main__":
    main()
