"""``archiver verify``: not implemented yet (issue #5)."""

from __future__ import annotations

import click

from archiver.errors import ConfigError


@click.command("verify", context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def command(args: tuple[str, ...]) -> None:
    """Not implemented yet (issue #5)."""
    raise ConfigError("archiver verify is not implemented yet (issue #5)")
