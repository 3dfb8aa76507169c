"""Start the world and show how to point archiver at it:  python -m tests.world

    python -m tests.world            # start, print the commands, wait for Ctrl-C
    python -m tests.world --run      # start, run the pipeline once, print the table, stop
    python -m tests.world --dir DIR  # keep the world's files (pywb, CA) and outputs in DIR

Needs the test extras (pywb, trustme): pip install -e '.[test]'. Everything
listens on 127.0.0.1 only; nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from tests.world.definition import HOSTS
from tests.world.proxy import STYLES
from tests.world.table import markdown_table
from tests.world.world import ROOT, World, fast_archive_options


def _quote(args: list[str]) -> str:
    return " ".join(shlex.quote(a) for a in args)


def archiver_command() -> str:
    """How to run this archiver from a shell: the venv's script, else ``python -m archiver``.

    The world runs from the README's virtual environment (``.venv/bin/python -m
    tests.world``), where ``archiver`` is not on PATH unless the venv is active.
    """
    script = Path(sys.executable).parent / "archiver"
    if script.is_file():
        try:
            return shlex.quote(os.path.relpath(script))
        except ValueError:  # pragma: no cover - another drive
            return shlex.quote(str(script))
    return f"{shlex.quote(sys.executable)} -m archiver"


def instructions(world: World, out: Path) -> str:
    env = " ".join(f"{k}={shlex.quote(v)}" for k, v in world.env().items())
    manifest = os.path.relpath(world.manifest_path) if Path.cwd() == ROOT \
        else str(world.manifest_path)
    opts = world.options()
    stage = ["--warcs", str(out / "warcs")]
    assert world.proxy is not None
    archiver = archiver_command()
    lines = [
        "The world is up (127.0.0.1 only):",
        f"  today's web, through a proxy:  {world.proxy_url}  ({len(HOSTS)} hosts answer; "
        "www.ambafrance-es.org does not resolve)",
        f"  the 2014 archive (pywb):       {world.archive_url}  (CDX API: {world.cdx_url})",
        f"  the https sites' test CA:      {world.ca_bundle}",
        "",
        "Run the whole pipeline on the flagship manifest, unchanged:",
        f"  {env} {archiver} " + _quote([*world.run_args(out, manifest=manifest),
                                       *fast_archive_options()]),
        "",
        "Or stage by stage:",
        f"  {env} {archiver} check {manifest} --proxy {world.proxy_url} "
        f"--per-host-interval 0 --timeout 3 --db {shlex.quote(str(out / 'history.sqlite3'))}",
        f"  {archiver} fetch {manifest} {_quote(opts)} {_quote(stage)} "
        + _quote(fast_archive_options(command="fetch")),
        f"  {archiver} verify {manifest} {_quote(stage)}",
        "",
        "Look around as archiver sees it:",
        f"  curl -x {world.proxy_url} --cacert {shlex.quote(str(world.ca_bundle))} -L "
        "http://www.theguardian.com/uk-news/2014/sep/20/"
        "uk-government-illegal-migrants-calais-twelve-million",
        f"  curl -x {world.proxy_url} -i http://www.ambafrance-es.org/",
        "",
        "Press Ctrl-C to stop the world.",
    ]
    return "\n".join(lines)


def run_once(world: World, out: Path) -> int:
    """Run the pipeline in the world; print the report table; return archiver's exit code."""
    args = [sys.executable, "-m", "archiver", *world.run_args(out), *fast_archive_options()]
    done = subprocess.run(args, env={**os.environ, **world.env()}, check=False)
    report = out / "report" / "report.json"
    if not report.is_file():
        print(f"no report was written (archiver exited {done.returncode})", file=sys.stderr)
        return done.returncode or 1
    print()
    print(markdown_table(json.loads(report.read_text(encoding="utf-8"))), end="")
    return done.returncode


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.world", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, default=None,
                        help="folder for the world's files and archiver's outputs "
                        "(default: a temporary folder, removed at the end)")
    parser.add_argument("--style", choices=STYLES, default="rfc9209",
                        help="how the proxy reports a host that does not resolve")
    parser.add_argument("--run", action="store_true",
                        help="run `archiver run` once in the world, print the table, stop")
    ns = parser.parse_args(argv)
    # Ctrl-C and kill both stop the world cleanly (pywb is a child process).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    with tempfile.TemporaryDirectory(prefix="archiver-world-") as tmp:
        base = (ns.dir or Path(tmp)).resolve()
        out = base / "out"
        with World(base / "world", style=ns.style) as world:
            if ns.run:
                return run_once(world, out)
            print(instructions(world, out), flush=True)
            try:
                threading.Event().wait()
            except KeyboardInterrupt:
                print("\nStopping the world.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
