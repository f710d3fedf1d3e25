"""Each command runs the front of the pipeline once, writes only where it may, and maps a bug
to exit 70, not to 1 (which means problems in the trust's files)."""

from __future__ import annotations

import cProfile
import hashlib
import pstats
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any, Callable

import pytest
from click.testing import CliRunner

import policykit
from policykit.cli import main
from policykit.core import load as load_stage
from policykit.core import render as render_stage
from policykit.core import resolve as resolve_stage
from policykit.core import validate as validate_stage
from policykit.governance.ledger import LEDGER

TODAY = date(2026, 1, 10)
STAGES = {
    "load": load_stage.load,
    "validate": validate_stage.validate,
    "resolve": resolve_stage.resolve,
    "render": render_stage.render,
    "render_document": render_stage.render_document,
}


def stage_calls(action: Callable[[], Any]) -> Counter[str]:
    """How many times `action` called each stage function (counted by their code, so every caller
    is seen, whatever name it imported the function under)."""
    profile = cProfile.Profile()
    profile.runcall(action)
    codes = {(fn.__code__.co_filename, fn.__code__.co_firstlineno, fn.__name__): name for name, fn in STAGES.items()}
    counts: Counter[str] = Counter({name: 0 for name in STAGES})
    for where, (_, calls, *_) in pstats.Stats(profile).stats.items():  # type: ignore[attr-defined]
        if where in codes:
            counts[codes[where]] += calls
    return counts


def once_each(counts: Counter[str], documents: int) -> dict[str, int]:
    return {"load": 1, "validate": 1, "resolve": 1, "render": 1, "render_document": documents}


def test_site_runs_each_stage_once(mini):
    root = mini()
    first = stage_calls(lambda: policykit.site(root))
    assert first == once_each(first, 2)  # the build's Word and PDF files come from the same render
    again = stage_calls(lambda: policykit.site(root))  # nothing changed
    assert again == once_each(again, 2)


def test_site_as_of_a_date_before_an_approval_renders_the_texts_as_they_stood(mini):
    root = mini()
    policykit.build(root, formats="md")
    policykit.approve(root, "alpha", "remote", "board", date(2026, 1, 5), "LGB/26/1", "Clerk", today=TODAY)
    counts = stage_calls(lambda: policykit.site(root, as_of=date(2026, 1, 1)))
    # the one exception: the documents as they stood before that approval are a second text
    assert counts == {"load": 1, "validate": 1, "resolve": 2, "render": 2, "render_document": 4}


def test_status_renders_once(mini):
    root = mini()
    counts = stage_calls(lambda: policykit.status(root, TODAY))
    assert counts == once_each(counts, 2)


def test_validate_and_pack_run_each_stage_once(mini):
    root = mini()
    counts = stage_calls(lambda: policykit.validate(root))
    assert counts == once_each(counts, 2)
    counts = stage_calls(lambda: policykit.pack(root, "alpha", TODAY, out=root / "build" / "pack.pdf"))
    assert counts == once_each(counts, 1)  # one school's documents only


def test_build_renders_only_what_changed_and_approve_renders_its_document(mini):
    root = mini()
    counts = stage_calls(lambda: policykit.build(root, formats="md"))
    assert counts == once_each(counts, 2)
    assert stage_calls(lambda: policykit.build(root, formats="md")) == Counter(
        {name: 0 for name in STAGES})  # nothing changed: nothing is even loaded
    counts = stage_calls(lambda: policykit.approve(root, "alpha", "remote", "board", date(2026, 1, 5), "LGB/26/1",
                                                   "Clerk", today=TODAY))
    # the text the board approved, then the document as the approval leaves it: archived, and written
    # again as the build's files (planned anew with the record, not rendered a third time)
    assert counts == {"load": 1, "validate": 1, "resolve": 2, "render": 1, "render_document": 2}


