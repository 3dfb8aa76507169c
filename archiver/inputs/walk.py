"""Which files to read, and as what: paths, folders, globs, stdin; .gitignore honoured."""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from archiver.errors import InputError
from archiver.inputs.links import DocumentKind

if TYPE_CHECKING:
    import pathspec

#: Extensions of each kind. Markdown and HTML are lychee's lists (``lychee-lib/src/types/file.rs``).
EXTENSIONS: dict[str, DocumentKind] = {
    **dict.fromkeys(("md", "markdown", "mdx", "qmd", "rmd", "mkd", "mkdn", "mdwn", "mdown",
                     "mkdown"), DocumentKind.MARKDOWN),
    **dict.fromkeys(("html", "htm", "xhtml"), DocumentKind.HTML),
    **dict.fromkeys(("rst", "rest"), DocumentKind.RST),
    **dict.fromkeys(("txt", "text"), DocumentKind.TEXT),
    "urls": DocumentKind.URL_LIST,
    "csv": DocumentKind.CSV,
}
#: The kinds a folder walk reads; other files (CSV, URL lists, unknown) are read when named.
WALK_KINDS = frozenset({DocumentKind.MARKDOWN, DocumentKind.HTML, DocumentKind.RST,
                        DocumentKind.TEXT})
#: The ignore files read in every folder, later ones winning: git's, then ``.ignore`` (the
#: convention of ripgrep's ``ignore`` crate, which lychee's folder walk also honours).
IGNORE_FILES = (".gitignore", ".ignore")
#: How much of a document is looked at to guess its kind, and to see whether it is binary.
SNIFF_BYTES = 8192
_GLOB_CHARS = re.compile(r"[*?\[]")
_URL_LINE = re.compile(r"\s*https?://\S+(?:\s.*)?", re.IGNORECASE)
_HTML_START = re.compile(r"\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b",
                         re.IGNORECASE | re.DOTALL)
