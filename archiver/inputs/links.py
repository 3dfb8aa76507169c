"""What the document readers produce: a found link, the kinds of documents, the tallies."""

from __future__ import annotations

import enum
import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit


class DocumentKind(enum.StrEnum):
    """The kinds of documents links are read from."""

    MARKDOWN = "markdown"
    HTML = "html"
    RST = "rst"
    TEXT = "text"  # plain text: bare URLs
    URL_LIST = "url_list"  # one URL per line, '#' comments
    CSV = "csv"  # a table with a 'url' column


@dataclass(frozen=True)
class FoundLink:
    """One http(s) link where it was written.

    ``file`` is the path as given or found by the walk (``-`` for stdin);
    ``line`` and ``column`` are 1-based; ``column`` is ``None`` where the
    reader cannot tell it exactly (Markdown). ``text`` is the anchor text (a
    title candidate), empty when the URL stands alone. ``date`` is a CSV row's
    ``date`` cell, as written.
    """

    url: str
    text: str
    file: str
    line: int
    column: int | None
    kind: DocumentKind
    date: str | None = None

    @property
    def location(self) -> str:
        """``file:line``, as compilers and CI annotations write it."""
        return f"{self.file}:{self.line}"


@dataclass
class InputStats:
    """What reading the inputs met besides http(s) links; filled in as the iterator runs.

    ``skipped_links`` counts the links that were not kept, per reason
    (``mailto``, ``relative``, ``file``, ``other_scheme``, ``malformed``);
    ``skipped_files`` lists (path, reason) for files not read (too large,
    binary, unreadable).
    """

    files: int = 0
    bytes: int = 0
    links: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    skipped_links: Counter[str] = field(default_factory=Counter)
    skipped_files: list[tuple[str, str]] = field(default_factory=list)


#: A host as a URL may name it: letters (any script), digits, '-', '_', '.', or an IP literal.
_HOST = re.compile(r"(?:[\w-]+(?:\.[\w-]+)*\.?|\[[0-9A-Fa-f:.]+\])", re.UNICODE)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
#: An http(s) URL whose host is plain ASCII labels (an optional port), then its path,
#: query, fragment or the end: one :func:`judge` keeps without splitting it.
_PLAIN = re.compile(r"[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.?"
                    r"(?::([0-9]{1,5}))?(?:[/?#]|\Z)")
_MAX_PORT = 65535


def judge(url: str) -> str | None:
    """``None`` when ``url`` is an absolute http(s) link to keep, else why it is skipped.

    The reasons are the keys of :attr:`InputStats.skipped_links`. A host with
    characters no host may have (``http://a.org,next``) is ``malformed``, as
    lychee's URL parser refuses it.
    """
    url = url.strip()
    plain = _PLAIN.match(url)
    if plain is not None and (plain.group(1) is None or int(plain.group(1)) <= _MAX_PORT):
        # most links: kept in 1 µs without splitting the URL (10 µs; about a third of
        # reading Markdown went there); tests/test_inputs_judge.py holds the two ways equal
        return None
    scheme = _SCHEME.match(url)
    if scheme is None:
        return "relative"
    name = scheme.group(0)[:-1].lower()
    if name == "mailto":
        return "mailto"
    if name == "file":
        return "file"
    if name not in ("http", "https"):
        return "other_scheme"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return "malformed"
    host = parts.netloc.rpartition("@")[2]
    if parts.port is not None or host.endswith(":"):
        host = host.rsplit(":", 1)[0]
    if not host or not _HOST.fullmatch(host):
        return "malformed"
    return None
