"""Loading manifests fast changes nothing loaded (issue 13).

Manifests are parsed with compiled tomli when it is installed, the standard
library's tomllib otherwise: every manifest (the committed ones, the tests'
own, generated ones, broken ones) must load to the same Manifest and the same
problems either way. The shortcuts in the checks (plain URLs, URL keys, the
depth walk, the ``[[source]]`` line numbers) must give exactly what the long
way gives: each is compared with it on generated input.
"""

from __future__ import annotations

import ast
import gc
import json
import platform
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
import tomli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archiver import manifest, urls
from archiver.errors import Problem
from archiver.manifest import (
    MAX_NESTING,
    SOURCE_HEADER_RE,
    _check_url,
    _check_url_full,
    _depth,
    _source_lines,
    validate_file,
)
from archiver.models import Manifest

ROOT = Path(__file__).resolve().parents[1]
PARSERS = {"tomllib": tomllib.loads, "tomli": tomli.loads}
PROPERTY = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])

HEAD = '[manifest]\nid = "t"\ntitle = "Test"\n'
SOURCE = ('\n[[source]]\nid = "a"\nurl = "https://example.org/a"\npublisher = "P"\n'
          'title = "T"\npublished = 2014-08-28\nlanguage = "en"\n')


def load_with(monkeypatch: pytest.MonkeyPatch, parser: str,
              path: Path) -> tuple[Manifest | None, list[Problem]]:
    with monkeypatch.context() as patch:
        patch.setattr(manifest, "_toml_loads", PARSERS[parser])
        return validate_file(path)


def both(monkeypatch: pytest.MonkeyPatch, path: Path) -> tuple[Manifest | None, list[Problem]]:
    """What tomllib and tomli make of ``path``, asserted equal: that result."""
    with_tomllib = load_with(monkeypatch, "tomllib", path)
    with_tomli = load_with(monkeypatch, "tomli", path)
    assert with_tomli == with_tomllib
    return with_tomli


# -- which parser ---------------------------------------------------------------------


def test_compiled_tomli_reads_manifests_here() -> None:
    assert manifest.TOML_PARSER.startswith("tomli 2.3."), manifest.TOML_PARSER
    assert manifest._toml_loads is tomli.loads
    if sys.platform != "linux" or platform.machine() not in ("x86_64", "aarch64"):
        pytest.skip("tomli's compiled wheels are checked for on Linux x86_64 and aarch64")
    assert tomli.__file__ is not None and tomli.__file__.endswith(".so"), \
        "the pure-Python tomli is no faster than tomllib: install its compiled wheel"


@pytest.mark.parametrize("version", ["2.4.0", "2.5.0", "3.0", "2.3.1", "2.2.1", "2.0.1"])
def test_a_tomli_reading_another_dialect_or_unbounded_is_not_used(
        monkeypatch: pytest.MonkeyPatch, version: str) -> None:
    monkeypatch.setattr(tomli, "__version__", version)
    loads, errors, name = manifest._toml_parser()
    assert (loads, name) == (tomllib.loads, "tomllib")
    assert tomli.TOMLDecodeError in errors  # caught whichever parser raised it


# -- the same manifests either way ----------------------------------------------------


def committed_and_test_manifests() -> Iterator[str]:
    """The repository's manifests, and every manifest text written in the tests."""
    for path in sorted((ROOT / "manifests").glob("*.toml")):
        yield path.read_text(encoding="utf-8")
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and "[manifest]" in node.value:
                yield node.value


MANIFESTS = list(committed_and_test_manifests())


def test_the_manifests_gathered_are_many() -> None:
    assert len(MANIFESTS) >= 20  # the committed two and the tests' own


@pytest.mark.parametrize("index", range(len(MANIFESTS)))
def test_committed_and_test_manifests_load_alike(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path, index: int) -> None:
    path = tmp_path / "m.toml"
    path.write_text(MANIFESTS[index], encoding="utf-8")
    both(monkeypatch, path)


def test_the_committed_example_loads_whole_with_tomli(monkeypatch: pytest.MonkeyPatch) -> None:
    loaded, problems = both(monkeypatch, ROOT / "manifests" / "calais-2014.toml")
    assert loaded is not None and loaded.sources, problems
    assert all(s.line is not None for s in loaded.sources)


