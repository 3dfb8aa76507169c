"""The verify shortcuts give the answers of the plain searches they replace (#14).

The seed windows and the q-gram filter (archiver.verify.seeds) must find the
same best distance and the same places as edlib over the whole layer; the
seed index the same exact occurrences as ``str.find``; the translate-table
``normalize`` the same L1 form as the page side's character loop.
"""

from __future__ import annotations

import importlib
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from archiver.extract import PageText, TextLayer
from archiver.models import PageLayer
from archiver.verify import index_page
from archiver.verify.fuzzy import _align, locate
from archiver.verify.index import SCANS_BEFORE_INDEX, LayerIndex
from archiver.verify.seeds import QgramIndex

normalize_module = importlib.import_module("archiver.verify.normalize")

WORDS = ("le la les des migrants Calais port ville maire police frontière nuit camion "
         "tunnel réfugiés associations militants gouvernement ministre anglais Europe "
         "sécurité accueil centre jeunes monde the of and to government offered million "
         "fences summit Britain illegal immigration Channel").split()


_VOCABULARY = random.Random(0)
#: Real words and made-up ones: a vocabulary of a few hundred, much repeated,
#: so quotes share many q-grams with the page (the hard case for a filter).
VOCABULARY = WORDS + ["".join(_VOCABULARY.choice("aeioubcdfglmnprstv")
                              for _ in range(_VOCABULARY.randint(3, 9))) for _ in range(400)]


def _page(rng: random.Random, words: int) -> LayerIndex:
    text = " ".join(rng.choice(VOCABULARY) for _ in range(words))
    return index_page(PageText((TextLayer(PageLayer.TEXT, text),))).layers[0]


def _damage(skel: str, edits: int, rng: random.Random) -> str:
    chars = list(skel)
    for _ in range(edits):
        i = rng.randrange(len(chars))
        kind = rng.choice("sid")
        if kind == "s":
            chars[i] = rng.choice("abcdefghijklmnopqrstuvwxyz")
        elif kind == "i":
            chars.insert(i, rng.choice("abcdefghijklmnopqrstuvwxyz"))
        elif len(chars) > 1:
            del chars[i]
    return "".join(chars)


def _whole(layer: LayerIndex, skel: str, k: int) -> tuple[int, list[tuple[int, int]]] | None:
    target, query = layer.encoded()[0], layer.encode(skel)
    found = _align(query, target, k)
    return None if found is None else (found[0], sorted(set(found[1])))


def test_locate_gives_the_whole_layer_alignment() -> None:
    rng = random.Random(14)
    layer = _page(rng, 6000)
    skel = layer.forms.skel
    checked = windowed = 0
    for _ in range(150):
        length = rng.randint(25, 300)
        start = rng.randrange(len(skel) - length)
        kind = rng.random()
        if kind < 0.6:
            quote = _damage(skel[start:start + length], rng.randint(0, length // 6), rng)
        else:  # absent: other words, the same vocabulary
            quote = _page(rng, length // 5).forms.skel[:length]
        for ratio in (0.1, 0.2):
            k = int(ratio * len(quote))
            assert locate(quote, layer, k) == _whole(layer, quote, k), (quote, k)
            checked += 1
    assert checked == 300
    # The filters did rule places out (else this test would test nothing).
    for _ in range(20):
        quote = _page(rng, 30).forms.skel[:120]
        where = layer.qgrams().candidates(layer.encode(quote), 24)
        if where is not None:
            windowed += 1
            assert sum(z - a for a, z in where) < len(skel)
    assert windowed


def test_qgram_candidates_hold_every_occurrence() -> None:
    rng = random.Random(7)
    layer = _page(rng, 4000)
    skel = layer.forms.skel
    index = QgramIndex.build(layer.encoded()[0])
    for _ in range(60):
        length = rng.randint(30, 200)
        start = rng.randrange(len(skel) - length)
        quote = _damage(skel[start:start + length], length // 8, rng)
        k = int(0.2 * len(quote))
        where = index.candidates(layer.encode(quote), k)
        whole = _whole(layer, quote, k)
        assert where is not None and whole is not None
        for s, e in whole[1]:
            assert any(a <= s and e < z for a, z in where), (s, e, where)


def test_seed_index_finds_what_find_finds() -> None:
    rng = random.Random(3)
    layer = _page(rng, 3000)
    skel = layer.forms.skel
    for _ in range(SCANS_BEFORE_INDEX):  # the first searches scan
        layer.occurrences("calais", 100)
    for _ in range(100):
        length = rng.randint(8, 60)
        start = rng.randrange(len(skel) - length)
        needle = skel[start:start + length]
        expected = []
        i = skel.find(needle)
        while i >= 0:
            expected.append(i)
            i = skel.find(needle, i + 1)
        assert layer.occurrences(needle, 10_000) == expected
    assert layer.occurrences("zzzzzzzzzzzz", 10) == []


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(
    list(" \t\n\u00a0\u202f\u00ad\u200b\x00¨´ﬁßÉé’«»…\x85abc1.,-–")) | st.characters(),
    max_size=40))
def test_quote_and_page_are_normalized_alike(text: str) -> None:
    forms = normalize_module.forms(text)
    assert normalize_module.normalize(text) == forms.l1.rstrip(" ")
    assert normalize_module.skeleton(text) == forms.skel


def test_seeds_certify_a_lightly_damaged_quote_and_find_every_copy() -> None:
    rng = random.Random(11)
    passage = " ".join(rng.choice(VOCABULARY) for _ in range(30))
    filler = [" ".join(rng.choice(VOCABULARY) for _ in range(2000)) for _ in range(4)]
    damaged = passage.replace(passage[40:46], passage[40:46].upper()[::-1], 1)
    text = " ".join([filler[0], passage, filler[1], damaged, filler[2], passage, filler[3]])
    layer = index_page(PageText((TextLayer(PageLayer.TEXT, text),))).layers[0]
    quote = _damage(normalize_module.skeleton(passage), 2, rng)  # two edits
    k = int(0.2 * len(quote))
    found = locate(quote, layer, k)
    assert found == _whole(layer, quote, k)
    assert found is not None and found[0] <= 2
    ends = {e for _, e in found[1]}
    # Both verbatim copies, far apart, are reported.
    assert max(ends) - min(ends) > 20_000
    assert layer._qgrams is None  # decided by the seed windows alone
