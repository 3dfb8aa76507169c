"""ManifestReader: a manifest read a batch of sources at a time (issue 13, "Streaming").

Whatever the manifest, the reader must give what ``load_manifest`` and
``validate_file`` give (the same sources, line numbers included, the same
problems, ManifestError exactly when they refuse it), yielding a batch only
while nothing is wrong; each property below is compared with them on
generated manifests, TOML and JSON Lines, including the ones a split at
``[[source]]`` lines gets wrong.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Generator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from archiver import manifest as manifest_module
from archiver.errors import ManifestError, Severity
from archiver.manifest import (
    READ_BATCH,
    ManifestReader,
    load_manifest,
    validate_file,
)
from archiver.models import Manifest, Source

PROPERTY = settings(max_examples=400, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])

HEAD = '[manifest]\nid = "t"\ntitle = "Test"\n'


def toml_source(i: int, **extra: str) -> str:
    fields = {"id": f'"s{i}"', "url": f'"https://example.org/{i}"', "publisher": '"P"',
              "title": f'"T {i}"', "published": "2014-08-28", "language": '"en"', **extra}
    return "\n[[source]]\n" + "".join(f"{k} = {v}\n" for k, v in fields.items())


def toml_manifest(n: int, **extra_of: dict[str, str]) -> str:
    """A valid TOML manifest of ``n`` sources; ``extra_of["s3"]`` adds fields to s3."""
    return HEAD + "".join(toml_source(i, **extra_of.get(f"s{i}", {})) for i in range(n))


def read(reader: ManifestReader) -> list[list[Source]]:
    return list(reader.batches())


def flat(batches: list[list[Source]]) -> list[Source]:
    return [source for batch in batches for source in batch]


def write(tmp_path: Path, text: str, name: str = "m.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def same_as_load_manifest(path: Path, batch: int, keep: bool = True) -> list[list[Source]]:
    """Read ``path`` with the reader and check it against validate_file/load_manifest.

    Returns the batches yielded (before any ManifestError)."""
    expected, problems = validate_file(path)
    try:
        reader = ManifestReader(path, batch=batch, keep=keep)
    except ManifestError as err:
        assert expected is None
        assert err.problems == problems
        return []
    batches: list[list[Source]] = []
    try:
        for one in reader.batches():
            assert 0 < len(one) <= batch
            batches.append(one)
    except ManifestError as err:
        assert expected is None, "the reader refused a manifest load_manifest reads"
        assert err.problems == problems
        assert reader.problems == problems
        with pytest.raises(ManifestError) as again:
            reader.manifest() if keep else reader.head()
        assert again.value.problems == problems
        with pytest.raises(ManifestError):
            load_manifest(path)
        # nothing at or past the first fault was yielded, each source once
        yielded = flat(batches)
        assert len({s.id for s in yielded}) == len(yielded)
        lines = [p.line for p in problems if p.line is not None and p.severity is Severity.ERROR]
        if lines:
            assert all(s.line is not None and s.line < min(lines) for s in yielded)
        return batches
    assert expected is not None, f"the reader read a manifest load_manifest refuses: {problems}"
    assert flat(batches) == list(expected.sources)
    assert [s.line for s in flat(batches)] == [s.line for s in expected.sources]
    if keep:
        assert reader.manifest() == expected == load_manifest(path)
    else:
        with pytest.raises(RuntimeError, match="does not keep its sources"):
            reader.manifest()
    assert reader.head() == replace(expected, sources=())
    assert reader.problems == problems
    return batches


def spy_on_whole_reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The files a ManifestReader reads whole after a fault, from now on."""
    whole_reads: list[Path] = []
    real = ManifestReader._read_whole

    def spy(self: ManifestReader) -> Generator[list[Source], None, Manifest]:
        whole_reads.append(self.path)
        return (yield from real(self))

    monkeypatch.setattr(ManifestReader, "_read_whole", spy)
    return whole_reads


# -- generated manifests ---------------------------------------------------------------

HEADER_LINES = st.sampled_from(["[[source]]", "[[ source ]]", "  [[source]]", "\t[[ source]]"])
WORDS = st.sampled_from(["plain", 'with "quotes"', "l'apostrophe", "é ü 中", "x = 1", "#",
                         "[manifest]", "[source]"])


