"""The one place a result becomes a JSON-able record, and the JSON, JSON Lines and CSV made of them.

Every JSON, JSON Lines and CSV output of every command is built here, so one
result has one shape wherever it appears (``check --format json`` and
``report.json`` show a link result the same way). Each document's JSON Schema
is in ``archiver/schemas/`` (see :mod:`archiver.schemas` for the id scheme).

**Naming rule.** A record's keys are the attribute names of the dataclass it
comes from (:mod:`archiver.models`, and the history, validation and extraction
records), in the dataclass's field order, all of them, always present. Values:
enums as their values, datetimes as ISO 8601 in UTC ending in ``Z``, dates as
ISO 8601 dates, paths as strings, tuples as lists, nested dataclasses as nested
records, absent values as ``null``. One value is rounded: a quote result's
``score``, to 4 decimals.

**Run headers.** ``check``, ``fetch``, ``verify`` and ``run`` documents carry
a ``run`` header: ``schema`` (the schema's id), ``command``,
``archiver_version``, the run dataclass's own fields (its result lists aside),
then computed extras, each named once here: ``duration_ms`` (finished minus
started), ``links`` / ``sources`` / ``quotes`` (how many results), ``counts``
(results per class, outcome or status, every value listed), ``states`` (check:
results per history state), ``drift`` (verify: quotes gone from the live page),
``fail_on`` (the ``--fail-on`` rule in force), ``failures`` (how many results
match it), ``failed`` (check: the source ids that match it), ``manifest_title``
and ``summary`` (run). History, validate and extract documents have no header
and carry ``schema`` at their top level.

**JSON Lines.** One result record per line, then ``{"run": header}`` as the
last line.

**CSV rule.** One row per result record. The columns are the record's fields
in order, with the same names, except that a nested record (a dataclass, such
as a fetch or verify result's ``capture`` or a stored run's ``summary``) is
flattened into columns named ``parent.child`` (all empty when it is null);
lists and maps (``redirects``, ``flags``, ``counts``) are one cell of compact
JSON. Cells: null is empty, booleans are ``true``/``false``, line breaks in text
become spaces.

**CSV for spreadsheets.** CSV is opened by people in spreadsheets, so its text is
made inert there (JSON stays lossless):

- A cell a spreadsheet would read as a formula gets a leading ``'`` (OWASP,
  "CSV Injection"): one whose first character, leading spaces aside, is ``=``,
  ``+``, ``-``, ``@``, tab or carriage return, *unless the whole cell is a plain
  decimal number* (``-1.5``, ``+3``, ``2e-3``: :data:`PLAIN_NUMBER`), which a
  spreadsheet reads as that number and nothing else. So a negative
  ``distance_days`` stays a number, and ``-1+cmd|' /C calc'!A0`` does not run.
  Numbers archiver writes are never prefixed; a text field that happens to be a
  plain number is left as it is too (it means the same either way).
- Control, bidi-override and non-characters are escaped visibly (``\x1b``,
  ``\u202e``; :func:`archiver.report.safe.visible`); inside a JSON cell as
  ``\u001b``, so the cell is still the same JSON.
- A cell holding ``"``, ``,``, ``;``, a tab or a line break is quoted (RFC 4180),
  ``;`` included because it is the list separator of spreadsheets in many
  locales, which would otherwise split the cell and start a new one.
"""

from __future__ import annotations

import dataclasses
import enum
import importlib
import json
import re
import types
import typing
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from archiver._version import __version__
from archiver.errors import Problem
from archiver.failon import FailOn
from archiver.models import (
    CaptureOutcome,
    CheckRun,
    FixityOutcome,
    Hop,
    LinkClass,
    LinkResult,
    LinkState,
    Manifest,
    Quote,
    SaveOutcome,
    Source,
)
from archiver.report.safe import json_visible, visible
from archiver.schemas import schema_id

if TYPE_CHECKING:  # the extract stage's drafts; a link check never loads the dossier reader
    from archiver.dossier import Draft, DraftQuote, DraftSource, FoundUrl

    # the other commands' records (archiver/models.py makes them on first use)
    from archiver.history import (
        CheckRecord,
        FixityEvent,
        LinkRecord,
        RunRecord,
        SaveRecord,
        Transition,
    )
    from archiver.models import (
        Capture,
        CaptureResult,
        Change,
        FetchRun,
        FixityProblem,
        FixityResult,
        FixityRun,
        PackagedFile,
        PackageResult,
        QuoteResult,
        RunResult,
        SaveResult,
        SaveRun,
        TextQuoteSelector,
        VerifyRun,
    )

    # the run report's records: a link check makes neither (archiver/report/run_rows.py)
    from archiver.report.run_rows import SourceRow, Summary

