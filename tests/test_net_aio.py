"""The asynchronous client against scripted servers: the blocking client's results, kind for kind.

Each server below answers with exact bytes (well-formed, odd, or hostile). The
asynchronous client (``archiver.net.aio``, used by the link check) must give what
the blocking client (requests) gives: the same status and body, or a failure of
the same kind; and it must keep its own promises (connections reused, a
closed idle connection retried once, caps and deadlines, no CR/LF injection).
"""

from __future__ import annotations

import asyncio
import gzip
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Iterator

import pytest

from archiver.errors import NetError
from archiver.net import HttpClient, HttpResponse
from archiver.net.aio import MAX_HEADERS


class Scripted:
    """A TCP server on 127.0.0.1 answering every request with ``answer(request_number)``.

    ``keep`` keeps the connection open for the next request after answering.
    """

    def __init__(self, answer: Callable[[int], bytes], *, keep: bool = False,
                 pause: float = 0.0, tls: ssl.SSLContext | None = None) -> None:
        self.answer = answer
        self.tls = tls
        self.keep = keep
        self.pause = pause
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.requests = 0
        self.connections = 0
        self.heads: list[bytes] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def url(self, path: str = "/a") -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}{path}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._talk, args=(conn,), daemon=True).start()

    def _talk(self, conn: socket.socket) -> None:
        if self.tls is not None:
            try:
                conn = self.tls.wrap_socket(conn, server_side=True)
            except (OSError, ssl.SSLError):
                return  # the client refused our certificate
        with conn:
            buffer = b""
            while True:
                while b"\r\n\r\n" not in buffer:
                    try:
                        data = conn.recv(65536)
                    except OSError:
                        return
                    if not data:
                        return
                    buffer += data
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                self.heads.append(head)
                self.requests += 1
                time.sleep(self.pause)
                try:
                    self.send(conn, self.answer(self.requests))
                except OSError:
                    return
                if not self.keep:
                    return

    def send(self, conn: socket.socket, answer: bytes) -> None:
        """Write ``answer`` (a subclass may write it otherwise)."""
        conn.sendall(answer)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture()
def serve() -> Iterator[Callable[..., Scripted]]:
    servers: list[Scripted] = []

    def make(answer: Callable[[int], bytes] | bytes, **kw: object) -> Scripted:
        fn = answer if callable(answer) else (lambda _n, a=answer: a)
        server = Scripted(fn, **kw)  # type: ignore[arg-type]
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.close()


def run_async(client: HttpClient, *urls: str, **kw: object) -> list[HttpResponse | NetError]:
    async def main() -> list[HttpResponse | NetError]:
        aclient = client.async_client()
        out: list[HttpResponse | NetError] = []
        try:
            for url in urls:
                try:
                    out.append(await aclient.get(url, **kw))  # type: ignore[arg-type]
                except NetError as err:
                    out.append(err)
        finally:
            await aclient.aclose()
        return out

    return asyncio.run(main())


def run_blocking(client: HttpClient, url: str, **kw: object) -> HttpResponse | NetError:
    try:
        return client.get(url, **kw)  # type: ignore[arg-type]
    except NetError as err:
        return err


def outcome(r: HttpResponse | NetError) -> tuple[object, ...]:
    if isinstance(r, NetError):
        return ("error", r.kind)
    return (r.status, r.body, r.truncated, r.headers.get("X-Check"))


def head(status: str = "200 OK", *fields: str) -> bytes:
    return ("HTTP/1.1 " + status + "\r\n" + "".join(f + "\r\n" for f in fields)
            + "\r\n").encode()


