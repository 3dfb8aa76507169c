"""Non-HTML captures as text: PDF (with its limits), JSON, XML feeds, images."""

from __future__ import annotations

import time

import pytest

from archiver.extract import (
    FLAG_PDF_CAPPED,
    PdfLimits,
    extract_page,
    is_extractable,
    join_hyphenation,
)
from archiver.verify.index import index_page
from archiver.verify.match import match_quote
from tests.support.pdfs import bomb_pdf, image_pdf, slow_pdf, text_pdf

HARBOUR = [["The harbour authority said on Monday that the pier would",
            "reopen after the environ-",
            "mental damage had been assessed by independent experts."]]


def test_pdf_text_layer_joins_a_word_hyphenated_at_a_line_end() -> None:
    page = extract_page(text_pdf([*HARBOUR, ["A second page."]]), "application/pdf")

    assert page.unreadable is None
    assert "environ\u00admental damage" in page.text  # a soft hyphen: dropped by the matcher
    assert "A second page." in page.text
    quote = "reopen after the environmental damage had been assessed"
    match = match_quote(quote, index_page(page))
    assert match.status.is_found, match


def test_pdf_sniffed_without_a_pdf_content_type() -> None:
    body = text_pdf(HARBOUR)
    assert is_extractable("application/octet-stream", body)
    assert "independent experts" in extract_page(body, "application/octet-stream").text


def test_image_only_pdf_says_it_has_no_text_layer() -> None:
    page = extract_page(image_pdf(), "application/pdf")
    assert page.layers == () and page.text == ""
    assert page.unreadable is not None and "no text layer (a scan?)" in page.unreadable


def test_images_are_unreadable_with_the_reason() -> None:
    assert not is_extractable("image/png", b"\x89PNG")
    page = extract_page(b"\x89PNG\r\n", "image/png")
    assert page.unreadable is not None and "an image (image/png)" in page.unreadable


def test_garbage_after_a_pdf_header_is_a_reason_not_an_exception() -> None:
    page = extract_page(b"%PDF-1.4\n this is not a PDF at all", "application/pdf")
    assert page.unreadable is not None and "could not be read" in page.unreadable


def test_pdf_pages_beyond_the_cap_are_left_out_and_flagged() -> None:
    body = text_pdf([[f"Page number {n} of the report."] for n in range(1, 6)])
    page = extract_page(body, "application/pdf", pdf_limits=PdfLimits(max_pages=2))
    assert "Page number 2" in page.text and "Page number 3" not in page.text
    assert FLAG_PDF_CAPPED in page.flags


def test_a_pdf_that_takes_too_long_is_stopped() -> None:
    started = time.monotonic()
    page = extract_page(slow_pdf(), "application/pdf", pdf_limits=PdfLimits(timeout=1.0))
    assert time.monotonic() - started < 10
    assert page.unreadable is not None and "longer than 1 s" in page.unreadable


def test_a_decompression_bomb_neither_hangs_nor_blows_memory() -> None:
    started = time.monotonic()
    page = extract_page(bomb_pdf(300), "application/pdf",
                        pdf_limits=PdfLimits(max_memory=400 * 2**20, timeout=20))
    assert time.monotonic() - started < 25
    assert page.unreadable is not None and page.layers == ()


def test_the_memory_limit_holds_the_pdf_reader() -> None:
    # Too little memory for the interpreter and pypdf to load: the child dies,
    # and the page says so instead of the run failing.
    page = extract_page(text_pdf(HARBOUR), "application/pdf",
                        pdf_limits=PdfLimits(max_memory=24 * 2**20))
    assert page.unreadable is not None and "could not be read" in page.unreadable


def test_json_string_values_become_lines() -> None:
    body = (b'{"items": [{"title": "Harbour to reopen", "body": "The pier &amp; the quay '
            b'will reopen <b>on Monday</b>.", "id": 17}]}')
    page = extract_page(body, "application/json")
    assert page.unreadable is None
    assert page.text.splitlines() == ["Harbour to reopen",
                                      "The pier & the quay will reopen on Monday."]


def test_invalid_json_is_unreadable() -> None:
    page = extract_page(b"{not json", "application/json")
    assert page.unreadable is not None and "not valid JSON" in page.unreadable


def test_rss_feed_text_nodes_and_cdata() -> None:
    body = b"""<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE rss [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
<rss version="2.0"><channel><title>Example News</title>
<item><title>Harbour to reopen</title>
<description>&lt;p&gt;The mayor said the harbour will &lt;i&gt;reopen&lt;/i&gt;.&lt;/p&gt;
</description>
<content:encoded><![CDATA[<p>Fishermen welcomed the decision &amp; the date.</p>]]>
</content:encoded>
<guid>http://news.example.com/1</guid><bomb>&lol2;</bomb></item></channel></rss>"""
    page = extract_page(body, "application/rss+xml")
    lines = page.text.splitlines()
    assert "The mayor said the harbour will reopen." in lines
    assert "Fishermen welcomed the decision & the date." in lines
    assert "Harbour to reopen" in lines
    assert "lollollollol" not in page.text  # DTD entities are not expanded


def test_xhtml_served_as_xml_stays_html() -> None:
    body = b"<?xml version='1.0'?><html><head><title>T</title></head><body><p>Body text " \
           b"here.</p></body></html>"
    page = extract_page(body, "application/xml")
    assert page.title == "T" and "Body text here." in page.text


@pytest.mark.parametrize(("text", "joined"), [
    ("environ-\nmental", "environ\u00admental"),
    ("environ-  \r\n  mental", "environ\u00admental"),
    ("Franco-\nGerman", "Franco-\nGerman"),  # a capital: a compound, kept
    ("1990-\n1995", "1990-\n1995"),  # numbers: a range, kept
    ("word -\nnext", "word -\nnext"),  # a dash, not a hyphenated word
])
def test_join_hyphenation(text: str, joined: str) -> None:
    assert join_hyphenation(text) == joined
