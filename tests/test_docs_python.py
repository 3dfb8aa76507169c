"""The README's "Use from Python" example runs, as written, against local servers.

Two lines are pointed at the local world: the manifest path, and the options
(``allow_private`` for 127.0.0.1, the local pywb as the archive, no politeness
gaps). Everything else is the README's code.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.localweb import LocalSite, Reply
from tests.support.pywb_archive import PywbArchive
from tests.test_cli_run import STORIES, article, pages, write_manifest

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def example() -> str:
    section = README[README.index("## Use from Python"):]
    m = re.search(r"```python\n(.*?)```", section, re.S)
    assert m, "the README's Use from Python section has a python block"
    return m.group(1)


def test_the_use_from_python_example_runs(pywb: PywbArchive, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    code = example()
    manifest_line = 'manifest = load_manifest("manifests/calais-2014.toml")'
    options_line = "options = RunOptions()"
    assert manifest_line in code and options_line in code
    with LocalSite() as site:
        for s in STORIES:
            site.route(s.path, Reply(200, article(s.title, s.text)))
        site.route(STORIES[1].path, Reply(404, "<html><title>Not found</title></html>"))
        manifest = write_manifest(tmp_path / "manifests" / "press.toml", site.base)
        archive = pywb.collection(pages(site.base))
        local = (
            f"options = RunOptions(check=CheckOptions(allow_private=True, "
            f"per_host_interval=0, retries=0, soft404_probe=False), "
            f"archives=(Archive.from_url({archive!r}),), "
            f"listings_per_minute=60000, downloads_per_second=1000)")
        code = code.replace(manifest_line, f"manifest = load_manifest({str(manifest)!r})")
        code = code.replace(options_line, "from archiver import Archive, CheckOptions\n" + local)
        exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out.splitlines()
    assert "harbour ok 200" in out and "fence gone 404" in out
    assert "2 of 3 quotes found in the archived pages" in out  # market was never archived
    assert any(line.startswith("check fence link gone") for line in out)
    assert (tmp_path / "warcs").is_dir()
