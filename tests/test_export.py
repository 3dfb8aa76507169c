"""``archiver export``: sources out for reference managers, and back in unchanged."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archiver.biblio import read_bibtex, read_csljson, to_draft
from archiver.biblio.bibtex import write_entries
from archiver.biblio.csljson import text_quote_selector, write_items
from archiver.cli import cli
from archiver.dossier import render_toml, toml_string
from archiver.history import History
from archiver.manifest import load_manifest
from archiver.models import Manifest, QuoteResult, QuoteStatus, Relation, Source
from archiver.store import LEDGER_NAME, LedgerEntry

MANIFEST = """[manifest]
id = "ports"
title = "Ports"

[[source]]
id = "harbour-times"
url = "https://news.example.co.uk/2015/mar/04/harbour.html"
publisher = "The Harbour Times"
title = "Harbour authority announces new ferry terminal"
authors = ["John Smith", "Jane Doe"]
published = 2015-03-04
language = "en-GB"
accessed = 2015-03-10
archived_url = "https://web.archive.org/web/20150305000000/https://news.example.co.uk/"
archived_at = "20150305000000"

  [[source.quote]]
  text = "We will rebuild everything"
  kind = "direct"

  [[source.quote]]
  text = "Le port sera reconstruit"
  lang = "fr"

