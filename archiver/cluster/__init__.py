"""Link checks on a Dask cluster: ``archiver check --cluster tcp://HOST:8786``.

The sources are split into partitions of whole hosts (:mod:`.partition`), so
each host is checked by one worker task at a time and the per-host politeness
limits hold across the cluster. Each worker runs the same stage code as a local
run (:func:`archiver.pipeline.check_urls` with the same
:class:`~archiver.check.CheckOptions`, :mod:`.work`); results stream back to
the coordinating process (:mod:`.run`), which alone judges the run and writes
the history database. Needs the optional ``distributed`` package
(``pip install 'archiver-provenance[cluster]'``), imported only when a cluster
is used; it is the only part of archiver that imports ``distributed`` or ``dask``.

``fetch --cluster`` and ``capture --cluster`` (:mod:`.warcs`, :mod:`.stage`):
workers run the fetch or capture stage on their partition (one per archive for
fetch, whole live hosts for capture) and write the WARC files in the run's
staging folder of the shared WARC folder (:mod:`archiver.store.staging`); the
coordinator moves the files of each result it takes into place and alone
writes the ledgers.
"""

from archiver.cluster.partition import Collector, Partition, PartitionResult, partition_by_host
from archiver.cluster.run import TASK_RETRIES, check_on_cluster, connect
from archiver.cluster.warcs import capture_on_cluster, fetch_on_cluster

__all__ = ["TASK_RETRIES", "Collector", "Partition", "PartitionResult", "capture_on_cluster",
           "check_on_cluster", "connect", "fetch_on_cluster", "partition_by_host"]
