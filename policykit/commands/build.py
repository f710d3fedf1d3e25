"""`policykit build` and `merge-manifests`: the whole pipeline, load to record, once.

    out folder checked -> (nothing changed? done) -> load -> validate -> resolve
      -> render the stale documents -> write -> record the manifest
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Iterable, Sequence

from policykit.core.load import load
from policykit.core.render import render
from policykit.core.resolve import resolve
from policykit.core.validate import validate
from policykit.incremental.builder import BuildRequest, BuildResult, Progress
from policykit.incremental.shards import merge
from policykit.outputs.pandoc import Converter
from policykit.system.locks import build_lock
from policykit.system.places import output_folder

__all__ = ["build", "merge_manifests", "BuildResult"]


def build(root: Path | str = ".", settings: Iterable[str] | None = None, policies: Iterable[str] | None = None,
          formats: Sequence[str] | str | None = None, out: Path | str | None = None,
          progress: Progress | None = None, converter: Converter | None = None, jobs: int | None = None,
          force: bool = False, shard: str | tuple[int, int] | None = None, as_of: date | None = None) -> BuildResult:
    """Build each selected school x policy in each format into `out` (default: ROOT/build).

    Only outputs whose inputs changed since the last build (or whose files are missing or
    altered) are made again, unless `force`. `jobs` conversions run at once (default: the
    cores available). `shard` "K/N" builds only the K-th of N stable parts of the selection,
    with its own manifest (see `merge_manifests`). One build at a time writes to an output
    folder (a second waits). The documents read as of `as_of` (default today): a text whose
    approval or review is due by then says it is overdue.
    """
    root = Path(root)
    out_dir = output_folder(root, out)
    with build_lock(out_dir):
        request = BuildRequest(root, out_dir, formats, settings, policies, converter, jobs, force, shard, as_of)
        done = request.unchanged()
        if done is not None:
            return done
        project = validate(load(root))
        plan = resolve(project, request.settings, request.policies, request.as_of)
        return request.write(plan, render, progress)


def merge_manifests(out: Path | str) -> Path:
    """Merge the shard manifests in `out` (from `build(..., shard="K/N")`) into its manifest.json."""
    return merge(Path(out))
