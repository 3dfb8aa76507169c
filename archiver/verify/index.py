"""A page's text layers, each normalized once and ready to search.

Every layer of a :class:`~archiver.extract.PageText` (visible text, then
strings from scripts, then meta tags) is kept in its original, L1 and
skeleton forms with offset maps (:mod:`archiver.verify.normalize`), so a page
is indexed once however many quotes are looked for in it.

For the fuzzy tier the skeleton is also encoded as bytes, once per layer:
edlib's Python binding re-maps a ``str`` through a dict on every call and
refuses more than 255 distinct symbols (Martinsos/edlib
bindings/python/edlib.pyx, ``align``), so the 254 most frequent symbols get
codes 1-254, every rarer one 255, and 0 means a symbol absent from the page.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from archiver.extract import PageText
from archiver.models import PageLayer
from archiver.verify.language import base_lang, detect_language
from archiver.verify.normalize import Forms, forms
from archiver.verify.seeds import SEED, QgramIndex, SeedIndex

#: Searches of a layer after which its seed index is built and used instead of
#: a scan. A judgement call: the index costs a few scans of the layer.
SCANS_BEFORE_INDEX = 8


class _Absent(dict[int, int]):
    """A translate table: symbols the page lacks become code 0."""

    def __init__(self, table: dict[int, int]) -> None:
        super().__init__(table)

    def __missing__(self, key: int) -> int:
        return 0


#: Layers in the order they are searched at each tier; ties go to the first.
LAYER_ORDER = tuple(PageLayer)  # text, script, meta: the order the enum lists them


@dataclass
class LayerIndex:
    """One text layer of a page in its three forms."""

    name: PageLayer
    forms: Forms
    article_spans: tuple[tuple[int, int], ...]
    _encoded: bytes | None = None
    _table: dict[str, int] | None = None
    collisions: bool = False  # more than 254 symbols: code 255 stands for several
    _seeds: SeedIndex | None = None
    _qgrams: QgramIndex | None = None
    _trans: dict[int, int] | None = None
    _searches: int = 0

    def seeds(self) -> SeedIndex:
        """The encoded skeleton's seed index (:mod:`archiver.verify.seeds`), built
        on first use."""
        if self._seeds is None:
            self._seeds = SeedIndex.build(self.encoded()[0])
        return self._seeds

    def qgrams(self) -> QgramIndex:
        """The encoded skeleton's q-gram index (:class:`~archiver.verify.seeds.QgramIndex`),
        built on first use."""
        if self._qgrams is None:
            self._qgrams = QgramIndex.build(self.encoded()[0])
        return self._qgrams

    def encode(self, skel: str) -> bytes:
        """A quote's skeleton in this layer's byte code (0: absent from the page)."""
        if self._trans is None:
            self._trans = _Absent({ord(c): v for c, v in self.encoded()[1].items()})
        # Every symbol of the page has a code; others become 0 (translate to
        # latin-1 code points, then bytes).
        mapped = skel.translate(self._trans)
        return mapped.encode("latin-1")

    def occurrences(self, skel: str, limit: int) -> list[int]:
        """Where ``skel`` occurs in the layer's skeleton (at most ``limit`` places).

        The first few searches of a layer scan it; later ones use the seed
        index, built once, so a page searched for many quotes pays for one
        index instead of one scan per quote.
        """
        self._searches += 1
        f = self.forms.skel
        if len(skel) < SEED or (self._seeds is None and self._searches <= SCANS_BEFORE_INDEX):
            out: list[int] = []
            i = f.find(skel)
            while i >= 0 and len(out) < limit:
                out.append(i)
                i = f.find(skel, i + 1)
            return out
        return [i for i in self.seeds().starts(self.encode(skel))
                if f.startswith(skel, i)][:limit]

    def encoded(self) -> tuple[bytes, dict[str, int]]:
        """The skeleton as bytes for edlib: the 254 most frequent symbols get
        1-254, every rarer one 255; 0 means absent."""
        if self._encoded is None or self._table is None:
            skel = self.forms.skel
            # Counted in C; first-seen order breaks ties, as a dict does.
            freq = Counter(skel)
            ranked = sorted(freq, key=lambda c: -freq[c])
            table = {c: i + 1 for i, c in enumerate(ranked[:254])}
            for c in ranked[254:]:
                table[c] = 255
            self.collisions = len(ranked) > 254
            self._table = table
            # Each symbol's code looked up in one numpy gather, not per character.
            points = np.frombuffer(skel.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
            lookup = np.zeros(int(points.max()) + 1 if len(points) else 1, dtype=np.uint8)
            for c, v in table.items():
                lookup[ord(c)] = v
            self._encoded = lookup[points].tobytes()
        return self._encoded, self._table

    def in_article(self, start: int, end: int) -> bool | None:
        if not self.article_spans:
            return None
        return any(a <= start and end <= b for a, b in self.article_spans)


@dataclass
class PageIndex:
    """A page's layers, normalized and ready to search. Build with :func:`index_page`."""

    layers: tuple[LayerIndex, ...]
    lang: str | None
    flags: tuple[str, ...] = ()


def index_page(page: PageText, *, fallback_lang: str | None = None) -> PageIndex:
    """Index a page once; search it with :func:`~archiver.verify.match_quote` as often
    as needed.

    The page language is the stop-word guess on its text, else its declared
    ``<html lang>``, else ``fallback_lang`` (e.g. the manifest's language).
    """
    layers: list[LayerIndex] = []
    for name in LAYER_ORDER:
        layer = page.layer(name)
        if layer is not None and layer.text:
            layers.append(LayerIndex(name, forms(layer.text), layer.article_spans))
    lang = (detect_language(page.text) or base_lang(page.declared_lang)
            or base_lang(fallback_lang))
    return PageIndex(tuple(layers), lang, page.flags)
