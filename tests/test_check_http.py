"""One URL at a time against real local servers: every class, with its evidence.

Servers run on 127.0.0.1 (tests.support.localweb), so the checker is built with
``allow_private=True`` except where the address guard itself is under test.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import socket
import ssl
import struct
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from archiver.check import PROBE_PREFIX, Checker, CheckOptions
from archiver.models import LinkClass, LinkResult
from archiver.net import HttpClient
from archiver.pipeline import check_urls
from tests.support.localweb import LocalSite, Reply

FAST = CheckOptions(allow_private=True, per_host_interval=0.0, backoff=0.01, deadline=5.0)

ARTICLE = ("<html><head><title>Harbour reopens</title></head><body><h1>Harbour reopens</h1>"
           + " ".join(f"Paragraph {i}: the harbour of Calais reopened after the storm, said "
                      f"the mayor, and ferries sailed again." for i in range(40))
           + "</body></html>")
NOT_FOUND_TEMPLATE = ("<html><head><title>Example News</title></head><body>"
                      "<nav>Home World Sport Culture</nav><p>We could not find {path}.</p>"
                      + "<p>Latest headlines: markets rally, storm warning, cup final, "
                        "new bridge opens, elections called.</p>" * 8
                      + "<footer>Example News 2014</footer></body></html>")


@pytest.fixture(autouse=True, params=["blocking", "event-loop"])
def driver(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test runs twice: ``Checker.check`` in this thread (requests, blocking), and
    through the concurrent check's scheduler (one event loop, the asynchronous client)."""
    if request.param == "event-loop":
        def via_loop(self: Checker, source_id: str, url: str) -> LinkResult:
            return check_urls([(source_id, url)], self.options, checker=self)[0]

        monkeypatch.setattr(Checker, "check", via_loop)
    return str(request.param)


@pytest.fixture(scope="module")
def shared_site() -> Iterator[LocalSite]:
    """One server for the module, reset between tests."""
    with LocalSite() as s:
        yield s


@pytest.fixture()
def site(shared_site: LocalSite) -> LocalSite:
    """The shared server, with no routes and no recorded requests."""
    shared_site.reset()
    return shared_site


@pytest.fixture()
def checker() -> Iterator[Checker]:
    with Checker(FAST) as c:
        yield c


def test_ok_keeps_the_evidence(site: LocalSite, checker: Checker) -> None:
    site.route("/a", Reply(200, ARTICLE))
    r = checker.check("a", site.url("/a"))
    assert r.link_class is LinkClass.OK and r.http_status == 200
    assert r.final_url == site.url("/a") and r.redirects == ()
    assert r.body_size == len(ARTICLE.encode())
    assert r.body_sha256 == hashlib.sha256(ARTICLE.encode()).hexdigest()
    assert r.elapsed_ms is not None and r.checked_at is not None and r.attempts == 1
    assert "archiver/" in site.requests[0].headers["User-Agent"]
    assert "+http" in site.requests[0].headers["User-Agent"]  # a contact URL


def test_user_agent_is_configurable(site: LocalSite) -> None:
    site.route("/a", Reply(200, ARTICLE))
    opts = CheckOptions(allow_private=True, per_host_interval=0, user_agent="me (+mailto:x@y)")
    with Checker(opts) as c:
        c.check("a", site.url("/a"))
    assert site.requests[0].headers["User-Agent"] == "me (+mailto:x@y)"


def test_redirect_chain_is_recorded_hop_by_hop(site: LocalSite, checker: Checker) -> None:
    site.route("/old", Reply(301, "", headers={"Location": "/older"}))
    site.route("/older", Reply(302, "", headers={"Location": site.url("/2014/new-home")}))
    site.route("/2014/new-home", Reply(200, ARTICLE))
    r = checker.check("a", site.url("/old"))
    assert r.link_class is LinkClass.REDIRECTED
    assert [(h.url, h.status, h.location) for h in r.redirects] == [
        (site.url("/old"), 301, site.url("/older")),
        (site.url("/older"), 302, site.url("/2014/new-home")),
    ]
    assert r.final_url == site.url("/2014/new-home") and r.http_status == 200


def test_trailing_slash_redirect_is_not_material(site: LocalSite, checker: Checker) -> None:
    site.route("/news/a", Reply(301, "", headers={"Location": "/news/a/"}))
    site.route("/news/a/", Reply(200, ARTICLE))
    r = checker.check("a", site.url("/news/a"))
    assert r.link_class is LinkClass.OK and len(r.redirects) == 1


