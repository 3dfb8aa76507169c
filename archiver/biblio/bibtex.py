"""BibTeX and BibLaTeX: reading with bibtexparser 2, and writing for export.

Fields read (the biblatex manual's names, with the BibTeX ones they replace):
``url`` (else a URL in ``howpublished``, as ``\\url{…}``), ``title``,
``author`` (names separated by ``and``; ``Last, First`` or ``First Last``;
``{Braced Names}`` kept whole), ``date`` (ISO 8601/EDTF, maybe partial or a
range, whose start is kept) or ``year``/``month``/``day``, ``urldate``
(accessed), ``journaltitle``/``journal``/``organization``/``publisher``/
``institution`` (the publisher), ``langid``/``language`` (babel names such as
``english`` or BCP 47 tags). Values are LaTeX: ``{\\'e}``, ``\\&``, ``{{Case}}``
braces are decoded with pylatexenc (what bibtexparser's own LaTeX decoding
uses); URLs are not decoded but unescaped (``\\%`` → ``%``), since biblatex
reads ``url`` verbatim.

Export writes ``@online`` entries (biblatex's type for a web page) keyed by
the source id: ``url``, ``urldate``, ``date`` (as precise as the manifest),
``organization`` (the publisher), ``langid``, and the stored capture's replay
URL in ``note = {Archived at \\url{…}}``: biblatex prints ``note``; Zotero's
BibTeX import (the BibTeX.js translator) makes ``note`` a child note and
reads ``urldate`` as Accessed. Names are written braced, ``{Tim Ross}``, so
they come back exactly as the manifest writes them. BibTeX has no place for
quotes, the cited/related relation, ``archived_at``, ``note``, ``ignore`` or
``expect``: those travel in CSL-JSON.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence

from bibtexparser.entrypoint import parse_string
from bibtexparser.model import Entry as BibEntry
from pylatexenc.latex2text import LatexNodes2Text

from archiver.biblio.common import (
    Bibliography,
    Entry,
    iso_partial,
    language_name,
    language_tag,
    make_date,
    month_number,
    parse_partial_date,
)
from archiver.models import DatePrecision, Source

# bibtexparser reports a block it cannot parse through logging as well as in
# ``failed_blocks``; the blocks are listed as skipped here, so its records
# must not reach the terminal through Python's last-resort handler.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())

_DECODER = LatexNodes2Text()
_URL_MACRO_RE = re.compile(r"\\url\s*\{([^{}]*)\}")
_ARCHIVED_RE = re.compile(r"Archived at\s*\\url\s*\{([^{}]*)\}")
_PUBLISHER_FIELDS = ("journaltitle", "journal", "organization", "publisher", "institution")
_ENTRY_START_RE = re.compile(r"^\s*@\s*[A-Za-z]+\s*[{(]", re.MULTILINE)


def looks_like_bibtex(text: str) -> bool:
    """Whether ``text`` holds BibTeX entries (``@type{key, …``)."""
    return bool(_ENTRY_START_RE.search(text[:65536]))


def latex_text(value: str) -> str:
    """A BibTeX field value as plain text: LaTeX commands and case braces decoded,
    white space collapsed."""
    value = value.replace("\\textasciicircum{}", "^")  # pylatexenc gives U+02C6
    # White space is one space in TeX: a title wrapped over lines is one line.
    return " ".join(str(_DECODER.latex_to_text(value)).split())


def url_text(value: str) -> str:
    """A ``url`` field: ``\\url{…}`` unwrapped, TeX escapes of URL characters removed."""
    if m := _URL_MACRO_RE.search(value):
        value = m.group(1)
    value = re.sub(r"\\([%_#&~$])", r"\1", value)
    return value.strip().strip("{}").strip()


_AND_RE = re.compile(r"\s+and\s+", re.IGNORECASE)


def split_names(value: str) -> list[str]:
    """``A and B and {C and D}`` → the names, split on ``and`` outside braces."""
    names: list[str] = []
    depth, start, i = 0, 0, 0
    while i < len(value):
        ch = value[i]
        if ch == "\\":  # an escaped character ("\{") is not a brace
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif depth == 0 and ch.isspace() and (m := _AND_RE.match(value, i)):
            names.append(value[start:i])
            start = i = m.end()
            continue
        i += 1
    names.append(value[start:])
    return [n.strip() for n in names if n.strip()]


def _top_level_commas(name: str) -> list[str]:
    parts: list[str] = []
    depth, start = 0, 0
    for i, ch in enumerate(name):
        if ch in "{}" and i and name[i - 1] == "\\":
            continue  # an escaped brace
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(name[start:i])
            start = i + 1
    parts.append(name[start:])
    return [p.strip() for p in parts]


def person(name: str) -> str:
    """One BibTeX name as display text: ``Last, First`` and ``Last, Jr, First`` reordered."""
    parts = _top_level_commas(name)
    if len(parts) == 2 and parts[1]:
        name = f"{parts[1]} {parts[0]}"
    elif len(parts) == 3 and parts[2]:
        name = f"{parts[2]} {parts[0]}, {parts[1]}"
    return " ".join(latex_text(name).split())


def read_bibtex(text: str, name: str) -> Bibliography:
    """The entries of a BibTeX/BibLaTeX file; blocks that do not parse are listed."""
    library = parse_string(text)
    entries = [_entry(e, name) for e in library.entries]
    skipped = [f"{name} line {(b.start_line or 0) + 1}: a block that does not parse as BibTeX"
               for b in library.failed_blocks]
    return Bibliography(tuple(entries), tuple(skipped))


def _entry(entry: BibEntry, name: str) -> Entry:
    fields = {k.lower(): str(f.value) for k, f in entry.fields_dict.items()}
    line = (entry.start_line or 0) + 1
    notes: list[str] = []
    url = url_text(fields["url"]) if fields.get("url") else None
    if not url and (how := fields.get("howpublished")) and (m := _URL_MACRO_RE.search(how)):
        url = url_text(m.group(0))
    published = None
    if fields.get("date"):
        published = parse_partial_date(fields["date"])
    elif fields.get("year"):
        year = re.search(r"\d{4}", fields["year"])
        month = month_number(latex_text(fields["month"])) if fields.get("month") else None
        day = int(fields["day"]) if fields.get("day", "").strip().isdigit() else None
        published = make_date(int(year.group(0)), month, day if month else None) if year \
            else None
    accessed = parse_partial_date(fields["urldate"]) if fields.get("urldate") else None
    language, note = language_tag(latex_text(fields.get("langid") or fields.get("language")
                                             or ""))
    if note:
        notes.append(note)
    publisher = next((latex_text(fields[k]) for k in _PUBLISHER_FIELDS if fields.get(k)), None)
    archived = _ARCHIVED_RE.search(fields.get("note", ""))
    return Entry(
        where=f"{name} line {line} ({entry.key})", url=url, key=entry.key,
        title=latex_text(fields["title"]) or None if fields.get("title") else None,
        authors=tuple(person(n) for n in split_names(fields.get("author", ""))),
        published=published,
        accessed=accessed[0] if accessed and accessed[1] is DatePrecision.DAY else None,
        publisher=publisher or None, language=language,
        archived_url=url_text(archived.group(1)) if archived else None,
        line=line, notes=tuple(notes),
    )


# --------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------

_ESCAPES = {
    "\\": "\\textbackslash{}", "{": "\\{", "}": "\\}", "&": "\\&", "%": "\\%", "$": "\\$",
    "#": "\\#", "_": "\\_", "~": "\\textasciitilde{}", "^": "\\textasciicircum{}",
}
# Characters TeX fonts join into another ("--" is an en dash, "``" an opening
# quote, "!`" an inverted mark, "<<" a guillemet): "{}" keeps them apart.
_LIGATURE_FIRST = set("-'`!?<>,")
_LIGATURE_NEXT = set("-'`<>,")


def latex_escape(text: str) -> str:
    """``text`` as a BibTeX value that decodes (see :func:`latex_text`) back to it."""
    out: list[str] = []
    for i, ch in enumerate(text):
        out.append(_ESCAPES.get(ch, ch))
        if ch in _LIGATURE_FIRST and text[i + 1:i + 2] in _LIGATURE_NEXT:
            out.append("{}")
    return "".join(out)


def _url_value(url: str) -> str:
    # biblatex (Biber) reads url verbatim, "%" included, as Better BibTeX writes
    # it; braces must balance in a BibTeX value: percent-encoded (RFC 3986 §2.1).
    return url.replace("{", "%7B").replace("}", "%7D")


def write_entries(sources: Sequence[Source], *, replay: Mapping[str, str]) -> str:
    """``@online`` entries for ``sources`` (see the module docstring)."""
    blocks: list[str] = []
    for src in sources:
        names = src.authors or ((src.author,) if src.author else ())
        fields: list[tuple[str, str]] = [("title", "{" + latex_escape(src.title) + "}")]
        if names:
            fields.append(("author", " and ".join("{" + latex_escape(n) + "}" for n in names)))
        fields.append(("date", iso_partial(src.published, src.published_precision)))
        fields.append(("url", _url_value(src.url)))
        if src.accessed:
            fields.append(("urldate", src.accessed.isoformat()))
        fields.append(("organization", latex_escape(src.publisher)))
        fields.append(("langid", latex_escape(language_name(src.language))))
        location = replay.get(src.id) or src.archived_url
        if location:
            fields.append(("note", "Archived at \\url{" + _url_value(location) + "}"))
        body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields)
        blocks.append(f"@online{{{src.id},\n{body},\n}}\n")
    return "\n".join(blocks)
