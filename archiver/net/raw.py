"""A recording HTTP/1.1 GET: the exact bytes sent and received, for a live capture in WARC.

``archiver capture`` stores a live page the way a crawler's recording proxy
does (internetarchive/warcprox ``warcprox/mitmproxy.py``; GNU wget's
``--warc-file``; webrecorder/warcio ``warcio/capture_http.py``, which taps
``http.client``'s socket reads): the response *as it came off the wire*,
status line and headers as sent, the body with its Content-Encoding (gzip
bytes stay gzip) and any chunked framing kept. :class:`HttpClient` cannot
give that (urllib3 undoes the chunking and may undo the gzip), so this module
is a small HTTP/1.1 client of its own that still obeys every rule of the one
HTTP layer, by asking the client it is given:

* the address guard: :meth:`HttpClient.check_address` judges every address
  the host resolves to before the request (each redirect hop is a request of
  its own: callers walk them with :func:`~archiver.net.redirects.walk_redirects`),
  and :func:`~archiver.net.guard.check_peer` judges the address actually
  connected to (against DNS rebinding), as the client's own connections do;
* the total deadline (:func:`~archiver.net.deadline.watch_deadline`) and the
  connect timeout; a body cap (:data:`CAPTURE_MAX_BYTES` by default, counted
  in wire bytes: a longer body is cut and the exchange says ``truncated``);
* the proxy (:meth:`HttpClient.proxy_for`: an ``http`` URL is sent to the
  proxy in absolute form, an ``https`` one through a ``CONNECT`` tunnel) and
  the proxy's own failures (:func:`~archiver.net.proxy.proxy_failure`);
* per-host politeness (the client's :class:`~archiver.net.hosts.HostLimiter`);
* TLS verification as the client does it (``REQUESTS_CA_BUNDLE`` /
  ``CURL_CA_BUNDLE`` or certifi's bundle).

One request per connection (``Connection: close``), so every byte read from
the socket belongs to the one response. The message ends where its framing
says (RFC 9112 §6.3: no body for 1xx/204/304; chunked; Content-Length; else
the connection's close). The payload (:attr:`RawExchange.payload`) is the
body with the chunked transfer coding removed and the content coding kept:
what WARC 1.1 §5.9 and §6.3.2 call the payload, for ``WARC-Payload-Digest``
(iipc/warc-specifications#22). The chunked framing is read by
:mod:`archiver.net.chunked`, the reader ``archiver fixity`` checks that digest
with; a chunked body is cut at the cap even when it came whole in one read.
"""

from __future__ import annotations

import base64
import os
import socket
import ssl
import time
import zlib
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from archiver.errors import DeadlineExceeded, NetError, NetErrorKind
from archiver.net.chunked import ChunkScanner, dechunk
from archiver.net.client import HttpClient, SlowAnswer, classify_exception
from archiver.net.deadline import watch_deadline
from archiver.net.guard import check_peer, guard_peers
from archiver.net.headers import Headers
from archiver.net.limits import CHUNK_SIZE
from archiver.net.proxy import PROXY_AUTH_HINT, proxy_failure
from archiver.net.wire import WireUrl, wire_url

__all__ = [
    "CAPTURE_MAX_BYTES",
    "MAX_HEAD_BYTES",
    "RawExchange",
    "RawRecorder",
    "dechunk",
    "decode_content",
]

#: Body cap of one live capture, in wire bytes. Larger than the check's 5 MB
#: (:data:`~archiver.net.limits.DEFAULT_MAX_BYTES`): a capture keeps images and
#: scripts too. Heritrix's default ``maxLengthBytes`` is unlimited and
#: Browsertrix's ``--maxPageSize``-style caps are tens of MB; 20 MB holds any
#: article page and its larger images while bounding a hostile answer.
CAPTURE_MAX_BYTES = 20 * 1024 * 1024
#: Status line and header fields at most (Apache's ``LimitRequestFieldSize``
#: times its default 100 fields is far more; nginx's ``large_client_header_buffers``
#: is 4 x 8 kB: 64 kB is generous for any real response head).
MAX_HEAD_BYTES = 64 * 1024
#: A content-decoded body is read at most this many times the cap (a gzip bomb
#: would otherwise expand without bound while the page is parsed).
DECODED_FACTOR = 4
#: The content codings asked for and the ones :func:`decode_content` undoes.
ACCEPT_ENCODING = "gzip, deflate"


