"""Manifest reading and validation (pure, no network)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from archiver.errors import ManifestError
from archiver.manifest import check_url, load_manifest, validate_file
from archiver.models import DatePrecision, QuoteKind, Relation

ROOT = Path(__file__).resolve().parents[1]

GOOD = """\
[manifest]
id = "t"
title = "Test"

[[source]]
id = "a"
url = "https://www.example.org/a"
publisher = "Example"
title = "A"
published = 2014-08-28
language = "fr"

  [[source.quote]]
  text = "« la fibre humanitaire est dans la famille »"
  kind = "direct"

[[source]]
id = "b"
url = "https://example.org/b"
publisher = "Example"
title = "B"
published = "2014-09-01"
language = "en-GB"
relation = "related"
archived_at = "20140902101500"
"""


def write(tmp_path: Path, text: str | bytes, name: str = "m.toml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def messages(path: Path) -> list[str]:
    _, problems = validate_file(path)
    return [str(p) for p in problems]


def test_good_manifest_loads(tmp_path: Path) -> None:
    m = load_manifest(write(tmp_path, GOOD))
    assert m.id == "t"
    a, b = m.sources
    assert a.published == date(2014, 8, 28)
    assert a.quotes[0].kind is QuoteKind.DIRECT
    assert a.line == 5 and b.line == 17
    assert b.relation is Relation.RELATED
    assert b.archived_at == datetime(2014, 9, 2, 10, 15, tzinfo=UTC)


@pytest.mark.parametrize("path", ["manifests/example.toml", "manifests/calais-2014.toml"])
def test_committed_manifests_are_valid(path: str) -> None:
    manifest, problems = validate_file(ROOT / path)
    assert manifest is not None, [str(p) for p in problems]
    assert not [p for p in problems if p.severity == "error"]


@pytest.mark.parametrize(
    ("url", "phrase"),
    [
        ("javascript:alert(1)", "scheme 'javascript'"),
        ("file:///etc/passwd", "scheme 'file'"),
        ("data:text/html,hi", "scheme 'data'"),
        ("https://user:pw@example.org/", "credentials"),
        ("https://example.org/a b", "whitespace"),
        ("https://example.org/split-\nurl", "whitespace"),
        ("//example.org/a", "scheme '(none)'"),
        ("example.org/a", "scheme '(none)'"),
        ("https:///nohost", "no host"),
        ("https://example.org:99999/", "invalid port"),
    ],
)
def test_bad_urls(url: str, phrase: str) -> None:
    why = check_url(url)
    assert why is not None and phrase in why


def test_good_urls() -> None:
    for url in ("http://www.unhcr.fr/54255c659.html",
                "https://www.epresse.fr/titre-presse/consultation?mid=48b2",
                "http://127.0.0.1:8080/x", "http://localhost/x"):
        assert check_url(url) is None, url


def test_all_errors_reported_in_one_pass(tmp_path: Path) -> None:
    text = GOOD.replace('id = "b"', 'id = "a"').replace(
        'url = "https://example.org/b"', 'url = "javascript:void(0)"').replace(
        "published = 2014-08-28", 'published = "2014-02-30"').replace(
        'kind = "direct"', 'kind = "quoted"')
    msgs = messages(write(tmp_path, text))
    joined = "\n".join(msgs)
    assert "not a real date" in joined
    assert "kind 'quoted'" in joined
    assert "scheme 'javascript'" in joined
    assert all("m.toml" in m for m in msgs)
    # Errors name the source and the line of its [[source]] header.
    assert any("[source 'a']" in m and "m.toml:5" in m for m in msgs)
    assert any("m.toml:17" in m for m in msgs)


def test_duplicate_ids_and_urls(tmp_path: Path) -> None:
    first = GOOD.index("[[source]]")
    text = GOOD + GOOD[first:GOOD.index("[[source]]", first + 1)]
    _, problems = validate_file(write(tmp_path, text))
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity == "warning"]
    assert any("duplicate source id 'a'" in p.message for p in errors)
    assert any("also listed as source 'a'" in p.message for p in warnings)


def test_equivalent_url_spellings_are_duplicates(tmp_path: Path) -> None:
    text = GOOD.replace("https://example.org/b", "http://www.example.org/a/")
    _, problems = validate_file(write(tmp_path, text))
    assert any("also listed" in p.message for p in problems)


def test_empty_quote_and_missing_fields(tmp_path: Path) -> None:
    text = GOOD.replace('text = "« la fibre humanitaire est dans la famille »"',
                        'text = "   "').replace('publisher = "Example"\ntitle = "B"\n', "")
    msgs = "\n".join(messages(write(tmp_path, text)))
    assert "quote #1 has no text" in msgs
    assert "missing required key 'publisher'" in msgs
    assert "missing required key 'title'" in msgs


def test_unknown_key_suggests(tmp_path: Path) -> None:
    text = GOOD.replace("language = \"fr\"", "langauge = \"fr\"")
    msgs = "\n".join(messages(write(tmp_path, text)))
    assert "unknown key 'langauge'" in msgs
    assert "did you mean 'language'" in msgs


def test_bad_language_and_slug(tmp_path: Path) -> None:
    text = GOOD.replace('language = "fr"', 'language = "French"').replace(
        'id = "a"', 'id = "Not A Slug"')
    msgs = "\n".join(messages(write(tmp_path, text)))
    assert "not a BCP 47 tag" in msgs
    assert "is not a slug" in msgs


@pytest.mark.parametrize(
    ("content", "phrase"),
    [
        (b"", "file is empty"),
        (b"   \n\n", "file is empty"),
        (b"\x00\x01\x02binary\xff\xfe", "binary"),
        (b'[manifest]\nid = "caf\xe9"\n', "not valid UTF-8"),
        (b"[manifest\nid = 1\n", "invalid TOML"),
        (b'id = "x"\n', "missing [manifest] table"),
        (b'source = "oops"\n[manifest]\nid = "x"\ntitle = "t"\n', "array of tables"),
    ],
)
def test_garbage_input(tmp_path: Path, content: bytes, phrase: str) -> None:
    msgs = "\n".join(messages(write(tmp_path, content)))
    assert phrase in msgs


def test_invalid_toml_has_line(tmp_path: Path) -> None:
    _, problems = validate_file(write(tmp_path, GOOD + "\n[[source]\nid = 'x'\n"))
    assert problems[0].line == GOOD.count("\n") + 2


def test_huge_file_is_refused_without_parsing(tmp_path: Path) -> None:
    path = tmp_path / "big.toml"
    with path.open("wb") as fh:  # sparse: nothing is written past the first MB
        fh.write(b"# " + b"x" * 1024 * 1024 + b"\n")
        fh.seek(1100 * 1024 * 1024)
        fh.write(b"\n")
    msgs = "\n".join(messages(path))
    assert "1100.0 MB" in msgs and "limited to 1024 MB" in msgs
    _, problems = validate_file(path, max_bytes=5 * 1024 * 1024)
    assert "limited to 5 MB" in "\n".join(str(p) for p in problems)


def test_jsonl_manifest_reads_like_toml_with_its_line_numbers(tmp_path: Path) -> None:
    toml = load_manifest(ROOT / "manifests" / "calais-2014.toml")
    lines = [json.dumps({"manifest": {"id": toml.id, "title": toml.title}})]
    for src in toml.sources:
        item: dict[str, object] = {
            "id": src.id, "url": src.url, "publisher": src.publisher, "title": src.title,
            "published": src.published.isoformat(), "language": src.language,
            "relation": src.relation.value,
            "quote": [{"text": q.text, **({"kind": q.kind.value} if q.kind else {})}
                      for q in src.quotes]}
        if src.author:
            item["author"] = src.author
        lines.append(json.dumps(item, ensure_ascii=False))
    path = tmp_path / "calais.jsonl"
    path.write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    loaded = load_manifest(path)
    assert [s.id for s in loaded.sources] == [s.id for s in toml.sources]
    assert [s.line for s in loaded.sources] == list(range(2, len(toml.sources) + 2))
    assert [s.quotes for s in loaded.sources] == [s.quotes for s in toml.sources]
    assert [s.published for s in loaded.sources] == [s.published for s in toml.sources]
    # a line separator inside a JSON string is text, not the end of a record
    one = json.loads(lines[1])
    one["title"] = "before\u2028after\u0085end"
    path.write_text("\n".join([lines[0], json.dumps(one, ensure_ascii=False)]) + "\r\n",
                    encoding="utf-8")
    assert load_manifest(path).sources[0].title == "before\u2028after\u0085end"
    # every bad line is reported with its number
    lines[3] = "{not json"
    lines[5] = "[1, 2"
    path.write_text("\n".join(lines), encoding="utf-8")
    problems = "\n".join(str(p) for p in validate_file(path)[1])
    assert "calais.jsonl:4: error: invalid JSON" in problems
    assert "calais.jsonl:6: error: invalid JSON" in problems
    path.write_text('{"source": {}}\n', encoding="utf-8")
    problems = "\n".join(str(p) for p in validate_file(path)[1])
    assert "first line must be" in problems


def test_a_json_lines_manifest_is_built_line_by_line(tmp_path: Path) -> None:
    """The parsed lines of a big JSON Lines manifest are never held together: beyond
    the sources kept, loading needs about the file's text (measured: 6 MB over a 4 MB
    file of 20,000 sources, where parsing every line first needed 22 MB)."""
    import tracemalloc

    lines = [json.dumps({"manifest": {"id": "m", "title": "M"}})]
    lines += [json.dumps({"id": f"s{i}", "url": f"https://h{i % 50}.example/p/{i}",
                          "publisher": "P", "title": f"Title {i}", "published": "2014-01-01",
                          "language": "en", "quote": [{"text": f"A passage number {i}."}]})
              for i in range(20_000)]
    path = tmp_path / "big.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    size = path.stat().st_size
    del lines
    tracemalloc.start()
    try:
        loaded = load_manifest(path)
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(loaded.sources) == 20_000 and loaded.sources[-1].line == 20_001
    assert peak - kept < 2.5 * size, (peak - kept, size)


def test_a_json_lines_line_that_is_not_json_sets_the_other_faults_aside(
        tmp_path: Path) -> None:
    """As a TOML syntax error does: only the lines that are not JSON are reported."""
    path = tmp_path / "m.jsonl"
    good = {"id": "a", "url": "https://example.org/a", "publisher": "P", "title": "T",
            "published": "2014-01-01", "language": "en"}
    rows = [{"manifest": {"id": "m", "title": "M"}}, {**good, "published": "yesterday"},
            {**good, "id": "b", "url": "https://example.org/b"},
            {**good, "id": "c", "url": "https://example.org/b"}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n{broken\n",
                    encoding="utf-8")
    problems = [str(p) for p in validate_file(path)[1]]
    assert len(problems) == 1 and "m.jsonl:5: error: invalid JSON" in problems[0]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    problems = [str(p) for p in validate_file(path)[1]]
    assert any("m.jsonl:2 " in p and "published" in p for p in problems), problems
    assert any("URL is also listed" in p for p in problems), problems
    path.write_text(json.dumps(rows[0]) + "\n\n", encoding="utf-8")
    manifest, problems_ = validate_file(path)
    assert manifest is not None and manifest.sources == ()
    assert ["no [[source]] entries" in str(p) for p in problems_] == [True]


def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert "file not found" in "\n".join(messages(tmp_path / "nope.toml"))
    assert "is a directory" in "\n".join(messages(tmp_path))


def test_load_manifest_raises_with_all_problems(tmp_path: Path) -> None:
    text = GOOD.replace("2014-08-28", '"yesterday"').replace('"en-GB"', '"english please"')
    with pytest.raises(ManifestError) as info:
        load_manifest(write(tmp_path, text))
    assert len(info.value.problems) == 2
    assert "2 errors" in str(info.value)


def test_partial_dates(tmp_path: Path) -> None:
    text = GOOD.replace('published = "2014-09-01"', 'published = "2014-09"')
    m = load_manifest(write(tmp_path, text))
    assert m.sources[1].published == date(2014, 9, 1)
    assert m.sources[1].published_precision is DatePrecision.MONTH
    assert m.sources[0].published_precision is DatePrecision.DAY
    year = load_manifest(write(tmp_path, GOOD.replace('"2014-09-01"', '"2014"'), "y.toml"))
    assert year.sources[1].published_precision is DatePrecision.YEAR
    bad = "\n".join(messages(write(tmp_path, GOOD.replace('"2014-09-01"', '"2014-13"'), "b.toml")))
    assert "not a real date" in bad


def test_project_dir(tmp_path: Path) -> None:
    (tmp_path / "manifests").mkdir()
    m = load_manifest(write(tmp_path / "manifests", GOOD))
    assert m.project_dir == tmp_path.resolve()
    m2 = load_manifest(write(tmp_path, GOOD))
    assert m2.project_dir == tmp_path.resolve()
