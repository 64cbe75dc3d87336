"""The tools that hold the style: every pure module under the import contract and strict mypy, every test in a
speed tier, every declared dependency locked."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT / "src").with_suffix("").parts)


def _calls_itself_pure(path: Path) -> bool:
    doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    return bool(re.search(r"\bPure\b[:.]|\bNo Django\b|\bno Django\b", doc))


def _pure_contract() -> set[str]:
    (contract,) = [
        c
        for c in PYPROJECT["tool"]["importlinter"]["contracts"]
        if c["name"] == "Pure rule modules stay free of Django"
    ]
    return set(contract["source_modules"])


def test_every_module_that_calls_itself_pure_is_under_the_no_django_contract():
    pure = {_module(p) for p in (ROOT / "src" / "onevisit").rglob("*.py") if _calls_itself_pure(p)}
    assert pure, "no module calls itself pure: the docstring pattern has drifted"
    assert pure - _pure_contract() == set()


def test_every_pure_module_is_type_checked_strictly():
    files = set(PYPROJECT["tool"]["mypy"]["files"])
    checked = {
        m
        for m in _pure_contract()
        if f"src/{m.replace('.', '/')}.py" in files or m.startswith("onevisit.core.")
    }
    assert _pure_contract() - checked == set()
    assert "src/onevisit/core" in files and PYPROJECT["tool"]["mypy"]["strict"] is True


@pytest.mark.parametrize("lock", ["runtime.lock", "dev.lock"])
def test_every_declared_dependency_is_locked(lock):
    project = PYPROJECT["project"]
    declared = list(project["dependencies"])
    if lock == "dev.lock":
        declared += project["optional-dependencies"]["dev"]
    names = {re.match(r"[A-Za-z0-9_.-]+", d).group(0).lower().replace("_", "-") for d in declared}
    pinned = set(re.findall(r"^([a-z0-9_.-]+)==", (ROOT / "requirements" / lock).read_text(), re.M))
    assert names - pinned == set()


def test_a_test_without_the_database_is_in_the_pure_tier(request):
    assert request.node.get_closest_marker("pure") is not None
    assert request.node.get_closest_marker("database") is None


def test_a_test_using_the_database_is_in_the_database_tier(db, request):
    assert request.node.get_closest_marker("database") is not None
    assert request.node.get_closest_marker("pure") is None


@pytest.mark.django_db
def test_a_test_marked_django_db_is_in_the_database_tier(request):
    assert request.node.get_closest_marker("database") is not None
