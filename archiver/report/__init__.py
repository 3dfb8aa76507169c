"""Turn results into text. Pure functions: no printing, no files, no verdicts.

One module per kind of result (links, captures, quotes, runs). Every JSON,
JSON Lines and CSV record is made by :mod:`archiver.report.serialize`, whose
documents follow the JSON Schemas in ``archiver/schemas/``; the text building
blocks (terminal tables, Markdown, JUnit) live in :mod:`archiver.report.common`.
What hostile text may not do in an output for people (act as a link, a terminal
escape sequence, a formula, markup) is ruled in :mod:`archiver.report.safe`.
"""
