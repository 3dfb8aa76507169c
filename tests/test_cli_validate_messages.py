"""``archiver validate`` says what is wrong: a date that does not exist, a warning made an error."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from archiver.cli import cli


def manifest(tmp_path: Path, published: str, url_b: str = "http://e.com/b") -> Path:
    path = tmp_path / "m.toml"
    path.write_text(
        '[manifest]\nid = "x"\ntitle = "t"\n\n'
        + "".join(f'[[source]]\nid = "{sid}"\nurl = "{url}"\npublisher = "p"\ntitle = "t"\n'
                  f'published = {published}\nlanguage = "en"\n'
                  '[[source.quote]]\ntext = "hello"\n\n'
                  for sid, url in (("a", "http://e.com/a"), ("b", url_b))),
        encoding="utf-8")
    return path


def validate(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, ["validate", *map(str, args)])


@pytest.mark.parametrize(("published", "says"), [
    ("2014-11-31", "November 2014 has 30 days (there is no day 31)"),
    ("2014-02-29", "February 2014 has 28 days (there is no day 29)"),
    ("2014-13-01", "there is no month 13"),
    ('"2014-11-31"', "November 2014 has 30 days"),
    ('"2014-13-01"', "there is no month 13"),
    ('"2014-13"', "there is no month 13"),
])
def test_a_date_that_does_not_exist_is_called_that(tmp_path: Path, published: str,
                                                   says: str) -> None:
    result = validate(manifest(tmp_path, published))
    assert result.exit_code == 3
    assert says in result.stderr, result.stderr
    assert "need quotes" not in result.stderr and "[brackets]" not in result.stderr


def test_a_warning_made_an_error_by_strict_is_counted_as_that(tmp_path: Path) -> None:
    path = manifest(tmp_path, "2014-11-03", url_b="http://e.com/a")  # a duplicate URL
    plain = validate(path)
    assert plain.exit_code == 0, plain.stderr
    assert "warning:" in plain.stderr
    strict = validate("--strict", path)
    assert strict.exit_code == 3
    assert "invalid: 1 warning, treated as an error by --strict" in strict.stderr
    assert "invalid: 1 error" not in strict.stderr
