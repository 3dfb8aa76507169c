"""Turn results into text. Pure functions: no printing, no files, no verdicts.

One module per kind of result (links, captures, quotes, runs); the shared
building blocks (tables, CSV, Markdown, JUnit, JSON) live in
:mod:`archiver.report.common`.
"""
