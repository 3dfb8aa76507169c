"""CSL-JSON, as Zotero, Pandoc and citeproc write it: reading, and writing for export.

The format is the Citation Style Language's input data schema
(citation-style-language/schema, ``schemas/input/csl-data.json``): an array of
items, each with ``id``, ``type``, ``URL``, ``title``, ``author`` (names as
``family``/``given`` or ``literal``), ``issued`` and ``accessed`` (dates as
``{"date-parts": [[Y, M, D]]}``, or ``raw``/``literal`` strings),
``container-title``, ``publisher``, ``language``, ``archive`` and
``archive_location``. Version 1.0.2 added ``custom``, "used to store
additional information that does not have a designated CSL JSON field":
:func:`write_items` keeps there what a manifest has and CSL has not
(``custom.archiver``: relation, the snapshot given in the manifest, its
``note``/``ignore``/``expect``, the quotes with their last verification
status and a W3C TextQuoteSelector, Web Annotation Data Model §4.2.4), and
:func:`read_csljson` reads it back, so an export imports as the same manifest.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from archiver.biblio.common import (
    Bibliography,
    Entry,
    iso_partial,
    language_tag,
    make_date,
    parse_partial_date,
)
from archiver.dossier import DraftQuote
from archiver.errors import InputError
from archiver.models import (
    DatePrecision,
    Expectation,
    QuoteKind,
    QuoteResult,
    Relation,
    Source,
)

#: The key under ``custom`` holding what only archiver reads.
CUSTOM_KEY = "archiver"


# --------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------


def looks_like_csljson(text: str) -> bool:
    """Whether ``text`` is (probably) CSL-JSON: a JSON array of objects with CSL keys."""
    head = text.lstrip()[:4096]
    if not head.startswith(("[", "{")):
        return False
    return any(k in head for k in ('"type"', '"URL"', '"title"', '"issued"', '"author"'))


def read_csljson(text: str, name: str) -> Bibliography:
    """The items of a CSL-JSON file (an array; or ``{"items": [...]}``; or one item)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"{name}: line {err.lineno}: not valid JSON ({err.msg})",
                         hint="export the library again as CSL JSON") from err
    except RecursionError as err:
        raise InputError(f"{name}: JSON nested too deeply",
                         hint="is this really a CSL-JSON file?") from err
    items: Any = data
    if isinstance(data, dict):
        items = data.get("items", [data] if ("type" in data or "id" in data) else None)
    if not isinstance(items, list):
        raise InputError(f"{name}: not CSL-JSON: expected an array of items",
                         hint="export the library as CSL JSON (Zotero: File → Export "
                         "Library → CSL JSON; Pandoc: --to csljson)")
    entries: list[Entry] = []
    skipped: list[str] = []
    for n, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            skipped.append(f"{name} item #{n}: not an object")
            continue
        entries.append(_entry(item, f"{name} item #{n}" + _label(item)))
    return Bibliography(tuple(entries), tuple(skipped))


def _label(item: Mapping[str, Any]) -> str:
    key = item.get("id")
    return f" ({key})" if isinstance(key, str | int) and str(key).strip() else ""


def _text(value: Any) -> str | None:
    if isinstance(value, list):  # some writers give a list of strings
        value = value[0] if value else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    # Kept exactly as written (an export imports back unchanged); blank is nothing.
    return value if isinstance(value, str) and value.strip() else None


def name_of(person: Any) -> str | None:
    """A CSL name as one string: ``literal``, else given, particles, family, suffix."""
    if isinstance(person, str):
        return _text(person)
    if not isinstance(person, dict):
        return None
    if literal := _text(person.get("literal")):
        return literal
    parts = [_text(person.get(k)) for k in ("given", "dropping-particle",
                                            "non-dropping-particle", "family")]
    full = " ".join(p for p in parts if p)
    suffix = _text(person.get("suffix"))
    if suffix and full:
        full += f", {suffix}" if person.get("comma-suffix") else f" {suffix}"
    return full or None


