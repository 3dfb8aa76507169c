"""The WARC store: golden records, structure checks, atomic files, recovery, the ledger."""

from __future__ import annotations

import gzip
import itertools
import json
import random
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from archiver.errors import StoreError
from archiver.models import Source
from archiver.store import (
    LEDGER_NAME,
    ArchiverWarcWriter,
    Memento,
    Selection,
    WarcInfo,
    WarcStore,
    WarcStructureError,
    capture_key,
    check_folder,
    check_records,
    read_warc,
)
from archiver.urls import url_key

NOW = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
WB = "https://web.archive.org/web/"
SOURCE = Source(id="harbour", url="https://www.example-news.com/2014/10/15/story.html",
                publisher="P", title="T", published=date(2014, 10, 15), language="en", line=12)
BODY = b"<html><body>The harbour will reopen on Monday.</body></html>\n"
AGENT = (("User-Agent", "archiver/test"), ("Accept", "*/*"))
HOP = Memento(
    uri_r=SOURCE.url, memento_url=f"{WB}20141015123456id_/{SOURCE.url}",
    memento_datetime=datetime(2014, 10, 15, 12, 34, 56, tzinfo=UTC),
    datetime_raw="Wed, 15 Oct 2014 12:34:56 GMT", status=301, reason="Moved Permanently",
    header_list=(("Memento-Datetime", "Wed, 15 Oct 2014 12:34:56 GMT"),
                 ("Location", f"{WB}20141015123500id_/http://www.example-news.com/story"),
                 ("X-Archive-Orig-Location", "http://www.example-news.com/story")),
    body=b"", request_headers=AGENT, peer="207.241.237.3", fetched_at=NOW, elapsed_ms=12,
    location="http://www.example-news.com/story")
FINAL = Memento(
    uri_r="http://www.example-news.com/story",
    memento_url=f"{WB}20141015123500id_/http://www.example-news.com/story",
    memento_datetime=datetime(2014, 10, 15, 12, 35, 0, tzinfo=UTC),
    datetime_raw="Wed, 15 Oct 2014 12:35:00 GMT", status=200, reason="OK",
    header_list=(("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip"),
                 ("Memento-Datetime", "Wed, 15 Oct 2014 12:35:00 GMT"),
                 ("X-Archive-Orig-Date", "Wed, 15 Oct 2014 12:34:59 GMT"),
                 ("X-Archive-Orig-Transfer-Encoding", "chunked"),
                 ("X-Archive-Orig-Content-Encoding", "gzip"),
                 ("X-Archive-Orig-Content-Length", "999"),
                 ("X-Archive-Orig-Set-Cookie", "a=1"), ("X-Archive-Orig-Set-Cookie", "b=2"),
                 ("X-Archive-Src", "IA-1.warc.gz")),
    body=BODY, request_headers=AGENT, peer="207.241.237.3", fetched_at=NOW, elapsed_ms=34)
SELECTION = Selection(
    manifest_id="press", source=SOURCE, archive=WB, rule="redirect", distance_days=0.524,
    pre_publication=False,
    listing_urls=("https://web.archive.org/cdx/search/cdx?url=x&from=20141014000000",),
    listing_row='{"timestamp":"20141015123456"}',
    listing_keys=("example-news.com/2014/10/15/story.html 20141015123456",),
    candidates=("20141015123456 301 text/html redirect",), cdx_digest="sha1:AAAA",
    user_agent="archiver/test")
INFO = WarcInfo(manifest_id="press", manifest_sha256="ab" * 32, user_agent="archiver/test",
                operator="Test Desk", software="archiver/0.0.0",
                environment="(warcio/x; python/y)")


class FixedWarcWriter(ArchiverWarcWriter):
    """Pinned record ids and dates, as warcio's own FixedTestWARCWriter does."""

    ids = itertools.count(1)

    @classmethod
    def _make_warc_id(cls) -> str:
        return f"<urn:uuid:00000000-0000-4000-8000-{next(cls.ids):012d}>"

    @classmethod
    def _make_warc_date(cls, use_micros: bool = False) -> str:
        return "2026-01-02T03:04:05Z"


def fixed_store(folder: Path) -> WarcStore:
    FixedWarcWriter.ids = itertools.count(1)
    return WarcStore(folder, info=INFO, now=lambda: NOW, writer_class=FixedWarcWriter,
                     rng=random.Random(7))


