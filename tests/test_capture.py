"""archiver capture: live pages stored byte for byte, replayed by pywb, checked by warcio."""

from __future__ import annotations

import gzip
import hashlib
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator

from archiver.check import CheckOptions
from archiver.cli import cli
from archiver.fetch import Archive
from archiver.fetch.capture import capture_sources, live_label
from archiver.fetch.requisites import html_requisites, same_site, stylesheet_requisites
from archiver.models import CaptureKind, CaptureOutcome, Manifest, Quote, QuoteStatus, Source
from archiver.net import HostLimiter, HttpClient
from archiver.net.raw import RawRecorder, dechunk, decode_content
from archiver.pipeline import RunOptions, run_pipeline
from archiver.store import LEDGER_NAME, WarcIndex, check_folder, provenance, read_warc
from archiver.store.fields import sha1_base32
from archiver.store.fixity import check_folder as check_fixity
from archiver.store.live import LIVE_LEDGER_NAME, read_live_ledger
from archiver.verify import verify_manifest
from tests.support.localweb import BackgroundServer, Reply
from tests.support.pywb_archive import PywbArchive, write_manifest
from tests.world.proxy import ForwardProxy, ProxiedRequest, TableRouter, tls_context

PAGE_HTML = (b"<!doctype html><html><head><title>Harbour</title>"
             b"<link rel=\"stylesheet\" href=\"/style.css\"></head>"
             b"<body><p>The harbour will reopen on Monday, the mayor said.</p>"
             b"<img src=\"/img.png\" alt=\"\"><img src=\"http://elsewhere.invalid/x.png\">"
             b"</body></html>")
CSS = b"body { background: url('/bg.png'); }"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
BG = b"\x89PNG\r\n\x1a\n" + b"background" * 30


def chunked(data: bytes, size: int = 37) -> bytes:
    """``data`` in chunked framing (RFC 9112 §7.1), with a chunk extension and a trailer."""
    out = b""
    for i in range(0, len(data), size):
        part = data[i:i + size]
        ext = b";note=x" if i == 0 else b""
        out += b"%x%s\r\n%s\r\n" % (len(part), ext, part)
    return out + b"0\r\nX-Trailer: done\r\n\r\n"


def head(status: str, fields: list[tuple[str, str]]) -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in fields)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy",
              "https_proxy", "all_proxy", "no_proxy")


@pytest.fixture(autouse=True)
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The local sites are reached directly, whatever proxy the environment names."""
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)


PAGE_GZ = gzip.compress(PAGE_HTML, mtime=0)
WIRE: dict[str, bytes] = {
    "/story": head("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                              ("Content-Encoding", "gzip"), ("Transfer-Encoding", "chunked"),
                              ("X-Odd-Case", "kept As sent")]) + chunked(PAGE_GZ),
    "/style.css": head("200 OK", [("Content-Type", "text/css"),
                                  ("Content-Length", str(len(CSS)))]) + CSS,
    "/img.png": head("200 OK", [("Content-Type", "image/png"),
                                ("Content-Length", str(len(PNG)))]) + PNG,
    "/bg.png": head("200 OK", [("Content-Type", "image/png"),
                               ("Content-Length", str(len(BG)))]) + BG,
    "/old": head("301 Moved Permanently", [("Location", "/story"), ("Content-Length", "0")]),
    "/big": head("200 OK", [("Content-Type", "text/html"),
                            ("Content-Length", str(300_000))]) + b"<p>" + b"x" * 299_997,
}


class RawSite(BackgroundServer):
    """A local site that writes each answer as given, byte for byte, then closes."""

    def __init__(self, wire: dict[str, bytes]) -> None:
        self.wire = dict(wire)
        self.seen: list[str] = []
        site = self

        class _H(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.seen.append(self.path)
                data = site.wire.get(self.path) or head("404 Not Found",
                                                        [("Content-Length", "0")])
                self.wfile.write(data.replace(b"PORT", str(site.port).encode()))
                self.wfile.flush()
                self.close_connection = True

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(_H)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
def site() -> Iterator[RawSite]:
    with RawSite(WIRE) as server:
        yield server


def client(**kw: Any) -> HttpClient:
    return HttpClient(allow_private=True, limiter=HostLimiter(interval=0.0), **kw)


def manifest(tmp_path: Path, urls: dict[str, str]) -> Manifest:
    sources = tuple(Source(id=sid, url=url, publisher="P", title="T",
                           published=date(2014, 10, 15), language="en")
                    for sid, url in urls.items())
    return Manifest(id="press", title="Press", sources=sources, path=None)


def records(folder: Path) -> list[tuple[str, Any, bytes]]:
    """(type, WARC headers, raw block) of every record in the folder's WARCs."""
    out = []
    for warc in sorted(folder.glob("*.warc.gz")):
        with open(warc, "rb") as fh:
            for rec in ArchiveIterator(fh, no_record_parse=True):
                out.append((rec.rec_type, rec.rec_headers, rec.raw_stream.read()))
    return out


