"""`policykit init`: a new trust repository that validates (listing what is left to fill in), builds
once filled in, and is the same, installed from the wheel, as one made by hand."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

import policykit
from policykit.cli import main
from policykit.core.library_files import library_files, library_releases
from policykit.core.upstream import Upstream, read_upstream
from policykit.core.validate.placeholders import marked_values
from policykit.system.assets import bundled_library
from tests.conftest import REPO
from tests.new_trust import fill, outputs

TRUST = "Meadowbank Learning Trust"
RELEASE = yaml.safe_load((REPO / "clauses" / "library.yaml").read_text(encoding="utf-8"))["release"]
PROBLEM = re.compile(r"^(?P<path>[^:\s]+):(?P<line>\d+):(?P<col>\d+): (?P<key>\S+): still to fill in: .+ \(.+\)$")


def _markers(root: Path) -> set[tuple[str, str]]:
    """(file, dotted key) of every marked value in ROOT's settings, read from the YAML itself."""
    from policykit.core.yamlfile import dotted

    found = set()
    for path in sorted((root / "settings").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        found |= {(f"settings/{path.name}", dotted(key)) for key, _ in marked_values(data)}
    return found


def _listed(output: str) -> set[tuple[str, str]]:
    lines = [line for line in output.splitlines() if "still to fill in" in line]
    assert all(PROBLEM.match(line) for line in lines), [line for line in lines if not PROBLEM.match(line)]
    return {(m["path"], m["key"]) for m in map(PROBLEM.match, lines) if m}


def test_init_writes_a_trust_repository(tmp_path: Path):
    result = policykit.init(tmp_path / "trust", TRUST, school_name="St Mary's C of E Primary")
    root = result.root
    assert result.release == RELEASE and result.school == "settings/st-marys-c-of-e-primary.yaml"
    for name in ("README.md", ".gitignore", ".policykit.yaml", ".gitlab-ci.yml", ".github/workflows/policykit.yml",
                 ".github/workflows/policykit-reviews.yml", "settings/trust.yaml", "settings/approvals/ledger.jsonl",
                 "schemas/setting.schema.json", "schemas/trust.schema.json", "clauses/library.yaml"):
        assert (root / name).is_file(), name
    assert (root / "settings/approvals/ledger.jsonl").read_bytes() == b""
    assert read_upstream(root) == Upstream(RELEASE, policykit.__version__)
    # clauses/ is the bundled library at the release, byte for byte: what `update` merges from
    assert {p.relative_to(root / "clauses").as_posix(): p.read_bytes() for p in (root / "clauses").rglob("*")
            if p.is_file()} == library_files(bundled_library(), RELEASE)
    # every editor schema line resolves inside the new repository
    for path in [*root.glob("settings/*.yaml"), *root.glob("clauses/**/*.yaml"), *root.glob("clauses/*/*.md")]:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        if first.startswith("# yaml-language-server: $schema="):
            assert (path.parent / first.split("=", 1)[1]).resolve().is_file(), path
    assert yaml.safe_load((root / "settings/trust.yaml").read_text(encoding="utf-8"))["trust"]["name"] == TRUST
    assert "build/" in (root / ".gitignore").read_text(encoding="utf-8").splitlines()
    readme = (root / "README.md").read_text(encoding="utf-8")
    for command in ("policykit validate", "policykit build", "policykit approve", "policykit status",
                    "policykit update", "policykit diff --library"):
        assert command in readme, command
    assert TRUST in readme and "@" + "ENGINE@" not in readme
    assert result.to_fill == len(_markers(root)) > 20


def test_validate_on_a_fresh_init_lists_exactly_the_values_to_fill_in(tmp_path: Path):
    runner = CliRunner()
    made = runner.invoke(main, ["init", str(tmp_path / "t"), "--trust-name", TRUST])
    assert made.exit_code == 0, made.output
    root = tmp_path / "t"
    expected = _markers(root)
    assert f"{len(expected)} values to fill in" in made.output
    checked = runner.invoke(main, ["validate", "--root", str(root)])
    assert checked.exit_code == 1
    assert _listed(checked.output) == expected
    assert f"{len(expected)} problems found" in checked.output  # nothing but the markers
    assert ("settings/example-school.yaml", "school.urn") in expected  # a URN, phase and type too: no schema noise
    assert ("settings/example-school.yaml", "school.phase") in expected
    # half filled: the trust's file done, the school's not: just the school's remain
    fill(root, ("trust.yaml",))
    half = runner.invoke(main, ["validate", "--root", str(root)])
    assert half.exit_code == 1
    assert _listed(half.output) == {m for m in expected if m[0] == "settings/example-school.yaml"}
    assert f"{len(_listed(half.output))} problems found" in half.output
    fill(root)
    done = runner.invoke(main, ["validate", "--root", str(root)])
    assert done.exit_code == 0, done.output


def test_a_marked_value_in_any_settings_file_is_listed_where_it_stands(tmp_path: Path):
    root = policykit.init(tmp_path / "t", TRUST, school_name="Oak Primary").root
    fill(root)
    school = root / "settings" / "oak-primary.yaml"
    text = school.read_text(encoding="utf-8").replace('address: "Sample address"',
                                                       'address: "REPLACE: the school\'s address"')
    school.write_text(text, encoding="utf-8")
    line = text.splitlines().index('  address: "REPLACE: the school\'s address"') + 1
    with pytest.raises(policykit.PolicykitError) as caught:
        policykit.validate(root)
    [problem] = caught.value.problems
    assert (problem.path, problem.line, problem.column, problem.key) == ("settings/oak-primary.yaml", line, 3,
                                                                         "school.address")
    assert problem.message == "still to fill in: the school's address" and problem.hint


def test_init_refuses_a_folder_that_is_not_empty(tmp_path: Path):
    target = tmp_path / "trust"
    target.mkdir()
    (target / "notes.txt").write_text("ours", encoding="utf-8")
    result = CliRunner().invoke(main, ["init", str(target), "--trust-name", TRUST])
    assert result.exit_code == 2
    assert "is not empty" in result.output and "Traceback" not in result.output
    assert [p.name for p in target.iterdir()] == ["notes.txt"]
    file = tmp_path / "a-file"
    file.write_text("x", encoding="utf-8")
    assert CliRunner().invoke(main, ["init", str(file), "--trust-name", TRUST]).exit_code == 2
    assert file.read_text(encoding="utf-8") == "x"


def test_init_into_an_empty_folder_and_an_unknown_release(tmp_path: Path):
    (tmp_path / "empty").mkdir()
    assert CliRunner().invoke(main, ["init", str(tmp_path / "empty"), "--trust-name", TRUST]).exit_code == 0
    wrong = CliRunner().invoke(main, ["init", str(tmp_path / "new"), "--trust-name", TRUST, "--library", "1999.1"])
    assert wrong.exit_code == 2 and "unknown library release '1999.1'" in wrong.output
    assert not (tmp_path / "new").exists()
    blank = CliRunner().invoke(main, ["init", str(tmp_path / "new"), "--trust-name", "  "])
    assert blank.exit_code == 2 and not (tmp_path / "new").exists()


def test_names_are_data_and_school_ids_are_safe(tmp_path: Path):
    from policykit.commands.init import school_id

    assert school_id("St Mary\u2019s C of E Primary") == "st-marys-c-of-e-primary"
    assert school_id("Ysgol Gymraeg Bro \u0174yr") == "ysgol-gymraeg-bro-wyr"
    assert school_id("\u5b66\u6821") == "school"
    name = 'The "Oak & Ash": {{ Trust }} # 1'
    result = policykit.init(tmp_path / "t", name, school_name="Trust")
    assert result.school == "settings/trust-school.yaml"
    data = yaml.safe_load((result.root / "settings/trust.yaml").read_text(encoding="utf-8"))
    assert data["trust"]["name"] == name  # written as data, read back exactly
    refused = CliRunner().invoke(main, ["init", str(tmp_path / "u"), "--trust-name", "T", "--school", "trust"])
    assert refused.exit_code == 2 and not (tmp_path / "u").exists()


def test_a_failed_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from policykit.system import atomic

    real = atomic.Staging._write
    count = {"n": 0}

    def failing(self, path, data):  # the 40th file cannot be written: the disk is full
        count["n"] += 1
        if count["n"] == 40:
            raise atomic.OutputError(atomic._problem(OSError(28, "No space left on device"), path))
        return real(self, path, data)

    monkeypatch.setattr(atomic.Staging, "_write", failing)
    with pytest.raises(policykit.OutputError):
        policykit.init(tmp_path / "t", TRUST)
    assert not (tmp_path / "t").exists()


def test_init_at_an_earlier_release_takes_that_release(tmp_path: Path):
    releases = sorted(library_releases(bundled_library()))
    older = [r for r in releases if r != RELEASE][-1]
    result = policykit.init(tmp_path / "t", TRUST, library=older)
    assert result.release == older and read_upstream(result.root).release == older
    assert yaml.safe_load((result.root / "clauses/library.yaml").read_text(encoding="utf-8"))["release"] == older
    fill(result.root)
    project = policykit.validate(result.root)
    assert project.library.release == older


def _by_hand(root: Path, settings: dict[str, str], release: str = RELEASE) -> Path:
    """A trust repository made without init: the bundled library's files at the release, the same
    settings written directly, an empty ledger."""
    for name, data in library_files(bundled_library(), release).items():
        (root / "clauses" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "clauses" / name).write_bytes(data)
    (root / "settings" / "approvals").mkdir(parents=True)
    (root / "settings" / "approvals" / "ledger.jsonl").write_bytes(b"")
    for name, text in settings.items():
        (root / "settings" / name).write_text(text, encoding="utf-8")
    return root


def test_the_example_trust_is_one_such_repository(tmp_path: Path, example_trust: Path):
    # a repository made by init, given the example trust's settings (not its ledger), builds what
    # this repository's root builds for a school none of whose policies has been approved yet
    root = policykit.init(tmp_path / "made", "Meadowbank Learning Trust").root
    shutil.rmtree(root / "settings")
    shutil.copytree(REPO / "settings", root / "settings", ignore=shutil.ignore_patterns("ledger.jsonl", "texts"))
    (root / "settings" / "approvals" / "ledger.jsonl").write_bytes(b"")
    ledger = [json.loads(line) for line in (REPO / "settings/approvals/ledger.jsonl").read_text().splitlines() if line]
    assert "st-marys" not in {r["setting"] for r in ledger}
    made = policykit.build(root, ["st-marys"], ["code-of-conduct", "acceptable-use"], out=tmp_path / "made-build")
    ours = policykit.build(example_trust, ["st-marys"], ["code-of-conduct", "acceptable-use"],
                           out=tmp_path / "root-build")
    assert len(made.documents) == 2
    a, b = outputs(made.out), outputs(ours.out)
    a.pop("manifest.json"), b.pop("manifest.json")  # it names the library's files, whose layout differs
    assert sorted(a) == sorted(b) and len(a) == 8
    assert [k for k in a if a[k] != b[k]] == []


# --- the acceptance test: from the wheel, as a trust installs it ----------------------------------


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    return done


@pytest.mark.acceptance
def test_from_the_wheel_init_fill_validate_build_as_by_hand(tmp_path: Path):
    pytest.importorskip("hatchling", reason="the test extra installs hatchling, the build backend")
    dist = tmp_path / "dist"
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                            "-q", "-w", str(dist), str(REPO)], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr
    [wheel] = dist.glob("policykit-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=300)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    installed = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
                                "--no-index", str(wheel)], capture_output=True, text=True, timeout=600)
    assert installed.returncode == 0, installed.stderr
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               capture_output=True, text=True, check=True).stdout.strip())
    # policykit's dependencies from this test's environment, as a plain path: the editable
    # policykit there (a .pth file of its own) is not processed, so it cannot shadow the wheel
    (site / "_test_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PYTHONUTF8"] = "1"
    probe = _run([str(python), "-c", "import json, policykit; from policykit.system.assets import bundled_library; "
                  "print(json.dumps([policykit.__file__, str(bundled_library()), policykit.__version__]))"],
                 tmp_path, env)
    assert probe.returncode == 0, probe.stderr
    where, library, version = json.loads(probe.stdout)
    assert Path(where).is_relative_to(site) and Path(library) == site / "policykit" / "library"
    assert (Path(library) / "library.yaml").is_file() and version == policykit.__version__
    command = venv / ("Scripts/policykit.exe" if os.name == "nt" else "bin/policykit")
    made = _run([str(command), "init", "trust", "--trust-name", TRUST, "--school-name", "Oak Primary"], tmp_path, env)
    assert made.returncode == 0, made.stderr
    root = tmp_path / "trust"
    fresh = _run([str(command), "validate"], root, env)
    assert fresh.returncode == 1 and _listed(fresh.stderr) == _markers(root)
    settings = fill(root)
    checked = _run([str(command), "validate"], root, env)
    assert checked.returncode == 0, checked.stderr
    build = _run([str(command), "build", "--quiet"], root, env)
    assert build.returncode == 0, build.stderr
    # the same repository made by hand, built by the policykit of this source tree
    hand = _by_hand(tmp_path / "hand", settings)
    policykit.build(hand)
    a, b = outputs(root / "build"), outputs(hand / "build")
    assert len(a) == 5 * 4 + 1 and sorted(a) == sorted(b)
    assert [k for k in a if a[k] != b[k]] == ["manifest.json"]  # every document byte for byte
    # The manifest too, but for its build keys: they hash every file of the installed policykit
    # package (keys.py), and the wheel's holds the library and the schemas, a source tree's not.
    assert _without_keys(json.loads(a["manifest.json"])) == _without_keys(json.loads(b["manifest.json"]))


def _without_keys(manifest: Any) -> Any:
    if isinstance(manifest, dict):
        return {k: _without_keys(v) for k, v in manifest.items()
                if k not in ("request_sha256", "inputs_sha256", "input_sha256")}
    if isinstance(manifest, list):
        return [_without_keys(v) for v in manifest]
    return manifest
