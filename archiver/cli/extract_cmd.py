"""``archiver extract``: a draft manifest from dossiers, bibliographies and documents.

Each input's kind is told by :data:`KINDS`, a table: its file extension first,
then its content, in the table's order. Adding a kind is one entry: a name, the
extensions that name it, a content test and a reader giving a
:class:`~archiver.dossier.Draft`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import click

from archiver.biblio import (
    Bibliography,
    looks_like_bibtex,
    looks_like_csljson,
    looks_like_ris,
    read_bibtex,
    read_csljson,
    read_ris,
    to_draft,
)
from archiver.cli.common import ExitCode, emit, finish, warn, write_output
from archiver.cli.options import format_option, output_option
from archiver.dossier import (
    Draft,
    DraftSource,
    extract_dossier,
    find_urls,
    merge_draft,
    parse_header,
    read_dossier,
    render_toml,
)
from archiver.errors import InputError
from archiver.inputs import DocumentKind, FoundLink, InputStats, links_in_paths, links_in_text
from archiver.inputs.sources import source_id as document_source_id
from archiver.inputs.walk import EXTENSIONS as DOCUMENT_EXTENSIONS
from archiver.inputs.walk import SNIFF_BYTES
from archiver.inputs.walk import sniff as document_kind_of
from archiver.models import DatePrecision, Relation
from archiver.report import serialize
from archiver.urls import url_key


@dataclass(frozen=True)
class Kind:
    """One kind of input ``archiver extract`` reads."""

    name: str  # as messages name it
    extensions: tuple[str, ...]  # lower case, with the dot; ".csl.json" before ".json"
    sniff: Callable[[str], bool]  # does this text look like the kind?
    read: Callable[[Path, str], Draft]  # the file's path and text -> a draft


def _looks_like_dossier(text: str) -> bool:
    """A dossier: URLs, and at least one article header line (publisher, date)."""
    return bool(find_urls(text[:1_000_000])) and any(
        parse_header(line) for line in text.splitlines()[:20_000])


def _dossier(path: Path, text: str) -> Draft:
    return extract_dossier(text, str(path))


def _bibliography(reader: Callable[[str, str], Bibliography]) -> Callable[[Path, str], Draft]:
    def read(path: Path, text: str) -> Draft:
        return to_draft([(str(path), reader(text, str(path)))], draft_id=_draft_id(path),
                        title=f"Draft manifest from {path.name}")
    return read


def _draft_id(path: Path) -> str:
    stem = path.name.split(".")[0]
    return re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-") or "draft"


def draft_from_links(links: Iterable[FoundLink], *, draft_id: str, title: str,
                     dossier: str) -> Draft:
    """A draft of the links found in documents: one source per URL, first place first.

    The anchor text is the title candidate; a CSV ``date`` cell the date; the
    ``file:line`` of every place the URL is written goes in the comment above
    its table. Publisher, date and language are left for a person (TODO).
    """
    first: dict[str, FoundLink] = {}
    places: dict[str, list[str]] = {}
    for link in links:
        key = url_key(link.url)
        first.setdefault(key, link)
        places.setdefault(key, []).append(link.location)
    sources = []
    for key, link in first.items():
        published, precision = _csv_date(link.date)
        where = places[key]
        origin = where[0] + (f" (and {len(where) - 1} more)" if len(where) > 1 else "")
        sources.append(DraftSource(
            id=document_source_id(link.url), url=link.url, publisher=None,
            title=link.text.strip() or None, published=published, language=None,
            relation=Relation.CITED, published_precision=precision, origin=origin))
    return Draft(id=draft_id, title=title, dossier=dossier, sources=tuple(sources), urls=())


def _csv_date(text: str | None) -> tuple[date | None, DatePrecision]:
    """A CSV row's date cell as the manifest reads dates (YYYY-MM-DD, YYYY-MM, YYYY)."""
    if not text:
        return None, DatePrecision.DAY
    text = text.strip()
    try:
        if re.fullmatch(r"\d{4}", text):
            return date(int(text), 1, 1), DatePrecision.YEAR
        if re.fullmatch(r"\d{4}-\d{2}", text):
            return date(int(text[:4]), int(text[5:]), 1), DatePrecision.MONTH
        return date.fromisoformat(text[:10]), DatePrecision.DAY
    except ValueError:
        return None, DatePrecision.DAY


def _document(kind: DocumentKind) -> Callable[[Path, str], Draft]:
    def read(path: Path, text: str) -> Draft:
        return draft_from_links(links_in_text(text, kind, name=str(path)),
                                draft_id=_draft_id(path),
                                title=f"Draft manifest from {path.name}", dossier=str(path))
    return read


