"""pandoc (inside pypandoc-binary) behind one small interface: a batch of conversions, one process.

`Pandoc.convert` runs a whole batch of conversions in one `pandoc lua` process; tests of the
core can swap in any object with the same method (`Converter`). Typst, which makes the PDF
from pandoc's Typst output, runs in-process (pdf.py).
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, Sequence

from policykit.errors import PolicykitError, Problem
from policykit.system import processes, tempdirs
from policykit.system.assets import asset

# Library text is trusted Markdown, but never raw output-format code: raw HTML, TeX and
# `{=format}` blocks are read as plain text, so nothing bypasses the writers' escaping.
# Smart quotes are off so that an apostrophe in a school's name stays exactly as typed.
# Tables are pipe tables (their dashes set the column widths): trying the simple, multiline
# and grid table syntaxes at every block was a third of the time pandoc spent reading.
READER = ("markdown-raw_html-raw_tex-raw_attribute-tex_math_dollars-citations-smart"
          "-simple_tables-multiline_tables-grid_tables")


@dataclass(frozen=True)
class Output:
    """One pandoc writer run: format name plus writer options."""

    format: str
    template: str | None = None
    reference_doc: str | None = None
    variables: dict[str, Any] = field(default_factory=dict)
    number_sections: bool = False
    toc: bool = False
    toc_depth: int | None = None


@dataclass(frozen=True)
class Job:
    """One Markdown text to convert to several formats (parsed once)."""

    markdown: str
    outputs: tuple[Output, ...]
    epoch: int = 0


class Converter(Protocol):
    def convert(self, jobs: Sequence[Job]) -> list[list[bytes]]:
        """For each job, the bytes of each of its outputs, in order."""


@lru_cache(maxsize=1)
def pandoc_path() -> str:
    """The pandoc binary shipped inside the pypandoc-binary wheel (never a system pandoc)."""
    try:
        import pypandoc
    except ImportError:  # pragma: no cover - a broken install
        raise PolicykitError(Problem("pandoc", message="pypandoc-binary is not installed",
                                     hint="pip install pypandoc-binary")) from None
    binary = Path(pypandoc.__file__).parent / "files" / ("pandoc.exe" if os.name == "nt" else "pandoc")
    if not binary.is_file():
        raise PolicykitError(Problem("pandoc", message=f"no pandoc binary at {binary}",
                                     hint="reinstall pypandoc-binary (not plain pypandoc)"))
    return str(binary)


@lru_cache(maxsize=1)
def pandoc_version() -> str:
    """pandoc's version number, e.g. '3.9'."""
    proc = subprocess.run([pandoc_path(), "--version"], capture_output=True)
    first = proc.stdout.decode("utf-8", "replace").splitlines()[:1]
    return first[0].split()[-1] if first else "unknown"


class Pandoc:
    """Runs batches of conversions through one `pandoc lua` process."""

    def version(self) -> str:
        """Recorded in the manifest: a new pandoc rebuilds every output (see incremental/keys.py)."""
        return pandoc_version()

    def convert(self, jobs: Sequence[Job]) -> list[list[bytes]]:
        # pandoc takes the document date from SOURCE_DATE_EPOCH, one value per process
        results: list[list[bytes]] = [[] for _ in jobs]
        by_epoch: dict[int, list[int]] = {}
        for i, job in enumerate(jobs):
            by_epoch.setdefault(job.epoch, []).append(i)
        for epoch, indexes in by_epoch.items():
            for i, out in zip(indexes, self._run([jobs[i] for i in indexes], epoch)):
                results[i] = out
        return results

    def _run(self, jobs: Sequence[Job], epoch: int) -> list[list[bytes]]:
        with tempdirs.folder("batch") as tmp:
            work = Path(tmp)
            spec: dict[str, Any] = {"reader": READER, "report": str(work / "failures.txt"), "jobs": []}
            for i, job in enumerate(jobs):
                src = work / f"{i}.md"
                src.write_bytes(job.markdown.encode("utf-8"))  # "\n" as it is: text mode writes "\r\n" on Windows
                spec["jobs"].append({"input": str(src), "outputs": [
                    {**{k: v for k, v in vars(out).items() if v not in (None, {})}, "path": str(work / f"{i}.{n}")}
                    for n, out in enumerate(job.outputs)]})
            (work / "jobs.json").write_text(json.dumps(spec), encoding="utf-8")
            env = {**os.environ, "SOURCE_DATE_EPOCH": str(epoch), "LANG": "C.UTF-8"}
            proc = processes.run([pandoc_path(), "lua", asset("pandoc/batch.lua"), str(work / "jobs.json")],
                                env=env, cwd=tmp)
            report = work / "failures.txt"
            failures = report.read_text(encoding="utf-8").strip() if report.exists() else ""
            if proc.returncode != 0 or failures:
                detail = failures or proc.stderr.decode("utf-8", "replace").strip()
                raise PolicykitError(Problem("pandoc", message=f"conversion failed: {detail[:2000]}"))
            return [[(work / f"{i}.{n}").read_bytes() for n in range(len(job.outputs))]
                    for i, job in enumerate(jobs)]
