"""``fetch``: store the web-archive capture nearest each source's publication.

Public API::

    from archiver.fetch import Archive, fetch_sources

    run = fetch_sources(manifest)                        # the Internet Archive
    run = fetch_sources(manifest, warcs_dir=Path("warcs"),
                        archives=[Archive.from_url("http://127.0.0.1:8080/coll/")])
    for result in run.results:                           # CaptureResult, manifest order
        result.outcome, result.capture                   # Capture has warc_file/offset

Modules: :mod:`.listing` (archives, candidates), :mod:`.wayback` (IA CDX API),
:mod:`.memento` (TimeMaps), :mod:`.choose` (the choice rule), :mod:`.playback`
(downloads, redirects), :mod:`.session` and :mod:`.limits` (politeness),
:mod:`.run` (the loop). WARC writing is :mod:`archiver.store`.
"""

from typing import TYPE_CHECKING

from archiver._lazy import lazy_exports
from archiver.clock import Clock, ManualClock, SystemClock

if TYPE_CHECKING:
    from archiver.fetch.choose import MAX_CAPTURES_PER_SOURCE, CaptureScope, parse_captures
    from archiver.fetch.limits import (
        DEFAULT_DOWNLOADS_PER_SECOND,
        DEFAULT_LISTINGS_PER_MINUTE,
        Politeness,
    )
    from archiver.fetch.listing import IA_BASE, IA_CDX_API, INTERNET_ARCHIVE, Archive
    from archiver.fetch.run import (
        FetchStopped,
        fetch_sources,
        raise_if_inconclusive,
    )

__all__ = [
    "DEFAULT_DOWNLOADS_PER_SECOND", "DEFAULT_LISTINGS_PER_MINUTE", "IA_BASE", "IA_CDX_API",
    "INTERNET_ARCHIVE", "MAX_CAPTURES_PER_SOURCE", "Archive", "CaptureScope", "Clock",
    "FetchStopped", "ManualClock", "Politeness", "SystemClock",
    "fetch_sources", "parse_captures", "raise_if_inconclusive",
]

__getattr__ = lazy_exports(__name__, {
    "MAX_CAPTURES_PER_SOURCE": "archiver.fetch.choose",
    "CaptureScope": "archiver.fetch.choose",
    "parse_captures": "archiver.fetch.choose",
    "DEFAULT_DOWNLOADS_PER_SECOND": "archiver.fetch.limits",
    "DEFAULT_LISTINGS_PER_MINUTE": "archiver.fetch.limits",
    "Politeness": "archiver.fetch.limits",
    "IA_BASE": "archiver.fetch.listing",
    "IA_CDX_API": "archiver.fetch.listing",
    "INTERNET_ARCHIVE": "archiver.fetch.listing",
    "Archive": "archiver.fetch.listing",
    "FetchStopped": "archiver.fetch.run",
    "fetch_sources": "archiver.fetch.run",
    "raise_if_inconclusive": "archiver.fetch.run",
})
