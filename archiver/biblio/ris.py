"""RIS, the line-based format of EndNote, Zotero, Mendeley and library catalogues.

Each line is a two-character tag, two spaces, a hyphen, a space and a value
(``TI  - Calais crisis``); ``TY`` opens a record and ``ER`` closes it
(Research Information Systems' RIS format specification, as published with
EndNote; Zotero's RIS translator follows it). Tags read: ``UR`` (URL; the first
http(s) one), ``TI``/``T1`` (title), ``AU``/``A1`` (authors, ``Last, First``),
``PY``/``DA``/``Y1`` (date, ``YYYY/MM/DD/``, parts may be empty), ``Y2``
(access date), ``JO``/``JF``/``T2``/``PB`` (the publisher: journal, series or
website, then publisher), ``LA`` (language). A value continued on the next line
(a line without a tag) is joined to it.
"""

from __future__ import annotations

import re

from archiver.biblio.bibtex import person
from archiver.biblio.common import Bibliography, Entry, clean, language_tag, parse_partial_date
from archiver.models import DatePrecision

_TAG_RE = re.compile(r"^([A-Z][A-Z0-9])  ?-(?: (.*))?$")
_PUBLISHER_TAGS = ("JO", "JF", "T2", "JA", "J2", "PB")


def looks_like_ris(text: str) -> bool:
    """Whether ``text`` starts (after blank lines) with a RIS ``TY  -`` line."""
    for line in text.lstrip("\ufeff").splitlines()[:20]:
        if line.strip():
            return bool(re.match(r"^TY  ?- ", line))
    return False


def read_ris(text: str, name: str) -> Bibliography:
    """The records of a RIS file; a record not closed by ``ER`` is kept, with a note."""
    entries: list[Entry] = []
    skipped: list[str] = []
    record: dict[str, list[str]] | None = None
    start = 0
    last: str | None = None
    for n, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        line = raw.rstrip()
        m = _TAG_RE.match(line)
        if m is None:
            if record is not None and last is not None and line.strip():
                record[last][-1] += " " + line.strip()  # a value continued
            elif line.strip():
                skipped.append(f"{name} line {n}: not a RIS line, ignored")
            continue
        tag, value = m.group(1), (m.group(2) or "").strip()
        if tag == "TY":
            if record is not None:
                entries.append(_entry(record, name, start, ("no ER before the next TY",)))
            record, start, last = {"TY": [value]}, n, "TY"
            continue
        if record is None:
            skipped.append(f"{name} line {n}: {tag} outside a record (before TY), ignored")
            continue
        if tag == "ER":
            entries.append(_entry(record, name, start, ()))
            record, last = None, None
            continue
        record.setdefault(tag, []).append(value)
        last = tag
    if record is not None:
        entries.append(_entry(record, name, start, ("the file ends before ER",)))
    return Bibliography(tuple(entries), tuple(skipped))


def _first(record: dict[str, list[str]], *tags: str) -> str | None:
    for tag in tags:
        for value in record.get(tag, []):
            if value.strip():
                return clean(value)
    return None


def _entry(record: dict[str, list[str]], name: str, line: int,
           notes: tuple[str, ...]) -> Entry:
    urls = [u.strip() for u in record.get("UR", []) for u in u.split()]
    url = next((u for u in urls if u.lower().startswith(("http://", "https://"))),
               urls[0] if urls else None)
    title = _first(record, "TI", "T1", "CT")
    authors = tuple(person(a) for a in [*record.get("AU", []), *record.get("A1", [])]
                    if a.strip())
    published = parse_partial_date(_first(record, "DA", "PY", "Y1"))
    accessed = parse_partial_date(_first(record, "Y2"))
    language, note = language_tag(_first(record, "LA"))
    label = title[:40] if title else (record.get("TY") or ["?"])[0]
    return Entry(
        where=f"{name} line {line} ({label})", url=url, key=_first(record, "ID"),
        title=title, authors=authors, published=published,
        accessed=accessed[0] if accessed and accessed[1] is DatePrecision.DAY else None,
        publisher=_first(record, *_PUBLISHER_TAGS), language=language, line=line,
        notes=notes + ((note,) if note else ()),
    )
