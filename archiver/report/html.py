"""``report.html``: one self-contained page that stays usable from 20 to 100,000 sources.

The page loads nothing from the network (no CDN, no fonts, no images): its CSS
and its script are inline. It is well-formed XML too (void elements closed, the
script in a CDATA section, the row data with ``<``, ``>`` and ``&`` escaped), so an
XML parser can check it. Every text in it is escaped by
:mod:`archiver.report.safe`, and its links go only to http(s) URLs.

**One record, two ways to draw it.** Every decision about a source's row (which
tiles it counts for, what may be linked, which quotes are problems and stay open,
which are folded) is made once, in Python, into a compact record
(:func:`row_record`). The record is drawn as a small tree of elements
(:func:`row_tree`: ``[tag.class, {attributes}?, *children]``, a text child being
a string), then either

- (at most :data:`SERVER_ROWS_MAX` sources) written as HTML rows of the table,
  so the page reads without its script; or
- (more) the records are embedded as JSON, one row per line, in a
  ``<script type="application/json">``, and the page's script draws only the
  rows of the page shown, with its twin of :func:`row_tree` (the same functions,
  line for line) and ``createElement``/``textContent``: no HTML is ever parsed
  from the data. A row's line is parsed only when the row is drawn; its anchor
  and tags are read from the line's start. A ``<noscript>`` note then gives the
  counts and points to report.md and report.json. (100,000 rows written as HTML
  are a table of millions of elements that a browser takes many seconds to lay
  out; as records they are about 47 MB and open in one to two seconds.)

tests/test_report_html.py checks that both ways give the same rows in Chromium.

Either way the script offers the same controls over the rows: text search,
the triage tiles as filter buttons, "problems only", pagination of
:data:`PAGE_SIZE` rows, and ``#source-ID`` links (from the tiles, the changes list
or another document) that open the page holding that row.

The data are escaped for the inside of a script element (WHATWG HTML §4.12.1.3,
"Restrictions for contents of script elements"): ``<`` is written ``\\u003c``, so
neither ``</script>`` nor ``<!--`` can occur; ``>`` and ``&`` likewise, for XML;
U+2028 and U+2029 as ``\\u2028``/``\\u2029`` (ECMAScript before 2019 ended a line
at them). JSON.parse reads the same values back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from archiver._version import __version__
from archiver.models import (
    CaptureKind,
    CaptureResult,
    LinkClass,
    LinkResult,
    LinkState,
    LiveStatus,
    Manifest,
    QuoteResult,
    QuoteStatus,
    RunResult,
)
from archiver.report.quotes import ambiguity, fragment_url
from archiver.report.run import (
    BAD_CHANGES,
    LINK_TONE,
    MARK_CLOSE,
    MARK_OPEN,
    Tile,
    _inconclusive_line,
    _tiles,
    _when,
    comparison_text,
    date_text,
    fixity_text,
    is_problem,
    replay_url,
    source_anchor,
    unjudged,
)
from archiver.report.run_rows import SourceRow
from archiver.report.safe import html_text, link_target, visible
from archiver.report.serialize import capture_word, rows
from archiver.store.folder import default_warcs_dir
from archiver.store.live import live_label
from archiver.store.replay import (
    COLLECTION,
    DEFAULT_BASE,
    DEFAULT_PORT,
    local_replay_url,
    timestamp14,
)

#: Up to this many sources, the rows are written as HTML (readable without the script);
#: above it they are JSON drawn by the script one page at a time.
SERVER_ROWS_MAX = 1000
#: Rows per page of the table.
PAGE_SIZE = 100
#: The changes list shows at most this many (the "changed" filter finds every row).
CHANGES_SHOWN_MAX = 500

#: The filter word of each triage tile (``data-filter``; the rows' ``data-tags``).
TILE_FILTERS = {
    "dead": "dead", "failing": "failing", "gone now": "gone-now", "missing": "missing",
    "altered": "altered", "drift": "drift", "no capture": "no-capture",
    "not judged (inconclusive run)": "not-judged",
}

Node = str | list[Any]


# --------------------------------------------------------------------------
# The tree and its two serialisations
# --------------------------------------------------------------------------


def el(spec: str, *children: Node | dict[str, str] | None) -> list[Any]:
    """An element: ``spec`` is ``tag`` or ``tag.class names``; a dict child gives attributes."""
    out: list[Any] = [spec]
    for child in children:
        if child is None or child == "":
            continue
        out.append(child)
    return out


def to_html(node: Node) -> str:
    """The tree as HTML (and XML): text escaped, ``class`` first then the attributes in order."""
    if isinstance(node, str):
        return html_text(node)
    spec, rest = node[0], node[1:]
    tag, _, cls = spec.partition(".")
    attrs = ""
    if cls:
        attrs += f' class="{html_text(cls)}"'
    if rest and isinstance(rest[0], dict):
        attrs += "".join(f' {k}="{html_text(v)}"' for k, v in rest[0].items())
        rest = rest[1:]
    return f"<{tag}{attrs}>" + "".join(to_html(c) for c in rest) + f"</{tag}>"


def _visible_tree(node: Any) -> Any:
    """``node`` (a tree or a record) with every string :func:`visible`; numbers as they are."""
    if isinstance(node, str):
        return visible(node)
    if isinstance(node, dict):
        return {k: _visible_tree(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_visible_tree(c) for c in node]
    return node


#: What a JSON text inside a script element writes escaped (see the module's docstring).
_SCRIPT_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                   ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


def script_json(value: Any) -> str:
    """``value`` as JSON safe inside ``<script type="application/json">`` (and XML).

    Each of these characters only occurs inside a JSON string, where its ``\\uXXXX``
    escape stands for it: JSON.parse gives the same value.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for char, escape in _SCRIPT_ESCAPES:
        text = text.replace(char, escape)
    return text


# --------------------------------------------------------------------------
# A row
# --------------------------------------------------------------------------

_QUOTE_TONE = {
    QuoteStatus.VERIFIED: "good", QuoteStatus.VERIFIED_TYPO: "good",
    QuoteStatus.ALTERED: "warn", QuoteStatus.MISSING: "bad",
    QuoteStatus.UNVERIFIABLE: "neutral",
}
_MARKED = re.compile(re.escape(MARK_OPEN) + "(.*?)" + re.escape(MARK_CLOSE), re.S)
_LIVE_BADGES = {LiveStatus.GONE.value: ("bad", "gone from the live page"),
                LiveStatus.ALTERED.value: ("warn", "changed on the live page"),
                LiveStatus.PRESENT.value: ("good", "on the live page")}


