"""Does each quoted passage still stand in the archived text? Pure: no I/O.

Matching tiers, first hit wins (quotes.md §6); each is reported as ``method``:

``exact``
    ``str.find`` of the quote in a layer's text.
``normalized``
    Both sides NFKC-normalized and casefolded, quote/apostrophe/dash variants
    unified, every Unicode space (NBSP, narrow NBSP, thin space) and line break
    collapsed to one space, soft hyphens and zero-width characters dropped.
``skeleton``
    Letters and digits only, accents stripped: absorbs lost spaces
    (``lafibrehumanitaire estdanslafamille``), line-break hyphenation
    (``docteurenphiloso-phie``) and punctuation. Followed by a **number
    check** on the matched span, because the skeleton makes "£1.2m" and
    "£12m" collide: different numbers make the result ``altered``.
``ellipsis``
    A quote with ``[...]``, ``(...)`` or ``…`` is cut there; every segment
    must be found, in order, close together.
``fuzzy``
    Semi-global alignment (edlib, mode HW) of the quote's skeleton, only for
    quotes of at least :data:`MIN_FUZZY_CHARS` skeleton characters and
    within :data:`MAX_EDIT_RATIO` edits. The edits are then classified word
    by word: typo-sized edits give ``verified_typo``, a changed word or number
    gives ``altered`` with the difference shown.

Every match must start and end on word boundaries of the page text, so "la
Terre" is not found inside "villa Terrestre". A quote that is not found is a
``missing`` result, never an exception; ``probable_translation`` is set when
its language differs from the page's.

The orchestration (:func:`verify_manifest`) takes its pages from a
:class:`PageProvider` (e.g. :class:`archiver.warcread.WarcIndex`) and, for
``--live``, a :class:`LiveProvider`; this module itself reads no file and
opens no socket.
"""

from __future__ import annotations

import bisect
import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Protocol

import edlib

from archiver.extract import LAYER_META, LAYER_SCRIPT, LAYER_TEXT, PageText, repair_mojibake
from archiver.models import (
    Capture,
    Manifest,
    Progress,
    ProgressCallback,
    Quote,
    QuoteResult,
    QuoteStatus,
    Source,
    VerifyRun,
)

# --------------------------------------------------------------------------
# Thresholds. Every number comes from ../shared/research/quotes.md.
# --------------------------------------------------------------------------

#: Quotes whose skeleton is shorter than this are never fuzzy-matched: below
#: ~25 skeleton characters chance similarity reaches 0.8+ in 1 MB of text
#: (quotes.md §6 "Why 0.80": 25 chars p95 .85; §8 pitfall 4).
MIN_FUZZY_CHARS = 25
#: Edits allowed in a fuzzy match, as a share of the quote's skeleton length:
#: score = 1 - edits/length >= 0.80. Absent passages of >= 40 characters score
#: at most .66 in 1 MB, translations .31-.50, one-word changes .90-.96 (§6).
MAX_EDIT_RATIO = 0.20
MIN_ALTERED_SCORE = 1.0 - MAX_EDIT_RATIO
#: A fuzzy match is ``verified_typo`` only if every edit is typo-sized *and*
#: the score is at least this (§6 table: "recommend also score >= 0.90";
#: two typos observed at about .97).
MIN_TYPO_SCORE = 0.90
#: A changed word is a typo when at most this many edits (insertion, deletion,
#: substitution or swap of two adjacent letters, after folding OCR look-alikes)
#: turn it into the page's word and no digit changed. quotes.md §6 allows "<= 2
#: operations" per cluster, counting a swap as 2; counting a swap as 1 and
#: refusing two substitutions keeps "accident"/"incident" a word change.
MAX_TYPO_EDITS = 1
#: Both sides of a one-word edit at most this long: a word change, not a typo
#: ("un"/"en", "le"/"la" differ by one letter but change the meaning; §8 pitfall 8).
SHORT_WORD = 3
#: Characters of context on each side of a match in the excerpt (the issue asks
#: for about 80; Hypothesis keeps 32, quotes.md §1).
EXCERPT_CONTEXT = 80
#: Fuzzy locations rechecked character by character on large-alphabet (CJK) pages.
MAX_RECHECKS = 20
#: A matched passage longer than this is shown with its middle elided.
MAX_EXCERPT_INSIDE = 600
#: Ellipsis segments must lie within this many characters of each other. A
#: judgement call, not measured: an elided part of a quote is a few sentences.
MAX_ELLIPSIS_GAP = 2000
#: Ellipsis segments whose skeleton is shorter than this are not searched on
#: their own (a lone "Demain" matches anywhere); they still count toward order.
MIN_SEGMENT_CHARS = 4
#: Stop-word hits needed to name a language, and the lead over the runner-up.
MIN_LANG_HITS = 2
LANG_SAMPLE_CHARS = 20_000

METHOD_EXACT = "exact"
METHOD_NORMALIZED = "normalized"
METHOD_SKELETON = "skeleton"
METHOD_ELLIPSIS = "ellipsis"
METHOD_FUZZY = "fuzzy"

