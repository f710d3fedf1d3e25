"""The package's layers and the absence of import circles, checked by import-linter's contracts
in pyproject.toml, on the code as it is and on a copy with one import running back up."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import policykit

REPO = Path(__file__).resolve().parent.parent
PACKAGE = Path(policykit.__file__).parent


def lint_imports(root: Path, package_parent: Path) -> subprocess.CompletedProcess[str]:
    """Run `lint-imports` with the contracts in ROOT/pyproject.toml on the policykit package found in
    `package_parent` (the repository, or a changed copy)."""
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    return subprocess.run([sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; "
                           "sys.argv = ['lint-imports', '--no-cache', '--no-logo']; lint_imports_command()"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=300)


def test_the_layers_contract_holds():
    result = lint_imports(REPO, REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


def test_an_import_back_up_the_pipeline_breaks_the_contract(tmp_path):
    copy = tmp_path / "src"
    shutil.copytree(PACKAGE, copy / "policykit", ignore=shutil.ignore_patterns("__pycache__", "fonts", "templates"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    standing = copy / "policykit" / "governance" / "standing.py"
    standing.write_text(standing.read_text() + "\nfrom policykit.core.resolve import Plan  # noqa: E402,F401\n")
    result = lint_imports(tmp_path, copy)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "policykit.governance is not allowed to import policykit.core" in result.stdout
    assert "policykit.governance.standing -> policykit.core.resolve" in result.stdout
    assert "No cycles are allowed in policykit" in result.stdout  # core already imports governance: a circle
