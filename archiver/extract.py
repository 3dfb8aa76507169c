"""Archived page bytes -> text layers for quote verification.

Pure (no file, no socket), except that a PDF is parsed by pypdf in a child
process held to time and memory limits (:class:`PdfLimits`), so that a hostile
PDF can neither hang the run nor exhaust its memory.

A page is turned into text once, into named *layers*, each searched by
:mod:`archiver.verify`:

``text``
    The full visible text: ``<script>``, ``<style>``, ``<template>``, SVG and
    MathML removed, ``<head>`` left out, block elements separated by line
    breaks so that words never glue together, ``<br>`` as a break, entities
    decoded (``&shy;`` stays a soft hyphen; the matcher drops it). Full text,
    not boilerplate-stripped main content: main-content extractors lose 4-5 %
    of real passages (measured on trafilatura's evaluation corpus,
    adbar/trafilatura tests/evaldata.py, 2,951 passages marked as main text in
    990 pages: trafilatura's and resiliparse's main-content modes found 94.7 %
    and 95.8 % of them, five full-text extractors 97.8-99.1 %; trafilatura's
    docs/evaluation.rst shows the same gap). Ranges inside the article body
    (``itemprop=articleBody``, ``class="article-body"`` and the like, else
    ``<article>``, else ``<main>``) are recorded so a hit can be labelled.
``script``
    Strings found in JSON inside ``<script>``: ``application/ld+json``
    (``articleBody``), ``application/json`` (``__NEXT_DATA__``) and
    ``var x = {...}`` / ``window.__STATE__ = {...}`` framework state. Strings
    of at least :data:`MIN_SCRIPT_STRING` characters with a space are kept,
    HTML-unescaped twice and stripped of tags (in the same corpus, 6 of the
    2,951 passages were missed by every full-text extractor and found only in
    ``<script>`` JSON or ``<meta>``).
``meta``
    ``<title>``, ``<meta name=description>``, ``og:``/``twitter:`` title and
    description, one per line.

Other captures become a ``text`` layer too: plain text as it is; a **PDF**'s
text layer (pypdf, page by page, at most :data:`PDF_MAX_PAGES` pages, a word
hyphenated at a line end joined with a soft hyphen, which the matcher drops,
as it does ``&shy;``); the string values of a **JSON** document and the text
nodes of an **XML** feed (RSS, Atom; CDATA included, escaped HTML in them
turned into text), one per line. An image, or a PDF without a text layer (a
scan), gives no text: :attr:`PageText.unreadable` says why.

Decoding: a byte-order mark, then the HTTP ``charset``, then ``<meta charset>``,
then detection (UTF-8 if the bytes are valid UTF-8, else charset-normalizer,
else windows-1252). A declared single-byte charset on bytes that are valid
multi-byte UTF-8 is overruled (the common 2014 "wrong charset header" case)
and flagged. Mojibake left in the text (``lâ€™association``, ``dignitÃ©``) is
repaired and flagged; offsets reported by :mod:`archiver.verify` are offsets
in the repaired layer text.
"""

from __future__ import annotations

import codecs
import html
import json
import math
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from archiver.models import PageLayer

# --------------------------------------------------------------------------
# Limits
# --------------------------------------------------------------------------

#: Script strings shorter than this are ignored: ids, URLs, labels. Our choice:
#: 40 characters would drop headlines and captions; 25 keeps them.
MIN_SCRIPT_STRING = 25
#: Cap on the script layer: framework state can run to megabytes of JSON.
MAX_SCRIPT_LAYER = 2_000_000
#: How far into the body ``<meta charset>`` is looked for (WHATWG prescan: 1024;
#: real 2014 pages put long comments first, so we look further).
META_PRESCAN_BYTES = 4096

#: The layers, by their names in this module (see :class:`archiver.models.PageLayer`).
LAYER_TEXT = PageLayer.TEXT
LAYER_SCRIPT = PageLayer.SCRIPT
LAYER_META = PageLayer.META

#: Flags a page can carry (also copied into every result checked against it).
FLAG_MOJIBAKE = "mojibake_repaired"
FLAG_CHARSET_OVERRULED = "charset_header_wrong"
FLAG_CHARSET_DETECTED = "charset_detected"
FLAG_NOT_HTML = "not_html"

FLAG_TEXT_CAPPED = "text_capped"  # a layer was cut at MAX_PAGE_CHARS characters
FLAG_PDF_CAPPED = "pdf_pages_capped"  # only the first PDF_MAX_PAGES pages were read

HTML_MIMES = ("text/html", "application/xhtml+xml", "application/xml", "text/xml")
TEXT_MIMES = ("text/plain",)
PDF_MIMES = ("application/pdf", "application/x-pdf")
JSON_MIMES = ("application/json", "text/json", "application/ld+json",
              "application/feed+json")
