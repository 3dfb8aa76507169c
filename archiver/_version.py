"""The installed version of archiver: one place, read from the package metadata."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("archiver")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
