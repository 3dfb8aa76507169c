"""Quote matching tiers and statuses (archiver.verify), on pages the tests write.

The quotes are short passages of the Calais 2014 press dossier, with the
artifacts its PDF-to-text conversion left in them.
"""

from __future__ import annotations

import random

import pytest

from archiver.extract import extract_html
from archiver.failon import Command, parse_fail_on
from archiver.models import QuoteStatus
from archiver.verify import (
    MIN_FUZZY_CHARS,
    Match,
    PageIndex,
    detect_language,
    index_page,
    match_quote,
    normalize,
    numbers,
    skeleton,
)

NBSP, NNBSP = "\u00a0", "\u202f"

FR_PAGE = f"""<!doctype html><html lang="fr"><head><title>A Calais, chez les radicaux</title>
<meta name="description" content="Mouvance anar née en Allemagne, No Border milite."></head>
<body><nav><ul><li><a href="/">Accueil</a></li><li><a href="/monde">Monde</a></li></ul></nav>
<div class="article-body">
<p>Devant les tentes fournies par Médecins du Monde, Martin, un grand blond souriant de 26 ans,
joue au Frisbee. Il a six frères et sœurs, son père est directeur d’un centre de formation,
sa mère était institutrice, «{NBSP}la fibre humanitaire est dans la famille{NBSP}».</p>
<p>Certains affirment qu’il est «{NNBSP}docteur en philosophie{NNBSP}». On demande
confirmation. Il se raidit, la question lui faisant l’effet d’un «{NNBSP}interrogatoire de
police{NNBSP}».</p>
<p>Cultivant le secret et pourtant très visible, le mouvement anarcho-libertaire agace à
Calais : «{NBSP}Ce sont des gens qui ont débarqué d’Allemagne, d’Angleterre et d’ailleurs
pour les vacances, et ils ont pris les maisons des vieilles dames pour y mettre des migrants
qui n’ont rien demandé{NBSP}», s’énerve Monique.</p>
<p>La préfecture du Nord-Pas-de-Calais compte 1{NBSP}200 migrants cette année, contre 300
en 2013. Le ministre veut obtenir la création d’un poste de “coordinateur européen chargé
des questions d’immigration”.</p>
<p>"Je veux envoyer un message très clair des deux côtés de la Manche : le Royaume-Uni n'est
pas laxiste concernant l'immigration clandestine", explique James Brokenshire. "Demain, lors
de la réunion des ministres, nous offrirons à nos partenaires français les clôtures utilisées
cette semaine pour assurer la sécurité au sommet de l'Otan à Newport", propose-t-il.</p>
</div>
<footer><p>© Le Nouvel Observateur — Tous droits réservés</p></footer>
</body></html>"""

EN_PAGE = """<html lang="en"><body><article>
<p>Three months ago, the government offered Calais £12m to help improve security but has yet
to receive a reply from the port’s authorities.</p>
<p>“I want to send out a very clear message today to people on both sides of the Channel:
Britain is no soft touch when it comes to illegal immigration,” he says.</p>
<p>The mayor of Calais, Natacha Bouchart, has threatened to block all ferry traffic to and
from the town after claiming that it had been “taken hostage” by up to 1,500 migrants intent
on crossing the English Channel.</p>
</article></body></html>"""


@pytest.fixture(scope="module")
def fr() -> PageIndex:
    return index_page(extract_html(FR_PAGE))


@pytest.fixture(scope="module")
def en() -> PageIndex:
    return index_page(extract_html(EN_PAGE))


def page_text(page: PageIndex, m: Match) -> str:
    layer = next(lay for lay in page.layers if lay.name == m.layer)
    assert m.start is not None and m.end is not None
    return layer.forms.text[m.start:m.end]


# --------------------------------------------------------------------------
# Tiers that verify
# --------------------------------------------------------------------------