@st.composite
def note_lines(draw: st.DrawFn) -> list[str]:
    """Lines of a multi-line note; some are [[source]] headers, which it must not split."""
    return draw(st.lists(st.one_of(HEADER_LINES, WORDS), min_size=1, max_size=4))


FAULTS = ("duplicate id", "duplicate url", "invalid field", "syntax error", "late [manifest]",
          "source in the head")
#: What makes ``source`` a key of the text before the first [[source]] header.
SOURCE_IN_HEAD = ["[source]\n", "source = []\n", "source.x = 1\n", "[source.x]\n",
                  "[[source]]\n"]


@st.composite
def generated(draw: st.DrawFn) -> tuple[str, str, int]:
    """(file name, text, batch): a manifest of 0 to 40 sources, right and wrong in many ways.

    Each fault is drawn for the whole manifest (one in six), at one source, so that
    about half the manifests are valid and read a batch at a time."""
    jsonl = draw(st.booleans())
    n = draw(st.integers(0, 40))
    batch = draw(st.integers(1, 7))
    faults = {fault: draw(st.integers(-1, n - 1)) for fault in FAULTS
              if draw(st.integers(0, 5)) == 0}
    notes = draw(st.booleans())  # multi-line notes, some holding [[source]] lines
    sources: list[dict[str, Any]] = []
    for i in range(n):
        source: dict[str, Any] = {
            "id": f"s{i}", "url": f"https://example.org/{i}",
            "publisher": draw(WORDS), "title": f'Title "{i}"',
            "published": draw(st.sampled_from(["2014-08-28", "2014-08", "2014"])),
            "language": "en",
        }
        if faults.get("duplicate id") == i:
            source["id"] = "s0"
        if faults.get("duplicate url") == i:
            source["url"] = "https://example.org/0"
        if draw(st.booleans()):
            source["author"] = draw(WORDS)
        if notes and draw(st.integers(0, 3)) == 0:
            source["note"] = "\n".join(draw(note_lines()))
        if draw(st.booleans()):
            source["quote"] = [{"text": draw(WORDS)}]
        if faults.get("invalid field") == i:
            key, value = draw(st.sampled_from([("language", "english"), ("published", "2014-13"),
                                               ("url", "ftp://example.org/"), ("titel", "x")]))
            source[key] = value
        sources.append(source)
    late_head = "late [manifest]" in faults
    syntax_error_at = faults.get("syntax error")
    if jsonl:
        lines = [json.dumps(s) for s in sources]
        head = json.dumps({"manifest": {"id": "t", "title": "Test"}})
        lines.insert(len(lines) if late_head else 0, head)
        if draw(st.booleans()):
            lines.insert(draw(st.integers(0, len(lines))), "")
        if syntax_error_at is not None:
            lines.insert(min(syntax_error_at + 2, len(lines)), '{"id": "broken"')
        return "m.jsonl", "\n".join(lines) + "\n", batch
    parts = [] if late_head else [HEAD]
    if "source in the head" in faults:
        parts.append(draw(st.sampled_from(SOURCE_IN_HEAD)).replace("[[source]]", '[["source"]]'))
    for i, source in enumerate(sources):
        lines = [draw(HEADER_LINES)]
        if draw(st.integers(0, 3)) == 0:
            lines.append(f"# a comment {draw(HEADER_LINES)}")
        for key, value in source.items():
            if key == "quote":
                continue
            if key == "published" and value == "2014-08-28":
                lines.append(f"{key} = {value}")
            elif key == "note":
                opener = draw(st.sampled_from(['"""', "'''"]))
                body = value.replace('"', "'") if opener == '"""' else value.replace("'", '"')
                lines.append(f"{key} = {opener}\n{body}\n{opener}")
            else:
                lines.append(f"{key} = {json.dumps(value)}  # {key}")
        for quote in source.get("quote", []):
            lines.append(f"  [[source.quote]]\n  text = {json.dumps(quote['text'])}")
        if syntax_error_at == i:
            lines.append(draw(st.sampled_from(['broken = "unterminated', "= 1", "x = [1,"])))
        parts.append("\n" + "\n".join(lines) + "\n")
    if late_head:
        parts.append("\n" + HEAD)
    if syntax_error_at == -1:
        parts.append("\nbroken = \n")
    return "m.toml", "".join(parts), batch


