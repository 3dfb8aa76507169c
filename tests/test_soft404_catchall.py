"""Catch-all sites: every unknown path answered with the home page, byte for byte.

Real local sites (:class:`LocalSite`) and ``archiver check`` through click. A site
that serves its home page for an article that is gone must be a soft 404, even
when the article's URL shares words with the home page (the comparison used to
drop the URL's words from one side only, so two identical bodies scored 0.875).
A JavaScript application shell served for every path stays undecided: its
script, not its markup, says which page it is.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from archiver.check import PROBE_PREFIX
from archiver.check.soft404 import ProbeAnswer, compare_with_probe, is_app_shell, url_words
from archiver.cli import cli
from archiver.models import LinkClass
from tests.support.localweb import LocalSite, Reply

ARTICLE_PATH = "/region/migrants-la-nouvelle-jungle-de-calais-evacuee-ia33b48581n2298943"

#: A regional news site's home page: navigation and teasers, 70 to 150 words,
#: several of them also in the article's URL (région, migrants, Calais, nouvelle).
HOME = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8">
<title>La Voix du Littoral - Actualités de Calais, Boulogne et Dunkerque</title>
<link rel="stylesheet" href="/css/site.css">
<script>window.dataLayer = window.dataLayer || []; dataLayer.push({page: "home"});</script>
</head><body>
<header><a href="/">La Voix du Littoral</a>
<nav><ul><li><a href="/region">Région</a></li><li><a href="/calais">Calais</a></li>
<li><a href="/boulogne">Boulogne-sur-Mer</a></li><li><a href="/dunkerque">Dunkerque</a></li>
<li><a href="/sports">Sports</a></li><li><a href="/economie">Économie</a></li>
<li><a href="/loisirs">Loisirs</a></li></ul></nav></header>
<main>
<article class="teaser"><h2><a href="/region/migrants-a1">Migrants : une nouvelle nuit
de tension sur la rocade portuaire</a></h2><p>Les forces de l'ordre sont intervenues
vers deux heures du matin près du port.</p></article>
<article class="teaser"><h2><a href="/calais/conseil-a2">Le conseil municipal vote
le budget du centre aquatique</a></h2><p>Le projet, contesté par l'opposition, doit
ouvrir ses portes au printemps.</p></article>
<article class="teaser"><h2><a href="/sports/usbco-a3">Football : l'USBCO arrache le
nul face à Dunkerque</a></h2><p>Un but à la dernière minute a sauvé les Boulonnais.</p>
</article>
<aside><h3>Les plus lus</h3><ol><li>Météo : un week-end de grand vent sur la Côte
d'Opale</li><li>Travaux : la gare de Calais-Ville fermée dimanche</li></ol></aside>
</main>
<footer><a href="/contact">Contact</a> <a href="/mentions-legales">Mentions légales</a>
<a href="/abonnement">Abonnez-vous</a></footer>
<script src="/js/app.js"></script>
</body></html>
"""

#: A single-page application: the same near-empty shell for every path; its
#: script reads the address and renders the page.
APP_SHELL = """<!doctype html><html><head><meta charset="utf-8"><title>Littoral</title>
<script defer src="/app.js"></script></head>
<body><noscript>You need to enable JavaScript to run this app.</noscript>
<div id="root"></div></body></html>
"""

FLAGS = ["--allow-private", "--no-progress", "--per-host-interval", "0", "--backoff", "0.01",
         "--retries", "0", "--no-history", "--format", "json", "--fail-on", "never"]


