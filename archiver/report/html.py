"""``report.html``: one self-contained page that stays usable from 20 to 100,000 sources.

The page loads nothing from the network (no CDN, no fonts, no images): its CSS
and its script are inline. It is well-formed XML too (void elements closed, the
script in a CDATA section, the row data with ``<``, ``>`` and ``&`` escaped), so an
XML parser can check it. Every text in it is escaped by
:mod:`archiver.report.safe`, and its links go only to http(s) URLs.

**One renderer, two ways to ship it.** Each source's row is built once, in
Python, as a small tree of elements (:func:`row_tree`): ``[tag_and_class,
{attributes}?, *children]``, a text child being a plain string. Then either

- (at most :data:`SERVER_ROWS_MAX` sources) the tree is written as HTML rows in
  the table, so the page reads without its script; or
- (more) the trees are embedded as JSON in a ``<script type="application/json">``
  and the page's script draws only the rows of the page shown, with
  ``createElement``/``textContent`` (no HTML is parsed from the data). A
  ``<noscript>`` note then gives the counts and points to report.md and
  report.json. (100,000 server-rendered rows would be a table of several
  hundred thousand elements that a browser takes many seconds to lay out.)

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
    is_problem,
    replay_url,
    source_anchor,
    unjudged,
)
from archiver.report.safe import html_text, link_target, visible
from archiver.report.serialize import SourceRow, capture_word, rows
from archiver.store.folder import default_warcs_dir
from archiver.store.replay import DEFAULT_BASE, local_replay_url

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
    if isinstance(node, str):
        return visible(node)
    if isinstance(node, dict):
        return {k: visible(v) for k, v in node.items()}
    return [_visible_tree(c) for c in node]


_SCRIPT_UNSAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                                "\u2028": "\\u2028", "\u2029": "\\u2029"})


def script_json(value: Any) -> str:
    """``value`` as JSON safe inside ``<script type="application/json">`` (and XML)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).translate(_SCRIPT_UNSAFE)


# --------------------------------------------------------------------------
# A row
# --------------------------------------------------------------------------

_QUOTE_TONE = {
    QuoteStatus.VERIFIED: "good", QuoteStatus.VERIFIED_TYPO: "good",
    QuoteStatus.ALTERED: "warn", QuoteStatus.MISSING: "bad",
    QuoteStatus.UNVERIFIABLE: "neutral",
}
_MARKED = re.compile(re.escape(MARK_OPEN) + "(.*?)" + re.escape(MARK_CLOSE), re.S)


def link(url: str | None, *label: Node, spec: str = "a",
         attrs: dict[str, str] | None = None) -> list[Node]:
    """An ``<a>`` to ``url`` when it may be linked; else the label and the URL as text."""
    target = link_target(url)
    if target is None:
        return [*label, *([" ", el("span.unlinked", f"({url})")] if url else [])]
    return [el(spec, {"href": target, **(attrs or {})}, *label)]


def _excerpt(excerpt: str) -> list[Node]:
    out: list[Node] = []
    pos = 0
    for m in _MARKED.finditer(excerpt):
        out.append(excerpt[pos:m.start()])
        out.append(el("mark", m.group(1)))
        pos = m.end()
    out.append(excerpt[pos:])
    return [n for n in out if n != ""]


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


def _link_cell(lk: LinkResult | None) -> list[Node]:
    if lk is None:
        return [el("span.neutral", "not checked")]
    tone = LINK_TONE.get(lk.link_class, "neutral")
    out: list[Node] = [el(f"span.badge {tone}", lk.link_class.value)]
    if lk.state is not LinkState.UNKNOWN:
        count = f" ×{lk.failing_count}" if lk.state is LinkState.FAILING else ""
        out += [" ", el("span.meta", f"{lk.state.value}{count}")]
    status = f"HTTP {lk.http_status}" if lk.http_status else None
    if status and not (lk.detail or "").startswith(status):
        out.append(el("div.meta", status))
    if lk.final_url and lk.final_url != lk.url:
        out.append(el("div.meta", f"→ {lk.final_url}"))
    if lk.detail:
        out.append(el("div.meta", lk.detail))
    return out


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
        if result.warcs_dir is not None and (manifest.path is None or
                                             _same(result.warcs_dir,
                                                   default_warcs_dir(manifest)) is False):
            command += ["--warcs", self.folder or str(warcs)]
        port = re.search(r":(\d+)/?$", replay_base)
        if port and port.group(1) != "8080":
            command += ["--port", port.group(1)]
        self.command = " ".join(_shell_word(w) for w in command)

    def where(self, warc_file: str) -> str:
        """A WARC file's path as a reader finds it: under the project folder when it is there."""
        return f"{self.folder}/{warc_file}" if self.folder else warc_file


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


