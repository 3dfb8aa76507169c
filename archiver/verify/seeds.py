"""Where in a page a quote can align: exact seeds from a q-gram index, built once per layer.

The fuzzy tier aligns a quote's skeleton with edlib over the whole page
skeleton, which costs time in proportion to the page. Most quotes that align
at all share long exact runs with the page, so the alignment is run first only
on windows around those runs, and the result is kept only when it is
*certified* to be the one a whole-page alignment gives:

If the quote is cut into ``t`` non-overlapping pieces of :data:`SEED`
symbols, an occurrence with at most ``d`` edits leaves at least ``t - d`` of
them intact, because one edit touches at most one piece (the pigeonhole
argument of filtration for approximate matching: R. Baeza-Yates and
G. Navarro, "Faster approximate string matching", Algorithmica 23, 1999,
sect. 3; G. Navarro, "A guided tour to approximate string matching", ACM
Computing Surveys 33(1), 2001, sect. 8). So once the windows give a best
distance ``d`` with ``t >= d + 1``, every occurrence at distance ``d`` or less
holds an intact piece, whose place in the page is a seed, and lies in that
seed's window: the windows found them all. Otherwise the caller aligns over
the whole page, as before.

The index is the page's q-grams sorted once (numpy ``argsort``), looked up by
binary search; built lazily, on the first quote that needs the fuzzy tier.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

#: Length of a seed (a q-gram of the encoded skeleton). Eight symbols are rarely
#: shared by chance in a page yet leave a 40-symbol quote five pieces.
SEED = 8
#: Seed hits beyond which windows are not worth it and the whole page is
#: aligned instead (a quote made of very common phrases). A bound on the work.
MAX_SEED_HITS = 4_000
#: Windows aligned before giving up on them for the whole page. A bound on the
#: work: one edlib call costs tens of microseconds before any alignment.
MAX_WINDOWS = 16


#: Candidate ranges closer than this are aligned as one: an edlib call costs
#: about as much as aligning a few thousand symbols (measured on this code's
#: benchmark, bench/bench_verify.py).
MERGE_GAP = 2048
#: q of the q-gram filter (:class:`QgramIndex`). With at most 20 % edits
#: (:data:`~archiver.verify.thresholds.MAX_EDIT_RATIO`) the q-gram lemma's
#: threshold m + 1 - (k + 1) q stays positive only for q <= 4.
QGRAM = 4


def _codes(data: npt.NDArray[np.uint8], q: int = SEED) -> npt.NDArray[np.uint64]:
    """The big-endian 64-bit code of every q-gram of ``data``."""
    n = len(data) - q + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint64)
    out = np.zeros(n, dtype=np.uint64)
    for i in range(q):
        out = (out << np.uint64(8)) | data[i:i + n].astype(np.uint64)
    return out


@dataclass(frozen=True)
class SeedIndex:
    """A layer's encoded skeleton's q-grams, sorted, with their positions (32-bit:
    a layer is far below 2 GB; 12 bytes per symbol in all)."""

    codes: npt.NDArray[np.uint64]  # sorted
    positions: npt.NDArray[np.int32]  # positions[i] is where codes[i] starts

    @classmethod
    def build(cls, encoded: bytes) -> SeedIndex:
        codes = _codes(np.frombuffer(encoded, dtype=np.uint8))
        order = np.argsort(codes)  # positions of equal codes are sorted by the callers
        return cls(codes[order], order.astype(np.int32))

    def starts(self, query: bytes) -> list[int]:
        """Where the query's first SEED symbols occur, ascending (candidates for an
        exact occurrence of the whole query, to be checked)."""
        if len(query) < SEED or len(self.codes) == 0:
            return []
        code = _codes(np.frombuffer(query[:SEED], dtype=np.uint8))
        lo, hi = np.searchsorted(self.codes, code, side="left"), np.searchsorted(
            self.codes, code, side="right")
        return sorted(self.positions[int(lo[0]):int(hi[0])].tolist())

    def diagonals(self, query: bytes, limit: int | None = MAX_SEED_HITS,
                  step: int = SEED) -> npt.NDArray[np.int64] | None:
        """Where the quote would start in the page for each intact piece found
        (page position minus the piece's offset in the quote), sorted, one per
        piece found; None when there are more than ``limit``. Pieces start every
        ``step`` symbols (SEED: non-overlapping, as the certification needs)."""
        if len(query) < SEED or len(self.codes) == 0:
            return np.zeros(0, dtype=np.int64)
        offsets = np.arange(0, len(query) - SEED + 1, step, dtype=np.int64)
        qcodes = _codes(np.frombuffer(query, dtype=np.uint8))[offsets]
        lo = np.searchsorted(self.codes, qcodes, side="left")
        hi = np.searchsorted(self.codes, qcodes, side="right")
        if limit is not None and int((hi - lo).sum()) > limit:
            return None
        parts = [self.positions[a:b].astype(np.int64) - off
                 for a, b, off in zip(lo.tolist(), hi.tolist(), offsets.tolist(), strict=True)
                 if b > a]
        if not parts:
            return np.zeros(0, dtype=np.int64)
        return np.sort(np.concatenate(parts))


@dataclass(frozen=True)
class QgramIndex:
    """A layer's encoded skeleton's :data:`QGRAM`-grams, sorted, for the q-gram
    filter of :meth:`candidates`."""

    codes: npt.NDArray[np.uint32]  # sorted
    positions: npt.NDArray[np.int32]
    size: int

    @classmethod
    def build(cls, encoded: bytes) -> QgramIndex:
        codes = _codes(np.frombuffer(encoded, dtype=np.uint8), QGRAM).astype(np.uint32)
        order = np.argsort(codes)  # positions of equal codes are sorted by the callers
        return cls(codes[order], order.astype(np.int32), len(encoded))

    def candidates(self, query: bytes, k: int) -> list[tuple[int, int]] | None:
        """The page ranges that can hold an occurrence of ``query`` within ``k``
        edits; every other place is ruled out. None: the filter rules out too
        little to be worth it (align over the whole page).

        The q-gram lemma (E. Ukkonen, "Approximate string-matching with
        q-grams and maximal matches", Theor. Comput. Sci. 92, 1992; P. Jokinen
        and E. Ukkonen, MFCS 1991): an occurrence within k edits shares at
        least m + 1 - (k + 1) q of the query's q-grams, and each shared one
        lies on a diagonal (page position minus query position) within k of
        the occurrence's start, so all of them fall in two neighbouring
        diagonal bands of width 2k + 1 (the parallelogram counting of SWIFT:
        K. R. Rasmussen, J. Stoye and E. W. Myers, "Efficient q-gram filters
        for finding all epsilon-matches over a given length", J. Comput. Biol.
        13(2), 2006).
        """
        m = len(query)
        threshold = m + 1 - (k + 1) * QGRAM
        if threshold <= 0 or m < QGRAM:
            return None
        qcodes = _codes(np.frombuffer(query, dtype=np.uint8), QGRAM).astype(np.uint32)
        lo = np.searchsorted(self.codes, qcodes, side="left")
        hi = np.searchsorted(self.codes, qcodes, side="right")
        lengths = hi - lo
        total = int(lengths.sum())
        if total == 0:
            return []
        # Every (query position, page position) pair of an equal q-gram, as a
        # diagonal, without a Python loop over the query.
        firsts = np.cumsum(lengths) - lengths
        flat = np.arange(total, dtype=np.int64) + np.repeat(lo - firsts, lengths)
        offsets = np.repeat(np.arange(len(qcodes)), lengths)
        diagonal = self.positions[flat].astype(np.int64) - offsets + m
        band = 2 * k + 1
        counts = np.bincount(diagonal // band, minlength=(self.size + m) // band + 2)
        pair = counts[:-1] + counts[1:]
        bands = np.flatnonzero(pair >= threshold)
        if len(bands) * 2 * band > self.size // 4:
            return None
        margin = 3 * k + 1
        out: list[tuple[int, int]] = []
        for b in bands.tolist():
            a = max(0, b * band - m - margin)
            z = min(self.size, (b + 2) * band + margin)
            if out and a <= out[-1][1] + MERGE_GAP:
                out[-1] = (out[-1][0], max(out[-1][1], z))
            else:
                out.append((a, z))
        return out


def windows(diagonals: npt.NDArray[np.int64], length: int, margin: int,
            size: int) -> list[tuple[int, int, int]]:
    """The page ranges [a, z) around the sorted ``diagonals`` (``margin`` before,
    the quote's ``length`` plus ``margin`` after), overlapping ones merged and
    clipped to ``size``, each with how many diagonals it holds; most first."""
    if len(diagonals) == 0:
        return []
    breaks = np.flatnonzero(np.diff(diagonals) > length + 2 * margin)
    first = np.concatenate(([0], breaks + 1))
    last = np.concatenate((breaks, [len(diagonals) - 1]))
    starts = np.maximum(diagonals[first] - margin, 0)
    ends = np.minimum(diagonals[last] + length + margin, size)
    held = last - first + 1
    order = np.argsort(-held, kind="stable")
    return list(zip(starts[order].tolist(), ends[order].tolist(), held[order].tolist(),
                    strict=True))


def votes(diagonals_with_repeats: npt.NDArray[np.int64], band: int,
          top: int) -> list[int]:
    """The ``top`` most-voted diagonal bands (of width ``band``), best first, as the
    first diagonal of each: where the page shares most pieces with the quote."""
    if len(diagonals_with_repeats) == 0:
        return []
    buckets = diagonals_with_repeats // band
    keys, counts = np.unique(buckets, return_counts=True)
    best = np.argsort(-counts, kind="stable")[:top]
    out = []
    for i in best.tolist():
        inside = diagonals_with_repeats[buckets == keys[i]]
        out.append(int(inside.min()))
    return out


__all__ = ["MAX_SEED_HITS", "MAX_WINDOWS", "QGRAM", "SEED", "QgramIndex", "SeedIndex", "votes",
           "windows"]
