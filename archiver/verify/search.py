"""Where a quote occurs in one layer at one tier, and the :class:`Match` that reports it.

Every hit is mapped back to offsets in the layer's original text and must
start and end on word boundaries there, so "la Terre" is not found inside
"villa Terrestre" (scripts written without spaces between words are exempt).
Several equally good hits are counted, and the first one in the article body
is reported, with an excerpt of its context.
"""

from __future__ import annotations

import bisect
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from archiver.models import MatchMethod, PageLayer, QuoteStatus, TextQuoteSelector
from archiver.verify.index import LayerIndex
from archiver.verify.normalize import numbers
from archiver.verify.query import Query
from archiver.verify.thresholds import EXCERPT_CONTEXT, MAX_EXCERPT_INSIDE

FLAG_SHORT = "too_short_for_fuzzy"
FLAG_NUMBER = "number_changed"
#: The quote stands in more than one place (``match_count`` says how many).
FLAG_AMBIGUOUS = "ambiguous"

STATUS_RANK = {QuoteStatus.VERIFIED: 4, QuoteStatus.VERIFIED_TYPO: 3,
               QuoteStatus.ALTERED: 2, QuoteStatus.MISSING: 1, QuoteStatus.UNVERIFIABLE: 0}


@dataclass(frozen=True)
class Match:
    """Where and how a quote was found in a page (or why not)."""

    status: QuoteStatus
    method: MatchMethod | None = None
    score: float = 0.0
    layer: PageLayer | None = None
    start: int | None = None
    end: int | None = None
    excerpt: str | None = None
    match_count: int = 0
    in_article_body: bool | None = None
    difference: str | None = None
    detail: str | None = None
    probable_translation: bool = False
    flags: tuple[str, ...] = ()
    nearest: str | None = None
    nearest_score: float | None = None
    word_diff: str | None = None
    selector: TextQuoteSelector | None = None

    def better_than(self, other: Match) -> bool:
        """A better status wins; on a tie the earlier tier (``other``) is kept."""
        return STATUS_RANK[self.status] > STATUS_RANK[other.status]


#: Scripts written without spaces between words (Thai, Lao, Myanmar, Khmer, CJK,
#: kana): there a match may start or end anywhere.
_UNSPACED = ((0x0E00, 0x0EFF), (0x1000, 0x109F), (0x1780, 0x17FF), (0x2E80, 0xA4CF),
             (0xF900, 0xFAFF), (0xFF66, 0xFF9F), (0x20000, 0x3FFFF))


def is_word(ch: str) -> bool:
    """A character that continues a space-separated word."""
    if not ch.isalnum():
        return False
    code = ord(ch)
    return code < 0x0E00 or not any(a <= code <= b for a, b in _UNSPACED)


def _bounded(text: str, start: int, end: int, q: Query) -> bool:
    """Whether [start, end) does not cut a word at an end where the quote has a word."""
    if q.starts_alnum and start > 0 and is_word(text[start - 1]) and is_word(text[start]):
        return False
    return not (q.ends_alnum and end < len(text) and is_word(text[end])
                and is_word(text[end - 1]))


def find_all(hay: str, needle: str, lo: int = 0, hi: int | None = None,
              limit: int = 10_000) -> Iterable[int]:
    if not needle:
        return
    hi = len(hay) if hi is None else hi
    i = hay.find(needle, lo, hi)
    n = 0
    while i >= 0 and n < limit:
        yield i
        n += 1
        i = hay.find(needle, i + 1, hi)


def pick(hits: Sequence[tuple[int, int]], layer: LayerIndex) -> tuple[int, int]:
    """The first hit in the article body, else the first hit."""
    for start, end in hits:
        if layer.in_article(start, end):
            return start, end
    return hits[0]


def count_distinct(hits: Sequence[tuple[int, int]]) -> int:
    """How many of the hits do not overlap an earlier one."""
    count, last_end = 0, -1
    for start, end in sorted(hits):
        if start >= last_end:
            count += 1
            last_end = end
    return count


