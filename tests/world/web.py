"""Today's web, as the proxy serves it: a :class:`~tests.world.proxy.Router` built
from the manifest and :data:`tests.world.definition.WORLD`."""

from __future__ import annotations

from urllib.parse import urlsplit

from archiver.models import Manifest, Source
from tests.support.localweb import Reply
from tests.world import pages
from tests.world.definition import (
    HOSTS,
    WORLD,
    Behaviour,
    BotChallenge,
    DeadDomain,
    Gone,
    Live,
    LoginWall,
    Moved,
    Paywall,
    SectionFront,
    Slow,
    SoftNotFound,
    ToHome,
)
from tests.world.proxy import ProxiedRequest
from tests.world.text import article_paragraphs

CLOUDFLARE_HEADERS = {"cf-mitigated": "challenge", "Server": "cloudflare",
                      "cf-ray": "8f1c2d3e4f5a6b7c-CDG", "Cache-Control": "no-store"}
DATADOME_HEADERS = {"X-DataDome": "protected", "X-DD-B": "1", "Server": "DataDome",
                    "Cache-Control": "no-store"}


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def https(url: str) -> str:
    return "https://" + url.split("://", 1)[1]


def redirect(status: int, to: str) -> Reply:
    return Reply(status, "", headers={"Location": to})


class TodayWeb:
    """The manifest's hosts as they answer today (see :mod:`tests.world.definition`)."""

    def __init__(self, manifest: Manifest) -> None:
        self.routes: dict[str, Reply] = {}
        sources = {s.id: s for s in manifest.sources}
        missing = set(sources) ^ set(WORLD)
        if missing:
            raise ValueError(f"the world and the manifest disagree on sources: {missing}")
        for host in HOSTS:
            self.routes[f"https://{host}/"] = Reply(200, pages.home_today(host))
        for sid, world in WORLD.items():
            source = sources[sid]
            known = HOSTS.get(host_of(source.url))
            start = https(source.url) if known is not None and known.https else source.url
            self._install(source, start, world.today,
                          article_paragraphs(source, world.quotes))

    def _install(self, source: Source, url: str, behaviour: Behaviour,
                 body: list[str]) -> None:
        host = host_of(url)
        if isinstance(behaviour, DeadDomain):
            if host in HOSTS:
                raise ValueError(f"{host} is dead for {source.id} but listed in HOSTS")
            return
        if host not in HOSTS:
            raise ValueError(f"{source.id}: {host} is not a host of the world")
        routes = self.routes
        if isinstance(behaviour, Live):
            routes[url] = Reply(200, pages.article_today(source, url, body))
        elif isinstance(behaviour, Moved):
            routes[url] = redirect(behaviour.status, behaviour.to)
            self._install(source, behaviour.to, behaviour.then, body)
        elif isinstance(behaviour, ToHome):
            routes[url] = redirect(301, f"https://{host}/")
        elif isinstance(behaviour, Gone):
            routes[url] = Reply(behaviour.status, pages.not_found_today(host, behaviour.status))
        elif isinstance(behaviour, LoginWall):
            routes[url] = redirect(302, behaviour.to)
            routes[behaviour.to] = Reply(200, pages.login_today(host_of(behaviour.to)))
        elif isinstance(behaviour, Paywall):
            routes[url] = Reply(200, pages.article_today(source, url, body, free=False))
        elif isinstance(behaviour, BotChallenge):
            if behaviour.vendor == "cloudflare":
                routes[url] = Reply(403, pages.cloudflare_challenge(), CLOUDFLARE_HEADERS)
            else:
                routes[url] = Reply(401, pages.datadome_challenge(), DATADOME_HEADERS)
        elif isinstance(behaviour, Slow):
            routes[url] = Reply(200, pages.article_today(source, url, body),
                                drip_seconds=behaviour.seconds_per_byte)
        elif isinstance(behaviour, SoftNotFound):
            routes[url] = Reply(200, pages.not_found_today(host))
        elif isinstance(behaviour, SectionFront):
            routes[url] = Reply(200, pages.section_today(host, behaviour.name))
        else:  # pragma: no cover - a behaviour without a rule
            raise TypeError(behaviour)

    # -- Router -------------------------------------------------------------------

    def knows(self, host: str) -> bool:
        return host.lower() in HOSTS

    def answer(self, request: ProxiedRequest) -> Reply:
        reply = self.routes.get(request.url)
        if reply is not None:
            return reply
        host = HOSTS[request.host]
        if request.scheme == "http" and host.https:
            return redirect(301, f"https://{request.host}{request.target}")
        if host.unknown == "404":
            return Reply(404, pages.not_found_today(request.host))
        if host.unknown == "soft":
            return Reply(200, pages.not_found_today(request.host))
        return redirect(301, host.unknown)
