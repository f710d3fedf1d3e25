"""Property-based and fuzz tests: validation never crashes, and whatever validates renders."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import policykit
from policykit.core.schema import schema_dir
from tests.conftest import mini_files, write_tree
from tests.schema_strategy import from_schema

SETTING_SCHEMA = json.loads((schema_dir() / "setting.schema.json").read_text())
# keep generated schools realistic enough to reach the later stages often
SETTING_SCHEMA = {**SETTING_SCHEMA, "properties": {**SETTING_SCHEMA["properties"],
                                                   "adaptations": {"type": "object", "maxProperties": 0}}}

@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mini trust, written once for the module under pytest's own temporary folder (which
    pytest cleans), not left in /tmp by every run."""
    return write_tree(tmp_path_factory.mktemp("fuzz"), mini_files())


def attempt(base: Path, files: dict[str, bytes]) -> None:
    """Validate and render a copy of the mini trust with `files` replaced: never a crash."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "trust"
        shutil.copytree(base, root)
        for rel, data in files.items():
            (root / rel).write_bytes(data)
        try:
            policykit.validate(root)
        except policykit.PolicykitError as err:
            assert err.problems, "an error must say what is wrong"
            for problem in err.problems:
                assert problem.path and problem.message
            return
        try:  # what validates builds (Markdown here: the conversions have their own tests)
            policykit.build(root, formats="md")
        except policykit.PolicykitError as err:
            # the only errors allowed after validation are the ones that need filled-in text
            assert all("appears in" in p.message or "sandbox" in p.message for p in err.problems), err


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(from_schema(SETTING_SCHEMA))
def test_generated_settings_never_crash(base, data):
    attempt(base, {"settings/alpha.yaml": yaml.safe_dump(data, allow_unicode=True).encode("utf-8")})


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(from_schema(SETTING_SCHEMA["$defs"]["school"], SETTING_SCHEMA))
def test_any_valid_school_block_builds(base, school):
    school["local_authority"] = "shire"
    data = {"school": school, "people": {"head": {"name": "A"}, "dsl": {"name": "B"}, "chair": {"name": "C"}}}
    attempt(base, {"settings/alpha.yaml": yaml.safe_dump(data, allow_unicode=True).encode("utf-8")})


PATHS = ["settings/alpha.yaml", "settings/trust.yaml", "clauses/remote-working/rw-phones.md",
         "clauses/policies/remote.yaml", "clauses/library.yaml"]


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(PATHS), st.data())
def test_corrupted_files_never_crash(base, path, data):
    original = (base / path).read_bytes()
    kind = data.draw(st.sampled_from(["flip", "cut", "insert", "delete-line", "dup-line"]))
    if kind == "flip":
        i = data.draw(st.integers(0, len(original) - 1))
        corrupted = original[:i] + bytes([data.draw(st.integers(0, 255))]) + original[i + 1:]
    elif kind == "cut":
        corrupted = original[: data.draw(st.integers(0, len(original)))]
    elif kind == "insert":
        i = data.draw(st.integers(0, len(original)))
        junk = data.draw(st.sampled_from([b":", b"- ", b"\t", b"{{", b"{%", b"---\n", b"&a ", b"*a", b"\xff", b"\n  x: y\n"]))
        corrupted = original[:i] + junk + original[i:]
    else:
        lines = original.splitlines(keepends=True)
        i = data.draw(st.integers(0, len(lines) - 1))
        corrupted = b"".join(lines[:i] + lines[i + 1:] if kind == "delete-line" else lines[: i + 1] + lines[i:])
    attempt(base, {path: corrupted})
