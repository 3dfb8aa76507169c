"""Many documents are read by several processes, with the same links, order and counts."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from archiver import inputs
from archiver.errors import InputError
from archiver.inputs import InputStats, links_in_paths


def write_docs(folder: Path, n: int) -> None:
    rng = random.Random(3)
    for i in range(n):
        links = " ".join(f"[l{j}](https://site{rng.randint(0, 9)}.example/{i}/{j})"
                         for j in range(rng.randint(0, 5)))
        (folder / f"d{i:03}.md").write_text(f"# Doc {i}\n\nSee {links} and `https://code.example/`"
                                            f"\n\n[rel](../x.md) <mailto:a@b.example>\n")
    (folder / "page.html").write_text('<a href="https://html.example/a">a</a>')
    (folder / "bin.txt").write_bytes(b"\x00\x01binary")


def read(folder: Path, parallel: bool, monkeypatch: pytest.MonkeyPatch, *extra: Path,
         ) -> tuple[list[tuple[str, str, int]], InputStats]:
    monkeypatch.setattr(inputs, "PARALLEL_FROM_FILES", 2 if parallel else 10**9)
    monkeypatch.setattr(inputs, "_workers", lambda files: 2 if parallel and files >= 2 else 1)
    stats = InputStats()
    found = [(f.url, f.file, f.line) for f in links_in_paths([folder, *extra], stats=stats)]
    return found, stats


def test_parallel_reading_gives_what_one_process_gives(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_docs(tmp_path, 80)
    one, one_stats = read(tmp_path, False, monkeypatch)
    many, many_stats = read(tmp_path, True, monkeypatch)
    assert many == one and len(one) > 100
    assert many_stats == one_stats
    assert one_stats.skipped_files and one_stats.skipped_links["relative"] == 80


def test_a_bad_file_stops_a_parallel_read_with_its_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_docs(tmp_path, 10)
    table = tmp_path / "table.csv"
    table.write_text("name,title\nx,y\n")
    with pytest.raises(InputError, match="url"):
        read(tmp_path, True, monkeypatch, table)