def _extensions(kind: DocumentKind) -> tuple[str, ...]:
    return tuple(f".{ext}" for ext, k in DOCUMENT_EXTENSIONS.items() if k is kind)


def _looks_like_markdown(text: str) -> bool:
    return document_kind_of(text[:SNIFF_BYTES]) is DocumentKind.MARKDOWN


def _looks_like_html(text: str) -> bool:
    return document_kind_of(text[:SNIFF_BYTES]) is DocumentKind.HTML


def _has_urls(text: str) -> bool:
    return bool(find_urls(text[:1_000_000]))


#: Every kind, in the order content is tested. A ``.txt`` file is tested by
#: content (a press dossier, else plain text with bare URLs), so a dossier dump
#: keeps being read as a dossier.
KINDS: list[Kind] = [
    Kind("CSL-JSON", (".csl.json", ".csljson", ".json"), looks_like_csljson,
         _bibliography(read_csljson)),
    Kind("RIS", (".ris",), looks_like_ris, _bibliography(read_ris)),
    Kind("BibTeX", (".bib", ".bibtex", ".biblatex"), looks_like_bibtex,
         _bibliography(read_bibtex)),
    Kind("HTML", _extensions(DocumentKind.HTML), _looks_like_html,
         _document(DocumentKind.HTML)),
    Kind("Markdown", _extensions(DocumentKind.MARKDOWN), _looks_like_markdown,
         _document(DocumentKind.MARKDOWN)),
    Kind("reStructuredText", _extensions(DocumentKind.RST), lambda text: False,
         _document(DocumentKind.RST)),
    Kind("URL list", _extensions(DocumentKind.URL_LIST), lambda text: False,
         _document(DocumentKind.URL_LIST)),
    Kind("CSV with a url column", _extensions(DocumentKind.CSV), lambda text: False,
         _document(DocumentKind.CSV)),
    Kind("dossier text", (), _looks_like_dossier, _dossier),
    Kind("plain text (bare URLs)", (), _has_urls, _document(DocumentKind.TEXT)),
]


def kind_of(path: Path, text: str) -> Kind:
    """The kind of the input at ``path`` with ``text``: by extension, then by content."""
    name = path.name.lower()
    for kind in KINDS:
        if any(name.endswith(ext) for ext in kind.extensions):
            return kind
    for kind in KINDS:
        if kind.sniff(text):
            return kind
    known = "; ".join(f"{k.name} ({', '.join(k.extensions)})" if k.extensions else k.name
                      for k in KINDS)
    raise InputError(f"{path}: cannot tell what kind of input this is",
                     hint=f"archiver extract reads: {known}. Give the file its usual "
                     "extension, or check that it is one of these")


def combine(drafts: Sequence[Draft]) -> tuple[Draft, list[str]]:
    """One draft from several: ids made unique, a URL listed twice kept once (said)."""
    if len(drafts) == 1:
        return drafts[0], []
    seen: dict[str, DraftSource] = {}
    ids: set[str] = set()
    sources: list[DraftSource] = []
    notes: list[str] = []
    for draft in drafts:
        for src in draft.sources:
            key = url_key(src.url)
            if key in seen:
                notes.append(f"{src.origin_note().split(';')[0] or draft.dossier}: {src.url} "
                             f"is also in {seen[key].origin_note().split(';')[0]}: kept once")
                continue
            seen[key] = src
            new_id, n = src.id, 2
            while new_id in ids:
                new_id = f"{src.id}-{n}"
                n += 1
            ids.add(new_id)
            sources.append(replace(src, id=new_id))
    first = drafts[0]
    names = ", ".join(d.dossier for d in drafts)
    return Draft(id=first.id, title=f"Draft manifest from {names}", dossier=names,
                 sources=tuple(sources), urls=tuple(u for d in drafts for u in d.urls),
                 skipped=tuple(s for d in drafts for s in d.skipped)), notes


@click.command("extract")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path),
                metavar="INPUT...")
@format_option(["toml", "json", "urls"], default="toml")
@output_option
@click.option("--merge", "merge", type=click.Path(path_type=Path), default=None,
              metavar="MANIFEST",
              help="Add the new sources to this manifest (in place, or to -o) instead of "
              "writing a new draft; sources already there are left exactly as they are.")
