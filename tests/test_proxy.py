"""Proxy support in the HTTP layer: which proxy, the address guard, the proxy's own errors.

Real requests go through a real local forward proxy (:mod:`tests.world.proxy`)
on 127.0.0.1; the sites behind it are in-process handlers.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from requests.structures import CaseInsensitiveDict

from archiver.check import Checker, CheckOptions
from archiver.errors import ConfigError, NetError, PrivateAddressError
from archiver.models import LinkClass
from archiver.net import (
    HttpClient,
    bypasses_proxy,
    literal_host_is_private,
    parse_proxy_url,
    proxy_failure,
)
from tests.support.localweb import LocalSite, Reply
from tests.world.proxy import ForwardProxy, ProxiedRequest, TableRouter, tls_context

PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy",
              "https_proxy", "all_proxy", "no_proxy", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
ARTICLE = "<html><title>Story</title><body>" + "words of a real story " * 40 + "</body></html>"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)


def news(request: ProxiedRequest) -> Reply:
    if request.target == "/origin-502":
        return Reply(502, "<html><title>502 Bad Gateway</title>nginx</html>")
    if request.target == "/slow":
        return Reply(200, ARTICLE, drip_seconds=0.02)
    if request.target.startswith("/archiver-probe-") or request.target == "/missing":
        return Reply(404, "<html><title>Not found</title></html>")
    return Reply(200, ARTICLE + f"<!-- {request.url} -->")


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, Path]:
    context, ca = tls_context(["news.example.org"])
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    path.write_bytes(ca)
    return context, path


@pytest.fixture(params=["rfc9209", "squid", "bare"])
def proxy(request: pytest.FixtureRequest, tls: tuple[object, Path]) -> Iterator[ForwardProxy]:
    with ForwardProxy(TableRouter({"news.example.org": news}), tls=tls[0],  # type: ignore[arg-type]
                      style=request.param) as p:
        yield p


@pytest.fixture()
def rfc_proxy(tls: tuple[object, Path]) -> Iterator[ForwardProxy]:
    with ForwardProxy(TableRouter({"news.example.org": news}), tls=tls[0],  # type: ignore[arg-type]
                      style="rfc9209") as p:
        yield p


# --------------------------------------------------------------------------
# Pure rules
# --------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "headers", "kind"), [
    (502, {"Proxy-Status": 'corp-proxy; error=dns_error; rcode="NXDOMAIN"'}, "dns"),
    (502, {"Proxy-Status": 'corp-proxy; error=dns_error; rcode="SERVFAIL"'}, "dns_failure"),
    (504, {"Proxy-Status": "corp-proxy; error=dns_timeout"}, "dns_failure"),
    (502, {"Proxy-Status": "corp-proxy; error=connection_refused"}, "refused"),
    (504, {"Proxy-Status": "corp-proxy; error=connection_timeout"}, "timeout"),
    (502, {"Proxy-Status": "corp-proxy; error=destination_ip_unroutable"}, "unreachable"),
    (403, {"Proxy-Status": 'corp-proxy; error=http_request_denied; details="policy"'},
     "proxy"),
    # The last member is the proxy nearest us: the site's CDN failed upstream of it,
    # but ours got an answer, so the status is the site's.
    (502, {"Proxy-Status": "cdn; error=connection_refused, corp-proxy; received-status=502"},
     None),
    (502, {"Proxy-Status": "corp-proxy; received-status=502"}, None),
    (503, {"X-Squid-Error": "ERR_DNS_FAIL 0"}, "dns_failure"),
    (503, {"X-Squid-Error": "ERR_CONNECT_FAIL 111"}, "connection"),
    (504, {"X-Squid-Error": "ERR_READ_TIMEOUT 0"}, "timeout"),
    (403, {"X-Squid-Error": "ERR_ACCESS_DENIED 0"}, "proxy"),
    (407, {"Proxy-Authenticate": "Basic realm=corp"}, "proxy"),
    (502, {}, "proxy"),
    (504, {}, "proxy"),
    (503, {}, None),  # a site's maintenance page: the site's answer
    (500, {}, None),
    (200, {}, None),
    (404, {}, None),
])
def test_proxy_failure_rule(status: int, headers: dict[str, str], kind: str | None) -> None:
    failure = proxy_failure(status, CaseInsensitiveDict(headers))
    assert (failure.kind if failure else None) == kind
    if failure is not None:
        assert str(status) in failure.reason


@pytest.mark.parametrize(("value", "expected"), [
    ("http://proxy.corp:3128", "http://proxy.corp:3128"),
    ("proxy.corp:3128", "http://proxy.corp:3128"),
    ("https://user:secret@proxy.corp:443/", "https://user:secret@proxy.corp:443/"),
    ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
])
def test_proxy_urls_accepted(value: str, expected: str) -> None:
    assert parse_proxy_url(value) == expected


@pytest.mark.parametrize("value", ["socks5://127.0.0.1:1080", "http://", "http://proxy:99999",
                                   "http://proxy:3128/path", "ftp://proxy:21", "http://proxy:0"])
def test_proxy_urls_refused(value: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_proxy_url(value)
    assert "proxy URL" in err.value.message and err.value.hint


@pytest.mark.parametrize(("url", "no_proxy", "bypass"), [
    ("http://www.lefigaro.fr/a", ("lefigaro.fr",), True),
    ("http://www.lefigaro.fr/a", (".lefigaro.fr",), True),
    ("http://lefigaro.fr/a", ("lefigaro.fr",), True),
    ("http://notlefigaro.fr/a", ("lefigaro.fr",), False),
    ("http://127.0.0.1:8080/coll/", ("127.0.0.0/8",), True),
    ("http://127.0.0.1:8080/coll/", ("127.0.0.1",), True),
    ("http://[::1]:8080/", ("::1",), True),
    ("http://10.1.2.3/", ("127.0.0.0/8",), False),
    ("http://archive.local:8080/", ("archive.local:8080",), True),
    ("http://archive.local:9090/", ("archive.local:8080",), False),
    ("https://anything.example/", ("*",), True),
    ("https://anything.example/", (), False),
])
def test_no_proxy_matching(url: str, no_proxy: tuple[str, ...], bypass: bool) -> None:
    assert bypasses_proxy(url, no_proxy) is bypass


@pytest.mark.parametrize(("host", "private"), [
    ("localhost", True), ("LOCALHOST.", True), ("api.localhost", True), ("ip6-localhost", True),
    ("127.0.0.1", True), ("127.1", True), ("0x7f000001", True), ("2130706433", True),
    ("0177.0.0.1", True), ("[::1]", True), ("[::ffff:127.0.0.1]", True), ("10.0.0.1", True),
    ("0.0.0.0", True), ("169.254.169.254", True),
    ("93.184.215.14", False), ("www.lefigaro.fr", False), ("1e100.net", False),
    ("deadbeef", False), ("0x5db8d70e", False),
])
def test_literal_hosts(host: str, private: bool) -> None:
    assert literal_host_is_private(host) is private


# --------------------------------------------------------------------------
# Which proxy a request takes
# --------------------------------------------------------------------------


def test_environment_variables_are_honoured(monkeypatch: pytest.MonkeyPatch,
                                            rfc_proxy: ForwardProxy) -> None:
    monkeypatch.setenv("HTTP_PROXY", rfc_proxy.url)
    with HttpClient() as client:
        assert client.proxy_for("http://news.example.org/a") == rfc_proxy.url
        assert client.proxy_for("https://news.example.org/a") is None  # no HTTPS_PROXY
        response = client.get("http://news.example.org/story")
    assert response.status == 200
    assert rfc_proxy.seen("http://news.example.org/story") == 1


def test_lower_case_variables_and_all_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("all_proxy", "http://corp:3128")
    monkeypatch.setenv("no_proxy", "intranet.corp, .lan")
    with HttpClient() as client:
        assert client.proxy_for("https://www.theguardian.com/") == "http://corp:3128"
        assert client.proxy_for("http://intranet.corp/x") is None
        assert client.proxy_for("http://nas.lan/x") is None


def test_explicit_proxy_replaces_the_variables_but_keeps_no_proxy(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://env-proxy:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,archive.local")
    with HttpClient(proxy="http://cli-proxy:8080") as client:
        assert client.proxy_for("https://www.reuters.com/") == "http://cli-proxy:8080"
        assert client.proxy_for("http://www.reuters.com/") == "http://cli-proxy:8080"
        assert client.proxy_for("http://127.0.0.1:8080/web/") is None
        assert client.proxy_for("http://archive.local/web/") is None
    with HttpClient(proxies={"https": "http://only-https:1", "no_proxy": "x.org"}) as client:
        assert client.proxy_for("http://www.reuters.com/") is None
        assert client.proxy_for("https://www.reuters.com/") == "http://only-https:1"
        assert client.proxy_for("https://x.org/") is None


def test_no_proxy_sends_a_request_direct(monkeypatch: pytest.MonkeyPatch,
                                         rfc_proxy: ForwardProxy) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with LocalSite() as site:
        site.route("/x", Reply(200, "direct"))
        with HttpClient(proxy=rfc_proxy.url, allow_private=True) as client:
            assert client.get(site.url("/x")).body == b"direct"
    assert rfc_proxy.requests == []
    assert site.hits("/x") == 1


# --------------------------------------------------------------------------
# The private-address guard behind a proxy
# --------------------------------------------------------------------------


def test_a_proxy_on_loopback_is_trusted_and_names_are_not_resolved(
        rfc_proxy: ForwardProxy) -> None:
    # news.example.org does not resolve on this machine: only the proxy knows it.
    with HttpClient(proxy=rfc_proxy.url) as client:
        assert client.check_address("http://news.example.org/a") is None
        assert client.get("http://news.example.org/a").status == 200


@pytest.mark.parametrize("url", ["http://localhost:8080/admin", "http://127.1/", "http://[::1]/",
                                 "http://169.254.169.254/latest/meta-data/",
                                 "https://10.0.0.5/", "http://2130706433/"])
def test_literal_private_targets_are_refused_through_a_proxy(rfc_proxy: ForwardProxy,
                                                             url: str) -> None:
    with HttpClient(proxy=rfc_proxy.url) as client, pytest.raises(PrivateAddressError) as err:
        client.get(url)
    assert err.value.kind == "private" and "--allow-private" in (err.value.hint or "")
    assert rfc_proxy.requests == []  # refused before anything was sent


def test_allow_private_lets_literal_targets_through_the_proxy(rfc_proxy: ForwardProxy) -> None:
    with LocalSite() as site:
        site.route("/x", Reply(200, "via the proxy"))
        with HttpClient(proxy=rfc_proxy.url, allow_private=True) as client:
            assert client.get(site.url("/x")).body == b"via the proxy"
    assert rfc_proxy.seen(site.url("/x")) == 1  # forwarded, as a real proxy would


# --------------------------------------------------------------------------
# The proxy's own errors against the site's answers
# --------------------------------------------------------------------------

EXPECTED_DEAD_HOST = {"rfc9209": ("dns", LinkClass.GONE),
                      "squid": ("dns_failure", LinkClass.TRANSIENT),
                      "bare": ("proxy", LinkClass.TRANSIENT)}


def test_a_dead_host_behind_each_kind_of_proxy(proxy: ForwardProxy) -> None:
    kind, link_class = EXPECTED_DEAD_HOST[proxy.style]
    with HttpClient(proxy=proxy.url) as client, pytest.raises(NetError) as err:
        client.get("http://no-such-host.example.org/a")
    assert err.value.kind == kind
    assert "the proxy could not get http://no-such-host.example.org/a" in err.value.message
    with Checker(CheckOptions(proxy=proxy.url, per_host_interval=0, retries=0)) as checker:
        result = checker.check("s", "http://no-such-host.example.org/a")
    assert (result.link_class, result.error, result.http_status) == (link_class, kind, None)


def test_https_through_the_proxy_uses_a_tunnel(proxy: ForwardProxy, tls: tuple[object, Path],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls[1]))
    with HttpClient(proxy=proxy.url) as client:
        response = client.get("https://news.example.org/story")
        assert response.status == 200 and b"https://news.example.org/story" in response.body
        with pytest.raises(NetError) as err:  # a refused CONNECT: the site was never reached
            client.get("https://no-such-host.example.org/")
    assert err.value.kind == "proxy"
    assert "could not open a tunnel" in err.value.message
    assert ("CONNECT", "news.example.org:443") in proxy.requests


def test_an_untrusted_proxy_certificate_is_a_tls_error(rfc_proxy: ForwardProxy) -> None:
    with Checker(CheckOptions(proxy=rfc_proxy.url, per_host_interval=0, retries=0)) as checker:
        result = checker.check("s", "https://news.example.org/story")
    assert result.link_class is LinkClass.TLS_ERROR and result.error == "tls"


def test_a_site_502_relayed_with_proxy_status_is_the_site_answer(
        rfc_proxy: ForwardProxy) -> None:
    with HttpClient(proxy=rfc_proxy.url) as client:
        response = client.get("http://news.example.org/origin-502")
    assert response.status == 502
    with Checker(CheckOptions(proxy=rfc_proxy.url, per_host_interval=0, retries=0)) as checker:
        result = checker.check("s", "http://news.example.org/origin-502")
    assert (result.link_class, result.http_status, result.error) == \
        (LinkClass.TRANSIENT, 502, None)


def test_a_proxy_that_is_down(tmp_path: Path) -> None:
    with LocalSite() as dead:
        port = dead.port
    with HttpClient(proxy=f"http://127.0.0.1:{port}") as client, \
            pytest.raises(NetError) as err:
        client.get("http://news.example.org/a")
    assert err.value.kind == "proxy_unreachable"
    assert "cannot connect to the proxy" in err.value.message and "--proxy" in err.value.message


def test_the_total_deadline_covers_proxied_requests(rfc_proxy: ForwardProxy) -> None:
    started = time.monotonic()
    with HttpClient(proxy=rfc_proxy.url, deadline=0.5) as client, pytest.raises(NetError) as err:
        client.get("http://news.example.org/slow")  # 880 bytes, one every 20 ms: ~18 s
    assert err.value.kind == "timeout"
    assert time.monotonic() - started < 3


def test_a_checked_link_through_the_proxy(rfc_proxy: ForwardProxy) -> None:
    with Checker(CheckOptions(proxy=rfc_proxy.url, per_host_interval=0)) as checker:
        result = checker.check("s", "http://news.example.org/story")
    assert result.link_class is LinkClass.OK and result.http_status == 200
    # The soft-404 probe went through the proxy too.
    assert any("/archiver-probe-" in url for _, url in rfc_proxy.requests)
