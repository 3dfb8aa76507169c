"""Bibliographies in: BibTeX/BibLaTeX, CSL-JSON and RIS, written by the tests."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from archiver.biblio import (
    looks_like_bibtex,
    looks_like_csljson,
    looks_like_ris,
    parse_partial_date,
    read_bibtex,
    read_csljson,
    read_ris,
    to_draft,
)
from archiver.biblio.bibtex import latex_escape, latex_text, person, split_names
from archiver.dossier import render_toml
from archiver.errors import InputError
from archiver.manifest import load_manifest
from archiver.models import DatePrecision

BIB = r"""
@string{tel = {The Telegraph}}

@online{ross2014,
  title = {{Calais} crisis: {UK} to send old {Nato} security fence \& more},
  author = {Ross, Tim and {World Health Organization} and M{\"u}ller, J{\'e}r{\^o}me},
  date = {2014-09-06},
  urldate = {2014-09-20},
  journaltitle = tel,
  url = {http://www.telegraph.co.uk/news/11079680/Calais-crisis.html?a=1&b=50%25#frag},
  langid = {english},
}

@article{figaro,
  title = {Calais, une certaine honte},
  author = {Polony, Natacha},
  year = 2014,
  month = sep,
  journal = {Le Figaro},
  howpublished = {\url{http://www.lefigaro.fr/vox/2014/09/13/calais.php}},
  language = {french},
}

@book{nourl2015,
  title = {A Book Without a Link},
  year = {2015},
}

@misc{range,
  title = {Range},
  date = {2014-09/2014-10},
  url = {https://example.org/range},
  langid = {en-GB},
}

@article{broken, title = {x}
"""


def test_bibtex_fields() -> None:
    bib = read_bibtex(BIB, "refs.bib")
    by_key = {e.key: e for e in bib.entries}
    ross = by_key["ross2014"]
    assert ross.url == "http://www.telegraph.co.uk/news/11079680/Calais-crisis.html?a=1&b=50%25#frag"
    assert ross.title == "Calais crisis: UK to send old Nato security fence & more"
    assert ross.authors == ("Tim Ross", "World Health Organization", "Jérôme Müller")
    assert ross.published == (date(2014, 9, 6), DatePrecision.DAY)
    assert ross.accessed == date(2014, 9, 20)
    assert ross.publisher == "The Telegraph"  # an @string, resolved
    assert ross.language == "en"
    figaro = by_key["figaro"]
    assert figaro.url == "http://www.lefigaro.fr/vox/2014/09/13/calais.php"
    assert figaro.published == (date(2014, 9, 1), DatePrecision.MONTH)
    assert (figaro.language, figaro.publisher) == ("fr", "Le Figaro")
    assert by_key["range"].published == (date(2014, 9, 1), DatePrecision.MONTH)
    assert by_key["range"].language == "en-GB"
    assert by_key["nourl2015"].url is None
    assert any("does not parse" in s for s in bib.skipped)


def test_bibtex_draft_counts_what_it_skips(tmp_path: Path) -> None:
    draft = to_draft([("refs.bib", read_bibtex(BIB, "refs.bib"))], draft_id="refs",
                     title="Refs")
    assert [s.id for s in draft.sources] == ["ross2014", "figaro", "range"]
    assert any("nourl2015" in s and "no URL" in s for s in draft.skipped)
    assert len(draft.skipped) == 2  # the book without a URL, the broken block
    ross = draft.sources[0]
    assert ross.authors == ("Tim Ross", "World Health Organization", "Jérôme Müller")
    assert ross.author is None
    assert draft.sources[1].author == "Natacha Polony" and not draft.sources[1].authors
    path = tmp_path / "m.toml"
    path.write_text(render_toml(draft), encoding="utf-8")
    manifest = load_manifest(path)
    assert manifest.sources[0].accessed == date(2014, 9, 20)
    assert manifest.sources[2].published_precision is DatePrecision.MONTH


@pytest.mark.parametrize(("value", "names"), [
    ("A and B", ["A", "B"]),
    ("{Barnes and Noble} and Smith, J.", ["{Barnes and Noble}", "Smith, J."]),
    ("A\n  and B AND C", ["A", "B", "C"]),
    ("Anderson, Sandy", ["Anderson, Sandy"]),
])
def test_split_names(value: str, names: list[str]) -> None:
    assert split_names(value) == names


@pytest.mark.parametrize(("name", "shown"), [
    ("Ross, Tim", "Tim Ross"), ("Tim Ross", "Tim Ross"),
    ("Ford, Jr., Henry", "Henry Ford, Jr."), ("{Agence France-Presse}", "Agence France-Presse"),
    ("de la Fontaine, Jean", "Jean de la Fontaine"),
    ("{\\O}stergaard, S{\\o}ren", "Søren Østergaard"),
])
def test_person(name: str, shown: str) -> None:
    assert person(name) == shown


@pytest.mark.parametrize("text", [
    "50% & $5 #1 under_score {braces} ~tilde^caret back\\slash",
    "en -- dash --- and `` quotes '' !` ?` << >> ,,",
    "naïve « guillemets » — “curly” ’",
])
def test_latex_escape_round_trips(text: str) -> None:
    assert latex_text(latex_escape(text)) == text


CSL_ZOTERO = [
    {
        "id": "http://zotero.org/users/local/abc/items/ZX81",
        "type": "article-newspaper",
        "title": "Calais crisis: UK to send old Nato security fence",
        "container-title": "The Telegraph",
        "URL": "http://www.telegraph.co.uk/news/11079680/Calais-crisis.html",
        "author": [{"family": "Ross", "given": "Tim"}, {"literal": "Reuters"},
                   {"family": "Fontaine", "given": "Jean", "non-dropping-particle": "de la"}],
        "issued": {"date-parts": [["2014", 9, 6]]},
        "accessed": {"date-parts": [[2014, "9", "20"]]},
        "language": "en-GB",
        "archive": "Internet Archive",
        "archive_location": "https://web.archive.org/web/20140906101500/http://www.telegraph.co.uk/",
    },
    {"id": "raw", "type": "webpage", "title": "Raw dates", "URL": "https://example.org/raw",
     "issued": {"raw": "September 2014"}, "accessed": {"literal": "2015-01-02"},
     "publisher": "Example", "language": "French"},
    {"id": "shelf", "type": "book", "title": "Shelf", "URL": "https://example.org/shelf",
     "issued": {"date-parts": [[2014]]}, "archive_location": "Box 3, folder 2"},
    {"id": "no-url", "type": "book", "title": "No link"},
    "not an item",
]


def test_csljson_as_zotero_writes_it() -> None:
    bib = read_csljson(json.dumps(CSL_ZOTERO), "zotero.json")
    first, raw, shelf, nourl = bib.entries
    assert first.authors == ("Tim Ross", "Reuters", "Jean de la Fontaine")
    assert first.published == (date(2014, 9, 6), DatePrecision.DAY)
    assert first.accessed == date(2014, 9, 20)
    assert (first.publisher, first.language) == ("The Telegraph", "en-GB")
    assert first.archived_url is not None and first.archived_url.startswith("https://web.archive")
    assert raw.published == (date(2014, 9, 1), DatePrecision.MONTH)
    assert raw.accessed == date(2015, 1, 2)
    assert (raw.publisher, raw.language) == ("Example", "fr")
    assert shelf.archived_url is None  # a shelf mark is not a snapshot
    assert shelf.published == (date(2014, 1, 1), DatePrecision.YEAR)
    assert nourl.url is None
    assert bib.skipped == ("zotero.json item #5: not an object",)
    draft = to_draft([("zotero.json", bib)], draft_id="z", title="Z")
    # A Zotero URI is not a slug: the id is made from the host and date.
    assert [s.id for s in draft.sources] == ["telegraph-2014-09-06", "raw", "shelf"]
    assert len(draft.skipped) == 2


def test_csljson_as_pandoc_writes_it() -> None:
    # pandoc --to csljson: an array, dates as date-parts of numbers, ids = citation keys.
    items = [{"id": "doe2020", "type": "webpage", "title": "T", "URL": "https://example.org/t",
              "author": [{"family": "Doe", "given": "Jane"}],
              "issued": {"date-parts": [[2020, 5]]}, "container-title": "Site"}]
    entry = read_csljson(json.dumps(items), "p.json").entries[0]
    assert (entry.key, entry.published) == ("doe2020", (date(2020, 5, 1), DatePrecision.MONTH))


@pytest.mark.parametrize(("text", "phrase"), [
    ("{not json", "not valid JSON"), ('{"a": 1}', "expected an array"), ("3", "expected an array"),
])
def test_csljson_garbage(text: str, phrase: str) -> None:
    with pytest.raises(InputError, match=phrase):
        read_csljson(text, "x.json")


RIS = """\ufeffTY  - ELEC
TI  - Calais crisis: UK to send old
      Nato security fence
AU  - Ross, Tim
AU  - Smith, John
PY  - 2014/09/06/
Y2  - 2014/09/20
UR  - http://www.telegraph.co.uk/news/11079680/Calais-crisis.html
JO  - The Telegraph
LA  - en
ER  -

TY  - JOUR
T1  - No link here
PY  - 2015///
ER  -

TY  - NEWS
TI  - Last record without ER
DA  - 2014/09
UR  - https://example.org/last
"""


def test_ris() -> None:
    bib = read_ris(RIS, "refs.ris")
    first, nolink, last = bib.entries
    assert first.title == "Calais crisis: UK to send old Nato security fence"
    assert first.authors == ("Tim Ross", "John Smith")
    assert first.published == (date(2014, 9, 6), DatePrecision.DAY)
    assert first.accessed == date(2014, 9, 20)
    assert (first.publisher, first.language) == ("The Telegraph", "en")
    assert nolink.url is None and nolink.published == (date(2015, 1, 1), DatePrecision.YEAR)
    assert last.published == (date(2014, 9, 1), DatePrecision.MONTH)
    assert "the file ends before ER" in last.notes
    draft = to_draft([("refs.ris", bib)], draft_id="r", title="R")
    assert len(draft.sources) == 2 and len(draft.skipped) == 1


def test_sniffers() -> None:
    assert looks_like_bibtex(BIB) and not looks_like_bibtex(RIS)
    assert looks_like_ris(RIS) and not looks_like_ris(BIB)
    assert looks_like_csljson(json.dumps(CSL_ZOTERO)) and not looks_like_csljson(BIB)


@pytest.mark.parametrize(("text", "expected"), [
    ("2014-09-06", (date(2014, 9, 6), DatePrecision.DAY)),
    ("2014-09", (date(2014, 9, 1), DatePrecision.MONTH)),
    ("2014", (date(2014, 1, 1), DatePrecision.YEAR)),
    ("2013-10-30T11:20:51-07:00", (date(2013, 10, 30), DatePrecision.DAY)),
    ("2014-09-06/2014-09-08", (date(2014, 9, 6), DatePrecision.DAY)),
    ("2014/09/06/", (date(2014, 9, 6), DatePrecision.DAY)),
    ("2014///", (date(2014, 1, 1), DatePrecision.YEAR)),
    ("September 6, 2014", (date(2014, 9, 6), DatePrecision.DAY)),
    ("6 septembre 2014", (date(2014, 9, 6), DatePrecision.DAY)),
    ("Sept. 2014", (date(2014, 9, 1), DatePrecision.MONTH)),
    ("2014-02-30", None),
    ("someday", None),
])
def test_partial_dates(text: str, expected: tuple[date, DatePrecision] | None) -> None:
    assert parse_partial_date(text) == expected


def test_same_url_twice_is_listed_not_dropped() -> None:
    bib = read_bibtex("@misc{a, url={https://example.org/x}, title={A}}\n"
                      "@misc{b, url={http://www.example.org/x/}, title={B}}\n", "d.bib")
    draft = to_draft([("d.bib", bib)], draft_id="d", title="D")
    assert [s.id for s in draft.sources] == ["a"]
    assert draft.skipped == ("d.bib line 2 (b): same URL as d.bib line 1 (a), kept there",)
