"""The library API: `validate` and `build` run the stages of the design brief in order."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

from . import __version__
from .convert import Converter, Pandoc
from .formats import parse_formats, produce
from .load import load
from .model import Project
from .record import MANIFEST, manifest_bytes, read_manifest
from .render import render
from .resolve import resolve
from .validate import validate as validate_sources
from .write import write_files

Progress = Callable[[int, int, str], None]
BATCH = 12  # documents per pandoc process: amortises start-up, keeps memory and progress steady


@dataclass(frozen=True)
class BuildResult:
    out: Path
    documents: tuple[str, ...]
    files: tuple[Path, ...]
    changed: tuple[Path, ...]


def validate(root: Path | str = ".") -> Project:
    """Load and validate a trust repository; raise PolicykitError listing every problem."""
    return validate_sources(load(root))


def build(root: Path | str = ".", settings: Iterable[str] | None = None, policies: Iterable[str] | None = None,
          formats: Sequence[str] | str | None = None, out: Path | str | None = None,
          progress: Progress | None = None, converter: Converter | None = None) -> BuildResult:
    """Build each selected school x policy in each format into `out` (default: ROOT/build)."""
    root = Path(root)
    fmts = parse_formats(formats)
    project = validate(root)
    plan = resolve(project, settings, policies)
    docs = render(plan)
    out_dir = Path(out) if out is not None else root / "build"
    converter = converter or Pandoc()
    outputs: dict[tuple[str, str], tuple[str, bytes]] = {}
    total = len(docs)
    for start in range(0, total, BATCH):
        chunk = docs[start:start + BATCH]
        for (key, fmt), data in produce(chunk, fmts, converter).items():
            outputs[(key, fmt)] = (f"{key}.{fmt}", data)
        if progress:
            progress(min(start + BATCH, total), total, chunk[-1].key)
    manifest = manifest_bytes(read_manifest(out_dir), __version__, project.library.release, list(docs), outputs)
    files = {out_dir / rel: data for rel, data in outputs.values()}
    files[out_dir / MANIFEST] = manifest
    changed = write_files(files)
    return BuildResult(out_dir, tuple(d.key for d in docs), tuple(files), tuple(changed))