Record = dict[str, Any]
T = TypeVar("T")

# --------------------------------------------------------------------------
# The naming rule
# --------------------------------------------------------------------------


class _Omit:
    """Marks a field a record leaves out (a run's result list, shown beside the header)."""


OMIT = _Omit()


def timestamp(value: datetime) -> str:
    """ISO 8601 in UTC with ``Z``; a naive datetime is taken as UTC."""
    if value.tzinfo is not UTC:  # the common case, a UTC time, needs no conversion
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
    return value.isoformat().replace("+00:00", "Z")


#: Values written as they are (checked first: most fields are text, numbers or null).
_PLAIN = (str, int, float, bool, type(None))


def _value(value: Any) -> Any:
    if type(value) in _PLAIN:  # exact types: an enum that is also a str is not plain
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple | list):
        return [_value(v) for v in value]
    if isinstance(value, dict):
        return {str(_value(k)): _value(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value):
        raise TypeError(f"a nested {type(value).__name__} needs its own record function")
    return value


#: Each dataclass's field names, in order (``dataclasses.fields`` is slow per call:
#: it was a tenth of the CPU of writing 2,000 link results).
_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(obj: Any) -> tuple[str, ...]:
    cls = type(obj)
    names = _NAMES.get(cls)
    if names is None:
        names = _NAMES[cls] = tuple(f.name for f in dataclasses.fields(obj))
    return names


def _record(obj: Any, **given: Any) -> Record:
    """``obj``'s fields by name, in order; ``given`` supplies nested records (or OMIT)."""
    names = _field_names(obj)
    if given:
        unknown = set(given) - set(names)
        if unknown:
            raise TypeError(f"{type(obj).__name__} has no field {sorted(unknown)[0]!r}")
    out: Record = {}
    for name in names:
        value = given[name] if name in given else _value(getattr(obj, name))
        if value is not OMIT:
            out[name] = value
    return out


def _maybe(fn: Callable[[T], Record], value: T | None) -> Record | None:
    return None if value is None else fn(value)


# --------------------------------------------------------------------------
# One function per result type
# --------------------------------------------------------------------------


def hop(h: Hop) -> Record:
    return {"url": h.url, "status": h.status, "location": h.location}


def link_result(r: LinkResult) -> Record:
    """A link result's record, written out field by field.

    The generic :func:`_record` gives the same record in more than twice the time
    (18 µs against 8 µs), and a check run makes one per link while other checks
    wait on the network: tests/test_serialize_links.py holds this to
    :func:`_record`, key for key and value for value, so a field added to
    :class:`~archiver.models.LinkResult` and not here fails there.
    """
    checked_at = r.checked_at
    observed = r.observed_class
    previous = r.previous_state
    expected = r.expected
    return {
        "source_id": r.source_id, "url": r.url, "link_class": r.link_class.value,
        "http_status": r.http_status, "final_url": r.final_url,
        "redirects": [hop(h) for h in r.redirects],
        "error": r.error, "detail": r.detail, "elapsed_ms": r.elapsed_ms,
        "body_size": r.body_size, "body_sha256": r.body_sha256,
        "checked_at": None if checked_at is None else timestamp(checked_at),
        "attempts": r.attempts, "state": r.state.value, "failing_count": r.failing_count,
        "body_truncated": r.body_truncated,
        "observed_class": None if observed is None else observed.value,
        "previous_state": None if previous is None else previous.value,
        "expected": None if expected is None else expected.value,
        "locations": list(r.locations),
    }


def capture(c: Capture) -> Record:
    return _record(c, redirects=[hop(h) for h in c.redirects])


def capture_result(r: CaptureResult) -> Record:
    return _record(r, capture=_maybe(capture, r.capture),
                   extra_captures=[capture(c) for c in r.extra_captures])


def text_quote_selector(s: TextQuoteSelector) -> Record:
    return _record(s)


def quote_result(r: QuoteResult) -> Record:
    return _record(r, score=round(r.score, 4), capture=_maybe(capture, r.capture),
                   timeline=_maybe(_record, r.timeline),
                   selector=_maybe(text_quote_selector, r.selector))


def quote(q: Quote) -> Record:
    return _record(q)


def source(s: Source) -> Record:
    return _record(s, quotes=[quote(q) for q in s.quotes])


def change(c: Change) -> Record:
    return _record(c)


# --------------------------------------------------------------------------
# Computed extras
# --------------------------------------------------------------------------


def duration_ms(started_at: datetime, finished_at: datetime) -> int:
    return round((finished_at - started_at).total_seconds() * 1000)


def outcome_counts(results: Iterable[CaptureResult]) -> dict[str, int]:
    """Fetch results per outcome, every outcome listed."""
    out = {o.value: 0 for o in CaptureOutcome}
    for r in results:
        out[r.outcome.value] += 1
    return out


def _tally(values: Iterable[str]) -> dict[str, int]:
    return dict(sorted(Counter(values).items()))


def capture_word(c: CaptureResult) -> str:
    """What fetch did (its outcome, as ``archiver fetch`` says it)."""
    return c.outcome.value


def summarize(links: Sequence[LinkResult], captures: Sequence[CaptureResult],
              quotes: Sequence[QuoteResult], changes: Sequence[Change]) -> Summary:
    from archiver.report.run_rows import Summary

    return Summary(
        sources=len({*(r.source_id for r in links), *(c.source_id for c in captures),
                     *(q.source_id for q in quotes)}),
        links=_tally(r.link_class.value for r in links),
        link_states=_tally(r.state.value for r in links),
        captures=_tally(capture_word(c) for c in captures),
        quotes=_tally(q.status.value for q in quotes),
        changes=len(changes),
    )


def summary(s: Summary) -> Record:
    return _record(s)


# --------------------------------------------------------------------------
# Run headers and documents of check, fetch, verify
# --------------------------------------------------------------------------


def _head(name: str) -> Record:
    return {"schema": schema_id(name), "command": name, "archiver_version": __version__}


class LinkTally:
    """A check run's counts, kept as results come (a run streamed to its output).

    What the ``run`` header and the summary line count: links, results per
    class and per history state, the links dead by history, and the source ids
    matching ``policy`` (``--fail-on``), listed in the order of the keys they
    were added under (manifest positions; by default, the order of adding).
    """

    __slots__ = ("_failed", "classes", "dead", "links", "policy", "states")

    def __init__(self, policy: FailOn | None = None) -> None:
        self.policy = policy
        self.links = 0
        self.classes: Counter[LinkClass] = Counter()
        self.states: Counter[LinkState] = Counter()
        self.dead = 0
        self._failed: dict[int, str] = {}

    @classmethod
    def of(cls, results: Iterable[LinkResult], policy: FailOn | None = None) -> LinkTally:
        tally = cls(policy)
        for result in results:
            tally.add(result)
        return tally

    @property
    def failed(self) -> list[str] | None:
        """The source ids matching ``policy``, in key order (None without a policy)."""
        if self.policy is None:
            return None
        return [self._failed[key] for key in sorted(self._failed)]

    def add(self, result: LinkResult, key: int | None = None) -> None:
        """Count ``result``, under ``key`` (its manifest position) if given."""
        if self.policy is not None and self.policy.matches_link(result):
            self._failed[self.links if key is None else key] = result.source_id
        self._count(result, 1)

    def remove(self, result: LinkResult, key: int) -> None:
        """Take back ``result``, added under ``key`` (a result replaced by another)."""
        self._count(result, -1)
        self._failed.pop(key, None)

    def _count(self, result: LinkResult, sign: int) -> None:
        self.links += sign
        self.classes[result.link_class] += sign
        self.states[result.state] += sign
        if result.state is LinkState.DEAD:
            self.dead += sign


def check_run(run: CheckRun, policy: FailOn | None = None,
              tally: LinkTally | None = None) -> Record:
    """The ``run`` header of a check document; counted over ``tally`` when the run's
    results were streamed (``tally`` must then count ``policy``)."""
    if tally is None:
        tally = LinkTally.of(run.results, policy)
    failed = tally.failed
    return {
        **_head("check"), **_record(run, results=OMIT),
        "duration_ms": duration_ms(run.started_at, run.finished_at),
        "links": tally.links,
        "counts": {c.value: tally.classes[c] for c in LinkClass},
        "states": {s.value: tally.states[s] for s in LinkState},
        "fail_on": None if policy is None else str(policy),
        "failures": None if failed is None else len(failed),
        "failed": failed,
    }


def check_document(run: CheckRun, policy: FailOn | None = None) -> Record:
    return {"run": check_run(run, policy), "results": [link_result(r) for r in run.results]}


def link_line(result: LinkResult) -> str:
    """One link result as a JSON Lines line, ending in a newline.

    Written field by field with json's own string encoder, it is the text of
    ``_compact(link_result(result))`` (tests/test_serialize_links.py holds it to
    that on generated results, so a field added to :func:`link_result` and not
    here fails there) in less than half the time: a check writes one per link
    while other checks wait on the event loop, and building the record and
    encoding it was a tenth of a 20,000-URL check's CPU (py-spy).
    """
    r = result
    checked_at = r.checked_at
    observed = r.observed_class
    previous = r.previous_state
    expected = r.expected
    hops = ",".join(
        f'{{"url":{_json_str(h.url)},"status":{int.__repr__(h.status)},'
        f'"location":{_str_or_null(h.location)}}}' for h in r.redirects)
    return "".join((
        '{"source_id":', _json_str(r.source_id), ',"url":', _json_str(r.url),
        ',"link_class":', _json_str(r.link_class.value),
        ',"http_status":', _int_or_null(r.http_status),
        ',"final_url":', _str_or_null(r.final_url), ',"redirects":[', hops, "]",
        ',"error":', _str_or_null(r.error), ',"detail":', _str_or_null(r.detail),
        ',"elapsed_ms":', _int_or_null(r.elapsed_ms), ',"body_size":', _int_or_null(r.body_size),
        ',"body_sha256":', _str_or_null(r.body_sha256),
        ',"checked_at":', "null" if checked_at is None else _json_str(timestamp(checked_at)),
        ',"attempts":', int.__repr__(r.attempts), ',"state":', _json_str(r.state.value),
        ',"failing_count":', int.__repr__(r.failing_count),
        ',"body_truncated":', "true" if r.body_truncated else "false",
        ',"observed_class":', "null" if observed is None else _json_str(observed.value),
        ',"previous_state":', "null" if previous is None else _json_str(previous.value),
        ',"expected":', "null" if expected is None else _json_str(expected.value),
        ',"locations":[', ",".join(_json_str(where) for where in r.locations), "]}\n"))


#: A JSON string literal of a str, as json.dumps(ensure_ascii=False) writes it (its
#: own encoder: quotes, backslashes and control characters escaped, the rest kept).
_json_str: Callable[[str], str] = json.encoder.encode_basestring


def _str_or_null(value: str | None) -> str:
    return "null" if value is None else _json_str(value)


def _int_or_null(value: int | None) -> str:
    return "null" if value is None else int.__repr__(value)


def check_run_line(run: CheckRun, policy: FailOn | None = None,
                   tally: LinkTally | None = None) -> str:
    """The last line of a check run's JSON Lines: ``{"run": header}``."""
    return _compact({"run": check_run(run, policy, tally)}) + "\n"


def check_jsonl(run: CheckRun, policy: FailOn | None = None) -> Iterator[str]:
    """:func:`to_jsonl` of :func:`check_document`, one line at a time (each ending in a
    newline): one result's record at a time, never all of them, so a run of 100,000
    links is written without holding its whole document twice over."""
    for result in run.results:
        yield link_line(result)
    yield check_run_line(run, policy)


def fetch_run(run: FetchRun, fail_on: FailOn) -> Record:
    return {
        **_head("fetch"), **_record(run, results=OMIT),
        "duration_ms": duration_ms(run.started_at, run.finished_at),
        "sources": len(run.results),
        "counts": outcome_counts(run.results),
        "fail_on": str(fail_on),
        "failures": sum(1 for r in run.results if fail_on.matches_capture(r)),
    }


def fetch_document(run: FetchRun, fail_on: FailOn) -> Record:
    return {"run": fetch_run(run, fail_on), "results": [capture_result(r) for r in run.results]}


def capture_document(run: FetchRun, fail_on: FailOn) -> Record:
    """``archiver capture``'s document: a fetch document under the capture schema."""
    document = fetch_document(run, fail_on)
    head = document["run"]
    document["run"] = {**_head("capture"),
                       **{k: v for k, v in head.items() if k not in ("schema", "command")}}
    return document


def verify_run(run: VerifyRun, fail_on: FailOn) -> Record:
    return {
        **_head("verify"), **_record(run, results=OMIT),
        "duration_ms": duration_ms(run.started_at, run.finished_at),
        "quotes": len(run.results),
        "counts": _status_counts(run.results),
        "drift": sum(1 for r in run.results if r.drifted),
        "fail_on": str(fail_on),
        "failures": sum(1 for r in run.results if fail_on.matches_quote(r)),
    }


def verify_document(run: VerifyRun, fail_on: FailOn) -> Record:
    return {"run": verify_run(run, fail_on), "results": [quote_result(r) for r in run.results]}


# --------------------------------------------------------------------------
# The run report (report.json, ``archiver run --format json``)
# --------------------------------------------------------------------------


def rows(result: RunResult, manifest: Manifest) -> list[SourceRow]:
    """One row per source of the manifest, in the manifest's order."""
    from archiver.report.run_rows import SourceRow

    links = {r.source_id: r for r in result.links}
    captures = {c.source_id: c for c in result.captures}
    # Grouped once (a scan of every quote per source is quadratic: hours at 100,000 sources).
    quotes: dict[str, list[QuoteResult]] = {}
    for q in result.quotes:
        quotes.setdefault(q.source_id, []).append(q)
    changes: dict[str, list[Change]] = {}
    for c in result.changes:
        changes.setdefault(c.source_id, []).append(c)
    return [SourceRow(source=src, link=links.get(src.id), capture=captures.get(src.id),
                      quotes=tuple(quotes.get(src.id, ())),
                      changes=tuple(changes.get(src.id, ())))
            for src in manifest.sources]


def source_row(row: SourceRow) -> Record:
    return _record(row, source=source(row.source), link=_maybe(link_result, row.link),
                   capture=_maybe(capture_result, row.capture),
                   quotes=[quote_result(q) for q in row.quotes],
                   changes=[change(c) for c in row.changes])


def run_result(result: RunResult, manifest: Manifest) -> Record:
    """The ``run`` header of a run report."""
    return {
        **_head("run"),
        **_record(result, links=OMIT, captures=OMIT, quotes=OMIT, changes=OMIT),
        "manifest_title": manifest.title,
        "duration_ms": duration_ms(result.started_at, result.finished_at),
        "summary": summary(summarize(result.links, result.captures, result.quotes,
                                     result.changes)),
    }


def run_document(result: RunResult, manifest: Manifest) -> Record:
    return {"run": run_result(result, manifest),
            "sources": [source_row(row) for row in rows(result, manifest)],
            "changes": [change(c) for c in result.changes]}


def run_json(result: RunResult, manifest: Manifest) -> Iterator[str]:
    """``to_json(run_document(result, manifest))``, piece by piece.

    The same text, byte for byte, but one source's record is built and written
    at a time: the whole document of a 20,000-source run took about 300 MB more
    than the run itself, in dicts and one string.
    """
    yield '{\n  "run": ' + _nested(to_json(run_result(result, manifest)), 2) + ",\n"
    yield '  "sources": '
    first = True
    for row in rows(result, manifest):
        yield ("[\n    " if first else ",\n    ") + _nested(to_json(source_row(row)), 4)
        first = False
    yield "[],\n" if first else "\n  ],\n"
    changes = json.dumps([change(c) for c in result.changes], indent=2, ensure_ascii=False)
    yield '  "changes": ' + _nested(changes, 2) + "\n}"


def _nested(text: str, indent: int) -> str:
    """JSON written with ``indent=2`` at the top, re-indented as a value ``indent`` deep."""
    return text.replace("\n", "\n" + " " * indent)


# --------------------------------------------------------------------------
# History: links, checks, state changes, stored runs
# --------------------------------------------------------------------------


def link_record(rec: LinkRecord) -> Record:
    return _record(rec)


def check_record(c: CheckRecord) -> Record:
    return _record(c, redirects=[hop(h) for h in c.redirects])


def transition(t: Transition) -> Record:
    return _record(t)


def stored_run(run: RunRecord, compared_with: int | None, changes: Sequence[Change]) -> Record:
    """A stored run: its own fields, a summary of its results, and what changed since."""
    return {
        **_record(run, links=OMIT, captures=OMIT, quotes=OMIT),
        "summary": summary(summarize(run.links, run.captures, run.quotes, changes)),
        "compared_with": compared_with,
        "changes": [change(c) for c in changes],
    }


def links_document(records: Sequence[LinkRecord]) -> Record:
    return {"schema": schema_id("history-links"), "links": [link_record(r) for r in records]}


def link_history_document(record: LinkRecord, checks: Sequence[CheckRecord],
                          transitions: Sequence[Transition]) -> Record:
    return {"schema": schema_id("history-link"), "link": link_record(record),
            "checks": [check_record(c) for c in checks],
            "transitions": [transition(t) for t in transitions]}


def runs_document(runs: Sequence[tuple[RunRecord, int | None, Sequence[Change]]]) -> Record:
    return {"schema": schema_id("history-runs"),
            "runs": [stored_run(run, baseline, changes) for run, baseline, changes in runs]}


def run_changes_document(run: RunRecord, compared_with: int | None,
                         changes: Sequence[Change]) -> Record:
    return {"schema": schema_id("history-run"), **stored_run(run, compared_with, changes)}


def history_export_document(
        manifest_id: str,
        runs: Sequence[tuple[RunRecord, int | None, Sequence[Change]]],
        links: Sequence[tuple[LinkRecord, Sequence[CheckRecord], Sequence[Transition]]],
) -> Record:
    """A manifest's history as ``archiver package`` exports it: its stored runs (as
    ``history --runs``) and each of its links with every check and state change
    (as ``history URL``)."""
    return {"schema": schema_id("history-export"), "manifest_id": manifest_id,
            "runs": [stored_run(run, baseline, changes) for run, baseline, changes in runs],
            "links": [{"link": link_record(rec),
                       "checks": [check_record(c) for c in checks],
                       "transitions": [transition(t) for t in transitions]}
                      for rec, checks, transitions in links]}


# --------------------------------------------------------------------------
# package
# --------------------------------------------------------------------------


def packaged_file(f: PackagedFile) -> Record:
    return _record(f)


def package_result(r: PackageResult) -> Record:
    return _record(r, files=[packaged_file(f) for f in r.files])


def package_document(results: Sequence[PackageResult]) -> Record:
    """What ``archiver package --format json`` prints: each package written."""
    return {"schema": schema_id("package"), "archiver_version": __version__,
            "packages": [package_result(r) for r in results]}


# --------------------------------------------------------------------------
# validate and extract
# --------------------------------------------------------------------------


def problem(p: Problem) -> Record:
    return _record(p)


def manifest_check(path: Path, manifest: Manifest | None, valid: bool,
                   problems: Sequence[Problem]) -> Record:
    """What ``archiver validate`` found in one file."""
    return {"file": str(path), "valid": valid,
            "sources": len(manifest.sources) if manifest else None,
            "quotes": sum(len(s.quotes) for s in manifest.sources) if manifest else None,
            "problems": [problem(p) for p in problems]}


def validation_document(checks: Sequence[Record]) -> Record:
    return {"schema": schema_id("validate"), "manifests": list(checks)}


def found_url(f: FoundUrl) -> Record:
    return _record(f)


def draft_quote(q: DraftQuote) -> Record:
    return _record(q)


def draft_source(s: DraftSource) -> Record:
    return _record(s, quotes=[draft_quote(q) for q in s.quotes])


def draft_document(draft: Draft) -> Record:
    return {"schema": schema_id("extract"),
            **_record(draft, sources=[draft_source(s) for s in draft.sources],
                      urls=[found_url(u) for u in draft.urls])}


# --------------------------------------------------------------------------
# Writers: JSON, JSON Lines, CSV
# --------------------------------------------------------------------------


def to_json(document: Record) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False)


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def to_jsonl(document: Record) -> str:
    """A ``{"run", "results"}`` document as lines: each result, then ``{"run": ...}``."""
    return "\n".join([*(_compact(r) for r in document["results"]),
                      _compact({"run": document["run"]})])


