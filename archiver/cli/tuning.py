"""Option bundles: the tuning options of a stage, shared by every command that runs it.

As sqlite-utils bundles its output options in one decorator (``output_options``
in sqlite_utils/cli.py), each bundle here adds a stage's options to a command and
hands the command one value (:class:`CheckTuning`, :class:`~.fetch_tuning.FetchTuning`) instead
of a dozen keyword arguments, so ``check``, ``fetch`` and ``run`` cannot drift
apart in names, defaults or help. Defaults are the library's ``DEFAULT_*``
constants (as lychee's CLI takes its defaults from lychee-lib).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import timedelta
from typing import Any, TypeVar

import click

from archiver.check import CheckOptions
from archiver.cli.configfile import current_config
from archiver.config import parse_statuses
from archiver.history import DEAD_AFTER_FAILURES, MIN_FAILURE_INTERVAL, HistoryPolicy
from archiver.models import HostSettings
from archiver.net import (
    DEFAULT_BACKOFF,
    DEFAULT_CONCURRENCY,
    DEFAULT_DEADLINE,
    DEFAULT_MAX_BYTES,
    DEFAULT_PER_HOST_CONCURRENCY,
    DEFAULT_PER_HOST_INTERVAL,
    DEFAULT_RETRIES,
    DEFAULT_USER_AGENT,
)

F = TypeVar("F", bound=Callable[..., Any])


def bundle(name: str, cls: type[Any], options: list[Callable[[F], F]]) -> Callable[[F], F]:
    """A decorator adding ``options`` and passing their values as one ``cls`` called ``name``.

    Fields marked ``metadata={"config": True}`` are not options: they come from
    the configuration file (:func:`archiver.cli.configfile.current_config`).
    """
    keys = [f.name for f in fields(cls) if not f.metadata.get("config")]
    from_config = [f.name for f in fields(cls) if f.metadata.get("config")]

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            values = {key: kwargs.pop(key) for key in keys}
            config = current_config()
            values.update({key: getattr(config, key) for key in from_config})
            kwargs[name] = cls(**values)
            return fn(*args, **kwargs)

        out: Any = wrapper
        for option in reversed(options):
            out = option(out)
        return out  # type: ignore[no-any-return]

    return decorate


# --------------------------------------------------------------------------
# check
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckTuning:
    """How links are checked and how their history is judged (``check`` and ``run``)."""

    dead_after: int = DEAD_AFTER_FAILURES
    dead_interval: float = MIN_FAILURE_INTERVAL.total_seconds() / 86400
    concurrency: int = DEFAULT_CONCURRENCY
    per_host_concurrency: int = DEFAULT_PER_HOST_CONCURRENCY
    per_host_interval: float = DEFAULT_PER_HOST_INTERVAL
    timeout: float = DEFAULT_DEADLINE
    max_bytes: int = DEFAULT_MAX_BYTES
    retries: int = DEFAULT_RETRIES
    backoff: float = DEFAULT_BACKOFF
    user_agent: str = DEFAULT_USER_AGENT
    canary: str | None = None
    no_probe: bool = False
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    accept: tuple[str, ...] = ()
    #: ``[hosts."NAME"]`` tables of the configuration file (no flag).
    hosts: tuple[HostSettings, ...] = field(default=(), metadata={"config": True})

    def check_options(self, *, allow_private: bool, proxy: str | None) -> CheckOptions:
        return CheckOptions(
            user_agent=self.user_agent, deadline=self.timeout, max_bytes=self.max_bytes,
            concurrency=self.concurrency, per_host_concurrency=self.per_host_concurrency,
            per_host_interval=self.per_host_interval, retries=self.retries,
            backoff=self.backoff, allow_private=allow_private,
            soft404_probe=not self.no_probe, canary=self.canary, proxy=proxy,
            include=self.include, exclude=self.exclude,
            accept=parse_statuses(self.accept), hosts=self.hosts)

    def history_policy(self) -> HistoryPolicy:
        return HistoryPolicy(dead_after=self.dead_after,
                             min_interval=timedelta(days=self.dead_interval))


def _accept_callback(ctx: click.Context, param: click.Parameter,
                     value: tuple[str, ...]) -> tuple[str, ...]:
    try:
        parse_statuses(value)
    except ValueError as err:
        raise click.BadParameter(str(err)) from None
    return value


def _patterns_callback(ctx: click.Context, param: click.Parameter,
                       value: tuple[str, ...]) -> tuple[str, ...]:
    for pattern in value:
        try:
            re.compile(pattern)
        except re.error as err:
            raise click.BadParameter(f"{pattern!r} is not a regular expression: {err}") from None
    return value


check_tuning_options = bundle("check_tuning", CheckTuning, [
    click.option("--dead-after", type=click.IntRange(min=1), default=DEAD_AFTER_FAILURES,
                 show_default=True, help="Failing checks before a link is dead."),
    click.option("--dead-interval", type=click.FloatRange(min=0), metavar="DAYS",
                 default=MIN_FAILURE_INTERVAL.total_seconds() / 86400, show_default=True,
                 help="Minimum days between two failing checks that count."),
    click.option("--concurrency", type=click.IntRange(min=1), default=DEFAULT_CONCURRENCY,
                 show_default=True, help="Requests in flight over all hosts."),
    click.option("--per-host-concurrency", type=click.IntRange(min=1),
                 default=DEFAULT_PER_HOST_CONCURRENCY, show_default=True,
                 help="Requests in flight per host."),
    click.option("--per-host-interval", type=click.FloatRange(min=0), metavar="SECONDS",
                 default=DEFAULT_PER_HOST_INTERVAL, show_default=True,
                 help="Minimum seconds between two request starts on one host."),
    click.option("--timeout", type=click.FloatRange(min=0, min_open=True), metavar="SECONDS",
                 default=DEFAULT_DEADLINE, show_default=True,
                 help="Total deadline per request: connect, headers and body."),
    click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES,
                 show_default=True, help="Body size cap per response (the rest is not read)."),
    click.option("--retries", type=click.IntRange(min=0), default=DEFAULT_RETRIES,
                 show_default=True, help="Retries of transient failures."),
    click.option("--backoff", type=click.FloatRange(min=0), metavar="SECONDS",
                 default=DEFAULT_BACKOFF, show_default=True,
                 help="First retry delay; doubles each retry, with jitter."),
    click.option("--user-agent", default=DEFAULT_USER_AGENT, show_default=True,
                 help="User-Agent header. Keep a way to contact you in it."),
    click.option("--canary", metavar="URL", default=None,
                 help="A URL that is always up: if it fails, the run is inconclusive "
                 "(exit 4). Off by default."),
    click.option("--no-probe", is_flag=True, default=False,
                 help="Do not ask sites for a random sibling URL (soft-404 detection by "
                 "comparison; one extra request per host and folder)."),
    click.option("--include", multiple=True, metavar="REGEX", callback=_patterns_callback,
                 help="Check URLs matching this pattern even if an --exclude matches "
                 "(repeatable). With --include but no --exclude, only matching URLs are "
                 "checked."),
    click.option("--exclude", multiple=True, metavar="REGEX", callback=_patterns_callback,
                 help="Do not check URLs matching this pattern (Python regex, searched in "
                 "the URL; repeatable); they are listed as ignored."),
    click.option("--accept", multiple=True, metavar="STATUSES", callback=_accept_callback,
                 help="Error statuses that count as alive, e.g. 403 or 500..=503 "
                 "(repeatable, or comma-separated). A 200 judged soft-404 stays one."),
])
