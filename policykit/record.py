"""Stage 6, record: the build manifest (what was built, from which inputs, with which hashes)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Mapping

from .render import RenderedDocument

MANIFEST = "manifest.json"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_manifest(out: Path) -> dict[str, Any]:
    """The manifest of an earlier build, or an empty one if there is none (or it is unreadable)."""
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"documents": {}}
    if not isinstance(data, dict) or not isinstance(data.get("documents"), dict):
        return {"documents": {}}
    return data


def manifest_bytes(previous: Mapping[str, Any], version: str, library_release: str,
                   docs: list[RenderedDocument], outputs: Mapping[tuple[str, str], tuple[str, bytes]]) -> bytes:
    """The new manifest: earlier entries kept, entries for the documents just built replaced."""
    documents = dict(previous.get("documents", {}))
    for doc in docs:
        documents[doc.key] = {
            "setting": doc.setting_id,
            "policy": doc.policy_id,
            "title": doc.title,
            "school": doc.school,
            "text_sha256": sha256(doc.markdown.encode("utf-8")),
            "clauses": dict(sorted(doc.clause_versions.items())),
            "outputs": {fmt: {"path": rel, "sha256": sha256(data)}
                        for (key, fmt), (rel, data) in sorted(outputs.items()) if key == doc.key},
        }
    manifest = {"policykit": version, "library_release": library_release,
                "documents": dict(sorted(documents.items()))}
    return (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
