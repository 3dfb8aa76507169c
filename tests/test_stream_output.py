"""JSON Lines written line by line: the same text as the whole document, still atomic."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from archiver.cli import cli
from archiver.cli.common import write_output
from archiver.errors import InputError
from archiver.models import CheckRun, LinkClass, LinkResult
from archiver.report import serialize
from archiver.report.links import format_check_run
from tests.support.localweb import LocalSite, Reply

T0 = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
FAST = ["--allow-private", "--no-progress", "--per-host-interval", "0", "--no-probe"]


def test_check_jsonl_is_the_jsonl_document_line_by_line() -> None:
    results = tuple(LinkResult(f"s{n}", f"https://x.example/{n}",
                               LinkClass.OK if n % 2 else LinkClass.GONE, http_status=200,
                               detail="caf\u00e9 \u2028 line", checked_at=T0)
                    for n in range(5))
    run = CheckRun("m", T0, T0, results)
    lines = list(serialize.check_jsonl(run))
    assert len(lines) == 6 and all(line.endswith("\n") for line in lines)
    assert "".join(lines) == format_check_run(run, "jsonl") + "\n"


def test_check_jsonl_output_file(tmp_path: Path) -> None:
    with LocalSite() as site:
        site.route("/ok", Reply(200, "<html><body>story</body></html>"))
        site.route("/gone", Reply(404, "no"))
        manifest = tmp_path / "m.toml"
        manifest.write_text(
            '[manifest]\nid = "t"\ntitle = "T"\n' + "".join(
                f'[[source]]\nid = "{sid}"\nurl = "{site.url(path)}"\npublisher = "P"\n'
                'title = "T"\npublished = 2014-09-01\nlanguage = "en"\n'
                for sid, path in (("a", "/ok"), ("b", "/gone"))), encoding="utf-8")
        out = tmp_path / "out.jsonl"
        done = CliRunner().invoke(cli, ["check", str(manifest), "--format", "jsonl", "-o",
                                        str(out), "--no-history", "--fail-on", "never", *FAST])
    assert done.exit_code == 0, done.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["link_class"] for x in lines[:2]] == ["ok", "gone"]
    assert json.loads(lines[2])["run"]["links"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.toml", "out.jsonl"]


def test_an_output_in_pieces_that_fails_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    target.write_text("old\n", encoding="utf-8")

    def pieces() -> Iterator[str]:
        yield "x" * (3 << 20) + "\n"  # more than one write's worth
        raise RuntimeError("the run broke")

    with pytest.raises(RuntimeError, match="the run broke"):
        write_output(target, pieces())
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]


def test_an_output_in_pieces_is_written_whole(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    lines = [f'{{"n": {n}, "t": "\u00e9t\u00e9"}}\n' for n in range(50_000)]
    write_output(target, iter(lines))
    assert target.read_text(encoding="utf-8") == "".join(lines)
    with pytest.raises(InputError, match="folder"):
        write_output(tmp_path, iter(lines))


def test_a_json_lines_manifest_is_checked_as_a_manifest(tmp_path: Path) -> None:
    with LocalSite() as site:
        site.route("/ok", Reply(200, "<html><body>story</body></html>"))
        manifest = tmp_path / "collection.jsonl"
        manifest.write_text(
            json.dumps({"manifest": {"id": "c", "title": "C"}}) + "\n"
            + json.dumps({"id": "harbour", "url": site.url("/ok"), "publisher": "P",
                          "title": "T", "published": "2014-09-01", "language": "en"}) + "\n",
            encoding="utf-8")
        done = CliRunner().invoke(cli, ["check", str(manifest), "--format", "jsonl",
                                        "--no-history", "--fail-on", "never", *FAST])
    assert done.exit_code == 0, done.output
    first = json.loads(done.stdout.splitlines()[0])
    assert (first["source_id"], first["link_class"]) == ("harbour", "ok")
