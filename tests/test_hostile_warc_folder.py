"""A WARC folder is not trusted to be small or honest.

Someone else's WARC files may sit in the folder ``fetch`` writes to and
``verify`` reads: a gzip bomb (a small file that inflates to hundreds of MB),
a file with thousands of records, a file dressed as one of archiver's own.
Reading the folder stays within bounded memory and time, skips what is too
large with a warning naming the file and offset, and a rerun reads nothing it
has read already (the caches beside the ledger).
"""

from __future__ import annotations

import builtins
import gzip
import io
import json
import struct
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archiver.store import LEDGER_NAME, WarcIndex, WarcInfo, WarcStore, check_folder, provenance
from archiver.store.index import INDEX_CACHE_NAME
from archiver.store.structure import MAX_RECORD_BYTES
from archiver.verify import Located
from tests.test_warcread import URL, WarcFile, page, raw_record, source

#: The bombs inflate to this much; the budget each test holds reading them to.
BOMB_MB = 200
BUDGET = 100 * 2**20
MB = 2**20


def bomb(head: bytes = b"", zeros_mb: int = BOMB_MB) -> bytes:
    """One gzip member: ``head`` then ``zeros_mb`` MB of zeros, ~1 kB per MB.

    Built from one fully flushed deflate block repeated (RFC 1951 blocks after a
    full flush do not refer back), so making it costs no compression time."""
    zeros = b"\0" * MB
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = deflate.compress(head) + deflate.flush(zlib.Z_FULL_FLUSH)
    block = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    crc = zlib.crc32(head)
    for _ in range(zeros_mb):
        crc = zlib.crc32(zeros, crc)
    size = len(head) + zeros_mb * MB
    return (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + start + block * zeros_mb
            + deflate.flush() + struct.pack("<II", crc, size & 0xFFFFFFFF))


def warc_head(rtype: str, length: int, url: str = "http://www.example.org/bomb") -> bytes:
    return (f"WARC/1.1\r\nWARC-Type: {rtype}\r\nWARC-Record-ID: <urn:uuid:bomb-{rtype}>\r\n"
            f"WARC-Date: 2014-08-29T10:00:00Z\r\nWARC-Target-URI: {url}\r\n"
            f"Content-Type: text/html\r\nContent-Length: {length}\r\n\r\n").encode()


def good_record(url: str, body: bytes) -> bytes:
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True, warc_version="1.1")
    writer.write_record(writer.create_warc_record(
        url, "response", payload=io.BytesIO(body), length=len(body),
        http_headers=StatusAndHeaders("200 OK", [("Content-Type", "text/html")],
                                      protocol="HTTP/1.1"),
        warc_headers_dict={"WARC-Date": "2014-08-29T10:00:00Z"}))
    return buf.getvalue()


def peak(action: Callable[[], Any]) -> tuple[Any, int]:
    """What ``action`` returns, and the most memory Python held while it ran."""
    tracemalloc.start()
    try:
        result = action()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# --------------------------------------------------------------------------
# Gzip bombs
# --------------------------------------------------------------------------

#: Three bombs: a resource record of 200 MB, a member of nothing but zeros,
#: and a small record followed, in its member, by 200 MB of zeros.
BOMBS = {
    "large-record": lambda: bomb(warc_head("resource", BOMB_MB * MB)),
    "no-headers": lambda: bomb(),
    "trailing-zeros": lambda: bomb(warc_head("resource", 4) + b"abcd\r\n\r\n"),
}


@pytest.mark.parametrize("shape", sorted(BOMBS))
def test_verify_reads_a_gzip_bomb_in_bounded_memory(tmp_path: Path, shape: str) -> None:
    before = good_record(URL, page("avant la bombe"))
    after = good_record("http://www.example.org/after", page("après la bombe"))
    (tmp_path / "bomb.warc.gz").write_bytes(before + BOMBS[shape]() + after)

    index, used = peak(lambda: WarcIndex.build(tmp_path))

    assert used < BUDGET, f"{used / MB:.0f} MB"
    assert len(index.warnings) == 1
    warning = index.warnings[0]
    assert "bomb.warc.gz" in warning and f"offset {len(before)}" in warning
    assert len(warning) < 400
    assert isinstance(index.locate(source(URL)), Located)
    if shape != "trailing-zeros":  # a record skipped; the file goes on
        assert "skipped" in warning
        assert isinstance(index.locate(source("http://www.example.org/after", "b")), Located)
    else:  # the member holds more than its record: the rest of the file is not read
        assert "more than one record" in warning


@pytest.mark.parametrize("shape", sorted(BOMBS))
def test_fetch_does_not_inflate_someone_elses_gzip_bomb(tmp_path: Path, shape: str) -> None:
    (tmp_path / "bomb.warc.gz").write_bytes(BOMBS[shape]())

    def open_store() -> list[str]:
        with WarcStore(tmp_path, info=WarcInfo(manifest_id="m")) as store:
            return store.notes

    notes, used = peak(open_store)
    assert notes == [] and used < BUDGET, f"{used / MB:.0f} MB"
    problems, used = peak(lambda: check_folder(tmp_path))
    assert problems and used < BUDGET, f"{used / MB:.0f} MB"