GOLDEN_NAME = "press-20260102030405678-00000-ujzde8gx.warc.gz"
GOLDEN = """WARC/1.1
WARC-Type: warcinfo
WARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-000000000001>
WARC-Date: 2026-01-02T03:04:05Z
WARC-Filename: press-20260102030405678-00000-ujzde8gx.warc.gz
WARC-Block-Digest: sha1:DWHTHP6TQAO2RUKZLOUNF5YWORWWZMDE
Content-Type: application/warc-fields
Content-Length: 465

software: archiver/0.0.0 (warcio/x; python/y)
format: WARC File Format 1.1
conformsTo: https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/
isPartOf: press
description: web-archive captures for manifest press (sha256:abababababababababababababababababababababababababababababababab)
operator: Test Desk
manifest-sha256: sha256:abababababababababababababababababababababababababababababababab
http-header-user-agent: archiver/test


WARC/1.1
WARC-Type: response
WARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-000000000002>
WARC-Date: 2014-10-15T12:34:56Z
WARC-Target-URI: https://www.example-news.com/2014/10/15/story.html
WARC-Source-URI: https://web.archive.org/web/20141015123456id_/https://www.example-news.com/2014/10/15/story.html
WARC-Creation-Date: 2026-01-02T03:04:05.678000Z
WARC-Warcinfo-ID: <urn:uuid:00000000-0000-4000-8000-000000000001>
WARC-IP-Address: 207.241.237.3
WARC-Payload-Digest: sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ
WARC-Block-Digest: sha1:4QSUT5SIT2T5U4TXRNKYVLSX2BFMIJZX
Content-Type: application/http; msgtype=response
Content-Length: 98

HTTP/1.1 301 Moved Permanently
Location: http://www.example-news.com/story
Content-Length: 0



WARC/1.1
WARC-Type: metadata
WARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-000000000003>
WARC-Date: 2014-10-15T12:34:56Z
WARC-Target-URI: https://www.example-news.com/2014/10/15/story.html
WARC-Refers-To: <urn:uuid:00000000-0000-4000-8000-000000000002>
WARC-Concurrent-To: <urn:uuid:00000000-0000-4000-8000-000000000002>
WARC-Warcinfo-ID: <urn:uuid:00000000-0000-4000-8000-000000000001>
WARC-Block-Digest: sha1:CS5JWIM32XMMF5AKAG2RILF24UJROZMV
Content-Type: application/warc-fields
Content-Length: 755

software: archiver/0.0.0
manifest-id: press
source-id: harbour
requested-url: https://www.example-news.com/2014/10/15/story.html
archive: https://web.archive.org/web/
memento-url: https://web.archive.org/web/20141015123456id_/https://www.example-news.com/2014/10/15/story.html
memento-datetime: Wed, 15 Oct 2014 12:34:56 GMT
archiver-chosen: false
payload-sha256: sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
redirect-to: http://www.example-news.com/story
wayback-status: 301
wayback-response-headers: [["Memento-Datetime","Wed, 15 Oct 2014 12:34:56 GMT"],["Location","https://web.archive.org/web/20141015123500id_/http://www.example-news.com/story"],["X-Archive-Orig-Location","http://www.example-news.com/story"]]


WARC/1.1
WARC-Type: request
WARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-000000000004>
WARC-Date: 2014-10-15T12:34:56Z
WARC-Target-URI: https://www.example-news.com/2014/10/15/story.html
WARC-Source-URI: https://web.archive.org/web/20141015123456id_/https://www.example-news.com/2014/10/15/story.html
WARC-Concurrent-To: <urn:uuid:00000000-0000-4000-8000-000000000002>
WARC-Creation-Date: 2026-01-02T03:04:05.678000Z
WARC-Warcinfo-ID: <urn:uuid:00000000-0000-4000-8000-000000000001>
WARC-IP-Address: 207.241.237.3
WARC-Payload-Digest: sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ
WARC-Block-Digest: sha1:7I77LLZLZ6DNB2PM47OUKJGGYCHX4CPM
Content-Type: application/http; msgtype=request
Content-Length: 153

GET /web/20141015123456id_/https://www.example-news.com/2014/10/15/story.html HTTP/1.1
Host: web.archive.org
User-Agent: archiver/test
Accept: */*



WARC/1.1
WARC-Type: response
WARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-000000000005>
WARC-Date: 2014-10-15T12:35:00Z
WARC-Target-URI: http://www.example-news.com/story
WARC-Source-URI: https://web.archive.org/web/20141015123500id_/http://www.example-news.com/story
WARC-Creation-Date: 2026-01-02T03:04:05.678000Z
WARC-Warcinfo-ID: <urn:uuid:00000000-0000-4000-8000-000000000001>
WARC-IP-Address: 207.241.237.3
WARC-Payload-Digest: sha1:BYMRYMMOWNS5GQ2IKGEAUOQS7VFBJVMZ
WARC-Block-Digest: sha1:2CENRZAQISN7FFPNAYPEE66R3L6S32KC
Content-Type: application/http; msgtype=response
Content-Length: 211

HTTP/1.1 200 OK
Content-Type: text/html; charset=utf-8
Date: Wed, 15 Oct 2014 12:34:59 GMT
Set-Cookie: a=1
Set-Cookie: b=2
Content-Length: 61

<html><body>The harbour will reopen on Monday.</body></html>


WARC/1.1
WARC-Type: metadata
WARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-000000000006>
WARC-Date: 2014-10-15T12:35:00Z
WARC-Target-URI: http://www.example-news.com/story
WARC-Refers-To: <urn:uuid:00000000-0000-4000-8000-000000000005>
WARC-Concurrent-To: <urn:uuid:00000000-0000-4000-8000-000000000005>
WARC-Warcinfo-ID: <urn:uuid:00000000-0000-4000-8000-000000000001>
WARC-Block-Digest: sha1:AXEJALHVU56RYJHOLNE54XGQSXQGAH2J
Content-Type: application/warc-fields
Content-Length: 1493

software: archiver/0.0.0
manifest-id: press
source-id: harbour
requested-url: https://www.example-news.com/2014/10/15/story.html
archive: https://web.archive.org/web/
memento-url: https://web.archive.org/web/20141015123500id_/http://www.example-news.com/story
memento-datetime: Wed, 15 Oct 2014 12:35:00 GMT
published: 2014-10-15
distance-days: 0.524
pre-publication: false
archiver-chosen: true
redirect: 301 https://www.example-news.com/2014/10/15/story.html
payload-sha256: sha256:894100454f5a33e5a896ff7cb54415b2fdca6bbbcd2fa757aec1f954552bed3d
selection-rule: redirect
listing-url: https://web.archive.org/cdx/search/cdx?url=x&from=20141014000000
listing-row: {"timestamp":"20141015123456"}
listing-key: example-news.com/2014/10/15/story.html 20141015123456
listing-key: example-news.com/story 20141015123500
candidate: 20141015123456 301 text/html redirect
wayback-status: 200
wayback-source-file: IA-1.warc.gz
wayback-response-headers: [["Content-Type","text/html; charset=utf-8"],["Content-Encoding","gzip"],["Memento-Datetime","Wed, 15 Oct 2014 12:35:00 GMT"],["X-Archive-Orig-Date","Wed, 15 Oct 2014 12:34:59 GMT"],["X-Archive-Orig-Transfer-Encoding","chunked"],["X-Archive-Orig-Content-Encoding","gzip"],["X-Archive-Orig-Content-Length","999"],["X-Archive-Orig-Set-Cookie","a=1"],["X-Archive-Orig-Set-Cookie","b=2"],["X-Archive-Src","IA-1.warc.gz"]]
cdx-digest: sha1:AAAA
cdx-digest-match: false
user-agent: archiver/test
fetchTimeMs: 34
manifest-row: 12


WARC/1.1
WARC-Type: request
WARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-000000000007>
WARC-Date: 2014-10-15T12:35:00Z
WARC-Target-URI: http://www.example-news.com/story
WARC-Source-URI: https://web.archive.org/web/20141015123500id_/http://www.example-news.com/story
WARC-Concurrent-To: <urn:uuid:00000000-0000-4000-8000-000000000005>
WARC-Creation-Date: 2026-01-02T03:04:05.678000Z
WARC-Warcinfo-ID: <urn:uuid:00000000-0000-4000-8000-000000000001>
WARC-IP-Address: 207.241.237.3
WARC-Payload-Digest: sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ
WARC-Block-Digest: sha1:DED5FQNJKE342E4KSC7A7EM2VKGR7S4S
Content-Type: application/http; msgtype=request
Content-Length: 136

GET /web/20141015123500id_/http://www.example-news.com/story HTTP/1.1
Host: web.archive.org
User-Agent: archiver/test
Accept: */*
"""  # noqa: E501