def csl_date(value: Any) -> tuple[date, DatePrecision] | None:
    """``{"date-parts": [[Y, M, D]]}`` (numbers or strings), ``raw``, ``literal``, or a string."""
    if isinstance(value, str):
        return parse_partial_date(value)
    if not isinstance(value, dict):
        return None
    parts = value.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        try:
            numbers = [int(str(p).strip()) for p in parts[0][:3]]
        except ValueError:
            numbers = []
        if numbers:
            month = numbers[1] if len(numbers) > 1 and numbers[1] else None
            day = numbers[2] if len(numbers) > 2 and numbers[2] else None
            return make_date(numbers[0], month, day)
    for key in ("raw", "literal"):
        if isinstance(value.get(key), str):
            return parse_partial_date(value[key])
    return None


def _entry(item: Mapping[str, Any], where: str) -> Entry:
    notes: list[str] = []
    language, note = language_tag(_text(item.get("language")))
    if note:
        notes.append(note)
    authors = tuple(n for n in (name_of(p) for p in _list(item.get("author"))) if n)
    accessed = csl_date(item.get("accessed"))
    custom = item.get("custom")
    mine: Mapping[str, Any] = {}
    if isinstance(custom, dict) and isinstance(custom.get(CUSTOM_KEY), dict):
        mine = custom[CUSTOM_KEY]
    if mine:
        # archiver's own export: archive_location may be the stored capture's
        # replay URL; the manifest's own snapshot, if any, is kept apart.
        archived_url = _text(mine.get("archived_url"))
    else:
        archived_url = _text(item.get("archive_location"))
        if archived_url and not archived_url.lower().startswith(("http://", "https://")):
            archived_url = None  # a shelf mark ("Box 3, folder 2"), not a snapshot
    relation = None
    if isinstance(mine.get("relation"), str):
        try:
            relation = Relation(mine["relation"])
        except ValueError:
            notes.append(f"relation {mine['relation']!r} is not cited or related")
    key = item.get("id")
    return Entry(
        where=where, url=_text(item.get("URL") or item.get("url")),
        key=str(key) if isinstance(key, str | int) else None,
        title=_text(item.get("title")), authors=authors,
        published=csl_date(item.get("issued")),
        accessed=accessed[0] if accessed and accessed[1] is DatePrecision.DAY else None,
        publisher=_text(item.get("container-title")) or _text(item.get("publisher")),
        language=language, archived_url=archived_url,
        archived_at=_text(mine.get("archived_at")), relation=relation,
        quotes=tuple(_quotes(mine.get("quotes"))), notes=tuple(notes),
        note=mine["note"] if isinstance(mine.get("note"), str) else None,
        ignore=mine.get("ignore") is True,
        expect=mine["expect"] if isinstance(mine.get("expect"), str) else None,
    )


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _quotes(value: Any) -> list[DraftQuote]:
    out: list[DraftQuote] = []
    for q in _list(value):
        if not isinstance(q, dict) or not isinstance(q.get("text"), str) or not q["text"]:
            continue
        kind = q.get("kind")
        try:
            qkind = QuoteKind(kind) if isinstance(kind, str) else None
        except ValueError:
            qkind = None
        lang = q.get("lang") if isinstance(q.get("lang"), str) else None
        out.append(DraftQuote(q["text"], qkind, lang))
    return out


# --------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class QuoteState:
    """A quote's last verification, for export: its status and where it was found."""

    status: str
    checked_at: str | None = None  # when the run that judged it finished (UTC)
    selector: Mapping[str, str] | None = None  # a TextQuoteSelector


def csl_date_parts(value: date, precision: DatePrecision) -> dict[str, Any]:
    parts = [int(p) for p in iso_partial(value, precision).split("-")]
    return {"date-parts": [parts]}


