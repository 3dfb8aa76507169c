"""requests and urllib3 under the total deadline and the connect-time peer check.

Our urllib3 connection classes register every socket with the watchdog of the
current thread's request (:func:`.deadline.watch_deadline`) and run the
connect-time peer check of :mod:`archiver.net.guard`; :class:`WatchedAdapter`
puts them under a requests session, direct and through proxies alike. Split
from :mod:`.deadline` so that only the blocking client loads requests.
"""

from __future__ import annotations

from typing import Any

from requests.adapters import DEFAULT_POOLSIZE, HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from archiver.net.deadline import register_sock
from archiver.net.guard import check_peer


class _Watched:
    """Mixed into urllib3's connection classes: every socket is judged by the
    address guard as soon as it is connected (before TLS or any HTTP byte) and
    registered with the current request's deadline."""

    sock: Any

    def _new_conn(self) -> Any:
        sock = super()._new_conn()  # type: ignore[misc]
        check_peer(sock)
        return sock

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        register_sock(self.sock)

    def getresponse(self) -> Any:
        check_peer(self.sock)
        register_sock(self.sock)
        return super().getresponse()  # type: ignore[misc]


class _WatchedHTTPConnection(_Watched, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class WatchedAdapter(HTTPAdapter):
    """A requests adapter whose connections obey the deadline and the peer check.

    Direct requests find their host's connection pool in a plain dict, read
    without a lock: urllib3's PoolManager takes one lock per lookup (its
    RecentlyUsedContainer), and 80 threads checking 20 hosts queued on it. The
    PoolManager still creates the pools and drops the least recently used
    beyond ``pool_connections``; the dict is emptied whenever it holds that
    many, so open sockets stay bounded by the pools' sizes (with 1,000 hosts,
    pools come and go as before). A closed pool found in the dict is looked up
    again.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._pool_cache: dict[tuple[Any, ...], Any] = {}
        super().__init__(*args, **kwargs)

    def get_connection_with_tls_context(self, request: Any, verify: Any,
                                        proxies: Any = None, cert: Any = None) -> Any:
        if proxies:  # a proxy's pools are the ProxyManager's: the usual path
            return super().get_connection_with_tls_context(request, verify, proxies, cert)
        url = str(request.url)
        parts = url.split("/", 3)  # "scheme:", "", "host:port", path
        key = (parts[0].lower(), parts[2] if len(parts) > 2 else "", verify, cert)
        found = self._pool_cache.get(key)
        if found is not None and found.pool is not None:  # None once the manager closed it
            return found
        pool = super().get_connection_with_tls_context(request, verify, proxies, cert)
        # urllib3 2 drops (does not close) the pools its manager evicts; they close
        # their sockets when collected, so the dict never holds more pools than the
        # manager keeps: at most twice pool_connections pools are ever alive.
        if len(self._pool_cache) >= getattr(self, "_pool_connections", DEFAULT_POOLSIZE):
            self._pool_cache.clear()
        self._pool_cache[key] = pool
        return pool

    def close(self) -> None:
        self._pool_cache.clear()
        super().close()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _WatchedHTTPPool, "https": _WatchedHTTPSPool,
        }
        self.poolmanager.key_fn_by_scheme = dict(self.poolmanager.key_fn_by_scheme)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        # Requests through a proxy use a ProxyManager of their own: without our
        # pool classes there, the total deadline would not cover them.
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}
        return manager
