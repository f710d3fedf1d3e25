"""The naive baseline: what peers do, one pandoc process per output.

For each canonical Markdown file a build wrote:

    pandoc in.md -o out.docx
    pandoc -s in.md -o out.html
    pandoc -s in.md -t typst -o out.typ   then Typst compiles out.typ to out.pdf

pandoc's own default templates, no batching, no parallelism. The `typst` wheel has no command
line, so each PDF is compiled by a small Python process standing in for `typst compile`
(with its defaults: system fonts are searched); its start-up (~30 ms) is about the CLI's.

    python bench/naive.py BUILD_DIR DEST [--sample K]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from policykit.outputs.pandoc import pandoc_path


def markdown_files(build: Path, sample: int | None = None) -> list[Path]:
    """The build's Markdown files, sorted; `sample` of them evenly spaced, if given."""
    files = sorted(build.glob("*/*.md"))
    if sample and sample < len(files):
        step = len(files) / sample
        files = [files[int(i * step)] for i in range(sample)]
    return files


TYPST_COMPILE = "import sys, typst; typst.compile(sys.argv[1], output=sys.argv[2])"


def convert(md: Path, dest: Path) -> None:
    pandoc = pandoc_path()
    stem = dest / md.parent.name / md.stem
    stem.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([pandoc, str(md), "-o", f"{stem}.docx"], check=True)
    subprocess.run([pandoc, "-s", str(md), "-o", f"{stem}.html"], check=True)
    # pandoc's default Typst template writes a keyword list Typst cannot read: leave keywords out
    subprocess.run([pandoc, "-s", str(md), "-t", "typst", "-M", "keywords=", "-o", f"{stem}.typ"], check=True)
    subprocess.run([sys.executable, "-c", TYPST_COMPILE, f"{stem}.typ", f"{stem}.pdf"], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("build", type=Path, help="a build folder holding <school>/<policy>.md")
    parser.add_argument("dest", type=Path, help="where to write the baseline's outputs")
    parser.add_argument("--sample", type=int, default=None, help="convert only this many documents")
    args = parser.parse_args()
    files = markdown_files(args.build, args.sample)
    for md in files:
        convert(md, args.dest)
    print(f"converted {len(files)} documents")


if __name__ == "__main__":
    main()
