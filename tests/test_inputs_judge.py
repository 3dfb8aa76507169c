"""``judge``'s shortcut for plain http(s) URLs gives what the long way gives."""

from __future__ import annotations

import re
import time

from hypothesis import given
from hypothesis import strategies as st

from archiver.inputs import links
from archiver.inputs.links import judge


def judged_the_long_way(url: str) -> str | None:
    """:func:`judge` with its shortcut never taken."""
    saved = links._PLAIN
    links._PLAIN = _NEVER
    try:
        return judge(url)
    finally:
        links._PLAIN = saved


_NEVER = re.compile(r"(?!)")  # matches nothing

#: URLs built of the shortcut's own characters and every one that changes the verdict:
#: userinfo, brackets, underscores, non-ASCII letters, empty labels, ports out of range.
URLS = st.builds(
    lambda lead, scheme, sep, host, port, tail: lead + scheme + sep + "".join(host) + port + tail,
    st.sampled_from(["", " ", "\t"]),
    st.sampled_from(["http", "HTTPS", "hTtP", "ftp", "mailto", "file", "", "h"]),
    st.sampled_from(["://", ":/", ":", "//", ":///"]),
    st.lists(st.sampled_from(["a", "Z", "0", "-", ".", "..", "_", "@", "[::1]", "[", "\u00e9",
                              "%41", "\t", " ", ",", ":"]), max_size=8),
    st.sampled_from(["", ":", ":80", ":65535", ":65536", ":99999", ":123456", ":8a"]),
    st.sampled_from(["", "/", "/p?q#f", "?x", "#y", " ", "\n", ",next", "/a b"]))


@given(URLS)
def test_the_shortcut_judges_as_the_long_way(url: str) -> None:
    assert judge(url) == judged_the_long_way(url)


def test_the_shortcut_is_taken_and_stays_linear() -> None:
    assert links._PLAIN.match("https://example.org:8080/a?b#c") is not None
    assert judge("https://example.org:8080/a?b#c") is None
    assert judge("http://example.org:70000/") == "malformed"
    hostile = "http://" + "a." * 50_000 + "_"
    started = time.perf_counter()
    assert judge(hostile) == judged_the_long_way(hostile)
    assert time.perf_counter() - started < 1.0
