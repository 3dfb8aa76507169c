"""A small corpus of real-world-shaped pages, written into WARCs, and quotes drawn
from them, then damaged with the artifacts of PDF-to-text press dossiers.

The pages have navigation, "read also" boxes, comment sections, a body that is
only in JSON-LD, soft hyphens, (narrow) no-break spaces, a wrong charset header,
windows-1252 bytes and mojibake. Every expected outcome is listed in CASES.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from archiver.models import Manifest, Quote, QuoteResult, QuoteStatus, Source
from archiver.store import WarcIndex
from archiver.verify import verify_pages
from tests.test_warcread import WarcFile

NBSP, NNBSP, SHY = "\u00a0", "\u202f", "&shy;"

NAV = """<header><a href="/">Accueil</a> <a href="/monde">Monde</a> <a href="/societe">Société</a>
<form><input name="q"><button>Rechercher</button></form></header>"""
COMMENTS = """<section class="comments"><h3>Réactions</h3>
<div class="comment"><b>Jean62</b> : Les migrants n'ont rien demandé, c'est vrai.</div>
<div class="comment"><b>Lili</b> : Tout le monde en parle mais personne n'agit.</div></section>"""

OBS = f"""<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">
<title>A Calais, chez les radicaux sans frontières - L'Obs</title>
<script>var _gaq = _gaq || []; _gaq.push(['_trackPageview']);</script></head><body>{NAV}
<div class="article-body" itemprop="articleBody">
<p>Devant les tentes fournies par Médecins du Monde, Martin, un grand blond souriant de 26 ans,
joue au Frisbee. Il a six frères et sœurs, son père est directeur d'un centre de formation,
sa mère était institutrice, «{NBSP}la fibre humanitaire est dans la famille{NBSP}».</p>
<aside class="lire-aussi">Lire aussi : <a href="/x">Calais, la jungle</a></aside>
<p>«{NNBSP}Conseiller municipal jeunes{NNBSP}» à 17 ans, militant dans les associations locales,
Martin est devenu No Border en 2009, pour défendre «{NNBSP}un sentiment plus qu'une
orientation politique, une manière de voir le monde, et de penser ses fron{SHY}tières{NNBSP}».</p>
<p>Certains affirment qu'il est «{NBSP}docteur en philosophie{NBSP}». Il se raidit, la question
lui faisant l'effet d'un «{NBSP}interrogatoire de police{NBSP}».</p>
<p>La préfecture du Nord-Pas-de-Calais compte 1{NBSP}200 migrants cette année, contre 300 en
2013. Une tendance à la hausse sur les sept premiers mois de 2014, avec 155 réseaux détruits
et 1378 personnes arrêtées.</p></div>{COMMENTS}
<footer>© L'Obs - Tous droits réservés. <a href="/cgu">CGU</a></footer></body></html>"""

TELEGRAPH_BODY = (
    "Ministers will offer to send the security fences used to protect world leaders at last "
    "week’s Nato summit to Calais to help the French authorities stop illegal immigrants "
    "trying to reach Britain. “I want to send out a very clear message today to people on "
    "both sides of the Channel: Britain is no soft touch when it comes to illegal "
    "immigration,” he says. Three months ago, the government offered Calais £3 million to "
    "help improve security but has yet to receive a reply from the port’s authorities.")
TELEGRAPH = ("""<html><head><meta http-equiv="Content-Type" content="text/html; """
             """charset=windows-1252"><title>Calais crisis: UK to send old Nato security fence"""
             """</title><script type="application/ld+json">{"@context": "http://schema.org", """
             """"@type": "NewsArticle", "headline": "Calais crisis", "articleBody": \""""
             + TELEGRAPH_BODY + """\"}</script></head><body><div id="app">Loading…</div>"""
             """<noscript>Please enable JavaScript.</noscript></body></html>""")

NORD_LITTORAL = """<html><head><title>Migrants : Londres offre Ã  Calais des clÃ´tures</title>
</head><body><div id="contenu"><h1>Migrants : Londres offre Ã  Calais des clÃ´tures</h1>
<div class="texte">Dans un Ã©ditorial publiÃ© aujourdâ€™hui par le Â« Daily Telegraph Â», le
ministre britannique de lâ€™Immigration a proposÃ© une solution.<br><br>"Je veux envoyer un
message trÃ¨s clair des deux cÃ´tÃ©s de la Manche : le Royaume-Uni nâ€™est pas laxiste
concernant lâ€™immigration clandestine", explique James Brokenshire. "Demain, Ã  la rÃ©union
des ministres, nous offrirons Ã  nos partenaires franÃ§ais les clÃ´tures utilisÃ©es cette
semaine pour assurer la sÃ©curitÃ© au sommet de lâ€™Otan Ã  Newport", propose-t-il.</div>
</div></body></html>"""

