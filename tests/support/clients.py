"""HTTP clients for tests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from archiver.net import HttpClient, HttpResponse


class CountingClient(HttpClient):
    """An HttpClient that remembers every URL it was asked for."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(allow_private=True, **kw)
        self.urls: list[str] = []

    def get(self, url: str, *, headers: Mapping[str, str] | None = None, **kw: Any
            ) -> HttpResponse:
        self.urls.append(url)
        return super().get(url, headers=headers, **kw)
