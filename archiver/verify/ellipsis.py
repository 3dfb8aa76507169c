"""The ellipsis tier: a quote with [...], (...) or … is cut there, and every segment
must be found in order, close together, in one layer.

The longest segment is the anchor (exact, normalized or skeleton, else fuzzy);
the others are looked for after and before it, each within
:data:`~archiver.verify.thresholds.MAX_ELLIPSIS_GAP` characters of its
neighbour. Segments too short to mean anything on their own
(:data:`~archiver.verify.thresholds.MIN_SEGMENT_CHARS`) are not searched.
"""

from __future__ import annotations

from archiver.models import MatchMethod, QuoteStatus
from archiver.verify.fuzzy import fuzzy
from archiver.verify.index import LayerIndex, PageIndex
from archiver.verify.query import EDGE_CHARS, ELLIPSIS_RE, Query, make_query
from archiver.verify.search import (
    STATUS_RANK,
    Match,
    excerpt,
    regions,
    search_tier,
    tier_hits,
)
from archiver.verify.thresholds import MAX_ELLIPSIS_GAP, MIN_SEGMENT_CHARS

_DIRECT_TIERS = (MatchMethod.EXACT, MatchMethod.NORMALIZED, MatchMethod.SKELETON)


def _segments(q: Query) -> list[Query]:
    parts = [p for p in ELLIPSIS_RE.split(q.core) if p and p.strip(EDGE_CHARS)]
    return [make_query(p) for p in parts] if len(parts) > 1 else []


def _segment_match(seg: Query, layer: LayerIndex, lo: int, hi: int,
                   last: bool) -> tuple[int, int, str, QuoteStatus] | None:
    for tier in _DIRECT_TIERS:
        hits = search_tier(seg, layer, tier, lo, hi, last=last)
        if hits:
            return hits[0][0], hits[0][1], tier, QuoteStatus.VERIFIED
    return None


def ellipsis(q: Query, page: PageIndex) -> Match | None:
    """The quote's segments found in order in one layer, or None (also when the
    quote has no elision mark)."""
    segs = _segments(q)
    if not segs:
        return None
    order = sorted(range(len(segs)), key=lambda i: -len(segs[i].skel))
    anchor_i = order[0]
    anchor = segs[anchor_i]
    for layer in page.layers:
        text = layer.forms.text
        anchors: list[tuple[int, int, QuoteStatus, float]] = []
        where = regions(anchor, layer) if anchor.skel else []
        for tier in _DIRECT_TIERS if where != [] else ():
            anchors = [(s, e, QuoteStatus.VERIFIED, 1.0)
                       for s, e in tier_hits(anchor, layer, tier, where)]
            if anchors:
                break
        if not anchors:
            fz = fuzzy(anchor, PageIndex((layer,), page.lang))
            if fz is None or fz.start is None or fz.end is None:
                continue
            anchors = [(fz.start, fz.end, fz.status, fz.score)]
        for a_start, a_end, a_status, a_score in anchors[:50]:
            spans: dict[int, tuple[int, int]] = {anchor_i: (a_start, a_end)}
            statuses = [a_status]
            ok = True
            lo = a_end
            for i in range(anchor_i + 1, len(segs)):
                if len(segs[i].skel) < MIN_SEGMENT_CHARS:
                    continue
                found = _segment_match(segs[i], layer, lo, min(len(text), lo + MAX_ELLIPSIS_GAP
                                       + len(segs[i].raw) * 2), last=False)
                if found is None:
                    ok = False
                    break
                spans[i] = (found[0], found[1])
                lo = found[1]
            if not ok:
                continue
            hi = a_start
            for i in range(anchor_i - 1, -1, -1):
                if len(segs[i].skel) < MIN_SEGMENT_CHARS:
                    continue
                found = _segment_match(segs[i], layer, max(0, hi - MAX_ELLIPSIS_GAP
                                       - len(segs[i].raw) * 2), hi, last=True)
                if found is None:
                    ok = False
                    break
                spans[i] = (found[0], found[1])
                hi = found[0]
            if not ok:
                continue
            start = min(s for s, _ in spans.values())
            end = max(e for _, e in spans.values())
            status = min(statuses, key=lambda s: STATUS_RANK[s])
            return Match(status=status, method=MatchMethod.ELLIPSIS, score=a_score,
                         layer=layer.name, start=start, end=end,
                         excerpt=excerpt(text, start, end), match_count=1,
                         in_article_body=layer.in_article(start, end),
                         detail=f"{len(segs)} segments found in order")
    return None
