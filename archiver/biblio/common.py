"""What every bibliography reader returns, and how it becomes a draft manifest.

A reader (:mod:`.bibtex`, :mod:`.csljson`, :mod:`.ris`) turns a file into
:class:`Entry` values, one per reference, fields already decoded (LaTeX,
date forms, name forms). :func:`to_draft` makes them draft sources: an entry
without a usable URL gives no source and is listed in ``Draft.skipped`` with
the reason, never dropped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from archiver.dossier import Draft, DraftQuote, DraftSource, parse_date, slug_for
from archiver.manifest import BCP47_RE, MAX_YEAR, MIN_YEAR, SLUG_RE, check_url
from archiver.models import DatePrecision, Relation
from archiver.urls import url_key


@dataclass(frozen=True)
class Entry:
    """One reference of a bibliography, decoded."""

    where: str  # "refs.bib line 12 (smith2014)": for messages
    url: str | None
    key: str | None = None  # the citation key or CSL id
    title: str | None = None
    authors: tuple[str, ...] = ()
    published: tuple[date, DatePrecision] | None = None
    accessed: date | None = None
    publisher: str | None = None
    language: str | None = None
    archived_url: str | None = None
    archived_at: str | None = None
    relation: Relation | None = None
    quotes: tuple[DraftQuote, ...] = ()
    line: int | None = None
    notes: tuple[str, ...] = ()
    # -- manifest keys only archiver's own export carries --
    note: str | None = None
    ignore: bool = False
    expect: str | None = None


@dataclass(frozen=True)
class Bibliography:
    """The entries read from one file, and what could not be read as an entry."""

    entries: tuple[Entry, ...]
    skipped: tuple[str, ...] = ()  # e.g. a BibTeX block that does not parse


# --------------------------------------------------------------------------
# dates
# --------------------------------------------------------------------------

MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
# ISO 8601 / EDTF (the Library of Congress's Extended Date/Time Format, which
# biblatex's ``date`` uses): YYYY, YYYY-MM, YYYY-MM-DD, maybe a time after it,
# maybe the start of a range "…/…" (the start is kept).
_ISO_RE = re.compile(r"\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?=$|[T /]|\s)")
# RIS dates: "2014/09/06/", "2014/09//", "2014///", "2014/09/06/Summer".
_RIS_RE = re.compile(r"\s*(\d{4})(?:/(\d{0,2})(?:/(\d{0,2}))?)?")
_MONTH_YEAR_RE = re.compile(r"\b([A-Za-zéû]{3,9})\.?\s+(\d{4})\b")
_YEAR_RE = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def make_date(year: int, month: int | None = None,
              day: int | None = None) -> tuple[date, DatePrecision] | None:
    """A date of the given precision, or None if it does not exist."""
    try:
        if month and day:
            return date(year, month, day), DatePrecision.DAY
        if month:
            return date(year, month, 1), DatePrecision.MONTH
        return date(year, 1, 1), DatePrecision.YEAR
    except ValueError:
        return None


def parse_partial_date(text: str | None) -> tuple[date, DatePrecision] | None:
    """``2014-09-06``, ``2014-09``, ``2014``, an EDTF range's start, ``2014/09/06/``
    (RIS), ``September 6, 2014``/``6 septembre 2014``, ``Sep 2014``, or a year alone."""
    if not text or not text.strip():
        return None
    text = text.strip()
    pattern = _RIS_RE if re.match(r"\s*\d{4}/", text) else _ISO_RE
    if m := pattern.match(text):
        month = int(m.group(2)) if m.group(2) else None
        day = int(m.group(3)) if m.group(3) else None
        return make_date(int(m.group(1)), month, day)
    if full := parse_date(text):
        return full, DatePrecision.DAY
    if m := _MONTH_YEAR_RE.search(text):
        month = month_number(m.group(1))
        if month:
            return make_date(int(m.group(2)), month)
    if m := _YEAR_RE.search(text):
        return make_date(int(m.group(1)))
    return None


def month_number(text: str) -> int | None:
    """``9``, ``09``, ``sep``, ``Sept.``, ``September`` → 9."""
    text = text.strip().rstrip(".").lower()
    if text.isdigit():
        n = int(text)
        return n if 1 <= n <= 12 else None
    return MONTHS.get(text[:4] if text.startswith("sept") else text[:3])


def iso_partial(value: date, precision: DatePrecision) -> str:
    """``2014-09-06``, ``2014-09`` or ``2014``."""
    if precision is DatePrecision.YEAR:
        return f"{value.year:04d}"
    if precision is DatePrecision.MONTH:
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


def day_of(parsed: tuple[date, DatePrecision] | None) -> date | None:
    """The day of a parsed date, or None when only its month or year is known."""
    return parsed[0] if parsed and parsed[1] is DatePrecision.DAY else None


# --------------------------------------------------------------------------
# languages
# --------------------------------------------------------------------------

#: babel/polyglossia language names (what biblatex's ``langid`` holds, and
#: what Better BibTeX writes) and English names (what Zotero users type in
#: "Language") for BCP 47 tags. Tags not listed are written as themselves.
LANGUAGE_NAMES = {
    "en": "english", "en-GB": "british", "en-US": "american", "fr": "french",
    "de": "ngerman", "es": "spanish", "it": "italian", "nl": "dutch", "pt": "portuguese",
    "pl": "polish", "ru": "russian", "sv": "swedish", "da": "danish", "el": "greek",
    "ar": "arabic", "tr": "turkish", "cs": "czech", "fi": "finnish", "nb": "norsk",
}
_NAME_TO_TAG = {name: tag for tag, name in LANGUAGE_NAMES.items()} | {
    "german": "de", "UKenglish": "en-GB", "USenglish": "en-US", "british english": "en-GB",
    "american english": "en-US", "français": "fr", "francais": "fr", "deutsch": "de",
    "español": "es", "norwegian": "nb", "newzealand": "en-NZ", "australian": "en-AU",
    "canadian": "en-CA", "naustrian": "de-AT", "austrian": "de-AT", "swissgerman": "de-CH",
    "nswissgerman": "de-CH", "brazilian": "pt-BR", "brazil": "pt-BR",
}
_NAME_TO_TAG = {k.lower(): v for k, v in _NAME_TO_TAG.items()}


def language_tag(value: str | None) -> tuple[str | None, str | None]:
    """(BCP 47 tag, note) for a language field: a tag as written (``en_US`` → ``en-US``),
    a babel or English name mapped, anything else (None, a note saying so)."""
    if not value or not value.strip():
        return None, None
    text = value.strip()
    mapped = _NAME_TO_TAG.get(text.lower())
    if mapped:
        return mapped, None
    tag = text.replace("_", "-")
    if BCP47_RE.fullmatch(tag):
        return tag, None
    return None, f"language {text!r} is not a BCP 47 tag"


def language_name(tag: str) -> str:
    """The babel name biblatex's ``langid`` wants for ``tag``, else the tag itself."""
    return LANGUAGE_NAMES.get(tag, tag)