def archiver_warcinfo() -> bytes:
    return gzip.compress(raw_record(
        [("WARC-Type", "warcinfo"), ("WARC-Record-ID", "<urn:uuid:i>"),
         ("WARC-Date", "2014-08-29T10:00:00Z"), ("Content-Type", "application/warc-fields")],
        b"software: archiver/0.1.0\r\n", version="WARC/1.1"))


@pytest.mark.parametrize("shape", sorted(BOMBS))
def test_a_bomb_dressed_as_our_own_file_is_read_in_bounded_memory(tmp_path: Path,
                                                                 shape: str) -> None:
    (tmp_path / "bomb.warc.gz").write_bytes(archiver_warcinfo() + BOMBS[shape]())

    def open_store() -> list[str]:
        with WarcStore(tmp_path, info=WarcInfo(manifest_id="m")) as store:
            return store.notes

    notes, used = peak(open_store)
    assert notes == [] and used < BUDGET, f"{used / MB:.0f} MB"


def test_a_record_over_the_cap_is_skipped_not_loaded(tmp_path: Path) -> None:
    """An honest record past the cap (a video, say) is skipped; the file goes on."""
    big = MAX_RECORD_BYTES // MB + 1
    (tmp_path / "video.warc.gz").write_bytes(
        good_record(URL, page("x"))
        + bomb(warc_head("resource", big * MB, "http://www.example.org/video.mp4"), big)
        + good_record("http://www.example.org/after", page("après")))
    index, used = peak(lambda: WarcIndex.build(tmp_path))
    assert used < BUDGET
    assert len(index.warnings) == 1
    assert f"larger than {MAX_RECORD_BYTES // MB} MB" in index.warnings[0]
    assert isinstance(index.locate(source("http://www.example.org/after", "a")), Located)


# --------------------------------------------------------------------------
# Many records, read once
# --------------------------------------------------------------------------

RECORDS = 5000