def search_tier(q: Query, layer: LayerIndex, tier: MatchMethod, lo: int = 0,
                hi: int | None = None, accept_numbers: bool = True,
                last: bool = False) -> list[tuple[int, int]]:
    """All word-bounded hits of ``q`` in ``layer`` at one tier, as text offsets
    within [lo, hi). With ``accept_numbers`` False, skeleton hits whose numbers
    differ from the quote's are kept too (the caller checks)."""
    f = layer.forms
    text = f.text
    hi_t = len(text) if hi is None else hi
    hits: list[tuple[int, int]] = []
    if tier == MatchMethod.EXACT:
        for needle in dict.fromkeys((q.raw, q.core)):
            for i in find_all(text, needle, lo, hi_t):
                if _bounded(text, i, i + len(needle), q):
                    hits.append((i, i + len(needle)))
            if hits:
                break
        return hits
    if tier == MatchMethod.NORMALIZED:
        needle, hay, omap = q.l1, f.l1, f.l1_map
    else:
        needle, hay, omap = q.skel, f.skel, f.skel_map
    if not needle:
        return hits
    lo_n = bisect.bisect_left(omap, lo)
    hi_n = bisect.bisect_left(omap, hi_t)
    for i in find_all(hay, needle, lo_n, hi_n):
        start, end = omap[i], omap[i + len(needle) - 1] + 1
        end = extend_cluster(text, end)
        if not _bounded(text, start, end, q):
            continue
        if (tier == MatchMethod.SKELETON and accept_numbers
                and numbers(text[start:end]) != q.numbers):
            continue
        hits.append((start, end))
    if last:
        hits.reverse()
    return hits


#: Skeleton occurrences beyond which the exact and normalized tiers scan the
#: whole layer rather than the neighbourhood of each. A bound on the work.
MAX_REGIONS = 64


def regions(q: Query, layer: LayerIndex) -> list[tuple[int, int]] | None:
    """Where in the layer's text an exact or normalized hit can be: between the
    letters or digits around each skeleton occurrence of the quote (its
    skeleton is the quote's). None: too many occurrences, search everywhere."""
    f = layer.forms
    spots = layer.occurrences(q.skel, MAX_REGIONS + 1)
    if len(spots) > MAX_REGIONS:
        return None
    out: list[tuple[int, int]] = []
    n = len(q.skel)
    for i in spots:
        lo = f.skel_map[i - 1] + 1 if i > 0 else 0
        hi = f.skel_map[i + n] if i + n < len(f.skel) else len(f.text)
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def tier_hits(q: Query, layer: LayerIndex, tier: MatchMethod,
              regions: list[tuple[int, int]] | None, accept_numbers: bool = True,
              last: bool = False) -> list[tuple[int, int]]:
    """:func:`search_tier` within ``regions`` (from :func:`regions`; None: everywhere)."""
    if regions is None:
        return search_tier(q, layer, tier, accept_numbers=accept_numbers, last=last)
    hits: list[tuple[int, int]] = []
    for lo, hi in regions:
        hits.extend(search_tier(q, layer, tier, lo, hi, accept_numbers=accept_numbers))
    return sorted(set(hits), reverse=last)


def extend_cluster(text: str, end: int) -> int:
    """Include combining marks that follow the last matched character."""
    while end < len(text) and unicodedata.combining(text[end]):
        end += 1
    return end


def excerpt(text: str, start: int, end: int) -> str:
    """The match between ⟦ ⟧ with its context, spaces collapsed."""
    a = max(0, start - EXCERPT_CONTEXT)
    b = min(len(text), end + EXCERPT_CONTEXT)
    def flat(s: str) -> str:
        return " ".join(s.split())
    before, inside, after = text[a:start], text[start:end], text[end:b]
    if len(inside) > MAX_EXCERPT_INSIDE:  # e.g. ellipsis segments far apart
        half = MAX_EXCERPT_INSIDE // 2
        inside = inside[:half].rstrip() + " … " + inside[-half:].lstrip()
    head = ("…" if a > 0 else "") + flat(before) + (" " if before[-1:].isspace() else "")
    tail = (" " if after[:1].isspace() else "") + flat(after) + ("…" if b < len(text) else "")
    return f"{head}⟦{flat(inside)}⟧{tail}"


def match_from_hits(q: Query, layer: LayerIndex, method: MatchMethod,
                    hits: Sequence[tuple[int, int]],
                    status: QuoteStatus = QuoteStatus.VERIFIED, score: float = 1.0,
                    difference: str | None = None, flags: tuple[str, ...] = ()) -> Match:
    """The :class:`Match` for a set of hits: the picked one, with the count of all."""
    start, end = pick(hits, layer)
    return Match(status=status, method=method, score=score, layer=layer.name, start=start,
                 end=end, excerpt=excerpt(layer.forms.text, start, end),
                 match_count=count_distinct(hits),
                 in_article_body=layer.in_article(start, end), difference=difference,
                 flags=flags)
