"""Dossiers laid out differently: URLs cut at their own width, prose right beside them.

A PDF-to-text dump may cut URLs at a width unrelated to the prose's (a URL in
a footnote, a narrow column), more than once, and set prose directly above or
below a URL without a blank line. The dossiers here are written by the tests;
the seed dossier, when it is beside the clone, is re-laid out the same way.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archiver.dossier import extract_dossier, find_urls, read_dossier, unique_urls
from archiver.models import QuoteKind

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "seeds" / "000_8fecf36aac7f0217.txt"

URL_FR = ("http://www.lavoixdunord.fr/region/migrants-la-nouvelle-jungle-de-calais-evacuee-"
          "ce-ia33b48581n2298943")
URL_FR2 = ("https://www.example-presse.fr/actualite/societe/2015/03/03/"
           "le-conseil-municipal-vote-un-budget-exceptionnel-pour-le-port-ia55n123456")
URL_EN = ("https://news.example.co.uk/world/europe/2015/mar/04/"
          "harbour-authority-announces-new-ferry-terminal-after-storm.html")
URL_Q = ("https://www.example-gouv.fr/Actualites/Communiques/"
         "Declaration-conjointe-des-ministres-sur-la-question-des-ports?id=42&lang=fr")
URL_SHORT = "https://short.example.org/a"

PARA_FR = ("Le conseil municipal a voté jeudi un budget exceptionnel pour le port, "
           "« une décision historique pour la ville et pour ses habitants », a déclaré "
           "la maire devant la presse. Les travaux commenceront au printemps et dureront "
           "deux ans selon les services de la mairie.")
PARA_FR2 = ("Les propos de la maire interviennent ce jeudi après-midi en réaction à ceux du "
            "ministre, qui a rappelé que l'État financerait une partie des travaux du port.")
PARA_EN = ('The harbour authority announced a new ferry terminal on Wednesday. "We will '
           'rebuild everything that the storm destroyed, and more," said the chairman, '
           "adding that the work would take two years to complete.")

CUT_WIDTHS = [41, 57, 64, 77]


def cut(url: str, width: int) -> list[str]:
    """``url`` cut every ``width`` characters, as a narrow column does."""
    return [url[k:k + width] for k in range(0, len(url), width)]


def wrap(paragraph: str, width: int) -> list[str]:
    return textwrap.wrap(paragraph, width, break_long_words=False, break_on_hyphens=False)


def url_after_body(url_width: int, prose_width: int) -> str:
    """Three articles, URLs after the body, no blank line between URL and prose."""
    return "\n".join([
        "« Le Journal du Port », 3 mars 2015", "", "Un budget exceptionnel pour le port", "",
        "par Jeanne Martin", "",
        *wrap(PARA_FR, prose_width),
        *cut(URL_FR2, url_width), *cut(URL_FR, url_width),
        *wrap(PARA_FR2, prose_width),  # prose directly under the URLs
        *cut(URL_FR2, url_width),
        "", "",
        '"The Harbour Times" (UK), 4 March 2015', "",
        "Harbour authority announces new ferry terminal after storm", "",
        *wrap(PARA_EN, prose_width),
        *cut(URL_EN, url_width), URL_SHORT,
        "", "",
        "Ministère des Ports, 1er avril 2015", "",
        "Déclaration conjointe des ministres sur la question des ports", "",
        *wrap(PARA_FR, prose_width),
        *cut(URL_Q, url_width),
    ]) + "\n"


@pytest.mark.parametrize("url_width", [*CUT_WIDTHS, 23, 35, 90])
@pytest.mark.parametrize("prose_width", [60, 72, 100])
def test_urls_cut_at_their_own_width_are_rejoined(url_width: int, prose_width: int) -> None:
    text = url_after_body(url_width, prose_width)
    urls = [f.url for f in unique_urls(find_urls(text))]
    assert urls == [URL_FR2, URL_FR, URL_EN, URL_SHORT, URL_Q]


@pytest.mark.parametrize("url_width", CUT_WIDTHS)
def test_prose_beside_urls_still_gives_quotes_and_language(url_width: int) -> None:
    draft = extract_dossier(url_after_body(url_width, 72), "ports.txt")
    by_url = {s.url: s for s in draft.sources}
    fr = by_url[URL_FR2]
    assert fr.language == "fr" and fr.title == "Un budget exceptionnel pour le port"
    assert "une décision historique pour la ville et pour ses habitants" in [
        q.text for q in fr.quotes if q.kind is QuoteKind.DIRECT]
    excerpts = [q.text for q in fr.quotes if q.kind is QuoteKind.EXCERPT]
    assert excerpts and excerpts[0].startswith("Le conseil municipal a voté jeudi")
    assert by_url[URL_EN].language == "en"
    assert any(q.text.startswith("We will rebuild") for q in by_url[URL_EN].quotes)


def _article(header: str, title: str, body: list[str], url: str, where: str) -> list[str]:
    urls = cut(url, 41)
    paras: list[str] = []
    for para in body:
        paras += [*wrap(para, 80), ""]
    if where == "before-header":
        return [*urls, "", header, "", title, "", *paras]
    if where == "after-header":
        return [header, *urls, title, "", *paras]
    if where == "after-title":
        return [header, "", title, *urls, *paras]
    return [header, "", title, "", *paras[:-1], *urls, ""]  # after the body


@pytest.mark.parametrize("where", ["before-header", "after-header", "after-title", "after-body"])
def test_quotes_wherever_the_url_sits(where: str) -> None:
    text = "\n".join([
        *_article("« Le Journal du Port », 3 mars 2015", "Un budget exceptionnel pour le port",
                  [PARA_FR, PARA_FR2], URL_FR2, where), "",
        *_article('"The Harbour Times" (UK), 4 March 2015',
                  "Harbour authority announces new ferry terminal after storm", [PARA_EN],
                  URL_EN, where),
    ]) + "\n"
    draft = extract_dossier(text, "ports.txt")
    assert [s.url for s in draft.sources] == [URL_FR2, URL_EN]
    fr, en = draft.sources
    assert (fr.title, fr.language, str(fr.published)) == (
        "Un budget exceptionnel pour le port", "fr", "2015-03-03")
    assert (en.language, str(en.published)) == ("en", "2015-03-04")
    assert en.title == "Harbour authority announces new ferry terminal after storm"
    assert any(q.kind is QuoteKind.EXCERPT for q in fr.quotes)
    assert any(q.text.startswith("We will rebuild") for q in en.quotes)


def test_a_whole_url_followed_by_one_word_is_left_alone() -> None:
    # Natural endings are not extended by a lone word or a page number.
    for nxt in ("Fin", "12", "ensuite"):
        text = ("Une ligne de texte ordinaire assez longue pour fixer la largeur de la page.\n"
                * 12 + f"{URL_EN}\n{nxt}\n")
        assert [f.url for f in find_urls(text)] == [URL_EN], nxt


def test_a_lone_url_tail_is_joined() -> None:
    # One URL cut once, short of the prose width, the tail alone on its line.
    text = ("Une ligne de texte ordinaire assez longue pour fixer la largeur de la page.\n"
            * 12 + URL_FR[:50] + "\n" + URL_FR[50:] + "\nLa suite du texte.\n")
    assert [f.url for f in find_urls(text)] == [URL_FR]


# --------------------------------------------------------------------------
# the rule, as a property
# --------------------------------------------------------------------------

HOSTS = ["www.lavoixdunord.fr", "www.example.co.uk", "uk.reuters.com", "www.unhcr.org",
         "tempsreel.nouvelobs.com", "france3-regions.francetvinfo.fr"]
WORDS = ["calais", "migrants", "port", "ministre", "jungle", "ferry", "fence", "nato",
         "accord", "france", "britain", "la", "de", "le", "maire", "security", "crisis"]
PROSE = ["Le", "ministre", "a", "déclaré", "que", "la", "situation", "était", "grave",
         "Les", "migrants", "attendent", "au", "port", "The", "fence", "will", "be", "sent",
         "to", "Calais", "next", "week", "said", "officials", "l'État", "financera"]


@st.composite
def urls(draw: st.DrawFn) -> str:
    host = draw(st.sampled_from(HOSTS))
    folders = draw(st.lists(st.sampled_from(["news", "region", "uk", "2014", "09", "actualite"]),
                            min_size=0, max_size=3))
    slug = "-".join(draw(st.lists(st.sampled_from(WORDS), min_size=2, max_size=10)))
    ident = draw(st.sampled_from(["", "-ia33b48581n2298943", "-559150", "/11079680"]))
    ending = draw(st.sampled_from(["", ".html", "/", "?id=42&lang=fr", ".php"]))
    scheme = draw(st.sampled_from(["http", "https"]))
    return f"{scheme}://{host}/" + "".join(f"{f}/" for f in folders) + slug + ident + ending


@st.composite
def laid_out(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A dossier text and the URLs in it, all cut at a width of their own.

    Every URL is cut, so the dossier shows its cut width at least twice. (A
    dossier cutting a single URL, once, at a width seen nowhere else, is
    ambiguous where the tail could be a page number: ``…/`` then ``11079680``.)
    """
    found = draw(st.lists(urls(), min_size=2, max_size=6, unique=True))
    url_width = draw(st.integers(min_value=20, max_value=min(len(u) for u in found) - 1))
    prose_width = draw(st.integers(min_value=50, max_value=110))
    lines: list[str] = []
    for url in found:
        words = draw(st.lists(st.sampled_from(PROSE), min_size=12, max_size=60))
        sentence = words[0].capitalize() + " " + " ".join(words[1:]) + "."
        prose = wrap(sentence, prose_width)
        if draw(st.booleans()):
            lines += [*prose, *cut(url, url_width)]  # prose right above
        else:
            lines += [*cut(url, url_width), *prose]  # prose right below
        if draw(st.booleans()):
            lines += cut(url, url_width)  # repeated, as dossiers do
        if draw(st.booleans()):
            lines.append("")
    return "\n".join(lines) + "\n", found


