"""HTML of the world: 2014 news pages for the archive, and today's pages for the proxy.

Every page is made up here from a :class:`Skin` (the publisher's name, sections
and habits) and the article text of :mod:`tests.world.text`: navigation,
breadcrumbs, a byline, related links, reader comments, a "most read" box,
JSON-LD, a 2014 analytics snippet; today's pages add a cookie banner, a
newsletter box and the current markup. Error pages, login walls, paywalls and
bot challenges look like the real kinds.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from archiver.models import Source


@dataclass(frozen=True)
class Skin:
    """A publisher's look: enough to make pages that are not all alike."""

    site: str
    home: str  # today's home page URL
    lang: str
    sections: tuple[str, ...]
    comments: bool = True
    kind: str = "news"  # news, gov (no comments, communiqué layout), ngo


SKINS: dict[str, Skin] = {
    "www.epresse.fr": Skin("ePresse.fr", "https://www.epresse.fr/", "fr",
                           ("Kiosque", "Quotidiens", "Magazines", "Mon compte"), False),
    "www.lavoixdunord.fr": Skin("La Voix du Nord", "https://www.lavoixdunord.fr/", "fr",
                                ("Région", "Calais", "Lille", "Sports", "Économie", "Loisirs")),
    "www.interieur.gouv.fr": Skin("Ministère de l'Intérieur", "https://www.interieur.gouv.fr/",
                                  "fr", ("Le ministère", "Actualités", "Communiqués",
                                         "Publications"), False, "gov"),
    "www.gouvernement.fr": Skin("Gouvernement.fr", "https://www.gouvernement.fr/", "fr",
                                ("Gouvernement", "Conseil des ministres", "Actions"),
                                False, "gov"),
    "www.ambafrance-es.org": Skin("La France en Espagne", "http://www.ambafrance-es.org/", "fr",
                                  ("L'Ambassade", "Actualités", "Consulats", "Visas"),
                                  False, "gov"),
    "www.telegraph.co.uk": Skin("The Telegraph", "https://www.telegraph.co.uk/", "en",
                                ("News", "UK News", "World", "Politics", "Sport", "Business")),
    "www.nordlittoral.fr": Skin("Nord Littoral", "https://www.nordlittoral.fr/", "fr",
                                ("Accueil", "Calais", "Faits divers", "Sports")),
    "uk.reuters.com": Skin("Reuters", "https://www.reuters.com/", "en",
                           ("Business", "Markets", "World", "UK", "Politics"), False),
    "www.reuters.com": Skin("Reuters", "https://www.reuters.com/", "en",
                            ("World", "Business", "Markets", "Legal"), False),
    "www.lefigaro.fr": Skin("Le Figaro", "https://www.lefigaro.fr/", "fr",
                            ("Politique", "International", "Vox", "Société", "Économie")),
    "www.express.co.uk": Skin("Express.co.uk", "https://www.express.co.uk/", "en",
                              ("News", "UK", "World", "Politics", "Showbiz")),
    "www.theguardian.com": Skin("The Guardian", "https://www.theguardian.com/", "en",
                                ("UK", "World", "Politics", "Opinion", "Sport")),
    "tempsreel.nouvelobs.com": Skin("Le Nouvel Observateur", "https://www.nouvelobs.com/", "fr",
                                    ("Politique", "Monde", "Société", "Topnews")),
    "www.nouvelobs.com": Skin("L'Obs", "https://www.nouvelobs.com/", "fr",
                              ("Politique", "Monde", "Société", "Idées")),
    "france3-regions.francetvinfo.fr": Skin(
        "France 3 Régions", "https://france3-regions.francetvinfo.fr/", "fr",
        ("Nord Pas-de-Calais", "Picardie", "Hauts-de-France", "Vidéos")),
    "www.unhcr.fr": Skin("HCR France", "https://www.unhcr.org/fr/", "fr",
                         ("Le HCR", "Actualités", "Communiqués", "Faire un don"), False, "ngo"),
    "www.unhcr.org": Skin("UNHCR", "https://www.unhcr.org/", "en",
                          ("About us", "News", "Press releases", "Donate"), False, "ngo"),
}

MOST_READ = {
    "fr": ("Les prévisions météo du week-end", "Le marché de Noël ouvre ses portes",
           "Travaux sur l'A16 : les déviations", "Le club s'impose à domicile"),
    "en": ("Weather: a warm end to the summer", "Rail fares to rise in January",
           "Five things to do this weekend", "Premier League: the weekend's results"),
}
WORDS = {
    "fr": {"by": "Par", "published": "Publié le", "related": "Sur le même sujet",
           "comments": "Réactions", "most_read": "Les plus lus", "home": "Accueil",
           "share": "Partager", "newsletter": "Recevez notre newsletter",
           "cookies": "Nous utilisons des cookies pour mesurer l'audience.",
           "accept": "Accepter", "subscribe": "Je m'abonne"},
    "en": {"by": "By", "published": "Published", "related": "Related articles",
           "comments": "Comments", "most_read": "Most read", "home": "Home",
           "share": "Share", "newsletter": "Sign up to our newsletter",
           "cookies": "We use cookies to improve your experience.",
           "accept": "Accept", "subscribe": "Subscribe"},
}