_MARKDOWN_HINT = re.compile(r"\]\(\s*https?://|^\[[^\]]+\]:\s*https?://|^#{1,6}\s",
                            re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class Document:
    """A file to read: its path, the name results show, and its kind if known by extension."""

    path: Path | None  # None: stdin
    shown: str
    kind: DocumentKind | None


def kind_by_extension(name: str) -> DocumentKind | None:
    return EXTENSIONS.get(name.rsplit(".", 1)[-1].lower()) if "." in name else None


def sniff(head: str) -> DocumentKind:
    """The kind of a document from its first characters: HTML, a URL list, Markdown, or text."""
    if _HTML_START.match(head):
        return DocumentKind.HTML
    lines = [ln for ln in head.splitlines()[:-1] or head.splitlines()
             if ln.strip() and not ln.lstrip().startswith("#")]
    if lines and all(_URL_LINE.fullmatch(ln) for ln in lines):
        return DocumentKind.URL_LIST
    if _MARKDOWN_HINT.search(head):
        return DocumentKind.MARKDOWN
    return DocumentKind.TEXT


class _Ignores:
    """The .gitignore files from a root folder down, each parsed once (git's rules, pathspec)."""

    def __init__(self) -> None:
        self._specs: dict[Path, pathspec.GitIgnoreSpec | None] = {}

    def _spec(self, folder: Path) -> pathspec.GitIgnoreSpec | None:
        if folder not in self._specs:
            lines: list[str] = []
            for name in IGNORE_FILES:
                try:
                    with open(folder / name, encoding="utf-8", errors="replace") as fh:
                        lines.extend(fh.read().splitlines())
                except OSError:
                    pass
            if lines:
                import pathspec  # loaded by the first .gitignore found (a folder walk)

                self._specs[folder] = pathspec.GitIgnoreSpec.from_lines(lines)
            else:
                self._specs[folder] = None
        return self._specs[folder]

    def ignored(self, root: Path, path: Path, *, is_dir: bool) -> bool:
        """Whether ``path`` (under ``root``) is ignored by a .gitignore of ``root`` or below.

        Deeper files win over shallower ones, and a later pattern over an
        earlier one (``!keep.md`` re-includes), as in git.
        """
        verdict = False
        folder = root
        rel_parts = path.relative_to(root).parts
        for depth in range(len(rel_parts)):
            spec = self._spec(folder)
            if spec is not None:
                rel = "/".join(rel_parts[depth:]) + ("/" if is_dir else "")
                result = spec.check_file(rel)
                if result.include is not None:
                    verdict = result.include
            folder = folder / rel_parts[depth]
        return verdict


def ignore_root(start: Path) -> Path:
    """Where .gitignore files start to count for the absolute folder ``start``.

    The git work tree holding it; outside one, the current folder when
    ``start`` is inside it (``archiver check docs/`` honours ``./.gitignore``),
    else ``start`` itself.
    """
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    cwd = Path.cwd().resolve()
    return cwd if start.is_relative_to(cwd) else start


def _hidden(name: str) -> bool:
    return name.startswith(".")


def _walk(folder: Path, shown: str, root: Path, ignores: _Ignores) -> Iterator[Document]:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as err:
        raise InputError(f"{shown}: cannot list this folder: {err.strerror or err}",
                         hint="check the path and its permissions") from err
    for entry in entries:
        if _hidden(entry.name):
            continue
        path = Path(entry.path)
        child = f"{shown.rstrip('/')}/{entry.name}" if shown not in ("", ".") else entry.name
        if entry.is_dir(follow_symlinks=False):
            if not ignores.ignored(root, path, is_dir=True):
                yield from _walk(path, child, root, ignores)
        elif entry.is_file():
            kind = kind_by_extension(entry.name)
            if kind in WALK_KINDS and not ignores.ignored(root, path, is_dir=False):
                yield Document(path, child, kind)


def _literal_prefix(pattern: str) -> list[str]:
    """The folders of a glob before its first wildcard (``docs/**/*.md`` -> ``docs``)."""
    parts = Path(pattern).parts
    out: list[str] = []
    for part in parts[:-1]:
        if _GLOB_CHARS.search(part):
            break
        out.append(part)
    return out


def documents(paths: Sequence[str | Path]) -> Iterator[Document]:
    """The documents ``paths`` name, in order; each file at most once.

    A file is read whatever its name; a folder is walked recursively (sorted,
    hidden files and folders skipped, symbolic links to folders not followed,
    what a ``.gitignore`` ignores skipped, only Markdown, HTML,
    reStructuredText and ``.txt`` files read); a path with ``*``, ``?`` or
    ``[`` that names no file is a glob (``docs/**/*.md``), its matches
    filtered by ``.gitignore`` as a walk's; ``-`` is stdin.
    """
    ignores = _Ignores()
    seen: set[Path] = set()

    def once(doc: Document) -> Iterator[Document]:
        if doc.path is None:
            yield doc
            return
        key = doc.path.resolve()
        if key not in seen:
            seen.add(key)
            yield doc

    for given in paths:
        text = str(given)
        if text == "-":
            yield Document(None, "-", None)
            continue
        path = Path(text)
        if path.is_dir():
            root = ignore_root(path.resolve())
            for doc in _walk(path.resolve(), text, root, ignores):
                yield from once(doc)
        elif path.exists():
            yield from once(Document(path, text, kind_by_extension(path.name)))
        elif _GLOB_CHARS.search(text):
            matches = sorted(m for m in glob.glob(text, recursive=True) if os.path.isfile(m))
            if not matches:
                raise InputError(f"{text}: no file matches this pattern",
                                 hint="check the pattern; '**' matches folders at any depth")
            prefix = Path(*(_literal_prefix(text) or ["."])).resolve()
            for match in matches:
                found = Path(match).resolve()
                root = ignore_root(prefix)
                if found.is_relative_to(root) and ignores.ignored(root, found, is_dir=False):
                    continue
                yield from once(Document(Path(match), match, kind_by_extension(match)))
        else:
            raise InputError(f"{text}: no such file or folder",
                             hint="give documents, folders, globs or '-' for stdin")
