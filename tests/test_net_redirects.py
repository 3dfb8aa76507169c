"""The redirect walker (archiver.net.redirects), driven by a fake fetch: no sockets."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from archiver.errors import NetError, NetErrorKind, PrivateAddressError
from archiver.models import Hop
from archiver.net import RedirectStop, Veto, resolve_location, walk_redirects


@dataclass(frozen=True)
class Answer:
    status: int
    location: str | None = None

    @property
    def is_redirect(self) -> bool:
        return self.status in (301, 302, 303, 307, 308) and bool(self.location)


@dataclass
class Site:
    """URL -> answer (or an error to raise); every request is recorded."""

    answers: dict[str, Answer | NetError]
    requested: list[str] = field(default_factory=list)

    def fetch(self, url: str) -> Answer:
        self.requested.append(url)
        answer = self.answers.get(url, Answer(404))
        if isinstance(answer, NetError):
            raise answer
        return answer


def moved(location: str) -> Answer:
    return Answer(302, location)


def test_a_chain_is_followed_hop_by_hop_with_relative_locations_resolved() -> None:
    site = Site({
        "http://a.fr/x/old": moved("new"),  # relative to /x/
        "http://a.fr/x/new": moved("/y/newer?p=1"),  # absolute path
        "http://a.fr/y/newer?p=1": moved("//b.fr/z"),  # network-path reference
        "http://b.fr/z": Answer(200),
    })
    walk = walk_redirects("http://a.fr/x/old", site.fetch)
    assert walk.stop is None and walk.answer == Answer(200) and walk.url == "http://b.fr/z"
    assert walk.hops == (Hop("http://a.fr/x/old", 302, "http://a.fr/x/new"),
                         Hop("http://a.fr/x/new", 302, "http://a.fr/y/newer?p=1"),
                         Hop("http://a.fr/y/newer?p=1", 302, "http://b.fr/z"))
    assert site.requested == ["http://a.fr/x/old", "http://a.fr/x/new",
                              "http://a.fr/y/newer?p=1", "http://b.fr/z"]


def test_resolve_location() -> None:
    assert resolve_location("http://a.fr/x/y", " ../z ") == "http://a.fr/z"
    assert resolve_location("http://a.fr/x", "https://b.fr/") == "https://b.fr/"
    assert resolve_location("http://a.fr/x", "http://[::1") == "http://[::1"  # unparseable


def test_a_url_may_come_back_once_the_third_visit_is_a_loop() -> None:
    site = Site({"http://a.fr/a": moved("/b"), "http://a.fr/b": moved("/a")})
    walk = walk_redirects("http://a.fr/a", site.fetch)
    assert walk.stop is RedirectStop.LOOP and walk.target == "http://a.fr/a"
    assert site.requested == ["http://a.fr/a", "http://a.fr/b"] * 2
    assert len(walk.hops) == 4 and walk.answer == moved("/a")


def test_a_caller_may_count_any_return_as_a_loop() -> None:
    site = Site({"http://a.fr/a": moved("/b"), "http://a.fr/b": moved("/a")})
    walk = walk_redirects("http://a.fr/a", site.fetch, max_visits=1)
    assert walk.stop is RedirectStop.LOOP and walk.target == "http://a.fr/a"
    assert site.requested == ["http://a.fr/a", "http://a.fr/b"]


def test_without_a_loop_check_the_limit_ends_a_loop() -> None:
    site = Site({"http://a.fr/loop": moved("/loop")})
    walk = walk_redirects("http://a.fr/loop", site.fetch, max_visits=None, max_redirects=10)
    assert walk.stop is RedirectStop.TOO_MANY and len(site.requested) == 11


def test_more_redirects_than_the_limit_stop_the_walk() -> None:
    site = Site({f"http://a.fr/r{i}": moved(f"/r{i + 1}") for i in range(6)})
    walk = walk_redirects("http://a.fr/r0", site.fetch, max_redirects=3)
    assert walk.stop is RedirectStop.TOO_MANY and walk.target == "http://a.fr/r4"
    assert len(walk.hops) == 4 and len(site.requested) == 4
    assert walk.url == "http://a.fr/r3"


def test_the_default_limit_is_net_max_redirects() -> None:
    site = Site({f"http://a.fr/r{i}": moved(f"/r{i + 1}") for i in range(20)})
    assert walk_redirects("http://a.fr/r0", site.fetch).stop is RedirectStop.TOO_MANY
    assert len(site.requested) == 11


@pytest.mark.parametrize(("location", "stop"), [
    ("ftp://files.example/a", RedirectStop.NOT_HTTP),
    ("mailto:desk@example.org", RedirectStop.NOT_HTTP),
    ("http://[::1", RedirectStop.NOT_HTTP),  # cannot be parsed
    ("https:///no-host", RedirectStop.NO_HOST),
])
def test_only_http_urls_with_a_host_are_followed(location: str, stop: RedirectStop) -> None:
    site = Site({"http://a.fr/a": moved(location)})
    walk = walk_redirects("http://a.fr/a", site.fetch)
    assert walk.stop is stop and walk.target == location
    assert walk.hops == (Hop("http://a.fr/a", 302, location),)
    assert walk.answer == moved(location) and site.requested == ["http://a.fr/a"]


def test_the_caller_may_send_the_next_request_elsewhere_or_veto_a_hop() -> None:
    site = Site({
        "http://a.fr/a": moved("/b"),
        "http://archive.example/b": moved("http://c.fr/"),
    })
    seen: list[tuple[str, int, str]] = []

    def follow(url: str, answer: Answer, target: str) -> str | Veto[str]:
        seen.append((url, answer.status, target))
        if target.startswith("http://a.fr/"):
            return "http://archive.example/" + target.removeprefix("http://a.fr/")
        return Veto(f"will not leave for {target}")

    walk = walk_redirects("http://a.fr/a", site.fetch, follow=follow)
    assert seen == [("http://a.fr/a", 302, "http://a.fr/b"),
                    ("http://archive.example/b", 302, "http://c.fr/")]
    assert walk.stop is RedirectStop.REJECTED and walk.veto == "will not leave for http://c.fr/"
    assert walk.url == "http://archive.example/b" and walk.target == "http://c.fr/"
    assert len(walk.hops) == 2 and site.requested == ["http://a.fr/a", "http://archive.example/b"]


def test_the_generic_rules_apply_to_where_the_caller_sends_the_walk() -> None:
    def follow(url: str, answer: Answer, target: str) -> str | Veto[str]:
        return "file:///etc/passwd"

    site = Site({"http://a.fr/a": moved("/b")})
    walk = walk_redirects("http://a.fr/a", site.fetch, follow=follow)
    assert walk.stop is RedirectStop.NOT_HTTP and walk.target == "file:///etc/passwd"


@pytest.mark.parametrize("error", [
    NetError("connection refused (http://b.fr/)", url="http://b.fr/", kind=NetErrorKind.REFUSED),
    PrivateAddressError("refusing to fetch http://b.fr/: b.fr resolves to 10.0.0.1",
                        url="http://b.fr/", kind=NetErrorKind.PRIVATE),
])
def test_a_network_error_mid_walk_is_a_stop_that_keeps_the_error(error: NetError) -> None:
    site = Site({"http://a.fr/a": moved("http://b.fr/"), "http://b.fr/": error})
    walk = walk_redirects("http://a.fr/a", site.fetch)
    assert walk.stop is RedirectStop.NETWORK and walk.error is error
    assert walk.url == "http://b.fr/" and walk.answer is None and walk.target is None
    assert walk.hops == (Hop("http://a.fr/a", 302, "http://b.fr/"),)


def test_a_first_request_that_fails_is_a_stop_too() -> None:
    error = NetError("no such host (http://nowhere.invalid/)", url="http://nowhere.invalid/",
                     kind=NetErrorKind.DNS)
    walk = walk_redirects("http://nowhere.invalid/", Site({"http://nowhere.invalid/": error}).fetch)
    assert walk.stop is RedirectStop.NETWORK and walk.error is error and walk.hops == ()
