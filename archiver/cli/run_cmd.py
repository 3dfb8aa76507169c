"""``archiver run``: not implemented yet (issue #6)."""

from __future__ import annotations

import click

from archiver.errors import ConfigError


@click.command("run", context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def command(args: tuple[str, ...]) -> None:
    """Not implemented yet (issue #6)."""
    raise ConfigError("archiver run is not implemented yet (issue #6)")
