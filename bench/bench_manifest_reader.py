"""Benchmark: ``load_manifest`` against reading every batch of a ``ManifestReader``.

Writes manifests of N sources as bench/bench_manifest.py does (TOML and JSON Lines;
``--style scale``: one quote each, as bench/bench_scale.py writes them; ``--style
check``: none, as bench/bench_check.py does) and prints, for each, the median of
``--repeat`` loads either way (interleaved, so the machine's load hits both alike),
how much longer the reader takes in total, and how long its first batch takes::

    python bench/bench_manifest_reader.py                  # N = 2,000, 20,000, 100,000
    python bench/bench_manifest_reader.py --sizes 20000 --repeat 21 --style check

Not a timed test: figures depend on the machine and its load.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import bench_manifest

from archiver.manifest import READ_BATCH, ManifestReader, load_manifest


def read_batches(path: Path) -> float:
    """Every batch of ``path`` read; how long the first took (0 if none)."""
    started = time.perf_counter()
    first = 0.0
    for _ in ManifestReader(path).batches():
        first = first or time.perf_counter() - started
    return first


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000, 100000])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--style", choices=["scale", "check"], default="scale")
    args = parser.parse_args()
    rows = bench_manifest.rows if args.style == "scale" else bench_manifest.check_rows
    print(f"batch {READ_BATCH}, {args.style} sources, median of {args.repeat}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            sources = rows(n)
            for kind, write in (("toml", bench_manifest.write_toml),
                                ("jsonl", bench_manifest.write_jsonl)):
                path = write(Path(tmp) / f"m{n}.{kind}", sources)
                loads, reads, firsts = [], [], []
                for _ in range(args.repeat):
                    started = time.perf_counter()
                    load_manifest(path)
                    loads.append(time.perf_counter() - started)
                    started = time.perf_counter()
                    firsts.append(read_batches(path))
                    reads.append(time.perf_counter() - started)
                load, read = statistics.median(loads), statistics.median(reads)
                print(f"{kind:5} {n:7,} sources: load_manifest {load:.3f} s, batches {read:.3f} s "
                      f"({(read / load - 1) * 100:+.1f} %), first batch after "
                      f"{statistics.median(firsts) * 1000:.1f} ms", flush=True)


if __name__ == "__main__":
    main()
