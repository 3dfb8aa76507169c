"""The world: today's web behind a local proxy, and a local pywb holding 2014.

    with World(tmp_path) as world:
        world.proxy_url     # give to --proxy
        world.archive_url   # give to --archive (a pywb collection)
        world.cdx_url       # give to --cdx-api
        world.env()         # REQUESTS_CA_BUNDLE: trust the world's made-up CA

Everything listens on 127.0.0.1 and stops with the context. The manifest's
URLs are used unchanged: the proxy answers for their host names.
"""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path

from archiver.manifest import load_manifest
from archiver.models import Manifest
from tests.support.pywb_archive import PywbArchive
from tests.world.archive import archive_pages
from tests.world.definition import COLLECTION, HOSTS, MANIFEST
from tests.world.proxy import ForwardProxy, tls_context
from tests.world.web import TodayWeb

ROOT = Path(__file__).resolve().parents[2]
CA_FILE = "world-ca.pem"


class World:
    """Starts and stops the proxy (today's web) and pywb (2014)."""

    def __init__(self, root: Path, *, manifest: Path | None = None,
                 style: str = "rfc9209") -> None:
        self.root = Path(root)
        self.manifest_path = manifest or ROOT / MANIFEST
        self.style = style
        self.manifest: Manifest = load_manifest(self.manifest_path)
        self.web = TodayWeb(self.manifest)
        self.proxy: ForwardProxy | None = None
        self.pywb: PywbArchive | None = None

    # -- lifecycle ----------------------------------------------------------------

    def start(self) -> World:
        self.root.mkdir(parents=True, exist_ok=True)
        context, ca = tls_context(sorted(h for h, rules in HOSTS.items() if rules.https))
        (self.root / CA_FILE).write_bytes(ca)
        # The archive's files are generated afresh each start, so a world started
        # again in the same folder (python -m tests.world --dir DIR) starts clean.
        shutil.rmtree(self.root / "pywb", ignore_errors=True)
        self.pywb = PywbArchive(self.root / "pywb")
        (self.root / "pywb").mkdir()
        self.pywb.collection(archive_pages(self.manifest), name=COLLECTION)
        try:
            self.pywb.start()
            self.proxy = ForwardProxy(self.web, tls=context, style=self.style).start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.proxy is not None:
            self.proxy.stop()
            self.proxy = None
        if self.pywb is not None:
            self.pywb.stop()
            self.pywb = None

    def __enter__(self) -> World:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- how to point archiver at it ------------------------------------------------

    @property
    def proxy_url(self) -> str:
        assert self.proxy is not None, "the world is not started"
        return self.proxy.url

    @property
    def archive_url(self) -> str:
        """The pywb collection's base URL (``<ts>id_/<url>`` is appended to it)."""
        assert self.pywb is not None and self.pywb.port, "the world is not started"
        return self.pywb.base_url(COLLECTION)

    @property
    def cdx_url(self) -> str:
        assert self.pywb is not None, "the world is not started"
        return self.pywb.cdx_url(COLLECTION)

    @property
    def ca_bundle(self) -> Path:
        return self.root / CA_FILE

    def env(self) -> dict[str, str]:
        """Environment for archiver: trust the made-up CA of the world's https sites."""
        return {"REQUESTS_CA_BUNDLE": str(self.ca_bundle)}

    def options(self) -> list[str]:
        """The options that point any archiver command at the world."""
        return ["--proxy", self.proxy_url, "--archive", self.archive_url,
                "--cdx-api", self.cdx_url]

    def run_args(self, out: Path, *, manifest: str | None = None) -> list[str]:
        """``archiver run`` arguments for the manifest, writing everything under ``out``.

        The check is made quick (no gap between requests to one host, a 3 s
        deadline, one retry): the slow server times out in seconds.
        """
        return ["run", manifest or str(self.manifest_path), *self.options(),
                "--warcs", str(out / "warcs"), "--db", str(out / "history.sqlite3"),
                "--report", str(out / "report"), "--per-host-interval", "0",
                "--timeout", "3", "--retries", "1", "--backoff", "0.1", "--no-progress"]

    def command(self, out: Path) -> str:
        """The shell command line of :meth:`run_args`, environment included."""
        env = " ".join(f"{k}={shlex.quote(v)}" for k, v in self.env().items())
        args = [*self.run_args(out), *fast_archive_options()]
        return f"{env} archiver " + " ".join(shlex.quote(a) for a in args)


#: The archive politeness defaults are the Internet Archive's (24 listings a
#: minute): a local pywb needs none.
FAST_ARCHIVE = ["--list-rate", "6000", "--download-rate", "100"]


def fast_archive_options(command: str = "run") -> list[str]:
    """:data:`FAST_ARCHIVE`, checked against ``archiver COMMAND``'s options.

    The defaults are the Internet Archive's limits (24 listings a minute), which
    would cost a local pywb about 50 s for nothing.
    """
    import click

    from archiver.cli import cli

    found = cli.get_command(click.Context(cli), command)
    names = {o for p in (found.params if found else ()) if isinstance(p, click.Option)
             for o in p.opts}
    assert {"--list-rate", "--download-rate"} <= names, f"archiver {command} lacks them"
    return FAST_ARCHIVE