def warcio_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "warcio.cli", "check", "-v", str(path)],
                          capture_output=True, text=True, timeout=60)


# --------------------------------------------------------------------------
# The done-when test
# --------------------------------------------------------------------------


def test_a_gzip_chunked_page_and_its_requisites_are_stored_as_sent_and_replay(
        tmp_path: Path, site: RawSite, pywb: PywbArchive) -> None:
    warcs = tmp_path / "warcs"
    run = capture_sources(manifest(tmp_path, {"story": site.url("/story")}), warcs_dir=warcs,
                          requisites=True, client=client())

    result = run.results[0]
    assert result.outcome is CaptureOutcome.STORED, result.detail
    cap = result.capture
    assert cap is not None and cap.kind is CaptureKind.LIVE and cap.archive == "live"
    assert result.detail is not None and result.detail.startswith(live_label(
        cap.memento_datetime)) and "live capture, 20" in result.detail
    assert "3 requisites requested" in result.detail  # style.css, img.png, bg.png (from CSS)
    assert "/x.png" not in site.seen  # another site: not requested

    recs = records(warcs)
    responses = {h.get_header("WARC-Target-URI"): (h, block) for t, h, block in recs
                 if t == "response"}
    assert set(responses) == {site.url(p) for p in ("/story", "/style.css", "/img.png",
                                                    "/bg.png")}
    # byte for byte: the record block is what the server wrote, gzip and chunking kept
    for path in ("/story", "/style.css", "/img.png", "/bg.png"):
        headers, block = responses[site.url(path)]
        assert block == WIRE[path], path
        assert headers.get_header("WARC-IP-Address") == "127.0.0.1"
        assert headers.get_header("WARC-Block-Digest") == "sha1:" + sha1_base32(block)
    story_headers, story_block = responses[site.url("/story")]
    assert b"Transfer-Encoding: chunked\r\n" in story_block and b"X-Odd-Case: kept As sent" \
        in story_block and b"\r\n0\r\nX-Trailer: done\r\n\r\n" in story_block
    # payload digest: chunking removed, gzip kept (WARC 1.1 §5.9)
    assert story_headers.get_header("WARC-Payload-Digest") == "sha1:" + sha1_base32(PAGE_GZ)
    # request records, concurrent to their response; metadata saying why and when
    by_id = {h.get_header("WARC-Record-ID"): (t, h, b) for t, h, b in recs}
    requests_ = [(h, b) for t, h, b in recs if t == "request"]
    assert len(requests_) == 4
    for h, block in requests_:
        assert by_id[h.get_header("WARC-Concurrent-To")][0] == "response"
        assert block.startswith(b"GET /") and b"Accept-Encoding: gzip, deflate\r\n" in block
    metas = [dict(provenance.as_dict(provenance.decode_fields(b))) for t, _, b in recs
             if t == "metadata"]
    page_meta = next(m for m in metas if m.get("live-page") == "true")
    assert page_meta["capture-kind"] == "live" and page_meta["source-id"] == "story"
    assert page_meta["manifest-id"] == "press" and page_meta["software"].startswith("archiver/")
    assert "no archived capture" in page_meta["reason"] and page_meta["captured-at"]
    embeds = [m for m in metas if m.get("hopsFromSeed", "").startswith("E")]
    assert len(embeds) == 3 and all(m["via"] == site.url("/story") for m in embeds)
    # the live ledger has it; the archived-capture ledger does not
    assert [e.source_id for e in read_live_ledger(warcs)] == ["story"]
    assert not (warcs / LEDGER_NAME).exists() or "story" not in (warcs / LEDGER_NAME).read_text()
    assert check_folder(warcs) == []
    info = next(b for t, _, b in recs if t == "warcinfo")
    assert b"description: live captures (archiver capture" in info
    for warc in warcs.glob("*.warc.gz"):
        for rec in read_warc(warc):
            assert rec.type in ("warcinfo", "response", "request", "metadata")

    # warcio check: every digest passes but the chunked response's payload digest, which
    # warcio 1.8.1 computes over the chunk framing (webrecorder/warcio#74)
    (warc,) = warcs.glob("*.warc.gz")
    checked = warcio_check(warc)
    failures = [line.strip() for line in checked.stdout.splitlines() if "failed" in line]
    assert failures == [f"payload digest failed {story_headers.get_header('WARC-Payload-Digest')}"]
    assert dechunk(story_block.split(b"\r\n\r\n", 1)[1]) == (PAGE_GZ, True)

    # archiver fixity recomputes every digest of the file and finds them all right
    fixity = check_fixity(warcs)
    assert [r.outcome.value for r in fixity.results] == ["ok"], fixity.results
    assert fixity.results[0].digests_checked >= 12

    # pywb replays the page and its requisites from our WARC
    base = pywb.collection(warcs=[warc])
    for path, want in (("/story", PAGE_HTML), ("/style.css", CSS), ("/img.png", PNG),
                       ("/bg.png", BG)):
        got = requests.get(f"{base}2030id_/{site.url(path)}", timeout=30)
        assert got.status_code == 200, path
        assert got.content == want, path


