"""The private-address guard: which hosts and peers a request may not reach.

A URL from a manifest must not make archiver talk to loopback or a private
network (server-side request forgery) unless the user allows it. Three checks:
:func:`literal_host_is_private` judges a host without resolving it (used when
names are resolved at a proxy), :func:`resolve_host` gives the addresses
``HttpClient.check_address`` judges before a request, and :func:`check_peer`
judges the address actually connected to (against DNS rebinding).
"Public" is :mod:`ipaddress`'s ``is_global`` (the IANA special-purpose address
registries), minus multicast.

Every check judges the host of the URL as it is sent (:mod:`.wire`), never
as written. A URL may also be *trusted* (a local archive given with
``--archive``): :class:`TrustedPrefix` decides that by parsed scheme, host,
port and path segments, never by a string prefix.

Import direction: :mod:`archiver.net.deadline` imports this module (its
watched connections call :func:`check_peer`); this module imports nothing
from the rest of the package except the error kinds and :mod:`.wire`.
"""

from __future__ import annotations

import functools
import ipaddress
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from archiver.errors import NetError, NetErrorKind, PrivateAddressError
from archiver.net.wire import WireUrl, wire_url

#: NAT64's well-known prefix, 64:ff9b::/96 (RFC 6052 §2.1): the last 32 bits
#: are an IPv4 address that a NAT64 gateway connects to.
_NAT64_PREFIX = bytes.fromhex("0064ff9b0000000000000000")
#: NAT64's local-use prefix, 64:ff9b:1::/48 (RFC 8215): never global (the IANA
#: IPv6 special-purpose registry), which Python 3.11's ``is_global`` misses.
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
#: IPv4-translated addresses, ::ffff:0:a.b.c.d (RFC 2765 §2.1, SIIT).
_TRANSLATED_PREFIX = bytes.fromhex("0000000000000000ffff0000")


