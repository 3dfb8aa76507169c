"""The lean asynchronous HTTP/1.1 client of the concurrent link check.

:class:`AsyncHttpClient` makes one GET at a time per call, on an asyncio event
loop, with the settings and rules of the :class:`~.client.HttpClient` it is
made from: the same URL on the wire (:func:`.wire.wire_url`), the same address
guard and its messages, the same total deadline and size cap (counted after
decoding, as the body is stored), the same :class:`~archiver.errors.NetError`
kinds, and the same :class:`~.client.HttpResponse`. It exists for speed: a
check of 2,000 URLs against 20 hosts at 80 in flight spent about 2.5 ms of CPU
per URL in 80 threads over requests and urllib3 (bench/bench_check.py), most of
it in thread hand-offs and library layers; one event loop speaking HTTP/1.1
directly spends a fraction of that.

What it does differently, and why that is at least as safe:

* **the address guard**: a name is resolved once (in a thread: ``getaddrinfo``
  blocks), every address judged, and the connection made *to a judged
  address*, so the peer is the address judged (no second lookup that a
  rebinding DNS server could answer differently; the blocking client checks
  the connected peer instead, :func:`.guard.check_peer`);
* **proxies**: a request that goes through a proxy is handed to the blocking
  client in a worker thread, with all of its proxy handling (CONNECT tunnels,
  proxy failures, NO_PROXY); only direct requests take the fast path;
* **connections** are kept alive and reused per (scheme, host, port), at most
  :data:`MAX_IDLE` idle in all (file descriptors are finite: 1,000 hosts would
  otherwise keep 4,000 sockets open); a reused connection that turns out closed
  before answering is retried once on a new one, as a browser does for an
  idempotent request (RFC 9112 §9.3.1);
* **hostile answers**: a header line is at most :data:`MAX_LINE` bytes and a
  head at most :data:`MAX_HEADERS` lines (http.client's limits), a chunk-size
  line is parsed strictly, and a gzip/deflate body is decompressed at most to
  the cap, never further (a decompression bomb is cut, as the blocking client
  cuts it).

What a request costs is kept small, since a check makes thousands of them on one
thread: the header lines of an answer that arrived whole (nearly all: a head is
one TCP segment) are taken in one read and split at once, the limits above
checked on the whole, and only a head that is still arriving or near a limit is
read line by line; the fields every request sends are prepared once per client;
a short plain body with a length is one read (bench/bench_aio.py measures it).
"""

from __future__ import annotations

import asyncio
import base64
import re
import ssl
import time
import zlib
from collections import OrderedDict
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial

from archiver.errors import DeadlineExceeded, NetError, NetErrorKind
from archiver.net.client import (
    HttpClient,
    HttpResponse,
    SlowAnswer,
    classify_exception,
    reported_headers,
)
from archiver.net.guard import literal_address, resolve_host
from archiver.net.headers import Headers
from archiver.net.limits import CHUNK_SIZE
from archiver.net.wire import WireUrl, wire_url

#: Longest status, header or chunk-size line accepted (http.client's ``_MAXLINE``).
MAX_LINE = 65536
#: Most header lines in one head (http.client's ``_MAXHEADERS``).
MAX_HEADERS = 100
#: Idle keep-alive connections kept, all hosts together (oldest closed first).
MAX_IDLE = 256
#: Idle connections kept per (scheme, host, port): the blocking client's pool size.
MAX_IDLE_PER_ORIGIN = 32
#: Seconds a name's addresses are reused before it is looked up again: the system
#: resolver gives no TTL, and Chromium keeps such answers 60 s and failures not at
#: all (net/dns/host_resolver_manager_job.cc: kCacheEntryTTLSeconds = 60,
#: kNegativeCacheEntryTTLSeconds = 0); failed lookups are not kept here either.
DNS_CACHE_SECONDS = 60.0
#: Statuses that never have a body (RFC 9112 §6.3).
_NO_BODY = frozenset({204, 304})


