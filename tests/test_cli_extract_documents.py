"""``archiver extract`` on documents: Markdown, HTML, CSV, folders, globs and stdin."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from archiver.cli import cli
from archiver.manifest import validate_file

SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_8fecf36aac7f0217.txt"


def write(folder: Path) -> None:
    (folder / "docs").mkdir()
    (folder / "docs" / "a.md").write_text(
        "# Notes\n\nSee [Le Monde article](https://www.lemonde.fr/a.html) and "
        "<https://www.bbc.co.uk/b>.\n\n```\nhttps://code.example.org/skip\n```\n",
        encoding="utf-8")
    (folder / "docs" / "b.html").write_text(
        '<html><body><p><a href="https://www.bbc.co.uk/news/x">BBC story</a></p>'
        "<pre>https://pre.example.org/skip</pre></body></html>", encoding="utf-8")
    (folder / "docs" / ".gitignore").write_text("ignored.md\n", encoding="utf-8")
    (folder / "docs" / "ignored.md").write_text("https://ignored.example.org/\n",
                                                encoding="utf-8")
    (folder / "list.csv").write_text(
        "url,title,date\nhttps://www.lemonde.fr/a.html,A,2014-09-01\n"
        "https://www.liberation.fr/z,Z,2014-10\n", encoding="utf-8")


def test_folder_csv_and_glob_give_one_draft_each_url_once(tmp_path: Path) -> None:
    write(tmp_path)
    out = tmp_path / "draft.toml"
    result = CliRunner().invoke(cli, ["extract", str(tmp_path / "docs"),
                                      str(tmp_path / "list.csv"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    urls = [line.split('"')[1] for line in text.splitlines() if line.startswith("url = ")]
    assert urls == ["https://www.lemonde.fr/a.html", "https://www.bbc.co.uk/b",
                    "https://www.bbc.co.uk/news/x", "https://www.liberation.fr/z"]
    assert 'title = "Le Monde article"' in text and 'title = "BBC story"' in text
    assert 'published = "2014-10"' in text  # the CSV's date cell, month precision
    assert "a.md:3" in text  # where each link is written
    assert "also in" in result.stderr and "kept once" in result.stderr
    # the draft is a manifest once the TODOs are filled
    filled = (text.replace('# publisher = "TODO"', 'publisher = "P"')
              .replace('# language = "TODO"', 'language = "fr"')
              .replace("# published = TODO  (YYYY-MM-DD, YYYY-MM or YYYY)",
                       "published = 2014-09-01")
              .replace('# title = "TODO"', 'title = "T"'))
    out.write_text(filled, encoding="utf-8")
    manifest, problems = validate_file(out)
    assert manifest is not None, problems
    glob = CliRunner().invoke(cli, ["extract", str(tmp_path / "docs" / "*.html"),
                                    "--format", "urls"])
    assert glob.exit_code == 0 and glob.stdout.split() == ["https://www.bbc.co.uk/news/x"]


def test_stdin_and_markdown_file() -> None:
    result = CliRunner().invoke(cli, ["extract", "-", "--format", "urls"],
                                input="read https://www.example.org/x and https://b.example.org/y.\n")
    assert result.exit_code == 0, result.output
    assert result.stdout.split() == ["https://www.example.org/x", "https://b.example.org/y"]


@pytest.mark.skipif(not SEED.exists(), reason="../shared/seeds is not beside the clone")
def test_a_dossier_text_stays_a_dossier() -> None:
    result = CliRunner().invoke(cli, ["extract", str(SEED), "--format", "urls"])
    assert result.exit_code == 0
    assert len(result.stdout.split()) == 22 and "proposed quotes" in result.stderr