def _tags(row: SourceRow, skipped: set[tuple[str, int]]) -> list[str]:
    """The filter words a row answers to: its tiles, ``problem``, ``changed``."""
    tags = []
    lk = row.link
    if lk is not None and lk.state is LinkState.DEAD:
        tags.append("dead")
    if lk is not None and lk.state is LinkState.FAILING:
        tags.append("failing")
    if lk is not None and lk.link_class in (LinkClass.GONE, LinkClass.SOFT404):
        tags.append("gone-now")
    if any(q.status is QuoteStatus.MISSING for q in row.quotes):
        tags.append("missing")
    if any(q.status is QuoteStatus.ALTERED for q in row.quotes):
        tags.append("altered")
    if any(q.drifted for q in row.quotes):
        tags.append("drift")
    cap = row.capture
    if cap is not None and cap.capture is None and not cap.outcome.stopped:
        tags.append("no-capture")
    if any((q.source_id, q.quote_index) in skipped for q in row.quotes):
        tags.append("not-judged")
    if is_problem(row, skipped):
        tags.append("problem")
    if row.changes:
        tags.append("changed")
    return tags


class LocalCopies:
    """Where a run's captures are on this machine, and how to open them locally."""

    def __init__(self, result: RunResult, manifest: Manifest, replay_base: str) -> None:
        self.base = replay_base
        project = manifest.project_dir
        warcs = result.warcs_dir or default_warcs_dir(manifest)
        self.folder = _relative(warcs, project)
        command = ["archiver", "replay"]
        if manifest.path is not None:
            command.append(_relative(manifest.path, project) or manifest.path.name)
        if result.warcs_dir is not None and (
                manifest.path is None or not _same(result.warcs_dir, default_warcs_dir(manifest))):
            command += ["--warcs", self.folder or str(warcs)]
        port = re.search(r":(\d+)/?$", replay_base)
        if port and port.group(1) != str(DEFAULT_PORT):
            command += ["--port", port.group(1)]
        self.command = " ".join(_shell_word(w) for w in command)
        #: The archives' replay prefixes, so a row names one by number, not in full.
        self.archives: list[str] = []
        self._archive_no: dict[str, int] = {}
        self._prefix_ok: dict[str, bool] = {}

    def linkable_prefix(self, prefix: str) -> bool:
        """Whether a URL that starts with ``prefix`` (an http(s) base, safe characters)
        may be linked as soon as the rest may: the rest is then a URL's path."""
        known = self._prefix_ok.get(prefix)
        if known is None:
            known = self._prefix_ok[prefix] = (
                link_target(prefix) is not None and prefix.endswith("/")
                and prefix.count("/") >= 3)
        return known

    def archive_no(self, prefix: str) -> int:
        if prefix not in self._archive_no:
            self._archive_no[prefix] = len(self.archives)
            self.archives.append(prefix)
        return self._archive_no[prefix]

    def config_archives(self) -> dict[str, Any]:
        """The part of :meth:`config` a row's capture link is made from."""
        return {"archives": self.archives}

    def config(self) -> dict[str, Any]:
        """What the page's script needs besides the rows (see :func:`row_tree`)."""
        cfg: dict[str, Any] = _visible_tree({
            "base": self.base, "folder": self.folder, "command": self.command,
            "collection": COLLECTION, "archives": self.archives,
            "linkTone": {k.value: v for k, v in LINK_TONE.items()},
            "quoteTone": {k.value: v for k, v in _QUOTE_TONE.items()}})
        return cfg


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _relative(path: Path, folder: Path) -> str:
    """``path`` relative to ``folder`` if inside it (no absolute path in a report); else ''."""
    try:
        return path.resolve().relative_to(folder.resolve()).as_posix()
    except (ValueError, OSError):
        return ""


_SHELL_SAFE = re.compile(r"[A-Za-z0-9_./:=@+-]+")


def _shell_word(word: str) -> str:
    return word if _SHELL_SAFE.fullmatch(word) else "'" + word.replace("'", "'\\''") + "'"


# -- a row's record: every decision about a row, in Python --------------------------------


def _link_record(lk: LinkResult) -> dict[str, Any]:
    rec: dict[str, Any] = {"c": lk.link_class.value}
    if lk.state is not LinkState.UNKNOWN:
        count = f" ×{lk.failing_count}" if lk.state is LinkState.FAILING else ""
        rec["s"] = f"{lk.state.value}{count}"
    status = f"HTTP {lk.http_status}" if lk.http_status else None
    if status and not (lk.detail or "").startswith(status):
        rec["h"] = status
    if lk.final_url and lk.final_url != lk.url:
        rec["f"] = lk.final_url
    if lk.detail:
        rec["e"] = lk.detail
    return rec


def _capture_record(capture: CaptureResult, source_url: str, source_ok: bool,
                    local: LocalCopies) -> dict[str, Any]:
    cap = capture.capture
    if cap is None:
        tone = ("neutral" if capture.outcome.stopped  # not attempted: no finding
                else "warn" if capture.outcome.is_excluded else "bad")
        rec: dict[str, Any] = {"w": capture_word(capture), "o": tone}
        if capture.detail:
            rec["e"] = capture.detail
        return rec
    if cap.kind is CaptureKind.LIVE:  # archiver's own capture of the live page: no memento
        return {"lv": live_label(cap.memento_datetime), "f": cap.warc_file}
    ts = timestamp14(cap.memento_datetime)
    rec = {"t": ts, "f": cap.warc_file, "n": cap.warc_offset}
    same = cap.url == source_url
    if not same:
        rec["cu"] = cap.url
    tail_ok = same and source_ok
    remote = replay_url(cap.memento_url)
    prefix, sep, rest = remote.partition(f"/{ts}/")
    if sep and rest == cap.url and local.linkable_prefix(prefix + "/"):
        rec["A"] = local.archive_no(prefix + "/")
        remote_ok = tail_ok or link_target(remote) is not None
    else:
        rec["r"] = remote
        remote_ok = link_target(remote) is not None
    if not remote_ok:
        rec["R"] = 1
    if not ((tail_ok and local.linkable_prefix(local.base))
            or link_target(local_replay_url(cap, local.base)) is not None):
        rec["L"] = 1
    if cap.pre_publication:
        rec["P"] = 1
    return rec


