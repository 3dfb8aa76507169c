"""Bare URLs in plain text, found the way lychee finds them.

lychee (``lychee-lib/src/utils/url.rs``) hands plain text to the Rust
``linkify`` crate's ``LinkFinder`` with its defaults: a URL needs a scheme
followed by ``://`` (``example.com`` alone is not a link), and its end is
decided character by character (``linkify/src/url.rs``, ``find_end``):

- it stops before a space, a control character, ``|``, ``"``, ``<``, ``>`` or
  a backquote;
- ``? ! . , : ; *`` may be inside a URL but never end it (``see
  https://a.org/x.`` gives ``https://a.org/x``);
- ``/`` may end it only when the character before may;
- brackets must balance: ``(https://a.org/b)`` gives ``https://a.org/b``, while
  ``https://a.org/c_(d)`` keeps its parentheses;
- a quote just before the scheme ends the URL at the same quote
  (``'https://a.org/q'``), and an odd number of ``'`` cannot end it.

This module ports those rules (not the code) so that ``archiver check`` lists
the same links as ``lychee --dump`` on the same text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

#: Characters that end a URL (RFC 3986 and 3987 exclude them; linkify stops at them).
_STOP = frozenset(" |\"<>`\x7f") | frozenset(chr(c) for c in range(0x20)) \
    | frozenset(chr(c) for c in range(0x80, 0xA0))
#: Characters that may be inside a URL but never its last character.
_NOT_LAST = frozenset("?!.,:;*")
_QUOTES = frozenset("'\"")
_SEPARATOR = re.compile("://")


def _scheme_start(text: str, sep: int) -> tuple[int | None, str | None]:
    """Where the scheme ending at ``sep`` starts, and the quote before it (``find_start``)."""
    first: int | None = None
    special: int | None = None
    quote: str | None = None
    i = sep - 1
    while i >= 0:
        c = text[i]
        if c.isascii() and c.isalpha():
            first = i
        elif c.isascii() and c.isdigit():
            special = i
        elif c in "+-.":
            pass
        elif c == "@":
            return None, None
        elif c in _QUOTES:
            quote = c  # the URL then ends at the same quote
            break
        else:
            break
        i -= 1
    # "1abc://foo" is not "abc://foo" (linkify: a scheme cannot follow a digit)
    if first is not None and special is not None and first > 0 and first - 1 == special:
        return None, quote
    return first, quote


#: Brackets a URL may hold in pairs: each kind is counted on its own, and a closing one
#: with no opening one of its kind ends the URL (as linkify does).
_OPENING = {"(": 0, "[": 1, "{": 2}
_CLOSING = {")": 0, "]": 1, "}": 2}


#: A run of characters that may end a URL and change no count (not in :data:`_STOP`,
#: :data:`_NOT_LAST`, ``/``, a bracket or a quote): :func:`_end` skips it at once.
_PLAIN_RUN = re.compile("[^ |\"<>`\x00-\x1f\x7f-\x9f?!.,:;*/()\\[\\]{}']+")


def _end(text: str, start: int, quote: str | None) -> int | None:
    """The end (exclusive) of the URL whose part after ``://`` starts at ``start``."""
    depth = [0, 0, 0]  # open round, square and curly brackets
    single_quote = False
    previous_can_be_last = True
    end: int | None = None
    i = start
    length = len(text)
    while i < length:
        run = _PLAIN_RUN.match(text, i)
        if run is not None:
            i = end = run.end()
            previous_can_be_last = True
            continue
        c = text[i]
        if c in _STOP:
            break
        if c in _NOT_LAST:
            can_be_last = False
        elif c == "/":
            can_be_last = previous_can_be_last
        elif c in _OPENING:
            depth[_OPENING[c]] += 1
            can_be_last = False
        elif c in _CLOSING:
            kind = _CLOSING[c]
            depth[kind] -= 1
            if depth[kind] < 0:
                break
            can_be_last = True
        elif quote is not None and c == quote:
            break
        elif c == "'":
            single_quote = not single_quote
            can_be_last = not single_quote
        else:
            can_be_last = True
        if can_be_last:
            end = i + 1
        previous_can_be_last = can_be_last
        i += 1
    return end


def find_urls(text: str) -> Iterator[tuple[int, str]]:
    """Every ``scheme://…`` URL in ``text``: (offset of its first character, the URL).

    Any scheme is found (callers keep what they want); the text is scanned
    once, left to right, and URLs never overlap.
    """
    pos = 0
    while True:
        match = _SEPARATOR.search(text, pos)
        if match is None:
            return
        sep = match.start()
        start, quote = _scheme_start(text, sep)
        after = match.end()
        end = _end(text, after, quote) if start is not None and after < len(text) else None
        if start is None or end is None:
            pos = after
            continue
        yield start, text[start:end]
        pos = end


def line_starts(text: str) -> list[int]:
    """The offset of the first character of every line of ``text`` (line 1 first)."""
    starts = [0]
    starts.extend(m.end() for m in re.finditer("\n", text))
    return starts
