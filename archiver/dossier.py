"""Draft a manifest from a press-dossier text (a PDF-to-text dump).

A dossier reproduces articles one after another. Each usually starts with a
header line naming the publisher and the date (``« la Voix du Nord », 28 août
2014``, ``Reuters 10 septembre 2014``, ``"the Guardian" (UK), 20 septembre
2014``), then the title, sometimes an author line (``par …``/``by …``), the
body, and the article's URL(s) at the end. The PDF conversion wraps long URLs
across lines, repeats them and mixes them with prose.

:func:`extract_dossier` finds every URL (rejoining the wrapped ones without
ever gluing prose onto a URL), de-duplicates them, attaches each to its article
block and proposes quotes. :func:`render_toml` turns the draft into manifest
TOML for a person to curate. Nothing here depends on one file's line numbers:
the wrap width is estimated from the text itself.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from archiver.errors import DossierError
from archiver.models import DatePrecision, QuoteKind, Relation
from archiver.urls import url_key

#: Dossiers are text files; anything larger than this is not one.
MAX_DOSSIER_BYTES = 20 * 1024 * 1024

#: Proposed quotes: passages in quote marks of a reasonable length (characters).
MIN_QUOTE_CHARS = 20
MAX_QUOTE_CHARS = 400
#: At most this many quote-mark passages and body sentences proposed per article.
MAX_DIRECT_QUOTES = 6
MAX_EXCERPTS = 2

FRENCH_MONTHS = {
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
    "juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11,
    "décembre": 12, "decembre": 12,
}
ENGLISH_MONTHS = {
    m: i for i, m in enumerate(
        ["january", "february", "march", "april", "may", "june", "july", "august",
         "september", "october", "november", "december"], start=1)
}
_MONTHS = "|".join(sorted({*FRENCH_MONTHS, *ENGLISH_MONTHS}, key=len, reverse=True))
# "28 août 2014", "1er septembre 2014", "September 26, 2014", "2014-09-26"
DATE_RE = re.compile(
    rf"(?:(?P<d1>\d{{1,2}})(?:er)?\s+(?P<m1>{_MONTHS})\s+(?P<y1>\d{{4}})"
    rf"|(?P<m2>{_MONTHS})\s+(?P<d2>\d{{1,2}}),?\s+(?P<y2>\d{{4}})"
    r"|(?P<y3>\d{4})-(?P<m3>\d{2})-(?P<d3>\d{2}))",
    re.IGNORECASE,
)
HEADER_MAX_CHARS = 90
HEADER_MAX_PUBLISHER_WORDS = 8

URL_START_RE = re.compile(r"https?://", re.IGNORECASE)
URL_RE = re.compile(r"https?://[^\s<>\"«»“”‘’]+", re.IGNORECASE)
# What a wrapped URL's continuation may consist of: ASCII URL characters only.
URL_CHARS_RE = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+$")
URL_PUNCT_RE = re.compile(r"[-._/=?&%#~0-9]")
TRAILING_PUNCT = ".,;:!?»\"'’”"
# A URL practically never ends with these: a line ending on one is cut.
CUT_ENDINGS = tuple("-_=&?.%~+")

AUTHOR_RE = re.compile(r"^\s*(?:par|by)\s+(?P<name>[^\d].{1,70}?)\s*$", re.IGNORECASE)

FR_WORDS = frozenset("le la les des une est et du au aux pour qui que dans sur pas avec ont "
                     "elle il sont nous cette ces mais".split())
EN_WORDS = frozenset("the of and to in is that for on with was are has have by it its "
                     "from this be as at will".split())


# --------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class FoundUrl:
    url: str
    line: int  # 1-based line where it starts
    end_line: int  # 1-based line where it ends (> line when rejoined)

    @property
    def rejoined(self) -> bool:
        return self.end_line > self.line


@dataclass(frozen=True)
class DraftQuote:
    text: str
    kind: QuoteKind | None  # None: not said (a bibliography's quote may not say)
    lang: str | None = None


@dataclass(frozen=True)
class DraftSource:
    id: str
    url: str
    publisher: str | None
    title: str | None
    published: date | None
    language: str | None
    relation: Relation
    author: str | None = None
    quotes: tuple[DraftQuote, ...] = ()
    line: int | None = None
    notes: tuple[str, ...] = ()
    # -- what a bibliography also knows (archiver.biblio) --
    authors: tuple[str, ...] = ()  # several authors; ``author`` when there is one
    published_precision: DatePrecision = DatePrecision.DAY
    accessed: date | None = None
    archived_url: str | None = None
    archived_at: str | None = None  # as written: RFC 3339 or a 14-digit timestamp
    #: Where the source came from, for the comment above its table ("dossier line 12").
    origin: str | None = None
    # -- manifest keys an export carries back (archiver.biblio.csljson) --
    note: str | None = None
    ignore: bool = False
    expect: str | None = None  # an archiver.models.Expectation value

    def origin_note(self) -> str:
        where = self.origin or (f"dossier line {self.line}" if self.line else "")
        return "; ".join([where, *self.notes]) if where else "; ".join(self.notes)


@dataclass(frozen=True)
class Draft:
    id: str
    title: str
    dossier: str
    sources: tuple[DraftSource, ...]
    urls: tuple[FoundUrl, ...]
    #: Entries of the input that gave no source, each saying which and why.
    skipped: tuple[str, ...] = ()


@dataclass
class _Block:
    start: int  # 0-based index of the header line (or of the first line)
    end: int  # exclusive
    publisher: str | None = None
    published: date | None = None
    title: str | None = None
    author: str | None = None
    body_start: int = 0
    urls: list[FoundUrl] = field(default_factory=list)


# --------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------


def read_dossier(path: Path | str) -> str:
    """Read a dossier text file, refusing what is clearly not one."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise DossierError(f"{path}: is a directory, not a dossier text file")
        if size > MAX_DOSSIER_BYTES:
            raise DossierError(
                f"{path}: file is {size / 1024 / 1024:.1f} MB; dossiers are limited to "
                f"{MAX_DOSSIER_BYTES // 1024 // 1024} MB",
                hint="convert the dossier to plain text (e.g. pdftotext) and split it")
        raw = path.read_bytes()
    except FileNotFoundError as err:
        raise DossierError(f"{path}: file not found", hint="check the path") from err
    except OSError as err:
        raise DossierError(f"{path}: cannot read file: {err.strerror}") from err
    if not raw.strip():
        raise DossierError(f"{path}: file is empty", hint="give the text of a press dossier")
    if b"\x00" in raw[:8192]:
        raise DossierError(f"{path}: file is binary, not text",
                           hint="convert the dossier to text first, e.g. pdftotext -layout")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise DossierError(f"{path}: line {line}: file is not valid UTF-8 (byte {err.start})",
                           hint="convert it with iconv -f WINDOWS-1252 -t UTF-8") from err


