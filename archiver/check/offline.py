"""Offline detection: tell "this machine is offline" from "these links are dead".

A run is offline when most of its distinct hosts could not be reached at all
(DNS or connect failures, :data:`.rules.NETWORK_LEVEL_ERRORS`); its failures are
then voided (:func:`void_results`) rather than counted against the links.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from archiver.check.rules import NETWORK_LEVEL_ERRORS, OFFLINE_HOST_SHARE, OFFLINE_MIN_HOSTS
from archiver.models import LinkClass, LinkResult
from archiver.urls import host_of


class OfflineTally:
    """:func:`judge_offline`'s count, kept as results come: memory by hosts, not by results.

    ``add`` each result of a run, then ask :meth:`verdict`.
    """

    __slots__ = ("_per_host",)

    def __init__(self) -> None:
        self._per_host: dict[str, bool] = {}  # host -> every check failed at the network level

    def add(self, result: LinkResult) -> None:
        if result.link_class is LinkClass.INVALID and result.error in ("private", "invalid"):
            return  # refused before any network use
        host = host_of(result.url)
        network_failed = result.error in NETWORK_LEVEL_ERRORS
        self._per_host[host] = self._per_host.get(host, True) and network_failed

    def verdict(self, *, share: float = OFFLINE_HOST_SHARE,
                min_hosts: int = OFFLINE_MIN_HOSTS) -> str | None:
        """Why the results added so far look offline, or None (:func:`judge_offline`)."""
        total = len(self._per_host)
        failed = sum(self._per_host.values())
        if total >= min_hosts and failed > share * total:
            return (f"{failed} of {total} hosts could not be reached at all (DNS or "
                    "connection failures): this machine looks offline")
        return None


def judge_offline(results: Iterable[LinkResult], *, share: float = OFFLINE_HOST_SHARE,
                  min_hosts: int = OFFLINE_MIN_HOSTS) -> str | None:
    """Why the run looks offline, or None.

    Offline when at least ``min_hosts`` distinct hosts were checked and more
    than ``share`` of them failed *every* check at the network level (DNS or
    connect: :data:`NETWORK_LEVEL_ERRORS`).
    """
    tally = OfflineTally()
    for result in results:
        tally.add(result)
    return tally.verdict(share=share, min_hosts=min_hosts)


def void_results(results: Iterable[LinkResult], reason: str) -> tuple[LinkResult, ...]:
    """Mark an inconclusive run's results: every non-success becomes ``inconclusive``."""
    return tuple(void_result(r, reason) for r in results)


def voidable(r: LinkResult) -> bool:
    """Whether :func:`void_result` changes ``r``: a non-success, not yet inconclusive."""
    return not (r.link_class.is_success or r.link_class is LinkClass.INCONCLUSIVE)


def void_result(r: LinkResult, reason: str) -> LinkResult:
    """One result of an inconclusive run: a non-success becomes ``inconclusive``."""
    if not voidable(r):
        return r
    return replace(r, link_class=LinkClass.INCONCLUSIVE, observed_class=r.link_class,
                   detail=f"run inconclusive ({reason}); observed {r.link_class}: "
                   f"{r.detail or r.error or ''}".rstrip(": "))