@dataclass(frozen=True)
class RawExchange:
    """One HTTP exchange as it went over the wire."""

    url: str  # the URL requested, as sent (wire_url)
    request: bytes  # the request head exactly as sent (a GET has no body)
    response: bytes  # the response exactly as received: head, then body as framed
    head_length: int  # bytes of the response head (status line, fields, blank line)
    status: int
    reason: str
    http_version: str
    header_list: tuple[tuple[str, str], ...]  # in order, duplicates kept
    payload: bytes  # the body, transfer coding removed, content coding kept
    truncated: bool  # the body was cut at the cap (or the connection broke early)
    peer: str | None  # the address connected to (the proxy's, through a proxy)
    started_at: datetime  # when the request was sent (UTC)
    elapsed: float  # seconds
    proxy: str | None = None  # the proxy used, when one was
    notes: tuple[str, ...] = field(default=())

    def header(self, name: str) -> str | None:
        lname = name.lower()
        for key, value in self.header_list:
            if key.lower() == lname:
                return value
        return None

    @property
    def location(self) -> str | None:
        return self.header("Location")

    @property
    def is_redirect(self) -> bool:
        return self.status in (301, 302, 303, 307, 308) and bool(self.location)

    @property
    def chunked(self) -> bool:
        return _is_chunked(self.header_list)

    @property
    def body(self) -> bytes:
        """The body bytes exactly as received (chunk framing, if any, included)."""
        return self.response[self.head_length:]

    def decoded(self, limit: int = CAPTURE_MAX_BYTES * DECODED_FACTOR) -> bytes | None:
        """The payload with its content coding undone, or None when it cannot be."""
        return decode_content(self.payload, self.header("Content-Encoding"), limit)


def decode_content(payload: bytes, coding: str | None, limit: int) -> bytes | None:
    """``payload`` with the content codings of ``coding`` undone (gzip, deflate),
    at most ``limit`` bytes; None for a coding we do not read or a damaged body."""
    codings = [c.strip().lower() for c in (coding or "").split(",") if c.strip()]
    data = payload
    for name in reversed(codings):  # RFC 9110 §8.4: listed in the order applied
        if name == "identity":
            continue
        if name in ("gzip", "x-gzip"):
            wbits = 16 + zlib.MAX_WBITS
        elif name == "deflate":
            wbits = zlib.MAX_WBITS  # zlib-wrapped (RFC 9110 §8.4.1.2); raw tried below
        else:
            return None
        try:
            data = _inflate(data, wbits, limit)
        except zlib.error:
            if name != "deflate":
                return None
            try:
                data = _inflate(data, -zlib.MAX_WBITS, limit)
            except zlib.error:
                return None
    return data


def _inflate(data: bytes, wbits: int, limit: int) -> bytes:
    inflater = zlib.decompressobj(wbits)
    out = inflater.decompress(data, limit)
    return out


# --------------------------------------------------------------------------
# Framing
# --------------------------------------------------------------------------


def _is_chunked(headers: tuple[tuple[str, str], ...]) -> bool:
    """Whether the final transfer coding is chunked (RFC 9112 §6.1)."""
    codings = [c.strip().lower() for k, v in headers if k.lower() == "transfer-encoding"
               for c in v.split(",") if c.strip()]
    return bool(codings) and codings[-1] == "chunked"


