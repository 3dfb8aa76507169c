"""Text from outside, made inert for people: the escaping rules of every output, in one place.

Results carry text archiver did not write: manifests, web servers (a
redirect's ``Location``), archives and WARC files. Whatever it holds, an output
for people (a terminal table, Markdown, CSV, JUnit XML, HTML, stderr) shows it
as text and nothing else. JSON and JSON Lines are for programs and stay
lossless (:func:`json.dumps` escapes control characters itself).

**Visible escapes** (:func:`visible`). These become ``\\xNN`` (below U+0100)
or ``\\uNNNN``, so a reader sees them and nothing acts on them:

- C0 controls (U+0000–U+001F) but tab and newline, DEL (U+007F), and C1
  controls (U+0080–U+009F): every terminal escape sequence (ECMA-48: ESC, CSI,
  OSC — OSC 52 writes the clipboard) starts with one of them;
- the bidirectional embeddings, overrides and isolates U+202A–U+202E and
  U+2066–U+2069 (Unicode UAX #9), which reorder what a reader sees ("Trojan
  Source", CVE-2021-42574);
- lone surrogates and the non-characters U+FFFE, U+FFFF, which no UTF-8 file
  can hold and XML 1.0 forbids.

After it, every character left is one XML 1.0 allows (§2.2, the ``Char``
production), so JUnit XML and report.html are well-formed whatever a field
holds. Tab and newline are kept where the medium allows them; a table cell or a
Markdown line has them as spaces (:func:`one_line`).

**Links** (:func:`link_target`). An ``href`` or a URL-valued attribute
(Robust Links ``data-originalurl``, ``data-versionurl``) or a Markdown link is
written only for an absolute http(s) URL (:func:`archiver.urls.is_http_url`)
with no character :func:`visible` would escape. Anything else (``javascript:``,
``data:``, a relative URL) is shown as escaped text, not a link. (A relative path
the tool made itself would be allowed too; no report writes one today.)

**Markdown** (:func:`md_text`): ``\\ ` * _ [ ] | ~ $ #`` are
backslash-escaped (CommonMark §2.4 allows it before any ASCII punctuation) and
``& < >`` become entities, so no text opens a link or an image (both need an
unescaped ``[``; parentheses alone are plain text), emphasis, a code span, a
table cell, a heading's end or raw HTML (``<script>``, ``<img onerror>``).

The CSV rule (formula prefixes) lives with the CSV writer,
:mod:`archiver.report.serialize`.
"""

from __future__ import annotations

import html
import re

from archiver.urls import is_http_url

#: What :func:`visible` escapes (tab and newline aside, see ``keep``).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\t]")
_MD_PUNCTUATION = re.compile(r"([\\`*_\[\]|~$#])")
_MD_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
#: Characters a Markdown link destination escapes (CommonMark §6.3): the rest of an
#: http(s) URL may stand as it is.
_MD_DESTINATION = {"(": "\\(", ")": "\\)", "&": "\\&", "|": "\\|", "\\": "%5C", "<": "%3C",
                   ">": "%3E", " ": "%20", "`": "%60"}


class Markdown(str):
    """Text that is Markdown already (a link, ``**bold**``): table cells take it as it is."""

    __slots__ = ()


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, keep: str = "\t\n") -> str:
    """``text`` with control, bidi-override and non-characters escaped visibly.

    The characters in ``keep`` (tab and newline by default) stay as they are.
    """
    return _UNSAFE.sub(lambda m: m.group() if m.group() in keep else _escape(m), text)


def json_visible(text: str) -> str:
    """JSON text (:func:`json.dumps`), what :func:`visible` escapes written ``\\uNNNN``.

    Such characters only occur inside JSON strings, where ``\\uNNNN`` stands for
    them: the JSON still parses to the same value.
    """
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def one_line(text: str) -> str:
    """``text`` for a table cell: line breaks and tabs as spaces, the rest :func:`visible`."""
    return visible(_LINE_BREAKS.sub(" ", text), keep="")


def link_target(url: str | None) -> str | None:
    """``url`` if a report may link to it (an absolute http(s) URL, nothing escaped); else None."""
    if not url or not is_http_url(url) or _UNSAFE.search(url) or url != url.strip():
        return None
    return url


# --------------------------------------------------------------------------
# HTML and XML
# --------------------------------------------------------------------------


def html_text(value: object) -> str:
    """``value`` as HTML or XML text or attribute value: visible, then escaped."""
    return html.escape(visible("" if value is None else str(value)), quote=True)


def html_link(url: str | None, label_html: str, attributes: str = "") -> str:
    """``<a href=url>`` around ``label_html`` if ``url`` may be linked; else label and URL as text.

    ``attributes`` (already HTML) are added to the anchor.
    """
    target = link_target(url)
    if target is None:
        shown = f' <span class="unlinked">({html_text(url)})</span>' if url else ""
        return label_html + shown
    return f'<a href="{html_text(target)}"{attributes}>{label_html}</a>'


def html_comment(text: str) -> str:
    """``text`` for inside ``<!-- … -->``: escaped, and no ``--`` (HTML and XML forbid it there).

    The caller leaves a space before ``-->``, so a last ``-`` does no harm.
    """
    return re.sub("-(?=-)", "- ", html_text(text))


# --------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------


def md_text(text: object) -> str:
    """``text`` on one Markdown line, every character that Markdown or HTML would read escaped."""
    if isinstance(text, Markdown):
        return str(text)
    plain = one_line("" if text is None else str(text))
    plain = _MD_PUNCTUATION.sub(r"\\\1", plain)
    return re.sub("[&<>]", lambda m: _MD_ENTITIES[m.group()], plain)


def md_link(label: str, url: str | None) -> Markdown:
    """``[label](url)`` when ``url`` may be linked; else the label and the URL as text."""
    target = link_target(url)
    if target is None:
        return Markdown(md_text(label) + (f" ({md_text(url)})" if url else ""))
    destination = "".join(_MD_DESTINATION.get(c, c) for c in target)
    return Markdown(f"[{md_text(label)}]({destination})")


__all__ = ["Markdown", "html_comment", "html_link", "html_text", "json_visible",
           "link_target", "md_link", "md_text", "one_line", "visible"]
