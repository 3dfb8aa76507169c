"""Hostile archive data: dates out of range, and line separators in header values.

A hostile (or broken) archive controls every ``Memento-Datetime``, TimeMap
``datetime``, CDX timestamp and redirect ``Location`` it sends, and every
WARC-Date of a WARC someone drops into the folder. None of them may crash a
run: a date that cannot be used makes the capture a ``playback_error`` or the
listing entry unusable. Header values are stored in metadata records
(``application/warc-fields``) exactly as sent, but can never become a field
of their own. The archive here is a real server on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archiver.errors import ArchiverError
from archiver.failon import Command, parse_fail_on
from archiver.fetch import Archive, fetch_sources
from archiver.fetch.listing import parse_http_date, parse_timestamp
from archiver.fetch.wayback import _candidate
from archiver.models import CaptureOutcome, FetchRun, Manifest, Quote
from archiver.report import serialize
from archiver.store import WarcIndex, WarcStore, provenance, read_warc
from archiver.store.index import _parse_warc_date, _timestamp14
from archiver.verify import Located
from archiver.verify.run import verify_manifest
from tests.support.localweb import LocalSite, Reply
from tests.support.pywb_archive import source
from tests.test_store import FINAL, INFO, SELECTION
from tests.test_warcread import WarcFile, page

STORY = "http://news.example.com/2014/10/15/story.html"
GOOD_TS = "20141016071500"
GOOD_DATE = "Thu, 16 Oct 2014 07:15:00 GMT"
#: Year 9999 at UTC-1 is year 10000 in UTC: past datetime.max.
FAR = "Fri, 31 Dec 9999 23:00:00 -0100"
BODY = "<html><body><p>The harbour will reopen on Monday.</p></body></html>"
FAST: dict[str, Any] = {"listings_per_minute": 60000.0, "downloads_per_second": 1000.0}

#: What Python's str.splitlines splits on besides CR and LF.
LINE_SEPARATORS = ("\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


@pytest.fixture()
def site() -> Iterator[LocalSite]:
    with LocalSite() as s:
        yield s


def base(site: LocalSite) -> str:
    return site.url("/web/")


def timemap(site: LocalSite, *mementos: tuple[str, str]) -> None:
    """Serve a link-format TimeMap of STORY listing (timestamp, datetime) mementos."""
    links = [f'<{STORY}>; rel="original"']
    links += [f'<{base(site)}{ts}id_/{STORY}>; rel="memento"; datetime="{when}"'
              for ts, when in mementos]
    site.route(f"/web/timemap/link/{STORY}",
               Reply(200, ",\n".join(links), content_type="application/link-format"))


def memento(site: LocalSite, ts: str, *, status: int = 200, when: str | None = GOOD_DATE,
            body: str = BODY, headers: dict[str, str] | None = None) -> None:
    hdrs = {"Link": f'<{STORY}>; rel="original"', **(headers or {})}
    if when is not None:
        hdrs["Memento-Datetime"] = when
    site.route(f"/web/{ts}id_/{STORY}", Reply(status, body, headers=hdrs))


def fetch(tmp_path: Path, site: LocalSite) -> FetchRun:
    manifest = Manifest(id="press", title="Press",
                        sources=(source("story", STORY, "2014-10-15"),))
    return fetch_sources(manifest, warcs_dir=tmp_path / "warcs",
                         archives=[Archive.from_url(base(site))], **FAST)


# --------------------------------------------------------------------------
# Dates out of range
# --------------------------------------------------------------------------


def test_a_memento_datetime_past_year_9999_is_a_playback_error(tmp_path: Path,
                                                               site: LocalSite) -> None:
    timemap(site, (GOOD_TS, GOOD_DATE))
    memento(site, GOOD_TS, when=FAR)
    result = fetch(tmp_path, site).results[0]
    assert result.outcome is CaptureOutcome.PLAYBACK_ERROR
    assert "Memento-Datetime" in (result.detail or "")


def test_a_timemap_datetime_past_year_9999_is_skipped(tmp_path: Path, site: LocalSite) -> None:
    timemap(site, ("99991231230000", FAR), (GOOD_TS, GOOD_DATE))
    memento(site, GOOD_TS)
    result = fetch(tmp_path, site).results[0]
    assert result.outcome is CaptureOutcome.STORED
    assert result.capture is not None and result.capture.memento_url.endswith(
        f"{GOOD_TS}id_/{STORY}")


@pytest.mark.parametrize("stamp", ["20141399000000", "00001016071500", "99991399"])
def test_a_jump_to_a_bad_timestamp_is_a_playback_error(tmp_path: Path, site: LocalSite,
                                                       stamp: str) -> None:
    timemap(site, (GOOD_TS, GOOD_DATE))
    memento(site, GOOD_TS, status=302, when=None, body="",
            headers={"Location": f"{base(site)}{stamp}id_/{STORY}"})
    result = fetch(tmp_path, site).results[0]
    assert result.outcome is CaptureOutcome.PLAYBACK_ERROR


@pytest.mark.parametrize("stamp", ["20141399000000", "00001016071500"])
def test_an_archived_redirect_to_a_bad_timestamp_is_a_playback_error(
        tmp_path: Path, site: LocalSite, stamp: str) -> None:
    timemap(site, (GOOD_TS, GOOD_DATE))
    memento(site, GOOD_TS, status=301, body="",
            headers={"Location": f"{base(site)}{stamp}id_/{STORY}"})
    result = fetch(tmp_path, site).results[0]
    assert result.outcome is CaptureOutcome.PLAYBACK_ERROR


@pytest.mark.parametrize("stamp", ["20141399000000", "00001016071500", "0999", "2014x",
                                   "1" * 40, "٢٠١٤١٠١٦٠٧١٥٠٠"])
def test_a_cdx_row_with_a_bad_timestamp_is_skipped(stamp: str) -> None:
    assert _candidate({"timestamp": stamp, "original": STORY}) is None


def test_a_warc_date_out_of_range_does_not_crash_verify_or_its_report(tmp_path: Path) -> None:
    with WarcFile(tmp_path / "w" / "a.warc.gz") as w:
        w.response(STORY, page("The harbour will reopen on Monday."),
                   date="9999-12-31T23:59:59-01:00")
    src = source("story", STORY, "2014-10-15",
                 quotes=(Quote("The harbour will reopen on Monday."),))
    run = verify_manifest(Manifest(id="m", title="t", sources=(src,)), tmp_path / "w")
    document = serialize.verify_document(run, parse_fail_on(None, Command.VERIFY))
    assert json.dumps(document)
    located = WarcIndex.build(tmp_path / "w").locate(src)
    assert isinstance(located, Located)
    assert located.capture.memento_datetime.tzinfo is UTC


# --------------------------------------------------------------------------
# Line separators in header values
# --------------------------------------------------------------------------


@pytest.mark.parametrize("sep", ["\r\n", "\n", "\r", *LINE_SEPARATORS])
def test_a_line_separator_in_a_value_cannot_create_a_field(sep: str) -> None:
    pairs = [("a", f"x{sep}b: c"), ("source-id", "story")]
    assert provenance.decode_fields(provenance.encode_fields(pairs)) == pairs


def test_plain_values_are_written_as_before() -> None:
    pairs = [("software", "archiver/1.0"), ("listing-row", '{"a":"b\\"c"}'),
             ("memento-url", "https://web.archive.org/web/2014id_/http://x/a%20b"),
             ("empty", "")]
    assert provenance.encode_fields(pairs) == (
        b'software: archiver/1.0\r\nlisting-row: {"a":"b\\"c"}\r\n'
        b"memento-url: https://web.archive.org/web/2014id_/http://x/a%20b\r\nempty: \r\n")


def test_an_escaped_value_uses_the_rfc_8187_extended_form() -> None:
    assert provenance.encode_fields([("note", "a\x85b é")]) == \
        b"note*: UTF-8''a%C2%85b%20%C3%A9\r\n"


@pytest.mark.parametrize("name", ["", "a:b", "a b", "a\nb", "a\x85b", " a", "é"])
def test_a_name_that_is_not_a_token_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="warc-field"):
        provenance.encode_fields([(name, "x")])


def test_a_hostile_header_is_stored_faithfully_and_forges_nothing(tmp_path: Path,
                                                                  site: LocalSite) -> None:
    forged = "x\x85redirect: 301 http://forged.example/\u2028source-id: other"
    timemap(site, (GOOD_TS, GOOD_DATE))
    headers = {"X-Archive-Orig-X-Note": forged.encode().decode("latin-1"),
               "X-Archive-Orig-X-Nel": "a\x85archiver-chosen: false"}
    memento(site, GOOD_TS, headers=headers)
    run = fetch(tmp_path, site)
    assert run.results[0].outcome is CaptureOutcome.STORED
    folder = tmp_path / "warcs"
    metas = [rec for warc in sorted(folder.glob("*.warc.gz")) for rec in read_warc(warc)
             if rec.type == "metadata"]
    assert len(metas) == 1
    pairs = provenance.decode_fields(metas[0].block)
    names = [k for k, _ in pairs]
    assert names.count("source-id") == 1 and names.count("archiver-chosen") == 1
    assert "redirect" not in names
    headers = dict(json.loads(provenance.as_dict(pairs)["wayback-response-headers"]))
    assert headers["X-Archive-Orig-X-Nel"] == "a\x85archiver-chosen: false"
    src = source("story", STORY, "2014-10-15")
    located = WarcIndex.build(folder).locate(src)
    assert isinstance(located, Located)
    assert located.capture.redirects == () and "capture_not_chosen_by_fetch" not in \
        located.flags


# --------------------------------------------------------------------------
# Fuzz: arbitrary text never raises anything but an ArchiverError, or is a bad date
# --------------------------------------------------------------------------

TCHAR = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
TOKEN = st.text(alphabet=TCHAR, min_size=1, max_size=20)  # RFC 9110 §5.6.2
TEXT = st.text(st.characters(exclude_categories=()), max_size=60)  # surrogates too


@given(st.lists(st.tuples(TOKEN, TEXT), max_size=6))
def test_fields_round_trip(pairs: list[tuple[str, str]]) -> None:
    decoded = provenance.decode_fields(provenance.encode_fields(pairs))
    assert decoded == pairs


@given(st.lists(st.tuples(TEXT, TEXT), max_size=6))
def test_any_name_round_trips_or_is_refused(pairs: list[tuple[str, str]]) -> None:
    try:
        encoded = provenance.encode_fields(pairs)
    except ValueError as err:
        assert "warc-field" in str(err)
        return
    decoded = provenance.decode_fields(encoded)
    assert decoded == pairs and len(decoded) <= len(pairs)


@given(st.binary(max_size=200))
def test_decoding_any_bytes_never_raises(data: bytes) -> None:
    pairs = provenance.decode_fields(data)
    assert len(pairs) <= data.count(b"\n") + 1


def _usable(when: datetime) -> None:
    assert when.tzinfo is UTC and 1000 <= when.year <= 9999
    when.strftime("%Y%m%d%H%M%S")  # every usable date has a 14-digit timestamp


DATEISH = st.one_of(
    TEXT,
    st.from_regex(r"\A[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} -?\d{1,12} \d{1,2}:\d{1,2}:\d{1,2}"
                  r" [-+]?\d{4}\Z"),
    st.from_regex(r"\A-?\d{1,16}\Z"),
    st.from_regex(r"\A\d{4,6}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[-+]\d{2}:\d{2})?\Z"),
)


@given(DATEISH)
def test_http_dates_parse_or_raise_an_archiver_error(text: str) -> None:
    with contextlib.suppress(ArchiverError):
        _usable(parse_http_date(text))


@given(DATEISH)
def test_wayback_timestamps_parse_or_raise_an_archiver_error(text: str) -> None:
    with contextlib.suppress(ArchiverError):
        _usable(parse_timestamp(text))


@given(DATEISH)
def test_warc_dates_parse_or_are_none(text: str) -> None:
    for parse in (_parse_warc_date, _timestamp14):
        when = parse(text)
        if when is not None:
            _usable(when)


@pytest.mark.parametrize("text", [FAR, "Mon, 01 Jan 0999 00:00:00 +0100",
                                  "Fri, 31 Dec 99999999999999999999 23:00:00 GMT",
                                  "Thu, 16 Oct 2014 07:15:00 GMT\x85archiver-chosen: true"])
def test_http_dates_from_hostile_archives_are_refused(text: str) -> None:
    with pytest.raises(ArchiverError):
        parse_http_date(text)


def test_good_dates_still_parse() -> None:
    assert parse_http_date(GOOD_DATE) == datetime(2014, 10, 16, 7, 15, tzinfo=UTC)
    assert parse_timestamp(GOOD_TS) == datetime(2014, 10, 16, 7, 15, tzinfo=UTC)
    assert parse_timestamp("20000800") == datetime(2000, 8, 1, tzinfo=UTC)  # IA's "00" day
    assert _parse_warc_date("2014-10-16T08:15:00+01:00") == datetime(2014, 10, 16, 7, 15,
                                                                    tzinfo=UTC)


def test_a_line_break_in_an_archived_url_cannot_forge_a_warc_header(tmp_path: Path,
                                                                    site: LocalSite) -> None:
    """A TimeMap's URLs are the archive's text: a CR LF in one must not end a WARC
    header line in the records written (WARC-Target-URI, WARC-Source-URI, the
    request line), or the archive could add fields of its choosing."""
    forged = f"{STORY}\r\nWARC-Concurrent-To: urn:uuid:forged\r\nX-A:\x85b"
    links = [f'<{forged}>; rel="original"',
             f'<{base(site)}{GOOD_TS}id_/{forged}>; rel="memento"; datetime="{GOOD_DATE}"']
    site.route(f"/web/timemap/link/{STORY}",
               Reply(200, ",\n".join(links), content_type="application/link-format"))
    site.default = Reply(200, BODY, headers={"Memento-Datetime": GOOD_DATE})
    run = fetch(tmp_path, site)
    assert run.results[0].outcome is CaptureOutcome.STORED
    for warc in sorted((tmp_path / "warcs").glob("*.warc.gz")):
        for rec in read_warc(warc):
            assert rec.get("WARC-Concurrent-To") != "urn:uuid:forged"
            assert not any(k.lower() == "x-a" for k, _ in rec.headers)
            assert b"\r\nWARC-Concurrent-To: urn:uuid:forged" not in rec.block
            if rec.type in ("response", "request"):
                assert rec.get("WARC-Target-URI") == (
                    f"{STORY}%0D%0AWARC-Concurrent-To: urn:uuid:forged%0D%0AX-A:\x85b")


@pytest.mark.parametrize("path", ["caf\u00e9", "a\x85b", "a b", "\u2028x"])
def test_an_archived_url_outside_ascii_is_stored(tmp_path: Path, site: LocalSite,
                                                 path: str) -> None:
    """The request record's request line is ASCII (warcio writes it so): an archived
    URL with other characters is written percent-encoded, as it went on the wire."""
    url = f"http://news.example.com/{path}"
    links = [f'<{url}>; rel="original"',
             f'<{base(site)}{GOOD_TS}id_/{url}>; rel="memento"; datetime="{GOOD_DATE}"']
    site.route(f"/web/timemap/link/{quote(url, safe=':/')}",  # as httpx sends it
               Reply(200, ",\n".join(links), content_type="application/link-format"))
    site.default = Reply(200, BODY, headers={"Memento-Datetime": GOOD_DATE})
    manifest = Manifest(id="press", title="Press", sources=(source("s", url, "2014-10-15"),))
    run = fetch_sources(manifest, warcs_dir=tmp_path / "warcs",
                        archives=[Archive.from_url(base(site))], **FAST)
    assert run.results[0].outcome is CaptureOutcome.STORED, run.results[0].detail
    request = next(rec for warc in sorted((tmp_path / "warcs").glob("*.warc.gz"))
                   for rec in read_warc(warc) if rec.type == "request")
    line = request.block.split(b"\r\n", 1)[0]
    assert line.isascii() and line.count(b" ") == 2


@pytest.mark.parametrize("reason", ["OK\xe9", "O\x85K", "OK\r\nX-Forged: 1"])
def test_a_reason_phrase_warcio_cannot_write_is_replaced(tmp_path: Path, reason: str) -> None:
    with WarcStore(tmp_path, info=INFO) as store:
        entry = store.write_capture(SELECTION, replace(FINAL, reason=reason))
    response = next(r for r in read_warc(tmp_path / entry.warc_file) if r.type == "response")
    assert response.block.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"X-Forged" not in response.block