def test_diff_runs_each_stage_once(mini):
    root = mini()
    policykit.build(root, formats="md")
    policykit.approve(root, "alpha", "remote", "board", date(2026, 1, 5), "LGB/26/1", "Clerk", today=TODAY)
    counts = stage_calls(lambda: policykit.diff(root, "alpha", "remote", formats=("html",)))
    # the approved text comes from the archive validate checked: only the current text is rendered
    assert counts == {"load": 1, "validate": 1, "resolve": 1, "render": 1, "render_document": 1}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("target", ["settings/alpha.yaml", "settings/approvals/ledger.jsonl",
                                    "clauses/remote-working/rw-phones.md", "settings/new.pdf"])
@pytest.mark.parametrize("command", ["pack", "status"])
def test_pack_out_and_status_ics_never_write_over_the_trusts_files(mini, monkeypatch, command, target):
    root = mini()
    monkeypatch.chdir(root)  # as a clerk runs it, in the trust's folder
    policykit.build(root, formats="md")
    policykit.approve(root, "alpha", "remote", "board", date(2026, 1, 5), "LGB/26/1", "Clerk", today=TODAY)
    path = root / target
    before = _digest(path) if path.exists() else None
    args = (["pack", "alpha", "--meeting", "2026-02-01", "--out", target] if command == "pack"
            else ["status", "--ics", target])
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 2, result.output
    option = "--out" if command == "pack" else "--ics"
    folder = target.split("/")[0]
    assert f"{option}: {target} is inside the trust's {folder}/ folder" in result.stderr
    assert (_digest(path) if path.exists() else None) == before
    assert (root / LEDGER).read_text().count("\n") == 1  # the ledger still holds its one record


def test_status_ics_and_pack_out_elsewhere_are_written(mini, tmp_path):
    root = mini()
    result = CliRunner().invoke(main, ["status", "--root", str(root), "--ics", str(tmp_path / "reviews.ics")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "reviews.ics").read_text().startswith("BEGIN:VCALENDAR")
    result = CliRunner().invoke(main, ["pack", "alpha", "--root", str(root), "--meeting", "2026-02-01",
                                       "--out", str(tmp_path / "pack.pdf")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "pack.pdf").read_bytes().startswith(b"%PDF-")


def _broken_render(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("an invariant policykit relies on did not hold")


def test_an_unexpected_error_asks_for_a_bug_report_and_exits_70(mini, monkeypatch):
    root = mini()
    monkeypatch.setattr("policykit.commands.validate.render", _broken_render)
    result = CliRunner().invoke(main, ["validate", "--root", str(root)])
    assert result.exit_code == 70
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "failed unexpectedly (RuntimeError: an invariant policykit relies on did not hold)" in lines[0]
    assert "bug in policykit" in lines[0] and "--debug" in lines[0]


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_debug_shows_the_traceback(mini, monkeypatch, how):
    root = mini()
    monkeypatch.setattr("policykit.commands.validate.render", _broken_render)
    if how == "flag":
        result = CliRunner().invoke(main, ["--debug", "validate", "--root", str(root)])
    else:
        result = CliRunner(env={"POLICYKIT_DEBUG": "1"}).invoke(main, ["validate", "--root", str(root)])
    assert result.exit_code == 70
    assert "Traceback (most recent call last)" in result.stderr and "_broken_render" in result.stderr


def test_the_public_api():
    import importlib
    import inspect
    import pkgutil
    from importlib.metadata import version

    for module in pkgutil.walk_packages(policykit.__path__, "policykit."):
        if module.name != "policykit.__main__":  # that one runs the command line
            importlib.import_module(module.name)
    # every command is a function of the package, and still one once every submodule is imported:
    # no public name is shadowed by a submodule of the same name
    for name in ("validate", "build", "approve", "status", "diff", "site", "pack", "merge_manifests"):
        assert name in policykit.__all__ and inspect.isfunction(getattr(policykit, name)), name
        assert getattr(policykit, name).__doc__, name
    assert not any(inspect.ismodule(getattr(policykit, name)) for name in policykit.__all__)
    assert policykit.__version__ == version("policykit")
