"""Read and validate manifests (TOML).

A manifest has one ``[manifest]`` table and one ``[[source]]`` per URL, each
with optional ``[[source.quote]]`` entries. See ``manifests/example.toml``.

:func:`load_manifest` reads a file and returns a :class:`~archiver.models.Manifest`
or raises :class:`~archiver.errors.ManifestError` listing *every* problem found
in one pass. :func:`validate_file` returns the problems (errors and warnings)
without raising, for ``archiver validate``.
"""

from __future__ import annotations

import calendar
import contextlib
import difflib
import gc
import ipaddress
import json
import re
import tomllib
import unicodedata
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from archiver.errors import ConfigError, ManifestError, Problem, Severity
from archiver.models import (
    DatePrecision,
    Expectation,
    Manifest,
    Quote,
    QuoteKind,
    Relation,
    Source,
)
from archiver.urls import url_key

#: A manifest larger than this is refused before parsing (a guard against a wrong
#: path, not a size real collections reach: 100,000 sources with a quote each are
#: about 32 MB of TOML). ``validate_file``/``load_manifest`` take ``max_bytes``.
MAX_MANIFEST_BYTES = 1024 * 1024 * 1024
#: File name endings read as JSON Lines (one JSON object per line) instead of TOML.
#: A 100,000-source manifest (bench/bench_manifest.py, 25 MB as TOML) loads in about
#: 2.4 s as JSON Lines, 3.8 s as TOML with compiled tomli, 9.5 s with tomllib.
JSONL_SUFFIXES = (".jsonl", ".ndjson")

MANIFEST_KEYS = {"id", "title", "description", "dossier"}
SOURCE_KEYS = {
    "id", "url", "publisher", "title", "author", "published", "language",
    "relation", "archived_url", "archived_at", "quote",
    "note", "ignore", "expect",
}
QUOTE_KEYS = {"text", "kind", "lang"}
#: Keys a bibliography brings (``archiver extract`` from BibTeX, CSL-JSON or RIS):
#: several authors (``authors = ["…", "…"]``; ``author`` holds a single one) and
#: the day the researcher consulted the page (``accessed = 2014-09-20``).
SOURCE_KEYS |= {"authors", "accessed"}
REQUIRED_SOURCE_KEYS = ("id", "url", "publisher", "title", "published", "language")

#: Every pattern that validates a value is used with ``fullmatch`` (``$`` would
#: also match before a final newline) and matches ASCII only (``\d`` would also
#: match other scripts' digits).
SLUG_RE = re.compile(r"[a-z0-9](?:[a-z0-9._-]{0,118}[a-z0-9])?", re.ASCII)
# BCP 47, the common subset: language, optional script, region, variants.
BCP47_RE = re.compile(
    r"[A-Za-z]{2,3}(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|\d{3}))?(?:-[A-Za-z0-9]{5,8})*",
    re.ASCII,
)
TIMESTAMP14_RE = re.compile(r"\d{14}", re.ASCII)
SOURCE_HEADER_RE = re.compile(r"^[ \t]*\[\[[ \t]*source[ \t]*\]\]", re.MULTILINE)
#: SOURCE_HEADER_RE without its start of line, which keeps re from searching for
#: the literal "[[" (twice as fast); _source_lines checks the start of the line.
_SOURCE_HEADER_TAIL_RE = re.compile(r"\[\[[ \t]*source[ \t]*\]\]")

#: Arrays and tables nested deeper than this are refused. A manifest needs 5
#: (the file, ``source``, a source, ``quote``, a quote); the parser itself gives
#: up (RecursionError) a few hundred levels down.
MAX_NESTING = 32
#: Dates and times outside these years are refused: a typo, and beyond them the
#: arithmetic of later stages (a day before publication, a time in UTC) overflows.
MIN_YEAR, MAX_YEAR = 1000, 9998

EXAMPLE_HINT = "see manifests/example.toml for a commented example"


def _toml_parser() -> tuple[Callable[[str], dict[str, Any]], tuple[type[ValueError], ...], str]:
    """The TOML parser to read manifests with, what it raises on bad TOML, and its name.

    tomli is the project tomllib comes from; its wheels on PyPI are compiled with
    mypyc and parse a 2,000-source manifest about three times faster (0.03 s
    against 0.10 s here; bench/bench_manifest.py). Only versions 2.3.2 to 2.3.x
    are used: from 2.4.0 tomli reads TOML 1.1 (https://toml.io/en/v1.1.0:
    trailing commas and newlines in inline tables, ``\\e``, times without
    seconds), which tomllib of Python 3.11 to 3.14 refuses, so a manifest would
    load on one machine and not on another; before 2.3.2 the compiled parser
    nests inline arrays and tables as deep as the recursion limit, which can
    overflow a thread's C stack (tomli's _parser.py, MAX_INLINE_NESTING = 400
    since 2.3.2). Any other tomli, or none, and tomllib reads the manifest.
    """
    try:
        import tomli
    except ImportError:  # pragma: no cover - tomli is a dependency
        return tomllib.loads, (tomllib.TOMLDecodeError,), "tomllib"
    errors = (tomllib.TOMLDecodeError, tomli.TOMLDecodeError)
    version = tuple(int(part) for part in re.findall(r"\d+", tomli.__version__)[:3])
    if not (2, 3, 2) <= version < (2, 4):
        return tomllib.loads, errors, "tomllib"
    return tomli.loads, errors, f"tomli {tomli.__version__}"


#: The TOML parser manifests are read with (compiled tomli when installed, else
#: tomllib), what it raises for a document that is not TOML, and its name.
_toml_loads, _TOML_ERRORS, TOML_PARSER = _toml_parser()


@dataclass
class _Ctx:
    file: str
    problems: list[Problem]

    def error(self, message: str, *, hint: str | None = None,
              source_id: str | None = None, line: int | None = None) -> None:
        self.problems.append(Problem(self.file, message, hint, source_id, line))

    def warning(self, message: str, *, hint: str | None = None,
                source_id: str | None = None, line: int | None = None) -> None:
        self.problems.append(Problem(self.file, message, hint, source_id, line, Severity.WARNING))


# --------------------------------------------------------------------------
# reading the file
# --------------------------------------------------------------------------


