"""The configuration file on the command line: ``--config FILE`` and option defaults.

Every command that reads a manifest (or documents) takes ``--config FILE``.
Before a command parses its options, :func:`apply_config` finds the file
(:func:`archiver.config.find_config`), checks each key against the command's
own flags and hands the values to click as the command's ``default_map``, so
the precedence is click's: a flag on the command line, then the file, then the
built-in default. Keys are flag names without the dashes (``fail-on``,
``per-host-concurrency``); a key that is no command's flag is an error with a
did-you-mean, as an unknown manifest key is.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import click

from archiver.config import Config, discover_config
from archiver.errors import ConfigError

#: Where the loaded :class:`~archiver.config.Config` is kept in ``ctx.meta``.
CONFIG_META = "archiver.config"
#: Parameters that name what to work on rather than how: never taken from a file.
NOT_FROM_CONFIG = frozenset({"config", "help", "source_ids", "output"})
#: Parameter names whose first value locates the configuration (a manifest or documents).
LOCATORS = ("manifest", "paths", "inputs", "target")

CONFIG_HELP = ("Configuration file (archiver.toml, or a pyproject.toml with [tool.archiver]). "
               "Default: archiver.toml or pyproject.toml beside the manifest, then in the "
               "current folder. Flags override it.")


def config_param() -> click.Option:
    """The ``--config FILE`` option added to every command that can use one."""
    return click.Option(["--config"], type=click.Path(path_type=Path, dir_okay=False),
                        default=None, metavar="FILE", expose_value=False, is_eager=True,
                        help=CONFIG_HELP)


def takes_config(cmd: click.Command) -> bool:
    return any(p.name in LOCATORS for p in cmd.params)


def add_config_option(cmd: click.Command) -> None:
    """Give ``cmd`` a ``--config`` option if it reads a manifest and has none yet."""
    if takes_config(cmd) and not any(p.name == "config" for p in cmd.params):
        cmd.params.append(config_param())


def option_keys(cmd: click.Command) -> dict[str, click.Option]:
    """The configuration keys of ``cmd``: its long flag names without dashes."""
    out: dict[str, click.Option] = {}
    for param in cmd.params:
        if not isinstance(param, click.Option) or param.name in NOT_FROM_CONFIG:
            continue
        if param.hidden:
            continue
        longs = [o for o in param.opts if o.startswith("--")]
        if not longs:
            continue
        out[longs[0][2:]] = param
    return out


def _lookup(keys: Mapping[str, click.Option], key: str) -> click.Option | None:
    return keys.get(key) or keys.get(key.replace("_", "-"))


def _value(param: click.Option, value: Any) -> Any:
    """A file value in the shape click expects (a list for repeatable options)."""
    if param.multiple and not isinstance(value, list | tuple):
        return [value]
    return value


def config_defaults(config: Config, name: str, cmd: click.Command, ctx: click.Context,
                    all_keys: Iterable[str] = ()) -> dict[str, Any]:
    """``cmd``'s ``default_map`` from ``config``, each value checked as click checks flags.

    ``all_keys`` are the option keys of every command: a top-level key no
    command knows is an error; one only other commands know is skipped.
    """
    keys = option_keys(cmd)
    out: dict[str, Any] = {}

    def take(key: str, value: Any, where: str) -> None:
        param = _lookup(keys, key)
        assert param is not None and param.name is not None
        value = _value(param, value)
        try:
            param.process_value(ctx, value)
        except click.BadParameter as err:
            raise ConfigError(f"{where} = {value!r}: {err.message}",
                              hint=f"the value must be what --{key} accepts; see "
                              f"archiver {name} --help") from None
        out[param.name] = value

    known_anywhere = set(all_keys) | set(keys)
    for key, value in config.options.items():
        if _lookup(keys, key) is not None:
            take(key, value, f"{config.label}: {key}")
        elif key not in known_anywhere and key.replace("_", "-") not in known_anywhere:
            raise ConfigError(f"{config.label}: unknown key {key!r}",
                              hint=_hint(key, known_anywhere))
    for key, value in config.commands.get(name, {}).items():
        if _lookup(keys, key) is None:
            raise ConfigError(f"{config.label}: [{name}] has an unknown key {key!r}",
                              hint=_hint(key, keys))
        take(key, value, f"{config.label}: [{name}] {key}")
    return out


def _hint(key: str, keys: Iterable[str]) -> str:
    close = difflib.get_close_matches(key.replace("_", "-"), sorted(keys), n=1)
    if close:
        return f"did you mean {close[0]!r}?"
    return "keys are the commands' long option names without the dashes, e.g. fail-on"


def _locator(probe: click.Context) -> str | None:
    for name in LOCATORS:
        value = probe.params.get(name)
        if isinstance(value, list | tuple):
            value = value[0] if value else None
        if value is not None and str(value) != "-":
            return str(value)
    return None


def _explicit(args: list[str]) -> str | None:
    """The ``--config`` value among raw arguments (the option is not exposed)."""
    for index, arg in enumerate(args):
        if arg == "--":
            return None
        if arg == "--config" and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith("--config="):
            return arg.split("=", 1)[1]
    return None


def all_option_keys(names: Iterable[str]) -> set[str]:
    """Every option key of the commands ``names`` (imports them)."""
    out: set[str] = set()
    for name in names:
        module = importlib.import_module(f"archiver.cli.{name}_cmd")
        out |= set(option_keys(module.command))
    return out


def apply_config(ctx: click.Context, name: str, cmd: click.Command, args: list[str],
                 commands: Iterable[str]) -> None:
    """Find the configuration for this invocation and give ``cmd`` its defaults.

    ``args`` are parsed once, leniently, for what locates the file (the manifest
    or the documents) and for checking the file's values as click would.
    """
    if not takes_config(cmd):
        return
    commands = tuple(commands)
    explicit = _explicit(args)
    if explicit == "":
        raise ConfigError("--config was given an empty file name",
                          hint="name a configuration file, e.g. --config archiver.toml")
    probe = cmd.make_context(name, list(args), parent=ctx, resilient_parsing=True)
    config = discover_config(explicit=explicit, manifest=_locator(probe), commands=commands)
    ctx.meta[CONFIG_META] = config
    if config.path is None:
        return
    others = [c for c in commands if c != name]
    needs_all = any(_lookup(option_keys(cmd), k) is None for k in config.options)
    defaults = config_defaults(config, name, cmd, probe,
                               all_option_keys(others) if needs_all else ())
    ctx.default_map = {**(ctx.default_map or {}), name: defaults}


def current_config() -> Config:
    """The configuration of the running command (an empty one outside a command)."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return Config()
    config = ctx.meta.get(CONFIG_META)
    return config if isinstance(config, Config) else Config()
