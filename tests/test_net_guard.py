"""The private-address guard: IPv6 addresses that embed an IPv4 one are judged as it."""

from __future__ import annotations

import pytest

from archiver.errors import PrivateAddressError
from archiver.net import (
    HttpClient,
    is_public_address,
    literal_host_is_private,
)

PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy",
              "https_proxy", "all_proxy", "no_proxy")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)


# --------------------------------------------------------------------------
# Finding 10a: IPv6 addresses that embed an IPv4 address
# --------------------------------------------------------------------------


@pytest.mark.parametrize(("ip", "public"), [
    ("64:ff9b::7f00:1", False),  # NAT64 of 127.0.0.1 (RFC 6052)
    ("64:ff9b::a9fe:a9fe", False),  # NAT64 of 169.254.169.254
    ("64:ff9b::808:808", True),  # NAT64 of 8.8.8.8
    ("64:ff9b:1::808:808", False),  # local-use NAT64 prefix (RFC 8215): never global
    ("::7f00:1", False),  # IPv4-compatible 127.0.0.1 (RFC 4291 §2.5.5.1)
    ("::a00:5", False),
    ("::ffff:127.0.0.1", False),  # IPv4-mapped (RFC 4291 §2.5.5.2)
    ("::ffff:0:7f00:1", False),  # IPv4-translated (RFC 2765)
    ("2002:7f00:1::1", False),  # 6to4 of 127.0.0.1 (RFC 3056)
    ("2002:c0a8:101::", False),  # 6to4 of 192.168.1.1
    ("2002:808:808::1", True),  # 6to4 of 8.8.8.8
    ("::1", False), ("::", False), ("fe80::1", False), ("fc00::1", False),
    ("2606:4700:4700::1111", True), ("8.8.8.8", True), ("10.1.2.3", False),
])
def test_embedded_ipv4_addresses_are_judged_as_ipv4(ip: str, public: bool) -> None:
    assert is_public_address(ip) is public
    assert literal_host_is_private(f"[{ip}]" if ":" in ip else ip) is not public


def test_a_nat64_literal_is_refused_before_connecting() -> None:
    with HttpClient(connect_timeout=1.0) as client, pytest.raises(PrivateAddressError):
        client.get("http://[64:ff9b::7f00:1]/")
