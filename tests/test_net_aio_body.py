"""The asynchronous client's one-read body (a short, plain body with a length) and its fields.

A body with a Content-Length within the cap and no Content-Encoding is taken in
one read; any other goes through the reader that cuts at the cap and decodes.
The edges (at the cap, one past it, cut short by the server) must give what they
always gave; the answer's fields, built once by the parser, behave as Headers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from archiver.errors import NetError
from archiver.net import HttpClient, HttpResponse
from archiver.net.headers import Headers
from archiver.net.limits import CHUNK_SIZE
from tests.test_net_aio import Scripted, head, run_async


@pytest.fixture()
def serve() -> Iterator[Callable[[bytes], Scripted]]:
    servers: list[Scripted] = []

    def make(answer: bytes) -> Scripted:
        server = Scripted(lambda _n: answer, keep=True)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.close()


def get(server: Scripted, *, cap: int, times: int = 1) -> list[HttpResponse | NetError]:
    with HttpClient(allow_private=True, deadline=5, max_bytes=cap) as client:
        return run_async(client, *(server.url(f"/{i}") for i in range(times)))


def test_a_body_of_exactly_the_cap_is_whole(serve: Callable[[bytes], Scripted]) -> None:
    server = serve(head("200 OK", "Content-Length: 10") + b"0123456789")
    first, second = get(server, cap=10, times=2)
    for r in (first, second):
        assert isinstance(r, HttpResponse) and (r.body, r.truncated) == (b"0123456789", False)
    assert server.connections == 1  # read to its end: the connection is kept


def test_a_body_one_past_the_cap_is_cut(serve: Callable[[bytes], Scripted]) -> None:
    server = serve(head("200 OK", "Content-Length: 11") + b"0123456789A")
    first, second = get(server, cap=10, times=2)
    for r in (first, second):
        assert isinstance(r, HttpResponse) and (r.body, r.truncated) == (b"0123456789", True)
    assert server.connections == 2  # cut: the connection is not reused


@pytest.mark.parametrize("length", [100, CHUNK_SIZE + 100])
def test_a_body_cut_short_is_a_broken_connection(length: int) -> None:
    """Either reader (one read below CHUNK_SIZE, the loop above) says the same."""
    server = Scripted(lambda _n: head("200 OK", f"Content-Length: {length}") + b"short")
    try:
        r, = get(server, cap=10_000_000)
    finally:
        server.close()
    assert isinstance(r, NetError) and r.kind == "reset" and "ended early" in r.message


def test_an_empty_body(serve: Callable[[bytes], Scripted]) -> None:
    server = serve(head("200 OK", "Content-Length: 0"))
    _, second = get(server, cap=10, times=2)
    assert isinstance(second, HttpResponse) and second.body == b"" and not second.truncated
    assert server.connections == 1


def test_the_fields_behave_as_headers(serve: Callable[[bytes], Scripted]) -> None:
    server = serve(head("200 OK", "x-dup: a", "Content-Length: 2", "X-Dup: b") + b"ok")
    r, = get(server, cap=100)
    assert isinstance(r, HttpResponse)
    assert r.headers["X-DUP"] == "a, b" and r.headers.get("content-length") == "2"
    assert list(r.headers) == ["X-Dup", "Content-Length"]  # the last spelling of a name
    assert r.headers == Headers([("X-Dup", "a, b"), ("Content-Length", "2")])
    assert r.header_list == (("x-dup", "a"), ("Content-Length", "2"), ("X-Dup", "b"))


def test_joined_headers_are_the_fields_set_one_by_one() -> None:
    fields = [("Content-Type", "text/html"), ("x-dup", "a"), ("X-DUP", "b"), ("X-Dup", "c")]
    one_by_one = Headers()
    for name, value in fields:
        one_by_one[name] = f"{one_by_one[name]}, {value}" if name in one_by_one else value
    joined = Headers.joined(fields)
    assert joined == one_by_one
    assert list(joined.items()) == list(one_by_one.items()) == \
        [("Content-Type", "text/html"), ("X-Dup", "a, b, c")]
    assert joined["CONTENT-TYPE"] == "text/html"
    joined["X-New"] = "1"
    assert joined.get("x-new") == "1"
    assert joined.get("Absent") is None and joined.get("absent", "") == ""
    del joined["x-new"]
    assert joined.get("X-New", "gone") == "gone"