BODY = b"<html><title>t</title>" + b"x" * 3000 + b"</html>"
GZ = gzip.compress(BODY)
RAW_DEFLATE = zlib.compress(BODY)[2:-4]
CHUNKED = (b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n")
ANSWERS: dict[str, bytes] = {
    "plain": head("200 OK", f"Content-Length: {len(BODY)}", "X-Check: 1") + BODY,
    "bare LF head": f"HTTP/1.1 200 OK\nContent-Length: {len(BODY)}\nX-Check: lf\n\n".encode()
                    + BODY,
    "interim 100 then 200": head("100 Continue") + head("200 OK", "Content-Length: 2") + b"ok",
    "chunked, extension, trailer": head("200 OK", "Transfer-Encoding: chunked") + CHUNKED,
    "gzip": head("200 OK", f"Content-Length: {len(GZ)}", "Content-Encoding: gzip") + GZ,
    "raw deflate": head("200 OK", f"Content-Length: {len(RAW_DEFLATE)}",
                        "Content-Encoding: deflate") + RAW_DEFLATE,
    "no length, ends at close": head("200 OK", "Connection: close") + BODY,
    "204 no body": head("204 No Content"),
    "obs-fold header": b"HTTP/1.1 200 OK\r\nX-Check: a\r\n b\r\nContent-Length: 0\r\n\r\n",
    "duplicate fields joined": head("200 OK", "X-Check: a", "X-Check: b", "Content-Length: 0"),
    "cut before the body ends": head("200 OK", "Content-Length: 100000") + b"short",
    "not HTTP at all": b"SSH-2.0-OpenSSH_9.6\r\n",
    "closed without a word": b"",
}


@pytest.mark.parametrize("name", list(ANSWERS))
def test_same_outcome_as_the_blocking_client(name: str,
                                             serve: Callable[..., Scripted]) -> None:
    server = serve(ANSWERS[name])
    with HttpClient(allow_private=True, deadline=5) as client:
        blocking = outcome(run_blocking(client, server.url()))
        (answer,) = run_async(client, server.url())
    assert outcome(answer) == blocking, name


def test_error_kinds_of_the_hostile_answers(serve: Callable[..., Scripted]) -> None:
    """The failures above are the kinds a check classifies (reset: transient)."""
    with HttpClient(allow_private=True, deadline=5) as client:
        cut, = run_async(client, serve(ANSWERS["cut before the body ends"]).url())
        silent, = run_async(client, serve(ANSWERS["closed without a word"]).url())
    assert isinstance(cut, NetError) and cut.kind == "reset"
    assert isinstance(silent, NetError) and silent.kind in ("reset", "connection")


def test_a_header_flood_is_refused(serve: Callable[..., Scripted]) -> None:
    flood = head("200 OK", *[f"X-{i}: y" for i in range(MAX_HEADERS + 1)], "Content-Length: 0")
    with HttpClient(allow_private=True, deadline=5) as client:
        r, = run_async(client, serve(flood).url())
    assert isinstance(r, NetError) and "header lines" in r.message


def test_an_endless_header_line_is_refused(serve: Callable[..., Scripted]) -> None:
    endless = b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 200_000 + b"\r\n\r\n"
    with HttpClient(allow_private=True, deadline=5) as client:
        r, = run_async(client, serve(endless).url())
    assert isinstance(r, NetError) and "longer than" in r.message


def test_a_bad_chunk_size_is_a_broken_connection(serve: Callable[..., Scripted]) -> None:
    bad = head("200 OK", "Transfer-Encoding: chunked") + b"zz\r\nhello\r\n0\r\n\r\n"
    with HttpClient(allow_private=True, deadline=5) as client:
        r, = run_async(client, serve(bad).url())
    assert isinstance(r, NetError) and r.kind == "reset" and "chunk size" in r.message


def test_a_gzip_bomb_is_cut_at_the_cap_after_decoding(serve: Callable[..., Scripted]) -> None:
    bomb = gzip.compress(b"\0" * 50_000_000)  # 50 MB of zeros in about 50 KB
    answer = head("200 OK", f"Content-Length: {len(bomb)}", "Content-Encoding: gzip") + bomb
    with HttpClient(allow_private=True, deadline=10, max_bytes=1_000_000) as client:
        r, = run_async(client, serve(answer).url())
    assert isinstance(r, HttpResponse)
    assert r.truncated and len(r.body) == 1_000_000


def test_a_drip_fed_body_is_cut_at_the_total_deadline() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    port = sock.getsockname()[1]

    def drip() -> None:
        conn, _ = sock.accept()
        conn.recv(65536)
        conn.sendall(head("200 OK", "Content-Length: 1000"))
        try:
            for _ in range(100):
                conn.sendall(b"x")
                time.sleep(0.1)
        except OSError:
            pass
        conn.close()

    threading.Thread(target=drip, daemon=True).start()
    started = time.monotonic()
    with HttpClient(allow_private=True, deadline=0.6) as client:
        r, = run_async(client, f"http://127.0.0.1:{port}/a")
    sock.close()
    assert isinstance(r, NetError) and r.kind == "timeout" and "started but did not finish" in (
        r.message)
    assert time.monotonic() - started < 3


def test_connections_are_reused(serve: Callable[..., Scripted]) -> None:
    server = serve(ANSWERS["plain"], keep=True)
    with HttpClient(allow_private=True, deadline=5) as client:
        answers = run_async(client, *[server.url(f"/p/{i}") for i in range(5)])
    assert [outcome(a)[0] for a in answers] == [200] * 5
    assert server.requests == 5 and server.connections == 1


def test_connection_close_is_honoured(serve: Callable[..., Scripted]) -> None:
    answer = head("200 OK", "Content-Length: 2", "Connection: close") + b"ok"
    server = serve(answer, keep=True)
    with HttpClient(allow_private=True, deadline=5) as client:
        run_async(client, server.url("/1"), server.url("/2"))
    assert server.connections == 2


def test_an_idle_connection_the_server_closed_is_retried_once_anew(
        serve: Callable[..., Scripted]) -> None:
    """The server answers keep-alive, then closes without a word: the next request on
    that connection is sent again on a new one, once (RFC 9112 §9.3.1)."""
    server = serve(ANSWERS["plain"], keep=False)  # answers, then closes the connection
    with HttpClient(allow_private=True, deadline=5) as client:
        answers = run_async(client, server.url("/1"), server.url("/2"), server.url("/3"))
    assert [outcome(a)[0] for a in answers] == [200, 200, 200]
    assert server.requests == 3


def test_header_values_cannot_inject_lines(serve: Callable[..., Scripted]) -> None:
    server = serve(ANSWERS["plain"])
    with HttpClient(allow_private=True, deadline=5) as client:
        r, = run_async(client, server.url(), headers={"X-Note": "a\r\nInjected: yes"})
    assert isinstance(r, NetError) and r.kind == "invalid"
    assert server.requests == 0


def test_the_request_is_what_the_blocking_client_sends(serve: Callable[..., Scripted]) -> None:
    """Same target (percent-encoded as requests encodes it), Host, User-Agent and the
    Basic credentials of a URL's userinfo."""
    server = serve(ANSWERS["plain"], keep=True)
    url = f"http://user:p%40ss@127.0.0.1:{server.port}/caf\u00e9/a b?q=\u00e9t\u00e9"
    with HttpClient(allow_private=True, deadline=5, user_agent="ua/1") as client:
        run_blocking(client, url)
        run_async(client, url)
    lines = [h.decode("latin-1").split("\r\n") for h in server.heads]
    blocking, loop = ({ln.split(":", 1)[0].lower(): ln for ln in ls[1:]} | {"": ls[0]}
                      for ls in lines)
    for key in ("", "host", "user-agent", "authorization"):
        assert blocking[key] == loop[key], key


def test_a_private_address_is_refused_without_a_connection(
        serve: Callable[..., Scripted]) -> None:
    server = serve(ANSWERS["plain"])
    with HttpClient(deadline=5) as client:
        r, = run_async(client, server.url())
    assert isinstance(r, NetError) and r.kind == "private"
    assert server.connections == 0


def test_a_trusted_prefix_does_not_cover_a_reused_connection_s_other_paths(
        serve: Callable[..., Scripted]) -> None:
    """The guard judges every request: a connection opened for a trusted URL is not
    reused for a URL of the same host the prefix does not cover."""
    server = serve(ANSWERS["plain"], keep=True)
    with HttpClient(deadline=5, trusted_prefixes=(server.url("/ok/"),)) as client:
        ok, refused = run_async(client, server.url("/ok/1"), server.url("/secret"))
    assert isinstance(ok, HttpResponse) and ok.status == 200
    assert isinstance(refused, NetError) and refused.kind == "private"
    assert server.requests == 1


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[ssl.SSLContext, str]:
    """A server context for 127.0.0.1 signed by a throwaway CA, and that CA's file."""
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA(organization_name="archiver aio test")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    path.write_bytes(ca.cert_pem.bytes())
    return context, str(path)


def test_https_with_a_trusted_ca_verifies(serve: Callable[..., Scripted],
                                          tls_files: tuple[ssl.SSLContext, str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", tls_files[1])
    server = serve(ANSWERS["plain"], tls=tls_files[0], keep=True)
    with HttpClient(allow_private=True, deadline=5) as client:
        blocking = outcome(run_blocking(client, server.url()))
        first, second = run_async(client, server.url("/1"), server.url("/2"))
    assert outcome(first) == outcome(second) == blocking
    assert blocking[0] == 200


def test_https_with_an_unknown_ca_is_a_tls_error(serve: Callable[..., Scripted],
                                                 tls_files: tuple[ssl.SSLContext, str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    server = serve(ANSWERS["plain"], tls=tls_files[0])
    with HttpClient(allow_private=True, deadline=5) as client:
        blocking = outcome(run_blocking(client, server.url()))
        r, = run_async(client, server.url())
    assert outcome(r) == blocking == ("error", "tls")
    assert server.requests == 0
    with HttpClient(allow_private=True, deadline=5, verify_tls=False) as client:
        unverified, = run_async(client, server.url())
    assert outcome(unverified)[0] == 200


def test_leftover_bytes_on_an_idle_connection_send_the_request_again_anew(
        serve: Callable[..., Scripted]) -> None:
    """A broken server writes more than its Content-Length: the next request on that
    connection would read the leftovers as its answer; it goes out again, once, anew."""
    answer = head("200 OK", "Content-Length: 2") + b"okGARBAGE AFTER THE BODY\r\n"
    server = serve(answer, keep=True)
    with HttpClient(allow_private=True, deadline=5) as client:
        first, second = run_async(client, server.url("/1"), server.url("/2"))
    assert outcome(first)[:2] == outcome(second)[:2] == (200, b"ok")
    assert server.connections == 2


def test_a_name_is_looked_up_again_after_the_cache_time(
        serve: Callable[..., Scripted], monkeypatch: pytest.MonkeyPatch) -> None:
    from archiver.net import aio

    looked_up: list[object] = []
    real = socket.getaddrinfo

    def counting(host: object, *args: object, **kw: object) -> object:
        looked_up.append(host)
        return real(host, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", counting)
    server = serve(ANSWERS["plain"], keep=True)
    url = f"http://localhost:{server.port}/"
    with HttpClient(allow_private=True, deadline=5) as client:
        run_async(client, url + "1", url + "2", url + "3")
        kept = looked_up.count("localhost")
        monkeypatch.setattr(aio, "DNS_CACHE_SECONDS", -1.0)
        run_async(client, url + "1", url + "2")
    assert kept == 1
    assert looked_up.count("localhost") == kept + 2
