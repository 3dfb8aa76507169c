"""``archiver extract``: a draft manifest from a press-dossier text."""

from __future__ import annotations

from pathlib import Path

import click

from archiver.cli.common import ExitCode, emit, finish, warn
from archiver.cli.options import format_option, output_option
from archiver.dossier import extract_dossier, read_dossier, render_toml
from archiver.report import serialize


@click.command("extract")
@click.argument("dossier", type=click.Path(path_type=Path))
@format_option(["toml", "json", "urls"], default="toml")
@output_option
def command(dossier: Path, fmt: str, output: Path | None) -> None:
    """Draft a manifest from a press-dossier text (e.g. a PDF-to-text dump).

    Finds every URL (rejoining URLs the conversion split across lines),
    de-duplicates them, attaches each to its article (publisher, date, title,
    author from the block's header lines) and proposes quotes: passages in
    quote marks and the first sentences of each article, verbatim. The draft
    is for a person to curate; unknown fields are left as TODO comments.

    \b
    Example:
      archiver extract dossier.txt -o manifests/draft.toml
      archiver extract dossier.txt --format urls
    """
    draft = extract_dossier(read_dossier(dossier), str(dossier))
    if fmt == "urls":
        emit("\n".join(f.url for f in draft.urls), output)
    elif fmt == "json":
        emit(serialize.to_json(serialize.draft_document(draft)), output)
    else:
        emit(render_toml(draft), output)
    rejoined = sum(1 for f in draft.urls if f.rejoined)
    warn(f"{dossier}: {len(draft.urls)} unique URLs ({rejoined} rejoined across lines), "
         f"{len(draft.sources)} sources, "
         f"{sum(len(s.quotes) for s in draft.sources)} proposed quotes")
    finish(ExitCode.OK)
