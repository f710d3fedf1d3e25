"""`policykit build` and `merge-manifests`: the whole pipeline, load to record, once.

    out folder checked -> (nothing changed? done) -> load -> validate (warning of clauses changed
      since the last build without a new version) -> resolve -> render the stale documents
      -> write -> record the manifest
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Iterable, Sequence

from policykit.commands.validate import built_texts
from policykit.core.load import load
from policykit.core.render import render
from policykit.core.resolve import resolve
from policykit.core.validate import validate
from policykit.incremental.builder import BuildRequest, BuildResult, Progress
from policykit.incremental.shards import merge
from policykit.outputs.pandoc import Converter
from policykit.system.locks import build_lock
from policykit.system.places import OUT, PUBLIC, output_folder

__all__ = ["build", "merge_manifests", "BuildResult"]


def build(root: Path | str = ".", settings: Iterable[str] | None = None, policies: Iterable[str] | None = None,
          formats: Sequence[str] | str | None = None, out: Path | str | None = None,
          progress: Progress | None = None, converter: Converter | None = None, jobs: int | None = None,
          force: bool = False, shard: str | tuple[int, int] | None = None, as_of: date | None = None,
          public: bool = False) -> BuildResult:
    """Build each selected school x policy in each format into `out` (default: ROOT/build).

    Only outputs whose inputs changed since the last build (or whose files are missing or
    altered) are made again, unless `force`. `jobs` conversions run at once (default: the
    cores available). `shard` "K/N" builds only the K-th of N stable parts of the selection,
    with its own manifest (see `merge_manifests`). One build at a time writes to an output
    folder (a second waits). The documents read as of `as_of` (default today): a text whose
    approval or review is due by then says it is overdue. The result's `warnings` name the
    clauses changed without a new version (none when nothing needed building: see validate).
    `public`: the copies for the schools' websites (core/public.py), of the published policies,
    without the values settings/trust.yaml marks private, into ROOT/build/public by default.
    """
    root = Path(root)
    out_dir = output_folder(root, out, default=PUBLIC if public else OUT)
    with build_lock(out_dir):
        request = BuildRequest(root, out_dir, formats, settings, policies, converter, jobs, force, shard, as_of,
                               public)
        done = request.unchanged()
        if done is not None:
            return done
        project = validate(load(root), built_texts(root, request.previous, request.manifest_path))
        plan = resolve(project, request.settings, request.policies, request.as_of, public)
        return replace(request.write(plan, render, progress), warnings=project.warnings)


def merge_manifests(out: Path | str) -> Path:
    """Merge the shard manifests in `out` (from `build(..., shard="K/N")`) into its manifest.json."""
    return merge(Path(out))