#: Layers in the order they are searched at each tier; ties go to the first.
LAYER_ORDER = (LAYER_TEXT, LAYER_SCRIPT, LAYER_META)

FLAG_SHORT = "too_short_for_fuzzy"
FLAG_NUMBER = "number_changed"

_STATUS_RANK = {QuoteStatus.VERIFIED: 4, QuoteStatus.VERIFIED_TYPO: 3,
                QuoteStatus.ALTERED: 2, QuoteStatus.MISSING: 1, QuoteStatus.UNVERIFIABLE: 0}


# --------------------------------------------------------------------------
# Normalization with offset maps (quotes.md §3)
# --------------------------------------------------------------------------

_SINGLE_QUOTES = "\u2018\u2019\u201a\u201b\u2032\u00b4`\u02bc\u2039\u203a\uff07"
_DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033\uff02\u301d\u301e"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_SPACES = "\t\n\r\x0b\x0c\x85\u2028\u2029"
_SKELETON_FOLD = {"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th",
                  "ı": "i", "ß": "ss"}
_l1_cache: dict[str, str] = {}
_skel_cache: dict[str, str] = {}


def _l1_simple(ch: str) -> str:
    if ch in _SINGLE_QUOTES:
        return "'"
    if ch in _DOUBLE_QUOTES:
        return '"'
    if ch in _DASHES:
        return "-"
    return ch


def _l1_char(ch: str) -> str:
    """L1 of one character: " " for any space, "" for format characters."""
    cached = _l1_cache.get(ch)
    if cached is not None:
        return cached
    cat = unicodedata.category(ch)
    if ch in _SPACES or cat in ("Zs", "Zl", "Zp"):
        out = " "
    elif cat == "Cf":  # soft hyphen, ZWSP, ZWJ/ZWNJ, word joiner, BOM, LRM/RLM
        out = ""
    elif cat == "Cc":
        out = " "
    else:
        simple = _l1_simple(ch)
        if simple != ch:
            out = simple
        else:
            out = "".join(_l1_simple(c) for c in unicodedata.normalize("NFKC", ch).casefold())
            if out.isspace():
                out = " "
    _l1_cache[ch] = out
    return out


def _skel_char(ch: str) -> str:
    """Skeleton of one L1 character: its letters and digits without accents."""
    cached = _skel_cache.get(ch)
    if cached is not None:
        return cached
    if not ch.isalnum():
        out = ""
    elif ch.isascii():
        out = ch
    else:
        folded = _SKELETON_FOLD.get(ch)
        if folded is None:
            folded = "".join(c for c in unicodedata.normalize("NFKD", ch)
                             if not unicodedata.combining(c))
            folded = "".join(_SKELETON_FOLD.get(c, c) for c in folded)
        out = "".join(c for c in folded if c.isalnum()).lower()
    _skel_cache[ch] = out
    return out


def normalize(text: str) -> str:
    """The L1 ("normalized") form of a text, without offsets."""
    out: list[str] = []
    space = True
    for ch in text:
        r = _l1_char(ch)
        if r == " ":
            if not space:
                out.append(" ")
                space = True
        elif r:
            out.append(r)
            space = False
    return "".join(out).rstrip(" ")


def skeleton(text: str) -> str:
    """Letters and digits only, casefolded, accents stripped."""
    return "".join(_skel_char(c) for c in normalize(text))


@dataclass(frozen=True)
class _Forms:
    """One text in three forms, with maps from L1 and skeleton back to the text."""

    text: str
    l1: str
    l1_map: tuple[int, ...]
    skel: str
    skel_map: tuple[int, ...]


def _forms(text: str) -> _Forms:
    l1: list[str] = []
    l1_map: list[int] = []
    skel: list[str] = []
    skel_map: list[int] = []
    space = True
    l1_char = _l1_char
    skel_char = _skel_char
    for i, ch in enumerate(text):
        r = _l1_cache.get(ch)
        if r is None:
            r = l1_char(ch)
        if r == " ":
            if not space:
                l1.append(" ")
                l1_map.append(i)
                space = True
            continue
        if not r:
            continue
        space = False
        for c in r:
            l1.append(c)
            l1_map.append(i)
            s = _skel_cache.get(c)
            if s is None:
                s = skel_char(c)
            for sc in s:
                skel.append(sc)
                skel_map.append(i)
    return _Forms(text, "".join(l1), tuple(l1_map), "".join(skel), tuple(skel_map))


# --------------------------------------------------------------------------
# Numbers (quotes.md §8 pitfall 3)
# --------------------------------------------------------------------------

_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")
_SEP_RE = re.compile(r"([.,])")
#: OCR look-alikes inside a word ("he1p", "p0lice") are letters, not numbers.
_OCR_RE = re.compile(r"(?<=[^\W\d_])[01](?=[^\W\d_])")


