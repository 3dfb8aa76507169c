"""Benchmark: how long ``load_manifest`` takes for a generated N-source manifest.

Writes manifests of N sources (TOML and JSON Lines, each source with one quote, as
bench/bench_scale.py writes them, or ``--style check``: none, as bench/bench_check.py
writes them) and prints the median of ``--repeat`` loads
(read, parse, validate, build) for each size, the TOML ones with the standard
library's tomllib and with tomli (when installed, and the version archiver uses)
side by side, and the TOML parse alone beside each::

    python bench/bench_manifest.py                       # N = 2,000 and 100,000
    python bench/bench_manifest.py --sizes 2000 --repeat 9 --style check

Not a timed test: figures depend on the machine and its load.
"""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from archiver import manifest

#: The parser archiver uses (an archiver from before tomli, for a "before" figure: tomllib).
PARSER: str = getattr(manifest, "TOML_PARSER", "tomllib")


def rows(n: int) -> list[dict[str, Any]]:
    return [{
        "id": f"s{i}", "url": f"http://127.1.{i % 1000 // 250}.{i % 250 + 1}:8080/p/{i}",
        "publisher": f"Publisher {i % 97}", "title": f"Article number {i}",
        "published": f"2014-{1 + i % 12:02d}-{1 + i % 28:02d}", "language": "en",
        "quote": [{"text": f"A plain article paragraph about the matter at hand {i}."}],
    } for i in range(n)]


def check_rows(n: int) -> list[dict[str, Any]]:
    """Sources as bench/bench_check.py writes them: 20 hosts, no quote, short fields."""
    return [{"id": f"s{i}", "url": f"http://127.0.0.{i % 20 + 2}:8080/p/{i // 20}",
             "publisher": "P", "title": "T", "published": "2014-09-01", "language": "en"}
            for i in range(n)]


def write_toml(path: Path, sources: list[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        fh.write('[manifest]\nid = "bench"\ntitle = "Benchmark"\n')
        for row in sources:
            fh.write(f'\n[[source]]\nid = "{row["id"]}"\nurl = "{row["url"]}"\n'
                     f'publisher = "{row["publisher"]}"\ntitle = "{row["title"]}"\n'
                     f'published = {row["published"]}\nlanguage = "en"\n')
            for quote in row.get("quote", []):
                fh.write(f'  [[source.quote]]\n  text = "{quote["text"]}"\n')
    return path


def write_jsonl(path: Path, sources: list[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        fh.write(json.dumps({"manifest": {"id": "bench", "title": "Benchmark"}}) + "\n")
        for row in sources:
            fh.write(json.dumps(row) + "\n")
    return path


def median_time(action: Callable[[Any], object], argument: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action(argument)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def parsers() -> dict[str, Callable[[str], dict[str, Any]]]:
    """tomllib, and the parser archiver uses when it is another (tomli)."""
    found: dict[str, Callable[[str], dict[str, Any]]] = {"tomllib": tomllib.loads}
    if PARSER != "tomllib":
        found[PARSER] = manifest._toml_loads
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="2000,100000", help="comma-separated source counts")
    ap.add_argument("--repeat", type=int, default=5, help="loads per figure (median)")
    ap.add_argument("--style", choices=["scale", "check"], default="scale",
                    help="sources as bench_scale.py writes them (a quote each, the default) "
                    "or as bench_check.py does (no quote)")
    args = ap.parse_args()
    make_rows = rows if args.style == "scale" else check_rows
    sizes = [int(size) for size in args.sizes.split(",")]
    chosen = getattr(manifest, "_toml_loads", tomllib.loads)
    print(f"archiver reads TOML with {PARSER}; median of {args.repeat} loads")
    print(f"{'sources':>8} {'format':<6} {'parser':<12} {'parse s':>8} {'load s':>8}")
    with tempfile.TemporaryDirectory() as folder:
        for n in sizes:
            toml_path = write_toml(Path(folder) / f"m{n}.toml", make_rows(n))
            text = toml_path.read_text(encoding="utf-8")
            for name, loads in parsers().items():
                manifest._toml_loads = loads
                try:
                    parse = median_time(loads, text, args.repeat)
                    load = median_time(manifest.load_manifest, toml_path, args.repeat)
                finally:
                    manifest._toml_loads = chosen
                print(f"{n:>8,} {'toml':<6} {name:<12} {parse:>8.3f} {load:>8.3f}")
            del text
            jsonl_path = write_jsonl(Path(folder) / f"m{n}.jsonl", make_rows(n))
            load = median_time(manifest.load_manifest, jsonl_path, args.repeat)
            print(f"{n:>8,} {'jsonl':<6} {'json':<12} {'':>8} {load:>8.3f}")


if __name__ == "__main__":
    main()
