"""The numbers, status sets and markers a link check judges by, each with its source.

Nothing here acts: :mod:`.classify`, :mod:`.soft404`, :mod:`.offline`,
:mod:`.options` and :mod:`.checker` read these. Sources are public: RFCs for
the status codes, lychee (``lycheeverse/lychee``) for the host slowdown,
InternetArchiveBot (``internetarchive/internetarchivebot``) and its checking
library DeadlinkChecker (``wikimedia/DeadlinkChecker``) for paywall codes and
404-looking URLs, linkinator (``JustinBeckwith/linkinator``) for LinkedIn's 999,
Google's structured-data documentation for paywall markup. A number with no
source is the project's own choice and says what it is based on.
"""

from __future__ import annotations

import re

# --------------------------------------------------------------------------
# Offline detection
# --------------------------------------------------------------------------

#: A run is offline when more than this share of its distinct hosts failed at
#: the network level: issue #3 asks for "most hosts", so more than half.
OFFLINE_HOST_SHARE = 0.5
#: ... and at least this many distinct hosts were checked: with one host, "most
#: hosts" says nothing about the network (use a canary for one-host manifests).
OFFLINE_MIN_HOSTS = 2
#: Error kinds (see :meth:`archiver.net.HttpClient.get`) that mean "we could not
#: reach the host at all": DNS and connect failures. Timeouts are left out: a
#: slow server is a common, host-specific failure.
NETWORK_LEVEL_ERRORS = frozenset({"dns", "dns_failure", "refused", "unreachable",
                                  "connection", "proxy", "proxy_unreachable"})

# --------------------------------------------------------------------------
# Politeness
# --------------------------------------------------------------------------

#: On a 429 the host's gap between requests doubles, starting at least here.
#: lychee starts at 500 ms and doubles up to 30 s (lychee-lib/src/ratelimit/
#: host/host.rs, ``Host::update_stats_and_backoff``); our default gap is already 1 s.
HOST_SLOWDOWN_FLOOR = 1.0
#: lychee's cap, from the same function.
HOST_SLOWDOWN_CEILING = 30.0

# --------------------------------------------------------------------------
# Soft 404 by comparison with a random sibling URL
# --------------------------------------------------------------------------

#: A 200 page whose text is at least this similar to the site's answer for a URL
#: that cannot exist is a soft 404. Our choice: template pages of one site score
#: 0.95-1.0 against each other, real articles well under 0.8 against an error
#: page. (benhoyt/soft404, soft404.py ``IDENTICAL_RATIO``, asks 0.95 of a
#: difflib ratio over the raw HTML; ours is a Jaccard score over text 3-grams.)
SOFT404_SIMILARITY = 0.9
#: Pages with fewer words than this are not compared: a JavaScript app serves the
#: same near-empty shell for every URL, real or not.
SOFT404_MIN_WORDS = 20
#: A page is a JavaScript application shell when its visible text (markup,
#: scripts, styles and ``<noscript>`` left out) has fewer words than this and it
#: has at least one ``<script>`` element: its script, reading the address, makes
#: the page, so the same shell for every URL proves nothing. Any other page that
#: a site serves byte for byte (or word for word) both for a source's URL and for
#: a URL that cannot exist is a soft 404. Our choice, equal to the minimum above.
APP_SHELL_MAX_WORDS = SOFT404_MIN_WORDS
#: The words of a URL a "not found" page may echo are left out of both pages
#: before they are compared, except words shorter than this (``a``, ``n``, ``de``)
#: and :data:`URL_STOP_WORDS`: those are on almost every page of a site, and
#: they say nothing about which page it is. Our choice.
URL_WORD_MIN_LETTERS = 3
#: Function words common in news URLs (French, English, German, Spanish, Italian,
#: three letters and more), and the file extensions of a path.
URL_STOP_WORDS = frozenset("""
    les des une aux par pour sur dans avec sans sous chez vers entre qui que quoi
    dont est sont ont pas plus tout tous toute toutes mais leur leurs cette ces ses
    son nos vos elle elles ils nous vous comme après apres avant été
    the and for with from that this these those are was were has have had not but
    its his her our out you your they their them into over after before about will
    can who what when how why all
    der die das und mit von den dem ein eine einer eines ist auf für
    los las del por con para una uno
    della delle degli dei gli per con una
    html htm php asp aspx jsp shtml cgi
""".split())
#: Bodies are compared on their first bytes only (enough for any article page).
SIMILARITY_MAX_BYTES = 512 * 1024
#: The sibling probe asks for a path segment that cannot exist.
PROBE_PREFIX = "archiver-probe-"

# --------------------------------------------------------------------------
# Statuses, by class. Anything else 4xx is "gone"; anything else 5xx "transient".
# --------------------------------------------------------------------------