def numbers(text: str) -> tuple[str, ...]:
    """Numeric tokens, canonical: spaces removed, thousands separators dropped.

    "1 300" = "1,300" = "1.300" -> "1300"; "1,6" = "1.6" -> "1.6"; but
    "1.2m" -> "1.2" while "12m" -> "12".
    """
    l1 = _OCR_RE.sub(lambda m: "l" if m.group(0) == "1" else "o", normalize(text))
    flat = "".join(l1.split())
    out: list[str] = []
    for token in _NUMBER_RE.findall(flat):
        pieces = _SEP_RE.split(token)
        canon = pieces[0]
        for sep_index in range(1, len(pieces), 2):
            group = pieces[sep_index + 1]
            canon += group if len(group) == 3 else "." + group
        out.append(canon)
    return tuple(out)


# --------------------------------------------------------------------------
# Language (cheap: stop words; the page's <html lang> as a fallback)
# --------------------------------------------------------------------------

_STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset("""the and of to is was that with for it this are be have has by from
        not but they we would which their will been who were there what when our
        you he she his her its an on at as in said says""".split()),
    "fr": frozenset("""le la les des du une est et dans que qui pour pas sur au aux ce
        cette sont nous vous ils elle elles avec mais ont été plus leur leurs se sa
        son ses être fait comme où par ne il un en on""".split()),
    "de": frozenset("""der die das und ist nicht ein eine mit auf für sich dem den des
        von zu im ich sie wir auch wird sind war""".split()),
    "es": frozenset("""el los las del que una por con para es se su al lo como más
        pero sus le ya muy""".split()),
    "it": frozenset("""il gli della che di per una non sono con del alla nel dei delle
        anche più questo""".split()),
    "nl": frozenset("""de het een van en is dat niet zijn met voor op ook bij werd
        naar maar""".split()),
}
_WORD_RE = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def detect_language(text: str) -> str | None:
    """A two-letter language code from stop-word counts, or None if unsure."""
    counts = dict.fromkeys(_STOPWORDS, 0)
    for word in _WORD_RE.findall(normalize(text[:LANG_SAMPLE_CHARS])):
        for part in word.split("'"):
            for lang, words in _STOPWORDS.items():
                if part in words:
                    counts[lang] += 1
    ranked = sorted(counts.items(), key=lambda kv: kv[1], reverse=True)
    (best, hits), (_, second) = ranked[0], ranked[1]
    if hits >= MIN_LANG_HITS and hits >= 2 * second:
        return best
    return None


def _base_lang(tag: str | None) -> str | None:
    if not tag:
        return None
    return tag.replace("_", "-").split("-")[0].strip().lower() or None


# --------------------------------------------------------------------------
# Page index: every layer in three forms, built once
# --------------------------------------------------------------------------


@dataclass
class _LayerIndex:
    name: str
    forms: _Forms
    article_spans: tuple[tuple[int, int], ...]
    _encoded: bytes | None = None
    _table: dict[str, int] | None = None
    collisions: bool = False  # more than 254 symbols: code 255 stands for several

    def encoded(self) -> tuple[bytes, dict[str, int]]:
        """The skeleton as bytes for edlib (quotes.md §8 pitfall 1): the 254 most
        frequent symbols get 1-254, every rarer one 255; 0 means absent."""
        if self._encoded is None or self._table is None:
            freq: dict[str, int] = {}
            for ch in self.forms.skel:
                freq[ch] = freq.get(ch, 0) + 1
            ranked = sorted(freq, key=lambda c: -freq[c])
            table = {c: i + 1 for i, c in enumerate(ranked[:254])}
            for c in ranked[254:]:
                table[c] = 255
            self.collisions = len(ranked) > 254
            self._table = table
            trans = {ord(c): chr(v) for c, v in table.items()}
            self._encoded = self.forms.skel.translate(trans).encode("latin-1")
        return self._encoded, self._table

    def in_article(self, start: int, end: int) -> bool | None:
        if not self.article_spans:
            return None
        return any(a <= start and end <= b for a, b in self.article_spans)


@dataclass
class PageIndex:
    """A page's layers, normalized and ready to search. Build with :func:`index_page`."""

    layers: tuple[_LayerIndex, ...]
    lang: str | None
    flags: tuple[str, ...] = ()


def index_page(page: PageText, *, fallback_lang: str | None = None) -> PageIndex:
    """Index a page once; search it with :func:`match_quote` as often as needed.

    The page language is the stop-word guess on its text, else its declared
    ``<html lang>``, else ``fallback_lang`` (e.g. the manifest's language).
    """
    layers: list[_LayerIndex] = []
    for name in LAYER_ORDER:
        layer = page.layer(name)
        if layer is not None and layer.text:
            layers.append(_LayerIndex(name, _forms(layer.text), layer.article_spans))
    lang = (detect_language(page.text) or _base_lang(page.declared_lang)
            or _base_lang(fallback_lang))
    return PageIndex(tuple(layers), lang, page.flags)


# --------------------------------------------------------------------------
# The quote
# --------------------------------------------------------------------------

_HYPHEN_BREAK_RE = re.compile(r"(\w)[-\u00ad\u2010][ \t]*\r?\n\s*(\w)")
#: An elision mark: [...], [&#8230;], (...), (…), … or three or more dots.
_ELLIPSIS = r"(?:[\[(]\s*(?:\.\s*){2,}\.?\s*[\])]|[\[(]\s*…\s*[\])]|…|\.{3,})"
_ELLIPSIS_RE = re.compile(rf"\s*{_ELLIPSIS}\s*")
_EDGE_CHARS = "\"'«»“”„‟‘’‚‹›`´ \t\r\n\u00a0\u202f\u2009.,;:!?…-—–"
_EDGE_RE = re.compile(rf"^\s*{_ELLIPSIS}|{_ELLIPSIS}\s*$")