@PROPERTY
@given(case=generated(), keep=st.booleans())
def test_the_reader_reads_what_load_manifest_reads(monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path,
                                                   case: tuple[str, str, int],
                                                   keep: bool) -> None:
    name, text, batch = case
    path = write(tmp_path, text, name)
    whole_reads = spy_on_whole_reads(monkeypatch)
    batches = same_as_load_manifest(path, batch, keep)
    # which ways the examples went (pytest --hypothesis-show-statistics)
    valid = validate_file(path)[0] is not None
    event(f"{name[2:]}: {'valid' if valid else 'refused'}, "
          f"{'read whole after a fault' if whole_reads else 'batches only'}"
          f"{', batches before the fault' if batches and not valid else ''}")


# -- the reader a batch at a time ------------------------------------------------------


@pytest.mark.parametrize("name", ["m.toml", "m.jsonl"])
def test_a_valid_manifest_is_never_read_whole(monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path, name: str) -> None:
    if name.endswith(".jsonl"):
        lines = [json.dumps({"manifest": {"id": "t", "title": "Test"}})]
        lines += [json.dumps({"id": f"s{i}", "url": f"https://example.org/{i}", "publisher": "P",
                              "title": "T", "published": "2014-08-28", "language": "en"})
                  for i in range(23)]
        path = write(tmp_path, "\n".join(lines) + "\n", name)
    else:
        path = write(tmp_path, toml_manifest(23, s5={"note": '"""\nmulti\nline\n"""'}), name)
    expected = load_manifest(path)

    def whole(*args: Any) -> None:
        raise AssertionError("the whole text was read")

    monkeypatch.setattr(manifest_module, "_load_text", whole)
    batches = read(ManifestReader(path, batch=5))
    assert [len(b) for b in batches] == [5, 5, 5, 5, 3]
    assert flat(batches) == list(expected.sources)


@pytest.mark.parametrize("keep", [True, False])
def test_a_split_inside_a_multi_line_string_is_recovered(monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path, keep: bool) -> None:
    notes = {"s1": {"note": '"""\nnot a header:\n[[source]]\n  [[ source ]]\n"""'},
             "s4": {"note": "'''\n[[source]]\n'''"}}
    path = write(tmp_path, toml_manifest(7, **notes))
    whole_reads = spy_on_whole_reads(monkeypatch)
    batches = same_as_load_manifest(path, batch=1, keep=keep)
    assert whole_reads, "the split inside the string was not noticed"
    assert [s.id for s in flat(batches)] == [f"s{i}" for i in range(7)]
    assert "[[source]]" in (flat(batches)[1].note or "")


def test_an_invalid_source_stops_the_batches_before_it(tmp_path: Path) -> None:
    text = toml_manifest(40, s29={"language": '"english"'})
    path = write(tmp_path, text)
    reader = ManifestReader(path, batch=4)
    yielded: list[Source] = []
    with pytest.raises(ManifestError) as err:
        for batch in reader.batches():
            yielded.extend(batch)
    # source #30 (s29) is in the 8th batch (s28-s31): the 7 before it were yielded, not it
    assert [s.id for s in yielded] == [f"s{i}" for i in range(28)]
    line = text.splitlines().index('id = "s29"')  # the header is the line before: 1-based
    assert [(p.line, p.source_id) for p in err.value.problems] == [(line, "s29")]
    assert "not a BCP 47 tag" in err.value.problems[0].message
    assert err.value.problems == validate_file(path)[1]


def test_a_manifest_table_after_the_sources(tmp_path: Path) -> None:
    text = "".join(toml_source(i) for i in range(9)) + "\n" + HEAD
    batches = same_as_load_manifest(write(tmp_path, text), batch=4)
    assert [s.id for s in flat(batches)] == [f"s{i}" for i in range(9)]


@pytest.mark.parametrize("head", SOURCE_IN_HEAD)
def test_source_in_the_head_is_read_whole(tmp_path: Path, head: str) -> None:
    """The whole parse refuses a [[source]] after a ``source`` that is not an array of
    tables; the chunks parsed alone would not: the head must not hold ``source``."""
    text = HEAD + head.replace("[[source]]", '[["source"]]') + "".join(
        toml_source(i) for i in range(4))
    same_as_load_manifest(write(tmp_path, text), batch=2)


