"""`policykit site`: the governors' static site, and the documents it offers for download.

    (--out checked) -> load -> validate -> resolve -> render every document
      -> write the Word and PDF files that are not current (the build's own stages)
      -> status and redlines as of the date -> pages -> write the site, remove its old pages

Each stage runs once: the documents rendered for the build are the ones the pages show. A
view as of another day than today is the one exception: the texts are then rendered again
as they stood on that date (their approval blocks, due dates and document control).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from policykit.commands.options import check_day
from policykit.compare.versions import Trust
from policykit.core.in_force import in_force_key
from policykit.core.load import load
from policykit.core.render import render
from policykit.core.resolve import resolve
from policykit.core.validate import validate
from policykit.errors import OutputError, Problem
from policykit.incremental.builder import BuildRequest
from policykit.incremental.manifest import read_manifest, sha256
from policykit.outputs.pandoc import Converter, Pandoc
from policykit.reports.public_site import FILES, downloads, public_pages, published
from policykit.reports.redlines import redlines_for
from policykit.reports.site import DOWNLOADS, MARKER, SiteResult, download_name, marker, site_pages
from policykit.reports.status import status_of
from policykit.system.atomic import write_files
from policykit.system.locks import build_lock
from policykit.system.places import PUBLIC, PUBLIC_SITE, SITE, output_folder, through_link

__all__ = ["site", "SiteResult"]

CACHE = ".policykit-cache/site"  # in the build folder: HTML fragments and compiled page templates


def site(root: Path | str = ".", out: Path | str | None = None, as_of: date | None = None,
         build_out: Path | str | None = None, converter: Converter | None = None, public: bool = False) -> SiteResult:
    """Build the documents the site links to, then write the site into `out` (default ROOT/build/site).
    `public`: the site for the schools' websites instead (reports/public_site.py), from the public
    copies (built into ROOT/build/public), into ROOT/build/public/site by default."""
    root = Path(root)
    as_of = check_day(as_of or date.today(), "--as-of")
    if public:
        return _public_site(root, out, as_of, build_out, converter or Pandoc())
    out_dir = output_folder(root, out, default=SITE)
    build_dir = output_folder(root, build_out, "the build folder")
    converter = converter or Pandoc()
    sources = load(root)
    project = validate(sources)
    plan = resolve(project)
    docs = render(plan)
    rendered = {d.key: d for d in docs}
    with build_lock(build_dir):
        request = BuildRequest(root, build_dir, [kind for kind, _ in DOWNLOADS], None, None, converter, None,
                               False, None)
        built = request.unchanged() or request.write(plan, lambda stale: [rendered[p.key] for p in stale.documents])
    view = project.as_of(as_of)
    if view is not project or as_of != plan.as_of:  # another day: show the texts as they stood then
        plan = resolve(view, as_of=as_of)
        docs = render(plan)
    report = status_of(plan, docs, as_of)
    redlines = redlines_for(Trust(root, sources, view, {d.key: d for d in docs}), docs)
    made = set(built.documents)
    keys = [(d, d.key, False) for d in docs] + [(d, in_force_key(d.setting_id, d.policy_id), True) for d in docs
                                                 if in_force_key(d.setting_id, d.policy_id) in made]
    built_files = {(key, kind): built.out / f"{key}.{kind}" for _, key, _ in keys for kind, _ in DOWNLOADS}
    sizes: dict[str, dict[str, int]] = {}
    for (key, kind), path in built_files.items():
        sizes.setdefault(key, {})[kind] = _size(path)
    pages = site_pages(plan, docs, report, redlines, sizes, converter, cache=built.out / CACHE)
    files = {out_dir / rel: data for rel, data in pages.items()}
    links = {out_dir / download_name(doc, kind, force): built_files[(key, kind)]
             for doc, key, force in keys for kind, _ in DOWNLOADS}
    paths = sorted([*files, *links])
    recorded = read_manifest(built.out).documents
    written = {path.relative_to(out_dir).as_posix(): sha256(data) for path, data in files.items()}
    written.update({path.relative_to(out_dir).as_posix(): recorded[key].outputs[kind].sha256
                    for doc, key, force in keys for kind, _ in DOWNLOADS
                    for path in (out_dir / download_name(doc, kind, force),)})
    files[out_dir / MARKER] = marker(written)
    removed = _stale(out_dir, set(paths))
    changed = write_files(files, links=links)
    for path in removed:
        path.unlink(missing_ok=True)
    page_paths = tuple(p for p in paths if p.suffix == ".html")
    return SiteResult(out_dir, as_of, page_paths, tuple(paths), tuple(p for p in changed if p.name != MARKER),
                      tuple(removed))


def _public_site(root: Path, out: Path | str | None, as_of: date, build_out: Path | str | None,
                 converter: Converter) -> SiteResult:
    """The public site: build the public copies (every format it offers), then its pages."""
    out_dir = output_folder(root, out, default=PUBLIC_SITE)
    build_dir = output_folder(root, build_out, "the build folder", default=PUBLIC)
    project = validate(load(root))
    plan = resolve(project, as_of=as_of, public=True)
    docs = render(plan)
    rendered = {d.key: d for d in docs}
    with build_lock(build_dir):
        request = BuildRequest(root, build_dir, [kind for kind, _ in FILES], None, None, converter, None, False, None,
                               as_of, public=True)
        built = request.unchanged() or request.write(plan, lambda stale: [rendered[p.key] for p in stale.documents])
    assert plan.public is not None
    items = published(status_of(plan, docs, as_of), set(built.documents))
    pages = public_pages(project, items, plan.public, as_of)
    files = {out_dir / rel: data for rel, data in pages.items()}
    links = {out_dir / rel: built.out / f"{key}.{kind}" for rel, (key, kind) in downloads(items).items()}
    recorded = read_manifest(built.out).documents
    written = {path.relative_to(out_dir).as_posix(): sha256(data) for path, data in files.items()}
    written.update({rel: recorded[key].outputs[kind].sha256 for rel, (key, kind) in downloads(items).items()})
    paths = sorted([*files, *links])
    files[out_dir / MARKER] = marker(written)
    removed = _stale(out_dir, set(paths))
    changed = write_files(files, links=links)
    for path in removed:
        path.unlink(missing_ok=True)
    return SiteResult(out_dir, as_of, tuple(p for p in paths if p.name == "index.html"), tuple(paths),
                      tuple(p for p in changed if p.name != MARKER), tuple(removed))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError as exc:
        raise OutputError(Problem(str(path), message=f"cannot read the built file: {exc.strerror}")) from None


def _stale(out: Path, keep: set[Path]) -> list[Path]:
    """Files an earlier run of `site` wrote that this run does not: only those its record lists,
    inside the site folder with no symbolic link on the way, and still as it wrote them (a file
    edited or replaced since is someone else's now, and stays)."""
    try:
        listed = json.loads((out / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    files = listed.get("files") if isinstance(listed, dict) else None
    folder = out.resolve()
    stale = []
    for rel, digest in files.items() if isinstance(files, dict) else ():
        path = out / str(rel)
        if path in keep or not isinstance(digest, str) or ".." in Path(str(rel)).parts or Path(str(rel)).is_absolute():
            continue
        try:
            if through_link(out, str(rel)) or folder not in path.resolve().parents or not path.is_file():
                continue
            if sha256(path.read_bytes()) == digest:
                stale.append(path)
        except OSError:
            continue
    return sorted(stale)
