"""The dossier extractor on hand-written dossiers and on the Calais seed."""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from archiver.cli import cli
from archiver.dossier import (
    extract_dossier,
    find_urls,
    parse_header,
    render_toml,
    unique_urls,
)
from archiver.errors import DossierError
from archiver.manifest import load_manifest, validate_file
from archiver.models import QuoteKind, Relation

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "seeds" / "000_8fecf36aac7f0217.txt"

LONG_FR = ("https://www.example-presse.fr/actualite/societe/2015/03/03/"
           "le-conseil-municipal-vote-un-budget-exceptionnel-pour-le-port-ia55n123456")
LONG_EN = ("https://news.example.co.uk/world/europe/2015/mar/04/"
           "harbour-authority-announces-new-ferry-terminal-after-storm.html")
LONG_Q = ("https://www.example-gouv.fr/Actualites/Communiques/"
          "Declaration-conjointe-des-ministres-sur-la-question-des-ports?id=42&lang=fr")
SHORT = "https://short.example.org/a"


def article(header: str, title: str, author: str | None, body: list[str], urls: list[str],
            width: int, *, hyphen_breaks: bool = False) -> str:
    """An article block as a PDF-to-text converter wraps it at ``width``."""
    out = [header, "", title, ""]
    if author:
        out += [author, ""]
    for para in body:
        out += [*textwrap.wrap(para, width, break_long_words=True, break_on_hyphens=False), ""]
    for url in urls:
        out += textwrap.wrap(url, width, break_long_words=True,
                             break_on_hyphens=hyphen_breaks)
        out.append("")
    return "\n".join(out) + "\n"


PARA_FR = ("Le conseil municipal a voté jeudi un budget exceptionnel pour le port, "
           "« une décision historique pour la ville et pour ses habitants », a déclaré "
           "la maire devant la presse. Les travaux commenceront au printemps et dureront "
           "deux ans selon les services de la mairie.")
PARA_EN = ('The harbour authority announced a new ferry terminal on Wednesday. "We will '
           'rebuild everything that the storm destroyed, and more," said the chairman, '
           "adding that the work would take two years to complete.")


def dossier(width: int, hyphen_breaks: bool = False) -> str:
    return "".join([
        article("« Le Journal du Port », 3 mars 2015", "Un budget exceptionnel pour le port",
                "par Jeanne Martin", [PARA_FR, PARA_FR.replace("jeudi", "vendredi")],
                [LONG_FR, LONG_FR], width, hyphen_breaks=hyphen_breaks),
        "\n",
        article('"The Harbour Times" (UK), 4 March 2015',
                "Harbour authority announces new ferry terminal after storm",
                "by John Smith", [PARA_EN], [LONG_EN, SHORT], width,
                hyphen_breaks=hyphen_breaks),
        "\n",
        article("Ministère des Ports, 1er avril 2015",
                "Déclaration conjointe des ministres sur la question des ports",
                None, [PARA_FR], [LONG_Q], width, hyphen_breaks=hyphen_breaks),
    ])


@pytest.mark.parametrize("width", [48, 60, 72, 90, 110])
@pytest.mark.parametrize("hyphen_breaks", [False, True])
def test_split_urls_are_rejoined(width: int, hyphen_breaks: bool) -> None:
    text = dossier(width, hyphen_breaks)
    urls = [f.url for f in unique_urls(find_urls(text))]
    assert urls == [LONG_FR, LONG_EN, SHORT, LONG_Q]


@pytest.mark.parametrize("width", [60, 72, 100])
def test_articles_are_attributed(width: int) -> None:
    draft = extract_dossier(dossier(width), "ports.txt")
    by_url = {s.url: s for s in draft.sources}
    fr = by_url[LONG_FR]
    assert fr.publisher == "Le Journal du Port"
    assert fr.published == date(2015, 3, 3)
    assert fr.title == "Un budget exceptionnel pour le port"
    assert fr.author == "Jeanne Martin"
    assert fr.language == "fr" and fr.relation is Relation.CITED
    en = by_url[LONG_EN]
    assert en.publisher == "The Harbour Times"
    assert en.published == date(2015, 3, 4) and en.author == "John Smith"
    assert en.language == "en" and en.relation is Relation.CITED
    assert by_url[SHORT].relation is Relation.RELATED
    assert by_url[SHORT].published is None  # unknown dates are never guessed
    gov = by_url[LONG_Q]
    assert gov.publisher == "Ministère des Ports" and gov.published == date(2015, 4, 1)


