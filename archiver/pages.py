"""The pages verify reads: the provider interfaces and what they answer.

Values exchanged between the store (archived pages), the live fetcher and
verify, so they sit below all three.

An archived page comes from a :class:`PageProvider` (the WARC folder's index,
:class:`archiver.store.WarcIndex`), which answers :class:`Located` or
:class:`NotLocated` for a source; a live page, for ``--live``, from a
:class:`LiveProvider` (:class:`archiver.verify.live.LiveFetcher`), which answers
a :class:`LivePage`. Matching itself reads no file and opens no socket.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from archiver.extract import PageText
from archiver.models import Capture, Source


@dataclass(frozen=True)
class Located:
    """A capture chosen for a source and its page text."""

    capture: Capture
    page: PageText | None  # None when the payload cannot be searched
    detail: str | None = None  # why the page is None, or a note on the choice
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class NotLocated:
    """No usable capture for a source."""

    detail: str


class PageProvider(Protocol):
    """Where archived pages come from (e.g. :class:`archiver.store.WarcIndex`)."""

    def locate(self, source: Source) -> Located | NotLocated:
        """The capture chosen for ``source`` and its page."""
        ...

    def history(self, source: Source) -> Sequence[Located]:
        """Every stored capture of ``source``'s URL, oldest first (the one
        :meth:`locate` gives among them): what ``verify`` searches when a quote
        is missing from the chosen capture, and dates a quote's removal by."""
        ...


@dataclass(frozen=True)
class LivePage:
    """The live web's answer for a URL (after redirects)."""

    url: str
    page: PageText | None
    status: int | None = None
    final_url: str | None = None
    error: str | None = None
    #: Why the page may not show the article to us (a paywall, a login wall, a
    #: bot challenge): a quote missing from it is then not "gone", only unseen.
    restricted: str | None = None


class LiveProvider(Protocol):
    """Fetches the live page of a URL (e.g. :class:`archiver.verify.live.LiveFetcher`)."""

    def fetch(self, url: str) -> LivePage: ...
