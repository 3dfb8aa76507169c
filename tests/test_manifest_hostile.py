"""Hostile manifests: what `archiver validate` lets through must not crash later.

Every case goes the whole way through the CLI: `archiver validate` exits 3,
and so do `archiver fetch` and `archiver run` on the same file (never 5, an
internal error). The cases: a source id or language tag ending in a newline
(the patterns matched with ``$``, which also matches before a final newline),
values nested 200,000 deep (tomllib recursed until Python gave up), and hosts
that are not written in their canonical form (a ``%``, invisible characters,
full-width letters or dots, that IDNA would silently rewrite). A property test
feeds arbitrary text and bytes to the reader.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archiver.cli import cli
from archiver.errors import ArchiverError, ManifestError
from archiver.manifest import check_url, load_manifest, validate_file
from tests.support.pywb_archive import Page, PywbArchive

STORY = "http://news.example.com/2014/10/15/story.html"
FAST = ["--list-rate", "60000", "--download-rate", "1000"]
RUN_FAST = ["--allow-private", "--no-progress", "--per-host-interval", "0", "--backoff", "0.01",
            "--retries", "0", "--no-probe", *FAST]


def manifest_text(*, sid: str = '"story"', url: str = STORY, language: str = '"en"',
                  extra: str = "", manifest_id: str = '"press"') -> str:
    return f"""[manifest]
id = {manifest_id}
title = "Press"

[[source]]
id = {sid}
url = "{url}"
publisher = "Example News"
title = "Story"
published = 2014-10-15
language = {language}
{extra}
"""


@pytest.fixture(scope="module")
def archive(pywb: PywbArchive) -> str:
    return pywb.collection([Page(STORY, "2014-10-16T07:15:00Z", "<html>harbour</html>")])


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def assert_refused_everywhere(path: Path, archive: str, phrase: str) -> None:
    """validate, fetch and run all exit 3 and say ``phrase``; none crashes."""
    checks = {
        "validate": invoke("validate", str(path)),
        "fetch": invoke("fetch", str(path), "--archive", archive,
                        "--warcs", str(path.parent / "warcs"), *FAST),
        "run": invoke("run", str(path), "--archive", archive,
                      "--warcs", str(path.parent / "warcs"),
                      "--db", str(path.parent / "h.sqlite3"), *RUN_FAST),
    }
    for name, result in checks.items():
        assert result.exit_code == 3, (name, result.exit_code, result.output)
        assert phrase in result.output, (name, result.output)
        assert "internal error" not in result.output


# -- finding 8: patterns are full matches ------------------------------------------


@pytest.mark.parametrize(("fields", "phrase"), [
    ({"sid": '"story\\n"'}, "is not a slug"),
    ({"manifest_id": '"press\\n"'}, "is not a slug"),
    ({"language": '"en\\n"'}, "not a BCP 47 tag"),
    ({"language": '"en-\u0661\u0662\u0663"'}, "not a BCP 47 tag"),  # Arabic-Indic digits
    ({"extra": '[[source.quote]]\ntext = "harbour"\nlang = "en\\n"'}, "not a BCP 47 tag"),
])
def test_a_trailing_newline_is_refused_by_validate_fetch_and_run(
        tmp_path: Path, archive: str, fields: dict[str, str], phrase: str) -> None:
    path = tmp_path / "m.toml"
    path.write_text(manifest_text(**fields), encoding="utf-8")
    assert_refused_everywhere(path, archive, phrase)


def test_the_same_manifest_without_the_newline_is_fetched(tmp_path: Path, archive: str) -> None:
    path = tmp_path / "m.toml"
    path.write_text(manifest_text(), encoding="utf-8")
    result = invoke("fetch", str(path), "--archive", archive, "--warcs", str(tmp_path / "w"),
                    *FAST)
    assert result.exit_code == 0, result.output


def test_an_empty_manifest_table_is_an_input_error(tmp_path: Path, archive: str) -> None:
    """Found by the property test below: ``[manifest]`` alone failed an assertion (exit 5)."""
    path = tmp_path / "m.toml"
    path.write_text("[manifest]\n", encoding="utf-8")
    assert_refused_everywhere(path, archive, "missing required key 'id'")


@pytest.mark.parametrize(("field", "phrase"), [
    ("published = 0001-01-01", "out of range"),
    ("published = 9999-12-31", "out of range"),
    ('published = "0001"', "out of range"),
    ("archived_at = 0001-01-01T00:00:00+01:00", "not a date-time"),  # the year 0 in UTC
    ("archived_at = 9999-12-31T23:00:00-05:00", "not a date-time"),  # the year 10000 in UTC
    ("archived_at = 9998-12-31T23:00:00-05:00", "out of range"),
])
def test_dates_whose_arithmetic_overflows_are_refused(tmp_path: Path, archive: str,
                                                      field: str, phrase: str) -> None:
    text = manifest_text(extra=field if field.startswith("archived_at") else "")
    if field.startswith("published"):
        text = text.replace("published = 2014-10-15", field)
    path = tmp_path / "m.toml"
    path.write_text(text, encoding="utf-8")
    assert_refused_everywhere(path, archive, phrase)


# -- finding 8: nesting --------------------------------------------------------------


DEPTH = 200_000


@pytest.mark.parametrize("value", [
    "[" * DEPTH + "]" * DEPTH,
    "{a = " * DEPTH + "1" + "}" * DEPTH,
    "[{a = " * (DEPTH // 2) + "1" + "}]" * (DEPTH // 2),
])
def test_deep_nesting_is_an_input_error(tmp_path: Path, archive: str, value: str) -> None:
    path = tmp_path / "m.toml"
    path.write_text(manifest_text(extra=f"notes = {value}"), encoding="utf-8")
    with pytest.raises(ManifestError, match="nested too deeply"):
        load_manifest(path)
    assert_refused_everywhere(path, archive, "nested too deeply")


@pytest.mark.parametrize("text", [
    manifest_text(extra="notes = " + "[" * 60 + "]" * 60),
    manifest_text(extra="[[source.quote]]\ntext = " + "[" * 60 + "1" + "]" * 60),
    manifest_text() + "[x" + ".x" * 5000 + "]\n",  # dotted table header: dicts, no recursion
])
def test_nesting_the_parser_survives_is_refused_where_the_manifest_is_walked(
        tmp_path: Path, text: str) -> None:
    path = tmp_path / "m.toml"
    path.write_text(text, encoding="utf-8")
    _, problems = validate_file(path)
    assert any("nested too deeply" in p.message for p in problems), [str(p) for p in problems]


def test_ordinary_nesting_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text(manifest_text(extra='[[source.quote]]\ntext = "harbour"\nkind = "direct"'),
                    encoding="utf-8")
    assert len(load_manifest(path).sources[0].quotes) == 1


# -- finding 8: hosts in their canonical form -------------------------------------------


@pytest.mark.parametrize(("host", "canonical"), [
    ("news%2Eexample.com", "news.example.com"),
    ("news.ex%61mple.com", "news.example.com"),
    ("news.exa\u200bmple.com", "news.example.com"),   # zero width space
    ("news.exa\u200cmple.com", "news.example.com"),   # zero width non-joiner
    ("news.exa\u200dmple.com", "news.example.com"),   # zero width joiner
    ("news.exa\u2060mple.com", "news.example.com"),   # word joiner
    ("\ufeffnews.example.com", "news.example.com"),   # byte order mark
    ("news.exa\u00admple.com", "news.example.com"),   # soft hyphen
    ("ｎｅｗｓ.example.com", "news.example.com"),      # full-width letters
    ("news\uff0eexample.com", "news.example.com"),    # full-width full stop
    ("news\u3002example\u3002com", "news.example.com"),  # ideographic full stop
    ("news.example.c\u2134m", "news.example.com"),    # script small o: NFKC -> o
])
def test_a_host_not_in_canonical_form_is_refused_with_its_canonical_spelling(
        tmp_path: Path, archive: str, host: str, canonical: str) -> None:
    url = f"http://{host}/2014/10/15/story.html"
    why = check_url(url)
    assert why is not None and "canonical" in why, why
    path = tmp_path / "m.toml"
    path.write_text(manifest_text(url=url), encoding="utf-8")
    _, problems = validate_file(path)
    assert any(p.hint and repr(canonical) in p.hint for p in problems), \
        [str(p) for p in problems]
    assert_refused_everywhere(path, archive, "canonical")


@pytest.mark.parametrize("host", [
    "bücher.example", "straße.example", "日本.example", "xn--bcher-kva.example",
    "ΕΛΛΗΝΙΚΑ.example", "news.example.com", "NEWS.Example.COM", "127.0.0.1", "[::1]",
])
def test_canonical_hosts_pass(host: str) -> None:
    assert check_url(f"https://{host}/a") is None


# -- property: nothing but ArchiverError ------------------------------------------------

TOKENS = [*'[]{}=",.\'\n #\\-_:aiduslnqtrxe0123456789', "\u200b", "\u3002", "%", "[[source]]\n",
          "[manifest]\n", "[[source.quote]]\n", 'id = "', 'url = "http://', "published = ",
          "archived_at = ", "language = ", "relation = ", "kind = ", "lang = ", "text = ",
          '"""', "'''", "1979-05-27T07:32:00Z", "0001-01-01T00:00:00+01:00", "9999-12-31",
          "inf", "nan", "0x", "true", "9" * 4400]
