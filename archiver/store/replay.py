"""Local replay of a WARC folder with pywb: the "local copy" of every stored capture.

``archiver replay`` serves a project's WARC folder as one pywb collection,
:data:`COLLECTION`, on loopback (:data:`DEFAULT_HOST`, :data:`DEFAULT_PORT`, pywb's own
default port). A capture is then at ``http://HOST:PORT/COLLECTION/TIMESTAMP/URL``
(:func:`local_replay_url`): pywb's URL scheme, the Wayback Machine's
(https://pywb.readthedocs.io/en/latest/manual/usage.html, "Using the pywb
Wayback Machine"), where the 14-digit timestamp is the response record's
``WARC-Date`` (the capture's ``Memento-Datetime``, as the store writes it) and the
URL its ``WARC-Target-URI``. The run report links each capture there.

pywb is an optional extra (``pip install 'archiver-provenance[replay]'``): it
brings gevent, and only this command needs it. The server runs as a child
process (pywb's ``wayback`` entry point, which monkey-patches the standard
library with gevent and so must not run inside archiver's own process), with a
``config.yaml`` in a temporary folder naming the WARC folder and one CDXJ index
made by pywb's own indexer. Per WARC file, the index lines are cached in the
WARC folder (:data:`INDEX_CACHE_NAME`, keyed by size and mtime like
:mod:`archiver.store.index`'s cache), so a folder of 100,000 files is read once.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archiver.errors import ConfigError, InputError, WarcError
from archiver.models import Capture, Progress, ProgressCallback
from archiver.store.index import iter_warc_files
from archiver.store.ledger import file_key, read_cache, write_cache

#: The pywb collection the WARC folder is served as (the first path segment of a replay URL).
COLLECTION = "local"
#: Loopback only by default: the WARCs may hold what a project may not publish.
DEFAULT_HOST = "127.0.0.1"
#: pywb's own default port (pywb/apps/cli.py, ``wayback``: ``default_port=8080``).
DEFAULT_PORT = 8080
#: The base URL of the default replay server; report links start with it.
DEFAULT_BASE = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}/"
#: What to install when pywb is missing.
INSTALL_HINT = "pip install 'archiver-provenance[replay]'"
#: Per WARC file, the CDXJ lines pywb's indexer made, with the file's [size, mtime_ns].
INDEX_CACHE_NAME = ".archiver-replay-cache.json"
INDEX_CACHE_VERSION = 1
#: How long pywb may take to answer its first request (it imports gevent and its templates).
START_TIMEOUT = 60.0
#: How long pywb may take to stop after SIGTERM before it is killed.
STOP_TIMEOUT = 10.0


def timestamp14(when: datetime) -> str:
    """A capture time as the 14-digit timestamp of Wayback and pywb URLs (UTC)."""
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return when.strftime("%Y%m%d%H%M%S")


def local_replay_url(capture: Capture, base: str = DEFAULT_BASE) -> str:
    """Where ``archiver replay`` serves ``capture``: ``BASE/COLLECTION/TIMESTAMP/URL``."""
    return f"{base.rstrip('/')}/{COLLECTION}/{timestamp14(capture.memento_datetime)}/{capture.url}"


def base_url(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> str:
    """The base URL of a replay server bound to ``host`` and ``port``."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"  # an IPv6 address in a URL (RFC 3986 §3.2.2)
    return f"http://{shown}:{port}/"


def pywb_available() -> bool:
    """Whether pywb (the ``replay`` extra) is installed."""
    return importlib.util.find_spec("pywb") is not None


def require_pywb() -> None:
    """Raise :class:`ConfigError` naming the extra to install when pywb is missing."""
    if not pywb_available():
        raise ConfigError("archiver replay needs pywb, which is not installed",
                          hint=f"install the replay extra: {INSTALL_HINT}")


# --------------------------------------------------------------------------
# The index
# --------------------------------------------------------------------------


def _index_lines(path: Path, rel: str) -> list[str]:
    """pywb's CDXJ lines for one WARC file (``filename`` = its path under the folder)."""
    import warnings

    with warnings.catch_warnings():  # pywb imports the deprecated cgi module
        warnings.simplefilter("ignore", DeprecationWarning)
        from pywb.indexer.cdxindexer import write_cdx_index

    out = io.BytesIO()
    try:
        with path.open("rb") as fh, contextlib.redirect_stderr(io.StringIO()):
            write_cdx_index(out, fh, rel, cdxj=True, sort=True)
    except Exception:
        pass
    return [line for line in out.getvalue().decode("utf-8", "replace").splitlines()
            if line.strip() and not line.startswith(" CDX")]


