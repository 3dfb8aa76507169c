"""The two normalized forms quotes and pages are compared in, with offset maps; numbers.

``normalize`` (L1) is NFKC and casefold per character (UAX #15), with
quote, apostrophe and dash variants unified, every space (Unicode categories
Zs, Zl, Zp), line break and control collapsed to one space, and format
characters (Cf: soft hyphen, zero-width space and joiners, BOM, direction
marks) dropped. ``skeleton`` (L2) keeps letters and digits only, accents
stripped: it absorbs the spaces PDF text extraction adds or drops, the way the
Hypothesis client strips spaces before anchoring a quote in a PDF
(hypothesis/client src/annotator/anchoring/pdf.ts ``stripSpaces``).

Both are built one character at a time with a map from every output character
back to its offset in the original text, like ``normalizeWithOffsets`` in
hypothesis/client src/annotator/util/normalize.ts, so a match found in either
form is reported at its place in the page text.

Because the skeleton drops punctuation, "£1.2m" and "£12m" collide there:
:func:`numbers` lists a text's numbers so a skeleton match can be checked.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

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


class _Table(dict[int, str]):
    """A ``str.translate`` table filled on first use of each character."""

    def __init__(self, one: Callable[[str], str]) -> None:
        super().__init__()
        self.one = one

    def __missing__(self, code: int) -> str:
        out = self.one(chr(code))
        self[code] = out
        return out


def _l1_translated(ch: str) -> str:
    out = _l1_char(ch)
    # A space inside a longer replacement (NFKC of U+00A8 is " \u0308") is not
    # collapsed: it travels as NUL, which no input character maps to (controls
    # become a space).
    return out.replace(" ", "\x00") if len(out) > 1 else out


_L1_TABLE = _Table(_l1_translated)
_SKEL_TABLE = _Table(_skel_char)
_SPACE_RUN_RE = re.compile(" {2,}")


def normalize(text: str) -> str:
    """The L1 ("normalized") form of a text, without offsets."""
    out = _SPACE_RUN_RE.sub(" ", text.translate(_L1_TABLE)).lstrip(" ")
    return out.replace("\x00", " ").rstrip(" ")


def skeleton(text: str) -> str:
    """Letters and digits only, casefolded, accents stripped."""
    return skeleton_of_l1(normalize(text))


def skeleton_of_l1(l1: str) -> str:
    """:func:`skeleton` of a text already in L1 form."""
    return l1.translate(_SKEL_TABLE)


@dataclass(frozen=True)
class Forms:
    """One text in three forms, with maps from L1 and skeleton back to the text."""

    text: str
    l1: str
    l1_map: tuple[int, ...]
    skel: str
    skel_map: tuple[int, ...]


#: The per-code-point tables of :func:`forms` cover code points below this
#: (planes 0-2: all scripts, emoji and CJK extension B-F); a text holding a
#: higher one (plane 3 and the tag characters of plane 14, rare) takes the
#: character loop instead, with the same result.
_TABLE_LIMIT = 0x30000
_UNKNOWN, _SPACE, _DROP, _EMIT = 0, 1, 2, 3


class _CodeTables:
    """What each code point becomes, as numpy tables filled on first sight: its kind
    (a space, dropped, or emitting L1 characters), and the code points of its L1
    and skeleton characters (``l1_len`` of them from ``l1_start`` in ``l1_chars``;
    likewise for the skeleton)."""

    def __init__(self) -> None:
        self.kind = np.zeros(0, dtype=np.uint8)
        self.l1_len = np.zeros(0, dtype=np.int64)
        self.l1_start = np.zeros(0, dtype=np.int64)
        self.sk_len = np.zeros(0, dtype=np.int64)
        self.sk_start = np.zeros(0, dtype=np.int64)
        self._l1: list[int] = [ord(" ")]  # slot 0: the collapsed space
        self._sk: list[int] = [0]
        self.l1_chars = np.array(self._l1, dtype=np.uint32)
        self.sk_chars = np.array(self._sk, dtype=np.uint32)
        self._lock = threading.Lock()

    def cover(self, codes: npt.NDArray[np.uint32]) -> None:
        """Fill the tables for every code point of ``codes`` (all below the limit).

        Thread-safe: entries are only ever added, under a lock, each code point's
        kind last, so a reader that sees it known sees all of its entries."""
        top = int(codes.max()) + 1
        if top <= len(self.kind) and not (self.kind[codes] == _UNKNOWN).any():
            return
        with self._lock:
            if top > len(self.kind):
                size = min(_TABLE_LIMIT, max(top, 0x3000, 2 * len(self.kind)))
                for name in ("l1_len", "l1_start", "sk_len", "sk_start", "kind"):
                    old = getattr(self, name)
                    grown = np.zeros(size, dtype=old.dtype)
                    grown[:len(old)] = old
                    setattr(self, name, grown)
            unknown = np.unique(codes[self.kind[codes] == _UNKNOWN]).tolist()
            kinds: list[int] = []
            for code in unknown:
                r = _l1_char(chr(code))
                if r == " ":
                    kinds.append(_SPACE)
                elif not r:
                    kinds.append(_DROP)
                else:
                    kinds.append(_EMIT)
                    self.l1_start[code], self.l1_len[code] = len(self._l1), len(r)
                    self._l1.extend(ord(c) for c in r)
                    sk = "".join(_skel_char(c) for c in r)
                    self.sk_start[code], self.sk_len[code] = len(self._sk), len(sk)
                    self._sk.extend(ord(c) for c in sk)
            self.l1_chars = np.array(self._l1, dtype=np.uint32)
            self.sk_chars = np.array(self._sk, dtype=np.uint32)
            self.kind[unknown] = kinds


_TABLES = _CodeTables()


def _expand(counts: npt.NDArray[np.int64], starts: npt.NDArray[np.int64],
            chars: npt.NDArray[np.uint32]) -> tuple[str, tuple[int, ...]]:
    """Source character i becoming ``chars[starts[i]:starts[i] + counts[i]]``: the
    joined output and, for each output character, its source offset."""
    total = int(counts.sum())
    if total == 0:
        return "", ()
    source = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    within = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    out = chars[np.repeat(starts, counts) + within]
    return (out.tobytes().decode("utf-32-le", "surrogatepass"),
            tuple(source.tolist()))


def forms(text: str) -> Forms:
    """A text's L1 and skeleton forms with their offset maps.

    The result of the one-pass character loop (:func:`_forms_loop`), computed
    with per-code-point tables over the whole text at once: a space is kept
    when the last character before it that is not dropped emitted text (so
    runs collapse and leading spaces go, dropped characters in between or
    not); every other character becomes its L1 characters, each of those its
    skeleton characters, all mapped back to it.
    """
    if not text:
        return Forms(text, "", (), "", ())
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    if int(codes.max()) >= _TABLE_LIMIT:
        return _forms_loop(text)
    t = _TABLES
    t.cover(codes)
    kind = t.kind[codes]
    emit = kind == _EMIT
    kept = np.flatnonzero(kind != _DROP)
    kept_kind = kind[kept]
    after_text = np.zeros(len(kept), dtype=bool)  # the first: as after a space
    after_text[1:] = kept_kind[:-1] == _EMIT
    spaces = kept[(kept_kind == _SPACE) & after_text]
    l1_count = np.where(emit, t.l1_len[codes], 0)
    l1_count[spaces] = 1
    l1_start = np.where(emit, t.l1_start[codes], 0)  # slot 0 holds the space
    l1, l1_map = _expand(l1_count, l1_start, t.l1_chars)
    sk_count = np.where(emit, t.sk_len[codes], 0)
    skel, skel_map = _expand(sk_count, t.sk_start[codes], t.sk_chars)
    return Forms(text, l1, l1_map, skel, skel_map)


def _forms_loop(text: str) -> Forms:
    """A text's L1 and skeleton forms with their offset maps, one character at a
    time: :func:`forms` for texts beyond :data:`_TABLE_LIMIT`."""
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
    return Forms(text, "".join(l1), tuple(l1_map), "".join(skel), tuple(skel_map))


# --------------------------------------------------------------------------
# Numbers: compared on the L1 form with spaces removed, since the skeleton
# drops the decimal mark ("1.2m" and "12m" collide there) and lost spaces make
# "26, 2022" look like "26,2022".
# --------------------------------------------------------------------------

_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")
_SEP_RE = re.compile(r"([.,])")
_DIGIT_RE = re.compile(r"\d")
#: OCR look-alikes inside a word ("he1p", "p0lice") are letters, not numbers.
_OCR_RE = re.compile(r"(?<=[^\W\d_])[01](?=[^\W\d_])")


def numbers(text: str) -> tuple[str, ...]:
    """Numeric tokens, canonical: spaces removed, thousands separators dropped.

    "1 300" = "1,300" = "1.300" -> "1300"; "1,6" = "1.6" -> "1.6"; but
    "1.2m" -> "1.2" while "12m" -> "12".
    """
    return numbers_of_l1(normalize(text))


def numbers_of_l1(l1: str) -> tuple[str, ...]:
    """:func:`numbers` of a text already in L1 form."""
    if _DIGIT_RE.search(l1) is None:
        return ()
    l1 = _OCR_RE.sub(lambda m: "l" if m.group(0) == "1" else "o", l1)
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
