"""Shared fixtures. Tests never touch the real web: servers run on 127.0.0.1."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support.pywb_archive import PywbArchive


def pytest_collection_finish(session: pytest.Session) -> None:
    minimum = int(os.environ.get("ARCHIVER_MIN_TESTS", "0") or 0)
    if minimum and len(session.items) < minimum:
        raise pytest.UsageError(
            f"only {len(session.items)} tests collected; CI expects at least {minimum}")


@pytest.fixture(scope="module")
def pywb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PywbArchive]:
    """A local pywb web archive, one per test module (collections are added per test)."""
    with PywbArchive(tmp_path_factory.mktemp("pywb")) as archive:
        yield archive