def toml_string(text: str) -> str:
    return json.dumps(text)  # a JSON string is a TOML basic string (escapes alike)


def toml_value(value: Any) -> str:
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return str(value)


TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
VALUE = st.one_of(
    TEXT, st.integers(-10, 10**6), st.booleans(),
    st.sampled_from(["2014-08-28", "2014-02-30", "2014-13-01", "0999-01-01", "2014-08-28T10:00:00Z",
                     "1979-05-27T07:32:00+01:00", "07:32:00", "inf", "nan"]),
    st.lists(TEXT, max_size=3),
)
DATES = st.sampled_from(["2014-08-28", '"2014-08"', '"2014"', '"2014-13"', "2014-02-29",
                         '"20140902101500"', "1979-05-27T07:32:00Z"])
KEYS = st.sampled_from(["id", "url", "publisher", "title", "language", "author", "relation",
                        "archived_url", "archived_at", "note", "ignore", "expect", "accessed",
                        "authors", "titel", "x"])
URLS = st.one_of(st.sampled_from(["https://example.org/a", "http://example.org/a/",
                                  "https://EXAMPLE.org/a", "ftp://example.org/", "http://a/",
                                  "https://www.example.org/a?x=1#f"]), TEXT)


@st.composite
def generated_manifest(draw: st.DrawFn) -> str:
    """A manifest of a few sources, most fields right, some wrong, some keys unknown."""
    parts = [HEAD]
    for n in range(draw(st.integers(0, 4))):
        sid = draw(st.one_of(st.just(f"s{n}"), st.just("s0"), TEXT))
        fields = {"id": toml_string(sid), "url": toml_string(draw(URLS)),
                  "publisher": '"P"', "title": '"T"', "published": draw(DATES),
                  "language": draw(st.sampled_from(['"en"', '"fr-CA"', '"english"', "1"]))}
        for key in draw(st.lists(KEYS, max_size=3, unique=True)):
            fields[key] = toml_value(draw(VALUE))
        if draw(st.booleans()):
            del fields[draw(st.sampled_from(sorted(fields)))]
        parts.append("\n[[source]]\n" + "".join(f"{k} = {v}\n" for k, v in fields.items()))
        for _ in range(draw(st.integers(0, 2))):
            quote = {"text": toml_string(draw(TEXT))}
            if draw(st.booleans()):
                quote[draw(st.sampled_from(["kind", "lang", "txt"]))] = toml_value(draw(VALUE))
            parts.append("  [[source.quote]]\n" + "".join(f"  {k} = {v}\n"
                                                          for k, v in quote.items()))
    return "".join(parts)


@PROPERTY
@given(text=generated_manifest())
def test_generated_manifests_load_alike(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                        text: str) -> None:
    path = tmp_path / "m.toml"
    path.write_text(text, encoding="utf-8")
    both(monkeypatch, path)


TOKENS = [*'[]{}=",.\'\n #\\-_:aiduslnqtrxe0123456789', "\r", "\t", "\u200b", "%",
          "[[source]]\n", "[manifest]\n", "[[source.quote]]\n", 'id = "', 'url = "http://',
          "published = ", "archived_at = ", "language = ", "text = ", '"""', "'''",
          "1979-05-27T07:32:00Z", "2014-02-30", "2014-13-01", "9999-12-31", "inf", "nan",
          "0x", "true", "9" * 4400, "a = {b = 1,}", '"\\e"', "07:32", "[" * 500, "]" * 500]


@PROPERTY
@given(text=st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=3)),
                     max_size=80).map("".join))
def test_broken_documents_give_the_same_problems(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path, text: str) -> None:
    path = tmp_path / "m.toml"
    for document in (text, HEAD + SOURCE + text):
        path.write_text(document, encoding="utf-8")
        both(monkeypatch, path)