def _nested_record_type(hint: Any) -> type | None:
    """The dataclass a field holds (``X`` or ``X | None``), else None."""
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return hint
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(inner) == 1:
            return _nested_record_type(inner[0])
    return None


def csv_columns(cls: type, prefix: str = "", omit: Iterable[str] = ()) -> list[str]:
    """The CSV columns of records of dataclass ``cls`` (nested dataclasses flattened)."""
    hints = typing.get_type_hints(cls)
    left_out = set(omit)
    out: list[str] = []
    for f in dataclasses.fields(cls):
        if f.name in left_out:
            continue
        nested = _nested_record_type(hints[f.name])
        if nested is None:
            out.append(prefix + f.name)
        else:
            out.extend(csv_columns(nested, f"{prefix}{f.name}."))
    return out




def _lookup(record: Record, column: str) -> Any:
    value: Any = record
    for part in column.split("."):
        if value is None:
            return None
        value = value[part]
    return value


#: The first characters of a cell a spreadsheet reads as a formula (OWASP, "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: A cell that is a plain decimal number: a spreadsheet reads it as that number.
PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_LINE_BREAK = re.compile(r"\r\n|[\r\n]")
#: What makes a cell quoted: RFC 4180's separators and quote, and ';' (see the module).
_NEEDS_QUOTES = re.compile('[",;\t\r\n]')


