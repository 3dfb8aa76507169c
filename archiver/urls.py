"""URL identity: when two spellings name the same web page. The one rule.

Every stage that asks "is this the same URL?" asks here: the manifest (duplicate
sources), check (is a redirect material?), the WARC store (ledger and capture
keys), the WARC reader (which records belong to a source) and archive playback
(did the archive jump to another URL?).

:func:`url_key` — identity. Two URLs with the same key are one page:

* the **scheme** is ignored (``http`` and ``https`` are one page, as web
  archives treat them: the Wayback Machine's SURT canonicalisation drops it);
* the **host** is compared case-insensitively (RFC 3986 §3.2.2), internationalised
  names in their ASCII form (IDNA 2008, RFC 5891, with UTS #46 mapping), without a trailing dot and
  without a leading ``www.`` (SURT drops it too);
* **default ports** (80, 443) are dropped (RFC 3986 §6.2.3), other ports kept;
* **userinfo** and the **fragment** are dropped: neither is sent to the server
  (RFC 3986 §3.5, RFC 9110 §4.2.4);
* the **path** keeps its letter case (RFC 3986 §6.2.2.1: only scheme and host
  are case-insensitive); percent-encoding is normalised (RFC 3986 §6.2.2.2:
  unreserved characters decoded, other escapes in upper case, non-ASCII and
  unsafe characters encoded), dot segments removed (RFC 3986 §5.2.4), an empty
  path is ``/`` and a trailing slash is dropped (most servers answer both);
* the **query** is kept as written, in order: servers may treat parameter order
  and spelling as meaningful.

:func:`same_page` — also treats as one page what only differs in tracking
parameters (``utm_*``, ``fbclid``, ``gclid``, ``xtor``, ``at_*``) or in the
order of query parameters. It judges whether a redirect is *material* (an
``http`` → ``https`` or ``www`` move is not); it is not an identity for storage.

The key has the form ``host[:port]/path[?query]``; it is not a URL to request.
"""

from __future__ import annotations

import contextlib
import functools
import re
from urllib.parse import parse_qsl, urlencode, urlsplit

__all__ = ["host_key", "host_of", "is_http_url", "same_page", "url_key"]

#: Query parameters that only track where a click came from (Google Analytics'
#: ``utm_*``, Facebook's ``fbclid``, Google Ads' ``gclid``, AT Internet's ``xtor``
#: and ``at_*``, common on French news sites).
TRACKING_PARAM_RE = re.compile(r"^(?:utm_\w+|fbclid|gclid|xtor|at_\w+)$", re.IGNORECASE)

#: RFC 3986 §2.3 unreserved characters: an escape of one of these is decoded.
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
#: Characters a path may hold unescaped (RFC 3986 §3.3 pchar and "/").
_PATH_SAFE = _UNRESERVED | frozenset("!$&'()*+,;=:@/")
_ESCAPE_RE = re.compile(r"%([0-9A-Fa-f]{2})")


#: A URL whose host ``urlsplit`` would read as written: a scheme, ``//``, a host of
#: letters, digits, dots and hyphens, an optional port, then the path, query,
#: fragment or the end (tests/test_urls.py checks it against ``urlsplit``).
_PLAIN_HOST_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://([A-Za-z0-9.-]+)(?::[0-9]*)?(?:[/?#]|\Z)")


