"""Which fetch results count as findings (``--fail-on``, exit code 1)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from archiver.errors import ConfigError
from archiver.models import CaptureOutcome, CaptureResult

#: Outcomes that leave a source without a stored capture (inconclusive ones aside).
MISSING = frozenset({
    CaptureOutcome.NO_CAPTURE, CaptureOutcome.BLOCKED_SITE, CaptureOutcome.BLOCKED_ROBOTS,
    CaptureOutcome.NO_MEMENTO, CaptureOutcome.PLAYBACK_ERROR,
})
PRE_PUBLICATION = "pre_publication"
FAIL_ON_CHOICES = ("missing", "none", PRE_PUBLICATION, *sorted(o.value for o in MISSING))
DEFAULT_FAIL_ON = ("missing",)


@dataclass(frozen=True)
class FailOn:
    """Outcomes (and optionally pre-publication captures) that are findings."""

    outcomes: frozenset[CaptureOutcome] = MISSING
    pre_publication: bool = False

    @classmethod
    def parse(cls, values: Iterable[str]) -> FailOn:
        """From ``--fail-on`` values: comma-separated names, repeatable."""
        names = [n.strip().lower().replace("-", "_") for v in values for n in v.split(",")]
        names = [n for n in names if n] or list(DEFAULT_FAIL_ON)
        outcomes: set[CaptureOutcome] = set()
        pre = False
        for name in names:
            if name == "missing":
                outcomes |= MISSING
            elif name == "none":
                continue
            elif name == PRE_PUBLICATION:
                pre = True
            elif name in {o.value for o in MISSING}:
                outcomes.add(CaptureOutcome(name))
            else:
                raise ConfigError(f"unknown --fail-on value {name!r}",
                                  hint=f"choose from {', '.join(FAIL_ON_CHOICES)}")
        return cls(frozenset(outcomes), pre)

    def fails(self, result: CaptureResult) -> bool:
        if result.outcome in self.outcomes:
            return True
        return bool(self.pre_publication and result.capture is not None
                    and result.capture.pre_publication)

    def __str__(self) -> str:
        names = sorted(o.value for o in self.outcomes)
        if self.outcomes == MISSING:
            names = ["missing"]
        if self.pre_publication:
            names.append(PRE_PUBLICATION)
        return ",".join(names) or "none"
