"""The one reader of HTTP/1.1 chunked framing (RFC 9112 §7.1), for the wire and for WARC files.

``archiver capture`` (:mod:`archiver.net.raw`) reads a chunked body with it as
the body arrives and digests the data it yields as the record's
``WARC-Payload-Digest`` (WARC 1.1 §5.9, §6.3.2: the payload is the body with
the transfer coding removed); ``archiver fixity`` (:mod:`archiver.store.fixity`)
reads the stored body with the same reader, so the two can never disagree on
what the payload of a chunked response is.

The reading is the tolerant one RFC 9112 §2.2 allows a recipient ("MAY
recognize a single LF as a line terminator and ignore any preceding CR"): a
chunk-size line or the line ending a chunk's data may end in a bare LF. A body
cut short (at the size cap, or by a dropped connection) yields the data of every
chunk received, the one cut short included; a body whose framing is damaged
yields the data of the chunks before the damage. :func:`dechunk` says whether
the body was complete (the last chunk and the trailer section all there).

Fixity stays strict where it matters: the data is a function of the stored
bytes, so any change to a chunk's data changes the payload, and the block
digest covers every byte of the framing.
"""

from __future__ import annotations

__all__ = ["ChunkScanner", "dechunk"]


class ChunkScanner:
    """Reads a chunked body (RFC 9112 §7.1) as it arrives, keeping the chunk data.

    Call :meth:`feed` with the whole body received so far (it grows between
    calls); :attr:`done` when the last chunk and the trailer section were read
    (:attr:`pos` is then the end of the message), :attr:`bad` when the framing is
    damaged.
    """

    def __init__(self) -> None:
        self.pos = 0  # bytes of the body consumed so far
        self.parts: list[bytes] = []
        self.done = False
        self.bad = False
        self._in_trailer = False

    def feed(self, body: bytes | bytearray) -> None:
        while not self.done and not self.bad:
            end = body.find(b"\n", self.pos)
            if end < 0:
                return
            line = bytes(body[self.pos:end]).rstrip(b"\r")
            if self._in_trailer:
                self.pos = end + 1
                if not line:
                    self.done = True
                continue
            size = _chunk_size(line)
            if size is None:
                self.bad = True
                return
            if size == 0:
                self.pos = end + 1
                self._in_trailer = True
                continue
            start = end + 1
            if len(body) < start + size:
                return
            self.parts.append(bytes(body[start:start + size]))
            after = start + size
            # each chunk's data ends with CRLF (a bare LF tolerated)
            if body[after:after + 2] == b"\r\n":
                self.pos = after + 2
            elif body[after:after + 1] == b"\n":
                self.pos = after + 1
            elif len(body) < after + 2:
                return
            else:
                self.bad = True
                return

    def partial(self, body: bytes | bytearray) -> bytes:
        """The data of every chunk received, the one cut short included."""
        data = b"".join(self.parts)
        if self.done or self.bad:
            return data
        end = body.find(b"\n", self.pos)
        if end < 0:
            return data
        size = _chunk_size(bytes(body[self.pos:end]).rstrip(b"\r"))
        if size is None:
            return data
        return data + bytes(body[end + 1:end + 1 + size])


def _chunk_size(line: bytes) -> int | None:
    """The chunk-size of a chunk-size line (its chunk extensions ignored), or None."""
    try:
        size = int(line.split(b";", 1)[0].strip(), 16)
    except ValueError:
        return None
    return size if size >= 0 else None


def dechunk(body: bytes) -> tuple[bytes, bool]:
    """(data, complete) of a chunked body: the chunk data joined (see the module
    docstring for a cut or damaged body), and whether the last chunk and the
    trailer section were all there."""
    scanner = ChunkScanner()
    scanner.feed(body)
    if scanner.done:
        return b"".join(scanner.parts), True
    return scanner.partial(body), False
