"""Check a DOCX with openxml-audit (the Open XML SDK's schemas and semantic rules, no .NET)."""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

from openxml_audit import FileFormat, OpenXmlValidator
from openxml_audit.semantic.constraints import cross_part

_VALIDATOR = OpenXmlValidator(file_format=FileFormat.OFFICE_2019, max_errors=50)

# openxml-audit 0.8.0 caches the ids a cross-part rule looks up (footnote ids, style ids) under
# id(package): once a checked package is freed, the next one can get the same id and be judged by
# the earlier document's ids (a footnote "not found" that is there). One generation per check keeps
# each document's lookups its own.
_GENERATION = itertools.count()
_current = [0]
_original_key = cross_part._cache_key


def _cache_key(context, part_path: str, part_uris: list[str]) -> tuple:
    return (_current[0], *_original_key(context, part_path, part_uris))


cross_part._cache_key = _cache_key


def ooxml_errors(docx: Path | bytes) -> list[str]:
    """Every error openxml-audit finds in the package (a path or its bytes), one line each."""
    if isinstance(docx, bytes):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "document.docx"
            path.write_bytes(docx)
            return ooxml_errors(path)
    _current[0] = next(_GENERATION)
    result = _VALIDATOR.validate(docx)
    return [f"{e.part_uri} {e.path}: {e.description}" for e in result.errors]
