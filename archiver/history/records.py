"""What the history database gives back: stored checks, state changes, runs.

Plain frozen dataclasses, no database code: :mod:`archiver.history.rows`
builds them from rows and :mod:`archiver.report` formats them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from archiver.models import CaptureResult, Hop, LinkClass, LinkResult, LinkState, QuoteResult


@dataclass(frozen=True)
class CheckRecord:
    """One stored check."""

    id: int
    run_id: int
    url: str
    source_id: str | None
    checked_at: datetime
    link_class: LinkClass
    observed_class: LinkClass | None
    http_status: int | None
    final_url: str | None
    redirects: tuple[Hop, ...]
    error: str | None
    detail: str | None
    elapsed_ms: int | None
    body_size: int | None
    body_sha256: str | None
    attempts: int
    counted: bool
    state_after: LinkState
    failing_after: int
    run_inconclusive: bool = False


@dataclass(frozen=True)
class Transition:
    """A change of a URL's state."""

    url: str
    at: datetime
    from_state: LinkState
    to_state: LinkState
    failing_count: int
    check_id: int | None
    reason: str | None


@dataclass(frozen=True)
class RecordedRun:
    """What recording a run returns: its id and the results as stored."""

    run_id: int
    results: tuple[LinkResult, ...]  # the input, with state, failing_count, previous_state


@dataclass(frozen=True)
class RunRecord:
    """One stored run and its results, as read back from the database.

    ``kind`` is :data:`~archiver.history.kinds.KIND_CHECK` (``archiver
    check``: ``links`` holds one result per URL, no captures or quotes) or
    :data:`~archiver.history.kinds.KIND_PIPELINE`
    (``archiver run``: one link result per source, captures and quotes).
    Results carry the fields the database keeps, not every field of a live run.
    """

    id: int
    manifest_id: str
    kind: str
    started_at: datetime
    finished_at: datetime
    inconclusive: bool  # the link checks were voided (offline): no link state advanced
    baseline: bool  # every stage reached a verdict: later runs compare with this one
    reason: str | None = None
    tool_version: str | None = None
    links: tuple[LinkResult, ...] = ()
    captures: tuple[CaptureResult, ...] = ()
    quotes: tuple[QuoteResult, ...] = ()