[[source]]
id = "journal-du-port"
url = "http://www.example-presse.fr/2015/03/budget"
publisher = "Le Journal du Port"
title = "Un budget exceptionnel pour le port"
author = "Jeanne Martin"
published = "2015-03"
language = "fr"
relation = "related"
"""


def strip_lines(m: Manifest) -> list[Source]:
    return [replace(s, line=None) for s in m.sources]


def import_back(tmp_path: Path, name: str, text: str) -> Manifest:
    bib = read_csljson(text, name) if name.endswith(".json") else read_bibtex(text, name)
    draft = to_draft([(name, bib)], draft_id="back", title="Back")
    assert draft.skipped == ()
    path = tmp_path / "back.toml"
    path.write_text(render_toml(draft), encoding="utf-8")
    return load_manifest(path)


def test_csljson_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text(MANIFEST, encoding="utf-8")
    manifest = load_manifest(path)
    items = write_items(manifest.sources, replay={}, states={})
    first = items[0]
    assert first["author"] == [{"literal": "John Smith"}, {"literal": "Jane Doe"}]
    assert first["issued"] == {"date-parts": [[2015, 3, 4]]}
    assert first["accessed"] == {"date-parts": [[2015, 3, 10]]}
    assert first["archive_location"].startswith("https://web.archive.org/")
    assert items[1]["issued"] == {"date-parts": [[2015, 3]]}
    back = import_back(tmp_path, "x.json", json.dumps(items))
    assert strip_lines(back) == strip_lines(manifest)


def test_bibtex_round_trip_of_what_bibtex_holds(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text(MANIFEST, encoding="utf-8")
    manifest = load_manifest(path)
    text = write_entries(manifest.sources, replay={})
    assert "@online{harbour-times," in text and "urldate = {2015-03-10}" in text
    assert "langid = {british}" in text and "date = {2015-03}" in text
    assert "note = {Archived at \\url{https://web.archive.org/" in text
    back = import_back(tmp_path, "x.bib", text)
    # BibTeX has no place for quotes, the relation or the snapshot's time.
    expected = [replace(s, quotes=(), relation=Relation.CITED, archived_at=None)
                for s in strip_lines(manifest)]
    assert strip_lines(back) == expected


# --------------------------------------------------------------------------
# lossless, as a property
# --------------------------------------------------------------------------

SLUG = st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True)
TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1,
               max_size=40).filter(lambda t: t.strip() != "")
LANGS = st.sampled_from(["en", "fr", "de", "en-GB", "pt-BR", "zh-Hant", "es", "EN", "nb"])
PATH = st.text(st.sampled_from("abcdefXYZ0129-._~/%?=&#"), max_size=30)


@st.composite
def sources(draw: st.DrawFn, ident: str, *, plain: bool) -> str:
    """One ``[[source]]`` table as TOML text. ``plain``: text BibTeX can hold (TeX
    reads white space as one space)."""
    text = TEXT.map(lambda t: " ".join(t.split())).filter(bool) if plain else TEXT
    host = draw(st.sampled_from(["example.org", "www.example.co.uk", "news.example.fr"]))
    url = draw(st.sampled_from(["http", "https"])) + "://" + host + "/" + draw(PATH)
    lines = [
        "[[source]]", f"id = {toml_string(ident)}", f"url = {toml_string(url)}",
        f"publisher = {toml_string(draw(text))}", f"title = {toml_string(draw(text))}",
    ]
    names = draw(st.lists(text, max_size=3))
    if len(names) == 1:
        lines.append(f"author = {toml_string(names[0])}")
    elif names:
        lines.append("authors = [" + ", ".join(toml_string(n) for n in names) + "]")
    day = draw(st.dates(min_value=date(1000, 1, 1), max_value=date(9998, 12, 31)))
    precision = draw(st.sampled_from(["day", "month", "year"]))
    lines.append("published = " + {"day": day.isoformat(), "month": f'"{day:%Y-%m}"',
                                   "year": f'"{day.year:04d}"'}[precision])
    lines.append(f"language = {toml_string(draw(LANGS))}")
    lines.append(f"relation = {toml_string(draw(st.sampled_from(['cited', 'related'])))}")
    if draw(st.booleans()):
        lines.append(f"accessed = {draw(st.dates(min_value=date(1000, 1, 1))).isoformat()}")
    if draw(st.booleans()):
        lines.append(f'archived_url = "https://web.archive.org/web/2014/{host}/x"')
    if draw(st.booleans()):
        when = draw(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2030, 1, 1),
                                 timezones=st.just(UTC)))
        lines.append(f"archived_at = {toml_string(when.isoformat())}")
    if not plain and draw(st.booleans()):
        lines.append(f"note = {toml_string(draw(TEXT))}")
    if not plain and draw(st.booleans()):
        lines.append(draw(st.sampled_from(["ignore = true", "ignore = false",
                                           'expect = "gone"'])))
    for _ in range(draw(st.integers(0, 3))):
        lines += ["[[source.quote]]", f"text = {toml_string(draw(TEXT))}"]
        kind = draw(st.sampled_from([None, "direct", "excerpt"]))
        if kind:
            lines.append(f"kind = {toml_string(kind)}")
        if draw(st.booleans()):
            lines.append(f"lang = {toml_string(draw(LANGS))}")
    return "\n".join(lines)


@st.composite
def manifests(draw: st.DrawFn, *, plain: bool = False) -> str:
    ids = draw(st.lists(SLUG, min_size=1, max_size=4, unique=True))
    urls: set[str] = set()
    tables = []
    for ident in ids:
        table = draw(sources(ident, plain=plain))
        url = table.splitlines()[2]
        if url in urls:
            continue
        urls.add(url)
        tables.append(table)
    return '[manifest]\nid = "gen"\ntitle = "Generated"\n\n' + "\n\n".join(tables) + "\n"


def _load(tmp_path: Path, text: str) -> Manifest | None:
    path = tmp_path / "gen.toml"
    path.write_text(text, encoding="utf-8")
    from archiver.manifest import validate_file

    manifest, problems = validate_file(path)
    if manifest is None or problems:  # e.g. two generated URLs that are one page
        return None
    return manifest


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(manifests())
def test_csljson_export_then_import_is_lossless(tmp_path: Path, text: str) -> None:
    manifest = _load(tmp_path, text)
    if manifest is None:
        return
    items = write_items(manifest.sources, replay={}, states={})
    assert strip_lines(import_back(tmp_path, "x.json", json.dumps(items))) == \
        strip_lines(manifest)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(manifests(plain=True))
def test_bibtex_export_then_import_keeps_what_bibtex_holds(tmp_path: Path, text: str) -> None:
    manifest = _load(tmp_path, text)
    if manifest is None:
        return
    back = import_back(tmp_path, "x.bib", write_entries(manifest.sources, replay={}))
    assert strip_lines(back) == [replace(s, quotes=(), relation=Relation.CITED, archived_at=None)
                                 for s in strip_lines(manifest)]


# --------------------------------------------------------------------------
# what the store and the history add
# --------------------------------------------------------------------------


def test_selector_from_the_excerpt() -> None:
    found = QuoteResult("s", 0, "rebuild everything", QuoteStatus.VERIFIED,
                        excerpt="…said: “We will ⟦rebuild everything⟧ that the storm destroyed…")
    assert text_quote_selector(found) == {
        "type": "TextQuoteSelector", "exact": "rebuild everything",
        "prefix": "said: “We will ", "suffix": " that the storm destroyed"}
    lost = replace(found, status=QuoteStatus.MISSING)
    assert text_quote_selector(lost) is None
    bare = replace(found, excerpt=None)
    assert text_quote_selector(bare) == {"type": "TextQuoteSelector",
                                         "exact": "rebuild everything",
                                         "prefix": "", "suffix": ""}


def test_cli_export_with_a_stored_capture_and_a_run(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text(MANIFEST, encoding="utf-8")
    manifest = load_manifest(path)
    src = manifest.sources[0]
    replay = "https://web.archive.org/web/20150304120000/https://news.example.co.uk/"
    (tmp_path / "warcs").mkdir()
    entry = LedgerEntry(
        manifest_id="ports", source_id=src.id, requested_url=src.url,
        published=src.published.isoformat(), uri_r=src.url, timestamp="20150304120000",
        memento_url=replay, memento_datetime="2015-03-04T12:00:00Z",
        archive="https://web.archive.org", warc_file="a.warc.gz", warc_offset=0,
        record_id="<urn:uuid:1>")
    (tmp_path / "warcs" / LEDGER_NAME).write_text(entry.to_json() + "\n", encoding="utf-8")
    db = tmp_path / ".archiver" / "history.sqlite3"
    finished = datetime(2015, 3, 5, 8, 0, tzinfo=UTC)
    with History(db) as history:
        history.record_pipeline_run(
            manifest_id="ports", started_at=finished, finished_at=finished, links=[],
            quotes=[QuoteResult(src.id, 0, "We will rebuild everything", QuoteStatus.VERIFIED,
                                excerpt="…chairman: “⟦We will rebuild everything⟧ that…"),
                    QuoteResult(src.id, 1, "Le port sera reconstruit", QuoteStatus.MISSING)])
    out = tmp_path / "out.json"
    result = CliRunner().invoke(cli, ["export", str(path), "--format", "csl-json", "-o",
                                      str(out)])
    assert result.exit_code == 0, result.stderr
    assert "1 with a stored capture" in result.stderr and "2 of 2 quotes" in result.stderr
    items = json.loads(out.read_text(encoding="utf-8"))
    assert items[0]["archive_location"] == replay
    assert "archive_location" not in items[1]
    q0, q1 = items[0]["custom"]["archiver"]["quotes"]
    assert (q0["status"], q0["checked_at"]) == ("verified", "2015-03-05T08:00:00Z")
    assert q0["selector"] == {"type": "TextQuoteSelector", "exact": "We will rebuild everything",
                              "prefix": "chairman: “", "suffix": " that"}
    assert q1["status"] == "missing" and "selector" not in q1
    # The manifest's own snapshot is kept apart from the store's: the import is the same.
    assert strip_lines(import_back(tmp_path, "x.json", out.read_text(encoding="utf-8"))) == \
        strip_lines(manifest)
    bib = CliRunner().invoke(cli, ["export", str(path), "--format", "bibtex"])
    assert bib.exit_code == 0 and f"note = {{Archived at \\url{{{replay}}}}}" in bib.stdout


def test_cli_export_needs_a_valid_manifest(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text('[manifest]\nid = "x"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["export", str(path), "--format", "bibtex"])
    assert result.exit_code == 3 and "title" in result.stderr
    missing = CliRunner().invoke(cli, ["export", str(path)])
    assert missing.exit_code == 2


def test_cli_export_refuses_a_missing_db_given(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text(MANIFEST, encoding="utf-8")
    result = CliRunner().invoke(cli, ["export", str(path), "--format", "csl-json",
                                      "--db", str(tmp_path / "none.sqlite3")])
    assert result.exit_code == 3 and "no history database" in result.stderr
    default = CliRunner().invoke(cli, ["export", str(path), "--format", "csl-json"])
    assert default.exit_code == 0 and "no run in the history database" in default.stderr
    assert not (tmp_path / ".archiver").exists()  # nothing created by an export
