"""Benchmark: how soon `archiver check` starts working.

Prints three medians over ``--repeat`` runs (each a fresh interpreter):

- ``import``: wall time of ``python -c "import archiver.cli.check_cmd"``;
- ``first request``: from launching ``archiver check`` (a manifest of ``--urls`` URLs
  on one local host, 4 at a time, no gap, JSON Lines, no history, no soft-404 probe)
  to the local server seeing its first request;
- ``whole check``: the same command's wall time, to its exit;
- ``import cpu`` and ``whole check cpu``: the CPU time (user and system) of each, which a
  loaded machine disturbs less than the wall time.

The server is a thread of this process (idle while the child runs), so it costs the
child nothing; its clock is ``time.monotonic``, the system-wide one on Linux.

    python bench/bench_startup.py --repeat 11
    # against another checkout's code, run for run in turn (the load changes less):
    git archive main archiver | tar -x -C /tmp/base
    python bench/bench_startup.py --repeat 21 --baseline /tmp/base
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

FIRST: dict[str, float] = {}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        run = self.path.split("/")[1]
        FIRST.setdefault(run, time.monotonic())
        body = b"<html><head><title>Story</title></head><body>An article.</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_HEAD = do_GET

    def log_message(self, *a: Any) -> None:
        pass


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=11)
    ap.add_argument("--urls", type=int, default=20)
    ap.add_argument("--archiver", default=str(Path(sys.executable).parent / "archiver"))
    ap.add_argument("--baseline", type=Path, default=None,
                    help="a folder holding another version's archiver/ package: each run is "
                    "made with both, in turn, and both medians printed")
    ap.add_argument("--no-compile", action="store_true",
                    help="do not byte-compile archiver first (as pip install does)")
    args = ap.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    tmp = Path(tempfile.mkdtemp())
    variants: dict[str, dict[str, str]] = {"this": dict(os.environ)}
    if args.baseline is not None:
        variants["baseline"] = {**os.environ, "PYTHONPATH": str(args.baseline.resolve())}
    if not args.no_compile:
        import archiver
        folders = [Path(archiver.__file__).parent]
        if args.baseline is not None:
            folders.append(args.baseline / "archiver")
        for folder in folders:
            subprocess.run([sys.executable, "-m", "compileall", "-q", str(folder)],
                           check=True, stdout=subprocess.DEVNULL)
    times: dict[str, dict[str, list[float]]] = {
        name: {"import": [], "first request": [], "whole check": [], "import cpu": [],
               "whole check cpu": []} for name in variants}
    for run in range(args.repeat):
        for name, env in variants.items():
            key = f"r{run}{name}"
            cpu, started = _children_cpu(), time.monotonic()
            subprocess.run([sys.executable, "-c", "import archiver.cli.check_cmd"], check=True,
                           cwd=tmp, env=env)
            times[name]["import"].append(time.monotonic() - started)
            times[name]["import cpu"].append(_children_cpu() - cpu)
            lines = ['[manifest]\nid = "bench"\ntitle = "Benchmark"\n']
            for n in range(args.urls):
                lines.append(f'[[source]]\nid = "s{n}"\n'
                             f'url = "http://127.0.0.1:{port}/{key}/p/{n}"\n'
                             'publisher = "P"\ntitle = "T"\npublished = 2014-09-01\n'
                             'language = "en"\n')
            manifest = tmp / f"{key}.toml"
            manifest.write_text("\n".join(lines))
            command = [args.archiver, "check", str(manifest), "--format", "jsonl",
                       "--no-history", "--no-probe", "--allow-private", "--no-progress",
                       "--retries", "0", "--per-host-interval", "0",
                       "--per-host-concurrency", "4", "--fail-on", "never",
                       "--output", str(tmp / "out.jsonl")]
            cpu, started = _children_cpu(), time.monotonic()
            subprocess.run(command, check=True, capture_output=True, cwd=tmp, env=env)
            times[name]["whole check"].append(time.monotonic() - started)
            times[name]["whole check cpu"].append(_children_cpu() - cpu)
            times[name]["first request"].append(FIRST[key] - started)
    print(f"median of {args.repeat} (load average {os.getloadavg()[0]:.1f}):")
    # CPU time (user + system) moves less than wall time on a loaded machine
    for what in ("import", "first request", "whole check", "import cpu", "whole check cpu"):
        for name in variants:
            values = times[name][what]
            print(f"  {what:15s} {name:9s} {statistics.median(values):6.3f} s"
                  f"  (min {min(values):.3f}, max {max(values):.3f})")
    server.shutdown()


if __name__ == "__main__":
    main()