def test_redirect_loop_is_gone_and_stops_early(site: LocalSite, checker: Checker) -> None:
    site.route("/a", Reply(302, "", headers={"Location": "/b"}))
    site.route("/b", Reply(302, "", headers={"Location": "/a"}))
    r = checker.check("a", site.url("/a"))
    assert r.link_class is LinkClass.GONE and r.error == "redirect_loop"
    assert len(site.requests) <= 5


def test_too_many_redirects(site: LocalSite) -> None:
    for i in range(5):
        site.route(f"/r{i}", Reply(302, "", headers={"Location": f"/r{i + 1}"}))
    opts = CheckOptions(allow_private=True, per_host_interval=0, max_redirects=3)
    with Checker(opts) as c:
        r = c.check("a", site.url("/r0"))
    assert r.link_class is LinkClass.GONE and r.error == "too_many_redirects"
    assert len(r.redirects) == 4


def test_redirect_to_another_scheme_is_invalid(site: LocalSite, checker: Checker) -> None:
    site.route("/a", Reply(301, "", headers={"Location": "ftp://files.example/a"}))
    r = checker.check("a", site.url("/a"))
    assert r.link_class is LinkClass.INVALID and "ftp://" in (r.detail or "")


@pytest.mark.parametrize(("status", "expected"), [
    (404, LinkClass.GONE), (410, LinkClass.GONE), (403, LinkClass.BLOCKED),
    (401, LinkClass.BLOCKED), (451, LinkClass.BLOCKED), (999, LinkClass.BLOCKED),
    (402, LinkClass.PAYWALLED),
])
def test_final_statuses_are_never_retried(site: LocalSite, checker: Checker, status: int,
                                          expected: LinkClass) -> None:
    site.route("/a", Reply(status, "no"))
    r = checker.check("a", site.url("/a"))
    assert r.link_class is expected and r.http_status == status
    assert site.hits("/a") == 1 and r.attempts == 1


def test_cloudflare_challenge_is_blocked(site: LocalSite, checker: Checker) -> None:
    site.route("/a", Reply(403, "<title>Just a moment...</title>",
                           headers={"cf-mitigated": "challenge"}))
    r = checker.check("a", site.url("/a"))
    assert r.link_class is LinkClass.BLOCKED and "cf-mitigated" in (r.detail or "")


def test_redirect_to_login_is_paywalled(site: LocalSite, checker: Checker) -> None:
    site.route("/2014/story", Reply(302, "", headers={"Location": "/login?next=/2014/story"}))
    site.route("/login", Reply(200, "<title>Log in</title>"))
    assert checker.check("a", site.url("/2014/story")).link_class is LinkClass.PAYWALLED


def test_redirect_to_site_root_is_soft404(site: LocalSite, checker: Checker) -> None:
    site.route("/2014/09/story.html", Reply(301, "", headers={"Location": "/"}))
    site.route("/", Reply(200, "<title>Example News</title>"))
    r = checker.check("a", site.url("/2014/09/story.html"))
    assert r.link_class is LinkClass.SOFT404 and "home page" in (r.detail or "")


def test_not_found_title_is_soft404(site: LocalSite, checker: Checker) -> None:
    site.route("/a", Reply(200, "<html><title>Page introuvable</title></html>"))
    assert checker.check("a", site.url("/a")).link_class is LinkClass.SOFT404


def test_soft404_by_random_sibling(checker: Checker) -> None:
    """The site answers 200 with the same "not found" page for every unknown path."""
    with LocalSite(default=Reply(200, NOT_FOUND_TEMPLATE.format(path="this page"))) as s:
        r = checker.check("a", s.url("/2014/09/vanished-story.html"))
        probes = [q.path for q in s.requests if PROBE_PREFIX in q.path]
    assert r.link_class is LinkClass.SOFT404, r.detail
    assert "similarity" in (r.detail or "")
    assert len(probes) == 1 and probes[0].startswith("/2014/09/") and probes[0].endswith(".html")


def test_real_page_on_a_site_with_proper_404s_is_ok(site: LocalSite, checker: Checker) -> None:
    site.route("/2014/09/a.html", Reply(200, ARTICLE))
    site.route("/2014/09/b.html", Reply(200, ARTICLE.replace("Harbour", "Bridge")))
    assert checker.check("a", site.url("/2014/09/a.html")).link_class is LinkClass.OK
    assert checker.check("b", site.url("/2014/09/b.html")).link_class is LinkClass.OK
    probes = [q.path for q in site.requests if PROBE_PREFIX in q.path]
    assert len(probes) == 1  # one probe per host and folder, cached for the run