#: 404 Not Found and 410 Gone (RFC 9110 §15.5.5, §15.5.11).
GONE_STATUSES = frozenset({404, 410})
#: 402 Payment Required (RFC 9110 §15.5.3).
PAYWALL_STATUSES = frozenset({402})
#: Refusals, never proof that a page is dead:
#:
#: * 401 Unauthorized, 403 Forbidden (RFC 9110 §15.5.2, §15.5.4), 451
#:   Unavailable For Legal Reasons (RFC 7725 §3), as issue #3 lists them;
#: * 999, LinkedIn's bot wall (linkinator src/index.ts:431-436 skips it rather
#:   than call it broken);
#: * 412, 428, 440, 449: with 401/402/403, the codes InternetArchiveBot treats as
#:   "paywall", not dead (internetarchivebot app/src/Core/parse.php:3731);
#: * 406, 418: answers some web application firewalls give robots. Our choice;
#:   there is no public list of them.
BLOCKED_STATUSES = frozenset({401, 403, 451, 999, 406, 412, 418, 428, 440, 449})
#: 408 Request Timeout (RFC 9110 §15.5.9), 425 Too Early (RFC 8470 §5.2), 429 Too
#: Many Requests (RFC 6585 §4). lychee retries 408, 429 and 5xx alike
#: (lychee-lib/src/retry.rs:21-24).
TRANSIENT_STATUSES = frozenset({408, 425, 429})

#: Transport failures (``NetError.kind``) classed ``transient``, hence retried.
#: lychee does not retry connect errors (lychee-lib/src/retry.rs:30-34); we
#: retry refused and unreachable hosts too (our choice).
TRANSIENT_ERRORS = frozenset({"timeout", "reset", "refused", "unreachable", "connection",
                              "proxy", "proxy_unreachable", "dns_failure"})

# --------------------------------------------------------------------------
# Bot challenges and paywalls
# --------------------------------------------------------------------------

#: Bot-challenge markers, searched in the lower-cased start of a body; each is
#: a string the named vendor's challenge page carries. Strong ones mean a
#: challenge whatever the status; weak ones only on an error status, because
#: Cloudflare injects its challenge-platform script into ordinary 200 pages too.
#: (Cloudflare's own signal is the ``cf-mitigated: challenge`` header, see
#: :func:`archiver.check.classify.challenge_marker`.)
CHALLENGE_MARKERS_STRONG = (
    b"<title>just a moment...</title>",  # Cloudflare managed challenge
    b"cf_chl_opt",  # Cloudflare challenge options
    b"captcha-delivery.com",  # DataDome
    b"px-captcha",  # PerimeterX / HUMAN
)
CHALLENGE_MARKERS_WEAK = (
    b"/cdn-cgi/challenge-platform/",
    b"attention required! | cloudflare",
    b"cf-browser-verification",
    b"_incapsula_resource",  # Imperva
    b"sucuri website firewall",
    b"ddos-guard",
    b"captcha",
)
#: Markers, titles and paywall markup are looked for in this many first bytes.
MARKER_WINDOW = 64 * 1024

#: schema.org markup for paywalled articles (Google Search Central, "Subscription
#: and paywalled content" structured data: ``"isAccessibleForFree": false``).
PAYWALL_MARKUP_RE = re.compile(rb'"isaccessibleforfree"\s*:\s*"?false', re.IGNORECASE)
#: A redirect that lands here means "log in or pay first".
LOGIN_PATH_RE = re.compile(
    r"(?:^|/)(?:login|log-in|signin|sign-in|connexion|se-connecter|subscribe|subscription|"
    r"abonnement|abonnez-vous|paywall|register|inscription)(?:[/.?_-]|$)", re.IGNORECASE)
#: A redirect that lands on a 404-looking URL. InternetArchiveBot's checker calls
#: a final URL with "/404.htm", "/404/" or "notfound" dead, "REDIRECT TO 404"
#: (DeadlinkChecker src/CheckIfDead.php:725-730); we add the French spellings.
NOT_FOUND_URL_RE = re.compile(
    r"(?:^|[/_.=-])(?:404|not[-_]?found|page[-_]?not[-_]?found|page[-_]?introuvable|"
    r"erreur[-_]?404|error[-_]?404|introuvable)(?:[/_.?&=-]|$)", re.IGNORECASE)
#: Site roots and home pages: "/", "/index.html", "/home", "/fr/", "/en-gb/".
#: A redirect to one is InternetArchiveBot's "REDIRECT TO ROOT"
#: (DeadlinkChecker src/CheckIfDead.php:739-746).
HOME_PATH_RE = re.compile(
    r"^/?(?:(?:index|default|home|accueil|start)(?:\.[a-z]{2,5})?/?|[a-z]{2}(?:[-_][a-z]{2})?/?)?$",
    re.IGNORECASE)
#: "Not found" page titles. "introuvable" and "not found" alone would match real
#: headlines ("Une solution introuvable"), so they count only at the start of
#: the title or after a word such as "page".
NOT_FOUND_TITLE_RE = re.compile(
    r"\b(?:error|erreur|fehler|errore)?\s*404\b"
    r"|\b(?:page|article|contenu|content|document|fichier|file|resource|ressource|seite|"
    r"pagina|página|url)s?\s+(?:not\s+found|introuvable|non\s+trouv[ée]e?|inexistante?|"
    r"nicht\s+gefunden|no\s+encontrad[ao]|non\s+trovat[ao]|niet\s+gevonden|"
    r"does\s+not\s+exist|n['’]existe\s+(?:pas|plus))"
    r"|^\s*(?:not\s+found|introuvable|oops|oups)\b",
    re.IGNORECASE)