class _Closed(Exception):
    """A reused connection was found closed before any byte of the answer came."""


@dataclass(eq=False)
class _Conn:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    peer: str
    requests: int = 0

    def close(self) -> None:
        if not self.writer.is_closing():
            self.writer.close()


@dataclass
class _Head:
    version: str
    status: int
    reason: str
    header_list: list[tuple[str, str]] = field(default_factory=list)


class AsyncHttpClient:
    """GET over asyncio with the rules and settings of ``client`` (an :class:`HttpClient`).

    Use it inside one event loop, and :meth:`aclose` it before the loop ends
    (its connections belong to the loop). ``threads`` bounds the worker threads
    of proxied requests and name lookups.
    """

    def __init__(self, client: HttpClient, *, threads: int = 16) -> None:
        self.client = client
        # idle connections by origin, and all of them oldest first (to close the oldest)
        self._idle: dict[tuple[str, str, int], list[_Conn]] = {}
        self._lru: OrderedDict[_Conn, tuple[str, str, int]] = OrderedDict()
        self._pool = ThreadPoolExecutor(max_workers=max(threads, 1),
                                        thread_name_prefix="archiver-net")
        self._names: dict[tuple[str, int], tuple[list[str], float]] = {}
        self._tls: ssl.SSLContext | None = None
        self._constant: _Constant | None = None

    async def aclose(self) -> None:
        for conn in list(self._lru):
            conn.close()
        self._idle.clear()
        self._lru.clear()
        self._pool.shutdown(wait=False, cancel_futures=True)

    # -- where to connect --------------------------------------------------------

    async def _addresses(self, wire: WireUrl, url: str) -> list[str]:
        """The addresses to connect to, each judged by the guard unless allowed."""
        literal = literal_address(wire.host)
        if literal:
            addresses = [literal]
        else:
            key = (wire.host, wire.port)
            now = time.monotonic()
            cached = self._names.get(key)
            if cached is None or now - cached[1] > DNS_CACHE_SECONDS:
                loop = asyncio.get_running_loop()
                found = await loop.run_in_executor(
                    self._pool, resolve_host, wire.host, wire.port, url)
                cached = self._names[key] = (found, now)
            addresses = cached[0]
        if not self.client.may_reach_private(wire):
            self.client.refuse_private(wire, url, addresses)
        return addresses

    def _tls_context(self) -> ssl.SSLContext:
        if self._tls is None:
            verify = self.client.tls_verify
            if verify is False:
                ctx = ssl.create_default_context()
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
            else:
                if isinstance(verify, str):
                    cafile = verify
                else:
                    import certifi  # requests' own CA bundle: the same trust as the blocking client
                    cafile = certifi.where()
                ctx = ssl.create_default_context(cafile=cafile)
            ctx.set_alpn_protocols(["http/1.1"])
            self._tls = ctx
        return self._tls

    async def _connect(self, wire: WireUrl, addresses: list[str]) -> _Conn:
        last: BaseException | None = None
        tls = self._tls_context() if wire.scheme == "https" else None
        for ip in addresses:
            try:
                reader, writer = await asyncio.open_connection(
                    ip, wire.port, ssl=tls, server_hostname=wire.host if tls else None,
                    limit=MAX_LINE)
            except (OSError, ssl.SSLError) as err:
                last = err
                if isinstance(err, ssl.SSLError):
                    break  # the site answered: its certificate is the finding
                continue
            sock = writer.get_extra_info("socket")
            if sock is not None:
                import socket
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return _Conn(reader, writer, ip)
        assert last is not None
        raise last

    def _take_idle(self, origin: tuple[str, str, int]) -> _Conn | None:
        conns = self._idle.get(origin)
        while conns:
            conn = conns.pop()
            del self._lru[conn]
            if conn.reader.at_eof() or conn.writer.is_closing():
                conn.close()  # the server closed it while it was idle
                continue
            return conn
        return None

    def _give_back(self, conn: _Conn, origin: tuple[str, str, int]) -> None:
        conns = self._idle.setdefault(origin, [])
        if len(conns) >= MAX_IDLE_PER_ORIGIN:
            conn.close()
            return
        conns.append(conn)
        self._lru[conn] = origin
        while len(self._lru) > MAX_IDLE:
            oldest, where = self._lru.popitem(last=False)
            self._idle[where].remove(oldest)
            oldest.close()

    def _constant_part(self) -> _Constant | None:
        """The fields every request without extra headers sends, prepared once.

        None when they cannot be sent (a User-Agent with a line break, say): such a
        request takes the general path, which refuses it with its usual message.
        """
        agent = self.client.user_agent
        constant = self._constant
        if constant is None or constant.user_agent != agent:
            fields = _base_headers(agent)
            try:
                tail = _field_lines("", fields)
            except NetError:
                return None
            constant = self._constant = _Constant(agent, tail,
                                                  reported_headers(fields.items()))
        return constant

    # -- a request ----------------------------------------------------------------

    async def get(self, url: str, *, headers: Mapping[str, str] | None = None,
                  deadline: float | None = None, max_bytes: int | None = None) -> HttpResponse:
        """GET ``url`` once, without following redirects: :meth:`HttpClient.get`'s contract.

        Politeness is the caller's (the checker holds the host's slot).
        """
        client = self.client
        deadline = client.deadline if deadline is None else deadline
        cap = client.max_bytes if max_bytes is None else max_bytes
        wire = wire_url(url)
        if client.proxy_for(wire) is not None:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._pool, partial(
                client.get, url, headers=headers, deadline=deadline, max_bytes=cap,
                polite=False))
        constant = None if headers or wire.userinfo else self._constant_part()
        if constant is not None:
            request = _request_start(wire, url) + constant.tail
            sent = constant.sent
        else:
            req_headers = _base_headers(client.user_agent)
            if headers:
                req_headers.update(headers)
            request = _request_bytes(wire, url, req_headers)
            sent = reported_headers(req_headers.items())
        started = time.monotonic()
        state = {"answered": False}
        try:
            async with asyncio.timeout(deadline):
                return await self._exchange(url, wire, request, sent, cap, deadline,
                                            started, state)
        except TimeoutError as err:
            if state["answered"]:
                raise SlowAnswer(f"the answer from {url} started but did not finish within "
                                 f"{deadline:g} s", url=url, kind=NetErrorKind.TIMEOUT,
                                 cause=err) from err
            raise DeadlineExceeded(f"no complete answer from {url} within {deadline:g} s",
                                   url=url, kind=NetErrorKind.TIMEOUT, cause=err) from err

    async def _exchange(self, url: str, wire: WireUrl, request: bytes,
                        sent: tuple[tuple[str, str], ...], cap: int, deadline: float,
                        started: float, state: dict[str, bool]) -> HttpResponse:
        origin = wire.origin
        # Judged for every request, a reused connection's included: whether a
        # private address may be reached depends on the URL (a trusted prefix
        # covers some paths of a host, not all), not only on the peer.
        addresses = await self._addresses(wire, url)
        for reused in (True, False):
            conn = self._take_idle(origin) if reused else None
            if reused and conn is None:
                continue
            if conn is None:
                try:
                    async with asyncio.timeout(min(self.client.connect_timeout, deadline)):
                        conn = await self._connect(wire, addresses)
                except TimeoutError as err:
                    raise NetError(f"connect timed out ({url})", url=url,
                                   kind=NetErrorKind.TIMEOUT, cause=err) from err
                except (OSError, ssl.SSLError) as err:
                    kind, message = classify_exception(err)
                    raise NetError(f"{message} ({url})", url=url, kind=kind,
                                   cause=err) from err
            try:
                return await self._one(conn, url, wire, request, sent, cap, started,
                                       state, reused)
            except _Closed:
                conn.close()
                continue  # the server had closed the idle connection: once more, anew
            except BaseException:
                conn.close()
                raise
        raise AssertionError("unreachable: a new connection never raises _Closed")

    async def _one(self, conn: _Conn, url: str, wire: WireUrl, request: bytes,
                   sent: tuple[tuple[str, str], ...], cap: int, started: float,
                   state: dict[str, bool], reused: bool) -> HttpResponse:
        try:
            conn.writer.write(request)
            await conn.writer.drain()
            head = await _read_head(conn.reader, url, reused)
        except _Closed:
            raise
        except NetError:
            raise
        except (OSError, asyncio.IncompleteReadError, ssl.SSLError) as err:
            if reused and not state["answered"]:
                raise _Closed from err
            raise _broken(url, err) from err
        state["answered"] = True
        headers = Headers.joined(head.header_list)
        try:
            body, truncated, complete = await _read_body(conn.reader, head, headers, cap, url)
        except NetError:
            raise
        except (OSError, asyncio.IncompleteReadError, ssl.SSLError) as err:
            raise _broken(url, err) from err
        keep = complete and not truncated and _keeps_alive(head, headers)
        if keep:
            conn.requests += 1
            self._give_back(conn, wire.origin)
        else:
            conn.close()
        return HttpResponse(
            url=url, status=head.status, reason=head.reason, headers=headers,
            header_list=tuple(head.header_list), body=body, truncated=truncated,
            elapsed=time.monotonic() - started, http_version=head.version, peer=conn.peer,
            request_headers=sent)


