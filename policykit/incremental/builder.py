"""The write and record stages of a build: convert what is stale, stage it, record the manifest.

A `BuildRequest` is one build as asked for (formats, schools, policies, shard, output folder)
with the last build's manifest. Its fast path, `unchanged`, needs nothing loaded: when the
last build had this very request and every output is intact, there is nothing to do. Else
`write` takes the plan the front of the pipeline made and a way to render documents (the
build renders only stale plans; `site`, which has rendered every document already, hands
those over), converts the outputs that are not current, puts them in place together and
writes the manifest.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Callable, Iterable, Sequence

from policykit.core.in_force import in_force, in_force_key
from policykit.core.render import RenderedDocument
from policykit.core.resolve import DocumentPlan, Plan
from policykit.errors import Problem, UsageError
from policykit.incremental.freshness import Freshness
from policykit.incremental.keys import Toolchain, request_key, toolchain
from policykit.incremental.manifest import (
    MANIFEST,
    BuildRecord,
    DocumentEntry,
    Manifest,
    OutputRecord,
    read_manifest,
    sha256,
)
from policykit.incremental.shards import Shard, parse_shard
from policykit.incremental.statcache import StatCache
from policykit.outputs import DEFAULT_FORMATS
from policykit.outputs.pandoc import Converter, Pandoc
from policykit.outputs.parallel import convert, default_jobs
from policykit.system.atomic import Staging

Progress = Callable[[int, int, str], None]
Renderer = Callable[[Plan], Sequence[RenderedDocument]]


@dataclass(frozen=True)
class BuildResult:
    out: Path
    documents: tuple[str, ...]  # every document selected (school/policy keys)
    files: tuple[Path, ...]  # their output files, then the manifest
    changed: tuple[Path, ...]  # files whose content changed on disk
    rebuilt: tuple[str, ...] = ()  # documents with at least one output made this run; the rest were current
    warnings: tuple[Problem, ...] = ()  # what the build's validation warned of (Project.warnings)


class BuildRequest:
    """One build as asked for, with what the last build into the same folder recorded."""

    def __init__(self, root: Path, out: Path, formats: Sequence[str] | str | None,
                 settings: Iterable[str] | None, policies: Iterable[str] | None, converter: Converter | None,
                 jobs: int | None, force: bool, shard: str | tuple[int, int] | None, as_of: date | None = None,
                 public: bool = False):
        self.root, self.out, self.force = root, out, force
        self.as_of = as_of or date.today()
        self.formats = formats
        self.part: Shard | None = parse_shard(shard)
        self.jobs = _jobs(jobs)
        self.converter = converter or Pandoc()
        self.public = public
        self.tools: Toolchain = toolchain(root, self.converter, "public" if public else "")
        self.previous = _previous(out, self.part)
        _same_copy(out, self.previous, self.tools)
        self.settings = list(dict.fromkeys(settings)) if settings else None
        self.policies = list(dict.fromkeys(policies)) if policies else None
        # the formats are not in the key: a build of some of the formats the last one made (the
        # site's Word and PDF after a full build, say) finds its outputs as they are
        asked = _asked(formats)
        self.asked = DEFAULT_FORMATS if asked is None else asked
        self.key = request_key(root, self.tools, self.settings, self.policies, str(self.part))
        self.files = StatCache(out)

    def unchanged(self) -> BuildResult | None:
        """The fast path: the last build had this very request (same files, tools and options)
        and every output it made is still as it left it. None when anything differs."""
        if self.force:
            return None
        try:
            return self._unchanged()
        finally:
            self.files.save()

    def _unchanged(self) -> BuildResult | None:
        record = self.previous.build
        if record is None or record.request_sha256 != self.key or not self.asked \
                or not set(self.asked) <= set(record.formats):
            return None
        entries = self.previous.documents
        # the documents that build selected, in resolve's order (schools, then policies)
        settings = self.settings or sorted({e.setting for e in entries.values()})
        policies = self.policies or sorted({e.policy for e in entries.values()})
        keys = [key for key in (f"{s}/{p}" for s in settings for p in policies)
                if key in entries and (self.part is None or self.part.holds(key))]
        if _keys_sha256(keys) != record.documents_sha256:
            return None
        if not all(entries[key].current_on(self.as_of) for key in keys):
            return None  # a due date has passed since: those documents now say they are overdue
        records = []
        for key in list(keys):
            outputs = entries[key].outputs
            if not all(f in outputs for f in self.asked):
                return None
            records.extend(outputs[f] for f in self.asked)
            force = entries.get(in_force_key(*key.split("/", 1)))  # its version in force, if it has one
            if force is not None:
                if not all(f in force.outputs for f in self.asked):
                    return None
                records.extend(force.outputs[f] for f in self.asked)
                keys.append(in_force_key(*key.split("/", 1)))
        if not all(self.files.intact(records, self.jobs)):
            return None
        paths = tuple(self.out / r.path for r in records)
        return BuildResult(self.out, tuple(keys), (*paths, self.manifest_path), (), ())

    @property
    def manifest_path(self) -> Path:
        return self.out / (self.part.manifest if self.part else MANIFEST)

    def selected(self, plan: Plan) -> tuple[DocumentPlan, ...]:
        """The plan's documents this build (or this shard of it) makes."""
        return tuple(p for p in plan.documents if self.part is None or self.part.holds(p.key))

    def write(self, plan: Plan, render: Renderer, progress: Progress | None = None) -> BuildResult:
        """Render (through `render`) the documents whose inputs changed, convert the outputs that
        are not current, and put them and the manifest in place together."""
        from policykit.outputs.formats import WRITERS, parse_formats  # not before: it loads python-docx

        fmts = parse_formats(self.formats)
        plans = self.selected(plan)
        state = Freshness(self.files, fmts, list(WRITERS), self.tools, self.previous.documents, self.force,
                          self.jobs, self.as_of)
        stale = state.stale_plans(plans)
        docs = tuple(render(replace(plan, documents=tuple(stale)))) if stale else ()
        forces = self._in_force(plan, plans, docs)
        work = state.outputs_to_make(docs) + state.outputs_to_make(forces)
        with Staging(background=True, shown=self.out) as staging:
            made: dict[tuple[str, str], OutputRecord] = {}

            def sink(key: str, fmt: str, data: bytes) -> None:
                rel = f"{key}.{fmt}"
                staging.add(self.out / rel, data)
                made[(key, fmt)] = OutputRecord(rel, sha256(data))  # one key per call: safe across threads

            convert(work, self.converter, self.jobs, sink, progress)
            entries = state.entries(plans, docs, made)
            entries.update(state.made_entries(forces, made))
            # a version in force no longer needed (its policy's current text is now approved) goes
            gone = {key: entry for key, entry in self.previous.documents.items() if key not in entries
                    and any(key == in_force_key(p.setting.id, p.policy.id) for p in plans)}
            header = Manifest(policykit=self.tools.policykit, library_release=plan.project.library.release,
                              tools=self.tools.versions(), shard=str(self.part) if self.part else "",
                              build=BuildRecord(self.key, _keys_sha256(p.key for p in plans), fmts))
            part = self.part
            manifest = self.previous.updated(header, entries, keep=lambda key: key not in gone and (
                part is None or part.holds(key)))
            staging.add(self.manifest_path, manifest.to_bytes())
            changed = staging.commit()
            removed = _remove(self.out, gone.values())
            for record in made.values():
                self.files.record(record.path, record.sha256)
            self.files.save()
        keys = [p.key for p in plans] + [d.key for d in forces]
        paths = [self.out / entries[key].outputs[fmt].path for key in keys for fmt in fmts]
        rebuilt = sorted({key for key, _ in made})
        return BuildResult(self.out, tuple(keys), (*paths, self.manifest_path), tuple(changed) + removed,
                           tuple(rebuilt))

    def _in_force(self, plan: Plan, plans: Sequence[DocumentPlan],
                  docs: Sequence[RenderedDocument]) -> tuple[RenderedDocument, ...]:
        """The versions in force the selected documents need (core/in_force.py): for each, its
        current text's fingerprint is the one just rendered, or the one its last build recorded."""
        rendered = {d.key: d.text_sha256 for d in docs}
        out = []
        for p in plans:
            text = rendered.get(p.key) or self.previous.documents[p.key].text_fingerprint
            doc = in_force(plan.project, p, text)
            if doc is not None and plan.public is not None:  # the archived staff copy, its private values taken out
                doc = replace(doc, markdown=plan.public.archived(doc.markdown, p.context, (a.minute for a in p.approvals),
                                                                 (a.recorded_by for a in p.approvals)))
            if doc is not None:
                out.append(doc)
        return tuple(out)


