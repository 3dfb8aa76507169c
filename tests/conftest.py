"""Shared fixtures. Tests never touch the real web: servers run on 127.0.0.1."""

from __future__ import annotations

import os

import pytest


def pytest_collection_finish(session: pytest.Session) -> None:
    minimum = int(os.environ.get("ARCHIVER_MIN_TESTS", "0") or 0)
    if minimum and len(session.items) < minimum:
        raise pytest.UsageError(
            f"only {len(session.items)} tests collected; CI expects at least {minimum}")