def e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _date_text(when: date | datetime, lang: str) -> str:
    if lang == "fr":
        return when.strftime("%d/%m/%Y") + (when.strftime(" à %Hh%M")
                                             if isinstance(when, datetime) else "")
    return when.strftime("%d %B %Y") + (when.strftime(" %H:%M")
                                         if isinstance(when, datetime) else "")


def _json_ld(source: Source, skin: Skin, url: str, when: datetime, *,
             free: bool = True) -> str:
    data: dict[str, object] = {
        "@context": "http://schema.org", "@type": "NewsArticle",
        "headline": source.title, "url": url,
        "datePublished": when.strftime("%Y-%m-%dT%H:%M:%S+02:00"),
        "publisher": {"@type": "Organization", "name": skin.site},
        "inLanguage": source.language,
    }
    if source.author:
        data["author"] = [{"@type": "Person", "name": a.strip()}
                          for a in source.author.split("&")]
    if not free:
        data["isAccessibleForFree"] = False
        data["hasPart"] = {"@type": "WebPageElement", "isAccessibleForFree": False,
                           "cssSelector": ".premium-content"}
    text = json.dumps(data, ensure_ascii=False, indent=1).replace("</", "<\\/")
    return f'<script type="application/ld+json">{text}</script>'


def slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")


def _nav(skin: Skin) -> str:
    items = "".join(f'<li><a href="{e(skin.home)}{slug(s)}/">{e(s)}</a></li>'
                    for s in skin.sections)
    return f'<nav class="main-nav"><ul>{items}</ul></nav>'


def article_2014(source: Source, url: str, when: datetime, body: list[str],
                 related: list[tuple[str, str]], comments: list[tuple[str, str]]) -> str:
    """A news page as the publisher served it in 2014."""
    host = url.split("/")[2]
    skin = SKINS[host]
    w = WORDS[skin.lang]
    byline = f'<p class="byline">{w["by"]} <span class="author">{e(source.author)}</span></p>' \
        if source.author else ""
    paras = "\n".join(f"<p>{e(p)}</p>" for p in body)
    rel = "".join(f'<li><a href="{e(u)}">{e(t)}</a></li>' for t, u in related)
    rel_block = f'<aside class="related"><h3>{w["related"]}</h3><ul>{rel}</ul></aside>' \
        if rel else ""
    com = "".join(f'<li class="comment"><span class="pseudo">{e(n)}</span>'
                  f"<p>{e(t)}</p></li>" for n, t in comments)
    com_block = (f'<section id="comments"><h3>{w["comments"]} ({len(comments)})</h3>'
                 f"<ol>{com}</ol></section>") if skin.comments and comments else ""
    most = "".join(f"<li><a href=\"{e(skin.home)}\">{e(t)}</a></li>"
                   for t in MOST_READ[skin.lang])
    layout = "communique" if skin.kind == "gov" else "article"
    shown_date = e(_date_text(when, skin.lang))
    section = skin.sections[1 if len(skin.sections) > 1 else 0]
    search = "/recherche" if skin.lang == "fr" else "/search"
    return f"""<!DOCTYPE html>
<html lang="{e(source.language)}">
<head>
<meta charset="utf-8">
<title>{e(source.title)} - {e(skin.site)}</title>
<meta name="description" content="{e(body[0][:150])}">
<meta property="og:title" content="{e(source.title)}">
<meta property="og:url" content="{e(url)}">
<meta property="og:site_name" content="{e(skin.site)}">
<link rel="canonical" href="{e(url)}">
{_json_ld(source, skin, url, when)}
<script type="text/javascript">
var _gaq = _gaq || [];
_gaq.push(['_setAccount', 'UA-1234567-1']);
_gaq.push(['_trackPageview']);
var xtsite = "{e(skin.site)}"; var xtpage = "{e(layout)}::{e(source.id)}";
</script>
</head>
<body class="{layout}">
<div id="header"><a class="logo" href="{e(skin.home)}">{e(skin.site)}</a>
<form class="search" action="{search}"><input name="q"></form></div>
{_nav(skin)}
<div class="breadcrumb"><a href="{e(skin.home)}">{w["home"]}</a> &gt;
<a href="{e(skin.home)}{slug(section)}/">{e(section)}</a></div>
<div id="content">
<article itemscope itemtype="http://schema.org/NewsArticle">
<h1 itemprop="headline">{e(source.title)}</h1>
{byline}
<p class="date">{w["published"]} <time datetime="{when.isoformat()}">{shown_date}</time></p>
<div class="share">{w["share"]}: Facebook · Twitter · Google+ · E-mail</div>
<div class="article-body" itemprop="articleBody">
{paras}
</div>
</article>
{rel_block}
{com_block}
</div>
<div id="sidebar"><h3>{w["most_read"]}</h3><ol>{most}</ol>
<div class="ad">Publicité</div></div>
<div id="footer"><p>© 2014 {e(skin.site)} · Mentions légales · Contact · Plan du site</p></div>
</body>
</html>
"""