# -- the wire ------------------------------------------------------------------------


#: A header field name (RFC 9110 §5.1 token) and what a field value must not hold.
_TOKEN_RE = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_BAD_VALUE_RE = re.compile(r"[\r\n\0]")
#: What a request target must not hold (requests percent-encodes the rest).
_BAD_TARGET_RE = re.compile(r"[\s\0]")


def _base_headers(user_agent: str) -> dict[str, str]:
    """The fields of every request, before the caller's."""
    return {"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate", "Accept": "*/*",
            "Connection": "keep-alive"}


@dataclass(frozen=True)
class _Constant:
    """What a request without extra headers ends with, and the fields it reports."""

    user_agent: str
    tail: bytes  # the field lines after Host, and the empty line
    sent: tuple[tuple[str, str], ...]  # HttpResponse.request_headers


def _request_start(wire: WireUrl, url: str) -> bytes:
    """The request line and the Host field of ``wire`` (origin-form target, RFC 9112 §3.2.1)."""
    parts = wire.url.split("/", 3)  # "http:", "", authority, path and query
    target = "/" + parts[3] if len(parts) > 3 else "/"
    if not target.isascii() or _BAD_TARGET_RE.search(target):
        raise NetError(f"refusing to fetch {url}: its path cannot be sent as it is",
                       url=url, kind=NetErrorKind.INVALID)
    host = f"[{wire.host}]" if ":" in wire.host else wire.host
    default = 443 if wire.scheme == "https" else 80
    start = (f"GET {target} HTTP/1.1\r\nHost: {host}\r\n" if wire.port == default
             else f"GET {target} HTTP/1.1\r\nHost: {host}:{wire.port}\r\n")
    try:
        return start.encode("latin-1", "strict")
    except UnicodeEncodeError as err:  # the target is ASCII and the host too: not expected
        raise NetError(f"cannot prepare a request for {url}: a header value is not "
                       "Latin-1 text", url=url, kind=NetErrorKind.INVALID, cause=err) from err


