"""WatchedAdapter finds a host's pool without the PoolManager's lock, and never a closed one."""

from __future__ import annotations

import requests

from archiver.net.proxy import no_proxy_entries
from archiver.net.watched import WatchedAdapter


def _prepared(url: str) -> requests.PreparedRequest:
    return requests.Request("GET", url).prepare()


def test_same_host_same_pool_and_never_more_pools_held_than_the_manager_keeps() -> None:
    adapter = WatchedAdapter(pool_connections=2, pool_maxsize=4)
    try:
        first = adapter.get_connection_with_tls_context(_prepared("http://a.example:8080/x"),
                                                        True)
        again = adapter.get_connection_with_tls_context(_prepared("http://a.example:8080/y"),
                                                        True)
        assert again is first and (first.host, first.port) == ("a.example", 8080)
        for n in range(10):  # ten hosts through a manager of two pools
            pool = adapter.get_connection_with_tls_context(
                _prepared(f"http://h{n}.example/"), True)
            assert pool.host == f"h{n}.example"
            assert len(adapter._pool_cache) <= 2
        # a pool closed meanwhile is not handed out from the dict
        latest = adapter.get_connection_with_tls_context(_prepared("http://h9.example/"), True)
        latest.close()
        adapter.poolmanager.clear()
        fresh = adapter.get_connection_with_tls_context(_prepared("http://h9.example/"), True)
        assert fresh is not latest and fresh.pool is not None
        # TLS settings are part of the key: https with and without verification differ
        checked = adapter.get_connection_with_tls_context(_prepared("https://c.example/"), True)
        unchecked = adapter.get_connection_with_tls_context(_prepared("https://c.example/"),
                                                            False)
        assert checked is not unchecked
    finally:
        adapter.close()


def test_requests_through_a_proxy_use_the_proxy_managers_pools() -> None:
    adapter = WatchedAdapter(pool_connections=4, pool_maxsize=4)
    try:
        direct = adapter.get_connection_with_tls_context(_prepared("http://a.example/"), True)
        proxied = adapter.get_connection_with_tls_context(
            _prepared("http://a.example/"), True, proxies={"http": "http://proxy.example:3128"})
        assert proxied is not direct
        assert proxied.proxy is not None and proxied.proxy.host == "proxy.example"
        assert no_proxy_entries(None) == no_proxy_entries("")
    finally:
        adapter.close()
