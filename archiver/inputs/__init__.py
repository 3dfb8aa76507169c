"""Links read from documents: Markdown, HTML, reStructuredText, plain text, URL lists, CSV.

One entry point, :func:`links_in_paths`, turns files, folders, globs and ``-``
(stdin) into :class:`FoundLink` values, each an absolute http(s) URL with the
file and 1-based line it was written on, and its anchor text as a title
candidate. It is what ``archiver check README.md docs/`` checks, and what
``archiver extract`` drafts a manifest from::

    from archiver.inputs import InputStats, links_in_paths

    stats = InputStats()
    for link in links_in_paths(["README.md", "docs/"], stats=stats):
        print(link.location, link.url, link.text)
    print(stats.skipped_links)   # Counter({'relative': 12, 'mailto': 1})

What counts as a link follows lychee (``lychee --dump`` lists the same http(s)
links for the same Markdown and HTML files; the README lists the known
differences): see :mod:`archiver.inputs.markdown`, :mod:`archiver.inputs.html`
and :mod:`archiver.inputs.textscan`. Links in code (Markdown code blocks and
spans; HTML ``<pre>``, ``<code>``, ``<script>`` …; reStructuredText literal
blocks) are skipped unless ``include_verbatim`` (lychee's
``--include-verbatim``). Relative links, ``mailto:``, ``file:`` and other
schemes are not returned but counted in :attr:`InputStats.skipped_links`.

**Differences from ``lychee --dump``** (measured on lychee's own repository,
rust-lang/book, w3c/wcag, mkdocs/mkdocs and the 737 PEPs of python/peps: the
sets of http(s) URLs are equal once these are set aside):

- lychee leaves out, after extraction, RFC 2606/6761 example names
  (``example.com``/``.org``/``.net``/``.edu`` and subdomains, ``.test``,
  ``.example``, ``.invalid``, ``.localhost``), XML namespace URLs
  (``http://www.w3.org/2000/svg`` …) and ``twitter.com``; they are kept here;
- lychee reads ``.rst`` as plain text, so it also lists the URLs of literal
  blocks and inline literals, which are code and skipped here unless
  ``include_verbatim`` (with it, the sets are equal); its folder walk skips
  ``.rst`` files, which a walk here reads (and ``.css``/``.xml``, which it
  does not);
- URLs are returned as written (entities decoded, Markdown destinations
  normalised as markdown-it does); lychee prints them parsed (lower-case
  host, ``/`` for an empty path, percent-escapes).

Memory stays bounded: files are read one at a time, HTML, text, lists, CSV and
reStructuredText are streamed, and a Markdown file (parsed whole) larger than
:data:`MAX_MARKDOWN_BYTES` is skipped and listed in
:attr:`InputStats.skipped_files`, as are binary and unreadable files. Text is
decoded as UTF-8 (a UTF-8 or UTF-16 byte-order mark is honoured); undecodable
bytes become U+FFFD.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TextIO

from archiver.errors import InputError
from archiver.inputs.links import DocumentKind, FoundLink, InputStats, judge
from archiver.inputs.plain import csv_links, rst_links, text_links, url_list_links
from archiver.inputs.walk import (
    EXTENSIONS,
    SNIFF_BYTES,
    WALK_KINDS,
    Document,
    documents,
    kind_by_extension,
    sniff,
)

#: A Markdown file is parsed whole; a larger one is skipped (and listed in the stats).
MAX_MARKDOWN_BYTES = 64 * 1024 * 1024
#: How much HTML is handed to the tokenizer at a time.
CHUNK_CHARS = 1024 * 1024

__all__ = [
    "CHUNK_CHARS", "EXTENSIONS", "MAX_MARKDOWN_BYTES", "WALK_KINDS", "DocumentKind", "FoundLink",
    "InputStats", "documents", "judge", "kind_by_extension", "links_in_paths", "links_in_text",
    "sniff",
]


def _encoding(head: bytes) -> str:
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    return "utf-8"


def _chunks(text: TextIO) -> Iterator[str]:
    while chunk := text.read(CHUNK_CHARS):
        yield chunk


def _raw_links(kind: DocumentKind, text: TextIO, name: str, include_verbatim: bool,
               ) -> Iterator[tuple[str, str, int, int | None, str | None]]:
    # The Markdown and HTML readers load when a document of their kind is read: a
    # check of a URL list or plain text does not import markdown-it (about 60 ms).
    if kind is DocumentKind.MARKDOWN:
        from archiver.inputs.markdown import markdown_links

        for url, anchor, line in markdown_links(text.read(), include_verbatim=include_verbatim):
            yield url, anchor, line, None, None
    elif kind is DocumentKind.HTML:
        from archiver.inputs.html import html_links

        for url, anchor, line, column in html_links(_chunks(text),
                                                    include_verbatim=include_verbatim):
            yield url, anchor, line, column, None
    elif kind is DocumentKind.RST:
        yield from rst_links(text, include_verbatim=include_verbatim)
    elif kind is DocumentKind.URL_LIST:
        yield from url_list_links(text)
    elif kind is DocumentKind.CSV:
        yield from csv_links(text, name=name)
    else:
        yield from text_links(text)


def _kept(raw: Iterable[tuple[str, str, int, int | None, str | None]], name: str,
          kind: DocumentKind, stats: InputStats) -> Iterator[FoundLink]:
    for url, text, line, column, date in raw:
        url = url.strip()
        reason = judge(url)
        if reason is not None:
            stats.skipped_links[reason] += 1
            continue
        stats.links += 1
        yield FoundLink(url=url, text=text, file=name, line=line, column=column, kind=kind,
                        date=date)


def links_in_text(text: str, kind: DocumentKind | None = None, *, name: str = "-",
                  include_verbatim: bool = False,
                  stats: InputStats | None = None) -> Iterator[FoundLink]:
    """The http(s) links of one document held in memory (``kind`` guessed when ``None``)."""
    stats = stats if stats is not None else InputStats()
    kind = kind or sniff(text[:SNIFF_BYTES])
    stats.files += 1
    stats.bytes += len(text.encode("utf-8", "surrogatepass"))
    stats.kinds[kind.value] += 1
    yield from _kept(_raw_links(kind, io.StringIO(text, newline=None), name, include_verbatim),
                     name, kind, stats)


def _read_file(doc: Document, include_verbatim: bool, stats: InputStats) -> Iterator[FoundLink]:
    assert doc.path is not None
    try:
        fh = open(doc.path, "rb")  # noqa: SIM115 - closed below, after the generator is done
    except OSError as err:
        stats.skipped_files.append((doc.shown, f"cannot be read: {err.strerror or err}"))
        return
    with fh:
        try:
            head = fh.read(SNIFF_BYTES)
            size = fh.seek(0, io.SEEK_END)
            fh.seek(0)
        except OSError as err:
            stats.skipped_files.append((doc.shown, f"cannot be read: {err.strerror or err}"))
            return
        encoding = _encoding(head)
        if b"\x00" in head and encoding != "utf-16":
            stats.skipped_files.append((doc.shown, "binary (it holds NUL bytes)"))
            return
        kind = doc.kind or sniff(head.decode(encoding, "replace"))
        if kind is DocumentKind.MARKDOWN and size > MAX_MARKDOWN_BYTES:
            stats.skipped_files.append(
                (doc.shown, f"too large: {size} bytes; Markdown files over "
                            f"{MAX_MARKDOWN_BYTES} bytes are skipped"))
            return
        stats.files += 1
        stats.bytes += size
        stats.kinds[kind.value] += 1
        text = io.TextIOWrapper(fh, encoding=encoding, errors="replace", newline=None)
        try:
            yield from _kept(_raw_links(kind, text, doc.shown, include_verbatim),
                             doc.shown, kind, stats)
        except OSError as err:
            raise InputError(f"{doc.shown}: reading failed: {err.strerror or err}",
                             hint="check the file and run again") from err
        finally:
            text.detach()


def links_in_paths(paths: Sequence[str | Path], *, include_verbatim: bool = False,
                   stdin: TextIO | None = None,
                   stats: InputStats | None = None) -> Iterator[FoundLink]:
    """Every http(s) link in the documents ``paths`` name, file by file, in document order.

    Parameters
    ----------
    paths:
        Files (read whatever their extension: the kind comes from the extension,
        else from the content), folders (walked recursively: Markdown, HTML,
        reStructuredText and ``.txt`` files, hidden ones and what ``.gitignore``
        ignores skipped), globs (``docs/**/*.md``) and ``-`` (``stdin``).
    include_verbatim:
        Also read links in code blocks, code spans, ``<pre>``, ``<code>``,
        ``<script>``, literal blocks (lychee's ``--include-verbatim``).
    stdin:
        What ``-`` reads (default :data:`sys.stdin`).
    stats:
        Filled in as the iterator runs: files and bytes read, kinds, links
        skipped per reason (relative, mailto, file, other_scheme, malformed),
        files skipped with why.

    Yields
    ------
    FoundLink
        One per occurrence: the same URL written twice gives two.

    Raises
    ------
    InputError
        A path that does not exist, a glob that matches nothing, a folder that
        cannot be listed, a CSV file without a ``url`` column.
    """
    stats = stats if stats is not None else InputStats()
    docs = list(documents(paths))
    files = [d for d in docs if d.path is not None]
    workers = _workers(len(files))
    if workers > 1:
        yield from _read_in_parallel(docs, include_verbatim, stats, stdin, workers)
        return
    for doc in docs:
        if doc.path is None:
            yield from _stdin_links(stdin, include_verbatim, stats)
        else:
            yield from _read_file(doc, include_verbatim, stats)


#: Files from which reading is shared among processes (one per CPU): parsing
#: Markdown is pure Python (markdown-it-py), about 2 ms a file of 6 kB, and two
#: processes read 10,000 files in about half the time of one
#: (bench/bench_documents.py). Below this many, starting processes costs more.
PARALLEL_FROM_FILES = 64
#: Files handed to a process at a time.
PARALLEL_CHUNK = 16


def _workers(files: int) -> int:
    if files < PARALLEL_FROM_FILES:
        return 1
    return min(os.cpu_count() or 1, 8)


def _stdin_links(stdin: TextIO | None, include_verbatim: bool,
                 stats: InputStats) -> Iterator[FoundLink]:
    source = stdin if stdin is not None else sys.stdin
    yield from links_in_text(source.read(), name="-", include_verbatim=include_verbatim,
                             stats=stats)


def _file_links(doc: Document, include_verbatim: bool,
                ) -> tuple[list[FoundLink], InputStats]:
    """One file's links and what reading it met (run in a worker process)."""
    stats = InputStats()
    return list(_read_file(doc, include_verbatim, stats)), stats


def _read_in_parallel(docs: list[Document], include_verbatim: bool, stats: InputStats,
                      stdin: TextIO | None, workers: int) -> Iterator[FoundLink]:
    """:func:`links_in_paths` with the files read by ``workers`` processes, in order."""
    from concurrent.futures import ProcessPoolExecutor
    from functools import partial

    with ProcessPoolExecutor(max_workers=workers) as pool:
        read = partial(_file_links, include_verbatim=include_verbatim)
        files = [d for d in docs if d.path is not None]
        results = pool.map(read, files, chunksize=PARALLEL_CHUNK)
        for doc in docs:
            if doc.path is None:
                yield from _stdin_links(stdin, include_verbatim, stats)
                continue
            links, seen = next(results)
            stats.files += seen.files
            stats.bytes += seen.bytes
            stats.links += seen.links
            stats.kinds.update(seen.kinds)
            stats.skipped_links.update(seen.skipped_links)
            stats.skipped_files.extend(seen.skipped_files)
            yield from links
