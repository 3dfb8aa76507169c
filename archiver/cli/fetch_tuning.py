"""The fetch stage's option bundle (``fetch`` and ``run``), beside :mod:`.tuning`'s check one.

A module of its own so that ``archiver check`` neither makes :class:`FetchTuning` nor
loads the archives' rate limits (:mod:`archiver.fetch.limits`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

from archiver.cli.tuning import bundle
from archiver.fetch.limits import (
    DEFAULT_DOWNLOADS_PER_SECOND,
    DEFAULT_LISTINGS_PER_MINUTE,
    LOCAL_DOWNLOADS_PER_SECOND,
    LOCAL_LISTINGS_PER_MINUTE,
)

if TYPE_CHECKING:
    from archiver.fetch.listing import Archive


@dataclass(frozen=True)
class FetchTuning:
    """Which archives are asked and how politely (``fetch`` and ``run``)."""

    cdx_apis: tuple[str, ...] = ()
    list_rate: float | None = None  # None: each archive's own rates
    download_rate: float | None = None
    operator: str | None = None

    def archive_list(self, archives: tuple[str, ...]) -> list[Archive]:
        """The ``--archive`` base URLs with their ``--cdx-api`` endpoints, in order."""
        from archiver.fetch.listing import INTERNET_ARCHIVE, Archive

        bases = list(archives) or [INTERNET_ARCHIVE.base]
        if len(self.cdx_apis) > len(bases):
            raise click.UsageError(
                f"{len(self.cdx_apis)} --cdx-api given for {len(bases)} archive(s); the n-th "
                "--cdx-api belongs to the n-th --archive")
        out = []
        for index, base in enumerate(bases):
            try:
                out.append(Archive.from_url(
                    base, self.cdx_apis[index] if index < len(self.cdx_apis) else None))
            except ValueError as err:
                raise click.BadParameter(str(err), param_hint="'--archive'") from None
        return out


fetch_tuning_options = bundle("fetch_tuning", FetchTuning, [
    click.option("--cdx-api", "cdx_apis", multiple=True, metavar="URL",
                 help="An IA-format CDX endpoint to list captures with instead of the "
                 "archive's TimeMap (repeatable: the n-th belongs to the n-th --archive)."),
    click.option("--list-rate", type=click.FloatRange(min=0, min_open=True),
                 metavar="PER_MINUTE", default=None,
                 help="CDX/TimeMap calls per minute per archive. Default: "
                 f"{DEFAULT_LISTINGS_PER_MINUTE:g} for the Internet Archive and other public "
                 f"archives, {LOCAL_LISTINGS_PER_MINUTE:g} for an archive on this machine or "
                 "the private network. Never above 24 for the Internet Archive."),
    click.option("--download-rate", type=click.FloatRange(min=0, min_open=True),
                 metavar="PER_SECOND", default=None,
                 help="Memento downloads per second per archive. Default: "
                 f"{DEFAULT_DOWNLOADS_PER_SECOND:g} for public archives, "
                 f"{LOCAL_DOWNLOADS_PER_SECOND:g} for a local one. Never above 2 for the "
                 "Internet Archive."),
    click.option("--operator", metavar="TEXT", default=None,
                 help="Who runs the fetch (person or organisation), recorded in each WARC."),
])
