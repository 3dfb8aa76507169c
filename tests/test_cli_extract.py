"""``archiver extract INPUT…``: each input's kind, several inputs, and --merge."""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from archiver.cli import cli
from archiver.cli.extract_cmd import KINDS, kind_of
from archiver.errors import InputError
from archiver.manifest import load_manifest

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "seeds" / "000_8fecf36aac7f0217.txt"

BIB = """@online{ross2014,
  title = {Calais crisis: UK to send old Nato security fence},
  author = {Ross, Tim},
  date = {2014-09-06},
  urldate = {2014-09-20},
  organization = {The Telegraph},
  url = {http://www.telegraph.co.uk/news/11079680/Calais-crisis.html},
  langid = {english},
}
@book{nourl, title = {No link}, year = {2015}}
"""
CSL = json.dumps([{"id": "guardian", "type": "webpage", "title": "UK to pay £12m",
                   "URL": "https://www.theguardian.com/uk-news/2014/sep/20/calais",
                   "issued": {"date-parts": [[2014, 9, 20]]}, "container-title": "The Guardian",
                   "language": "en"}])
RIS = """TY  - NEWS
TI  - Migrants : Londres offre à Calais des clôtures
UR  - http://www.nordlittoral.fr/accueil/migrants-ia0b0n136914
PY  - 2014/09/07/
JO  - Nord Littoral
LA  - fr
ER  -
"""
DOSSIER = """« Nord Littoral », 7 septembre 2014

Migrants : Londres offre à Calais des clôtures

Dans un éditorial publié aujourd'hui par le « Daily Telegraph », le ministre britannique de
l'Immigration a proposé une solution pour sécuriser le port de Calais et empêcher les migrants
d'atteindre l'Angleterre, a-t-il expliqué dans la presse.

http://www.nordlittoral.fr/accueil/migrants-ia0b0n136914
http://www.example.fr/autre-article-sur-le-meme-sujet.html
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("name", "text", "kind"), [
    ("refs.bib", BIB, "BibTeX"), ("refs.txt", BIB, "BibTeX"),
    ("zotero.json", CSL, "CSL-JSON"), ("export", CSL, "CSL-JSON"),
    ("refs.ris", RIS, "RIS"), ("refs.dat", RIS, "RIS"),
    ("dossier.txt", DOSSIER, "dossier text"), ("DOSSIER", DOSSIER, "dossier text"),
])
def test_kind_by_extension_then_content(tmp_path: Path, name: str, text: str,
                                         kind: str) -> None:
    assert kind_of(tmp_path / name, text).name == kind


def test_unknown_kind_names_the_file_and_the_kinds(tmp_path: Path) -> None:
    path = write(tmp_path, "notes.txt", "nothing to see here, no links at all\n")
    with pytest.raises(InputError, match=r"notes\.txt: cannot tell what kind"):
        kind_of(path, path.read_text())
    result = CliRunner().invoke(cli, ["extract", str(path)])
    assert result.exit_code == 3
    assert "cannot tell what kind of input" in result.stderr
    for kind in KINDS:
        assert kind.name in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_several_inputs_make_one_draft(tmp_path: Path) -> None:
    inputs = [write(tmp_path, "refs.bib", BIB), write(tmp_path, "z.json", CSL),
              write(tmp_path, "r.ris", RIS), write(tmp_path, "d.txt", DOSSIER)]
    out = tmp_path / "draft.toml"
    result = CliRunner().invoke(cli, ["extract", *map(str, inputs), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    data = tomllib.loads(out.read_text(encoding="utf-8"))
    urls = [s["url"] for s in data["source"]]
    # The RIS record and the dossier's article are one page: kept once, said so.
    assert urls == ["http://www.telegraph.co.uk/news/11079680/Calais-crisis.html",
                    "https://www.theguardian.com/uk-news/2014/sep/20/calais",
                    "http://www.nordlittoral.fr/accueil/migrants-ia0b0n136914",
                    "http://www.example.fr/autre-article-sur-le-meme-sujet.html"]
    assert "is also in" in result.stderr and "kept once" in result.stderr
    assert "skipped:" in result.stderr and "(nourl): no URL" in result.stderr
    assert "1 entries skipped" in result.stderr
    assert len({s["id"] for s in data["source"]}) == 4


def test_bibliography_draft_validates(tmp_path: Path) -> None:
    out = tmp_path / "m.toml"
    result = CliRunner().invoke(cli, ["extract", str(write(tmp_path, "refs.bib", BIB)),
                                      "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    manifest = load_manifest(out)
    (src,) = manifest.sources
    assert (src.id, src.author, str(src.accessed)) == ("ross2014", "Tim Ross", "2014-09-20")
    urls = CliRunner().invoke(cli, ["extract", str(tmp_path / "refs.bib"), "--format", "urls"])
    assert urls.stdout.split() == [src.url]


MANIFEST = """# My curated manifest; comments and layout are mine.
[manifest]
id = "mine"
title = "Mine"

[[source]]
id   = "telegraph-fence"          # hand-picked id
url  = "https://telegraph.co.uk/news/11079680/Calais-crisis.html/"
publisher = "The Telegraph"
title = "Hand-edited title"
published = 2014-09-06
language = "en"

  [[source.quote]]
  text = "Britain is no soft touch"