def _read_text(path: Path, ctx: _Ctx, max_bytes: int = MAX_MANIFEST_BYTES) -> str | None:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        ctx.error("file not found", hint="check the path to the manifest")
        return None
    except OSError as err:
        ctx.error(f"cannot read file: {err.strerror}")
        return None
    if path.is_dir():
        ctx.error("is a directory, not a manifest file", hint="give the path of a .toml file")
        return None
    if size > max_bytes:
        ctx.error(
            f"file is {size / 1024 / 1024:.1f} MB; manifests are limited to "
            f"{max_bytes / 1024 / 1024:g} MB",
            hint="is this really a manifest? (the limit is load_manifest's max_bytes)",
        )
        return None
    try:
        raw = path.read_bytes()
    except OSError as err:
        ctx.error(f"cannot read file: {err.strerror}")
        return None
    if not raw.strip():
        ctx.error("file is empty", hint=f"a manifest needs a [manifest] table; {EXAMPLE_HINT}")
        return None
    if b"\x00" in raw[:8192]:
        ctx.error("file is binary, not a TOML text file",
                  hint="give the path of a .toml manifest")
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        ctx.error(f"file is not valid UTF-8 (byte {err.start})", line=line,
                  hint="save the manifest as UTF-8")
        return None


NESTING_HINT = ("a manifest nests at most [[source]] and [[source.quote]]; "
                "is this really a manifest?")


def _parse_toml(text: str, ctx: _Ctx) -> dict[str, Any] | None:
    try:
        data = _toml_loads(text)
    except RecursionError:
        # tomllib parses nested arrays and inline tables recursively; compiled tomli
        # raises RecursionError itself past 400 levels, or past the recursion limit's
        # number of parts in a dotted key.
        ctx.error("file is nested too deeply (arrays or tables inside one another "
                  "hundreds of levels down)", hint=NESTING_HINT)
        return None
    except _TOML_ERRORS as err:
        # The line is read from the message, "(at line N, column M)", as tomllib
        # of every Python version and tomli write it. err.lineno (tomli, Python
        # 3.14) is not used: it also numbers errors "at end of document", which
        # Python 3.11's tomllib does not, and the two parsers must report alike.
        msg = str(err)
        m = re.search(r"\s*\(at line (\d+), column \d+\)\Z", msg)
        line = int(m.group(1)) if m else None
        msg = msg[: m.start()] if m else msg
        fault = _date_fault(text.splitlines()[line - 1]) if line is not None and \
            0 < line <= len(text.splitlines()) else None
        if fault is not None:
            ctx.error(f"invalid TOML: {fault}", line=line,
                      hint="write a date that exists, as YYYY-MM-DD, e.g. published = 2014-08-28")
        else:
            ctx.error(f"invalid TOML: {msg}", line=line,
                      hint="fix the TOML syntax; strings need quotes and tables need [brackets]")
        return None
    except ValueError as err:  # int() refuses numbers of more than 4300 digits
        ctx.error(f"invalid TOML: {err}", hint="is this really a manifest?")
        return None
    if _depth(data) > MAX_NESTING:
        ctx.error(f"file is nested too deeply (arrays or tables more than {MAX_NESTING} "
                  "levels down)", hint=NESTING_HINT)
        return None
    return data


def _load_jsonl(text: str, path: Path, ctx: _Ctx) -> Manifest | None:
    """A JSON Lines manifest: ``{"manifest": {...}}`` first, then one source object a line.

    Each line is parsed and built in turn, so the parsed objects of 100,000 sources
    are never held together. Blank lines are skipped; every bad line is reported,
    not just the first; when a line is not JSON, only those faults are reported
    (what the other lines would say is set aside, as for a TOML syntax error).
    """
    lines = _JsonLines(ctx)
    for number, line in _numbered_lines(text):
        lines.feed(number, line)
        if lines.refused:
            return None
    return lines.finish(path)


class _JsonLines:
    """A JSON Lines manifest built a line at a time: what :func:`_load_jsonl` and
    :class:`ManifestReader` (which stops at the first fault) both do with a line."""

    def __init__(self, ctx: _Ctx) -> None:
        self.ctx = ctx  # the lines' faults
        self.built = _Ctx(ctx.file, [])  # the building's problems: reported if every line parses
        self.sources: _Sources | None = None
        self.ok = True  # every line so far is JSON
        self.refused = False  # the first line is not the head: nothing more is read

    def feed(self, number: int, line: str) -> None:
        """Parse line ``number``, ``line``, and build it (the head, or a source)."""
        if not line.strip():
            return
        ctx = self.ctx
        try:
            value = json.loads(line)
        except RecursionError:
            ctx.error("line is nested too deeply", line=number, hint=NESTING_HINT)
            self.ok = False
            return
        except ValueError as err:  # JSONDecodeError, and int() over 4300 digits
            ctx.error(f"invalid JSON: {err}", line=number,
                      hint="each line holds one JSON object: the first "
                      '{"manifest": {...}}, then one source per line')
            self.ok = False
            return
        if self.sources is None:
            if not (isinstance(value, dict) and set(value) == {"manifest"}):
                ctx.error('the first line must be {"manifest": {"id": ..., "title": ...}}',
                          line=number, hint=EXAMPLE_HINT)
                self.refused = True
                return
            self.sources = _Sources(value["manifest"], self.built)
            return
        if _depth(value) > MAX_NESTING:
            ctx.error(f"line is nested too deeply (more than {MAX_NESTING} levels)",
                      line=number, hint=NESTING_HINT)
            self.ok = False
            return
        if self.ok:
            self.sources.add(value, number)

    def finish(self, path: Path) -> Manifest | None:
        """The manifest once every line is fed, or None if it is not valid."""
        if self.refused:
            return None
        if self.sources is None:
            self.ctx.error("file is empty", hint='a JSON Lines manifest starts with '
                           f'{{"manifest": ...}}; {EXAMPLE_HINT}')
            return None
        if not self.ok:
            return None
        if self.sources.count == 0:
            _no_sources(self.built)
        self.ctx.problems.extend(self.built.problems)
        return self.sources.manifest(path)


def _numbered_lines(text: str) -> Iterator[tuple[int, str]]:
    """``text``'s lines, numbered from 1, one at a time (not all split at once).

    JSON Lines separates records with "\n" only (jsonlines.org); str.splitlines()
    would also split at U+2028 and the other separators JSON allows inside strings.
    """
    start = 0
    number = 1
    while True:
        end = text.find("\n", start)
        if end < 0:
            yield number, text[start:]
            return
        yield number, text[start:end]
        start = end + 1
        number += 1


