"""``verify_manifest``: the whole verify stage, as ``archiver verify`` and ``run`` call it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from archiver.errors import NetError, NetErrorKind
from archiver.models import Manifest, Progress, Quote, QuoteStatus, Source
from archiver.verify import verify_manifest

MANIFEST = Manifest(id="m", title="M", sources=(
    Source(id="a", url="https://example.org/a", publisher="P", title="A",
           published=date(2014, 8, 28), language="fr",
           quotes=(Quote("la fibre humanitaire est dans la famille"), Quote("rien"))),
    Source(id="b", url="https://example.org/b", publisher="P", title="B",
           published=date(2014, 8, 28), language="fr"),
))


class RefusingClient:
    """A stand-in HTTP client: every request fails; records whether it was closed."""

    def __init__(self) -> None:
        self.urls: list[str] = []
        self.closed = False

    def get(self, url: str) -> object:
        self.urls.append(url)
        raise NetError("refused", url=url, kind=NetErrorKind.REFUSED)

    def close(self) -> None:
        self.closed = True


def test_empty_folder_notes_come_first_then_the_callers(tmp_path: Path) -> None:
    events: list[str] = []

    def progress(event: Progress) -> None:
        events.append(f"{event.stage} {event.done}/{event.total}")

    def note(text: str) -> None:
        events.append(f"note {text}")

    run = verify_manifest(MANIFEST, tmp_path, progress=progress, notes=("mine",), on_note=note)
    assert [r.status for r in run.results] == [QuoteStatus.UNVERIFIABLE] * 2
    assert run.notes == (f"no WARC files in {tmp_path}; every quote is unverifiable", "mine")
    assert run.warcs == str(tmp_path) and run.warc_files == 0 and not run.live
    notes_at = [i for i, e in enumerate(events) if e.startswith("note ")]
    first_verify = next(i for i, e in enumerate(events) if e.startswith("verify "))
    assert notes_at == [first_verify - 2, first_verify - 1]  # before any quote is matched


def test_live_pages_go_through_the_given_client_which_stays_open(tmp_path: Path) -> None:
    client = RefusingClient()
    run = verify_manifest(MANIFEST, tmp_path, live=True, client=client)  # type: ignore[arg-type]
    assert run.live and client.urls == ["https://example.org/a"] and not client.closed
    assert all(r.live_status is None and "refused" in (r.live_detail or "")
               for r in run.results)
