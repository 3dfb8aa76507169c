"""The link result's record, written out field by field, is the generic record exactly."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone, tzinfo

from hypothesis import given, settings
from hypothesis import strategies as st

from archiver.models import Expectation, Hop, LinkClass, LinkResult, LinkState
from archiver.report.serialize import _compact, _record, hop, link_line, link_result

_TEXT = st.text(max_size=12)
_OPT_TEXT = st.none() | _TEXT
_OPT_INT = st.none() | st.integers(min_value=-1, max_value=10**12)
_ZONES: st.SearchStrategy[tzinfo | None] = st.sampled_from(
    [UTC, timezone(timedelta(hours=2)), None])
_WHEN = st.none() | st.builds(lambda moment, zone: moment.replace(tzinfo=zone),
                              st.datetimes(min_value=datetime(1990, 1, 1),
                                           max_value=datetime(2100, 1, 1)), _ZONES)
_HOPS = st.lists(st.builds(Hop, _TEXT, st.integers(100, 599), _OPT_TEXT), max_size=3).map(tuple)

RESULTS = st.builds(
    LinkResult, source_id=_TEXT, url=_TEXT, link_class=st.sampled_from(LinkClass),
    http_status=_OPT_INT, final_url=_OPT_TEXT, redirects=_HOPS, error=_OPT_TEXT,
    detail=_OPT_TEXT, elapsed_ms=_OPT_INT, body_size=_OPT_INT, body_sha256=_OPT_TEXT,
    checked_at=_WHEN, attempts=st.integers(1, 9), state=st.sampled_from(LinkState),
    failing_count=st.integers(0, 9), body_truncated=st.booleans(),
    observed_class=st.none() | st.sampled_from(LinkClass),
    previous_state=st.none() | st.sampled_from(LinkState),
    expected=st.none() | st.sampled_from(Expectation),
    locations=st.lists(_TEXT, max_size=3).map(tuple))


@given(RESULTS)
def test_a_link_record_is_the_generic_record_key_for_key(result: LinkResult) -> None:
    written = link_result(result)
    generic = _record(result, redirects=[_record(h) for h in result.redirects])
    assert list(written.items()) == list(generic.items())
    assert json.dumps(written) == json.dumps(generic)  # the same JSON, types included
    assert [hop(h) for h in result.redirects] == generic["redirects"]


@settings(max_examples=500)
@given(RESULTS)
def test_a_link_line_is_the_compact_json_of_its_record(result: LinkResult) -> None:
    assert link_line(result) == _compact(link_result(result)) + "\n"


def test_the_records_made_once_per_source_carry_no_instance_dict() -> None:
    """Source, Quote, LinkResult and Hop are made once per source (100,000 in a large
    collection): slots, not a ``__dict__`` each, and they still pickle (the history
    spool) and compare as before."""
    import pickle
    from datetime import date

    from archiver.models import Quote, Source

    source = Source(id="s1", url="https://news.example.org/a", publisher="P", title="T",
                    published=date(2014, 9, 1), language="en", quotes=(Quote("words"),))
    result = LinkResult("s1", "https://news.example.org/a", LinkClass.OK, http_status=200,
                        redirects=(Hop("https://news.example.org/a", 301, "/b"),))
    for record in (source, source.quotes[0], result, result.redirects[0]):
        assert not hasattr(record, "__dict__"), type(record).__name__
        assert pickle.loads(pickle.dumps(record)) == record
    assert hash(result) == hash(pickle.loads(pickle.dumps(result)))
