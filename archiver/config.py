"""The configuration file: where it is, what it may say, and the settings it gives.

A project's settings live in ``archiver.toml`` (or a ``[tool.archiver]`` table
in ``pyproject.toml``, as ruff and mypy read theirs), or in the file given with
``--config FILE``. Command-line flags override the file; the file overrides the
built-in defaults. The file is looked for, first found wins:

1. ``--config FILE`` (an error if it is missing);
2. beside the manifest: ``archiver.toml``, then ``pyproject.toml`` with a
   ``[tool.archiver]`` table, in the manifest's folder, then in its project
   folder (the parent of a ``manifests/`` folder);
3. in the current folder, the same two names.

Shape (every key optional)::

    # options of any command that has them, by their flag names
    user-agent = "archiver (mailto:archives@example.org)"
    exclude = ['^https?://(www\\.)?linkedin\\.com/']
    accept = ["200..=299", "403"]

    [check]                  # options of one command override the ones above
    fail-on = "gone,dead"
    per-host-concurrency = 1

    [hosts."www.lemonde.fr"] # per-host overrides of the check
    concurrency = 1
    interval = 5.0
    timeout = 60
    headers = { "User-Agent" = "archiver (mailto:archives@example.org)" }

Which option names a command knows is the command line's business (it checks
each key against the command's flags, with a did-you-mean); this module checks
the file's structure, the ``[hosts]`` tables and the values it interprets
itself (:func:`parse_statuses`, :func:`compile_patterns`).
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archiver.errors import ConfigError
from archiver.models import HostSettings
from archiver.urls import host_key

CONFIG_NAME = "archiver.toml"
PYPROJECT_NAME = "pyproject.toml"
#: A configuration file larger than this is refused before parsing (a real one is
#: a few hundred bytes; the cap keeps a wrong path from reading a huge file).
MAX_CONFIG_BYTES = 1024 * 1024
#: The keys of a ``[hosts."NAME"]`` table.
HOST_KEYS = ("concurrency", "interval", "timeout", "headers")
#: HTTP status codes (RFC 9110 section 15: three digits, 100 to 599).
MIN_STATUS, MAX_STATUS = 100, 599

_RANGE_RE = re.compile(r"(\d{3})\s*\.\.(=?)\s*(\d{3})", re.ASCII)


@dataclass(frozen=True)
class Config:
    """The settings of one configuration file (empty when there is none).

    ``options`` holds the top-level option keys, ``commands`` one table of
    option keys per command, each as written (flag names, e.g. ``fail-on``).
    """

    path: Path | None = None
    #: ``"[tool.archiver]"`` when the settings come from ``pyproject.toml``.
    table: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    commands: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    hosts: tuple[HostSettings, ...] = ()

    @property
    def label(self) -> str:
        """How messages name the file, e.g. ``pyproject.toml [tool.archiver]``."""
        if self.path is None:
            return "no configuration file"
        return f"{self.path} {self.table}" if self.table else str(self.path)

    def value(self, command: str, key: str) -> tuple[Any, str] | None:
        """``key``'s value for ``command`` and where it was written, or None.

        A command's own table wins over the top level.
        """
        section = self.commands.get(command, {})
        if key in section:
            return section[key], f"{self.label}: [{command}] {key}"
        if key in self.options:
            return self.options[key], f"{self.label}: {key}"
        return None

    def host(self, host: str) -> HostSettings | None:
        """The overrides for ``host`` (as :func:`archiver.urls.host_of` gives it)."""
        name = host_key(host)
        for item in self.hosts:
            if item.host == name:
                return item
        return None


# --------------------------------------------------------------------------
# finding the file
# --------------------------------------------------------------------------


def find_config(*, explicit: Path | str | None = None, manifest: Path | str | None = None,
                cwd: Path | None = None) -> tuple[Path, str | None] | None:
    """The configuration file to use and its table (``None`` for archiver.toml), or None.

    See the module docstring for the order. ``explicit`` must exist.
    """
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"configuration file {path} does not exist or is not a file")
        if path.name == PYPROJECT_NAME:
            return path, "[tool.archiver]"
        return path, None
    folders: list[Path] = []
    if manifest is not None and str(manifest) != "-":
        folder = Path(manifest).resolve().parent
        folders.append(folder)
        if folder.name == "manifests":  # the project folder (Manifest.project_dir)
            folders.append(folder.parent)
    folders.append((cwd or Path.cwd()).resolve())
    seen: set[Path] = set()
    for folder in folders:
        if folder in seen:
            continue
        seen.add(folder)
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate, None
        pyproject = folder / PYPROJECT_NAME
        if pyproject.is_file() and _has_tool_table(pyproject):
            return pyproject, "[tool.archiver]"
    return None


def _has_tool_table(path: Path) -> bool:
    try:
        data = _read_toml(path)
    except ConfigError:
        return False  # a broken pyproject.toml is not ours to judge unless it names us
    tool = data.get("tool")
    return isinstance(tool, dict) and "archiver" in tool


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        size = path.stat().st_size
        if size > MAX_CONFIG_BYTES:
            raise ConfigError(f"{path} is {size:,} bytes; configuration files are limited to "
                              f"{MAX_CONFIG_BYTES // 1024} kB")
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path} is not UTF-8 text ({err.reason} at byte {err.start})") from None
    except OSError as err:
        raise ConfigError(f"cannot read {path}: {err.strerror or err}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path} is not valid TOML: {err}") from None


# --------------------------------------------------------------------------
# reading it
# --------------------------------------------------------------------------


def load_config(path: Path | str, *, table: str | None = None,
                commands: Iterable[str] = ()) -> Config:
    """Read and check the configuration in ``path``.

    ``table`` is ``"[tool.archiver]"`` for a ``pyproject.toml``. ``commands``
    are the names allowed as command tables; any other table is an error with
    a did-you-mean.
    """
    path = Path(path)
    data = _read_toml(path)
    if table is not None:
        tool = data.get("tool")
        data = tool.get("archiver") if isinstance(tool, dict) else None  # type: ignore[assignment]
        if not isinstance(data, dict):
            raise ConfigError(f"{path} has no [tool.archiver] table")
    label = f"{path} {table}" if table else str(path)
    known = tuple(commands)
    options: dict[str, Any] = {}
    sections: dict[str, dict[str, Any]] = {}
    hosts: tuple[HostSettings, ...] = ()
    for key, value in data.items():
        if key == "hosts":
            hosts = _hosts(value, label, path)
        elif isinstance(value, dict):
            if known and key not in known:
                raise ConfigError(f"{label}: unknown table [{key}]"
                                  + _did_you_mean(key, (*known, "hosts")))
            for sub, sub_value in value.items():
                if isinstance(sub_value, dict):
                    raise ConfigError(f"{label}: [{key}] {sub} is a table; a command's "
                                      "table holds option values only")
            sections[key] = dict(value)
        else:
            options[key] = value
    return Config(path=path, table=table, options=options, commands=sections, hosts=hosts)


def discover_config(*, explicit: Path | str | None = None,
                    manifest: Path | str | None = None, cwd: Path | None = None,
                    commands: Iterable[str] = ()) -> Config:
    """:func:`find_config` then :func:`load_config`; an empty :class:`Config` if none."""
    found = find_config(explicit=explicit, manifest=manifest, cwd=cwd)
    if found is None:
        return Config()
    return load_config(found[0], table=found[1], commands=commands)


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    choices = sorted(choices)
    close = difflib.get_close_matches(word, choices, n=1)
    if close:
        return f"; did you mean [{close[0]}]?"
    return f"; known: {', '.join(f'[{c}]' for c in choices)}"


def _hosts(value: Any, label: str, path: Path) -> tuple[HostSettings, ...]:
    if not isinstance(value, dict):
        raise ConfigError(f'{label}: hosts must be tables, e.g. [hosts."www.example.org"]')
    out = []
    for name, table in value.items():
        where = f'{label}: [hosts."{name}"]'
        host = host_key(name)
        if not host or "/" in host or (":" in host.strip("[]") and not host.startswith("[")):
            raise ConfigError(f"{where}: {name!r} is not a host name",
                              hint='write the host alone, e.g. [hosts."www.lemonde.fr"]')
        if not isinstance(table, dict):
            raise ConfigError(f"{where} must be a table of {', '.join(HOST_KEYS)}")
        for key in table:
            if key not in HOST_KEYS:
                close = difflib.get_close_matches(key, HOST_KEYS, n=1)
                hint = f"did you mean {close[0]!r}?" if close else (
                    f"known keys: {', '.join(HOST_KEYS)}")
                raise ConfigError(f"{where}: unknown key {key!r}", hint=hint)
        concurrency = table.get("concurrency")
        if concurrency is not None and (isinstance(concurrency, bool)
                                        or not isinstance(concurrency, int) or concurrency < 1):
            raise ConfigError(f"{where}: concurrency must be a whole number of at least 1, "
                              f"not {concurrency!r}")
        interval = _seconds(table.get("interval"), f"{where}: interval", path, zero_ok=True)
        timeout = _seconds(table.get("timeout"), f"{where}: timeout", path, zero_ok=False)
        headers = table.get("headers", {})
        if not isinstance(headers, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in headers.items()):
            raise ConfigError(f'{where}: headers must be a table of strings, e.g. '
                              'headers = { "User-Agent" = "..." }')
        for hname, hvalue in headers.items():
            # RFC 9110 section 5.1 (a token) and 5.5 (no CR, LF or NUL in a value)
            if not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", hname) or any(
                    ch in hvalue for ch in "\r\n\0"):
                raise ConfigError(f"{where}: header {hname!r} is not a valid HTTP header")
        out.append(HostSettings(host=host, concurrency=concurrency, interval=interval,
                                timeout=timeout, headers=tuple(sorted(headers.items()))))
    return tuple(out)


def _seconds(value: Any, where: str, path: Path, *, zero_ok: bool) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or (
            value < 0 or (value == 0 and not zero_ok)):
        least = "0 or more" if zero_ok else "more than 0"
        raise ConfigError(f"{where} must be a number of seconds, {least}, not {value!r}")
    return float(value)


# --------------------------------------------------------------------------
# values this module interprets
# --------------------------------------------------------------------------


def parse_statuses(specs: Iterable[str | int]) -> frozenset[int]:
    """Status codes from ``"403"``, ``403``, ``"200..=299"``, ``"200..300"`` or comma lists.

    The range syntax is lychee's ``--accept`` (``..`` excludes the end, ``..=``
    includes it). Raises :class:`ValueError` naming the faulty part.
    """
    out: set[int] = set()
    for spec in specs:
        parts = [spec] if isinstance(spec, int) else str(spec).split(",")
        for part in parts:
            if isinstance(part, bool):
                raise ValueError(f"{part!r} is not a status code")
            if isinstance(part, int):
                low = high = part
            else:
                text = part.strip()
                if not text:
                    continue
                if text.isascii() and text.isdigit():
                    low = high = int(text)
                elif m := _RANGE_RE.fullmatch(text):
                    low, high = int(m[1]), int(m[3]) - (0 if m[2] else 1)
                    if high < low:
                        raise ValueError(f"{text!r} is an empty range")
                else:
                    raise ValueError(f"{text!r} is not a status code or a range such as "
                                     "200..=299")
            if not (low >= MIN_STATUS and high <= MAX_STATUS):
                raise ValueError(f"{part!r} is outside the HTTP status codes "
                                 f"({MIN_STATUS} to {MAX_STATUS})")
            out.update(range(low, high + 1))
    return frozenset(out)


def compile_patterns(patterns: Iterable[str], what: str) -> tuple[re.Pattern[str], ...]:
    """Compile URL regular expressions (Python syntax, searched anywhere in the URL)."""
    out = []
    for pattern in patterns:
        try:
            out.append(re.compile(pattern))
        except re.error as err:
            raise ConfigError(f"{what} pattern {pattern!r} is not a regular expression: {err}",
                              hint="patterns use Python's re syntax and are searched anywhere "
                              "in the URL; escape dots as \\.") from None
    return tuple(out)
