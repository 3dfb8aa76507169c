"""The world of the Calais 2014 manifest: how each source behaves today, what the
archive holds from 2014, and how each 2014 page carries each quote.

Nobody on this machine can look at today's web, so the behaviours below are
*plausible assignments*, typical of each kind of site in 2026 (national
dailies moved to https and restructured their URLs; regional papers dropped
old articles or sent them to the home page; a digital kiosk put its reader
behind a login; wire agencies and tabloids sit behind bot protection; one
embassy domain lapsed), chosen so that every behaviour the issue lists occurs
at least once. They are not measurements of the real sites.

The expected verdicts live next door, in :mod:`tests.world.expectations`.
The manifest's URLs and quotes are read from the manifest at run time; only
the new URLs of moved pages and the page-side fixes of a few quotes are here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.world.text import ABSENT, EXACT, Fix, Straight, Treatment, Typographic

MANIFEST = "manifests/calais-2014.toml"
#: The pywb collection: named like the Wayback Machine's, so URLs look alike.
COLLECTION = "web"


# --------------------------------------------------------------------------
# Today's behaviours
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Live:
    """The article, served today."""


@dataclass(frozen=True)
class Moved:
    """A permanent redirect to ``to``, where ``then`` answers."""

    to: str
    then: Behaviour = field(default_factory=Live)
    status: int = 301


@dataclass(frozen=True)
class ToHome:
    """A redirect to the site's home page: the old article is gone."""


@dataclass(frozen=True)
class Gone:
    status: int = 404


@dataclass(frozen=True)
class LoginWall:
    """A 302 to a login page."""

    to: str


@dataclass(frozen=True)
class Paywall:
    """The article's start, marked ``isAccessibleForFree: false`` (schema.org)."""


@dataclass(frozen=True)
class BotChallenge:
    vendor: str  # "cloudflare" (403 + cf-mitigated) or "datadome" (401 + captcha page)


@dataclass(frozen=True)
class DeadDomain:
    """The name no longer resolves: the proxy answers as for an unknown host."""


@dataclass(frozen=True)
class Slow:
    """Headers at once, then the page a byte at a time: past any sane deadline."""

    seconds_per_byte: float = 0.05


@dataclass(frozen=True)
class SoftNotFound:
    """200 OK with a "page introuvable" page (the site answers every unknown URL so)."""


@dataclass(frozen=True)
class SectionFront:
    """The front page of a section, where the site sends every URL it no longer has."""

    name: str


Behaviour = (Live | Moved | ToHome | Gone | LoginWall | Paywall | BotChallenge | DeadDomain
             | Slow | SoftNotFound | SectionFront)


@dataclass(frozen=True)
class Host:
    """What a host does with the URLs it does not know (sibling probes land here)."""

    unknown: str = "404"  # "404", "soft" (200 "page introuvable"), or a URL to redirect to
    https: bool = True  # http:// is redirected to https://


#: Every host name that resolves in the world (www.ambafrance-es.org does not).
HOSTS: dict[str, Host] = {
    "www.epresse.fr": Host(),
    "www.lavoixdunord.fr": Host(),
    "www.interieur.gouv.fr": Host(),
    "www.gouvernement.fr": Host(unknown="soft"),
    "www.telegraph.co.uk": Host(),
    "www.nordlittoral.fr": Host(),
    "uk.reuters.com": Host(),
    "www.reuters.com": Host(),
    "www.lefigaro.fr": Host(),
    "www.express.co.uk": Host(),
    "www.theguardian.com": Host(),
    "tempsreel.nouvelobs.com": Host(),
    "www.nouvelobs.com": Host(),
    "france3-regions.francetvinfo.fr": Host(
        unknown="https://france3-regions.francetvinfo.fr/hauts-de-france/"),
    "www.unhcr.fr": Host(),
    "www.unhcr.org": Host(),
}


# --------------------------------------------------------------------------
# 2014 captures
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Capture:
    """A 2014 capture in the archive: the source's own URL unless ``url`` is set."""

    when: str  # 14 digits, UTC
    status: int = 200
    location: str | None = None  # for a 3xx
    url: str | None = None


# --------------------------------------------------------------------------
# Per source
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceWorld:
    today: Behaviour
    captures: tuple[Capture, ...]
    #: One treatment per quote of the source, in manifest order.
    quotes: tuple[Treatment, ...] = ()


LVDN_NEW = "https://www.lavoixdunord.fr/archive/recup/region/"
REUTERS_CANONICAL = ("http://uk.reuters.com/article/2014/09/10/"
                     "us-france-britain-migrants-idUKKBN0H41QK20140910")