def test_warcio_check_passes_wholly_with_the_chunk_framed_payload_digest(
        tmp_path: Path, site: RawSite, monkeypatch: pytest.MonkeyPatch) -> None:
    """The warcio reading of the payload digest (PAYLOAD_DIGEST_TRANSFER_DECODED = False)."""
    import archiver.store.live as live

    monkeypatch.setattr(live.write_exchange, "__kwdefaults__", {"transfer_decoded": False})
    warcs = tmp_path / "warcs"
    run = capture_sources(manifest(tmp_path, {"story": site.url("/story")}), warcs_dir=warcs,
                          requisites=True, client=client())
    assert run.results[0].outcome is CaptureOutcome.STORED
    (warc,) = warcs.glob("*.warc.gz")
    checked = warcio_check(warc)
    assert checked.returncode == 0, checked.stdout
    assert "failed" not in checked.stdout


def test_every_redirect_hop_is_recorded(tmp_path: Path, site: RawSite) -> None:
    warcs = tmp_path / "warcs"
    run = capture_sources(manifest(tmp_path, {"moved": site.url("/old")}), warcs_dir=warcs,
                          client=client())
    cap = run.results[0].capture
    assert cap is not None and cap.url == site.url("/story")
    assert [(h.url, h.status) for h in cap.redirects] == [(site.url("/old"), 301)]
    targets = [h.get_header("WARC-Target-URI") for t, h, _ in records(warcs) if t == "response"]
    assert targets == [site.url("/old"), site.url("/story")]
    (warc,) = warcs.glob("*.warc.gz")
    assert warcio_check(warc).stdout.count("payload digest failed") == 1  # the chunked one


