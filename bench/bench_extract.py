"""Benchmark: how fast `archiver extract` drafts a manifest from a dossier.

Prints figures; not a timed test. Run: .venv/bin/python bench/bench_extract.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from archiver.dossier import extract_dossier, read_dossier

SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_8fecf36aac7f0217.txt"


def main() -> int:
    if not SEED.exists():
        print(f"seed dossier not found at {SEED}", file=sys.stderr)
        return 1
    text = read_dossier(SEED)
    for copies in (1, 10, 50):
        big = "\n\n".join([text] * copies)
        runs = 5 if copies < 50 else 2
        started = time.perf_counter()
        for _ in range(runs):
            draft = extract_dossier(big, str(SEED))
        elapsed = (time.perf_counter() - started) / runs
        lines = big.count("\n")
        print(f"{copies:>3}x seed: {lines:>6} lines, {len(draft.urls):>3} unique URLs, "
              f"{elapsed * 1000:8.1f} ms ({lines / elapsed:,.0f} lines/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
