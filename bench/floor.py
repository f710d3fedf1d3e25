"""The toolchain floor: the build's conversions with no policykit code around them.

On the canonical Markdown files a build wrote (BUILD_DIR/<school>/<policy>.md):

    the files split into --jobs batches (the build's workers: default_jobs() unless given)
    one `pandoc lua policykit/pandoc/batch.lua jobs.json` per batch, all side by side, each
      writing Word, Typst and HTML for every document of its batch (each read once)
    then every Typst output compiled to PDF/UA-1 with typst.compile, --jobs at a time

with the writer options policykit's own writers give (formats.WRITERS[fmt].pandoc_output:
templates, reference document, variables, numbering, contents) and Typst's options as
policykit's typst_pdf passes them (its fonts only, PDF/UA-1, the logo's folder as root).
No rendering, validation, manifest, hashing, DOCX finishing (fonts) or fsync: what is left
is Python start-up, the reference document built once (as every build does) and pandoc and
Typst themselves, so a build can come no closer than this to "pandoc + Typst".

    python bench/floor.py BUILD_DIR DEST --root TRUST [--jobs N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import yaml

from policykit.model import template_colours
from policykit.outputs.formats import WRITERS
from policykit.outputs.pandoc import READER, pandoc_path
from policykit.outputs.parallel import default_jobs
from policykit.system.assets import asset

FORMATS = {"docx": "docx", "pdf": "typ", "html": "html"}  # policykit's writer -> the file pandoc writes here
EPOCH = 1756728000  # noon UTC, 1 September 2025 (the synthetic documents' date); no cost depends on it


def trust_look(root: Path) -> SimpleNamespace:
    """What the writers read from a rendered document (the trust's colours and logo), from the
    trust's settings as render() takes them: every document of a trust shares them."""
    trust = yaml.safe_load((root / "settings" / "trust.yaml").read_text(encoding="utf-8")).get("trust", {})
    logo = trust.get("logo")
    return SimpleNamespace(colours=template_colours(trust),
                           logo=str((root / "settings" / logo).resolve()) if logo else None)


def spec(files: list[Path], build: Path, dest: Path, look: SimpleNamespace, report: Path) -> dict[str, Any]:
    """A batch.lua job list: every file to Word, Typst and HTML, with policykit's writer options."""
    # the same dict Pandoc._run writes for each output: the options that are set, and a path
    outputs = {fmt: {k: v for k, v in vars(WRITERS[fmt].pandoc_output(look)).items() if v not in (None, {})}
               for fmt in FORMATS}  # type: ignore[arg-type]  # the writers read only colours and logo
    jobs = []
    for md in files:
        stem = dest / md.relative_to(build).with_suffix("")
        stem.parent.mkdir(parents=True, exist_ok=True)
        jobs.append({"input": str(md), "outputs": [{**out, "path": f"{stem}.{FORMATS[fmt]}"}
                                                   for fmt, out in outputs.items()]})
    return {"reader": READER, "report": str(report), "jobs": jobs}


def split(files: list[Path], parts: int) -> list[list[Path]]:
    """`parts` contiguous batches of sizes within one of each other."""
    per, extra = divmod(len(files), parts)
    bounds = [i * per + min(i, extra) for i in range(parts + 1)]
    return [files[bounds[i]:bounds[i + 1]] for i in range(parts) if bounds[i] < bounds[i + 1]]


def convert(build: Path, dest: Path, root: Path, jobs: int) -> int:
    """Every Markdown file under `build` to DOCX, HTML and PDF in `dest`; how many documents."""
    build, dest = build.resolve(), dest.resolve()  # pandoc runs in the scratch folder
    files = sorted(build.glob("*/*.md"))
    look = trust_look(root)
    work = dest / ".floor"
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(EPOCH), "LANG": "C.UTF-8"}
    procs = []
    for i, batch in enumerate(split(files, jobs)):
        path = work / f"jobs-{i}.json"
        path.write_text(json.dumps(spec(batch, build, dest, look, work / f"failures-{i}.txt")), encoding="utf-8")
        procs.append((path, subprocess.Popen([pandoc_path(), "lua", asset("pandoc/batch.lua"), str(path)],
                                             env=env, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE)))
    for path, proc in procs:
        _, err = proc.communicate()
        failures = path.with_name(path.name.replace("jobs-", "failures-").replace(".json", ".txt"))
        detail = failures.read_text(encoding="utf-8").strip() if failures.exists() else ""
        if proc.returncode != 0 or detail:
            sys.exit(f"pandoc failed on {path}: {(detail or err.decode(errors='replace'))[:2000]}")

    import typst

    # policykit.outputs typst_pdf's options: its own fonts only, PDF/UA-1, the logo by name
    root_dir, inputs = (str(Path(look.logo).parent), {"logo": "/" + Path(look.logo).name}) if look.logo else (None, {})

    def pdf(md: Path) -> None:
        stem = dest / md.relative_to(build).with_suffix("")
        data = typst.compile(Path(f"{stem}.typ").read_bytes(), root=root_dir, font_paths=[asset("fonts")],
                             ignore_system_fonts=True, sys_inputs=inputs, pdf_standards=["ua-1"], timestamp=EPOCH)
        Path(f"{stem}.pdf").write_bytes(data)

    # threads, as the build's workers: typst.compile runs in Rust without the GIL
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(pdf, files))
    return len(files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("build", type=Path, help="a build folder holding <school>/<policy>.md")
    parser.add_argument("dest", type=Path, help="where to write the outputs")
    parser.add_argument("--root", type=Path, required=True, help="the trust (its colours and logo)")
    parser.add_argument("--jobs", type=int, default=None, help="workers, as build --jobs [default_jobs()]")
    args = parser.parse_args()
    jobs = max(1, args.jobs or default_jobs())
    count = convert(args.build, args.dest, args.root, jobs)
    print(f"converted {count} documents with {jobs} workers")


if __name__ == "__main__":
    main()