def _quote_record(q: QuoteResult, skipped: set[tuple[str, int]],
                  remote: str | None) -> dict[str, Any]:
    """A quote's record; ``remote`` is the row's capture link (a passage link that
    extends it keeps only its fragment)."""
    rec: dict[str, Any] = {"s": q.status.value, "x": q.text}
    if (q.source_id, q.quote_index) in skipped:
        rec["j"] = 1
    if q.method:
        rec["m"] = f"{q.method}, score {q.score:.2f}"
    if q.probable_translation:
        rec["T"] = 1
    if q.live_status is not None and q.live_status.value in _LIVE_BADGES:
        rec["v"] = q.live_status.value
        if q.live_detail and q.live_status in (LiveStatus.GONE, LiveStatus.ALTERED):
            rec["vd"] = q.live_detail
    if q.excerpt:
        rec["e"] = q.excerpt
    if q.difference:
        rec["df"] = q.difference
    # What archiver.report.quotes.passage_html adds: the passage link, "ambiguous",
    # the nearest passage and its word diff.
    passage = fragment_url(q, replay_url(q.capture.memento_url) if q.capture else None)
    if passage is not None:
        if remote and passage.startswith(remote + "#"):
            rec["fr"] = passage[len(remote):]
        else:
            rec["fl"] = passage
        if link_target(passage) is None:
            rec["FL"] = 1
    if q.match_count > 1:
        rec["am"] = ambiguity(q)
    if q.nearest is not None and not q.status.is_found:
        rec["ns"] = f"{q.nearest_score or 0:.2f}"
        if q.word_diff:
            rec["nd"] = q.word_diff
        else:
            rec["nn"] = q.nearest
    return rec


def row_record(row: SourceRow, skipped: set[tuple[str, int]],
               local: LocalCopies) -> dict[str, Any]:
    """A source's row as data: what :func:`row_tree` and the page's script draw.

    Keys are short (the record is repeated 100,000 times); a key is left out
    when it has its default. Strings are as they are: :func:`to_html` and
    :func:`_record_json` make them :func:`visible`.
    """
    src = row.source
    # The anchor first, then "g": the page's script reads both from a row's JSON text
    # without parsing it. An id made only of the characters an anchor keeps ("i") is
    # the anchor without its "source-"; any other id has its anchor ("a") first. Either
    # way the first value holds no character JSON escapes; tags are words.
    anchor = source_anchor(src.id)
    plain = anchor == "source-" + src.id
    rec: dict[str, Any] = {"i": src.id} if plain else {"a": anchor}
    tags = _tags(row, skipped)
    if tags:
        rec["g"] = " ".join(tags)
    rec.update({"i": src.id, "p": src.publisher, "t": src.title, "u": src.url,
                "d": date_text(src), "r": src.relation.value, "l": src.language})
    source_ok = link_target(src.url) is not None
    if not source_ok:
        rec["U"] = 1
    if row.changes:
        rec["x"] = [c.detail for c in row.changes]
    if row.link is not None:
        rec["k"] = _link_record(row.link)
    if row.capture is not None:
        rec["C"] = _capture_record(row.capture, src.url, source_ok, local)
    if row.quotes:
        remote = _remote(rec.get("C"), src.url, local.config_archives())
        unjudged_here = [q for q in row.quotes if (q.source_id, q.quote_index) in skipped]
        fine = [q for q in row.quotes if q.status.is_found and not q.drifted]
        problems = [q for q in row.quotes if q not in fine and q not in unjudged_here]
        rec["Q"] = {key: [_quote_record(q, skipped, remote) for q in group]
                    for key, group in (("P", problems), ("F", fine), ("J", unjudged_here))
                    if group}
    return rec


# -- the row drawn from its record (the page's script has the twin of each function) -------


def _link(url: str, unlinked: Any, label: list[Node], spec: str = "a",
          attrs: dict[str, str] | None = None) -> list[Node]:
    """An ``<a>`` around ``label``; the label and the URL as text when it may not be linked."""
    if unlinked:
        return [*label, " ", el("span.unlinked", f"({url})")] if url else label
    return [el(spec, {"href": url, **(attrs or {})}, *label)]


def _excerpt(excerpt: str) -> list[Node]:
    out: list[Node] = []
    pos = 0
    for m in _MARKED.finditer(excerpt):
        out.append(excerpt[pos:m.start()])
        out.append(el("mark", m.group(1)))
        pos = m.end()
    out.append(excerpt[pos:])
    return [n for n in out if n != ""]


def _link_cell(k: dict[str, Any] | None, cfg: dict[str, Any]) -> list[Node]:
    if k is None:
        return [el("span.neutral", "not checked")]
    out: list[Node] = [el(f"span.badge {cfg['linkTone'].get(k['c'], 'neutral')}", k["c"])]
    if "s" in k:
        out += [" ", el("span.meta", k["s"])]
    for key, prefix in (("h", ""), ("f", "→ "), ("e", "")):
        if key in k:
            out.append(el("div.meta", prefix + k[key]))
    return out


def _remote(c: dict[str, Any] | None, url: str, cfg: dict[str, Any]) -> str | None:
    """The archive's replay URL of a row's stored capture, or None."""
    if c is None or "t" not in c:
        return None
    return str(c["r"]) if "r" in c else f"{cfg['archives'][c['A']]}{c['t']}/{c.get('cu', url)}"


_WORD_DIFF = re.compile(r"\[-(.*?)-\]|\{\+(.*?)\+\}", re.S)


def _word_diff(diff: str) -> list[Node]:
    """A git-style word diff: ``[-removed-]`` struck, ``{+added+}`` underlined."""
    out: list[Node] = []
    pos = 0
    for m in _WORD_DIFF.finditer(diff):
        out.append(diff[pos:m.start()])
        out.append(el("del", m.group(1)) if m.group(1) is not None else el("ins", m.group(2)))
        pos = m.end()
    out.append(diff[pos:])
    return [n for n in out if n != ""]


