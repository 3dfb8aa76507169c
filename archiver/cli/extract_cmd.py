"""``archiver extract``: a draft manifest from dossiers, bibliographies and documents.

Each input's kind is told by :data:`KINDS`, a table: its file extension first,
then its content, in the table's order. Adding a kind is one entry: a name, the
extensions that name it, a content test and a reader giving a
:class:`~archiver.dossier.Draft`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
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


#: Every kind, in the order content is tested. Documents (Markdown, HTML,
#: reStructuredText, plain text, URL lists, CSV) are added here by
#: ``archiver.inputs`` as entries of this same table.
KINDS: list[Kind] = [
    Kind("CSL-JSON", (".csl.json", ".csljson", ".json"), looks_like_csljson,
         _bibliography(read_csljson)),
    Kind("RIS", (".ris",), looks_like_ris, _bibliography(read_ris)),
    Kind("BibTeX", (".bib", ".bibtex", ".biblatex"), looks_like_bibtex,
         _bibliography(read_bibtex)),
    Kind("dossier text", (), _looks_like_dossier, _dossier),
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
    """Draft a manifest from press dossiers, BibTeX/BibLaTeX, CSL-JSON or RIS files.

    Each INPUT's kind is told by its extension (.bib, .json, .ris), else by its
    content. Dossier texts (e.g. a PDF-to-text dump): every URL (rejoining URLs
    split across lines at any width), attached to its article (publisher, date,
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
