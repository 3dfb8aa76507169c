"""Turn results into text. Pure functions: no printing, no files, no verdicts.

One module per kind of result (links, captures, quotes, runs). Every JSON,
JSON Lines and CSV record is made by :mod:`archiver.report.serialize`, whose
documents follow the JSON Schemas in ``archiver/schemas/``; the text building
blocks (terminal tables, Markdown, JUnit) live in :mod:`archiver.report.common`.
"""
