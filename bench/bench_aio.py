"""Benchmark: CPU per request of the asynchronous HTTP client, this tree against a git ref.

A keep-alive server in a separate process (its CPU is not counted) answers every
GET at once with the head and body `bench/bench_check.py`'s server sends. The
client (:class:`archiver.net.aio.AsyncHttpClient`, on uvloop when installed, as
the check runs it) makes N GETs one after the other on one connection, then N
GETs from ``--tasks`` concurrent tasks over ``--hosts`` loopback hosts; the
process CPU time (user + system) per request is printed for each client.

The baseline is the client of ``--ref`` (default ``main``): its
``archiver/net/aio.py`` and ``archiver/net/wire.py`` are read with ``git show``
and loaded beside this tree's, so all run in the same process, in turn,
``--repeat`` times (the median and the least are printed)::

    python bench/bench_aio.py --requests 5000 --repeat 5
    python bench/bench_aio.py --ref main,HEAD~2   # several baselines
"""
from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import subprocess
import sys
import time
import types
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

BODY = ("<html><head><title>Story</title></head><body>"
        + "A plain article paragraph. " * 40 + "</body></html>").encode()
#: What http.server's BaseHTTPRequestHandler sends in bench_check.py, byte for byte in shape.
ANSWER = (b"HTTP/1.1 200 OK\r\nServer: BaseHTTP/0.6 Python/3.11.7\r\n"
          b"Date: Mon, 30 Nov 2026 18:00:00 GMT\r\nContent-Type: text/html\r\n"
          + f"Content-Length: {len(BODY)}\r\n".encode()
          + b"LinkChecker: yes\r\n\r\n" + BODY)
ROOT = Path(__file__).resolve().parent.parent


def serve(hosts: int, ports: Any, ready: Any) -> None:
    """Answer every request at once, keep-alive, on 127.0.0.2 .. 127.0.0.(hosts + 1)."""
    async def talk(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                await reader.readuntil(b"\r\n\r\n")
                writer.write(ANSWER)
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            writer.close()

    async def main() -> None:
        for i in range(hosts):
            server = await asyncio.start_server(talk, f"127.0.0.{i + 2}", 0)
            ports.append(server.sockets[0].getsockname()[1])
        ready.set()
        await asyncio.Event().wait()

    _run(main)


def _run(main: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    """``main()`` on a new event loop, uvloop's when installed (as the check runs it)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main())
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main())


def load_ref(ref: str) -> types.ModuleType:
    """``archiver.net.aio`` as it is at ``ref``, with ``archiver.net.wire`` of ``ref``."""
    tag = "".join(c if c.isalnum() else "_" for c in ref)

    def load(path: str, name: str) -> types.ModuleType:
        source = subprocess.run(["git", "show", f"{ref}:{path}"], cwd=ROOT, check=True,
                                capture_output=True, text=True).stdout
        module = types.ModuleType(name)
        module.__file__ = f"{ref}:{path}"
        sys.modules[name] = module
        exec(compile(source, module.__file__, "exec"), module.__dict__)
        return module

    from archiver.net import wire as new_wire

    old_wire = load("archiver/net/wire.py", f"_bench_ref_wire_{tag}")
    # One WireUrl class for both, so that HttpClient's isinstance tests hold.
    old_wire.WireUrl = new_wire.WireUrl  # type: ignore[attr-defined]
    old_aio = load("archiver/net/aio.py", f"_bench_ref_aio_{tag}")
    old_aio.wire_url = old_wire.wire_url  # type: ignore[attr-defined]
    return old_aio


def measure(aio: types.ModuleType, urls: list[list[str]], requests: int,
            tasks: int) -> tuple[float, float]:
    """(CPU µs per request one after the other, CPU µs per request from ``tasks`` tasks)."""
    from archiver.net import HttpClient

    async def main() -> tuple[float, float]:
        with HttpClient(allow_private=True, deadline=10) as client:
            aclient = aio.AsyncHttpClient(client)
            try:
                for url in urls[0][:50]:  # warm up: connections, name cache, code paths
                    await aclient.get(url)
                one = urls[0]
                started = time.process_time()
                for i in range(requests):
                    r = await aclient.get(one[i % len(one)])
                    assert r.status == 200 and len(r.body) == len(BODY)
                sequential = (time.process_time() - started) / requests * 1e6

                async def worker(k: int) -> None:
                    mine = urls[k % len(urls)]
                    for i in range(k, requests, tasks):
                        r = await aclient.get(mine[i % len(mine)])
                        assert r.status == 200

                started = time.process_time()
                await asyncio.gather(*(worker(k) for k in range(tasks)))
                concurrent = (time.process_time() - started) / requests * 1e6
            finally:
                await aclient.aclose()
        return sequential, concurrent

    result: tuple[float, float] = _run(main)
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=5000)
    ap.add_argument("--hosts", type=int, default=20)
    ap.add_argument("--tasks", type=int, default=80)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--ref", default="main",
                    help="git refs of the baselines, comma-separated ('' for none)")
    args = ap.parse_args()
    mgr = multiprocessing.Manager()
    ports = mgr.list()
    ready = multiprocessing.Event()
    proc = multiprocessing.Process(target=serve, args=(args.hosts, ports, ready), daemon=True)
    proc.start()
    ready.wait()
    urls = [[f"http://127.0.0.{h + 2}:{ports[h]}/p/{n}" for n in range(1000)]
            for h in range(args.hosts)]
    from archiver.net import aio

    clients: dict[str, types.ModuleType] = {
        ref: load_ref(ref) for ref in args.ref.split(",") if ref}
    clients["this tree"] = aio
    figures: dict[str, list[tuple[float, float]]] = {name: [] for name in clients}
    print(f"{args.requests} GETs one after the other, then from {args.tasks} tasks over "
          f"{args.hosts} hosts: CPU µs per request")
    for _ in range(args.repeat):
        for name, module in clients.items():
            seq, conc = measure(module, urls, args.requests, args.tasks)
            figures[name].append((seq, conc))
            print(f"  {name:12s} sequential {seq:7.1f}  concurrent {conc:7.1f}")
    # the median, and the least (the figure other processes on the machine disturb least)
    for label, pick in (("median", statistics.median), ("least", min)):
        print(f"{label} of {args.repeat}:")
        for name, runs in figures.items():
            print(f"  {name:12s} sequential {pick(r[0] for r in runs):7.1f}  "
                  f"concurrent {pick(r[1] for r in runs):7.1f}")
    proc.terminate()


if __name__ == "__main__":
    main()