@settings(max_examples=300, deadline=None)
@given(laid_out())
def test_rejoin_property(case: tuple[str, list[str]]) -> None:
    text, expected = case
    assert [f.url for f in unique_urls(find_urls(text))] == expected


# --------------------------------------------------------------------------
# the seed dossier, re-laid out
# --------------------------------------------------------------------------


def relay(text: str, width: int) -> str:
    """``text`` with every URL re-cut at ``width`` and the blank lines between URLs
    and prose removed; the prose is untouched."""
    lines = text.splitlines()
    starts = {f.line - 1: f for f in find_urls(text)
              if lines[f.line - 1].lstrip().startswith(("http://", "https://"))}
    out: list[tuple[str, bool]] = []
    i = 0
    while i < len(lines):
        found = starts.get(i)
        if found is None:
            out.append((lines[i], False))
            i += 1
            continue
        out += [(piece, True) for piece in cut(found.url, width)]
        i = found.end_line
    kept: list[str] = []
    for k, (line, _) in enumerate(out):
        if not line.strip():
            before = next((u for t, u in reversed(out[:k]) if t.strip()), False)
            after = next((u for t, u in out[k + 1:] if t.strip()), False)
            if before != after:
                continue  # a blank line between a URL and prose
        kept.append(line)
    return "\n".join(kept) + "\n"


@pytest.mark.skipif(not SEED.exists(), reason="the shared seed dossier is not beside the clone")
@pytest.mark.parametrize("width", [*CUT_WIDTHS, 20, 33, 100, 130])
def test_seed_relaid_gives_its_22_urls(width: int) -> None:
    original = read_dossier(SEED)
    expected = [f.url for f in unique_urls(find_urls(original))]
    assert len(expected) == 22
    text = relay(original, width)
    assert text != original
    assert [f.url for f in unique_urls(find_urls(text))] == expected
    # The article text is found as before: same titles, languages, quote counts.
    before = extract_dossier(original, "seed.txt").sources
    after = extract_dossier(text, "seed.txt").sources
    assert [(s.url, s.title, s.language, s.published) for s in after] == [
        (s.url, s.title, s.language, s.published) for s in before]
    assert sum(len(s.quotes) for s in after) == sum(len(s.quotes) for s in before)