def test_exact_match_reports_offsets_excerpt_and_article_body(fr: PageIndex) -> None:
    m = match_quote("la fibre humanitaire est dans la famille", fr)
    assert (m.status, m.method, m.score, m.layer) == (QuoteStatus.VERIFIED, "exact", 1.0, "text")
    assert page_text(fr, m) == "la fibre humanitaire est dans la famille"
    assert m.match_count == 1 and m.in_article_body is True
    assert m.excerpt is not None and "⟦la fibre humanitaire est dans la famille⟧" in m.excerpt
    before, _, after = m.excerpt.partition("⟦")
    assert 60 <= len(before) <= 90 and len(after.partition("⟧")[2]) <= 90


@pytest.mark.parametrize("quote", [
    "qu'il est « docteur en philosophie »",  # straight apostrophe, plain spaces in « »
    f"qu’il est «{NBSP}docteur en philosophie{NBSP}»",  # NBSP where the page has U+202F
    "un poste de \"coordinateur européen chargé des questions d'immigration\"",  # “ ” vs "
    "S’ÉNERVE MONIQUE",  # case
])
def test_typographic_variants_verify_as_normalized(fr: PageIndex, quote: str) -> None:
    m = match_quote(quote, fr)
    assert (m.status, m.method) == (QuoteStatus.VERIFIED, "normalized"), m


@pytest.mark.parametrize("quote", [
    "« lafibrehumanitaire estdanslafamille »",
    "et ilsontprislesmaisonsdesvieilles dames pour y mettre des migrants",
    "Certains affirment qu'il est « docteurenphiloso-phie ».",
    "le mouvement anarcho-liber-taire agace à Calais",
    "le mouvement anarcho-liber-\ntaire agace à Calais",
    "Ce sont des gens qui ont debarque d'Allemagne",  # accents lost
])
def test_lost_spaces_hyphenation_and_accents_verify_on_the_skeleton(
        fr: PageIndex, quote: str) -> None:
    m = match_quote(quote, fr)
    assert m.status is QuoteStatus.VERIFIED, m
    assert m.method in ("exact", "skeleton", "normalized")


def test_skeleton_offsets_point_at_the_page_words(fr: PageIndex) -> None:
    m = match_quote("docteurenphiloso-phie", fr)
    assert m.method == "skeleton" and page_text(fr, m) == "docteur en philosophie"


@pytest.mark.parametrize("quote", [
    "compte 1 200 migrants cette année, contre 300 en 2013",
    "compte 1200 migrants cette année, contre 300 en 2013",
    "compte 1,200 migrants cette année, contre 300 en 2013",
])
def test_thousands_separators_are_the_same_number(fr: PageIndex, quote: str) -> None:
    assert match_quote(quote, fr).status is QuoteStatus.VERIFIED


@pytest.mark.parametrize("quote", [
    "Demain [...], nous offrirons à nos partenaires français les clôtures utilisées",
    "Demain (…) nous offrirons à nos partenaires français les clôtures",
    "Il a six frères et sœurs … sa mère était institutrice",
])
def test_ellipsis_segments_in_order(fr: PageIndex, quote: str) -> None:
    m = match_quote(quote, fr)
    assert (m.status, m.method) == (QuoteStatus.VERIFIED, "ellipsis"), m
    assert m.start is not None and m.end is not None and m.end > m.start


def test_ellipsis_segments_out_of_order_do_not_verify(fr: PageIndex) -> None:
    m = match_quote("sa mère était institutrice [...] Il a six frères et sœurs", fr)
    assert m.status is not QuoteStatus.VERIFIED


def test_typo_is_verified_typo_with_the_difference(fr: PageIndex) -> None:
    m = match_quote("la question lui faisant l'effet d'un interogatoire de police", fr)
    assert (m.status, m.method) == (QuoteStatus.VERIFIED_TYPO, "fuzzy")
    assert 0.9 <= m.score < 1.0
    assert m.difference is not None and "interogatoire" in m.difference