def test_a_redirect_to_a_private_address_is_refused(tmp_path: Path, site: RawSite) -> None:
    """The guard judges every hop: a public-looking start may not lead to loopback."""
    site.wire["/evil"] = head("302 Found", [("Location", "http://127.0.0.1:9/secret"),
                                             ("Content-Length", "0")])
    # Only this site's own URL is trusted (as a local archive is), not loopback at large.
    guarded = HttpClient(trusted_prefixes=(site.url("/"),),
                         limiter=HostLimiter(interval=0.0))
    warcs = tmp_path / "warcs"
    run = capture_sources(manifest(tmp_path, {"evil": site.url("/evil")}), warcs_dir=warcs,
                          client=guarded)
    result = run.results[0]
    assert result.outcome is CaptureOutcome.LIVE_ERROR
    assert result.detail is not None and "refusing to fetch" in result.detail
    assert "127.0.0.1" in result.detail and "private" in result.detail
    assert not list(warcs.glob("*.warc.gz"))


def test_a_private_page_is_refused_without_allow_private(tmp_path: Path, site: RawSite) -> None:
    run = capture_sources(manifest(tmp_path, {"story": site.url("/story")}),
                          warcs_dir=tmp_path / "w")
    assert run.results[0].outcome is CaptureOutcome.LIVE_ERROR
    assert "private" in (run.results[0].detail or "")
    assert site.seen == []


def test_a_page_over_the_cap_is_stored_cut_and_marked_truncated(
        tmp_path: Path, site: RawSite) -> None:
    warcs = tmp_path / "warcs"
    run = capture_sources(manifest(tmp_path, {"big": site.url("/big")}), warcs_dir=warcs,
                          client=client(), max_bytes=100_000)
    result = run.results[0]
    assert result.outcome is CaptureOutcome.STORED
    assert result.detail is not None and "cut at 100000 bytes" in result.detail
    assert "WARC-Truncated" in result.detail
    (resp,) = [(h, b) for t, h, b in records(warcs) if t == "response"]
    headers, block = resp
    assert headers.get_header("WARC-Truncated") == "length"
    assert block == WIRE["/big"][:len(block)] and len(block) == WIRE["/big"].index(b"<p>") \
        + 100_000
    (warc,) = warcs.glob("*.warc.gz")
    checked = warcio_check(warc)
    assert checked.returncode == 0, checked.stdout


def test_default_selection_skips_sources_with_an_archived_capture(
        tmp_path: Path, site: RawSite) -> None:
    warcs = tmp_path / "warcs"
    warcs.mkdir()
    entry = {"manifest_id": "press", "source_id": "held", "requested_url": site.url("/img.png"),
             "published": "2014-10-15", "uri_r": site.url("/img.png"),
             "timestamp": "20141016000000", "memento_url": "http://archive.example/x",
             "memento_datetime": "2014-10-16T00:00:00Z", "archive": "http://archive.example/",
             "warc_file": "held.warc.gz", "warc_offset": 0, "record_id": "<urn:uuid:x>"}
    (warcs / LEDGER_NAME).write_text(json.dumps(entry) + "\n")
    (warcs / "held.warc.gz").write_bytes(b"")
    m = manifest(tmp_path, {"held": site.url("/img.png"), "story": site.url("/story")})

    run = capture_sources(m, warcs_dir=warcs, client=client())
    outcomes = {r.source_id: r.outcome for r in run.results}
    assert outcomes == {"held": CaptureOutcome.ALREADY_STORED, "story": CaptureOutcome.STORED}
    assert "/img.png" not in site.seen

    again = capture_sources(m, warcs_dir=warcs, client=client(), all_sources=True)
    assert [r.outcome for r in again.results] == [CaptureOutcome.STORED] * 2
    named = capture_sources(m, warcs_dir=warcs, client=client(), source_ids=["held"])
    assert [r.outcome for r in named.results] == [CaptureOutcome.STORED]
    assert len(read_live_ledger(warcs)) == 4


