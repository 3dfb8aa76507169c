"""archiver package: a WACZ that `wacz validate` accepts, a bag that bagit validates.

One project per module: a local pywb archive holds two of three stories, fetch
stores them in the project's warcs/ as it would from the Wayback Machine, the
history database gets a check run, report/ a report of this manifest. Each test
packages that project into its own folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bagit
import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from referencing import Registry, Resource

from archiver import schemas
from archiver.cli import cli
from archiver.errors import InputError
from archiver.fetch import Archive, fetch_sources
from archiver.history import History, default_db_path
from archiver.manifest import load_manifest
from archiver.models import CaptureOutcome, FileRole, LinkClass, LinkResult, Manifest
from archiver.package import package_manifest
from archiver.package.wacz import ZIP_DATE
from archiver.store import LEDGER_NAME
from tests.support.pywb_archive import Page, PywbArchive, source, write_manifest

FAST = {"listings_per_minute": 60000.0, "downloads_per_second": 1000.0}
HARBOUR = "http://news.example.com/2014/10/15/harbour.html"
BRIDGE = "http://news.example.com/2014/10/20/bridge.html"
LOST = "http://news.example.com/2014/11/01/lost.html"
HARBOUR_TEXT = "The harbour will reopen on Monday, the mayor said."
BRIDGE_TEXT = "The old bridge is to be closed for repairs until spring."
T1 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
T2 = datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC)
BIN = Path(sys.executable).parent


def html(title: str, text: str) -> str:
    return (f"<!doctype html><html><head><title>{title}</title></head>"
            f"<body><h1>{title}</h1><p>{text}</p></body></html>")


@dataclass(frozen=True)
class Project:
    root: Path
    manifest: Manifest

    @property
    def warcs(self) -> Path:
        return self.root / "warcs"


def make_project(root: Path, pywb: PywbArchive) -> Project:
    """Two of three stories fetched from ``pywb`` into ``root``/warcs, a check run in
    the history, a report of this manifest in ``root``/report."""
    base = pywb.collection([
        Page(HARBOUR, "2014-10-16T07:15:00Z", html("Harbour", HARBOUR_TEXT)),
        Page(BRIDGE, "2014-10-21T09:00:00Z", html("Bridge", BRIDGE_TEXT)),
    ])
    sources = [source("harbour", HARBOUR, "2014-10-15"), source("bridge", BRIDGE, "2014-10-20"),
               source("lost", LOST, "2014-11-01")]
    path = write_manifest(root / "press.toml", sources, manifest_id="press")
    manifest = load_manifest(path)
    run = fetch_sources(manifest, archives=[Archive.from_url(base)],
                        allow_private=True, **FAST)  # type: ignore[arg-type]
    assert [r.outcome for r in run.results] == [CaptureOutcome.STORED, CaptureOutcome.STORED,
                                                CaptureOutcome.NO_CAPTURE]
    with History(default_db_path(manifest)) as history:
        history.record_run(manifest_id="press", started_at=T1, finished_at=T1, results=[
            LinkResult("harbour", HARBOUR, LinkClass.OK, http_status=200, checked_at=T1),
            LinkResult("bridge", BRIDGE, LinkClass.GONE, http_status=404, checked_at=T1),
            LinkResult("lost", LOST, LinkClass.OK, http_status=200, checked_at=T1)])
    (root / "report").mkdir()
    (root / "report" / "report.json").write_text(
        json.dumps({"run": {"manifest_id": "press"}, "results": []}), encoding="utf-8")
    (root / "report" / "report.md").write_text("# press\n", encoding="utf-8")
    return Project(root, manifest)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, pywb: PywbArchive) -> Project:
    return make_project(tmp_path_factory.mktemp("project"), pywb)


def wacz_validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "wacz"), "validate", "-f", str(path)],
                          capture_output=True, text=True, timeout=120, check=False)


def entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


# --------------------------------------------------------------------------
# WACZ
# --------------------------------------------------------------------------


def test_wacz_passes_wacz_validate_and_holds_one_page_per_stored_source(
        project: Project, tmp_path: Path) -> None:
    target = tmp_path / "press.wacz"
    (result,) = package_manifest(project.manifest, wacz=target, now=T1)

    checked = wacz_validate(target)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "the passed WACZ is valid" in checked.stdout
    assert result.packaged == ("harbour", "bridge") and result.missing == ("lost",)
    assert result.bytes == target.stat().st_size
    with zipfile.ZipFile(target) as zf:
        infos = zf.infolist()
    names = [i.filename for i in infos]
    warcs = sorted(p.name for p in project.warcs.glob("*.warc.gz"))
    assert names == [*(f"archive/{w}" for w in warcs), "indexes/index.cdx",
                     "pages/pages.jsonl", "archiver/press.toml", "datapackage.json",
                     "datapackage-digest.json"]
    assert all(i.date_time == ZIP_DATE for i in infos)
    assert all(i.compress_type == zipfile.ZIP_STORED for i in infos
               if i.filename.startswith("archive/"))
    data = entries(target)
    for w in warcs:  # the WARC files exactly as stored
        assert data[f"archive/{w}"] == (project.warcs / w).read_bytes()
    pages = [json.loads(line) for line in data["pages/pages.jsonl"].decode().splitlines()]
    assert pages[0] == {"format": "json-pages-1.0", "id": "pages", "title": "Test manifest"}
    assert pages[1:] == [
        {"id": "harbour", "url": HARBOUR, "ts": "2014-10-16T07:15:00Z", "title": "Story harbour"},
        {"id": "bridge", "url": BRIDGE, "ts": "2014-10-21T09:00:00Z", "title": "Story bridge"}]
    index = data["indexes/index.cdx"].decode().splitlines()
    assert [line.split(" ")[:2] for line in index] == [
        ["com,example,news)/2014/10/15/harbour.html", "20141016071500"],
        ["com,example,news)/2014/10/20/bridge.html", "20141021090000"]]
    assert {json.loads(line.split(" ", 2)[2])["filename"] for line in index} <= set(warcs)
    package = json.loads(data["datapackage.json"])
    assert package["wacz_version"] == "1.1.1" and package["profile"] == "data-package"
    assert package["created"] == "2026-01-02T03:04:05Z"
    listed = {r["path"]: r for r in package["resources"]}
    assert set(listed) == set(names) - {"datapackage.json", "datapackage-digest.json"}
    for f in result.files:
        assert f.bytes == len(data[f.path])
        if f.path in listed:
            assert listed[f.path]["hash"] == f"sha256:{f.sha256}"
            assert listed[f.path]["bytes"] == f.bytes
    assert {f.role for f in result.files} == {FileRole.WARC, FileRole.INDEX, FileRole.PAGES,
                                              FileRole.MANIFEST, FileRole.METADATA}


def test_wacz_validate_rejects_our_wacz_after_one_byte_of_a_warc_changes(
        project: Project, tmp_path: Path) -> None:
    good = tmp_path / "good.wacz"
    package_manifest(project.manifest, wacz=good, now=T1)
    bad = tmp_path / "bad.wacz"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            body = bytearray(src.read(info))
            if info.filename.startswith("archive/"):
                body[4] ^= 0x01  # the first gzip member's MTIME: still readable, not the same
            dst.writestr(info, bytes(body))
    checked = wacz_validate(bad)
    assert checked.returncode == 1 and "does not match" in checked.stdout


def test_two_waczs_of_the_same_inputs_differ_only_in_their_created_date(
        project: Project, tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.wacz", tmp_path / "b.wacz", tmp_path / "c.wacz"
    package_manifest(project.manifest, wacz=a, now=T1)
    package_manifest(project.manifest, wacz=b, now=T1)
    package_manifest(project.manifest, wacz=c, now=T2)
    assert a.read_bytes() == b.read_bytes()
    first, later = entries(a), entries(c)
    assert list(first) == list(later)
    differ = [name for name in first if first[name] != later[name]]
    assert differ == ["datapackage.json", "datapackage-digest.json"]
    p1, p2 = json.loads(first["datapackage.json"]), json.loads(later["datapackage.json"])
    assert (p1.pop("created"), p2.pop("created")) == ("2026-01-02T03:04:05Z",
                                                      "2026-02-03T04:05:06Z")
    assert p1 == p2


def test_a_source_selection_packages_those_sources_only(project: Project,
                                                         tmp_path: Path) -> None:
    target = tmp_path / "bridge.wacz"
    (result,) = package_manifest(project.manifest, wacz=target, source_ids=("bridge",), now=T1)
    assert result.packaged == ("bridge",) and result.missing == () and result.sources == 1
    data = entries(target)
    assert [json.loads(x)["url"] for x in data["pages/pages.jsonl"].splitlines()[1:]] == [BRIDGE]
    assert len([n for n in data if n.startswith("archive/")]) == 1
    assert wacz_validate(target).returncode == 0


def test_no_stored_capture_means_no_wacz(project: Project, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no stored capture"):
        package_manifest(project.manifest, wacz=tmp_path / "x.wacz", source_ids=("lost",))
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------
# BagIt
# --------------------------------------------------------------------------


def test_bag_passes_bagit_validation_and_fails_after_one_payload_byte_flips(
        project: Project, tmp_path: Path) -> None:
    bag_dir = tmp_path / "bag"
    (result,) = package_manifest(project.manifest, bagit=bag_dir, now=T1,
                                 organization="Example Archive")

    bag = bagit.Bag(str(bag_dir))
    bag.validate()
    assert sorted(bag.algorithms) == ["sha256", "sha512"]
    cli_check = subprocess.run([sys.executable, "-m", "bagit", "--validate", str(bag_dir)],
                               capture_output=True, text=True, timeout=120, check=False)
    assert cli_check.returncode == 0, cli_check.stderr
    warcs = sorted(p.name for p in project.warcs.glob("*.warc.gz"))
    assert sorted(bag.payload_files()) == sorted([
        "data/manifest/press.toml", *(f"data/warcs/{w}" for w in warcs),
        f"data/warcs/{LEDGER_NAME}", "data/report/report.json", "data/report/report.md",
        "data/history/history.json"])
    for w in warcs:
        assert (bag_dir / "data" / "warcs" / w).read_bytes() == (project.warcs / w).read_bytes()
    assert bag.info["Source-Organization"] == "Example Archive"
    assert bag.info["External-Identifier"] == "press"
    assert bag.info["External-Description"] == "Test manifest"
    assert bag.info["Bagging-Date"] == "2026-01-02"
    assert bag.info["Bag-Software-Agent"].startswith("archiver ")
    assert bag.info["Payload-Oxum"].endswith(".7")
    ledger = [json.loads(x) for x in
              (bag_dir / "data" / "warcs" / LEDGER_NAME).read_text().splitlines()]
    assert [e["source_id"] for e in ledger] == ["harbour", "bridge"]
    roles = {f.path: f.role for f in result.files}
    assert set(roles) == {str(p.relative_to(bag_dir)) for p in bag_dir.rglob("*") if p.is_file()}
    assert [roles[f"data/warcs/{w}"] for w in warcs] == [FileRole.WARC] * 2
    assert (roles[f"data/warcs/{LEDGER_NAME}"], roles["data/history/history.json"],
            roles["data/manifest/press.toml"], roles["data/report/report.md"],
            roles["bagit.txt"], roles["tagmanifest-sha512.txt"]) == (
        FileRole.LEDGER, FileRole.HISTORY, FileRole.MANIFEST, FileRole.REPORT,
        FileRole.METADATA, FileRole.METADATA)
    assert result.bytes == sum(p.stat().st_size for p in bag_dir.rglob("*") if p.is_file())

    victim = bag_dir / "data" / "warcs" / warcs[0]
    body = bytearray(victim.read_bytes())
    body[100] ^= 0x01
    victim.write_bytes(bytes(body))
    with pytest.raises(bagit.BagValidationError, match=f"{warcs[0]} sha256 validation failed"):
        bagit.Bag(str(bag_dir)).validate()
    cli_check = subprocess.run([sys.executable, "-m", "bagit", "--validate", str(bag_dir)],
                               capture_output=True, text=True, timeout=120, check=False)
    assert cli_check.returncode != 0 and "invalid" in cli_check.stderr.lower()


def registry() -> Registry[Any]:
    return Registry().with_resources(
        (schemas.load(n)["$id"], Resource.from_contents(schemas.load(n)))
        for n in schemas.VERSIONS)


def validate(name: str, document: Any) -> None:
    Draft202012Validator({"$ref": schemas.schema_id(name)}, registry=registry(),
                         format_checker=Draft202012Validator.FORMAT_CHECKER).validate(document)


def test_the_history_export_holds_the_manifests_runs_and_links(project: Project,
                                                               tmp_path: Path) -> None:
    package_manifest(project.manifest, bagit=tmp_path / "bag", now=T1)
    export = json.loads((tmp_path / "bag" / "data" / "history" / "history.json").read_text())
    validate("history-export", export)
    assert export["manifest_id"] == "press" and len(export["runs"]) == 1
    assert [(x["link"]["url"], [c["link_class"] for c in x["checks"]]) for x in export["links"]] \
        == sorted([(BRIDGE, ["gone"]), (HARBOUR, ["ok"]), (LOST, ["ok"])])


def test_two_bags_of_the_same_inputs_differ_only_in_their_bagging_date(
        project: Project, tmp_path: Path) -> None:
    package_manifest(project.manifest, bagit=tmp_path / "a", now=T1)
    package_manifest(project.manifest, bagit=tmp_path / "b", now=T2)

    def files(root: Path) -> dict[str, bytes]:
        return {str(p.relative_to(root)): p.read_bytes()
                for p in sorted(root.rglob("*")) if p.is_file()}

    a, b = files(tmp_path / "a"), files(tmp_path / "b")
    assert list(a) == list(b)
    assert [n for n in a if a[n] != b[n]] == [
        "bag-info.txt", "tagmanifest-sha256.txt", "tagmanifest-sha512.txt"]
    assert a["bag-info.txt"].replace(b"2026-01-02", b"2026-02-03") == b["bag-info.txt"]


# --------------------------------------------------------------------------
# Where packages go
# --------------------------------------------------------------------------


def test_an_existing_package_is_replaced_only_with_force(project: Project,
                                                         tmp_path: Path) -> None:
    wacz, bag = tmp_path / "p.wacz", tmp_path / "bag"
    wacz.write_bytes(b"old")
    bag.mkdir()
    (bag / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="exists already"):
        package_manifest(project.manifest, wacz=wacz)
    with pytest.raises(InputError, match="not empty"):
        package_manifest(project.manifest, bagit=bag)
    with pytest.raises(InputError, match="not a bag"):  # --force never deletes a folder of yours
        package_manifest(project.manifest, bagit=bag, force=True)
    assert wacz.read_bytes() == b"old" and (bag / "notes.txt").read_text() == "mine"

    # both targets are judged before anything is written
    with pytest.raises(InputError, match="not empty"):
        package_manifest(project.manifest, wacz=tmp_path / "new.wacz", bagit=bag)
    assert not (tmp_path / "new.wacz").exists()

    shutil.rmtree(bag)
    wacz.unlink()
    package_manifest(project.manifest, wacz=wacz, bagit=bag, now=T1)
    with pytest.raises(InputError, match="exists already"):
        package_manifest(project.manifest, wacz=wacz)
    package_manifest(project.manifest, wacz=wacz, bagit=bag, now=T2, force=True)
    assert wacz_validate(wacz).returncode == 0
    assert bagit.Bag(str(bag)).info["Bagging-Date"] == "2026-02-03"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bag", "p.wacz"]  # no temporaries


def test_a_wacz_is_never_written_over_a_file_it_is_made_of(project: Project,
                                                            tmp_path: Path) -> None:
    manifest = copy_project(project, tmp_path)
    assert manifest.path is not None
    before = manifest.path.read_bytes()
    with pytest.raises(InputError, match=r"one of the files to package \(manifest\)"):
        package_manifest(manifest, wacz=manifest.path, force=True)
    assert manifest.path.read_bytes() == before


def test_an_empty_folder_takes_a_bag(project: Project, tmp_path: Path) -> None:
    (tmp_path / "bag").mkdir()
    package_manifest(project.manifest, bagit=tmp_path / "bag", now=T1)
    bagit.Bag(str(tmp_path / "bag")).validate()


def test_a_failed_package_leaves_nothing_behind(project: Project, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import archiver.package.wacz as wacz_module

    def broken(paths: Any) -> bytes:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(wacz_module, "cdxj_index", broken)
    with pytest.raises(OSError, match="No space"):
        package_manifest(project.manifest, wacz=tmp_path / "x.wacz")
    assert list(tmp_path.iterdir()) == []


def copy_project(project: Project, tmp_path: Path) -> Manifest:
    root = tmp_path / "copy"
    shutil.copytree(project.root, root)
    return load_manifest(root / "press.toml")


def test_a_warc_linked_from_outside_the_folder_is_refused(project: Project,
                                                          tmp_path: Path) -> None:
    manifest = copy_project(project, tmp_path)
    warcs = tmp_path / "copy" / "warcs"
    name = sorted(p.name for p in warcs.glob("*.warc.gz"))[0]
    elsewhere = tmp_path / "elsewhere.warc.gz"
    shutil.move(warcs / name, elsewhere)
    os.symlink(elsewhere, warcs / name)
    with pytest.raises(InputError, match="outside the WARC folder") as err:
        package_manifest(manifest, wacz=tmp_path / "x.wacz", bagit=tmp_path / "bag")
    assert name in str(err.value)
    assert not (tmp_path / "x.wacz").exists() and not (tmp_path / "bag").exists()

    # a link to a file inside the folder is followed: the package holds its bytes
    (warcs / name).unlink()
    (warcs / "kept").mkdir()
    shutil.move(elsewhere, warcs / "kept" / name)
    os.symlink(Path("kept") / name, warcs / name)
    package_manifest(manifest, wacz=tmp_path / "y.wacz", now=T1)
    assert entries(tmp_path / "y.wacz")[f"archive/{name}"] == (warcs / "kept" / name).read_bytes()


def test_a_ledger_line_naming_a_path_is_refused(project: Project, tmp_path: Path) -> None:
    manifest = copy_project(project, tmp_path)
    ledger = tmp_path / "copy" / "warcs" / LEDGER_NAME
    lines = ledger.read_text().splitlines()
    entry = json.loads(lines[0])
    entry["warc_file"] = "../press.toml"
    ledger.write_text("\n".join([json.dumps(entry), *lines[1:]]) + "\n")
    with pytest.raises(InputError, match="not a file name in its folder"):
        package_manifest(manifest, bagit=tmp_path / "bag")


def test_the_warc_folder_is_only_read(project: Project, tmp_path: Path) -> None:
    manifest = copy_project(project, tmp_path)
    warcs = tmp_path / "copy" / "warcs"
    before = {p.name: (p.stat().st_mtime_ns, p.stat().st_size) for p in warcs.iterdir()}
    package_manifest(manifest, wacz=tmp_path / "x.wacz", bagit=tmp_path / "bag", now=T1)
    assert {p.name: (p.stat().st_mtime_ns, p.stat().st_size)
            for p in warcs.iterdir()} == before


def test_a_report_of_another_manifest_and_a_missing_history_are_left_out_with_a_note(
        project: Project, tmp_path: Path) -> None:
    manifest = copy_project(project, tmp_path)
    report = tmp_path / "copy" / "report" / "report.json"
    report.write_text(json.dumps({"run": {"manifest_id": "other"}}), encoding="utf-8")
    (result,) = package_manifest(manifest, bagit=tmp_path / "bag", now=T1,
                                 db=tmp_path / "nowhere.sqlite3")
    payload = sorted(bagit.Bag(str(tmp_path / "bag")).payload_files())
    assert not [p for p in payload if p.startswith(("data/report/", "data/history/"))]
    assert any("manifest 'other'" in n and "reports left out" in n for n in result.notes)
    assert any("no history database" in n for n in result.notes)
    assert not (tmp_path / "nowhere.sqlite3").exists()


def test_a_fetch_writing_to_the_folder_stops_the_package(project: Project,
                                                        tmp_path: Path) -> None:
    import fcntl

    from archiver.errors import StoreError
    from archiver.store.folder import LOCK_NAME

    manifest = copy_project(project, tmp_path)
    with open(tmp_path / "copy" / "warcs" / LOCK_NAME, "ab") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # as WarcStore.open does
        with pytest.raises(StoreError, match="another archiver fetch is writing"):
            package_manifest(manifest, wacz=tmp_path / "x.wacz")
    assert not (tmp_path / "x.wacz").exists()
    package_manifest(manifest, wacz=tmp_path / "x.wacz")  # once it is done


def test_a_capture_two_sources_share_brings_both_its_files(pywb: PywbArchive,
                                                           tmp_path: Path) -> None:
    base = pywb.collection([Page(HARBOUR, "2014-10-16T07:15:00Z", html("Harbour", HARBOUR_TEXT))])
    sources = [source("harbour", HARBOUR, "2014-10-15"), source("again", HARBOUR, "2014-10-15")]
    manifest = load_manifest(write_manifest(tmp_path / "twice.toml", sources, "twice"))
    fetch_sources(manifest, archives=[Archive.from_url(base)], allow_private=True,
                  **FAST)  # type: ignore[arg-type]
    warcs = sorted(p.name for p in (tmp_path / "warcs").glob("*.warc.gz"))
    assert len(warcs) == 2  # the capture, and the reference the second source got

    (result,) = package_manifest(manifest, wacz=tmp_path / "twice.wacz", now=T1)
    assert [f.path for f in result.files if f.role is FileRole.WARC] == [
        f"archive/{w}" for w in warcs]
    assert result.packaged == ("harbour", "again")
    assert wacz_validate(tmp_path / "twice.wacz").returncode == 0


# --------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------


def test_cli_writes_both_packages_and_a_json_summary(project: Project, tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["package", str(project.manifest.path), "--wacz", str(tmp_path / "p.wacz"),
            "--bagit", str(tmp_path / "bag"), "--organization", "Example Archive"]
    result = runner.invoke(cli, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    validate("package", document)
    kinds = [(p["kind"], p["packaged"], p["missing"]) for p in document["packages"]]
    assert kinds == [("wacz", ["harbour", "bridge"], ["lost"]),
                     ("bagit", ["harbour", "bridge"], ["lost"])]
    wacz_files = {f["path"]: f for f in document["packages"][0]["files"]}
    assert project.manifest.path is not None
    assert wacz_files["archiver/press.toml"]["bytes"] == project.manifest.path.stat().st_size

    copy = copy_project(project, tmp_path)
    assert copy.path is not None
    picked = runner.invoke(cli, ["package", str(project.manifest.path), "--source", "bridge",
                                 "--warcs", str(copy.path.parent / "warcs"),
                                 "--wacz", str(tmp_path / "bridge.wacz"), "--format", "json"])
    assert picked.exit_code == 0, picked.output
    assert json.loads(picked.stdout)["packages"][0]["packaged"] == ["bridge"]
    assert "1 of 1 sources" in picked.stderr

    again = runner.invoke(cli, args)
    assert again.exit_code == 3 and "exists already" in again.stderr and "--force" in again.stderr
    table = runner.invoke(cli, [*args, "--force"])
    assert table.exit_code == 0, table.output
    assert "pages/pages.jsonl" in table.stdout and "data/history/history.json" in table.stdout
    assert "lost" in table.stderr  # the source left out is named


def test_cli_needs_a_package_to_write(project: Project) -> None:
    result = CliRunner().invoke(cli, ["package", str(project.manifest.path)])
    assert result.exit_code == 2 and "--wacz" in result.output


def test_package_schema_enums_are_the_models_enums() -> None:
    from archiver.models import PackageKind

    defs = schemas.load("package")["$defs"]
    assert defs["package_kind"]["enum"] == [k.value for k in PackageKind]
    assert defs["file_role"]["enum"] == [r.value for r in FileRole]
