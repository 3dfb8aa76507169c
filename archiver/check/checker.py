"""The network part of a check: walk one URL's redirects, classify, retry.

A check is one GET with a streamed, size-capped body and a total deadline
(:class:`archiver.net.HttpClient` does that), redirects walked by hand so every
hop is recorded (:func:`archiver.net.walk_redirects`; its stops become
verdicts here), then a class (:func:`.classify.classify_answer`), then, for a
page that looks fine, a comparison with the site's answer for a sibling URL that
cannot exist (:mod:`.soft404`). A 429 slows the whole host down and a
``Retry-After`` pauses it, as lychee does (lychee-lib/src/ratelimit/host/host.rs).
A failing link is a result, never an exception. This module checks one URL at a
time and is safe to call from several threads at once; concurrency lives in
:mod:`archiver.pipeline`.

Time comes from one :class:`~archiver.clock.Clock` (``checked_at``, the waits
between retries, and the host limiter's gaps and pauses). A request's duration
(``elapsed_ms``) is measured on the real clock, :func:`time.monotonic`: it is
how long the network took, and a fake clock does not move during I/O, so it
would report every request as taking 0 ms.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import secrets
import sys
import threading
import time
from collections.abc import Generator
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

from archiver.check.classify import Verdict, classify_answer, classify_error, is_home_page
from archiver.check.options import CheckOptions
from archiver.check.retry import Attempt, final_result, retry_delay
from archiver.check.rules import HOST_SLOWDOWN_CEILING, PROBE_PREFIX, TRANSIENT_STATUSES
from archiver.check.soft404 import (
    ProbeAnswer,
    compare_with_probe,
    sibling_url,
)
from archiver.clock import SYSTEM_CLOCK, Clock
from archiver.errors import NetError
from archiver.models import Hop, LinkClass, LinkResult
from archiver.net import (
    HostLimiter,
    HttpClient,
    HttpResponse,
    RedirectStop,
    RedirectWalk,
    parse_retry_after,
)
from archiver.net.aio import AsyncHttpClient
from archiver.net.redirects import walk_steps
from archiver.urls import host_of, is_http_url

_T = TypeVar("_T")

#: Accepted statuses (``--accept``) overrule the classifier from this status on: an
#: error status the user vouches for. Below it (2xx/3xx) the class comes from the
#: content (a soft 404 answered 200 stays one).
ACCEPTABLE_FROM = 400

#: Details up to this long are shared between results (:func:`sys.intern`).
_SHARED_DETAIL = 16

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Reply:
    """What a driver sends back for a request step: the answer or the failure, and the time."""

    answer: HttpResponse | None
    error: NetError | None
    took: float


@dataclass(frozen=True)
class _ProbeFor:
    """A step asking the driver for the soft-404 probe of a final URL."""

    url: str


#: A check without its I/O: it yields a URL to request (the driver sends a
#: :class:`_Reply`) or a :class:`_ProbeFor` (the driver sends the
#: :class:`ProbeAnswer`), and returns its result. One generator, two drivers:
#: :meth:`Checker.attempt` (blocking, for threads) and
#: :meth:`Checker.attempt_async` (for the event loop of a concurrent check).
_Steps = Generator["str | _ProbeFor", Any, "_T"]


@dataclass(frozen=True)
class _Walk:
    hops: tuple[Hop, ...]
    final: HttpResponse | None = None
    error: NetError | None = None
    stop: Verdict | None = None  # a verdict reached while walking (loop, bad target)
    stop_kind: str | None = None
    elapsed: float = 0.0


class Checker:
    """Checks URLs one at a time; share one instance between threads.

    Parameters
    ----------
    options:
        Limits and switches.
    limiter:
        Per-host politeness shared with the scheduler (created on ``clock`` if
        not given; one given must run on ``clock``).
    client:
        The HTTP client (created from ``options`` if not given). Its own limiter
        is bypassed: the checker takes the host slot itself.
    clock:
        Gives ``checked_at`` (UTC) and waits between retries. Tests pass a
        :class:`~archiver.clock.ManualClock`.
    """

    def __init__(self, options: CheckOptions | None = None, *,
                 limiter: HostLimiter | None = None, client: HttpClient | None = None,
                 clock: Clock = SYSTEM_CLOCK) -> None:
        self.options = options or CheckOptions()
        opts = self.options
        if limiter is not None and limiter.clock is not clock:
            raise ValueError("the checker and its host limiter must share one clock")
        self.limiter = limiter or HostLimiter(opts.per_host_concurrency, opts.per_host_interval,
                                              clock=clock, overrides=opts.host_limits())
        self._own_client = client is None
        self.client = client or HttpClient(
            user_agent=opts.user_agent, deadline=opts.deadline,
            connect_timeout=opts.connect_timeout, max_bytes=opts.max_bytes,
            allow_private=opts.allow_private, verify_tls=opts.verify_tls, proxy=opts.proxy)
        self.clock = clock
        self._probes: dict[tuple[object, ...], Future[ProbeAnswer]] = {}
        self._async_probes: dict[tuple[object, ...], asyncio.Future[ProbeAnswer]] = {}
        self._lock = threading.Lock()
        self._requests = 0

    def close(self) -> None:
        if self._own_client:
            self.client.close()

    def __enter__(self) -> Checker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def requests(self) -> int:
        """HTTP requests made so far (hops, retries and probes included)."""
        return self._requests

    # -- one request, one walk -------------------------------------------------

    def _request_settings(self, url: str) -> tuple[str, dict[str, str] | None, float | None]:
        host = host_of(url)
        settings = self.options.host_settings(host) if self.options.hosts else None
        headers = dict(settings.headers) if settings is not None and settings.headers else None
        deadline = settings.timeout if settings is not None else None
        return host, headers, deadline

    def _count(self) -> None:
        with self._lock:
            self._requests += 1

    def _request(self, url: str) -> _Reply:
        host, headers, deadline = self._request_settings(url)
        with self.limiter.acquire(host):
            started = time.monotonic()
            self._count()
            try:
                return _Reply(self.client.get(url, polite=False, headers=headers,
                                              deadline=deadline), None,
                              time.monotonic() - started)
            except NetError as err:
                return _Reply(None, err, time.monotonic() - started)

    async def _request_async(self, url: str, client: AsyncHttpClient) -> _Reply:
        host, headers, deadline = self._request_settings(url)
        async with self.limiter.acquire_async(host):
            started = time.monotonic()
            self._count()
            try:
                return _Reply(await client.get(url, headers=headers, deadline=deadline), None,
                              time.monotonic() - started)
            except NetError as err:
                return _Reply(None, err, time.monotonic() - started)

    def _walk_steps(self, url: str) -> _Steps[_Walk]:
        """Request ``url`` and its redirects (:func:`~archiver.net.redirects.walk_steps`)."""
        elapsed = 0.0
        steps: Generator[str, HttpResponse | NetError, RedirectWalk[HttpResponse, None]] = (
            walk_steps(url, max_redirects=self.options.max_redirects))
        target = next(steps)
        while True:
            reply: _Reply = yield target
            elapsed += reply.took
            answer: HttpResponse | NetError | None = (
                reply.answer if reply.answer is not None else reply.error)
            assert answer is not None
            try:
                target = steps.send(answer)
            except StopIteration as done:
                walk: RedirectWalk[HttpResponse, None] = done.value
                break
        stop_kind, stop = self._stop_verdict(walk)
        return _Walk(walk.hops, final=walk.answer, error=walk.error, stop=stop,
                     stop_kind=stop_kind, elapsed=elapsed)

    def _drive(self, steps: _Steps[_T]) -> _T:
        """Run a check's steps with blocking requests."""
        reply: Any = None
        try:
            while True:
                step = steps.send(reply)
                reply = (self._probe(step.url) if isinstance(step, _ProbeFor)
                         else self._request(step))
        except StopIteration as done:
            result: _T = done.value
            return result

    async def _drive_async(self, steps: _Steps[_T], client: AsyncHttpClient) -> _T:
        """Run a check's steps on the event loop, with ``client``."""
        reply: Any = None
        try:
            while True:
                step = steps.send(reply)
                reply = (await self._probe_async(step.url, client)
                         if isinstance(step, _ProbeFor)
                         else await self._request_async(step, client))
        except StopIteration as done:
            result: _T = done.value
            return result

    def _walk(self, url: str) -> _Walk:
        return self._drive(self._walk_steps(url))

    def _stop_verdict(self, walk: RedirectWalk[HttpResponse, None]
                      ) -> tuple[str | None, Verdict | None]:
        """The error kind and verdict of a walk that stopped on a redirect."""
        answer = walk.answer
        if answer is None or walk.stop is None:
            return None, None
        if walk.stop in (RedirectStop.NOT_HTTP, RedirectStop.NO_HOST):
            return "bad_redirect", Verdict(
                LinkClass.INVALID, f"HTTP {answer.status} redirects to {answer.location or ''!r}, "
                "which is not an http(s) URL we can follow")
        if walk.stop is RedirectStop.LOOP:
            return "redirect_loop", Verdict(
                LinkClass.GONE, f"redirect loop: {walk.target} redirects back to itself "
                f"after {len(walk.hops)} hops")
        assert walk.stop is RedirectStop.TOO_MANY  # no veto: the check follows every hop
        return "too_many_redirects", Verdict(
            LinkClass.GONE, f"more than {self.options.max_redirects} redirects")

    # -- soft-404 probe --------------------------------------------------------

    def _probe(self, final_url: str) -> ProbeAnswer:
        """The site's answer for a sibling URL that cannot exist; one per pattern per run."""
        # The key does not depend on the token: the token (os.urandom, a tenth of a
        # check's CPU when drawn for every URL) is drawn only for the one probe made.
        _, key = sibling_url(final_url, PROBE_PREFIX)
        with self._lock:
            future = self._probes.get(key)
            owner = future is None
            if future is None:
                future = Future()
                self._probes[key] = future
        if not owner:
            return future.result()
        try:
            answer = self._drive(self._probe_steps(final_url))
        except BaseException as err:
            future.set_exception(err)
            raise
        future.set_result(answer)
        return answer

    async def _probe_async(self, final_url: str, client: AsyncHttpClient) -> ProbeAnswer:
        """:meth:`_probe` on the event loop: the first asker probes, the others await it."""
        _, key = sibling_url(final_url, PROBE_PREFIX)
        future = self._async_probes.get(key)
        if future is not None:
            return await asyncio.shield(future)
        future = asyncio.get_running_loop().create_future()
        self._async_probes[key] = future
        try:
            answer = await self._drive_async(self._probe_steps(final_url), client)
        except BaseException as err:
            future.set_exception(err)
            future.exception()  # retrieved: no "never retrieved" warning when nobody waits
            raise
        future.set_result(answer)
        return answer

    def _probe_steps(self, final_url: str) -> _Steps[ProbeAnswer]:
        probe_url, _ = sibling_url(final_url, PROBE_PREFIX + secrets.token_hex(6))
        walk = yield from self._walk_steps(probe_url)
        if walk.final is None or walk.stop is not None:
            return ProbeAnswer(probe_url, None, None)
        final = walk.final
        return ProbeAnswer.from_response(probe_url, final.status, final.url, final.body,
                                         redirected=bool(walk.hops))

    # -- a check ---------------------------------------------------------------

    def attempt(self, source_id: str, url: str, attempt: int = 1) -> Attempt:
        """One try at ``url``: walk the redirects, classify, probe for soft 404s.

        Rate limits are applied to the host as a side effect: a 429 slows the
        whole host down, a ``Retry-After`` pauses it.
        """
        return self._drive(self._attempt_steps(source_id, url, attempt))

    async def attempt_async(self, source_id: str, url: str, client: AsyncHttpClient,
                            attempt: int = 1) -> Attempt:
        """:meth:`attempt` on an event loop, its requests made by ``client``.

        ``client`` must be made from this checker's :attr:`client` (the same
        settings and guard): :meth:`async_client`.
        """
        return await self._drive_async(self._attempt_steps(source_id, url, attempt), client)

    def async_client(self) -> AsyncHttpClient:
        """A new :class:`~archiver.net.aio.AsyncHttpClient` over this checker's client.

        Use it in one event loop and ``await client.aclose()`` before the loop ends.
        """
        return self.client.async_client(threads=max(self.options.concurrency, 4))

    def _attempt_steps(self, source_id: str, url: str, attempt: int) -> _Steps[Attempt]:
        checked_at = self.clock.now()
        if not is_http_url(url):
            return Attempt(LinkResult(source_id, url, LinkClass.INVALID, error="invalid",
                                      detail="not an absolute http(s) URL",
                                      checked_at=checked_at, attempts=attempt))
        walk = yield from self._walk_steps(url)
        elapsed_ms = round(walk.elapsed * 1000)
        # Each exit builds its LinkResult once (dataclasses.replace on a frozen
        # result was a tenth of a check's CPU at 2,000 URLs).
        if walk.error is not None:
            message = walk.error.message
            if walk.error.hint:
                message += f" ({walk.error.hint})"
            verdict = classify_error(walk.error.kind, message)
            return Attempt(LinkResult(
                source_id, url, verdict.link_class, redirects=walk.hops,
                final_url=walk.hops[-1].location if walk.hops else None,
                error=walk.error.kind, detail=verdict.detail, elapsed_ms=elapsed_ms,
                checked_at=checked_at, attempts=attempt))
        final = walk.final
        assert final is not None
        body = final.body

        def result(link_class: LinkClass, detail: str, *, error: str | None = None,
                   final_url: str | None = final.url) -> LinkResult:
            return LinkResult(source_id, url, link_class, http_status=final.status,
                              final_url=final_url, redirects=walk.hops, error=error,
                              detail=detail, elapsed_ms=elapsed_ms, checked_at=checked_at,
                              attempts=attempt, body_size=len(body),
                              body_truncated=final.truncated,
                              body_sha256=hashlib.sha256(body).hexdigest())

        if walk.stop is not None:
            return Attempt(result(walk.stop.link_class, walk.stop.detail, error=walk.stop_kind,
                                  final_url=walk.hops[-1].location if walk.hops else url))
        verdict = classify_answer(url, final.url, final.status, final.headers, body,
                                  walk.hops)
        if (verdict.link_class.is_success and self.options.soft404_probe
                and _looks_like_html(final) and not is_home_page(final.url)):
            probe: ProbeAnswer = yield _ProbeFor(final.url)
            probed = compare_with_probe(url, final.url, body, bool(walk.hops), probe)
            verdict = probed or verdict
        retry_after = self._note_rate_limits(final)
        if (final.status >= ACCEPTABLE_FROM and final.status in self.options.accept
                and not verdict.link_class.is_success):
            # --accept / accept in archiver.toml: the user's word on an error status wins
            # over the classifier (as lychee's --accept), the class it would have given is
            # kept in the detail. A 2xx judged soft-404 by its content stays soft-404.
            verdict = Verdict(LinkClass.OK, f"HTTP {final.status} is an accepted status "
                              f"(would be {verdict.link_class.value}: {verdict.detail})")
            retry_after = None
        # A short detail ("HTTP 200") is one of a few: shared, not one copy per URL.
        detail = verdict.detail
        if len(detail) <= _SHARED_DETAIL:
            detail = sys.intern(detail)
        return Attempt(result(verdict.link_class, detail), retry_after=retry_after)

    def _note_rate_limits(self, final: HttpResponse) -> float | None:
        """Slow a host down on 429 and pause it on ``Retry-After``; return the wait asked."""
        if final.status not in TRANSIENT_STATUSES and final.status < 500:
            return None
        host = host_of(final.url)
        retry_after = parse_retry_after(final.headers.get("Retry-After"), self.clock,
                                        cap=math.inf)
        if final.status == 429:
            self.limiter.slow_down(host, floor=self.options.slowdown_floor,
                                   ceiling=HOST_SLOWDOWN_CEILING)
            logger.info("429 from %s: the host's interval is now %.1f s", host,
                        self.limiter.interval_for(host))
        if retry_after is not None and retry_after <= self.options.max_retry_after:
            self.limiter.pause(host, retry_after)
        return retry_after

    def check(self, source_id: str, url: str) -> LinkResult:
        """Check ``url`` with retries, sleeping between them (for one-off use).

        :func:`archiver.pipeline.check_manifest` runs many checks concurrently
        without sleeping in a worker.
        """
        attempt = 1
        while True:
            outcome = self.attempt(source_id, url, attempt)
            delay = retry_delay(attempt, outcome, self.options)
            if delay is None:
                return final_result(outcome, self.options)
            logger.info("retrying %s in %.1f s (attempt %d failed: %s)", url, delay, attempt,
                        outcome.result.detail)
            self.clock.sleep(delay)
            attempt += 1

    def canary(self, url: str) -> str | None:
        """Check the canary URL once; return why it failed, or None if it answered."""
        walk = self._walk(url)
        if walk.error is not None:
            return f"canary {url} failed: {walk.error.message}"
        if walk.stop is not None:
            return f"canary {url} failed: {walk.stop.detail}"
        if walk.final is None or walk.final.status >= 400:
            status = walk.final.status if walk.final is not None else "no answer"
            return f"canary {url} answered HTTP {status}"
        return None


def _looks_like_html(resp: HttpResponse) -> bool:
    ctype = resp.headers.get("Content-Type", "").lower()
    if "html" in ctype:
        return True
    return not ctype and resp.body[:512].lstrip().lower().startswith((b"<!doctype html", b"<html"))
