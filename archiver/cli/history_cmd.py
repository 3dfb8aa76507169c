"""``archiver history``: not implemented yet (issue #3)."""

from __future__ import annotations

import click

from archiver.errors import ConfigError


@click.command("history", context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def command(args: tuple[str, ...]) -> None:
    """Not implemented yet (issue #3)."""
    raise ConfigError("archiver history is not implemented yet (issue #3)")