def csv_text(text: str) -> str:
    """A text cell made inert in a spreadsheet (the CSV rule above), before quoting."""
    text = visible(_LINE_BREAK.sub(" ", text), keep="\t")
    if text.lstrip(" ").startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json_visible(_compact(value))
    return csv_text(str(value))


def _field(cell: str) -> str:
    if _NEEDS_QUOTES.search(cell):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def to_csv(columns: Sequence[str], records: Sequence[Record]) -> str:
    """CSV of ``records`` (see the CSV rule above); the header is ``columns``."""
    return csv_header(columns) + "".join(csv_line(columns, record) for record in records)


def csv_header(columns: Sequence[str]) -> str:
    """The CSV header line of ``columns``, ending in a newline."""
    return ",".join(_field(c) for c in columns) + "\n"


def csv_line(columns: Sequence[str], record: Record) -> str:
    """One record's CSV line (see the CSV rule above), ending in a newline."""
    return ",".join(_field(_cell(_lookup(record, col))) for col in columns) + "\n"


__all__ = [
    "CHANGE_COLUMNS", "CHECK_COLUMNS", "CHECK_RECORD_COLUMNS", "FETCH_COLUMNS", "FORMULA_START",
    "LINK_RECORD_COLUMNS", "OMIT", "PLAIN_NUMBER", "STORED_RUN_COLUMNS", "VERIFY_COLUMNS",
    "Record",
    "SourceRow", "Summary", "capture", "capture_result", "capture_word", "change",
    "check_document", "check_jsonl", "check_record", "check_run", "csv_columns", "csv_header",
    "csv_line", "csv_text",
    "draft_document",
    "draft_quote", "draft_source", "duration_ms", "fetch_document", "fetch_run", "found_url",
    "hop", "link_history_document", "link_record", "link_result", "links_document",
    "manifest_check", "outcome_counts", "problem", "quote", "quote_result", "rows",
    "run_changes_document", "run_document", "run_result", "runs_document", "source",
    "source_row", "stored_run", "summarize", "summary", "text_quote_selector", "timestamp",
    "to_csv", "to_json", "to_jsonl", "transition", "validation_document", "verify_document",
    "verify_run",
]


