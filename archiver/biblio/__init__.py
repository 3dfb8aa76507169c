"""Bibliographies in and out: BibTeX/BibLaTeX, CSL-JSON and RIS.

:func:`read_bibtex`, :func:`read_csljson` and :func:`read_ris` read a file's
text into :class:`Entry` values; :func:`to_draft` turns them into a draft
manifest (entries without a URL are listed in ``Draft.skipped``).
:func:`~archiver.biblio.csljson.write_items` and
:func:`~archiver.biblio.bibtex.write_entries` write a manifest's sources back
out for reference managers (``archiver export``); reading an export gives the
same manifest back.
"""

from archiver.biblio.bibtex import looks_like_bibtex, read_bibtex
from archiver.biblio.common import Bibliography, Entry, parse_partial_date, to_draft
from archiver.biblio.csljson import QuoteState, looks_like_csljson, read_csljson
from archiver.biblio.ris import looks_like_ris, read_ris

__all__ = [
    "Bibliography", "Entry", "QuoteState", "looks_like_bibtex", "looks_like_csljson",
    "looks_like_ris", "parse_partial_date", "read_bibtex", "read_csljson", "read_ris",
    "to_draft",
]
