"""The asynchronous client's request head: the constant fields prepared once, the rest as before.

A request without extra headers ends with fields prepared once per client (and
again when its User-Agent changes); one with extra headers, or with credentials
in its URL, is built field by field. Both must send the same bytes for the
same fields, and report the same (redacted) request headers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Mapping

import pytest

from archiver.errors import NetError
from archiver.net import HttpClient, HttpResponse, aio
from archiver.net.aio import AsyncHttpClient
from archiver.net.wire import wire_url
from tests.test_net_aio import ANSWERS, Scripted


@pytest.fixture()
def server() -> Iterator[Scripted]:
    scripted = Scripted(lambda _n: ANSWERS["plain"], keep=True)
    yield scripted
    scripted.close()


@pytest.mark.parametrize("url", [
    "http://127.0.0.2:8080/p/1?x=1", "http://example.org/", "https://example.org/a",
    "https://example.org:8443/a", "http://[::1]:81/x", "http://example.org/caf%C3%A9",
])
def test_the_prepared_fields_send_what_the_field_by_field_path_sends(url: str) -> None:
    with HttpClient(user_agent="ua/1 (+https://example.org/bot)") as client:
        constant = AsyncHttpClient(client)._constant_part()
        assert constant is not None
        wire = wire_url(url)
        general = aio._request_bytes(wire, url, aio._base_headers(client.user_agent))
        assert aio._request_start(wire, url) + constant.tail == general
        assert constant.sent == tuple(aio._base_headers(client.user_agent).items())


def fetch(client: HttpClient, url: str,
          *calls: Mapping[str, str] | Callable[[], None] | None) -> list[HttpResponse | NetError]:
    """GET ``url`` once per header mapping in ``calls`` (a callable is run in between)."""
    async def main() -> list[HttpResponse | NetError]:
        aclient = client.async_client()
        out: list[HttpResponse | NetError] = []
        try:
            for call in calls:
                if callable(call):
                    call()
                    continue
                try:
                    out.append(await aclient.get(url, headers=call))
                except NetError as err:
                    out.append(err)
        finally:
            await aclient.aclose()
        return out

    return asyncio.run(main())


def _fields(head: bytes) -> dict[str, str]:
    lines = head.decode("latin-1").split("\r\n")[1:]
    return dict(line.split(": ", 1) for line in lines)


def test_both_paths_send_and_report_alike(server: Scripted) -> None:
    with HttpClient(allow_private=True, deadline=5, user_agent="ua/1") as client:
        plain, empty, extra = fetch(client, server.url(), None, {}, {"X-Extra": "1"})
    assert server.heads[0] == server.heads[1]
    assert _fields(server.heads[2]) == {**_fields(server.heads[0]), "X-Extra": "1"}
    assert isinstance(plain, HttpResponse) and isinstance(extra, HttpResponse)
    assert isinstance(empty, HttpResponse) and empty.request_headers == plain.request_headers
    sent = {k: v for k, v in _fields(server.heads[0]).items() if k != "Host"}
    assert dict(plain.request_headers) == sent
    assert dict(plain.request_headers)["User-Agent"] == "ua/1"
    assert extra.request_headers == (*plain.request_headers, ("X-Extra", "1"))


def test_a_secret_header_is_sent_but_reported_redacted(server: Scripted) -> None:
    with HttpClient(allow_private=True, deadline=5) as client:
        r, = fetch(client, server.url(), {"Authorization": "Bearer s3cret"})
    assert _fields(server.heads[0])["Authorization"] == "Bearer s3cret"
    assert isinstance(r, HttpResponse)
    assert dict(r.request_headers)["Authorization"] == "[redacted]"
    assert "s3cret" not in repr(r.request_headers)


def test_a_changed_user_agent_is_sent_from_the_next_request(server: Scripted) -> None:
    with HttpClient(allow_private=True, deadline=5, user_agent="first/1") as client:
        def change() -> None:
            client.user_agent = "second/2"

        _, second = fetch(client, server.url(), None, change, None)
    assert [_fields(h)["User-Agent"] for h in server.heads] == ["first/1", "second/2"]
    assert isinstance(second, HttpResponse)
    assert dict(second.request_headers)["User-Agent"] == "second/2"


def test_a_user_agent_with_a_line_break_is_refused_every_time(server: Scripted) -> None:
    with HttpClient(allow_private=True, deadline=5, user_agent="ua\r\nX-Injected: 1") as client:
        answers = fetch(client, server.url(), None, None)
    for r in answers:
        assert isinstance(r, NetError) and r.kind == "invalid" and "line break" in r.message
    assert server.requests == 0


def test_credentials_in_the_url_are_sent_as_basic(server: Scripted) -> None:
    with HttpClient(allow_private=True, deadline=5) as client:
        r, = fetch(client, f"http://u:p@127.0.0.1:{server.port}/a", None)
    assert isinstance(r, HttpResponse) and r.status == 200
    assert _fields(server.heads[0])["Authorization"] == "Basic dTpw"