def _capture_cell(c: dict[str, Any] | None, url: str, cfg: dict[str, Any]) -> list[Node]:
    if c is None:
        return [el("span.neutral", "—")]
    if "lv" in c:  # a live capture: no replay link
        return [el("span.badge warn", c["lv"]), el("div.meta", c["f"])]
    if "t" not in c:
        return [el(f"span.badge {c['o']}", c["w"]), el("div.meta", c["e"]) if "e" in c else ""]
    ts, cap_url = c["t"], c.get("cu", url)
    remote = _remote(c, url, cfg) or ""
    out = _link(remote, c.get("R"), [f"{ts[0:4]}-{ts[4:6]}-{ts[6:8]}"])
    if c.get("P"):
        out += [" ", el("span.badge warn", "before publication")]
    local = f"{cfg['base']}{cfg['collection']}/{ts}/{cap_url}"
    where = f"{cfg['folder']}/{c['f']}" if cfg["folder"] else c["f"]
    out.append(el("div.meta local",
                  *_link(local, c.get("L"), ["local copy"], "a.local",
                         {"title": f"start it with: {cfg['command']}"}),
                  ": ", el("code", where), f" @ {c['n']}"))
    return out


def _quote_item(q: dict[str, Any], remote: str | None, cfg: dict[str, Any]) -> list[Any]:
    tone = "neutral" if q.get("j") else cfg["quoteTone"].get(q["s"], "neutral")
    word = "not judged" if q.get("j") else q["s"]
    extra: list[Node] = []
    if "m" in q:
        extra += [" ", el("span.meta", q["m"])]
    if q.get("T"):
        extra += [" ", el("span.badge warn", "probable translation")]
    if "v" in q:
        badge_tone, badge = _LIVE_BADGES[q["v"]]
        extra += [" ", el(f"span.badge {badge_tone}", badge)]
    if "vd" in q:
        extra.append(el("div.meta", f"live: {q['vd']}"))
    body: list[Node] = [f" “{q['x']}”"]
    if "e" in q:
        body.append(el("div.excerpt", *_excerpt(q["e"])))
    if "df" in q:
        body.append(el("div.excerpt", f"difference: {q['df']}"))
    if "fr" in q or "fl" in q:
        passage = q["fl"] if "fl" in q else f"{remote}{q['fr']}"
        body += [" ", el("span.meta", *_link(passage, q.get("FL"),
                                              ["open the archived page at the passage"]))]
    if "am" in q:
        body += [" ", el("span.badge warn", q["am"])]
    if "ns" in q:
        body.append(el("div.excerpt", f"nearest passage (score {q['ns']}): ",
                       *(_word_diff(q["nd"]) if "nd" in q else [q["nn"]])))
    return el(f"li.quote-{q['s']}", el(f"span.badge {tone}", word), *extra, *body)


def _quotes_cell(groups: dict[str, Any] | None, remote: str | None,
                 cfg: dict[str, Any]) -> list[Node]:
    """Problem quotes (missing, altered, unverifiable, drift) open; verified ones folded.

    Quotes an inconclusive run could not judge are folded too: they are no problem found.
    """
    if not groups:
        return [el("span.neutral", "—")]
    out: list[Node] = []
    if "P" in groups:
        out.append(el("ul.quotes problems", *(_quote_item(q, remote, cfg) for q in groups["P"])))
    for key, word, spec in (("F", "verified", "details.verified"),
                            ("J", "not judged", "details.not-judged")):
        if key in groups:
            out.append(el(spec, el("summary", f"{len(groups[key])} {word}"),
                          el("ul.quotes", *(_quote_item(q, remote, cfg) for q in groups[key]))))
    return out


def row_tree(rec: dict[str, Any], cfg: dict[str, Any]) -> list[Any]:
    """A row record (:func:`row_record`) as a tree of elements (see the module's docstring)."""
    tags = rec.get("g", "")
    return el(
        "tr.source changed" if "x" in rec else "tr.source",
        {"id": rec.get("a", "source-" + rec["i"]), "data-source-id": rec["i"],
         "data-problem": "yes" if " problem " in f" {tags} " else "no", "data-tags": tags},
        el("td", rec["p"]),
        el("td", *_link(rec["u"], rec.get("U"), [rec["t"]]),
           el("div.meta", f"{rec['r']} · {rec['l']}"),
           *(el("div.meta", f"changed: {detail}") for detail in rec.get("x", ()))),
        el("td.date", rec["d"]),
        el("td", *_link_cell(rec.get("k"), cfg)),
        el("td", *_capture_cell(rec.get("C"), rec["u"], cfg)),
        el("td", *_quotes_cell(rec.get("Q"), _remote(rec.get("C"), rec["u"], cfg), cfg)))


# --------------------------------------------------------------------------
# The page
# --------------------------------------------------------------------------

_CSS = """
:root { --ok:#1a7f37; --warn:#9a6700; --bad:#cf222e; --muted:#57606a; --line:#d0d7de; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0;
       color: #1f2328; background: #fff; }
header, main { max-width: 1200px; margin: 0 auto; padding: 16px 24px; }
header { border-bottom: 1px solid var(--line); }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 24px 0 8px; }
.meta { color: var(--muted); font-size: 13px; }
.tiles { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; }
.tile { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; min-width: 120px;
        text-decoration: none; color: inherit; }
.tile b { display: block; font-size: 22px; }
a.tile.bad { border-color: var(--bad); color: var(--bad); }
a.tile.warn { border-color: var(--warn); color: var(--warn); }
a.tile:hover, a.tile:focus { background: #f6f8fa; }
a.tile[aria-pressed="true"] { background: #ffebe9; box-shadow: inset 0 0 0 2px currentColor; }
.tile.muted { color: var(--muted); opacity: .7; }
tr.source:target, tr.source.target { outline: 3px solid #0969da; }
details summary { cursor: pointer; color: var(--ok); font-size: 13px; }
details.not-judged summary { color: var(--muted); }
ul.changes a { color: inherit; }
td.date { white-space: nowrap; }
.inconclusive { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 8px;
                padding: 10px 14px; margin: 12px 0; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; }
col.c-publisher { width: 11%; } col.c-title { width: 16%; } col.c-date { width: 8.5%; }
col.c-link { width: 16.5%; } col.c-capture { width: 13%; } col.c-quotes { width: 35%; }
td { overflow-wrap: anywhere; }
th, td { text-align: left; vertical-align: top; padding: 8px;
         border-bottom: 1px solid var(--line); }
th { background: #f6f8fa; font-size: 13px; }
tr.changed { background: #fff8c5; }
.badge { display: inline-block; border-radius: 10px; padding: 0 8px; font-size: 12px;
         border: 1px solid currentColor; white-space: nowrap; }
.good { color: var(--ok); } .warn { color: var(--warn); } .bad { color: var(--bad); }
.neutral { color: var(--muted); }
td .badge { white-space: normal; overflow-wrap: anywhere; }
ul.quotes { margin: 0; padding-left: 18px; } ul.quotes li { margin-bottom: 6px; }
.excerpt { color: var(--muted); font-size: 13px; }
mark { background: #fff3a3; color: inherit; }
ul.changes li.bad { color: var(--bad); } ul.changes li.good { color: var(--ok); }
.controls { margin: 8px 0; font-size: 14px; display: flex; flex-wrap: wrap; gap: 8px 16px;
            align-items: center; }
.controls input[type=search] { font: inherit; padding: 4px 8px; min-width: 260px; }
.pager button { font: inherit; }
.local code { font-size: 12px; }
"""

