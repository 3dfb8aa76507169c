"""The flagship report table, in Markdown, from an ``archiver run`` report.json.

    python -m tests.world.table report/report.json

One row per source: publisher, the link's class today (with the HTTP status or
the network error), the 2014 capture used, and the quotes' verdicts.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

STATUS_ORDER = ("verified", "verified_typo", "altered", "missing", "unverifiable")


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def link_cell(link: dict[str, Any] | None) -> str:
    if not link:
        return "—"
    why = link.get("error") or link.get("http_status")
    return f"{link['link_class']}" + (f" ({why})" if why else "")


def capture_cell(capture: dict[str, Any] | None) -> str:
    held = (capture or {}).get("capture")
    if not held:
        return "none" if capture else "—"
    text = str(held["memento_datetime"])[:10]
    if capture and capture.get("rule") == "redirect":
        text += " (archived redirect)"
    elif held.get("pre_publication"):
        text += " (before publication)"
    return text


def quotes_cell(quotes: list[dict[str, Any]]) -> str:
    if not quotes:
        return "—"
    counts = Counter(q["status"] for q in quotes)
    return ", ".join(f"{counts[s]} {s}" for s in STATUS_ORDER if counts[s])


def markdown_table(report: dict[str, Any]) -> str:
    """The table, with a summary line under it."""
    lines = ["| source | publisher | link today | 2014 capture | quotes |",
             "|---|---|---|---|---|"]
    for row in report["sources"]:
        source = row["source"]
        lines.append("| " + " | ".join(_cell(c) for c in (
            f"`{source['id']}`", source["publisher"], link_cell(row["link"]),
            capture_cell(row["capture"]), quotes_cell(row["quotes"]))) + " |")
    summary = report["run"]["summary"]
    parts = []
    for name in ("links", "captures", "quotes"):
        tally = summary.get(name) or {}
        parts.append(f"{name}: " + ", ".join(f"{n} {k}" for k, n in tally.items()))
    lines += ["", f"{summary.get('sources', len(report['sources']))} sources; "
              + "; ".join(parts) + "."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m tests.world.table REPORT.json", file=sys.stderr)
        return 2
    report = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    sys.stdout.write(markdown_table(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
