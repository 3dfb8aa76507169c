"""Sources split into partitions of whole hosts: the unit of work of a cluster run.

Per-host politeness (at most ``per_host_concurrency`` requests in flight, starts
``per_host_interval`` apart, 429 and ``Retry-After`` pausing the host) is kept by
one :class:`~archiver.net.HostLimiter` in one process. A host therefore belongs
to exactly one partition, and a partition is checked by one task on one worker
at a time, so the limits hold across the whole cluster as they do on one machine.
No network here.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from archiver.models import LinkResult
from archiver.urls import host_of


@dataclass(frozen=True)
class Partition:
    """Whole hosts' sources: ``(position, source_id, url)``, position in the run's pairs."""

    index: int
    items: tuple[tuple[int, str, str], ...]

    @property
    def hosts(self) -> frozenset[str]:
        return frozenset(host_of(url) for _, _, url in self.items)

    @property
    def urls(self) -> int:
        """Distinct URLs (each is requested once however many sources list it)."""
        return len({url for _, _, url in self.items})


@dataclass(frozen=True)
class PartitionResult:
    """What a worker sends back: one result per item of the partition, and its request count."""

    index: int
    results: tuple[tuple[int, LinkResult], ...]
    requests: int
    worker: str = ""


def partition_by_host(pairs: Sequence[tuple[str, str]], count: int, *,
                      key: Callable[[str], str] = host_of) -> list[Partition]:
    """``(source_id, url)`` pairs split into at most ``count`` partitions of whole hosts.

    ``key`` names a URL's host (a coarser key keeps more together: ``capture``
    keeps ``www.`` hosts with their site, :func:`archiver.cluster.stage.site_of`).
    Hosts go, largest first, to the partition with the fewest distinct URLs so
    far (longest-processing-time-first scheduling), so partitions are of about
    equal work; a host with more URLs than the rest together is a partition of
    its own. Each partition keeps its items in the pairs' order.
    """
    by_host: dict[str, list[tuple[int, str, str]]] = {}
    for position, (source_id, url) in enumerate(pairs):
        by_host.setdefault(key(url), []).append((position, source_id, url))
    if not by_host:
        return []
    count = max(1, min(count, len(by_host)))
    sizes = {host: len({url for _, _, url in items}) for host, items in by_host.items()}
    heap = [(0, index) for index in range(count)]
    members: list[list[tuple[int, str, str]]] = [[] for _ in range(count)]
    for host in sorted(by_host, key=lambda h: (-sizes[h], h)):
        load, index = heapq.heappop(heap)
        members[index].extend(by_host[host])
        heapq.heappush(heap, (load + sizes[host], index))
    parts = [sorted(items) for items in members if items]
    return [Partition(index, tuple(items)) for index, items in enumerate(parts)]


class Collector:
    """The coordinator's results: one per source, whatever the cluster sends twice.

    A partition's result is taken whole the first time it arrives complete; a
    second result for the same partition (a task rerun after its worker was
    thought dead, yet finished) is dropped, as is one that does not cover its
    partition exactly. So every source ends with exactly one result.
    """

    def __init__(self, partitions: Sequence[Partition]) -> None:
        self._expected = {p.index: frozenset(pos for pos, _, _ in p.items) for p in partitions}
        self._results: dict[int, LinkResult] = {}
        self._done: set[int] = set()
        self.requests = 0
        self.dropped = 0

    def add(self, out: PartitionResult) -> tuple[LinkResult, ...]:
        """Take ``out`` if it is a first, complete result; the results taken (none if dropped)."""
        expected = self._expected.get(out.index)
        positions = [pos for pos, _ in out.results]
        if (out.index in self._done or expected is None or len(positions) != len(expected)
                or set(positions) != expected):
            self.dropped += 1
            return ()
        self._done.add(out.index)
        self.requests += out.requests
        for position, result in out.results:
            self._results[position] = result
        return tuple(result for _, result in out.results)

    @property
    def complete(self) -> bool:
        return len(self._done) == len(self._expected)

    def missing(self) -> list[int]:
        """The partitions with no result yet."""
        return sorted(set(self._expected) - self._done)

    def results(self, total: int) -> list[LinkResult | None]:
        """The result of each position ``0 .. total-1`` (None where none came back)."""
        return [self._results.get(position) for position in range(total)]