def _depth(data: object) -> int:
    """How deep arrays and tables nest in ``data`` (without recursion: no limit to hit).

    Walked a level at a time, keeping only the tables and arrays of each level (a
    manifest's values are mostly strings: one list comprehension a level, not one
    stack entry per value); stops once deeper than :data:`MAX_NESTING`.
    """
    deepest = 0
    level: list[Any] = [data] if isinstance(data, _CONTAINERS) else []
    while level:
        deepest += 1
        if deepest > MAX_NESTING:
            break  # deep enough to refuse: no need to walk the rest
        level = [child for value in level
                 for child in (value.values() if isinstance(value, dict) else value)
                 if isinstance(child, _CONTAINERS)]
    return deepest


#: What nests in parsed TOML and JSON (a tuple: isinstance with ``dict | list`` is
#: twice as slow in Python 3.11).
_CONTAINERS = (dict, list)


# --------------------------------------------------------------------------
# field checks
# --------------------------------------------------------------------------


URL_HINT = "give an absolute http:// or https:// URL"

#: Characters IDNA maps to nothing (UTS #46 §5, "ignored"; Unicode's
#: Default_Ignorable_Code_Point) besides the format characters (category Cf:
#: U+00AD, U+200B-U+200F, U+2060, U+FEFF ...): combining grapheme joiner,
#: variation selectors, Hangul fillers.
_IGNORABLE = frozenset(
    [0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0, *range(0x180B, 0x1810), *range(0xFE00, 0xFE10),
     *range(0xE0100, 0xE01F0)])
#: Full stops IDNA takes for the label separator "." (RFC 3490 §3.1).
_IDNA_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})


def canonical_host(host: str) -> str:
    """``host`` as IDNA would read it: invisible characters dropped, NFKC, dots, lower case.

    A host equal to its canonical form is spelled the way it is requested. One
    that is not (``ｅｘａｍｐｌｅ.com``, a zero-width space inside a name, an
    ideographic full stop) is requested as another spelling than the manifest
    shows: UTS #46 §4 (mapping), RFC 3490 §3.1 (full stops), UAX #15 (NFKC).
    """
    if host.isascii():  # no format characters, NFKC changes nothing: the common case
        return host.translate(_IDNA_DOTS).lower()
    for _ in range(4):  # lower() may undo NFKC in rare cases: repeat until stable
        previous = host
        host = "".join(ch for ch in host if unicodedata.category(ch) != "Cf"
                       and ord(ch) not in _IGNORABLE)
        host = unicodedata.normalize("NFKC", host).translate(_IDNA_DOTS).lower()
        if host == previous:
            break
    return host


def _host_problem(host: str) -> tuple[str, str] | None:
    """Why ``host`` (lower case, as urlsplit gives it) is not canonical, and its canonical form."""
    if ":" in host:  # an IPv6 literal; a zone id ("%25eth0") is refused below
        if "%" not in host:
            return None
        return "it has a zone id ('%'), which means nothing outside this machine", \
            host.partition("%")[0]
    if "%" in host:
        return "it contains '%' (a percent-encoded host name)", canonical_host(unquote(host))
    canonical = canonical_host(host)
    if canonical == host:
        return None
    if any(unicodedata.category(ch) == "Cf" or ord(ch) in _IGNORABLE for ch in host):
        return "it contains invisible characters", canonical
    return "it contains full-width or compatibility characters that IDNA rewrites", canonical