def test_ocr_lookalike_is_a_typo(en: PageIndex) -> None:
    m = match_quote("the government offered Calais £12m to he1p improve security", en)
    assert m.status is QuoteStatus.VERIFIED_TYPO, m


# --------------------------------------------------------------------------
# Altered: never verified
# --------------------------------------------------------------------------


def test_changed_number_is_altered_even_when_the_skeleton_matches(en: PageIndex) -> None:
    m = match_quote("the government offered Calais £1.2m to help improve security", en)
    assert m.status is QuoteStatus.ALTERED and m.method == "skeleton"
    assert m.difference is not None and "1.2m" in m.difference and "12m" in m.difference
    assert "number_changed" in m.flags


def test_changed_digit_is_altered(fr: PageIndex) -> None:
    m = match_quote("compte 1 300 migrants cette année, contre 300 en 2013", fr)
    assert m.status is QuoteStatus.ALTERED, m
    assert m.difference is not None and "300" in m.difference and "200" in m.difference


def test_changed_word_is_altered_with_the_difference(fr: PageIndex) -> None:
    m = match_quote("Il a sept frères et sœurs, son père est directeur d’un centre", fr)
    assert (m.status, m.method) == (QuoteStatus.ALTERED, "fuzzy")
    assert m.difference is not None and "sept" in m.difference and "six" in m.difference
    assert 0.8 <= m.score < 1.0


def test_one_letter_short_word_change_is_not_a_typo(fr: PageIndex) -> None:
    m = match_quote("Il a six frères et sœurs, son père est directeur d’une centre", fr)
    assert m.status is QuoteStatus.ALTERED, m


def test_english_one_word_change(en: PageIndex) -> None:
    m = match_quote("Britain is no easy touch when it comes to illegal immigration", en)
    assert m.status is QuoteStatus.ALTERED and m.difference is not None
    assert "easy" in m.difference and "soft" in m.difference


# --------------------------------------------------------------------------
# Missing, translations, false-positive guards
# --------------------------------------------------------------------------


def test_translation_is_missing_and_flagged(fr: PageIndex) -> None:
    quote = ("I want to send out a very clear message today to people on both sides of "
             "the Channel: Britain is no soft touch when it comes to illegal immigration")
    m = match_quote(quote, fr)
    assert m.status is QuoteStatus.MISSING and m.probable_translation
    assert m.detail is not None and "en" in m.detail and "fr" in m.detail


def test_french_rendering_against_the_english_page_is_a_translation(en: PageIndex) -> None:
    m = match_quote("Je veux envoyer un message très clair des deux côtés de la Manche", en)
    assert m.status is QuoteStatus.MISSING and m.probable_translation


def test_absent_passage_in_the_same_language_is_missing_not_translation(fr: PageIndex) -> None:
    m = match_quote("Les associations humanitaires tentent de soulager la misère des exilés", fr)
    assert m.status is QuoteStatus.MISSING and not m.probable_translation
    assert m.method is None and m.start is None


def test_paraphrase_is_missing(fr: PageIndex) -> None:
    m = match_quote("Martin a plusieurs frères et sœurs et sa maman enseignait à l'école", fr)
    assert m.status is QuoteStatus.MISSING


def test_short_quote_never_fuzzy_matches(fr: PageIndex) -> None:
    quote = "la fibre humaine"  # one word off "la fibre humanitaire", 14 letters
    assert len(skeleton(quote)) < MIN_FUZZY_CHARS
    m = match_quote(quote, fr)
    assert m.status is QuoteStatus.MISSING and "too_short_for_fuzzy" in m.flags


def test_match_must_respect_word_boundaries() -> None:
    page = index_page(extract_html("<p>Une villa Terrestre au bord de la mer.</p>"))
    assert match_quote("la Terre", page).status is QuoteStatus.MISSING
    assert match_quote("villa Terrestre", page).status is QuoteStatus.VERIFIED


