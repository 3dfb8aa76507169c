"""How a quote differs from the passage found for it: edit distances, and word-level
differences classified as typo, changed word or changed number.

The words of the quote and of the page span (both L1-normalized) are aligned
with :class:`difflib.SequenceMatcher`; each differing block is then a
``number`` (its numbers differ), a ``typo`` (one edit turns one word into the
other: insertion, deletion, substitution or adjacent swap, after folding OCR
look-alikes such as rn/m and 1/l), or a ``word``. Differences in spacing,
hyphenation, punctuation or accents are not edits. The thresholds are in
:mod:`archiver.verify.thresholds`.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import edlib

from archiver.verify.normalize import normalize, numbers, skeleton
from archiver.verify.thresholds import MAX_TYPO_EDITS, SHORT_WORD


def distance(a: str, b: str) -> int:
    """Levenshtein distance. edlib compares bytes, so at most 256 distinct symbols:
    the two strings are encoded together, or, for larger alphabets (CJK), measured
    in Python."""
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


def similarity(a: str, b: str) -> float:
    """1 - Levenshtein(a, b) / len(a), floored at 0 (a is the quote)."""
    if not a:
        return 0.0
    return max(0.0, 1.0 - distance(a, b) / len(a))


@dataclass(frozen=True)
class Edit:
    """One differing block between quote and page."""

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


#: OCR look-alikes folded before typo distances: "rn" read as "m", "vv" as "w",
#: digit one as letter l, zero as letter o.
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


def differences(quote: str, page: str) -> list[Edit]:
    """Word-level differences between a quote and a page span (both L1-normalized),
    ignoring spacing, hyphenation, punctuation and accents."""
    ql, pl = normalize(quote), normalize(page)
    qt = [(m.start(), m.end()) for m in _TOKEN_RE.finditer(ql)]
    pt = [(m.start(), m.end()) for m in _TOKEN_RE.finditer(pl)]
    qw = [ql[a:b] for a, b in qt]
    pw = [pl[a:b] for a, b in pt]
    edits: list[Edit] = []
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
                        edits.append(Edit(kind, ql[qa:qb], pl[pa:pb]))
                continue
        qs = ql[qt[i1][0]:qt[i2 - 1][1]] if i2 > i1 else ""
        ps = pl[pt[j1][0]:pt[j2 - 1][1]] if j2 > j1 else ""
        kind = _classify(qs, ps, i2 - i1 == 1 and j2 - j1 == 1)
        if kind is not None:
            edits.append(Edit(kind, qs, ps))
    return edits


def format_diff(edits: Sequence[Edit]) -> str | None:
    """The differences as one line for the report, or None if there are none."""
    if not edits:
        return None
    parts = [f"{e.kind}: quote «{e.quote or '∅'}» ≠ page «{e.page or '∅'}»" for e in edits]
    return "; ".join(parts)


def number_diff(quote: str, page: str) -> str:
    """The numbers of quote and page side by side, for the report."""
    return (f"number: quote {', '.join(numbers(quote)) or '∅'} ≠ "
            f"page {', '.join(numbers(page)) or '∅'}")


@functools.lru_cache(maxsize=65_536)
def _key(token: str) -> str:
    """A word's letters and digits (words repeat: cached)."""
    return skeleton(token)


def _words(text: str) -> list[str]:
    """Words, with punctuation standing alone ("«", "—") joined to its neighbour."""
    out: list[str] = []
    pending = ""
    for token in text.split():
        if _key(token):
            out.append(pending + token)
            pending = ""
        elif out:
            out[-1] += " " + token
        else:
            pending += token + " "
    if pending:
        out.append(pending.rstrip())
    return out


def word_diff(quote: str, page: str) -> str | None:
    """The quote turned into the page passage word by word, the way ``git diff
    --word-diff`` shows it: ``[-quote words-]{+page words+}``, the words both
    share as the page has them. Words count as the same when their letters and
    digits agree (case, accents, punctuation and typographic variants aside).
    None when nothing differs."""
    qw, pw = _words(quote), _words(page)
    matcher = difflib.SequenceMatcher(None, [_key(w) for w in qw], [_key(w) for w in pw],
                                      autojunk=False)
    out: list[str] = []
    changed = False
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.extend(pw[j1:j2])
            continue
        changed = True
        part = ""
        if i2 > i1:
            part += "[-" + " ".join(qw[i1:i2]) + "-]"
        if j2 > j1:
            part += "{+" + " ".join(pw[j1:j2]) + "+}"
        out.append(part)
    return " ".join(out) if changed else None
