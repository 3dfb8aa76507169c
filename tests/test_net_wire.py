"""The wire URL's shortcut for plain URLs gives what the full parsers' path gives."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archiver.errors import NetError
from archiver.net import wire
from archiver.net.wire import WireUrl, wire_url

_NEVER = re.compile(r"(?!)")

label = st.text("abcxyz019-_", min_size=1, max_size=8)
host = st.one_of(
    st.lists(label, min_size=1, max_size=3).map(".".join),
    st.tuples(*[st.integers(0, 255)] * 4).map(lambda t: ".".join(map(str, t))),
    st.sampled_from(["EXAMPLE.org", "example.org.", "xn--bcher-kva.example", "bücher.example",
                     "[::1]", "127.0.0.1.", "0x7f.1", "a..b"]),
)
chars = st.text("aZ09-._~!$&'()*+,;=:@/%?#[] é\\", max_size=20)
url = st.builds(lambda s, h, p, path, q: f"{s}://{h}{p}/{path}{q}",
                st.sampled_from(["http", "https", "HTTP"]), host,
                st.sampled_from(["", ":80", ":8080", ":443", ":0", ":65536", ":x"]),
                chars, st.one_of(st.just(""), chars.map(lambda c: "?" + c)))


def _full(text: str) -> WireUrl | str:
    with pytest.MonkeyPatch.context() as m:
        m.setattr(wire, "_PLAIN_RE", _NEVER)
        try:
            return wire_url(text)
        except NetError as err:
            return f"invalid: {err.message}"


def _fast(text: str) -> WireUrl | str:
    try:
        return wire_url(text)
    except NetError as err:
        return f"invalid: {err.message}"


@settings(max_examples=400)
@given(text=url)
def test_the_plain_url_shortcut_agrees_with_the_full_parsers(text: str) -> None:
    assert _fast(text) == _full(text)


@pytest.mark.parametrize("text", [
    "http://127.0.0.2:8080/p/1", "https://example.org/a/b?c=d&e=f", "http://example.org/",
    "http://example.org/%7Euser", "http://example.org/a b", "http://example.org/é",
    "http://user:pw@example.org/", "http://example.org/a/../b", "http://example.org",
])
def test_examples_agree(text: str) -> None:
    assert _fast(text) == _full(text)


def test_the_shortcut_is_taken_for_plain_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plain URLs do not reach requests' parser at all (the point of the shortcut)."""
    def boom(*_: object) -> None:
        raise AssertionError("the full path was taken")

    monkeypatch.setattr(wire, "_checked", boom)
    assert wire_url("http://127.0.0.2:8080/p/1?x=1").url == "http://127.0.0.2:8080/p/1?x=1"
    with pytest.raises(AssertionError):
        wire_url("http://example.org/%7Euser")