# --------------------------------------------------------------------------
# URLs
# --------------------------------------------------------------------------


def _strip_trailing(url: str) -> str:
    while url and url[-1] in TRAILING_PUNCT:
        url = url[:-1]
    while url.endswith(")") and url.count("(") < url.count(")"):
        url = url[:-1]
    return url


def _wrap_width(lines: list[str]) -> int:
    """Estimate the width at which the converter wrapped lines."""
    lengths = sorted(len(line.rstrip()) for line in lines if " " in line.strip())
    if not lengths:
        return 80
    # The longest prose lines are those the converter wrapped: take a high quantile.
    return int(lengths[int(len(lengths) * 0.9)]) if len(lengths) >= 10 else max(lengths)


#: A URL line ending like this ends a whole URL (a page name or a folder):
#: a single word on the next line is not its continuation unless other
#: evidence says so.
NATURAL_END_RE = re.compile(r"(?:\.(?:s?html?|php\d?|aspx?|jsp|cfm|pdf)|/)$", re.IGNORECASE)
#: A continuation token may itself start with "http" inside an archive's URL
#: ("https://web.archive.org/web/2014…/" + "http://…") or a query value ("?url=").
_EMBEDDED_URL_BEFORE_RE = re.compile(r"(?:/web/\d{1,14}[a-z_]*/|=)$")


def _cut_widths(lines: list[str]) -> frozenset[int]:
    """The widths at which URLs were cut, independent of the prose's wrap width.

    A converter (or a narrow column, a footnote) that cuts URLs at a fixed
    width leaves several URL lines of exactly that length, each followed by a
    line starting with URL characters. A length shared by at least two
    different such pairs of lines is taken for a cut width.
    """
    seen: dict[int, set[str]] = {}  # width -> distinct (line, next token)
    for i in range(len(lines) - 1):
        line = lines[i].rstrip()
        nxt = lines[i + 1]
        if not line or " " in line.strip() or not URL_START_RE.match(line.lstrip()):
            continue
        if not nxt or nxt[0].isspace():
            continue
        token = nxt.split(None, 1)[0]
        if URL_START_RE.match(token) or not URL_CHARS_RE.match(token):
            continue
        seen.setdefault(len(line), set()).add(line + "\n" + token)
    return frozenset(width for width, texts in seen.items() if len(texts) >= 2)