def test_the_cli_writes_json_and_exits_like_fetch(tmp_path: Path, site: RawSite) -> None:
    path = write_manifest(tmp_path / "m.toml", [
        Source(id="story", url=site.url("/story"), publisher="P", title="T",
               published=date(2014, 10, 15), language="en"),
        Source(id="gone", url="http://127.0.0.1:9/nothing", publisher="P", title="T",
               published=date(2014, 10, 15), language="en")])
    out = tmp_path / "captures.json"
    res = CliRunner().invoke(cli, ["capture", str(path), "--warcs", str(tmp_path / "w"),
                                    "--allow-private", "--format", "json", "-o", str(out),
                                    "--no-progress"])
    assert res.exit_code == 1, res.output
    doc = json.loads(out.read_text())
    by_id = {r["source_id"]: r for r in doc["results"]}
    assert by_id["story"]["outcome"] == "stored"
    assert by_id["story"]["capture"]["kind"] == "live"
    assert by_id["gone"]["outcome"] == "live_error"
    assert "connection refused" in by_id["gone"]["detail"]
    assert (tmp_path / "w" / LIVE_LEDGER_NAME).exists()


# --------------------------------------------------------------------------
# The parts
# --------------------------------------------------------------------------


def test_requisites_are_read_from_html_and_css() -> None:
    html = ("<base href='/sub/'><img src=a.png srcset='b.png 2x, c.png 3x'>"
            "<link rel='stylesheet icon' href=s.css><script src=/j.js></script>"
            "<video poster=p.jpg></video><div style=\"background:url(d.png)\"></div>"
            "<style>@import 'i.css'; p{background:url(\"e.png\")}</style>"
            "<img src='data:image/png;base64,xx'><a href=/not-a-requisite>")
    got = html_requisites(html, "http://site.example/page")
    urls = [u for u, _ in got]
    assert urls == ["http://site.example/sub/a.png", "http://site.example/sub/b.png",
                    "http://site.example/sub/c.png", "http://site.example/sub/s.css",
                    "http://site.example/j.js", "http://site.example/sub/p.jpg",
                    "http://site.example/sub/d.png", "http://site.example/sub/e.png",
                    "http://site.example/sub/i.css"]
    assert dict(got)["http://site.example/sub/s.css"] == "stylesheet"
    assert stylesheet_requisites("a{b:url( x.png )}", "http://s.example/c/s.css") == [
        ("http://s.example/c/x.png", "css")]
    assert same_site("https://www.site.example/x", "http://site.example/")
    assert not same_site("http://cdn.site.example/x", "http://site.example/")


def test_dechunk_and_decode() -> None:
    assert dechunk(chunked(b"hello world", 3)) == (b"hello world", True)
    assert dechunk(b"5\r\nhel") == (b"hel", False)
    assert decode_content(gzip.compress(b"abc"), "gzip", 100) == b"abc"
    assert decode_content(b"abc", "br", 100) is None
    assert decode_content(gzip.compress(b"a" * 1000), "gzip", 10) == b"a" * 10


def test_the_recorder_sends_one_request_and_keeps_the_answer(site: RawSite) -> None:
    ex = RawRecorder(client()).get(site.url("/story"))
    assert ex.response == WIRE["/story"] and ex.payload == PAGE_GZ
    assert ex.decoded() == PAGE_HTML and ex.chunked and not ex.truncated
    assert ex.request.startswith(b"GET /story HTTP/1.1\r\nHost: 127.0.0.1:")
    assert b"Connection: close\r\n" in ex.request
    assert hashlib.sha1(ex.body).digest() == hashlib.sha1(chunked(PAGE_GZ)).digest()