VOIX = f"""<html lang="fr"><body>{NAV}<article><h1>La maire UMP de Calais veut que le ministre
«{NBSP}menace les Britanniques d’ouvrir les frontières{NBSP}»</h1>
<p>Menacer de rompre les accords du Touquet et d’ouvrir les frontières : voilà ce que demande
Natacha Bouchart à Bernard Cazeneuve, «{NBSP}même si cela provoque un accident diplomatique
entre la France et l’Angleterre{NBSP}».</p>
<blockquote>«{NBSP}Il faut qu’il menace les Britanniques d’ouvrir les
frontières.{NBSP}»</blockquote>
<p>«{NBSP}Il faut qu’il menace les Britanniques d’ouvrir les frontières. Ainsi, les migrants
vont encore passer à Calais mais ne s’y arrêteront pas.{NBSP}»</p></article>{COMMENTS}
</body></html>"""

PAGES = {
    # id: (url, body bytes, Content-Type header)
    "obs": ("http://tempsreel.nouvelobs.com/societe/20140828.OBS7505/calais.html",
            OBS.encode("utf-8"), "text/html; charset=ISO-8859-1"),  # wrong header
    "telegraph": ("http://www.telegraph.co.uk/news/uknews/immigration/11079680/fence.html",
                  TELEGRAPH.encode("cp1252"), "text/html"),
    "nordlittoral": ("http://www.nordlittoral.fr/accueil/migrants-londres-offre-a-calais",
                     NORD_LITTORAL.encode("utf-8"), "text/html; charset=utf-8"),
    "voix": ("http://www.lavoixdunord.fr/region/calais-la-maire-ump", VOIX.encode("utf-8"),
             "text/html"),
}


# -- damage: the artifacts of the press dossier's PDF-to-text conversion ---------


def lose_spaces(text: str, every: int = 2) -> str:
    """Drop every ``every``-th space ("lafibrehumanitaire estdanslafamille")."""
    parts = text.split(" ")
    out = parts[0]
    for i, part in enumerate(parts[1:], start=1):
        out += ("" if i % every else " ") + part
    return out


def hyphenate(text: str, word: str, at: int) -> str:
    """Split ``word`` with a line-end hyphen that stayed glued ("philoso-phie")."""
    return text.replace(word, word[:at] + "-" + word[at:])


def straighten(text: str) -> str:
    return (text.replace("’", "'").replace("“", '"').replace("”", '"')
            .replace(NBSP, " ").replace(NNBSP, " "))


def typo(text: str, word: str) -> str:
    """Drop one doubled letter of ``word``."""
    return text.replace(word, re.sub(r"(.)\1", r"\1", word, count=1), 1)


# -- the cases -------------------------------------------------------------------

