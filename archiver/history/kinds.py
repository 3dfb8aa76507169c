"""The kinds of run history records: ``runs.kind``.

``runs.kind`` tells an ``archiver check`` run from a whole ``archiver run``.
"""

from __future__ import annotations

#: ``runs.kind``: a run of ``archiver check`` or a whole ``archiver run``.
KIND_CHECK = "check"
KIND_PIPELINE = "run"
