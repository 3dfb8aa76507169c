"""Live link health: one URL in, one classified :class:`~archiver.models.LinkResult` out.

A check is one GET with a streamed, size-capped body and a total deadline,
redirects walked by hand so every hop is recorded, then a *class* rather than a
bare status code:

=============  ==============================================================
``ok``          2xx, no material redirect
``redirected``  2xx, but the final URL differs materially from the manifest's
``gone``        404, 410, the host name does not exist, a redirect loop
``soft404``     a "not found" answered with 200: a redirect to the site root or
                a 404-looking URL, a "not found" title, or a body that matches
                the site's answer for a random sibling URL that cannot exist
``blocked``     401, 403, 451, 999, WAF codes, bot challenges (``cf-mitigated``)
``paywalled``   402, a redirect to a login or subscribe page, paywall markup
``transient``   timeout, reset, refused, DNS server failure, 408/425/429, 5xx
``tls_error``   the TLS handshake or certificate failed
``invalid``     not checkable: refused private address, bad redirect target
=============  ==============================================================

Only ``transient`` results are retried. A failing link is a result, never an
exception. Public API::

    from archiver.check import Checker, CheckOptions

    with Checker(CheckOptions(retries=1)) as checker:
        result = checker.check("s1", "https://example.org/article")  # LinkResult

Modules: :mod:`.rules` (numbers, status sets, markers and their sources),
:mod:`.options` (:class:`CheckOptions`), :mod:`.classify` (one answer, one
class; no network), :mod:`.soft404` (the sibling-URL comparison), :mod:`.retry`
(what is retried, after how long), :mod:`.offline` (an offline run's results
voided), :mod:`.policy` (``--fail-on``), :mod:`.checker` (the network part).
Concurrency lives in :mod:`archiver.pipeline`.
"""

from archiver.check.checker import Checker
from archiver.check.classify import (
    Verdict,
    classify_answer,
    classify_error,
    is_home_page,
    is_material_redirect,
    page_title,
)
from archiver.check.offline import (
    OfflineTally,
    judge_offline,
    void_result,
    void_results,
    voidable,
)
from archiver.check.options import CheckOptions
from archiver.check.retry import Attempt, final_result, retry_delay
from archiver.check.rules import PROBE_PREFIX
from archiver.check.soft404 import (
    ProbeAnswer,
    compare_with_probe,
    page_text,
    sibling_url,
    text_similarity,
)
from archiver.urls import host_of

__all__ = [
    "PROBE_PREFIX",
    "Attempt", "CheckOptions", "Checker", "OfflineTally", "ProbeAnswer", "Verdict",
    "classify_answer", "classify_error", "compare_with_probe", "final_result", "host_of",
    "is_home_page", "is_material_redirect", "judge_offline", "page_text", "page_title",
    "retry_delay", "sibling_url", "text_similarity", "void_result", "void_results",
    "voidable",
]
