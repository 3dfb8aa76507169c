"""report.json is written source by source, and says exactly what the whole document says."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from archiver.models import (
    Change,
    ChangeKind,
    LinkClass,
    LinkResult,
    Manifest,
    Quote,
    QuoteResult,
    QuoteStatus,
    RunResult,
    Source,
)
from archiver.report import serialize

T = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
text = st.text(alphabet=st.characters(codec="utf-8"), max_size=12)


@st.composite
def runs(draw: st.DrawFn) -> tuple[RunResult, Manifest]:
    n = draw(st.integers(0, 4))
    sources = tuple(Source(id=f"s{i}", url=f"http://news.example/{i}", publisher=draw(text),
                           title=draw(text), published=date(2014, 9, 1), language="fr",
                           quotes=(Quote(draw(text) or "q"),)) for i in range(n))
    links = tuple(LinkResult(s.id, s.url, draw(st.sampled_from(list(LinkClass))),
                             detail=draw(text), checked_at=T)
                  for s in sources if draw(st.booleans()))
    quotes = tuple(QuoteResult(s.id, 1, s.quotes[0].text, draw(st.sampled_from(
        list(QuoteStatus)))) for s in sources if draw(st.booleans()))
    changes = tuple(Change(draw(st.sampled_from(list(ChangeKind))), s.id, draw(text),
                           before="ok", after=draw(text))
                    for s in sources if draw(st.booleans()))
    result = RunResult(manifest_id="m", started_at=T, finished_at=T, links=links,
                       quotes=quotes, changes=changes)
    return result, Manifest(id="m", title=draw(text), sources=sources)


@settings(max_examples=60)
@given(run=runs())
def test_the_pieces_are_the_document(run: tuple[RunResult, Manifest]) -> None:
    result, manifest = run
    whole = serialize.to_json(serialize.run_document(result, manifest))
    assert "".join(serialize.run_json(result, manifest)) == whole


def test_the_pieces_come_one_source_at_a_time() -> None:
    sources = tuple(Source(id=f"s{i}", url=f"http://news.example/{i}", publisher="P",
                           title="T", published=date(2014, 9, 1), language="fr")
                    for i in range(5))
    result = RunResult(manifest_id="m", started_at=T, finished_at=T)
    pieces = list(serialize.run_json(result, Manifest(id="m", title="M", sources=sources)))
    assert sum('"id": "s' in p for p in pieces) == 5
    assert all(p.count('"id": "s') <= 1 for p in pieces)
