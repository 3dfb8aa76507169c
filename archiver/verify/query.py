"""A quote prepared for searching: repaired, unhyphenated, edges trimmed, in every form.

The quote text is repaired for mojibake (:func:`archiver.extract.repair_mojibake`)
and NFC-normalized; a word hyphenated across a line break ("philoso-\\nphie")
is joined; surrounding quotation marks, punctuation and leading or trailing
elision marks are trimmed. An elision mark inside the quote ([...], (…), …)
splits it into segments for the ellipsis tier.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from archiver.extract import repair_mojibake
from archiver.verify.normalize import normalize, numbers_of_l1, skeleton_of_l1

_HYPHEN_BREAK_RE = re.compile(r"(\w)[-\u00ad\u2010][ \t]*\r?\n\s*(\w)")
#: An elision mark: [...], [&#8230;], (...), (…), … or three or more dots.
_ELLIPSIS = r"(?:[\[(]\s*(?:\.\s*){2,}\.?\s*[\])]|[\[(]\s*…\s*[\])]|…|\.{3,})"
ELLIPSIS_RE = re.compile(rf"\s*{_ELLIPSIS}\s*")
EDGE_CHARS = "\"'«»“”„‟‘’‚‹›`´ \t\r\n\u00a0\u202f\u2009.,;:!?…-—–"
_EDGE_RE = re.compile(rf"^\s*{_ELLIPSIS}|{_ELLIPSIS}\s*$")


@dataclass(frozen=True)
class Query:
    """A quote in the forms the tiers search with."""

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
        text = _EDGE_RE.sub("", text.strip(EDGE_CHARS)).strip(EDGE_CHARS)
    return text


def make_query(text: str) -> Query:
    """Prepare a quote's text for the tiers."""
    raw = unicodedata.normalize("NFC", repair_mojibake(text)[0])
    if "\n" in raw:  # a hyphenated line break needs one
        raw = _HYPHEN_BREAK_RE.sub(r"\1\2", raw)
    raw = raw.strip()
    core = _strip_edges(raw) or raw
    l1 = normalize(core)
    return Query(raw, core, l1, skeleton_of_l1(l1), numbers_of_l1(l1),
                 core[:1].isalnum(), core[-1:].isalnum())
