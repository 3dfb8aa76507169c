"""Benchmark: the same check run locally and on a Dask cluster (``check --cluster``).

N URLs over H loopback hosts with L ms latency (the servers of bench_check.py, in
their own process). Runs :func:`archiver.pipeline.check_manifest` here, then
:func:`archiver.cluster.check_on_cluster` on the cluster at ``--cluster`` (or on a
``LocalCluster`` of ``--workers`` worker processes started for the run), each
``--repeat`` times, alternating, and prints every wall time and the medians.
No history: the figures are the checks, partitions and transfer alone.

    python bench/bench_cluster.py --urls 2000 --hosts 20 --per-host 4
    python bench/bench_cluster.py --cluster tcp://127.0.0.1:8786
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import time
from datetime import date

from bench_check import serve

from archiver.check import CheckOptions
from archiver.cluster import check_on_cluster
from archiver.models import Manifest, Source
from archiver.pipeline import check_manifest


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--urls", type=int, default=2000)
    ap.add_argument("--hosts", type=int, default=20)
    ap.add_argument("--latency", type=float, default=0.05)
    ap.add_argument("--per-host", type=int, default=4)
    ap.add_argument("--concurrency", type=int, default=80)
    ap.add_argument("--cluster", default=None, help="a scheduler's address (default: a "
                    "LocalCluster started here)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1, help="threads per LocalCluster worker")
    ap.add_argument("--partitions", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    mgr = multiprocessing.Manager()
    ports = mgr.list()
    ready = multiprocessing.Event()
    proc = multiprocessing.Process(target=serve, args=(args.hosts, args.latency, ports, ready),
                                   daemon=True)
    proc.start()
    ready.wait()
    per_host = args.urls // args.hosts
    urls = [f"http://127.0.0.{h + 2}:{ports[h]}/p/{n}" for n in range(per_host)
            for h in range(args.hosts)]
    manifest = Manifest("bench", "Benchmark", tuple(
        Source(f"s{i}", url, "P", "T", date(2014, 9, 1), "en") for i, url in enumerate(urls)))
    options = CheckOptions(allow_private=True, per_host_concurrency=args.per_host,
                           per_host_interval=0.0, concurrency=args.concurrency, retries=0)
    local_cluster = None
    address = args.cluster
    if address is None:
        from distributed import LocalCluster

        local_cluster = LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=args.workers, threads_per_worker=args.threads,
            processes=True, dashboard_address=None)
        address = local_cluster.scheduler_address
    floor = per_host / args.per_host * args.latency
    print(f"{len(urls)} URLs over {args.hosts} hosts, {args.latency * 1000:.0f} ms latency, "
          f"{args.per_host} per host, {args.concurrency} in flight per process: "
          f"physical limit {floor:.2f} s; cluster {address}")
    times: dict[str, list[float]] = {"local": [], "cluster": []}
    try:
        for _ in range(args.repeat):
            for name in times:
                started = time.monotonic()
                if name == "local":
                    run = check_manifest(manifest, options)
                else:
                    run = check_on_cluster(address, manifest, options,
                                           partitions=args.partitions)
                took = time.monotonic() - started
                ok = sum(1 for r in run.results if r.link_class.is_success)
                times[name].append(took)
                print(f"  {name:8s} {took:6.2f} s  {ok}/{len(run.results)} ok, "
                      f"{run.requests} requests")
    finally:
        if local_cluster is not None:
            local_cluster.close()
        proc.terminate()
    for name, values in times.items():
        print(f"{name:8s} median {statistics.median(values):6.2f} s "
              f"({statistics.median(values) / floor:.1f}x the limit)")


if __name__ == "__main__":
    main()
