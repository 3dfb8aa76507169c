"""The CLI shell: exit codes, stdout/stderr separation, error handling."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from archiver.cli import cli

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_validate_ok_summary_on_stdout() -> None:
    code, out, err = run("validate", str(ROOT / "manifests" / "calais-2014.toml"))
    assert code == 0
    assert "22 sources (16 cited, 6 related), 66 quotes" in out
    assert err == ""


def test_validate_invalid_manifest_exit_3(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[manifest]\nid = "x"\ntitle = "t"\n[[source]]\nid = "a"\n'
                   'url = "file:///etc/passwd"\n', encoding="utf-8")
    code, out, err = run("validate", str(bad))
    assert code == 3
    assert out == ""
    assert "scheme 'file'" in err and "bad.toml:4" in err and "[source 'a']" in err
    assert "missing required key 'publisher'" in err
    assert "Traceback" not in err


def test_validate_warnings_and_strict(tmp_path: Path) -> None:
    text = (ROOT / "manifests" / "example.toml").read_text(encoding="utf-8")
    text = text.replace("https://example.com/related-story",
                        "http://example.org/news/2014/09/01/harbour-reopens/")
    path = tmp_path / "dup.toml"
    path.write_text(text, encoding="utf-8")
    code, out, err = run("validate", str(path))
    assert code == 0 and "warning: URL is also listed" in err and ": ok:" in out
    code, out, err = run("validate", "--strict", str(path))
    assert code == 3 and "invalid" in err


def test_validate_json(tmp_path: Path) -> None:
    empty = tmp_path / "empty.toml"
    empty.write_bytes(b"")
    code, out, _ = run("validate", "--format", "json", str(empty),
                       str(ROOT / "manifests" / "example.toml"))
    assert code == 3
    data = json.loads(out)
    assert [m["valid"] for m in data["manifests"]] == [False, True]
    assert data["manifests"][0]["problems"][0]["message"] == "file is empty"


def test_validate_output_file(tmp_path: Path) -> None:
    out_file = tmp_path / "sub" / "report.json"
    code, out, _ = run("validate", "--format", "json", "--output", str(out_file),
                       str(ROOT / "manifests" / "example.toml"))
    assert code == 0 and out == ""
    assert json.loads(out_file.read_text(encoding="utf-8"))["manifests"][0]["valid"]


def test_unwritable_output_is_invalid_input(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    code, _, err = run("validate", "-o", str(blocker / "out.txt"),
                       str(ROOT / "manifests" / "example.toml"))
    assert code == 3 and "cannot write output file" in err


def test_usage_error_is_2() -> None:
    code, _, err = run("validate", "--no-such-option", "x.toml")
    assert code == 2 and "No such option" in err
    code, _, _ = run("validate")
    assert code == 2


def test_internal_error_is_5_without_traceback(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    import archiver.cli.validate_cmd as mod

    def boom(path: object) -> None:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(mod, "validate_file", boom)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.delenv("ARCHIVER_TRACEBACK", raising=False)
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    code, out, err = run("validate", str(ROOT / "manifests" / "example.toml"))
    assert code == 5 and out == ""
    assert "internal error: RuntimeError: simulated bug" in err
    assert "Traceback" not in err
    saved = list(tmp_path.glob("archiver-crash-*.txt"))
    assert len(saved) == 1 and str(saved[0]) in err
    assert "Traceback" in saved[0].read_text(encoding="utf-8")


@pytest.mark.parametrize("command", ["check", "fetch", "verify", "run"])
@pytest.mark.parametrize("policy", ["never", "none", "any"])
def test_every_command_accepts_never_and_any(tmp_path: Path, command: str, policy: str) -> None:
    """The one --fail-on grammar: parsing succeeds, so the error is about the manifest."""
    result = CliRunner().invoke(cli, [command, str(tmp_path / "absent.toml"), "--fail-on", policy])
    assert result.exit_code == 3, result.stderr
    assert "--fail-on" not in result.stderr


@pytest.mark.parametrize(("command", "combination"), [
    ("check", "soft404,transient,failing"), ("fetch", "not-archived,pre-publication"),
    ("verify", "missing,unverifiable"), ("run", "dead,no-capture,altered,drift,changes"),
])
def test_any_combination_of_a_commands_words(tmp_path: Path, command: str,
                                             combination: str) -> None:
    result = CliRunner().invoke(cli, [command, str(tmp_path / "absent.toml"),
                                      "--fail-on", combination])
    assert result.exit_code == 3, result.stderr


def test_a_word_of_another_command_is_a_usage_error_listing_the_choices(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["check", str(tmp_path / "absent.toml"),
                                      "--fail-on", "missing"])
    assert result.exit_code == 2
    assert "check does not know 'missing'" in result.stderr and "soft404" in result.stderr


@pytest.mark.parametrize("command", ["check", "fetch", "verify", "run"])
def test_every_command_takes_source_and_refuses_an_unknown_id(command: str) -> None:
    manifest = Path(__file__).resolve().parents[1] / "manifests" / "calais-2014.toml"
    result = CliRunner().invoke(cli, [command, str(manifest), "--source", "no-such-source",
                                      "--no-progress"])
    assert result.exit_code == 3, result.stderr
    assert "no source 'no-such-source'" in result.stderr and "[[source]]" in result.stderr
