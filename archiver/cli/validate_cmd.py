"""``archiver validate``: schema and sanity checks of manifests."""

from __future__ import annotations

from pathlib import Path

import click

from archiver.cli.common import ExitCode, emit, finish, warn
from archiver.cli.options import format_option, output_option
from archiver.errors import Problem, Severity
from archiver.manifest import validate_file
from archiver.models import Manifest, Relation
from archiver.report import serialize


def _summary(path: Path, manifest: Manifest) -> str:
    cited = sum(1 for s in manifest.sources if s.relation is Relation.CITED)
    quotes = sum(len(s.quotes) for s in manifest.sources)
    return (f"{path}: ok: {len(manifest.sources)} sources "
            f"({cited} cited, {len(manifest.sources) - cited} related), {quotes} quotes")


@click.command("validate")
@click.argument("manifests", nargs=-1, required=True,
                type=click.Path(path_type=Path, dir_okay=True))
@click.option("--strict", is_flag=True, help="Treat warnings (e.g. duplicate URLs) as errors.")
@format_option(["table", "json"])
@output_option
def command(manifests: tuple[Path, ...], strict: bool, fmt: str, output: Path | None) -> None:
    """Check manifests: schema, URLs, dates, quotes, duplicates.

    Every problem is reported in one pass, with the file, the source id, the
    line and how to fix it. Exits 3 if any manifest is invalid.

    \b
    Example:
      archiver validate manifests/calais-2014.toml manifests/example.toml
    """
    failed = False
    reports: list[serialize.Record] = []
    lines: list[str] = []
    for path in manifests:
        manifest, problems = validate_file(path)
        errors = [p for p in problems if p.severity is Severity.ERROR
                  or (strict and p.severity is Severity.WARNING)]
        valid = manifest is not None and not errors
        failed = failed or not valid
        if fmt == "json":
            reports.append(serialize.manifest_check(path, manifest, valid, problems))
            continue
        for problem in problems:
            warn(str(problem))
        if valid and manifest is not None:
            lines.append(_summary(path, manifest))
        else:
            warn(f"{path}: invalid: {_fault_count(problems, strict)}")
    if fmt == "json":
        emit(serialize.to_json(serialize.validation_document(reports)), output)
    elif lines:
        emit("\n".join(lines), output)
    finish(ExitCode.INVALID_INPUT if failed else ExitCode.OK)


def _fault_count(problems: list[Problem], strict: bool) -> str:
    """"1 error", or "1 warning, treated as an error by --strict", or both."""
    n_errors = sum(1 for p in problems if p.severity is Severity.ERROR)
    n_warnings = sum(1 for p in problems if p.severity is Severity.WARNING) if strict else 0
    parts = []
    if n_errors or not n_warnings:
        parts.append(f"{n_errors} {'error' if n_errors == 1 else 'errors'}")
    if n_warnings:
        noun = "warning" if n_warnings == 1 else "warnings"
        parts.append(f"{n_warnings} {noun}, treated as "
                     f"{'an error' if n_warnings == 1 else 'errors'} by --strict")
    return " and ".join(parts)
