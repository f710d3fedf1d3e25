"""Check a DOCX with openxml-audit (the Open XML SDK's schemas and semantic rules, no .NET)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from openxml_audit import FileFormat, OpenXmlValidator

_VALIDATOR = OpenXmlValidator(file_format=FileFormat.OFFICE_2019, max_errors=50)


def ooxml_errors(docx: Path | bytes) -> list[str]:
    """Every error openxml-audit finds in the package (a path or its bytes), one line each."""
    if isinstance(docx, bytes):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "document.docx"
            path.write_bytes(docx)
            return ooxml_errors(path)
    result = _VALIDATOR.validate(docx)
    return [f"{e.part_uri} {e.path}: {e.description}" for e in result.errors]