def test_random_passage_does_not_match_a_long_page() -> None:
    rng = random.Random(5)
    words = ("le la les des migrants Calais port ville maire police frontière nuit camion "
             "tunnel réfugiés associations militants squat gouvernement ministre anglais "
             "français europe sécurité clôture accueil centre jeunes vie monde").split()
    paragraphs = [" ".join(rng.choice(words) for _ in range(120)) for _ in range(150)]
    page = index_page(extract_html("".join(f"<p>{p}.</p>" for p in paragraphs)))
    assert len(page.layers[0].forms.text) > 100_000
    for _ in range(5):
        quote = " ".join(rng.choice(words) for _ in range(14))
        assert match_quote(quote, page).status is QuoteStatus.MISSING


def test_repeated_passage_counts_places() -> None:
    html = ("<p>Le réseau s'est implanté à Calais en 2009.</p><aside>Le réseau s'est "
            "implanté à Calais en 2009.</aside><p>Autre chose.</p>")
    m = match_quote("Le réseau s'est implanté à Calais en 2009", index_page(extract_html(html)))
    assert m.status is QuoteStatus.VERIFIED and m.match_count == 2


def test_prefers_the_hit_in_the_article_body() -> None:
    html = ("<aside><p>Nous sommes devenus un réseau géant.</p></aside>"
            "<div itemprop='articleBody'><p>Il raconte : nous sommes devenus un réseau géant."
            "</p></div>")
    m = match_quote("nous sommes devenus un réseau géant", index_page(extract_html(html)))
    assert m.match_count == 2 and m.in_article_body is True


def test_soft_hyphen_and_zero_width_in_the_page() -> None:
    page = index_page(extract_html(
        "<p>la fibre huma&shy;nitaire est dans la fa\u200bmille</p>"))
    m = match_quote("la fibre humanitaire est dans la famille", page)
    assert (m.status, m.method) == (QuoteStatus.VERIFIED, "normalized")


def test_quote_only_in_json_ld_is_found_in_the_script_layer() -> None:
    html = ("<html><head><script type='application/ld+json'>{\"@type\": \"NewsArticle\", "
            "\"articleBody\": \"Le dispositif policier a du coup été renforcé, avec 200 "
            "policiers.\"}</script></head><body><div id='app'>{{ article.body }}</div>"
            "</body></html>")
    m = match_quote("Le dispositif policier a du coup été renforcé",
                    index_page(extract_html(html)))
    assert (m.status, m.layer, m.in_article_body) == (QuoteStatus.VERIFIED, "script", True)


def test_quote_only_in_meta_description() -> None:
    html = ("<html><head><meta property='og:description' content='Les No Borders disent "
            "que ça va être chaud.'></head><body><p>Rien.</p></body></html>")
    m = match_quote("ça va être chaud", index_page(extract_html(html)))
    assert (m.status, m.layer) == (QuoteStatus.VERIFIED, "meta")


def test_mojibake_in_the_quote_is_repaired(fr: PageIndex) -> None:
    m = match_quote("sa mÃ¨re Ã©tait institutrice", fr)
    assert m.status is QuoteStatus.VERIFIED


def test_empty_quote_is_missing(fr: PageIndex) -> None:
    assert match_quote(" « » ", fr).status is QuoteStatus.MISSING


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("1 300 personnes", ("1300",)),
    (f"1{NNBSP}300 personnes", ("1300",)),
    ("1,300 people", ("1300",)),
    ("1.300 Leute", ("1300",)),
    ("1,6 million", ("1.6",)),
    ("£1.2m", ("1.2",)),
    ("£12m", ("12",)),
    ("en 2013 et 1470 personnes", ("2013", "1470")),
])
def test_numbers(text: str, expected: tuple[str, ...]) -> None:
    assert numbers(text) == expected


def test_normalize_and_skeleton() -> None:
    assert normalize(f"«{NNBSP}L’Œuvre{NBSP}—\u00adﬁn »") == "\" l'œuvre -fin \""
    assert skeleton("« L’Œuvre — ﬁn » docteurenphiloso-phie") == "loeuvrefindocteurenphilosophie"


