"""The run report says where the WARC folder stands by its last fixity check."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from archiver.history import History
from archiver.models import FixityOutcome, FixityResult, FixitySummary, Manifest, RunResult
from archiver.pipeline import fixity_summary
from archiver.report.html import format_html
from archiver.report.run import fixity_text, format_markdown

T1 = datetime(2026, 11, 1, 5, 23, tzinfo=UTC)
T2 = datetime(2026, 11, 8, 5, 23, tzinfo=UTC)


def result(file: str, outcome: FixityOutcome, at: datetime) -> FixityResult:
    return FixityResult(file=file, outcome=outcome, checked_at=at)


def test_each_files_latest_event_counts(tmp_path: Path) -> None:
    warcs = tmp_path / "warcs"
    warcs.mkdir()
    with History(tmp_path / "h.sqlite3") as history:
        assert fixity_summary(history, warcs) is None
        key = str(warcs.resolve())
        history.record_fixity(key, "m", [result("a.warc.gz", FixityOutcome.OK, T1),
                                         result("b.warc.gz", FixityOutcome.OK, T1)])
        history.record_fixity(key, "m", [result("a.warc.gz", FixityOutcome.MISMATCH, T2),
                                         result("b.warc.gz", FixityOutcome.OK, T2)])
        history.record_fixity("/elsewhere", "m", [result("c.warc.gz", FixityOutcome.OK, T2)])
        summary = fixity_summary(history, warcs)
    assert summary is not None
    assert (summary.checked_at, summary.files, summary.failed) == (T2, 2, 1)


def test_the_reports_say_it() -> None:
    manifest = Manifest(id="m", title="M", sources=())
    never = RunResult(manifest_id="m", started_at=T2, finished_at=T2)
    assert "never checked" in fixity_text(never) and "archiver fixity" in fixity_text(never)
    bad = RunResult(manifest_id="m", started_at=T2, finished_at=T2,
                    last_fixity=FixitySummary(checked_at=T2, files=2, failed=1))
    good = RunResult(manifest_id="m", started_at=T2, finished_at=T2,
                     last_fixity=FixitySummary(checked_at=T1, files=2, failed=0))
    assert "1 of 2 WARC file(s) CHANGED" in fixity_text(bad)
    assert "2 WARC file(s) intact" in fixity_text(good) and "2026-11-01" in fixity_text(good)
    assert "1 of 2 WARC file(s) CHANGED" in format_html(bad, manifest)
    assert "intact at the last check" in format_markdown(good, manifest)
