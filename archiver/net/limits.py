"""Every politeness and limit number of the HTTP layer, each with where it comes from.

Politeness is data: these are the defaults; stages may pass their own limits.
Tools cited: lychee (lycheeverse/lychee, ``lychee-lib/src/retry.rs`` and its CLI
defaults), LinkChecker (linkchecker/linkchecker, its ``linkcheckerrc``
defaults), wikimedia/DeadlinkChecker (``src/CheckIfDead.php``) and
InternetArchiveBot (its Meta-Wiki "FAQ for sysadmins").
"""

from __future__ import annotations

from archiver._version import __version__

#: Honest, stable User-Agent with a contact URL, like LinkChecker's
#: ``Mozilla/5.0 (compatible; LinkChecker/X; +url)`` form. A frozen browser UA
#: causes as many 403s as it avoids: an old spoofed Chrome/79 UA drew 403s that
#: went away with no UA at all (spectrocloud/librarium pull request 11714).
PROJECT_URL = "https://github.com/archiver-project/archiver"
DEFAULT_USER_AGENT = f"archiver/{__version__} (+{PROJECT_URL}; link and quote preservation)"

#: Total deadline per request, covering connect, headers and body. lychee uses
#: 20 s (``-t 20``), CheckIfDead 30 s (HEAD) / 60 s (GET); the issue asks for 30 s.
DEFAULT_DEADLINE = 30.0
#: Connect timeout inside the deadline.
DEFAULT_CONNECT_TIMEOUT = 10.0
#: Body cap. The body is needed for soft-404 detection; 5 MB holds any article page.
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
#: Redirects followed by hand in one walk (:mod:`.redirects`: a check, an archive
#: playback, a live page; also inside a WARC folder), as lychee (``-m 10``) and
#: LinkChecker (``maxhttpredirects=10``) follow.
MAX_REDIRECTS = 10
#: Per-host politeness: requests in flight and the gap between request starts.
#: IABot waits 1 s between requests to one site (InternetArchiveBot FAQ for
#: sysadmins: "wait 1 second in between requests going to the same site").
DEFAULT_PER_HOST_CONCURRENCY = 2
DEFAULT_PER_HOST_INTERVAL = 1.0
#: Hosts in parallel overall (requests in flight across all hosts).
DEFAULT_CONCURRENCY = 16
#: Statuses worth retrying (lychee ``lychee-lib/src/retry.rs``: timeouts, 408, 429, 5xx).
RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
#: Retries for transient failures, exponential backoff from 1 s with jitter
#: (lychee: ``--max-retries 3``, a wait that starts at 1 s and doubles).
DEFAULT_RETRIES = 3
DEFAULT_BACKOFF = 1.0
#: Retry-After is honoured up to this many seconds (lychee caps it at 60 s,
#: ``lychee-lib/src/ratelimit/host/host.rs``; we allow twice that).
MAX_RETRY_AFTER = 120.0

#: Bytes read from a response body at a time (our choice: large enough that a
#: 5 MB body is a hundred reads, small enough to notice a fired deadline soon).
CHUNK_SIZE = 64 * 1024