def test_real_page_on_a_site_that_serves_home_for_everything_is_ok(site: LocalSite,
                                                                    checker: Checker) -> None:
    """robustify.js#4: sites answering their home page for unknown paths."""
    site.default = Reply(200, NOT_FOUND_TEMPLATE.format(path="/"))
    site.route("/2014/09/a.html", Reply(200, ARTICLE))
    assert checker.check("a", site.url("/2014/09/a.html")).link_class is LinkClass.OK


def test_probe_can_be_switched_off(site: LocalSite) -> None:
    site.route("/a", Reply(200, ARTICLE))
    opts = CheckOptions(allow_private=True, per_host_interval=0, soft404_probe=False)
    with Checker(opts) as c:
        assert c.check("a", site.url("/a")).link_class is LinkClass.OK
    assert len(site.requests) == 1


# -- transient failures and retries ------------------------------------------------


def test_5xx_is_retried_then_given_up(site: LocalSite, checker: Checker) -> None:
    site.route("/a", Reply(503, "busy"))
    r = checker.check("a", site.url("/a"))
    assert r.link_class is LinkClass.TRANSIENT and r.attempts == 4
    assert site.hits("/a") == 4 and "gave up after 4 attempts" in (r.detail or "")


def test_transient_then_ok(site: LocalSite, checker: Checker) -> None:
    answers = iter([Reply(502, "bad gateway"), Reply(200, ARTICLE)])
    site.route("/a", lambda req: next(answers))
    r = checker.check("a", site.url("/a"))
    assert r.link_class is LinkClass.OK and r.attempts == 2


def test_429_with_retry_after_waits_and_slows_the_host(site: LocalSite) -> None:
    answers = iter([Reply(429, "slow down", headers={"Retry-After": "1"}), Reply(200, ARTICLE)])
    site.route("/a", lambda req: next(answers))
    opts = CheckOptions(allow_private=True, per_host_interval=0.0, backoff=0.01,
                        slowdown_floor=0.3, soft404_probe=False)
    with Checker(opts) as c:
        r = c.check("a", site.url("/a"))
        interval = c.limiter.interval_for("127.0.0.1")
    first, second = [q.at for q in site.requests]
    assert r.link_class is LinkClass.OK and r.attempts == 2
    assert second - first >= 0.95  # Retry-After: 1
    assert interval == pytest.approx(0.3)  # the host's gap widened from 0 s


def test_429_without_retry_after_backs_off(site: LocalSite) -> None:
    site.route("/a", Reply(429, "slow down"))
    opts = CheckOptions(allow_private=True, per_host_interval=0.0, backoff=0.01, retries=2,
                        slowdown_floor=0.05, soft404_probe=False)
    with Checker(opts) as c:
        r = c.check("a", site.url("/a"))
        interval = c.limiter.interval_for("127.0.0.1")
    assert r.link_class is LinkClass.TRANSIENT and site.hits("/a") == 3
    assert interval == pytest.approx(0.2)  # doubled at each of the three 429s: 0.05, 0.1, 0.2


def test_drip_feed_is_cut_at_the_total_deadline(site: LocalSite) -> None:
    site.route("/drip", Reply(200, "x" * 200, drip_seconds=0.05))
    opts = CheckOptions(allow_private=True, per_host_interval=0, deadline=0.5, retries=0)
    with Checker(opts) as c:
        started = time.monotonic()
        r = c.check("a", site.url("/drip"))
    assert time.monotonic() - started < 2.0
    assert r.link_class is LinkClass.TRANSIENT and r.error == "timeout"


def test_oversized_body_is_capped(site: LocalSite) -> None:
    site.route("/big", Reply(200, b"<html>" + b"y" * 300_000))
    opts = CheckOptions(allow_private=True, per_host_interval=0, max_bytes=50_000,
                        soft404_probe=False)
    with Checker(opts) as c:
        r = c.check("a", site.url("/big"))
    assert r.link_class is LinkClass.OK and r.body_size == 50_000 and r.body_truncated


def test_gzip_bomb_is_capped_after_decoding(site: LocalSite) -> None:
    bomb = gzip.compress(b"\0" * 50_000_000, compresslevel=9)  # ~50 kB on the wire
    site.route("/bomb", Reply(200, bomb, headers={"Content-Encoding": "gzip"},
                              content_type="text/plain"))
    opts = CheckOptions(allow_private=True, per_host_interval=0, max_bytes=1_000_000)
    with Checker(opts) as c:
        r = c.check("a", site.url("/bomb"))
    assert r.body_size == 1_000_000 and r.body_truncated


def test_refused_connection_is_transient() -> None:
    with LocalSite() as s:
        url = s.url("/a")
    with Checker(FAST) as c:
        r = c.check("a", url)
    assert r.link_class is LinkClass.TRANSIENT and r.error == "refused" and r.attempts == 4