def _field_lines(url: str, headers: Mapping[str, str]) -> bytes:
    """``headers`` as field lines, and the empty line that ends the head."""
    lines = []
    for name, value in headers.items():
        if not _TOKEN_RE.fullmatch(name) or _BAD_VALUE_RE.search(value):
            raise NetError(f"cannot prepare a request for {url}: header {name!r} has a "
                           "line break or control character", url=url,
                           kind=NetErrorKind.INVALID)
        lines.append(f"{name}: {value}\r\n")
    lines.append("\r\n")
    try:
        return "".join(lines).encode("latin-1", "strict")
    except UnicodeEncodeError as err:
        raise NetError(f"cannot prepare a request for {url}: a header value is not "
                       "Latin-1 text", url=url, kind=NetErrorKind.INVALID, cause=err) from err


def _request_bytes(wire: WireUrl, url: str, headers: Mapping[str, str]) -> bytes:
    """The request head for ``wire``: request line, Host, credentials, ``headers``."""
    start = _request_start(wire, url)
    if wire.userinfo and not any(k.lower() == "authorization" for k in headers):
        # requests sends userinfo as Basic credentials; so does this client.
        token = base64.b64encode(_unquote_userinfo(wire.userinfo).encode("latin-1",
                                                                          "replace"))
        start += f"Authorization: Basic {token.decode('ascii')}\r\n".encode("ascii")
    return start + _field_lines(url, headers)


