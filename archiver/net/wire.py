"""The URL on the wire: one normalisation before every request, so what is judged is sent.

A URL can spell its host in ways the HTTP library undoes before it connects
or writes the proxy request line: ``%31%32%37.0.0.1`` (urllib3 decodes
escapes in a host), ``127。0。0。1`` or full-width digits (IDNA's UTS-46
mapping turns them into ``127.0.0.1``). The private-address guard must judge
the host that is *sent*, not the one that is written. So :func:`wire_url`
normalises a URL once, the way a browser does (WHATWG URL Standard, "host
parsing" §3.5 and "path state" §4.4), and the client sends exactly the URL it
returns:

* leading and trailing C0 controls and spaces are stripped, tabs and
  newlines removed (WHATWG §4.4, as :func:`urllib.parse.urlsplit` does);
* only ``http`` and ``https`` URLs with a host are accepted;
* the host is percent-decoded (WHATWG §3.5 step 4), mapped by UTS-46
  (Unicode TR46 §4: case folding, full-width characters, the ideographic and
  full-width full stops U+3002, U+FF0E, U+FF61 become ``.``) and each
  non-ASCII label encoded in IDNA ASCII form (RFC 5891); the result must be a
  name of letters, digits, ``-`` and ``_`` labels (a single trailing dot is
  kept: it is part of the name sent), an IPv4 address, or a bracketed IPv6
  address (written in its RFC 5952 form; zone identifiers are refused, as
  WHATWG refuses them);
* the port, when written, is a decimal number from 1 to 65535;
* userinfo is kept (requests turns it into an ``Authorization`` header) with
  any ``@`` in it escaped, so that every parser finds the same host;
* in the path a backslash is a slash and dot segments are removed, ``%2e``
  spellings included (WHATWG §4.4 "single-dot" and "double-dot URL path
  segment"; RFC 3986 §5.2.4); a backslash in the query is escaped;
* the fragment is dropped: it is never sent (RFC 9110 §7.1).

The result is then prepared by requests exactly as it would be for sending,
and parsed again by urllib3's :func:`~urllib3.util.parse_url` (which requests
and urllib3 use to pick the host to connect to and the Host header) and by
:func:`urllib.parse.urlsplit` (which requests uses for the proxy request line
and the connection pool): all three must find the same host and port, or the
URL is refused as ambiguous. A URL that cannot be normalised is a
:class:`~archiver.errors.NetError` of kind ``invalid``, never a crash.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes, urlsplit

from archiver.errors import NetError, NetErrorKind

__all__ = ["WireUrl", "remove_dot_segments", "wire_url"]

#: WHATWG §4.4: leading and trailing C0 controls and spaces are stripped.
_C0_AND_SPACE = "".join(chr(c) for c in range(0x21))
#: WHATWG §4.4: ASCII tab and newlines are removed wherever they are.
_TAB_NEWLINE_RE = re.compile(r"[\t\n\r]")
#: ``scheme://authority rest``: the authority ends at the first ``/``, ``\``,
#: ``?`` or ``#`` (WHATWG §4.4 "authority state" for special schemes; urllib3's
#: ``_URI_RE`` splits there too).
_URL_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):(//)?([^/\\?#]*)(.*)", re.DOTALL)
#: A host name after mapping: labels of ASCII letters, digits, "-" and "_".
_NAME_RE = re.compile(r"[a-z0-9_\-]+(?:\.[a-z0-9_\-]+)*\.?")
_ESCAPE_RE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_SINGLE_DOT = frozenset({".", "%2e"})
_DOUBLE_DOT = frozenset({"..", ".%2e", "%2e.", "%2e%2e"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
#: A URL every parser reads alike and requests sends unchanged: an ASCII host
#: name or IPv4 address, a path of characters RFC 3986 §2 leaves unescaped
#: (unreserved and sub-delims, ":", "@", "/") and no "%" escape. For these the
#: parsers' agreement check below cannot fail and requoting changes nothing, so
#: it is skipped (it was a tenth of a link check's CPU); tests/test_net_wire.py
#: checks the shortcut against the full path on generated URLs.
#: The groups are the scheme, host, port and path, for :func:`wire_url`'s first shortcut.
_PLAIN_RE = re.compile(r"(https?)://([a-z0-9](?:[a-z0-9.\-]*[a-z0-9])?)(?::([0-9]{1,5}))?"
                       r"(/[A-Za-z0-9\-._~!$&'()*+,;=:@/]*)(?:\?[A-Za-z0-9\-._~!$&'()*+,;=:@/?]+)?")


@dataclass(frozen=True)
class WireUrl:
    """A URL as it is sent: what the guard judges and what the client requests."""

    url: str  # the URL given to requests, exactly
    scheme: str  # "http" or "https"
    host: str  # lower-case ASCII; an IPv6 address without brackets
    port: int  # the port connected to (the scheme's default when none is written)
    path: str  # dot segments removed, as sent ("/" at least)
    userinfo: str | None = None  # "user:password" as written, when there is one

    @property
    def origin(self) -> tuple[str, str, int]:
        """(scheme, host, port): what decides where a request goes."""
        return self.scheme, self.host, self.port


def _invalid(url: str, why: str) -> NetError:
    return NetError(f"URL {url!r} is not valid: {why}", url=url, kind=NetErrorKind.INVALID)


def wire_url(url: str) -> WireUrl:
    """``url`` normalised as it will be sent (the rule is in the module docstring).

    Raises :class:`~archiver.errors.NetError` of kind ``invalid`` when it
    cannot be: not http(s), no host, a host that maps to no valid name or
    address, a bad port, or parsers that disagree about the host.
    """
    plain = _PLAIN_RE.fullmatch(url)
    if plain is not None:
        # Written as it is sent already: the steps below would give ``url`` itself when
        # its host has no empty label, its port no leading zero and its path no dot
        # segment (a link check's URLs, nearly all; tests/test_net_wire_fast.py checks
        # this against the full path on generated URLs).
        scheme, host, port_text, path = plain.group(1, 2, 3, 4)
        if (".." not in host
                and (port_text is None or (port_text[0] != "0" and int(port_text) < 65536))
                and ("/." not in path or remove_dot_segments(path) == path)):
            return WireUrl(url=url, scheme=scheme, host=host,
                           port=int(port_text) if port_text else _DEFAULT_PORTS[scheme],
                           path=path)
    text = _TAB_NEWLINE_RE.sub("", url.strip(_C0_AND_SPACE))
    match = _URL_RE.fullmatch(text)
    if match is None:
        raise _invalid(url, "it is not an absolute http(s) URL")
    scheme, slashes, authority, rest = match.groups()
    scheme = scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise _invalid(url, "it is not an http(s) URL")
    if not slashes or not authority:
        raise _invalid(url, "it has no host")
    userinfo, at, hostport = authority.rpartition("@")
    if any(ch in _C0_AND_SPACE or ch == "\x7f" for ch in authority):
        raise _invalid(url, "its host or user name holds a space or control character")
    host, port_text = _split_port(url, hostport)
    wire_host = _normalise_host(url, host)
    port = _DEFAULT_PORTS[scheme]
    if port_text:
        if not (port_text.isascii() and port_text.isdigit()) or not 0 < int(port_text) < 65536:
            raise _invalid(url, f"port {port_text!r} is not a number from 1 to 65535")
        port = int(port_text)
    path, query = _normalise_rest(rest)
    netloc = f"[{wire_host}]" if ":" in wire_host else wire_host
    if port_text:
        netloc += f":{port}"
    user = userinfo.replace("@", "%40") if at else None
    if user is not None:
        netloc = f"{user}@{netloc}"
    built = f"{scheme}://{netloc}{path}{query}"
    if user is None and _PLAIN_RE.fullmatch(built):
        return WireUrl(url=built, scheme=scheme, host=wire_host, port=port, path=path)
    return _checked(url, built, scheme, wire_host, port, user)


def _checked(url: str, built: str, scheme: str, wire_host: str, port: int,
             user: str | None) -> WireUrl:
    """The URL requests sends for ``built``, refused unless every parser reads it alike."""
    import requests  # only here: plain URLs, and the asynchronous client, never need it
    from urllib3.exceptions import LocationParseError
    from urllib3.util import parse_url

    try:
        prepared = requests.PreparedRequest()
        prepared.prepare_url(built, None)
        sent = prepared.url or ""
        by_urllib3 = parse_url(sent)
        by_stdlib = urlsplit(sent)
        stdlib_port = by_stdlib.port
    except (requests.RequestException, LocationParseError, ValueError, UnicodeError) as err:
        raise _invalid(url, str(err)) from err
    hosts = {(by_urllib3.host or "").strip("[]").lower(), (by_stdlib.hostname or "").lower()}
    ports = {by_urllib3.port or port, stdlib_port or port}
    if hosts != {wire_host} or ports != {port}:
        raise _invalid(url, "its host reads differently to different URL parsers")
    return WireUrl(url=sent, scheme=scheme, host=wire_host, port=port,
                   path=by_stdlib.path or "/", userinfo=user)


def _split_port(url: str, hostport: str) -> tuple[str, str]:
    """(host, port text) of ``host[:port]`` (an IPv6 host in brackets)."""
    if hostport.startswith("["):
        inner, bracket, after = hostport[1:].partition("]")
        if not bracket or (after and not after.startswith(":")):
            raise _invalid(url, f"{hostport!r} is not a valid IPv6 host")
        return f"[{inner}]", after[1:]
    host, colon, port_text = hostport.rpartition(":")
    if not colon:
        return hostport, ""
    if ":" in host:
        raise _invalid(url, "an IPv6 address must be written in brackets")
    return host, port_text


def _normalise_host(url: str, host: str) -> str:
    """The host as sent: lower-case ASCII, an IPv6 address without brackets."""
    if _NAME_RE.fullmatch(host):  # already as sent: what the steps below would return
        return host
    if host.startswith("["):
        inner = host[1:-1]
        if "%" in inner:
            raise _invalid(url, "IPv6 zone identifiers are not supported")
        try:
            return ipaddress.IPv6Address(inner).compressed
        except ValueError as err:
            raise _invalid(url, f"{host} is not an IPv6 address") from err
    if _ESCAPE_RE.search(host):
        raise _invalid(url, "a % in its host is not followed by two hex digits")
    try:
        decoded = unquote_to_bytes(host).decode("utf-8")
    except UnicodeDecodeError as err:
        raise _invalid(url, "its host decodes to bytes that are not UTF-8") from err
    if not decoded:
        raise _invalid(url, "it has no host")
    if decoded.isascii():
        name = decoded.lower()
    else:
        import idna  # here: only a non-ASCII name needs it (about 2 ms to import)

        try:
            mapped = idna.uts46_remap(decoded, std3_rules=False, transitional=False)
            name = ".".join(label if label.isascii() else idna.alabel(label).decode("ascii")
                            for label in mapped.split("."))
        except (idna.IDNAError, UnicodeError, ValueError) as err:
            raise _invalid(url, f"its host {decoded!r} is not a valid international "
                                f"name ({err})") from err
        name = name.lower()
    if not _NAME_RE.fullmatch(name):
        raise _invalid(url, f"its host {decoded!r} is not a valid host name")
    return name


def _normalise_rest(rest: str) -> tuple[str, str]:
    """(path, ``?query``) of what follows the authority; the fragment dropped."""
    rest = rest.partition("#")[0]
    path, question, query = rest.partition("?")
    path = remove_dot_segments(path.replace("\\", "/"))
    return path, (question + query.replace("\\", "%5C")) if question else ""


def remove_dot_segments(path: str) -> str:
    """``path`` without ``.`` and ``..`` segments, ``%2e`` spellings included.

    WHATWG URL Standard §4.4 "path state" (single-dot and double-dot URL path
    segments), which gives RFC 3986 §5.2.4's result for literal dots. ``path``
    is empty or starts with ``/``.
    """
    if "." not in path and "%2" not in path.lower():
        return path
    segments = path.split("/")[1:]
    out: list[str] = []
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        lowered = segment.lower()
        if lowered in _DOUBLE_DOT:
            if out:
                out.pop()
            if last:
                out.append("")
        elif lowered in _SINGLE_DOT:
            if last:
                out.append("")
        else:
            out.append(segment)
    return "/" + "/".join(out)
