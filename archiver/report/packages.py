"""``archiver package``'s summary: each package, its files, sizes and SHA-256 digests."""

from __future__ import annotations

from collections.abc import Sequence

from archiver.models import PackageResult
from archiver.report import serialize
from archiver.report.common import for_people, text_table

FORMATS = ("table", "json")


def _size(n: int) -> str:
    return f"{n:,} B"


def summary(result: PackageResult) -> str:
    """One line: what was written where, and which sources have no capture in it."""
    line = (f"{result.kind.value}: {result.path}: {len(result.files)} files, "
            f"{_size(result.bytes)}; {len(result.packaged)} of {result.sources} sources "
            "with a stored capture")
    if result.missing:
        line += f" (none stored for: {', '.join(result.missing)})"
    return line


def format_table(results: Sequence[PackageResult]) -> str:
    out: list[str] = []
    for result in results:
        rows = [[f.path, f.role, f"{f.bytes:,}", f.sha256] for f in result.files]
        out += [summary(result), text_table(["FILE", "ROLE", "BYTES", "SHA-256"], rows,
                                            max_width=80), ""]
    return for_people("\n".join(out).rstrip("\n"))


def format_json(results: Sequence[PackageResult]) -> str:
    return serialize.to_json(serialize.package_document(results))


def render(results: Sequence[PackageResult], fmt: str) -> str:
    if fmt == "json":
        return format_json(results)
    return format_table(results)


__all__ = ["FORMATS", "format_json", "format_table", "render", "summary"]
