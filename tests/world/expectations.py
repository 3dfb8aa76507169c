"""What archiver must say about each source of the Calais 2014 manifest in the world.

Written by hand from :mod:`tests.world.definition` (today's behaviour, the
2014 captures, how each page carries each quote), not computed from it:

- the **link** class, with the error kind when the check failed at the network
  level, and where the redirects ended;
- the **capture** chosen: its 14-digit capture time (``None``: no capture), its
  URL when that is not the source's own (an archived redirect was followed),
  and the rule that chose it;
- each **quote**'s status and matching tier, in manifest order.

Quote tiers, by treatment: verbatim → ``exact``; typographic variants (curly
quotes, guillemets with no-break spaces, a no-break space before ":") →
``normalized``; guillemets where the dossier has straight double quotes (the
spaces inside differ) and lost spaces after a comma → ``skeleton``; the
researcher's ``[...]`` → ``ellipsis``; a doubled letter → ``verified_typo``
(``fuzzy``); a figure corrected after publication → ``altered`` (``fuzzy``,
"number: quote «19» ≠ page «18»"); not on the page → ``missing``; no capture →
``unverifiable``.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.world.definition import LVDN_NEW, REUTERS_CANONICAL

V, N, S = ("verified", "exact"), ("verified", "normalized"), ("verified", "skeleton")
UNVERIFIABLE = ("unverifiable", None)


@dataclass(frozen=True)
class Expect:
    link: str
    final_url: str | None = None  # where the redirects ended (None: not checked)
    error: str | None = None  # the error kind of a network-level failure
    capture: str | None = None  # the chosen capture's time, 14 digits; None: no capture
    capture_url: str | None = None  # when the capture is of another URL than the source's
    rule: str | None = "after_publication"
    quotes: tuple[tuple[str, str | None], ...] = ()


EXPECTED: dict[str, Expect] = {
    "lobs-radicaux-sans-frontieres": Expect(
        "paywalled", "https://www.epresse.fr/connexion?redirect=%2Ftitre-presse%2Fconsultation",
        capture=None, rule=None, quotes=(UNVERIFIABLE,) * 7),
    "lvdn-maire-menace-britanniques": Expect(
        "redirected", LVDN_NEW + "la-maire-ump-de-calais-veut-que-le-ministre-menace-les-"
        "ia33b48581n2347131", capture="20140828191204", quotes=(N, V, N, V, N, V)),
    "lvdn-nouvelle-jungle-evacuee": Expect(
        "soft404", "https://www.lavoixdunord.fr/", capture="20140712081533"),
    "lvdn-squat-vandamme-expulsion": Expect("gone", capture="20140703144012"),
    "lvdn-bouchart-contre-toute-attente": Expect(
        "redirected", LVDN_NEW + "calais-contre-toute-attente-la-maire-natacha-bouchart-"
        "ia33b48581n2336118", capture="20140822093017"),
    "lvdn-ministre-oppose-ouverture": Expect("gone", capture="20140828110521"),
    "interieur-accord-france-italie": Expect(
        "redirected", "https://www.interieur.gouv.fr/Archives/Archives-des-communiques-de-"
        "presse/2014-Communiques/Accord-entre-la-France-et-l-Italie-sur-la-question-de-l-"
        "immigration-irreguliere-en-Mediterranee-centrale",
        capture="20140829030155", quotes=(V, N, V)),
    "interieur-entretien-cazeneuve-may": Expect(
        "ok", "https://www.interieur.gouv.fr/Actualites/Communiques/Entretien-entre-Bernard-"
        "Cazeneuve-et-Theresa-May", capture="20140831221046", quotes=(N, N, V)),
    "ambafrance-es-visite-barcelone": Expect(
        "gone", error="dns", capture="20140902103002", quotes=(V, S, V)),
    "gouvernement-conseil-ministres-mediterranee": Expect(
        "soft404", capture="20140904072010", quotes=(V, N, V)),
    "telegraph-nato-fence": Expect(
        "paywalled", capture="20140906214530", quotes=(V, V, V, N, V)),
    "telegraph-stowaways-besiege-calais": Expect("ok", capture="20140905132044"),
    "telegraph-migrants-storm-ferry": Expect("gone", capture="20140903061218"),
    "nordlittoral-londres-offre-clotures": Expect(
        "transient", error="timeout", capture="20140908045512",
        quotes=(N, ("verified", "ellipsis"), V)),
    "reuters-migrants-defy-crackdown": Expect(
        "blocked", "https://www.reuters.com/article/idUSKBN0H41QK20140910",
        capture="20140910140213", capture_url=REUTERS_CANONICAL, rule="redirect",
        quotes=(V, N, V, V, V)),
    "figaro-polony-honte-europe": Expect("ok", capture="20140913101740", quotes=(N, N, V)),
    "express-migrants-brag": Expect(
        "blocked", capture="20140917232015", quotes=(V, V, V, ("altered", "fuzzy"))),
    "guardian-uk-pledges-12m": Expect(
        "ok", capture="20140920163044", quotes=(V, ("missing", None), V, V)),
    "nouvelobs-accord-franco-britannique": Expect(
        "redirected", "https://www.nouvelobs.com/topnews/20140920.REU8764/accord-franco-"
        "britannique-pour-gerer-l-immigration-a-calais.html",
        capture="20140920184502", quotes=(V, V, V, S)),
    "france3-hcr-demande-voisins": Expect(
        "soft404", "https://france3-regions.francetvinfo.fr/hauts-de-france/",
        capture="20140926173905", quotes=(V, V, V, S)),
    "unhcr-fr-action-urgente": Expect(
        "redirected", "https://www.unhcr.org/fr/actualites/communiques-de-presse/le-hcr-"
        "appelle-une-action-urgente-calais", capture="20140927081210", quotes=(N, V, V, V)),
    "unhcr-en-urgent-action": Expect(
        "ok", "https://www.unhcr.org/542563199.html", capture="20140926130518",
        quotes=(V, V, ("verified_typo", "fuzzy"), V, V)),
}

#: Every behaviour the issue asks the world to show, and a source showing it.
BEHAVIOURS = {
    "a live article": "guardian-uk-pledges-12m",
    "an http→https redirect": "unhcr-en-urgent-action",
    "an old-path→new-path redirect": "interieur-accord-france-italie",
    "a redirect to the home page": "lvdn-nouvelle-jungle-evacuee",
    "a 404": "telegraph-migrants-storm-ferry",
    "a 410": "lvdn-ministre-oppose-ouverture",
    "a login wall": "lobs-radicaux-sans-frontieres",
    "a paywall": "telegraph-nato-fence",
    "a bot challenge (cf-mitigated)": "express-migrants-brag",
    "a bot challenge (DataDome)": "reuters-migrants-defy-crackdown",
    "a dead domain": "ambafrance-es-visite-barcelone",
    "a slow server": "nordlittoral-londres-offre-clotures",
}
