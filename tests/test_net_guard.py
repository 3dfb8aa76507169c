"""The private-address guard judges the host as it is sent, and trusts by parsed URL.

Hostile spellings of private hosts (percent escapes, ideographic and
full-width dots, full-width digits, IPv6 forms that embed an IPv4 address)
must be refused before anything is sent: directly, and behind a proxy, where
the proxy would otherwise resolve what the HTTP library decoded. Trust in a
local archive compares scheme, host, port and path segments, never a string
prefix. Real requests go to local servers (:mod:`tests.support.localweb`) and
the world's forward proxy (:mod:`tests.world.proxy`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from urllib3.util import parse_url

from archiver.check import Checker, CheckOptions
from archiver.errors import ArchiverError, NetError, PrivateAddressError
from archiver.fetch import Archive
from archiver.models import LinkClass
from archiver.net import (
    HttpClient,
    RedirectStop,
    embedded_ipv4,
    is_public_address,
    literal_host_is_private,
    walk_redirects,
    wire_url,
)
from tests.support.localweb import LocalSite, Reply
from tests.world.proxy import ForwardProxy, ProxiedRequest, TableRouter

PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy",
              "https_proxy", "all_proxy", "no_proxy")
PAGE = "<html><title>Story</title><body>" + "words of a real story " * 40 + "</body></html>"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)


def news(request: ProxiedRequest) -> Reply:
    """news.example.org behind the proxy: ``/r?to=URL`` redirects to URL."""
    if request.target.startswith("/r?"):
        target = parse_qs(urlsplit(request.target).query)["to"][0]
        return Reply(302, "", headers={"Location": target})
    return Reply(200, PAGE)


@pytest.fixture()
def proxy() -> Iterator[ForwardProxy]:
    with ForwardProxy(TableRouter({"news.example.org": news})) as p:
        yield p


@pytest.fixture()
def site() -> Iterator[LocalSite]:
    with LocalSite() as s:
        yield s


def hosts_seen(proxy: ForwardProxy) -> set[str]:
    return {(urlsplit(url).hostname or "") for _, url in proxy.requests}


#: Hosts written so that only decoding shows where they go: (host as written,
#: the address it is sent to). All are safe to put in a Location header (ASCII).
HOSTILE_HOSTS = [
    ("%31%32%37.0.0.1", "127.0.0.1"),  # percent escapes, decoded by urllib3
    ("%31%36%39.254.169.254", "169.254.169.254"),  # cloud metadata
    ("%31%30.0.0.5", "10.0.0.5"),
    ("127%E3%80%820%E3%80%820%E3%80%821", "127.0.0.1"),  # U+3002 ideographic full stops
    ("169%EF%BC%8E254%EF%BC%8E169%EF%BC%8E254", "169.254.169.254"),  # U+FF0E
    ("%EF%BC%91%EF%BC%90.0.0.5", "10.0.0.5"),  # full-width digits "１０"
    ("127.0.0.1.", "127.0.0.1"),  # trailing dot
    ("[64:ff9b::7f00:1]", "127.0.0.1"),  # NAT64 (RFC 6052)
    ("[::a00:5]", "10.0.0.5"),  # IPv4-compatible (RFC 4291 §2.5.5.1)
    ("[2002:a9fe:a9fe::1]", "169.254.169.254"),  # 6to4 (RFC 3056)
]
#: The same in raw Unicode, as a manifest may hold them.
UNICODE_HOSTS = [
    ("127\u30020\u30020\u30021", "127.0.0.1"),
    ("\uff11\uff12\uff17.0.0.1", "127.0.0.1"),
    ("10\uff610\uff610\uff615", "10.0.0.5"),
]


# --------------------------------------------------------------------------
# Finding 2: the host judged is the host sent
# --------------------------------------------------------------------------


@pytest.mark.parametrize(("host", "sent"), HOSTILE_HOSTS + UNICODE_HOSTS)
def test_the_wire_host_is_decoded_and_mapped(host: str, sent: str) -> None:
    wire = wire_url(f"http://{host}/latest/meta-data/")
    ip = ipaddress.ip_address(wire.host.rstrip("."))
    if isinstance(ip, ipaddress.IPv6Address):
        assert str(embedded_ipv4(ip)) == sent
    else:
        assert str(ip) == sent
    assert literal_host_is_private(wire.host)
    assert parse_url(wire.url).host in (wire.host, f"[{wire.host}]")


@pytest.mark.parametrize(("host", "sent"), HOSTILE_HOSTS + UNICODE_HOSTS)
def test_hostile_hosts_are_refused_behind_a_proxy(proxy: ForwardProxy, host: str,
                                                   sent: str) -> None:
    with HttpClient(proxy=proxy.url) as client, pytest.raises(PrivateAddressError) as err:
        client.get(f"http://{host}/latest/meta-data/")
    assert err.value.kind == "private" and "--allow-private" in (err.value.hint or "")
    assert proxy.requests == []  # nothing reached the proxy


@pytest.mark.parametrize(("host", "sent"), HOSTILE_HOSTS)
def test_redirects_to_hostile_hosts_are_refused_behind_a_proxy(proxy: ForwardProxy,
                                                               host: str, sent: str) -> None:
    target = f"http://{host}/latest/meta-data/"
    with HttpClient(proxy=proxy.url) as client:
        walk = walk_redirects("http://news.example.org/r?" + urlencode(
            {"to": target}), client.get)
    assert walk.stop is RedirectStop.NETWORK
    assert isinstance(walk.error, PrivateAddressError)
    assert hosts_seen(proxy) == {"news.example.org"}  # only the first hop was sent


@pytest.mark.parametrize(("host", "sent"), HOSTILE_HOSTS)
def test_redirects_to_hostile_hosts_are_refused_directly(site: LocalSite, host: str,
                                                         sent: str) -> None:
    port = f":{site.port}" if not host.startswith("[") else ""
    site.route("/r", Reply(302, "", headers={"Location": f"http://{host}{port}/x"}))
    site.route("/x", Reply(200, "private data"))
    with HttpClient(trusted_prefixes=(site.url("/r"),), connect_timeout=1.0) as client:
        walk = walk_redirects(site.url("/r"), client.get)
    assert isinstance(walk.error, PrivateAddressError), walk.error
    assert site.hits("/x") == 0


@pytest.mark.parametrize(("host", "sent"), [HOSTILE_HOSTS[0], HOSTILE_HOSTS[3],
                                            *UNICODE_HOSTS])
def test_a_manifest_url_with_a_hostile_host_is_a_private_result(proxy: ForwardProxy,
                                                                host: str, sent: str) -> None:
    options = CheckOptions(proxy=proxy.url, per_host_interval=0, soft404_probe=False)
    with Checker(options) as checker:
        result = checker.check("s", f"http://{host}/admin")
    assert result.link_class is LinkClass.INVALID and result.error == "private"
    assert proxy.requests == []


def test_a_redirect_to_ideographic_dots_is_a_result_not_a_crash(proxy: ForwardProxy) -> None:
    target = "http://127%E3%80%820%E3%80%820%E3%80%821/"
    options = CheckOptions(proxy=proxy.url, per_host_interval=0, soft404_probe=False)
    with Checker(options) as checker:
        result = checker.check("s", "http://news.example.org/r?" + urlencode(
            {"to": target}))
    assert result.link_class is LinkClass.INVALID and result.error == "private"
    assert hosts_seen(proxy) == {"news.example.org"}


@pytest.mark.parametrize("url", [
    "http://exa%2Fmple.com/", "http://%FF%FE.example/", "http://a..b/", "http://%zz.org/",
    "http://[::1%25lo]/", "http://exa\uff0fmple.com/", "http://[v1.x]/", "http://h:99999/",
    "http://::1/", "http:///nohost", "http://\u0080x/",
])
def test_hosts_that_cannot_be_normalised_are_invalid(proxy: ForwardProxy, url: str) -> None:
    with HttpClient(proxy=proxy.url) as client, pytest.raises(NetError) as err:
        client.get(url)
    assert err.value.kind == "invalid" and "not valid" in err.value.message
    assert proxy.requests == []


def test_what_is_judged_is_what_is_sent(site: LocalSite) -> None:
    site.route("/b", Reply(200, "ok"))
    with HttpClient(allow_private=True) as client:
        answer = client.get(f"http://%31%32%37.0.0.1:{site.port}/a/%2e%2e/b#frag")
    assert answer.status == 200 and site.requests[-1].path == "/b"
    assert site.requests[-1].headers["Host"] == f"127.0.0.1:{site.port}"


# --------------------------------------------------------------------------
# Finding 10a: IPv6 addresses that embed an IPv4 address
# --------------------------------------------------------------------------


@pytest.mark.parametrize(("ip", "public"), [
    ("64:ff9b::7f00:1", False),  # NAT64 of 127.0.0.1 (RFC 6052)
    ("64:ff9b::a9fe:a9fe", False),  # NAT64 of 169.254.169.254
    ("64:ff9b::808:808", True),  # NAT64 of 8.8.8.8
    ("64:ff9b:1::808:808", False),  # local-use NAT64 prefix (RFC 8215): never global
    ("::7f00:1", False),  # IPv4-compatible 127.0.0.1 (RFC 4291 §2.5.5.1)
    ("::a00:5", False),
    ("::ffff:127.0.0.1", False),  # IPv4-mapped (RFC 4291 §2.5.5.2)
    ("::ffff:0:7f00:1", False),  # IPv4-translated (RFC 2765)
    ("2002:7f00:1::1", False),  # 6to4 of 127.0.0.1 (RFC 3056)
    ("2002:c0a8:101::", False),  # 6to4 of 192.168.1.1
    ("2002:808:808::1", True),  # 6to4 of 8.8.8.8
    ("::1", False), ("::", False), ("fe80::1", False), ("fc00::1", False),
    ("2606:4700:4700::1111", True), ("8.8.8.8", True), ("10.1.2.3", False),
])
def test_embedded_ipv4_addresses_are_judged_as_ipv4(ip: str, public: bool) -> None:
    assert is_public_address(ip) is public
    assert literal_host_is_private(f"[{ip}]" if ":" in ip else ip) is not public


def test_a_nat64_literal_is_refused_before_connecting() -> None:
    with HttpClient(connect_timeout=1.0) as client, pytest.raises(PrivateAddressError):
        client.get("http://[64:ff9b::7f00:1]/")


# --------------------------------------------------------------------------
# Finding 3: trust compares parsed URLs, never string prefixes
# --------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "trusted"), [
    ("http://127.0.0.1:8080/arch/20140101id_/http://x.org/", True),
    ("http://127.0.0.1:8080/arch", True),
    ("HTTP://127.0.0.1:8080/arch/./x", True),
    ("http://127.0.0.1:8080/cdx?url=x.org", True),
    ("http://127.0.0.1:8080@169.254.169.254/latest/meta-data/", False),  # userinfo
    ("http://u@127.0.0.1:8080/arch/x", False),  # userinfo: never trusted
    ("http://127.0.0.1:8080/arch/../secret-admin", False),
    ("http://127.0.0.1:8080/arch/%2e%2e/secret-admin", False),
    ("http://127.0.0.1:8080/archive/", False),
    ("http://127.0.0.1:8080/cdxfoo", False),
    ("http://127.0.0.1:8081/arch/", False),
    ("https://127.0.0.1:8080/arch/", False),
    ("http://127.0.0.2:8080/arch/", False),
])
def test_trust_is_by_scheme_host_port_and_path_segments(url: str, trusted: bool) -> None:
    with HttpClient(trusted_prefixes=("http://127.0.0.1:8080/arch/",
                                      "http://127.0.0.1:8080/cdx")) as client:
        assert client.may_reach_private(url) is trusted


@pytest.mark.parametrize(("url", "trusted"), [
    ("http://127.0.0.1:8080/anything", True),
    ("http://127.0.0.1:8080@169.254.169.254/latest/meta-data/", False),
    ("http://127.0.0.1:8080:@169.254.169.254/", False),
    ("http://127.0.0.1:80800/", False),
    ("http://127.0.0.1:8080.evil.example/", False),
])
def test_a_prefix_without_a_path_is_an_origin(url: str, trusted: bool) -> None:
    # --cdx-api http://H:P: the string prefix "http://H:P" matched all of these.
    with HttpClient(trusted_prefixes=("http://127.0.0.1:8080",)) as client:
        try:
            assert client.may_reach_private(url) is trusted
        except NetError as err:  # a URL that cannot be sent is not trusted either
            assert not trusted and err.kind == "invalid"


def test_a_cdx_api_without_a_path_trusts_no_userinfo_trick(proxy: ForwardProxy,
                                                          site: LocalSite) -> None:
    # --archive http://H:P/arch/ --cdx-api http://H:P, and a source on H:P that
    # redirects to http://H:P@169.254.169.254/: the string prefix matched.
    archive = Archive.from_url(site.url("/arch/"), site.base)
    site.route("/story", Reply(302, "", headers={
        "Location": f"http://127.0.0.1:{site.port}@169.254.169.254/latest/meta-data/"}))
    trusted = (archive.base, archive.cdx_api or "")
    with HttpClient(trusted_prefixes=trusted, proxy=proxy.url) as client:
        walk = walk_redirects(site.url("/story"), client.get)
    assert isinstance(walk.error, PrivateAddressError)
    assert "169.254.169.254" not in hosts_seen(proxy)


def test_dot_segments_do_not_escape_a_trusted_path(site: LocalSite) -> None:
    site.route("/secret-admin", Reply(200, "secret"))
    with HttpClient(trusted_prefixes=(site.url("/arch/coll/"),)) as client:
        for url in (site.url("/arch/coll/../../secret-admin"),
                    site.url("/arch/coll/%2E%2E/%2e%2e/secret-admin")):
            with pytest.raises(PrivateAddressError):
                client.get(url)
    assert site.hits("/secret-admin") == 0


def test_archive_urls_are_normalised_alike() -> None:
    archive = Archive.from_url(" HTTP://LocalHost:8080/coll ",
                               " HTTP://LOCALHOST:8080/coll/x/../cdx#top ")
    assert archive.base == "http://localhost:8080/coll/"
    assert archive.cdx_api == "http://localhost:8080/coll/cdx"
    for bad in ("ftp://x/", "http://%zz/"):
        with pytest.raises(ValueError, match="give an absolute http"):
            Archive.from_url("http://127.0.0.1:8080/coll/", bad)
    with pytest.raises(ValueError, match="user name or password"):
        Archive.from_url("http://u:p@127.0.0.1:8080/coll/")


# --------------------------------------------------------------------------
# A fuzz of URL judging
# --------------------------------------------------------------------------

PRIVATE_V4 = ["127.0.0.1", "10.0.0.5", "169.254.169.254", "192.168.1.1", "0.0.0.0",
              "100.64.0.1", "172.16.0.1", "127.1.2.3"]
PRIVATE_V6 = ["::1", "::ffff:127.0.0.1", "64:ff9b::7f00:1", "::7f00:1", "2002:7f00:1::",
              "fe80::1", "fc00::1", "::ffff:0:a00:5", "64:ff9b::a9fe:a9fe", "64:ff9b:1::1"]
DOTS = [".", "\u3002", "\uff0e", "\uff61", "%2e", "%2E", "%E3%80%82", "%EF%BC%8E"]


@st.composite
def disguised_private_host(draw: st.DrawFn) -> str:
    """A private address spelt so that only decoding and mapping reveal it."""
    if draw(st.booleans()):
        ip = draw(st.sampled_from(PRIVATE_V6))
        return f"[{draw(st.sampled_from([ip, ip.upper()]))}]"
    out = []
    for char in draw(st.sampled_from(PRIVATE_V4)):
        if char == ".":
            out.append(draw(st.sampled_from(DOTS)))
        else:
            out.append(draw(st.sampled_from([char, chr(0xFF10 + int(char)), f"%3{char}"])))
    return "".join(out) + draw(st.sampled_from(["", ".", "\u3002"]))


HOST_PIECES = st.sampled_from([
    *"0123456789abcdefxXAF.-_:[]@%\\/?# \t", "\u3002", "\uff0e", "\uff61", "\uff11",
    "\uff17", "%2e", "%31", "%3A", "%40", "%5B", "%5C", "%E3%80%82", "%00", "\u00fc",
    "xn--", "\x00", "\u200b", "\ufb01", "::", "127", "0x7f", "1"])
ANY_HOST = st.lists(HOST_PIECES, max_size=14).map("".join)
PLAIN_USERINFO = st.sampled_from(["", "u@", "u:p@", "127.0.0.1:80@", "a@b@", "%40@"])
USERINFO = st.one_of(PLAIN_USERINFO, st.just("h\\@"))  # "h\@x": the host is "h"
PORT = st.sampled_from(["", ":80", ":8080", ":", ":0", ":65536", ":1\uff10", ":-1"])
REST = st.sampled_from(["", "/", "/a/../b", "/%2e%2e/x", "\\x", "?q=\\", "#f@127.0.0.1",
                        "/@127.0.0.1/", "?@10.0.0.1"])


def _request_hosts(url: str) -> set[str]:
    """The hosts the HTTP library would read from ``url``, when it can prepare it."""
    try:
        prepared = requests.Request("GET", url).prepare().url or ""
        return {(parse_url(prepared).host or "").lower(), (urlsplit(prepared).hostname or "")}
    except (requests.RequestException, ValueError, UnicodeError):
        return set()


FUZZ = settings(max_examples=400, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@FUZZ
@given(scheme=st.sampled_from(["http", "https", "HTTP"]), userinfo=USERINFO,
       host=st.one_of(disguised_private_host(), ANY_HOST,
                      st.tuples(disguised_private_host(), ANY_HOST).map("".join)),
       port=PORT, rest=REST)
def test_fuzz_url_judging(scheme: str, userinfo: str, host: str, port: str, rest: str) -> None:
    url = f"{scheme}://{userinfo}{host}{port}{rest}"
    # Behind a proxy: names are not resolved, so nothing here touches the network.
    with HttpClient(proxy="http://127.0.0.1:9") as client:
        try:
            client.check_address(url)
            client.prepare(url)
        except ArchiverError:
            return  # refused or invalid: fine
        # Judged public: every reading of the URL sent must be public too ...
        wire = wire_url(url)
        for seen in (parse_url(wire.url).host or "", urlsplit(wire.url).hostname or "",
                     parse_url(client.prepare(url).url or "").host or ""):
            assert not literal_host_is_private(seen), (url, wire.url, seen)
        # ... and so must the host the HTTP library would have read from the URL as written.
        for seen in _request_hosts(url):
            assert not literal_host_is_private(seen), (url, seen)


@FUZZ
@given(host=disguised_private_host(), userinfo=PLAIN_USERINFO, port=PORT, rest=REST)
def test_fuzz_disguised_private_hosts_are_never_public(host: str, userinfo: str, port: str,
                                                       rest: str) -> None:
    url = f"http://{userinfo}{host}{port}{rest}"
    # Direct mode resolves IP literals only: getaddrinfo needs no network for them.
    for client in (HttpClient(proxy="http://127.0.0.1:9"), HttpClient()):
        with client, pytest.raises(NetError) as err:
            client.check_address(url)
        assert err.value.kind in ("private", "invalid"), (url, err.value)
