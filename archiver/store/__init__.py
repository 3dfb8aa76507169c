"""Web-archive captures in WARC files: writing them safely once, and reading them back.

:mod:`.fields` (what fetch hands the store, field names and value formats),
:mod:`.provenance` (the metadata-record contract between writer and reader),
:mod:`.ledger` (``archiver-index.jsonl``, capture keys, the caches beside it),
:mod:`.writer` (records and the atomic file), :mod:`.structure` (the strict
parser, bounded gzip reading and structural checks), :mod:`.folder`
(:class:`WarcStore`: naming, locking, recovery), :mod:`.scan` (reading anyone's
WARC within bounds) and :mod:`.index` (:class:`WarcIndex`, reading a folder for
verify).
"""

from typing import TYPE_CHECKING

from archiver._lazy import lazy_exports

if TYPE_CHECKING:
    from archiver.store.fields import Memento, Selection, WarcInfo, warc_date
    from archiver.store.folder import WarcStore, default_warcs_dir
    from archiver.store.index import (
        WarcIndex,
        WarcRecord,
        iter_warc_files,
        read_payload,
        wayback_original,
    )
    from archiver.store.ledger import LEDGER_NAME, LedgerEntry, capture_key
    from archiver.store.structure import (
        WarcRecordInfo,
        WarcStructureError,
        check_folder,
        check_records,
        read_warc,
    )
    from archiver.store.writer import ArchiverWarcWriter, historical_headers

__all__ = [
    "LEDGER_NAME", "ArchiverWarcWriter", "LedgerEntry", "Memento", "Selection", "WarcIndex",
    "WarcInfo", "WarcRecord", "WarcRecordInfo", "WarcStore", "WarcStructureError",
    "capture_key", "check_folder", "check_records", "default_warcs_dir", "historical_headers",
    "iter_warc_files", "read_payload", "read_warc", "warc_date", "wayback_original",
]

__getattr__ = lazy_exports(__name__, {
    "Memento": "archiver.store.fields",
    "Selection": "archiver.store.fields",
    "WarcInfo": "archiver.store.fields",
    "warc_date": "archiver.store.fields",
    "WarcStore": "archiver.store.folder",
    "default_warcs_dir": "archiver.store.folder",
    "WarcIndex": "archiver.store.index",
    "WarcRecord": "archiver.store.index",
    "iter_warc_files": "archiver.store.index",
    "read_payload": "archiver.store.index",
    "wayback_original": "archiver.store.index",
    "LEDGER_NAME": "archiver.store.ledger",
    "LedgerEntry": "archiver.store.ledger",
    "capture_key": "archiver.store.ledger",
    "WarcRecordInfo": "archiver.store.structure",
    "WarcStructureError": "archiver.store.structure",
    "check_folder": "archiver.store.structure",
    "check_records": "archiver.store.structure",
    "read_warc": "archiver.store.structure",
    "ArchiverWarcWriter": "archiver.store.writer",
    "historical_headers": "archiver.store.writer",
})
