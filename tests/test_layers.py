"""The layers hold: the import contracts in pyproject.toml catch what they promise to, and
migration revisions (not a package, so outside import-linter's reach) import nothing of the app.
"""

import ast
import os
import pkgutil
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import app

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _contracts() -> dict[str, dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return {c["id"]: c for c in config["tool"]["importlinter"]["contracts"]}


def _imported_modules(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):  # every import, at any depth (function-local ones too)
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_migration_revisions_import_nothing_of_the_app() -> None:
    revisions = sorted((ROOT / "migrations" / "versions").glob("*.py"))
    assert revisions
    offenders = {
        revision.name: sorted(
            name
            for name in _imported_modules(ast.parse(revision.read_text()))
            if name == "app" or name.startswith("app.")
        )
        for revision in revisions
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_pure_rules_contract_forbids_every_other_module_of_the_app() -> None:
    contract = _contracts()["pure-rules"]
    assert contract["source_modules"] == ["app.analytics"]
    forbidden = set(contract["forbidden_modules"])  # type: ignore[call-overload]  # a TOML list
    # app.i18n is allowed: it imports nothing of the app (test_i18n_imports_nothing_of_the_app).
    top = {f"app.{m.name}" for m in pkgutil.iter_modules(app.__path__)}
    assert forbidden == top - {"app.analytics", "app.i18n"}


def test_i18n_imports_nothing_of_the_app() -> None:
    imported = _imported_modules(ast.parse((ROOT / "app" / "i18n.py").read_text()))
    assert sorted(n for n in imported if n == "app" or n.startswith("app.")) == []


def _lint_copy(tmp_path: Path, module: str, line: str) -> subprocess.CompletedProcess[str]:
    """lint-imports on a copy of the app in which ``module`` gained the import ``line``."""
    shutil.copytree(ROOT / "app", tmp_path / "app", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / Path(*module.split(".")).with_suffix(".py")
    target.write_text(target.read_text() + f"\n{line}\n")
    return subprocess.run(  # noqa: S603 - our own lint-imports on a copy of our own code
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_lint_imports_passes_on_an_unchanged_copy(tmp_path: Path) -> None:
    result = _lint_copy(tmp_path, "app.context", "")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("app.db", "from app.audit import service", "the core uses no domain BROKEN"),
        ("app.teams.service", "from app.main import create_app", "the core uses no domain BROKEN"),
        ("app.measures.service", "import app.cli", "the core uses no domain BROKEN"),
        ("app.analytics.runs", "from app.db import utcnow", "each other BROKEN"),
        ("app.analytics.svg", "from app.charts import service", "each other BROKEN"),
    ],
)
def test_lint_imports_fails_on_a_forbidden_import(
    tmp_path: Path, module: str, line: str, broken: str
) -> None:
    result = _lint_copy(tmp_path, module, line)
    assert result.returncode == 1
    assert broken in " ".join(result.stdout.split())
    assert module in result.stdout