def test_a_duplicate_id_across_batches_is_found(tmp_path: Path) -> None:
    path = write(tmp_path, toml_manifest(6, s5={"id": '"s1"'}))
    with pytest.raises(ManifestError, match="1 error") as err:
        read(ManifestReader(path, batch=2))
    assert "duplicate source id 's1'" in err.value.problems[0].message


def test_a_duplicate_url_across_batches_is_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, toml_manifest(6, s5={"url": '"https://example.org/1"'}))
    reader = ManifestReader(path, batch=2)
    assert len(flat(read(reader))) == 6
    assert [p.message for p in reader.problems] == ["URL is also listed as source 's1'"]
    assert reader.problems == validate_file(path)[1]


@pytest.mark.parametrize("name", ["m.toml", "m.jsonl"])
def test_the_first_batch_comes_before_the_rest_is_parsed(tmp_path: Path, name: str) -> None:
    if name.endswith(".jsonl"):
        lines = [json.dumps({"manifest": {"id": "t", "title": "Test"}})]
        lines += [json.dumps({"id": f"s{i}", "url": f"https://example.org/{i}", "publisher": "P",
                              "title": "T", "published": "2014-08-28", "language": "en"})
                  for i in range(10)]
        text = "\n".join(lines) + '\n{"id": "s10", \n'
        bad_line = 12
    else:
        text = toml_manifest(10) + '\n[[source]]\nid = "s10\n'
        bad_line = text.count("\n")
    path = write(tmp_path, text, name)
    batches = ManifestReader(path, batch=3).batches()
    assert [s.id for s in next(batches)] == ["s0", "s1", "s2"]
    with pytest.raises(ManifestError) as err:
        list(batches)
    assert [p.line for p in err.value.problems] == [bad_line]
    assert "invalid" in err.value.problems[0].message
    assert err.value.problems == validate_file(path)[1]


@pytest.mark.parametrize(("content", "phrase"), [
    (None, "file not found"),
    ("", "file is empty"),
    ("\x00binary", "file is binary"),
    (b"[manifest]\nid = \"\xff\"\n", "not valid UTF-8"),
    ("x" * 2000, "manifests are limited to"),
])
def test_an_unreadable_file_raises_at_construction(tmp_path: Path, content: str | bytes | None,
                                                   phrase: str) -> None:
    path = tmp_path / "m.toml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ManifestError) as err:
        ManifestReader(path, max_bytes=1000)
    assert phrase in err.value.problems[0].message
    assert err.value.problems == validate_file(path, max_bytes=1000)[1]


def test_a_directory_raises_at_construction(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="1 error") as err:
        ManifestReader(tmp_path)
    assert "is a directory" in err.value.problems[0].message


def test_manifest_reads_the_rest_and_batches_may_be_iterated_once(tmp_path: Path) -> None:
    path = write(tmp_path, toml_manifest(10))
    reader = ManifestReader(path, batch=4)
    batches = reader.batches()
    assert len(next(batches)) == 4
    assert reader.manifest() == load_manifest(path)  # reads the other six
    assert list(batches) == []
    with pytest.raises(RuntimeError, match="iterated once"):
        reader.batches()
    fresh = ManifestReader(path)
    assert fresh.manifest() == load_manifest(path)  # without batches() at all
    with pytest.raises(RuntimeError, match="iterated once"):
        fresh.batches()


def test_batches_closed_early_leave_no_manifest(tmp_path: Path) -> None:
    reader = ManifestReader(write(tmp_path, toml_manifest(10)), batch=4)
    batches = reader.batches()
    next(batches)
    batches.close()  # type: ignore[attr-defined]  # a generator, typed as an Iterator
    with pytest.raises(RuntimeError, match="closed before"):
        reader.manifest()


def test_an_empty_list_of_sources_is_a_warning_and_no_batch(tmp_path: Path) -> None:
    for name, text in (("m.toml", HEAD), ("m.jsonl", '{"manifest": {"id": "t", "title": "T"}}')):
        path = write(tmp_path, text, name)
        reader = ManifestReader(path)
        assert read(reader) == []
        assert reader.manifest().sources == ()
        assert [p.message for p in reader.problems] == ["manifest has no [[source]] entries"]


