"""Every JSON, JSON Lines and CSV output validates against its schema in archiver/schemas/.

One small world (a live local site, a local pywb archive, a manifest of three
stories) is run through every command and format once per module: ``run``
twice (so that the second run has changes), then ``check``, ``fetch``,
``verify``, ``history``, ``validate`` and ``extract``. JSON documents are
validated whole, JSON Lines line by line, and a CSV's header must be the
schema's result fields (nested records flattened into ``parent.child``
columns) with rows that say what the JSON says.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from jsonschema.exceptions import ValidationError  # type: ignore[import-untyped]
from referencing import Registry, Resource

from archiver import schemas
from archiver.cli import cli
from archiver.history import KIND_CHECK, KIND_PIPELINE
from archiver.models import (
    CaptureKind,
    CaptureOutcome,
    ChangeKind,
    DatePrecision,
    LinkClass,
    LinkState,
    LiveStatus,
    MatchMethod,
    PageLayer,
    QuoteKind,
    QuoteStatus,
    Relation,
)
from archiver.report import serialize
from tests.support.localweb import LocalSite, Reply
from tests.support.pywb_archive import PywbArchive
from tests.test_cli_run import FAST, STORIES, article, pages, write_manifest
from tests.test_dossier import dossier

SCHEMA_DIR = Path(schemas.__file__).parent
ALL = {name: schemas.load(name) for name in schemas.VERSIONS}
REGISTRY: Registry[Any] = Registry().with_resources(
    (doc["$id"], Resource.from_contents(doc)) for doc in ALL.values())


def validator(ref: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": ref}, registry=REGISTRY,
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def validate(name: str, document: Any, fragment: str = "") -> None:
    validator(schemas.schema_id(name) + fragment).validate(document)


def resolve(ref: str, base: str) -> tuple[dict[str, Any], str]:
    """The subschema ``ref`` names (relative to schema ``base``), and its schema's id."""
    uri, _, pointer = ref.partition("#")
    uri = uri or base
    node: Any = next(doc for doc in ALL.values() if doc["$id"] == uri)
    for part in pointer.strip("/").split("/") if pointer else []:
        node = node[part]
    assert isinstance(node, dict)
    return node, uri


def record_of(prop: dict[str, Any], base: str) -> tuple[dict[str, Any], str] | None:
    """The record a property holds (a ``$ref``, maybe or-null, to an object with
    properties), else None."""
    refs = [prop] if "$ref" in prop else [p for p in prop.get("anyOf", []) if "$ref" in p]
    if len(refs) != 1:
        return None
    target, uri = resolve(refs[0]["$ref"], base)
    if "$ref" in target:
        return record_of(target, uri)
    return (target, uri) if "properties" in target else None


def csv_header(record: dict[str, Any], base: str, prefix: str = "") -> list[str]:
    """The CSV columns of a record, by the CSV rule of archiver.report.serialize."""
    out: list[str] = []
    for name, prop in record["properties"].items():
        nested = record_of(prop, base)
        if nested is None:
            out.append(prefix + name)
        else:
            out += csv_header(nested[0], nested[1], f"{prefix}{name}.")
    return out


def result_record(name: str) -> tuple[dict[str, Any], str]:
    found = record_of({"$ref": f"{schemas.schema_id(name)}#/$defs/result"},
                      schemas.schema_id(name))
    assert found is not None
    return found


def cell(record: dict[str, Any], column: str) -> str:
    """What a CSV cell holds for ``column`` of a JSON record (the CSV rule, restated)."""
    value: Any = record
    for part in column.split("."):
        value = None if value is None else value[part]
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value).replace("\n", " ")


# --------------------------------------------------------------------------
# The world, run through every command and format
# --------------------------------------------------------------------------


@dataclass
class Outputs:
    text: dict[str, str] = field(default_factory=dict)

    def json(self, key: str) -> Any:
        return json.loads(self.text[key])


