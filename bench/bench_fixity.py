"""Benchmark: how fast `archiver fixity` reads a WARC store (MB/s of WARC files on disk).

Generates a store of about SIZE MB (default 200) as fetch writes it (one
WarcStore capture per file: response, metadata and request records, gzip per
record, sha1 digests, ledger), then checks it twice (the second read is from
the page cache). Prints figures; not a timed test.

Run: .venv/bin/python bench/bench_fixity.py [SIZE_MB]
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from archiver.models import Source
from archiver.store import Memento, Selection, WarcInfo, WarcStore
from archiver.store.fixity import check_folder

WHEN = datetime(2014, 10, 15, 12, 34, 56, tzinfo=UTC)
WORDS = ("harbour ferry strike port migrants calais tunnel night police camp lorry "
         "minister said would reopen monday council mayor report").split()


def body(rng: random.Random, size: int) -> bytes:
    """An HTML page of ``size`` bytes: words (compressible) and hex noise (not)."""
    parts = ["<html><body>"]
    while sum(len(p) for p in parts) < size:
        parts.append("<p>" + " ".join(rng.choice(WORDS) for _ in range(60)) + " "
                     + rng.randbytes(200).hex() + "</p>")
    return "".join(parts).encode()[:size]


def generate(folder: Path, megabytes: float) -> int:
    rng = random.Random(1)
    n = 0
    with WarcStore(folder, info=WarcInfo(manifest_id="bench")) as store:
        while sum(p.stat().st_size for p in folder.glob("*.warc.gz")) < megabytes * 1e6:
            for _ in range(20):
                n += 1
                url = f"http://news.example/{n}"
                page = body(rng, 400_000)
                memento = Memento(
                    uri_r=url, memento_url=f"https://web.archive.org/web/20141015123456id_/{url}",
                    memento_datetime=WHEN, datetime_raw="Wed, 15 Oct 2014 12:34:56 GMT",
                    status=200, reason="OK",
                    header_list=(("Content-Type", "text/html"),
                                 ("Content-Length", str(len(page)))), body=page)
                src = Source(id=f"s{n}", url=url, publisher="p", title="t",
                             published=date(2014, 10, 15), language="en")
                store.write_capture(Selection(manifest_id="bench", source=src,
                                              archive="https://web.archive.org/web/",
                                              rule="after_publication", distance_days=0.5,
                                              pre_publication=False), memento)
    return n


def main() -> int:
    megabytes = float(sys.argv[1]) if len(sys.argv) > 1 else 200.0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "warcs"
        started = time.perf_counter()
        n = generate(folder, megabytes)
        size = sum(p.stat().st_size for p in folder.glob("*.warc.gz"))
        print(f"generated {n} captures, {size / 1e6:.0f} MB in "
              f"{time.perf_counter() - started:.1f} s")
        for label in ("first read", "second read"):
            started, cpu = time.perf_counter(), time.process_time()
            run = check_folder(folder)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            assert run.clean, [r.problems for r in run.results if r.problems][:1]
            records = sum(r.records for r in run.results)
            digests = sum(r.digests_checked for r in run.results)
            print(f"{label}: {len(run.results)} files, {records} records, {digests} digests "
                  f"in {seconds:.1f} s: {run.bytes_read / 1e6 / seconds:.0f} MB/s "
                  f"({run.bytes_read / 1e6 / cpu:.0f} MB per CPU-second)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