def test_a_slow_site_meets_the_deadline(tmp_path: Path) -> None:
    release = threading.Event()

    class Slow(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab")
            self.wfile.flush()
            release.wait(5)

        def log_message(self, *args: Any) -> None:
            pass

    with BackgroundServer(Slow) as server:
        try:
            from archiver.errors import NetError
            with pytest.raises(NetError, match="did not finish"):
                RawRecorder(client(deadline=0.5)).get(f"http://127.0.0.1:{server.port}/")
        finally:
            release.set()


# --------------------------------------------------------------------------
# verify and run: a live capture is used only when asked
# --------------------------------------------------------------------------


def quoted_manifest(site: RawSite) -> Manifest:
    src = Source(id="story", url=site.url("/story"), publisher="P", title="T",
                 published=date(2014, 10, 15), language="en",
                 quotes=(Quote("The harbour will reopen on Monday"),))
    return Manifest(id="press", title="Press", sources=(src,))


def test_verify_leaves_live_captures_out_unless_asked(tmp_path: Path, site: RawSite) -> None:
    warcs = tmp_path / "warcs"
    m = quoted_manifest(site)
    capture_sources(m, warcs_dir=warcs, client=client())

    plain = verify_manifest(m, warcs)
    assert [q.status for q in plain.results] == [QuoteStatus.UNVERIFIABLE]
    assert plain.results[0].capture is None
    every = verify_manifest(m, warcs, captures="all")  # every stored capture: still none
    assert [q.status for q in every.results] == [QuoteStatus.UNVERIFIABLE]

    index = WarcIndex.build(warcs)
    assert len(index.live_ids) == 1 and index.candidates(site.url("/story")) == []

    asked = verify_manifest(m, warcs, live_captures=True)
    (result,) = asked.results
    assert result.status is QuoteStatus.VERIFIED
    assert result.capture is not None and result.capture.kind is CaptureKind.LIVE
    assert result.capture.archive == "live" and "live_capture" in result.flags
    assert result.capture.memento_datetime.year >= 2026  # the day captured, not 2014

    path = write_manifest(tmp_path / "m.toml", list(m.sources), manifest_id="press")
    with path.open("a", encoding="utf-8") as fh:
        fh.write('[[source.quote]]\ntext = "The harbour will reopen on Monday"\n')
    res = CliRunner().invoke(cli, ["verify", str(path), "--warcs", str(warcs),
                                   "--live-captures", "--format", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["results"][0]["capture"]["kind"] == "live"


def test_run_capture_stores_live_pages_of_sources_no_archive_holds(
        tmp_path: Path, site: RawSite, pywb: PywbArchive) -> None:
    base = pywb.collection([])
    check = CheckOptions(per_host_interval=0, backoff=0.01, allow_private=True, retries=0)
    options = RunOptions(check=check, archives=(Archive.from_url(base),),
                         warcs_dir=tmp_path / "warcs", capture=True, capture_requisites=True,
                         listings_per_minute=60000.0, downloads_per_second=1000.0)
    result = run_pipeline(quoted_manifest(site), options)
    assert [c.outcome for c in result.captures] == [CaptureOutcome.NO_CAPTURE]
    live = [n for n in result.notes if n.startswith("story: live capture, ")]
    assert len(live) == 1 and "not used by verify" in live[0]
    assert "3 requisites requested" in live[0]
    assert [q.status for q in result.quotes] == [QuoteStatus.UNVERIFIABLE]
    assert len(read_live_ledger(tmp_path / "warcs")) == 1

    usage = CliRunner().invoke(cli, ["run", str(tmp_path / "nope.toml"), "--requisites"])
    assert usage.exit_code == 2 and "--requisites goes with --capture" in usage.output


# --------------------------------------------------------------------------
# Through a proxy, over TLS
# --------------------------------------------------------------------------


def proxied_news(request: ProxiedRequest) -> Reply:
    if request.target == "/gone-site":
        return Reply(404, "<html><title>Not found</title></html>")
    return Reply(200, "<html><title>Story</title><p>told through a proxy</p></html>",
                 headers={"X-Seen": request.url})


@pytest.fixture(scope="module")
def news_tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    context, ca = tls_context(["news.example.org"])
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    path.write_bytes(ca)
    return context, path


@pytest.fixture
def news_proxy(news_tls: tuple[Any, Path]) -> Iterator[ForwardProxy]:
    with ForwardProxy(TableRouter({"news.example.org": proxied_news}),
                      tls=news_tls[0]) as p:
        yield p


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_capture_through_a_proxy(scheme: str, news_proxy: ForwardProxy,
                                 news_tls: tuple[Any, Path],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(news_tls[1]))
    proxied = HttpClient(proxy=f"http://127.0.0.1:{news_proxy.port}",
                         limiter=HostLimiter(interval=0.0))
    ex = RawRecorder(proxied).get(f"{scheme}://news.example.org/story")
    assert ex.status == 200 and b"told through a proxy" in ex.payload
    assert ex.proxy is not None
    assert ex.request.startswith(b"GET http://news.example.org/story HTTP/1.1\r\n"
                                 if scheme == "http" else b"GET /story HTTP/1.1\r\n")
    assert news_proxy.requests[-1] == (
        ("GET", "http://news.example.org/story") if scheme == "http"
        else ("GET", "https://news.example.org/story"))


def test_a_capture_through_a_proxy_has_no_ip_address(
        tmp_path: Path, news_proxy: ForwardProxy) -> None:
    """WARC-IP-Address names the server; behind a proxy it is not known."""
    proxied = HttpClient(proxy=f"http://127.0.0.1:{news_proxy.port}",
                         limiter=HostLimiter(interval=0.0))
    warcs = tmp_path / "warcs"
    run = capture_sources(manifest(tmp_path, {"s": "http://news.example.org/story"}),
                          warcs_dir=warcs, client=proxied)
    assert run.results[0].outcome is CaptureOutcome.STORED
    (resp,) = [h for t, h, _ in records(warcs) if t == "response"]
    assert resp.get_header("WARC-IP-Address") is None
    meta = [dict(provenance.as_dict(provenance.decode_fields(b)))
            for t, _, b in records(warcs) if t == "metadata"]
    assert meta[0]["proxy"] == "true"


def test_a_proxy_that_cannot_reach_the_site_is_a_live_error(
        tmp_path: Path, news_proxy: ForwardProxy) -> None:
    proxied = HttpClient(proxy=f"http://127.0.0.1:{news_proxy.port}",
                         limiter=HostLimiter(interval=0.0))
    run = capture_sources(manifest(tmp_path, {"s": "http://nowhere.example.org/"}),
                          warcs_dir=tmp_path / "w", client=proxied)
    result = run.results[0]
    assert result.outcome is CaptureOutcome.LIVE_ERROR
    assert "the proxy could not get" in (result.detail or "")


def test_an_error_page_is_stored_and_said(tmp_path: Path, site: RawSite) -> None:
    run = capture_sources(manifest(tmp_path, {"s": site.url("/missing")}),
                          warcs_dir=tmp_path / "w", client=client())
    result = run.results[0]
    assert result.outcome is CaptureOutcome.STORED  # what the site said is evidence too
    assert result.capture is not None and result.capture.http_status == 404
    assert "the live page answered 404 Not Found" in (result.detail or "")


def test_an_https_page_through_an_https_proxy_is_refused_clearly(tmp_path: Path) -> None:
    proxied = HttpClient(proxy="https://127.0.0.1:9", limiter=HostLimiter(interval=0.0))
    run = capture_sources(manifest(tmp_path, {"s": "https://news.example.org/"}),
                          warcs_dir=tmp_path / "w", client=proxied)
    assert run.results[0].outcome is CaptureOutcome.LIVE_ERROR
    assert "TLS inside a TLS tunnel" in (run.results[0].detail or "")


def test_an_untrusted_certificate_is_a_live_error(
        tmp_path: Path, news_proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    proxied = HttpClient(proxy=f"http://127.0.0.1:{news_proxy.port}",
                         limiter=HostLimiter(interval=0.0))
    run = capture_sources(manifest(tmp_path, {"s": "https://news.example.org/story"}),
                          warcs_dir=tmp_path / "w", client=proxied)
    assert run.results[0].outcome is CaptureOutcome.LIVE_ERROR
    assert "TLS" in (run.results[0].detail or "")