@pytest.mark.parametrize(("tail", "phrase", "line"), [
    ('note = "unterminated\n', "invalid TOML: Illegal character", 12),
    ("note = 1 2\n", "invalid TOML: Expected newline", 12),
    ("note = 2014-02-30\n", "February 2014 has 28 days", 12),  # the _date_fault hint
    ("note = 2014-04-31\n", "April 2014 has 30 days", 12),
    ("[[source]]\nid = \n", "invalid TOML: Invalid value", 13),
    ('[manifest]\nid = "again"\n', "invalid TOML: Cannot declare ('manifest',) twice", 12),
    ('note = """never closed\n', "invalid TOML: Unterminated string", None),  # at end
    ("note = [1,\n2,\n", "invalid TOML: Invalid value", None),
    ("note = {a = 1,}\n", "invalid TOML: Invalid initial character", 12),  # TOML 1.1 only
    ('note = "\\e"\n', "invalid TOML: Unescaped", 12),  # TOML 1.1 only
    ("note = 07:32\n", "invalid TOML: Expected newline", 12),  # TOML 1.1 only
    ("note = " + "9" * 5000 + "\n", "Exceeds the limit (4300 digits)", None),
    ("note = " + "[" * 100_000 + "]" * 100_000 + "\n", "nested too deeply", None),
    ("note = " + "[" * 100_000 + "\n", "nested too deeply", None),  # never closed
    ("note = " + "{a = " * 100_000 + "1" + "}" * 100_000 + "\n", "nested too deeply", None),
    ("note = " + "[{a = " * 50_000 + "1" + "}]" * 50_000 + "\n", "nested too deeply", None),
    ("note = " + "[" * 60 + "]" * 60 + "\n", "nested too deeply", None),  # the walk's limit
])
def test_a_broken_document_reads_alike_with_either_parser(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tail: str, phrase: str,
        line: int | None) -> None:
    path = tmp_path / "m.toml"
    path.write_text(HEAD + SOURCE + tail, encoding="utf-8")
    loaded, problems = both(monkeypatch, path)
    assert loaded is None
    assert len(problems) == 1 and phrase in problems[0].message, problems
    assert problems[0].line == line, problems


