"""The fuzzy tier: the best approximate occurrence of a quote's skeleton, and what differs.

Semi-global alignment with edlib (``mode="HW"``: gaps at both ends of the page
are free; Martinsos/edlib, Šošić and Šikić 2017, on Myers' 1999 bit-vector
algorithm), bounded by ``k`` edits, over each layer's byte-encoded skeleton
(:meth:`~archiver.verify.index.LayerIndex.encoded`). Only quotes of at least
:data:`~archiver.verify.thresholds.MIN_FUZZY_CHARS` skeleton characters are
tried, within :data:`~archiver.verify.thresholds.MAX_EDIT_RATIO` edits. The
span found is widened to whole words and compared with the quote word by word
(:mod:`archiver.verify.edits`): typo-sized edits give ``verified_typo``, a
changed word or number gives ``altered`` with the difference shown.
"""

from __future__ import annotations

import edlib

from archiver.models import MatchMethod, QuoteStatus
from archiver.verify.edits import differences, distance, format_diff
from archiver.verify.index import LayerIndex, PageIndex
from archiver.verify.query import Query
from archiver.verify.search import (
    FLAG_NUMBER,
    Match,
    extend_cluster,
    is_word,
    match_from_hits,
    pick,
)
from archiver.verify.thresholds import (
    MAX_EDIT_RATIO,
    MAX_RECHECKS,
    MIN_FUZZY_CHARS,
    MIN_TYPO_SCORE,
)


def _word_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start > 0 and is_word(text[start - 1]) and is_word(text[start]):
        start -= 1
    while end < len(text) and is_word(text[end]) and is_word(text[end - 1]):
        end += 1
    return start, end


def fuzzy(q: Query, page: PageIndex) -> Match | None:
    """Semi-global alignment of the quote's skeleton; None if nothing within budget."""
    if len(q.skel) < MIN_FUZZY_CHARS:
        return None
    k = int(MAX_EDIT_RATIO * len(q.skel))
    best: tuple[int, LayerIndex, list[tuple[int, int]]] | None = None
    for layer in page.layers:
        target, table = layer.encoded()
        if len(target) < len(q.skel) - k:
            continue
        query = bytes(table.get(c, 0) for c in q.skel)
        result = edlib.align(query, target, mode="HW", task="locations", k=k)
        ed = int(result["editDistance"])
        if ed < 0 or (best is not None and ed >= best[0]):
            continue
        locations = [(int(s), int(e)) for s, e in result["locations"] if s is not None]
        if locations:
            best = (ed, layer, locations)
    if best is None:
        return None
    ed, layer, locations = best
    if layer.collisions:
        # Symbols beyond the 254 most frequent share one code: recheck on the real text.
        checked = [(s, e) for s, e in locations[:MAX_RECHECKS]
                   if distance(q.skel, layer.forms.skel[s:e + 1]) <= k]
        if not checked:
            return None
        locations = checked
        ed = min(distance(q.skel, layer.forms.skel[s:e + 1]) for s, e in checked)
    smap, text = layer.forms.skel_map, layer.forms.text
    spans = [_word_span(text, smap[s], extend_cluster(text, smap[e] + 1))
             for s, e in locations]
    score = round(1.0 - ed / len(q.skel), 4)
    start, end = pick(spans, layer)
    edits = differences(q.core, text[start:end])
    kinds = {e.kind for e in edits}
    flags: tuple[str, ...] = ()
    if "number" in kinds:
        status, flags = QuoteStatus.ALTERED, (FLAG_NUMBER,)
    elif "word" in kinds or score < MIN_TYPO_SCORE:
        status = QuoteStatus.ALTERED
    else:
        status = QuoteStatus.VERIFIED_TYPO
    difference = format_diff(edits)
    if difference is None and status is not QuoteStatus.VERIFIED_TYPO:
        difference = f"{ed} character edits"
    return match_from_hits(q, layer, MatchMethod.FUZZY, spans, status=status, score=score,
                           difference=difference, flags=flags)
