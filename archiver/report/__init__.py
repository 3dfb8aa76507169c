"""Turn results into text. Pure functions: no printing, no files, no verdicts.

One module per kind of result (links, captures, quotes, runs). Every JSON,
JSON Lines and CSV record is made by :mod:`archiver.report.serialize`, whose
documents follow the JSON Schemas in ``archiver/schemas/``; the text building
blocks (terminal tables, Markdown, JUnit) live in :mod:`archiver.report.common`.
What hostile text may not do in an output for people (act as a link, a terminal
escape sequence, a formula, markup) is ruled in :mod:`archiver.report.safe`.
"""

from __future__ import annotations

from pathlib import Path

from archiver.models import Manifest


def default_report_dir(manifest: Manifest) -> Path:
    """Where ``archiver run`` writes its report by default: ``report/`` in the
    manifest's project folder, beside ``warcs/`` and ``.archiver/``."""
    return manifest.project_dir / "report"


__all__ = ["default_report_dir"]