#: XML types read as feeds (text nodes), unless the document is XHTML.
XML_MIMES = ("application/xml", "text/xml", "application/rss+xml",
             "application/atom+xml", "application/rdf+xml")

# PDF limits. Our choices: a communiqué or a court decision is tens of pages; a
# 1,000-page report still gives its text. pypdf caps each decompressed stream
# itself (pypdf filters.py ZLIB_MAX_OUTPUT_LENGTH, 75 MB); the child process is
# what bounds the whole parse.
#: Pages of a PDF whose text is read; later pages are left out (and flagged).
PDF_MAX_PAGES = 1000
#: Characters of PDF text kept (about 1,500 dense pages).
PDF_MAX_CHARS = 5_000_000
#: Wall-clock time the PDF parse may take before its process is killed.
PDF_TIMEOUT_SECONDS = 30.0
#: Address space of the PDF parsing process (RLIMIT_AS), in bytes.
PDF_MAX_MEMORY = 1024 * 1024 * 1024
#: JSON or XML text kept, in characters.
MAX_FEED_CHARS = 5_000_000
#: Characters of each text layer of an HTML or plain-text page that verify searches
#: (the PDF limit). A news article's text is tens of kilobytes; a page's index costs
#: about 140 bytes a character (4.5 MB of text: 640 MB measured), so a hostile or
#: broken multi-megabyte page would otherwise cost gigabytes. Text past it is left
#: out and the page flagged :data:`FLAG_TEXT_CAPPED`.
MAX_PAGE_CHARS = 5_000_000


# --------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class TextLayer:
    """One named text of a page, and the ranges of it inside the article body."""

    name: PageLayer
    text: str
    article_spans: tuple[tuple[int, int], ...] = ()

    def in_article(self, start: int, end: int) -> bool | None:
        """Whether ``[start, end)`` lies in the article body; None if unknown."""
        if not self.article_spans:
            return None
        return any(a <= start and end <= b for a, b in self.article_spans)


@dataclass(frozen=True)
class PageText:
    """Every text layer of one page, built once."""

    layers: tuple[TextLayer, ...]
    charset: str = "utf-8"
    charset_source: str = "default"  # bom, http, meta, detected, default
    declared_lang: str | None = None  # <html lang> or Content-Language
    title: str | None = None
    flags: tuple[str, ...] = ()
    #: Why the payload gives no text to search (an image, a scanned PDF), else None.
    unreadable: str | None = None

    def layer(self, name: PageLayer) -> TextLayer | None:
        for layer in self.layers:
            if layer.name == name:
                return layer
        return None

    @property
    def text(self) -> str:
        """The full visible text (the ``text`` layer)."""
        layer = self.layer(LAYER_TEXT)
        return layer.text if layer else ""


@dataclass(frozen=True)
class Decoded:
    text: str
    charset: str
    source: str  # bom, http, meta, detected, default
    flags: tuple[str, ...] = ()


# --------------------------------------------------------------------------
# Charset
# --------------------------------------------------------------------------

_CHARSET_RE = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_META_CHARSET_RE = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
#: WHATWG Encoding: these labels all mean windows-1252 in a browser.
_AS_CP1252 = {"latin-1", "latin1", "iso-8859-1", "iso8859-1", "iso_8859-1", "l1",
              "ascii", "us-ascii", "cp819", "ibm819", "windows-1252", "cp1252", "x-cp1252"}
_SINGLE_BYTE_PREFIXES = ("cp", "iso8859", "latin", "windows", "mac", "koi8", "tis")


def charset_from_content_type(content_type: str | None) -> str | None:
    """The ``charset`` parameter of a Content-Type header, if any."""
    if not content_type:
        return None
    m = _CHARSET_RE.search(content_type)
    return m.group(1) if m else None


def _canonical(label: str | None) -> str | None:
    """A Python codec name for a charset label, or None if unknown."""
    if not label:
        return None
    label = label.strip().lower()
    if label in _AS_CP1252:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _is_single_byte(codec: str) -> bool:
    return codec.replace("_", "").replace("-", "").startswith(_SINGLE_BYTE_PREFIXES)


def _utf8_multibyte(body: bytes) -> bool:
    """True if ``body`` is valid UTF-8 *and* uses multi-byte sequences."""
    if body.isascii():
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _decodes(body: bytes, codec: str) -> bool:
    try:
        body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _detect(body: bytes) -> str:
    if body.isascii() or _decodes(body, "utf-8"):
        return "utf-8"
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - requests depends on it
        return "cp1252"
    matches = list(from_bytes(body[:200_000]))
    if not matches:
        return "cp1252"
    best = min(m.chaos for m in matches)
    # Ties go to windows-1252, the web's usual legacy charset (the WHATWG default
    # for unlabelled Western pages): "Très à" is as plausible in cp1250 as in
    # cp1252 to a detector, but cp1250 turns it into "Trčs ŕ".
    if any(_canonical(m.encoding) == "cp1252" and m.chaos <= best for m in matches):
        return "cp1252"
    first = next(m for m in matches if m.chaos <= best)
    return _canonical(first.encoding) or "cp1252"


