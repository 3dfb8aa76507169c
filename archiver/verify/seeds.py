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


#: Candidate ranges closer than this are aligned as one (an edlib call has a
#: fixed cost). Tuned on this code's benchmark, bench/bench_verify.py.
MERGE_GAP = 256
#: The q-gram filter's bands of diagonals are this share of the 2k + 1
#: diagonals an occurrence's intact q-grams can spread over (finer bands rule
#: out more places but cost more to count), and at least MIN_BAND wide. Tuned
#: on this code's benchmark, bench/bench_verify.py.
BAND_SHARE = 4
MIN_BAND = 8
#: q of the q-gram filter (:class:`QgramIndex`). With at most 20 % edits
#: (:data:`~archiver.verify.thresholds.MAX_EDIT_RATIO`) the q-gram lemma's
#: threshold m + 1 - (k + 1) q stays positive only for q <= 4.
QGRAM = 4
#: The filter counts the query's q-grams at every QGRAM_STEP-th position only:
#: half the pairs to count, for a threshold (sampled - 2k, about 0.1 m) that
#: rules out about as much (measured on bench/bench_verify.py).
QGRAM_STEP = 2
#: Pairs (sampled query q-gram, equal page q-gram) beyond which the filter
#: gives up and the whole page is aligned: a bound on its memory (about 20 bytes
#: a pair) for pages made of one repeated pattern. A bound on the work; about
#: 30,000 pairs per quote on bench/bench_verify.py's 1 MB page.
MAX_QGRAM_PAIRS = 2_000_000


def _codes(data: npt.NDArray[np.uint8], q: int = SEED) -> npt.NDArray[np.uint64]:
    """The big-endian 64-bit code of every q-gram of ``data``.

    For q = 4 and q = 8 the q bytes at each offset are read as one big-endian
    integer through an overlapping view (stride 1), one pass instead of q."""
    n = len(data) - q + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint64)
    if q in (4, 8):
        whole = np.ascontiguousarray(data)
        view: npt.NDArray[np.uint64] = np.ndarray(
            (n,), dtype=f">u{q}", buffer=whole, strides=(1,))
        return view.astype(np.uint64)
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
        """Where the whole query may occur, ascending: a superset of its exact
        occurrences, to be checked. Taken from the rarest of its non-overlapping
        SEED-symbol pieces (every occurrence holds each piece)."""
        if len(query) < SEED or len(self.codes) == 0:
            return []
        offsets = np.arange(0, len(query) - SEED + 1, SEED, dtype=np.int64)
        qcodes = _codes(np.frombuffer(query, dtype=np.uint8))[offsets]
        lo = np.searchsorted(self.codes, qcodes, side="left")
        hi = np.searchsorted(self.codes, qcodes, side="right")
        rarest = int(np.argmin(hi - lo))
        found = (self.positions[int(lo[rarest]):int(hi[rarest])].astype(np.int64)
                 - offsets[rarest])
        size = len(self.codes) + SEED - 1  # symbols in the layer
        found = found[(found >= 0) & (found + len(query) <= size)]
        return sorted(found.tolist())

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
        lengths = hi - lo
        total = int(lengths.sum())
        if total == 0:
            return np.zeros(0, dtype=np.int64)
        # Every hit of every piece, without a Python loop over the pieces.
        firsts = np.cumsum(lengths) - lengths
        index = np.repeat(lo - firsts, lengths) + np.arange(total, dtype=np.int64)
        return np.sort(self.positions[index] - np.repeat(offsets, lengths))


