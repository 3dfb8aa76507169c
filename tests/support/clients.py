"""HTTP clients for tests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from archiver.net import HttpClient, HttpResponse
from archiver.net.aio import AsyncHttpClient


class CountingClient(HttpClient):
    """An HttpClient that remembers every URL it was asked for."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(allow_private=True, **kw)
        self.urls: list[str] = []

    def get(self, url: str, *, headers: Mapping[str, str] | None = None, **kw: Any
            ) -> HttpResponse:
        self.urls.append(url)
        return super().get(url, headers=headers, **kw)

    def async_client(self, *, threads: int = 16) -> AsyncHttpClient:
        return _CountingAsync(self, threads=threads)


class _CountingAsync(AsyncHttpClient):
    """The asynchronous twin of a :class:`CountingClient`: counts into the same list."""

    client: CountingClient

    async def get(self, url: str, *, headers: Mapping[str, str] | None = None,
                  **kw: Any) -> HttpResponse:
        self.client.urls.append(url)
        return await super().get(url, headers=headers, **kw)
