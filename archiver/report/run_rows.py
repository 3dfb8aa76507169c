"""The run report's records: :class:`Summary` (a run's counts) and :class:`SourceRow`.

:mod:`archiver.report.serialize` makes and writes them, and still exports both names;
they are apart so that a link check, which writes neither, does not make them (about
2 ms of its start-up: a dataclass compiles its methods when it is made).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from archiver.models import LinkResult, Source

if TYPE_CHECKING:  # made on first use (archiver/models.py)
    from archiver.models import CaptureResult, Change, QuoteResult


@dataclass(frozen=True)
class Summary:
    """How many results of each kind a run has (the classes, states, outcomes met only)."""

    sources: int
    links: dict[str, int]
    link_states: dict[str, int]
    captures: dict[str, int]
    quotes: dict[str, int]
    changes: int


@dataclass(frozen=True)
class SourceRow:
    """Everything known about one source in a run."""

    source: Source
    link: LinkResult | None
    capture: CaptureResult | None
    quotes: tuple[QuoteResult, ...]
    changes: tuple[Change, ...]
