"""Retries: which results are tried again, after how long, and what the last one says.

Only ``transient`` results are retried, with exponential backoff and jitter
(:func:`archiver.net.backoff_delay`) or the server's ``Retry-After`` (RFC 9110
§10.2.3), whichever is longer, up to ``CheckOptions.max_retry_after``. The
waiting itself is the caller's: :meth:`.Checker.check` sleeps,
:func:`archiver.pipeline.check_manifest` reschedules.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from archiver.check.options import CheckOptions
from archiver.models import LinkClass, LinkResult
from archiver.net import backoff_delay


@dataclass(frozen=True)
class Attempt:
    """One try at a URL: the result plus what a retry decision needs."""

    result: LinkResult
    retry_after: float | None = None  # seconds the server asked for (uncapped)


def retry_delay(attempt: int, outcome: Attempt, options: CheckOptions,
                rng: random.Random | None = None) -> float | None:
    """Seconds to wait before trying again, or None to stop.

    Only ``transient`` results are retried, at most ``options.retries`` times,
    after the larger of the server's ``Retry-After`` and an exponential backoff
    with jitter. A ``Retry-After`` beyond ``options.max_retry_after`` gives up.

    Parameters
    ----------
    attempt:
        The number of the attempt that just ended (1 for the first).
    """
    if outcome.result.link_class is not LinkClass.TRANSIENT or attempt > options.retries:
        return None
    if outcome.retry_after is not None and outcome.retry_after > options.max_retry_after:
        return None
    delay = backoff_delay(attempt, options.backoff, rng=rng)
    if outcome.retry_after is not None:
        delay = max(delay, outcome.retry_after)
    return delay


def final_result(outcome: Attempt, options: CheckOptions) -> LinkResult:
    """The result of a URL's last attempt, noting why a transient one was not retried."""
    result = outcome.result
    if result.link_class is not LinkClass.TRANSIENT:
        return result
    if outcome.retry_after is not None and outcome.retry_after > options.max_retry_after:
        note = (f"; the server asked us to wait {outcome.retry_after:.0f} s, more than the "
                f"{options.max_retry_after:.0f} s we wait")
    elif result.attempts > 1:
        note = f"; gave up after {result.attempts} attempts"
    else:
        note = ""
    return replace(result, detail=(result.detail or "") + note)
