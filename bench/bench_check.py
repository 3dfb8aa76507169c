"""Benchmark: N URLs over H local hosts with L ms latency, through `archiver check`.

Prints wall time and the ratio to the physical limit (URLs per host / per-host
concurrency x latency). Servers run in a separate process. archiver runs as in
issue 13's comparison with lychee: retries off, no history (``--history`` to
keep one), JSON Lines output; each tool is run ``--repeat`` times in turn and the
median is printed.

    python bench/bench_check.py --per-host 4 --hosts 20 --urls 2000 --latency 0.05 \
        --tools archiver,lychee --repeat 5
"""
from __future__ import annotations

import argparse
import multiprocessing
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

BODY = ("<html><head><title>Story</title></head><body>"
        + "A plain article paragraph. " * 40 + "</body></html>").encode()


def serve(hosts: int, latency: float, ports: Any, ready: Any) -> None:
    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            time.sleep(latency)
            body = BODY if "/p/" in self.path else b"not found"
            self.send_response(200 if "/p/" in self.path and "probe" not in self.path else 404)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("LinkChecker", "yes")
            self.end_headers()
            self.wfile.write(body)

        def do_HEAD(self) -> None:
            time.sleep(latency)
            ok = "/p/" in self.path and "probe" not in self.path
            self.send_response(200 if ok else 404)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(BODY) if ok else 9))
            self.send_header("LinkChecker", "yes")
            self.end_headers()

        def log_message(self, *a: Any) -> None:
            pass

    class Quiet(ThreadingHTTPServer):
        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # clients closing keep-alive connections

    servers = []
    for i in range(hosts):
        s = Quiet((f"127.0.0.{i + 2}", 0), H)
        s.daemon_threads = True
        s.request_queue_size = 128
        threading.Thread(target=s.serve_forever, daemon=True).start()
        servers.append(s)
        ports.append(s.server_address[1])
    ready.set()
    threading.Event().wait()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--urls", type=int, default=2000)
    ap.add_argument("--hosts", type=int, default=20)
    ap.add_argument("--latency", type=float, default=0.05)
    ap.add_argument("--per-host", type=int, default=2)
    ap.add_argument("--archiver", default=str(Path(sys.executable).parent / "archiver"))
    ap.add_argument("--extra", default="")
    ap.add_argument("--lychee", default="lychee", help="path of a lychee binary (optional peer)")
    ap.add_argument("--linkchecker", default="linkchecker", help="path of LinkChecker (optional)")
    ap.add_argument("--linkinator", default="linkinator", help="path of linkinator (optional)")
    ap.add_argument("--tools", default="archiver",
                    help="comma list: archiver,archiver-urls,archiver-noprobe,lychee,"
                    "linkchecker,linkinator")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each tool (median shown)")
    ap.add_argument("--no-compile", action="store_true",
                    help="do not byte-compile archiver first (as pip install does)")
    ap.add_argument("--history", action="store_true",
                    help="archiver keeps a history database (default: --no-history)")
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
    tmp = Path(tempfile.mkdtemp())
    lines = ['[manifest]\nid = "bench"\ntitle = "Benchmark"\n']
    for i, url in enumerate(urls):
        lines.append(f'[[source]]\nid = "s{i}"\nurl = "{url}"\npublisher = "P"\ntitle = "T"\n'
                     'published = 2014-09-01\nlanguage = "en"\n')
    manifest = tmp / "bench.toml"
    manifest.write_text("\n".join(lines))
    (tmp / "urls.txt").write_text("\n".join(urls) + "\n")
    limit = per_host / args.per_host * args.latency
    tmp.chmod(0o755)
    for f in tmp.iterdir():
        f.chmod(0o644)
    conc = str(args.hosts * args.per_host)
    rc = tmp / "linkcheckerrc"
    rc.write_text(f"[checking]\nthreads={conc}\nmaxrequestspersecond=1000\ntimeout=30\n"
                  "[filtering]\ncheckextern=1\n[output]\nstatus=0\n")
    rc.chmod(0o644)
    (tmp / "urls.lc.txt").write_text("# LinkChecker URL list\n" + "\n".join(urls) + "\n")
    (tmp / "urls.lc.txt").chmod(0o644)
    archiver_flags = ["--allow-private", "--no-progress",
                      "--per-host-concurrency", str(args.per_host), "--per-host-interval", "0",
                      "--concurrency", conc, "--format", "jsonl", "--retries", "0",
                      "--output", str(tmp / "out.jsonl"), "--fail-on", "never",
                      *([] if args.history else ["--no-history"]), *args.extra.split()]
    commands = {
        # the manifest (TOML, validated), and the very file lychee reads (a URL list)
        "archiver": [args.archiver, "check", str(manifest), *archiver_flags],
        "archiver-urls": [args.archiver, "check", str(tmp / "urls.txt"), *archiver_flags],
        # the same requests as lychee: no soft-404 probe (one more request per host and
        # URL pattern, made before a host's first success is final), which lychee lacks
        "archiver-noprobe": [args.archiver, "check", str(manifest), *archiver_flags,
                             "--no-probe"],
        "lychee": [args.lychee, "--no-progress", "--host-concurrency",
                   str(args.per_host), "--host-request-interval", "0s", "--max-concurrency",
                   conc, "--timeout", "30", "--format", "json", "-o", str(tmp / "lychee.json"),
                   str(tmp / "urls.txt")],
        "linkchecker": [args.linkchecker, "-f", str(rc), "--check-extern", "-t", conc,
                        "--no-warnings", "--verbose", "-o", "csv", str(tmp / "urls.lc.txt")],
        "linkinator": [args.linkinator, *urls, "--concurrency",
                       conc, "--timeout", "30000", "--format", "csv"],
    }
    if any(t.startswith("archiver") for t in args.tools.split(",")) and not args.no_compile:
        # What `pip install` does for an installed package (an editable install, or
        # PYTHONDONTWRITEBYTECODE, would otherwise compile every module on each run).
        import archiver
        subprocess.run([sys.executable, "-m", "compileall", "-q",
                        str(Path(archiver.__file__).parent)], check=True,
                       stdout=subprocess.DEVNULL)
    print(f"{len(urls)} URLs over {args.hosts} hosts, {args.latency * 1000:.0f} ms latency, "
          f"{args.per_host} per host: physical limit {limit:.2f} s")
    walls: dict[str, list[float]] = {}
    cpus: dict[str, list[float]] = {}
    for _ in range(args.repeat):
        for tool in args.tools.split(","):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.monotonic()
            try:
                out = subprocess.run(commands[tool], capture_output=True, text=True, cwd=tmp)
            except FileNotFoundError:
                print(f"  {tool:12s} skipped: {commands[tool][0]} not found")
                continue
            took = time.monotonic() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            walls.setdefault(tool, []).append(took)
            cpus.setdefault(tool, []).append(cpu)
            both = (out.stdout.strip() + "\n" + out.stderr.strip()).strip()
            tail = (both.splitlines() or [""])[-1][:150]
            print(f"  {tool:12s} {took:6.2f} s  ratio {took / limit:5.2f}  cpu {cpu:5.2f} s"
                  f"  exit {out.returncode}  | {tail}")
            if tool == "linkchecker":
                (tmp / "linkchecker.out").write_text(out.stdout + out.stderr)
                rows = [r for r in out.stdout.splitlines() if r.startswith("http")]
                print(f"               linkchecker rows: {len(rows)}; "
                      f"valid: {sum(1 for r in rows if ';True;' in r or ';200 OK;' in r)}")
            if tool == "linkinator":
                rows = out.stdout.splitlines()[1:]
                bad = sum(1 for r in rows if ',OK,' not in r and 'OK' not in r.split(',')[2:3])
                print(f"               linkinator rows: {len(rows)}; not OK: {bad}")
    if args.repeat > 1:
        print(f"median of {args.repeat} (load average {os.getloadavg()[0]:.1f}):")
        for tool, times in walls.items():
            print(f"  {tool:12s} wall {statistics.median(times):6.2f} s  "
                  f"ratio {statistics.median(times) / limit:5.2f}  "
                  f"cpu {statistics.median(cpus[tool]):5.2f} s")
    print(f"workdir {tmp}")
    proc.terminate()


if __name__ == "__main__":
    main()
