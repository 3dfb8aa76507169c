"""Finding captures in a folder of WARCs (archiver.warcread), written by the tests.

The WARC writers here (:class:`WarcFile`, :func:`raw_record`) are also used by
the other verify tests.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archiver.errors import WarcError
from archiver.models import Quote, QuoteStatus, Source
from archiver.net import HttpClient
from archiver.store import WarcIndex, provenance, read_payload, wayback_original
from archiver.urls import url_key
from archiver.verify import Located, NotLocated, verify_source
from archiver.verify.live import LiveFetcher
from tests.support.localweb import LocalSite, Reply

DATE = "2014-08-29T10:00:00Z"
URL = "http://www.example.org/news/2014/08/28/calais"

# --------------------------------------------------------------------------
# WARC writers for tests
# --------------------------------------------------------------------------


def page(*paragraphs: str, lang: str = "fr") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<!doctype html><html lang='{lang}'><head><title>Test</title></head>"
            f"<body><nav>Accueil</nav><article>{body}</article></body></html>").encode()


class WarcFile:
    """A WARC written with warcio, one gzip member per record (or plain)."""

    def __init__(self, path: Path, *, gzip: bool = True) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.fh = path.open("wb")
        self.writer = WARCWriter(self.fh, gzip=gzip, warc_version="1.1")

    def __enter__(self) -> WarcFile:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.fh.close()

    def response(self, url: str, body: bytes, *, date: str = DATE, status: str = "200 OK",
                 content_type: str | None = "text/html; charset=utf-8",
                 headers: tuple[tuple[str, str], ...] = (),
                 source_uri: str | None = None) -> tuple[str, str]:
        """Write a response record; return its record id and payload digest."""
        http = [("Content-Type", content_type)] if content_type else []
        http += [*headers, ("Content-Length", str(len(body)))]
        warc_headers = {"WARC-Date": date}
        if source_uri:
            warc_headers["WARC-Source-URI"] = source_uri
        record = self.writer.create_warc_record(
            url, "response", payload=io.BytesIO(body), length=len(body),
            http_headers=StatusAndHeaders(status, http, protocol="HTTP/1.1"),
            warc_headers_dict=warc_headers)
        self.writer.write_record(record)
        return (record.rec_headers.get_header("WARC-Record-ID"),
                record.rec_headers.get_header("WARC-Payload-Digest"))

    def chosen(self, url: str, refers_to: str, source_id: str, *, date: str = DATE,
               extra: tuple[tuple[str, str], ...] = ()) -> None:
        """The metadata record fetch writes for the capture it chose."""
        fields = [(provenance.F_SOURCE_ID, source_id), (provenance.F_CHOSEN, "true"),
                  *extra]
        body = provenance.encode_fields(fields)
        record = self.writer.create_warc_record(
            url, "metadata", payload=io.BytesIO(body), length=len(body),
            warc_content_type=provenance.CONTENT_TYPE,
            warc_headers_dict={"WARC-Refers-To": refers_to, "WARC-Date": date})
        self.writer.write_record(record)

    def revisit(self, url: str, digest: str, refers_to_url: str, refers_to_date: str,
                *, date: str = DATE) -> None:
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        record = self.writer.create_revisit_record(url, digest, refers_to_url, refers_to_date,
                                                   http_headers=http)
        record.rec_headers.replace_header("WARC-Date", date)
        self.writer.write_record(record)


def raw_record(fields: list[tuple[str, str]], block: bytes, version: str = "WARC/1.0") -> bytes:
    head = version + "\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields)
    head += f"Content-Length: {len(block)}\r\n\r\n"
    return head.encode() + block + b"\r\n\r\n"


def chunked(body: bytes, size: int = 100) -> bytes:
    out = b""
    for i in range(0, len(body), size):
        part = body[i:i + size]
        out += f"{len(part):x}\r\n".encode() + part + b"\r\n"
    return out + b"0\r\n\r\n"


def wget_style_warc(url: str, body: bytes, *, compress: bool) -> bytes:
    """A WARC laid out the way wget 1.x writes one: warcinfo, request, response
    (raw wire bytes, chunked), metadata, resource (the log)."""
    info = raw_record([("WARC-Type", "warcinfo"), ("WARC-Record-ID", "<urn:uuid:1>"),
                       ("WARC-Date", DATE), ("WARC-Filename", "x.warc"),
                       ("Content-Type", "application/warc-fields")],
                      b"software: Wget/1.14 (linux-gnu)\r\nformat: WARC File Format 1.0\r\n")
    req = raw_record([("WARC-Type", "request"), ("WARC-Target-URI", url),
                      ("WARC-Record-ID", "<urn:uuid:2>"), ("WARC-Date", DATE),
                      ("Content-Type", "application/http;msgtype=request")],
                     b"GET / HTTP/1.1\r\nHost: example.org\r\n\r\n")
    http = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n" + chunked(body))
    resp = raw_record([("WARC-Type", "response"), ("WARC-Target-URI", url),
                       ("WARC-Record-ID", "<urn:uuid:3>"), ("WARC-Date", DATE),
                       ("WARC-Concurrent-To", "<urn:uuid:2>"), ("WARC-IP-Address", "192.0.2.1"),
                       ("Content-Type", "application/http;msgtype=response")], http)
    meta = raw_record([("WARC-Type", "metadata"), ("WARC-Target-URI", "metadata://x"),
                       ("WARC-Record-ID", "<urn:uuid:4>"), ("WARC-Date", DATE),
                       ("Content-Type", "text/plain")], b"wget log")
    log = raw_record([("WARC-Type", "resource"), ("WARC-Target-URI", "urn:x-wget:log"),
                      ("WARC-Record-ID", "<urn:uuid:5>"), ("WARC-Date", DATE),
                      ("Content-Type", "text/plain")], b"log")
    records = [info, req, resp, meta, log]
    if compress:
        return b"".join(gzip.compress(r) for r in records)
    return b"".join(records)


def heritrix_style_warc(url: str, body: bytes) -> bytes:
    """Heritrix 3 layout: warcinfo, a dns: response, then HTTP response, request and
    metadata (outlinks), WARC/1.0, one gzip member per record."""
    records = [
        raw_record([("WARC-Type", "warcinfo"), ("WARC-Date", DATE),
                    ("WARC-Record-ID", "<urn:uuid:h1>"),
                    ("Content-Type", "application/warc-fields")],
                   b"software: Heritrix/3.4.0 http://crawler.archive.org\r\n"),
        raw_record([("WARC-Type", "response"), ("WARC-Target-URI", "dns:www.example.org"),
                    ("WARC-Date", DATE), ("WARC-Record-ID", "<urn:uuid:h2>"),
                    ("Content-Type", "text/dns")], b"20140829100000\nwww.example.org.\t300\tIN\t"
                   b"A\t192.0.2.1\n"),
        raw_record([("WARC-Type", "response"), ("WARC-Target-URI", url),
                    ("WARC-Date", DATE), ("WARC-Record-ID", "<urn:uuid:h3>"),
                    ("WARC-IP-Address", "192.0.2.1"),
                    ("Content-Type", "application/http; msgtype=response")],
                   b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: "
                   + str(len(body)).encode() + b"\r\n\r\n" + body),
        raw_record([("WARC-Type", "metadata"), ("WARC-Target-URI", url),
                    ("WARC-Date", DATE), ("WARC-Record-ID", "<urn:uuid:h4>"),
                    ("WARC-Concurrent-To", "<urn:uuid:h3>"),
                    ("Content-Type", "application/warc-fields")],
                   b"via: http://www.example.org/\r\n"
                   b"outlink: http://www.example.org/a L a/@href\r\n"),
    ]
    return b"".join(gzip.compress(r) for r in records)


def source(url: str = "https://example.org/news/2014/08/28/calais/", sid: str = "calais",
           archived_at: datetime | None = None) -> Source:
    return Source(id=sid, url=url, publisher="P", title="T", published=date(2014, 8, 28),
                  language="fr", quotes=(Quote("la fibre humanitaire"),),
                  archived_at=archived_at)


def located(index: WarcIndex, src: Source) -> Located:
    result = index.locate(src)
    assert isinstance(result, Located), result
    return result


BODY = page("sa mère était institutrice, « la fibre humanitaire est dans la famille ».")

# --------------------------------------------------------------------------
# URL equivalence
# --------------------------------------------------------------------------


@pytest.mark.parametrize("other", [
    "https://example.org/news/a", "http://www.example.org/news/a",
    "http://example.org:80/news/a", "https://example.org:443/news/a/",
    "http://EXAMPLE.org/news/a#comments", "http://example.org/news/%61",
    "<http://example.org/news/a>",
])
def test_url_equivalences(other: str) -> None:
    assert url_key(other) == url_key("http://example.org/news/a")


@pytest.mark.parametrize("other", [
    "http://example.org/news/b", "http://example.org/News/a", "http://example.org/news/a?p=2",
    "http://example.org:8080/news/a", "http://blog.example.org/news/a",
])
def test_url_differences(other: str) -> None:
    assert url_key(other) != url_key("http://example.org/news/a")


def test_wayback_original() -> None:
    assert wayback_original("https://web.archive.org/web/20140829100000id_/http://x.org/a") \
        == ("20140829100000", "http://x.org/a")
    assert wayback_original("http://x.org/a") is None
    assert wayback_original("http://x.org/2014/08/28/a.html") is None
    assert wayback_original("http://arquivo.pt/wayback/20140829100000/http://x.org/a") \
        == ("20140829100000", "http://x.org/a")


# --------------------------------------------------------------------------
# Reading WARCs of several writers
# --------------------------------------------------------------------------


@pytest.mark.parametrize("compress", [True, False])
def test_reads_warcio_warcs(tmp_path: Path, compress: bool) -> None:
    name = "a.warc.gz" if compress else "a.warc"
    with WarcFile(tmp_path / "sub" / name, gzip=compress) as w:
        w.response("http://www.example.org/other", page("autre"))
        w.response(URL, BODY, source_uri="https://web.archive.org/web/20140829100000id_/" + URL)
    index = WarcIndex.build(tmp_path)
    loc = located(index, source())
    assert "la fibre humanitaire est dans la famille" in (loc.page.text if loc.page else "")
    cap = loc.capture
    assert cap.warc_file == f"sub/{name}" and cap.warc_offset > 0
    assert cap.memento_datetime == datetime(2014, 8, 29, 10, tzinfo=UTC)
    assert cap.memento_url.startswith("https://web.archive.org/web/2014")
    assert cap.archive == "https://web.archive.org/" and cap.http_status == 200
    body, _ = read_payload(index.candidates(URL)[0])
    assert body == BODY
    assert index.warnings == []


@pytest.mark.parametrize("compress", [True, False])
def test_reads_wget_style_warcs_with_chunked_bodies(tmp_path: Path, compress: bool) -> None:
    (tmp_path / "wget.warc.gz").write_bytes(wget_style_warc(URL, BODY, compress=compress))
    loc = located(WarcIndex.build(tmp_path), source())
    assert loc.page is not None and "la fibre humanitaire" in loc.page.text
    assert loc.capture.record_id == "<urn:uuid:3>"


def test_reads_heritrix_style_warcs(tmp_path: Path) -> None:
    (tmp_path / "IAH-20140829-00000.warc.gz").write_bytes(heritrix_style_warc(URL, BODY))
    index = WarcIndex.build(tmp_path)
    loc = located(index, source())
    assert loc.page is not None and "la fibre humanitaire" in loc.page.text
    assert index.warnings == []


def test_wayback_memento_as_target_uri(tmp_path: Path) -> None:
    memento = "https://web.archive.org/web/20140830120000/" + URL
    with WarcFile(tmp_path / "wb.warc.gz") as w:
        w.response(memento, BODY, date="2025-01-01T00:00:00Z")
    cap = located(WarcIndex.build(tmp_path), source()).capture
    assert cap.memento_datetime == datetime(2014, 8, 30, 12, tzinfo=UTC)
    assert cap.url == URL and cap.memento_url == memento


# --------------------------------------------------------------------------
# Choosing the capture
# --------------------------------------------------------------------------


def test_prefers_the_capture_fetch_chose(tmp_path: Path) -> None:
    with WarcFile(tmp_path / "a.warc.gz") as w:
        chosen_id, _ = w.response(URL, page("la version choisie"), date="2014-09-01T00:00:00Z")
        w.chosen(URL, chosen_id, "calais", extra=(
            (provenance.F_ARCHIVE, "https://web.archive.org/"),
            (provenance.F_MEMENTO_URL, "https://web.archive.org/web/20140901000000id_/" + URL),
            (provenance.F_MEMENTO_DATETIME, "Mon, 01 Sep 2014 00:00:00 GMT"),
            (provenance.F_PAYLOAD_SHA256, "sha256:abc")))
    with WarcFile(tmp_path / "b.warc.gz") as w:  # nearer the publication, not chosen
        w.response(URL, page("une autre version"), date="2014-08-28T12:00:00Z")
    loc = located(WarcIndex.build(tmp_path), source())
    assert loc.page is not None and "la version choisie" in loc.page.text
    assert loc.detail is None
    cap = loc.capture
    assert (cap.warc_file, cap.record_id, cap.payload_sha256) == ("a.warc.gz", chosen_id,
                                                                   "sha256:abc")
    assert cap.memento_datetime == datetime(2014, 9, 1, tzinfo=UTC)


def test_chosen_by_source_id_even_when_the_url_differs(tmp_path: Path) -> None:
    final = "http://www.example.org/articles/calais-final"
    with WarcFile(tmp_path / "a.warc.gz") as w:
        rid, _ = w.response(final, BODY)
        w.chosen(final, rid, "calais", extra=((provenance.F_REDIRECT, f"301 {URL}"),))
    cap = located(WarcIndex.build(tmp_path), source()).capture
    assert cap.url == final and cap.redirects[0].status == 301


def test_without_a_chosen_capture_the_earliest_after_publication_wins(tmp_path: Path) -> None:
    with WarcFile(tmp_path / "a.warc.gz") as w:
        w.response(URL, page("avant"), date="2014-08-01T00:00:00Z")
        w.response(URL, page("tard"), date="2015-01-01T00:00:00Z")
        w.response(URL, page("juste après"), date="2014-08-29T00:00:00Z")
        w.response(URL, page("erreur"), date="2014-08-28T12:00:00Z", status="404 Not Found")
    loc = located(WarcIndex.build(tmp_path), source())
    assert loc.page is not None and "juste après" in loc.page.text
    assert loc.detail is not None and "no capture as chosen" in loc.detail
    assert loc.flags == ("capture_not_chosen_by_fetch",)


def test_archived_at_picks_the_nearest_capture(tmp_path: Path) -> None:
    with WarcFile(tmp_path / "a.warc.gz") as w:
        w.response(URL, page("première"), date="2014-08-29T00:00:00Z")
        w.response(URL, page("seconde"), date="2014-10-01T00:00:00Z")
    src = source(archived_at=datetime(2014, 9, 30, tzinfo=UTC))
    loc = located(WarcIndex.build(tmp_path), src)
    assert loc.page is not None and "seconde" in loc.page.text


def test_redirect_captures_are_followed(tmp_path: Path) -> None:
    final = "http://www.example.org/2014/08/28/calais.html"
    with WarcFile(tmp_path / "a.warc.gz") as w:
        w.response(URL, b"", status="301 Moved Permanently", content_type=None,
                   headers=(("Location", "/2014/08/28/calais.html"),))
        w.response(final, BODY)
    cap = located(WarcIndex.build(tmp_path), source()).capture
    assert cap.url == final and [h.status for h in cap.redirects] == [301]


def test_redirect_to_a_page_not_in_the_folder(tmp_path: Path) -> None:
    with WarcFile(tmp_path / "a.warc.gz") as w:
        w.response(URL, b"", status="302 Found", content_type=None,
                   headers=(("Location", "http://elsewhere.example/"),))
    result = WarcIndex.build(tmp_path).locate(source())
    assert isinstance(result, NotLocated) and "redirects" in result.detail


def test_revisit_reads_the_original_payload(tmp_path: Path) -> None:
    with WarcFile(tmp_path / "a.warc.gz") as w:
        _, digest = w.response("http://www.example.org/syndicated/calais", BODY,
                               date="2014-08-27T00:00:00Z")
        w.revisit(URL, digest, "http://www.example.org/syndicated/calais",
                  "2014-08-27T00:00:00Z", date="2014-08-29T00:00:00Z")
    loc = located(WarcIndex.build(tmp_path), source())
    assert loc.page is not None and "la fibre humanitaire" in loc.page.text
    assert loc.capture.memento_datetime == datetime(2014, 8, 29, tzinfo=UTC)


def test_no_capture_is_not_located(tmp_path: Path) -> None:
    with WarcFile(tmp_path / "a.warc.gz") as w:
        w.response("http://www.example.org/other", BODY)
    result = WarcIndex.build(tmp_path).locate(source())
    assert isinstance(result, NotLocated)
    assert "no capture of https://example.org/news/2014/08/28/calais/" in result.detail


def test_image_capture_is_located_but_not_searchable(tmp_path: Path) -> None:
    with WarcFile(tmp_path / "a.warc.gz") as w:
        w.response(URL, b"\x89PNG\r\n", content_type="image/png")
    loc = located(WarcIndex.build(tmp_path), source())
    assert loc.page is None and loc.detail is not None and "image (image/png)" in loc.detail
    (result,) = verify_source(source(), loc)
    assert result.status is QuoteStatus.UNVERIFIABLE and "not_html" in result.flags


def test_unreadable_pdf_capture_is_located_with_the_reason(tmp_path: Path) -> None:
    with WarcFile(tmp_path / "a.warc.gz") as w:
        w.response(URL, b"%PDF-1.4 ...", content_type="application/pdf")
    loc = located(WarcIndex.build(tmp_path), source())
    assert loc.page is None and loc.detail is not None and "PDF could not be read" in loc.detail
    (result,) = verify_source(source(), loc)
    assert result.status is QuoteStatus.UNVERIFIABLE


def test_pages_are_extracted_once_per_capture(tmp_path: Path) -> None:
    with WarcFile(tmp_path / "a.warc.gz") as w:
        w.response(URL, BODY)
    index = WarcIndex.build(tmp_path)
    first = located(index, source())
    second = located(index, source(sid="calais-bis"))
    assert first.page is second.page and second.capture.source_id == "calais-bis"


# --------------------------------------------------------------------------
# Damaged input
# --------------------------------------------------------------------------


def _two_record_warc(path: Path) -> bytes:
    with WarcFile(path) as w:
        w.response(URL, BODY)
        w.response("http://www.example.org/second", page("x" * 5000))
    return path.read_bytes()


def test_truncated_warc_keeps_earlier_records_and_warns(tmp_path: Path) -> None:
    data = _two_record_warc(tmp_path / "whole.warc.gz")
    (tmp_path / "whole.warc.gz").unlink()
    (tmp_path / "cut.warc.gz").write_bytes(data[:-40])
    index = WarcIndex.build(tmp_path)
    assert isinstance(index.locate(source()), Located)
    assert len(index.warnings) == 1 and "cut.warc.gz" in index.warnings[0]
    with pytest.raises(WarcError) as err:
        WarcIndex.build(tmp_path, strict=True)
    assert "cut.warc.gz" in str(err.value) and err.value.path.endswith("cut.warc.gz")


def test_plain_warc_truncated_mid_record(tmp_path: Path) -> None:
    with WarcFile(tmp_path / "a.warc", gzip=False) as w:
        w.response(URL, BODY)
        w.response("http://www.example.org/second", page("y" * 5000))
    data = (tmp_path / "a.warc").read_bytes()
    (tmp_path / "a.warc").write_bytes(data[: len(data) - 3000])
    index = WarcIndex.build(tmp_path)
    assert any("a.warc" in w and "truncated" in w for w in index.warnings)
    assert isinstance(index.locate(source()), Located)


def test_a_file_that_is_not_a_warc_is_skipped_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "notes.warc.gz").write_bytes(b"this is not a WARC file at all\n" * 3)
    index = WarcIndex.build(tmp_path)
    assert len(index.warnings) == 1 and "notes.warc.gz" in index.warnings[0]
    assert isinstance(index.locate(source()), NotLocated)


def test_unfinished_open_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "x.warc.gz.open").write_bytes(b"")
    index = WarcIndex.build(tmp_path)
    assert index.files == [] and "x.warc.gz.open" in index.warnings[0]


def test_missing_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(WarcError, match="WARC folder not found"):
        WarcIndex.build(tmp_path / "nope")
    (tmp_path / "file").write_text("x")
    with pytest.raises(WarcError, match="not a folder"):
        WarcIndex.build(tmp_path / "file")


# --------------------------------------------------------------------------
# Live pages
# --------------------------------------------------------------------------


@pytest.fixture()
def site() -> Iterator[LocalSite]:
    with LocalSite() as s:
        yield s


def test_live_fetcher_follows_redirects(site: LocalSite) -> None:
    site.route("/old", Reply(301, "", headers={"Location": "/new"}))
    site.route("/new", Reply(200, BODY))
    with HttpClient(allow_private=True) as client:
        live = LiveFetcher(client).fetch(site.url("/old"))
    assert live.status == 200 and live.final_url == site.url("/new")
    assert live.page is not None and "la fibre humanitaire" in live.page.text


@pytest.mark.parametrize(("reply", "status", "error"), [
    (Reply(404, "<p>Not found</p>"), 404, None),
    (Reply(200, b"%PDF", content_type="application/pdf"), 200, "PDF could not be read"),
    (Reply(200, b"GIF89a", content_type="image/gif"), 200, "image/gif"),
    (Reply(302, "", headers={"Location": "/loop"}), None, "more than 10 redirects"),
])
def test_live_fetcher_failures(site: LocalSite, reply: Reply, status: int | None,
                               error: str | None) -> None:
    site.route("/loop", reply)
    with HttpClient(allow_private=True) as client:
        live = LiveFetcher(client).fetch(site.url("/loop"))
    assert live.page is None and live.status == status
    assert (error is None and live.error is None) or (error and error in (live.error or ""))


def test_live_fetcher_network_error_is_a_value() -> None:
    with HttpClient(allow_private=False) as client:
        live = LiveFetcher(client).fetch("http://127.0.0.1:9/x")
    assert live.page is None and live.error is not None and "private" in live.error
