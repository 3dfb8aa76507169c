"""Options shared by several commands: one name and one meaning everywhere."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from archiver.cli.common import output_file_callback
from archiver.errors import ConfigError
from archiver.failon import DEFAULTS, Command, FailOn, choices, parse_fail_on

F = TypeVar("F", bound=Callable[..., Any])


def format_option(choices: Sequence[str], default: str = "table") -> Callable[[F], F]:
    """``--format``: table for people by default; machine formats where they fit."""
    return click.option(
        "--format", "fmt", type=click.Choice(list(choices)), default=default,
        show_default=True, help="Output format.",
    )


def output_option(fn: F) -> F:
    """``--output FILE``: write the formatted result there instead of stdout.

    Checked as it is read (:func:`archiver.cli.common.check_output_file`), so a
    command that could not write its result stops before it starts (exit 3).
    """
    return click.option(
        "--output", "-o", "output", type=click.Path(path_type=Path),
        callback=output_file_callback, metavar="FILE",
        default=None, help="Write the result to FILE instead of standard output.",
    )(fn)


def no_progress_option(fn: F) -> F:
    return click.option(
        "--no-progress", is_flag=True, default=False,
        help="Hide the progress bar (it is hidden anyway when stderr is not a terminal).",
    )(fn)


def warcs_option(fn: F) -> F:
    return click.option(
        "--warcs", "warcs", type=click.Path(file_okay=False, path_type=Path), default=None,
        help="Folder of WARC files. Default: warcs/ in the manifest's project folder.",
    )(fn)


def archive_option(fn: F) -> F:
    return click.option(
        "--archive", "archives", multiple=True, metavar="URL",
        help="Base URL of a web archive (repeatable; tried in order). "
        "Default: the Internet Archive's Wayback Machine.",
    )(fn)


def db_option(fn: F) -> F:
    return click.option(
        "--db", "db", type=click.Path(dir_okay=False, path_type=Path), default=None,
        help="History database (SQLite). Default: .archiver/history.sqlite3 "
        "in the manifest's project folder, beside warcs/.",
    )(fn)


def allow_private_option(fn: F) -> F:
    return click.option(
        "--allow-private", is_flag=True, default=False,
        help="Permit loopback and private-network URLs (refused by default; "
        "needed for local tests).",
    )(fn)


def source_option(fn: F) -> F:
    """``--source ID`` (repeatable): work on these sources of the manifest only."""
    return click.option(
        "--source", "source_ids", multiple=True, metavar="ID",
        help="Only this source of the manifest (repeatable). Default: every source.",
    )(fn)


def _fail_on(command: Command) -> Callable[[click.Context, click.Parameter, tuple[str, ...]],
                                          FailOn]:
    def parse(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> FailOn:
        try:
            return parse_fail_on(values, command)
        except ConfigError as err:
            message = err.message.removeprefix("--fail-on: ")
            raise click.BadParameter(f"{message}; {err.hint or ''}".rstrip("; "),
                                     ctx=ctx, param=param) from None
    return parse


#: What each command's ``--fail-on`` help adds after the word list.
_FAIL_ON_NOTES = {
    Command.CHECK: "'gone' includes soft404; 'failing' and 'dead' are history states.",
    Command.FETCH: "'no-capture': a source left without a stored capture (any of the "
    "finer outcomes); 'pre-publication': the stored capture predates publication.",
    Command.VERIFY: "'drift': a quote gone from or changed on the live page (with --live).",
    Command.RUN: "Link classes and states as for `check`, capture outcomes as for `fetch`, "
    "quote statuses as for `verify`; 'changes': a regression since the previous run.",
}


def fail_on_option(command: Command) -> Callable[[F], F]:
    """``--fail-on LIST``: the one grammar (:mod:`archiver.failon`), the command's words."""
    return click.option(
        "--fail-on", "fail_on", multiple=True, callback=_fail_on(command), metavar="LIST",
        help="Which findings make the command exit 1: any comma-separated combination "
        f"(repeatable). Default: {','.join(DEFAULTS[command])}. Words: "
        f"{', '.join(choices(command))}. 'any' is all of them, 'never' none. "
        + _FAIL_ON_NOTES[command],
    )


def _proxy(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from archiver.net import parse_proxy_url

    if value is None:
        return None
    try:
        return parse_proxy_url(value)
    except ConfigError as err:
        raise click.BadParameter(f"{err.message}; {err.hint or ''}".rstrip("; "),
                                 ctx=ctx, param=param) from None


def proxy_option(fn: F) -> F:
    """``--proxy URL``: send live-web and archive requests through this HTTP proxy.

    Without it, the standard ``HTTP_PROXY``/``HTTPS_PROXY``/``NO_PROXY`` variables
    apply, as in other HTTP tools.
    """
    return click.option(
        "--proxy", "proxy", metavar="URL", default=None, callback=_proxy,
        help="HTTP proxy for all requests (default: HTTP_PROXY/HTTPS_PROXY/NO_PROXY). "
        "It is trusted even on loopback; NO_PROXY still applies.",
    )(fn)


def cluster_option(work: str) -> Callable[[F], F]:
    """``--cluster ADDRESS``: make ``work`` on the workers of a Dask cluster."""
    return click.option(
        "--cluster", metavar="ADDRESS", default=None,
        help=f"Make {work} on the workers of a Dask cluster (its scheduler's address, e.g. "
        "tcp://10.0.0.5:8786); the WARC folder must be shared, at the same path on every "
        "worker. Needs pip install 'archiver-provenance[cluster]'.")


def _captures(ctx: click.Context, param: click.Parameter, value: str) -> frozenset[Any]:
    from archiver.fetch import parse_captures  # loaded by the commands that fetch only

    try:
        return parse_captures(value)
    except ValueError as err:
        raise click.BadParameter(str(err)) from None


def captures_option(help_text: str) -> Callable[[F], F]:
    """``--captures nearest|first,nearest,last|all``: which captures fetch stores."""
    return click.option("--captures", "captures", default="nearest", show_default=True,
                        metavar="nearest|first,nearest,last|all", callback=_captures,
                        help=help_text)
