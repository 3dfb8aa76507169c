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

from collections.abc import Callable

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
from archiver.verify.seeds import MAX_WINDOWS, SEED, votes, windows
from archiver.verify.thresholds import (
    MAX_EDIT_RATIO,
    MAX_RECHECKS,
    MIN_FUZZY_CHARS,
    MIN_NEAREST_SCORE,
    MIN_TYPO_SCORE,
    NEAREST_CANDIDATES,
    NEAREST_STEP,
)


def _word_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start > 0 and is_word(text[start - 1]) and is_word(text[start]):
        start -= 1
    while end < len(text) and is_word(text[end]) and is_word(text[end - 1]):
        end += 1
    return start, end


def _align(query: bytes, target: bytes, k: int,
           offset: int = 0) -> tuple[int, list[tuple[int, int]]] | None:
    """edlib's best distance (at most ``k``; -1 means unbounded) and its locations."""
    result = edlib.align(query, target, mode="HW", task="locations", k=k)
    ed = int(result["editDistance"])
    if ed < 0:
        return None
    return ed, [(offset + int(s), offset + int(e)) for s, e in result["locations"]
                if s is not None]


def locate(skel: str, layer: LayerIndex, k: int) -> tuple[int, list[tuple[int, int]]] | None:
    """The smallest edit distance (at most ``k``) of a skeleton in a layer's skeleton
    and every place it is reached, as inclusive skeleton offsets, sorted; None if
    none. The answer is that of edlib over the whole layer.

    Aligned first on windows around exact seeds (:mod:`archiver.verify.seeds`),
    whose answer is kept when certified; otherwise on the ranges the q-gram
    filter (:meth:`~archiver.verify.seeds.QgramIndex.candidates`) cannot rule
    out, which give the whole layer's answer. A quote whose seeds gather
    nowhere (probably absent from the page) goes to the filter first: when it
    proves that nothing is within ``k``, the seed windows, which could only
    find nothing too, are skipped.
    """
    target = layer.encoded()[0]
    query = layer.encode(skel)
    if not query or len(target) < len(query) - k:
        return None
    diagonals = layer.seeds().diagonals(query)
    pieces = len(query) // SEED
    # An occurrence within k edits of a seed's diagonal starts at most 2k
    # before it and ends at most 2k after the quote's length. One within d
    # edits keeps pieces - d seeds, all in the same window: windows holding
    # fewer need no alignment. _best looks at MAX_WINDOWS + 1 of them at most.
    spans = ([] if diagonals is None or not len(diagonals)
             else windows(diagonals, len(query), 2 * k + 1, len(target), MAX_WINDOWS + 1))
    whole: tuple[int, list[tuple[int, int]]] | None = None
    if not spans or 2 * spans[0][2] < pieces:
        # Likely absent (few seeds gather anywhere; the cut is a judgement call
        # that orders the work and never changes the answer). The filter's
        # answer is the whole layer's: None proves the seed windows would find
        # nothing within k either.
        whole = _filtered(query, target, layer, k)
        if whole is None or not spans:
            return whole
    best = _best(query, target, k, spans, lambda held, d: held >= pieces - d)
    if best is not None and pieces >= best[0] + 1:
        return best
    if whole is not None:
        # What the filter gives for k (or for best's smaller distance: the
        # same minimum, reached at the same places).
        return whole
    return _filtered(query, target, layer, k if best is None else best[0])


def _filtered(query: bytes, target: bytes, layer: LayerIndex,
              k: int) -> tuple[int, list[tuple[int, int]]] | None:
    """The whole layer's best alignment within ``k``, aligned only where the q-gram
    filter cannot rule it out."""
    where = layer.qgrams().candidates(query, k)
    if where is None:
        found = _align(query, target, k)
        return None if found is None else (found[0], sorted(set(found[1])))
    if len(where) > 1 and _align(query, b"".join(target[a:z] for a, z in where), k) is None:
        # One call instead of one per range: every alignment within a range is
        # one within their concatenation, so none there means none in any.
        return None
    return _best(query, target, k, [(a, z, 0) for a, z in where], lambda held, d: True,
                 limit=None)