def build_index(warcs_dir: Path, out: Path, *,
                progress: ProgressCallback | None = None) -> int:
    """Write one sorted CDXJ index of every WARC file under ``warcs_dir`` to ``out``.

    Returns the number of index lines. Files unchanged since the last call are
    not read again (:data:`INDEX_CACHE_NAME`).
    """
    if not warcs_dir.is_dir():
        raise WarcError(f"WARC folder not found: {warcs_dir}", path=warcs_dir,
                        hint="run `archiver fetch` (or `archiver run`) first, or pass --warcs DIR")
    cache_path = warcs_dir / INDEX_CACHE_NAME
    cached = read_cache(cache_path, INDEX_CACHE_VERSION)
    fresh: dict[str, Any] = {}
    lines: list[str] = []
    files = list(iter_warc_files(warcs_dir))
    for n, path in enumerate(files):
        if progress is not None:
            progress(Progress("index", n, len(files), path.name))
        rel = path.relative_to(warcs_dir).as_posix()
        key = file_key(path)
        entry = cached.get(rel)
        if (key is not None and isinstance(entry, dict) and entry.get("key") == key
                and isinstance(entry.get("lines"), list)):
            got = [str(x) for x in entry["lines"]]
        else:
            got = _index_lines(path, rel)
        if key is not None:
            fresh[rel] = {"key": key, "lines": got}
        lines.extend(got)
    if progress is not None:
        progress(Progress("index", len(files), len(files), None))
    if fresh != cached:
        write_cache(cache_path, INDEX_CACHE_VERSION, fresh)
    lines.sort()
    out.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return len(lines)


# --------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------

#: The child process: pywb's ``wayback`` command, which also exits when its parent dies
#: (a killed ``archiver replay`` leaves no server behind).
_CHILD = """
import os, sys
from pywb.apps.cli import wayback  # gevent's monkey-patching happens here, first
import gevent
parent = os.getppid()
def watch():
    while os.getppid() == parent:
        gevent.sleep(1)
    os._exit(0)
gevent.spawn(watch)
sys.exit(wayback(sys.argv[1:]))
"""

def _config(warcs_dir: Path, index: Path) -> str:
    """pywb's config.yaml: one collection, this index, files from the WARC folder, no live web.

    Keys per pywb's documentation (https://pywb.readthedocs.io/en/latest/manual/configuring.html):
    a collection's ``index`` and ``archive_paths``; ``enable_auto_colls`` off so no
    ``collections/`` folder is read; ``framed_replay`` off so a link opens the page itself.
    """
    return (f"collections:\n  {COLLECTION}:\n"
            f"    index: {json.dumps(str(index))}\n"
            f"    archive_paths: {json.dumps(str(warcs_dir.resolve()) + os.sep)}\n"
            "enable_auto_colls: false\n"
            "framed_replay: false\n"
            "enable_memento: true\n")


@dataclass
class ReplayServer:
    """pywb serving ``warcs_dir`` on ``host``:``port``; a context manager.

    :meth:`start` indexes the folder, starts pywb and waits until it answers;
    :meth:`stop` terminates it (by its own pid) and removes the temporary folder.
    """

    warcs_dir: Path
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    progress: ProgressCallback | None = None
    captures: int = 0
    _tmp: Path | None = None
    _process: subprocess.Popen[bytes] | None = None
    _log: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        """The base URL of the server."""
        return base_url(self.host, self.port)

    @property
    def collection_url(self) -> str:
        return f"{self.url}{COLLECTION}/"

    def start(self) -> ReplayServer:
        require_pywb()
        self._tmp = Path(tempfile.mkdtemp(prefix="archiver-replay-"))
        try:
            index = self._tmp / "index.cdxj"
            self.captures = build_index(self.warcs_dir, index, progress=self.progress)
            (self._tmp / "config.yaml").write_text(_config(self.warcs_dir, index),
                                                   encoding="utf-8")
            self._spawn()
        except BaseException:
            self.stop()
            raise
        return self

    def _check_port(self) -> None:
        """Refuse a port something else listens on, before pywb says it less clearly."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((self.host, self.port))
            except OSError as err:
                raise InputError(f"cannot serve on {self.host}:{self.port}: {err.strerror}",
                                 hint="pick another port with --port, or another --host") from err

    def _spawn(self) -> None:
        assert self._tmp is not None
        self._check_port()
        log_path = self._tmp / "pywb.log"
        with log_path.open("wb") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-c", _CHILD, "-p", str(self.port), "-b", self.host],
                cwd=self._tmp, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        # Ready when it accepts a connection (a TCP connect, not an HTTP request: every
        # request archiver makes goes through archiver.net, and this one needs none).
        probe = ("127.0.0.1" if self.host in ("0.0.0.0", "") else
                 "::1" if self.host == "::" else self.host)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                text = log_path.read_text(errors="replace")
                if "Address already in use" in text or "Errno 98" in text:
                    raise InputError(f"cannot serve on {self.host}:{self.port}: the port is "
                                     "in use", hint="pick another port with --port")
                raise InputError(f"pywb stopped at start: {text.strip()[-500:]}",
                                 hint=f"check the WARC folder {self.warcs_dir}")
            try:
                socket.create_connection((probe, self.port), timeout=2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise InputError(f"pywb did not answer on {self.url} within {START_TIMEOUT:.0f} s")

    def log_tail(self, limit: int = 500) -> str:
        """The end of pywb's log (what it said before it stopped)."""
        if self._tmp is None:
            return ""
        try:
            return (self._tmp / "pywb.log").read_text(errors="replace").strip()[-limit:]
        except OSError:
            return ""

    def wait(self) -> int:
        """Wait until the server stops (or is stopped); its exit status."""
        if self._process is None:
            return 0
        return self._process.wait()

    def stop(self) -> None:
        proc, self._process = self._process, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


__all__ = ["COLLECTION", "DEFAULT_BASE", "DEFAULT_HOST", "DEFAULT_PORT", "INSTALL_HINT",
           "ReplayServer", "base_url", "build_index", "local_replay_url", "pywb_available",
           "require_pywb", "timestamp14"]