def test_the_line_of_an_error_is_the_message_s_last_position(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # a key that reads like a position is not taken for the error's line
    path = tmp_path / "m.toml"
    path.write_text(HEAD + '["(at line 2, column 1)"]\n["(at line 2, column 1)"]\n',
                    encoding="utf-8")
    _, problems = both(monkeypatch, path)
    assert [p.line for p in problems] == [5], problems
    assert "(at line 2, column 1)" in problems[0].message  # the key, shown


DEEP_IN_A_THREAD = """
import sys, threading
from pathlib import Path
from archiver.manifest import validate_file
out = []
def work():
    for path in sys.argv[1:]:
        _, problems = validate_file(path)
        out.append(" | ".join(p.message for p in problems))
thread = threading.Thread(target=work)
thread.start()
thread.join()
print("\\n".join(out))
"""


def test_deep_nesting_never_crashes_a_worker_thread(tmp_path: Path) -> None:
    # a compiled parser that recursed as deep as the document would overflow the C
    # stack and kill the process; it must say "nested too deeply", in a thread too
    paths = []
    for n, value in enumerate(["[" * 100_000 + "]" * 100_000, "[" * 399 + "]" * 399,
                               "{a = " * 100_000 + "1" + "}" * 100_000,
                               "[{a = " * 50_000 + "1" + "}]" * 50_000]):
        path = tmp_path / f"deep{n}.toml"
        path.write_text(HEAD + SOURCE + f"note = {value}\n", encoding="utf-8")
        paths.append(str(path))
    done = subprocess.run([sys.executable, "-c", DEEP_IN_A_THREAD, *paths],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    lines = done.stdout.splitlines()
    assert len(lines) == 4 and all("nested too deeply" in line for line in lines), lines


# -- the shortcuts give what the long way gives -----------------------------------------

HOST_CHARS = "abcxyzABZ019-._~%@:[]!$&'()*+,;=" + "\u200b\uff0e\u3002éß"
URL_CHARS = HOST_CHARS + "/?#<> \t\n\x00\x7f\"\\^`{|}\u00a0\u2028"


@st.composite
def url_like(draw: st.DrawFn) -> str:
    """Mostly URLs near the plain ones, with every kind of small fault."""
    scheme = draw(st.sampled_from(["http", "https", "HTTP", "Https", "ftp", "", "http:", "h"]))
    sep = draw(st.sampled_from(["://", ":/", ":", "//", ":///"]))
    host = draw(st.one_of(
        st.sampled_from(["example.org", "www.example.org", "a.b", "localhost", "127.0.0.1",
                         "[::1]", "a..b", ".", "a.", ".a", "xn--bcher-kva.example",
                         "EXAMPLE.org", "u:p@a.b", "a.b.", "www.a"]),
        st.text(HOST_CHARS, max_size=12)))
    port = draw(st.sampled_from(["", ":", ":80", ":443", ":0080", ":8080", ":65535", ":65536",
                                 ":99999", ":123456", ":x", ":-1"]))
    rest = draw(st.one_of(
        st.sampled_from(["", "/", "/a/b.html", "/a/./b/../c/", "/%7e/%2F", "?q=1", "#f",
                         "/p?a=1&b=2#frag?x", "/p#f?q", "/a>", "/<a>", "/.", "/..", "?"]),
        st.text(URL_CHARS, max_size=16)))
    return scheme + sep + host + port + rest


PLAIN_URLS = ["https://www.example.org/2014/09/20/story.html",
              "http://127.1.0.7:8080/p/17", "https://news.example.com/a?id=3&x=y#top",
              "http://example.org", "https://sub-1.example.co.uk:8443/a/b/c/"]


@PROPERTY
@given(url=st.one_of(url_like(), st.text(URL_CHARS, max_size=30)))
def test_check_url_s_shortcut_agrees_with_the_full_check(url: str) -> None:
    assert _check_url(url) == _check_url_full(url)


@PROPERTY
@given(url=st.one_of(url_like(), st.text(URL_CHARS, max_size=30)))
def test_url_key_s_shortcut_agrees_with_urlsplit(url: str) -> None:
    assert urls.url_key(url) == urls._key(url, lenient=False)


@pytest.mark.parametrize("url", PLAIN_URLS)
def test_plain_urls_take_the_shortcuts(url: str) -> None:
    assert manifest._PLAIN_URL_RE.fullmatch(url) and _check_url_full(url) is None
    assert urls._plain_key(url) == urls._key(url, lenient=False)


def normalise_escapes_long_way(path: str) -> str:
    """urls._normalise_escapes before its shortcut, character by character."""
    out: list[str] = []
    i = 0
    while i < len(path):
        ch = path[i]
        match = urls._ESCAPE_RE.match(path, i) if ch == "%" else None
        if match:
            decoded = chr(int(match.group(1), 16))
            out.append(decoded if decoded in urls._UNRESERVED else "%" + match.group(1).upper())
            i += 3
            continue
        out.extend(ch if ch in urls._PATH_SAFE
                   else (f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass")))
        i += 1
    return "".join(out)


def remove_dot_segments_long_way(path: str) -> str:
    """urls._remove_dot_segments before its shortcut."""
    if "." not in path:
        return path
    segments = path.split("/")
    out: list[str] = []
    for seg in segments[1:] if path.startswith("/") else segments:
        if seg == "..":
            if out:
                out.pop()
        elif seg != ".":
            out.append(seg)
    trailing = segments[-1] in (".", "..")
    return "/" + "/".join(out) + ("/" if trailing and out else "")


@PROPERTY
@given(path=st.one_of(st.text(URL_CHARS + "%7eE2", max_size=20),
                      st.lists(st.sampled_from(["/", ".", "..", "a", ".a", "a.", "%2e"]),
                               max_size=8).map("".join)))
def test_path_shortcuts_agree_with_the_long_way(path: str) -> None:
    assert urls._normalise_escapes(path) == normalise_escapes_long_way(path)
    assert urls._remove_dot_segments(path) == remove_dot_segments_long_way(path)


def test_the_plain_path_pattern_is_exactly_the_safe_characters() -> None:
    matched = {chr(c) for c in range(0x110000) if urls._PLAIN_PATH_RE.fullmatch(chr(c))}
    assert matched == set(urls._PATH_SAFE)


def depth_long_way(data: object) -> int:
    """manifest._depth before it walked level by level: a stack of every value."""
    deepest = 0
    stack: list[tuple[object, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Iterable[object] = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, depth)
        if depth > MAX_NESTING:
            break
        stack.extend((child, depth + 1) for child in children)
    return deepest


def nested(depth: int) -> object:
    value: object = 1
    for n in range(depth):
        value = [value] if n % 2 else {"a": value, "b": "x"}
    return value


JSONISH = st.recursive(st.one_of(st.none(), st.integers(), st.text(max_size=2)),
                       lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(st.text(max_size=2), inner, max_size=3), max_leaves=40)


@PROPERTY
@given(data=st.one_of(JSONISH, st.integers(0, 80).map(nested),
                      st.lists(st.integers(0, 40).map(nested), max_size=4)))
def test_the_depth_walk_agrees_with_the_long_way(data: object) -> None:
    assert _depth(data) == depth_long_way(data)


def source_lines_long_way(text: str) -> list[int]:
    """manifest._source_lines before it searched for "[[" first."""
    lines: list[int] = []
    line, pos = 1, 0
    for m in SOURCE_HEADER_RE.finditer(text):
        line += text.count("\n", pos, m.start())
        pos = m.start()
        lines.append(line)
    return lines


@PROPERTY
@given(text=st.lists(st.sampled_from(["[[source]]", "[[ source ]]", "[[source.quote]]",
                                      "[[[source]]", "[source]", "[[source]", " ", "\t", "\n",
                                      "\r\n", "\r", "x", "#", '"', "[", "]]"]),
                     max_size=40).map("".join))
def test_source_lines_agree_with_the_long_way(text: str) -> None:
    assert _source_lines(text) == source_lines_long_way(text)


def test_source_lines_of_a_big_manifest() -> None:
    text = HEAD + "".join(SOURCE.replace('"a"', f'"s{n}"', 1) for n in range(500))
    assert _source_lines(text) == source_lines_long_way(text) == \
        [5 + 8 * n for n in range(500)]
    assert re.search(r"\[\[source\]\]", text)


# -- the garbage collector, paused while loading ------------------------------------------


def test_the_collector_is_paused_while_loading_and_resumed_after(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen: list[bool] = []
    real_build = manifest._build

    def build(*args: Any, **kwargs: Any) -> Manifest | None:
        seen.append(gc.isenabled())
        return real_build(*args, **kwargs)

    monkeypatch.setattr(manifest, "_build", build)
    good = tmp_path / "good.toml"
    good.write_text(HEAD + SOURCE, encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(HEAD + SOURCE + "note = [1,\n", encoding="utf-8")
    assert gc.isenabled()
    assert validate_file(good)[0] is not None and gc.isenabled()
    assert validate_file(bad)[0] is None and gc.isenabled()  # returned from inside
    assert seen == [False]
    monkeypatch.setattr(manifest, "_build", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        validate_file(good)
    assert gc.isenabled()


def test_a_collector_the_program_paused_stays_paused(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text(HEAD + SOURCE, encoding="utf-8")
    gc.disable()
    try:
        assert validate_file(path)[0] is not None
        assert not gc.isenabled()
    finally:
        gc.enable()


# -- the shortcuts stay linear on hostile input ---------------------------------------------

LONG = 200_000


@pytest.mark.parametrize("url", [
    "http://" + "." * LONG + " ", "http://a" + ".a" * LONG + "!", "http://a.b/" + "/" * LONG + " ",
    "http://a.b?" + "?" * LONG + ">", "https://a" + "-" * LONG + ".b:99999",
])
def test_a_long_hostile_url_is_judged_in_one_pass(url: str) -> None:
    # a pattern that could match a URL in more than one way would try them all:
    # minutes for these (quadratic), not milliseconds
    assert _check_url(url) == _check_url_full(url)
    assert urls.url_key(url) == urls._key(url, lenient=False)


def test_many_headers_on_long_lines_are_counted_in_one_pass() -> None:
    text = (" " * LONG + "[[source]]\n" + ("x[[source]]" * (LONG // 10) + "\n") * 3
            + "  [[source]]" * (LONG // 10))
    assert _source_lines(text) == source_lines_long_way(text) == [1, 5]