def _best(query: bytes, target: bytes, k: int, spans: list[tuple[int, int, int]],
          worth: Callable[[int, int], bool],
          limit: int | None = MAX_WINDOWS) -> tuple[int, list[tuple[int, int]]] | None:
    """The best alignment over the spans (a, z, held) in order, while ``worth(held,
    bound)``; None if none within ``k``, or when more than ``limit`` spans are worth it."""
    best: tuple[int, list[tuple[int, int]]] | None = None
    for aligned, (a, z, held) in enumerate(spans):
        if not worth(held, k if best is None else best[0]):
            break
        if limit is not None and aligned >= limit:
            return None
        found = _align(query, target[a:z], k if best is None else best[0], a)
        if found is None:
            continue
        if best is None or found[0] < best[0]:
            best = found
        elif found[0] == best[0]:
            best[1].extend(found[1])
    return None if best is None else (best[0], sorted(set(best[1])))


def fuzzy(q: Query, page: PageIndex) -> Match | None:
    """Semi-global alignment of the quote's skeleton; None if nothing within budget."""
    if len(q.skel) < MIN_FUZZY_CHARS:
        return None
    k = int(MAX_EDIT_RATIO * len(q.skel))
    best: tuple[int, LayerIndex, list[tuple[int, int]]] | None = None
    for layer in page.layers:
        # A later layer must do strictly better: ties go to the earlier one.
        bound = k if best is None else best[0] - 1
        if bound < 0:
            break
        found = locate(q.skel, layer, bound)
        if found is not None and found[1]:
            best = (found[0], layer, found[1])
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


def nearest(q: Query, page: PageIndex) -> tuple[LayerIndex, int, int, float] | None:
    """The page passage closest to a quote that is not in it: layer, text offsets
    and score (``1 - edits / length`` of the skeletons, floored at 0).

    Looked for where the page shares the most :data:`~archiver.verify.seeds.SEED`-
    symbol pieces with the quote (the :data:`NEAREST_CANDIDATES` best diagonal
    bands), then aligned there: a passage sharing no such piece is not
    proposed. None when none scores at least
    :data:`~archiver.verify.thresholds.MIN_NEAREST_SCORE`.
    """
    best: tuple[LayerIndex, int, int, float] | None = None
    m = len(q.skel)
    # Alignments beyond this many edits score below MIN_NEAREST_SCORE even after
    # rounding to 4 decimals (ed > bound gives 1 - ed/m <= MIN - 1/10,000), so
    # they can neither be the answer nor hide it: edlib may stop there.
    bound = int((1.0 - MIN_NEAREST_SCORE) * m) + 1 + m // 10_000
    for layer in page.layers:
        target = layer.encoded()[0]
        query = layer.encode(q.skel)
        if len(query) < SEED:
            continue
        # Pieces every NEAREST_STEP symbols: any run of SEED + NEAREST_STEP - 1
        # symbols the passage shares with the quote holds one.
        diagonals = layer.seeds().diagonals(query, limit=None, step=NEAREST_STEP)
        if diagonals is None:
            continue
        for d in votes(diagonals, max(SEED, m // 2), NEAREST_CANDIDATES):
            a = max(0, d - m)
            found = _align(query, target[a:d + 2 * m], bound, a)
            if found is None or not found[1]:
                continue
            score = max(0.0, round(1.0 - found[0] / m, 4))
            if best is None or score > best[3]:
                s, e = found[1][0]
                smap, text = layer.forms.skel_map, layer.forms.text
                start, end = _word_span(text, smap[s], extend_cluster(text, smap[e] + 1))
                best = (layer, start, end, score)
    if best is None or best[3] < MIN_NEAREST_SCORE:
        return None
    return best
