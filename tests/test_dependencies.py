"""Honest dependencies: every import declared, the floors pinned for CI, the lock whole, the Quick start what CI runs."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from tests.conftest import REPO

PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
FLOOR = re.compile(r"^([A-Za-z0-9_.-]+)>=([0-9][0-9.]*)$")


def _name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _floors(specs: list[str]) -> dict[str, str]:
    floors = {}
    for spec in specs:
        match = FLOOR.match(spec)
        assert match, f"{spec}: give every dependency a floor as `name>=version` (tested by .ci/min)"
        floors[_name(match[1])] = match[2]
    return floors


RUNTIME = _floors(PROJECT["dependencies"])
TEST = _floors(PROJECT["optional-dependencies"]["test"])


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)==(\S+?)\s*(?:;.*)?\\?$", line)
        if match:
            pins[_name(match[1])] = match[2]
    return pins


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text.split("+")[0])[:4])


def _imports(folder: Path) -> dict[str, str]:
    """Every top-level module imported by the .py files under `folder`, with where it first is."""
    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        names = [(m[1], m.start()) for m in re.finditer(r"importorskip\(\s*[\"']([\w.]+)", source)]
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                names += [(alias.name, 0) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.append((node.module, 0))
        for name, _ in names:
            found.setdefault(name.split(".")[0], str(path.relative_to(REPO)))
    return found


def _undeclared(folder: Path, declared: set[str]) -> list[str]:
    owners = packages_distributions()
    missing = []
    for module, where in _imports(folder).items():
        if module in sys.stdlib_module_names or module in ("policykit", "tests", "__future__"):
            continue
        dists = {_name(d) for d in owners.get(module, [])}
        if not dists & declared:
            missing.append(f"{where}: imports {module} (from {', '.join(sorted(dists)) or 'nothing installed'})")
    return missing


def test_every_package_policykit_imports_is_a_declared_dependency():
    # pypandoc-binary installs the module pypandoc
    assert _undeclared(REPO / "policykit", set(RUNTIME)) == []


def test_every_package_the_tests_import_is_declared_in_the_test_extra_or_above():
    assert _undeclared(REPO / "tests", set(RUNTIME) | set(TEST)) == []


def test_constraints_min_pins_every_direct_dependency_at_its_floor():
    assert _pins(REPO / "constraints-min.txt") == {**RUNTIME, **TEST}


def test_the_lock_pins_every_dependency_with_hashes_and_at_or_above_its_floor():
    text = (REPO / "requirements.lock").read_text(encoding="utf-8")
    pins = _pins(REPO / "requirements.lock")
    for name, floor in {**RUNTIME, **TEST}.items():
        assert name in pins, f"{name} is not in requirements.lock: compile it again (README 'The lock file')"
        assert _version(pins[name]) >= _version(floor), (name, pins[name], floor)
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
    for entry in entries:
        if re.match(r"[A-Za-z0-9]", entry):
            assert "--hash=sha256:" in entry, entry.splitlines()[0]
    assert "-e " not in text and "policykit" not in pins  # policykit itself is installed with --no-deps -e .


def test_requires_python_is_what_ci_runs():
    assert PROJECT["requires-python"] == ">=3.11"
    assert sys.version_info >= (3, 11)
    assert "--python-version 3.11" in (REPO / "requirements.lock").read_text(encoding="utf-8")


def test_ci_runs_the_quick_start_exactly():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Quick start\n.*?```sh\n(.*?)```", readme, re.S)
    assert block, "README has a Quick start with one sh block"
    commands = block[1].strip().splitlines()
    assert len(commands) == 2, commands
    assert "pip install -r requirements.lock" in commands[0]
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    for command in commands:
        assert any(line.strip().startswith(command) for line in ci), f".ci/run does not run: {command}"
