"""Links in HTML, read as lychee reads them: from attributes, streamed, with exact lines.

The rules are lychee's (``lychee-lib/src/extract/html/html5gum.rs`` and
``html/mod.rs``), so that ``archiver check`` and ``lychee --dump`` list the same
links:

- the URL attributes: ``href``, ``src``, ``cite`` and ``usemap`` on any
  element, every candidate of ``srcset``, and ``applet codebase``, ``body
  background``, ``button formaction``, ``command icon``, ``form action``,
  ``frame``/``iframe``/``img longdesc``, ``head profile``, ``html manifest``,
  ``input formaction``, ``object classid``/``codebase``/``data``, ``video
  poster``; plus ``url(…)`` inside ``<style>``;
- nothing inside a *verbatim* element (``code``, ``kbd``, ``listing``,
  ``noscript``, ``plaintext``, ``pre``, ``samp``, ``script``, ``textarea``,
  ``var``, ``xmp``), its own attributes included (so ``<script src>`` is not
  listed: lychee counts scripts as verbatim), unless ``include_verbatim``;
- an element whose ``rel``, split at commas, holds ``nofollow``,
  ``preconnect`` or ``dns-prefetch``, or that has a ``prefix`` attribute
  (RDFa), is skipped, as is a disabled stylesheet;
- bare URLs in the text between tags are *not* links (lychee drops them too),
  except with ``include_verbatim``.

The tokenizer is the standard library's :class:`html.parser.HTMLParser` (the
parser behind BeautifulSoup's ``html.parser`` backend) rather than a
BeautifulSoup tree: it is fed the file in chunks, so memory stays bounded
whatever the file's size, it reports where each tag starts, and it decodes
entities in attribute values (``href="?a=1&amp;b=2"`` gives ``?a=1&b=2``).
The line of a link is the line of its attribute's value, even in a tag that
spans several lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser

from archiver.inputs.textscan import find_urls

#: Elements whose content is code or preformatted text (lychee ``is_verbatim_elem``).
VERBATIM_ELEMENTS = frozenset({"code", "kbd", "listing", "noscript", "plaintext", "pre",
                               "samp", "script", "textarea", "var", "xmp"})
#: URL attributes on any element.
_ANY_ELEMENT = frozenset({"href", "src", "cite", "usemap"})
#: URL attributes of particular elements.
_ELEMENT_ATTRS = frozenset({
    ("applet", "codebase"), ("body", "background"), ("button", "formaction"),
    ("command", "icon"), ("form", "action"), ("frame", "longdesc"), ("head", "profile"),
    ("html", "manifest"), ("iframe", "longdesc"), ("img", "longdesc"),
    ("input", "formaction"), ("object", "classid"), ("object", "codebase"),
    ("object", "data"), ("video", "poster")})
_SKIPPED_REL = frozenset({"nofollow", "preconnect", "dns-prefetch"})
#: CSS ``url(…)``, quoted or not (lychee ``extract/css.rs``).
CSS_URL = re.compile(r"""url\s*\(\s*(?:"([^"]*)"|'([^']*)'|([^)]+))\s*\)""")
#: Anchor text kept as a title candidate, at most this many characters.
MAX_ANCHOR_TEXT = 300
_SPACES = re.compile(r"\s+")
#: Links held back while an ``<a>`` is open (its text is their title), at most.
MAX_HELD_LINKS = 10_000

#: (url, anchor text, line, column), line and column 1-based.
RawLink = tuple[str, str, int, int]


def srcset_urls(value: str) -> list[str]:
    """The URLs of a ``srcset`` value (WHATWG "parse a srcset attribute", simplified)."""
    out: list[str] = []
    pos = 0
    n = len(value)
    while pos < n:
        while pos < n and (value[pos] == "," or value[pos].isspace()):
            pos += 1
        start = pos
        while pos < n and not value[pos].isspace():
            pos += 1
        url = value[start:pos]
        trailing_commas = url.endswith(",")
        url = url.rstrip(",")
        if url:
            out.append(url)
        if trailing_commas:
            continue
        depth = 0  # skip the descriptors, up to the next comma outside parentheses
        while pos < n and (value[pos] != "," or depth):
            depth += {"(": 1, ")": -1}.get(value[pos], 0)
            pos += 1
    return out