#: The page's script (ES5, no library). Rows are entries {el: a <tr> or null, tree: the
#: row's tree or null, tags, id, text}; the shown list is filtered by the tile pressed,
#: "problems only" and the search words, then cut into pages.
_SCRIPT = """//<![CDATA[
(function () {
  'use strict';
  var started = performance.now();
  var PAGE = %(page)d;
  var TAGS = /^(tr|td|div|span|a|b|ul|li|details|summary|mark|code|del|ins)$/;
  var body = document.getElementById('rows');
  var data = document.getElementById('rows-data');
  var entries = [];
  var byId = null;  // anchor -> row number, made when a row is first looked for
  function build(node) {
    if (typeof node === 'string') { return document.createTextNode(node); }
    var spec = node[0], dot = spec.indexOf('.');
    var tag = dot < 0 ? spec : spec.slice(0, dot);
    if (!TAGS.test(tag)) { return document.createTextNode(''); }
    var e = document.createElement(tag), i = 1;
    if (dot >= 0) { e.setAttribute('class', spec.slice(dot + 1)); }
    if (node.length > 1 && node[1] !== null && typeof node[1] === 'object' &&
        !Array.isArray(node[1])) {
      var attrs = node[1];
      for (var k in attrs) {
        if (!Object.prototype.hasOwnProperty.call(attrs, k)) { continue; }
        if (/^on/i.test(k)) { continue; }
        if (k === 'href' && !/^(https?:|#)/i.test(attrs[k])) { continue; }
        e.setAttribute(k, attrs[k]);
      }
      i = 2;
    }
    for (; i < node.length; i++) { e.appendChild(build(node[i])); }
    return e;
  }
  // -- the twins of row_tree and its helpers in archiver/report/html.py ------------------
  var cfg = null;
  function el(spec) {
    var out = [spec];
    for (var i = 1; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined || c === '') { continue; }
      out.push(c);
    }
    return out;
  }
  function elOf(spec, children) { return el.apply(null, [spec].concat(children)); }
  function link(url, unlinked, label, spec, attrs) {
    if (unlinked) {
      return url ? label.concat([' ', el('span.unlinked', '(' + url + ')')]) : label;
    }
    var a = {href: url};
    for (var k in attrs || {}) { a[k] = attrs[k]; }
    return [elOf(spec || 'a', [a].concat(label))];
  }
  var MARKED = /\\u27e6([\\s\\S]*?)\\u27e7/g;
  function excerpt(text) {
    var out = [], pos = 0, m;
    MARKED.lastIndex = 0;
    while ((m = MARKED.exec(text)) !== null) {
      out.push(text.slice(pos, m.index));
      out.push(el('mark', m[1]));
      pos = m.index + m[0].length;
    }
    out.push(text.slice(pos));
    return out.filter(function (n) { return n !== ''; });
  }
  function linkCell(k) {
    if (!k) { return [el('span.neutral', 'not checked')]; }
    var out = [el('span.badge ' + (cfg.linkTone[k.c] || 'neutral'), k.c)];
    if ('s' in k) { out.push(' ', el('span.meta', k.s)); }
    if ('h' in k) { out.push(el('div.meta', k.h)); }
    if ('f' in k) { out.push(el('div.meta', '\\u2192 ' + k.f)); }
    if ('e' in k) { out.push(el('div.meta', k.e)); }
    return out;
  }
  function remoteOf(c, url) {
    if (!c || !('t' in c)) { return null; }
    return 'r' in c ? c.r : cfg.archives[c.A] + c.t + '/' + ('cu' in c ? c.cu : url);
  }
  var WORD_DIFF = /\\[-([\\s\\S]*?)-\\]|\\{\\+([\\s\\S]*?)\\+\\}/g;
  function wordDiff(diff) {
    var out = [], pos = 0, m;
    WORD_DIFF.lastIndex = 0;
    while ((m = WORD_DIFF.exec(diff)) !== null) {
      out.push(diff.slice(pos, m.index));
      out.push(m[1] !== undefined ? el('del', m[1]) : el('ins', m[2]));
      pos = m.index + m[0].length;
    }
    out.push(diff.slice(pos));
    return out.filter(function (n) { return n !== ''; });
  }
  function captureCell(c, url) {
    if (!c) { return [el('span.neutral', '\\u2014')]; }
    if ('lv' in c) { return [el('span.badge warn', c.lv), el('div.meta', c.f)]; }
    if (!('t' in c)) { return [el('span.badge ' + c.o, c.w), 'e' in c ? el('div.meta', c.e) : '']; }
    var ts = c.t, capUrl = 'cu' in c ? c.cu : url;
    var remote = remoteOf(c, url);
    var out = link(remote, c.R, [ts.slice(0, 4) + '-' + ts.slice(4, 6) + '-' + ts.slice(6, 8)]);
    if (c.P) { out.push(' ', el('span.badge warn', 'before publication')); }
    var local = cfg.base + cfg.collection + '/' + ts + '/' + capUrl;
    var where = cfg.folder ? cfg.folder + '/' + c.f : c.f;
    out.push(elOf('div.meta local', link(local, c.L, ['local copy'], 'a.local',
                                         {title: 'start it with: ' + cfg.command})
      .concat([': ', el('code', where), ' @ ' + c.n])));
    return out;
  }
  var LIVE = {gone: ['bad', 'gone from the live page'],
              altered: ['warn', 'changed on the live page'],
              present: ['good', 'on the live page']};
  function quoteItem(q, remote) {
    var tone = q.j ? 'neutral' : (cfg.quoteTone[q.s] || 'neutral');
    var word = q.j ? 'not judged' : q.s;
    var extra = [];
    if ('m' in q) { extra.push(' ', el('span.meta', q.m)); }
    if (q.T) { extra.push(' ', el('span.badge warn', 'probable translation')); }
    if ('v' in q) { extra.push(' ', el('span.badge ' + LIVE[q.v][0], LIVE[q.v][1])); }
    if ('vd' in q) { extra.push(el('div.meta', 'live: ' + q.vd)); }
    var body = [' \\u201c' + q.x + '\\u201d'];
    if ('e' in q) { body.push(elOf('div.excerpt', excerpt(q.e))); }
    if ('df' in q) { body.push(el('div.excerpt', 'difference: ' + q.df)); }
    if ('fr' in q || 'fl' in q) {
      var passage = 'fl' in q ? q.fl : remote + q.fr;
      body.push(' ', elOf('span.meta', link(passage, q.FL,
                                           ['open the archived page at the passage'])));
    }
    if ('am' in q) { body.push(' ', el('span.badge warn', q.am)); }
    if ('ns' in q) {
      body.push(elOf('div.excerpt', ['nearest passage (score ' + q.ns + '): ']
        .concat('nd' in q ? wordDiff(q.nd) : [q.nn])));
    }
    return elOf('li.quote-' + q.s, [el('span.badge ' + tone, word)].concat(extra, body));
  }
  function quotesCell(groups, remote) {
    if (!groups) { return [el('span.neutral', '\\u2014')]; }
    var out = [];
    var item = function (q) { return quoteItem(q, remote); };
    if ('P' in groups) { out.push(elOf('ul.quotes problems', groups.P.map(item))); }
    var folded = [['F', 'verified', 'details.verified'], ['J', 'not judged', 'details.not-judged']];
    for (var i = 0; i < folded.length; i++) {
      var g = groups[folded[i][0]];
      if (g) {
        out.push(el(folded[i][2], el('summary', g.length + ' ' + folded[i][1]),
                    elOf('ul.quotes', g.map(item))));
      }
    }
    return out;
  }
  function rowTree(rec) {
    var tags = rec.g || '';
    var changed = (rec.x || []).map(function (d) { return el('div.meta', 'changed: ' + d); });
    return el('x' in rec ? 'tr.source changed' : 'tr.source',
      {'id': 'a' in rec ? rec.a : 'source-' + rec.i, 'data-source-id': rec.i,
       'data-problem': (' ' + tags + ' ').indexOf(' problem ') >= 0 ? 'yes' : 'no',
       'data-tags': tags},
      el('td', rec.p),
      elOf('td', link(rec.u, rec.U, [rec.t]).concat(
        [el('div.meta', rec.r + ' \\u00b7 ' + rec.l)], changed)),
      el('td.date', rec.d),
      elOf('td', linkCell(rec.k)),
      elOf('td', captureCell(rec.C, rec.u)),
      elOf('td', quotesCell(rec.Q, remoteOf(rec.C, rec.u))));
  }
  function lineText(line) {  // a row's JSON text, searched as it is (its keys are 1-2 letters)
    return line.replace(/\\u003c/g, '<').replace(/\\u003e/g, '>').replace(/\\u0026/g, '&');
  }
  if (data) {
    // One row per line of the JSON text: a row is parsed only when it is drawn, and its
    // anchor and tags are read from the start of its line ({"a":"ANCHOR","g":"TAGS",...}).
    cfg = JSON.parse(document.getElementById('rows-config').textContent);
    var lines = data.textContent.split('\\n');
    for (var i = 1; i < lines.length - 1; i++) {
      var line = lines[i];
      if (line.charAt(line.length - 1) === ',') { line = line.slice(0, -1); }
      var idEnd = line.indexOf('"', 6), tags = '';
      if (line.substr(idEnd + 2, 5) === '"g":"') {
        tags = line.slice(idEnd + 7, line.indexOf('"', idEnd + 7));
      }
      var first = line.slice(6, idEnd);  // {"i":"ID" or {"a":"ANCHOR"
      entries.push({el: null, rec: null, line: line,
                    id: line.charAt(2) === 'i' ? 'source-' + first : first,
                    tags: ' ' + tags + ' ', text: null});
    }
  } else {
    var trs = body.querySelectorAll('tr.source');
    for (var j = 0; j < trs.length; j++) {
      entries.push({el: trs[j], rec: null, id: trs[j].id,
                    tags: ' ' + (trs[j].getAttribute('data-tags') || '') + ' ', text: null});
    }
  }
  function rowText(tr) {  // a server-written row: its text and its links' URLs
    var out = tr.textContent, links = tr.querySelectorAll('a[href]');
    for (var i = 0; i < links.length; i++) { out += ' ' + links[i].getAttribute('href'); }
    return out;
  }
  function element(entry) {
    if (!entry.el) {
      if (!entry.rec) { entry.rec = JSON.parse(entry.line); }
      entry.el = build(rowTree(entry.rec));
    }
    return entry.el;
  }
  function text(entry) {
    if (entry.text === null) {
      entry.text = (entry.line !== undefined ? lineText(entry.line) : rowText(entry.el))
        .toLowerCase();
    }
    return entry.text;
  }
  var state = {tile: null, problems: false, words: [], page: 0};
  var shown = [];
  var search = document.getElementById('search');
  var problems = document.getElementById('only-problems');
  var status = document.getElementById('shown');
  var prev = document.getElementById('prev');
  var next = document.getElementById('next');
  var tiles = document.querySelectorAll('a.tile[data-filter]');
  function matches(entry) {
    if (state.tile && entry.tags.indexOf(' ' + state.tile + ' ') < 0) { return false; }
    if (state.problems && entry.tags.indexOf(' problem ') < 0) { return false; }
    if (state.words.length) {
      var t = text(entry);
      for (var w = 0; w < state.words.length; w++) {
        if (t.indexOf(state.words[w]) < 0) { return false; }
      }
    }
    return true;
  }
  function filter() {
    shown = [];
    for (var i = 0; i < entries.length; i++) { if (matches(entries[i])) { shown.push(i); } }
  }
  function draw() {
    var pages = Math.max(1, Math.ceil(shown.length / PAGE));
    if (state.page >= pages) { state.page = pages - 1; }
    var start = state.page * PAGE, end = Math.min(shown.length, start + PAGE);
    var frag = document.createDocumentFragment();
    for (var i = start; i < end; i++) { frag.appendChild(element(entries[shown[i]])); }
    while (body.firstChild) { body.removeChild(body.firstChild); }
    body.appendChild(frag);
    status.textContent = shown.length ?
      'sources ' + (start + 1) + '–' + end + ' of ' + shown.length +
      (shown.length < entries.length ? ' shown (of ' + entries.length + ')' : '') +
      ' · page ' + (state.page + 1) + ' of ' + pages :
      'no source matches (of ' + entries.length + ')';
    prev.disabled = state.page === 0;
    next.disabled = state.page >= pages - 1;
  }
  function refresh() { filter(); state.page = 0; draw(); }
  function pressTile(filterWord) {
    state.tile = filterWord;
    for (var i = 0; i < tiles.length; i++) {
      tiles[i].setAttribute('aria-pressed',
        tiles[i].getAttribute('data-filter') === filterWord ? 'true' : 'false');
    }
  }
  function mark(id) {
    var old = body.querySelectorAll('tr.target');
    for (var i = 0; i < old.length; i++) { old[i].classList.remove('target'); }
    var row = document.getElementById(id);
    if (row) { row.classList.add('target'); row.scrollIntoView({block: 'start'}); }
  }
  function show(id) {
    if (byId === null) {
      byId = {};
      for (var r = 0; r < entries.length; r++) { byId[entries[r].id] = r; }
    }
    var n = byId[id];
    if (n === undefined) { return false; }
    if (!matches(entries[n])) {  // hidden by a filter: drop the filters
      pressTile(null); state.problems = false; problems.checked = false;
      state.words = []; search.value = ''; filter();
    }
    var at = shown.indexOf(n);
    state.page = Math.floor(at / PAGE);
    draw();
    mark(id);
    return true;
  }
  function go(id) {
    if (show(id) && location.hash !== '#' + id) { history.pushState(null, '', '#' + id); }
  }
  search.addEventListener('input', function () {
    var words = search.value.toLowerCase().split(/\\s+/);
    state.words = [];
    for (var i = 0; i < words.length; i++) { if (words[i]) { state.words.push(words[i]); } }
    refresh();
  });
  problems.addEventListener('change', function () {
    state.problems = problems.checked; refresh();
  });
  prev.addEventListener('click', function () { state.page -= 1; draw(); });
  next.addEventListener('click', function () { state.page += 1; draw(); });
  for (var t = 0; t < tiles.length; t++) {
    tiles[t].setAttribute('role', 'button');
    tiles[t].setAttribute('aria-pressed', 'false');
    tiles[t].addEventListener('click', function (e) {
      e.preventDefault();
      var word = this.getAttribute('data-filter');
      var first = (this.getAttribute('href') || '').slice(1);
      if (state.tile === word) { pressTile(null); refresh(); return; }
      pressTile(word);
      refresh();
      if (first) { go(first); }
    });
  }
  document.addEventListener('click', function (e) {
    var a = e.target.closest ? e.target.closest('a[href^="#source-"]') : null;
    if (!a || a.classList.contains('tile')) { return; }
    e.preventDefault();
    go(a.getAttribute('href').slice(1));
  });
  window.addEventListener('hashchange', function () { show(location.hash.slice(1)); });
  var controls = document.querySelectorAll('[data-needs-script]');
  for (var c = 0; c < controls.length; c++) { controls[c].hidden = false; }
  refresh();
  if (location.hash) { show(decodeURIComponent(location.hash.slice(1))); }
  // for tests and the curious: how many rows, and when the page was ready (ms after navigation)
  window.archiverReport = {entries: entries.length, show: show, started: started,
                           ready: performance.now()};
})();
//]]>"""


