"""The provenance contract between the store's writer and its index (read by verify).

For every capture it chooses, ``fetch`` (through :mod:`archiver.store.writer`)
writes a WARC ``metadata`` record right after the capture's ``response`` record, with
``WARC-Refers-To: <response record id>``, the same ``WARC-Target-URI`` and
``WARC-Date``, and ``Content-Type: application/warc-fields``. Its fields
(names below) say which source the capture is for and how it was chosen, so
``verify`` can prefer the capture ``fetch`` chose over any other capture of the
same URL in the folder.

``application/warc-fields`` is the WARC named-field format: one ``Name: value``
per line, CRLF line endings (WARC 1.1 §5.6 / §6.2).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# Field names of the archiver metadata record.
F_SOFTWARE = "software"  # archiver/x.y.z
F_MANIFEST_ID = "manifest-id"
F_SOURCE_ID = "source-id"
F_REQUESTED_URL = "requested-url"  # the manifest's URL
F_ARCHIVE = "archive"  # the archive's base URL
F_MEMENTO_URL = "memento-url"  # the final URI-M downloaded
F_MEMENTO_DATETIME = "memento-datetime"  # as the archive sent it (RFC 1123)
F_PUBLISHED = "published"  # the source's publication date (YYYY-MM-DD)
F_DISTANCE_DAYS = "distance-days"  # capture time minus publication, in days
F_PRE_PUBLICATION = "pre-publication"  # "true" when captured before publication
F_CHOSEN = "archiver-chosen"  # "true" on the capture fetch chose for the source
F_REDIRECT = "redirect"  # repeated: "<status> <url>" per archived hop, in order
F_PAYLOAD_SHA256 = "payload-sha256"  # "sha256:<hex>" of the HTTP payload

CONTENT_TYPE = "application/warc-fields"


def encode_fields(fields: Iterable[tuple[str, str]]) -> bytes:
    """Encode name/value pairs (names may repeat) as application/warc-fields."""
    lines = []
    for name, value in fields:
        if "\n" in value or "\r" in value or ":" in name:
            raise ValueError(f"cannot encode warc-field {name!r}: {value!r}")
        lines.append(f"{name}: {value}\r\n")
    return "".join(lines).encode("utf-8")


def decode_fields(data: bytes) -> list[tuple[str, str]]:
    """Decode application/warc-fields into name/value pairs, in order."""
    pairs: list[tuple[str, str]] = []
    for line in data.decode("utf-8", errors="replace").splitlines():
        if not line.strip() or ":" not in line:
            continue
        name, _, value = line.partition(":")
        pairs.append((name.strip(), value.strip()))
    return pairs


def first(pairs: Iterable[tuple[str, str]], name: str) -> str | None:
    for key, value in pairs:
        if key.lower() == name.lower():
            return value
    return None


def as_dict(pairs: Iterable[tuple[str, str]]) -> Mapping[str, str]:
    """The first value of each field."""
    out: dict[str, str] = {}
    for key, value in pairs:
        out.setdefault(key, value)
    return out