def _remove(out: Path, entries: Iterable[DocumentEntry]) -> tuple[Path, ...]:
    """Delete the files of manifest entries no longer made: only files the manifest names, inside
    the output folder, and only as they were left (a file since replaced by hand is kept)."""
    removed = []
    folder = out.resolve()
    for entry in entries:
        for record in entry.outputs.values():
            path = out / record.path
            try:
                if path.is_symlink() or folder not in path.resolve().parents:
                    continue
                if sha256(path.read_bytes()) == record.sha256:
                    path.unlink()
                    removed.append(path)
            except OSError:
                continue
    for path in {p.parent for p in removed}:
        try:
            path.rmdir()  # the in-force folder, once empty
        except OSError:
            pass
    return tuple(removed)


def _same_copy(out: Path, previous: Manifest, tools: Toolchain) -> None:
    """Refuse to write public copies into a folder of staff copies, or the other way round: the
    public folder is the one to publish, and must never hold a staff copy."""
    kinds = {(m.tools or {}).get("copy", "") for m in [previous, *(read_manifest(out, f.name) for f in
                                                                    sorted(out.glob("manifest*.json")))] if m.documents}
    had = next(iter(kinds - {tools.copy}), tools.copy)
    if had != tools.copy:
        holds, asked = ("public", "staff") if had else ("staff", "public")
        raise UsageError(Problem("--out", message=f"{out} holds the {holds} copies: the {asked} copies go to a "
                                 "folder of their own", hint="build the public copies with --public into "
                                 "build/public (the default), and the staff copies anywhere else"))


def _jobs(jobs: int | None) -> int:
    if jobs is None:
        return default_jobs()
    if jobs < 1:
        raise UsageError(Problem("--jobs", message=f"must be at least 1, not {jobs}"))
    return jobs


def _asked(formats: Sequence[str] | str | None) -> tuple[str, ...] | None:
    """The formats as asked for, tidied but not checked (parse_formats checks them later)."""
    if formats is None:
        return None
    names = formats.split(",") if isinstance(formats, str) else formats
    return tuple(dict.fromkeys(n.strip() for n in names if n.strip()))


def _keys_sha256(keys: Iterable[str]) -> str:
    return sha256("\n".join(keys).encode("utf-8"))


def _previous(out: Path, part: Shard | None) -> Manifest:
    """The last build's manifest: a shard's own, else the merged one (a restored CI cache, say)."""
    if part is not None:
        own = read_manifest(out, part.manifest)
        if own.documents:
            return own
    return read_manifest(out)
