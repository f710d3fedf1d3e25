"""`policykit approve`: record that a body approved the text as built now."""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import re
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from .approvals import Standing, next_stage, standing
from .archive import archive_path
from .check import check
from .errors import PolicykitError, Problem, UsageError
from .ledger import LEDGER, append, chain_problems, locked, read_ledger, to_approval
from .render import RenderedDocument, render, render_document
from .resolve import resolve
from .scheme import body_name
from .write import write_files

_BUILT_HASH = re.compile(r'^text-sha256: "([0-9a-f]{64})"$', re.M)


def recorder() -> str:
    """Who is recording: $POLICYKIT_USER, else git's user.name, else the login name."""
    if os.environ.get("POLICYKIT_USER"):
        return os.environ["POLICYKIT_USER"]
    try:
        name = subprocess.run(["git", "config", "user.name"], capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        name = ""
    return name or getpass.getuser()


def approve(root: Path | str, setting: str, policy: str, body: str, on: date, minute: str,
            recorded_by: str | None = None, out: Path | str | None = None,
            today: date | None = None) -> dict[str, Any]:
    """Append an approval of the current text of `setting` x `policy` to the ledger."""
    root = Path(root)
    today = today or date.today()
    minute = minute.strip()
    if not minute:  # it would print as "(minute  )" in every document and prove nothing to an inspector
        raise UsageError(Problem("--minute", message="the minute reference is blank",
                                 hint="give the reference of the meeting's minute, e.g. LGB/2025/14"))
    project = check(root)
    plan = resolve(project, [setting], [policy])
    (doc,), (plan_doc,) = render(plan), plan.documents
    out_dir = Path(out) if out is not None else root / "build"
    _require_built(doc, out_dir / f"{doc.key}.md")
    if on > today:
        raise UsageError(Problem("--date", message=f"{on.isoformat()} is in the future",
                                 hint="record an approval on or after the meeting"))
    assert doc.standing is not None
    _refuse_out_of_turn(doc.standing, body, on, setting, policy)
    terms = plan_doc.context["terms"]
    fields = {
        "setting": setting, "policy": policy, "stage": body,
        "body": body_name(body, terms, plan_doc.context["trust"]),
        "date": on.isoformat(), "minute": minute, "recorded_by": recorded_by or recorder(),
        "recorded_on": today.isoformat(), "text_sha256": doc.text_sha256,
        "policy_version": plan_doc.policy.version, "library_release": plan_doc.library_release,
        "clauses": dict(sorted(doc.clause_versions.items())),
    }
    ledger = root / LEDGER
    with locked(ledger):
        lines = read_ledger(ledger, lock=False)
        broken = chain_problems(lines, LEDGER.as_posix())
        if broken:  # never append to a ledger that was tampered with in the meantime
            raise PolicykitError(broken)
        mine = tuple(to_approval(line.data) for line in lines
                     if line.data.get("setting") == setting and line.data.get("policy") == policy)
        if len(lines) != len(project.approvals):
            # someone recorded an approval since we looked: judge this one against the ledger as it is now,
            # so a race gives the same answer as running the two commands one after the other
            now = standing(mine, doc.text_sha256, doc.standing.stages, doc.standing.review_months)
            _refuse_out_of_turn(now, body, on, setting, policy)
        # archive the document as this approval leaves it (its approval block, review date and
        # document control), which is what the next build shows: not the draft the body read
        approved = render_document(replace(plan_doc, approvals=mine + (to_approval({**fields, "seq": len(lines) + 1}),)))
        assert approved.text_sha256 == doc.text_sha256  # the approval details are not part of the text
        markdown = approved.markdown.encode("utf-8")
        fields["markdown_sha256"] = hashlib.sha256(markdown).hexdigest()
        _archive(root, doc, markdown)
        return append(ledger, fields)


def _refuse_out_of_turn(now: Standing, body: str, on: date, setting: str, policy: str) -> None:
    """Raise unless `body` may approve this text on `on`, given the approvals recorded so far."""
    stages = now.stages
    if body not in stages:
        raise PolicykitError(Problem("--body", message=f"the scheme of delegation does not let '{body}' approve "
                                     f"{policy} at {setting}", hint=f"it is approved by: {', '.join(stages)}"))
    wanted = next_stage(now)
    current = now.current
    if current is not None and not now.pending and on <= current.date:
        raise UsageError(Problem("--date", message=f"this exact text was already approved on {current.date.isoformat()}",
                                 hint="a review that re-approves it must be dated after that"))
    done = next((r for r in now.pending if r.stage == body), None)
    if done is not None:  # the same body twice in one round: say so, not that the next body must go first
        raise PolicykitError(Problem("--body", message=f"'{body}' already approved this text on "
                                     f"{done.date.isoformat()} (ledger record {done.seq}); the next stage is '{wanted}'",
                                     hint=f"the stages are, in order: {', '.join(stages)}"))
    if body != wanted:
        raise PolicykitError(Problem("--body", message=f"'{wanted}' must approve this text before '{body}'",
                                     hint=f"the stages are, in order: {', '.join(stages)}"))
    if now.pending and on < now.pending[-1].date:
        raise UsageError(Problem("--date", message="a later stage cannot be dated before the earlier one "
                                 f"({now.pending[-1].date.isoformat()})"))
    last = now.last_record
    # The ledger is history: a decision dated before one already recorded would rewrite what
    # stood in between. A later stage of this text, dated on or after its earlier stage, is
    # the one exception (checked just above): the two stages are one decision.
    if last is not None and on < last.date and not now.pending:
        raise UsageError(Problem("--date", message=f"{on.isoformat()} is before the latest approval recorded for "
                                 f"{policy} at {setting}: the {last.body} on {last.date.isoformat()} "
                                 f"(ledger record {last.seq})", hint="record approvals in the order of their meetings"))


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


def _archive(root: Path, doc: RenderedDocument, markdown: bytes) -> None:
    """Keep the approved text itself, so later diffs need neither git nor the old library (the
    .json, the same for every approval of this text), and the document as approved (the .md,
    which each approval of the text writes anew). See archive.py."""
    text = root / archive_path(doc.setting_id, doc.policy_id, doc.text_sha256, "json")
    files = {root / archive_path(doc.setting_id, doc.policy_id, doc.text_sha256, "md"): markdown}
    if not text.exists():
        files[text] = (json.dumps(doc.content, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    write_files(files)