@dataclass(frozen=True)
class _Widths:
    prose: int  # the wrap width of the prose
    cuts: frozenset[int]  # widths at which URLs were cut (see _cut_widths)


def _continuation(url: str, line: str, nxt: str, widths: _Widths, compact: str) -> str | None:
    """The part of ``nxt`` that continues ``url`` (cut at the end of ``line``), or None.

    The token must start ``nxt`` (no indent) and be made of URL characters.
    It is joined when any of these says the URL was cut: the joined URL
    appears unbroken elsewhere in the dossier; the URL ends where a URL cannot
    (``-``, ``_``, ``=`` …); the line has exactly a width at which this
    dossier cut URLs; the line's length is near the prose's wrap width and the
    token looks like a URL's tail; or the token is alone on its line, looks like a
    URL's tail (not a bare page number, unless the URL ends in a digit) and
    the URL does not end like a whole URL (``.html``, ``/``).
    """
    if not nxt or nxt[0].isspace():
        return None  # wrapped URLs continue at the start of the next line
    token = nxt.split(None, 1)[0]
    rest = nxt[len(token):].strip()
    # A token alone on its line keeps its last character ("…-of-Calais." + "html"):
    # the whole URL is stripped of trailing punctuation once it is complete.
    token = _strip_trailing(token) if rest else token
    if not token or not URL_CHARS_RE.match(token):
        return None
    if URL_START_RE.match(token) and not _EMBEDDED_URL_BEFORE_RE.search(url):
        return None
    joined = url + token
    urlish = bool(URL_PUNCT_RE.search(token))
    alone = not rest
    length = len(line.rstrip())
    if url.endswith(CUT_ENDINGS):
        return token  # cut where a URL cannot end
    if rest and not urlish:
        return None  # "…/article.html\nLe ministre a dit …": prose, not a URL
    if compact.count(joined) > 1:
        return token  # the whole URL appears unbroken elsewhere
    if length in widths.cuts and (alone or urlish):
        return token
    whole = bool(NATURAL_END_RE.search(url))
    if (widths.prose * 0.85 <= length <= widths.prose * 1.15
            and (urlish or token[0].islower()) and not (whole and token.isdigit())):
        return token  # cut at the prose's width (a page number is not a tail)
    if alone and urlish and not whole and (not token.isdigit() or url[-1].isdigit()):
        return token  # a lone number is a page number, unless it goes on a number
    return None


def find_urls(text: str) -> list[FoundUrl]:
    """Every URL occurrence in ``text``, wrapped URLs rejoined, in order.

    Two passes: the cut widths found in the first (the lengths of the lines
    that the sure joins continued, shared by two different lines or more) let
    the second join tails that alone would not say they are one, such as a
    single letter left on the last line.
    """
    lines = text.splitlines()
    compact = "".join(lines)  # text with line breaks removed, to attest joins
    compact = re.sub(r"\s+", " ", compact)
    widths = _Widths(prose=_wrap_width(lines), cuts=_cut_widths(lines))
    found = _find_urls(lines, widths, compact)
    seen: dict[int, set[str]] = {}
    for f in found:
        for n in range(f.line - 1, f.end_line - 1):
            piece = lines[n].strip()
            if " " not in piece:
                seen.setdefault(len(lines[n].rstrip()), set()).add(piece)
    learned = frozenset(w for w, pieces in seen.items() if len(pieces) >= 2)
    if learned - widths.cuts:
        found = _find_urls(lines, replace(widths, cuts=widths.cuts | learned), compact)
    return found


def _find_urls(lines: list[str], widths: _Widths, compact: str) -> list[FoundUrl]:
    found: list[FoundUrl] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        matches = list(URL_RE.finditer(line))
        consumed_next = 0
        for k, m in enumerate(matches):
            url = m.group(0)
            is_last = k == len(matches) - 1 and not line[m.end():].strip()
            end = i
            if is_last:
                j = i
                while j + 1 < len(lines):
                    token = _continuation(url, lines[j], lines[j + 1], widths, compact)
                    if token is None:
                        break
                    url += token
                    j += 1
                    if lines[j].strip() != token:
                        break  # prose follows the continuation on that line
                end = j
                consumed_next = j - i
            found.append(FoundUrl(_strip_trailing(url), i + 1, end + 1))
        i += 1 + consumed_next
    return [f for f in found if urlsplit(f.url).hostname]