def write_items(sources: Sequence[Source], *, replay: Mapping[str, str],
                states: Mapping[tuple[str, int], QuoteState]) -> list[dict[str, Any]]:
    """CSL-JSON items for ``sources``.

    ``replay`` maps a source id to the replay URL of its stored capture, which
    becomes ``archive_location`` (else the manifest's ``archived_url``, else
    none); ``states`` maps (source id, quote index) to the quote's last state.
    """
    items: list[dict[str, Any]] = []
    for src in sources:
        item: dict[str, Any] = {"id": src.id, "type": "webpage", "URL": src.url,
                                "title": src.title}
        names = src.authors or ((src.author,) if src.author else ())
        if names:
            # "literal": the name exactly as the manifest writes it (CSL-JSON
            # names; Zotero imports it as a single-field name).
            item["author"] = [{"literal": n} for n in names]
        item["issued"] = csl_date_parts(src.published, src.published_precision)
        if src.accessed:
            item["accessed"] = csl_date_parts(src.accessed, DatePrecision.DAY)
        item["container-title"] = src.publisher
        item["language"] = src.language
        location = replay.get(src.id) or src.archived_url
        if location:
            item["archive_location"] = location
        mine: dict[str, Any] = {"relation": src.relation.value}
        if src.archived_url:
            mine["archived_url"] = src.archived_url
        if src.archived_at:
            mine["archived_at"] = src.archived_at.isoformat().replace("+00:00", "Z")
        # The manifest's own note stays here: CSL's "note" is Zotero's "Extra".
        for key in ("note", "ignore", "expect"):
            value = getattr(src, key, None)
            if value:
                mine[key] = value.value if isinstance(value, Relation | Expectation) else value
        quotes = []
        for index, q in enumerate(src.quotes):
            record: dict[str, Any] = {"text": q.text}
            if q.kind is not None:
                record["kind"] = q.kind.value
            if q.lang is not None:
                record["lang"] = q.lang
            state = states.get((src.id, index))
            if state is not None:
                record["status"] = state.status
                if state.checked_at:
                    record["checked_at"] = state.checked_at
                if state.selector:
                    record["selector"] = dict(state.selector)
            quotes.append(record)
        if quotes:
            mine["quotes"] = quotes
        item["custom"] = {CUSTOM_KEY: mine}
        items.append(item)
    return items


def dumps(items: list[dict[str, Any]]) -> str:
    return json.dumps(items, indent=2, ensure_ascii=False)


#: Characters of context a TextQuoteSelector keeps on each side of the quote:
#: the Hypothesis annotation client's ``contextLen`` (32, in hypothesis/client
#: src/annotator/anchoring/types.ts), as the verify excerpt's comment says.
SELECTOR_CONTEXT = 32
_EXCERPT_RE = re.compile(r"^…?(?P<prefix>.*?)⟦(?P<exact>.*)⟧(?P<suffix>.*?)…?$", re.DOTALL)


def text_quote_selector(result: QuoteResult) -> dict[str, str] | None:
    """A W3C TextQuoteSelector (Web Annotation Data Model §4.2.4) for a found quote.

    ``exact`` is the text found in the archived page, ``prefix``/``suffix``
    the text around it. Taken from the result's ``selector`` when the verify
    stage gives one, else from its excerpt (``…before⟦found⟧after…``), else
    the quote itself with no context. None for a quote that was not found.
    """
    if not result.status.is_found:
        return None
    given = getattr(result, "selector", None)
    if given is not None:
        fields = given if isinstance(given, Mapping) else vars(given)
        exact = fields.get("exact")
        if isinstance(exact, str) and exact:
            return {"type": "TextQuoteSelector", "exact": exact,
                    "prefix": str(fields.get("prefix") or ""),
                    "suffix": str(fields.get("suffix") or "")}
    m = _EXCERPT_RE.match(result.excerpt or "")
    if m is None or (" … " in m.group("exact") and " … " not in result.text):
        # no excerpt, or one cut in its middle (a long match): the quote, no context
        return {"type": "TextQuoteSelector", "exact": result.text, "prefix": "", "suffix": ""}
    return {"type": "TextQuoteSelector", "exact": m.group("exact"),
            "prefix": m.group("prefix")[-SELECTOR_CONTEXT:],
            "suffix": m.group("suffix")[:SELECTOR_CONTEXT]}
