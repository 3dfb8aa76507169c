"""Which verify results make ``archiver verify`` fail (``--fail-on``, exit code 1).

The accepted values are listed in :data:`FAIL_ON_CHOICES`: status names
joined by commas, ``drift`` (found in the archived copy but not on the live
page), ``any`` and ``none``.
"""

from __future__ import annotations

from dataclasses import dataclass

from archiver.models import QuoteResult, QuoteStatus
from archiver.verify.run import is_drift


@dataclass(frozen=True)
class FailOn:
    """Which results make ``verify`` report failure (exit code 1)."""

    statuses: frozenset[QuoteStatus] = frozenset({QuoteStatus.MISSING, QuoteStatus.ALTERED})
    drift: bool = False

    def fails(self, result: QuoteResult) -> bool:
        if result.status in self.statuses:
            return True
        return self.drift and is_drift(result)


#: ``--fail-on`` values.
FAIL_ON_CHOICES = ("missing,altered", "missing", "altered", "missing,altered,unverifiable",
                   "drift", "any", "none")
DEFAULT_FAIL_ON = "missing,altered"


def parse_fail_on(spec: str) -> FailOn:
    """Turn a ``--fail-on`` value into a :class:`FailOn`."""
    if spec == "none":
        return FailOn(frozenset())
    if spec == "any":
        return FailOn(frozenset({QuoteStatus.MISSING, QuoteStatus.ALTERED,
                                 QuoteStatus.UNVERIFIABLE}), drift=True)
    statuses: set[QuoteStatus] = set()
    drift = False
    for part in spec.split(","):
        part = part.strip()
        if part == "drift":
            drift = True
        elif part:
            statuses.add(QuoteStatus(part))
    return FailOn(frozenset(statuses), drift)
