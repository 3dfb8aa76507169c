"""The JSON Schemas (draft 2020-12) of every JSON document archiver writes, and their ids.

Each ``<name>.schema.json`` in this folder describes one document; the shared
records (a link result, a capture, a quote result, ...) are in
``records.schema.json`` and the documents refer to them by ``$ref``.

Ids follow one scheme: ``https://archiver.invalid/schemas/<name>/<version>.json``
(``.invalid`` is reserved by RFC 2606, so the ids name the schemas without
pretending to be fetchable). ``<version>`` is a whole number, raised whenever
output changes in a way the previous schema would reject: a field added,
removed or renamed, a type changed, a value added to an enum. A document that
uses ``records`` changes version when the records it uses do.

Every document says which schema it follows: in the ``schema`` field of its
``run`` header (check, fetch, verify, run, capture), else in a top-level ``schema``
field (history, validate, extract).
The ``save`` and ``fixity`` documents keep their outcome enums in their own
``$defs`` (``save_outcome``, ``fixity_outcome``).
"""

from __future__ import annotations

import json
from typing import Any

BASE = "https://archiver.invalid/schemas/"

#: Each schema's name (its file is ``<name>.schema.json``) and current version.
VERSIONS: dict[str, int] = {
    # 2 (0.3): link results' locations and expected, the ignored class, sources'
    # note/ignore/expect, captures' extra_captures, quote results' timeline; captures'
    # kind (archived or live) and the live_error outcome (archiver capture)
    "records": 2,
    "check": 2,  # 2: records 2
    "fetch": 2,  # 2: records 2
    "verify": 2,  # 2: records 2
    "run": 2,  # 2: records 2
    "history-links": 2,  # 2: records 2
    "history-link": 2,  # 2: records 2
    "history-runs": 2,  # 2: records 2
    "history-run": 2,  # 2: records 2
    "validate": 1,
    "extract": 2,  # 2: records 2
    "config": 1,
    "history-export": 1,
    "package": 1,
    "save": 1,
    "fixity": 1,
    "history-saves": 1,
    "history-fixity": 1,
    "capture": 1,
}


def schema_id(name: str) -> str:
    """The ``$id`` of schema ``name``, e.g. ``https://archiver.invalid/schemas/check/2.json``."""
    return f"{BASE}{name}/{VERSIONS[name]}.json"


def load(name: str) -> dict[str, Any]:
    """The schema ``name`` as shipped in the package."""
    from importlib import resources  # here: the writers only need schema_id, not the files

    text = resources.files(__name__).joinpath(f"{name}.schema.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


__all__ = ["BASE", "VERSIONS", "load", "schema_id"]
