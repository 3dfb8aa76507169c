"""Line-based documents: plain text, URL lists, CSV tables, reStructuredText. All streamed."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator

from archiver.errors import InputError
from archiver.inputs.textscan import find_urls

#: (url, text, line, column, date), line and column 1-based.
LineLink = tuple[str, str, int, int | None, str | None]


def text_links(lines: Iterable[str]) -> Iterator[LineLink]:
    """Bare ``scheme://`` URLs in plain text (a URL never spans lines)."""
    for number, line in enumerate(lines, 1):
        for offset, url in find_urls(line):
            yield url, "", number, offset + 1, None


def url_list_links(lines: Iterable[str]) -> Iterator[LineLink]:
    """A URL list: a URL per line, maybe followed by a title; blank and ``#`` lines skipped."""
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        url, _, title = stripped.partition(" ")
        column = len(line) - len(line.lstrip()) + 1
        yield url, " ".join(title.split()), number, column, None


#: The column names read from a CSV header (case and surrounding spaces ignored).
CSV_URL_COLUMNS = ("url", "link", "href")
CSV_TITLE_COLUMNS = ("title", "name", "text")
CSV_DATE_COLUMNS = ("date", "published", "issued")


def csv_links(lines: Iterable[str], *, name: str) -> Iterator[LineLink]:
    """The ``url`` column of a CSV table (``title`` and ``date`` too, when there).

    The line of a row is the line its record starts on (a quoted cell may span
    lines). A table without a URL column is an :class:`InputError`.
    """
    counted = _LineCounter(lines)
    reader = csv.reader(counted)
    header = next(reader, None)
    if header is None:
        return
    names = [h.strip().lower() for h in header]

    def column(wanted: tuple[str, ...]) -> int | None:
        return next((names.index(w) for w in wanted if w in names), None)

    url_col = column(CSV_URL_COLUMNS)
    if url_col is None:
        raise InputError(
            f"{name}: a CSV table needs a 'url' column; its header is "
            f"{', '.join(repr(h) for h in header[:12])}",
            hint="name the column of links 'url' in the first row")
    title_col, date_col = column(CSV_TITLE_COLUMNS), column(CSV_DATE_COLUMNS)
    start = counted.count + 1
    for row in reader:
        line, start = start, counted.count + 1
        if url_col >= len(row) or not row[url_col].strip():
            continue
        title = row[title_col].strip() if title_col is not None and title_col < len(row) else ""
        date = row[date_col].strip() or None if date_col is not None and date_col < len(row) \
            else None
        yield row[url_col].strip(), " ".join(title.split()), line, None, date


class _LineCounter:
    """Lines passed through, counted (the csv module's ``line_num`` counts them too late)."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines = iter(lines)
        self.count = 0

    def __iter__(self) -> _LineCounter:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.count += 1
        return line


# --------------------------------------------------------------------------
# reStructuredText
# --------------------------------------------------------------------------

#: ``.. code-block:: python`` and its kin: an indented body of code follows.
_CODE_DIRECTIVE = re.compile(r"\s*\.\.\s+(?:code-block|code|sourcecode|parsed-literal|highlight"
                             r"|doctest|testcode|testoutput|ipython)::", re.IGNORECASE)
#: Any other directive (``.. note::``): its body is text, not a literal block.
_DIRECTIVE = re.compile(r"\s*\.\.\s+[\w:-]+::")
_INLINE_LITERAL = re.compile(r"``.+?``")
#: ```Text <https://…>`_`` (a named or anonymous hyperlink with embedded URI).
_EMBEDDED = re.compile(r"`([^`<]*?)\s*<([^>`]+)>`__?")
#: ``.. _Text: https://…`` (a hyperlink target).
_TARGET = re.compile(r"\s*\.\.\s+_([^:]+):\s+(\S+)")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def rst_links(lines: Iterable[str], *, include_verbatim: bool = False) -> Iterator[LineLink]:
    """Bare URLs of a reStructuredText document, with the text of ```Text <url>`_`` links.

    Literal blocks (a paragraph ending in ``::`` and the indented lines after
    it, ``.. code-block::`` and the like) and inline literals (````…````)
    are skipped unless ``include_verbatim``. Read line by line, so a document
    of any size uses little memory; docutils is not needed (a full parse would
    hold the whole document and does not keep the line of every reference).
    """
    literal_indent: int | None = None  # inside a literal block indented more than this
    opens_literal: int | None = None  # the next indented lines are literal (base indent)
    for number, raw in enumerate(lines, 1):
        line = raw.rstrip("\r\n")
        if line.strip():
            indent = _indent(line)
            if literal_indent is not None and indent <= literal_indent:
                literal_indent = None
            if opens_literal is not None:
                literal_indent = opens_literal if indent > opens_literal else None
                opens_literal = None
            if literal_indent is not None and not include_verbatim:
                continue
            if _CODE_DIRECTIVE.match(line) or (line.rstrip().endswith("::")
                                               and not _DIRECTIVE.match(line)):
                opens_literal = indent
        titles = {url: " ".join(text.split()) for text, url in _EMBEDDED.findall(line)}
        target = _TARGET.match(line)
        if target:
            titles.setdefault(target.group(2), " ".join(target.group(1).split()))
        scanned = line if include_verbatim else _INLINE_LITERAL.sub(
            lambda m: " " * len(m.group(0)), line)
        for offset, url in find_urls(scanned):
            yield url, titles.get(url, ""), number, offset + 1, None
