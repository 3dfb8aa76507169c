"""The exceptions archiver raises.

Every error derives from :class:`ArchiverError`. A failing link, a missing
capture or a missing quote is a *result*, never an exception: only bad input,
bad configuration, an unusable environment and inconclusive runs abort.

This module imports nothing from third-party libraries, so every layer can
import it. Library errors are wrapped with ``raise ... from err``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path


class ArchiverError(Exception):
    """Base class for all archiver errors.

    ``message`` says what failed and where; ``hint`` says what to do about it.
    """

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\n  hint: {self.hint}"
        return self.message


# --------------------------------------------------------------------------
# Invalid input (exit code 3)
# --------------------------------------------------------------------------


class InputError(ArchiverError):
    """Input the user gave us cannot be used: a manifest, a config, a WARC, a path."""


class Severity(enum.StrEnum):
    """How bad a :class:`Problem` is: an error makes the input unusable."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located as precisely as we can."""

    file: str
    message: str
    hint: str | None = None
    source_id: str | None = None
    line: int | None = None
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
        if self.source_id:
            where += f" [source {self.source_id!r}]"
        text = f"{where}: {self.severity}: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class ManifestError(InputError):
    """A manifest is unreadable or invalid. ``problems`` lists every error found."""

    def __init__(self, path: Path | str, problems: list[Problem]) -> None:
        self.path = str(path)
        self.problems = problems
        errors = [p for p in problems if p.severity is Severity.ERROR]
        noun = "error" if len(errors) == 1 else "errors"
        super().__init__(
            f"{self.path}: {len(errors)} {noun} in manifest",
            hint="see manifests/example.toml for a commented example of the format",
        )

    def __str__(self) -> str:
        lines = [str(p) for p in self.problems]
        lines.append(f"{self.message}")
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)


class DossierError(InputError):
    """A press-dossier text cannot be read."""


class ConfigError(InputError):
    """An option or configuration value is invalid."""


class WarcError(InputError):
    """A WARC file is unreadable or malformed."""

    def __init__(self, message: str, *, path: Path | str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.path = str(path)


class StoreError(InputError):
    """Stored data (WARCs, history database) cannot be written or read."""


class ParseError(ArchiverError, ValueError):
    """Data from outside (an archive's answer, a stored record) does not parse.

    Always caught inside a stage and turned into a result (an unusable listing,
    a playback error); it never aborts a run.
    """


class LinkFormatError(ParseError):
    """A link-format document (RFC 6690) or ``Link`` header (RFC 8288) is malformed."""


# --------------------------------------------------------------------------
# Network (wrapped transport failures; usually turned into results)
# --------------------------------------------------------------------------


class NetErrorKind(enum.StrEnum):
    """Why a request got no usable answer: the values of :attr:`NetError.kind`.

    A :class:`~enum.StrEnum`, so each member equals its string value, and a kind
    written to a report or the history database is its plain value. The split of
    DNS failures follows getaddrinfo (an answer "no such name" versus no answer
    at all); the proxy kinds follow :mod:`archiver.net.proxy`.
    """

    #: The total deadline passed, or the connect or a read timed out (also a
    #: proxy's report that the site timed out).
    TIMEOUT = "timeout"
    #: The host name does not exist (NXDOMAIN): an answer, and evidence the site is gone.
    DNS = "dns"
    #: The DNS lookup got no answer (server failure, no network): says nothing about the site.
    DNS_FAILURE = "dns_failure"
    #: The host answered the connection attempt with a refusal (TCP RST).
    REFUSED = "refused"
    #: An open connection was reset or broken before the answer was complete.
    RESET = "reset"
    #: No route to the network or host (ENETUNREACH, EHOSTUNREACH).
    UNREACHABLE = "unreachable"
    #: Any other failure to connect or to read the answer.
    CONNECTION = "connection"
    #: The TLS handshake or the certificate check failed.
    TLS = "tls"
    #: The proxy could not get the site's answer (a refused CONNECT, its own
    #: error page, 407, a bare 502/504): the site itself was never reached.
    PROXY = "proxy"
    #: The configured proxy itself cannot be reached: a configuration problem.
    PROXY_UNREACHABLE = "proxy_unreachable"
    #: Refused by the private-address guard (loopback or private network, not allowed).
    PRIVATE = "private"
    #: The URL cannot be requested: no host, or a host name that is not valid.
    INVALID = "invalid"


class NetError(ArchiverError):
    """A request failed at the transport level. ``kind`` names the failure."""

    def __init__(
        self,
        message: str,
        *,
        url: str,
        kind: NetErrorKind,
        cause: BaseException | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.url = url
        self.kind = kind
        self.cause = cause


class PrivateAddressError(NetError):
    """A URL points at a loopback or private-network address and that is not allowed."""


class DeadlineExceeded(NetError):
    """A request did not complete within its total deadline."""


# --------------------------------------------------------------------------
# Inconclusive runs (exit code 4)
# --------------------------------------------------------------------------


class InconclusiveError(ArchiverError):
    """The run cannot reach a verdict: offline, archive unreachable or rate-limited."""


class ArchiveRateLimited(InconclusiveError):
    """An archive rate-limited us repeatedly; the run stopped to protect the user's IP."""

    def __init__(self, message: str, *, archive: str, retry_after: float | None,
                 hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.archive = archive
        self.retry_after = retry_after


class ArchiveUnreachable(InconclusiveError):
    """No archive could be reached."""

    def __init__(self, message: str, *, archive: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.archive = archive
