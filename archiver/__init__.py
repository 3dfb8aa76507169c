"""archiver: archival provenance and link preservation.

Check that the sources a body of work cites still exist, store web-archive
captures of them in WARC files, and verify the passages quoted from them.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("archiver")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
