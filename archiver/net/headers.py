"""HTTP header fields by case-insensitive name (RFC 9110 §5.1: names are case-insensitive).

The mapping of :class:`~.client.HttpResponse.headers`: what requests'
``CaseInsensitiveDict`` gives (the last spelling of a name is kept for
iteration), without loading requests, which the asynchronous client of a link
check does not use.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, MutableMapping


class Headers(MutableMapping[str, str]):
    """A ``str -> str`` mapping whose keys match regardless of case."""

    __slots__ = ("_store",)

    def __init__(self, data: Mapping[str, str] | Iterable[tuple[str, str]] | None = None
                 ) -> None:
        self._store: dict[str, tuple[str, str]] = {}
        if data is not None:
            self.update(data)

    def __setitem__(self, key: str, value: str) -> None:
        self._store[key.lower()] = (key, value)

    def __getitem__(self, key: str) -> str:
        return self._store[key.lower()][1]

    def __delitem__(self, key: str) -> None:
        del self._store[key.lower()]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._store

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._store.values())

    def __len__(self) -> int:
        return len(self._store)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        theirs = {str(k).lower(): v for k, v in other.items()}
        return {k: v for k, (_, v) in self._store.items()} == theirs

    __hash__ = None  # type: ignore[assignment]  # mutable

    def copy(self) -> Headers:
        return Headers(self._store.values())

    @classmethod
    def adopt(cls, fields: dict[str, tuple[str, str]]) -> Headers:
        """Headers over ``fields`` itself (``{name.lower(): (name, value)}``, not copied).

        For a parser that has built that dict already (the asynchronous client):
        a tenth of the cost of setting each field anew.
        """
        headers = cls()
        headers._store = fields
        return headers

    def __repr__(self) -> str:
        return repr(dict(self.items()))
