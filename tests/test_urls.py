"""URL identity (archiver.urls): examples, then properties checked by hypothesis."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archiver.urls import host_of, is_http_url, same_page, url_key

BASE = "http://www.lavoixdunord.fr/region/migrants-calais-ia33b48581n2298943"


@pytest.mark.parametrize("variant", [
    "https://www.lavoixdunord.fr/region/migrants-calais-ia33b48581n2298943",
    "http://lavoixdunord.fr/region/migrants-calais-ia33b48581n2298943",
    "HTTP://WWW.LAVOIXDUNORD.FR/region/migrants-calais-ia33b48581n2298943",
    "http://www.lavoixdunord.fr:80/region/migrants-calais-ia33b48581n2298943",
    "https://www.lavoixdunord.fr:443/region/migrants-calais-ia33b48581n2298943/",
    "http://www.lavoixdunord.fr./region/migrants-calais-ia33b48581n2298943",
    "http://www.lavoixdunord.fr/region/migrants-calais-ia33b48581n2298943#comments",
    "http://user:pw@www.lavoixdunord.fr/region/migrants-calais-ia33b48581n2298943",
    "http://www.lavoixdunord.fr/region/./x/../migrants-calais-ia33b48581n2298943",
    "http://www.lavoixdunord.fr/%72egion/migrants%2Dcalais-ia33b48581n2298943",
    "  <http://www.lavoixdunord.fr/region/migrants-calais-ia33b48581n2298943>  ",
])
def test_spellings_of_one_page_share_a_key(variant: str) -> None:
    assert url_key(variant) == url_key(BASE) == (
        "lavoixdunord.fr/region/migrants-calais-ia33b48581n2298943")


@pytest.mark.parametrize("other", [
    "http://www.lavoixdunord.fr/Region/migrants-calais-ia33b48581n2298943",  # path case
    "http://www.lavoixdunord.fr:8080/region/migrants-calais-ia33b48581n2298943",  # port
    "http://www.lavoixdunord.fr/region/migrants-calais-ia33b48581n2298943?page=2",  # query
    "http://m.lavoixdunord.fr/region/migrants-calais-ia33b48581n2298943",  # another host
    "http://www.lavoixdunord.fr/region%2Fmigrants-calais-ia33b48581n2298943",  # %2F is not /
])
def test_different_pages_have_different_keys(other: str) -> None:
    assert url_key(other) != url_key(BASE)


def test_idn_hosts_compare_in_ascii_form() -> None:
    assert url_key("http://préfecture.fr/a") == url_key("http://xn--prfecture-c4a.fr/a")
    assert url_key("http://PRÉFECTURE.fr/a") == "xn--prfecture-c4a.fr/a"


def test_idna_2008_keeps_sharp_s_apart_from_ss() -> None:
    assert url_key("http://straße.de/a") == "xn--strae-oqa.de/a"
    assert url_key("http://strasse.de/a") == "strasse.de/a"


def test_percent_encoding_is_normalised() -> None:
    assert url_key("http://a.fr/caf%c3%a9") == url_key("http://a.fr/café") == "a.fr/caf%C3%A9"
    assert url_key("http://a.fr/100%") == "a.fr/100%25"
    assert url_key("http://a.fr/%7euser") == url_key("http://a.fr/~user")


def test_query_is_kept_in_order_but_same_page_ignores_order_and_tracking() -> None:
    a = "http://a.fr/x?b=2&a=1"
    b = "http://a.fr/x?a=1&b=2&utm_source=twitter"
    assert url_key(a) != url_key(b)
    assert same_page(a, b)
    assert same_page("http://a.fr/x", "https://www.a.fr/x/#top")
    assert not same_page("http://a.fr/x", "http://a.fr/")


def test_ipv6_hosts_keep_their_brackets_so_the_port_stays_apart() -> None:
    assert url_key("http://[2001:DB8::1]:8080/x") == "[2001:db8::1]:8080/x"
    assert url_key("http://[2001:db8::1]/x") == url_key("https://[2001:db8::1]:443/x/")
    assert url_key("http://" + url_key("http://[2001:db8::1]:8080/x")) == "[2001:db8::1]:8080/x"


def test_unparseable_urls_are_their_own_key() -> None:
    assert url_key("http://[::1/x") == "http://[::1/x"
    assert host_of("http://[::1/x") == ""
    assert not is_http_url("javascript:alert(1)")
    assert not is_http_url("http:///nohost")
    assert is_http_url("HTTPS://a.fr")


# ---------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------

_label = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
_host = st.lists(_label, min_size=1, max_size=3).map(lambda ls: ".".join([*ls, "fr"]))
# Raw whitespace is not part of a URL (the manifest refuses it); escaped, it is.
_seg = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="/?#%<> ",
                                      exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp")),
               max_size=8)
_path = st.lists(_seg, max_size=4).map(lambda ss: "/" + "/".join(ss))
_PAIRS = r"[a-z]{1,4}=[a-z0-9]{0,4}(&[a-z]{1,4}=[a-z0-9]{0,4}){0,2}"
_query = st.one_of(st.just(""), st.from_regex(_PAIRS, fullmatch=True))


@st.composite
def urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["http", "https"]))
    query = draw(_query)
    return f"{scheme}://{draw(_host)}{draw(_path)}" + (f"?{query}" if query else "")


@given(urls())
def test_key_is_idempotent(url: str) -> None:
    key = url_key(url)
    assert url_key("http://" + key) == key
    assert url_key("https://" + key) == key


@given(urls())
def test_scheme_and_host_case_do_not_matter(url: str) -> None:
    scheme, rest = url.split("://", 1)
    host, _, tail = rest.partition("/")
    other = ("https" if scheme == "http" else "HTTP") + "://" + host.upper() + "/" + tail
    assert url_key(other) == url_key(url)


@given(urls(), st.sampled_from([("http", 80), ("https", 443)]))
def test_default_ports_do_not_matter(url: str, default: tuple[str, int]) -> None:
    scheme, port = default
    rest = url.split("://", 1)[1]
    host, _, tail = rest.partition("/")
    assert url_key(f"{scheme}://{host}:{port}/{tail}") == url_key(url)
    assert url_key(f"{scheme}://{host}:8081/{tail}") != url_key(url)


@given(urls(), st.text(max_size=10))
def test_fragments_do_not_matter(url: str, fragment: str) -> None:
    assert url_key(f"{url}#{fragment}") == url_key(url)


@given(urls())
def test_escaping_unreserved_characters_does_not_matter(url: str) -> None:
    scheme, rest = url.split("://", 1)
    host, _, tail = rest.partition("/")
    path, sep, query = tail.partition("?")
    escaped = "".join(f"%{ord(c):02x}" if c.isascii() and c.isalnum() else c for c in path)
    assert url_key(f"{scheme}://{host}/{escaped}{sep}{query}") == url_key(url)


@given(urls())
def test_same_page_is_implied_by_equal_keys(url: str) -> None:
    assert same_page(url, url.replace("://", "://www.", 1))
    assert url_key(url) == url_key(url.replace("://", "://www.", 1))


@given(st.text(max_size=40))
def test_any_text_gets_a_key_without_error(text: str) -> None:
    assert isinstance(url_key(text), str)
    assert isinstance(host_of(text), str)


def _host_the_long_way(url: str) -> str:
    """``host_of`` without its shortcut for plain URLs: what ``urlsplit`` reads."""
    from urllib.parse import urlsplit

    try:
        return (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return ""


#: URLs made of the shortcut's own characters and every one that changes what
#: ``urlsplit`` reads (userinfo, brackets, escapes, tabs, spaces, non-ASCII dots).
_URL_PIECES = st.builds(
    lambda scheme, sep, host, tail: scheme + sep + "".join(host) + tail,
    st.sampled_from(["http", "HTTPS", "h1+.-", "1http", "", " http", "ht\ttp"]),
    st.sampled_from(["://", ":/", "//", ":", ":///"]),
    st.lists(st.sampled_from(["a", "B", "example", ".", "-", "@", "x:y", "[::1]", "[", "]",
                              "%2e", "\t", " ", "\u00e9", "\uff0e", "80", ":", "/"]),
             max_size=8),
    st.sampled_from(["", "/", "/p", "?q", "#f", " ", "\n", ":80/", "@b/"]))


@given(_URL_PIECES)
def test_the_plain_url_shortcut_reads_the_host_urlsplit_reads(url: str) -> None:
    assert host_of.__wrapped__(url) == _host_the_long_way(url)


@given(urls(), st.sampled_from(["", ":8080", ":"]), st.sampled_from(["", "/", "?q", "#f"]))
def test_the_shortcut_agrees_on_real_urls(url: str, port: str, tail: str) -> None:
    scheme, rest = url.split("://", 1)
    host, _, path = rest.partition("/")
    for candidate in (url, f"{scheme}://{host}{port}{tail}", f"{scheme}://{host}{port}/{path}"):
        assert host_of.__wrapped__(candidate) == _host_the_long_way(candidate)


def _is_http_url_the_long_way(url: str) -> bool:
    """``is_http_url`` without its shortcut for plain URLs: what ``urlsplit`` reads."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


@given(_URL_PIECES)
def test_the_plain_url_shortcut_judges_http_urls_as_urlsplit(url: str) -> None:
    assert is_http_url(url) == _is_http_url_the_long_way(url)


@given(urls(), st.sampled_from(["", ":8080", ":", ":x"]), st.sampled_from(["", "/", "?q", "#f"]),
       st.sampled_from(["http", "HTTPS", "ftp", "Http", "https+x"]))
def test_the_http_url_shortcut_agrees_on_real_urls(url: str, port: str, tail: str,
                                                   scheme: str) -> None:
    _, rest = url.split("://", 1)
    host, _, path = rest.partition("/")
    for candidate in (url, f"{scheme}://{host}{port}{tail}", f"{scheme}://{host}{port}/{path}",
                      f"{scheme}://{port}{tail}"):
        assert is_http_url(candidate) == _is_http_url_the_long_way(candidate), candidate