def _tiles_html(tiles: Sequence[Tile]) -> str:
    """Each count a tile; a counted tile is a filter button that links to the first row;
    a zero tile is muted."""
    out = []
    for t in tiles:
        body = f"<b>{t.count}</b>{html_text(t.label)}"
        word = TILE_FILTERS.get(t.label, "")
        if t.count and t.first is not None:
            tone = "warn" if t.label.startswith("not judged") else "bad"
            out.append(f'<a class="tile {tone}" href="#{html_text(source_anchor(t.first))}" '
                       f'data-label="{html_text(t.label)}" data-filter="{word}">{body}</a>')
        else:
            out.append(f'<span class="tile muted" data-label="{html_text(t.label)}">{body}</span>')
    return '<nav class="tiles" id="summary" aria-label="triage">' + "".join(out) + "</nav>"


def _changes_html(result: RunResult, known: set[str]) -> str:
    out = ['<section id="changes"><h2>Changes since the previous run</h2>']
    if result.changes:
        items = []
        for c in result.changes[:CHANGES_SHOWN_MAX]:
            what = f"<b>{html_text(c.source_id)}</b>"
            if c.source_id in known:
                what = f'<a href="#{html_text(source_anchor(c.source_id))}">{what}</a>'
            items.append(f'<li class="{"bad" if c.kind in BAD_CHANGES else "good"}" '
                         f'data-kind="{html_text(c.kind.value)}">{what}: '
                         f"{html_text(c.detail)}</li>")
        out.append('<ul class="changes">' + "".join(items) + "</ul>")
        more = len(result.changes) - CHANGES_SHOWN_MAX
        if more > 0:
            out.append(f'<p class="meta">… and {more} more: the "changed" rows below '
                       '(tick "show only sources with problems or changes"), or report.json.</p>')
    else:
        out.append('<p class="meta">None.</p>' if result.previous_run_id
                   else '<p class="meta">No earlier complete run to compare with.</p>')
    out.append("</section>")
    return "".join(out)


