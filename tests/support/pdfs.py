"""Tiny PDFs written by hand for tests: text pages, an image-only "scan", odd ones.

Just enough of ISO 32000-1 for pypdf (and any reader) to open them: a header
(§7.5.2), numbered objects, a cross-reference table with each object's byte
offset (§7.5.4) and a trailer (§7.5.5). Text is drawn with the standard
Helvetica font (§9.6.2.2), one ``Tj`` per line, each line moved down by ``Td``
so that readers see line breaks where the test put them.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence


def _escape(text: str) -> bytes:
    raw = text.encode("latin-1")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def build_pdf(objects: Sequence[bytes]) -> bytes:
    """A PDF of ``objects`` (object 1 is the catalog), with a correct xref table."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += (b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objects) + 1, xref))
    return bytes(out)


def _stream(data: bytes, extra: bytes = b"", compress: bool = False) -> bytes:
    if compress:
        data = zlib.compress(data)
        extra += b" /Filter /FlateDecode"
    return b"<< /Length %d%s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def text_pdf(pages: Sequence[Sequence[str]]) -> bytes:
    """A PDF with one page per item of ``pages``, each a list of lines."""
    n = len(pages)
    # objects: 1 catalog, 2 pages, 3 font, then (page, content) per page
    kids = b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(n))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, n),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
               b"/Encoding /WinAnsiEncoding >>"]
    for i, lines in enumerate(pages):
        ops = [b"BT /F1 12 Tf 14 TL 72 720 Td"]
        for line in lines:
            ops.append(b"(" + _escape(line) + b") Tj T*")
        ops.append(b"ET")
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                       b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>"
                       % (5 + 2 * i))
        objects.append(_stream(b"\n".join(ops)))
    return build_pdf(objects)


def image_pdf() -> bytes:
    """A "scanned" page: one grey image drawn over the page, no text at all."""
    width = height = 16
    pixels = bytes((x * 16) % 256 for x in range(width * height))
    return build_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /XObject << /Im1 4 0 R >> >> /Contents 5 0 R >>",
        _stream(pixels, b" /Type /XObject /Subtype /Image /Width %d /Height %d "
                b"/ColorSpace /DeviceGray /BitsPerComponent 8" % (width, height)),
        _stream(b"q 612 0 0 792 0 0 cm /Im1 Do Q"),
    ])


def bomb_pdf(megabytes: int = 300) -> bytes:
    """A page whose content stream inflates to ``megabytes`` MB of spaces (a zip bomb)."""
    raw = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    data = b"".join(raw.compress(chunk) for _ in range(megabytes)) + raw.flush()
    return build_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data
        + b"\nendstream",
    ])


def slow_pdf(operators: int = 400_000) -> bytes:
    """A page with a huge number of tiny text operators: slow to extract."""
    body = b"BT /F1 12 Tf " + b"(a) Tj " * operators + b"ET"
    return build_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        _stream(body, compress=True),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ])
