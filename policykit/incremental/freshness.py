"""Which documents and outputs of a build are still current, and the manifest entries they get.

A document whose plan key matches the last build's, with every output still on disk as
recorded, is neither rendered nor converted; an output whose input key matches is not
converted again (keys.py says what each key covers). Whether an output file is still as
recorded is asked of the stat cache (statcache.py), which reads a file again only if its
size, times or inode changed.
"""

from __future__ import annotations

from datetime import date
from typing import Mapping, Sequence

from policykit.core.render import RenderedDocument
from policykit.core.resolve import DocumentPlan
from policykit.incremental.keys import Memo, Toolchain, input_key
from policykit.incremental.manifest import DocumentEntry, OutputRecord, sha256
from policykit.incremental.statcache import StatCache


class Freshness:
    """What the last build recorded, and which documents and outputs are still current."""

    def __init__(self, files: StatCache, fmts: tuple[str, ...], known: Sequence[str], tools: Toolchain,
                 recorded: Mapping[str, DocumentEntry], force: bool, jobs: int, as_of: date):
        self.files, self.fmts, self.known, self.tools, self.force, self.jobs = files, fmts, tuple(known), tools, force, jobs
        self.as_of = as_of
        self.recorded = recorded
        self.memo: Memo = {}
        self.plan_keys: dict[str, str] = {}
        self.output_keys: dict[str, dict[str, str]] = {}

    def _outputs(self, key: str) -> Mapping[str, OutputRecord]:
        entry = self.recorded.get(key)
        return entry.outputs if entry is not None else {}

    def _intact(self, wanted: list[tuple[str, str]]) -> set[tuple[str, str]]:
        """Those (document, format) whose recorded file is on disk unaltered."""
        records = [self._outputs(key)[fmt] for key, fmt in wanted]
        ok = self.files.intact(records, self.jobs)
        return {pair for pair, good in zip(wanted, ok) if good}

    def stale_plans(self, plans: Sequence[DocumentPlan]) -> list[DocumentPlan]:
        """Plans to render: changed inputs, or an output missing, altered or never made."""
        candidates: list[tuple[str, str]] = []
        for plan in plans:
            self.plan_keys[plan.key] = input_key(plan, self.tools, self.memo)
            entry = self.recorded.get(plan.key)
            if self.force or entry is None or entry.inputs_sha256 != self.plan_keys[plan.key] \
                    or not entry.current_on(self.as_of) \
                    or not entry.text_fingerprint:  # (a manifest from before it was recorded: render to know)
                continue  # the last check: its due date has passed since, and it now says overdue
            if all(f in entry.outputs for f in self.fmts):
                candidates.extend((plan.key, f) for f in self.fmts)
        intact = self._intact(candidates)
        return [p for p in plans if any((p.key, f) not in intact for f in self.fmts)]

    def outputs_to_make(self, docs: Sequence[RenderedDocument]) -> list[tuple[RenderedDocument, tuple[str, ...]]]:
        """Each rendered document with the formats whose output is not current."""
        candidates: list[tuple[str, str]] = []
        for doc in docs:
            keys = {fmt: input_key(doc, self.tools, self.memo, fmt) for fmt in self.known}
            self.output_keys[doc.key] = keys
            if self.force:
                continue
            outputs = self._outputs(doc.key)
            candidates.extend((doc.key, f) for f in self.fmts if f in outputs and outputs[f].input_sha256 == keys[f])
        intact = self._intact(candidates)
        work = []
        for doc in docs:
            todo = tuple(f for f in self.fmts if (doc.key, f) not in intact)
            if todo:
                work.append((doc, todo))
        return work

    def entries(self, plans: Sequence[DocumentPlan], docs: Sequence[RenderedDocument],
                made: Mapping[tuple[str, str], OutputRecord]) -> dict[str, DocumentEntry]:
        """Manifest entries for every selected document: unchanged ones as recorded."""
        rendered = {d.key: d for d in docs}
        entries: dict[str, DocumentEntry] = {}
        for plan in plans:
            doc = rendered.get(plan.key)
            if doc is None:
                entries[plan.key] = self.recorded[plan.key]
                continue
            entries[plan.key] = document_entry(doc, self.plan_keys[plan.key], self._current_outputs(doc, made),
                                               {c.id: c.body_sha256 for part in plan.parts for c in part.clauses})
        return entries

    def made_entries(self, docs: Sequence[RenderedDocument],
                     made: Mapping[tuple[str, str], OutputRecord]) -> dict[str, DocumentEntry]:
        """Manifest entries for documents that have no plan of their own (the versions in force,
        made from the archive): their output keys cover everything they are made from."""
        return {doc.key: document_entry(doc, "", self._current_outputs(doc, made)) for doc in docs}

    def _current_outputs(self, doc: RenderedDocument,
                         made: Mapping[tuple[str, str], OutputRecord]) -> dict[str, OutputRecord]:
        keys = self.output_keys[doc.key]
        outputs: dict[str, OutputRecord] = {}
        for fmt, record in self._outputs(doc.key).items():
            # an output of another format, or one still current: keep it if made from this text
            if fmt in keys and record.input_sha256 == keys[fmt]:
                outputs[fmt] = record
        for fmt in self.fmts:
            if (doc.key, fmt) in made:
                outputs[fmt] = OutputRecord(made[(doc.key, fmt)].path, made[(doc.key, fmt)].sha256, keys[fmt])
        return outputs


def document_entry(doc: RenderedDocument, inputs_sha256: str, outputs: Mapping[str, OutputRecord],
                   clause_sha256: Mapping[str, str] | None = None) -> DocumentEntry:
    """One document's manifest entry; `clause_sha256`, each clause's body hash (none for a
    version in force, made from the archive rather than from the library's clauses)."""
    return DocumentEntry(setting=doc.setting_id, policy=doc.policy_id, title=doc.title, school=doc.school,
                         text_sha256=sha256(doc.markdown.encode("utf-8")), clauses=dict(doc.clause_versions),
                         inputs_sha256=inputs_sha256, outputs=outputs,
                         changes_on=doc.changes_on.isoformat() if doc.changes_on else "",
                         text_fingerprint=doc.text_sha256, clause_sha256=dict(sorted((clause_sha256 or {}).items())))