def test_quotes_are_proposed_verbatim() -> None:
    draft = extract_dossier(dossier(72), "ports.txt")
    fr = next(s for s in draft.sources if s.url == LONG_FR)
    direct = [q.text for q in fr.quotes if q.kind is QuoteKind.DIRECT]
    excerpts = [q.text for q in fr.quotes if q.kind is QuoteKind.EXCERPT]
    assert "une décision historique pour la ville et pour ses habitants" in direct
    assert excerpts[0].startswith("Le conseil municipal a voté jeudi un budget exceptionnel")
    assert excerpts[0].endswith("a déclaré la maire devant la presse.")
    en = next(s for s in draft.sources if s.url == LONG_EN)
    assert any(q.text.startswith("We will rebuild everything") for q in en.quotes)


def test_url_followed_directly_by_prose_is_not_glued() -> None:
    # A full-width line ending with a complete URL, prose right after it.
    prose = "Le ministre a ensuite rappelé les chiffres de l'année, en hausse de 12 %."
    for nxt in (prose, "suite du texte sans majuscule, avec plusieurs mots ici",
                "Fin", "ensuite"):
        text = ("Une ligne de texte ordinaire assez longue pour fixer la largeur de la page.\n"
                * 12 + "http://www.example.fr/actualites/un-article-assez-long.html\n" + nxt + "\n")
        urls = [f.url for f in find_urls(text)]
        assert urls == ["http://www.example.fr/actualites/un-article-assez-long.html"], nxt


def test_continuation_followed_by_prose_on_same_line() -> None:
    text = ("x " * 40 + "\n") * 5 + (
        "http://www.example.fr/actualites/2015/03/un-article-tres-long-coupe-en-deux-par-\n"
        "la-conversion.html Le texte reprend ensuite sur la même ligne.\n")
    assert [f.url for f in find_urls(text)] == [
        "http://www.example.fr/actualites/2015/03/un-article-tres-long-coupe-en-deux-par-"
        "la-conversion.html"]


def test_url_with_trailing_punctuation() -> None:
    text = "Voir (http://example.org/a/b.html), puis « http://example.org/c ».\n"
    assert [f.url for f in find_urls(text)] == ["http://example.org/a/b.html",
                                               "http://example.org/c"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("« la Voix du Nord », 28 août 2014", ("La Voix du Nord", date(2014, 8, 28))),
        ("Reuters 10 septembre 2014", ("Reuters", date(2014, 9, 10))),
        (' "the Guardian" (UK), 20 septembre 2014', ("The Guardian", date(2014, 9, 20))),
        (" UNHCR 26 septembre 2014", ("UNHCR", date(2014, 9, 26))),
        ("Libération, 1er avril 2015", ("Libération", date(2015, 4, 1))),
        ("BBC News, March 6, 2015", ("BBC News", date(2015, 3, 6))),
        ("The Times 2015-03-07", ("The Times", date(2015, 3, 7))),
        ("Paris, 26 septembre 2014 (HCR) – L'Agence des Nations Unies", None),
        ("Le 27 août 2014, M. Bernard Cazeneuve, Ministre de l'Intérieur de la République", None),
        ("http://example.org/2014/09/26", None),
        ("Reuters 31 février 2014", None),
    ],
)
def test_parse_header(line: str, expected: tuple[str, date] | None) -> None:
    assert parse_header(line) == expected


def test_render_toml_round_trips(tmp_path: Path) -> None:
    draft = extract_dossier(dossier(72), "ports.txt")
    path = tmp_path / "draft.toml"
    path.write_text(render_toml(draft), encoding="utf-8")
    manifest, problems = validate_file(path)
    # The related source has no date nor title: the draft says so and does not
    # validate until a person fills them in.
    assert manifest is None
    assert {p.source_id for p in problems} == {draft.sources[2].id}
    assert sorted(p.message.split(" in ")[0] for p in problems) == [
        "missing required key 'published'", "missing required key 'title'"]
    fixed = path.read_text(encoding="utf-8").replace(
        "# published = TODO  (YYYY-MM-DD, YYYY-MM or YYYY)", 'published = "2015-03"').replace(
        '# title = "TODO"', 'title = "A"')
    path.write_text(fixed, encoding="utf-8")
    m = load_manifest(path)
    assert [s.url for s in m.sources] == [LONG_FR, LONG_EN, SHORT, LONG_Q]
    first_quote = m.sources[0].quotes[0].text
    assert first_quote == "une décision historique pour la ville et pour ses habitants"