def write_manifest(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "press.toml"
    path.write_text(f"""[manifest]
id = "press"
title = "Press"

[[source]]
id = "jungle"
url = "{url}"
publisher = "La Voix du Littoral"
title = "Migrants : la nouvelle jungle de Calais évacuée"
published = 2015-10-21
language = "fr"
""", encoding="utf-8")
    return path


def check(manifest: Path) -> tuple[Result, dict[str, object]]:
    result = CliRunner().invoke(cli, ["check", str(manifest), *FLAGS])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["results"]
    assert len(rows) == 1
    return result, rows[0]


def test_home_page_for_every_path_is_a_soft404(tmp_path: Path) -> None:
    words = len(" ".join(HOME.split("<main>")[1:]).split())
    assert 70 <= words <= 200  # a realistic home page, not a toy
    with LocalSite(default=Reply(200, HOME)) as site:
        _, row = check(write_manifest(tmp_path, site.url(ARTICLE_PATH)))
        probes = [r.path for r in site.requests if PROBE_PREFIX in r.path]
    assert probes and probes[0].startswith("/region/")
    assert row["link_class"] == "soft404", row
    assert "same" in str(row["detail"]) and PROBE_PREFIX in str(row["detail"])


def test_js_app_shell_for_every_path_is_not_called_soft404(tmp_path: Path) -> None:
    with LocalSite(default=Reply(200, APP_SHELL)) as site:
        _, row = check(write_manifest(tmp_path, site.url(ARTICLE_PATH)))
        assert any(PROBE_PREFIX in r.path for r in site.requests)
    assert row["link_class"] == "ok", row


def test_the_article_itself_on_a_catch_all_site_is_ok(tmp_path: Path) -> None:
    article = HOME.replace("<main>", "<main><article><h1>Migrants : la nouvelle jungle de "
                           "Calais évacuée</h1><p>" + " ".join(
                               f"Les occupants du camp numéro {i} ont quitté les lieux "
                               f"dans le calme, selon la préfecture."
                               for i in range(1, 12)) + "</p></article>")
    with LocalSite(default=Reply(200, HOME)) as site:
        site.route(ARTICLE_PATH, Reply(200, article))
        _, row = check(write_manifest(tmp_path, site.url(ARTICLE_PATH)))
    assert row["link_class"] == "ok", row


# -- the comparison, pure ---------------------------------------------------------


def answer(body: str, url: str = "http://news.example/region/archiver-probe-0a1b2c") -> ProbeAnswer:
    return ProbeAnswer.from_response(url, 200, url, body.encode(), redirected=False)


def test_identical_bodies_are_a_soft404_whatever_the_url_words() -> None:
    url = "http://news.example" + ARTICLE_PATH
    verdict = compare_with_probe(url, url, HOME.encode(), False, answer(HOME))
    assert verdict is not None and verdict.link_class is LinkClass.SOFT404


def test_identical_text_with_another_token_in_the_markup_is_a_soft404() -> None:
    url = "http://news.example" + ARTICLE_PATH
    page = HOME.replace('href="/css/site.css"', 'href="/css/site.css?v=91f3"')
    verdict = compare_with_probe(url, url, page.encode(), False, answer(HOME))
    assert verdict is not None and verdict.link_class is LinkClass.SOFT404


def test_identical_app_shells_stay_undecided() -> None:
    url = "http://news.example" + ARTICLE_PATH
    assert is_app_shell(APP_SHELL.encode())
    assert not is_app_shell(HOME.encode())
    assert compare_with_probe(url, url, APP_SHELL.encode(), False, answer(APP_SHELL)) is None


def test_identical_tiny_page_without_script_is_a_soft404() -> None:
    url = "http://news.example" + ARTICLE_PATH
    page = "<html><head><title>Littoral</title></head><body><p>Bienvenue</p></body></html>"
    assert not is_app_shell(page.encode())
    verdict = compare_with_probe(url, url, page.encode(), False, answer(page))
    assert verdict is not None and verdict.link_class is LinkClass.SOFT404


@pytest.mark.parametrize("word", ["a", "la", "de", "n", "ia", "des", "les", "the", "and"])
def test_url_words_leave_out_stop_words_and_short_tokens(word: str) -> None:
    words = url_words(f"http://x.example/region/{word}-migrants-des-calais-n2298943?a=les")
    assert word not in words
    assert {"region", "migrants", "calais"} <= words