def _capture_cell(capture: CaptureResult | None, local: LocalCopies) -> list[Node]:
    if capture is None:
        return [el("span.neutral", "—")]
    cap = capture.capture
    if cap is None:
        tone = ("neutral" if capture.outcome.stopped  # not attempted: no finding
                else "warn" if capture.outcome.is_excluded else "bad")
        return [el(f"span.badge {tone}", capture_word(capture)),
                el("div.meta", capture.detail) if capture.detail else ""]
    when = cap.memento_datetime.strftime("%Y-%m-%d")
    out: list[Node] = link(replay_url(cap.memento_url), when)
    if cap.pre_publication:
        out += [" ", el("span.badge warn", "before publication")]
    local_url = local_replay_url(cap, local.base)
    out.append(el("div.meta local",
                  *link(local_url, "local copy", spec="a.local",
                        attrs={"title": f"start it with: {local.command}"}),
                  ": ", el("code", local.where(cap.warc_file)), f" @ {cap.warc_offset}"))
    return out


def _quote_item(q: QuoteResult, skipped: set[tuple[str, int]]) -> list[Any]:
    not_judged = (q.source_id, q.quote_index) in skipped
    tone = "neutral" if not_judged else _QUOTE_TONE.get(q.status, "neutral")
    word = "not judged" if not_judged else q.status.value
    extra: list[Node] = []
    if q.method:
        extra += [" ", el("span.meta", f"{q.method}, score {q.score:.2f}")]
    if q.probable_translation:
        extra += [" ", el("span.badge warn", "probable translation")]
    if q.live_status is LiveStatus.GONE:
        extra += [" ", el("span.badge bad", "gone from the live page")]
    elif q.live_status is LiveStatus.ALTERED:
        extra += [" ", el("span.badge warn", "changed on the live page")]
    elif q.live_status is LiveStatus.PRESENT:
        extra += [" ", el("span.badge good", "on the live page")]
    if q.live_detail and q.live_status in (LiveStatus.GONE, LiveStatus.ALTERED):
        extra.append(el("div.meta", f"live: {q.live_detail}"))
    body: list[Node] = [f" “{q.text}”"]
    if q.excerpt:
        body.append(el("div.excerpt", *_excerpt(q.excerpt)))
    if q.difference:
        body.append(el("div.excerpt", f"difference: {q.difference}"))
    return el(f"li.quote-{q.status.value}", el(f"span.badge {tone}", word), *extra, *body)


def _quotes_cell(quotes: tuple[QuoteResult, ...], skipped: set[tuple[str, int]]) -> list[Node]:
    """Problem quotes (missing, altered, unverifiable, drift) open; verified ones folded.

    Quotes an inconclusive run could not judge are folded too: they are no problem found.
    """
    if not quotes:
        return [el("span.neutral", "—")]
    unjudged_here = [q for q in quotes if (q.source_id, q.quote_index) in skipped]
    fine = [q for q in quotes if q.status.is_found and not q.drifted]
    problems = [q for q in quotes if q not in fine and q not in unjudged_here]
    out: list[Node] = []
    if problems:
        out.append(el("ul.quotes problems", *(_quote_item(q, skipped) for q in problems)))
    for group, word in ((fine, "verified"), (unjudged_here, "not judged")):
        if group:
            out.append(el(f"details.{word.replace(' ', '-')}",
                          el("summary", f"{len(group)} {word}"),
                          el("ul.quotes", *(_quote_item(q, skipped) for q in group))))
    return out


