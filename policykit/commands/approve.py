"""`policykit approve`: record that a body approved the text as built now, and rebuild it.

    load -> validate -> resolve and render this one document -> the approval rules
      -> (under the ledger's lock) archive the approved text -> append the record
      -> write the document's files again, as the approval leaves them (its approval block,
         review date and document control: the archived document itself)
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from policykit.core.load import load
from policykit.core.render import RenderedDocument, render, render_document
from policykit.core.resolve import resolve, unreleased_approvals
from policykit.core.validate import validate
from policykit.core.validate.ledger import record_problems
from policykit.errors import OutputError, PolicykitError, Problem, UsageError
from policykit.governance.archive import archive_path
from policykit.governance.ledger import LEDGER, append, chain_problems, locked, read_ledger, to_approval
from policykit.governance.pending import begin, finish, restore, settle
from policykit.governance.rules import recorder, refuse_out_of_turn
from policykit.governance.scheme import body_name
from policykit.governance.standing import standing
from policykit.incremental.builder import BuildRequest
from policykit.incremental.manifest import MANIFEST, read_manifest
from policykit.model import Approval, Project
from policykit.outputs import DEFAULT_FORMATS
from policykit.system.atomic import write_files
from policykit.system.locks import build_lock
from policykit.system.places import output_folder

_BUILT_HASH = re.compile(r'^text-sha256: "([0-9a-f]{64})"$', re.M)


@dataclass(frozen=True)
class ApprovalResult:
    """What `approve` recorded, and where."""

    approval: Approval  # the ledger record as written (its seq, body's name, date, minute, text hash)
    ledger: Path
    archived: tuple[Path, ...]  # the approved text's files written beside the ledger
    built: tuple[Path, ...] = ()  # the document's files, written again to show the approval


def approve(root: Path | str, setting: str, policy: str, body: str, on: date, minute: str,
            recorded_by: str | None = None, out: Path | str | None = None,
            today: date | None = None) -> ApprovalResult:
    """Append an approval of the current text of `setting` x `policy` to the ledger."""
    root = Path(root)
    today = today or date.today()
    minute = minute.strip()
    if not minute:  # it would print as "(minute  )" in every document and prove nothing to an inspector
        raise UsageError(Problem("--minute", message="the minute reference is blank",
                                 hint="give the reference of the meeting's minute, e.g. LGB/2025/14"))
    out_dir = output_folder(root, out)
    project = validate(load(root))
    plan = resolve(project, [setting], [policy], as_of=today)
    (doc,), (plan_doc,) = render(plan), plan.documents
    _require_built(doc, out_dir / f"{doc.key}.md")
    if on > today:
        raise UsageError(Problem("--date", message=f"{on.isoformat()} is in the future",
                                 hint="record an approval on or after the meeting"))
    assert doc.standing is not None
    refuse_out_of_turn(doc.standing, body, on, setting, policy)
    terms = plan_doc.context["terms"]
    fields = {
        "setting": setting, "policy": policy, "stage": body,
        "body": body_name(body, terms, plan_doc.context["trust"]),
        "date": on.isoformat(), "minute": minute, "recorded_by": recorded_by or recorder(),
        "recorded_on": today.isoformat(), "text_sha256": doc.text_sha256,
        "policy_version": plan_doc.policy.version, "library_release": plan_doc.library_release,
        "clauses": dict(sorted(doc.clause_versions.items())),
        # each clause's body as approved: validate warns when a clause keeps its version but not this text
        "clause_sha256": dict(sorted((c.id, c.body_sha256) for part in plan_doc.parts for c in part.clauses)),
    }
    refused = record_problems(root, fields)
    if refused:  # a record the ledger's own rules would reject would stop every later command
        options = {"minute": "--minute", "recorded_by": "--by", "date": "--date", "body": "--body"}
        raise UsageError([Problem(options.get(p.key.split(".")[0], p.key or "approve"), message=p.message,
                                  hint=p.hint) for p in refused])
    ledger = root / LEDGER
    with locked(ledger):
        lines = read_ledger(ledger, lock=False)
        broken = chain_problems(lines, LEDGER.as_posix())
        if broken:  # never append to a ledger that was tampered with in the meantime
            raise PolicykitError(broken)
        settle(root, lines)  # an approval stopped half-way (killed): its archive files go back first
        mine = tuple(to_approval(line.data) for line in lines
                     if line.data.get("setting") == setting and line.data.get("policy") == policy)
        if len(lines) != len(project.approvals):
            # someone recorded an approval since we looked: judge this one against the ledger as it is now,
            # so a race gives the same answer as running the two commands one after the other
            now = standing(mine, doc.text_sha256, doc.standing.stages, doc.standing.review_months)
            refuse_out_of_turn(now, body, on, setting, policy)
        # archive the document as this approval leaves it (its approval block, review date and
        # document control), which is what the next build shows: not the draft the body read
        records = mine + (to_approval({**fields, "seq": len(lines) + 1}),)
        approved = render_document(replace(plan_doc, approvals=records,
                                           unreleased_records=unreleased_approvals(project.library, records)),
                                   plan.as_of)
        assert approved.text_sha256 == doc.text_sha256  # the approval details are not part of the text
        markdown = approved.markdown.encode("utf-8")
        fields["markdown_sha256"] = hashlib.sha256(markdown).hexdigest()
        files, before = _archive_files(root, doc, markdown)
        begin(root, len(lines) + 1, doc.text_sha256, before)  # a kill from here on is undone: governance/pending.py
        try:
            write_files(files, hint="settings/approvals must be a folder policykit can write in")
            approval = to_approval(append(ledger, fields))
        except BaseException:  # the ledger write failed or was stopped: the archive goes back as it was
            try:
                restore(root, {path.relative_to(root).as_posix(): data for path, data in before.items()})
                finish(root)
            except (OSError, PolicykitError):
                pass  # the note stays: readers see the archive as it was, and the next approve restores it
            raise
        finish(root)
        archived = tuple(files)
    built = _rebuild(root, out_dir, replace(project, approvals=project.approvals + (approval,),
                                            archived={**project.archived, doc.text_sha256: doc.content}),
                     replace(approved, logo=project.logo), approval, today)
    return ApprovalResult(approval, ledger, archived, built)


def _rebuild(root: Path, out: Path, project: Project, approved: RenderedDocument, approval: Approval,
             today: date) -> tuple[Path, ...]:
    """Write the document's files again (the formats its last build made) as the approval leaves
    them: the document rendered for the archive is the one the build would render now."""
    with build_lock(out):
        entry = read_manifest(out).documents.get(approved.key)
        formats = tuple(f for f in DEFAULT_FORMATS if entry and f in entry.outputs) or DEFAULT_FORMATS
        request = BuildRequest(root, out, formats, [approval.setting], [approval.policy], None, None, False, None,
                               today)
        plan = resolve(project, [approval.setting], [approval.policy], as_of=today)
        try:
            result = request.write(plan, lambda stale: [approved for p in stale.documents if p.key == approved.key])
        except PolicykitError as exc:
            raise OutputError([Problem(str(out), message=f"approval {approval.seq} is recorded, but the documents "
                                       "could not be written again to show it: " + "; ".join(
                                           p.message for p in exc.problems),
                                       hint=f"run `policykit build --setting {approval.setting} --policy "
                                       f"{approval.policy}`")]) from None
    return tuple(p for p in result.changed if p.name != MANIFEST)


def _require_built(doc: RenderedDocument, built: Path) -> None:
    try:
        text = built.read_text(encoding="utf-8")
    except OSError:
        raise PolicykitError(Problem(str(built), message="not built yet",
                                     hint=f"run `policykit build --setting {doc.setting_id} --policy {doc.policy_id}` "
                                     "and have the body read that text")) from None
    match = _BUILT_HASH.search(text)
    if not match or match.group(1) != doc.text_sha256:
        raise PolicykitError(Problem(str(built), message="the built document is not the current text",
                                     hint="build again, and have the body approve the new build"))


def _archive_files(root: Path, doc: RenderedDocument,
                   markdown: bytes) -> tuple[dict[Path, bytes], dict[Path, bytes | None]]:
    """Keep the approved text itself, so later diffs need neither git nor the old library (the
    .json, the same for every approval of this text), and the document as approved (the .md,
    which each approval of the text writes anew). See governance/archive.py. Returns the files
    to write and what they hold now (None: new), for putting them back."""
    text = root / archive_path(doc.setting_id, doc.policy_id, doc.text_sha256, "json")
    files = {root / archive_path(doc.setting_id, doc.policy_id, doc.text_sha256, "md"): markdown}
    if not text.exists():
        files[text] = (json.dumps(doc.content, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    before = {path: path.read_bytes() if path.is_file() else None for path in files}
    return files, before
