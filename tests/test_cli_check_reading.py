"""``archiver check MANIFEST --format jsonl|csv`` reads the manifest as the checks run.

The first requests leave once the first batch of sources is read
(:class:`archiver.manifest.ManifestReader`); these tests hold the command to what it
did when it read the manifest whole first: every source once, in manifest order,
and an invalid manifest refused with its problems (exit 3) and no output written.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from archiver.cli import cli
from archiver.manifest import READ_BATCH
from tests.support.localweb import LocalSite, Reply

FAST = ["--allow-private", "--no-progress", "--per-host-interval", "0", "--no-probe",
        "--retries", "0"]
#: Enough sources for three batches.
COUNT = 2 * READ_BATCH + 7


def toml_source(sid: str, url: str, *, published: str = "2014-09-01") -> str:
    return (f'[[source]]\nid = "{sid}"\nurl = "{url}"\npublisher = "P"\ntitle = "T"\n'
            f"published = {published}\nlanguage = \"en\"\n")


def write_manifest(path: Path, site: LocalSite, *, bad_at: int | None = None) -> None:
    parts = ['[manifest]\nid = "t"\ntitle = "T"\n']
    for n in range(COUNT):
        url = site.url(f"/ok?n={n % (COUNT - 3)}")  # the last three list earlier URLs again
        parts.append(toml_source(f"s{n}", url, published="2014-02-30" if n == bad_at
                                 else "2014-09-01"))
    path.write_text("".join(parts), encoding="utf-8")


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_a_manifest_of_several_batches_is_checked_source_by_source(
        tmp_path: Path, fmt: str) -> None:
    with LocalSite(default=Reply(200, "<html><body>a story</body></html>")) as site:
        manifest = tmp_path / "m.toml"
        write_manifest(manifest, site)
        out = tmp_path / f"out.{fmt}"
        done = CliRunner().invoke(cli, ["check", str(manifest), "--format", fmt, "-o",
                                        str(out), "--no-history", *FAST])
        requests = len(site.requests)
    assert done.exit_code == 0, done.stderr
    assert requests == COUNT - 3  # a URL listed twice is requested once
    lines = out.read_text(encoding="utf-8").splitlines()
    if fmt == "jsonl":
        records = [json.loads(line) for line in lines]
        assert [r["source_id"] for r in records[:-1]] == [f"s{n}" for n in range(COUNT)]
        assert {r["link_class"] for r in records[:-1]} == {"ok"}
        assert records[-1]["run"]["links"] == COUNT
    else:
        assert len(lines) == 1 + COUNT and lines[1].startswith("s0,")
        assert lines[-1].startswith(f"s{COUNT - 1},")
    assert f"{COUNT} links checked" in done.stderr


def test_a_manifest_invalid_past_its_first_batch_is_refused_and_nothing_written(
        tmp_path: Path) -> None:
    """A bad date in the last batch: the checks of the first batches were made (the
    manifest is checked as it is read), but the run stops with the manifest's
    problems, exit 3, and writes neither the output nor the history."""
    bad = COUNT - 2
    with LocalSite(default=Reply(200, "<html><body>a story</body></html>")) as site:
        manifest = tmp_path / "m.toml"
        write_manifest(manifest, site, bad_at=bad)
        out = tmp_path / "out.jsonl"
        done = CliRunner().invoke(cli, ["check", str(manifest), "--format", "jsonl", "-o",
                                        str(out), "--db", str(tmp_path / "h.sqlite3"),
                                        *FAST])
        requested = [r.path for r in site.requests]
    assert done.exit_code == 3, done.stderr
    published_line = 3 + 7 * bad + 6  # the head's 3 lines, 7 a source, its 6th
    assert f"m.toml:{published_line}:" in done.stderr and "2014-02-30" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert not out.exists()
    assert all(int(p.rsplit("=", 1)[1]) < bad for p in requested)  # none from its batch on
    from archiver.history import History

    with History(tmp_path / "h.sqlite3") as history:
        assert history.runs() == [] and history.links() == []


def test_a_manifest_with_source_ids_is_read_whole(tmp_path: Path) -> None:
    with LocalSite(default=Reply(200, "<html><body>a story</body></html>")) as site:
        manifest = tmp_path / "m.toml"
        write_manifest(manifest, site, bad_at=COUNT - 1)
        done = CliRunner().invoke(cli, ["check", str(manifest), "--format", "jsonl",
                                        "--source", "s1", "--no-history", *FAST])
        assert site.requests == []  # read whole, found invalid before any request
    assert done.exit_code == 3 and "2014-02-30" in done.stderr


@pytest.mark.parametrize("fault", ["head", "first batch"])
def test_a_manifest_wrong_from_its_start_is_refused_before_the_history_is_created(
        tmp_path: Path, fault: str) -> None:
    """The head and the first batch are read before the history database is opened:
    a file that is not a manifest leaves no .archiver folder behind (as when the
    manifest was read whole first)."""
    with LocalSite(default=Reply(200, "<html><body>a story</body></html>")) as site:
        manifest = tmp_path / "m.toml"
        write_manifest(manifest, site, bad_at=1 if fault == "first batch" else None)
        if fault == "head":
            manifest.write_text(manifest.read_text(encoding="utf-8").replace(
                'title = "T"\n', 'title = T\n', 1), encoding="utf-8")
        done = CliRunner().invoke(cli, ["check", str(manifest), "--format", "jsonl", *FAST])
        assert site.requests == []
    assert done.exit_code == 3, done.stderr
    assert "invalid TOML" in done.stderr and "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.toml"]