def _unquote_userinfo(userinfo: str) -> str:
    from urllib.parse import unquote
    user, _, password = userinfo.partition(":")
    return f"{unquote(user)}:{unquote(password)}"


def _broken(url: str, err: BaseException) -> NetError:
    if isinstance(err, asyncio.IncompleteReadError):
        return NetError(f"connection broken: the answer ended early ({url})", url=url,
                        kind=NetErrorKind.RESET, cause=err)
    kind, message = classify_exception(err)
    if kind is NetErrorKind.CONNECTION and isinstance(err, BrokenPipeError):
        kind, message = NetErrorKind.RESET, "connection broken: broken pipe"
    return NetError(f"{message} ({url})", url=url, kind=kind, cause=err)


async def _line(reader: asyncio.StreamReader, url: str) -> bytes:
    try:
        return await reader.readline()
    except (asyncio.LimitOverrunError, ValueError) as err:
        raise NetError(f"connection failed: a line of the answer is longer than {MAX_LINE} "
                       f"bytes ({url})", url=url, kind=NetErrorKind.CONNECTION,
                       cause=err) from err


def _head_end(buffer: bytearray) -> int:
    """How many bytes of ``buffer`` are a whole set of header lines and the empty line.

    ``buffer`` holds what follows a status line. -1 when that is not all there yet,
    or when it would break a limit (more than :data:`MAX_HEADERS` lines, or more than
    :data:`MAX_LINE` bytes in all): the line reader then reads it and refuses it as
    it always did. A line ends at LF, and the empty line is LF or CR LF alone (RFC
    9112 §2.2 lets a recipient accept a bare LF), so the head ends at the first
    LF LF or LF CR LF, whichever comes first.
    """
    if buffer.startswith(b"\r\n"):
        return 2
    if buffer.startswith(b"\n"):
        return 1
    crlf = buffer.find(b"\n\r\n", 0, MAX_LINE)
    lf = buffer.find(b"\n\n", 0, MAX_LINE if crlf < 0 else crlf + 1)
    end = lf + 2 if lf >= 0 else crlf + 3 if crlf >= 0 else -1
    if end < 0 or buffer.count(b"\n", 0, end) > MAX_HEADERS + 1:
        return -1
    return end


def _add_fields(head: _Head, lines: list[str]) -> None:
    """Header lines (without their line ends) into ``head.header_list``."""
    fields = head.header_list
    for header in lines:
        if header[:1] in (" ", "\t") and fields:  # obs-fold, RFC 9112 §5.2
            name, value = fields[-1]
            fields[-1] = (name, f"{value} {header.strip()}")
            continue
        name, sep, value = header.partition(":")
        if sep and name and name == name.strip():
            fields.append((name, value.strip(" \t")))


