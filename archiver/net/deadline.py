"""The total deadline of a request: a watchdog thread shuts down a late request's sockets.

requests has only per-socket-operation timeouts (urllib3's connect and read
timeouts): a server that sends one byte a second never trips them. A shared
deadline thread shuts the socket down when the total deadline passes, which
unblocks any read in progress. The connection classes of :mod:`.watched`
register their socket with the watchdog of the current thread's request
(:func:`watch_deadline`, :func:`register_sock`).

Deadlines are measured on the real clock (:func:`time.monotonic`), never on the
injected :class:`~archiver.clock.Clock`: they bound how long a socket really
waits for a server, and a fake clock does not move while a socket waits, so a
deadline on it would never fire.

This module imports neither requests nor urllib3 (:mod:`.watched` does), so the
asynchronous client of a link check loads without them.
"""

from __future__ import annotations

import heapq
import itertools
import os
import queue
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

#: The watchdog of the request the current thread is making (``watchdog``).
_local = threading.local()


class _Watchdog:
    def __init__(self, seconds: float) -> None:
        self.fired = False
        self.cancelled = False
        self._seconds = max(seconds, 0.0)
        self._socks: list[Any] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        _DEADLINES.schedule(self, time.monotonic() + self._seconds)

    def add(self, sock: Any) -> None:
        if sock is None:
            return
        with self._lock:
            if self.fired:
                _shutdown(sock)
            else:
                self._socks.append(sock)

    def _fire(self) -> None:
        with self._lock:
            if self.cancelled:
                return
            self.fired = True
            for sock in self._socks:
                _shutdown(sock)

    def cancel(self) -> None:
        """After this returns the watchdog never fires (its sockets may be reused)."""
        with self._lock:
            self.cancelled = True


class _DeadlineThread:
    """One thread fires every pending request deadline.

    A ``threading.Timer`` per request costs a thread start and two context
    switches, about a quarter of a request's CPU time on a fast server.
    Requests hand their deadline over through a :class:`queue.SimpleQueue`
    (a C queue: putting holds no Python-level lock, so a worker that loses the
    GIL never makes the others wait for it); only this thread touches the heap.
    With a shared lock instead, 80 worker threads spent 43 % of their busy time
    queueing for it (py-spy, 2,000 URLs over 20 loopback hosts, 4 per host).
    Cancelled deadlines are dropped when they reach the top of the heap.
    """

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[tuple[float, int, _Watchdog]] = queue.SimpleQueue()
        self._seq = itertools.count()
        self._start = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def schedule(self, watchdog: _Watchdog, at: float) -> None:
        # next() on itertools.count is atomic under the GIL
        self._queue.put((at, next(self._seq), watchdog))
        if self._pid != os.getpid():  # first use, or a forked child (no thread there)
            with self._start:
                if self._pid != os.getpid():
                    self._thread = threading.Thread(target=self._run,
                                                    name="archiver-deadlines", daemon=True)
                    self._thread.start()
                    self._pid = os.getpid()

    def _run(self) -> None:
        heap: list[tuple[float, int, _Watchdog]] = []
        while True:
            now = time.monotonic()
            while heap and (heap[0][0] <= now or heap[0][2].cancelled):
                _, _, watchdog = heapq.heappop(heap)
                if not watchdog.cancelled:
                    watchdog._fire()
            try:
                item = self._queue.get(timeout=max(heap[0][0] - now, 0) if heap else None)
            except queue.Empty:
                continue
            heapq.heappush(heap, item)
            while True:  # take everything queued meanwhile before sleeping again
                try:
                    heapq.heappush(heap, self._queue.get_nowait())
                except queue.Empty:
                    break


_DEADLINES = _DeadlineThread()


@contextmanager
def watch_deadline(seconds: float) -> Iterator[_Watchdog]:
    """Give this thread's request ``seconds`` in all; yield its watchdog.

    Every connection the thread uses inside is shut down when the deadline
    passes (``fired`` then tells). On leaving, the watchdog is cancelled before
    anything else can happen to its sockets: a connection that went back to the
    pool is never shut afterwards.
    """
    watchdog = _Watchdog(seconds)
    _local.watchdog = watchdog
    watchdog.start()
    try:
        yield watchdog
    finally:
        watchdog.cancel()
        _local.watchdog = None


def _shutdown(sock: Any) -> None:
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def register_sock(sock: Any) -> None:
    """Put ``sock`` under the deadline of this thread's request, if one is watched."""
    watchdog: _Watchdog | None = getattr(_local, "watchdog", None)
    if watchdog is not None:
        watchdog.add(sock)
