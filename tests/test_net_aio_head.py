"""The asynchronous client's head reader: one read when the head is all there, else line by line.

Both ways must give the same head (status, reason, version, header lines) and
the same failures, whatever the line ends (CRLF, bare LF, mixed), however the
head is cut into TCP writes, and at the limits (MAX_HEADERS lines, MAX_LINE
bytes a line). The unit tests feed a StreamReader directly; the end-to-end ones
use a raw socket server that writes the answer in pieces with pauses.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archiver.errors import NetError
from archiver.net import HttpClient, HttpResponse, aio
from archiver.net.aio import MAX_HEADERS, MAX_LINE
from tests.test_net_aio import Scripted, run_async

URL = "http://127.0.0.1:9/a"


async def _feed_and_read(pieces: list[bytes], *, reused: bool = False,
                         one_read: bool = True) -> tuple[object, bytes]:
    """(the head or the NetError, the bytes left after it) of ``pieces`` fed in turn."""
    reader = asyncio.StreamReader(limit=MAX_LINE)

    async def feed() -> None:
        for piece in pieces:
            reader.feed_data(piece)
            await asyncio.sleep(0)
            await asyncio.sleep(0)
        reader.feed_eof()

    feeder = asyncio.ensure_future(feed())
    try:
        if one_read:
            head: object = await aio._read_head(reader, URL, reused)
        else:
            with pytest.MonkeyPatch.context() as m:
                m.setattr(aio, "_head_end", lambda _buffer: -1)
                head = await aio._read_head(reader, URL, reused)
    except NetError as err:
        head = ("error", err.kind, err.message)
    except asyncio.IncompleteReadError:
        head = ("ended early",)
    except aio._Closed:
        head = ("closed",)
    await feeder
    rest = await reader.read()
    if isinstance(head, aio._Head):
        head = (head.version, head.status, head.reason, head.header_list)
    return head, rest


def both(pieces: list[bytes], **kw: bool) -> tuple[tuple[object, bytes], tuple[object, bytes]]:
    """What the one-read reader and the line reader make of ``pieces``."""
    return (asyncio.run(_feed_and_read(pieces, **kw)),
            asyncio.run(_feed_and_read(pieces, one_read=False, **kw)))


def test_a_crlf_head_is_read_in_one_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """The point of the fast path: one line read (the status line), not one per line."""
    lines: list[int] = []
    real = aio._line

    async def counting(reader: asyncio.StreamReader, url: str) -> bytes:
        lines.append(1)
        return await real(reader, url)

    monkeypatch.setattr(aio, "_line", counting)
    answer = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 4\r\n"
              b"X-A: b\r\n\r\nbody")
    head, rest = asyncio.run(_feed_and_read([answer]))
    assert head == ("HTTP/1.1", 200, "OK", [("Content-Type", "text/html"),
                                            ("Content-Length", "4"), ("X-A", "b")])
    assert rest == b"body"
    assert len(lines) == 1


ODD_HEADS = {
    "bare LF": b"HTTP/1.1 200 OK\nA: 1\nB: 2\n\nbody",
    "LF lines, CRLF empty line": b"HTTP/1.1 200 OK\r\nA: 1\nB: 2\n\r\nbody",
    "CRLF lines, LF empty line": b"HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n\nbody",
    "a body with blank lines": b"HTTP/1.1 200 OK\r\nA: 1\r\n\r\nx\n\ny\n\r\nz",
    "no header at all": b"HTTP/1.1 204 No Content\r\n\r\nrest",
    "no header, bare LF": b"HTTP/1.0 204 No Content\n\nrest",
    "CR CR LF is not the empty line": b"HTTP/1.1 200 OK\r\nA: 1\r\n\r\r\nB: 2\r\n\r\nbody",
    "obs-fold": b"HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\tc\r\nY: d\r\n\r\n",
    "fold before any field": b"HTTP/1.1 200 OK\r\n lead\r\nX: a\r\n\r\n",
    "odd names and values": b"HTTP/1.1 200 OK\r\n: x\r\nNo colon\r\nSp : x\r\nA:\t v \t\r\n"
                            b"B:\r\nC: a: b\r\n\r\n",
    "interim 100 then 200": b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nA: 1\r\n\r\nb",
    "103 with fields then 200": b"HTTP/1.1 103 Early Hints\r\nLink: </s>\r\n\r\n"
                                b"HTTP/1.1 200 OK\r\nA: 1\r\n\r\n",
    "101 is final": b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\nraw",
    "HTTP/1.0 and odd version": b"HTTP/2 200 OK\r\nA: 1\r\n\r\n",
    "latin-1 value": "HTTP/1.1 200 OK\r\nX: caf\u00e9\r\n\r\n".encode("latin-1"),
    "100 header lines": b"HTTP/1.1 200 OK\r\n"
                        + b"".join(b"X-%d: y\r\n" % i for i in range(MAX_HEADERS)) + b"\r\n",
    "101 header lines": b"HTTP/1.1 200 OK\r\n"
                        + b"".join(b"X-%d: y\r\n" % i for i in range(MAX_HEADERS + 1))
                        + b"\r\n",
    "a 70 kB header line": b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n",
    "a head longer than the stream limit": b"HTTP/1.1 200 OK\r\n"
                                           + b"".join(b"X-%d: %s\r\n" % (i, b"v" * 1000)
                                                      for i in range(90)) + b"\r\nbody",
    "a line of exactly the limit": b"HTTP/1.1 200 OK\r\nX: " + b"a" * (MAX_LINE - 4)
                                   + b"\r\n\r\n",
    "a line one byte over the limit": b"HTTP/1.1 200 OK\r\nX: " + b"a" * (MAX_LINE - 3)
                                      + b"\r\n\r\n",
    "ends inside the head": b"HTTP/1.1 200 OK\r\nA: 1\r\nB: 2",
    "ends after a line": b"HTTP/1.1 200 OK\r\nA: 1\r\n",
    "not HTTP": b"SSH-2.0-OpenSSH_9.6\r\n",
    "nothing": b"",
}


@pytest.mark.parametrize("name", list(ODD_HEADS))
def test_the_one_read_and_the_line_reader_agree(name: str) -> None:
    fast, lines = both([ODD_HEADS[name]])
    assert fast == lines, name


@pytest.mark.parametrize("name", list(ODD_HEADS))
def test_they_agree_on_a_reused_connection_too(name: str) -> None:
    fast, lines = both([ODD_HEADS[name]], reused=True)
    assert fast == lines, name


def test_what_the_odd_heads_give() -> None:
    """Not only alike, but right: the kinds and phrases the client has always given."""
    def read(name: str) -> object:
        return asyncio.run(_feed_and_read([ODD_HEADS[name]]))[0]

    assert read("bare LF") == ("HTTP/1.1", 200, "OK", [("A", "1"), ("B", "2")])
    assert read("LF lines, CRLF empty line")[3] == [("A", "1"), ("B", "2")]  # type: ignore[index]
    assert read("obs-fold")[3] == [("X", "a b c"), ("Y", "d")]  # type: ignore[index]
    assert read("interim 100 then 200") == ("HTTP/1.1", 200, "OK", [("A", "1")])
    assert read("101 is final")[1] == 101  # type: ignore[index]
    assert read("100 header lines")[1] == 200  # type: ignore[index]
    flood = read("101 header lines")
    assert isinstance(flood, tuple) and flood[1] == "connection" and "header lines" in flood[2]
    long = read("a 70 kB header line")
    assert isinstance(long, tuple) and long[1] == "connection" and "longer than" in long[2]
    assert read("a line of exactly the limit")[1] == 200  # type: ignore[index]
    assert "longer than" in read("a line one byte over the limit")[2]  # type: ignore[index]
    assert len(read("a head longer than the stream limit")[3]) == 90  # type: ignore[index]
    assert read("ends inside the head") == ("ended early",)
    assert "not an HTTP answer" in read("not HTTP")[2]  # type: ignore[index]


head_line_end = st.sampled_from(["\r\n", "\n"])
field_name = st.text("abcXYZ-_0", min_size=1, max_size=8)
field_value = st.text("ab c\t:;=\u00e9", max_size=12)
field_line = st.one_of(
    st.builds(lambda n, v: f"{n}: {v}", field_name, field_value),
    st.builds(lambda n, v: f"{n}:{v}", field_name, field_value),
    st.builds(lambda v: f" {v}", field_value),  # obs-fold
    st.sampled_from(["no colon", ": empty name", "Name : spaced", "\r"]),
)


@st.composite
def answers(draw: st.DrawFn) -> tuple[bytes, list[int]]:
    """A head (maybe after an interim one) and its body, and where to cut it into writes."""
    def one_head(status: str) -> str:
        fields = draw(st.lists(field_line, max_size=12))
        return "".join(f"{line}{draw(head_line_end)}"
                       for line in [f"HTTP/1.1 {status}", *fields, ""])

    text = draw(st.sampled_from(["", one_head("100 Continue")])) + one_head(
        draw(st.sampled_from(["200 OK", "404 Not Found", "301 Moved", "204 x"])))
    data = text.encode("latin-1") + draw(st.binary(max_size=20))
    cuts = draw(st.lists(st.integers(1, max(len(data) - 1, 1)), max_size=4, unique=True))
    return data, sorted(cuts)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answer=answers())
def test_generated_heads_in_random_writes_read_alike(answer: tuple[bytes, list[int]]) -> None:
    """Property: for any head, cut anywhere into writes, one read = line by line."""
    data, cuts = answer
    pieces = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
    fast, lines = both([p for p in pieces if p])
    assert fast == lines
    whole, _ = both([data])
    assert fast[0] == whole[0]  # and the cuts change nothing


# -- end to end: a raw server writing the answer in pieces, with pauses --------------------


class Pieces(Scripted):
    """A :class:`~tests.test_net_aio.Scripted` server that writes its answer as
    ``pieces``, ``pause`` s apart, on a connection kept open unless ``keep`` is false."""

    def __init__(self, pieces: list[bytes], *, pause: float = 0.05, keep: bool = True) -> None:
        self.pieces = pieces
        self.gap = pause
        super().__init__(lambda _n: b"".join(pieces), keep=keep)

    def send(self, conn: socket.socket, answer: bytes) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # each piece its own
        for i, piece in enumerate(self.pieces):
            if i:
                time.sleep(self.gap)
            conn.sendall(piece)


@pytest.fixture()
def pieces() -> Iterator[list[Pieces]]:
    servers: list[Pieces] = []
    yield servers
    for server in servers:
        server.close()


def fetch(server: Pieces, *paths: str) -> list[HttpResponse | NetError]:
    with HttpClient(allow_private=True, deadline=5) as client:
        return run_async(client, *(server.url(path) for path in paths))


def serve(servers: list[Pieces], *parts: bytes, **kw: float | bool) -> Pieces:
    server = Pieces(list(parts), **kw)  # type: ignore[arg-type]
    servers.append(server)
    return server


def test_a_head_split_across_writes_with_pauses(pieces: list[Pieces]) -> None:
    server = serve(pieces, b"HTTP/1.1 200 OK\r\nX-A: 1\r\nX-", b"B: 2\r\n", b"Content-Len",
                   b"gth: 2\r\n\r", b"\nok")
    first, second = fetch(server, "/1", "/2")
    for r in (first, second):
        assert isinstance(r, HttpResponse)
        assert (r.status, r.body, r.headers["x-b"]) == (200, b"ok", "2")
        assert r.header_list == (("X-A", "1"), ("X-B", "2"), ("Content-Length", "2"))
    assert server.connections == 1  # and the connection was kept for the second


def test_a_bare_lf_head_in_pieces_does_not_hang(pieces: list[Pieces]) -> None:
    server = serve(pieces, b"HTTP/1.1 200 OK\n", b"Content-Length: 2\n", b"\n", b"ok")
    started = time.monotonic()
    r, = fetch(server, "/")
    assert isinstance(r, HttpResponse) and (r.status, r.body) == (200, b"ok")
    assert time.monotonic() - started < 2


def test_a_100_continue_then_the_answer_in_pieces(pieces: list[Pieces]) -> None:
    server = serve(pieces, b"HTTP/1.1 100 Continue\r\n\r\n", b"HTTP/1.1 201 Created\r\n",
                   b"Content-Length: 2\r\n\r\nok")
    r, = fetch(server, "/")
    assert isinstance(r, HttpResponse) and (r.status, r.reason, r.body) == (201, "Created", b"ok")


def test_obs_fold_end_to_end(pieces: list[Pieces]) -> None:
    server = serve(pieces, b"HTTP/1.1 200 OK\r\nX-F: a\r\n b\r\nContent-Length: 0\r\n\r\n")
    r, = fetch(server, "/")
    assert isinstance(r, HttpResponse) and r.headers["X-F"] == "a b"


def test_the_limits_hold_end_to_end(pieces: list[Pieces]) -> None:
    flood = serve(pieces, b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * (MAX_HEADERS + 1)
                  + b"Content-Length: 0\r\n\r\n")
    long = serve(pieces, b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 70_000
                 + b"\r\nContent-Length: 0\r\n\r\n")
    big = serve(pieces, b"HTTP/1.1 200 OK\r\n" + b"".join(
        b"X-%d: %s\r\n" % (i, b"v" * 1000) for i in range(90)) + b"Content-Length: 2\r\n\r\nok")
    r_flood, = fetch(flood, "/")
    r_long, = fetch(long, "/")
    r_big, = fetch(big, "/")
    assert isinstance(r_flood, NetError) and "header lines" in r_flood.message
    assert r_flood.kind == "connection"
    assert isinstance(r_long, NetError) and "longer than" in r_long.message
    assert isinstance(r_big, HttpResponse) and r_big.body == b"ok" and len(r_big.header_list) == 91


def test_http_1_0_keeps_alive_only_when_asked(pieces: list[Pieces]) -> None:
    plain = serve(pieces, b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")
    asked = serve(pieces, b"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\n"
                  b"Content-Length: 2\r\n\r\nok")
    closing = serve(pieces, b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2"
                    b"\r\n\r\nok")
    for server in (plain, asked, closing):
        assert [r.status for r in fetch(server, "/1", "/2")  # type: ignore[union-attr]
                ] == [200, 200]
    assert (plain.connections, asked.connections, closing.connections) == (2, 1, 2)
