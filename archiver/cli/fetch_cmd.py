"""``archiver fetch``: not implemented yet (issue #4)."""

from __future__ import annotations

import click

from archiver.errors import ConfigError


@click.command("fetch", context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def command(args: tuple[str, ...]) -> None:
    """Not implemented yet (issue #4)."""
    raise ConfigError("archiver fetch is not implemented yet (issue #4)")
