"""The Python API: ``archiver/__init__.py`` names the stages and the values they exchange."""

from __future__ import annotations

import subprocess
import sys

import pytest

import archiver


def test_all_lists_exactly_the_lazy_names() -> None:
    assert set(archiver.__all__) == {"__version__", *archiver._API}
    assert len(archiver.__all__) == len(set(archiver.__all__))


@pytest.mark.parametrize("name", sorted(archiver._API))
def test_every_public_name_resolves_to_its_module(name: str) -> None:
    value = getattr(archiver, name)
    assert getattr(value, "__module__", archiver._API[name]).startswith("archiver")
    assert name in dir(archiver)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        archiver.nope  # noqa: B018


def test_importing_archiver_loads_no_stage() -> None:
    """``import archiver`` stays cheap: stages load when a name is first used."""
    code = ("import sys, archiver; "
            "print(sorted(m for m in sys.modules if m.startswith(('archiver', 'requests'))))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout
    assert out.strip() == "['archiver', 'archiver._version']"


def test_version_loads_only_the_command_line_shell() -> None:
    """``archiver --version`` imports click and three small modules, nothing else of ours.

    Measured on the 2-core machine with the other modules loaded eagerly: 0.5 to 0.8 s
    under load; now about what importing click alone takes.
    """
    code = ("import sys, atexit; sys.argv = ['archiver', '--version']; "
            "atexit.register(lambda: print(sorted(m for m in sys.modules if m.startswith("
            "('archiver', 'requests', 'importlib.metadata', 'sqlite3', 'warcio')))))\n"
            "from archiver.cli import main\nmain()")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    version, loaded = out.strip().splitlines()
    assert version.startswith("archiver, version ")
    assert loaded == "['archiver', 'archiver._version', 'archiver.cli']"
