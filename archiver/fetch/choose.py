"""Choosing the capture nearest publication. Pure functions: no I/O.

The rule (issue #4):

1. among captures with status 200 and a type verify can read (HTML, and
   plain text, PDF, JSON and XML feeds: :func:`is_readable`), the **earliest at or after
   publication − 1 day** (``after_publication``). The day of slack is there
   because archive timestamps are UTC (CDX timestamps; ``Memento-Datetime`` is
   an HTTP date in GMT, RFC 7089 §2.1.1) and publication dates local;
2. else an **archived redirect**, which download then follows (``redirect``);
3. else the **closest before publication** (``before_publication``), flagged
   ``pre_publication``.

:func:`rank` orders every candidate by that rule so that, when a download
fails (listed but not playable), the next one is tried.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from archiver.extract import is_extractable
from archiver.fetch.listing import Candidate

#: Slack before the publication date: UTC capture times against local publication
#: dates. A day covers any time-zone offset (at most 14 h).
PUBLICATION_SLACK = timedelta(days=1)
#: Candidates downloaded at most per source and archive before giving up.
MAX_CANDIDATES_TRIED = 5
#: A Wayback jump to "the nearest capture" (a 3xx without Memento-Datetime) is
#: accepted only if it lands this close to the capture asked for. EDGI's
#: ``target_window`` is 24 h (edgi-govdata-archiving/wayback
#: src/wayback/_client.py:829); we allow days, not hours, because IA's listed
#: timestamps and playable ones can differ by more than a day for the same
#: capture (internetarchive/wayback#210). Three days is our own choice.
JUMP_WINDOW = timedelta(days=3)

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


class Rule(enum.StrEnum):
    AFTER_PUBLICATION = "after_publication"
    REDIRECT = "redirect"
    BEFORE_PUBLICATION = "before_publication"


@dataclass(frozen=True)
class Ranked:
    candidate: Candidate
    rule: Rule


def threshold(published: date) -> datetime:
    """The earliest capture time that counts as "after publication"."""
    return datetime(published.year, published.month, published.day, tzinfo=UTC) \
        - PUBLICATION_SLACK


def is_html(mime: str | None) -> bool:
    return (mime or "").split(";")[0].strip().lower() in HTML_TYPES


def is_readable(mime: str | None, body: bytes = b"") -> bool:
    """An HTML page, or another payload verify turns into text (plain text, PDF,
    JSON, an XML feed: :func:`archiver.extract.is_extractable`)."""
    return is_html(mime) or is_extractable(mime, body)


def _is_page(c: Candidate) -> bool:
    """A 200 capture verify can read, or one whose status the listing does not give."""
    if c.is_revisit:  # a revisit of an earlier, identical capture: playback resolves it
        return c.status in (None, 200)
    if c.status is None:  # TimeMaps list no status or type: download tells
        return c.mime is None or is_readable(c.mime)
    return c.status == 200 and is_readable(c.mime)


def _is_redirect(c: Candidate) -> bool:
    return c.status is not None and 300 <= c.status < 400


def rank(candidates: Iterable[Candidate], published: date) -> list[Ranked]:
    """Every usable candidate, best first, each with the rule that ranks it."""
    limit = threshold(published)
    unique: dict[tuple[str, str], Candidate] = {}
    for c in candidates:
        unique.setdefault((c.timestamp, c.original), c)
    cands = list(unique.values())
    after = sorted((c for c in cands if _is_page(c) and c.when >= limit),
                   key=lambda c: c.when)
    redirects_after = sorted((c for c in cands if _is_redirect(c) and c.when >= limit),
                             key=lambda c: c.when)
    redirects_before = sorted((c for c in cands if _is_redirect(c) and c.when < limit),
                              key=lambda c: c.when, reverse=True)
    before = sorted((c for c in cands if _is_page(c) and c.when < limit),
                    key=lambda c: c.when, reverse=True)
    return ([Ranked(c, Rule.AFTER_PUBLICATION) for c in after]
            + [Ranked(c, Rule.REDIRECT) for c in redirects_after + redirects_before]
            + [Ranked(c, Rule.BEFORE_PUBLICATION) for c in before])


def has_preferred(candidates: Sequence[Candidate], published: date) -> bool:
    """Whether rule 1 or 2 can apply (so no look before publication is needed)."""
    return any(r.rule is not Rule.BEFORE_PUBLICATION for r in rank(candidates, published))


def distance_days(when: datetime, published: date) -> float:
    """Capture time minus the start (UTC) of the publication day, in days."""
    start = datetime(published.year, published.month, published.day, tzinfo=UTC)
    return round((when - start).total_seconds() / 86400, 3)


def is_pre_publication(when: datetime, published: date) -> bool:
    return when < threshold(published)


def describe(ranked: Sequence[Ranked]) -> tuple[str, ...]:
    """One line per candidate for the provenance record: ``ts status mime rule``."""
    return tuple(
        f"{r.candidate.timestamp} {r.candidate.status if r.candidate.status is not None else '-'}"
        f" {r.candidate.mime or '-'} {r.rule.value}" for r in ranked)
