"""Packages that load their modules when a name is first used (PEP 562).

``archiver check`` must not pay for numpy, warcio or the Markdown parser it
never uses: a package's ``__init__`` names what it exports and where each
name lives, and the module is imported on first access. Type checkers read the
same names from the ``if TYPE_CHECKING:`` imports beside the table.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping


def lazy_exports(package: str, table: Mapping[str, str]) -> Callable[[str], object]:
    """A module ``__getattr__`` for ``package``: ``table`` maps each name to its module."""

    def __getattr__(name: str) -> object:
        module = table.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)  # the next access is a plain lookup
        return value

    return __getattr__