#: A row's JSON may hold something :func:`visible` escapes: such a raw character, or the
#: escape json.dumps writes for a C0 control (tab and newline aside). A false alarm
#: only costs the slow path.
_MAY_NEED_VISIBLE = re.compile(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]"
                               r"|\\u00[01]|\\u007f|\\[bfr]")


def _record_json(rec: dict[str, Any]) -> str:
    """A row record as compact JSON, its strings :func:`visible` (fast when nothing needs it)."""
    text = json.dumps(rec, ensure_ascii=False, separators=(",", ":"), check_circular=False)
    if _MAY_NEED_VISIBLE.search(text):
        text = json.dumps(_visible_tree(rec), ensure_ascii=False, separators=(",", ":"))
    return text


def _rows_json(records: Iterator[dict[str, Any]]) -> Iterator[str]:
    """The rows' records as one JSON array, one row per line, escaped for a script element
    (:func:`script_json`), in pieces: a row at a time, never the run's text whole.

    Each escape replaces one character, so escaping row by row gives the text that
    escaping the whole array would."""
    yield "[\n"
    sep = ""
    for rec in records:
        text = _record_json(rec)
        for char, escape in _SCRIPT_ESCAPES:
            if char in text:
                text = text.replace(char, escape)
        yield sep + text
        sep = ",\n"
    yield "\n]"


