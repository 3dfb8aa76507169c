"""Which results make a run fail: the ``--fail-on`` words and :class:`FailPolicy`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from archiver.errors import ConfigError
from archiver.models import LinkClass, LinkResult, LinkState

#: ``--fail-on`` words besides class and state names.
FAIL_ON_ANY = "any"
FAIL_ON_NEVER = "never"
FAIL_ON_STATES = (LinkState.FAILING, LinkState.DEAD)
FAIL_ON_CLASSES = tuple(c for c in LinkClass if c is not LinkClass.INCONCLUSIVE)
FAIL_ON_CHOICES = (tuple(str(c) for c in FAIL_ON_CLASSES) + tuple(str(s) for s in FAIL_ON_STATES)
                   + (FAIL_ON_ANY, FAIL_ON_NEVER))
#: Issue #3's default: links gone this run (soft 404s included) and links dead by history.
DEFAULT_FAIL_ON = ("gone", "dead")


@dataclass(frozen=True)
class FailPolicy:
    """Which results make a run fail (exit code 1).

    Words: a class name matches results of that class this run (``gone`` also
    matches ``soft404``); ``failing`` and ``dead`` match the history state;
    ``any`` matches every result that is not ``ok`` or ``redirected``; ``never``
    matches nothing.
    """

    classes: frozenset[LinkClass] = field(default_factory=frozenset)
    states: frozenset[LinkState] = field(default_factory=frozenset)
    words: tuple[str, ...] = ()

    @classmethod
    def parse(cls, values: Iterable[str]) -> FailPolicy:
        words: list[str] = []
        for value in values:
            words.extend(w.strip().lower() for w in value.split(",") if w.strip())
        if not words:
            words = list(DEFAULT_FAIL_ON)
        unknown = [w for w in words if w not in FAIL_ON_CHOICES]
        if unknown:
            raise ConfigError(f"--fail-on: unknown value {unknown[0]!r}",
                              hint="use a comma-separated list of: " + ", ".join(FAIL_ON_CHOICES))
        if FAIL_ON_NEVER in words and len(set(words)) > 1:
            raise ConfigError("--fail-on: 'never' cannot be combined with other values")
        classes: set[LinkClass] = set()
        states: set[LinkState] = set()
        for word in words:
            if word == FAIL_ON_ANY:
                classes.update(c for c in FAIL_ON_CLASSES if not c.is_success)
            elif word in {str(s) for s in FAIL_ON_STATES}:
                states.add(LinkState(word))
            elif word != FAIL_ON_NEVER:
                classes.add(LinkClass(word))
                if word == LinkClass.GONE:
                    classes.add(LinkClass.SOFT404)
        return cls(frozenset(classes), frozenset(states), tuple(dict.fromkeys(words)))

    def matches(self, result: LinkResult) -> bool:
        return result.link_class in self.classes or result.state in self.states

    def __str__(self) -> str:
        return ",".join(self.words) or FAIL_ON_NEVER