class _Extractor(HTMLParser):
    def __init__(self, include_verbatim: bool, line_offset: int) -> None:
        super().__init__(convert_charrefs=True)
        self.include_verbatim = include_verbatim
        self.line_offset = line_offset
        self.links: list[RawLink] = []
        self._verbatim: list[str] = []
        self._anchor: list[tuple[int, list[str]]] = []  # (index of the link, text parts)
        self._style: list[str] | None = None
        self._style_pos = (1, 0)

    # -- malformed declarations ---------------------------------------------

    def parse_html_declaration(self, i: int) -> int:
        """A ``<!`` declaration; a malformed one (``<![`` and a line break) read as a
        bogus comment up to the next ``>``, as browsers read it (HTML Living Standard,
        13.2.5.42 "Bogus comment state"), where html.parser raises AssertionError
        (Python 3.11's _markupbase)."""
        where = self.getpos()
        try:
            return super().parse_html_declaration(i)
        except AssertionError:
            self.lineno, self.offset = where  # _markupbase moved it before raising
            return self.parse_bogus_comment(i, report=False)

    # -- where things are --------------------------------------------------

    def _attr_position(self, name: str, value: str) -> tuple[int, int]:
        line, col = self.getpos()
        raw = self.get_starttag_text() or ""
        match = re.search(rf"(?:^|[\s\"'/]){re.escape(name)}\s*=\s*[\"']?", raw, re.IGNORECASE)
        index = match.end() if match else 0
        before = raw[:index]
        newlines = before.count("\n")
        if newlines:
            return line + newlines + self.line_offset, index - before.rfind("\n")
        return line + self.line_offset, col + index + 1

    # -- events --------------------------------------------------------------

    def _filtered(self, tag: str) -> bool:
        return not self.include_verbatim and (tag in VERBATIM_ELEMENTS or bool(self._verbatim))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, closing=False)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, closing=True)

    def _start(self, tag: str, attrs: list[tuple[str, str | None]], *, closing: bool) -> None:
        skip = self._filtered(tag)
        if tag in VERBATIM_ELEMENTS and skip and not closing:
            self._verbatim.append(tag)
        if tag == "style" and not closing:
            self._style = []
            self._style_pos = self.getpos()
        if skip:
            return
        values: dict[str, str] = {}
        for name, value in attrs:
            if value is not None and name not in values:
                values[name] = value
        rel = values.get("rel", "")
        if any(r.strip() in _SKIPPED_REL for r in rel.split(",")) or "prefix" in values:
            return
        if "stylesheet" in rel and (values.get("href", "").startswith(("@", "/@"))
                                    or "disabled" in values):
            return
        found = False
        if "srcset" in values:
            line, col = self._attr_position("srcset", values["srcset"])
            for url in srcset_urls(values["srcset"]):
                self.links.append((url, "", line, col))
        for name, value in values.items():
            if name in _ANY_ELEMENT or (tag, name) in _ELEMENT_ATTRS:
                line, col = self._attr_position(name, value)
                text = values.get("alt") or values.get("title") or ""
                self.links.append((value, _SPACES.sub(" ", text).strip(), line, col))
                found = True
        if tag == "a" and found and not closing:
            self._anchor.append((len(self.links) - 1, []))

    def handle_endtag(self, tag: str) -> None:
        if tag == "style" and self._style is not None:
            self._css("".join(self._style))
            self._style = None
        if tag == "a" and self._anchor:
            index, parts = self._anchor.pop()
            text = _SPACES.sub(" ", "".join(parts)).strip()[:MAX_ANCHOR_TEXT]
            if text:
                url, _, line, col = self.links[index]
                self.links[index] = (url, text, line, col)
        if self._verbatim and self._verbatim[-1] == tag:
            self._verbatim.pop()

    def handle_data(self, data: str) -> None:
        if self._style is not None:
            self._style.append(data)
            return
        for _, parts in self._anchor:
            if sum(map(len, parts)) < MAX_ANCHOR_TEXT * 2:
                parts.append(data)
        if self.include_verbatim:
            line, col = self.getpos()
            for offset, url in find_urls(data):
                before = data[:offset]
                newlines = before.count("\n")
                column = offset - before.rfind("\n") if newlines else col + offset + 1
                self.links.append((url, "", line + newlines + self.line_offset, column))

    def _css(self, css: str) -> None:
        if self._filtered("style"):
            return
        line, col = self._style_pos
        for match in CSS_URL.finditer(css):
            url = next(g for g in match.groups() if g is not None).strip()
            before = css[:match.start()]
            newlines = before.count("\n")
            column = match.start() - before.rfind("\n") if newlines else col + match.start() + 1
            self.links.append((url, "", line + newlines + self.line_offset, column))

    def finish(self) -> None:
        """The end of the text: an ``<a>`` still open keeps the text it has."""
        while self._anchor:
            self.handle_endtag("a")

    def take(self) -> list[RawLink]:
        """The links done so far; those of an ``<a>`` still open wait for its text.

        The wait is bounded: past :data:`MAX_HELD_LINKS` links (an ``<a>`` never
        closed), they go without their text.
        """
        cut = self._anchor[0][0] if self._anchor else len(self.links)
        if len(self.links) - cut > MAX_HELD_LINKS:
            self._anchor.clear()
            cut = len(self.links)
        out, self.links = self.links[:cut], self.links[cut:]
        self._anchor = [(index - cut, parts) for index, parts in self._anchor]
        return out


def html_links(chunks: Iterable[str], *, include_verbatim: bool = False,
               line_offset: int = 0) -> Iterator[RawLink]:
    """The links of the HTML text given in ``chunks`` (any split), in document order.

    ``line_offset`` is added to every line (an HTML block inside Markdown).
    Relative and non-http links are included; the caller judges them.
    """
    parser = _Extractor(include_verbatim, line_offset)
    for chunk in chunks:
        parser.feed(chunk)
        yield from parser.take()
    parser.close()
    parser.finish()
    yield from parser.take()

