"""A Dask LocalCluster for tests: two worker processes on loopback, two threads each."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from distributed import LocalCluster


@contextmanager
def local_cluster() -> Iterator[LocalCluster]:
    """Two worker processes on 127.0.0.1 (no dashboard), as the cluster tests use."""
    distributed = importlib.import_module("distributed")  # the tests skip without it
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=2,
                                  host="127.0.0.1", dashboard_address=None,
                                  silence_logs=logging.ERROR) as local:
        yield local