# --------------------------------------------------------------------------
# entries -> draft
# --------------------------------------------------------------------------


def clean(text: str | None) -> str | None:
    """Whitespace collapsed; None for nothing."""
    if text is None:
        return None
    text = " ".join(str(text).split())
    return text or None


def to_draft(bibliographies: list[tuple[str, Bibliography]], *,
             draft_id: str, title: str) -> Draft:
    """Draft sources for every entry with a usable URL; the rest listed as skipped.

    An entry whose URL an earlier one has (the same page by
    :func:`archiver.urls.url_key`) is listed as skipped too, naming the other.

    An entry's key becomes the source id when it is a free slug (so an export
    imports back with its ids); otherwise an id is made from the host and date.
    """
    taken: set[str] = set()
    sources: list[DraftSource] = []
    skipped: list[str] = []
    seen: dict[str, Entry] = {}
    for _name, bib in bibliographies:
        skipped.extend(bib.skipped)
        for entry in bib.entries:
            url = (entry.url or "").strip()
            if not url:
                skipped.append(f"{entry.where}: no URL")
                continue
            problem = check_url(url)
            if problem:
                skipped.append(f"{entry.where}: {problem} ({url[:80]})")
                continue
            key = url_key(url)
            if key in seen:
                skipped.append(f"{entry.where}: same URL as {seen[key].where}, kept there")
                continue
            seen[key] = entry
            sources.append(_source(entry, url, taken))
    return Draft(id=draft_id, title=title, dossier=", ".join(n for n, _ in bibliographies),
                 sources=tuple(sources), urls=(), skipped=tuple(skipped))


def _source(entry: Entry, url: str, taken: set[str]) -> DraftSource:
    notes = list(entry.notes)
    published = entry.published
    key = (entry.key or "").strip()
    if key and SLUG_RE.fullmatch(key) and key not in taken:
        sid = key
        taken.add(key)
    else:
        sid = slug_for(url, published[0] if published else None, taken)
    publisher = entry.publisher
    if not publisher:
        publisher = re.sub(r"^www\.", "", (urlsplit(url).hostname or "").lower())
        notes.append("publisher taken from the host name")
    if published is not None and not MIN_YEAR <= published[0].year <= MAX_YEAR:
        notes.append(f"date {iso_partial(*published)} is out of range: left out")
        published = None
    if published is None:
        notes.append("no date in the entry")
    if not entry.title:
        notes.append("no title in the entry")
    if not entry.language:
        notes.append("no language in the entry")
    authors = entry.authors
    archived_url = entry.archived_url
    if archived_url and check_url(archived_url):
        notes.append(f"archive location {archived_url[:80]!r} is not an http(s) URL: left out")
        archived_url = None
    return DraftSource(
        id=sid, url=url, publisher=publisher, title=entry.title,
        published=published[0] if published else None, language=entry.language,
        relation=entry.relation or Relation.CITED,
        author=authors[0] if len(authors) == 1 else None,
        quotes=entry.quotes, line=entry.line, notes=tuple(notes),
        authors=authors if len(authors) > 1 else (),
        published_precision=published[1] if published else DatePrecision.DAY,
        accessed=entry.accessed, archived_url=archived_url, archived_at=entry.archived_at,
        origin=entry.where, note=entry.note, ignore=entry.ignore, expect=entry.expect,
    )