async def _read_head(reader: asyncio.StreamReader, url: str, reused: bool) -> _Head:
    """The final head (1xx interim answers skipped), as http.client reads it.

    The header lines are taken in one read when they have all arrived with the
    status line (nearly always: a head is one TCP segment), else line by line.
    Both give the same head and the same failures (tests/test_net_aio_head.py).
    """
    # What the stream holds and has not handed out yet, looked at without taking it:
    # asyncio's StreamReader keeps it in ``_buffer`` (CPython Lib/asyncio/streams.py,
    # since 3.4). Should that ever change, every head is read line by line.
    buffer = getattr(reader, "_buffer", None)
    if not isinstance(buffer, bytearray):
        buffer = None
    while True:
        line = await _line(reader, url)
        if not line:
            if reused:
                raise _Closed
            raise NetError(f"connection broken: the server closed the connection without "
                           f"an answer ({url})", url=url, kind=NetErrorKind.RESET)
        text = line.decode("latin-1").rstrip("\r\n")
        version, _, rest = text.partition(" ")
        code, _, reason = rest.partition(" ")
        if not version.startswith("HTTP/") or len(code) != 3 or not code.isdigit():
            if reused:
                # bytes a broken server left after its last answer, not an answer to
                # this request: the request is sent again on a new connection
                raise _Closed
            # the kind the blocking client gives (urllib3's ProtocolError: BadStatusLine)
            raise NetError(f"connection broken: not an HTTP answer ({text[:80]!r}) ({url})",
                           url=url, kind=NetErrorKind.RESET)
        reused = False
        head = _Head(version if version in ("HTTP/1.0", "HTTP/1.1") else "HTTP/1.1",
                     int(code), reason.strip())
        end = -1 if buffer is None else _head_end(buffer)
        if end >= 0:
            # all there: taken at once (readexactly does not wait for bytes it holds)
            lines = (await reader.readexactly(end)).decode("latin-1").split("\n")
            del lines[-2:]  # the empty line, and what follows its LF
            _add_fields(head, [line.rstrip("\r") for line in lines])
        else:
            lines = []
            while True:
                raw = await _line(reader, url)
                if not raw:
                    raise asyncio.IncompleteReadError(b"", None)
                if raw in (b"\r\n", b"\n"):
                    break
                if len(lines) == MAX_HEADERS:
                    raise NetError(f"connection failed: more than {MAX_HEADERS} header "
                                   f"lines ({url})", url=url, kind=NetErrorKind.CONNECTION)
                lines.append(raw.decode("latin-1").rstrip("\r\n"))
            _add_fields(head, lines)
        if 100 <= head.status < 200 and head.status != 101:
            continue  # interim answer (100 Continue, 103 Early Hints): the final one follows
        return head


def _keeps_alive(head: _Head, headers: Headers) -> bool:
    connection = headers.get("Connection", "")
    if not connection:
        return head.version != "HTTP/1.0"
    tokens = {t.strip().lower() for t in connection.split(",")}
    if head.version == "HTTP/1.0":
        return "keep-alive" in tokens
    return "close" not in tokens


class _Decoder:
    """Content-Encoding removed as the body streams, never past ``cap`` bytes out."""

    def __init__(self, encodings: list[str]) -> None:
        self._steps: list[zlib._Decompress] = []
        self._deflate: list[int] = []
        for coding in reversed(encodings):
            if coding in ("gzip", "x-gzip"):
                self._steps.append(zlib.decompressobj(16 + zlib.MAX_WBITS))
                self._deflate.append(0)
            elif coding == "deflate":
                self._steps.append(zlib.decompressobj())
                self._deflate.append(1)
            # identity, or an encoding not asked for: kept as sent (as urllib3 does)

    @property
    def active(self) -> bool:
        return bool(self._steps)

    def feed(self, data: bytes, room: int) -> bytes:
        """Decoded bytes of ``data``, at most ``room`` of them (the rest would be cut)."""
        for i, step in enumerate(self._steps):
            last = i == len(self._steps) - 1
            try:
                out = step.decompress(data, room if last else 0)
            except zlib.error:
                if self._deflate[i] == 1:
                    # "deflate" sent raw, without the zlib wrapper (urllib3's DeflateDecoder
                    # accepts both): retry this step as raw deflate.
                    self._deflate[i] = 2
                    self._steps[i] = zlib.decompressobj(-zlib.MAX_WBITS)
                    out = self._steps[i].decompress(data, room if last else 0)
                else:
                    raise
            if self._deflate[i] == 1:
                self._deflate[i] = 3  # the zlib wrapper worked: no fallback any more
            data = out
        return data


