"""Headless Chromium (Debian's package) for tests, driven by Playwright.

Playwright's own browser download is not used: it launches the system
``/usr/bin/chromium`` with ``--headless --no-sandbox --disable-gpu`` and the
flags that keep it off the network.
"""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def chromium_path() -> str:
    """The system Chromium, or skip (fail when ARCHIVER_REQUIRE_BROWSER is set)."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        import playwright  # noqa: F401
    except ImportError:
        path = None
    if path is None:
        message = "Debian's chromium (and the playwright package) are needed for browser tests"
        if os.environ.get("ARCHIVER_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    return path