def format_html(result: RunResult, manifest: Manifest, *,
                replay_base: str = DEFAULT_BASE,
                server_rows_max: int = SERVER_ROWS_MAX) -> str:
    """The run as one self-contained HTML page (see the module's docstring).

    ``replay_base`` is where ``archiver replay`` serves the WARC folder (the
    "local copy" links); ``server_rows_max`` is the most rows written as HTML.
    """
    return "".join(html_pieces(result, manifest, replay_base=replay_base,
                               server_rows_max=server_rows_max))


def html_pieces(result: RunResult, manifest: Manifest, *,
                replay_base: str = DEFAULT_BASE,
                server_rows_max: int = SERVER_ROWS_MAX) -> Iterator[str]:
    """:func:`format_html`'s text in pieces, for writing as they come.

    The rows of a large run (drawn by the page's script) are made and escaped one
    at a time: a 100,000-source page (36 MB) is never held whole, nor copied once
    per escape and again to be encoded.
    """
    all_rows = rows(result, manifest)
    skipped = unjudged(result)
    known = {row.source.id for row in all_rows}
    local = LocalCopies(result, manifest, replay_base)
    tiles = _tiles(result, all_rows)
    server = len(all_rows) <= server_rows_max
    parts = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8"/>',
        '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
        f"<title>archiver report: {html_text(manifest.title)}</title>",
        f"<style>{_CSS}</style>", "</head>", "<body>", "<header>",
        f"<h1>{html_text(manifest.title)}</h1>",
        f'<div class="meta" id="run">manifest <code>{html_text(manifest.id)}</code> · '
        f"{html_text(comparison_text(result))} · {html_text(_when(result.started_at))} · "
        f"archiver {html_text(__version__)}</div>",
        f'<div class="meta" id="fixity">{html_text(fixity_text(result))}</div>',
        "</header>", "<main>",
    ]
    if result.inconclusive:
        parts.append(f'<div class="inconclusive" id="inconclusive"><b>Inconclusive run:</b> '
                     f"{_inconclusive_line(result, skipped, html_text)}</div>")
    parts.append(_tiles_html(tiles))
    if any(c.capture is not None for c in result.captures):
        parts.append(
            '<p class="meta" id="local-copies">Each capture is also in the WARC folder'
            + (f" <code>{html_text(local.folder)}</code>" if local.folder else "")
            + ': its "local copy" link opens it from this machine once '
            f"<code>{html_text(local.command)}</code> runs in the project folder "
            f"(it serves the WARC files at {html_text(local.base)}).</p>")
    parts.append(_changes_html(result, known))
    parts.append(
        '<h2>Sources</h2><div class="controls">'
        '<input type="search" id="search" placeholder="search publisher, title, URL, quote…" '
        'aria-label="search the sources" data-needs-script="" hidden=""/>'
        '<label><input type="checkbox" id="only-problems"/> show only sources with problems '
        'or changes</label>'
        '<span class="pager" data-needs-script="" hidden="">'
        '<button type="button" id="prev">‹ previous</button> '
        '<button type="button" id="next">next ›</button></span>'
        '<span class="meta" id="shown" aria-live="polite"></span></div>')
    if not server:
        counts = " · ".join(f"{t.count} {html_text(t.label)}" for t in tiles)
        parts.append(f'<noscript><p class="inconclusive">This report has {len(all_rows)} '
                     "sources: its rows are drawn by the page's script, which is off. "
                     f"The counts: {counts}. report.md lists the problems and report.json "
                     "everything.</p></noscript>")
    parts.append('<table id="sources"><colgroup>' + "".join(
        f'<col class="c-{name}"/>' for name in
        ("publisher", "title", "date", "link", "capture", "quotes")) + "</colgroup>"
        "<thead><tr><th>publisher</th><th>title</th><th>date</th>"
        '<th>link</th><th>capture</th><th>quotes</th></tr></thead><tbody id="rows">')
    records = (row_record(row, skipped, local) for row in all_rows)
    if server:
        listed = list(records)  # first: the records name the archives in the config
        cfg = local.config()
        parts.extend(to_html(row_tree(rec, cfg)) for rec in listed)
    parts.append("</tbody></table>")
    # every part is followed by a line break
    yield from (part + "\n" for part in parts)
    if not server:
        # the rows first: making them names the archives the config lists after them
        # (the page's script reads both once the page is loaded)
        yield '<script type="application/json" id="rows-data">'
        yield from _rows_json(records)
        yield "</script>\n"
        yield ('<script type="application/json" id="rows-config">'
               + script_json(local.config()) + "</script>\n")
    tail = []
    if result.notes:
        tail.append("<h2>Notes</h2><ul>" + "".join(f"<li>{html_text(n)}</li>"
                                                   for n in result.notes) + "</ul>")
    tail += ["</main>", f"<script>{_SCRIPT % {'page': PAGE_SIZE}}</script>", "</body>",
             "</html>"]
    yield from (part + "\n" for part in tail)


__all__ = ["CHANGES_SHOWN_MAX", "PAGE_SIZE", "SERVER_ROWS_MAX", "format_html", "html_pieces",
           "row_record",
           "row_tree", "script_json", "to_html"]