def row_tree(row: SourceRow, skipped: set[tuple[str, int]], local: LocalCopies) -> list[Any]:
    """One source's table row, as a tree (see the module's docstring)."""
    src = row.source
    tags = _tags(row, skipped)
    return el(
        "tr.source changed" if row.changes else "tr.source",
        {"id": source_anchor(src.id), "data-source-id": src.id,
         "data-problem": "yes" if "problem" in tags else "no", "data-tags": " ".join(tags)},
        el("td", src.publisher),
        el("td", *link(src.url, src.title),
           el("div.meta", f"{src.relation.value} · {src.language}"),
           *(el("div.meta", f"changed: {c.detail}") for c in row.changes)),
        el("td.date", date_text(src)),
        el("td", *_link_cell(row.link)),
        el("td", *_capture_cell(row.capture, local)),
        el("td", *_quotes_cell(row.quotes, skipped)))


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
  var PAGE = %(page)d;
  var TAGS = /^(tr|td|div|span|a|b|ul|li|details|summary|mark|code)$/;
  var body = document.getElementById('rows');
  var data = document.getElementById('rows-data');
  var entries = [];
  var byId = {};
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
  function treeText(node) {
    if (typeof node === 'string') { return node; }
    var out = '';
    for (var i = 1; i < node.length; i++) {
      if (typeof node[i] === 'string' || Array.isArray(node[i])) {
        out += ' ' + treeText(node[i]);
      }
    }
    return out;
  }
  if (data) {
    var trees = JSON.parse(data.textContent);
    for (var i = 0; i < trees.length; i++) {
      var a = trees[i][1];
      entries.push({el: null, tree: trees[i], id: a.id, tags: ' ' + a['data-tags'] + ' ',
                    text: null});
    }
  } else {
    var trs = body.querySelectorAll('tr.source');
    for (var j = 0; j < trs.length; j++) {
      entries.push({el: trs[j], tree: null, id: trs[j].id,
                    tags: ' ' + (trs[j].getAttribute('data-tags') || '') + ' ', text: null});
    }
  }
  for (var n = 0; n < entries.length; n++) { byId[entries[n].id] = n; }
  function element(entry) {
    if (!entry.el) { entry.el = build(entry.tree); }
    return entry.el;
  }
  function text(entry) {
    if (entry.text === null) {
      entry.text = (entry.tree ? treeText(entry.tree) : entry.el.textContent).toLowerCase();
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
  window.archiverReport = {entries: entries.length, show: show};
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


def _rows_json(all_rows: Sequence[SourceRow], skipped: set[tuple[str, int]],
               local: LocalCopies) -> Iterator[str]:
    """The rows' trees as one JSON array, a row at a time (memory: one row, not the run)."""
    yield "["
    for n, row in enumerate(all_rows):
        yield ("," if n else "") + script_json(_visible_tree(row_tree(row, skipped, local)))
    yield "]"


def format_html(result: RunResult, manifest: Manifest, *,
                replay_base: str = DEFAULT_BASE,
                server_rows_max: int = SERVER_ROWS_MAX) -> str:
    """The run as one self-contained HTML page (see the module's docstring).

    ``replay_base`` is where ``archiver replay`` serves the WARC folder (the
    "local copy" links); ``server_rows_max`` is the most rows written as HTML.
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
    if server:
        parts.extend(to_html(row_tree(row, skipped, local)) for row in all_rows)
    parts.append("</tbody></table>")
    if not server:
        parts.append('<script type="application/json" id="rows-data">'
                     + "".join(_rows_json(all_rows, skipped, local)) + "</script>")
    if result.notes:
        parts.append("<h2>Notes</h2><ul>" + "".join(f"<li>{html_text(n)}</li>"
                                                     for n in result.notes) + "</ul>")
    parts += ["</main>", f"<script>{_SCRIPT % {'page': PAGE_SIZE}}</script>", "</body>",
              "</html>"]
    return "\n".join(parts) + "\n"


__all__ = ["PAGE_SIZE", "SERVER_ROWS_MAX", "format_html", "row_tree", "script_json", "to_html"]
