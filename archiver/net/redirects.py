"""Following redirects by hand: one walker for every chain archiver follows.

A link check (:mod:`archiver.check`), an archive playback
(:mod:`archiver.fetch.playback`) and a live page for ``verify --live``
(:mod:`archiver.verify.live`) all walk redirects with :func:`walk_redirects`,
one request per hop so that every hop can be recorded. The walker owns the
rules that do not depend on who asks:

* a ``Location`` is resolved against the URL that answered (RFC 9110
  §10.2.2, by RFC 3986 §5.2 reference resolution);
* only an ``http`` or ``https`` URL with a host is requested next;
* at most :data:`~archiver.net.limits.MAX_REDIRECTS` redirects are followed
  (lychee ``-m 10``, LinkChecker ``maxhttpredirects=10``);
* a URL may come back once (a site may redirect to itself after setting a
  cookie); its third visit is a loop;
* a request that fails ends the walk: the
  :class:`~archiver.errors.NetError` is kept, never swallowed. That includes
  the client's refusal of a loopback or private address
  (:class:`~archiver.errors.PrivateAddressError`, :mod:`.guard`), the one
  address guard, applied to every request, each hop included.

The caller judges each hop (``follow``): it may send the next request
elsewhere (an archive maps a target back into itself) or refuse the hop with
a reason of its own (a :class:`Veto`). Every early end of a walk is a
:class:`RedirectStop`, which the caller maps to its own results and messages.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar, overload
from urllib.parse import urljoin, urlsplit

from archiver.errors import NetError
from archiver.models import Hop
from archiver.net.limits import MAX_REDIRECTS
from archiver.urls import host_of

__all__ = ["Answer", "RedirectStop", "RedirectWalk", "Veto", "resolve_location",
           "walk_redirects", "walk_steps"]


class Answer(Protocol):
    """What the walker reads of a response (:class:`archiver.net.HttpResponse` has it)."""

    @property
    def status(self) -> int: ...

    @property
    def location(self) -> str | None: ...

    @property
    def is_redirect(self) -> bool: ...


A = TypeVar("A", bound=Answer)
V = TypeVar("V")


class RedirectStop(enum.StrEnum):
    """Why a walk ended before a final answer."""

    NOT_HTTP = "not_http"  # the next URL is not an http(s) URL
    NO_HOST = "no_host"  # the next URL has no host
    LOOP = "loop"  # the next URL was visited too often already
    TOO_MANY = "too_many"  # more redirects than allowed
    REJECTED = "rejected"  # the caller refused the hop (its Veto)
    NETWORK = "network"  # a request failed (the NetError is kept)


@dataclass(frozen=True)
class Veto(Generic[V]):
    """A caller's refusal of a hop, with the caller's own reason."""

    reason: V


@dataclass(frozen=True)
class RedirectWalk(Generic[A, V]):
    """How a walk ended.

    ``answer`` is the final answer (``stop`` is None), or the redirect the walk
    stopped at, or None when the last request failed (``error``). ``url`` is
    the URL last requested; ``target`` the URL the walk refused to request next
    (set for every stop but ``NETWORK``). ``hops`` holds every redirect
    answered, the refused one included, each with its resolved ``Location``.
    """

    url: str
    hops: tuple[Hop, ...]
    answer: A | None
    stop: RedirectStop | None = None
    target: str | None = None
    error: NetError | None = None
    veto: V | None = None


def resolve_location(base: str, location: str) -> str:
    """The URL a ``Location`` names, resolved against ``base`` (RFC 9110 §10.2.2).

    A reference that cannot be parsed is returned as given (it is then refused
    as not an http(s) URL).
    """
    try:
        return urljoin(base, location.strip())
    except ValueError:
        return location


@overload
def walk_redirects(
    url: str, fetch: Callable[[str], A], *, follow: None = None,
    max_redirects: int = MAX_REDIRECTS, max_visits: int | None = 2,
) -> RedirectWalk[A, None]: ...


@overload
def walk_redirects(
    url: str, fetch: Callable[[str], A], *, follow: Callable[[str, A, str], str | Veto[V]],
    max_redirects: int = MAX_REDIRECTS, max_visits: int | None = 2,
) -> RedirectWalk[A, V]: ...


def walk_redirects(
    url: str,
    fetch: Callable[[str], A],
    *,
    follow: Callable[[str, A, str], str | Veto[V]] | None = None,
    max_redirects: int = MAX_REDIRECTS,
    max_visits: int | None = 2,
) -> RedirectWalk[A, V] | RedirectWalk[A, None]:
    """Request ``url`` with ``fetch`` and follow its redirects.

    Parameters
    ----------
    fetch:
        One request, redirects not followed; raises :class:`NetError` on failure.
    follow:
        The caller's judgement of a redirect, called with the URL that answered,
        its answer and the resolved target: the URL to request next (the target
        or another), or a :class:`Veto`.
    max_redirects:
        Redirects followed at most; one more ends the walk (``TOO_MANY``).
    max_visits:
        Times one URL may be requested; one more is a ``LOOP``. ``None``: no
        loop check, the redirect limit alone ends a loop.
    """
    steps = walk_steps(url, follow=follow, max_redirects=max_redirects, max_visits=max_visits)
    target = next(steps)
    while True:
        reply: A | NetError
        try:
            reply = fetch(target)
        except NetError as err:
            reply = err
        try:
            target = steps.send(reply)
        except StopIteration as done:
            walk: RedirectWalk[A, V] = done.value
            return walk


def walk_steps(
    url: str,
    *,
    follow: Callable[[str, A, str], str | Veto[V]] | None = None,
    max_redirects: int = MAX_REDIRECTS,
    max_visits: int | None = 2,
) -> Generator[str, A | NetError, RedirectWalk[A, V]]:
    """:func:`walk_redirects` without the I/O: yields each URL to request.

    The caller sends back the answer, or the :class:`NetError` the request
    failed with; the generator's return value is the :class:`RedirectWalk`.
    A synchronous caller drives it through :func:`walk_redirects`, an
    asynchronous one (the concurrent link check) awaits its own request
    between steps: the rules stay in this one function.
    """
    hops: list[Hop] = []
    visits = {url: 1}
    current = url
    while True:
        answer = yield current
        if isinstance(answer, NetError):
            return RedirectWalk(current, tuple(hops), None, RedirectStop.NETWORK, error=answer)
        if not answer.is_redirect:
            return RedirectWalk(current, tuple(hops), answer)
        target = resolve_location(current, answer.location or "")
        hops.append(Hop(current, answer.status, target))
        if follow is not None:
            judged = follow(current, answer, target)
            if isinstance(judged, Veto):
                return RedirectWalk(current, tuple(hops), answer, RedirectStop.REJECTED,
                                    target=target, veto=judged.reason)
            target = judged
        kind = _refusal(target)
        if kind is None:
            visits[target] = visits.get(target, 0) + 1
            if max_visits is not None and visits[target] > max_visits:
                kind = RedirectStop.LOOP
            elif len(hops) > max_redirects:
                kind = RedirectStop.TOO_MANY
        if kind is not None:
            return RedirectWalk(current, tuple(hops), answer, kind, target=target)
        current = target


def _refusal(target: str) -> RedirectStop | None:
    """Why ``target`` may not be requested, by the generic rules, or None."""
    try:
        scheme = urlsplit(target).scheme.lower()
    except ValueError:
        scheme = ""
    if scheme not in ("http", "https"):
        return RedirectStop.NOT_HTTP
    if not host_of(target):
        return RedirectStop.NO_HOST
    return None