@pytest.fixture(scope="module")
def outputs(pywb: PywbArchive, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outputs]:
    tmp = tmp_path_factory.mktemp("schemas")
    out = Outputs()

    def invoke(key: str, *args: str | Path, codes: tuple[int, ...] = (0, 1)) -> None:
        result = CliRunner().invoke(cli, [str(a) for a in args])
        assert result.exit_code in codes, (key, result.exit_code, result.stderr)
        out.text[key] = result.stdout

    with LocalSite() as site:
        for s in STORIES:
            site.route(s.path, Reply(200, article(s.title, s.text)))
        # The market story moved: a redirect, so link results have hops.
        moved = STORIES[2]
        site.route(moved.path, Reply(301, "", headers={"Location": "/2014/market.html"}))
        site.route("/2014/market.html", Reply(200, article(moved.title, moved.text)))
        archive = pywb.collection(pages(site.base))
        manifest = write_manifest(tmp / "manifests" / "press.toml", site.base)
        db, warcs = tmp / "history.sqlite3", tmp / "warcs"
        common: list[str | Path] = ["--db", db]
        run_args: list[str | Path] = ["run", manifest, "--archive", archive, "--warcs", warcs,
                                      *common, *FAST, "--live", "--dead-after", "1"]

        invoke("run-1", *run_args, "--report", tmp / "r1")
        site.route(STORIES[1].path, Reply(404, "<html><title>Not found</title></html>"))
        invoke("run-json", *run_args, "--report", tmp / "r2", "--format", "json")
        out.text["report.json"] = (tmp / "r2" / "report.json").read_text(encoding="utf-8")

        for fmt in ("json", "jsonl", "csv"):
            invoke(f"check-{fmt}", "check", manifest, *common, *FAST[:-4], "--format", fmt)
            invoke(f"fetch-{fmt}", "fetch", manifest, "--archive", archive, "--warcs", warcs,
                   *FAST[-4:], "--no-progress", "--format", fmt)
            invoke(f"verify-{fmt}", "verify", manifest, "--warcs", warcs, "--no-progress",
                   "--format", fmt)
            invoke(f"capture-{fmt}", "capture", manifest, "--warcs", tmp / "live", "--all",
                   "--allow-private", "--no-progress", "--format", fmt)
        history: list[str | Path] = ["history", *common]
        for fmt in ("json", "csv"):
            invoke(f"history-links-{fmt}", *history, "--format", fmt)
            invoke(f"history-link-{fmt}", *history, site.base + STORIES[1].path,
                   "--format", fmt)
            invoke(f"history-runs-{fmt}", *history, "--runs", "--format", fmt)
            invoke(f"history-run-{fmt}", *history, "--run", "2", "--format", fmt)

    empty = tmp / "empty.toml"
    empty.write_bytes(b"")
    invoke("validate-json", "validate", "--format", "json", manifest, empty, codes=(3,))
    text = tmp / "dossier.txt"
    text.write_text(dossier(72), encoding="utf-8")
    invoke("extract-json", "extract", text, "--format", "json")
    yield out


# --------------------------------------------------------------------------
# The schemas themselves
# --------------------------------------------------------------------------


def test_every_schema_is_valid_draft_2020_12_with_its_versioned_id() -> None:
    files = sorted(p.name.removesuffix(".schema.json") for p in SCHEMA_DIR.glob("*.schema.json"))
    assert files == sorted(schemas.VERSIONS)
    for name, doc in ALL.items():
        Draft202012Validator.check_schema(doc)
        assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert doc["$id"] == schemas.schema_id(name)
        assert doc["$id"] == f"https://archiver.invalid/schemas/{name}/{schemas.VERSIONS[name]}.json"


def test_every_record_is_closed_and_requires_every_field() -> None:
    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            if "properties" in node:
                assert node.get("additionalProperties") is False, where
                assert node["required"] == list(node["properties"]), where
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}/{i}")

    for name, doc in ALL.items():
        walk(doc, name)


ENUMS: dict[str, list[str]] = {
    "link_class": [c.value for c in LinkClass],
    "link_state": [s.value for s in LinkState],
    "match_method": [m.value for m in MatchMethod],
    "page_layer": [p.value for p in PageLayer],
    "live_status": [s.value for s in LiveStatus],
    "capture_outcome": [o.value for o in CaptureOutcome],
    "quote_status": [s.value for s in QuoteStatus],
    "change_kind": [k.value for k in ChangeKind],
    "relation": [r.value for r in Relation],
    "quote_kind": [k.value for k in QuoteKind],
    "date_precision": [p.value for p in DatePrecision],
    "run_kind": [KIND_CHECK, KIND_PIPELINE],
    "capture_kind": [k.value for k in CaptureKind],
}


def test_the_schemas_enums_are_the_models_enums() -> None:
    """A new LinkClass (say) fails here until records.schema.json lists it too."""
    defs = ALL["records"]["$defs"]
    assert {name for name, d in defs.items() if "enum" in d} == set(ENUMS)
    for name, values in ENUMS.items():
        assert defs[name]["enum"] == values, name


def test_the_csv_columns_are_the_schemas_result_fields() -> None:
    for name, columns in (("check", serialize.CHECK_COLUMNS), ("fetch", serialize.FETCH_COLUMNS),
                          ("verify", serialize.VERIFY_COLUMNS)):
        assert list(columns) == csv_header(*result_record(name)), name
    records = ALL["records"]["$defs"]
    base = schemas.schema_id("records")
    for def_name, columns in (("link_record", serialize.LINK_RECORD_COLUMNS),
                              ("check_record", serialize.CHECK_RECORD_COLUMNS),
                              ("stored_run", serialize.STORED_RUN_COLUMNS),
                              ("change", serialize.CHANGE_COLUMNS)):
        assert list(columns) == csv_header(records[def_name], base), def_name


