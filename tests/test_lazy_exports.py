"""Packages that load their modules on first use still export what they list."""

from __future__ import annotations

import importlib
import subprocess
import sys
import types

import pytest

LAZY = ["archiver.fetch", "archiver.history", "archiver.store", "archiver.verify"]


@pytest.mark.parametrize("package", LAZY)
def test_every_listed_name_is_the_real_object(package: str) -> None:
    module = importlib.import_module(package)
    for name in module.__all__:
        value = getattr(module, name)
        assert not isinstance(value, types.ModuleType) or name in ("schemas",), (package, name)


@pytest.mark.parametrize("package", LAZY)
def test_every_name_survives_its_module_being_imported_first(package: str) -> None:
    """A submodule imported before the name is asked for must not shadow it."""
    code = (f"import importlib, pkgutil, types\nimport {package} as p\n"
            f"for m in pkgutil.iter_modules(p.__path__):\n"
            f"    importlib.import_module('{package}.' + m.name)\n"
            f"bad = [n for n in p.__all__ if isinstance(getattr(p, n), types.ModuleType)]\n"
            f"assert not bad, bad\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_link_check_loads_none_of_the_later_stages() -> None:
    """`archiver check` starts without numpy, warcio, requests or the document readers."""
    code = ("import sys\nimport archiver.cli.check_cmd\n"
            "heavy = {'numpy', 'warcio', 'requests', 'urllib3', 'markdown_it', 'edlib'}\n"
            "loaded = sorted(heavy & {m.split('.')[0] for m in sys.modules})\n"
            "stages = sorted(m for m in sys.modules if m.startswith(('archiver.verify.', "
            "'archiver.store.', 'archiver.fetch.run', 'archiver.inputs')))\n"
            "slow = sorted({'urllib.request', 'archiver.dossier'} & set(sys.modules))\n"
            "assert not loaded and not stages and not slow, (loaded, stages, slow)\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_link_check_defers_what_only_some_runs_need() -> None:
    """The history database, IDNA tables, HTTP-date parser, schema files, crash report and
    terminal size are loaded when used (a history kept, a non-ASCII host, a Retry-After
    date, ...)."""
    code = ("import sys\nimport archiver.cli.check_cmd\n"
            "deferred = {'sqlite3', 'idna', 'email', 'importlib.resources', 'tempfile',\n"
            "            'shutil', 'bz2', 'lzma',\n"
            "            'archiver.history.database', 'archiver.history.diff',\n"
            "            'archiver.history.schema'}\n"
            "names = set(sys.modules) | {m.split('.')[0] for m in sys.modules}\n"
            "loaded = sorted(deferred & names)\n"
            "assert not loaded, loaded\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_what_is_deferred_still_works_when_used() -> None:
    """Each deferred import is reached by its own path (not only by an import of it elsewhere)."""
    code = ("import sys\n"
            "from archiver.urls import host_key\n"
            "assert host_key('Straße.example') == 'xn--strae-oqa.example'\n"
            "assert 'idna' in sys.modules\n"
            "from archiver.net.wire import wire_url\n"
            "assert wire_url('http://bücher.example/').host == 'xn--bcher-kva.example'\n"
            "from archiver.net.hosts import parse_retry_after\n"
            "from archiver.clock import ManualClock\n"
            "import datetime as d\n"
            "clock = ManualClock(start=d.datetime(2015, 10, 21, 7, 28, tzinfo=d.UTC))\n"
            "assert parse_retry_after('Wed, 21 Oct 2015 07:28:30 GMT', clock) == 30.0\n"
            "from archiver.schemas import load\n"
            "assert load('check')['$id'].endswith('/check/2.json')\n"
            "from archiver.history import History, default_db_path\n"
            "assert History.__module__ == 'archiver.history.database'\n")
    subprocess.run([sys.executable, "-c", code], check=True)
