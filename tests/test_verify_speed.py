"""The faster verify paths give the answers of the plain computations they replace (#14).

The page's normalized forms are computed with per-code-point tables instead
of a loop over its characters, and its byte code with a numpy gather. The
q-gram filter now counts distinct sampled q-grams in fine bands and may
prove a quote absent before the seed windows are tried; the nearest passage is
aligned within the edits that can still score; votes, windows and the
selector's whitespace are computed without Python loops. Each is checked here
against the plain computation (edlib over the whole layer, an unbounded
alignment, ``np.unique``, a regex callback), on pages built to be hard: a
small, much-repeated vocabulary, so quotes share many q-grams with the page.
"""

from __future__ import annotations

import importlib
import itertools
import random
import re
from concurrent.futures import ThreadPoolExecutor

import edlib
import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archiver.extract import PageText, TextLayer
from archiver.models import PageLayer
from archiver.verify import index_page
from archiver.verify.anchor import _flat
from archiver.verify.fuzzy import _align, locate, nearest
from archiver.verify.index import LayerIndex, PageIndex
from archiver.verify.query import make_query
from archiver.verify.seeds import MAX_WINDOWS, SEED, QgramIndex, votes, windows
from archiver.verify.thresholds import MIN_NEAREST_SCORE

normalize_module = importlib.import_module("archiver.verify.normalize")

_RNG = random.Random(0)
#: A few hundred made-up words and some real ones, much repeated.
VOCABULARY = ("le la les des migrants Calais port ville maire police frontière nuit "
              "camion tunnel réfugiés associations militants gouvernement").split() + [
    "".join(_RNG.choice("aeioubcdfglmnprstv") for _ in range(_RNG.randint(2, 9)))
    for _ in range(300)]


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(VOCABULARY) for _ in range(words))


def _layer(text: str) -> LayerIndex:
    return index_page(PageText((TextLayer(PageLayer.TEXT, text),))).layers[0]


def _damage(skel: str, edits: int, rng: random.Random) -> str:
    chars = list(skel)
    for _ in range(edits):
        i = rng.randrange(len(chars))
        kind = rng.choice("sidt")
        if kind == "s":
            chars[i] = rng.choice("abcdefghijklmnopqrstuvwxyz")
        elif kind == "i":
            chars.insert(i, rng.choice("abcdefghijklmnopqrstuvwxyz"))
        elif kind == "t" and i + 1 < len(chars):
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        elif len(chars) > 1:
            del chars[i]
    return "".join(chars)


def _whole(layer: LayerIndex, skel: str, k: int) -> tuple[int, list[tuple[int, int]]] | None:
    found = _align(layer.encode(skel), layer.encoded()[0], k)
    return None if found is None else (found[0], sorted(set(found[1])))


@pytest.fixture(scope="module")
def layer() -> LayerIndex:
    return _layer(_text(random.Random(14), 12_000))


