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

import hashlib
import logging
import math
import secrets
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

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
    walk_redirects,
)
from archiver.urls import host_of

#: Accepted statuses (``--accept``) overrule the classifier from this status on: an
#: error status the user vouches for. Below it (2xx/3xx) the class comes from the
#: content (a soft 404 answered 200 stays one).
ACCEPTABLE_FROM = 400

logger = logging.getLogger(__name__)


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

    def _request(self, url: str) -> tuple[HttpResponse | None, NetError | None, float]:
        host = host_of(url)
        settings = self.options.host_settings(host) if self.options.hosts else None
        headers = dict(settings.headers) if settings is not None and settings.headers else None
        deadline = settings.timeout if settings is not None else None
        with self.limiter.acquire(host):
            started = time.monotonic()
            with self._lock:
                self._requests += 1
            try:
                return (self.client.get(url, polite=False, headers=headers, deadline=deadline),
                        None, time.monotonic() - started)
            except NetError as err:
                return None, err, time.monotonic() - started

    def _walk(self, url: str) -> _Walk:
        elapsed = 0.0

        def fetch(target: str) -> HttpResponse:
            nonlocal elapsed
            resp, err, took = self._request(target)
            elapsed += took
            if resp is None:
                assert err is not None
                raise err
            return resp

        walk = walk_redirects(url, fetch, max_redirects=self.options.max_redirects)
        stop_kind, stop = self._stop_verdict(walk)
        return _Walk(walk.hops, final=walk.answer, error=walk.error, stop=stop,
                     stop_kind=stop_kind, elapsed=elapsed)

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
        probe_url, key = sibling_url(final_url, PROBE_PREFIX + secrets.token_hex(6))
        with self._lock:
            future = self._probes.get(key)
            owner = future is None
            if future is None:
                future = Future()
                self._probes[key] = future
        if not owner:
            return future.result()
        try:
            walk = self._walk(probe_url)
            if walk.final is None or walk.stop is not None:
                answer = ProbeAnswer(probe_url, None, None)
            else:
                final = walk.final
                answer = ProbeAnswer.from_response(probe_url, final.status, final.url,
                                                   final.body, redirected=bool(walk.hops))
        except BaseException as err:
            future.set_exception(err)
            raise
        future.set_result(answer)
        return answer

    # -- a check ---------------------------------------------------------------

    def attempt(self, source_id: str, url: str, attempt: int = 1) -> Attempt:
        """One try at ``url``: walk the redirects, classify, probe for soft 404s.

        Rate limits are applied to the host as a side effect: a 429 slows the
        whole host down, a ``Retry-After`` pauses it.
        """
        checked_at = self.clock.now()
        try:
            parts = urlsplit(url)
            valid = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
        except ValueError:
            valid = False
        if not valid:
            return Attempt(LinkResult(source_id, url, LinkClass.INVALID, error="invalid",
                                      detail="not an absolute http(s) URL",
                                      checked_at=checked_at, attempts=attempt))
        walk = self._walk(url)
        elapsed_ms = round(walk.elapsed * 1000)
        base = LinkResult(source_id, url, LinkClass.INVALID, redirects=walk.hops,
                          elapsed_ms=elapsed_ms, checked_at=checked_at, attempts=attempt)
        if walk.error is not None:
            message = walk.error.message
            if walk.error.hint:
                message += f" ({walk.error.hint})"
            verdict = classify_error(walk.error.kind, message)
            failed_url = walk.hops[-1].location if walk.hops else None
            return Attempt(replace(base, link_class=verdict.link_class, error=walk.error.kind,
                                   final_url=failed_url, detail=verdict.detail))
        final = walk.final
        assert final is not None
        evidence = replace(base, http_status=final.status, final_url=final.url,
                           body_size=len(final.body), body_truncated=final.truncated,
                           body_sha256=hashlib.sha256(final.body).hexdigest())
        if walk.stop is not None:
            return Attempt(replace(evidence, link_class=walk.stop.link_class,
                                   error=walk.stop_kind, detail=walk.stop.detail,
                                   final_url=walk.hops[-1].location if walk.hops else url))
        verdict = classify_answer(url, final.url, final.status, final.headers, final.body,
                                  walk.hops)
        if (verdict.link_class.is_success and self.options.soft404_probe
                and _looks_like_html(final) and not is_home_page(final.url)):
            probed = compare_with_probe(url, final.url, final.body, bool(walk.hops),
                                        self._probe(final.url))
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
        return Attempt(replace(evidence, link_class=verdict.link_class, detail=verdict.detail),
                       retry_after=retry_after)

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