def embedded_ipv4(addr: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for, when it embeds one.

    IPv4-mapped ``::ffff:a.b.c.d`` and IPv4-compatible ``::a.b.c.d`` (RFC 4291
    §2.5.5), IPv4-translated ``::ffff:0:a.b.c.d`` (RFC 2765), NAT64
    ``64:ff9b::a.b.c.d`` (RFC 6052 §2.1) and 6to4 ``2002:AABB:CCDD::/48``
    (RFC 3056 §2): a packet to one of these reaches (or is meant to reach) the
    IPv4 address, so it is judged as that address.
    """
    if addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    if addr.sixtofour is not None:
        return addr.sixtofour
    packed = addr.packed
    if packed[:12] in (bytes(12), _NAT64_PREFIX, _TRANSLATED_PREFIX):
        return ipaddress.IPv4Address(packed[12:])
    return None


def is_public_address(ip: str) -> bool:
    """Whether ``ip`` is a global unicast address.

    An IPv6 address that embeds an IPv4 one (:func:`embedded_ipv4`) is judged
    as that IPv4 address. Raises ValueError when ``ip`` is not an IP address.
    """
    addr: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(
        ip.split("%", 1)[0])
    if isinstance(addr, ipaddress.IPv6Address):
        if addr in _NAT64_LOCAL:
            return False
        addr = embedded_ipv4(addr) or addr
    return addr.is_global and not addr.is_multicast


#: Names that mean this machine whatever DNS says (RFC 6761 reserves
#: ``localhost`` and its subdomains; the others are common /etc/hosts entries).
LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "localhost6",
                         "localhost6.localdomain6", "ip6-localhost", "ip6-loopback"})
_LEGACY_IPV4_RE = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+)){0,3}")


@functools.lru_cache(maxsize=4096)  # a pure function of the host, asked once per request
def literal_address(host: str) -> str | None:
    """The IP address ``host`` is written as, or None for a name.

    Reads IPv4 and IPv6 literals (brackets and one trailing dot allowed) and
    the legacy IPv4 spellings that resolvers, curl and browsers still accept
    and that ``ipaddress`` does not: ``127.1``, ``0x7f000001``, ``2130706433``,
    ``0177.0.0.1`` (the WHATWG URL Standard's IPv4 parser reads them too).
    """
    host = host.strip("[]").lower().rstrip(".")
    try:
        return str(ipaddress.ip_address(host.split("%", 1)[0]))
    except ValueError:
        pass
    if _LEGACY_IPV4_RE.fullmatch(host):
        try:
            return socket.inet_ntoa(socket.inet_aton(host))
        except OSError:
            return None
    return None


def literal_host_is_private(host: str) -> bool:
    """Judge a host name without resolving it (IP literals, localhost and the like).

    Used when names are resolved elsewhere (at a proxy), so it also reads the
    legacy IPv4 spellings (:func:`literal_address`). A *name* that resolves to
    a private address (say ``127.0.0.1.nip.io``) cannot be seen without
    resolving it: a proxy's own policy has to refuse those.
    """
    name = host.strip("[]").lower().rstrip(".")
    if name in LOCAL_NAMES or name.endswith(".localhost"):
        return True
    address = literal_address(host)
    return address is not None and not is_public_address(address)


# --------------------------------------------------------------------------
# Trusted URLs
# --------------------------------------------------------------------------

#: RFC 3986 §2.3 unreserved characters: an escape of one is the character itself.
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_ESCAPE_RE = re.compile(r"%([0-9A-Fa-f]{2})")


def _segment(text: str) -> str:
    """A path segment with its escapes normalised (RFC 3986 §6.2.2.2)."""
    def one(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else "%" + match.group(1).upper()
    return _ESCAPE_RE.sub(one, text)


def _segments(path: str) -> tuple[str, ...]:
    """The segments of a normalised absolute path; a trailing slash adds none."""
    segments = path.split("/")[1:]
    if segments and not segments[-1]:
        segments.pop()
    return tuple(_segment(s) for s in segments)


@dataclass(frozen=True)
class TrustedPrefix:
    """A URL prefix trusted even on loopback (a local archive, its CDX API).

    A request URL is covered when, both normalised as sent (:func:`wire_url`,
    which removes dot segments: RFC 3986 §5.2.4), it has the same scheme, host
    and port and its path starts with the prefix's path *segments*
    (``/coll/`` covers ``/coll/2014…`` and ``/coll``, not ``/collection``).
    A URL with userinfo is never covered: ``http://H:P@169.254.169.254/``
    starts with the string ``http://H:P`` but goes to 169.254.169.254.
    """

    scheme: str
    host: str
    port: int
    segments: tuple[str, ...]

    @classmethod
    def parse(cls, prefix: str) -> TrustedPrefix | None:
        """The prefix ``prefix`` names, or None when it has userinfo (nothing trusted).

        Raises :class:`~archiver.errors.NetError` (``invalid``) for a URL that
        cannot be normalised.
        """
        wire = wire_url(prefix)
        if wire.userinfo is not None:
            return None
        return cls(wire.scheme, wire.host, wire.port, _segments(wire.path))

    def covers(self, wire: WireUrl) -> bool:
        """Whether the request ``wire`` falls under this prefix."""
        if wire.userinfo is not None or wire.origin != (self.scheme, self.host, self.port):
            return False
        return _segments(wire.path)[:len(self.segments)] == self.segments


#: getaddrinfo answers meaning "no such name" (an answer), as opposed to a DNS
#: server failure or no network (EAI_AGAIN, EAI_FAIL: no answer at all).
NXDOMAIN_ERRNOS = frozenset({socket.EAI_NONAME, getattr(socket, "EAI_NODATA", -5)})


def resolve_host(host: str, port: int, url: str) -> list[str]:
    """Resolve ``host``; raise NetError kind ``dns`` (no such name) or ``dns_failure``."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as err:
        if err.errno in NXDOMAIN_ERRNOS:
            raise NetError(f"host name {host!r} does not exist", url=url,
                           kind=NetErrorKind.DNS, cause=err) from err
        raise NetError(f"DNS lookup of {host!r} failed: {err.strerror}", url=url,
                       kind=NetErrorKind.DNS_FAILURE, cause=err) from err
    except UnicodeError as err:
        raise NetError(f"host name {host!r} is not valid", url=url,
                       kind=NetErrorKind.INVALID, cause=err) from err
    return sorted({str(info[4][0]) for info in infos})


# --------------------------------------------------------------------------
# The connect-time peer check
# --------------------------------------------------------------------------

#: The URL whose connections the current thread's request must keep public
#: (``url``), or None when its peers are not judged.
_peer_guard = threading.local()


@contextmanager
def guard_peers(url: str | None) -> Iterator[None]:
    """While inside, connections made by this thread must reach a public peer.

    ``url`` is the request being made (named in the refusal); None judges no peer
    (private addresses allowed, or the peer is a trusted proxy).
    """
    _peer_guard.url = url
    try:
        yield
    finally:
        _peer_guard.url = None


def check_peer(sock: Any) -> None:
    """Refuse a connection whose peer is private, when this request must not reach one.

    ``HttpClient.check_address`` judges the addresses a name resolves to *before*
    the request; the name is resolved again when the connection is made, and a
    hostile DNS server can answer differently the second time (DNS rebinding).
    Checking the address actually connected to closes that gap. It runs on the
    bare TCP socket, before any TLS handshake or HTTP byte is sent.
    """
    guard: str | None = getattr(_peer_guard, "url", None)
    if guard is None or sock is None:
        return
    try:
        ip = str(sock.getpeername()[0])
    except (OSError, IndexError):
        return
    if not is_public_address(ip):
        with suppress(OSError):
            sock.close()
        raise PrivateAddressError(
            f"refusing to fetch {guard}: the connection went to {ip}, a loopback or "
            "private address (the host name resolved differently when connecting)",
            url=guard, kind=NetErrorKind.PRIVATE,
            hint="pass --allow-private to permit loopback and private networks")
