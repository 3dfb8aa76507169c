"""``archiver fixity``: every record's digests, the ledger and earlier checks, compared.

Stores are written by :class:`archiver.store.WarcStore` exactly as ``fetch``
writes them (sha1 base32 digests by warcio, our ``sha256:`` ledger fields), plus
files written by warcio alone, a chunked response, and uncompressed WARCs.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Sequence
from datetime import UTC, date, datetime
from io import BytesIO
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archiver.cli import cli
from archiver.history import History
from archiver.models import FixityOutcome
from archiver.net.chunked import dechunk
from archiver.report import serialize
from archiver.store import LEDGER_NAME, Memento, Selection, WarcInfo, WarcStore
from archiver.store.fixity import check_file, check_folder, digest_matches
from archiver.store.ledger import read_ledger
from tests.support.pywb_archive import Page, source, write_pages_warc

WHEN = datetime(2014, 10, 15, 12, 34, 56, tzinfo=UTC)


def page(n: int) -> bytes:
    return (f"<html><head><title>Story {n}</title></head><body>"
            + f"<p>Paragraph {n} of a long story about the harbour.</p>" * 40
            + "</body></html>").encode()


def store_with(folder: Path, sources: Sequence[tuple[str, str]]) -> list[str]:
    """A WARC folder holding one stored capture per (source id, URL), as fetch stores
    them; returns the WARC file names."""
    names = []
    with WarcStore(folder, info=WarcInfo(manifest_id="m")) as store:
        for n, (sid, url) in enumerate(sources):
            src = source(sid, url, date(2014, 10, 15))
            body = page(n)
            memento = Memento(
                uri_r=url, memento_url=f"https://web.archive.org/web/20141015123456id_/{url}",
                memento_datetime=WHEN, datetime_raw="Wed, 15 Oct 2014 12:34:56 GMT",
                status=200, reason="OK",
                header_list=(("Content-Type", "text/html; charset=utf-8"),
                             ("Memento-Datetime", "Wed, 15 Oct 2014 12:34:56 GMT"),
                             ("Content-Length", str(len(body)))),
                body=body, request_headers=(("User-Agent", "test"),), fetched_at=WHEN)
            selection = Selection(manifest_id="m", source=src, archive="https://web.archive.org/web/",
                                  rule="after_publication", distance_days=0.5,
                                  pre_publication=False)
            names.append(store.write_capture(selection, memento).warc_file)
    return names


def fixity(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, ["fixity", *(str(a) for a in args), "--no-progress"])


def flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


# --------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------


def test_a_clean_store_passes_and_the_events_are_recorded(tmp_path: Path) -> None:
    warcs = tmp_path / "warcs"
    names = store_with(warcs, [("a", "http://news.example/a"), ("b", "http://news.example/b")])
    result = fixity("--warcs", warcs, "--db", tmp_path / "h.db")
    assert result.exit_code == 0, result.output
    assert "2 ok" in result.stdout
    with History(tmp_path / "h.db") as history:
        events = history.fixity_events()
    assert sorted(e.result.file for e in events) == sorted(names)
    assert all(e.result.outcome is FixityOutcome.OK and e.result.records == 4
               and e.result.digests_checked >= 6 and e.result.ledger_checked == 1
               and e.result.tool == "archiver fixity" and e.result.tool_version
               and e.result.sha256 for e in events)
    shown = CliRunner().invoke(cli, ["history", "--db", str(tmp_path / "h.db"), "--fixity"])
    assert shown.exit_code == 0 and names[0] in shown.stdout and " ok " in shown.stdout


def test_one_flipped_byte_in_a_stored_record_is_named(tmp_path: Path) -> None:
    warcs = tmp_path / "warcs"
    [name] = store_with(warcs, [("a", "http://news.example/a")])
    [entry], _ = read_ledger(warcs / LEDGER_NAME)
    assert entry.warc_length is not None
    flip(warcs / name, entry.warc_offset + entry.warc_length // 2)
    result = fixity("--warcs", warcs, "--db", tmp_path / "h.db", "--format", "json")
    assert result.exit_code == 1
    [file] = json.loads(result.stdout)["results"]
    assert file["outcome"] == "mismatch"
    assert name in result.stderr and f"offset {entry.warc_offset}" in result.stderr
    assert entry.record_id in result.stderr
    assert file["problems"][0]["record_id"] == entry.record_id
    with History(tmp_path / "h.db") as history:
        [event] = history.fixity_events()
    assert event.result.outcome is FixityOutcome.MISMATCH


def member_starts(data: bytes) -> list[int]:
    starts, pos = [], 0
    while pos < len(data):
        starts.append(pos)
        inflater = zlib.decompressobj(31)
        inflater.decompress(data[pos:])
        pos = len(data) - len(inflater.unused_data)
    return starts


def test_every_single_byte_flip_of_a_file_is_caught(tmp_path: Path) -> None:
    """Record bytes by their digests and gzip CRCs; the few gzip header bytes no CRC
    covers (FLG's FTEXT bit, MTIME, XFL, OS: RFC 1952 §2.3.1) by the file digest of
    the last clean check."""
    warcs = tmp_path / "warcs"
    [name] = store_with(warcs, [("a", "http://news.example/a")])
    path = warcs / name
    good = path.read_bytes()
    clean = check_file(path, name)
    assert clean.outcome is FixityOutcome.OK
    uncovered = {start + k for start in member_starts(good) for k in range(3, 10)}
    missed = []
    for offset in range(len(good)):
        flip(path, offset)
        if not check_file(path, name).outcome.is_failure:
            missed.append(offset)
        assert check_file(path, name, last_good=clean).outcome.is_failure, offset
        path.write_bytes(good)
    assert missed and set(missed) <= uncovered
    flip(path, 4)  # MTIME
    changed = check_file(path, name, last_good=clean)
    assert changed.outcome is FixityOutcome.MISMATCH
    assert "the file changed" in changed.problems[0].detail


def test_a_truncated_file_exits_1(tmp_path: Path) -> None:
    warcs = tmp_path / "warcs"
    [name] = store_with(warcs, [("a", "http://news.example/a")])
    path = warcs / name
    path.write_bytes(path.read_bytes()[:-100])
    result = fixity("--warcs", warcs, "--db", tmp_path / "h.db")
    assert result.exit_code == 1 and "truncated" in result.stdout
    assert name in result.stdout


def test_a_file_cut_at_a_record_boundary_is_caught_by_the_last_check(tmp_path: Path) -> None:
    warcs = tmp_path / "warcs"
    [name] = store_with(warcs, [("a", "http://news.example/a")])
    assert fixity("--warcs", warcs, "--db", tmp_path / "h.db").exit_code == 0
    path = warcs / name
    data = path.read_bytes()
    last_member = data.rfind(b"\x1f\x8b\x08")
    path.write_bytes(data[:last_member])  # the request record, whole, is gone
    assert check_file(path, name).outcome is FixityOutcome.OK  # structurally fine ...
    result = fixity("--warcs", warcs, "--db", tmp_path / "h.db")
    assert result.exit_code == 1 and "the file was cut" in result.stdout  # ... but shorter


def test_the_ledger_is_compared_with_the_files(tmp_path: Path) -> None:
    warcs = tmp_path / "warcs"
    names = store_with(warcs, [("a", "http://news.example/a"), ("b", "http://news.example/b")])
    ledger = warcs / LEDGER_NAME
    lines = ledger.read_text().splitlines()
    first = json.loads(lines[0])
    first["payload_sha256"] = "sha256:" + "0" * 64
    ledger.write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n")
    (warcs / names[1]).unlink()
    run = check_folder(warcs)
    by_file = {r.file: r for r in run.results}
    assert by_file[names[0]].outcome is FixityOutcome.MISMATCH
    assert "ledger" in by_file[names[0]].problems[0].detail
    assert by_file[names[1]].outcome is FixityOutcome.UNREADABLE
    assert "which is gone" in by_file[names[1]].problems[0].detail


def test_a_manifest_names_its_store_and_database(tmp_path: Path) -> None:
    from tests.support.pywb_archive import write_manifest

    project = tmp_path / "project"
    project.mkdir()
    manifest = write_manifest(project / "m.toml",
                              [source("a", "http://news.example/a", "2014-10-15")], "m")
    store_with(project / "warcs", [("a", "http://news.example/a")])
    result = fixity(manifest)
    assert result.exit_code == 0, result.output
    assert (project / ".archiver" / "history.sqlite3").exists()
    assert fixity(tmp_path / "nothing.toml").exit_code == 3
    assert fixity("--warcs", tmp_path / "absent").exit_code == 3
    assert CliRunner().invoke(cli, ["fixity"]).exit_code == 2


# --------------------------------------------------------------------------
# Digests of other writers
# --------------------------------------------------------------------------


def test_warcio_files_and_uncompressed_warcs(tmp_path: Path) -> None:
    pages = [Page("http://x.example/a", "2014-10-15T00:00:00Z", page(1)),
             Page("http://x.example/b", "2014-10-15T00:00:00Z", page(2))]
    gz = write_pages_warc(tmp_path / "a.warc.gz", pages)
    assert check_file(gz, "a.warc.gz").outcome is FixityOutcome.OK
    plain = tmp_path / "p.warc"
    plain.write_bytes(gzip.decompress(gz.read_bytes()))
    ok = check_file(plain, "p.warc")
    assert ok.outcome is FixityOutcome.OK and ok.records == 4 and ok.digests_checked == 8
    data = bytearray(plain.read_bytes())
    data[data.find(b"Paragraph 2")] ^= 0x20
    plain.write_bytes(bytes(data))
    bad = check_file(plain, "p.warc")
    assert bad.outcome is FixityOutcome.MISMATCH
    kinds = {p.kind for p in bad.problems}
    assert kinds == {"block_digest", "payload_digest"}
    assert all(p.record_id and p.record_id.startswith("<urn:uuid:") for p in bad.problems)


def chunked_warc(path: Path, payload_digest_of: str) -> None:
    """A response kept with its chunked framing, its payload digest over the framed
    body (warcio's way) or the dechunked one (WARC 1.1's)."""
    body = b"<html>hello</html>"
    framed = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True, warc_version="1.1")
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html"),
                                           ("Transfer-Encoding", "chunked")],
                                protocol="HTTP/1.1")
        record = writer.create_warc_record("http://x.example/", "response",
                                           payload=BytesIO(framed), length=len(framed),
                                           http_headers=http)
        if payload_digest_of == "dechunked":
            import base64
            import hashlib

            record.rec_headers.replace_header(
                "WARC-Payload-Digest",
                "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode())
        writer.write_record(record)


@pytest.mark.parametrize("form", ["framed", "dechunked"])
def test_a_chunked_response_matches_either_payload_digest(tmp_path: Path, form: str) -> None:
    path = tmp_path / "c.warc.gz"
    chunked_warc(path, form)
    assert check_file(path, "c.warc.gz").outcome is FixityOutcome.OK


def test_digest_labels_and_dechunking() -> None:
    assert digest_matches("sha1:VL2MMHO4YXUKFWV63YHTWSBM3GXKSQ2N", [b"hello"]) is True
    assert digest_matches("sha256:" + "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362"
                          "938b9824", [b"hello"]) is True
    assert digest_matches("sha1:AAAA", [b"hello"]) is False
    assert digest_matches("crc99:xyz", [b"hello"]) is None
    assert dechunk(b"5\r\nhello\r\n0\r\n\r\n") == (b"hello", True)
    assert dechunk(b"5\nhello\n0\n\n") == (b"hello", True)  # bare LFs tolerated
    assert dechunk(b"5\r\nhel") == (b"hel", False)  # cut: the data kept
    assert dechunk(b"zz\r\n") == (b"", False)


def test_a_damaged_gzip_member_names_the_record_from_what_could_be_read(
        tmp_path: Path) -> None:
    gz = write_pages_warc(tmp_path / "a.warc.gz", [
        Page("http://x.example/a", "2014-10-15T00:00:00Z", page(1))])
    data = bytearray(gz.read_bytes())
    data[len(data) // 3] ^= 0xFF
    gz.write_bytes(bytes(data))
    result = check_file(gz, "a.warc.gz")
    assert result.outcome is FixityOutcome.MISMATCH
    [problem] = result.problems
    assert problem.kind == "damaged" and problem.offset == 0
    assert problem.record_id is not None and problem.record_id.startswith("<urn:uuid:")


def test_fixity_outputs_validate_against_their_schemas(tmp_path: Path) -> None:
    from archiver import schemas
    from tests.test_schemas import csv_header, result_record, validate

    warcs = tmp_path / "warcs"
    [name] = store_with(warcs, [("a", "http://news.example/a")])
    flip(warcs / name, 40)
    result = fixity("--warcs", warcs, "--db", tmp_path / "h.db", "--format", "json")
    validate("fixity", json.loads(result.stdout))
    lines = fixity("--warcs", warcs, "--db", tmp_path / "h.db", "--format",
                   "jsonl").stdout.splitlines()
    validate("fixity", json.loads(lines[0]), "#/$defs/result")
    validate("fixity", json.loads(lines[-1]), "#/$defs/run_line")
    assert list(serialize.FIXITY_COLUMNS) == csv_header(*result_record("fixity"))
    history = CliRunner().invoke(cli, ["history", "--db", str(tmp_path / "h.db"), "--fixity",
                                       "--format", "json"])
    validate("history-fixity", json.loads(history.stdout))
    enum = schemas.load("fixity")["$defs"]["fixity_outcome"]["enum"]
    assert enum == [o.value for o in FixityOutcome]
