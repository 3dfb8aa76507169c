"""Requests to archives: politeness, retries and the 429 rule, over ``net.HttpClient``.

Every request fetch makes goes through :meth:`ArchiveSession.get`, which:

- waits for the archive host's 429 pause and the limiter of its kind
  (listing or download, :mod:`archiver.fetch.limits`);
- on a 429 pauses *every* request to that host for max(Retry-After, 60 s) and
  tries once more; a second 429 within 10 minutes raises
  :class:`~archiver.errors.ArchiveRateLimited`;
- retries 5xx answers and timeouts after 2, 4, 8, 16 and 32 s, then returns the
  last answer (a status) or raises :class:`~archiver.errors.ArchiveUnreachable`
  (a transport failure).

Any other answer, 4xx included, is returned for the caller to interpret.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import urllib3

from archiver.errors import ArchiveUnreachable, NetError
from archiver.fetch.limits import (
    ARCHIVE_DEADLINE,
    RETRY_DELAYS,
    RETRYABLE_NET_KINDS,
    RETRYABLE_STATUSES,
    Politeness,
)
from archiver.net import HttpClient, HttpResponse, parse_retry_after

logger = logging.getLogger(__name__)


class ArchiveSession:
    """An :class:`HttpClient` plus the politeness of a run."""

    def __init__(self, client: HttpClient, politeness: Politeness) -> None:
        self.client = client
        self.politeness = politeness
        self.clock = politeness.clock

    def get(self, url: str, kind: str, *, max_bytes: int | None = None,
            headers: dict[str, str] | None = None) -> HttpResponse:
        host = urlsplit(url).netloc.lower()
        gate = self.politeness.gate(host)
        attempt = 0
        while True:
            gate.before(kind)
            try:
                response = self.client.get(url, headers=headers, deadline=ARCHIVE_DEADLINE,
                                           max_bytes=max_bytes, polite=False)
            except NetError as err:
                # HACK: the Wayback Machine sometimes sends both "content-encoding: " (the
                # archived, empty value) and "Content-Encoding: gzip" (its own), which
                # urllib3 reads as a chain ending in an unknown coding and fails to
                # decode (EDGI patches urllib3 globally for this, _client.py:218-275;
                # web-monitoring-processing#309). Asking again for an uncompressed
                # transfer avoids the second header. Example: any id_ URL served that way.
                if (isinstance(err.cause, urllib3.exceptions.DecodeError)
                        and (headers or {}).get("Accept-Encoding") != "identity"):
                    logger.info("%s: undecodable Content-Encoding; asking for identity", url)
                    headers = {**(headers or {}), "Accept-Encoding": "identity"}
                    continue
                # END HACK
                if err.kind not in RETRYABLE_NET_KINDS or attempt >= len(RETRY_DELAYS):
                    if err.kind == "private":
                        raise
                    raise ArchiveUnreachable(
                        f"cannot reach {host}: {err.message}", archive=host,
                        hint="check the network and the archive URL, then run the same "
                        "command again; stored captures are kept") from err
                delay = RETRY_DELAYS[attempt]
                attempt += 1
                logger.info("retrying %s in %.0f s (attempt %d failed: %s)",
                            url, delay, attempt, err.kind)
                self.clock.sleep(delay)
                continue
            if response.status == 429:
                retry_after = parse_retry_after(response.headers.get("Retry-After"),
                                                self.clock, cap=float("inf"))
                gate.on_429(retry_after)  # raises on the second 429
                continue
            if response.status in RETRYABLE_STATUSES and attempt < len(RETRY_DELAYS):
                delay = RETRY_DELAYS[attempt]
                attempt += 1
                logger.info("retrying %s in %.0f s (HTTP %d)", url, delay, response.status)
                self.clock.sleep(delay)
                continue
            return response