def test_the_collector_runs_between_batches(tmp_path: Path) -> None:
    """Paused while a chunk is parsed and built, not across the reading: the reader is
    interleaved with a running check."""
    path = write(tmp_path, toml_manifest(9))
    paused = []
    real = manifest_module._parse_toml

    def spy(*args: Any) -> Any:
        paused.append(not gc.isenabled())
        return real(*args)

    assert gc.isenabled()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(manifest_module, "_parse_toml", spy)
        for _ in ManifestReader(path, batch=3).batches():
            assert gc.isenabled()
    assert paused == [True] * 4  # the head and three chunks


def test_sources_that_differ_from_the_whole_read_are_a_bug(monkeypatch: pytest.MonkeyPatch,
                                                           tmp_path: Path) -> None:
    path = write(tmp_path, toml_manifest(6) + "\n" + HEAD.replace("[manifest]", "[other]"))
    real = manifest_module._load_text
    good = load_manifest(write(tmp_path, toml_manifest(6), "good.toml"))

    def wrong(*args: Any) -> Manifest | None:
        loaded = real(*args)
        assert loaded is None  # [other] is an unknown key: the whole read refuses it
        return replace(good, sources=good.sources[::-1])

    monkeypatch.setattr(manifest_module, "_load_text", wrong)
    reader = ManifestReader(path, batch=2)
    with pytest.raises(RuntimeError, match=r"m\.toml.*differ"):
        read(reader)


@pytest.mark.parametrize("keep", [True, False])
def test_fewer_sources_in_the_whole_read_are_a_bug(monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path, keep: bool) -> None:
    """The sources yielded before a fault are compared by count and digest, kept or not."""
    path = write(tmp_path, toml_manifest(6) + "\n" + HEAD.replace("[manifest]", "[other]"))
    good = load_manifest(write(tmp_path, toml_manifest(6), "good.toml"))
    monkeypatch.setattr(manifest_module, "_load_text",
                        lambda *args: replace(good, sources=good.sources[:3]))
    with pytest.raises(RuntimeError, match="differ"):
        read(ManifestReader(path, batch=4, keep=keep))


@pytest.mark.parametrize("name", ["m.toml", "m.jsonl"])
def test_a_reader_that_does_not_keep_holds_no_source(tmp_path: Path, name: str) -> None:
    """keep=False: each batch is handed out and dropped; the reader holds none of them."""
    marker = f"publisher {name}"
    if name.endswith(".jsonl"):
        lines = [json.dumps({"manifest": {"id": "t", "title": "Test"}})]
        lines += [json.dumps({"id": f"s{i}", "url": f"https://example.org/{i}",
                              "publisher": marker, "title": "T", "published": "2014-08-28",
                              "language": "en"})
                  for i in range(11)]
        path = write(tmp_path, "\n".join(lines) + "\n", name)
    else:
        path = write(tmp_path, HEAD + "".join(toml_source(i, publisher=f'"{marker}"')
                                              for i in range(11)), name)

    def alive() -> int:  # Source has slots and no __weakref__: counted among gc's objects
        gc.collect()
        return sum(1 for o in gc.get_objects()
                   if isinstance(o, Source) and o.publisher == marker)

    reader = ManifestReader(path, batch=4, keep=False)
    seen = 0
    for batch in reader.batches():
        seen += len(batch)
        assert alive() == len(batch)  # while reading: only the batch in hand
        del batch
    assert seen == 11
    assert alive() == 0
    assert reader.head() == replace(load_manifest(path), sources=())
    kept = ManifestReader(path, batch=4)
    for _ in kept.batches():
        pass
    assert alive() == 11  # the default keeps them, for manifest()
    assert len(kept.manifest().sources) == 11


def test_a_batch_below_one_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        ManifestReader(write(tmp_path, toml_manifest(1)), batch=0)


def test_the_default_batch_is_the_named_constant(tmp_path: Path) -> None:
    path = write(tmp_path, toml_manifest(READ_BATCH + 1))
    assert [len(b) for b in read(ManifestReader(path))] == [READ_BATCH, 1]
