"""A live capture of a chunked answer passes ``archiver fixity``: one reader of chunked framing.

``archiver capture`` digests the payload of a chunked response with the
chunked reader of :mod:`archiver.net.chunked`; ``archiver fixity`` must read the
stored body the same way, or it reports a payload-digest mismatch the writer
never made: chunk lines ending in a bare LF (RFC 9112 §2.2 lets a recipient
accept them), and a body cut at the size cap in the middle of a chunk
(``WARC-Truncated: length``). A changed payload byte is still caught.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from archiver.cli import cli
from archiver.fetch.capture import capture_sources
from archiver.models import CaptureOutcome, Source
from archiver.store.live import read_live_ledger
from tests.support.pywb_archive import write_manifest
from tests.test_capture import RawSite, client, head, manifest, no_proxy_env, records

__all__ = ["no_proxy_env"]  # the autouse fixture, imported to apply here too

TEXT = b"<html><body><p>The harbour will reopen on Monday, the mayor said.</p></body></html>"
BIG = b"<html><body>" + b"<p>harbour</p>" * 1000 + b"</body></html>"
CAP = 6000


def bare_lf_chunked(data: bytes, size: int) -> bytes:
    """``data`` in chunked framing whose every line ends in a bare LF."""
    out = b""
    for i in range(0, len(data), size):
        part = data[i:i + size]
        out += b"%x\n%s\n" % (len(part), part)
    return out + b"0\n\n"


def crlf_chunked(data: bytes, size: int) -> bytes:
    out = b""
    for i in range(0, len(data), size):
        part = data[i:i + size]
        out += b"%x\r\n%s\r\n" % (len(part), part)
    return out + b"0\r\n\r\n"


CHUNKED = head("200 OK", [("Content-Type", "text/html"), ("Transfer-Encoding", "chunked")])
WIRE = {
    "/lf": CHUNKED + bare_lf_chunked(TEXT, 20),
    # chunks of 4096 bytes: the cap (6000 bytes of body) falls inside the second
    "/cut": CHUNKED + crlf_chunked(BIG, 4096),
}


@pytest.fixture
def site() -> Iterator[RawSite]:
    with RawSite(WIRE) as server:
        yield server


def fixity(warcs: Path, db: Path) -> Result:
    return CliRunner().invoke(cli, ["fixity", "--warcs", str(warcs), "--db", str(db),
                                    "--no-progress"])


def flip_payload_byte(warcs: Path, marker: bytes) -> None:
    """Flip one byte of ``marker`` in the stored response's payload, its gzip member
    recompressed (so only the record's digests can tell)."""
    (entry,) = read_live_ledger(warcs)
    path = warcs / entry.warc_file
    data = path.read_bytes()
    assert entry.warc_length is not None
    start, end = entry.warc_offset, entry.warc_offset + entry.warc_length
    record = bytearray(zlib.decompress(data[start:end], 16 + zlib.MAX_WBITS))
    at = record.index(marker)
    record[at] ^= 0x20
    packer = zlib.compressobj(6, zlib.DEFLATED, zlib.MAX_WBITS + 16)
    member = packer.compress(bytes(record)) + packer.flush()
    path.write_bytes(data[:start] + member + data[end:])


def test_a_capture_with_bare_lf_chunk_lines_passes_fixity(tmp_path: Path, site: RawSite) -> None:
    path = write_manifest(tmp_path / "m.toml", [
        Source(id="lf", url=site.url("/lf"), publisher="P", title="T",
               published=date(2014, 10, 15), language="en")])
    warcs = tmp_path / "w"
    res = CliRunner().invoke(cli, ["capture", str(path), "--warcs", str(warcs),
                                    "--allow-private", "--no-progress"])
    assert res.exit_code == 0, res.output
    (block,) = [b for t, _, b in records(warcs) if t == "response"]
    assert block.endswith(bare_lf_chunked(TEXT, 20))  # stored as sent

    checked = fixity(warcs, tmp_path / "h.db")
    assert checked.exit_code == 0, checked.output

    flip_payload_byte(warcs, b"<body>")  # inside the first chunk
    damaged = fixity(warcs, tmp_path / "h2.db")
    assert damaged.exit_code == 1, damaged.output
    assert "WARC-Payload-Digest" in damaged.output


def test_a_capture_cut_at_the_cap_mid_chunk_passes_fixity(tmp_path: Path, site: RawSite) -> None:
    warcs = tmp_path / "w"
    run = capture_sources(manifest(tmp_path, {"cut": site.url("/cut")}), warcs_dir=warcs,
                          client=client(), max_bytes=CAP)
    (result,) = run.results
    assert result.outcome is CaptureOutcome.STORED
    assert result.detail is not None and "WARC-Truncated" in result.detail
    ((_, headers, block),) = [r for r in records(warcs) if r[0] == "response"]
    assert headers.get_header("WARC-Truncated") == "length"
    assert block == WIRE["/cut"][:len(CHUNKED) + CAP]  # cut inside the second chunk

    checked = fixity(warcs, tmp_path / "h.db")
    assert checked.exit_code == 0, checked.output

    flip_payload_byte(warcs, b"harbour")
    damaged = fixity(warcs, tmp_path / "h2.db")
    assert damaged.exit_code == 1, damaged.output
    assert "WARC-Payload-Digest" in damaged.output
