"""wire_url's first shortcut: a URL already written as it is sent is returned as it is.

The shortcut must give exactly what the full normalisation gives (the full
path is forced by making ``_PLAIN_RE`` match nothing, which turns off both
shortcuts), on URLs generated near its edges: empty labels, trailing dots,
ports with leading zeros or out of range, dot segments and dot-files.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archiver.errors import NetError
from archiver.net import wire
from archiver.net.wire import WireUrl, wire_url

_NEVER = re.compile(r"(?!)")


def _outcome(text: str) -> WireUrl | str:
    try:
        return wire_url(text)
    except NetError as err:
        return f"invalid: {err.message}"


def _full(text: str) -> WireUrl | str:
    with pytest.MonkeyPatch.context() as m:
        m.setattr(wire, "_PLAIN_RE", _NEVER)
        return _outcome(text)


label = st.text("abz09-", min_size=0, max_size=6)
host = st.one_of(
    st.lists(label, min_size=1, max_size=4).map(".".join),
    st.sampled_from(["127.0.0.2", "example.org", "a..b", "a.b.", "-a.b", "a-", "a.-b.c",
                     "0x7f.1", "1.2.3.4.5", "www.example.org"]),
)
port = st.one_of(
    st.just(""),
    st.integers(0, 99999).map(lambda p: f":{p}"),
    st.sampled_from([":080", ":0", ":00080", ":65535", ":65536", ":80", ":443"]),
)
segment = st.one_of(st.text("ab.~-_@:", max_size=5),
                    st.sampled_from([".", "..", ".well-known", "..a", "a..", "%2e"]))
path = st.lists(segment, max_size=5).map(lambda parts: "/" + "/".join(parts))
query = st.one_of(st.just(""), st.text("ab=&/.?:", min_size=0, max_size=8).map("?".__add__))
urls = st.builds(lambda s, h, p, a, q: f"{s}://{h}{p}{a}{q}",
                 st.sampled_from(["http", "https"]), host, port, path, query)


@settings(max_examples=600)
@given(text=urls)
def test_the_shortcut_gives_what_the_full_normalisation_gives(text: str) -> None:
    assert _outcome(text) == _full(text)


@pytest.mark.parametrize("text", [
    "http://127.0.0.2:8080/p/1", "http://example.org/.well-known/a", "http://a.b/x/./y",
    "http://a.b/x/..", "http://a..b/", "http://a.b:080/", "http://a.b:65536/", "http://a.b:0/",
    "http://a.b:80/", "https://a.b:443/x?y=1", "http://a.b/x?..", "http://a.b/x.y/z.",
])
def test_edge_examples_agree(text: str) -> None:
    assert _outcome(text) == _full(text)


def test_plain_urls_skip_every_normalisation_step(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_: object) -> None:
        raise AssertionError("a normalisation step was taken")

    for step in ("_split_port", "_normalise_host", "_normalise_rest", "_checked"):
        monkeypatch.setattr(wire, step, boom)
    got = wire_url("http://127.0.0.2:8080/p/1.html?x=1")
    assert got == WireUrl(url="http://127.0.0.2:8080/p/1.html?x=1", scheme="http",
                          host="127.0.0.2", port=8080, path="/p/1.html")
    assert wire_url("https://www.example.org/.well-known/x").port == 443
    for needs_work in ("http://a.b:080/", "http://a.b/x/../y", "http://a..b/"):
        with pytest.raises(AssertionError):
            wire_url(needs_work)