class _ResetServer:
    """Sends headers and half the body, then resets the connection (RST)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                         b"Content-Length: 100000\r\n\r\n" + b"<html>" + b"z" * 5000)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()

    def close(self) -> None:
        self.sock.close()


def test_connection_reset_mid_body_is_transient() -> None:
    server = _ResetServer()
    try:
        with Checker(CheckOptions(allow_private=True, per_host_interval=0, retries=1,
                                  backoff=0.01)) as c:
            r = c.check("a", f"http://127.0.0.1:{server.port}/a")
    finally:
        server.close()
    assert r.link_class is LinkClass.TRANSIENT and r.error == "reset" and r.attempts == 2


def test_unresolvable_host_is_gone(monkeypatch: pytest.MonkeyPatch) -> None:
    """NXDOMAIN is an answer: the name does not exist. (getaddrinfo is faked: no real DNS.)"""
    real = socket.getaddrinfo

    def fake(host: object, *args: object, **kwargs: object) -> object:
        if host == "no-such-host.invalid":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    for allow in (True, False):  # resolved by the address guard, or by urllib3
        with Checker(CheckOptions(allow_private=allow, per_host_interval=0)) as c:
            r = c.check("a", "http://no-such-host.invalid/page")
        assert r.link_class is LinkClass.GONE and r.error == "dns" and r.attempts == 1


def test_dns_server_failure_is_transient(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake(host: object, *args: object, **kwargs: object) -> object:
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    with Checker(CheckOptions(per_host_interval=0, retries=0)) as c:
        r = c.check("a", "http://flaky-dns.example/page")
    assert r.link_class is LinkClass.TRANSIENT and r.error == "dns_failure"


# -- safety ----------------------------------------------------------------------


def test_private_address_is_refused_without_a_request(site: LocalSite) -> None:
    site.route("/a", Reply(200, ARTICLE))
    with Checker(CheckOptions(per_host_interval=0)) as c:
        r = c.check("a", site.url("/a"))
    assert r.link_class is LinkClass.INVALID and r.error == "private"
    assert "--allow-private" in (r.detail or "")
    assert site.hits("/a") == 0


def test_redirect_to_a_private_address_is_refused(site: LocalSite) -> None:
    """Only the start URL is trusted; its redirect to another loopback URL is refused."""
    site.route("/start", Reply(302, "", headers={"Location": "/secret"}))
    site.route("/secret", Reply(200, "internal"))
    client = HttpClient(trusted_prefixes=(site.url("/start"),))
    try:
        with Checker(CheckOptions(per_host_interval=0), client=client) as c:
            r = c.check("a", site.url("/start"))
    finally:
        client.close()
    assert r.link_class is LinkClass.INVALID and r.error == "private"
    assert len(r.redirects) == 1 and r.final_url == site.url("/secret")
    assert site.hits("/secret") == 0


def test_tls_error(tmp_path: Path) -> None:
    """A self-signed certificate fails verification: class tls_error, not retried."""
    crypto = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = crypto.Name([crypto.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (crypto.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))
    (tmp_path / "c.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "k.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "c.pem", tmp_path / "k.pem")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with Checker(FAST) as c:
            r = c.check("a", f"https://127.0.0.1:{server.server_address[1]}/")
    finally:
        server.shutdown()
        server.server_close()
    assert r.link_class is LinkClass.TLS_ERROR and r.error == "tls" and r.attempts == 1


def test_canary(site: LocalSite, checker: Checker) -> None:
    site.route("/up", Reply(200, "up"))
    assert checker.canary(site.url("/up")) is None
    assert "HTTP 404" in (checker.canary(site.url("/down")) or "")
    with LocalSite() as gone:
        url = gone.url("/")
    assert "failed" in (checker.canary(url) or "")



def test_deadlines_fire_and_cancelled_ones_do_not() -> None:
    """net's shared deadline thread: a cancelled deadline must not shut a socket that
    went back to the connection pool; a live one must shut its socket on time."""
    from archiver.net.deadline import _Watchdog

    kept_a, kept_b = socket.socketpair()
    cut_a, cut_b = socket.socketpair()
    try:
        cancelled, live = _Watchdog(0.1), _Watchdog(0.15)
        cancelled.add(kept_a)
        live.add(cut_a)
        cancelled.start()
        live.start()
        cancelled.cancel()
        time.sleep(0.4)
        assert live.fired and not cancelled.fired
        kept_b.sendall(b"still open")
        assert kept_a.recv(16) == b"still open"
        assert cut_a.recv(16) == b""  # shut down: end of stream
    finally:
        for sock in (kept_a, kept_b, cut_a, cut_b):
            sock.close()
