"""Proxies: which requests go through one, and which of its answers are its own failures.

archiver honours HTTP_PROXY / HTTPS_PROXY / ALL_PROXY / NO_PROXY (either
case) as curl and requests do, or an explicit proxy (``--proxy URL``), which
replaces the proxy variables; NO_PROXY applies to both, as in curl. The proxy
is the user's own choice: it is trusted even on loopback, and the
private-address guard then judges only a URL's literal host, since names are
resolved at the proxy.

When a proxy cannot reach a site it answers for it, with a status of its
own, and that answer must not be read as the site's. Which answers are the
proxy's own (:func:`proxy_failure`):

- a failed CONNECT (https through the proxy): the tunnel never reached the
  site, whatever the status (requests raises ProxyError: kind ``proxy``);
- an answer whose *last* ``Proxy-Status`` member (RFC 9209 §2: the proxy
  nearest us, ours) has an ``error`` parameter: mapped to our error kinds
  (``dns_error`` with ``rcode="NXDOMAIN"`` is ``dns``, a name that does not
  exist; ``connection_refused`` is ``refused`` ...). A member with
  ``received-status`` and no error says the next hop answered: the status is
  the site's, even a 502;
- an answer carrying Squid's ``X-Squid-Error`` (only Squid's own error pages
  have it): ERR_DNS_FAIL is ``dns_failure`` (Squid says the same for "no such
  name" and "no answer"), ERR_CONNECT_FAIL ``connection`` ...;
- 407 Proxy Authentication Required: the proxy wants credentials;
- failing all of that, a bare 502 or 504 (the gateway statuses of RFC 9110
  §15.6.3 and §15.6.5: "no valid / timely answer from upstream"): taken as the
  proxy's own.

Limits, honestly: the last rule misreads a site's own 502/504 (its CDN or
reverse proxy failing) relayed by a proxy that sends no Proxy-Status. Both
readings are transient, so no link is judged dead either way; only the
offline judgement counts that host as unreachable, and it needs most hosts
to fail. Without Proxy-Status a proxy's "no such host" cannot be told from
"DNS down", so a dead domain behind such a proxy is transient, not gone.
Inside a CONNECT tunnel every answer is end-to-end: a TLS-inspecting proxy's
own errors there look like the site's.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from archiver.errors import ConfigError, NetErrorKind

#: Proxy URL schemes: HTTP forward proxies (https targets through CONNECT), or a
#: proxy reached over TLS. SOCKS would need PySocks.
PROXY_SCHEMES = ("http", "https")
#: The answers a bare proxy gives when it cannot get one from upstream.
GATEWAY_STATUSES = frozenset({502, 504})
#: RFC 9209 §2.3 error types, as our :class:`NetError` kinds. Unlisted: ``proxy``.
PROXY_STATUS_ERRORS: dict[str, NetErrorKind] = {
    "dns_timeout": NetErrorKind.DNS_FAILURE,
    "dns_error": NetErrorKind.DNS_FAILURE,  # "dns" when rcode="NXDOMAIN"
    "destination_unavailable": NetErrorKind.UNREACHABLE,
    "destination_ip_unroutable": NetErrorKind.UNREACHABLE,
    "connection_refused": NetErrorKind.REFUSED,
    "connection_terminated": NetErrorKind.RESET,
    "connection_timeout": NetErrorKind.TIMEOUT,
    "connection_read_timeout": NetErrorKind.TIMEOUT,
    "connection_write_timeout": NetErrorKind.TIMEOUT,
    "http_response_timeout": NetErrorKind.TIMEOUT,
    "http_response_incomplete": NetErrorKind.RESET,
    "tls_protocol_error": NetErrorKind.TLS,
    "tls_certificate_error": NetErrorKind.TLS,
    "tls_alert_received": NetErrorKind.TLS,
}
#: Squid's error page names (its ``errors/templates``, sent as
#: ``X-Squid-Error: ERR_DNS_FAIL 0``), as kinds. Unlisted: ``proxy``.
SQUID_ERRORS: dict[str, NetErrorKind] = {
    "ERR_DNS_FAIL": NetErrorKind.DNS_FAILURE,
    "ERR_CONNECT_FAIL": NetErrorKind.CONNECTION,
    "ERR_READ_TIMEOUT": NetErrorKind.TIMEOUT,
    "ERR_LIFETIME_EXP": NetErrorKind.TIMEOUT,
    "ERR_READ_ERROR": NetErrorKind.RESET,
    "ERR_ZERO_SIZE_OBJECT": NetErrorKind.RESET,
}
#: The hint given with a proxy's 407 (Proxy Authentication Required).
PROXY_AUTH_HINT = ("the proxy wants credentials: give them in the proxy URL, "
                   "http://USER:PASSWORD@HOST:PORT")


def parse_proxy_url(value: str) -> str:
    """A proxy URL as the user gave it, checked; ``host:port`` means ``http://host:port``.

    Raises :class:`~archiver.errors.ConfigError` for anything else.
    """
    text = value.strip()
    if "://" not in text:
        text = "http://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as err:
        raise ConfigError(f"proxy URL {value!r} is not valid: {err}",
                          hint="give it as http://HOST:PORT") from err
    if parts.scheme.lower() not in PROXY_SCHEMES or not parts.hostname:
        raise ConfigError(f"proxy URL {value!r} is not an http:// or https:// URL with a host",
                          hint="give it as http://HOST:PORT (SOCKS proxies are not supported)")
    if parts.path not in ("", "/") or parts.query or parts.fragment or port == 0:
        raise ConfigError(f"proxy URL {value!r} should be just a scheme, host and port",
                          hint="give it as http://HOST:PORT")
    return text


def no_proxy_entries(value: str | None) -> tuple[str, ...]:
    """The entries of a NO_PROXY list (commas or spaces between them), lower-cased."""
    return tuple(e.strip().lower() for e in (value or "").replace(" ", ",").split(",")
                 if e.strip())


def bypasses_proxy(url: str, no_proxy: tuple[str, ...]) -> bool:
    """Whether ``url`` goes direct under a NO_PROXY list (curl's and requests' reading).

    ``*`` matches everything; a name matches itself and its subdomains (a
    leading dot is optional); an IP address or CIDR block matches IP-literal
    hosts; ``host:port`` matches only that port.
    """
    if not no_proxy:
        return False
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        port = None
    try:
        ip: ipaddress.IPv4Address | ipaddress.IPv6Address | None = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    for entry in no_proxy:
        if entry == "*":
            return True
        name, want_port = entry, None
        if entry.count(":") == 1 or (entry.startswith("[") and "]:" in entry):
            name, _, port_text = entry.rpartition(":")
            if port_text.isdigit():
                want_port = int(port_text)
            else:
                name = entry
        if want_port is not None and want_port != port:
            continue
        name = name.strip("[]").rstrip(".")
        if ip is not None:
            try:
                if ip in ipaddress.ip_network(name, strict=False):
                    return True
            except ValueError:
                pass
            continue
        name = name.lstrip(".")
        if name and (host == name or host.endswith("." + name)):
            return True
    return False


def _proxy_status_members(value: str) -> list[tuple[str, dict[str, str]]]:
    """The members of a ``Proxy-Status`` header (an RFC 8941 list), leniently parsed."""
    members: list[tuple[str, dict[str, str]]] = []
    for member in _split_outside_quotes(value, ","):
        pieces = _split_outside_quotes(member, ";")
        if not pieces or not pieces[0].strip():
            continue
        params: dict[str, str] = {}
        for piece in pieces[1:]:
            key, _, val = piece.strip().partition("=")
            val = val.strip()
            if len(val) >= 2 and val[0] == val[-1] == '"':
                val = val[1:-1].replace('\\"', '"').replace("\\\\", "\\")
            params[key.strip().lower()] = val
        members.append((pieces[0].strip().strip('"'), params))
    return members


def _split_outside_quotes(text: str, sep: str) -> list[str]:
    out: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for ch in text:
        if escaped:
            escaped = False
        elif ch == "\\" and quoted:
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == sep and not quoted:
            out.append("".join(current))
            current = []
            continue
        current.append(ch)
    out.append("".join(current))
    return out


@dataclass(frozen=True)
class ProxyFailure:
    """A proxy's own answer for a site it could not reach (the rule is in the module docstring)."""

    kind: NetErrorKind  # dns, dns_failure, refused, timeout, proxy ...
    reason: str  # what the proxy said, for people


