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

**Values are stored as given, and never make a field of their own.** Many
values come from an archive (its raw headers, the Memento-Datetime it sent, a
CDX row). A value that could not be written as one line of its own is written
in the extended form of RFC 8187 §3.2 (the ``filename*=`` of RFC 6266 §4.3): the
name gets a ``*`` and the value is ``UTF-8''`` followed by the value's UTF-8
bytes percent-encoded, every byte except the RFC 8187 ``attr-char``:

    ("note", "a" + NEL + "b")     is written    note*: UTF-8''a%C2%85b

That form is used when the value holds a character that some reader takes
for a line break (:data:`LINE_BREAKS`: CR, LF, and what ``str.splitlines``
also splits on: VT, FF, FS, GS, RS, NEL, U+2028, U+2029), when it begins or
ends with a space or tab (which a reader strips), when it holds a lone
surrogate (no UTF-8), or when the name itself ends with ``*``.
:func:`decode_fields` reverses it, so ``decode_fields(encode_fields(pairs)) ==
pairs`` for every value, and it splits lines on LF (CRLF or a bare LF) only,
so one written line is one field. Names are the writer's own constants and
must be RFC 9110 tokens (§5.6.2); anything else is a programming error
(ValueError). Every other value is written exactly as before.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Mapping
from urllib.parse import quote, unquote_to_bytes

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
#: "true" on another capture of the source's URL stored on request (``fetch
#: --captures``): not the chosen one (``archiver-chosen: false``), but a page
#: verify may also search.
F_EXTRA = "archiver-extra"
F_REDIRECT = "redirect"  # repeated: "<status> <url>" per archived hop, in order
F_PAYLOAD_SHA256 = "payload-sha256"  # "sha256:<hex>" of the HTTP payload

CONTENT_TYPE = "application/warc-fields"


#: Characters a reader may take for the end of a line (``str.splitlines``, Unicode
#: line and paragraph separators): never written raw in a value.
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
#: RFC 9110 §5.6.2 ``tchar``: what a field name is made of.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
#: RFC 8187 §3.2.1 ``attr-char``: bytes written as themselves in the extended form.
_ATTR_CHARS = "!#$&+-.^_`|~"
_EXTENDED = re.compile(r"UTF-8'[A-Za-z0-9-]*'((?:%[0-9A-Fa-f]{2}|[A-Za-z0-9!#$&+\-.^_`|~])*)",
                       re.IGNORECASE)
_LINE_END = re.compile(r"\r?\n")


def _needs_extended(name: str, value: str) -> bool:
    if name.endswith("*") or value != value.strip(" \t"):
        return True
    if any(ch in LINE_BREAKS for ch in value):
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return True
    return False


def encode_fields(fields: Iterable[tuple[str, str]]) -> bytes:
    """Encode name/value pairs (names may repeat) as application/warc-fields.

    A value that cannot be written as it is gets RFC 8187's extended form (see
    the module's docstring). Raises ValueError for a name that is not a token.
    """
    lines = []
    for name, value in fields:
        if not _TOKEN.fullmatch(name):
            raise ValueError(f"cannot encode warc-field {name!r}: the name is not a token")
        if _needs_extended(name, value):
            raw = value.encode("utf-8", errors="surrogatepass")
            lines.append(f"{name}*: UTF-8''{quote(raw, safe=_ATTR_CHARS)}\r\n")
        else:
            lines.append(f"{name}: {value}\r\n")
    return "".join(lines).encode("utf-8")


def decode_fields(data: bytes) -> list[tuple[str, str]]:
    """Decode application/warc-fields into name/value pairs, in order.

    One line is one field: lines end at LF (or CRLF) only. A ``name*`` field in
    RFC 8187's extended form is decoded to ``name`` and its value.
    """
    pairs: list[tuple[str, str]] = []
    for line in _LINE_END.split(data.decode("utf-8", errors="replace")):
        if ":" not in line:
            continue
        name, _, value = line.partition(":")
        name, value = name.strip(" \t"), value.strip(" \t")
        if not name:
            continue
        if name.endswith("*"):
            extended = _EXTENDED.fullmatch(value)
            if extended is not None:
                raw = unquote_to_bytes(extended.group(1))
                with contextlib.suppress(UnicodeDecodeError):  # else kept as written
                    name, value = name[:-1], raw.decode("utf-8", errors="surrogatepass")
        pairs.append((name, value))
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