# --------------------------------------------------------------------------
# save and fixity (and their history: schema 3 of the database)
# --------------------------------------------------------------------------


def save_result(r: SaveResult) -> Record:
    return _record(r, capture=_maybe(capture, r.capture))


def save_counts(results: Iterable[SaveResult]) -> dict[str, int]:
    """Save results per outcome, every outcome listed."""
    out = {o.value: 0 for o in SaveOutcome}
    for r in results:
        out[r.outcome.value] += 1
    return out


def save_run(run: SaveRun) -> Record:
    return {
        **_head("save"), **_record(run, results=OMIT),
        "duration_ms": duration_ms(run.started_at, run.finished_at),
        "sources": len(run.results),
        "counts": save_counts(run.results),
        "failures": sum(1 for r in run.results if r.outcome is not SaveOutcome.SAVED),
    }


def save_document(run: SaveRun) -> Record:
    return {"run": save_run(run), "results": [save_result(r) for r in run.results]}


def fixity_problem(p: FixityProblem) -> Record:
    return _record(p)


def fixity_result(r: FixityResult) -> Record:
    return _record(r, problems=[fixity_problem(p) for p in r.problems])


def fixity_run(run: FixityRun) -> Record:
    seconds = (run.finished_at - run.started_at).total_seconds()
    outcomes = Counter(r.outcome for r in run.results)
    return {
        **_head("fixity"), **_record(run, results=OMIT),
        "duration_ms": duration_ms(run.started_at, run.finished_at),
        "files": len(run.results),
        "counts": {o.value: outcomes[o] for o in FixityOutcome},
        "failures": sum(1 for r in run.results if r.outcome.is_failure),
        "mb_per_second": round(run.bytes_read / 1e6 / seconds, 1) if seconds > 0 else None,
    }