@pytest.mark.parametrize(("text", "lang"), [
    ("Il a six frères et sœurs, son père est directeur d'un centre de formation", "fr"),
    ("The mayor of Calais has threatened to block all ferry traffic to the town", "en"),
    ("Calais", None),
])
def test_detect_language(text: str, lang: str | None) -> None:
    assert detect_language(text) == lang


def test_page_language_falls_back_to_html_lang() -> None:
    page = index_page(extract_html("<html lang='de-DE'><p>Calais</p></html>"))
    assert page.lang == "de"


def test_parse_fail_on() -> None:
    default = parse_fail_on("missing,altered", Command.VERIFY)
    assert default.quote_statuses == {QuoteStatus.MISSING, QuoteStatus.ALTERED}
    assert not default.drift
    assert parse_fail_on("none", Command.VERIFY).quote_statuses == frozenset()
    anything = parse_fail_on("any", Command.VERIFY)
    assert QuoteStatus.UNVERIFIABLE in anything.quote_statuses and anything.drift


@pytest.mark.parametrize(("quote", "status"), [
    # two typos in two words, a swap of adjacent letters, an OCR "rn" for "m"
    ("la question lui faisant l'effet d'un interogatoire de polise", QuoteStatus.VERIFIED_TYPO),
    ("la question lui faisant l'effet d'un interrogatoire de ploice", QuoteStatus.VERIFIED_TYPO),
    ("Il a six frères et sœurs, son père est directeur d’un centre de forrnation",
     QuoteStatus.VERIFIED_TYPO),
    ("la question lui faisant l'effet d'un interrogatoire de polite", QuoteStatus.VERIFIED_TYPO),
    # a different word of the same length is not a typo
    ("Il a six frères et sœurs, son père est inspecteur d’un centre de formation",
     QuoteStatus.ALTERED),
])
def test_typo_or_word_change(fr: PageIndex, quote: str, status: QuoteStatus) -> None:
    assert match_quote(quote, fr).status is status


def test_two_substitutions_in_one_word_is_a_word_change() -> None:
    page = index_page(extract_html(
        "<p>même si cela provoque un accident diplomatique entre la France et l'Angleterre</p>"))
    m = match_quote("même si cela provoque un incident diplomatique entre la France", page)
    assert m.status is QuoteStatus.ALTERED and m.difference is not None
    assert "incident" in m.difference and "accident" in m.difference


def test_long_ellipsis_match_is_shown_with_its_middle_elided() -> None:
    filler = " ".join(["Une phrase de remplissage qui parle d'autre chose."] * 25)
    page = index_page(extract_html(
        f"<p>Le réseau s'est implanté à Calais en 2009. {filler} Soit un an après "
        "l'élection de Natacha Bouchart.</p>"))
    m = match_quote("Le réseau s'est implanté à Calais [...] un an après l'élection de "
                    "Natacha Bouchart", page)
    assert m.method == "ellipsis" and m.excerpt is not None
    inside = m.excerpt.partition("⟦")[2].partition("⟧")[0]
    assert inside.startswith("Le réseau") and inside.endswith("Bouchart")
    assert " … " in inside and len(inside) < 700


def test_unspaced_scripts_and_alphabets_beyond_256_symbols() -> None:
    rng = random.Random(7)
    text = "".join(chr(0x4E00 + rng.randrange(3000)) for _ in range(20_000))
    page = index_page(extract_html(f"<p>{text}</p>"))
    quote = text[5000:5060]
    assert match_quote(quote, page).status is QuoteStatus.VERIFIED  # no word boundaries
    typo = quote[:30] + "丁" + quote[31:]
    assert match_quote(typo, page).status is QuoteStatus.VERIFIED_TYPO
    other = "".join(chr(0x4E00 + rng.randrange(3000)) for _ in range(60))
    assert match_quote(other, page).status is QuoteStatus.MISSING  # no chance match
