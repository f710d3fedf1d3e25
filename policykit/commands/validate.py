"""`policykit validate`: load, validate, resolve and render every document, writing nothing.

Rendering Markdown is cheap and catches what only a filled-in text shows: a template that
fails at run time, or a term a school has said it does not use. The default build folder's
manifest, when there is one, says which clause texts the last build was made from, so a
clause edited since without a new version is warned about (`Project.warnings`).
"""

from __future__ import annotations

from pathlib import Path

from policykit.core.load import load
from policykit.core.render import render
from policykit.core.resolve import resolve
from policykit.core.validate import RecordedText
from policykit.core.validate import validate as validate_sources
from policykit.errors import display_path
from policykit.incremental.manifest import MANIFEST, Manifest, read_manifest
from policykit.model import Project
from policykit.system.places import default_out


def validate(root: Path | str = ".") -> Project:
    """Check a trust repository and render every document without writing anything; raise
    PolicykitError listing every problem. The Project's `warnings` list what stops nothing."""
    project = validate_sources(load(root), built_texts(root, read_manifest(default_out(root))))
    render(resolve(project))
    return project


def built_texts(root: Path | str, manifest: Manifest, where: Path | None = None) -> list[RecordedText]:
    """The clause texts a build's manifest (at `where`, default ROOT/build/manifest.json) recorded."""
    shown = display_path(where or default_out(root) / MANIFEST, Path(root))
    source = f"the build in {shown}"
    return [RecordedText(cid, version, digest, source)
            for entry in manifest.documents.values() for cid, version, digest in entry.clause_texts()]
