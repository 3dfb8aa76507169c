"""`archiver check` starts sooner: what a link check never uses is neither imported nor made.

A real ``archiver check`` (through the console script's ``main``) of a local site, in a
subprocess, lists what it loaded; the deferred parts still work when asked for.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support.localweb import LocalSite, Reply

#: What a check written as JSON Lines never needs: the JUnit writer and its record, the
#: fetch stage's option bundle and the archives' rate limits it names, the blocking
#: client's deadline watchdog.
NOT_LOADED = ("archiver.report.junit", "archiver.cli.fetch_tuning", "archiver.fetch.limits",
              "archiver.net.deadline")
#: Records (dataclasses, about 1 ms each to make) that only other commands or formats use.
NOT_MADE = ("JUnitCase", "FetchTuning", "Setting", "Summary", "SourceRow")

_RUN = """
import atexit, dataclasses, json, sys
import archiver.report.serialize as serialize
def report():
    made = {v.__qualname__ for m in list(sys.modules) if m.startswith("archiver")
            for v in vars(sys.modules[m]).values()
            if isinstance(v, type) and dataclasses.is_dataclass(v)}
    print(json.dumps({"modules": sorted(sys.modules), "dataclasses": sorted(made),
                      "check_columns": "CHECK_COLUMNS" in vars(serialize)}))
atexit.register(report)
sys.argv = ["archiver", "check", sys.argv[1], "--format", sys.argv[2], "--no-history",
            "--no-probe", "--allow-private", "--no-progress", "--output", sys.argv[3]]
from archiver.cli import main
main()
"""


def _check(tmp_path: Path, url: str, fmt: str) -> tuple[dict[str, object], str]:
    manifest = tmp_path / "m.toml"
    manifest.write_text('[manifest]\nid = "m"\ntitle = "M"\n\n[[source]]\nid = "a"\n'
                        f'url = "{url}"\npublisher = "P"\ntitle = "T"\n'
                        'published = 2014-09-01\nlanguage = "en"\n')
    out = tmp_path / f"out.{fmt}"
    done = subprocess.run([sys.executable, "-c", _RUN, str(manifest), fmt, str(out)],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1]), out.read_text()


def test_a_jsonl_check_loads_neither_junit_nor_the_fetch_options(tmp_path: Path) -> None:
    with LocalSite() as site:
        site.route("/a", Reply(200, "<html><title>A page</title><p>Some text.</p></html>"))
        seen, text = _check(tmp_path, site.url("/a"), "jsonl")
    assert '"link_class":"ok"' in text
    loaded = sorted(set(NOT_LOADED) & set(seen["modules"]))  # type: ignore[call-overload]
    assert not loaded, loaded
    assert {"CheckTuning", "CheckOptions", "LinkResult"} <= set(seen["dataclasses"])  # type: ignore[call-overload]
    made = sorted(set(NOT_MADE) & set(seen["dataclasses"]))  # type: ignore[call-overload]
    assert not made, made
    assert seen["check_columns"] is False  # the CSV columns: worked out for CSV only


def test_the_deferred_parts_still_work_when_asked_for(tmp_path: Path) -> None:
    """CSV still gets its columns and JUnit its cases, each from its own path."""
    with LocalSite() as site:
        site.route("/a", Reply(200, "<html><title>A page</title><p>Some text.</p></html>"))
        seen, csv = _check(tmp_path, site.url("/a"), "csv")
        assert seen["check_columns"] is True
        assert csv.splitlines()[0].startswith("source_id,url,link_class,http_status")
        assert csv.splitlines()[1].startswith("a,http://127.0.0.1:")
        seen, junit = _check(tmp_path, site.url("/a"), "junit")
    assert "archiver.report.junit" in seen["modules"]  # type: ignore[operator]
    assert '<testcase name="a: http://127.0.0.1:' in junit and "tests=\"1\"" in junit


def test_the_run_reports_records_are_still_found_where_they_were() -> None:
    code = ("import dataclasses, typing\n"
            "from archiver.report import run_rows, serialize\n"
            "from archiver.report.serialize import SourceRow, Summary\n"
            "assert Summary is run_rows.Summary and SourceRow is run_rows.SourceRow\n"
            "assert serialize.Summary is Summary and 'Summary' in serialize.__all__\n"
            "assert dataclasses.is_dataclass(Summary) and Summary.__dataclass_params__.frozen\n"
            "s = serialize.summarize([], [], [], [])\n"
            "assert type(s) is Summary and serialize.summary(s)['sources'] == 0\n"
            "assert serialize.STORED_RUN_COLUMNS[-2:] == ('compared_with', 'changes')\n"
            "assert 'summary.link_states' in serialize.STORED_RUN_COLUMNS\n"
            "typing.get_type_hints(Summary)\n")
    subprocess.run([sys.executable, "-c", code], check=True)
