"""Which language a text is in: a cheap stop-word count, with a declared tag as fallback.

Used only to flag a missing quote as a probable translation (the quote reads
as one language, the page as another). The word lists are common function
words of each language, chosen by hand; the counts needed to name a language
are in :mod:`archiver.verify.thresholds`.
"""

from __future__ import annotations

import re

from archiver.verify.normalize import normalize
from archiver.verify.thresholds import LANG_SAMPLE_CHARS, MIN_LANG_HITS

_STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset("""the and of to is was that with for it this are be have has by from
        not but they we would which their will been who were there what when our
        you he she his her its an on at as in said says""".split()),
    "fr": frozenset("""le la les des du une est et dans que qui pour pas sur au aux ce
        cette sont nous vous ils elle elles avec mais ont été plus leur leurs se sa
        son ses être fait comme où par ne il un en on""".split()),
    "de": frozenset("""der die das und ist nicht ein eine mit auf für sich dem den des
        von zu im ich sie wir auch wird sind war""".split()),
    "es": frozenset("""el los las del que una por con para es se su al lo como más
        pero sus le ya muy""".split()),
    "it": frozenset("""il gli della che di per una non sono con del alla nel dei delle
        anche più questo""".split()),
    "nl": frozenset("""de het een van en is dat niet zijn met voor op ook bij werd
        naar maar""".split()),
}
_WORD_RE = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def detect_language(text: str) -> str | None:
    """A two-letter language code from stop-word counts, or None if unsure."""
    counts = dict.fromkeys(_STOPWORDS, 0)
    for word in _WORD_RE.findall(normalize(text[:LANG_SAMPLE_CHARS])):
        for part in word.split("'"):
            for lang, words in _STOPWORDS.items():
                if part in words:
                    counts[lang] += 1
    ranked = sorted(counts.items(), key=lambda kv: kv[1], reverse=True)
    (best, hits), (_, second) = ranked[0], ranked[1]
    if hits >= MIN_LANG_HITS and hits >= 2 * second:
        return best
    return None


def base_lang(tag: str | None) -> str | None:
    """The primary language subtag of a language tag ("fr-FR" -> "fr"), or None."""
    if not tag:
        return None
    return tag.replace("_", "-").split("-")[0].strip().lower() or None