def unique_urls(found: Iterable[FoundUrl]) -> list[FoundUrl]:
    """First occurrence of each URL; a URL that is a cut prefix of another is dropped."""
    seen: dict[str, FoundUrl] = {}
    for f in found:
        seen.setdefault(f.url, f)
    urls = list(seen.values())
    full = {f.url for f in urls}
    return [f for f in urls
            if not (f.url.endswith(CUT_ENDINGS)
                    and any(o != f.url and o.startswith(f.url) for o in full))]


# --------------------------------------------------------------------------
# article blocks
# --------------------------------------------------------------------------


def parse_date(text: str) -> date | None:
    m = DATE_RE.search(text)
    return _date_from_match(m) if m else None


def _date_from_match(m: re.Match[str]) -> date | None:
    try:
        if m.group("y1"):
            month = _month(m.group("m1"))
            return date(int(m.group("y1")), month, int(m.group("d1")))
        if m.group("y2"):
            return date(int(m.group("y2")), _month(m.group("m2")), int(m.group("d2")))
        return date(int(m.group("y3")), int(m.group("m3")), int(m.group("d3")))
    except ValueError:
        return None


def _month(name: str) -> int:
    key = name.lower()
    return FRENCH_MONTHS.get(key) or ENGLISH_MONTHS[key]


def parse_header(line: str) -> tuple[str, date] | None:
    """``(publisher, date)`` if ``line`` looks like an article header line."""
    text = line.strip()
    if not text or len(text) > HEADER_MAX_CHARS or URL_START_RE.search(text):
        return None
    matches = list(DATE_RE.finditer(text))
    if not matches:
        return None
    m = matches[-1]
    if text[m.end():].strip(" .,;:)"):
        return None  # the date must end the line
    when = _date_from_match(m)
    if when is None:
        return None
    publisher = text[: m.start()]
    publisher = re.sub(r"\((?:UK|US|FR|France)\)", " ", publisher)
    publisher = re.sub(r"[«»\"“”]", " ", publisher)
    publisher = re.sub(r"[\s,;:–—-]+$", "", publisher)
    publisher = re.sub(r"\s+(?:du|le|on|of)$", "", publisher.strip(), flags=re.IGNORECASE)
    publisher = re.sub(r"\s+", " ", publisher).strip(" ,")
    if not publisher or len(publisher.split()) > HEADER_MAX_PUBLISHER_WORDS:
        return None
    if publisher[0].islower():
        publisher = publisher[0].upper() + publisher[1:]
    return publisher, when


def _is_url_line(line: str) -> bool:
    s = line.strip()
    return bool(s) and (bool(URL_START_RE.match(s)) or (" " not in s and "/" in s))


def _find_blocks(lines: list[str], url_lines: set[int]) -> list[_Block]:
    """Split the text into article blocks at header lines.

    A header line follows a blank line, the start of the text, or a line that
    is (part of) a URL: ``url_lines`` holds the 0-based indices of those.
    """
    headers: list[tuple[int, str, date]] = []
    for i, line in enumerate(lines):
        parsed = parse_header(line)
        if parsed is None:
            continue
        prev = lines[i - 1] if i > 0 else ""
        if i == 0 or not prev.strip() or (i - 1) in url_lines or _is_url_line(prev):
            headers.append((i, *parsed))
    blocks: list[_Block] = []
    if not headers or any(line.strip() for line in lines[: headers[0][0]]):
        first = headers[0][0] if headers else len(lines)
        blocks.append(_Block(start=0, end=first))
    for n, (i, publisher, when) in enumerate(headers):
        end = headers[n + 1][0] if n + 1 < len(headers) else len(lines)
        blocks.append(_Block(start=i, end=end, publisher=publisher, published=when,
                             body_start=i + 1))
    for block in blocks:
        _fill_block(block, lines, url_lines)
    return blocks