@pytest.fixture(scope="module")
def many_records(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """Someone else's WARC of 5,000 small records, written with warcio."""
    path = tmp_path_factory.mktemp("many") / "theirs.warc.gz"
    with WarcFile(path) as w:
        for n in range(RECORDS):
            w.response(f"http://www.example.org/page/{n}", page(f"page {n}"))
    return path.read_bytes()


@pytest.fixture()
def opened(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The names of the WARC files opened while the test runs."""
    names: list[str] = []
    real_open = builtins.open

    def counting_open(file: Any, *args: Any, **kw: Any) -> Any:
        if str(file).endswith((".warc.gz", ".warc")):
            names.append(Path(str(file)).name)
        return real_open(file, *args, **kw)

    monkeypatch.setattr(builtins, "open", counting_open)
    monkeypatch.setattr(io, "open", counting_open)
    yield names


def test_verify_reads_someone_elses_warc_once(tmp_path: Path, many_records: bytes,
                                              opened: list[str]) -> None:
    (tmp_path / "theirs.warc.gz").write_bytes(many_records)
    opened.clear()
    first = WarcIndex.build(tmp_path)
    assert len(first.records) == RECORDS and opened == ["theirs.warc.gz"]

    opened.clear()
    second = WarcIndex.build(tmp_path)
    assert opened == []
    assert second.records == first.records and second.warnings == first.warnings
    assert isinstance(second.locate(source("http://www.example.org/page/4321", "p")),
                      Located)


def test_fetch_reads_someone_elses_warc_once(tmp_path: Path, many_records: bytes,
                                             opened: list[str]) -> None:
    (tmp_path / "theirs.warc.gz").write_bytes(many_records)
    opened.clear()
    for _ in range(2):
        with WarcStore(tmp_path, info=WarcInfo(manifest_id="m")) as store:
            assert store.notes == [] and store.entries == []
    assert opened == ["theirs.warc.gz"]


def test_a_changed_file_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "theirs.warc.gz"
    path.write_bytes(good_record(URL, page("un")))
    assert len(WarcIndex.build(tmp_path).records) == 1
    with path.open("ab") as fh:
        fh.write(good_record("http://www.example.org/deux", page("deux")))
    assert len(WarcIndex.build(tmp_path).records) == 2
    path.unlink()
    assert len(WarcIndex.build(tmp_path).records) == 0
    assert json.loads((tmp_path / INDEX_CACHE_NAME).read_text())["files"] == {}


@pytest.mark.parametrize("cache", [
    b"not json", b"[]", b'{"v": 1, "files": []}',
    b'{"v": 1, "files": {"theirs.warc.gz": {"key": "KEY", "records": [[1]]}}}',
    b'{"v": 1, "files": {"theirs.warc.gz": {"key": "KEY", "records": '
    b'[["x", "response", "http://a/", null, null, 200, null, null, null, null, null, null,'
    b' null]], "metadata": [], "warnings": []}}}',
])
def test_a_damaged_or_forged_cache_is_not_believed(tmp_path: Path, cache: bytes) -> None:
    path = tmp_path / "theirs.warc.gz"
    path.write_bytes(good_record(URL, page("un")))
    stat = path.stat()
    key = json.dumps([stat.st_size, stat.st_mtime_ns]).encode()
    (tmp_path / INDEX_CACHE_NAME).write_bytes(cache.replace(b'"KEY"', key))
    index = WarcIndex.build(tmp_path)
    assert [r.url for r in index.records] == [URL]
    assert isinstance(index.locate(source(URL)), Located)


def test_damage_warnings_are_repeated_from_the_cache(tmp_path: Path) -> None:
    data = good_record(URL, page("un")) + good_record("http://www.example.org/b", page("b"))
    (tmp_path / "cut.warc.gz").write_bytes(data[:-40])
    first = WarcIndex.build(tmp_path)
    second = WarcIndex.build(tmp_path)
    assert len(first.warnings) == 1 and second.warnings == first.warnings
    assert "cut.warc.gz" in second.warnings[0]


# --------------------------------------------------------------------------
# A file dressed as archiver's own
# --------------------------------------------------------------------------


def chosen_metadata(fields: list[tuple[str, str]], date: str = "2014-08-29T10:00:00Z") -> bytes:
    return gzip.compress(raw_record(
        [("WARC-Type", "metadata"), ("WARC-Record-ID", "<urn:uuid:m>"), ("WARC-Date", date),
         ("WARC-Target-URI", URL), ("WARC-Refers-To", "<urn:uuid:elsewhere>"),
         ("Content-Type", provenance.CONTENT_TYPE)],
        provenance.encode_fields(fields), version="WARC/1.1"))


@pytest.mark.parametrize(("fields", "date"), [
    ([("warc-file", "x.warc.gz"), ("warc-offset", "not a number")], "2014-08-29T10:00:00Z"),
    ([("warc-file", "x.warc.gz"), ("warc-offset", "12")], "9999-99-99T99:99:99Z"),
    ([("warc-file", "x.warc.gz"), ("warc-offset", "12")], "2014-08-29"),
    ([("warc-file", "x.warc.gz"), ("warc-offset", "12"), ("distance-days", "nan")],
     "2014-08-29T10:00:00Z"),
])
def test_a_forged_file_of_ours_with_bad_fields_is_not_indexed(
        tmp_path: Path, fields: list[tuple[str, str]], date: str) -> None:
    fields = [("archiver-chosen", "true"), ("source-id", "calais"),
              ("requested-url", URL), ("published", "2014-08-28"), *fields]
    (tmp_path / "forged.warc.gz").write_bytes(archiver_warcinfo()
                                              + chosen_metadata(fields, date))
    with WarcStore(tmp_path, info=WarcInfo(manifest_id="m")) as store:
        entries = store.entries
    if any(k == "distance-days" for k, _ in fields):
        assert len(entries) == 1 and entries[0].distance_days is None
    else:
        assert entries == []


def test_a_ledger_line_with_a_bad_date_is_unreadable_not_fatal(tmp_path: Path) -> None:
    line = {"manifest_id": "m", "source_id": "s", "requested_url": URL,
            "published": "2014-08-28", "uri_r": URL, "timestamp": "20140829100000",
            "memento_url": "http://a/", "memento_datetime": "9999-12-31T23:59:59-01:00",
            "archive": "http://a/", "warc_file": "x.warc.gz", "warc_offset": 0,
            "record_id": "<urn:uuid:x>"}
    (tmp_path / LEDGER_NAME).write_text(json.dumps(line) + "\n", encoding="utf-8")
    with WarcStore(tmp_path, info=WarcInfo(manifest_id="m")) as store:
        assert store.entries == [] and any("unreadable" in n for n in store.notes)


def test_the_index_keeps_only_the_pages_read_last(tmp_path: Path, many_records: bytes,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages read for verify are kept for the next sources, not for the whole run: a
    folder of thousands of pages does not stay in memory page after page."""
    from archiver.store import index as index_module

    monkeypatch.setattr(index_module, "PAGES_KEPT", 3)
    (tmp_path / "theirs.warc.gz").write_bytes(many_records)
    index = WarcIndex.build(tmp_path)
    pages = []
    for n in range(10):
        found = index.locate(source(f"http://www.example.org/page/{n}", f"p{n}"))
        assert isinstance(found, Located) and found.page is not None
        pages.append(found.page)
    assert len(index._pages) == 3
    again = index.locate(source("http://www.example.org/page/9", "p9"))
    assert isinstance(again, Located) and again.page is pages[9]  # still kept: the same object
    first = index.locate(source("http://www.example.org/page/0", "p0"))
    assert isinstance(first, Located) and first.page is not pages[0]  # read again
    assert first.page == pages[0]