@dataclass(frozen=True)
class _Query:
    raw: str
    core: str
    l1: str
    skel: str
    numbers: tuple[str, ...]
    starts_alnum: bool
    ends_alnum: bool


def _strip_edges(text: str) -> str:
    previous = None
    while previous != text:
        previous = text
        text = _EDGE_RE.sub("", text.strip(_EDGE_CHARS)).strip(_EDGE_CHARS)
    return text


def _query(text: str) -> _Query:
    raw = unicodedata.normalize("NFC", repair_mojibake(text)[0])
    raw = _HYPHEN_BREAK_RE.sub(r"\1\2", raw).strip()
    core = _strip_edges(raw) or raw
    l1 = normalize(core)
    return _Query(raw, core, l1, skeleton(core), numbers(core),
                  core[:1].isalnum(), core[-1:].isalnum())


# --------------------------------------------------------------------------
# Matches
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    """Where and how a quote was found in a page (or why not)."""

    status: QuoteStatus
    method: str | None = None
    score: float = 0.0
    layer: str | None = None
    start: int | None = None
    end: int | None = None
    excerpt: str | None = None
    match_count: int = 0
    in_article_body: bool | None = None
    difference: str | None = None
    detail: str | None = None
    probable_translation: bool = False
    flags: tuple[str, ...] = ()

    def better_than(self, other: Match) -> bool:
        """A better status wins; on a tie the earlier tier (``other``) is kept."""
        return _STATUS_RANK[self.status] > _STATUS_RANK[other.status]


@dataclass(frozen=True)
class _Hit:
    layer: _LayerIndex
    start: int
    end: int
    count: int


#: Scripts written without spaces between words (Thai, Lao, Myanmar, Khmer, CJK,
#: kana): there a match may start or end anywhere.
_UNSPACED = ((0x0E00, 0x0EFF), (0x1000, 0x109F), (0x1780, 0x17FF), (0x2E80, 0xA4CF),
             (0xF900, 0xFAFF), (0xFF66, 0xFF9F), (0x20000, 0x3FFFF))


def _is_word(ch: str) -> bool:
    """A character that continues a space-separated word."""
    if not ch.isalnum():
        return False
    code = ord(ch)
    return code < 0x0E00 or not any(a <= code <= b for a, b in _UNSPACED)


def _bounded(text: str, start: int, end: int, q: _Query) -> bool:
    """Whether [start, end) does not cut a word at an end where the quote has a word."""
    if q.starts_alnum and start > 0 and _is_word(text[start - 1]) and _is_word(text[start]):
        return False
    return not (q.ends_alnum and end < len(text) and _is_word(text[end])
                and _is_word(text[end - 1]))


