"""verify reads what fetch's store writes: the provenance contract, end to end."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from archiver.models import Quote, QuoteStatus, Source
from archiver.store import Memento, Selection, WarcIndex, WarcInfo, WarcStore
from archiver.verify import Located, verify_source

WHEN = datetime(2014, 8, 29, 10, 0, tzinfo=UTC)
RAW = "Fri, 29 Aug 2014 10:00:00 GMT"
OLD = "http://tempsreel.nouvelobs.com/societe/20140828.OBS7505/calais.html"
NEW = "http://tempsreel.nouvelobs.com/societe/20140828.OBS7505/a-calais-chez-les-radicaux.html"
BODY = ("<html lang='fr'><body><article><p>sa mère était institutrice, «\u00a0la fibre "
        "humanitaire est dans la famille\u00a0».</p></article></body></html>").encode()


def memento(uri_r: str, status: int, body: bytes, location: str | None = None) -> Memento:
    headers = [("X-Archive-Orig-Content-Type", "text/html; charset=utf-8"),
               ("Content-Type", "text/html; charset=utf-8")]
    if location:
        headers.append(("X-Archive-Orig-Location", location))
    return Memento(uri_r=uri_r, memento_url=f"https://web.archive.org/web/20140829100000id_/"
                   f"{uri_r}", memento_datetime=WHEN, datetime_raw=RAW, status=status,
                   reason="", header_list=tuple(headers), body=body, location=location)


def src(sid: str) -> Source:
    return Source(id=sid, url=OLD.replace("http://", "https://"), publisher="L'Obs",
                  title="A Calais", published=date(2014, 8, 28), language="fr",
                  quotes=(Quote("« lafibrehumanitaire estdanslafamille »"),))


def test_verify_finds_the_capture_fetch_stored(tmp_path: Path) -> None:
    info = WarcInfo(manifest_id="calais")
    with WarcStore(tmp_path, info=info) as store:
        sel = Selection(manifest_id="calais", source=src("obs"),
                        archive="https://web.archive.org/web/", rule="first-after",
                        distance_days=1.4, pre_publication=False)
        entry = store.write_capture(sel, memento(NEW, 200, BODY),
                                    hops=[memento(OLD, 301, b"", location=NEW)])
        other = Selection(manifest_id="calais", source=src("obs-bis"),
                          archive="https://web.archive.org/web/", rule="first-after",
                          distance_days=1.4, pre_publication=False)
        store.write_reference(other, entry)
    index = WarcIndex.build(tmp_path)
    assert index.warnings == []
    expected = entry.capture()
    for sid in ("obs", "obs-bis"):
        located = index.locate(src(sid))
        assert isinstance(located, Located) and located.detail is None
        cap = located.capture
        assert cap == replace(expected, source_id=sid)  # every field of the ledger's view
        assert cap.memento_datetime == WHEN and cap.url == NEW
        assert cap.archive == "https://web.archive.org/web/"
        assert [(h.status, h.url, h.location) for h in cap.redirects] == [(301, OLD, NEW)]
        (result,) = verify_source(src(sid), located)
        assert result.status is QuoteStatus.VERIFIED and result.capture == cap
