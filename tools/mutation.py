"""Mutation testing of the pure rule modules, one module at a time against only its own tests.

mutmut reads its settings from the pyproject.toml of the folder it runs in, so each module gets a folder under
var/mutation/ with a copy of src/ and tests/ and a pyproject.toml naming that module and its test files.
Prints killed / (all − equivalent) per module and fails when a module is under its floor.

    python tools/mutation.py                  # every module in MODULES
    python tools/mutation.py core/ids.py      # one module
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "mutation"
FLOOR = 0.90

# module under src/onevisit/ -> the tests that pin it down
MODULES: dict[str, list[str]] = {
    "core/ids.py": ["tests/core/test_ids.py"],
    "catalog/situations.py": ["tests/catalog/test_situations.py"],
    "planning/erlang.py": ["tests/planning/test_erlang.py"],
    "ferry/chain.py": ["tests/ferry/test_chain.py"],
    "catalog/merge.py": ["tests/catalog/test_merge_and_diff.py"],
}

# Mutants that change no behaviour (each one read and argued in docs/testing.md); excluded from the ratio.
EQUIVALENT: dict[str, set[str]] = {
    module: set(names)
    for module, names in json.loads((ROOT / "tools" / "equivalent_mutants.json").read_text()).items()
}


def _pyproject(module: str, tests: list[str]) -> str:
    original = (ROOT / "pyproject.toml").read_text()
    pytest_section = re.search(r"\[tool\.pytest\.ini_options\].*?(?=\n\[)", original, re.S)
    assert pytest_section, "pyproject.toml has no [tool.pytest.ini_options]"
    lines = [
        pytest_section.group(0).strip(),
        "",
        "[tool.mutmut]",
        'source_paths = ["src"]',
        f'only_mutate = ["src/onevisit/{module}"]',
        f"pytest_add_cli_args_test_selection = {json.dumps(tests)}",
        'pytest_add_cli_args = ["-x"]',
        "",
    ]
    return "\n".join(lines)


def run(module: str) -> tuple[int, int, int, list[str]]:
    """Mutate one module; (killed, counted, equivalent, names of the surviving mutants)."""
    tests = MODULES[module]
    folder = WORK / module.replace("/", "_").removesuffix(".py")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    shutil.copytree(ROOT / "src", folder / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copytree(ROOT / "tests", folder / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "data").symlink_to(ROOT / "data")
    (folder / "pyproject.toml").write_text(_pyproject(module, tests))
    mutmut = Path(sys.executable).parent / "mutmut"
    subprocess.run([str(mutmut), "run"], cwd=folder, check=False, stdout=subprocess.DEVNULL)
    listing = subprocess.run(
        [str(mutmut), "results", "--all", "true"], cwd=folder, capture_output=True, text=True, check=True
    ).stdout
    statuses = dict(re.findall(r"^\s*(\S+): (\S.*)$", listing, re.M))
    equivalent = EQUIVALENT.get(module, set())
    counted = {name: status for name, status in statuses.items() if name not in equivalent}
    killed = [name for name, status in counted.items() if status in ("killed", "timeout")]
    survivors = sorted(name for name, status in counted.items() if status not in ("killed", "timeout"))
    return len(killed), len(counted), len(statuses) - len(counted), survivors


def main(argv: list[str]) -> int:
    modules = argv or list(MODULES)
    failed = False
    for module in modules:
        killed, counted, equivalent, survivors = run(module)
        ratio = killed / counted if counted else 1.0
        print(f"{module}: {killed}/{counted} killed = {ratio:.0%} ({equivalent} equivalent excluded)")
        for name in survivors:
            print(f"    survived: {name}")
        failed |= ratio < FLOOR
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