def _find_all(hay: str, needle: str, lo: int = 0, hi: int | None = None,
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


def _pick(hits: Sequence[tuple[int, int]], layer: _LayerIndex) -> tuple[int, int]:
    """The first hit in the article body, else the first hit."""
    for start, end in hits:
        if layer.in_article(start, end):
            return start, end
    return hits[0]


def _count_distinct(hits: Sequence[tuple[int, int]]) -> int:
    count, last_end = 0, -1
    for start, end in sorted(hits):
        if start >= last_end:
            count += 1
            last_end = end
    return count


def _search_tier(q: _Query, layer: _LayerIndex, tier: str, lo: int = 0,
                 hi: int | None = None, accept_numbers: bool = True,
                 last: bool = False) -> list[tuple[int, int]]:
    """All word-bounded hits of ``q`` in ``layer`` at one tier, as text offsets
    within [lo, hi). With ``accept_numbers`` False, skeleton hits whose numbers
    differ from the quote's are kept too (the caller checks)."""
    f = layer.forms
    text = f.text
    hi_t = len(text) if hi is None else hi
    hits: list[tuple[int, int]] = []
    if tier == METHOD_EXACT:
        for needle in dict.fromkeys((q.raw, q.core)):
            for i in _find_all(text, needle, lo, hi_t):
                if _bounded(text, i, i + len(needle), q):
                    hits.append((i, i + len(needle)))
            if hits:
                break
        return hits
    if tier == METHOD_NORMALIZED:
        needle, hay, omap = q.l1, f.l1, f.l1_map
    else:
        needle, hay, omap = q.skel, f.skel, f.skel_map
    if not needle:
        return hits
    lo_n = bisect.bisect_left(omap, lo)
    hi_n = bisect.bisect_left(omap, hi_t)
    for i in _find_all(hay, needle, lo_n, hi_n):
        start, end = omap[i], omap[i + len(needle) - 1] + 1
        end = _extend_cluster(text, end)
        if not _bounded(text, start, end, q):
            continue
        if tier == METHOD_SKELETON and accept_numbers and numbers(text[start:end]) != q.numbers:
            continue
        hits.append((start, end))
    if last:
        hits.reverse()
    return hits


def _extend_cluster(text: str, end: int) -> int:
    """Include combining marks that follow the last matched character."""
    while end < len(text) and unicodedata.combining(text[end]):
        end += 1
    return end


def _excerpt(text: str, start: int, end: int) -> str:
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


def _found(q: _Query, layer: _LayerIndex, method: str, hits: Sequence[tuple[int, int]],
           status: QuoteStatus = QuoteStatus.VERIFIED, score: float = 1.0,
           difference: str | None = None, flags: tuple[str, ...] = ()) -> Match:
    start, end = _pick(hits, layer)
    return Match(status=status, method=method, score=score, layer=layer.name, start=start,
                 end=end, excerpt=_excerpt(layer.forms.text, start, end),
                 match_count=_count_distinct(hits),
                 in_article_body=layer.in_article(start, end), difference=difference,
                 flags=flags)


def _direct(q: _Query, page: PageIndex) -> Match | None:
    """Tiers exact, normalized and skeleton (with the number check)."""
    for tier in (METHOD_EXACT, METHOD_NORMALIZED):
        for layer in page.layers:
            hits = _search_tier(q, layer, tier)
            if hits:
                found = _found(q, layer, tier, hits)
                if tier == METHOD_EXACT:
                    # Places that differ only in case or typography count as equally good.
                    same = _count_distinct(_search_tier(q, layer, METHOD_NORMALIZED))
                    found = replace(found, match_count=max(found.match_count, same))
                return found
    altered: Match | None = None
    for layer in page.layers:
        hits = _search_tier(q, layer, METHOD_SKELETON, accept_numbers=False)
        if not hits:
            continue
        good = [h for h in hits if numbers(layer.forms.text[h[0]:h[1]]) == q.numbers]
        if good:
            return _found(q, layer, METHOD_SKELETON, good)
        if altered is None:
            start, end = _pick(hits, layer)
            span = layer.forms.text[start:end]
            diff = _differences(q.core, span)
            altered = _found(q, layer, METHOD_SKELETON, hits, status=QuoteStatus.ALTERED,
                             score=_similarity(q.l1, normalize(span)),
                             difference=_format_diff(diff) or _number_diff(q.core, span),
                             flags=(FLAG_NUMBER,))
    return altered


# --------------------------------------------------------------------------
# Fuzzy tier and edit classification
# --------------------------------------------------------------------------


def _distance(a: str, b: str) -> int:
    """Levenshtein distance. edlib takes at most 256 distinct symbols (quotes.md §8
    pitfall 1), so the two strings are encoded together, or, for larger alphabets
    (CJK), measured in Python."""
    if not a or not b:
        return max(len(a), len(b))
    alphabet = {c: i for i, c in enumerate(dict.fromkeys(a + b))}
    if len(alphabet) <= 256:
        result = edlib.align(bytes(alphabet[c] for c in a), bytes(alphabet[c] for c in b),
                             mode="NW", task="distance")
        return int(result["editDistance"])
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        cur = [i]
        for j, cb in enumerate(b, start=1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _similarity(a: str, b: str) -> float:
    """1 - Levenshtein(a, b) / len(a), floored at 0 (a is the quote)."""
    if not a:
        return 0.0
    return max(0.0, 1.0 - _distance(a, b) / len(a))


@dataclass(frozen=True)
class _Edit:
    kind: str  # typo, word, number
    quote: str
    page: str


_TOKEN_RE = re.compile(r"\w+")


def _osa(a: str, b: str) -> int:
    """Optimal-string-alignment distance: Levenshtein plus adjacent transpositions."""
    if abs(len(a) - len(b)) > MAX_TYPO_EDITS:
        return MAX_TYPO_EDITS + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[len(b)]


#: OCR look-alikes folded before typo distances (quotes.md §6 step 5: "OCR
#: look-alikes 1/l, 0/o allowed"; §7 counts rn/m as a typo).
_OCR_PAIRS = (("rn", "m"), ("vv", "w"), ("1", "l"), ("0", "o"))


def _ocr_fold(word: str) -> str:
    for a, b in _OCR_PAIRS:
        word = word.replace(a, b)
    return word


def _classify(qs: str, ps: str, one_word_each: bool) -> str | None:
    """"number", "typo", "word", or None when only spacing or punctuation differ."""
    if numbers(qs) != numbers(ps):
        return "number"
    a, b = skeleton(qs), skeleton(ps)
    if a == b:
        return None  # spacing, hyphenation, punctuation or accents only
    short_swap = (one_word_each and qs.isalpha() and ps.isalpha()
                  and len(qs) <= SHORT_WORD and len(ps) <= SHORT_WORD)
    if not short_swap and _osa(_ocr_fold(a), _ocr_fold(b)) <= MAX_TYPO_EDITS:
        return "typo"
    return "word"


def _differences(quote: str, page: str) -> list[_Edit]:
    """Word-level differences between a quote and a page span (both L1-normalized),
    ignoring spacing, hyphenation, punctuation and accents."""
    ql, pl = normalize(quote), normalize(page)
    qt = [(m.start(), m.end()) for m in _TOKEN_RE.finditer(ql)]
    pt = [(m.start(), m.end()) for m in _TOKEN_RE.finditer(pl)]
    qw = [ql[a:b] for a, b in qt]
    pw = [pl[a:b] for a, b in pt]
    edits: list[_Edit] = []
    matcher = difflib.SequenceMatcher(None, qw, pw, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        if op == "replace" and i2 - i1 == j2 - j1 > 1:
            pairs = [(qt[i], pt[j]) for i, j in zip(range(i1, i2), range(j1, j2), strict=True)]
            # Word for word, unless the block is a run of glued or split words.
            if skeleton(ql[qt[i1][0]:qt[i2 - 1][1]]) != skeleton(pl[pt[j1][0]:pt[j2 - 1][1]]):
                for (qa, qb), (pa, pb) in pairs:
                    kind = _classify(ql[qa:qb], pl[pa:pb], True)
                    if kind is not None:
                        edits.append(_Edit(kind, ql[qa:qb], pl[pa:pb]))
                continue
        qs = ql[qt[i1][0]:qt[i2 - 1][1]] if i2 > i1 else ""
        ps = pl[pt[j1][0]:pt[j2 - 1][1]] if j2 > j1 else ""
        kind = _classify(qs, ps, i2 - i1 == 1 and j2 - j1 == 1)
        if kind is not None:
            edits.append(_Edit(kind, qs, ps))
    return edits


def _format_diff(edits: Sequence[_Edit]) -> str | None:
    if not edits:
        return None
    parts = [f"{e.kind}: quote «{e.quote or '∅'}» ≠ page «{e.page or '∅'}»" for e in edits]
    return "; ".join(parts)


def _number_diff(quote: str, page: str) -> str:
    return (f"number: quote {', '.join(numbers(quote)) or '∅'} ≠ "
            f"page {', '.join(numbers(page)) or '∅'}")


def _word_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start > 0 and _is_word(text[start - 1]) and _is_word(text[start]):
        start -= 1
    while end < len(text) and _is_word(text[end]) and _is_word(text[end - 1]):
        end += 1
    return start, end


def _fuzzy(q: _Query, page: PageIndex) -> Match | None:
    """Semi-global alignment of the quote's skeleton; None if nothing within budget."""
    if len(q.skel) < MIN_FUZZY_CHARS:
        return None
    k = int(MAX_EDIT_RATIO * len(q.skel))
    best: tuple[int, _LayerIndex, list[tuple[int, int]]] | None = None
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
                   if _distance(q.skel, layer.forms.skel[s:e + 1]) <= k]
        if not checked:
            return None
        locations = checked
        ed = min(_distance(q.skel, layer.forms.skel[s:e + 1]) for s, e in checked)
    smap, text = layer.forms.skel_map, layer.forms.text
    spans = [_word_span(text, smap[s], _extend_cluster(text, smap[e] + 1))
             for s, e in locations]
    score = round(1.0 - ed / len(q.skel), 4)
    start, end = _pick(spans, layer)
    edits = _differences(q.core, text[start:end])
    kinds = {e.kind for e in edits}
    flags: tuple[str, ...] = ()
    if "number" in kinds:
        status, flags = QuoteStatus.ALTERED, (FLAG_NUMBER,)
    elif "word" in kinds or score < MIN_TYPO_SCORE:
        status = QuoteStatus.ALTERED
    else:
        status = QuoteStatus.VERIFIED_TYPO
    difference = _format_diff(edits)
    if difference is None and status is not QuoteStatus.VERIFIED_TYPO:
        difference = f"{ed} character edits"
    return _found(q, layer, METHOD_FUZZY, spans, status=status, score=score,
                  difference=difference, flags=flags)


# --------------------------------------------------------------------------
# Ellipsis tier
# --------------------------------------------------------------------------


def _segments(q: _Query) -> list[_Query]:
    parts = [p for p in _ELLIPSIS_RE.split(q.core) if p and p.strip(_EDGE_CHARS)]
    return [_query(p) for p in parts] if len(parts) > 1 else []


def _segment_match(seg: _Query, layer: _LayerIndex, lo: int, hi: int,
                   last: bool) -> tuple[int, int, str, QuoteStatus] | None:
    for tier in (METHOD_EXACT, METHOD_NORMALIZED, METHOD_SKELETON):
        hits = _search_tier(seg, layer, tier, lo, hi, last=last)
        if hits:
            return hits[0][0], hits[0][1], tier, QuoteStatus.VERIFIED
    return None


def _ellipsis(q: _Query, page: PageIndex) -> Match | None:
    segs = _segments(q)
    if not segs:
        return None
    order = sorted(range(len(segs)), key=lambda i: -len(segs[i].skel))
    anchor_i = order[0]
    anchor = segs[anchor_i]
    for layer in page.layers:
        text = layer.forms.text
        anchors: list[tuple[int, int, QuoteStatus, float]] = []
        for tier in (METHOD_EXACT, METHOD_NORMALIZED, METHOD_SKELETON):
            anchors = [(s, e, QuoteStatus.VERIFIED, 1.0)
                       for s, e in _search_tier(anchor, layer, tier)]
            if anchors:
                break
        if not anchors:
            fz = _fuzzy(anchor, PageIndex((layer,), page.lang))
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
            status = min(statuses, key=lambda s: _STATUS_RANK[s])
            return Match(status=status, method=METHOD_ELLIPSIS, score=a_score,
                         layer=layer.name, start=start, end=end,
                         excerpt=_excerpt(text, start, end), match_count=1,
                         in_article_body=layer.in_article(start, end),
                         detail=f"{len(segs)} segments found in order")
    return None


# --------------------------------------------------------------------------
# One quote against one page
# --------------------------------------------------------------------------


def match_quote(text: str, page: PageIndex, *, quote_lang: str | None = None) -> Match:
    """Find one quote in an indexed page: the best tier that matches, or missing."""
    q = _query(text)
    if not q.skel:
        return Match(QuoteStatus.MISSING, detail="the quote has no letters or digits")
    direct = _direct(q, page)
    if direct is not None and direct.status is QuoteStatus.VERIFIED:
        return direct
    candidates = [m for m in (direct, _ellipsis(q, page)) if m is not None]
    if not candidates or all(m.status is not QuoteStatus.VERIFIED for m in candidates):
        fuzzy = _fuzzy(q, page)
        if fuzzy is not None:
            candidates.append(fuzzy)
    best: Match | None = None
    for m in candidates:
        if best is None or m.better_than(best):
            best = m
    if best is not None:
        return best
    return _missing(q, page, quote_lang)


def _missing(q: _Query, page: PageIndex, quote_lang: str | None) -> Match:
    flags: tuple[str, ...] = ()
    if len(q.skel) < MIN_FUZZY_CHARS:
        detail = (f"not found; too short to fuzzy-verify ({len(q.skel)} letters and "
                  f"digits < {MIN_FUZZY_CHARS})")
        flags = (FLAG_SHORT,)
    else:
        detail = f"no passage within {int(MAX_EDIT_RATIO * 100)} % edits"
    lang = detect_language(q.core) or _base_lang(quote_lang)
    translated = bool(lang and page.lang and lang != page.lang)
    if translated:
        detail += f"; the quote reads as {lang}, the page as {page.lang}"
    return Match(QuoteStatus.MISSING, detail=detail, probable_translation=translated,
                 flags=flags)


# --------------------------------------------------------------------------
# Orchestration over a manifest (pages come from injected providers)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Located:
    """A capture chosen for a source and its page text."""

    capture: Capture
    page: PageText | None  # None when the payload cannot be searched
    detail: str | None = None  # why the page is None, or a note on the choice
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class NotLocated:
    """No usable capture for a source."""

    detail: str


class PageProvider(Protocol):
    """Where archived pages come from (e.g. :class:`archiver.warcread.WarcIndex`)."""

    def locate(self, source: Source) -> Located | NotLocated: ...


@dataclass(frozen=True)
class LivePage:
    """The live web's answer for a URL (after redirects)."""

    url: str
    page: PageText | None
    status: int | None = None
    final_url: str | None = None
    error: str | None = None
    #: Why the page may not show the article to us (a paywall, a login wall, a
    #: bot challenge): a quote missing from it is then not "gone", only unseen.
    restricted: str | None = None


class LiveProvider(Protocol):
    """Fetches the live page of a URL (e.g. :class:`archiver.warcread.LiveFetcher`)."""

    def fetch(self, url: str) -> LivePage: ...


@dataclass(frozen=True)
class FailOn:
    """Which results make ``verify`` report failure (exit code 1)."""

    statuses: frozenset[QuoteStatus] = frozenset({QuoteStatus.MISSING, QuoteStatus.ALTERED})
    drift: bool = False

    def fails(self, result: QuoteResult) -> bool:
        if result.status in self.statuses:
            return True
        return self.drift and is_drift(result)


#: ``--fail-on`` values.
FAIL_ON_CHOICES = ("missing,altered", "missing", "altered", "missing,altered,unverifiable",
                   "drift", "any", "none")
DEFAULT_FAIL_ON = "missing,altered"


def parse_fail_on(spec: str) -> FailOn:
    """Turn a ``--fail-on`` value into a :class:`FailOn`."""
    if spec == "none":
        return FailOn(frozenset())
    if spec == "any":
        return FailOn(frozenset({QuoteStatus.MISSING, QuoteStatus.ALTERED,
                                 QuoteStatus.UNVERIFIABLE}), drift=True)
    statuses: set[QuoteStatus] = set()
    drift = False
    for part in spec.split(","):
        part = part.strip()
        if part == "drift":
            drift = True
        elif part:
            statuses.add(QuoteStatus(part))
    return FailOn(frozenset(statuses), drift)


def is_drift(result: QuoteResult) -> bool:
    """Found in the archived copy but not (as such) on the live page."""
    return result.status.is_found and result.live_status in ("gone", "altered")


def result_from_match(source: Source, index: int, quote: Quote, match: Match,
                      capture: Capture | None, page_flags: tuple[str, ...] = ()) -> QuoteResult:
    return QuoteResult(
        source_id=source.id, quote_index=index, text=quote.text, status=match.status,
        score=match.score, method=match.method, layer=match.layer, start=match.start,
        end=match.end, excerpt=match.excerpt, match_count=match.match_count,
        in_article_body=match.in_article_body,
        probable_translation=match.probable_translation, difference=match.difference,
        capture=capture, detail=match.detail, url=source.url,
        flags=tuple(dict.fromkeys((*page_flags, *match.flags))),
    )


def verify_source(source: Source, located: Located | NotLocated,
                  cache: dict[int, PageIndex] | None = None) -> list[QuoteResult]:
    """Every quote of one source against its located capture.

    ``cache`` (keyed by ``id(page)``) lets sources that share a capture share its index.
    """
    if isinstance(located, NotLocated) or located.page is None:
        detail = located.detail
        capture = located.capture if isinstance(located, Located) else None
        flags = located.flags if isinstance(located, Located) else ()
        return [QuoteResult(source_id=source.id, quote_index=i, text=q.text,
                            status=QuoteStatus.UNVERIFIABLE, capture=capture, detail=detail,
                            url=source.url, flags=flags)
                for i, q in enumerate(source.quotes, start=1)]
    index = cache.get(id(located.page)) if cache is not None else None
    if index is None:
        index = index_page(located.page, fallback_lang=source.language)
        if cache is not None:
            cache[id(located.page)] = index
    flags = tuple(dict.fromkeys((*located.flags, *index.flags)))
    return [result_from_match(source, i, q, match_quote(q.text, index, quote_lang=q.lang),
                              located.capture, flags)
            for i, q in enumerate(source.quotes, start=1)]


def _live_status(result: QuoteResult, live: LivePage, index: PageIndex | None,
                 quote: Quote) -> QuoteResult:
    if index is None:
        if live.status in (404, 410):
            return replace(result, live_status="gone",
                           live_detail=f"the live page answered {live.status}")
        why = live.error or (f"the live page answered {live.status}" if live.status
                             else "the live page could not be read")
        return replace(result, live_detail=why)
    m = match_quote(quote.text, index, quote_lang=quote.lang)
    where = f" at {live.final_url}" if live.final_url and live.final_url != live.url else ""
    if m.status.is_found:
        return replace(result, live_status="present", live_detail=f"{m.method}{where}")
    if m.status is QuoteStatus.ALTERED:
        return replace(result, live_status="altered",
                       live_detail=(m.difference or "changed") + where)
    if live.restricted:
        return replace(result, live_detail=f"not visible on the live page{where}: "
                       f"{live.restricted}; cannot tell whether it is still there")
    return replace(result, live_status="gone", live_detail=f"not on the live page{where}")


def verify_manifest(manifest: Manifest, pages: PageProvider, *,
                    live: LiveProvider | None = None,
                    progress: ProgressCallback | None = None,
                    warcs: str = "", warc_files: int = 0,
                    notes: Sequence[str] = ()) -> VerifyRun:
    """Verify every quote of every source of a manifest.

    ``pages`` locates each source's capture (one index of the WARC folder, built
    once); ``live``, when given, also checks the live page of each source.
    Sources without quotes are skipped. Never raises for a missing quote or a
    missing capture: those are results.
    """
    started = datetime.now(UTC)
    sources = [s for s in manifest.sources if s.quotes]
    results: list[QuoteResult] = []
    cache: dict[int, PageIndex] = {}
    keep: list[PageText] = []  # keeps cached pages alive, so their ids stay unique
    for done, source in enumerate(sources):
        if progress is not None:
            progress(Progress("verify", done, len(sources), source.id))
        located = pages.locate(source)
        if isinstance(located, Located) and located.page is not None:
            keep.append(located.page)
        source_results = verify_source(source, located, cache)
        if live is not None:
            page = live.fetch(source.url)
            index = (index_page(page.page, fallback_lang=source.language)
                     if page.page is not None else None)
            source_results = [_live_status(r, page, index, q)
                              for r, q in zip(source_results, source.quotes, strict=True)]
        results.extend(source_results)
    if progress is not None:
        progress(Progress("verify", len(sources), len(sources), None))
    return VerifyRun(manifest_id=manifest.id, started_at=started,
                     finished_at=datetime.now(UTC), warcs=warcs, results=tuple(results),
                     warc_files=warc_files, live=live is not None, notes=tuple(notes))


def counts(results: Iterable[QuoteResult]) -> dict[str, int]:
    """How many results have each status (every status listed, in order)."""
    out = {s.value: 0 for s in QuoteStatus}
    for r in results:
        out[r.status.value] += 1
    return out


__all__ = [
    "DEFAULT_FAIL_ON", "FAIL_ON_CHOICES", "MAX_EDIT_RATIO", "MIN_FUZZY_CHARS",
    "MIN_TYPO_SCORE", "FailOn", "LivePage", "LiveProvider", "Located", "Match",
    "NotLocated", "PageIndex", "PageProvider", "counts", "detect_language", "index_page",
    "is_drift", "match_quote", "normalize", "numbers", "parse_fail_on", "skeleton",
    "verify_manifest", "verify_source",
]
