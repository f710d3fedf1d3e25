"""Stage 6, record: the build manifest (what was built, from which inputs, with which hashes).

Each document's entry names its clauses and versions, the hash of its inputs and, for each
output, its path, its hash and the hash of what it was made from: enough for the next build
to tell which outputs are still current (see incremental.py). Entries of documents not
built this run are kept.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

if TYPE_CHECKING:
    from .render import RenderedDocument

MANIFEST = "manifest.json"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_manifest(out: Path, name: str = MANIFEST) -> dict[str, Any]:
    """The manifest of an earlier build, or an empty one if there is none (or it is unreadable)."""
    try:
        data = json.loads((out / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"documents": {}}
    if not isinstance(data, dict) or not isinstance(data.get("documents"), dict):
        return {"documents": {}}
    return data


def document_entry(doc: RenderedDocument, inputs_sha256: str, outputs: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
    """One document's manifest entry; `outputs` maps format -> {path, sha256, input_sha256}."""
    return {
        "setting": doc.setting_id,
        "policy": doc.policy_id,
        "title": doc.title,
        "school": doc.school,
        "text_sha256": sha256(doc.markdown.encode("utf-8")),
        "clauses": dict(sorted(doc.clause_versions.items())),
        "inputs_sha256": inputs_sha256,
        "outputs": {fmt: dict(outputs[fmt]) for fmt in sorted(outputs)},
    }


def manifest_bytes(previous: Mapping[str, Any], header: Mapping[str, Any], entries: Mapping[str, Mapping[str, Any]],
                   keep: Callable[[str], bool] = lambda key: True) -> bytes:
    """The new manifest: `header` fields, then the documents: earlier entries kept (those
    `keep` accepts), `entries` replacing theirs."""
    documents = {k: v for k, v in previous.get("documents", {}).items() if keep(k)}
    documents.update(entries)
    return dump({**header, "documents": dict(sorted(documents.items()))})


def dump(manifest: Mapping[str, Any]) -> bytes:
    return (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