def test_locate_is_the_whole_layer_alignment_up_to_the_edit_bound(layer: LayerIndex) -> None:
    # Quotes damaged right up to (and past) the bound, where the filter's
    # threshold is tightest, and absent ones of every length.
    rng = random.Random(5)
    skel = layer.forms.skel
    proved_absent = found = 0
    for _ in range(120):
        length = rng.randint(25, 400)
        start = rng.randrange(len(skel) - length)
        if rng.random() < 0.7:
            quote = _damage(skel[start:start + length], rng.randint(0, length // 4), rng)
        else:
            quote = _layer(_text(rng, length // 4)).forms.skel[:length]
        for ratio in (0.1, 0.2):
            k = int(ratio * len(quote))
            got = locate(quote, layer, k)
            assert got == _whole(layer, quote, k), (quote, k)
            found += got is not None
            proved_absent += got is None
    assert found > 50 and proved_absent > 50


def test_the_filter_keeps_every_place_within_k_edits(layer: LayerIndex) -> None:
    rng = random.Random(8)
    skel = layer.forms.skel
    index = QgramIndex.build(layer.encoded()[0])
    checked = 0
    for _ in range(80):
        length = rng.randint(30, 300)
        start = rng.randrange(len(skel) - length)
        k = int(0.2 * length)
        quote = _damage(skel[start:start + length], k, rng)
        k = int(0.2 * len(quote))
        where = index.candidates(layer.encode(quote), k)
        whole = _whole(layer, quote, k)
        if whole is None:
            continue
        assert where is not None
        for s, e in whole[1]:
            assert any(a <= s and e < z for a, z in where), (s, e)
            checked += 1
        # Every range lies within the page, and they ascend without overlap.
        assert all(0 <= a < z <= len(skel) for a, z in where)
        assert all(z1 < a2 for (_, z1), (a2, _) in itertools.pairwise(where))
    assert checked > 50


def test_the_filter_rules_out_most_of_the_page_for_an_absent_quote(layer: LayerIndex) -> None:
    rng = random.Random(9)
    index = QgramIndex.build(layer.encoded()[0])
    ruled_out = []
    for _ in range(30):
        quote = _layer(_text(rng, 60)).forms.skel[:200]
        where = index.candidates(layer.encode(quote), int(0.2 * len(quote)))
        assert where is not None
        ruled_out.append(1 - sum(z - a for a, z in where) / len(layer.forms.skel))
    assert min(ruled_out) > 0.9


def test_the_q_gram_index_lists_every_place_of_each_q_gram() -> None:
    data = bytes(random.Random(2).choice(b"abcab") for _ in range(3000))
    index = QgramIndex.build(data)
    for gram in {data[i:i + 4] for i in range(len(data) - 3)} | {b"zzzz"}:
        code = np.array([int.from_bytes(gram, "big")], dtype=np.uint64)
        lo, hi = index.lookup(code)
        found = index.positions[int(lo[0]):int(hi[0])].tolist()
        expected = [i for i in range(len(data) - 3) if data[i:i + 4] == gram]
        assert found == expected  # ascending, as the distinct count needs
    empty = QgramIndex.build(b"abc")
    lo, hi = empty.lookup(np.array([1], dtype=np.uint64))
    assert (hi - lo).tolist() == [0]
    assert empty.candidates(b"abcdefghijklmnopqrstuvwxyz", 2) == []


def _nearest_unbounded(skel: str, page: PageIndex) -> tuple[int, int, float] | None:
    """nearest() as it was: every candidate band aligned without an edit bound."""
    best: tuple[int, int, float] | None = None
    m = len(skel)
    layer = page.layers[0]
    target, query = layer.encoded()[0], layer.encode(skel)
    diagonals = layer.seeds().diagonals(query, limit=None, step=4)
    assert diagonals is not None
    for d in votes(diagonals, max(SEED, m // 2), 3):
        a = max(0, d - m)
        result = edlib.align(query, target[a:d + 2 * m], mode="HW", task="locations", k=-1)
        score = max(0.0, round(1.0 - int(result["editDistance"]) / m, 4))
        if best is None or score > best[2]:
            best = (a + result["locations"][0][0], a + result["locations"][0][1], score)
    return None if best is None or best[2] < MIN_NEAREST_SCORE else best


def test_the_nearest_passage_is_the_one_an_unbounded_alignment_gives() -> None:
    rng = random.Random(4)
    text = _text(rng, 6000)
    page = index_page(PageText((TextLayer(PageLayer.TEXT, text),)))
    layer = page.layers[0]
    shown = hidden = 0
    for _ in range(80):
        words = text.split()
        start = rng.randrange(len(words) - 60)
        passage = " ".join(words[start:start + rng.randint(8, 60)])
        # From a lightly rewritten passage to an unrelated one: scores on both
        # sides of MIN_NEAREST_SCORE.
        changed = rng.choice((0.05, 0.15, 0.3, 1.0))
        quote = " ".join(rng.choice(VOCABULARY) if rng.random() < changed else w
                         for w in passage.split())
        q = make_query(quote)
        expected = _nearest_unbounded(q.skel, page)
        got = nearest(q, page)
        if expected is None:
            assert got is None
            hidden += 1
            continue
        assert got is not None and got[3] == expected[2]
        smap = layer.forms.skel_map
        assert got[1] <= smap[expected[0]] and smap[expected[1]] < got[2]
        shown += 1
    assert shown > 10 and hidden > 10, (shown, hidden)


def _votes_plain(diagonals: npt.NDArray[np.int64], band: int, top: int) -> list[int]:
    buckets = diagonals // band
    keys, counts = np.unique(buckets, return_counts=True)
    best = np.argsort(-counts, kind="stable")[:top]
    return [int(diagonals[buckets == keys[i]].min()) for i in best.tolist()]


def test_votes_and_windows_match_the_plain_computations() -> None:
    rng = np.random.default_rng(3)
    for _ in range(200):
        diagonals = np.sort(rng.integers(-50, 5000, rng.integers(1, 300)))
        band = int(rng.integers(1, 200))
        assert votes(diagonals, band, 3) == _votes_plain(diagonals, band, 3)
        full = windows(diagonals, 40, 9, 4000)
        assert windows(diagonals, 40, 9, 4000, MAX_WINDOWS + 1) == full[:MAX_WINDOWS + 1]
        assert [held for _, _, held in full] == sorted((h for _, _, h in full), reverse=True)


def test_the_selector_collapses_whitespace_as_before() -> None:
    def plain(text: str) -> str:
        return re.sub(r"\s+", lambda m: "\n" if "\n" in m.group() else " ", text)
    rng = random.Random(1)
    alphabet = list("ab.\n \t\r\x0b\x0c\x1c\x85\u2028\u00a0\u3000")
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16)))
        assert _flat(text) == plain(text), repr(text)
    long_run = "a\n" + " " * 100_000 + "b"  # one pass, not one per character
    assert _flat(long_run) == "a\nb"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(
    " \t\n\r\u00a0\u202f\u2009\u2028\x00\x85\u00ad\u200b\u200d\ufeff¨´ﬁßœÆÉé\u0301’«»…"
    "abcXYZ019.,-–—\ud800\udfff\U0001f600\u4e00\uff21")) | st.characters(max_codepoint=0x2FFFF),
    max_size=60))