def _parse_head(head: bytes, url: str) -> tuple[str, int, str, tuple[tuple[str, str], ...]]:
    """(version, status, reason, fields) of a response head."""
    lines = head.decode("latin-1").replace("\r\n", "\n").split("\n")
    status_line = lines[0]
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit() \
            or len(parts[1]) != 3:
        raise NetError(f"the answer from {url} is not HTTP (status line "
                       f"{status_line[:60]!r})", url=url, kind=NetErrorKind.CONNECTION)
    fields: list[tuple[str, str]] = []
    for line in lines[1:]:
        if not line:
            continue
        if line[0] in " \t" and fields:  # obs-fold (RFC 9112 §5.2): one value
            name, value = fields[-1]
            fields[-1] = (name, f"{value} {line.strip()}")
            continue
        name, colon, value = line.partition(":")
        if colon:
            fields.append((name.strip(), value.strip()))
    return parts[0], int(parts[1]), parts[2].strip() if len(parts) > 2 else "", tuple(fields)


def _content_length(fields: tuple[tuple[str, str], ...]) -> int | None:
    values = {v.strip() for k, v in fields if k.lower() == "content-length"}
    values = {x.strip() for v in values for x in v.split(",")}
    if len(values) != 1:
        return None
    value = values.pop()
    return int(value) if value.isdigit() else None


# --------------------------------------------------------------------------
# The recorder
# --------------------------------------------------------------------------


