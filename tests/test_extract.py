"""Page bytes -> text layers (archiver.extract): decoding, visible text, script and meta."""

from __future__ import annotations

import pytest

from archiver.extract import (
    decode_body,
    extract_html,
    extract_page,
    html_to_text,
    is_extractable,
    repair_mojibake,
)
from archiver.models import PageLayer

# --------------------------------------------------------------------------
# Visible text
# --------------------------------------------------------------------------


@pytest.mark.parametrize(("markup", "expected"), [
    ("<p>la fibre</p><p>humanitaire</p>", "la fibre\n\nhumanitaire"),
    ("<div>Calais</div><div>Dunkerque</div>", "Calais\nDunkerque"),
    ("une ligne<br>une autre<br/>fin", "une ligne\nune autre\nfin"),
    ("<ul><li>un</li><li>deux</li></ul>", "un\ndeux"),
    ("<table><tr><td>a</td><td>b</td></tr></table>", "a\tb"),
    ("<h2>Titre</h2>Texte", "Titre\n\nTexte"),
    ("anarcho-<b>liber</b>taire", "anarcho-libertaire"),  # inline tags do not split words
    ("  beaucoup   d'espaces \n ici  ", "beaucoup d'espaces ici"),
])
def test_blocks_are_separated_and_inline_tags_are_not(markup: str, expected: str) -> None:
    assert html_to_text(markup) == expected


def test_script_style_template_svg_are_removed() -> None:
    markup = ("<p>avant</p><script>var secret = 'script text';</script><style>p{color:red}"
              "</style><template><p>gabarit</p></template><svg><text>dessin</text></svg>"
              "<p>après</p>")
    assert html_to_text(markup) == "avant\n\naprès"


def test_entities_are_decoded_and_soft_hyphens_kept() -> None:
    text = html_to_text("<p>l&rsquo;Europe &amp; la fa&shy;mille&nbsp;!</p>")
    assert text == "l\u2019Europe & la fa\u00admille\u00a0!"


def test_head_text_goes_to_the_meta_layer_not_the_text() -> None:
    page = extract_html(
        "<html lang='fr'><head><title>A Calais</title><meta name='description' "
        "content='Mouvance anar née en Allemagne'><meta property='og:title' "
        "content='Chez les radicaux'></head><body><p>Corps.</p></body></html>")
    assert page.text == "Corps."
    meta = page.layer(PageLayer.META)
    assert meta is not None
    assert meta.text.split("\n") == ["A Calais", "Mouvance anar née en Allemagne",
                                     "Chez les radicaux"]
    assert page.title == "A Calais" and page.declared_lang == "fr"


def test_article_body_ranges_prefer_specific_containers() -> None:
    page = extract_html(
        "<nav>Menu</nav><article><h1>Titre</h1><div class='story-body'><p>Le corps.</p>"
        "</div><p>Partager</p></article><footer>Pied</footer>")
    layer = page.layer(PageLayer.TEXT)
    assert layer is not None
    (start, end), = layer.article_spans
    assert layer.text[start:end].strip() == "Le corps."
    assert layer.in_article(start, end) is True
    assert layer.in_article(0, 4) is False


def test_article_element_is_the_fallback_and_none_means_unknown() -> None:
    with_article = extract_html("<p>Menu</p><article><p>Texte</p></article>").layer(PageLayer.TEXT)
    assert with_article is not None and with_article.article_spans
    without = extract_html("<p>Texte</p>").layer(PageLayer.TEXT)
    assert without is not None and without.in_article(0, 1) is None


# --------------------------------------------------------------------------
# Script layer
# --------------------------------------------------------------------------


def test_ld_json_article_body() -> None:
    page = extract_html(
        '<script type="application/ld+json">{"@context": "https://schema.org", '
        '"@type": "NewsArticle", "headline": "Court", "articleBody": "Le dispositif '
        'policier a été renforcé, avec 200 policiers &lt;b&gt;autour&lt;/b&gt; du port."}'
        "</script><div id=app></div>")
    layer = page.layer(PageLayer.SCRIPT)
    assert layer is not None
    assert "Le dispositif policier a été renforcé, avec 200 policiers autour du port." \
        in layer.text
    assert layer.article_spans


def test_framework_state_and_next_data() -> None:
    page = extract_html(
        "<script>window.__STATE__ = {\"article\": {\"body\": \"<p>Les No Borders disent "
        "que ça va être chaud.</p>\"}, \"n\": 3};</script>"
        '<script id="__NEXT_DATA__" type="application/json">{"props": {"pageProps": '
        '{"text": "Nous sommes devenus un réseau géant, raconte Martin."}}}</script>'
        "<script>var x = JSON.parse(\"{\\\"lede\\\": \\\"Une tendance à la hausse sur "
        "les sept premiers mois.\\\"}\");</script>")
    layer = page.layer(PageLayer.SCRIPT)
    assert layer is not None
    assert "Les No Borders disent que ça va être chaud." in layer.text
    assert "Nous sommes devenus un réseau géant, raconte Martin." in layer.text
    assert "Une tendance à la hausse sur les sept premiers mois." in layer.text


