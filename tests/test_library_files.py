"""The bundled library's files at a release (library_files) and the trust's upstream record."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from policykit.core.library_files import library_files, library_releases
from policykit.core.load import load
from policykit.core.upstream import FILE, Upstream, read_upstream, upstream_text
from policykit.core.validate import validate
from policykit.errors import PolicykitError, UsageError
from policykit.system.assets import bundled_library

REPO = Path(__file__).resolve().parent.parent


def test_the_bundled_library_is_this_repositorys_library_in_a_checkout():
    assert bundled_library() == REPO / "clauses"
    assert "2026.1" in library_releases(bundled_library())


def test_the_current_release_is_the_folder_as_it_stands():
    folder = bundled_library()
    now = library_files(folder)
    assert now["library.yaml"] == (folder / "library.yaml").read_bytes()
    assert "acceptable-use/aup-sextortion.md" in now
    assert all(not name.startswith(".") for name in now)


def test_an_older_release_has_its_own_clause_texts_and_nothing_newer(tmp_path: Path):
    folder = bundled_library()
    old = library_files(folder, "2025.1")
    # a clause added in 2026.1 is not in 2025.1; one changed since has its history text back in place
    assert "acceptable-use/aup-sextortion.md" not in old
    assert old["acceptable-use/aup-filtering-and-monitoring.md"] != \
        (folder / "acceptable-use/aup-filtering-and-monitoring.md").read_bytes()
    assert b"release: '2025.1'" in old["library.yaml"] or b'release: "2025.1"' in old["library.yaml"]
    assert b"2026.1" not in old["library.yaml"]
    # policies lose the clauses 2025.1 did not have
    assert b"aup-sextortion" not in old["policies/acceptable-use.yaml"]
    # and the result is a library policykit reads as release 2025.1
    for name, data in old.items():
        path = tmp_path / "clauses" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    # the nursery's 2026 settings leave out the platform for remote lessons, which 2025.1 needed
    shutil.copytree(REPO / "settings", tmp_path / "settings",
                    ignore=shutil.ignore_patterns("approvals", "little-acorns.yaml"))
    library = validate(load(tmp_path)).library
    assert library.release == "2025.1" and "aup-sextortion" not in library.clauses
    assert "aup-filtering-and-monitoring" in library.clauses


def test_an_unknown_release_is_a_usage_error_with_a_hint():
    with pytest.raises(UsageError) as caught:
        library_files(bundled_library(), "2025.9")
    assert "2025.1" in caught.value.problems[0].hint


def test_the_upstream_record_round_trips_and_rejects_what_it_would_not_write(tmp_path: Path):
    assert read_upstream(tmp_path) is None
    (tmp_path / FILE).write_text(upstream_text(Upstream("2026.1", "0.1.0")), encoding="utf-8")
    assert read_upstream(tmp_path) == Upstream("2026.1", "0.1.0")
    (tmp_path / FILE).write_text("library_release: 2026.1\nrelease: x\n", encoding="utf-8")
    with pytest.raises(PolicykitError) as caught:
        read_upstream(tmp_path)
    keys = {p.key for p in caught.value.problems}
    assert keys == {"library_release", "release"}
    assert all(p.path == FILE and p.line for p in caught.value.problems)