CASES: list[tuple[str, str, QuoteStatus, str | None]] = [
    # (source, quote, expected status, expected method or None)
    ("obs", "« lafibrehumanitaire estdanslafamille »", QuoteStatus.VERIFIED, "skeleton"),
    ("obs", lose_spaces("un sentiment plus qu'une orientation politique, une manière de voir"),
     QuoteStatus.VERIFIED, "skeleton"),
    ("obs", hyphenate("Certains affirment qu'il est « docteur en philosophie »", "philosophie",
                      7), QuoteStatus.VERIFIED, "skeleton"),
    ("obs", "« Conseiller municipal jeunes » à 17 ans", QuoteStatus.VERIFIED, "normalized"),
    ("obs", "une manière de voir le monde, et de penser ses frontières",
     QuoteStatus.VERIFIED, "normalized"),  # &shy; in the page
    ("obs", typo("la question lui faisant l'effet d'un interrogatoire de police",
                 "interrogatoire"), QuoteStatus.VERIFIED_TYPO, "fuzzy"),
    ("obs", "avec 155 réseaux détruits et 1387 personnes arrêtées", QuoteStatus.ALTERED, None),
    ("obs", "La préfecture du Nord-Pas-de-Calais compte 1 200 migrants cette année",
     QuoteStatus.VERIFIED, "normalized"),
    ("obs", "Il a cinq frères et sœurs, son père est directeur d'un centre de formation",
     QuoteStatus.ALTERED, "fuzzy"),
    ("obs", "Les migrants n'ont rien demandé", QuoteStatus.VERIFIED, "exact"),  # a comment
    ("obs", "la fibre humaine est dans la famille", QuoteStatus.ALTERED, "fuzzy"),
    ("obs", "la fibre humaine", QuoteStatus.MISSING, None),  # too short to fuzzy-match
    ("telegraph", straighten("“I want to send out a very clear message today to people on "
                             "both sides of the Channel"), QuoteStatus.VERIFIED, "exact"),
    ("telegraph", "has yet to receive a reply from the port's authorities",
     QuoteStatus.VERIFIED, "normalized"),
    ("telegraph", "the government offered Calais £30 million to help improve security",
     QuoteStatus.ALTERED, None),
    ("telegraph", "Ministers will offer [...] the security fences used to protect world leaders",
     QuoteStatus.VERIFIED, "ellipsis"),
    ("nordlittoral", "Je veux envoyer un message très clair des deux côtés de la Manche",
     QuoteStatus.VERIFIED, "exact"),  # mojibake in the page, repaired
    ("nordlittoral", "Demain [...], nous offrirons à nos partenaires français les clôtures "
     "utilisées cette semaine", QuoteStatus.VERIFIED, "ellipsis"),
    ("nordlittoral", "We will offer our French partners the fences that were used to keep "
     "the Nato summit safe in Newport", QuoteStatus.MISSING, None),  # a translation
    ("voix", "Il faut qu'il menace les Britanniques d'ouvrir les frontières",
     QuoteStatus.VERIFIED, "normalized"),
    ("voix", "même si cela provoque un incident diplomatique entre la France et l'Angleterre",
     QuoteStatus.ALTERED, "fuzzy"),
    ("voix", "La maire de Calais réclame un centre d'accueil pour les migrants de la ville",
     QuoteStatus.MISSING, None),
]


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> list[QuoteResult]:
    folder: Path = tmp_path_factory.mktemp("corpus") / "warcs"
    with WarcFile(folder / "corpus.warc.gz") as w:
        for sid, (url, body, ctype) in PAGES.items():
            rid, _ = w.response(url, body, content_type=ctype)
            w.chosen(url, rid, sid)
    sources = []
    for sid, (url, _, _) in PAGES.items():
        quotes = tuple(Quote(q) for s, q, _, _ in CASES if s == sid)
        lang = "en" if sid == "telegraph" else "fr"
        sources.append(Source(id=sid, url=url.replace("http://", "https://"), publisher=sid,
                              title=sid, published=date(2014, 8, 28), language=lang,
                              quotes=quotes))
    manifest = Manifest(id="corpus", title="Corpus", sources=tuple(sources))
    run = verify_pages(manifest, WarcIndex.build(folder))
    by_text = {(r.source_id, r.text): r for r in run.results}
    return [by_text[(s, q)] for s, q, _, _ in CASES]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_corpus_case(results: list[QuoteResult], case: int) -> None:
    _, quote, status, method = CASES[case]
    result = results[case]
    assert result.status is status, (quote, result)
    if method is not None:
        assert result.method == method, (quote, result)
    if status is QuoteStatus.ALTERED:
        assert result.difference, result
    if status.is_found:
        assert result.excerpt and "⟦" in result.excerpt
        assert result.capture is not None and result.capture.warc_file == "corpus.warc.gz"


def test_corpus_flags_and_layers(results: list[QuoteResult]) -> None:
    def result(quote_start: str) -> QuoteResult:
        return next(r for r in results if r.text.startswith(quote_start))
    obs = result("« lafibre")
    assert "charset_header_wrong" in obs.flags and obs.in_article_body is True
    assert result("has yet to receive").layer == "script"
    assert "mojibake_repaired" in result("Je veux envoyer").flags
    assert result("Les migrants n'ont rien").in_article_body is False  # a reader's comment
    assert result("We will offer").probable_translation
    assert not result("La maire de Calais réclame").probable_translation  # French, absent
    assert result("Il faut qu'il menace").match_count == 2  # the pull quote repeats it