class RawRecorder:
    """GET URLs through ``client``'s rules and keep every byte (see the module docstring)."""

    def __init__(self, client: HttpClient, *, max_bytes: int = CAPTURE_MAX_BYTES,
                 deadline: float | None = None) -> None:
        self.client = client
        self.max_bytes = max_bytes
        self.deadline = client.deadline if deadline is None else deadline

    def request_head(self, wire: WireUrl, proxy: str | None) -> bytes:
        """The request head sent for ``wire`` (absolute form through an http proxy)."""
        parts = urlsplit(wire.url)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        netloc = parts.netloc.rpartition("@")[2]
        if proxy is not None and wire.scheme == "http":
            target = f"{wire.scheme}://{netloc}{target}"
        lines = [f"GET {target} HTTP/1.1", f"Host: {netloc}",
                 f"User-Agent: {self.client.user_agent}", "Accept: */*",
                 f"Accept-Encoding: {ACCEPT_ENCODING}", "Connection: close"]
        if wire.userinfo is not None:
            lines.append("Authorization: Basic " + _basic(wire.userinfo))
        if proxy is not None and wire.scheme == "http":
            auth = _proxy_auth(proxy)
            if auth:
                lines.append(f"Proxy-Authorization: {auth}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def get(self, url: str, *, polite: bool = True) -> RawExchange:
        """GET ``url`` once, redirects not followed; raise :class:`NetError` when no
        answer came (the kinds of :meth:`HttpClient.get`)."""
        wire = wire_url(url)
        self.client.check_address(url)
        limiter = self.client.limiter
        if polite and limiter is not None:
            with limiter.acquire(wire.host):
                return self._get(url, wire)
        return self._get(url, wire)

    def _get(self, url: str, wire: WireUrl) -> RawExchange:
        proxy = self.client.proxy_for(wire)
        guarded = proxy is None and not self.client.may_reach_private(wire)
        request = self.request_head(wire, proxy)
        started_at = datetime.now(UTC)
        started = time.monotonic()
        deadline = self.deadline
        answered = False
        with watch_deadline(deadline) as watchdog, guard_peers(url if guarded else None):
            sock: Any = None
            try:
                sock, peer = self._connect(wire, proxy, url, watchdog)
                sock.settimeout(max(deadline - (time.monotonic() - started), 0.001))
                sock.sendall(request)
                reader = _Reader(sock, watchdog)
                head = reader.take(len(reader.head(url)))
                answered = True
                version, status, reason, fields = _parse_head(head, url)
                while 100 <= status < 200 and status != 101:  # interim answers: not kept
                    head = reader.take(len(reader.head(url)))
                    version, status, reason, fields = _parse_head(head, url)
                if proxy is not None and wire.scheme == "http":
                    failure = proxy_failure(status, _fields_map(fields))
                    if failure is not None:
                        raise NetError(f"the proxy could not get {url}: {failure.reason}",
                                       url=url, kind=failure.kind,
                                       hint=PROXY_AUTH_HINT if status == 407 else None)
                payload, truncated, notes = reader.body(status, fields, self.max_bytes)
                if watchdog.fired:
                    raise SlowAnswer(f"the answer from {url} started but did not finish "
                                     f"within {deadline:g} s", url=url,
                                     kind=NetErrorKind.TIMEOUT)
                raw = head + bytes(reader.buf)
            except NetError:
                raise
            except (OSError, ssl.SSLError, ValueError) as err:
                # the socket's own timeout is the time left, so it may beat the watchdog
                timed_out = watchdog.fired or isinstance(err, TimeoutError)
                if timed_out and answered:
                    raise SlowAnswer(f"the answer from {url} started but did not finish "
                                     f"within {deadline:g} s", url=url,
                                     kind=NetErrorKind.TIMEOUT, cause=err) from err
                if timed_out:
                    raise DeadlineExceeded(f"no complete answer from {url} within "
                                           f"{deadline:g} s", url=url,
                                           kind=NetErrorKind.TIMEOUT, cause=err) from err
                kind, message = classify_exception(err)
                raise NetError(f"{message} ({url})", url=url, kind=kind, cause=err) from err
            finally:
                if sock is not None:
                    with suppress(OSError):
                        sock.close()
        return RawExchange(
            url=wire.url, request=request, response=raw, head_length=len(head),
            status=status, reason=reason, http_version=version, header_list=fields,
            payload=payload, truncated=truncated, peer=peer, started_at=started_at,
            elapsed=time.monotonic() - started, proxy=proxy, notes=notes)

    # -- connections ------------------------------------------------------------

    def _connect(self, wire: WireUrl, proxy: str | None, url: str,
                 watchdog: Any) -> tuple[Any, str | None]:
        timeout = min(self.client.connect_timeout, self.deadline)
        if proxy is None:
            sock = socket.create_connection((wire.host, wire.port), timeout=timeout)
            watchdog.add(sock)
            check_peer(sock)  # the address connected to, judged (guard_peers above)
            peer = _peer(sock)
            if wire.scheme == "https":
                sock = self._tls(sock, wire.host)
                watchdog.add(sock)
            return sock, peer
        parts = urlsplit(proxy)
        if parts.scheme == "https" and wire.scheme == "https":
            # TLS inside TLS needs ssl.SSLObject plumbing this small client lacks.
            raise NetError(f"cannot capture {url} through an https:// proxy: TLS inside a "
                           "TLS tunnel is not supported", url=url, kind=NetErrorKind.PROXY,
                           hint="give the proxy as an http:// URL (the tunnel to the site "
                           "is still TLS)")
        proxy_host = parts.hostname or ""
        proxy_port = parts.port or (443 if parts.scheme == "https" else 80)
        sock = socket.create_connection((proxy_host, proxy_port), timeout=timeout)
        watchdog.add(sock)
        peer = _peer(sock)
        if parts.scheme == "https":
            sock = self._tls(sock, proxy_host)
            watchdog.add(sock)
        if wire.scheme == "https":
            self._tunnel(sock, wire, proxy, url)
            sock = self._tls(sock, wire.host)
            watchdog.add(sock)
        return sock, peer

    def _tunnel(self, sock: Any, wire: WireUrl, proxy: str, url: str) -> None:
        host = f"[{wire.host}]" if ":" in wire.host else wire.host
        lines = [f"CONNECT {host}:{wire.port} HTTP/1.1", f"Host: {host}:{wire.port}",
                 f"User-Agent: {self.client.user_agent}"]
        auth = _proxy_auth(proxy)
        if auth:
            lines.append(f"Proxy-Authorization: {auth}")
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        head = _Reader(sock, None).head(url)
        _, status, reason, _ = _parse_head(head, url)
        if not 200 <= status < 300:
            raise NetError(f"the proxy could not open a tunnel to the site (HTTP {status} "
                           f"{reason}) ({url})", url=url, kind=NetErrorKind.PROXY,
                           hint=PROXY_AUTH_HINT if status == 407 else None)

    def _tls(self, sock: Any, host: str) -> Any:
        context = ssl.create_default_context(cafile=_ca_bundle())
        if not self.client.verify_tls:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context.wrap_socket(sock, server_hostname=host)


def _ca_bundle() -> str | None:
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle:
        return bundle
    try:
        import certifi
    except ImportError:  # pragma: no cover - requests depends on certifi
        return None
    return str(certifi.where())


def _peer(sock: Any) -> str | None:
    try:
        return str(sock.getpeername()[0])
    except (OSError, IndexError):
        return None


def _basic(userinfo: str) -> str:
    user, _, password = userinfo.partition(":")
    token = f"{unquote(user)}:{unquote(password)}".encode()
    return base64.b64encode(token).decode("ascii")


def _proxy_auth(proxy: str) -> str | None:
    parts = urlsplit(proxy)
    if parts.username is None:
        return None
    return "Basic " + _basic(f"{parts.username}:{parts.password or ''}")


def _fields_map(fields: tuple[tuple[str, str], ...]) -> Headers:
    """Header fields as a case-insensitive map, repeated fields joined (RFC 9110 §5.3)."""
    out: Headers = Headers()
    for name, value in fields:
        out[name] = f"{out[name]}, {value}" if name in out else value
    return out


class _Reader:
    """Bytes read from a socket, kept: the head first, then the body as framed."""

    def __init__(self, sock: Any, watchdog: Any) -> None:
        self.sock = sock
        self.watchdog = watchdog
        self.buf = bytearray()
        self.eof = False

    def _more(self) -> bool:
        if self.eof or (self.watchdog is not None and self.watchdog.fired):
            return False
        data = self.sock.recv(CHUNK_SIZE)
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def head(self, url: str) -> bytes:
        while True:
            end = self.buf.find(b"\r\n\r\n")
            bare = self.buf.find(b"\n\n")
            if end >= 0 and (bare < 0 or end + 2 <= bare):
                return bytes(self.buf[:end + 4])
            if bare >= 0:
                return bytes(self.buf[:bare + 2])
            if len(self.buf) > MAX_HEAD_BYTES:
                raise NetError(f"the answer from {url} has a head over "
                               f"{MAX_HEAD_BYTES // 1024} kB", url=url,
                               kind=NetErrorKind.CONNECTION)
            if not self._more():
                if self.watchdog is not None and self.watchdog.fired:
                    raise TimeoutError("deadline")
                raise ConnectionResetError("the connection closed before the answer's head")

    def body(self, status: int, fields: tuple[tuple[str, str], ...],
             cap: int) -> tuple[bytes, bool, tuple[str, ...]]:
        """Read the body after the head was taken: (payload, truncated, notes).
        ``self.buf`` is left holding the body's wire bytes, framing included."""
        buf = self.buf
        if 100 <= status < 200 or status in (204, 304):
            buf.clear()
            return b"", False, ()
        if _is_chunked(fields):
            scanner = ChunkScanner()
            while True:
                scanner.feed(buf)
                if scanner.done or scanner.bad or len(buf) > cap or not self._more():
                    break
            if scanner.done:
                del buf[scanner.pos:]
            if len(buf) > cap:  # also a whole body that came in one read over the cap
                del buf[cap:]
                data, _complete = dechunk(bytes(buf))
                return data, True, ()
            if scanner.done:
                return b"".join(scanner.parts), False, ()
            if scanner.bad:
                return b"".join(scanner.parts), False, ("the chunked framing is damaged; "
                                                        "the body is kept as received",)
            return scanner.partial(buf), True, ("the connection closed before the last "
                                                "chunk",)
        has_te = any(k.lower() == "transfer-encoding" for k, _ in fields)
        length = None if has_te else _content_length(fields)
        want = min(length if length is not None else cap + 1, cap + 1)
        while len(buf) < want and self._more():
            pass
        if length is not None and len(buf) >= length and length <= cap:
            del buf[length:]
            return bytes(buf), False, ()
        if len(buf) > cap:
            del buf[cap:]
            return bytes(buf), True, ()
        if length is not None and len(buf) < length:
            return bytes(buf), True, (
                f"the connection closed after {len(buf)} of {length} bytes",)
        return bytes(buf), False, ()

    def take(self, n: int) -> bytes:
        """The first ``n`` bytes, removed from the buffer."""
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out