# --------------------------------------------------------------------------
# Real output, every command and format
# --------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["check", "fetch", "verify", "capture"])
def test_json_documents_validate(outputs: Outputs, command: str) -> None:
    doc = outputs.json(f"{command}-json")
    validate(command, doc)
    assert doc["run"]["schema"] == schemas.schema_id(command)
    assert doc["run"]["command"] == command
    assert len(doc["results"]) == len(STORIES) or command == "verify"


@pytest.mark.parametrize("command", ["check", "fetch", "verify", "capture"])
def test_jsonl_validates_line_by_line(outputs: Outputs, command: str) -> None:
    *results, last = outputs.text[f"{command}-jsonl"].splitlines()
    assert results
    for line in results:
        validate(command, json.loads(line), "#/$defs/result")
    validate(command, json.loads(last), "#/$defs/run_line")
    with pytest.raises(ValidationError):  # a result line is not the run line
        validate(command, json.loads(results[0]), "#/$defs/run_line")


@pytest.mark.parametrize(("command", "key"), [("check", "check-csv"), ("fetch", "fetch-csv"),
                                              ("verify", "verify-csv"),
                                              ("capture", "capture-csv")])
def test_csv_header_is_the_schemas_result_fields_and_rows_parse(outputs: Outputs,
                                                                command: str, key: str) -> None:
    reader = csv.DictReader(io.StringIO(outputs.text[key]))
    assert reader.fieldnames == csv_header(*result_record(command))
    rows = list(reader)
    records = outputs.json(f"{command}-json")["results"]
    assert len(rows) == len(records)
    # check's timings differ from one invocation to the next; its other columns do not.
    unstable = {"elapsed_ms", "checked_at"} if command == "check" else set()
    if command == "capture":  # each invocation captures anew, into a new file
        unstable = {"capture.memento_datetime", "capture.warc_file", "capture.warc_offset",
                    "capture.record_id", "detail"}
    for row, record in zip(rows, records, strict=True):
        for column, value in row.items():
            if column not in unstable:
                assert value == cell(record, column), (command, column)


def test_run_report_validates(outputs: Outputs) -> None:
    for key in ("report.json", "run-json"):
        doc = outputs.json(key)
        validate("run", doc)
        assert doc["run"]["schema"] == schemas.schema_id("run")
    report = outputs.json("report.json")
    assert report["changes"], "the second run should have changes"
    assert any(row["link"]["redirects"] for row in report["sources"])


@pytest.mark.parametrize("name", ["history-links", "history-link", "history-runs",
                                  "history-run"])
def test_history_json_validates_and_csv_has_the_records_fields(outputs: Outputs,
                                                               name: str) -> None:
    doc = outputs.json(f"{name}-json")
    validate(name, doc)
    assert doc["schema"] == schemas.schema_id(name)
    header = next(csv.reader(io.StringIO(outputs.text[f"{name}-csv"])))
    records = ALL["records"]["$defs"]
    base = schemas.schema_id("records")
    record = {"history-links": "link_record", "history-link": "check_record",
              "history-runs": "stored_run", "history-run": "change"}[name]
    assert header == csv_header(records[record], base)


def test_validate_and_extract_json_validate(outputs: Outputs) -> None:
    checked = outputs.json("validate-json")
    validate("validate", checked)
    assert [m["valid"] for m in checked["manifests"]] == [True, False]
    draft = outputs.json("extract-json")
    validate("extract", draft)
    assert draft["sources"] and draft["urls"]


# --------------------------------------------------------------------------
# One shape per result, and renamed fields fail
# --------------------------------------------------------------------------


def test_a_result_has_the_same_fields_in_its_command_and_in_report_json(
        outputs: Outputs) -> None:
    report = outputs.json("report.json")
    stages = {"link": outputs.json("check-json")["results"][0],
              "capture": outputs.json("fetch-json")["results"][0]}
    for part, record in stages.items():
        assert list(report["sources"][0][part]) == list(record), part
    assert list(report["sources"][0]["quotes"][0]) == list(
        outputs.json("verify-json")["results"][0])
    assert "link_class" in stages["link"] and "class" not in stages["link"]


def test_a_renamed_or_extra_field_fails_validation(outputs: Outputs) -> None:
    doc = outputs.json("check-json")
    result = doc["results"][0]
    result["class"] = result.pop("link_class")
    with pytest.raises(ValidationError):
        validate("check", doc)
    report = outputs.json("report.json")
    report["run"]["links_voided"] = False
    with pytest.raises(ValidationError):
        validate("run", report)



def test_every_reference_names_a_current_schema() -> None:
    """A ``$ref`` to another schema names its current version (a bump updates every user)."""
    current = {schemas.schema_id(name) for name in schemas.VERSIONS}
    for name, doc in ALL.items():
        refs = re.findall(r'"\$ref":\s*"(https://archiver\.invalid/[^"#]+)', json.dumps(doc))
        stale = sorted(set(refs) - current)
        assert not stale, f"{name}.schema.json refers to {stale}"
