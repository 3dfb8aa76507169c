"""The bare strings history stores and compares, in one place.

``runs.kind`` tells an ``archiver check`` run from a whole ``archiver run``.
The live statuses are the values :mod:`archiver.verify` puts in
``QuoteResult.live_status`` (see :class:`archiver.models.QuoteResult`); they
are plain strings there too, so they are plain strings here.
"""

from __future__ import annotations

#: ``runs.kind``: a run of ``archiver check`` or a whole ``archiver run``.
KIND_CHECK = "check"
KIND_PIPELINE = "run"

#: ``QuoteResult.live_status``: the quote is on the live page as it was archived,
#: only a changed version of it is there, or it is not there at all.
LIVE_PRESENT = "present"
LIVE_ALTERED = "altered"
LIVE_GONE = "gone"
#: Live statuses that mean the quote is not (as such) on the live page
#: (the same pair as ``QuoteResult.drifted``).
DRIFT = frozenset({LIVE_GONE, LIVE_ALTERED})
