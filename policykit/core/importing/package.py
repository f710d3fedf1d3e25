"""What a .docx file says about itself before pandoc reads it: that it is one, its properties, its markup.

A Word document is a zip package. Its core properties (title, subject, author, last saved) name the
source; its tracked changes, comments and pictures are what pandoc's reading quietly settles (it
accepts every change, drops comments and pictures), so the import report says they were there.
"""

from __future__ import annotations

import html
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from policykit.errors import PolicykitError, Problem, UsageError

_HINT = "open it in Word and save it as a Word Document (.docx), then import that file"


@dataclass(frozen=True)
class DocxFacts:
    """A Word document's properties and the markup pandoc's reading settles for it."""

    name: str  # the file's name, e.g. "Mobile phones policy.docx"
    title: str = ""
    subject: str = ""
    author: str = ""
    modified: str = ""  # YYYY-MM-DD, as the document last saved says
    insertions: int = 0
    deletions: int = 0
    comments: int = 0
    pictures: int = 0


def inspect(path: Path, shown: str) -> DocxFacts:
    """The facts of the Word document at `path`, or a usage error when it is missing or is not one."""
    if not path.exists():
        raise UsageError(Problem(shown, message="no such file",
                                 hint="give the path of the Word document, e.g. policies/phones.docx"))
    if path.is_dir():
        raise UsageError(Problem(shown, message="is a folder, not a Word document", hint="give a .docx file"))
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise UsageError(Problem(shown, message=f"cannot be read: {exc.strerror or exc}")) from None
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UsageError(Problem(shown, message="is an old Word 97-2003 document (.doc), not a .docx", hint=_HINT))
    if not zipfile.is_zipfile(path):
        raise UsageError(Problem(shown, message="is not a Word document (.docx)", hint=_HINT))
    try:
        with zipfile.ZipFile(path) as package:
            names = set(package.namelist())
            if "word/document.xml" not in names:
                raise UsageError(Problem(shown, message="is a zip file but not a Word document (.docx)", hint=_HINT))
            body = package.read("word/document.xml")
            core = package.read("docProps/core.xml") if "docProps/core.xml" in names else b""
            notes = package.read("word/comments.xml") if "word/comments.xml" in names else b""
    except (zipfile.BadZipFile, OSError, KeyError) as exc:
        raise PolicykitError(Problem(shown, message=f"the Word document is damaged ({exc})", hint=_HINT)) from None
    return DocxFacts(
        name=path.name, title=_core(core, "title"), subject=_core(core, "subject"), author=_core(core, "creator"),
        modified=_core(core, "modified")[:10],
        insertions=_count(body, "ins"), deletions=_count(body, "del") + _count(body, "moveFrom"),
        comments=len(re.findall(rb"<w:comment\b", notes)),
        pictures=len(re.findall(rb"<(?:w:drawing|w:pict)\b", body)),
    )


def _core(xml: bytes, name: str) -> str:
    match = re.search(rb"<(?:dc|dcterms|cp):" + name.encode() + rb"\b[^>]*>([^<]*)<", xml)
    if not match:
        return ""
    return " ".join(html.unescape(match.group(1).decode("utf-8", "replace")).split())


def _count(xml: bytes, tag: str) -> int:
    return len(re.findall(rb"<w:" + tag.encode() + rb"\b", xml))
