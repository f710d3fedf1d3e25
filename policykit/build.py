"""The library API: `validate` and `build` run the stages of the design brief in order."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from . import incremental
from .convert import Converter, Pandoc
from .errors import Problem, UsageError
from .load import load
from .lock import build_lock
from .outdir import check_output_folder
from .model import Project
from .parallel import convert, default_jobs
from .record import MANIFEST, manifest_bytes, read_manifest, sha256
from .render import render
from .resolve import Plan, resolve
from .shards import Shard, merge, parse_shard
from .statcache import StatCache
from .validate import validate as validate_sources
from .write import Staging

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class BuildResult:
    out: Path
    documents: tuple[str, ...]  # every document selected (school/policy keys)
    files: tuple[Path, ...]  # their output files, then the manifest
    changed: tuple[Path, ...]  # files whose content changed on disk
    rebuilt: tuple[str, ...] = ()  # documents with at least one output made this run; the rest were current


def validate(root: Path | str = ".") -> Project:
    """Load and validate a trust repository; raise PolicykitError listing every problem."""
    return validate_sources(load(root))


def build(root: Path | str = ".", settings: Iterable[str] | None = None, policies: Iterable[str] | None = None,
          formats: Sequence[str] | str | None = None, out: Path | str | None = None,
          progress: Progress | None = None, converter: Converter | None = None, jobs: int | None = None,
          force: bool = False, shard: str | tuple[int, int] | None = None) -> BuildResult:
    """Build each selected school x policy in each format into `out` (default: ROOT/build).

    One build at a time writes to an output folder (a second waits); see `_build`.
    """
    out_dir = Path(out) if out is not None else Path(root) / "build"
    check_output_folder(root, out_dir)
    with build_lock(out_dir):
        return _build(root, settings, policies, formats, out_dir, progress, converter, jobs, force, shard)


def _build(root: Path | str = ".", settings: Iterable[str] | None = None, policies: Iterable[str] | None = None,
           formats: Sequence[str] | str | None = None, out: Path | str | None = None,
           progress: Progress | None = None, converter: Converter | None = None, jobs: int | None = None,
           force: bool = False, shard: str | tuple[int, int] | None = None) -> BuildResult:
    """Build each selected school x policy in each format into `out` (default: ROOT/build).

    Only outputs whose inputs changed since the last build (or whose files are missing or
    altered) are made again, unless `force`. `jobs` conversions run at once (default: the
    cores available). `shard` "K/N" builds only the K-th of N stable parts of the selection,
    with its own manifest (see `merge_manifests`).
    """
    root = Path(root)
    asked = _asked(formats)
    part = parse_shard(shard)
    jobs = _jobs(jobs)
    out_dir = Path(out) if out is not None else root / "build"
    converter = converter or Pandoc()
    tools = incremental.toolchain(root, converter)
    previous = _previous(out_dir, part)
    chosen = (list(dict.fromkeys(settings)) if settings else None, list(dict.fromkeys(policies)) if policies else None)
    request = incremental.request_key(root, tools, asked, *chosen, str(part))
    files = StatCache(out_dir)
    if not force:
        unchanged = _unchanged(out_dir, files, previous, request, chosen, part, jobs)
        files.save()
        if unchanged is not None:
            return unchanged
    from .formats import RENDERERS, parse_formats  # not before: it loads python-docx

    fmts = parse_formats(formats)
    project = validate(root)
    plans = resolve(project, *chosen).documents
    if part is not None:
        plans = tuple(p for p in plans if part.holds(p.key))
    state = incremental.Freshness(files, fmts, list(RENDERERS), tools, previous["documents"], force, jobs)
    stale = state.stale_plans(plans)
    docs = render(Plan(project, tuple(stale)))
    work = state.outputs_to_make(docs)
    with Staging(background=True, shown=out_dir) as staging:
        made: dict[tuple[str, str], dict[str, str]] = {}

        def sink(key: str, fmt: str, data: bytes) -> None:
            rel = f"{key}.{fmt}"
            staging.add(out_dir / rel, data)
            made[(key, fmt)] = {"path": rel, "sha256": sha256(data)}  # one key per call: safe across threads

        convert(work, converter, jobs, sink, progress)
        entries = state.entries(plans, docs, made)
        header: dict[str, Any] = {"policykit": tools.policykit, "library_release": project.library.release,
                                  "tools": tools.versions()}
        if part is not None:
            header["shard"] = str(part)
        header["build"] = {"request_sha256": request, "documents_sha256": _keys_sha256(p.key for p in plans),
                           "formats": list(fmts)}
        manifest = manifest_bytes(previous, header, entries, keep=part.holds if part else lambda key: True)
        manifest_path = out_dir / (part.manifest if part else MANIFEST)
        staging.add(manifest_path, manifest)
        changed = staging.commit()
        for record in made.values():
            files.record(record["path"], record["sha256"])
        files.save()
    paths = [out_dir / entries[p.key]["outputs"][fmt]["path"] for p in plans for fmt in fmts]
    rebuilt = sorted({key for key, _ in made})
    return BuildResult(out_dir, tuple(p.key for p in plans), (*paths, manifest_path), tuple(changed), tuple(rebuilt))


def merge_manifests(out: Path | str) -> Path:
    """Merge the shard manifests in `out` (from `build(..., shard="K/N")`) into its manifest.json."""
    return merge(Path(out))


def _jobs(jobs: int | None) -> int:
    if jobs is None:
        return default_jobs()
    if jobs < 1:
        raise UsageError(Problem("--jobs", message=f"must be at least 1, not {jobs}"))
    return jobs


def _asked(formats: Sequence[str] | str | None) -> tuple[str, ...] | None:
    """The formats as asked for, tidied but not checked (parse_formats checks them later)."""
    if formats is None:
        return None
    names = formats.split(",") if isinstance(formats, str) else formats
    return tuple(dict.fromkeys(n.strip() for n in names if n.strip()))


def _keys_sha256(keys: Iterable[str]) -> str:
    return sha256("\n".join(keys).encode("utf-8"))


def _unchanged(out: Path, files: StatCache, previous: dict[str, Any], request: str,
               chosen: tuple[list[str] | None, list[str] | None], part: Shard | None, jobs: int) -> BuildResult | None:
    """The fast path: the last build had this very request (same files, tools and options) and
    every output it made is still as it left it. None when anything differs."""
    record = previous.get("build")
    if not isinstance(record, dict) or record.get("request_sha256") != request:
        return None
    fmts = record.get("formats")
    if not isinstance(fmts, list):
        return None
    entries = {k: v for k, v in previous["documents"].items() if isinstance(v, dict)}
    # the documents that build selected, in resolve's order (schools, then policies)
    settings = chosen[0] or sorted({str(e.get("setting")) for e in entries.values()})
    policies = chosen[1] or sorted({str(e.get("policy")) for e in entries.values()})
    keys = [key for key in (f"{s}/{p}" for s in settings for p in policies)
            if key in entries and (part is None or part.holds(key))]
    if _keys_sha256(keys) != record.get("documents_sha256"):
        return None
    records = []
    for key in keys:
        outputs = entries[key].get("outputs")
        if not isinstance(outputs, dict) or not all(isinstance(outputs.get(f), dict) for f in fmts):
            return None
        records.extend(outputs[f] for f in fmts)
    if not all(files.intact(records, jobs)):
        return None
    paths = tuple(out / str(r["path"]) for r in records)
    return BuildResult(out, tuple(keys), (*paths, out / (part.manifest if part else MANIFEST)), (), ())


def _previous(out: Path, part: Shard | None) -> dict[str, Any]:
    """The last build's manifest: a shard's own, else the merged one (a restored CI cache, say)."""
    if part is not None:
        own = read_manifest(out, part.manifest)
        if own["documents"]:
            return own
    return read_manifest(out)