def _paragraphs(lines: list[str], start: int, end: int,
                skip: set[int] | frozenset[int] = frozenset()) -> list[tuple[int, int]]:
    """(first, last+1) line ranges of the non-empty paragraphs in [start, end).

    Lines in ``skip`` (those holding URLs) separate paragraphs as blank lines
    do: a URL set directly above or below prose, without a blank line, leaves
    the prose a paragraph of its own.
    """
    out: list[tuple[int, int]] = []
    i = start
    while i < end:
        if not lines[i].strip() or i in skip:
            i += 1
            continue
        j = i
        while j < end and lines[j].strip() and j not in skip:
            j += 1
        out.append((i, j))
        i = j
    return out


def _fill_block(block: _Block, lines: list[str], url_lines: set[int]) -> None:
    first = block.start + 1 if block.publisher else block.start
    paras = [p for p in _paragraphs(lines, first, block.end, url_lines)
             if not all(_is_url_line(x) for x in lines[p[0]:p[1]])]
    if not paras:
        block.body_start = first
        return
    title_range = paras[0]
    block.title = _join(lines[title_range[0]:title_range[1]])
    body_start = title_range[1]
    for p in paras[1:5]:
        text = _join(lines[p[0]:p[1]])
        m = AUTHOR_RE.match(text)
        if m and p[1] - p[0] == 1:
            block.author = m.group("name").strip()
            body_start = p[1]
            break
    block.body_start = body_start


def _join(lines: Iterable[str]) -> str:
    return re.sub(r"[ \t]+", " ", " ".join(s.strip() for s in lines)).strip()


# --------------------------------------------------------------------------
# quotes
# --------------------------------------------------------------------------

_PAIRS = {"«": "»", "“": "”"}


def _marked_passages(text: str) -> list[str]:
    """Passages between « », “ ” or straight double quotes (outermost level).

    Paragraphs are separated by newlines in ``text``. Typographic marks may
    span paragraphs (a page break inside a quote); a straight quote may not,
    since English style reopens, without closing, a quote that runs on.
    """
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        close = _PAIRS.get(ch) or ('"' if ch == '"' else None)
        if close is None:
            i += 1
            continue
        depth, j = 1, i + 1
        while j < n:
            if ch == '"' and text[j] == "\n":
                j = n
                break
            if ch != close and text[j] == ch:
                depth += 1
            elif text[j] == close:
                depth -= 1
                if depth == 0:
                    break
            j += 1
        if j >= n:
            i += 1
            continue
        out.append(re.sub(r"\s*\n\s*", " ", text[i + 1:j]).strip().rstrip(",;:").strip())
        i = j + 1
    return out


_SENTENCE_END_RE = re.compile(r"(?<=[.!?…])\s+(?=[«\"“A-ZÀ-ÖØ-Þ])")
_ABBREV_RE = re.compile(r"(?:\b(?:M|Mme|Mr|Mrs|Ms|Dr|St|No|n°)|\b[A-Z])\.$")


def _sentences(text: str) -> list[str]:
    parts = _SENTENCE_END_RE.split(text)
    sentences: list[str] = []
    for part in parts:
        if sentences and _ABBREV_RE.search(sentences[-1]):
            sentences[-1] += " " + part
        else:
            sentences.append(part)
    return [s.strip() for s in sentences if s.strip()]


def propose_quotes(paragraphs: list[str], lang: str | None) -> list[DraftQuote]:
    """Quote-mark passages of a reasonable length, then the body's first sentences.

    Text is kept verbatim, with the dossier's own artifacts: that is what a
    researcher copied. Sentences never run across paragraphs.
    """
    quotes: list[DraftQuote] = []
    seen: set[str] = set()
    for passage in _marked_passages("\n".join(paragraphs)):
        if not MIN_QUOTE_CHARS <= len(passage) <= MAX_QUOTE_CHARS or passage in seen:
            continue
        seen.add(passage)
        quotes.append(DraftQuote(passage, QuoteKind.DIRECT, lang))
        if len(quotes) >= MAX_DIRECT_QUOTES:
            break
    excerpts = 0
    for paragraph in paragraphs:
        for sentence in _sentences(paragraph):
            if excerpts >= MAX_EXCERPTS:
                return quotes
            if (not MIN_QUOTE_CHARS <= len(sentence) <= MAX_QUOTE_CHARS or sentence in seen
                    or sentence[0] in "«\"“" or URL_START_RE.search(sentence)):
                continue
            seen.add(sentence)
            quotes.append(DraftQuote(sentence, QuoteKind.EXCERPT, lang))
            excerpts += 1
    return quotes


