"""The ``archiver`` command line: thin click commands over the library.

Each command parses options, calls one library function, renders the result
through :mod:`archiver.report` and maps errors to the documented exit codes
(:class:`archiver.cli.common.ExitCode`). Business logic lives in the library.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Any

import click

from archiver._version import __version__

TRACEBACK_ENV = "ARCHIVER_TRACEBACK"


def _save_traceback(exc: BaseException) -> Path | None:
    # imported here: only a crash needs them, and every command starts without them
    import datetime as _dt
    import tempfile
    import traceback

    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    try:
        fd, name = tempfile.mkstemp(prefix=f"archiver-crash-{stamp}-", suffix=".txt")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(f"archiver {__version__}, Python {sys.version.split()[0]}\n")
            fh.write(f"argv: {sys.argv!r}\n\n")
            fh.write("".join(traceback.format_exception(exc)))
        return Path(name)
    except OSError:
        return None


#: The commands (``--help`` lists them alphabetically); each lives in ``archiver/cli/<name>_cmd.py``
#: and exposes a click command named ``command``. They are imported only when used,
#: so ``archiver check`` does not pay for the quote matcher's imports.
COMMANDS = ("extract", "validate", "check", "fetch", "verify", "run", "history", "config",
            "package", "export", "save", "fixity", "capture", "replay")


class ArchiverGroup(click.Group):
    """A click group that loads its commands lazily and turns errors into exit codes."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        if cmd_name not in self.commands:
            from archiver.cli.configfile import add_config_option

            module = importlib.import_module(f"archiver.cli.{cmd_name}_cmd")
            add_config_option(module.command)
            self.add_command(module.command, cmd_name)
        return self.commands[cmd_name]

    def resolve_command(self, ctx: click.Context, args: list[str]
                        ) -> tuple[str | None, click.Command | None, list[str]]:
        """The command to run, with its defaults from the configuration file applied."""
        name, cmd, rest = super().resolve_command(ctx, args)
        if name is not None and cmd is not None and not ctx.resilient_parsing:
            from archiver.cli.configfile import apply_config

            apply_config(ctx, name, cmd, rest, COMMANDS)
        return name, cmd, rest

    def invoke(self, ctx: click.Context) -> Any:
        # imported here, not at the top: ``archiver --version`` never reaches this
        from archiver.cli.common import ExitCode, disk_error
        from archiver.errors import ArchiverError, InconclusiveError, InputError
        from archiver.report.safe import visible

        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            raise click.exceptions.Exit(130) from None
        except InputError as err:
            click.echo(f"error: {visible(str(err))}", err=True)
            raise click.exceptions.Exit(ExitCode.INVALID_INPUT) from None
        except InconclusiveError as err:
            click.echo(f"inconclusive: {visible(str(err))}", err=True)
            raise click.exceptions.Exit(ExitCode.INCONCLUSIVE) from None
        except ArchiverError as err:
            click.echo(f"error: {visible(str(err))}", err=True)
            raise click.exceptions.Exit(ExitCode.INVALID_INPUT) from None
        except Exception as err:
            disk = disk_error(err)  # a full disk, a read-only one: not a bug
            if disk is not None:
                click.echo(f"error: {visible(str(disk))}", err=True)
                raise click.exceptions.Exit(ExitCode.INVALID_INPUT) from None
            # a bug: short message, traceback to a file
            if os.environ.get(TRACEBACK_ENV):
                import traceback

                traceback.print_exception(err, file=sys.stderr)
            saved = _save_traceback(err)
            where = f"; the traceback was saved to {saved}" if saved else ""
            click.echo(
                f"internal error: {type(err).__name__}: {visible(str(err))}{where}\n"
                f"  hint: this is a bug in archiver; please report it with that file "
                f"(set {TRACEBACK_ENV}=1 to print the traceback)",
                err=True,
            )
            raise click.exceptions.Exit(ExitCode.INTERNAL) from None


@click.group(cls=ArchiverGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="archiver")
def cli() -> None:
    """Check, archive and verify the sources a body of work cites.

    A manifest (TOML) lists each source's URL, publisher, title, date and the
    passages quoted from it. See manifests/example.toml.

    \b
    Exit codes (every command):
      0  all good
      1  findings (dead links, missing quotes; see --fail-on)
      2  usage error
      3  invalid input (manifest, config, WARC, unwritable output)
      4  inconclusive run (offline, archive unreachable or rate-limited)
      5  internal error (a bug; the traceback is saved to a file)
    """
    from archiver.cli.common import route_library_warnings

    route_library_warnings()


def main() -> None:
    """Console-script entry point: run the command, then leave without tearing down the heap."""
    try:
        cli.main(prog_name="archiver")
    except SystemExit as done:
        _leave(done.code)
    _leave(0)


def _leave(code: object) -> None:
    """Exit with ``code`` as Python would, minus the freeing of every object.

    The command has finished: its outputs are written and closed (atomically,
    by :mod:`archiver.durable`), its history committed. What Python would still
    do at exit is wait for other threads, run the ``atexit`` handlers (logging's
    flush, temporary folders' clean-up, multiprocessing's children), flush the
    standard streams, and then free every object one by one. The last step
    alone took about 0.04 s after a 2,000-URL check and 0.14 s after loading a
    100,000-source manifest (measured); it is skipped, as mypy's
    ``util.hard_exit`` skips it. The other steps run here, in Python's order
    (``Py_FinalizeEx``). Anything unusual (a message for a code, a stream that
    cannot be flushed) takes Python's own way out.
    """
    if code is not None and not isinstance(code, int):
        raise SystemExit(code)  # Python prints it and exits 1
    import atexit
    import threading

    shutdown = getattr(threading, "_shutdown", None)  # Py_FinalizeEx's first step
    if shutdown is None:
        raise SystemExit(code)
    shutdown()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            raise SystemExit(code) from None  # a closed pipe: Python's own handling
    os._exit(code or 0)