def fixity_document(run: FixityRun) -> Record:
    return {"run": fixity_run(run), "results": [fixity_result(r) for r in run.results]}


def save_record(rec: SaveRecord) -> Record:
    return _record(rec, result=save_result(rec.result))


def saves_document(records: Sequence[SaveRecord]) -> Record:
    return {"schema": schema_id("history-saves"), "saves": [save_record(r) for r in records]}


def fixity_event(event: FixityEvent) -> Record:
    return _record(event, result=fixity_result(event.result))


def fixity_events_document(events: Sequence[FixityEvent]) -> Record:
    return {"schema": schema_id("history-fixity"), "events": [fixity_event(e) for e in events]}


#: The CSV columns of the other commands' records and of the history's, worked out
#: on first use (PEP 562): a link check makes neither those records (archiver/models.py)
#: nor the history's, and reading a record's annotations costs time.
_LATER_COLUMNS = {
    # a link check's too: only CSV needs them (about 1.5 ms to read the annotations)
    "CHECK_COLUMNS": ("archiver.models", "LinkResult"),
    "FETCH_COLUMNS": ("archiver.models", "CaptureResult"),
    "VERIFY_COLUMNS": ("archiver.models", "QuoteResult"),
    "CHANGE_COLUMNS": ("archiver.models", "Change"),
    "LINK_RECORD_COLUMNS": ("archiver.history", "LinkRecord"),
    "CHECK_RECORD_COLUMNS": ("archiver.history", "CheckRecord"),
    "STORED_RUN_COLUMNS": ("archiver.history", "RunRecord"),
    "SAVE_COLUMNS": ("archiver.models", "SaveResult"),
    "FIXITY_COLUMNS": ("archiver.models", "FixityResult"),
    "SAVE_RECORD_COLUMNS": ("archiver.history", "SaveRecord"),
    "FIXITY_EVENT_COLUMNS": ("archiver.history", "FixityEvent"),
}

