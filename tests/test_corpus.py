"""The bad-input corpus (tests/corpus/): exact errors for bad files, exact text for odd ones."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import policykit
from policykit.cli import main
from tests.readers import docx_text, html_text

CORPUS = Path(__file__).parent / "corpus"
SPEC = yaml.safe_load((CORPUS / "cases.yaml").read_text(encoding="utf-8"))


def test_every_corpus_file_has_a_case():
    files = {p.name for p in CORPUS.iterdir() if p.name != "cases.yaml"}
    assert files == set(SPEC["cases"])


@pytest.mark.parametrize("name", sorted(SPEC["cases"]))
def test_corpus_case(mini, name):
    case = SPEC["cases"][name]
    root = mini()
    shutil.copyfile(CORPUS / name, root / SPEC["targets"][name.split("-")[0]])
    result = CliRunner().invoke(main, ["validate", "--root", str(root)])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == case["exit"], result.output
    if case["exit"]:
        *errors, summary = result.stderr.splitlines()  # each problem's line starts with its path
        assert summary == f"{len(errors)} problem{'s' if len(errors) != 1 else ''} found; nothing was written."
        assert errors == case["errors"]
        assert not (root / "build").exists()
        return
    fmts = "md,docx,html,pdf" if name == "settings-rtl-and-combining.yaml" else "md,docx,html"
    policykit.build(root, settings=["alpha"], formats=fmts)
    out = root / "build" / "alpha"
    literal = case["literal"]
    assert literal in (out / "remote.md").read_text(encoding="utf-8")
    assert literal in docx_text(out / "remote.docx")
    assert literal in html_text(out / "remote.html")
    if "pdf" in fmts:
        assert (out / "remote.pdf").stat().st_size > 0
