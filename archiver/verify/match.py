"""One quote against one indexed page: the tiers in order, the best result wins.

``exact``
    ``str.find`` of the quote in a layer's text.
``normalized``
    Both sides in L1 form (:func:`~archiver.verify.normalize.normalize`).
``skeleton``
    Letters and digits only, accents stripped: absorbs lost spaces
    (``lafibrehumanitaire estdanslafamille``), line-break hyphenation
    (``docteurenphiloso-phie``) and punctuation. Followed by a **number
    check** on the matched span, because the skeleton makes "£1.2m" and
    "£12m" collide: different numbers make the result ``altered``.
``ellipsis``
    A quote with ``[...]``, ``(...)`` or ``…`` is cut there
    (:mod:`archiver.verify.ellipsis`).
``fuzzy``
    Approximate alignment of the skeleton (:mod:`archiver.verify.fuzzy`).

Exact search first and approximate search only when it fails is the order of
the Hypothesis annotation client (hypothesis/client
src/annotator/anchoring/match-quote.ts, ``search``), which however accepts
any match within len/2 errors; here a verifier needs a score floor. A quote
that is not found is a ``missing`` result, never an exception;
``probable_translation`` is set when its language differs from the page's.
"""

from __future__ import annotations

from dataclasses import replace

from archiver.models import MatchMethod, QuoteStatus
from archiver.verify.anchor import selector
from archiver.verify.edits import (
    differences,
    format_diff,
    number_diff,
    similarity,
    word_diff,
)
from archiver.verify.ellipsis import ellipsis
from archiver.verify.fuzzy import fuzzy, nearest
from archiver.verify.index import PageIndex
from archiver.verify.language import base_lang, detect_language
from archiver.verify.normalize import normalize, numbers
from archiver.verify.query import Query, make_query
from archiver.verify.search import (
    FLAG_AMBIGUOUS,
    FLAG_NUMBER,
    FLAG_SHORT,
    Match,
    count_distinct,
    match_from_hits,
    pick,
    regions,
    tier_hits,
)
from archiver.verify.thresholds import MAX_EDIT_RATIO, MIN_FUZZY_CHARS


def _direct(q: Query, page: PageIndex) -> Match | None:
    """Tiers exact, normalized and skeleton (with the number check)."""
    # An exact or normalized hit is also a skeleton hit (all forms are built
    # character by character), so they are looked for only where the
    # quote's skeleton occurs: one scan of each layer's skeleton.
    layers = [(layer, regions(q, layer)) for layer in page.layers]
    layers = [(layer, w) for layer, w in layers if w is None or w]
    if not layers:
        return None
    for tier in (MatchMethod.EXACT, MatchMethod.NORMALIZED):
        for layer, where in layers:
            hits = tier_hits(q, layer, tier, where)
            if hits:
                found = match_from_hits(q, layer, tier, hits)
                if tier == MatchMethod.EXACT:
                    # Places that differ only in case or typography count as equally good.
                    same = count_distinct(tier_hits(q, layer, MatchMethod.NORMALIZED, where))
                    found = replace(found, match_count=max(found.match_count, same))
                return found
    altered: Match | None = None
    for layer, where in layers:
        hits = tier_hits(q, layer, MatchMethod.SKELETON, where, accept_numbers=False)
        if not hits:
            continue
        good = [h for h in hits if numbers(layer.forms.text[h[0]:h[1]]) == q.numbers]
        if good:
            return match_from_hits(q, layer, MatchMethod.SKELETON, good)
        if altered is None:
            start, end = pick(hits, layer)
            span = layer.forms.text[start:end]
            diff = differences(q.core, span)
            altered = match_from_hits(
                q, layer, MatchMethod.SKELETON, hits, status=QuoteStatus.ALTERED,
                score=similarity(q.l1, normalize(span)),
                difference=format_diff(diff) or number_diff(q.core, span),
                flags=(FLAG_NUMBER,))
    return altered


def match_quote(text: str, page: PageIndex, *, quote_lang: str | None = None) -> Match:
    """Find one quote in an indexed page: the best tier that matches, or missing."""
    q = make_query(text)
    if not q.skel:
        return Match(QuoteStatus.MISSING, detail="the quote has no letters or digits")
    direct = _direct(q, page)
    if direct is not None and direct.status is QuoteStatus.VERIFIED:
        return _anchored(direct, q, page)
    candidates = [m for m in (direct, ellipsis(q, page)) if m is not None]
    if not candidates or all(m.status is not QuoteStatus.VERIFIED for m in candidates):
        approximate = fuzzy(q, page)
        if approximate is not None:
            candidates.append(approximate)
    best: Match | None = None
    for m in candidates:
        if best is None or m.better_than(best):
            best = m
    if best is not None:
        return _anchored(best, q, page)
    return _missing(q, page, quote_lang)


def _anchored(m: Match, q: Query, page: PageIndex) -> Match:
    """A found or altered match with its selector, its ``ambiguous`` flag and, when
    it is not the quote as such, the passage and word diff."""
    layer = next((x for x in page.layers if x.name == m.layer), None)
    if layer is None or m.start is None or m.end is None:
        return m
    text = layer.forms.text
    span = text[m.start:m.end]
    altered = m.status is QuoteStatus.ALTERED
    return replace(
        m, selector=selector(text, m.start, m.end),
        flags=(*m.flags, FLAG_AMBIGUOUS) if m.match_count > 1 else m.flags,
        word_diff=(word_diff(q.core, span)
                   if altered or m.status is QuoteStatus.VERIFIED_TYPO else None),
        nearest=" ".join(span.split()) if altered else None,
        nearest_score=m.score if altered else None)


def _missing(q: Query, page: PageIndex, quote_lang: str | None) -> Match:
    flags: tuple[str, ...] = ()
    if len(q.skel) < MIN_FUZZY_CHARS:
        detail = (f"not found; too short to fuzzy-verify ({len(q.skel)} letters and "
                  f"digits < {MIN_FUZZY_CHARS})")
        flags = (FLAG_SHORT,)
    else:
        detail = f"no passage within {int(MAX_EDIT_RATIO * 100)} % edits"
    lang = detect_language(q.core) or base_lang(quote_lang)
    translated = bool(lang and page.lang and lang != page.lang)
    if translated:
        detail += f"; the quote reads as {lang}, the page as {page.lang}"
    close = nearest(q, page)
    if close is None:
        return Match(QuoteStatus.MISSING, detail=detail, probable_translation=translated,
                     flags=flags)
    layer, start, end, score = close
    span = layer.forms.text[start:end]
    detail += f"; the nearest passage scores {score:.2f}"
    return Match(QuoteStatus.MISSING, detail=detail, probable_translation=translated,
                 flags=flags, nearest=" ".join(span.split()), nearest_score=score,
                 word_diff=word_diff(q.core, span))