WORLD: dict[str, SourceWorld] = {
    # A digital kiosk: the reader is behind a login today, and no archive ever
    # captured it (the page needed a session).
    "lobs-radicaux-sans-frontieres": SourceWorld(
        LoginWall("https://www.epresse.fr/connexion?redirect=%2Ftitre-presse%2Fconsultation"),
        captures=(),
        quotes=(EXACT,) * 7),
    # La Voix du Nord moved its 2014 articles under /archive/recup/, dropped some
    # and sends others home. Its 2014 pages used straight apostrophes.
    "lvdn-maire-menace-britanniques": SourceWorld(
        Moved(LVDN_NEW + "la-maire-ump-de-calais-veut-que-le-ministre-menace-les-"
              "ia33b48581n2347131"),
        captures=(Capture("20140828191204"),),
        quotes=(Straight(), EXACT, Straight(), EXACT, Typographic(), EXACT)),
    "lvdn-nouvelle-jungle-evacuee": SourceWorld(ToHome(), (Capture("20140712081533"),)),
    "lvdn-squat-vandamme-expulsion": SourceWorld(Gone(404), (Capture("20140703144012"),)),
    "lvdn-bouchart-contre-toute-attente": SourceWorld(
        Moved(LVDN_NEW + "calais-contre-toute-attente-la-maire-natacha-bouchart-"
              "ia33b48581n2336118"),
        (Capture("20140822093017"),)),
    "lvdn-ministre-oppose-ouverture": SourceWorld(Gone(410), (Capture("20140828110521"),)),
    # The Interior Ministry archived its 2014 releases under /Archives/.
    "interieur-accord-france-italie": SourceWorld(
        Moved("https://www.interieur.gouv.fr/Archives/Archives-des-communiques-de-presse/"
              "2014-Communiques/Accord-entre-la-France-et-l-Italie-sur-la-question-de-l-"
              "immigration-irreguliere-en-Mediterranee-centrale"),
        captures=(Capture("20140829030155"),),
        quotes=(EXACT, Typographic(), EXACT)),
    "interieur-entretien-cazeneuve-may": SourceWorld(
        Live(), captures=(Capture("20140831221046"),),
        quotes=(Typographic(), Fix(("de  20", "de 20")), EXACT)),
    # The embassy's old domain lapsed; the archive still has the page.
    "ambafrance-es-visite-barcelone": SourceWorld(
        DeadDomain(), captures=(Capture("20140902103002"),),
        quotes=(EXACT, Fix(("irrégulière,les", "irrégulière, les")), EXACT)),
    # gouvernement.fr answers 200 "Page introuvable" for its old URLs.
    "gouvernement-conseil-ministres-mediterranee": SourceWorld(
        SoftNotFound(), captures=(Capture("20140904072010"),),
        quotes=(EXACT, Typographic(), EXACT)),
    # The Telegraph: https, a metered paywall marked up in JSON-LD, some pages gone.
    "telegraph-nato-fence": SourceWorld(
        Paywall(), captures=(Capture("20140906214530"),),
        quotes=(EXACT, EXACT, EXACT, Straight(), EXACT)),
    "telegraph-stowaways-besiege-calais": SourceWorld(Live(), (Capture("20140905132044"),)),
    "telegraph-migrants-storm-ferry": SourceWorld(Gone(404), (Capture("20140903061218"),)),
    # A regional paper on an overloaded server.
    "nordlittoral-londres-offre-clotures": SourceWorld(
        Slow(), captures=(Capture("20140908045512"),),
        quotes=(Typographic(),
                Fix(("Demain [...],", "Demain, écrit-il dans le Daily Telegraph,")),
                EXACT)),
    # Reuters: the UK edition's URLs go to www.reuters.com, behind DataDome. In
    # 2014 the URL redirected to its canonical form ("us-" for "uk-"), and the
    # archive holds that redirect and the page it led to.
    "reuters-migrants-defy-crackdown": SourceWorld(
        Moved("https://www.reuters.com/article/idUSKBN0H41QK20140910",
              BotChallenge("datadome")),
        captures=(Capture("20140910140211", 301, REUTERS_CANONICAL),
                  Capture("20140910140213", url=REUTERS_CANONICAL)),
        quotes=(EXACT, Typographic(), EXACT, EXACT, EXACT)),
    "figaro-polony-honte-europe": SourceWorld(
        Live(), captures=(Capture("20140913101740"),),
        quotes=(Typographic(), Typographic(), EXACT)),
    # The Express: behind Cloudflare's managed challenge today. Its 2014 article
    # was corrected after publication: the capture has the corrected figure.
    "express-migrants-brag": SourceWorld(
        Moved("https://www.express.co.uk/news/uk/511714/Calais-migrants-brag-about-"
              "getting-to-UK", BotChallenge("cloudflare")),
        captures=(Capture("20140917232015"),),
        quotes=(EXACT, EXACT, EXACT, Fix(("19,003", "18,003")))),
    # The Guardian: still there. The archive also holds a 404 captured the night
    # before publication and a later capture; the first capture after is chosen.
    # One passage the dossier attributes to this article is not in it.
    "guardian-uk-pledges-12m": SourceWorld(
        Live(), captures=(Capture("20140919230102", 404), Capture("20140920163044"),
                          Capture("20141021091130")),
        quotes=(EXACT, ABSENT, EXACT, EXACT)),
    "nouvelobs-accord-franco-britannique": SourceWorld(
        Moved("https://www.nouvelobs.com/topnews/20140920.REU8764/accord-franco-britannique"
              "-pour-gerer-l-immigration-a-calais.html"),
        captures=(Capture("20140920184502"),),
        quotes=(EXACT, EXACT, EXACT, Typographic())),
    # France 3's regional sites merged: every old URL goes to the region's front.
    "france3-hcr-demande-voisins": SourceWorld(
        Moved("https://france3-regions.francetvinfo.fr/hauts-de-france/",
              SectionFront("Hauts-de-France")),
        captures=(Capture("20140926173905"),),
        quotes=(EXACT, EXACT, EXACT, Typographic())),
    # UNHCR folded unhcr.fr into unhcr.org/fr/.
    "unhcr-fr-action-urgente": SourceWorld(
        Moved("https://www.unhcr.org/fr/actualites/communiques-de-presse/le-hcr-appelle-une-"
              "action-urgente-calais"),
        captures=(Capture("20140927081210"),),
        quotes=(Typographic(), EXACT, EXACT, EXACT)),
    "unhcr-en-urgent-action": SourceWorld(
        Live(), captures=(Capture("20140926130518"),),
        quotes=(EXACT, EXACT, Fix(("iinformed", "informed")), EXACT, EXACT)),
}