#: TOML-ish text: manifest and TOML tokens in any order, with any characters between.
TOMLISH = st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=3)),
                   max_size=120).map("".join)
FUZZ = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


def _only_archiver_errors(path: Path) -> None:
    manifest, problems = validate_file(path)
    assert (manifest is None) == any(p.severity == "error" for p in problems)
    if manifest is None:  # a ManifestError (exit 3) and nothing else
        with pytest.raises(ManifestError) as info:
            load_manifest(path)
        assert isinstance(info.value, ArchiverError) and info.value.problems
    else:
        assert load_manifest(path) == manifest


@FUZZ
@given(text=TOMLISH)
def test_tomlish_text_raises_only_archiver_errors(tmp_path: Path, text: str) -> None:
    path = tmp_path / "fuzz.toml"
    path.write_text(manifest_text() + text, encoding="utf-8")
    _only_archiver_errors(path)
    path.write_text(text, encoding="utf-8")
    _only_archiver_errors(path)


@FUZZ
@given(data=st.binary(max_size=400))
def test_arbitrary_bytes_raise_only_archiver_errors(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzz.toml"
    path.write_bytes(data)
    _only_archiver_errors(path)
    path.write_bytes(manifest_text().encode() + data)
    _only_archiver_errors(path)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TOMLISH)
def test_validate_never_exits_5(tmp_path: Path, text: str) -> None:
    path = tmp_path / "fuzz.toml"
    path.write_text(text, encoding="utf-8")
    result = invoke("validate", str(path))
    assert result.exit_code in (0, 3), result.output
