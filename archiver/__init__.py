"""archiver: archival provenance and link preservation.

Check that the sources a body of work cites still exist, store web-archive
captures of them in WARC files, and verify the passages quoted from them.

The stages as a Python API (the command line is a thin layer over these)::

    from archiver import (check_manifest, fetch_sources, load_manifest,
                          run_pipeline, verify_manifest)

    manifest = load_manifest("manifests/calais-2014.toml")
    links = check_manifest(manifest)            # CheckRun: one LinkResult per source
    captures = fetch_sources(manifest)          # FetchRun: captures into warcs/
    quotes = verify_manifest(manifest)          # VerifyRun: quotes in those WARCs
    everything = run_pipeline(manifest)         # RunResult: the three, in order

Names are imported on first use (PEP 562), so ``import archiver`` stays cheap
and the command line starts fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from archiver._version import __version__

#: Public name -> the module that defines it.
_API = {
    # stages
    "load_manifest": "archiver.manifest",
    "ManifestReader": "archiver.manifest",
    "check_manifest": "archiver.pipeline",
    "fetch_sources": "archiver.fetch",
    "verify_manifest": "archiver.verify",
    "run_pipeline": "archiver.pipeline",
    "package_manifest": "archiver.package",
    # their options and collaborators
    "CheckOptions": "archiver.check",
    "RunOptions": "archiver.pipeline",
    "ResultSink": "archiver.pipeline",
    "Archive": "archiver.fetch",
    "INTERNET_ARCHIVE": "archiver.fetch",
    "History": "archiver.history",
    "HttpClient": "archiver.net",
    "Clock": "archiver.clock",
    "SystemClock": "archiver.clock",
    "ManualClock": "archiver.clock",
    # rules users see
    "url_key": "archiver.urls",
    "same_page": "archiver.urls",
    "Command": "archiver.failon",
    "FailOn": "archiver.failon",
    "parse_fail_on": "archiver.failon",
    # values the stages exchange
    "Manifest": "archiver.models",
    "Source": "archiver.models",
    "Quote": "archiver.models",
    "LinkResult": "archiver.models",
    "LinkClass": "archiver.models",
    "LinkState": "archiver.models",
    "CheckRun": "archiver.models",
    "Capture": "archiver.models",
    "CaptureResult": "archiver.models",
    "CaptureOutcome": "archiver.models",
    "FetchRun": "archiver.models",
    "QuoteResult": "archiver.models",
    "QuoteStatus": "archiver.models",
    "VerifyRun": "archiver.models",
    "RunResult": "archiver.models",
    "Change": "archiver.models",
    "Progress": "archiver.models",
    "PackageResult": "archiver.models",
    # errors
    "ArchiverError": "archiver.errors",
    "InputError": "archiver.errors",
    "ManifestError": "archiver.errors",
    "ConfigError": "archiver.errors",
    "InconclusiveError": "archiver.errors",
}

__all__ = [
    "INTERNET_ARCHIVE",
    "Archive",
    "ArchiverError",
    "Capture",
    "CaptureOutcome",
    "CaptureResult",
    "Change",
    "CheckOptions",
    "CheckRun",
    "Clock",
    "Command",
    "ConfigError",
    "FailOn",
    "FetchRun",
    "History",
    "HttpClient",
    "InconclusiveError",
    "InputError",
    "LinkClass",
    "LinkResult",
    "LinkState",
    "Manifest",
    "ManifestError",
    "ManifestReader",
    "ManualClock",
    "PackageResult",
    "Progress",
    "Quote",
    "QuoteResult",
    "QuoteStatus",
    "ResultSink",
    "RunOptions",
    "RunResult",
    "Source",
    "SystemClock",
    "VerifyRun",
    "__version__",
    "check_manifest",
    "fetch_sources",
    "load_manifest",
    "package_manifest",
    "parse_fail_on",
    "run_pipeline",
    "same_page",
    "url_key",
    "verify_manifest",
]


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'archiver' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from archiver.check import CheckOptions
    from archiver.clock import Clock, ManualClock, SystemClock
    from archiver.errors import (
        ArchiverError,
        ConfigError,
        InconclusiveError,
        InputError,
        ManifestError,
    )
    from archiver.failon import Command, FailOn, parse_fail_on
    from archiver.fetch import INTERNET_ARCHIVE, Archive, fetch_sources
    from archiver.history import History
    from archiver.manifest import ManifestReader, load_manifest
    from archiver.models import (
        Capture,
        CaptureOutcome,
        CaptureResult,
        Change,
        CheckRun,
        FetchRun,
        LinkClass,
        LinkResult,
        LinkState,
        Manifest,
        PackageResult,
        Progress,
        Quote,
        QuoteResult,
        QuoteStatus,
        RunResult,
        Source,
        VerifyRun,
    )
    from archiver.net import HttpClient
    from archiver.package import package_manifest
    from archiver.pipeline import ResultSink, RunOptions, check_manifest, run_pipeline
    from archiver.urls import same_page, url_key
    from archiver.verify import verify_manifest
