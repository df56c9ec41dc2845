"""The shipped packages hold product code only: nothing in pipeline/, assets/ or checks/ imports the test
and benchmark scaffolding (testkit/, tests/, bench/), and setuptools ships none of it."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest
from setuptools import find_packages

REPO = Path(__file__).resolve().parent.parent
PRODUCT = ("pipeline", "assets", "checks")
SCAFFOLDING = ("testkit", "tests", "bench")


def _imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) for every absolute import, and importlib.import_module("...") / __import__("...")."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("import_module", "__import__"):
                found.append((node.lineno, node.args[0].value))
    return found


def _product_files() -> list[Path]:
    return sorted(p for pkg in PRODUCT for p in (REPO / pkg).rglob("*.py"))


def test_the_parser_sees_every_kind_of_import() -> None:
    tree = ast.parse("import testkit.faults\nfrom tests.conftest import x\nfrom . import y\n"
                     "import importlib\nimportlib.import_module('bench.measure')\n__import__('testkit')\n")
    assert [m for _, m in _imported_modules(tree)] == ["testkit.faults", "tests.conftest", "importlib",
                                                       "bench.measure", "testkit"]


@pytest.mark.parametrize("path", _product_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_product_code_never_imports_test_scaffolding(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    bad = [f"line {line}: {module}" for line, module in _imported_modules(tree)
           if module.split(".")[0] in SCAFFOLDING]
    assert not bad, f"{path.relative_to(REPO)} imports test/bench scaffolding: {bad}"


def test_setuptools_ships_the_product_packages_only() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    find = config["tool"]["setuptools"]["packages"]["find"]
    shipped = find_packages(where=str(REPO), include=find.get("include", ("*",)), exclude=find.get("exclude", ()))
    assert {p.split(".")[0] for p in shipped} == set(PRODUCT)
    assert "testkit" not in shipped and not [p for p in shipped if p.split(".")[0] in SCAFFOLDING]
    # testkit exists and is a package, so the exclusion is what keeps it out
    assert "testkit" in find_packages(where=str(REPO))