#: Any character str.isspace() accepts (Unicode White_Space and the separators
#: Python adds), and the C0 controls and DEL; regular expressions, not per-character
#: Python loops, since every source URL passes here.
_SPACE_RE = re.compile(r"[\s\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


#: A URL that passes every check of :func:`_check_url_full`, recognised in one match:
#: ``http`` or ``https`` in lower case, a host of lower-case ASCII letters, digits,
#: '-' and '.' holding a dot, an optional port of digits, then only printable ASCII
#: (no space, no control character) after the '/', '?' or '#' that ends the host
#: (urlsplit's netloc, RFC 3986 §3.2). Most sources' URLs are such; tests prove the
#: two functions agree (tests/test_manifest_fastload.py).
#: Each part can match in one way only (the labels hold no '.', the host no ':' or
#: '/'), so a match takes time linear in the URL's length, whatever the URL.
_PLAIN_URL_RE = re.compile(
    r"https?://[a-z0-9-]*(?:\.[a-z0-9-]*)+(?::([0-9]{0,5}))?(?:[/?#][!-~]*)?", re.ASCII)
#: The largest TCP port (RFC 793 §3.1: 16 bits); urlsplit refuses larger ones.
_MAX_PORT = 65535


def _check_url(url: str) -> tuple[str, str] | None:
    """Why ``url`` is not an acceptable source URL and what to do, or None if it is."""
    if (m := _PLAIN_URL_RE.fullmatch(url)) and (not m.group(1) or int(m.group(1)) <= _MAX_PORT):
        return None  # what _check_url_full finds of it, without parsing it
    return _check_url_full(url)


def _check_url_full(url: str) -> tuple[str, str] | None:
    """:func:`_check_url` for any URL: parsed, the host judged."""
    if url != url.strip() or _SPACE_RE.search(url):
        return "URL contains whitespace (a URL split across lines?)", URL_HINT
    if not url:
        return "URL is empty", URL_HINT
    try:
        parts = urlsplit(url)
    except ValueError as err:
        return f"URL cannot be parsed ({err})", URL_HINT
    if parts.scheme.lower() not in ("http", "https"):
        scheme = parts.scheme or "(none)"
        return (f"URL scheme {_show(scheme)} is not allowed; only absolute http and https URLs "
                "are"), URL_HINT
    if not parts.hostname:
        return "URL has no host name", URL_HINT
    if parts.username is not None or parts.password is not None:
        return "URL contains credentials (user:password@); remove them", URL_HINT
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return "URL has an invalid port", URL_HINT
    host = parts.hostname
    if problem := _host_problem(host):
        why, canonical = problem
        hint = (f"write the host as {canonical!r}" if canonical
                else "the host is only invisible characters; give the real host name")
        return f"URL host {_show(host)} is not in canonical form: {why}", hint
    if "." not in host and host != "localhost":
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return f"URL host {_show(host)} has no dot; is it a complete domain name?", URL_HINT
    if _CONTROL_RE.search(url):
        return "URL contains control characters", URL_HINT
    return None


def check_url(url: str) -> str | None:
    """Return why ``url`` is not an acceptable source URL, or None if it is."""
    problem = _check_url(url)
    return problem[0] if problem else None


def _show(value: object, limit: int = 80) -> str:
    """``repr(value)`` for a message, cut short: a value from the file may be megabytes long."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _suggest(key: str, allowed: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(key, sorted(allowed), n=1)
    return f"did you mean {close[0]!r}?" if close else None


def _unknown_keys(table: Mapping[str, Any], allowed: set[str], where: str, ctx: _Ctx,
                  source_id: str | None = None, line: int | None = None) -> None:
    if table.keys() <= allowed:  # the common case, one set comparison
        return
    for key in table:
        if key not in allowed:
            hint = _suggest(key, allowed) or f"allowed keys: {', '.join(sorted(allowed))}"
            ctx.error(f"unknown key {_show(key)} in {where}", hint=hint,
                      source_id=source_id, line=line)


def _str_field(table: Mapping[str, Any], key: str, ctx: _Ctx, *, where: str,
               required: bool, source_id: str | None = None,
               line: int | None = None) -> str | None:
    if key not in table:
        if required:
            ctx.error(f"missing required key {key!r} in {where}",
                      hint=f"add {key} = \"...\"; {EXAMPLE_HINT}", source_id=source_id, line=line)
        return None
    value = table[key]
    if not isinstance(value, str):
        ctx.error(f"{key!r} must be a string, not {type(value).__name__}",
                  hint=f'write {key} = "..." with quotes', source_id=source_id, line=line)
        return None
    if not value.strip():
        ctx.error(f"{key!r} is empty", hint=f"give a value or remove {key}",
                  source_id=source_id, line=line)
        return None
    return value


PARTIAL_DATE_RE = re.compile(r"(\d{4})(?:-(\d{2}))?", re.ASCII)


_DATE_TOKEN_RE = re.compile(r"(?<![\d-])(\d{4})-(\d{2})(?:-(\d{2}))?(?![\d-])")


def _date_fault(text: str) -> str | None:
    """Why the first YYYY-MM[-DD] in ``text`` is not a date, or ``None`` if none is wrong.

    A month outside 1-12 or a day past the month's last (ISO 8601 calendar
    dates; the Gregorian calendar's month lengths).
    """
    for m in _DATE_TOKEN_RE.finditer(text):
        year, month = int(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12:
            return f"{m.group(0)} is not a date: there is no month {month} (months are 01 to 12)"
        if m.group(3) is None:
            continue
        day = int(m.group(3))
        last = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last:
            name = calendar.month_name[month]
            return (f"{m.group(0)} is not a date: {name} {year} has {last} days "
                    f"(there is no day {day})")
    return None


def _parse_date(value: Any) -> tuple[date, DatePrecision] | None:
    """A publication date: a TOML date, or a string YYYY-MM-DD, YYYY-MM or YYYY."""
    if isinstance(value, datetime):
        return value.date(), DatePrecision.DAY
    if isinstance(value, date):
        return value, DatePrecision.DAY
    if isinstance(value, str):
        text = value.strip()
        try:
            if m := PARTIAL_DATE_RE.fullmatch(text):
                if m.group(2):
                    return date(int(m.group(1)), int(m.group(2)), 1), DatePrecision.MONTH
                return date(int(m.group(1)), 1, 1), DatePrecision.YEAR
            return date.fromisoformat(text), DatePrecision.DAY
        except ValueError:
            return None
    return None


def _parse_datetime(value: Any) -> datetime | None:
    """A date-time with a time zone (UTC if none): a TOML date-time or date, RFC 3339, or a
    14-digit Wayback timestamp; None if it is none of these or has no UTC equivalent."""
    parsed: datetime
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        text = value.strip()
        try:
            if TIMESTAMP14_RE.fullmatch(text):
                parsed = datetime.strptime(text, "%Y%m%d%H%M%S")
            else:
                parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 is in the year 0 in UTC
        return None
    return parsed


# --------------------------------------------------------------------------
# the manifest
# --------------------------------------------------------------------------


def _source_lines(text: str) -> list[int]:
    """Line numbers of the ``[[source]]`` headers, in order."""
    return [line for line, _ in _source_headers(text)]


def _source_headers(text: str) -> Iterator[tuple[int, int]]:
    """The ``[[source]]`` headers, in order: each one's line number and where its line
    starts; found as they are asked for (a reader a batch at a time needs the next few,
    not the 100,000 of a large file)."""
    line, pos, line_start = 1, 0, 0
    first_on_line = True
    # the text is scanned once: newlines counted and sought between one match and
    # the next, the start of a line read only before the first match on that line
    for m in _SOURCE_HEADER_TAIL_RE.finditer(text):
        start = m.start()
        if newlines := text.count("\n", pos, start):
            line += newlines
            line_start = text.rfind("\n", pos, start) + 1
            first_on_line = True
        pos = start
        # what SOURCE_HEADER_RE matches: only spaces and tabs before it on its line
        # (never so for a second match on a line: the first stands before it)
        if first_on_line and not text[line_start:start].strip(" \t"):
            yield line, line_start
        first_on_line = False


def _build(data: dict[str, Any], text: str, path: Path, ctx: _Ctx,
           lines: list[int] | None = None) -> Manifest | None:
    _unknown_keys(data, {"manifest", "source"}, "the top level", ctx)
    sources = _Sources(data.get("manifest"), ctx)
    raw_sources = data.get("source", [])
    if not isinstance(raw_sources, list):
        ctx.error("'source' must be an array of tables",
                  hint="write each source as [[source]] (double brackets)")
        raw_sources = []
    if not raw_sources:
        _no_sources(ctx)
    if lines is None:
        lines = _source_lines(text)
    sources.add_all(raw_sources, lines)
    return sources.manifest(path)


def _no_sources(ctx: _Ctx) -> None:
    ctx.warning("manifest has no [[source]] entries", hint="add one [[source]] per URL")


class _Sources:
    """A manifest built source by source: its head checked first, then each source as it
    comes (ids unique, URLs listed once), so sources can be read one at a time."""

    def __init__(self, head: Any, ctx: _Ctx) -> None:
        self.ctx = ctx
        has_head = isinstance(head, dict)
        if not isinstance(head, dict):
            ctx.error("missing [manifest] table",
                      hint='start the file with [manifest] and id = "...", title = "..."; '
                      + EXAMPLE_HINT)
            head = {}
        _unknown_keys(head, MANIFEST_KEYS, "[manifest]", ctx)
        self.manifest_id = _str_field(head, "id", ctx, where="[manifest]", required=has_head)
        if self.manifest_id is not None and not SLUG_RE.fullmatch(self.manifest_id):
            ctx.error(f"manifest id {_show(self.manifest_id)} is not a slug",
                      hint="use lower-case letters, digits, '-', '_' and '.', e.g. calais-2014")
        self.title = _str_field(head, "title", ctx, where="[manifest]", required=has_head)
        self.description = _str_field(head, "description", ctx, where="[manifest]",
                                      required=False)
        self.dossier = _str_field(head, "dossier", ctx, where="[manifest]", required=False)
        self.sources: list[Source] = []
        self.taken = 0  # sources handed out by take() and still held
        self.count = 0  # sources given, valid or not
        self._seen_ids: dict[str, int | None] = {}
        self._seen_urls: dict[str, str] = {}

    def add(self, raw: Any, line: int | None) -> None:
        """Check and keep the next source, ``raw`` (a parsed table) at ``line``."""
        index, self.count = self.count, self.count + 1
        ctx = self.ctx
        source = _build_source(raw, index, line, ctx)
        if source is None:
            return
        if source.id in self._seen_ids:
            first = self._seen_ids[source.id]
            ctx.error(f"duplicate source id {source.id!r}"
                      + (f" (first used at line {first})" if first else ""),
                      hint="give every source a unique id", source_id=source.id, line=line)
        else:
            self._seen_ids[source.id] = line
        key = url_key(source.url)
        if key in self._seen_urls:
            ctx.warning(f"URL is also listed as source {self._seen_urls[key]!r}",
                        hint="merge the two sources, or keep one and remove the other",
                        source_id=source.id, line=line)
        else:
            self._seen_urls[key] = source.id
        self.sources.append(source)

    def add_all(self, raw_sources: list[Any], lines: list[int]) -> None:
        """:meth:`add` each parsed table of ``raw_sources`` at its line in ``lines`` (None
        past its end), freeing each table once built: not all held twice."""
        for index, raw in enumerate(raw_sources):
            raw_sources[index] = None
            self.add(raw, lines[index] if index < len(lines) else None)

    @property
    def pending(self) -> int:
        """Sources built and not yet handed out by :meth:`take`."""
        return len(self.sources) - self.taken

    def take(self, keep: bool) -> list[Source]:
        """The sources built since the last take, in order; no longer held here unless
        ``keep`` (then :meth:`manifest` has every source, else only those not taken)."""
        fresh = self.sources[self.taken:]
        if keep:
            self.taken = len(self.sources)
        else:
            self.sources.clear()
        return fresh

    def manifest(self, path: Path) -> Manifest | None:
        """The manifest, or None if any error was found."""
        if _has_error(self.ctx.problems, 0):
            return None
        assert self.manifest_id is not None and self.title is not None
        return Manifest(id=self.manifest_id, title=self.title, description=self.description,
                        dossier=self.dossier, sources=tuple(self.sources), path=path)


def _build_source(raw: Any, index: int, line: int | None, ctx: _Ctx) -> Source | None:
    label = f"[[source]] #{index + 1}"
    if not isinstance(raw, dict):
        ctx.error(f"{label} is not a table", line=line)
        return None
    sid_value = raw.get("id")
    sid = sid_value if isinstance(sid_value, str) and sid_value else None
    start = len(ctx.problems)

    def err(message: str, hint: str | None = None) -> None:
        ctx.error(message, hint=hint, source_id=sid, line=line)

    _unknown_keys(raw, SOURCE_KEYS, label, ctx, sid, line)
    fields: dict[str, str | None] = {}
    for key in ("id", "url", "publisher", "title", "language"):
        value = raw.get(key)
        # a non-blank string is what _str_field returns as it is: not called for it
        fields[key] = value if type(value) is str and value.strip() else _str_field(
            raw, key, ctx, where=label, required=True, source_id=sid, line=line)
    # optional fields: _str_field of an absent one is None, without a problem
    author = _str_field(raw, "author", ctx, where=label, required=False, source_id=sid,
                        line=line) if "author" in raw else None

    if fields["id"] is not None and not SLUG_RE.fullmatch(fields["id"]):
        err(f"id {_show(fields['id'])} is not a slug",
            "use lower-case letters, digits, '-', '_' and '.', e.g. guardian-2014-09-20")
    url = fields["url"]
    if url is not None and (problem := _check_url(url)):
        err(f"bad url {_show(url)}: {problem[0]}", problem[1])
    lang = fields["language"]
    if lang is not None and not BCP47_RE.fullmatch(lang):
        err(f"language {_show(lang)} is not a BCP 47 tag", "use a tag such as fr, en or en-GB")

    published: date | None = None
    precision = DatePrecision.DAY
    if "published" not in raw:
        err("missing required key 'published'",
            'add published = 2014-08-28 (a TOML date), or "2014-08" / "2014" '
            "when only the month or year is known")
    else:
        parsed = _parse_date(raw["published"])
        if parsed is None:
            fault = _date_fault(str(raw["published"]))
            err(f"published {_show(raw['published'])} is not a real date"
                + (f": {fault.split(': ', 1)[1]}" if fault else ""),
                'write a date as YYYY-MM-DD, e.g. published = 2014-08-28, or "2014-08"')
        elif not MIN_YEAR <= parsed[0].year <= MAX_YEAR:
            err(f"published {_show(raw['published'])} is out of range (years {MIN_YEAR} "
                f"to {MAX_YEAR})", "is the year mistyped?")
        else:
            published, precision = parsed

    relation = Relation.CITED
    if "relation" in raw:
        try:
            relation = Relation(raw["relation"])
        except ValueError:
            err(f"relation {_show(raw['relation'])} is not one of: cited, related",
                "use 'cited' for the article the dossier reproduces, 'related' otherwise")

    archived_url = _str_field(raw, "archived_url", ctx, where=label, required=False,
                              source_id=sid, line=line) if "archived_url" in raw else None
    if archived_url is not None and (problem := _check_url(archived_url)):
        err(f"bad archived_url {_show(archived_url)}: {problem[0]}", problem[1])
    archived_at: datetime | None = None
    if "archived_at" in raw:
        archived_at = _parse_datetime(raw["archived_at"])
        if archived_at is None:
            err(f"archived_at {_show(raw['archived_at'])} is not a date-time",
                "use an RFC 3339 date-time or a 14-digit Wayback timestamp")
        elif not MIN_YEAR <= archived_at.astimezone(UTC).year <= MAX_YEAR:
            err(f"archived_at {_show(raw['archived_at'])} is out of range (years {MIN_YEAR} "
                f"to {MAX_YEAR})", "is the year mistyped?")

    authors = _authors(raw, err)
    if authors and author is not None:
        err("give either author (one) or authors (several), not both",
            'write authors = ["First Author", "Second Author"]')
    accessed: date | None = None
    if "accessed" in raw:
        parsed_accessed = _parse_date(raw["accessed"])
        if parsed_accessed is None or parsed_accessed[1] is not DatePrecision.DAY:
            err(f"accessed {_show(raw['accessed'])} is not a day",
                "write the day the page was consulted, e.g. accessed = 2014-09-20")
        elif not MIN_YEAR <= parsed_accessed[0].year <= MAX_YEAR:
            err(f"accessed {_show(raw['accessed'])} is out of range (years {MIN_YEAR} "
                f"to {MAX_YEAR})", "is the year mistyped?")
        else:
            accessed = parsed_accessed[0]

    quotes = _build_quotes(raw.get("quote", []), sid, line, ctx)

    note = _str_field(raw, "note", ctx, where=label, required=False, source_id=sid,
                      line=line) if "note" in raw else None
    ignore = False
    if "ignore" in raw:
        if isinstance(raw["ignore"], bool):
            ignore = raw["ignore"]
        else:
            err(f"ignore {_show(raw['ignore'])} is not true or false",
                "write ignore = true (no quotes) to list the link as ignored, never checked")
    expect: Expectation | None = None
    if "expect" in raw:
        try:
            expect = Expectation(raw["expect"])
        except (ValueError, TypeError):
            choices = ", ".join(repr(e.value) for e in Expectation)
            err(f"expect {_show(raw['expect'])} is not one of: {choices}",
                'write expect = "gone" for a link known to be dead: its failure does not '
                "fail a run, and it is reported if it comes back")

    if len(ctx.problems) > start and _has_error(ctx.problems, start):
        return None
    assert published is not None and quotes is not None
    return Source(
        id=fields["id"] or "", url=url or "", publisher=fields["publisher"] or "",
        title=fields["title"] or "", published=published, language=lang or "",
        relation=relation, author=author, archived_url=archived_url,
        archived_at=archived_at, quotes=quotes, line=line, published_precision=precision,
        note=note, ignore=ignore, expect=expect,
        authors=authors, accessed=accessed,
    )


def _authors(raw: Mapping[str, Any], err: Any) -> tuple[str, ...]:
    """``authors``: two names or more (one is ``author``), as non-empty strings.

    Empty when absent or wrong (with an error). One spelling per case keeps a
    manifest the same through ``archiver export`` and back.
    """
    if "authors" not in raw:
        return ()
    value = raw["authors"]
    if not isinstance(value, list) or len(value) < 2:
        err("'authors' must be a list of several names",
            'write authors = ["First Author", "Second Author"], or author = "…" for one')
        return ()
    if not all(isinstance(name, str) and name.strip() for name in value):
        err("'authors' must hold non-empty strings only",
            'write authors = ["First Author", "Second Author"]')
        return ()
    return tuple(value)


def _build_quotes(raw: Any, sid: str | None, line: int | None,
                  ctx: _Ctx) -> tuple[Quote, ...] | None:
    if not isinstance(raw, list):
        ctx.error("'quote' must be an array of tables",
                  hint="write each quote as [[source.quote]] with text = \"...\"",
                  source_id=sid, line=line)
        return None
    quotes: list[Quote] = []
    ok = True
    for qi, item in enumerate(raw, start=1):
        where = f"quote #{qi}"
        if not isinstance(item, dict):
            ctx.error(f"{where} is not a table", hint='write [[source.quote]] then text = "..."',
                      source_id=sid, line=line)
            ok = False
            continue
        _unknown_keys(item, QUOTE_KEYS, where, ctx, sid, line)
        text = item.get("text")
        if not isinstance(text, str) or not text.strip():
            ctx.error(f"{where} has no text" if text is None or isinstance(text, str)
                      else f"{where}: text must be a string",
                      hint="every quote needs a non-empty text = \"...\"",
                      source_id=sid, line=line)
            ok = False
            continue
        kind: QuoteKind | None = None
        if "kind" in item:
            try:
                kind = QuoteKind(item["kind"])
            except ValueError:
                ctx.error(f"{where}: kind {_show(item['kind'])} is not one of: direct, excerpt",
                          source_id=sid, line=line)
                ok = False
        qlang = item.get("lang")
        if qlang is not None and (not isinstance(qlang, str) or not BCP47_RE.fullmatch(qlang)):
            ctx.error(f"{where}: lang {_show(qlang)} is not a BCP 47 tag", source_id=sid, line=line)
            ok = False
            qlang = None
        quotes.append(Quote(text=text, kind=kind, lang=qlang))
    return tuple(quotes) if ok else None


# --------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------


def validate_file(path: Path | str, *, max_bytes: int = MAX_MANIFEST_BYTES
                  ) -> tuple[Manifest | None, list[Problem]]:
    """Read and check a manifest; return it (or None) and every problem found.

    A file ending in ``.jsonl`` or ``.ndjson`` is read as JSON Lines (the same
    keys, dates as strings), anything else as TOML.
    """
    path = Path(path)
    ctx = _Ctx(str(path), [])
    text = _read_text(path, ctx, max_bytes)
    if text is None:
        return None, ctx.problems
    held = [text]
    del text  # _load_text lets go of it once parsed
    with _collector_paused():
        manifest = _load_text(held, path, ctx)
    return manifest, ctx.problems


def _is_jsonl(path: Path) -> bool:
    return path.name.lower().endswith(JSONL_SUFFIXES)


def _load_text(held: list[str], path: Path, ctx: _Ctx) -> Manifest | None:
    """The manifest whose text is ``held``'s one item, read whole (as JSON Lines or TOML
    by ``path``'s name), or None if it is invalid (``ctx`` has why).

    ``held`` is emptied here: once a TOML text is parsed and its ``[[source]]`` lines
    are known, the text (25 MB for 100,000 sources) is not kept while sources are built.
    """
    text = held.pop()
    if _is_jsonl(path):
        return _load_jsonl(text, path, ctx)
    data = _parse_toml(text, ctx)
    if data is None:
        return None
    lines = _source_lines(text)
    text = ""  # parsed, and line numbers known: 100,000 sources' text is not kept
    return _build(data, text, path, ctx, lines)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a manifest is parsed and built.

    Parsing and building make a few million tables, lists, strings and sources,
    none of them in a reference cycle; the collector would walk them again and
    again as they pile up (https://docs.python.org/3/library/gc.html: a
    collection every 700 new objects, full ones as the total grows), which took
    a third of the time of loading 100,000 sources (bench/bench_manifest.py).
    Reference counting frees them as usual; cycles made meanwhile elsewhere are
    collected after. A collector paused by the program stays paused.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def load_manifest(path: Path | str, *, max_bytes: int = MAX_MANIFEST_BYTES) -> Manifest:
    """Read a manifest; raise :class:`ManifestError` listing all errors if it is invalid."""
    manifest, problems = validate_file(path, max_bytes=max_bytes)
    if manifest is None:
        raise ManifestError(path, problems)
    return manifest


#: Sources a :class:`ManifestReader` reads at a time. A check reads the next batch
#: on its event loop, between its network events, and no answer is handled while a
#: batch is read: 50 sources take 1-2 ms (20-28 us a source, as bench/bench_check.py
#: and bench/bench_scale.py write them, on the 2-core machine the project is
#: measured on), where 250 took 6-15 ms. Seen from bench_check's servers at 20,000
#: URLs, 4 per host, the first second's mean gap between an answer and the next
#: request on its connection fell from 12.7-13.4 ms to 5.2-5.4 ms, and the first
#: request left 10-20 ms sooner. Reading all of a manifest costs 1-2 % more than at
#: 250 (20,000 sources: 0.46-0.47 s against 0.44-0.46 s); below 50 the cost per
#: batch (a parser call, a slice of the text) starts to show.
READ_BATCH = 50


class ManifestReader:
    """A manifest read a batch of sources at a time (TOML or JSON Lines, as validate_file).

    ``batches()`` yields the sources, in manifest order, in lists of at most
    ``batch``, each parsed and built only when asked for: a check can start on
    the first sources before the rest of the file is read. It yields only while
    nothing is wrong: at the first fault it reads the whole text as
    :func:`validate_file` does and either raises :class:`ManifestError` with
    exactly the problems :func:`validate_file` gives, or (the fault was in how
    the text was split, not in the manifest) yields the sources not yet yielded.
    The sources yielded are those :func:`load_manifest` gives, line numbers
    included; ``manifest()`` is the :class:`~archiver.models.Manifest` it gives;
    ``problems`` holds :func:`validate_file`'s problems once the reading is done
    (warnings only, unless :class:`ManifestError` was raised; empty before).

    With ``keep=False`` the sources are handed out and not kept: memory then
    holds what finding duplicate ids and URLs needs (each id and URL), not
    every source, and only :meth:`head` is available at the end, not
    ``manifest()``. At 100,000 sources as bench/bench_scale.py writes them, the
    kept sources are about 78 MB (775 bytes each, by tracemalloc).

    A file that cannot be read (missing, a directory, too big, empty, binary,
    not UTF-8) raises :class:`ManifestError` at once, from the constructor.
    """

    def __init__(self, path: Path | str, *, max_bytes: int = MAX_MANIFEST_BYTES,
                 batch: int = READ_BATCH, keep: bool = True) -> None:
        if batch < 1:
            raise ValueError(f"batch must be at least 1, not {batch}")
        self.path = Path(path)
        self.problems: list[Problem] = []
        self._batch = batch
        ctx = _Ctx(str(self.path), [])
        text = _read_text(self.path, ctx, max_bytes)
        if text is None:
            self.problems = ctx.problems
            raise ManifestError(self.path, ctx.problems)
        self._text = text
        self._keep = keep
        # the sources yielded: how many, and a digest of them in order (to compare
        # with the whole text's sources should it be read after a fault)
        self._count = 0
        self._digest = 0
        self._manifest: Manifest | None = None
        self._head: Manifest | None = None
        self._error: ManifestError | None = None
        self._reading = self._read()
        self._started = False

    def batches(self) -> Iterator[list[Source]]:
        """The sources, in lists of at most ``batch``; may be iterated once."""
        if self._started:
            raise RuntimeError(f"{self.path}: ManifestReader.batches() may be iterated once "
                               "(manifest() has every source)")
        self._started = True
        return self._reading

    def manifest(self) -> Manifest:
        """The manifest, every source in it; the rest of the file is read first if need be.

        Raises :class:`ManifestError` if the manifest is invalid.
        """
        if not self._keep:
            raise RuntimeError(f"{self.path}: this ManifestReader does not keep its sources "
                               "(keep=False); head() has the rest of the manifest")
        self._read_through()
        assert self._manifest is not None
        return self._manifest

    def head(self) -> Manifest:
        """The manifest without its sources (id, title, description, dossier, path); the
        rest of the file is read first if need be.

        Raises :class:`ManifestError` if the manifest is invalid.
        """
        self._read_through()
        assert self._head is not None
        return self._head

    def _read_through(self) -> None:
        self._started = True
        for _ in self._reading:
            pass
        if self._error is not None:
            raise self._error
        if self._head is None:  # the batches were closed before their end
            raise RuntimeError(f"{self.path}: batches() was closed before the manifest "
                               "was read to its end; read it with a new ManifestReader")

    # -- reading ------------------------------------------------------------

    def _read(self) -> Iterator[list[Source]]:
        split = self._jsonl_batches() if _is_jsonl(self.path) else self._toml_batches()
        while True:
            try:
                batch = next(split)
            except StopIteration as stop:
                manifest: Manifest | None = stop.value
                break
            self._note_yielded(batch)
            yield batch
        if manifest is None:  # trouble: the whole text read the way validate_file reads it
            manifest = yield from self._read_whole()
        self._head = replace(manifest, sources=())
        self._manifest = manifest if self._keep else None
        self._text = ""

    def _note_yielded(self, batch: list[Source]) -> None:
        self._digest = _digest(self._digest, batch)
        self._count += len(batch)

    def _read_whole(self) -> Generator[list[Source], None, Manifest]:
        """The whole text read as :func:`validate_file` reads it; the sources not yet yielded."""
        ctx = _Ctx(str(self.path), [])
        held = [self._text]
        self._text = ""
        with _collector_paused():
            manifest = _load_text(held, self.path, ctx)
        self.problems = ctx.problems
        if manifest is None:
            self._error = ManifestError(self.path, ctx.problems)
            raise self._error
        done = self._count
        if len(manifest.sources) < done or _digest(0, manifest.sources[:done]) != self._digest:
            raise RuntimeError(f"{self.path}: the sources read a batch at a time differ from "
                               "those of the whole file (a bug in ManifestReader)")
        for start in range(done, len(manifest.sources), self._batch):
            yield list(manifest.sources[start:start + self._batch])
        return manifest

    def _toml_batches(self) -> Generator[list[Source], None, Manifest | None]:
        """The TOML text read a chunk of ``batch`` sources at a time; None at the first fault.

        The text is split where a line starts with a ``[[source]]`` header (what
        :data:`SOURCE_HEADER_RE` matches): the head before the first, then chunks
        from one header to the header ``batch`` later, each parsed alone. In a
        valid TOML document (https://toml.io/en/v1.0.0) such a split gives the
        parse of the whole, part for part:

        - a ``[[source]]`` header appends a table to the array ``source`` and
          every key, ``[source.x]`` and ``[[source.quote]]`` header up to the
          next table header belongs to that last table, which is in the same
          chunk, since a chunk starts at a header; so a chunk alone parses to
          ``{"source": [its tables]}``, the tables the whole parse has there;
        - the head alone parses to the whole parse's other keys (``manifest``).

        A split that is wrong shows as a fault, never as different sources:

        - a header line that is not a header can only be inside a multi-line
          string (inside an array, ``source`` is not a value; a comment or a
          one-line string does not start the line); the first split inside one
          leaves its chunk ending in that string, unterminated: a parse error
          (the chunk starts outside any string: the head starts the text, and
          every chunk before it parsed); an unterminated array likewise;
        - a fake header inside a chunk makes the chunk's tables fewer than its
          headers, and a header the pattern misses (``[["source"]]``) more: the
          count is compared;
        - a table defined in two places (``[manifest]`` after the sources,
          ``[source]``, any other top-level table) gives a chunk a key other
          than ``source`` or the head a ``source``.

        Then the whole text is read (:meth:`_read_whole`): a fault of the split
        is not one of the manifest. Each chunk is checked for nesting as the
        whole would be (its depth is the whole's, below the top level), and the
        sources are built by one :class:`_Sources`, so duplicate ids and URLs are
        found across chunks, with the same problems in the same order.
        """
        text = self._text
        headers = _source_headers(text)
        pending = next(headers, None)  # the next chunk's first header
        if pending is None:
            return None  # no source to read a batch at a time: the whole text is read
        ctx = _Ctx(str(self.path), [])
        scratch = _Ctx(str(self.path), [])  # a chunk's faults: the whole read reports them
        with _collector_paused():
            head = _parse_toml(text[:pending[1]], scratch)
            if head is None or "source" in head:
                return None
            _unknown_keys(head, {"manifest", "source"}, "the top level", ctx)
            sources = _Sources(head.get("manifest"), ctx)
            del head
        if _has_error(ctx.problems, 0):
            return None
        while pending is not None:
            lines, start = [pending[0]], pending[1]
            pending = None
            for header in headers:
                if len(lines) == self._batch:
                    pending = header
                    break
                lines.append(header[0])
            seen = len(ctx.problems)
            with _collector_paused():
                data = _parse_toml(text[start:pending[1] if pending else len(text)], scratch)
                if data is None or data.keys() != {"source"}:
                    return None
                raw_sources = data.pop("source")
                if not isinstance(raw_sources, list) or len(raw_sources) != len(lines):
                    return None
                sources.add_all(raw_sources, lines)
                del raw_sources
            if _has_error(ctx.problems, seen):
                return None
            yield sources.take(self._keep)
        self.problems = ctx.problems
        return sources.manifest(self.path)

    def _jsonl_batches(self) -> Generator[list[Source], None, Manifest | None]:
        """The JSON Lines text read ``batch`` source lines at a time; None at the first fault."""
        ctx = _Ctx(str(self.path), [])
        reader = _JsonLines(ctx)
        built = reader.built.problems
        numbered = _numbered_lines(self._text)
        while True:
            ended = True
            with _collector_paused():
                seen = len(built)
                for number, line in numbered:
                    reader.feed(number, line)
                    if not reader.ok or reader.refused:
                        return None
                    if reader.sources is not None and reader.sources.pending >= self._batch:
                        ended = False
                        break
            if _has_error(built, seen):
                return None
            if ended:
                break
            assert reader.sources is not None
            yield reader.sources.take(self._keep)
        manifest = reader.finish(self.path)
        if manifest is None:
            return None
        assert reader.sources is not None
        if reader.sources.pending:
            yield reader.sources.take(self._keep)
        self.problems = ctx.problems
        return manifest


def _digest(digest: int, sources: Iterable[Source]) -> int:
    """``digest`` carried over ``sources``, in order (equal sources, equal digests)."""
    for source in sources:
        digest = hash((digest, source))
    return digest


def _has_error(problems: list[Problem], start: int) -> bool:
    """Whether an error is among ``problems`` from ``start`` on."""
    return any(p.severity is Severity.ERROR for p in problems[start:])


def select_sources(manifest: Manifest, source_ids: Iterable[str]) -> Manifest:
    """``manifest`` with only the sources named (in manifest order); all of them if none.

    Raises :class:`~archiver.errors.ConfigError` naming the first unknown id.
    """
    wanted = list(dict.fromkeys(source_ids))
    if not wanted:
        return manifest
    known = {s.id for s in manifest.sources}
    unknown = [sid for sid in wanted if sid not in known]
    if unknown:
        where = f" in {manifest.path}" if manifest.path is not None else ""
        raise ConfigError(f"no source {unknown[0]!r}{where}",
                          hint="give the id of a [[source]] of the manifest "
                          "(`archiver validate` lists them with --format json)")
    return replace(manifest, sources=tuple(s for s in manifest.sources if s.id in wanted))