def test_short_strings_and_broken_json_are_ignored() -> None:
    page = extract_html('<script type="application/ld+json">{"@type": "Article", '
                        '"name": "court"</script><script>var a = {"id": "abc"};</script>')
    assert page.layer(PageLayer.SCRIPT) is None


# --------------------------------------------------------------------------
# Charset and mojibake
# --------------------------------------------------------------------------

FR = "Il a six frères et sœurs, « la fibre humanitaire »"


def test_http_charset_is_used() -> None:
    d = decode_body(FR.encode("utf-8"), "text/html; charset=UTF-8")
    assert (d.text, d.charset, d.source, d.flags) == (FR, "utf-8", "http", ())


def test_wrong_latin1_header_on_utf8_bytes_is_overruled_and_flagged() -> None:
    d = decode_body(FR.encode("utf-8"), "text/html; charset=ISO-8859-1")
    assert d.text == FR and d.charset == "utf-8"
    assert "charset_header_wrong" in d.flags


def test_meta_charset_when_the_header_has_none() -> None:
    body = b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">' \
        + "Médecins du Monde – l’œil".encode("cp1252")
    d = decode_body(body, "text/html")
    assert d.source == "meta" and d.charset == "cp1252"
    assert d.text.endswith("Médecins du Monde – l’œil")


def test_utf8_header_on_latin1_bytes_falls_back() -> None:
    body = "Très actifs à Calais, les réfugiés attendent".encode("latin-1")
    d = decode_body(body, "text/html; charset=utf-8")
    assert d.text == "Très actifs à Calais, les réfugiés attendent"
    assert "charset_header_wrong" in d.flags and d.source == "detected"


def test_detection_without_any_declaration() -> None:
    d = decode_body("Mouvance née en Allemagne, défendre les réfugiés".encode("cp1252"))
    assert d.text == "Mouvance née en Allemagne, défendre les réfugiés"
    assert d.source == "detected"


def test_byte_order_mark_wins() -> None:
    d = decode_body(b"\xef\xbb\xbf" + FR.encode("utf-8"), "text/html; charset=ISO-8859-1")
    assert (d.text, d.source) == (FR, "bom")


@pytest.mark.parametrize(("broken", "fixed"), [
    ("lâ€™association", "l’association"),
    ("dignitÃ©", "dignité"),
    ("Ã  Calais", "Ã  Calais"),  # "Ã" + space is not a UTF-8 sequence: left alone
    ("née à Paris, déjà", "née à Paris, déjà"),  # ordinary accents untouched
    ("lÃƒÂ©gal", "légal"),  # mojibake applied twice
])
def test_repair_mojibake(broken: str, fixed: str) -> None:
    text, changed = repair_mojibake(broken)
    assert text == fixed and changed == (broken != fixed)


def test_mojibake_in_a_page_is_repaired_and_flagged() -> None:
    body = "<p>lâ€™association Salam, subventionnÃ©e par la ville</p>".encode()
    page = extract_page(body, "text/html; charset=utf-8")
    assert page.text == "l’association Salam, subventionnée par la ville"
    assert "mojibake_repaired" in page.flags


# --------------------------------------------------------------------------
# Payload kinds
# --------------------------------------------------------------------------


def test_plain_text_payload() -> None:
    page = extract_page(b"Une ligne.\nUne autre.", "text/plain; charset=utf-8")
    assert page.text == "Une ligne.\nUne autre."


@pytest.mark.parametrize(("ctype", "body", "ok"), [
    ("text/html; charset=utf-8", b"", True),
    ("application/xhtml+xml", b"", True),
    ("text/plain", b"", True),
    ("application/pdf", b"%PDF-1.4", True),
    ("image/jpeg", b"\xff\xd8", False),
    (None, b"<!DOCTYPE html><html>", True),
    ("application/octet-stream", b"\x00\x01", False),
])
def test_is_extractable(ctype: str | None, body: bytes, ok: bool) -> None:
    assert is_extractable(ctype, body) is ok


def test_a_huge_page_is_searched_up_to_the_cap_and_flagged(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A multi-megabyte page would cost gigabytes of index: its text stops at the cap."""
    from archiver import extract

    monkeypatch.setattr(extract, "MAX_PAGE_CHARS", 1000)
    body = ("<html><body><article><p>" + "word " * 1000 + "</p></article>"
            "<script type='application/ld+json'>{\"articleBody\": \"" + "text here " * 500
            + "\"}</script></body></html>").encode()
    page = extract.extract_page(body, "text/html")
    assert "text_capped" in page.flags
    assert all(len(layer.text) <= 1000 for layer in page.layers)
    assert all(b <= 1000 for layer in page.layers for _, b in layer.article_spans)
    small = extract.extract_page(b"<html><body><p>a short page</p></body></html>", "text/html")
    assert "text_capped" not in small.flags
    plain = extract.extract_page(b"x " * 1000, "text/plain")
    assert "text_capped" in plain.flags and len(plain.layers[0].text) == 1000