@functools.lru_cache(maxsize=1 << 16)  # asked for each request of a check; pure
def host_of(url: str) -> str:
    """The lower-cased host name of ``url`` (``""`` if it has none or cannot be parsed)."""
    plain = _PLAIN_HOST_RE.match(url)
    if plain is not None:  # most URLs: 1.7 µs instead of urlsplit's 9.5 µs for a new URL
        return plain.group(1).lower()
    try:
        return (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return ""


@functools.lru_cache(maxsize=1 << 12)  # asked for each request (politeness slots); pure
def host_key(host: str) -> str:
    """The one key of a host name for per-host settings and politeness.

    ``[hosts."NAME"]`` overrides (:mod:`archiver.config`, :mod:`archiver.check.options`)
    and the per-host politeness slots (:class:`archiver.net.hosts.HostLimiter`) are
    looked up by it, so every spelling of one host shares them: compared
    case-insensitively (RFC 3986 §3.2.2), without a trailing dot (the root label
    of a fully qualified name, RFC 1034 §3.1: ``example.org.`` is
    ``example.org``), an internationalised name in its ASCII form (IDNA 2008 with
    UTS #46 mapping, as browsers and the HTTP layer, archiver/net/wire.py, send
    it: "straße" stays distinct from "strasse"). Unlike :func:`url_key`, a leading
    ``www.`` is kept: ``www.example.org`` may be another server.
    """
    name = host.strip().lower().rstrip(".")
    if not name.isascii():
        import idna  # here: only a non-ASCII name needs it (about 2 ms to import)

        # Not a valid IDN: the Unicode form as written, lower-cased.
        with contextlib.suppress(idna.IDNAError, UnicodeError, ValueError):
            mapped = idna.uts46_remap(name, std3_rules=False, transitional=False)
            name = ".".join(label if label.isascii() else idna.alabel(label).decode("ascii")
                            for label in mapped.split("."))
    return name.rstrip(".")


def is_http_url(url: str) -> bool:
    """Whether ``url`` is an absolute ``http`` or ``https`` URL with a host."""
    if _PLAIN_HOST_RE.match(url) is not None:  # a host urlsplit reads as written (non-empty)
        return url[:url.index(":")].lower() in ("http", "https")
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def url_key(url: str) -> str:
    """The identity key of ``url``: equal keys, same page (rule in the module docstring).

    A string that cannot be parsed as a URL is its own key (stripped).
    """
    key = _plain_key(url)
    return key if key is not None else _key(url, lenient=False)


#: An http(s) URL :func:`_plain_key` keys without urlsplit: lower-case scheme and
#: host (ASCII letters, digits and '-' in dot-separated labels), a port of digits,
#: then the path, query and fragment as urlsplit divides them (RFC 3986 §3), in
#: printable ASCII without '>' (which _key strips from the ends) or space.
_PLAIN_URL_RE = re.compile(
    r"https?://([a-z0-9-]+(?:\.[a-z0-9-]+)+)(?::([0-9]{1,5}))?"  # host, port
    r'(/[!"$-=@-~]*)?(?:\?([!"$-=?-~]*))?(?:#[!-=?-~]*)?',  # path, query, fragment
    re.ASCII)
#: The largest TCP port (RFC 793 §3.1: 16 bits); urlsplit refuses larger ones.
_MAX_PORT = 65535


def _plain_key(url: str) -> str | None:
    """:func:`url_key` of a URL :data:`_PLAIN_URL_RE` matches, or None for any other.

    The same key as ``_key(url, lenient=False)`` (tests/test_manifest_fastload.py
    proves it), without urlsplit and its properties: keying 2,000 sources took a
    fifth of loading their manifest.
    """
    m = _PLAIN_URL_RE.fullmatch(url)
    if m is None:
        return None
    hostname, port_text, path, query = m.groups()
    host = _host(hostname)
    if port_text is not None:
        port = int(port_text)
        if port > _MAX_PORT:
            return None
        if port not in (80, 443):
            host = f"{host}:{port}"
    return f"{host}{_path(path or '')}" + (f"?{query}" if query else "")


def same_page(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` are one page, tracking parameters and query order aside."""
    return _key(a, lenient=True) == _key(b, lenient=True)


def _key(url: str, *, lenient: bool) -> str:
    text = url.strip().strip("<>").strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return text
    host = _host(parts.hostname or "")
    if ":" in host:  # an IPv6 literal keeps its brackets (RFC 3986 §3.2.2)
        host = f"[{host}]"
    if port is not None and port not in (80, 443):
        host = f"{host}:{port}"
    path = _path(parts.path)
    query = parts.query
    if lenient and query:
        query = urlencode(sorted((k, v) for k, v in parse_qsl(query, keep_blank_values=True)
                                 if not TRACKING_PARAM_RE.match(k)))
    return f"{host}{path}" + (f"?{query}" if query else "")


def _host(host: str) -> str:
    return host_key(host).removeprefix("www.")


def _path(path: str) -> str:
    path = _normalise_escapes(path)
    path = _remove_dot_segments(path) or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    return path


#: A path of characters _normalise_escapes keeps as they are (no '%'): returned unchanged.
_PLAIN_PATH_RE = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@/]*")


def _normalise_escapes(path: str) -> str:
    if _PLAIN_PATH_RE.fullmatch(path):  # every character in _PATH_SAFE: nothing to change
        return path
    out: list[str] = []
    i = 0
    while i < len(path):
        ch = path[i]
        match = _ESCAPE_RE.match(path, i) if ch == "%" else None
        if match:
            decoded = chr(int(match.group(1), 16))
            out.append(decoded if decoded in _UNRESERVED else "%" + match.group(1).upper())
            i += 3
            continue
        if ch in _PATH_SAFE:
            out.append(ch)
        else:
            out.extend(f"%{byte:02X}" for byte in ch.encode("utf-8", "surrogatepass"))
        i += 1
    return "".join(out)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4, for an absolute path."""
    if "." not in path or (path.startswith("/") and "/." not in path):
        return path  # no segment is "." or "..": the loop below would give it back
    segments = path.split("/")
    out: list[str] = []
    for seg in segments[1:] if path.startswith("/") else segments:
        if seg == ".":
            continue
        if seg == "..":
            if out:
                out.pop()
            continue
        out.append(seg)
    trailing = segments[-1] in (".", "..")
    return "/" + "/".join(out) + ("/" if trailing and out else "")