@dataclass(frozen=True)
class QgramIndex:
    """A layer's encoded skeleton's :data:`QGRAM`-grams, for the q-gram filter of
    :meth:`candidates`: the distinct q-grams (``keys``, sorted) and, for each,
    where it occurs (``positions[offsets[i]:offsets[i + 1]]``, ascending)."""

    keys: npt.NDArray[np.uint32]
    offsets: npt.NDArray[np.int64]
    positions: npt.NDArray[np.int32]
    size: int

    @classmethod
    def build(cls, encoded: bytes) -> QgramIndex:
        codes = _codes(np.frombuffer(encoded, dtype=np.uint8), QGRAM)
        # One sort of (q-gram << 32 | position): grouped by q-gram, and the
        # positions of each in ascending order (what candidates() counts on).
        packed = np.sort((codes << np.uint64(32))
                         | np.arange(len(codes), dtype=np.uint64))
        grams = (packed >> np.uint64(32)).astype(np.uint32)
        positions = (packed & np.uint64(0xFFFFFFFF)).astype(np.int32)
        starts = np.flatnonzero(grams[1:] != grams[:-1]) + 1
        firsts = np.concatenate(([0] if len(grams) else [], starts)).astype(np.int64)
        return cls(grams[firsts], np.append(firsts, len(grams)), positions, len(encoded))

    def lookup(self, qcodes: npt.NDArray[np.uint64]) -> tuple[npt.NDArray[np.int64],
                                                              npt.NDArray[np.int64]]:
        """For each code, the slice ``[lo, hi)`` of :attr:`positions` where it occurs
        (empty for a q-gram the page lacks)."""
        if len(self.keys) == 0:
            zero = np.zeros(len(qcodes), dtype=np.int64)
            return zero, zero
        at = np.minimum(np.searchsorted(self.keys, qcodes), len(self.keys) - 1)
        lo = self.offsets[at]
        hi = np.where(self.keys[at] == qcodes, self.offsets[at + 1], lo)
        return lo, hi

    def candidates(self, query: bytes, k: int) -> list[tuple[int, int]] | None:
        """The page ranges that can hold an occurrence of ``query`` within ``k``
        edits; every other place is ruled out. None: the filter rules out too
        little to be worth it (align over the whole page).

        The q-gram lemma (E. Ukkonen, "Approximate string-matching with
        q-grams and maximal matches", Theor. Comput. Sci. 92, 1992; P. Jokinen
        and E. Ukkonen, MFCS 1991), on the query's q-grams at every
        :data:`QGRAM_STEP`-th position: one edit (a substitution or deletion
        of a query symbol, or an insertion between two) breaks at most the q
        q-grams that overlap it, of which at most ceil(q / step) are sampled,
        so an occurrence within k edits keeps at least t = (sampled) -
        k ceil(q / step) of the sampled q-grams intact, at t distinct query
        positions. An intact one lies on a diagonal (page position minus query
        position) within k of the occurrence's start, since the insertions and
        deletions before it shift it by at most k; so all of them fall in one
        interval of 2k + 1 diagonals (the counting of SWIFT: K. R. Rasmussen,
        J. Stoye and E. W. Myers, "Efficient q-gram filters for finding all
        epsilon-matches over a given length", J. Comput. Biol. 13(2), 2006).

        The diagonals are cut into bands of :data:`BAND_SHARE` of that width
        (at least :data:`MIN_BAND`), so such an interval lies within ``span``
        consecutive bands; a window of ``span`` bands is kept only if at least
        t *distinct* sampled query positions have an equal q-gram on one of
        its diagonals (a frequent q-gram found twice there counts once, as in
        the lemma). A window that passes becomes the page range from k + 1
        before its first diagonal to the query's length plus k + 1 after its
        last: an occurrence whose intact q-grams lie in it starts at least k
        after its first diagonal and ends before its last plus the query's
        length, and every start of an alignment ending where it ends within k
        edits is at most 2k before its start, so the range holds all of them
        (edlib then reports the same places as over the whole page).
        """
        m = len(query)
        sampled = np.arange(0, m - QGRAM + 1, QGRAM_STEP, dtype=np.int32)
        threshold = len(sampled) - k * -(-QGRAM // QGRAM_STEP)
        if threshold <= 0:
            return None
        qcodes = _codes(np.frombuffer(query, dtype=np.uint8), QGRAM)[sampled]
        lo, hi = self.lookup(qcodes)
        lengths = hi - lo
        total = int(lengths.sum())
        if total == 0:
            return []
        if total > MAX_QGRAM_PAIRS:
            return None  # a very repetitive page: cheaper to align it all
        width = max(MIN_BAND, -(-(2 * k + 1) // BAND_SHARE))
        span = -(-2 * k // width) + 1  # bands an interval of 2k + 1 diagonals can touch
        # Every (query position, page position) pair of an equal q-gram, grouped by
        # query position with page positions ascending, as a band of diagonals
        # (shifted by m to stay positive), without a Python loop over the query.
        ends = np.cumsum(lengths)
        firsts = ends - lengths
        index = (np.repeat((lo - firsts).astype(np.int32), lengths)
                 + np.arange(total, dtype=np.int32))
        diagonal = self.positions[index] + np.repeat(m - sampled, lengths)
        band = diagonal // width
        # A query position counts once in a window: its pair in band b opens the
        # windows b - span + 1 .. b not already opened by its previous band.
        previous = np.empty_like(band)
        previous[1:] = band[:-1]
        previous[firsts[lengths > 0]] = -span - 1
        opens = np.maximum(np.maximum(band - (span - 1), previous + 1), 0)
        size = (self.size + m) // width + 3
        held = np.cumsum(np.bincount(opens, minlength=size)[:size]
                         - np.bincount(band + 1, minlength=size)[:size])
        passing = np.flatnonzero(held >= threshold)
        if len(passing) == 0:
            return []
        margin = k + 1
        starts = np.maximum(passing * width - m - margin, 0)
        stops = np.minimum((passing + span) * width + margin, self.size)
        # Both ascend with the window: merge ranges closer than MERGE_GAP.
        cuts = np.flatnonzero(starts[1:] > stops[:-1] + MERGE_GAP) + 1
        firsts_r = np.concatenate(([0], cuts))
        lasts_r = np.concatenate((cuts - 1, [len(passing) - 1]))
        out = list(zip(starts[firsts_r].tolist(), stops[lasts_r].tolist(), strict=True))
        if sum(z - a for a, z in out) > self.size // 2:
            return None
        return out


def windows(diagonals: npt.NDArray[np.int64], length: int, margin: int,
            size: int, top: int | None = None) -> list[tuple[int, int, int]]:
    """The page ranges [a, z) around the sorted ``diagonals`` (``margin`` before,
    the quote's ``length`` plus ``margin`` after), overlapping ones merged and
    clipped to ``size``, each with how many diagonals it holds; most first (the
    first ``top`` only, if given)."""
    if len(diagonals) == 0:
        return []
    breaks = np.flatnonzero(np.diff(diagonals) > length + 2 * margin)
    first = np.concatenate(([0], breaks + 1))
    last = np.concatenate((breaks, [len(diagonals) - 1]))
    starts = np.maximum(diagonals[first] - margin, 0)
    ends = np.minimum(diagonals[last] + length + margin, size)
    held = last - first + 1
    order = np.argsort(-held, kind="stable")[:top]
    return list(zip(starts[order].tolist(), ends[order].tolist(), held[order].tolist(),
                    strict=True))


def votes(diagonals_with_repeats: npt.NDArray[np.int64], band: int,
          top: int) -> list[int]:
    """The ``top`` most-voted diagonal bands (of width ``band``), best first (ties:
    the lower band first), as the first diagonal of each: where the page shares
    most pieces with the quote. The diagonals come sorted (:meth:`SeedIndex.diagonals`),
    so each band is one run of them."""
    if len(diagonals_with_repeats) == 0:
        return []
    buckets = diagonals_with_repeats // band
    firsts = np.concatenate(([0], np.flatnonzero(buckets[1:] != buckets[:-1]) + 1))
    counts = np.diff(np.append(firsts, len(buckets)))
    best = np.argsort(-counts, kind="stable")[:top]
    return [int(d) for d in diagonals_with_repeats[firsts[best]].tolist()]


__all__ = ["MAX_QGRAM_PAIRS", "MAX_SEED_HITS", "MAX_WINDOWS", "QGRAM", "QGRAM_STEP", "SEED",
           "QgramIndex", "SeedIndex", "votes", "windows"]
