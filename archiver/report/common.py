"""Building blocks shared by the text formatters: terminal tables, Markdown (JUnit XML
is :mod:`archiver.report.junit`).

JSON, JSON Lines and CSV are :mod:`archiver.report.serialize`'s job. Every
cell, name and message goes through :mod:`archiver.report.safe`: a table shows
control characters visibly, Markdown escapes its syntax, JUnit XML holds only
characters XML 1.0 allows.
"""

from __future__ import annotations

import contextlib
import contextvars
import enum
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from archiver.report.safe import Markdown, md_text, one_line, visible


# xml.sax.saxutils's escape and quoteattr, written out: importing it loads
# urllib.request and http.client (about 25 ms of every command's start-up).
def escape(text: str) -> str:
    """``&``, ``<`` and ``>`` as XML entities (:func:`xml.sax.saxutils.escape`)."""
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def quoteattr(text: str) -> str:
    """``text`` as a quoted XML attribute value (:func:`xml.sax.saxutils.quoteattr`)."""
    text = escape(text).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in text:
        return f'"{text}"'
    if "'" not in text:
        return f"'{text}'"
    return '"{}"'.format(text.replace('"', "&quot;"))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, enum.Enum):
        return str(value.value)
    return str(value)


def _cell(value: Any) -> str:
    """A table cell: one line, control characters visible."""
    return one_line(_text(value))


def for_people(text: str) -> str:
    """A whole text output for people: control characters visible, tab and newline kept.

    Every table and Markdown formatter returns through it, so no field that
    escaped a cell's own escaping (a title in a heading, a detail in a list)
    reaches a terminal raw.
    """
    return visible(text)


#: The width, in columns, that :func:`text_table` fits its tables into when
#: none is passed; ``None`` (the default): no limit but each cell's own cap.
#: The CLI sets it to the terminal's width when standard output is a terminal
#: (:func:`tables_fit`); the library never looks at the terminal itself.
TABLE_WIDTH: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "archiver_table_width", default=None)

#: The narrowest a column is shortened to when a table is fitted to a width
#: (its header, if shorter, sets a lower floor: a column never becomes narrower
#: than this or than its header, so a shortened table stays readable).
MIN_COLUMN = 8

_GAP = 2  # spaces between columns


@contextlib.contextmanager
def tables_fit(width: int | None) -> Iterator[None]:
    """Within the block, :func:`text_table` fits its tables into ``width`` columns."""
    token = TABLE_WIDTH.set(width)
    try:
        yield
    finally:
        TABLE_WIDTH.reset(token)


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def fit_widths(widths: Sequence[int], floors: Sequence[int], width: int) -> list[int]:
    """Column widths that fit ``width`` (gaps included), the widest shortened first.

    No column goes below its floor; when even the floors do not fit, the
    floors are returned (the table is then wider than ``width``).
    """
    fitted = list(widths)
    excess = sum(fitted) + _GAP * max(len(fitted) - 1, 0) - width
    while excess > 0:
        shrinkable = [i for i, w in enumerate(fitted) if w > floors[i]]
        if not shrinkable:
            break
        widest = max(shrinkable, key=lambda i: (fitted[i], i))
        fitted[widest] -= 1
        excess -= 1
    return fitted


def text_table(headers: Sequence[str], rows: Sequence[Sequence[Any]],
               max_width: int = 60, width: int | None = None) -> str:
    """A plain aligned table for terminals; long cells are shortened with an ellipsis.

    Each cell is first cut at ``max_width`` characters. With ``width`` (by
    default :data:`TABLE_WIDTH`), the table is then fitted into that many
    columns: the widest columns are shortened first, none below
    :data:`MIN_COLUMN` (or its header's length, if shorter).
    """
    if width is None:
        width = TABLE_WIDTH.get()
    headers = [_cell(h) for h in headers]
    cells = [[_shorten(_cell(c), max_width) for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, c in enumerate(row):
            widths[i] = max(widths[i], len(c))
    if width is not None:
        floors = [min(w, max(MIN_COLUMN, len(h))) for w, h in zip(widths, headers, strict=True)]
        widths = fit_widths(widths, floors, width)
        headers = [_shorten(h, widths[i]) for i, h in enumerate(headers)]
        cells = [[_shorten(c, widths[i]) for i, c in enumerate(row)] for row in cells]
    def line(row: Sequence[str]) -> str:
        return (" " * _GAP).join(c.ljust(widths[i]) for i, c in enumerate(row)).rstrip()
    out = [line(headers), line(["-" * w for w in widths])]
    out.extend(line(row) for row in cells)
    return "\n".join(out)


def md_escape(text: str) -> str:
    """``text`` on one Markdown line, its Markdown and HTML syntax escaped (:func:`md_text`)."""
    return md_text(text)


def _md_cell(value: Any) -> str:
    if isinstance(value, Markdown):
        return one_line(value)
    if isinstance(value, enum.Enum):  # archiver's own words: shown as they are
        return one_line(str(value.value))
    return md_text(_text(value))


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured Markdown table; cells are escaped unless they are :class:`Markdown`."""
    out = ["| " + " | ".join(md_text(h) for h in headers) + " |",
           "|" + "|".join("---" for _ in headers) + "|"]
    for row in rows:
        out.append("| " + " | ".join(_md_cell(c) for c in row) + " |")
    return "\n".join(out)


def sources_summary(total: int, counts: Mapping[str, int], warcs_dir: object | None,
                    stopped: str | None) -> str:
    """The one-line summary of a run over sources that store into a WARC folder (fetch,
    capture, save): "N sources: 3 stored, 1 no_capture (WARC folder …); stopped early: …"."""
    parts = [f"{n} {name}" for name, n in counts.items() if n]
    noun = "source" if total == 1 else "sources"
    text = f"{total} {noun}: " + (", ".join(parts) if parts else "none")
    if warcs_dir is not None:
        text += f" (WARC folder {warcs_dir})"
    if stopped is not None:
        text += f"; stopped early: {stopped}"
    return text

