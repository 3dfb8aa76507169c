"""Pure logic of link checking: classes, soft-404 cues, retries, offline rule, --fail-on.

No network here: every function under test takes plain values.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archiver.check import (
    Attempt,
    CheckOptions,
    ProbeAnswer,
    classify_answer,
    classify_error,
    compare_with_probe,
    final_result,
    is_home_page,
    is_material_redirect,
    judge_offline,
    page_text,
    page_title,
    retry_delay,
    sibling_url,
    text_similarity,
    void_results,
)
from archiver.clock import ManualClock
from archiver.errors import ConfigError
from archiver.failon import Command, parse_fail_on
from archiver.models import Hop, LinkClass, LinkResult, LinkState
from archiver.net import parse_retry_after

URL = "https://news.example/2014/09/03/harbour-reopens"
ARTICLE = ("<html><head><title>Harbour reopens after storm</title></head><body>"
           + " ".join(f"sentence {i} about the harbour and the storm in calais" for i in range(60))
           + "</body></html>").encode()


def answer(status: int, body: bytes = ARTICLE, headers: dict[str, str] | None = None,
           final: str = URL, hops: tuple[Hop, ...] = ()) -> LinkClass:
    return classify_answer(URL, final, status, headers or {}, body, hops).link_class


def hop_to(target: str, status: int = 301) -> tuple[Hop, ...]:
    return (Hop(URL, status, target),)


# -- statuses ------------------------------------------------------------------


@pytest.mark.parametrize(("status", "expected"), [
    (200, LinkClass.OK), (203, LinkClass.OK),
    (404, LinkClass.GONE), (410, LinkClass.GONE), (400, LinkClass.GONE),
    (401, LinkClass.BLOCKED), (403, LinkClass.BLOCKED), (451, LinkClass.BLOCKED),
    (999, LinkClass.BLOCKED), (406, LinkClass.BLOCKED),
    (402, LinkClass.PAYWALLED),
    (408, LinkClass.TRANSIENT), (425, LinkClass.TRANSIENT), (429, LinkClass.TRANSIENT),
    (500, LinkClass.TRANSIENT), (503, LinkClass.TRANSIENT), (599, LinkClass.TRANSIENT),
    (304, LinkClass.INVALID),
])
def test_status_classes(status: int, expected: LinkClass) -> None:
    assert answer(status) is expected


def test_cloudflare_challenge_header_is_blocked_whatever_the_status() -> None:
    assert answer(403, headers={"cf-mitigated": "challenge"}) is LinkClass.BLOCKED
    assert answer(503, headers={"cf-mitigated": "challenge"}) is LinkClass.BLOCKED
    assert answer(200, headers={"cf-mitigated": "challenge"}) is LinkClass.BLOCKED


def test_challenge_page_on_503_is_blocked_not_transient() -> None:
    body = b"<html><head><title>Just a moment...</title></head><body>cf_chl_opt</body></html>"
    assert answer(503, body) is LinkClass.BLOCKED


def test_challenge_script_in_a_normal_page_is_not_a_challenge() -> None:
    """Cloudflare injects its challenge-platform script into ordinary 200 pages."""
    body = ARTICLE.replace(b"</body>",
                           b'<script src="/cdn-cgi/challenge-platform/scripts/jsd/main.js">'
                           b"</script></body>")
    assert answer(200, body) is LinkClass.OK


# -- redirects -----------------------------------------------------------------


@pytest.mark.parametrize("final", [
    "http://news.example/2014/09/03/harbour-reopens",  # https -> http
    "https://www.news.example/2014/09/03/harbour-reopens",  # www.
    "https://news.example/2014/09/03/harbour-reopens/",  # trailing slash
    "https://news.example:443/2014/09/03/harbour-reopens",  # default port
    "https://news.example/2014/09/03/harbour-reopens?utm_source=x",  # tracking
])
def test_immaterial_redirects_are_ok(final: str) -> None:
    assert not is_material_redirect(URL, final)
    assert answer(200, final=final, hops=hop_to(final)) is LinkClass.OK


def test_material_redirect_is_redirected() -> None:
    final = "https://news.example/archives/harbour-reopens-after-storm"
    assert is_material_redirect(URL, final)
    assert answer(200, final=final, hops=hop_to(final)) is LinkClass.REDIRECTED


def test_redirect_to_home_page_is_soft404() -> None:
    for home in ("https://news.example/", "https://news.example/index.html",
                 "https://www.news.example/fr/", "https://news.example/accueil"):
        assert answer(200, final=home, hops=hop_to(home)) is LinkClass.SOFT404, home


def test_home_page_itself_is_not_a_soft404() -> None:
    home = "https://news.example/"
    verdict = classify_answer(home, "https://www.news.example/", 200, {}, ARTICLE,
                              (Hop(home, 301, "https://www.news.example/"),))
    assert verdict.link_class is LinkClass.OK


def test_redirect_to_404_looking_url_is_soft404() -> None:
    final = "https://news.example/erreur-404?from=harbour"
    assert answer(200, final=final, hops=hop_to(final)) is LinkClass.SOFT404


def test_redirect_to_login_page_is_paywalled() -> None:
    final = "https://news.example/connexion?next=/2014/09/03/harbour-reopens"
    assert answer(200, final=final, hops=hop_to(final, 302)) is LinkClass.PAYWALLED


def test_paywall_markup_is_paywalled() -> None:
    body = ARTICLE.replace(b"</head>", b'<script type="application/ld+json">'
                           b'{"isAccessibleForFree": "False"}</script></head>')
    assert answer(200, body) is LinkClass.PAYWALLED


def test_home_page_rule() -> None:
    assert is_home_page("https://a.example")
    assert is_home_page("https://a.example/en-gb/")
    assert not is_home_page("https://a.example/news/")
    assert not is_home_page("https://a.example/?p=12")


# -- titles --------------------------------------------------------------------


@pytest.mark.parametrize("title", [
    "404 - Le Monde.fr", "Page introuvable | Libération", "Page not found – Example",
    "Erreur 404", "Not Found", "Page non trouvée", "Oops! That page can’t be found",
    "Article introuvable - La Voix du Nord",
])
def test_not_found_titles_are_soft404(title: str) -> None:
    body = f"<html><head><title>{title}</title></head><body>sorry</body></html>".encode()
    assert answer(200, body) is LinkClass.SOFT404


@pytest.mark.parametrize("title", [
    "Migrants à Calais : une solution introuvable", "Missing boat still not found, says mayor",
    "Harbour reopens after storm",
])
def test_headlines_with_those_words_are_not_soft404(title: str) -> None:
    body = ARTICLE.replace(b"Harbour reopens after storm", title.encode())
    assert answer(200, body) is LinkClass.OK


def test_page_title_unescapes_and_collapses() -> None:
    assert page_title(b"<TITLE lang=fr>\n Caf&eacute;\n  cr&egrave;me </title>") == "Café crème"
    assert page_title(b"<html>no title</html>") is None


# -- random sibling comparison ---------------------------------------------------


def test_sibling_url_keeps_folder_extension_and_slash() -> None:
    assert sibling_url("https://a.example/news/2014/story.html", "tok")[0] == \
        "https://a.example/news/2014/tok.html"
    assert sibling_url("https://a.example/news/story/", "tok")[0] == \
        "https://a.example/news/tok/"
    assert sibling_url("https://a.example/article.php?id=42&lang=fr", "tok")[0] == \
        "https://a.example/article.php?id=tok&lang=tok"


def test_tracking_parameters_are_not_probed_as_if_they_selected_content() -> None:
    """A server ignoring ``utm_source`` would serve the article for a probe that only
    changed it, and the live article would be called a soft 404."""
    url, _ = sibling_url("http://a.fr/news/story.html?utm_source=tw&xtor=RSS-1", "T")
    assert url == "http://a.fr/news/T.html"
    url, _ = sibling_url("http://a.fr/article.php?id=7&utm_medium=social", "T")
    assert url == "http://a.fr/article.php?id=T"


def test_sibling_urls_of_one_folder_shape_share_a_cache_key() -> None:
    _, key1 = sibling_url("https://a.example/news/2014/09/03/one.html", "x")
    _, key2 = sibling_url("https://a.example/news/2014/10/21/two.html", "y")
    _, key3 = sibling_url("https://a.example/other/2014/10/21/two.html", "y")
    _, key4 = sibling_url("https://a.example/news/2014/10/21/two", "y")
    assert key1 == key2
    assert len({key1, key3, key4}) == 3


def test_similarity_of_texts() -> None:
    words = page_text(ARTICLE)
    assert text_similarity(words, words) == 1.0
    other = page_text(b"<p>" + b" ".join(b"completely different words here" for _ in range(30)))
    assert text_similarity(words, other) < 0.1


def test_page_text_drops_markup_scripts_and_digits() -> None:
    text = page_text(b"<script>var x = 'secret';</script><p>Hello <b>World</b> 2014</p>")
    assert text == ["hello", "world"]


ERROR_PAGE = ("<html><title>Example News</title><body>"
              + "Sorry, we could not find {path}. " + " ".join(["Try our search or browse "
              "the latest headlines below."] * 10) + "</body></html>")


def probe_of(body: str, status: int = 200, url: str = "https://news.example/2014/09/03/xyz",
             ) -> ProbeAnswer:
    words = page_text(body.format(path="/2014/09/03/xyz").encode(), drop={"xyz"})
    return ProbeAnswer(url, status, url, tuple(words))


def test_page_like_the_sites_missing_page_answer_is_soft404() -> None:
    body = ERROR_PAGE.format(path="/2014/09/03/harbour-reopens").encode()
    verdict = compare_with_probe(URL, URL, body, False, probe_of(ERROR_PAGE))
    assert verdict is not None and verdict.link_class is LinkClass.SOFT404
    assert "similarity" in verdict.detail


def test_real_article_differs_from_the_missing_page_answer() -> None:
    assert compare_with_probe(URL, URL, ARTICLE, False, probe_of(ERROR_PAGE)) is None


def test_probe_answered_404_proves_nothing_wrong() -> None:
    body = ERROR_PAGE.format(path="x").encode()
    assert compare_with_probe(URL, URL, body, False, probe_of(ERROR_PAGE, status=404)) is None


def test_app_shells_are_not_compared() -> None:
    shell = "<html><body><div id=app></div>Enable JavaScript</body></html>"
    assert compare_with_probe(URL, URL, shell.encode(), False, probe_of(shell)) is None


def test_both_redirected_to_the_same_page_is_soft404() -> None:
    final = "https://news.example/search"
    probe = ProbeAnswer("https://news.example/2014/09/03/xyz", 200, final, (), redirected=True)
    verdict = compare_with_probe(URL, final, ARTICLE, True, probe)
    assert verdict is not None and verdict.link_class is LinkClass.SOFT404


# -- transport errors ----------------------------------------------------------


@pytest.mark.parametrize(("kind", "expected"), [
    ("dns", LinkClass.GONE), ("dns_failure", LinkClass.TRANSIENT),
    ("timeout", LinkClass.TRANSIENT), ("reset", LinkClass.TRANSIENT),
    ("refused", LinkClass.TRANSIENT), ("tls", LinkClass.TLS_ERROR),
    ("private", LinkClass.INVALID), ("invalid", LinkClass.INVALID),
])
def test_error_classes(kind: str, expected: LinkClass) -> None:
    assert classify_error(kind, "message").link_class is expected


# -- retries -------------------------------------------------------------------

OPTIONS = CheckOptions(retries=3, backoff=1.0, max_retry_after=120)


def attempt(cls: LinkClass, retry_after: float | None = None) -> Attempt:
    return Attempt(LinkResult("s", URL, cls), retry_after=retry_after)


def test_only_transient_results_are_retried() -> None:
    for cls in LinkClass:
        delay = retry_delay(1, attempt(cls), OPTIONS, random.Random(1))
        assert (delay is not None) == (cls is LinkClass.TRANSIENT), cls


def test_backoff_doubles_with_jitter_and_stops_after_the_retries() -> None:
    rng = random.Random(7)
    delays = [retry_delay(n, attempt(LinkClass.TRANSIENT), OPTIONS, rng) for n in (1, 2, 3, 4)]
    assert delays[3] is None
    for n, delay in enumerate(delays[:3], start=1):
        assert delay is not None and 0.5 * 2 ** (n - 1) <= delay <= 2 ** (n - 1)


def test_retry_after_is_honoured_and_a_too_long_one_gives_up() -> None:
    assert retry_delay(1, attempt(LinkClass.TRANSIENT, 30), OPTIONS) == 30
    too_long = attempt(LinkClass.TRANSIENT, 3600)
    assert retry_delay(1, too_long, OPTIONS) is None
    assert "3600 s" in (final_result(too_long, OPTIONS).detail or "")


def test_retry_after_http_date() -> None:
    clock = ManualClock(start=datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC))
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", clock) == 30
    assert parse_retry_after("Thu, 01 Jan 2026 13:00:00 GMT", clock) == 120
    assert parse_retry_after("Thu, 01 Jan 2026 13:00:00 GMT", clock,
                             cap=float("inf")) == 3600


# -- offline -------------------------------------------------------------------


def failed(url: str, error: str = "refused") -> LinkResult:
    return LinkResult("s", url, LinkClass.TRANSIENT, error=error)


def test_most_hosts_unreachable_is_offline() -> None:
    results = [failed("https://a.example/1"), failed("https://b.example/1", "dns_failure"),
               LinkResult("s", "https://c.example/", LinkClass.OK)]
    assert "2 of 3 hosts" in (judge_offline(results) or "")


def test_half_the_hosts_is_not_most() -> None:
    results = [failed("https://a.example/1"), LinkResult("s", "https://b.example/", LinkClass.OK)]
    assert judge_offline(results) is None


def test_a_host_that_answered_once_is_reachable() -> None:
    results = [failed("https://a.example/1"), LinkResult("s", "https://a.example/2",
                                                         LinkClass.GONE, http_status=404),
               failed("https://b.example/1")]
    assert judge_offline(results) is None  # only b of {a, b}: not more than half


def test_one_host_alone_never_decides_offline() -> None:
    assert judge_offline([failed("https://a.example/1")]) is None


def test_timeouts_and_http_errors_are_not_network_level() -> None:
    results = [failed("https://a.example/", "timeout"), failed("https://b.example/", "timeout")]
    assert judge_offline(results) is None


def test_void_results_keeps_successes_and_the_observed_class() -> None:
    ok = LinkResult("a", "https://a.example/", LinkClass.OK)
    gone = LinkResult("b", "https://b.example/", LinkClass.GONE, detail="HTTP 404 Not Found")
    voided = void_results([ok, gone], "offline")
    assert voided[0] == ok
    assert voided[1].link_class is LinkClass.INCONCLUSIVE
    assert voided[1].observed_class is LinkClass.GONE
    assert "offline" in (voided[1].detail or "")


# -- --fail-on -----------------------------------------------------------------


def result(cls: LinkClass, state: LinkState = LinkState.UNKNOWN) -> LinkResult:
    return LinkResult("s", URL, cls, state=state)


def test_default_fail_on_is_gone_soft404_and_dead() -> None:
    policy = parse_fail_on([], Command.CHECK)
    assert str(policy) == "gone,dead"
    assert policy.matches_link(result(LinkClass.GONE))
    assert policy.matches_link(result(LinkClass.SOFT404))
    assert policy.matches_link(result(LinkClass.BLOCKED, LinkState.DEAD))
    assert not policy.matches_link(result(LinkClass.TRANSIENT, LinkState.FAILING))
    assert not policy.matches_link(result(LinkClass.BLOCKED))


def test_fail_on_lists_any_and_never() -> None:
    assert parse_fail_on(["dead"], Command.CHECK).matches_link(result(LinkClass.GONE)) is False
    both = parse_fail_on(["transient,blocked", "failing"], Command.CHECK)
    assert both.matches_link(result(LinkClass.BLOCKED))
    assert both.matches_link(result(LinkClass.OK, LinkState.FAILING))
    every = parse_fail_on(["any"], Command.CHECK)
    assert every.matches_link(result(LinkClass.PAYWALLED))
    assert not every.matches_link(result(LinkClass.REDIRECTED))
    never = parse_fail_on(["never"], Command.CHECK)
    assert not never.matches_link(result(LinkClass.GONE, LinkState.DEAD))


def test_fail_on_rejects_unknown_words_with_the_choices() -> None:
    with pytest.raises(ConfigError) as info:
        parse_fail_on(["gnoe"], Command.CHECK)
    assert "gnoe" in str(info.value) and "soft404" in str(info.value)
    with pytest.raises(ConfigError):
        parse_fail_on(["never,gone"], Command.CHECK)


def test_check_options_are_validated() -> None:
    with pytest.raises(ConfigError, match="concurrency"):
        CheckOptions(concurrency=0)


@given(st.lists(st.sampled_from([b"captcha", b"capt", b"cha", b"px-", b"ddos-guard", b"ddos",
                                 b"<title>just a moment...</title>", b"just a moment",
                                 b"cf_chl_opt", b"/cdn-cgi/challenge-platform/", b"cdn-cgi",
                                 b"sucuri website firewall", b"_incapsula_resource", b" ",
                                 b"story", b"\x00", b"\xff"]), max_size=12).map(b"".join))
def test_the_marker_search_finds_what_one_pattern_of_them_all_finds(head: bytes) -> None:
    import re

    from archiver.check.classify import _ALL_MARKERS, _any_marker

    pattern = re.compile(b"|".join(re.escape(m) for m in _ALL_MARKERS))
    assert _any_marker(head) is bool(pattern.search(head))