def guess_language(text: str) -> str | None:
    words = re.findall(r"[a-zà-ÿ']+", text.lower())
    fr = sum(1 for w in words if w in FR_WORDS)
    en = sum(1 for w in words if w in EN_WORDS)
    if fr + en < 5:
        return None
    return "fr" if fr > en else "en"


# --------------------------------------------------------------------------
# sources
# --------------------------------------------------------------------------


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _words(text: str) -> set[str]:
    return {w for w in re.split(r"[^a-z0-9]+", _fold(text)) if len(w) > 1}


def _title_match(url: str, title: str | None) -> float:
    if not title:
        return 0.0
    path = urlsplit(url).path
    slug = _words(path) - {"html", "php", "htm", "www", "news", "region", "article"}
    slug = {w for w in slug if not w.isdigit()}
    if not slug:
        return 0.0
    return len(slug & _words(title)) / len(slug)


def slug_for(url: str, published: date | None, taken: set[str]) -> str:
    host = (urlsplit(url).hostname or "source").lower()
    host = re.sub(r"^(?:www|m|uk|tempsreel)\.", "", host)
    name = host.split(".")[0]
    base = name + (f"-{published.isoformat()}" if published else "")
    slug, n = base, 2
    while slug in taken:
        slug = f"{base}-{n}"
        n += 1
    taken.add(slug)
    return slug


def _title_from_url(url: str) -> str | None:
    segments = [s for s in urlsplit(url).path.split("/") if s]
    if not segments:
        return None
    best = max(segments, key=lambda s: s.count("-"))
    best = re.sub(r"\.(?:html?|php|aspx?)$", "", best)
    best = re.sub(r"-(?:ia\w+n\d+|\d+)$", "", best)
    if best.count("-") < 2:
        return None
    words = best.replace("-", " ").strip()
    return words[:1].upper() + words[1:]


def _publisher_from_host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return re.sub(r"^www\.", "", host)


def extract_dossier(text: str, dossier: str = "dossier.txt") -> Draft:
    """Build a draft manifest from a dossier's text."""
    lines = text.splitlines()
    occurrences = find_urls(text)
    urls = unique_urls(occurrences)
    url_lines = {n - 1 for f in occurrences for n in range(f.line, f.end_line + 1)}
    blocks = _find_blocks(lines, url_lines)

    def block_of(line: int) -> _Block:
        for block in blocks:
            if block.start <= line - 1 < block.end:
                return block
        return blocks[-1]

    for found in urls:
        block_of(found.line).urls.append(found)
    if _urls_lead(blocks, lines, url_lines):
        for k in range(len(blocks) - 1, 0, -1):
            blocks[k].urls = blocks[k - 1].urls
        blocks[0].urls = []

    taken: set[str] = set()
    sources: list[DraftSource] = []
    for block in blocks:
        if not block.urls:
            continue
        paragraphs = [_join(lines[a:b])
                      for a, b in _paragraphs(lines, block.body_start, block.end, url_lines)]
        body = " ".join(paragraphs)
        lang = guess_language(body)
        scores = [_title_match(f.url, block.title) for f in block.urls]
        best = max(range(len(scores)), key=lambda k: (scores[k], k))
        if scores[best] < 0.3 and len(block.urls) > 1:
            best = len(block.urls) - 1  # the URL closing the article
        for k, found in enumerate(block.urls):
            cited = k == best
            notes: list[str] = []
            publisher = block.publisher
            if not publisher or not cited:
                same_host = (block.urls[best].url.split("/")[2] == found.url.split("/")[2])
                publisher = block.publisher if (publisher and same_host) else None
            if publisher is None:
                publisher = _publisher_from_host(found.url)
                notes.append("publisher taken from the host name")
            published = block.published if cited else None
            if published is None:
                notes.append("no date found in the dossier")
            title = block.title if cited else _title_from_url(found.url)
            if title is None:
                notes.append("no title found")
            sources.append(DraftSource(
                id=slug_for(found.url, published, taken),
                url=found.url, publisher=publisher, title=title, published=published,
                language=lang if cited else _guess_lang_from_url(found.url, lang),
                relation=Relation.CITED if cited else Relation.RELATED,
                author=block.author if cited else None,
                # The quotes' language is the source's: left unset, as in a manifest.
                quotes=tuple(propose_quotes(paragraphs, None)) if cited else (),
                line=found.line, notes=tuple(notes),
            ))
    name = Path(dossier).stem
    draft_id = re.sub(r"[^a-z0-9]+", "-", _fold(name)).strip("-") or "draft"
    return Draft(id=draft_id, title=f"Draft manifest from {Path(dossier).name}",
                 dossier=dossier, sources=tuple(sources), urls=tuple(urls))


