"""The kinds of transport failure: the values of :attr:`archiver.errors.NetError.kind`.

A :class:`~enum.StrEnum`, so each member equals its string value: code that
compares ``err.kind == "dns"`` or keeps kinds in sets of strings (the check
stage's classes, the fetch stage's retry rule) reads these members unchanged,
and a kind written to a report or the history database is its plain value.
The split of DNS failures follows getaddrinfo (an answer "no such name" versus
no answer at all); the proxy kinds follow :mod:`archiver.net.proxy`.
"""

from __future__ import annotations

import enum


class NetErrorKind(enum.StrEnum):
    """Why a request got no usable answer."""

    #: The total deadline passed, or the connect or a read timed out (also a
    #: proxy's report that the site timed out).
    TIMEOUT = "timeout"
    #: The host name does not exist (NXDOMAIN): an answer, and evidence the site is gone.
    DNS = "dns"
    #: The DNS lookup got no answer (server failure, no network): says nothing about the site.
    DNS_FAILURE = "dns_failure"
    #: The host answered the connection attempt with a refusal (TCP RST).
    REFUSED = "refused"
    #: An open connection was reset or broken before the answer was complete.
    RESET = "reset"
    #: No route to the network or host (ENETUNREACH, EHOSTUNREACH).
    UNREACHABLE = "unreachable"
    #: Any other failure to connect or to read the answer.
    CONNECTION = "connection"
    #: The TLS handshake or the certificate check failed.
    TLS = "tls"
    #: The proxy could not get the site's answer (a refused CONNECT, its own
    #: error page, 407, a bare 502/504): the site itself was never reached.
    PROXY = "proxy"
    #: The configured proxy itself cannot be reached: a configuration problem.
    PROXY_UNREACHABLE = "proxy_unreachable"
    #: Refused by the private-address guard (loopback or private network, not allowed).
    PRIVATE = "private"
    #: The URL cannot be requested: no host, or a host name that is not valid.
    INVALID = "invalid"
