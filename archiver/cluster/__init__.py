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
"""

from archiver.cluster.partition import Collector, Partition, PartitionResult, partition_by_host
from archiver.cluster.run import TASK_RETRIES, check_on_cluster, connect

__all__ = ["TASK_RETRIES", "Collector", "Partition", "PartitionResult", "check_on_cluster",
           "connect", "partition_by_host"]