def _urls_lead(blocks: list[_Block], lines: list[str], url_lines: set[int]) -> bool:
    """Whether each article's URLs come *before* its header line, not after its body.

    Said when URLs precede the first header, the last article has none, and in
    every block the URLs come after all of its prose: then the URLs closing a
    block belong to the article that follows.
    """
    if len(blocks) < 2 or blocks[0].publisher is not None or not blocks[0].urls:
        return False
    if blocks[-1].urls:
        return False
    for block in blocks[:-1]:
        prose = [i for i in range(block.body_start, block.end)
                 if lines[i].strip() and i not in url_lines]
        if block.urls and prose and min(f.line - 1 for f in block.urls) < max(prose):
            return False
    return True


def _guess_lang_from_url(url: str, fallback: str | None) -> str | None:
    host = urlsplit(url).hostname or ""
    if host.endswith(".fr"):
        return "fr"
    if host.endswith((".co.uk", ".org", ".com")) and fallback is None:
        return "en"
    return fallback


# --------------------------------------------------------------------------
# TOML output
# --------------------------------------------------------------------------


def toml_string(value: str) -> str:
    """A TOML basic string."""
    out = ['"']
    for ch in value:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 32 or ord(ch) == 127:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def render_toml(draft: Draft) -> str:
    """The draft as manifest TOML; unknown fields are left as TODO comments."""
    out = [
        f"# Draft manifest extracted from {draft.dossier} by `archiver extract`.",
        "# Curate it by hand: check each publisher, title, date and relation, fill",
        "# the TODOs, and keep only quotes that really are in the article.",
        "",
        "[manifest]",
        f"id = {toml_string(draft.id)}",
        f"title = {toml_string(draft.title)}",
        f"dossier = {toml_string(draft.dossier)}",
    ]
    for src in draft.sources:
        out.append("")
        out.extend(render_source(src))
    return "\n".join(out) + "\n"


def render_source(src: DraftSource) -> list[str]:
    """The ``[[source]]`` table of one draft source, as lines (with its comment line)."""
    note = src.origin_note()
    out = [f"# {note}"] if note else []
    out.append("[[source]]")
    out.append(f"id = {toml_string(src.id)}")
    out.append(f"url = {toml_string(src.url)}")
    out.append(f"publisher = {toml_string(src.publisher)}" if src.publisher
               else '# publisher = "TODO"')
    out.append(f"title = {toml_string(src.title)}" if src.title else '# title = "TODO"')
    if src.author:
        out.append(f"author = {toml_string(src.author)}")
    if src.authors:
        out.append("authors = [" + ", ".join(toml_string(a) for a in src.authors) + "]")
    out.append(f"published = {_toml_date(src.published, src.published_precision)}"
               if src.published else "# published = TODO  (YYYY-MM-DD, YYYY-MM or YYYY)")
    out.append(f"language = {toml_string(src.language)}" if src.language
               else '# language = "TODO"')
    out.append(f"relation = {toml_string(src.relation.value)}")
    if src.accessed:
        out.append(f"accessed = {src.accessed.isoformat()}")
    if src.archived_url:
        out.append(f"archived_url = {toml_string(src.archived_url)}")
    if src.archived_at:
        out.append(f"archived_at = {toml_string(src.archived_at)}")
    if src.note is not None:
        out.append(f"note = {toml_string(src.note)}")
    if src.ignore:
        out.append("ignore = true")
    if src.expect:
        out.append(f"expect = {toml_string(src.expect)}")
    for quote in src.quotes:
        out.append("")
        out.append("  [[source.quote]]")
        out.append(f"  text = {toml_string(quote.text)}")
        if quote.kind is not None:
            out.append(f"  kind = {toml_string(quote.kind.value)}")
        if quote.lang:
            out.append(f"  lang = {toml_string(quote.lang)}")
    return out


def _toml_date(value: date, precision: DatePrecision) -> str:
    if precision is DatePrecision.YEAR:
        return toml_string(f"{value.year:04d}")
    if precision is DatePrecision.MONTH:
        return toml_string(f"{value.year:04d}-{value.month:02d}")
    return value.isoformat()