def test_forms_is_the_character_loop(text: str) -> None:
    assert normalize_module.forms(text) == normalize_module._forms_loop(text)


def test_forms_of_a_page_is_the_character_loop() -> None:
    rng = random.Random(12)
    pieces = [_text(rng, 50), "\u00ab\u00a0Ça\u00a0»", "ﬁn\u00adal", "  \n\t ", "\u200b",
              "Straße", "¨", "\U0001f600", "数据", "\x00", "Œuvre"]
    text = "".join(rng.choice(pieces) for _ in range(3000))
    assert normalize_module.forms(text) == normalize_module._forms_loop(text)
    # A code point beyond the tables (plane 3) takes the loop itself.
    rare = text[:500] + "\U00030000" + text[500:1000]
    assert normalize_module.forms(rare) == normalize_module._forms_loop(rare)
    assert normalize_module.forms("") == normalize_module._forms_loop("")
    assert normalize_module.forms("\u200b \u200b") == normalize_module._forms_loop("\u200b \u200b")


def _encoded_plain(skel: str) -> tuple[bytes, dict[str, int]]:
    freq: dict[str, int] = {}
    for ch in skel:
        freq[ch] = freq.get(ch, 0) + 1
    ranked = sorted(freq, key=lambda c: -freq[c])
    table = {c: i + 1 for i, c in enumerate(ranked[:254])}
    for c in ranked[254:]:
        table[c] = 255
    return skel.translate({ord(c): chr(v) for c, v in table.items()}).encode("latin-1"), table


def test_the_byte_code_of_a_layer_is_as_before() -> None:
    rng = random.Random(6)
    latin = _text(rng, 2000)
    cjk = "".join(chr(rng.randrange(0x4E00, 0x4E00 + 600)) for _ in range(5000))  # > 254 symbols
    collisions = []
    for text in (latin, cjk, latin + cjk, "a"):
        layer = _layer(text)
        assert layer.encoded() == _encoded_plain(layer.forms.skel)
        collisions.append(layer.collisions)
    assert collisions == [False, True, True, False]


def test_forms_from_several_threads_at_once() -> None:
    # Each thread brings code points the shared tables have not seen yet.
    rng = random.Random(13)
    texts = ["".join(chr(rng.randrange(base, base + 4000)) + rng.choice(" \u00a0\u200b")
                     for _ in range(3000)) for base in (0x400, 0x1E00, 0x3040, 0xAC00, 0x1F300)]
    expected = [normalize_module._forms_loop(t) for t in texts]
    with ThreadPoolExecutor(max_workers=5) as pool:
        got = list(pool.map(normalize_module.forms, texts))
    assert got == expected


def test_a_page_of_one_repeated_pattern_is_aligned_whole() -> None:
    # Every q-gram of the quote occurs everywhere: the filter would hold
    # millions of pairs, so it steps aside, and the answer stays edlib's.
    layer = _layer("abab " * 120_000)
    quote = "ab" * 150 + "x" + "ab" * 50
    k = int(0.2 * len(quote))
    assert layer.qgrams().candidates(layer.encode(quote), k) is None
    assert locate(quote, layer, k) == _whole(layer, quote, k)


def test_exact_occurrences_come_from_the_rarest_piece_of_the_quote() -> None:
    rng = random.Random(21)
    common = "lesmigrantsdecalais"
    text = " ".join(["les migrants de Calais"] * 400 + [_text(rng, 3000)]
                    + ["les migrants de Calais zyxwvutsrq"] * 3)
    layer = _layer(text)
    skel = layer.forms.skel
    for needle in (common + "zyxwvutsrq", common[:9], skel[:40], skel[-40:], skel[-17:],
                   common + "zzzzzzzzz"):
        for _ in range(10):  # past the first searches, which scan
            got = layer.occurrences(needle, 10_000)
        expected = [i for i in range(len(skel)) if skel.startswith(needle, i)]
        assert got == expected, needle
    # The candidates of a quote whose first piece is everywhere are few.
    quote = layer.encode(common + "zyxwvutsrq")
    assert len(layer.seeds().starts(quote)) <= 3
