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


def test_a_link_check_makes_none_of_the_other_commands_records() -> None:
    """The run, save, fixity, package, fetch and verify records are made when first asked for."""
    code = ("import sys\nimport archiver.cli.check_cmd\nimport archiver.models as m\n"
            "left = sorted(m._LATER)\n"
            "assert left == ['Capture', 'CaptureResult', 'Change', 'FetchRun',\n"
            "                'FixityProblem', 'FixityResult', 'FixityRun', 'FixitySummary',\n"
            "                'PackageResult', 'PackagedFile', 'QuoteResult', 'QuoteTimeline',\n"
            "                'RunResult', 'SaveResult', 'SaveRun', 'TextQuoteSelector',\n"
            "                'VerifyRun'], left\n"
            "stores = {'archiver.history.preserve', 'archiver.history.rows',\n"
            "          'archiver.history.records'} & set(sys.modules)\n"
            "assert not stores, stores\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_deferred_records_are_the_same_dataclasses_as_before() -> None:
    """Asked for by name, each is a frozen dataclass of archiver.models, made once."""
    code = (
        "import dataclasses, pickle, typing\nfrom datetime import UTC, datetime\n"
        "import archiver.models as m\n"
        "deferred = sorted(m._LATER)\n"
        # nothing made at import names a deferred record: hints resolve before any is made
        "eager = [getattr(m, n) for n in dir(m) if n not in deferred]\n"
        "for cls in eager:\n"
        "    if isinstance(cls, type) and dataclasses.is_dataclass(cls):\n"
        "        typing.get_type_hints(cls)\n"
        "from archiver.models import FixityProblem, FixityRun\n"
        "assert not m._LATER\n"
        "for name in deferred:\n"
        "    cls = getattr(m, name)\n"
        "    assert cls is getattr(m, name) and name in dir(m) and name in vars(m)\n"
        "    assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen, name\n"
        "    assert cls.__module__ == 'archiver.models' and cls.__qualname__ == name\n"
        "    typing.get_type_hints(cls)\n"
        "p = FixityProblem(0, 'payload_digest', 'the payload digest differs')\n"
        "run = FixityRun(m.Path('w'), datetime(2026, 1, 1, tzinfo=UTC),\n"
        "                datetime(2026, 1, 1, tzinfo=UTC), ())\n"
        "assert pickle.loads(pickle.dumps(run)) == run\n"
        "assert hash(p) == hash(pickle.loads(pickle.dumps(p)))\n"
        "try:\n    p.kind = 'x'\nexcept dataclasses.FrozenInstanceError:\n    pass\n"
        "else:\n    raise AssertionError('not frozen')\n"
        "try:\n    m.NoSuchRecord\nexcept AttributeError as err:\n"
        "    assert 'NoSuchRecord' in str(err)\nelse:\n    raise AssertionError('no error')\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_threads_asking_for_deferred_records_at_once_get_the_same_classes() -> None:
    code = ("import threading\nimport archiver.models as m\n"
            "names = sorted(m._LATER)\nseen = []\ngo = threading.Barrier(8)\n"
            "def ask():\n    go.wait()\n    seen.append(tuple(getattr(m, n) for n in names))\n"
            "threads = [threading.Thread(target=ask) for _ in range(8)]\n"
            "[t.start() for t in threads]\n[t.join() for t in threads]\n"
            "assert len(seen) == 8 and len(set(seen)) == 1, seen\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_other_commands_csv_columns_are_worked_out_on_first_use() -> None:
    from archiver.history import CheckRecord, FixityEvent, LinkRecord, SaveRecord
    from archiver.models import CaptureResult, Change, FixityResult, QuoteResult, SaveResult
    from archiver.report import serialize

    for name, cls in [("FETCH_COLUMNS", CaptureResult), ("VERIFY_COLUMNS", QuoteResult),
                      ("CHANGE_COLUMNS", Change), ("LINK_RECORD_COLUMNS", LinkRecord),
                      ("CHECK_RECORD_COLUMNS", CheckRecord),
                      ("SAVE_COLUMNS", SaveResult), ("FIXITY_COLUMNS", FixityResult),
                      ("SAVE_RECORD_COLUMNS", SaveRecord), ("FIXITY_EVENT_COLUMNS", FixityEvent)]:
        columns = getattr(serialize, name)
        assert columns == tuple(serialize.csv_columns(cls)), name
        assert columns is getattr(serialize, name)  # worked out once
    assert "outcome" in serialize.SAVE_COLUMNS
    assert serialize.STORED_RUN_COLUMNS[-2:] == ("compared_with", "changes")
    assert "summary.links" in serialize.STORED_RUN_COLUMNS
    assert "links" not in serialize.STORED_RUN_COLUMNS
    assert "result.outcome" in serialize.FIXITY_EVENT_COLUMNS
    with pytest.raises(AttributeError, match="NO_SUCH_COLUMNS"):
        serialize.NO_SUCH_COLUMNS  # type: ignore[attr-defined]  # noqa: B018


def test_a_url_list_is_read_without_the_markdown_and_html_readers() -> None:
    """`archiver check urls.txt` reads its list without markdown-it, the HTML reader or
    pathspec; a Markdown file and a folder walk load them when they come."""
    code = """
import sys, tempfile
from pathlib import Path
from archiver.inputs import links_in_paths
from archiver.inputs.sources import document_sources
folder = Path(tempfile.mkdtemp())
(folder / "urls.txt").write_text("https://a.example.org/1\\nhttps://b.example.org/2\\n")
found = [link.url for link in links_in_paths([str(folder / "urls.txt")])]
assert found == ["https://a.example.org/1", "https://b.example.org/2"], found
heavy = ("markdown_it", "mdit_py_plugins", "pathspec", "archiver.inputs.markdown",
         "archiver.inputs.html", "html.parser")
assert not [m for m in heavy if m in sys.modules], [m for m in heavy if m in sys.modules]
(folder / "docs").mkdir()
(folder / "docs" / ".gitignore").write_text("skipped.md\\n")
(folder / "docs" / "skipped.md").write_text("[x](https://skipped.example.org/)\\n")
(folder / "docs" / "page.md").write_text("[Read](https://c.example.org/3) <b>bold</b>\\n")
found = [link.url for link in links_in_paths([str(folder / "docs")])]
assert found == ["https://c.example.org/3"], found
assert all(m in sys.modules for m in ("markdown_it", "pathspec"))
"""
    subprocess.run([sys.executable, "-c", code], check=True)