def decode_body(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode page bytes: BOM, then HTTP charset, then ``<meta>``, then detection."""
    for bom, bom_codec in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                           (codecs.BOM_UTF16_BE, "utf-16-be")):
        if body.startswith(bom):
            return Decoded(body[len(bom):].decode(bom_codec, errors="replace"), bom_codec,
                           "bom")
    flags: list[str] = []
    candidates: list[tuple[str | None, str]] = [
        (_canonical(charset_from_content_type(content_type)), "http")]
    m = _META_CHARSET_RE.search(body[:META_PRESCAN_BYTES])
    if m:
        candidates.append((_canonical(m.group(1).decode("ascii", "replace")), "meta"))
    for label, source in candidates:
        if label is None:
            continue
        codec = label
        if codec in ("utf-16", "utf-16-le", "utf-16-be", "utf-32"):
            continue  # a <meta> claiming UTF-16 on ASCII-compatible bytes is wrong
        if _is_single_byte(codec) and _utf8_multibyte(body):
            # HACK: a 2014 server saying ISO-8859-1 over UTF-8 bytes. Valid
            # multi-byte UTF-8 is practically never intended as Latin-1 text.
            flags.append(FLAG_CHARSET_OVERRULED)
            return Decoded(body.decode("utf-8"), "utf-8", source, tuple(flags))
            # END HACK
        if codec == "utf-8" and not _decodes(body, "utf-8"):
            flags.append(FLAG_CHARSET_OVERRULED)
            continue
        return Decoded(body.decode(codec, errors="replace"), codec, source, tuple(flags))
    codec = _detect(body)
    if codec != "utf-8" or not body.isascii():
        flags.append(FLAG_CHARSET_DETECTED)
    return Decoded(body.decode(codec, errors="replace"), codec, "detected", tuple(flags))


# --------------------------------------------------------------------------
# Mojibake (UTF-8 read as windows-1252 / Latin-1, possibly twice)
#
# Hand-written rather than ftfy: the only mojibake seen in press captures is
# UTF-8 decoded as cp1252/Latin-1, which is reversible exactly, sequence by
# sequence. Each candidate run is re-encoded and accepted only if it decodes as
# strict UTF-8, so ordinary accented text ("née à Paris") is never touched.
# --------------------------------------------------------------------------

_CP1252_HIGH = bytes(range(0x80, 0x100)).decode("cp1252", errors="replace")
_REVERSE = {ch: i + 0x80 for i, ch in enumerate(_CP1252_HIGH) if ch != "\ufffd"}
for _b in (0x81, 0x8D, 0x8F, 0x90, 0x9D):  # undefined in cp1252: Latin-1 C1 controls
    _REVERSE[chr(_b)] = _b
_CONT = "".join(re.escape(ch) for ch, b in _REVERSE.items() if 0x80 <= b <= 0xBF)
_LEAD2 = "".join(re.escape(ch) for ch, b in _REVERSE.items() if 0xC2 <= b <= 0xDF)
_LEAD3 = "".join(re.escape(ch) for ch, b in _REVERSE.items() if 0xE0 <= b <= 0xEF)
_LEAD4 = "".join(re.escape(ch) for ch, b in _REVERSE.items() if 0xF0 <= b <= 0xF4)
_MOJIBAKE_RE = re.compile(
    f"[{_LEAD2}][{_CONT}]|[{_LEAD3}][{_CONT}]{{2}}|[{_LEAD4}][{_CONT}]{{3}}")


def _unmangle(m: re.Match[str]) -> str:
    try:
        return bytes(_REVERSE[ch] for ch in m.group(0)).decode("utf-8")
    except (UnicodeDecodeError, KeyError):
        return m.group(0)


def repair_mojibake(text: str) -> tuple[str, bool]:
    """Undo UTF-8-read-as-cp1252 sequences (up to twice); return the text and
    whether anything changed."""
    changed = False
    for _ in range(2):
        if not _MOJIBAKE_RE.search(text):
            break
        fixed = _MOJIBAKE_RE.sub(_unmangle, text)
        if fixed == text:
            break
        text, changed = fixed, True
    return text, changed


# --------------------------------------------------------------------------
# HTML -> visible text
# --------------------------------------------------------------------------

_BLOCK = frozenset("""
address article aside blockquote body caption center dd details dialog dir div dl
dt fieldset figcaption figure footer form frame frameset h1 h2 h3 h4 h5 h6 header
hgroup hr html iframe legend li main menu nav ol option p pre section select summary
table tbody tfoot thead tr ul noscript object video audio canvas map
""".split())
_PARAGRAPH = frozenset("p h1 h2 h3 h4 h5 h6 blockquote".split())
_CELL = frozenset(("td", "th"))
_CDATA = frozenset(("script", "style"))
_SKIP = frozenset(("template", "svg", "math"))
_VOID = frozenset("""area base br col embed hr img input link meta param source track wbr
keygen""".split())
_WS_RE = re.compile(r"[ \t\n\r\f\v]+")
#: Class or id names of article-body containers in common CMSs.
_ARTICLE_CLASS_RE = re.compile(
    r"(?:article|story|entry|post|news|content)[-_]?(?:body|content|text|contenu|corps|texte)"
    r"|articlebody|storybody|field-name-body|chapo", re.IGNORECASE)
_BREAK_RANK = {"": 0, " ": 1, "\t": 2, "\n": 3, "\n\n": 4}
_META_NAMES = ("description", "og:description", "twitter:description", "og:title",
               "twitter:title", "dc.description", "dc.title")


@dataclass
class _Script:
    type: str
    id: str
    parts: list[str] = field(default_factory=list)


class _TextParser(HTMLParser):
    """Collects visible text with block breaks, scripts, meta and article ranges."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.length = 0
        self.pending = ""
        self.skip_depth = 0
        self.skip_tags: list[tuple[str, int]] = []
        self.open_count: dict[str, int] = {}
        self.in_cdata: str | None = None
        self.script: _Script | None = None
        self.scripts: list[_Script] = []
        self.in_title = False
        self.title_parts: list[str] = []
        self.meta: dict[str, str] = {}
        self.lang: str | None = None
        # article containers: (tag, level, start, rank); rank 0 = specific class
        self.containers: list[tuple[str, int, int, int]] = []
        self.article_ranges: dict[int, list[tuple[int, int]]] = {0: [], 1: [], 2: []}

    # -- output --------------------------------------------------------------

    def _want(self, brk: str) -> None:
        if _BREAK_RANK[brk] > _BREAK_RANK[self.pending]:
            self.pending = brk

    def _emit(self, data: str) -> None:
        if self.pending:
            if self.length:
                self.parts.append(self.pending)
                self.length += len(self.pending)
            self.pending = ""
        self.parts.append(data)
        self.length += len(data)

    def _text(self, data: str) -> None:
        data = _WS_RE.sub(" ", data)
        if not data:
            return
        if data[0] == " ":
            self._want(" ")
            data = data[1:]
        trailing = data.endswith(" ")
        if trailing:
            data = data[:-1]
        if data:
            self._emit(data)
        if trailing:
            self._want(" ")

    # -- parser callbacks ----------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs)
        if tag in _VOID:
            self._end_void(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs)
        if tag not in _VOID and tag not in _CDATA:
            self.handle_endtag(tag)
        elif tag in _VOID:
            self._end_void(tag)

    def _end_void(self, tag: str) -> None:
        if tag in ("br", "hr"):
            self._want("\n")

    def _start(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "html" and self.lang is None and a.get("lang"):
            self.lang = a["lang"].strip() or None
        if tag == "meta":
            self._meta(a)
            return
        if tag in _CDATA:
            self.in_cdata = tag
            if tag == "script":
                self.script = _Script(a.get("type", "").strip().lower(), a.get("id", ""))
            return
        if tag == "title" and not self.skip_depth:
            self.in_title = True
        if tag in _VOID:
            return
        level = self.open_count.get(tag, 0)
        self.open_count[tag] = level + 1
        if tag in _SKIP:
            self.skip_tags.append((tag, level))
            self.skip_depth += 1
            return
        if tag in _BLOCK:
            self._want("\n\n" if tag in _PARAGRAPH else "\n")
        elif tag in _CELL:
            self._want("\t")
        rank = self._article_rank(tag, a)
        if rank is not None:
            self.containers.append((tag, level, self.length, rank))

    @staticmethod
    def _article_rank(tag: str, a: dict[str, str]) -> int | None:
        if "articlebody" in a.get("itemprop", "").lower():
            return 0
        names = a.get("class", "") + " " + a.get("id", "")
        if names.strip() and _ARTICLE_CLASS_RE.search(names):
            return 0
        if tag == "article":
            return 1
        if tag == "main":
            return 2
        return None

    def handle_endtag(self, tag: str) -> None:
        if tag in _CDATA:
            if self.in_cdata == tag:
                self.in_cdata = None
                if tag == "script" and self.script is not None:
                    self.scripts.append(self.script)
                    self.script = None
            return
        if tag == "title":
            self.in_title = False
        if tag in _VOID:
            self._end_void(tag)
            return
        level = self.open_count.get(tag, 0)
        if level == 0:
            return  # a stray end tag
        level -= 1
        self.open_count[tag] = level
        if self.skip_tags and self.skip_tags[-1] == (tag, level):
            self.skip_tags.pop()
            self.skip_depth -= 1
            return
        if tag in _BLOCK:
            self._want("\n\n" if tag in _PARAGRAPH else "\n")
        elif tag in _CELL:
            self._want("\t")
        while self.containers and self.containers[-1][0] == tag \
                and self.containers[-1][1] >= level:
            _, _, start, rank = self.containers.pop()
            if self.length > start:
                self.article_ranges[rank].append((start, self.length))

    def handle_data(self, data: str) -> None:
        if self.in_cdata is not None:
            if self.script is not None:
                self.script.parts.append(data)
            return
        if self.in_title:
            self.title_parts.append(data)
            return
        if self.skip_depth:
            return
        self._text(data)

    def _meta(self, a: dict[str, str]) -> None:
        key = (a.get("name") or a.get("property") or a.get("itemprop") or "").strip().lower()
        content = a.get("content", "").strip()
        if key in _META_NAMES and content and key not in self.meta:
            self.meta[key] = content
        equiv = a.get("http-equiv", "").strip().lower()
        if equiv == "content-language" and content and self.lang is None:
            self.lang = content.split(",")[0].strip() or None

    def close_ranges(self) -> tuple[tuple[int, int], ...]:
        while self.containers:
            _, _, start, rank = self.containers.pop()
            if self.length > start:
                self.article_ranges[rank].append((start, self.length))
        for rank in (0, 1, 2):
            if self.article_ranges[rank]:
                return tuple(sorted(self.article_ranges[rank]))
        return ()


def html_to_text(markup: str) -> str:
    """Visible text of an HTML fragment or document, blocks on separate lines."""
    parser = _TextParser()
    parser.feed(markup)
    parser.close()
    return "".join(parser.parts)


# --------------------------------------------------------------------------
# <script> JSON -> strings
# --------------------------------------------------------------------------

_JS_ASSIGN_RE = re.compile(r"(?:=|:|\()\s*(?=[{\[])")
_JSON_PARSE_RE = re.compile(r"JSON\.parse\(\s*(\"(?:[^\"\\]|\\.)*\")\s*\)")
_ARTICLE_KEYS = frozenset(("articlebody", "reviewbody", "text", "body", "content"))
_DECODER = json.JSONDecoder(strict=False)


def _walk(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """(key, string) pairs of every string in a JSON value."""
    if isinstance(value, str):
        yield key, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, str(k))
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v, key)


def _loads(text: str) -> Any:
    """json.loads, lenient about control characters; None on error."""
    try:
        return json.loads(text, strict=False)
    except ValueError:
        return None


def _json_values(script: _Script) -> Iterator[Any]:
    text = "".join(script.parts).strip()
    if not text:
        return
    if "json" in script.type:
        if text.startswith("<!--"):
            text = text.removeprefix("<!--").removesuffix("-->").strip()
        value = _loads(text)
        if value is not None:
            yield value
        return
    if script.type not in ("", "text/javascript", "application/javascript", "module",
                           "text/ecmascript", "application/ecmascript"):
        return
    for m in _JSON_PARSE_RE.finditer(text):
        inner = _loads(m.group(1))
        value = _loads(inner) if isinstance(inner, str) else None
        if value is not None:
            yield value
    pos = 0
    for m in _JS_ASSIGN_RE.finditer(text):
        if m.end() < pos:
            continue
        try:
            value, end = _DECODER.raw_decode(text, m.end())
        except ValueError:
            continue
        pos = end
        if isinstance(value, dict | list) and value:
            yield value


def _clean_script_string(value: str) -> str:
    text = html.unescape(html.unescape(value))
    if "<" in text and ">" in text:
        text = html_to_text(text)
    return text.strip()


def _script_layer(scripts: list[_Script]) -> TextLayer | None:
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    seen: set[str] = set()
    length = 0
    for script in scripts:
        for value in _json_values(script):
            for key, raw in _walk(value):
                if len(raw) < MIN_SCRIPT_STRING or " " not in raw:
                    continue
                text = _clean_script_string(raw)
                if len(text) < MIN_SCRIPT_STRING or text in seen:
                    continue
                seen.add(text)
                if parts:
                    parts.append("\n\n")
                    length += 2
                if key.lower() in _ARTICLE_KEYS:
                    spans.append((length, length + len(text)))
                parts.append(text)
                length += len(text)
                if length > MAX_SCRIPT_LAYER:
                    break
    if not parts:
        return None
    return TextLayer(LAYER_SCRIPT, "".join(parts), tuple(spans))


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def mime_of(content_type: str | None) -> str:
    """The bare MIME type of a Content-Type header ("" if none)."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def _kind(content_type: str | None, body: bytes) -> str | None:
    """html, text, pdf, json, xml (a feed) or None (nothing we can search)."""
    mime = mime_of(content_type)
    head = body[:1024].lstrip().lower()
    if head.startswith(b"%pdf-") or mime in PDF_MIMES:
        return "pdf"  # the %PDF-n.m header line (ISO 32000-1 §7.5.2), whatever the type says
    if mime in XML_MIMES or (mime.endswith("+xml") and mime != "application/xhtml+xml"):
        return "html" if _looks_html(head) else "xml"
    if mime in HTML_MIMES:
        return "html"
    if mime in TEXT_MIMES:
        return "text"
    if mime in JSON_MIMES or mime.endswith("+json"):
        return "json"
    if not mime or mime in ("application/octet-stream", "unk", "unknown"):
        if head.startswith((b"<!doctype html", b"<html", b"<head", b"<body")):
            return "html"
        if head.startswith(b"<?xml"):
            return "html" if _looks_html(head) else "xml"
    return None


def _looks_html(head: bytes) -> bool:
    return b"<html" in head or b"<!doctype html" in head


def is_extractable(content_type: str | None, body: bytes = b"") -> bool:
    """Whether a payload is of a kind we turn into text: HTML, plain text, PDF,
    JSON or an XML feed (a PDF may still turn out to have no text layer)."""
    return _kind(content_type, body) is not None


def unreadable_reason(content_type: str | None, body: bytes = b"") -> str:
    """Why a payload that :func:`is_extractable` refuses cannot be searched."""
    mime = mime_of(content_type)
    if mime.startswith("image/"):
        return f"the capture is an image ({mime}): it has no text to search"
    return (f"the capture is {mime or 'of unknown type'}, not HTML, text, PDF, "
            "JSON or an XML feed")


def extract_html(markup: str, *, charset: str = "utf-8", charset_source: str = "default",
                 flags: tuple[str, ...] = ()) -> PageText:
    """Text layers of an already decoded HTML document."""
    markup, repaired = repair_mojibake(markup)
    if repaired:
        flags = (*flags, FLAG_MOJIBAKE)
    parser = _TextParser()
    parser.feed(markup)
    parser.close()
    spans = parser.close_ranges()
    layers = [TextLayer(LAYER_TEXT, "".join(parser.parts), spans)]
    script = _script_layer(parser.scripts)
    if script is not None:
        layers.append(script)
    title = _WS_RE.sub(" ", "".join(parser.title_parts)).strip() or None
    meta_lines = [title] if title else []
    for name in _META_NAMES:
        value = parser.meta.get(name)
        if value:
            value = _WS_RE.sub(" ", html.unescape(value)).strip()
            if value and value not in meta_lines:
                meta_lines.append(value)
    if meta_lines:
        layers.append(TextLayer(LAYER_META, "\n".join(meta_lines)))
    layers, capped = _capped(layers)
    if capped:
        flags = (*flags, FLAG_TEXT_CAPPED)
    return PageText(layers=tuple(layers), charset=charset, charset_source=charset_source,
                    declared_lang=parser.lang, title=title, flags=flags)


def _capped(layers: list[TextLayer]) -> tuple[list[TextLayer], bool]:
    """``layers`` with each text cut at :data:`MAX_PAGE_CHARS`; whether any was cut."""
    out: list[TextLayer] = []
    cut = False
    for layer in layers:
        if len(layer.text) > MAX_PAGE_CHARS:
            cut = True
            spans = tuple((a, min(b, MAX_PAGE_CHARS)) for a, b in layer.article_spans
                          if a < MAX_PAGE_CHARS)
            layer = TextLayer(layer.name, layer.text[:MAX_PAGE_CHARS], spans)
        out.append(layer)
    return out, cut


def extract_page(body: bytes, content_type: str | None = None, *,
                 pdf_limits: PdfLimits | None = None) -> PageText:
    """Decode a payload and build its text layers (HTML, text, PDF, JSON, XML).

    A payload that gives no text (an image, a PDF without a text layer, one
    that cannot be parsed within ``pdf_limits``) gives a page with no layers
    and :attr:`PageText.unreadable` set.
    """
    kind = _kind(content_type, body)
    if kind is None:
        return PageText(layers=(), unreadable=unreadable_reason(content_type, body))
    if kind == "pdf":
        return pdf_page(body, pdf_limits or PdfLimits())
    decoded = decode_body(body, content_type)
    if kind == "html":
        return extract_html(decoded.text, charset=decoded.charset,
                            charset_source=decoded.source, flags=decoded.flags)
    if kind == "json":
        text = json_text(decoded.text)
        if text is None:
            return PageText(layers=(), charset=decoded.charset,
                            unreadable="the capture is not valid JSON")
    elif kind == "xml":
        text = xml_text(decoded.text)
    else:
        text = decoded.text
    text, repaired = repair_mojibake(text)
    flags = decoded.flags + ((FLAG_MOJIBAKE,) if repaired else ())
    layers, capped = _capped([TextLayer(LAYER_TEXT, text)])
    if capped:
        flags = (*flags, FLAG_TEXT_CAPPED)
    return PageText(layers=tuple(layers), charset=decoded.charset,
                    charset_source=decoded.source, flags=flags)


# --------------------------------------------------------------------------
# JSON and XML feeds -> text
# --------------------------------------------------------------------------


def _feed_string(value: str) -> str:
    """One string of a feed: entities decoded, HTML inside turned into text."""
    text = html.unescape(value)
    if "<" in text and ">" in text:
        text = html_to_text(text)
    return text.strip()


def _join_capped(parts: Iterator[str]) -> str:
    out: list[str] = []
    length = 0
    for part in parts:
        if not part or not any(ch.isalnum() for ch in part):
            continue
        out.append(part)
        length += len(part) + 1
        if length > MAX_FEED_CHARS:
            break
    return "\n".join(out)[:MAX_FEED_CHARS]


def json_text(document: str) -> str | None:
    """Every string value of a JSON document (and keys' values only), one per line;
    None if it is not JSON."""
    value = _loads(document.strip())
    if value is None and document.strip() != "null":
        return None
    return _join_capped(_feed_string(text) for _, text in _walk(value))


_CDATA_RE = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)


class _XmlText(HTMLParser):
    """Text nodes of an XML document, one per element. HTMLParser, not an XML
    parser: it expands no entity declared in a DTD (no "billion laughs")."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        self.parts.append("\n")


def xml_text(document: str) -> str:
    """The text nodes of an XML feed (RSS, Atom), CDATA included, one per line;
    escaped HTML inside them is turned into text."""
    # CDATA is text: escape it so that the parser reads it as character data.
    document = _CDATA_RE.sub(lambda m: html.escape(m.group(1), quote=False), document)
    parser = _XmlText()
    parser.feed(document)
    parser.close()
    chunks = "".join(parser.parts).split("\n")
    return _join_capped(_feed_string(chunk) for chunk in chunks)


# --------------------------------------------------------------------------
# PDF -> text, in a child process under limits
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class PdfLimits:
    """Bounds on reading one PDF (defaults: the module's ``PDF_*`` constants)."""

    max_pages: int = PDF_MAX_PAGES
    max_chars: int = PDF_MAX_CHARS
    timeout: float = PDF_TIMEOUT_SECONDS
    max_memory: int = PDF_MAX_MEMORY


#: The child: reads the PDF on stdin, writes {"pages": [...], ...} as JSON.
_PDF_CHILD = r"""
import io, json, logging, sys, warnings
try:  # first of all, the limits: memory (address space) and CPU seconds
    import resource
    memory, seconds = int(sys.argv[3]), int(sys.argv[4])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
except (ImportError, ValueError, OSError):
    pass  # not POSIX: the parent's timeout still holds
warnings.simplefilter("ignore")
logging.disable(logging.CRITICAL)
out = {"pages": [], "page_count": 0, "errors": 0, "capped": False, "image_pages": 0}
try:
    import pypdf
except MemoryError:
    out["error"] = "out of memory while loading pypdf"
    sys.stdout.write(json.dumps(out)); sys.exit(0)
except ImportError as err:
    out["error"] = ("pypdf could not be loaded (" + str(err) + ")")[:300]
    sys.stdout.write(json.dumps(out)); sys.exit(0)
max_pages, max_chars = int(sys.argv[1]), int(sys.argv[2])
try:
    reader = pypdf.PdfReader(io.BytesIO(sys.stdin.buffer.read()), strict=False)
    if reader.is_encrypted:
        try:
            ok = reader.decrypt("")
        except Exception:
            ok = 0
        if not ok:
            out["encrypted"] = True
            sys.stdout.write(json.dumps(out)); sys.exit(0)
    out["page_count"] = len(reader.pages)
    total = 0
    for n, page in enumerate(reader.pages):
        if n >= max_pages:
            out["capped"] = True
            break
        try:
            resources = page.get("/Resources")
            if resources is not None and "/XObject" in resources.get_object():
                out["image_pages"] += 1
        except Exception:
            pass
        try:
            text = page.extract_text() or ""
        except Exception:
            out["errors"] += 1
            text = ""
        out["pages"].append(text[: max(0, max_chars - total)])
        total += len(text)
        if total >= max_chars:
            out["capped"] = True
            break
except MemoryError:
    out["error"] = "it needed more memory than allowed"
except Exception as err:
    out["error"] = (type(err).__name__ + ": " + str(err))[:300]
sys.stdout.write(json.dumps(out))
"""


def pdf_pages(body: bytes, limits: PdfLimits | None = None) -> tuple[list[str], dict[str, Any]]:
    """The text of each page of a PDF, and what the parse said (``page_count``,
    ``errors``, ``capped``, ``encrypted``, ``error``), read by pypdf in a child
    process killed after ``limits.timeout`` and held to ``limits.max_memory``."""
    limits = limits or PdfLimits()
    # -P: the current folder is not on the child's sys.path (no stray pypdf.py).
    # The child sets its own limits (no preexec_fn: unsafe with threads, per the
    # subprocess documentation).
    try:
        done = subprocess.run(  # our interpreter, our code, no shell
            [sys.executable, "-P", "-c", _PDF_CHILD, str(limits.max_pages),
             str(limits.max_chars), str(limits.max_memory),
             str(math.ceil(limits.timeout) + 1)],
            input=body, capture_output=True, timeout=limits.timeout, check=False)
    except subprocess.TimeoutExpired:
        return [], {"error": f"reading it took longer than {limits.timeout:g} s; "
                             "stopped"}
    except OSError as err:
        return [], {"error": f"the PDF reader could not be started ({err})"}
    try:
        info = json.loads(done.stdout.decode("utf-8", errors="replace"))
    except ValueError:
        info = None
    if not isinstance(info, dict) or not isinstance(info.get("pages"), list):
        why = ("it needed more than "
               f"{limits.max_memory // 2**20} MB of memory" if b"MemoryError" in done.stderr
               else f"the reader stopped with exit status {done.returncode}")
        return [], {"error": why}
    pages = [p for p in info.pop("pages") if isinstance(p, str)]
    return pages, info


#: A word broken at a line end: letter, hyphen, line break, lower-case letter.
_HYPHEN_BREAK_RE = re.compile(r"(?<=[^\W\d_])[-\u2010][ \t]*\r?\n[ \t]*(?=[^\W\d_])")


def join_hyphenation(text: str) -> str:
    """Join words hyphenated at a line end with a soft hyphen (U+00AD), which
    the matcher drops as it drops ``&shy;``: "environ-\\nmental" reads
    "environmental", while the page text still shows where the break was. A
    real compound ("anarcho-\\nlibertaire") then reads without its hyphen;
    the skeleton comparison (letters only) matches it either way."""
    def join(m: re.Match[str]) -> str:
        nxt = text[m.end():m.end() + 1]
        return "\u00ad" if nxt.islower() else m.group(0)
    return _HYPHEN_BREAK_RE.sub(join, text)


def pdf_page(body: bytes, limits: PdfLimits | None = None) -> PageText:
    """The text layer of a PDF; ``unreadable`` says why there is none."""
    pages, info = pdf_pages(body, limits)
    if info.get("encrypted"):
        return PageText(layers=(), unreadable="the PDF is encrypted; its text cannot "
                        "be read")
    if info.get("error") and not any(p.strip() for p in pages):
        return PageText(layers=(), unreadable=f"the PDF could not be read: {info['error']}")
    if not any(p.strip() for p in pages):
        errors = info.get("errors") or 0
        if errors:
            return PageText(layers=(), unreadable=f"the text of the PDF's {errors} page(s) "
                            "could not be read")
        if info.get("image_pages"):
            return PageText(layers=(), unreadable="the PDF has no text layer (a scan?): "
                            "its pages are images")
        return PageText(layers=(), unreadable="the PDF has no text: its pages hold "
                        "neither text nor images (or they could not be read)")
    text = "\n\n".join(join_hyphenation(p.strip()) for p in pages)
    flags = (FLAG_PDF_CAPPED,) if info.get("capped") else ()
    return PageText(layers=(TextLayer(LAYER_TEXT, text),), charset="pdf",
                    charset_source="pdf", flags=flags)


__all__ = [
    "LAYER_META", "LAYER_SCRIPT", "LAYER_TEXT", "Decoded", "PageText", "PdfLimits",
    "TextLayer", "decode_body", "extract_html", "extract_page", "html_to_text",
    "is_extractable", "join_hyphenation", "json_text", "mime_of", "pdf_page", "pdf_pages",
    "repair_mojibake", "unreadable_reason", "xml_text",
]
