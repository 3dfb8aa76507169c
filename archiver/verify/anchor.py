"""Anchors for a found quote: its W3C TextQuoteSelector, and a text-fragment link.

:func:`selector` takes the passage and :data:`CONTEXT` characters on each side
from the archived text layer: a TextQuoteSelector's ``exact``, ``prefix`` and
``suffix`` (W3C Web Annotation Data Model, sect. 4.2.4,
https://www.w3.org/TR/annotation-model/#text-quote-selector), whitespace
collapsed. 32 characters of context is what the Hypothesis client stores
(hypothesis/client src/annotator/anchoring/types.ts, ``contextLen``).

:func:`text_fragment` turns a selector into a URL fragment
``#:~:text=[prefix-,]start[,end][,-suffix]`` (WICG, "URL Fragment Text
Directives", https://wicg.github.io/scroll-to-text-fragment/#syntax) that
makes a browser scroll to the passage and highlight it. A browser matches each
term on word boundaries, within one block of text, so the prefix and suffix
are cut to whole words of the passage's own line, and a long passage is given
as its first and last words (``start,end``).
"""

from __future__ import annotations

import re

from archiver.models import TextQuoteSelector

#: Characters of context on each side of a selector (Hypothesis's ``contextLen``).
CONTEXT = 32
#: A passage of more words than this is linked as its first and last
#: :data:`EDGE_WORDS` words; a judgement call (the spec advises start,end for
#: long passages to keep URLs short).
MAX_START_WORDS = 10
EDGE_WORDS = 4
#: Words of the prefix and suffix kept in a fragment (enough to tell apart two
#: copies of a passage; a judgement call).
CONTEXT_WORDS = 3

#: Characters a text directive term keeps as they are: ASCII letters and digits
#: and the spec's ExplicitChar set; everything else, "-", "," and "&" included,
#: is percent-encoded as UTF-8 (WICG spec, sect. 3.3.1 "Syntax").
_KEEP = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                  "!$'()*+./:;=?@_~")


_SPACE_RE = re.compile(r"\s+")
#: A whitespace run holding a line break, matched whole from its first
#: character only (the look-behind and the possessive quantifier keep this
#: linear in a long run without one), and a run without.
_BREAK_RUN_RE = re.compile(r"(?:^|(?<=\S))[^\S\n]*+\n\s*")
_SPACE_RUN_RE = re.compile(r"[^\S\n]+")


def _flat(text: str) -> str:
    """Whitespace collapsed; a run holding a line break (a block boundary of the
    text layer) becomes one line break."""
    if "\n" not in text:
        return _SPACE_RE.sub(" ", text)
    return _SPACE_RUN_RE.sub(" ", _BREAK_RUN_RE.sub("\n", text))


def selector(text: str, start: int, end: int) -> TextQuoteSelector:
    """The TextQuoteSelector of ``text[start:end]``."""
    prefix = _flat(text[max(0, start - CONTEXT * 4):start])
    suffix = _flat(text[end:end + CONTEXT * 4])
    return TextQuoteSelector(_flat(text[start:end]).strip(), prefix[-CONTEXT:],
                             suffix[:CONTEXT])


def encode_term(term: str) -> str:
    """A text directive term, percent-encoded (``-``, ``,`` and ``&`` always)."""
    out: list[str] = []
    for ch in term:
        if ch in _KEEP:
            out.append(ch)
        else:
            out.extend(f"%{b:02X}" for b in ch.encode("utf-8"))
    return "".join(out)


def _context_words(prefix: str, suffix: str) -> tuple[str, str]:
    # Only the words of the passage's own line, whole words only (a context
    # cut at CONTEXT characters may begin or end inside a word), the last (first)
    # CONTEXT_WORDS that hold a letter or digit, with the punctuation between.
    pre = prefix.split("\n")[-1].split()
    if len(prefix) >= CONTEXT and "\n" not in prefix and pre:
        pre = pre[1:]
    suf = suffix.split("\n")[0].split()
    if len(suffix) >= CONTEXT and "\n" not in suffix and suf:
        suf = suf[:-1]
    return " ".join(_last_words(pre)), " ".join(_last_words(suf[::-1])[::-1])


def _last_words(tokens: list[str]) -> list[str]:
    out: list[str] = []
    words = 0
    for token in reversed(tokens):
        if words == CONTEXT_WORDS:
            break
        out.insert(0, token)
        words += any(c.isalnum() for c in token)
    return out


def text_fragment(sel: TextQuoteSelector) -> str:
    """The ``#:~:text=`` fragment that opens a page at the selector's passage
    (empty when the passage has no words)."""
    lines = [line.split() for line in sel.exact.split("\n") if line.split()]
    if not lines:
        return ""
    prefix, suffix = _context_words(sel.prefix, sel.suffix)
    if len(lines) == 1 and len(lines[0]) <= MAX_START_WORDS:
        terms = [encode_term(" ".join(lines[0]))]
    else:  # each term within one block: the first line's first words, the last's last
        terms = [encode_term(" ".join(lines[0][:EDGE_WORDS])),
                 encode_term(" ".join(lines[-1][-EDGE_WORDS:]))]
    if prefix:
        terms.insert(0, encode_term(prefix) + "-")
    if suffix:
        terms.append("-" + encode_term(suffix))
    return "#:~:text=" + ",".join(terms)


__all__ = ["CONTEXT", "encode_term", "selector", "text_fragment"]
