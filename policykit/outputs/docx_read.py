"""pandoc (inside pypandoc-binary) reading a Word document for `policykit import`, and writing Markdown back.

The other direction from the build: a .docx becomes pandoc's document tree (its JSON form), which
`policykit.core.importing` splits and cleans, and a tree becomes the Markdown clause text the build
reads. The writer leaves out every extension the build's reader leaves out (raw HTML and TeX,
attributes, smart quotes, grid, simple and multiline tables), so what is written is what is read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from policykit.errors import PolicykitError, Problem
from policykit.outputs.pandoc import pandoc_path
from policykit.system import processes, tempdirs

WRITER = ("markdown-raw_html-raw_tex-raw_attribute-tex_math_dollars-citations-smart"
          "-simple_tables-multiline_tables-grid_tables-header_attributes-auto_identifiers"
          "-bracketed_spans-native_spans-native_divs-link_attributes-inline_code_attributes"
          "-fenced_code_attributes-footnotes-inline_notes")


def read_docx(path: Path, shown: str) -> tuple[dict[str, Any], list[str]]:
    """The document tree pandoc reads from the Word file at `path` (tracked changes accepted,
    comments left out, as Word shows the document with its markup hidden), and what pandoc
    warned about on the way."""
    with tempdirs.folder("import") as tmp:
        out = Path(tmp) / "document.json"
        proc = processes.run([pandoc_path(), "--from", "docx", "--to", "json", "--track-changes=accept",
                              "--output", str(out), str(path.resolve())], cwd=tmp)
        warnings = _warnings(proc.stderr)
        if proc.returncode != 0 or not out.is_file():
            detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise PolicykitError(Problem(shown, message="pandoc could not read this Word document"
                                         + (f": {detail[-1][:300]}" if detail else ""),
                                         hint="open it in Word, save it again as a .docx, and import that copy"))
        return json.loads(out.read_text(encoding="utf-8")), warnings


def write_markdown(tree: dict[str, Any]) -> str:
    """Markdown for a document tree: one line per paragraph, the build's dialect."""
    with tempdirs.folder("import") as tmp:
        src, out = Path(tmp) / "blocks.json", Path(tmp) / "blocks.md"
        src.write_bytes(json.dumps(tree).encode("utf-8"))
        proc = processes.run([pandoc_path(), "--from", "json", "--to", WRITER, "--wrap=none",
                              "--markdown-headings=atx", "--output", str(out), str(src)], cwd=tmp)
        if proc.returncode != 0 or not out.is_file():
            detail = proc.stderr.decode("utf-8", "replace").strip()
            raise PolicykitError(Problem("pandoc", message=f"could not write Markdown: {detail[:500]}"))
        return out.read_bytes().decode("utf-8").replace("\r\n", "\n")


def _warnings(stderr: bytes) -> list[str]:
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    return [line.removeprefix("[WARNING]").strip() for line in lines if not line.startswith("[INFO]")]
