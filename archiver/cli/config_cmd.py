"""``archiver config``: the effective settings of each command and where each comes from."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from archiver.cli.common import emit
from archiver.cli.configfile import (
    CONFIG_META,
    all_option_keys,
    config_defaults,
    option_keys,
)
from archiver.cli.options import format_option, output_option
from archiver.config import CONFIG_NAME, PYPROJECT_NAME, Config
from archiver.models import HostSettings
from archiver.report.common import text_table
from archiver.report.safe import visible
from archiver.schemas import schema_id

#: The commands whose settings are shown by default (the ones a file usually tunes).
SHOWN = ("check", "fetch", "verify", "run", "capture")


def _plain(value: Any) -> Any:
    """A JSON value: scalars as they are, sequences as lists, anything else as text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return str(value)


def _shown(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, tuple | list):
        return ", ".join(str(v) for v in value) if value else "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _host_record(h: HostSettings) -> dict[str, Any]:
    return {"host": h.host, "concurrency": h.concurrency, "interval": h.interval,
            "timeout": h.timeout, "headers": dict(h.headers)}


# Here, not in configfile.py (which every command loads): only ``archiver config`` shows them.
@dataclass(frozen=True)
class Setting:
    """One option's effective default for a command and where it comes from."""

    key: str
    value: Any
    origin: str  # "default" or "FILE: [command] key"


def effective(config: Config, name: str, cmd: click.Command,
              all_keys: Iterable[str]) -> list[Setting]:
    """Every option of ``cmd`` with its value and origin under ``config``.

    ``all_keys``: every command's option keys (see :func:`config_defaults`).
    """
    ctx = click.Context(cmd, info_name=name, resilient_parsing=True)
    # the values the command receives when given nothing (defaults processed as click does)
    builtin = cmd.make_context(name, [], resilient_parsing=True).params
    defaults = (config_defaults(config, name, cmd, ctx, all_keys)
                if config.path is not None else {})
    out = []
    for key, param in sorted(option_keys(cmd).items()):
        found = config.value(name, key) or config.value(name, key.replace("-", "_"))
        if param.name in defaults and found is not None:
            out.append(Setting(key, found[0], found[1]))  # as written in the file
        else:
            out.append(Setting(key, builtin.get(param.name or ""), "default"))
    return out


def _settings(config: Config, names: tuple[str, ...]) -> dict[str, list[Setting]]:
    from archiver.cli import COMMANDS

    all_keys = all_option_keys(COMMANDS)
    out = {}
    for name in names:
        module = importlib.import_module(f"archiver.cli.{name}_cmd")
        out[name] = effective(config, name, module.command, all_keys)
    return out


@click.command("config")
@click.argument("manifest", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--command", "commands", multiple=True, metavar="NAME",
              type=click.Choice(["check", "fetch", "verify", "run", "extract", "validate",
                                 "history"]),
              help="Show this command's settings (repeatable). Default: "
              f"{', '.join(SHOWN)}.")
@click.option("--changed", is_flag=True, default=False,
              help="Show only the settings the configuration file changes.")
@format_option(["table", "json"])
@output_option
def command(manifest: Path | None, commands: tuple[str, ...], changed: bool, fmt: str,
            output: Path | None) -> None:
    """Print the effective settings and where each comes from.

    The configuration file is --config FILE, else archiver.toml (or a
    pyproject.toml with a [tool.archiver] table) beside MANIFEST, then in the
    current folder. Each setting is shown with its origin: the file and key
    that set it, or "default". Flags given to a command override both.

    \b
    Example archiver.toml:
      user-agent = "archiver (mailto:archives@example.org)"
      exclude = ['^https?://(www\\.)?linkedin\\.com/']
      accept = ["403"]
      [check]
      fail-on = "gone,dead"
      [hosts."www.lemonde.fr"]
      concurrency = 1
      interval = 5.0

    \b
    Exit codes: 0 shown; 3 the configuration file is invalid.
    """
    ctx = click.get_current_context()
    config = ctx.meta.get(CONFIG_META)
    if not isinstance(config, Config):
        config = Config()
    names = commands or SHOWN
    settings = _settings(config, names)
    if changed:
        settings = {n: [s for s in rows if s.origin != "default"] for n, rows in settings.items()}
    if fmt == "json":
        document = {
            "schema": schema_id("config"),
            "file": str(config.path) if config.path is not None else None,
            "table": config.table,
            "commands": {n: [{"key": s.key, "value": _plain(s.value), "origin": s.origin}
                             for s in rows] for n, rows in settings.items()},
            "hosts": [_host_record(h) for h in config.hosts],
        }
        emit(json.dumps(document, indent=2, ensure_ascii=False), output)
        return
    lines = []
    if config.path is None:
        lines.append(f"configuration: none found (looked for {CONFIG_NAME} and {PYPROJECT_NAME} "
                     "[tool.archiver] beside the manifest and in the current folder); "
                     "built-in defaults")
    else:
        lines.append(f"configuration: {visible(config.label)}")
    for name, rows in settings.items():
        lines.append("")
        lines.append(f"[{name}]")
        if not rows:
            lines.append("  (nothing changed)")
            continue
        lines.append(text_table(["setting", "value", "from"],
                                [[s.key, visible(_shown(s.value)), visible(s.origin)]
                                 for s in rows]))
    if config.hosts:
        lines.append("")
        lines.append("[hosts]")
        lines.append(text_table(
            ["host", "concurrency", "interval", "timeout", "headers"],
            [[visible(h.host), _shown(h.concurrency), _shown(h.interval), _shown(h.timeout),
              visible(", ".join(f"{k}: {v}" for k, v in h.headers) or "-")]
             for h in config.hosts]))
    emit("\n".join(lines) + "\n", output)
