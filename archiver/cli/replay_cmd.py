"""``archiver replay``: serve the project's WARC folder with pywb, for the report's local links."""

from __future__ import annotations

import signal
from pathlib import Path
from types import FrameType

import click

from archiver.cli.common import ExitCode, finish, progress_callback, warn
from archiver.cli.options import no_progress_option, warcs_option
from archiver.errors import ConfigError
from archiver.manifest import load_manifest
from archiver.report.safe import visible
from archiver.store.folder import default_warcs_dir
from archiver.store.replay import (
    COLLECTION,
    DEFAULT_HOST,
    DEFAULT_PORT,
    ReplayServer,
    require_pywb,
)

#: Hosts that only this machine can reach.
LOOPBACK = ("127.0.0.1", "::1", "localhost")


class _Stop(Exception):
    """SIGTERM, turned into an exception so the server is stopped the way Ctrl-C stops it."""


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise _Stop


@click.command("replay")
@click.argument("manifest", required=False,
                type=click.Path(path_type=Path, dir_okay=False))
@warcs_option
@click.option("--port", type=click.IntRange(1, 65535), default=DEFAULT_PORT, show_default=True,
              help="Port to serve on (the report's local links use 8080).")
@click.option("--host", default=DEFAULT_HOST, show_default=True,
              help="Address to bind. Loopback by default: the WARCs are only for this machine.")
@no_progress_option
def command(manifest: Path | None, warcs: Path | None, port: int, host: str,
            no_progress: bool) -> None:
    """Serve the WARC folder with pywb, so the report's "local copy" links open.

    The WARC folder (--warcs, else warcs/ in MANIFEST's project folder) is
    indexed (an index cache is kept in it) and served as the pywb collection
    "local": a capture is at http://127.0.0.1:8080/local/TIMESTAMP/URL, the
    link report.html gives beside each remote capture. Runs until Ctrl-C or
    SIGTERM, then stops pywb and exits 0.

    Needs pywb: pip install 'archiver-provenance[replay]'.

    \b
    Exit codes:
      0  stopped with Ctrl-C or SIGTERM
      2  usage error
      3  pywb is not installed, no WARC folder, or the port is in use

    \b
    Example:
      archiver replay manifests/calais-2014.toml
    """
    require_pywb()  # before anything else: say what to install
    if warcs is None:
        if manifest is None:
            raise ConfigError("no WARC folder to serve",
                              hint="give the manifest (its project's warcs/ folder) or --warcs DIR")
        warcs = default_warcs_dir(load_manifest(manifest))
    if host not in LOOPBACK:
        warn(f"warning: serving on {host}: every machine that reaches it can read these WARCs")
    bar = progress_callback(no_progress)
    server = ReplayServer(warcs, host=host, port=port, progress=bar)
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        try:
            server.start()
        finally:
            bar.close()
        click.echo(f"serving {server.captures} record(s) of {visible(str(warcs))} at "
                   f"{server.collection_url}")
        click.echo(f"  a capture: {server.collection_url}TIMESTAMP/URL "
                   f"(collection {COLLECTION!r}); stop with Ctrl-C", err=True)
        status = server.wait()
        warn(f"error: pywb stopped by itself (exit status {status}): "
             f"{visible(server.log_tail())}")
        finish(ExitCode.INVALID_INPUT)
    except (KeyboardInterrupt, _Stop):
        warn("stopped")
        finish(ExitCode.OK)
    finally:
        server.stop()
        signal.signal(signal.SIGTERM, previous)
