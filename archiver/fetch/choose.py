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
    # Other captures of the URL stored besides the chosen one (``--captures``):
    FIRST = "first"  # the earliest listed
    LAST = "last"  # the latest listed
    EVERY = "every"  # one of every capture listed (``all``)


#: ``fetch --captures all`` stores at most this many captures per source, the
#: chosen one included; beyond it, the first, the last and captures evenly spread
#: between them. Our choice: twenty dates show when a passage appeared and went,
#: at twenty downloads per source, without downloading a page's every crawl
#: (popular pages have thousands of captures).
MAX_CAPTURES_PER_SOURCE = 20


class CaptureScope(enum.StrEnum):
    """Which captures of a source's URL ``fetch --captures`` stores."""

    NEAREST = "nearest"  # the one chosen by the rule above (the default)
    FIRST = "first"
    LAST = "last"
    ALL = "all"


def parse_captures(text: str) -> frozenset[CaptureScope]:
    """``nearest``, ``first,nearest,last`` or ``all`` (any comma-separated subset;
    ``nearest`` is always included). ValueError names a word that is none of them."""
    words = [w.strip().lower() for w in text.split(",") if w.strip()]
    scopes = {CaptureScope.NEAREST}
    for word in words:
        try:
            scopes.add(CaptureScope(word))
        except ValueError:
            raise ValueError(f"unknown capture choice {word!r}: use nearest, first, last "
                             "or all, comma-separated (e.g. first,nearest,last)") from None
    return frozenset(scopes)


def extra_candidates(candidates: Iterable[Candidate], scopes: frozenset[CaptureScope],
                     chosen: Candidate | None = None,
                     limit: int = MAX_CAPTURES_PER_SOURCE) -> list[Ranked]:
    """The other captures to store besides ``chosen``, in date order, each with its
    rule: the earliest and latest listed page (``first``, ``last``) or every
    listed page (``all``), at most ``limit`` - 1 of them."""
    if scopes <= {CaptureScope.NEAREST}:
        return []
    unique: dict[tuple[str, str], Candidate] = {}
    for c in candidates:
        if _is_page(c):
            unique.setdefault((c.timestamp, c.original), c)
    pages = sorted(unique.values(), key=lambda c: c.when)
    if not pages:
        return []
    room = max(0, limit - 1)  # the chosen capture takes one place
    picked: dict[int, Rule] = {}
    if CaptureScope.ALL in scopes:
        if len(pages) <= limit:
            picked = dict.fromkeys(range(len(pages)), Rule.EVERY)
        elif room == 1:
            picked = {0: Rule.EVERY}
        elif room > 1:  # the first, the last and evenly spread between them
            step = (len(pages) - 1) / (room - 1)
            picked = {round(i * step): Rule.EVERY for i in range(room)}
    if CaptureScope.LAST in scopes:
        picked[len(pages) - 1] = Rule.LAST
    if CaptureScope.FIRST in scopes:
        picked[0] = Rule.FIRST
    skip = (chosen.timestamp, chosen.original) if chosen is not None else None
    out = [Ranked(pages[i], rule) for i, rule in sorted(picked.items())
           if (pages[i].timestamp, pages[i].original) != skip]
    return out[:room]


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