#: The run report's records (archiver/report/run_rows.py), made when a run is reported.
_RUN_ROWS = ("SourceRow", "Summary")

if TYPE_CHECKING:
    CHECK_COLUMNS: tuple[str, ...]
    FETCH_COLUMNS: tuple[str, ...]
    VERIFY_COLUMNS: tuple[str, ...]
    CHANGE_COLUMNS: tuple[str, ...]
    LINK_RECORD_COLUMNS: tuple[str, ...]
    CHECK_RECORD_COLUMNS: tuple[str, ...]
    STORED_RUN_COLUMNS: tuple[str, ...]
    SAVE_COLUMNS: tuple[str, ...]
    FIXITY_COLUMNS: tuple[str, ...]
    SAVE_RECORD_COLUMNS: tuple[str, ...]
    FIXITY_EVENT_COLUMNS: tuple[str, ...]
else:

    def __getattr__(name: str) -> Any:
        if name in _RUN_ROWS:
            from archiver.report import run_rows

            return getattr(run_rows, name)
        if name not in _LATER_COLUMNS:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        module, cls = _LATER_COLUMNS[name]
        record = getattr(importlib.import_module(module), cls)
        if name == "STORED_RUN_COLUMNS":
            from archiver.report.run_rows import Summary

            columns = (*csv_columns(record, omit=("links", "captures", "quotes")),
                       *csv_columns(Summary, "summary."), "compared_with", "changes")
        else:
            columns = tuple(csv_columns(record))
        globals()[name] = columns
        return columns

__all__ += [
    "FIXITY_COLUMNS", "FIXITY_EVENT_COLUMNS", "SAVE_COLUMNS", "SAVE_RECORD_COLUMNS",
    "fixity_document", "fixity_event", "fixity_events_document", "fixity_problem",
    "fixity_result", "fixity_run", "save_counts", "save_document", "save_record",
    "save_result", "save_run", "saves_document",
]


def _status_counts(results: Iterable[QuoteResult]) -> dict[str, int]:
    # the verify stage (and numpy with it) is loaded only when a verify run is written
    from archiver.verify import counts

    return counts(results)