"""


def test_merge_keeps_every_existing_byte(tmp_path: Path) -> None:
    manifest = write(tmp_path, "m.toml", MANIFEST)
    before = manifest.read_bytes()
    result = CliRunner().invoke(cli, ["extract", "--merge", str(manifest),
                                      str(write(tmp_path, "refs.bib", BIB)),
                                      str(write(tmp_path, "z.json", CSL))])
    assert result.exit_code == 0, result.stderr
    after = manifest.read_bytes()
    assert after.startswith(before)  # nothing before the new tables changed
    assert result.stdout == ""
    # The Telegraph is the same page (scheme, www. and the slash aside): not added,
    # its different title listed, not applied.
    assert "differs: telegraph-fence: title is 'Hand-edited title'" in result.stderr
    assert "added: guardian" in result.stderr
    assert "1 sources added, 1 already there" in result.stderr
    assert "nothing removed" in result.stderr and "(nourl): no URL" in result.stderr
    merged = load_manifest(manifest)
    assert [s.id for s in merged.sources] == ["telegraph-fence", "guardian"]
    # Merging the same inputs again adds nothing and leaves the file as it is.
    again = CliRunner().invoke(cli, ["extract", "--merge", str(manifest),
                                     str(tmp_path / "refs.bib"), str(tmp_path / "z.json")])
    assert again.exit_code == 0 and "the file is unchanged" in again.stderr
    assert manifest.read_bytes() == after


def test_merge_gives_fresh_ids(tmp_path: Path) -> None:
    manifest = write(tmp_path, "m.toml", MANIFEST.replace('"telegraph-fence"', '"guardian"'))
    other = tmp_path / "out.toml"
    result = CliRunner().invoke(cli, ["extract", "--merge", str(manifest), "-o", str(other),
                                      str(write(tmp_path, "z.json", CSL))])
    assert result.exit_code == 0, result.stderr
    assert manifest.read_text(encoding="utf-8").count("[[source]]") == 1  # -o: left alone
    ids = [s.id for s in load_manifest(other).sources]
    assert ids == ["guardian", "guardian-2"]


@pytest.mark.parametrize(("text", "phrase"), [
    ("not = [toml", "not valid TOML"), ('source = "x"\n', "not a manifest"),
])
def test_merge_into_garbage(tmp_path: Path, text: str, phrase: str) -> None:
    manifest = write(tmp_path, "m.toml", text)
    result = CliRunner().invoke(cli, ["extract", "--merge", str(manifest),
                                      str(write(tmp_path, "z.json", CSL))])
    assert result.exit_code == 3 and phrase in result.stderr
    assert manifest.read_text(encoding="utf-8") == text


def test_merge_refuses_other_formats(tmp_path: Path) -> None:
    manifest = write(tmp_path, "m.toml", MANIFEST)
    result = CliRunner().invoke(cli, ["extract", "--merge", str(manifest), "--format", "json",
                                      str(write(tmp_path, "z.json", CSL))])
    assert result.exit_code == 3 and "--merge writes a manifest" in result.stderr


@pytest.mark.skipif(not SEED.exists(), reason="the shared seed dossier is not beside the clone")
def test_merging_the_seed_into_the_flagship_changes_nothing(tmp_path: Path) -> None:
    manifest = tmp_path / "manifests" / "calais-2014.toml"
    manifest.parent.mkdir()
    shutil.copyfile(ROOT / "manifests" / "calais-2014.toml", manifest)
    before = manifest.read_bytes()
    result = CliRunner().invoke(cli, ["extract", "--merge", str(manifest), str(SEED)])
    assert result.exit_code == 0, result.stderr
    assert manifest.read_bytes() == before
    assert "0 sources added, 22 already there" in result.stderr


def test_urls_and_json_of_several_inputs(tmp_path: Path) -> None:
    from archiver.schemas import schema_id
    from tests.test_schemas import validator

    inputs = [str(write(tmp_path, "d.txt", DOSSIER)), str(write(tmp_path, "r.ris", RIS)),
              str(write(tmp_path, "refs.bib", BIB))]
    urls = CliRunner().invoke(cli, ["extract", *inputs, "--format", "urls"])
    assert urls.exit_code == 0, urls.stderr
    assert urls.stdout.split() == [
        "http://www.nordlittoral.fr/accueil/migrants-ia0b0n136914",
        "http://www.example.fr/autre-article-sur-le-meme-sujet.html",
        "http://www.telegraph.co.uk/news/11079680/Calais-crisis.html"]
    result = CliRunner().invoke(cli, ["extract", *inputs, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    validator(schema_id("extract")).validate(document)
    assert document["skipped"] and document["sources"][-1]["accessed"] == "2014-09-20"


def test_merge_keeps_windows_line_ends(tmp_path: Path) -> None:
    manifest = tmp_path / "m.toml"
    manifest.write_bytes(MANIFEST.replace("\n", "\r\n").encode("utf-8"))
    before = manifest.read_bytes()
    result = CliRunner().invoke(cli, ["extract", "--merge", str(manifest),
                                      str(write(tmp_path, "z.json", CSL))])
    assert result.exit_code == 0, result.stderr
    after = manifest.read_bytes()
    assert after.startswith(before) and b"\n" not in after.replace(b"\r\n", b"")
    assert [s.id for s in load_manifest(manifest).sources] == ["telegraph-fence", "guardian"]
