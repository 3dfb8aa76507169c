"""One key per host: ``[hosts."NAME"]`` overrides and politeness slots for every spelling.

A URL's host written with a trailing dot (``example.org.``, the fully qualified
form, RFC 1034 §3.1) or in upper case is the same host: it gets the same
``[hosts."example.org"]`` overrides and shares one politeness slot with it.
"""

from __future__ import annotations

import itertools
import socket
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archiver.check import CheckOptions
from archiver.config import load_config
from archiver.models import HostSettings
from archiver.net import HostLimiter
from archiver.urls import host_key
from tests.support.localweb import LocalSite, Reply
from tests.test_config import ARTICLE, FAST, run, write_manifest

LABEL = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)
HOST = st.lists(LABEL, min_size=1, max_size=4).map(".".join)


@given(st.text(max_size=40))
def test_the_key_is_idempotent(host: str) -> None:
    assert host_key(host_key(host)) == host_key(host)


@given(HOST, st.data())
def test_the_key_ignores_letter_case_and_a_trailing_dot(host: str, data: st.DataObject) -> None:
    flips = data.draw(st.lists(st.booleans(), min_size=len(host), max_size=len(host)))
    spelled = "".join(c.upper() if flip else c for c, flip in zip(host, flips, strict=True))
    dots = data.draw(st.sampled_from(["", ".", ".."]))
    assert host_key(spelled + dots) == host_key(host) == host
    assert host_key(f" {spelled}. ") == host


def test_the_key_keeps_what_names_another_host() -> None:
    assert host_key("www.example.org") != host_key("example.org")
    assert host_key("Straße.DE.") == host_key("xn--strae-oqa.de") == "xn--strae-oqa.de"
    assert host_key("straße.de") != host_key("strasse.de")  # IDNA 2008, not transitional


def test_config_check_options_and_limiter_share_the_key(tmp_path: Path) -> None:
    path = tmp_path / "archiver.toml"
    path.write_text('[hosts."Example.ORG"]\nconcurrency = 1\ninterval = 3\n', encoding="utf-8")
    config = load_config(path)
    for spelling in ("example.org", "EXAMPLE.org.", "example.org."):
        settings = config.host(spelling)
        assert settings is not None and settings.interval == 3.0
    options = CheckOptions(hosts=(HostSettings(host="Example.ORG", concurrency=1,
                                               interval=3.0),))
    for spelling in ("example.org", "EXAMPLE.org.", "example.org."):
        found = options.host_settings(spelling)
        assert found is not None and found.interval == 3.0, spelling
    limiter = HostLimiter(interval=0.0, overrides=options.host_limits())
    assert limiter.concurrency_for("EXAMPLE.ORG.") == 1
    assert limiter.interval_for("example.org.") == 3.0
    limiter.pause("Example.Org.", 100.0)  # one slot: the pause holds every spelling
    assert limiter.next_start("example.org") == limiter.next_start("EXAMPLE.ORG.") > 0


@pytest.fixture()
def trailing_dot_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """``localhost.`` resolves as ``localhost`` (as a DNS resolver treats any absolute
    name; the hosts file lookup here does not strip the dot)."""
    real = socket.getaddrinfo

    def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and host.lower() == "localhost.":
            host = "localhost"
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)


def test_a_host_written_with_a_trailing_dot_gets_its_hosts_interval(
        tmp_path: Path, trailing_dot_dns: None) -> None:
    with LocalSite(Reply(200, ARTICLE)) as site:
        urls = {sid: f"http://{name}:{site.port}/{sid}"
                for sid, name in (("a", "localhost."), ("b", "LocalHost."), ("c", "localhost"))}
        manifest = write_manifest(tmp_path, urls)
        (tmp_path / "archiver.toml").write_text('[hosts."localhost"]\ninterval = 0.4\n',
                                                encoding="utf-8")
        # --per-host-interval 0 on the command line: only the host's own 0.4 s spaces them
        result = run("check", manifest, "--format", "json", "--fail-on", "never", *FAST)
    assert result.exit_code == 0, result.output
    assert sorted(r.path for r in site.requests if r.method == "GET") == ["/a", "/b", "/c"]
    starts = sorted(r.at for r in site.requests)
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert gaps and min(gaps) >= 0.35, gaps  # one slot, the host's interval
