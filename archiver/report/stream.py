"""A check run's JSON Lines or CSV written as its results come, put back in manifest order.

:class:`CheckLinesSpool` is a :class:`~archiver.pipeline.ResultSink`: each result
is serialised (:func:`~archiver.report.serialize.link_line`, or a CSV row) the
moment the pipeline hands it over, while other checks wait on the network, and
appended to a temporary spool file; only its offset is kept, by manifest
position (16 bytes a source). :meth:`CheckLinesSpool.lines` then reads the lines
back in manifest order, so the output is the very text
:func:`~archiver.report.serialize.check_jsonl` (or the CSV format) gives for the
whole run, without the run's results ever being held together.
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Iterator, Mapping
from dataclasses import replace

from archiver.durable import spool_error, spool_file
from archiver.failon import FailOn
from archiver.models import CheckRun, LinkResult
from archiver.report import serialize
from archiver.report.serialize import (
    LinkTally,
    check_run_line,
    csv_header,
    csv_line,
    link_line,
    link_result,
)

#: How much of the spool one read takes when lines lie in order (bytes).
READ_CHUNK = 1 << 20
# Lines are stored as UTF-8 with lone surrogates passed through, and read back
# the same way: the text that comes out is the text that went in.
_CODEC = ("utf-8", "surrogatepass")
_WHAT = "the check's output"
#: The formats a check run can be streamed in.
STREAMED_FORMATS = ("jsonl", "csv")


class CheckLinesSpool:
    """The lines of one check run, spooled; a :class:`~archiver.pipeline.ResultSink`.

    ``sources`` is the number of positions (the manifest's sources), or a first
    guess when they are not known yet (a manifest still being read): a result
    at a later position makes room for it;
    ``locations`` (a check of documents) gives each result its ``file:line``
    places by source id; ``fmt`` is ``jsonl`` (a line per result, then the
    ``run`` line) or ``csv`` (the header, then a row per result). Use as a
    context manager, or :meth:`close` it.
    """

    def __init__(self, sources: int, policy: FailOn | None = None,
                 locations: Mapping[str, tuple[str, ...]] | None = None,
                 fmt: str = "jsonl") -> None:
        if fmt not in STREAMED_FORMATS:
            raise ValueError(f"a check run is streamed as {' or '.join(STREAMED_FORMATS)}, "
                             f"not {fmt!r}")
        self.fmt = fmt
        self.tally = LinkTally(policy)
        self._locations = locations
        self._file = spool_file(_WHAT)
        self._size = sources
        self._offsets = array("q", [-1]) * sources
        self._lengths = array("l", [0]) * sources
        self._end = 0

    def __enter__(self) -> CheckLinesSpool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._file.close()

    def add(self, position: int, result: LinkResult) -> None:
        """Spool ``result``, the result of the source at ``position``."""
        if self._locations is not None:
            result = replace(result, locations=self._locations.get(result.source_id, ()))
        line = (link_line(result) if self.fmt == "jsonl"
                else csv_line(serialize.CHECK_COLUMNS, link_result(result)))
        data = line.encode(*_CODEC)
        try:
            self._file.write(data)
        except OSError as err:
            raise spool_error(err, _WHAT) from err
        if position >= self._size:
            self._grow(position + 1)
        self._offsets[position] = self._end
        self._lengths[position] = len(data)
        self._end += len(data)
        self.tally.add(result, position)

    def _grow(self, size: int) -> None:
        """Room for ``size`` positions (the arrays doubled at least: amortised)."""
        have = len(self._offsets)
        if size > have:
            room = max(size, 2 * have)
            self._offsets.extend(array("q", [-1]) * (room - have))
            self._lengths.extend(array("l", [0]) * (room - have))
        self._size = size

    def replace(self, position: int, before: LinkResult, after: LinkResult) -> None:
        """The result added for ``position``, ``before``, is now ``after``.

        The new line is spooled and the old one left unread.
        """
        if position >= self._size or self._offsets[position] < 0:
            raise RuntimeError(f"check spool: source #{position} has no result to replace")
        self.tally.remove(before, position)  # counts by class and state: locations do not count
        self.add(position, after)

    def lines(self, run: CheckRun) -> Iterator[str]:
        """Every result's line in manifest order, with the format's first or last line
        (the CSV header; the ``run`` line of ``run``).

        Lines that lie one after the other in the spool are read together.
        Raises :class:`RuntimeError` if a position got no result (a bug).
        """
        try:
            self._file.flush()
        except OSError as err:
            raise spool_error(err, _WHAT) from err
        fd = self._file.fileno()
        if self.fmt == "csv":
            yield csv_header(serialize.CHECK_COLUMNS)
        start = end = 0
        for position in range(self._size):
            offset = self._offsets[position]
            if offset < 0:
                raise RuntimeError(f"check spool: no result for source #{position}")
            if offset != end or end - start >= READ_CHUNK:
                if end > start:
                    yield os.pread(fd, end - start, start).decode(*_CODEC)
                start = offset
            end = offset + self._lengths[position]
        if end > start:
            yield os.pread(fd, end - start, start).decode(*_CODEC)
        if self.fmt == "jsonl":
            yield check_run_line(run, self.tally.policy, self.tally)
