"""Article text made up around the manifest's quotes, and what a page does to each quote.

The quotes come from the manifest at run time; this module only holds neutral
filler sentences and the *treatments* that say how a 2014 page carries a
quote compared with the dossier's copy of it:

``EXACT``
    verbatim.
``Typographic()``
    with the publisher's typography: curly apostrophes and quotes, French
    guillemets with no-break spaces inside, a (narrow) no-break space before
    ``: ; ? !`` in French. The dossier's copy has the plain forms.
``Straight()``
    plain apostrophes where the dossier has curly ones.
``Fix(old, new, ...)``
    the page's text differs where the dossier's copy has a PDF artifact
    (a lost space, a doubled letter, a doubled space), an ellipsis the
    researcher made, or an edit the publisher made after the fact.
``ABSENT``
    not on the page at all.

Which of these gives which verdict (verified, verified_typo, altered,
missing) is written down in :mod:`tests.world.expectations`, not derived here.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from archiver.models import Source

NBSP = "\u00a0"
NNBSP = "\u202f"  # narrow no-break space, before ; ? ! in French typography


@dataclass(frozen=True)
class Exact:
    def apply(self, quote: str, lang: str) -> str | None:
        return quote


@dataclass(frozen=True)
class Absent:
    def apply(self, quote: str, lang: str) -> str | None:
        return None


@dataclass(frozen=True)
class Typographic:
    def apply(self, quote: str, lang: str) -> str | None:
        return typographic(quote, lang)


@dataclass(frozen=True)
class Straight:
    def apply(self, quote: str, lang: str) -> str | None:
        return quote.replace("\u2019", "'")


@dataclass(frozen=True)
class Fix:
    """Replace ``old`` by ``new`` (pairs), each of which must occur in the quote."""

    pairs: tuple[tuple[str, str], ...]

    def __init__(self, *pairs: tuple[str, str]) -> None:
        object.__setattr__(self, "pairs", pairs)

    def apply(self, quote: str, lang: str) -> str | None:
        for old, new in self.pairs:
            if old not in quote:
                raise ValueError(f"{old!r} is not in the quote {quote!r}")
            quote = quote.replace(old, new)
        return quote


Treatment = Exact | Absent | Typographic | Straight | Fix
EXACT = Exact()
ABSENT = Absent()


def typographic(text: str, lang: str) -> str:
    """``text`` as a careful publisher typesets it."""
    # Straight double quotes become pairs of guillemets or curly quotes.
    opening = True

    def dq(_: re.Match[str]) -> str:
        nonlocal opening
        mark = ("«" + NBSP if opening else NBSP + "»") if lang == "fr" else \
            ("“" if opening else "”")
        opening = not opening
        return mark

    text = re.sub(r'"', dq, text)
    # Single quotes: an opening one after a space or at the start, else an apostrophe.
    text = re.sub(r"(^|(?<=\s))'", "\u2018", text)
    text = text.replace("'", "\u2019")
    if lang == "fr":
        text = re.sub(r"« +", "«" + NBSP, text)
        text = re.sub(r" +»", NBSP + "»", text)
        text = re.sub(r" +:", NBSP + ":", text)
        text = re.sub(r" +([;?!])", NNBSP + r"\1", text)
    return text


# --------------------------------------------------------------------------
# Filler: neutral sentences in the register of the 2014 coverage. They quote
# nobody and repeat no passage of the manifest.
# --------------------------------------------------------------------------

FILLER = {
    "fr": (
        "La situation est suivie de près par les associations présentes sur le littoral.",
        "Plusieurs centaines de personnes se rassemblent chaque soir près du port.",
        "Les autorités locales réclament depuis des mois des moyens supplémentaires.",
        "Sur place, les bénévoles distribuent repas, vêtements et couvertures.",
        "Le dossier doit être de nouveau évoqué lors d'une réunion à Paris.",
        "Les transporteurs routiers dénoncent une insécurité croissante aux abords de la rocade.",
        "La préfecture n'a pas souhaité communiquer de chiffres précis.",
        "Les élus de l'opposition municipale ont demandé un conseil extraordinaire.",
        "Le sujet divise jusque dans les rangs de la majorité.",
        "Des renforts de CRS ont été annoncés pour les semaines à venir.",
        "Les ferries continuent de partir toutes les heures vers Douvres.",
        "La question sera au cœur des discussions européennes de l'automne.",
        "Un collectif d'habitants a lancé une pétition en ligne.",
        "La Manche reste l'une des routes maritimes les plus fréquentées du monde.",
        "Les associations rappellent que l'hiver approche.",
        "Aucune date n'a encore été fixée pour la prochaine rencontre.",
    ),
    "en": (
        "Lorries queued for several miles on the approach road to the port.",
        "Charities working in the town say conditions have worsened over the summer.",
        "The issue is expected to be raised again at a meeting of European ministers.",
        "Ferry operators have called for more checks at the harbour gates.",
        "Local officials have asked Paris for extra resources.",
        "Volunteers hand out food and clothing every evening near the docks.",
        "The Home Office declined to give further details.",
        "Campaigners plan to hold a vigil in the town centre this weekend.",
        "The port handles millions of passengers and lorries every year.",
        "Opposition politicians accused the government of acting too late.",
        "Police reinforcements were sent to the area earlier this month.",
        "Hauliers say drivers are being threatened on the approach roads.",
        "The Channel remains one of the busiest shipping lanes in the world.",
        "No date has been set for the next round of talks.",
        "Aid workers warn that the situation will deteriorate as winter approaches.",
        "The town's mayor has repeatedly called for the border to be moved.",
    ),
}

#: How a direct quote is attributed, by language: "{q}" is the quote.
ATTRIBUTIONS = {
    "fr": ("« {q} », a-t-on déclaré.", "Et d'insister : « {q} »", "« {q} », explique-t-on.",
           "Le message est clair : « {q} »"),
    "en": ('"{q}" the spokesman said.', 'He added: "{q}"', 'As one official put it: "{q}"',
           '"{q}" said a source close to the talks.'),
}
#: Lead-ins for an excerpt that starts in the middle of a sentence.
LEAD_INS = {"fr": ("Il a été question de", "Le texte prévoit"),
            "en": ("The statement mentioned", "Officials described")}

COMMENTERS = ("calaisien62", "Jean-Pierre D.", "marie_l", "Observateur", "Chris from Dover",
              "jdupont", "Anne-Sophie", "Pas-de-Calais libre")
COMMENTS = {
    "fr": ("Il serait temps que les deux pays se mettent autour d'une table.",
           "Encore un article qui ne propose aucune solution concrète.",
           "Merci aux bénévoles qui font un travail remarquable.",
           "Qui va payer tout cela au final ?"),
    "en": ("About time something was done about this.",
           "This has been going on for years and nothing changes.",
           "Respect to the volunteers helping out there.",
           "Who is going to pay for all of this?"),
}


def _sentence(text: str) -> str:
    """``text`` ending like a sentence: « … ». but « … ? » and "… ." as they are."""
    if text[-1:] in ".!?…":
        return text
    if text[-1:] in "»\"”" and text.rstrip("»\"” \u00a0")[-1:] in ".!?…":
        return text
    return text + "."


def embed(quote_text: str, kind: str, lang: str, rng: random.Random) -> str:
    """One sentence carrying ``quote_text`` (already treated) in running prose."""
    if kind == "direct":
        template = rng.choice(ATTRIBUTIONS[lang])
        inner = quote_text
        if template.startswith(("«", '"')):  # the quote opens the sentence
            inner = inner.rstrip(".")
        return _sentence(template.format(q=inner))
    if quote_text[:1].islower():
        return _sentence(f"{rng.choice(LEAD_INS[lang])} {quote_text}")
    return _sentence(quote_text)


def paragraphs(quotes: list[tuple[str | None, str]], lang: str, seed: str) -> list[str]:
    """The article body: a paragraph per quote, framed by filler; skipped quotes leave
    only filler. ``quotes`` holds (treated text or None, kind)."""
    rng = random.Random(seed)
    filler = list(FILLER[lang])
    rng.shuffle(filler)
    out = [" ".join(filler[:2])]
    pos = 2
    for text, kind in quotes:
        before = filler[pos % len(filler)]
        after = filler[(pos + 1) % len(filler)]
        pos += 2
        middle = embed(text, kind, lang, rng) if text is not None else ""
        out.append(" ".join(p for p in (before, middle, after) if p))
    out.append(" ".join(filler[pos % len(filler):pos % len(filler) + 2]) or filler[0])
    return out


def comments(lang: str, seed: str, count: int = 3) -> list[tuple[str, str]]:
    rng = random.Random(seed + "/comments")
    names = rng.sample(COMMENTERS, count)
    texts = rng.sample(COMMENTS[lang], count)
    return list(zip(names, texts, strict=True))


def article_paragraphs(source: Source, treatments: tuple[Treatment, ...]) -> list[str]:
    """The body of ``source``'s article: its quotes as ``treatments`` say, in filler."""
    if len(treatments) != len(source.quotes):
        raise ValueError(f"{source.id}: {len(source.quotes)} quotes but "
                         f"{len(treatments)} treatments")
    lang = "fr" if source.language.startswith("fr") else "en"
    items = [(t.apply(q.text, lang), str(q.kind or "excerpt"))
             for q, t in zip(source.quotes, treatments, strict=True)]
    return paragraphs(items, lang, seed=source.id)