# --------------------------------------------------------------------------
# merging a draft into an existing manifest
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """A source already in the manifest whose draft says something else."""

    id: str  # the manifest's id
    field: str
    manifest: str
    draft: str
    where: str  # where the draft's value came from


@dataclass(frozen=True)
class Merged:
    """What :func:`merge_draft` did: the new text, and what it added, found or left."""

    text: str
    added: tuple[DraftSource, ...]
    present: tuple[tuple[str, DraftSource], ...]  # (manifest id, draft source)
    differences: tuple[Difference, ...]

    @property
    def changed(self) -> bool:
        return bool(self.added)


def merge_draft(text: str, draft: Draft) -> Merged:
    """``draft``'s new sources appended to the manifest ``text``; nothing else touched.

    A draft source whose URL is already (the same page by
    :func:`archiver.urls.url_key`) in the manifest is
    not added: it is reported as present, with the fields that differ (title,
    published, publisher, when the draft knows them). New sources get ids not
    used in the manifest and are appended as ``[[source]]`` tables after the
    last line, so every byte already there stays as it was. Raises
    :class:`~archiver.errors.DossierError` when ``text`` is not TOML or has no
    ``[manifest]`` table, and :class:`ValueError` never.
    """
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError, ValueError) as err:
        raise DossierError(f"the manifest to merge into is not valid TOML: {err}",
                           hint="fix it (archiver validate says where), then merge") from err
    raw_sources = data.get("source", [])
    if not isinstance(data.get("manifest"), dict) or not isinstance(raw_sources, list):
        raise DossierError("the file to merge into is not a manifest (no [manifest] table, "
                           "or 'source' is not an array of [[source]] tables)",
                           hint="give the path of a manifest, or leave out --merge")
    existing: dict[str, dict[str, Any]] = {}
    ids: set[str] = set()
    for raw in raw_sources:
        if not isinstance(raw, dict):
            continue
        if isinstance(raw.get("id"), str):
            ids.add(raw["id"])
        if isinstance(raw.get("url"), str):
            existing.setdefault(url_key(raw["url"]), raw)
    added: list[DraftSource] = []
    present: list[tuple[str, DraftSource]] = []
    differences: list[Difference] = []
    for src in draft.sources:
        key = url_key(src.url)
        if key in existing:
            raw = existing[key]
            sid = str(raw.get("id", "?"))
            present.append((sid, src))
            differences.extend(_differences(sid, raw, src))
            continue
        existing[key] = {"id": src.id, "url": src.url}
        new_id = src.id
        n = 2
        while new_id in ids:
            new_id = f"{src.id}-{n}"
            n += 1
        ids.add(new_id)
        added.append(replace(src, id=new_id))
    if not added:
        return Merged(text, (), tuple(present), tuple(differences))
    nl = "\r\n" if "\r\n" in text else "\n"  # the file's own line ends
    out = text if text.endswith("\n") or not text else text + nl
    blocks = [nl.join(["", *render_source(src)]) for src in added]
    out += nl.join(blocks) + nl
    merged = tomllib.loads(out).get("source", [])  # what was appended reads back whole
    if len(merged) != len(raw_sources) + len(added):  # pragma: no cover - a bug if so
        raise DossierError("merging would change the manifest's existing sources; "
                           "nothing was written", hint="report this as a bug")
    return Merged(out, tuple(added), tuple(present), tuple(differences))


def _differences(sid: str, raw: Mapping[str, Any], src: DraftSource) -> list[Difference]:
    where = src.origin_note().split(";")[0] or "the input"
    out: list[Difference] = []
    pairs: list[tuple[str, object, str | None]] = [
        # A related link's title is guessed from its URL: no news in it differing.
        ("title", raw.get("title"), src.title if src.relation is Relation.CITED else None),
        ("publisher", raw.get("publisher"), src.publisher if src.relation is Relation.CITED
         and "publisher taken from the host name" not in src.notes else None),
        ("published", raw.get("published"),
         _toml_date(src.published, src.published_precision).strip('"') if src.published
         else None),
    ]
    for name, mine, theirs in pairs:
        if theirs is None or mine is None:
            continue
        shown = mine.isoformat() if isinstance(mine, date) else str(mine)
        if shown != theirs:
            out.append(Difference(sid, name, shown, theirs, where))
    return out