def _today_shell(skin: Skin, title: str, main: str, *, head: str = "") -> str:
    w = WORDS[skin.lang]
    return f"""<!DOCTYPE html>
<html lang="{skin.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)}</title>
{head}
<script async src="/assets/app.3f9c2b.js"></script>
</head>
<body>
<div class="cookie-banner" role="dialog">{w["cookies"]} <button>{w["accept"]}</button></div>
<header class="site-header"><a class="logo" href="{e(skin.home)}">{e(skin.site)}</a>
{_nav(skin)}<a class="cta" href="{e(skin.home)}abonnement">{w["subscribe"]}</a></header>
<main>
{main}
</main>
<aside class="newsletter">{w["newsletter"]} <input type="email"></aside>
<footer><p>© 2026 {e(skin.site)}</p></footer>
</body>
</html>
"""


def article_today(source: Source, url: str, body: list[str], *, free: bool = True) -> str:
    """The article as the site serves it today (a paywall shows only its start)."""
    skin = SKINS[url.split("/")[2]]
    shown = body if free else body[:1]
    paras = "\n".join(f"<p>{e(p)}</p>" for p in shown)
    premium = "" if free else (
        '<div class="premium-content paywall"><p>Cet article est réservé aux abonnés.</p>'
        if skin.lang == "fr" else
        '<div class="premium-content paywall"><p>This article is for subscribers only.</p>'
    ) + "</div>"
    when = datetime.combine(source.published, datetime.min.time())
    main = (f"<article><h1>{e(source.title)}</h1>"
            f'<div class="article-body">{paras}</div>{premium}</article>')
    return _today_shell(skin, f"{source.title} | {skin.site}", main,
                        head=_json_ld(source, skin, url, when, free=free))


def not_found_today(host: str, status: int = 404) -> str:
    skin = SKINS[host]
    title = "Page introuvable" if skin.lang == "fr" else "Page not found"
    text = ("La page que vous cherchez n'existe pas ou a été déplacée."
            if skin.lang == "fr" else "Sorry, the page you were looking for does not exist.")
    if status == 410:
        text = ("Ce contenu a été retiré." if skin.lang == "fr"
                else "This content has been removed.")
    return _today_shell(skin, f"{title} | {skin.site}", f"<h1>{title}</h1><p>{text}</p>")


def home_today(host: str) -> str:
    skin = SKINS[host]
    items = "".join(f"<li><a href=\"{e(skin.home)}\">{e(t)}</a></li>"
                    for t in MOST_READ[skin.lang])
    title = f"{skin.site} : l'actualité en direct" if skin.lang == "fr" else \
        f"{skin.site}: latest news"
    return _today_shell(skin, title, f"<h1>{e(skin.site)}</h1><ul>{items}</ul>")


def section_today(host: str, name: str) -> str:
    skin = SKINS[host]
    items = "".join(f"<li><a href=\"{e(skin.home)}\">{e(t)}</a></li>"
                    for t in MOST_READ[skin.lang])
    return _today_shell(skin, f"{name} : l'actualité | {skin.site}",
                        f"<h1>{e(name)}</h1><ul>{items}</ul>")


def login_today(host: str) -> str:
    skin = SKINS[host]
    form = ('<form method="post" action="/connexion"><label>E-mail <input name="email">'
            '</label><label>Mot de passe <input type="password" name="password"></label>'
            "<button>Se connecter</button></form><p>Pas encore de compte ? "
            "<a href=\"/inscription\">Créer un compte</a></p>")
    return _today_shell(skin, f"Connexion | {skin.site}", f"<h1>Connexion</h1>{form}")


def cloudflare_challenge() -> str:
    return """<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="refresh" content="390"></head><body><div class="main-wrapper">
<h1>Checking if the site connection is secure</h1>
<noscript>Enable JavaScript and cookies to continue</noscript></div>
<script>(function(){window._cf_chl_opt={cvId: '3',cZone: "www.express.co.uk",
cType: 'managed'};var a = document.createElement('script');
a.src = '/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1';
document.getElementsByTagName('head')[0].appendChild(a);}());</script></body></html>"""


def datadome_challenge() -> str:
    return """<html><head><title>reuters.com</title><style>#cmsg{animation: A 1.5s;}</style>
</head><body style="margin:0"><p id="cmsg">Please enable JS and disable any ad blocker</p>
<script data-cfasync="false">var dd={'rt':'c','cid':'AHrlqAAAAAMA','hsh':'2013457ADA70C67D',
't':'bv','s':45227,'host':'geo.captcha-delivery.com'}</script>
<script data-cfasync="false" src="https://ct.captcha-delivery.com/c.js"></script>
</body></html>"""