def proxy_failure(status: int, headers: Mapping[str, str]) -> ProxyFailure | None:
    """Whether an answer received through a proxy is the proxy's own failure.

    ``headers`` must be case-insensitive (requests' are). The rule and its
    limits are described in the module docstring.
    """
    if status == 407:
        return ProxyFailure(NetErrorKind.PROXY, "HTTP 407: the proxy requires authentication")
    proxy_status = headers.get("Proxy-Status")
    if proxy_status:
        members = _proxy_status_members(proxy_status)
        if members:
            name, params = members[-1]
            error = params.get("error")
            if error:
                kind = PROXY_STATUS_ERRORS.get(error.lower(), NetErrorKind.PROXY)
                if error.lower() == "dns_error" and params.get("rcode", "").upper() == "NXDOMAIN":
                    kind = NetErrorKind.DNS
                details = ", ".join(f"{k}={v}" for k, v in params.items())
                return ProxyFailure(kind, f"HTTP {status} from proxy {name} ({details})")
            if "received-status" in params:
                return None  # the next hop answered: the status is the site's
    squid = headers.get("X-Squid-Error")
    if squid:
        code = squid.split()[0].upper() if squid.split() else ""
        return ProxyFailure(SQUID_ERRORS.get(code, NetErrorKind.PROXY),
                            f"HTTP {status} from the proxy (X-Squid-Error: {squid.strip()})")
    if status in GATEWAY_STATUSES:
        return ProxyFailure(NetErrorKind.PROXY, f"HTTP {status} from the proxy: it got no "
                            "(timely) answer from the site")
    return None
