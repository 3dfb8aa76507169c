"""``archiver extract``: a draft manifest from a press-dossier text."""

from __future__ import annotations

import click

from archiver.errors import ConfigError


@click.command("extract")
@click.argument("dossier")
def command(dossier: str) -> None:
    """Not implemented yet (issue #2)."""
    raise ConfigError("archiver extract is not implemented yet (issue #2)")
