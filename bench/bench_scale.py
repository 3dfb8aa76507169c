"""Benchmark: a whole collection on one machine, ``check`` then ``run --report``.

Generates a manifest of N sources (default 100,000) over H loopback host names
(default 1,000: the addresses 127.1.x.y, which Linux routes to the loopback
interface), served with no latency by one asyncio HTTP/1.1 server in a separate
process, which also answers as an empty Memento archive (every TimeMap 404).
Runs ``archiver check`` and then ``archiver run --report`` with no per-host gap,
and prints for each: wall time, CPU time, maximum resident memory, the history
database's size, the outputs' sizes. Not a timed test: it prints figures.

    python bench/bench_scale.py                      # 100,000 sources
    python bench/bench_scale.py --sources 10000 --hosts 100 --skip-run
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BODY = ("<html><head><title>Story</title></head><body>"
        + "A plain article paragraph about the matter at hand. " * 30 + "</body></html>").encode()


def serve(port_box: Any, ready: Any) -> None:
    """A minimal keep-alive HTTP/1.1 server on 0.0.0.0: articles 200, anything else 404."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                line = head.split(b"\r\n", 1)[0].split()
                path = line[1] if len(line) > 1 else b"/"
                ok = path.startswith(b"/p/")
                body = BODY if ok else b"not found"
                status = b"200 OK" if ok else b"404 Not Found"
                head_only = line[:1] == [b"HEAD"]
                writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Type: text/html\r\n"
                             b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n"
                             + (b"" if head_only else body))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "0.0.0.0", 0, backlog=4096)
        port_box.value = server.sockets[0].getsockname()[1]
        ready.set()
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def host(i: int) -> str:
    return f"127.1.{i // 250}.{i % 250 + 1}"


def write_manifest(folder: Path, sources: int, hosts: int, port: int, fmt: str) -> Path:
    rows: list[dict[str, Any]] = []
    for i in range(sources):
        rows.append({
            "id": f"s{i}", "url": f"http://{host(i % hosts)}:{port}/p/{i}",
            "publisher": f"Publisher {i % 97}", "title": f"Article number {i}",
            "published": f"2014-{1 + i % 12:02d}-{1 + i % 28:02d}", "language": "en",
            "quote": [{"text": f"A plain article paragraph about the matter at hand {i}."}],
        })
    if fmt == "jsonl":
        path = folder / "collection.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            fh.write(json.dumps({"manifest": {"id": "scale", "title": "Scale"}}) + "\n")
            for row in rows:
                fh.write(json.dumps(row) + "\n")
        return path
    path = folder / "collection.toml"
    with path.open("w", encoding="utf-8") as fh:
        fh.write('[manifest]\nid = "scale"\ntitle = "Scale"\n')
        for row in rows:
            fh.write(f'\n[[source]]\nid = "{row["id"]}"\nurl = "{row["url"]}"\n'
                     f'publisher = "{row["publisher"]}"\ntitle = "{row["title"]}"\n'
                     f'published = {row["published"]}\nlanguage = "en"\n'
                     f'  [[source.quote]]\n  text = "{row["quote"][0]["text"]}"\n')
    return path


def size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size if path.exists() else 0


def measure(name: str, command: list[str], cwd: Path) -> None:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    # /usr/bin/time would add a process; getrusage of the one child gives CPU and
    # max RSS (ru_maxrss of RUSAGE_CHILDREN is the largest child so far, in kB)
    done = subprocess.run(command, capture_output=True, text=True, cwd=cwd)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    tail = (done.stderr.strip().splitlines() or [""])[-1][:160]
    print(f"  {name:6s} wall {wall:7.1f} s  cpu {cpu:7.1f} s  max rss "
          f"{after.ru_maxrss / 1024:6.0f} MB  exit {done.returncode}  | {tail}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sources", type=int, default=100_000)
    ap.add_argument("--hosts", type=int, default=1000)
    ap.add_argument("--format", choices=["jsonl", "toml"], default="jsonl",
                    help="manifest format (TOML parsing alone takes ~30 s at 100,000)")
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--archiver", default=str(Path(sys.executable).parent / "archiver"))
    ap.add_argument("--skip-run", action="store_true", help="only check")
    args = ap.parse_args()
    if args.hosts > 250 * 250:
        ap.error("at most 62,500 hosts")

    port_box = multiprocessing.Value("i", 0)
    ready = multiprocessing.Event()
    proc = multiprocessing.Process(target=serve, args=(port_box, ready), daemon=True)
    proc.start()
    ready.wait()
    port = port_box.value
    work = Path(tempfile.mkdtemp(prefix="archiver-scale-"))
    started = time.monotonic()
    manifest = write_manifest(work, args.sources, args.hosts, port, args.format)
    print(f"{args.sources:,} sources over {args.hosts:,} hosts ({manifest.name}, "
          f"{size(manifest) / 1e6:.1f} MB, written in {time.monotonic() - started:.1f} s); "
          f"no latency, no per-host gap, {args.concurrency} in flight; {os.cpu_count()} CPUs")
    common = ["--allow-private", "--no-progress", "--per-host-interval", "0", "--no-probe",
              "--retries", "0", "--concurrency", str(args.concurrency)]
    db = work / "history.sqlite3"
    measure("check", [args.archiver, "check", str(manifest), *common, "--db", str(db),
                      "--format", "jsonl", "--output", str(work / "check.jsonl"),
                      "--fail-on", "never"], work)
    print(f"         database {size(db) / 1e6:.1f} MB, check.jsonl "
          f"{size(work / 'check.jsonl') / 1e6:.1f} MB")
    if not args.skip_run:
        report = work / "report"
        archive = f"http://127.0.0.1:{port}/"
        measure("run", [args.archiver, "run", str(manifest), *common, "--db", str(db),
                        "--archive", archive, "--list-rate", "1000000",
                        "--download-rate", "1000000", "--warcs", str(work / "warcs"),
                        "--report", str(report), "--fail-on", "never"], work)
        for name in ("report.html", "report.json", "report.md"):
            print(f"         {name} {size(report / name) / 1e6:.1f} MB")
        print(f"         database {size(db) / 1e6:.1f} MB")
    print(f"workdir {work}")
    proc.terminate()


if __name__ == "__main__":
    main()