def test_golden_warc_records(tmp_path: Path) -> None:
    with fixed_store(tmp_path) as store:
        entry = store.write_capture(SELECTION, FINAL, [HOP])
    assert entry.warc_file == GOLDEN_NAME
    raw = (tmp_path / GOLDEN_NAME).read_bytes()
    text = gzip.decompress(raw).decode("utf-8")
    assert "\n" not in text.replace(BODY.decode(), "").replace("\r\n", "")  # CRLF lines
    assert text.replace("\r\n", "\n").rstrip("\n") == GOLDEN.rstrip("\n")
    assert text.endswith("\r\n\r\n")
    records = read_warc(tmp_path / GOLDEN_NAME)  # one gzip member per record
    assert len(records) == 7
    assert (entry.warc_offset, entry.record_id) == (records[4].offset, records[4].record_id)
    assert entry.keys == ("example-news.com/2014/10/15/story.html 20141015123456",
                          "example-news.com/story 20141015123500")
    assert check_folder(tmp_path) == []


def test_warcio_check_accepts_our_warcs(tmp_path: Path) -> None:
    with fixed_store(tmp_path) as store:
        store.write_capture(SELECTION, FINAL, [HOP])
        store.write_reference(SELECTION, store.entries[0])
    files = sorted(str(p) for p in tmp_path.glob("*.warc.gz"))
    done = subprocess.run([sys.executable, "-m", "warcio.cli", "check", "-v", *files],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("digest pass") >= 8
    assert check_folder(tmp_path) == []


def test_checker_catches_truncation_whole_file_gzip_and_broken_links(tmp_path: Path) -> None:
    with fixed_store(tmp_path / "w") as store:
        entry = store.write_capture(SELECTION, FINAL, [HOP])
    good = (tmp_path / "w" / entry.warc_file).read_bytes()

    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(good[:-40])
    with pytest.raises(WarcStructureError, match="truncated"):
        read_warc(cut)

    whole = tmp_path / "whole.warc.gz"  # one gzip member for the whole file
    whole.write_bytes(gzip.compress(gzip.decompress(good)))
    with pytest.raises(WarcStructureError, match="more than one record"):
        read_warc(whole)

    records = read_warc(tmp_path / "w" / entry.warc_file)
    assert check_records(records[1:], name="x")[0] == \
        "x: the first record is not a warcinfo record"
    damaged = records[:4]
    damaged[1].block = damaged[1].block.replace(b"301", b"302")
    problems = check_records(damaged, name="x")
    assert any("WARC-Block-Digest does not match" in p for p in problems)
    assert check_records([records[0], records[2]], name="x") != []  # refers to nothing


def test_a_second_store_on_the_same_folder_is_refused(tmp_path: Path) -> None:
    with WarcStore(tmp_path, info=INFO), pytest.raises(StoreError, match="another"):
        WarcStore(tmp_path, info=INFO).open()


def test_ledger_finds_by_source_and_by_capture_key(tmp_path: Path) -> None:
    with fixed_store(tmp_path) as store:
        assert store.find_for_source("press", SOURCE) is None
        store.write_capture(SELECTION, FINAL, [HOP])
    with WarcStore(tmp_path, info=INFO) as again:
        held = again.find_for_source("press", SOURCE)
        assert held is not None and held.warc_file == GOLDEN_NAME
        assert again.find_for_source("other-manifest", SOURCE) is None
        moved = replace(SOURCE, published=date(2015, 1, 1))
        assert again.find_for_source("press", moved) is None  # a changed date re-fetches
        assert again.find_capture(capture_key("https://example-news.com/story/",
                                              "20141015123500")) is held
        assert again.notes == []
    assert url_key("HTTPS://WWW.Example.com:443/a/?q=1") == "example.com/a?q=1"


def _previous_ledger_key(url: str) -> str:
    """The ledger's URL key before archiver.urls was the one rule (its code, verbatim)."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    port = parts.port
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/")
    return f"{host}{path}" + (f"?{parts.query}" if parts.query else "")


@pytest.mark.parametrize("url", [
    "http://www.example-news.com/%7Eeditor/story",  # an escaped unreserved character
    "http://www.example-news.com./story",  # a trailing-dot host
    "http://www.example-news.com/2014/./story",  # a dot segment
])
def test_a_ledger_written_under_the_previous_url_rule_is_still_recognised(
        tmp_path: Path, url: str) -> None:
    assert _previous_ledger_key(url) != url_key(url)
    listed = f"{_previous_ledger_key(url)} 20141015123456"
    final = replace(FINAL, uri_r=url, memento_url=f"{WB}20141015123500id_/{url}")
    with fixed_store(tmp_path) as store:
        store.write_capture(replace(SELECTION, listing_keys=(listed,)), final)
    # The ledger line as the previous version wrote it: every key under its rule.
    ledger = tmp_path / LEDGER_NAME
    line = json.loads(ledger.read_text(encoding="utf-8"))
    line["keys"] = [listed, f"{_previous_ledger_key(url)} 20141015123500"]
    ledger.write_text(json.dumps(line) + "\n", encoding="utf-8")
    with WarcStore(tmp_path, info=INFO) as again:
        held = again.find_capture(capture_key(url, "20141015123500"))
        assert held is not None and held.warc_file == line["warc_file"]
        assert again.find_capture(capture_key(url, "20141015123456")) is held
        assert again.find_capture(capture_key(url, "20141015123501")) is None
        assert again.notes == [] and len(again.entries) == 1


def test_a_reference_record_shares_a_capture_between_sources(tmp_path: Path) -> None:
    twin = replace(SOURCE, id="harbour-copy")
    with fixed_store(tmp_path) as store:
        stored = store.write_capture(SELECTION, FINAL, [HOP])
        ref = store.write_reference(
            Selection(**{**SELECTION.__dict__, "source": twin}), stored)
    assert (ref.source_id, ref.record_id, ref.warc_file) == \
        ("harbour-copy", stored.record_id, stored.warc_file)
    files = sorted(tmp_path.glob("*.warc.gz"))
    assert len(files) == 2
    meta = read_warc(files[1])[1]
    assert meta.type == "metadata" and meta.get("WARC-Refers-To") == stored.record_id
    assert meta.get("WARC-Concurrent-To") is None
    assert check_folder(tmp_path) == []
    for _ in range(2):  # both sources are held, and reopening adds nothing
        with WarcStore(tmp_path, info=INFO) as again:
            assert again.find_for_source("press", twin) is not None
            assert len(again.entries) == 2 and again.notes == []


def test_stray_open_files_are_recovered_or_set_aside(tmp_path: Path) -> None:
    with fixed_store(tmp_path / "src") as store:
        a = store.write_capture(SELECTION, FINAL, [HOP])
    whole = (tmp_path / "src" / a.warc_file).read_bytes()
    folder = tmp_path / "warcs"
    folder.mkdir()
    # A run killed after writing everything but before the rename ...
    (folder / ("complete-1" + ".warc.gz.open")).write_bytes(whole)
    # ... and one killed in the middle of a record.
    (folder / ("partial-2" + ".warc.gz.open")).write_bytes(whole[: len(whole) // 2])

    with WarcStore(folder, info=INFO) as store:
        notes = store.notes
        assert [e.source_id for e in store.entries] == ["harbour"]
        assert store.entries[0].warc_file == "complete-1.warc.gz"
    assert any(n.startswith("recovered complete-1.warc.gz") for n in notes)
    assert any("set aside partial-2.warc.gz.open" in n for n in notes)
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == [
        LEDGER_NAME, "complete-1.warc.gz", "partial-2.warc.gz.invalid"]
    assert check_folder(folder) == []
    with WarcStore(folder, info=INFO) as again:  # nothing left to report
        assert again.notes == []


def test_a_finished_warc_missing_from_the_ledger_is_indexed(tmp_path: Path) -> None:
    with fixed_store(tmp_path) as store:
        store.write_capture(SELECTION, FINAL, [HOP])
    (tmp_path / LEDGER_NAME).write_text('{"v":1,"source_id":"half a li', encoding="utf-8")
    with WarcStore(tmp_path, info=INFO) as store:
        held = store.find_for_source("press", SOURCE)
        assert held is not None and held.warc_file == GOLDEN_NAME
        assert held.rule == "redirect" and held.redirects == (
            (301, SOURCE.url, None),)
        assert any("indexed 1 stored capture" in n for n in store.notes)
        assert any("unreadable line" in n for n in store.notes)


def test_a_partial_publication_date_is_recorded(tmp_path: Path) -> None:
    from archiver.models import DatePrecision

    month = replace(SOURCE, published=date(2014, 10, 1),
                    published_precision=DatePrecision.MONTH)
    with WarcStore(tmp_path, info=INFO) as store:
        entry = store.write_capture(Selection(**{**SELECTION.__dict__, "source": month}),
                                    FINAL)
    meta = read_warc(tmp_path / entry.warc_file)[2]
    assert b"published: 2014-10-01\r\n" in meta.block
    assert b"published-precision: month\r\n" in meta.block


class FailingWarcWriter(ArchiverWarcWriter):
    """Fails on its third record (a full disk, say), after writing two."""

    def write_record(self, record: object, *args: object, **kw: object) -> None:
        self.written = getattr(self, "written", 0) + 1
        if self.written == 3:
            raise OSError(28, "No space left on device")
        super().write_record(record, *args, **kw)


def test_a_failed_write_leaves_nothing_behind(tmp_path: Path) -> None:
    with WarcStore(tmp_path, info=INFO, writer_class=FailingWarcWriter) as store, \
            pytest.raises(OSError):
        store.write_capture(SELECTION, FINAL)
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith(".")] == []
