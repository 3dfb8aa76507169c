"""The fast Markdown path gives the links, texts and lines of markdown-it's own path.

archiver/inputs/markdown.py reads Markdown with shortcuts (blocks that cannot
hold a link are not parsed inline, blocks of text and plain inline links are
read with two regular expressions, fewer inline rules are tried, plain link
destinations are read at once); ``_parser(fast=False)`` is markdown-it's own
path with the same position stamps. Hypothesis writes Markdown from the pieces
that make links, code, HTML, footnotes, lists, quotes and tables, and both
paths must list the same (url, text, line) in the same order.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it.helpers.parse_link_destination import parseLinkDestination

from archiver.inputs import markdown
from archiver.inputs.markdown import MdLink, markdown_links
from archiver.inputs.textscan import find_urls

PLAIN = markdown._parser(fast=False)


def plain_links(text: str, include_verbatim: bool = False) -> list[MdLink]:
    return list(markdown._links(PLAIN, text, include_verbatim))


def fast_links(text: str, include_verbatim: bool = False) -> list[MdLink]:
    return list(markdown_links(text, include_verbatim=include_verbatim))


URLS = ["https://a.org/x", "http://b.org/p_(q)", "https://c.org/a?b=1&c=2", "HTTPS://D.org/Up",
        "https://e.org/é", "mailto:x@y.org", "rel/path.md", "#frag", "javascript:alert(1)",
        "javascript:void", "file:///etc/x", "data:image/png;base64,AA", "https://f.org/a*b*",
        "ftp://g.org/f", "https://h.org/&amp;x", "https://i.org/%41%zz", "https://j.org/[v6]"]
WORDS = ["a", "see", "the", "https", "://", "http://j.org/w", "x.", "!", "*", "**", "_",
         "__", "`", "``", "\\", "\\[", "&amp;", "&#58;", "&#x5b;", "[", "]", "(", ")",
         "<", ">", "^", "|", ":", "'", '"', "~", "  ", "\t", "\u00a0", "é"]
LABELS = ["a", "two words", "", "https://k.org/l", "*em*", "`c`", "a\nb", "a  \n b",
          "![i](https://m.org/i.png)", "[n]", "x!", "^", "_u_"]
#: What a block of text and plain links is made of, and a piece that makes it another.
CLEAN = ["word", "two words", ".", "!", ":", "https://a.org/x", "http://b.org/p", "/",
         "https://e.org/é?q=1", "\n", "  \n", "(", ")", "'"]
DIRTY = ["*", "**", "_", "`", "\\", "&amp;", "&#58;", "<", "^", "[", "]", "![a](https://i.org)",
         "[ref]", "[^1]", "^[n]", "[*em*](https://a.org)", "[_u_](https://a.org)",
         "^[a](https://a.org/n)", "![https://k.org/l](https://i.org)", "!"]


@st.composite
def inline(draw: st.DrawFn) -> str:
    """A run of inline Markdown: words, bare URLs, links of every kind, code, HTML."""
    url = st.sampled_from(URLS)
    label = st.sampled_from(LABELS)
    if draw(st.booleans()):
        # mostly text and plain links (the regex path), maybe one piece that is not
        piece = st.one_of(st.sampled_from(CLEAN),
                          st.builds("[{}]({})".format, st.sampled_from(LABELS[:4] + LABELS[6:8]),
                                    url))
        pieces = draw(st.lists(piece, max_size=10))
        if draw(st.booleans()):
            pieces.insert(draw(st.integers(0, len(pieces))), draw(st.sampled_from(DIRTY)))
        gaps = draw(st.lists(st.sampled_from(["", " ", "\n"]), min_size=len(pieces),
                             max_size=len(pieces)))
        return "".join(p + g for p, g in zip(pieces, gaps, strict=True))
    piece = st.one_of(
        st.sampled_from(WORDS),
        url,
        st.builds("[{}]({})".format, label, url),
        st.builds("[{}]({} \"t\")".format, label, url),
        st.builds("[{}](<{}>)".format, label, url),
        st.builds("[{}]( {} )".format, label, url),
        st.builds("![{}]({})".format, label, url),
        st.builds("<{}>".format, url),
        st.builds("`{}`".format, url),
        st.builds('<a href="{}">x</a>'.format, url),
        st.sampled_from(["[ref]", "[ref][]", "[text][ref]", "[^1]", "^[note https://n.org]",
                         "[undefined]", "<br>", "<!-- https://o.org -->", "\n", "  \n",
                         "\\\n"]),
        st.text(alphabet="ab [](<>)!*_`\\&:/^\n", max_size=8),
    )
    return draw(st.lists(piece, max_size=12).map(" ".join))


#: Lines that start a block (or do not quite), each block rule's first characters.
BLOCK_STARTS = ["***", "---", "___", "* * *", "- a", "+ b", "* c", "1. d", "2) e", "10. f",
                "```", "~~~", "``", "~~", "> q", ">", "# h", "###### h", "####### h", "#h",
                "<div>", "<!-- c -->", "<https://a.org/x>", "[r]: https://r.org", "[^2]: t",
                "   - indented", "\t- tab", "    code", "| a |", "|-|", "==", "--", "-", "*"]


@st.composite
def documents(draw: st.DrawFn) -> str:
    """A Markdown document of blocks: paragraphs, headings, lists, quotes, code, HTML, tables."""
    text = inline()
    block = st.one_of(
        text,
        st.builds("# {}".format, text),
        st.builds("- {}\n  - {}".format, text, text),
        st.builds("1. {}\n\n   {}".format, text, text),
        st.builds("> {}\n> > {}".format, text, text),
        st.builds("```\n{}\n```".format, text),
        st.builds("    {}".format, text),
        st.builds("<div>\n{}\n</div>".format, text),
        st.builds("| a | b |\n| - | - |\n| {} | {} |".format, text, text),
        st.builds("[ref]: {}".format, st.sampled_from(URLS)),
        st.builds("[^1]: {}".format, text),
        st.builds("{}\n===".format, text),
        st.builds("{}\n{}".format, text, st.sampled_from(BLOCK_STARTS)),
        st.builds("{}\n{}".format, st.sampled_from(BLOCK_STARTS), text),
    )
    return draw(st.lists(block, max_size=8).map(lambda blocks: "\n\n".join(blocks) + "\n"))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.booleans())
def test_fast_path_lists_the_links_of_markdown_its_own(text: str, verbatim: bool) -> None:
    assert fast_links(text, verbatim) == plain_links(text, verbatim)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab [](<>)!*_`\\&#;:/^|\n\t é", max_size=60), st.booleans())
def test_fast_path_on_any_characters(text: str, verbatim: bool) -> None:
    assert fast_links(text, verbatim) == plain_links(text, verbatim)


@pytest.mark.parametrize("text", [
    "line one\nsee [a\nb](https://a.org/x) and https://b.org/y.\nthen [c](rel.md)!\n",
    "[https://a.org/l](https://b.org/d) https://c.org/t\n",
    "* [a](https://a.org/1)\n* text https://b.org/2\n\n> quote [q](https://c.org/3)\n",
    "| [a](https://a.org/t) | https://b.org/u |\n| - | - |\n| x | [y](https://c.org/v) |\n",
    "[a](javascript:alert(1)) [b](https://a.org/?x=1&amp;y=2)\n",
    # a thematic break ends the paragraph, so the definition after it defines [r]
    "text\n___\n[r]: https://r.org\n\n[r]\n",
    "text\n- - -\n[r]: https://r.org\n\n[r]\n",
])
def test_fast_path_on_examples(text: str) -> None:
    for verbatim in (False, True):
        assert fast_links(text, verbatim) == plain_links(text, verbatim)


def inline_tokens(text: str) -> Iterator[dict[str, object]]:
    for token in markdown._MD.parse(text):
        if token.type == "inline":
            yield {"simple": token.meta.get(markdown._SIMPLE) is not None,
                   "parsed": bool(token.children)}


def test_shortcuts_are_taken_where_they_may() -> None:
    text = ("plain words, no link\n\n"
            "see [a](https://a.org/x) and https://b.org\n\n"
            "with *emphasis* and [a](https://a.org/x)\n")
    assert list(inline_tokens(text)) == [
        {"simple": False, "parsed": False},   # nothing that can be a link: not parsed
        {"simple": True, "parsed": False},    # text and plain links: read by regex
        {"simple": False, "parsed": True},    # emphasis: markdown-it parses it
    ]
    assert fast_links(text) == [("https://a.org/x", "a", 3), ("https://b.org", "", 3),
                                ("https://a.org/x", "a", 5)]


@pytest.mark.parametrize("text", ["https&#58;//a.org/e\n", "https:\\/\\/a.org/e\n"])
def test_an_entity_or_escape_that_writes_a_url_is_parsed(text: str) -> None:
    # `&#58;` and `\/` write "://" in the text: the block must be parsed to find it
    assert fast_links(text) == plain_links(text) == [("https://a.org/e", "", 1)]


@given(st.text(alphabet="ab<>()\\ \x01\x7f/:%é\n", max_size=20), st.integers(0, 3))
def test_fast_destination_reads_as_parse_link_destination(text: str, start: int) -> None:
    start = min(start, len(text))
    for end in {len(text), max(start, len(text) - 2)}:
        fast = markdown._fast_destination(text, start, end)
        slow = parseLinkDestination(text, start, end)
        assert (fast.ok, fast.pos, fast.str) == (slow.ok, slow.pos, slow.str)


def test_a_plugin_rule_unknown_to_the_fast_tokenizer_turns_it_off() -> None:
    md = markdown._parser()
    assert isinstance(md.inline, markdown._Inline) and md.inline._fast

    def never(state: object, silent: bool) -> bool:
        return False

    md.inline.ruler.push("plugin_rule", never)
    assert not markdown._Inline(md, True)._fast


# --------------------------------------------------------------------------
# textscan: the end of a URL, skipping plain runs at once
# --------------------------------------------------------------------------

def reference_end(text: str, start: int, quote: str | None) -> int | None:
    """textscan._end as it was, one character at a time."""
    stop = frozenset(" |\"<>`\x7f") | frozenset(chr(c) for c in range(0x20)) \
        | frozenset(chr(c) for c in range(0x80, 0xA0))
    opening = {"(": 0, "[": 1, "{": 2}
    closing = {")": 0, "]": 1, "}": 2}
    depth = [0, 0, 0]
    single_quote = False
    previous_can_be_last = True
    end: int | None = None
    for i in range(start, len(text)):
        c = text[i]
        if c in stop:
            break
        if c in "?!.,:;*":
            can_be_last = False
        elif c == "/":
            can_be_last = previous_can_be_last
        elif c in opening:
            depth[opening[c]] += 1
            can_be_last = False
        elif c in closing:
            depth[closing[c]] -= 1
            if depth[closing[c]] < 0:
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
    return end


def reference_find_urls(text: str) -> list[tuple[int, str]]:
    from archiver.inputs.textscan import _scheme_start

    out = []
    pos = 0
    while (match := re.compile("://").search(text, pos)) is not None:
        start, quote = _scheme_start(text, match.start())
        after = match.end()
        end = reference_end(text, after, quote) if start is not None and after < len(
            text) else None
        if start is None or end is None:
            pos = after
            continue
        out.append((start, text[start:end]))
        pos = end
    return out


@settings(max_examples=500)
@given(st.lists(st.sampled_from(["https://", "a", "b1", "/", "//", ".", ",", "?", "!", ":",
                                 ";", "*", "(", ")", "[", "]", "{", "}", "'", '"', " ", "|",
                                 "<", "`", "\x85", "\x7f", "é", "-", "_", "%", "=", "&",
                                 "#", "\n"]), max_size=30).map("".join))
def test_find_urls_ends_urls_as_one_character_at_a_time(text: str) -> None:
    assert list(find_urls(text)) == reference_find_urls(text)
