"""The Internet Archive's CDX search API (and any IA-format CDX endpoint).

``GET <cdx>?url=<url>&from=<ts>&limit=N&output=json`` answers an array of
arrays whose first row names the fields (IA default fields: ``urlkey timestamp
original mimetype statuscode digest length``). pywb's CDX endpoint answers
``output=json`` with one JSON object per line instead; both are read.

Two queries at most per source: the captures from publication − 1 day on
(earliest first), and only when none of those can be chosen, the ones before.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from archiver.errors import ArchiveUnreachable
from archiver.fetch.choose import has_preferred, threshold
from archiver.fetch.limits import LISTING_MAX_BYTES, RequestKind
from archiver.fetch.listing import Archive, Candidate, Listing, parse_timestamp, to_timestamp
from archiver.fetch.session import ArchiveSession
from archiver.models import CaptureOutcome
from archiver.net import HttpResponse

logger = logging.getLogger(__name__)

#: Rows asked for per CDX query. IA always gets an explicit ``limit``: without
#: one it silently truncated results and sent no resume key (edgi wayback #65).
CDX_LIMIT = 500

RUNTIME_ERROR_HEADER = "X-Archive-Wayback-Runtime-Error"


def detect_exclusion(response: HttpResponse) -> tuple[CaptureOutcome, str] | None:
    """Whether an archive's answer says the URL is excluded (robots or a blocked site)."""
    # HACK: the Wayback Machine reports exclusions in two ways, neither a real status:
    # a 403 whose X-Archive-Wayback-Runtime-Error header names the Java exception
    # (CDX: "org.archive.wayback.exception.AdministrativeAccessControlException:
    # Blocked Site Error", edgi wayback #34 / PR #46; "RobotAccessControlException:
    # Blocked By Robots"), and during playback an HTTP *200* HTML page without
    # Memento-Datetime saying "Sorry. This URL has been excluded from the Wayback
    # Machine." (EDGI wayback looks for that text, src/wayback/_client.py:1067; its
    # recorded answer: src/wayback/tests/cassettes/test_get_memento_raises_blocked_error.yaml).
    error = response.headers.get(RUNTIME_ERROR_HEADER, "")
    if error:
        lowered = error.lower()
        if "robot" in lowered:
            return CaptureOutcome.BLOCKED_ROBOTS, error
        if ("administrativeaccesscontrol" in lowered or "blocked site" in lowered
                or "excluded" in lowered or response.status == 403):
            return CaptureOutcome.BLOCKED_SITE, error
    if response.status == 200 and "Memento-Datetime" not in response.headers:
        text = response.body[:65536].decode("utf-8", errors="replace").lower()
        if "robots.txt" in text and ("blocked" in text or "excluded" in text):
            return CaptureOutcome.BLOCKED_ROBOTS, "the archive's page says robots.txt blocks it"
        if "has been excluded" in text:
            return CaptureOutcome.BLOCKED_SITE, "the archive's page says the URL is excluded"
    # END HACK
    return None


def _rows(body: bytes) -> list[dict[str, Any]]:
    """CDX rows as dicts keyed by IA field names; ValueError if unreadable."""
    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        return []
    if text.startswith("["):
        data = json.loads(text)
        if not isinstance(data, list):
            raise ValueError("CDX JSON is not an array")
        if not data:
            return []
        header = data[0]
        if not isinstance(header, list) or not all(isinstance(h, str) for h in header):
            raise ValueError("CDX JSON has no header row")
        return [dict(zip(header, row, strict=False)) for row in data[1:]
                if isinstance(row, list)]
    rows = []
    for line in text.splitlines():
        if line.strip():
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise ValueError("CDX line is not a JSON object")
            rows.append(obj)
    return rows


def _candidate(row: dict[str, Any]) -> Candidate | None:
    stamp = str(row.get("timestamp", ""))
    original = row.get("original") or row.get("url")
    if not stamp or not original:
        return None
    try:
        when = parse_timestamp(stamp)
    except ValueError:
        logger.warning("skipping a CDX row with a bad timestamp: %r", row)
        return None
    status_text = str(row.get("statuscode", row.get("status", "-")))
    status = int(status_text) if status_text.isdigit() else None
    mime = row.get("mimetype", row.get("mime"))
    digest = row.get("digest")
    return Candidate(
        timestamp=stamp.ljust(14, "0")[:14], when=when, original=str(original), status=status,
        mime=str(mime) if mime and mime != "-" else None,
        digest=str(digest) if digest and digest != "-" else None,
        row=json.dumps(row, ensure_ascii=False, separators=(",", ":")),
    )


def unusable_listing(response: HttpResponse, archive: Archive, url: str, what: str,
                     queries: Sequence[str], found: Sequence[Candidate] = ()) -> Listing | None:
    """The :class:`Listing` a listing answer amounts to when its body cannot be used.

    An exclusion (blocked site, robots) or an answer other than 200 or 404, or
    one cut at the size cap, ends the listing; ``None`` means the caller reads
    the body (200) or decides what a 404 means. A 5xx still failing after the
    retries raises :class:`ArchiveUnreachable`. ``what`` names the endpoint in
    messages ("CDX API", "TimeMap").
    """
    excluded = detect_exclusion(response)
    if excluded:
        return Listing(archive, url, queries=tuple(queries), excluded=excluded[0],
                       detail=excluded[1])
    if response.status == 404:
        return None
    if response.status >= 500:  # still failing after the retries
        raise ArchiveUnreachable(
            f"the {what} of {archive.host} keeps answering HTTP {response.status}",
            archive=archive.host, hint="run the same command again later; stored "
            "captures are kept")
    if response.status != 200 or response.truncated:
        return Listing(archive, url, tuple(found), tuple(queries),
                       error=f"the {what} answered HTTP {response.status}"
                       + (" (cut at the size cap)" if response.truncated else ""))
    return None


def list_cdx(session: ArchiveSession, archive: Archive, url: str,
             published: date) -> Listing:
    """List the captures of ``url`` around ``published`` through ``archive.cdx_api``."""
    assert archive.cdx_api is not None
    start = threshold(published)
    queries: list[str] = []
    found: list[Candidate] = []
    plans = [{"from": to_timestamp(start)},
             {"to": to_timestamp(start - timedelta(seconds=1))}]
    for index, bounds in enumerate(plans):
        if index and has_preferred(found, published):
            break
        params = {"url": url, **bounds, "limit": str(CDX_LIMIT), "output": "json"}
        query = f"{archive.cdx_api}?{urlencode(params)}"
        queries.append(query)
        response = session.get(query, RequestKind.LISTING, max_bytes=LISTING_MAX_BYTES)
        unusable = unusable_listing(response, archive, url, "CDX API", queries, found)
        if unusable is not None:
            return unusable
        if response.status == 404:
            continue
        try:
            rows = _rows(response.body)
        except ValueError as err:
            return Listing(archive, url, tuple(found), tuple(queries),
                           error=f"the CDX API's answer is not CDX JSON ({err})")
        found.extend(c for c in map(_candidate, rows) if c is not None)
    return Listing(archive, url, tuple(found), tuple(queries))
