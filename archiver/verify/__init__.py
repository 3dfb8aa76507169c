"""Does each quoted passage still stand in the archived text? The verify stage.

- :mod:`~archiver.verify.thresholds`: every number that decides a result, and its basis;
- :mod:`~archiver.verify.normalize`: L1 and skeleton forms with offset maps; numbers;
- :mod:`~archiver.verify.language`: stop-word language guess;
- :mod:`~archiver.verify.index`: a page's layers indexed once (:func:`index_page`);
- :mod:`~archiver.verify.seeds`: q-gram indexes that narrow the fuzzy tier's alignment;
- :mod:`~archiver.verify.query`: a quote prepared for searching;
- :mod:`~archiver.verify.search`: hits at one tier, word boundaries, :class:`Match`;
- :mod:`~archiver.verify.edits`: edit distances, word-level differences, word diffs;
- :mod:`~archiver.verify.anchor`: TextQuoteSelector and text-fragment links;
- :mod:`~archiver.verify.fuzzy`, :mod:`~archiver.verify.ellipsis`: those two tiers;
- :mod:`~archiver.verify.match`: one quote against one page (:func:`match_quote`);
- :mod:`archiver.pages` (re-exported here): the page providers and their answers;
- :mod:`~archiver.verify.run`: the stage over a manifest (:func:`verify_manifest`).
"""

from typing import TYPE_CHECKING

from archiver._lazy import lazy_exports
from archiver.models import MatchMethod
from archiver.pages import LivePage, LiveProvider, Located, NotLocated, PageProvider

# Imported now, not on first use: the function ``normalize`` has its module's name,
# and importing the module later would set the package attribute to the module.
from archiver.verify.normalize import normalize, numbers, skeleton

if TYPE_CHECKING:
    from archiver.verify.index import PageIndex, index_page
    from archiver.verify.language import detect_language
    from archiver.verify.match import match_quote
    from archiver.verify.run import (
        FLAG_OTHER_CAPTURE,
        SearchScope,
        counts,
        result_from_match,
        timeline_of,
        verify_across,
        verify_manifest,
        verify_pages,
        verify_source,
    )
    from archiver.verify.search import Match
    from archiver.verify.thresholds import MAX_EDIT_RATIO, MIN_FUZZY_CHARS, MIN_TYPO_SCORE

__all__ = [
    "FLAG_OTHER_CAPTURE",
    "MAX_EDIT_RATIO",
    "MIN_FUZZY_CHARS",
    "MIN_TYPO_SCORE",
    "LivePage",
    "LiveProvider",
    "Located",
    "Match",
    "MatchMethod",
    "NotLocated",
    "PageIndex",
    "PageProvider",
    "SearchScope",
    "counts",
    "detect_language",
    "index_page",
    "match_quote",
    "normalize",
    "numbers",
    "result_from_match",
    "skeleton",
    "timeline_of",
    "verify_across",
    "verify_manifest",
    "verify_pages",
    "verify_source",
]

__getattr__ = lazy_exports(__name__, {
    "PageIndex": "archiver.verify.index",
    "index_page": "archiver.verify.index",
    "detect_language": "archiver.verify.language",
    "match_quote": "archiver.verify.match",
    "FLAG_OTHER_CAPTURE": "archiver.verify.run",
    "SearchScope": "archiver.verify.run",
    "counts": "archiver.verify.run",
    "result_from_match": "archiver.verify.run",
    "timeline_of": "archiver.verify.run",
    "verify_across": "archiver.verify.run",
    "verify_manifest": "archiver.verify.run",
    "verify_pages": "archiver.verify.run",
    "verify_source": "archiver.verify.run",
    "Match": "archiver.verify.search",
    "MAX_EDIT_RATIO": "archiver.verify.thresholds",
    "MIN_FUZZY_CHARS": "archiver.verify.thresholds",
    "MIN_TYPO_SCORE": "archiver.verify.thresholds",
})
