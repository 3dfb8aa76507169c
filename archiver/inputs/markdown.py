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

**Speed.** markdown-it-py is pure Python; most of its time goes to the
inline parse. The parser here (:func:`_parser`) gives the tokens' links,
texts and lines of markdown-it's own path (``_parser(fast=False)``, which
tests/test_inputs_markdown_fast.py compares it with on generated Markdown)
with fewer steps: a block with no bracket, ``<``, ``&``, backslash or
``://`` is not parsed inline (it cannot hold a link); a block of text and
plain inline links (``[label](destination)``, nothing else markdown-it reads)
is read with two regular expressions; elsewhere the inline tokenizer tries at
each character only the rules that can match there, and a plain destination
is read at once. In the block parse, a rule that can start a block only at
given characters (``#`` a heading, ``>`` a quote…) is not called at a line
starting with another.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import unescapeAll
from markdown_it.helpers.parse_link_destination import _Result as _DestinationResult
from markdown_it.helpers.parse_link_destination import parseLinkDestination
from markdown_it.parser_inline import ParserInline
from markdown_it.rules_block.state_block import StateBlock
from markdown_it.rules_core.state_core import StateCore
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


class _FastState(_State):
    """:class:`_State` that asks whether text is pending without joining it.

    ``StateInline.pending`` joins its buffer on every read; whether it is empty
    is known from the buffer and the joined part (markdown-it-py 4's fields).
    """

    def append_pending(self, text: str) -> None:
        if not self._pending_buffer and not self._pending:
            self._pending_start = self.pos
        self._pending_buffer.append(text)


#: For each character, the inline rules that can match at it: markdown-it-py's and the
#: footnote plugin's rules each return False at once on any other first character.
_RULE_CHARS = {
    "newline": "\n", "escape": "\\", "backticks": "`", "emphasis": "_*", "link": "[",
    "image": "!", "footnote_inline": "^", "footnote_ref": "[", "autolink": "<",
    "html_inline": "<", "entity": "&",
}


class _Inline(ParserInline):
    """The inline parser, stamping positions; ``fast``, it tries fewer rules (same tokens).

    markdown-it's tokenizer tries every rule, in order, at every character that
    ends a text run (its terminators, ``: - = # $ % + > @ { } ~`` among them).
    The fast one ends text runs only at characters some rule can match at (and at
    ``]``, where ``parseLinkLabel`` looks for the label's end), and there tries
    only those rules, in the same order. The other characters were appended to
    the pending text one at a time, and are now appended with the run: the
    pending text, hence every token, is the same.
    """

    def __init__(self, md: MarkdownIt, fast: bool) -> None:
        super().__init__()
        self.ruler = md.inline.ruler
        self.ruler2 = md.inline.ruler2
        self.terminator_re = md.inline.terminator_re
        rules = self.ruler.getRules("")
        names = [rule.name for rule in self.ruler.__rules__ if rule.enabled]
        # a plugin's rule not known here: markdown-it's own tokenizer
        self._fast = fast and names[0] == "text" and all(n in _RULE_CHARS for n in names[1:])
        self._text_rule = rules[0]
        self._by_char: dict[str, list[Any]] = {}
        if self._fast:
            for name, rule in zip(names[1:], rules[1:], strict=True):
                for char in _RULE_CHARS[name]:
                    self._by_char.setdefault(char, []).append(rule)
            stops = "".join(sorted(self._by_char)) + "]"
            self.terminator_re = re.compile(f"[{re.escape(stops)}]")

    def tokenize(self, state: StateInline) -> None:
        if not self._fast:
            super().tokenize(state)
            return
        # ParserInline.tokenize, trying at each position only the rules that can match
        by_char = self._by_char
        text_rule = self._text_rule
        terminator = self.terminator_re
        src = state.src
        end = state.posMax
        max_nesting = state.md.options["maxNesting"]
        none: list[Any] = []
        while state.pos < end:
            pos = state.pos
            char = src[pos]
            if state.level < max_nesting:
                ok = False
                if terminator.match(char) is None:
                    ok = text_rule(state, False)
                else:
                    for rule in by_char.get(char, none):
                        if rule(state, False):
                            ok = True
                            break
                if ok:
                    if state.pos <= pos:
                        raise RuntimeError("inline rule didn't increment state.pos")
                    if state.pos >= end:
                        break
                    continue
            state.append_pending(char)
            state.pos += 1
        if state.pending:
            state.pushPending()

    def parse(self, src: str, md: MarkdownIt, env: Any, tokens: list[Token]) -> list[Token]:
        state = (_FastState if self._fast else _State)(src, md, env, tokens)
        self.tokenize(state)
        for rule in self.ruler2.getRules(""):
            rule(state)
        return state.tokens


#: A link destination markdown-it's normalizeLink returns unchanged (ASCII it never
#: escapes, and valid %XX escapes): the common case, checked without parsing the URL.
_PLAIN_DESTINATION = re.compile(r"(?:[A-Za-z0-9;/?:@&=+$,\-_.!~*'()#]|%[0-9A-Fa-f]{2})*")

#: The start of a link destination without ``<``, spaces, controls, brackets or
#: backslashes: parseLinkDestination would read it character by character, to its end.
_SIMPLE_DESTINATION = re.compile(r"[^<\x00-\x20\x7f\\()][^\x00-\x20\x7f\\()]*")

#: Where a block's text may hold a link: a bracket (links, images, references,
#: footnotes), ``<`` (autolinks, HTML), ``&`` and a backslash (an entity or an escape
#: may write ``://``), or ``://`` (a bare URL). Without any, markdown-it's inline
#: parse of the block makes no link, no HTML and no text with ``://`` in it.
_MAY_LINK = re.compile(r"[\[<&\\]|://")


def _fast_destination(string: str, pos: int, maximum: int) -> Any:
    """``parseLinkDestination``, with a plain destination read at once."""
    match = _SIMPLE_DESTINATION.match(string, pos, maximum)
    if match is not None:
        end = match.end()
        # it ends the destination where the character loop would: at the end, a space,
        # a control character or a ``)`` (no ``(`` was opened); else read it slowly
        if end == maximum or string[end] not in "\\(":
            result = _DestinationResult()
            result.str = unescapeAll(string[pos:end])
            result.pos = end
            result.ok = True
            return result
    return parseLinkDestination(string, pos, maximum)


#: An inline link whose label and destination hold nothing markdown-it reads further:
#: no brackets, no ``<``, no backslash, no space in the destination, no title.
_SIMPLE_LINK = re.compile(r"\[([^\[\]]*)\]\(([^\x00-\x20\x7f()<\[\]\\]+)\)")
#: In a block's text with each :data:`_SIMPLE_LINK` written ``\0label\0``, what would
#: make another token: a bracket, an escape, a code span, emphasis, ``<`` (autolinks,
#: HTML), an entity, ``^`` (inline footnotes), ``!`` before a link (an image). Without
#: any, markdown-it's inline parse gives the links, breaks and text between them only.
_NOT_SIMPLE = re.compile("[\\[\\]\\\\`*_<&^]|!\0")

#: Key of a block's meta: its simple links (label offset, label, href, end offset).
_SIMPLE = "archiver_simple"


def _simple_links(md: MarkdownIt, content: str) -> list[tuple[int, str, str, int]] | None:
    """The links of a block made of text and :data:`_SIMPLE_LINK` only; None for any other."""
    if _NOT_SIMPLE.search(_SIMPLE_LINK.sub("\0\\1\0", content)) is not None:
        return None
    links = []
    for match in _SIMPLE_LINK.finditer(content):
        # as markdown-it's link rule: parseLinkDestination, normalizeLink, validateLink
        href = md.normalizeLink(unescapeAll(match[2]))
        if not md.validateLink(href):
            return None  # then the brackets may be a reference, or text
        links.append((match.start() + 1, match[1], href, match.end()))
    return links


def _inline_rule(state: StateCore) -> None:
    """The core ``inline`` rule, parsing only blocks that may hold something else than text.

    A block where :data:`_MAY_LINK` finds nothing holds no link; one of text and
    simple links (:func:`_simple_links`) has them noted in its meta for
    :func:`_simple_block_links`; the others are parsed.
    """
    md = state.md
    for token in state.tokens:
        if token.type == "inline":
            if token.children is None:
                token.children = []
            content = token.content
            if _MAY_LINK.search(content) is None:
                continue
            simple = _simple_links(md, content)
            if simple is not None:
                token.meta[_SIMPLE] = simple
                continue
            md.inline.parse(content, md, state.env, token.children)


#: For each block rule, the first characters of a line (after its indent) it can start
#: a block at: markdown-it-py's rules and the footnote plugin's return False at once
#: at any other (a table, indented code, a setext heading or a paragraph may start
#: at any character). markdown-it tries every rule at every line, and in every
#: paragraph, list and quote at each next line, each rule logging its call first.
_BLOCK_CHARS = {
    "fence": "~`", "blockquote": ">", "hr": "*-_", "list": "*-+0123456789",
    "footnote_def": "[", "reference": "[", "html_block": "<", "heading": "#",
}


def _first_char_guard(rule: Any, chars: str) -> Any:
    """``rule``, not called at a line starting with a character not in ``chars``."""

    def guarded(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
        pos = state.bMarks[start_line] + state.tShift[start_line]
        char = state.src[pos:pos + 1]
        if not char or char not in chars:
            return False
        return bool(rule(state, start_line, end_line, silent))

    return guarded


def _parser(*, fast: bool = True) -> MarkdownIt:
    """markdown-it for links; ``fast=False`` is markdown-it's own path (the tests' reference)."""
    md = MarkdownIt("commonmark").enable("table").use(footnote_plugin)
    normalize = md.normalizeLink

    def fast_normalize(url: str) -> str:
        return url if _PLAIN_DESTINATION.fullmatch(url) else normalize(url)

    setattr(md, "normalizeLink", fast_normalize)  # noqa: B010 - an instance's method, replaced
    md.inline = _Inline(md, fast)
    if fast:
        # this parser's own helpers: markdown_it.helpers is a module others share
        helpers = SimpleNamespace(parseLinkLabel=md.helpers.parseLinkLabel,
                                  parseLinkTitle=md.helpers.parseLinkTitle,
                                  parseLinkDestination=_fast_destination)
        setattr(md, "helpers", helpers)  # noqa: B010 - typed as the module it stands for
        md.core.ruler.at("inline", _inline_rule)
        for rule in md.block.ruler.__rules__:
            if rule.name in _BLOCK_CHARS:
                md.block.ruler.at(rule.name, _first_char_guard(rule.fn, _BLOCK_CHARS[rule.name]),
                                  {"alt": rule.alt})
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


def _bare_urls(content: str, start: int, end: int, line_at: Callable[[int], int],
               ) -> Iterator[MdLink]:
    """The bare URLs of ``content[start:end]``, text without tokens: a text token a line."""
    for part in content[start:end].split("\n"):
        if "://" in part:
            line = line_at(start)
            for _, url in find_urls(part):
                yield url, "", line
        start += len(part) + 1


def _simple_block_links(block: Token, links: list[tuple[int, str, str, int]],
                        include_verbatim: bool) -> Iterator[MdLink]:
    """:func:`_inline_links` of a block of text and simple links (:func:`_simple_links`)."""
    content = block.content
    first = (block.map[0] if block.map else 0) + 1
    starts = line_starts(content)

    def line_at(offset: int) -> int:
        return first + bisect.bisect_right(starts, offset) - 1

    pos = 0
    for label_start, label, href, end in links:
        yield from _bare_urls(content, pos, label_start - 1, line_at)
        yield href, " ".join(label.split())[:MAX_ANCHOR_TEXT], line_at(label_start)
        if include_verbatim:
            yield from _bare_urls(content, label_start, label_start + len(label), line_at)
        pos = end
    yield from _bare_urls(content, pos, len(content), line_at)


def _inline_links(block: Token, include_verbatim: bool) -> Iterator[MdLink]:
    simple = block.meta.get(_SIMPLE)
    if simple is not None:
        yield from _simple_block_links(block, simple, include_verbatim)
        return
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
    return _links(_MD, text, include_verbatim)


def _links(md: MarkdownIt, text: str, include_verbatim: bool) -> Iterator[MdLink]:
    for token in md.parse(text):
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