async def _read_body(reader: asyncio.StreamReader, head: _Head,
                     headers: Headers, cap: int,
                     url: str) -> tuple[bytes, bool, bool]:
    """(body, truncated, read to its end) of one answer."""
    if head.status in _NO_BODY:
        return b"", False, True
    content_encoding = headers.get("Content-Encoding", "")
    encodings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
    decoder = _Decoder(encodings)
    chunks: list[bytes] = []
    size = 0

    def take(data: bytes) -> bool:
        """Keep ``data`` (decoded); True when the cap is passed."""
        nonlocal size
        if decoder.active:
            try:
                data = decoder.feed(data, cap + 1 - size)
            except zlib.error as err:
                raise NetError(f"connection failed: the body cannot be decoded "
                               f"({content_encoding}): {err} ({url})", url=url,
                               kind=NetErrorKind.CONNECTION, cause=err) from err
        chunks.append(data)
        size += len(data)
        return size > cap

    def done(complete: bool, truncated: bool = False) -> tuple[bytes, bool, bool]:
        if complete and decoder.active and not truncated:
            take(b"")  # the decoder's last bytes
        body = b"".join(chunks)
        return (body[:cap] if truncated else body), truncated, complete

    transfer = headers.get("Transfer-Encoding", "").lower()
    if "chunked" in transfer:
        while True:
            line = await _line(reader, url)
            if not line:
                raise asyncio.IncompleteReadError(b"", None)
            size_text = line.split(b";", 1)[0].strip()
            try:
                if not size_text or any(c not in b"0123456789abcdefABCDEF" for c in size_text):
                    raise ValueError(size_text)
                length = int(size_text, 16)
            except ValueError as err:
                raise NetError(f"connection broken: bad chunk size {size_text[:20]!r} ({url})",
                               url=url, kind=NetErrorKind.RESET, cause=err) from err
            if length == 0:
                while (await _line(reader, url)) not in (b"\r\n", b"\n", b""):
                    pass  # trailer fields: not kept (RFC 9112 §7.1.2)
                return done(True)
            while length > 0:
                part = await reader.readexactly(min(length, CHUNK_SIZE))
                length -= len(part)
                if take(part):
                    return done(False, True)
            if (await _line(reader, url)).strip():
                raise NetError(f"connection broken: a chunk does not end where its size says "
                               f"({url})", url=url, kind=NetErrorKind.RESET)
    length_text = headers.get("Content-Length")
    if length_text is not None and "chunked" not in transfer:
        first = length_text.split(",")[0].strip()
        if not first.isdigit():
            raise NetError(f"connection failed: bad Content-Length {length_text[:40]!r} ({url})",
                           url=url, kind=NetErrorKind.CONNECTION)
        remaining = int(first)
        if not decoder.active and remaining <= min(cap, CHUNK_SIZE):
            # within the cap and not encoded: nothing to cut or decode, one read
            return await reader.readexactly(remaining), False, True
        while remaining > 0:
            part = await reader.read(min(remaining, CHUNK_SIZE))
            if not part:
                raise asyncio.IncompleteReadError(b"", remaining)
            remaining -= len(part)
            if take(part):
                return done(False, True)
        return done(True)
    while True:  # no length: the body ends when the connection does
        part = await reader.read(CHUNK_SIZE)
        if not part:
            return done(False)
        if take(part):
            return done(False, True)
