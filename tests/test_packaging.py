"""The distribution: `python -m build` makes an sdist and a wheel that install and run.

Slow (about 20 s): it builds in an isolated environment and installs the wheel
into a fresh virtual environment, as a user would, from the package index.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from archiver._version import DISTRIBUTION, __version__

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
                   check=True, capture_output=True, text=True, timeout=600)
    return out


def test_the_sdist_and_the_wheel_carry_the_package_data_and_the_license(dist: Path) -> None:
    stem = f"{DISTRIBUTION.replace('-', '_')}-{__version__}"
    [wheel] = dist.glob("*.whl")
    [sdist] = dist.glob("*.tar.gz")
    assert wheel.name == f"{stem}-py3-none-any.whl" and sdist.name == f"{stem}.tar.gz"
    names = zipfile.ZipFile(wheel).namelist()
    assert "archiver/py.typed" in names
    assert "archiver/schemas/check.schema.json" in names
    assert f"{stem}.dist-info/licenses/LICENSE" in names
    metadata = zipfile.ZipFile(wheel).read(f"{stem}.dist-info/METADATA").decode()
    assert f"Name: {DISTRIBUTION}" in metadata and "License-Expression: MIT" in metadata
    assert "Classifier: Topic :: System :: Archiving" in metadata
    with tarfile.open(sdist) as tar:
        members = tar.getnames()
    assert f"{stem}/LICENSE" in members and f"{stem}/archiver/cli/__init__.py" in members
    # nothing of a working tree's data: WARCs, databases, virtual environments
    assert not any(part in m for m in members for part in ("/warcs/", "/.venv/", ".sqlite3"))


def test_the_wheel_installs_in_a_fresh_venv_and_runs(dist: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    [wheel] = dist.glob("*.whl")
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", str(wheel)], check=True,
                   capture_output=True, text=True, timeout=600)
    version = subprocess.run([str(venv / "bin" / "archiver"), "--version"], check=True,
                             capture_output=True, text=True, timeout=60)
    assert version.stdout.strip() == f"archiver, version {__version__}"
    # the installed package, not this checkout, answers: run it from elsewhere
    where = subprocess.run([str(venv / "bin" / "python"), "-c",
                            "import archiver.schemas as s, archiver; "
                            "print(archiver.__file__); print(s.load('check')['$id'])"],
                           check=True, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    path, schema = where.stdout.split()
    assert str(venv) in path and schema.endswith("/check/2.json")
    check = subprocess.run([str(venv / "bin" / "archiver"), "validate",
                            str(ROOT / "manifests" / "example.toml")],
                           capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert check.returncode == 0, check.stderr