def test_cli_extract_writes_file(tmp_path: Path) -> None:
    src = tmp_path / "ports.txt"
    src.write_text(dossier(60), encoding="utf-8")
    out = tmp_path / "m.toml"
    result = CliRunner().invoke(cli, ["extract", str(src), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert "4 unique URLs" in result.stderr
    assert LONG_FR in out.read_text(encoding="utf-8")
    urls = CliRunner().invoke(cli, ["extract", str(src), "--format", "urls"])
    assert urls.stdout.split() == [LONG_FR, LONG_EN, SHORT, LONG_Q]


@pytest.mark.parametrize(
    ("content", "phrase"),
    [(b"", "file is empty"), (b"\x00\x01binary", "binary"),
     (b"caf\xe9 au lait\n", "not valid UTF-8")],
)
def test_cli_extract_bad_input(tmp_path: Path, content: bytes, phrase: str) -> None:
    src = tmp_path / "d.txt"
    src.write_bytes(content)
    result = CliRunner().invoke(cli, ["extract", str(src)])
    assert result.exit_code == 3
    assert phrase in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_cli_extract_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["extract", str(tmp_path / "nope.txt")])
    assert result.exit_code == 3 and "file not found" in result.stderr


def test_read_dossier_refuses_huge_file(tmp_path: Path) -> None:
    from archiver.dossier import read_dossier

    big = tmp_path / "big.txt"
    with big.open("wb") as fh:
        fh.seek(30 * 1024 * 1024)
        fh.write(b"x")
    with pytest.raises(DossierError, match="limited to 20 MB"):
        read_dossier(big)


@pytest.mark.skipif(not SEED.exists(), reason="the shared seed dossier is not beside the clone")
def test_seed_yields_the_manifest_urls() -> None:
    from archiver.dossier import read_dossier

    draft = extract_dossier(read_dossier(SEED), str(SEED))
    urls = [f.url for f in draft.urls]
    manifest = load_manifest(ROOT / "manifests" / "calais-2014.toml")
    assert len(urls) == 22
    assert set(urls) == {s.url for s in manifest.sources}
    # No truncated variant: no URL is a proper prefix of another.
    assert not [(a, b) for a in urls for b in urls if a != b and b.startswith(a)]
    assert sum(1 for f in draft.urls if f.rejoined) >= 7


def _flat(text: str) -> str:
    """The dossier as one line: line breaks (and page breaks) become one space."""
    import re

    return re.sub(r"[ \t]*\n\s*", " ", text)


def test_flagship_manifest_is_curated() -> None:
    manifest = load_manifest(ROOT / "manifests" / "calais-2014.toml")
    assert len(manifest.sources) == 22
    assert len({s.url for s in manifest.sources}) == 22
    cited = [s for s in manifest.sources if s.relation is Relation.CITED]
    assert len(cited) == 16
    for src in cited:
        assert len(src.quotes) >= 3, src.id
    kinds = {q.kind for s in cited for q in s.quotes}
    assert kinds == {QuoteKind.DIRECT, QuoteKind.EXCERPT}
    publishers = {s.publisher for s in manifest.sources}
    for name in ("La Voix du Nord", "Nord Littoral", "The Telegraph", "Reuters", "Le Figaro",
                 "Daily Express", "The Guardian", "UNHCR"):
        assert name in publishers
    assert {s.language for s in manifest.sources} == {"fr", "en"}


@pytest.mark.skipif(not SEED.exists(), reason="the shared seed dossier is not beside the clone")
def test_flagship_quotes_are_verbatim_from_the_dossier() -> None:
    from archiver.dossier import read_dossier

    flat = _flat(read_dossier(SEED))
    manifest = load_manifest(ROOT / "manifests" / "calais-2014.toml")
    missing = [(s.id, q.text) for s in manifest.sources for q in s.quotes if q.text not in flat]
    assert missing == []