def command(inputs: tuple[Path, ...], fmt: str, output: Path | None,
            merge: Path | None) -> None:
    """Draft a manifest from dossiers, bibliographies and documents.

    Each INPUT's kind is told by its extension, else by its content: press
    dossier texts, BibTeX/BibLaTeX (.bib), CSL-JSON (.json), RIS (.ris),
    Markdown, HTML, reStructuredText, URL lists (.urls), CSV with a url column,
    plain text (bare URLs); a folder (walked, .gitignore honoured), a glob, or
    - for stdin gives the links of the documents in it.

    Dossier texts (e.g. a PDF-to-text dump): every URL (rejoining URLs split
    across lines at any width), attached to its article (publisher, date,
    title, author) with proposed quotes. Bibliographies: URL, title, authors,
    dates (issued, accessed), publisher, language; entries without a URL are
    skipped and listed. The draft is for a person to curate; unknown fields are
    left as TODO comments.

    With --merge MANIFEST, sources whose URL is already in MANIFEST are left
    untouched (differences are listed, not applied), new ones are appended.

    \b
    Example:
      archiver extract dossier.txt -o manifests/draft.toml
      archiver extract refs.bib zotero.json --format urls
      archiver extract --merge manifests/calais-2014.toml new-refs.bib
    """
    drafts: list[Draft] = []
    for path in inputs:
        if str(path) == "-" or path.is_dir() or _is_glob(path):
            # documents: stdin, folders (walked, .gitignore honoured) and globs
            stats = InputStats()
            links = list(links_in_paths([str(path)], stats=stats))
            for shown, why in stats.skipped_files:
                warn(f"skipped: {shown}: {why}")
            name = "stdin" if str(path) == "-" else str(path)
            drafts.append(draft_from_links(
                links, draft_id=_draft_id(Path(name.rstrip("/*") or "draft")),
                title=f"Draft manifest from {name}", dossier=name))
            continue
        text = read_dossier(path)
        drafts.append(kind_of(path, text).read(path, text))
    draft, notes = combine(drafts)
    for note in notes:
        warn(f"note: {note}")
    for skipped in draft.skipped:
        warn(f"skipped: {skipped}")
    if merge is not None:
        _merge(merge, draft, fmt, output)
    elif fmt == "urls":
        emit("\n".join(_url_list(drafts)), output)
    elif fmt == "json":
        emit(serialize.to_json(serialize.draft_document(draft)), output)
    else:
        emit(render_toml(draft), output)
    if merge is None:
        warn(_summary(inputs, draft))
    finish(ExitCode.OK)


def _is_glob(path: Path) -> bool:
    return not path.exists() and any(ch in str(path) for ch in "*?[")


def _url_list(drafts: Sequence[Draft]) -> list[str]:
    """Every input's URLs once, in order: a dossier's as found, a bibliography's entries'."""
    out: list[str] = []
    seen: set[str] = set()
    for draft in drafts:
        for url in [f.url for f in draft.urls] or [s.url for s in draft.sources]:
            if (key := url_key(url)) not in seen:
                seen.add(key)
                out.append(url)
    return out


def _summary(inputs: Sequence[Path], draft: Draft) -> str:
    names = ", ".join(str(p) for p in inputs)
    parts = []
    if draft.urls:
        rejoined = sum(1 for f in draft.urls if f.rejoined)
        parts.append(f"{len(draft.urls)} unique URLs ({rejoined} rejoined across lines)")
    parts.append(f"{len(draft.sources)} sources")
    parts.append(f"{sum(len(s.quotes) for s in draft.sources)} proposed quotes")
    if draft.skipped:
        parts.append(f"{len(draft.skipped)} entries skipped (listed above)")
    return f"{names}: " + ", ".join(parts)


def _merge(manifest: Path, draft: Draft, fmt: str, output: Path | None) -> None:
    if fmt != "toml":
        raise InputError("--merge writes a manifest: use it without --format (or with "
                         "--format toml)", hint="drop --format, or drop --merge")
    text = read_dossier(manifest)
    merged = merge_draft(text, draft)
    for d in merged.differences:
        warn(f"differs: {d.id}: {d.field} is {d.manifest!r} in {manifest}, {d.draft!r} in "
             f"{d.where} (left as it is)")
    for src in merged.added:
        warn(f"added: {src.id} {src.url}")
    target = output or manifest
    if merged.changed or output is not None:
        write_output(target, merged.text)
    warn(f"{manifest}: {len(merged.added)} sources added, {len(merged.present)} already there "
         f"({len(merged.differences)} differences listed, nothing changed in them), "
         f"{len(draft.skipped)} entries skipped; nothing removed"
         + ("" if merged.changed else "; the file is unchanged"))
