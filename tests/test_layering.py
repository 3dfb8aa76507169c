"""Layering, enforced: data flows one way, and only the CLI speaks click or prints.

Each module of ``archiver`` belongs to a layer; it may import modules of lower
layers and of its own package, never a layer above it nor a sibling of its own
layer. The check reads import statements with :mod:`ast` (nothing is imported),
including imports inside functions. A second test plants an upward import in a
copy of the package and asserts the check catches it.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import archiver

PACKAGE = Path(archiver.__file__).parent

#: Bottom to top. A name is a top-level module or package of ``archiver``.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"errors", "models", "clock", "urls", "_version", "schemas", "_lazy", "_lru"}),
    # links read from documents (#11): above urls, below check and cli; durable file
    # operations, above errors (a spool that cannot be written is a StoreError)
    frozenset({"inputs", "durable"}),
    frozenset({"failon", "manifest", "dossier", "extract", "config"}),
    frozenset({"pages", "net", "history", "biblio"}),
    frozenset({"check"}),
    frozenset({"store"}),
    frozenset({"fetch"}),
    frozenset({"verify"}),
    frozenset({"report"}),
    frozenset({"package"}),
    frozenset({"pipeline"}),
    frozenset({"cluster"}),
    frozenset({"cli"}),
    frozenset({"__init__", "__main__"}),
)

#: Third-party modules only these parts of archiver may import.
RESTRICTED_IMPORTS = {"click": frozenset({"cli"}),
                      "distributed": frozenset({"cluster"}), "dask": frozenset({"cluster"})}


def _rank(name: str) -> int:
    for index, layer in enumerate(LAYERS):
        if name in layer:
            return index
    raise AssertionError(f"archiver.{name} is in no layer: add it to LAYERS in {__file__}")


def _part(module: str) -> str | None:
    """The top-level part of ``archiver`` a dotted module name belongs to."""
    parts = module.split(".")
    if parts[0] != "archiver":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: Path, package: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    rel = path.relative_to(package.parent).with_suffix("")
    # The package a relative import starts from: the module's own package.
    home = list(rel.parts[:-1])
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = home[: len(home) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            out.append((node.lineno, module))
            # "from archiver import check" names a submodule, not the package root
            if module == "archiver":
                out.pop()
                out.extend((node.lineno, f"archiver.{alias.name}") for alias in node.names)
    return out


def _prints(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "print"]


def violations(package: Path) -> list[str]:
    """Every import that breaks the layering, and every print outside the CLI."""
    found: list[str] = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package)
        part = rel.parts[0].removesuffix(".py") if len(rel.parts) > 1 or \
            rel.name != "__init__.py" else "__init__"
        rank = _rank(part)
        for line, module in _imports(path, package):
            top = module.split(".")[0]
            allowed = RESTRICTED_IMPORTS.get(top)
            if allowed is not None and part not in allowed:
                found.append(f"archiver/{rel}:{line}: imports {top}, which only "
                             f"{', '.join(sorted(allowed))} may import")
            target = _part(module)
            if target is None or target == part or target == "_version":
                continue
            if target == "__init__":
                found.append(f"archiver/{rel}:{line}: imports the archiver package root; "
                             "import the module that defines the name instead")
                continue
            if _rank(target) >= rank:
                found.append(f"archiver/{rel}:{line}: {part} (layer {rank}) imports {target} "
                             f"(layer {_rank(target)}): only lower layers may be imported")
        if part not in ("cli", "__main__"):
            found.extend(f"archiver/{rel}:{line}: print() outside the CLI: report progress "
                         "through the callback, results as return values" for line in _prints(path))
    return found


def test_the_package_respects_its_layers() -> None:
    assert violations(PACKAGE) == []


def test_every_module_is_in_a_layer() -> None:
    for path in PACKAGE.iterdir():
        if path.name.startswith(".") or path.name in ("py.typed", "__pycache__"):
            continue
        if path.is_dir() and not (path / "__init__.py").exists():
            continue  # data folders, e.g. schemas
        _rank(path.name.removesuffix(".py"))


def _planted(tmp_path: Path, relpath: str, line: str) -> list[str]:
    copy = tmp_path / "archiver"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / relpath
    target.write_text(target.read_text(encoding="utf-8") + "\n" + line + "\n", encoding="utf-8")
    return violations(copy)


def test_a_planted_upward_import_is_caught(tmp_path: Path) -> None:
    found = _planted(tmp_path, "models.py", "from archiver.pipeline import run_pipeline")
    assert len(found) == 1 and "models (layer 0) imports pipeline" in found[0]


def test_a_planted_sideways_import_inside_a_function_is_caught(tmp_path: Path) -> None:
    found = _planted(tmp_path, "check/__init__.py",
                     "def f() -> None:\n    from archiver.fetch import fetch_sources")
    assert len(found) == 1 and "check (layer 4) imports fetch" in found[0]


def test_click_outside_the_cli_is_caught(tmp_path: Path) -> None:
    found = _planted(tmp_path, "report/__init__.py", "import click")
    assert any("only cli may import" in f for f in found)


def test_print_outside_the_cli_is_caught(tmp_path: Path) -> None:
    found = _planted(tmp_path, "net/__init__.py", "print('hello')")
    assert len(found) == 1 and "print() outside the CLI" in found[0]
