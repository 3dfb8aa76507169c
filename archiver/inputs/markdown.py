"""Links in Markdown, read with markdown-it-py (CommonMark, GFM tables, footnotes), as lychee does.

lychee (``lychee-lib/src/extract/markdown.rs``) takes, from a CommonMark parse:

- the destination of every inline, reference, collapsed and shortcut link and
  of every image, and every autolink (``<https://…>``); a reference
  definition nobody uses is not a link;
- bare ``scheme://`` URLs in text (:mod:`archiver.inputs.textscan`), but not
  in a link's own label (``[https://a.org](https://b.org)`` is one link);
- links in HTML blocks and inline HTML, by the HTML rules
  (:mod:`archiver.inputs.html`);
- footnote definitions are text, not reference definitions (lychee turns on
  footnotes: ``[^1]: [https://a.org](https://a.org)`` is a link);
- nothing in code: fenced and indented code blocks and code spans are skipped
  unless ``include_verbatim``.

GFM's extended autolinks without a scheme (``www.example.com``) are not links
here, as in lychee, whose parser finds bare URLs only with a scheme; so the
linkify extension is left off and bare URLs are found by the same scanner as
plain text.

**Exact lines.** markdown-it gives block tokens their lines but inline tokens
none; :class:`_State` records where in its block each inline token starts,
so a link on the third line of a paragraph is reported on that line. Columns
are not reported (a block's text has lost its container prefixes).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.parser_inline import ParserInline
from markdown_it.rules_inline.state_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

from archiver.inputs.html import MAX_ANCHOR_TEXT, html_links
from archiver.inputs.textscan import find_urls, line_starts

#: (url, anchor text, line), line 1-based.
MdLink = tuple[str, str, int]

_POS = "archiver_pos"


class _State(StateInline):
    """Inline state that stamps every token with the offset in its block where it starts."""

    _pending_start = 0

    def append_pending(self, text: str) -> None:
        if not self.pending:
            self._pending_start = self.pos
        super().append_pending(text)

    def pushPending(self) -> Token:
        token = super().pushPending()
        token.meta[_POS] = self._pending_start
        return token

    def push(self, ttype: str, tag: str, nesting: Any) -> Token:
        token = super().push(ttype, tag, nesting)
        token.meta[_POS] = self.pos
        return token


class _Inline(ParserInline):
    def parse(self, src: str, md: MarkdownIt, env: Any, tokens: list[Token]) -> list[Token]:
        state = _State(src, md, env, tokens)
        self.tokenize(state)
        for rule in self.ruler2.getRules(""):
            rule(state)
        return state.tokens


#: A link destination markdown-it's normalizeLink returns unchanged (ASCII it never
#: escapes, and valid %XX escapes): the common case, checked without parsing the URL.
_PLAIN_DESTINATION = re.compile(r"(?:[A-Za-z0-9;/?:@&=+$,\-_.!~*'()#]|%[0-9A-Fa-f]{2})*")


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark").enable("table").use(footnote_plugin)
    normalize = md.normalizeLink

    def fast_normalize(url: str) -> str:
        return url if _PLAIN_DESTINATION.fullmatch(url) else normalize(url)

    setattr(md, "normalizeLink", fast_normalize)  # noqa: B010 - an instance's method, replaced
    inline = _Inline()
    inline.ruler = md.inline.ruler
    inline.ruler2 = md.inline.ruler2
    md.inline = inline
    return md


_MD = _parser()


def _text_of(children: list[Token], start: int) -> str:
    """The visible text of a link's label, from the token after ``link_open``."""
    parts: list[str] = []
    depth = 0
    for token in children[start:]:
        if token.type == "link_open":
            depth += 1
        elif token.type == "link_close":
            if depth == 0:
                break
            depth -= 1
        elif token.type in ("text", "code_inline"):
            parts.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif token.type == "image":
            parts.append(token.content)
    return " ".join("".join(parts).split())[:MAX_ANCHOR_TEXT]


def _inline_links(block: Token, include_verbatim: bool) -> Iterator[MdLink]:
    first = (block.map[0] if block.map else 0) + 1
    starts = line_starts(block.content)

    def line_at(token: Token) -> int:
        return first + bisect.bisect_right(starts, token.meta.get(_POS, 0)) - 1

    children = block.children or []
    in_label = 0
    for index, token in enumerate(children):
        kind = token.type
        if kind == "link_open":
            in_label += 1
            href = str(token.attrs.get("href", ""))
            text = "" if token.markup == "autolink" else _text_of(children, index + 1)
            yield href, text, line_at(token)
        elif kind == "link_close":
            in_label = max(0, in_label - 1)
        elif kind == "image":
            yield str(token.attrs.get("src", "")), token.content, line_at(token)
        elif kind == "text":
            if in_label and not include_verbatim:
                continue
            line = line_at(token)
            for _, url in find_urls(token.content):
                yield url, "", line
        elif kind == "code_inline":
            if include_verbatim:
                line = line_at(token)
                for _, url in find_urls(token.content):
                    yield url, "", line
        elif kind == "html_inline":
            for url, text, line, _ in html_links([token.content],
                                                 include_verbatim=include_verbatim,
                                                 line_offset=line_at(token) - 1):
                yield url, text, line


def markdown_links(text: str, *, include_verbatim: bool = False) -> Iterator[MdLink]:
    """Every link of the Markdown ``text``, in document order (any scheme, relative included)."""
    for token in _MD.parse(text):
        if token.type == "inline":
            yield from _inline_links(token, include_verbatim)
        elif token.type in ("fence", "code_block"):
            if include_verbatim and token.map:
                first = token.map[0] + (2 if token.type == "fence" else 1)
                for number, text in enumerate(token.content.split("\n")):
                    for _, url in find_urls(text):
                        yield url, "", first + number
        elif token.type == "html_block" and token.map:
            for url, anchor, at, _ in html_links([token.content],
                                                 include_verbatim=include_verbatim,
                                                 line_offset=token.map[0]):
                yield url, anchor, at
