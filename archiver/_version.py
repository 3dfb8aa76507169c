"""The installed version of archiver: one place, read from the package metadata."""

from importlib.metadata import PackageNotFoundError, version

#: The distribution's name on PyPI (the import package and the command are ``archiver``).
DISTRIBUTION = "archiver-provenance"

try:
    __version__ = version(DISTRIBUTION)
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
