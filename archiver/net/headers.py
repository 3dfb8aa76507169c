"""HTTP header fields by case-insensitive name (RFC 9110 §5.1: names are case-insensitive).

The mapping of :class:`~.client.HttpResponse.headers`: what requests'
``CaseInsensitiveDict`` gives (the last spelling of a name is kept for
iteration), without loading requests, which the asynchronous client of a link
check does not use.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from typing import TypeVar, overload

_T = TypeVar("_T")


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

    @overload
    def get(self, key: str, /) -> str | None: ...

    @overload
    def get(self, key: str, /, default: str | _T) -> str | _T: ...

    def get(self, key: str, /, default: object = None) -> object:
        # one dict lookup: Mapping.get goes through __getitem__ and a caught KeyError
        # for an absent field, and a client asks for several absent ones per answer
        item = self._store.get(key.lower())
        return default if item is None else item[1]

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
    def joined(cls, fields: Iterable[tuple[str, str]]) -> Headers:
        """The header fields of an answer, in order: a name given again has its values
        joined with ", " (RFC 9110 §5.3) and keeps its last spelling. Built in one pass,
        a tenth of the cost of setting each field through the mapping."""
        store: dict[str, tuple[str, str]] = {}
        for name, value in fields:
            key = name.lower()
            known = store.get(key)
            store[key] = (name, value) if known is None else (name, f"{known[1]}, {value}")
        headers = cls()
        headers._store = store
        return headers

    def __repr__(self) -> str:
        return repr(dict(self.items()))
