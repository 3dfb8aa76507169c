"""The HTTP layer against real local servers."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from archiver.clock import ManualClock
from archiver.errors import DeadlineExceeded, NetError, PrivateAddressError
from archiver.net import HostLimiter, HttpClient, NetErrorKind, parse_retry_after
from tests.support.localweb import LocalSite, Reply


@pytest.fixture()
def site() -> Iterator[LocalSite]:
    with LocalSite() as s:
        yield s


def test_get_returns_body_and_headers(site: LocalSite) -> None:
    site.route("/a", Reply(200, "hello", headers={"X-Test": "1"}))
    with HttpClient(allow_private=True) as client:
        resp = client.get(site.url("/a"))
    assert resp.status == 200 and resp.body == b"hello"
    assert resp.headers["x-test"] == "1"
    assert ("X-Test", "1") in resp.header_list
    assert "archiver/" in site.requests[0].headers["User-Agent"]


def test_redirects_are_not_followed(site: LocalSite) -> None:
    site.route("/old", Reply(301, "", headers={"Location": "/new"}))
    with HttpClient(allow_private=True) as client:
        resp = client.get(site.url("/old"))
    assert resp.status == 301 and resp.is_redirect and resp.location == "/new"
    assert site.hits("/new") == 0


def test_total_deadline_stops_a_dripping_server(site: LocalSite) -> None:
    site.route("/drip", Reply(200, "x" * 100, drip_seconds=0.1))
    with HttpClient(allow_private=True, deadline=1.0) as client:
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded) as info:
            client.get(site.url("/drip"))
    assert time.monotonic() - started < 2.5
    assert info.value.kind == "timeout"


def test_size_cap_truncates(site: LocalSite) -> None:
    site.route("/big", Reply(200, b"y" * 200_000))
    with HttpClient(allow_private=True, max_bytes=10_000) as client:
        resp = client.get(site.url("/big"))
    assert resp.truncated and len(resp.body) == 10_000


def test_private_addresses_refused_by_default(site: LocalSite) -> None:
    site.route("/a", Reply(200, "hi"))
    with HttpClient() as client, pytest.raises(PrivateAddressError) as info:
        client.get(site.url("/a"))
    assert "--allow-private" in str(info.value)
    assert site.hits("/a") == 0


def test_trusted_prefix_is_allowed(site: LocalSite) -> None:
    site.route("/a", Reply(200, "hi"))
    with HttpClient(trusted_prefixes=(site.base + "/",)) as client:
        assert client.get(site.url("/a")).status == 200


def test_refused_connection_is_classified() -> None:
    with LocalSite() as s:
        url = s.url("/")
    with HttpClient(allow_private=True) as client, pytest.raises(NetError) as info:
        client.get(url)
    assert info.value.kind == "refused"


def test_error_kinds_are_enum_members_equal_to_their_strings() -> None:
    """NetError.kind is a NetErrorKind; as a StrEnum it still equals (and prints as)
    the plain string other stages compare and store."""
    with LocalSite() as s:
        url = s.url("/")
    with HttpClient(allow_private=True) as client, pytest.raises(NetError) as info:
        client.get(url)
    kind: str = info.value.kind
    assert kind == "refused" and f"{kind}" == "refused" and kind in {"refused"}
    assert isinstance(kind, NetErrorKind) and kind is NetErrorKind.REFUSED


def test_unknown_host_is_dns() -> None:
    with HttpClient() as client, pytest.raises(NetError) as info:
        client.get("http://no-such-host.invalid/")
    assert info.value.kind in ("dns", "dns_failure")


def test_host_limiter_spaces_requests() -> None:
    limiter = HostLimiter(concurrency=1, interval=0.2)
    starts = []
    for _ in range(3):
        with limiter.acquire("example.org"):
            starts.append(time.monotonic())
    assert starts[2] - starts[0] >= 0.38
    with limiter.acquire("other.example"):
        assert time.monotonic() - starts[2] < 0.15


def test_host_limiter_waits_on_its_clock() -> None:
    """The limiter reads time from and sleeps on the clock it is given: with a
    ManualClock no real time passes, and the recorded sleeps are the gaps left
    between request starts."""
    clock = ManualClock()
    limiter = HostLimiter(concurrency=1, interval=0.5, clock=clock)
    starts = []
    for _ in range(3):
        with limiter.acquire("example.org"):
            starts.append(clock.monotonic())
            clock.advance(0.125)  # the request itself takes a little time
    assert starts == [0.0, 0.5, 1.0]
    assert clock.sleeps == [0.375, 0.375]
    with limiter.acquire("other.example"):  # another host: no wait
        assert clock.sleeps == [0.375, 0.375]
    limiter.pause("example.org", 4.0)  # a Retry-After: nothing starts for 4 s
    paused_at = clock.monotonic()
    with limiter.acquire("example.org"):
        assert clock.monotonic() == paused_at + 4.0
    assert clock.sleeps == [0.375, 0.375, 4.0]
    assert limiter.next_start("example.org") == paused_at + 4.0 + 0.5


def test_retry_after_parsing() -> None:
    assert parse_retry_after("5") == 5
    assert parse_retry_after("100000") == 120
    assert parse_retry_after("garbage") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0


def test_dns_rebinding_is_caught_at_connect(site: LocalSite,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The name passes the address check (a public answer), then resolves to
    loopback when the connection is made: the connection is refused before any
    byte of the request is sent."""
    import archiver.net.client as net

    site.route("/a", Reply(200, "internal"))
    monkeypatch.setattr(net, "resolve_host", lambda host, port, url: ["93.184.216.34"])
    with HttpClient() as client, pytest.raises(PrivateAddressError) as info:
        client.get(f"http://localhost:{site.port}/a")
    assert "went to 127.0.0.1" in str(info.value)
    assert site.hits("/a") == 0


def test_peer_check_spares_allowed_and_trusted(site: LocalSite,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import archiver.net.client as net

    site.route("/a", Reply(200, "ok"))
    monkeypatch.setattr(net, "resolve_host", lambda host, port, url: ["93.184.216.34"])
    with HttpClient(allow_private=True) as client:
        assert client.get(f"http://localhost:{site.port}/a").status == 200
    with HttpClient(trusted_prefixes=(f"http://localhost:{site.port}/",)) as client:
        assert client.get(f"http://localhost:{site.port}/a").status == 200
