"""The meeting pack: one PDF for the board's meeting, written as one Markdown document.

The pack is ONE Markdown document, converted by pandoc to Typst (templates/pack.typ) and
compiled to a tagged PDF (PDF/UA-1) like every other document, so its headings become
the bookmarks:

    Policies for decision                 the cover: school, meeting, the list below
    <policy title>                        one per policy for decision, in order
      What changed and why                a one-page summary: state, approval, clause changes
      Redline                             the text against the last approved one
      Clean copy                          the text as it stands (its headings nest below)

Which policies: those whose state on the meeting date (status_of(..., meeting)) is
overdue (a late review, or a first approval past its due date) or review due soon; those
never approved whose first approval is the meeting's body's to give ("for first
approval"); those whose text changed since it was approved; and those awaiting a later
stage of approval (the trust board approved the text, the school's board has yet to).
Order: overdue first, then review due soon, then for first approval, then changed since
approval, then awaiting a later stage; within each group by due date, then title.

The cover says, for each, who decides: the meeting's own body, the meeting's body after an
earlier stage, or another body (the head, say), when the policy is there for the meeting to
note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Mapping, Sequence

from policykit.compare.clauses import ADDED, CHANGED, MOVED, REMOVED
from policykit.core.frame import body_only
from policykit.core.render import RenderedDocument
from policykit.core.resolve import Plan
from policykit.dates import long_date, noon_epoch
from policykit.governance.scheme import body_name
from policykit.governance.standing import AWAITING, CHANGED_SINCE_APPROVAL, DUE, OVERDUE
from policykit.model import Approval, Project
from policykit.outputs.pandoc import Converter, Job, Output
from policykit.outputs.pdf import typst_pdf
from policykit.reports.redlines import Redline
from policykit.reports.status import StatusRow
from policykit.system.assets import asset
from policykit.templating.markdown import escape, yamlstr

OVERDUE_GROUP, DUE_GROUP, FIRST_GROUP, CHANGED_GROUP, AWAITING_GROUP = range(5)  # the pack's order
SUMMARY, REDLINE, CLEAN = "What changed and why", "Redline", "Clean copy"


@dataclass(frozen=True)
class PackItem:
    """One policy for decision."""

    policy: str
    title: str
    state: str  # on the meeting date
    changed: bool  # the text differs from the last approved one
    next_review: date
    reason: str  # why it is in the pack, in words
    decided_by: str  # the approving bodies, by the school's names
    decides: str = ""  # who decides, as the meeting's body reads it (the cover's last column)
    for_meeting: bool = True  # the meeting's body approves it (else it is there to note)


@dataclass(frozen=True)
class PackResult:
    path: Path
    setting: str
    school: str
    meeting: date
    items: tuple[PackItem, ...]
    markdown: str  # the one document the PDF was made from


def meeting_body(project: Project, setting: str) -> str:
    """The body whose meeting the pack is for: the school's board, by its own name for it."""
    return body_name("board", project.settings[setting].values.get("terminology", {}), project.trust)


def select(rows: Sequence[StatusRow], board: str) -> list[StatusRow]:
    """The rows for decision at a meeting of `board` (by the school's name for it), in pack
    order (see the module docstring)."""
    chosen = [(group, r) for r in rows if (group := _group(r, board)) is not None]
    return [r for _, r in sorted(chosen, key=lambda c: (c[0], c[1].next_review, c[1].title.casefold(), c[1].policy))]


def _group(row: StatusRow, board: str) -> int | None:
    if row.state == OVERDUE:
        return OVERDUE_GROUP
    if row.state == DUE:
        return DUE_GROUP
    if row.first_approval and not row.text_approved_on and row.next_body == board:
        return FIRST_GROUP  # never approved, and this meeting's body gives its first approval
    if row.changed and not row.text_approved_on:
        return CHANGED_GROUP
    if row.state == AWAITING:
        return AWAITING_GROUP
    return None


def _stages_done(pending: Sequence[Approval]) -> str:
    """'the Board of Trustees approved this text on 20 November 2025 (minute TB/25/11)'."""
    return "; ".join(f"the {r.body} approved this text on {long_date(r.date)}" + (f" (minute {r.minute})" if r.minute
                                                                                   else "") for r in pending)


def _reason(row: StatusRow, pending: Sequence[Approval] = (), awaits: str = "") -> str:
    due = long_date(row.next_review)
    if row.state == OVERDUE and row.first_approval and not pending:
        text = f"For first approval, overdue: it was due by {due}"
    elif row.state == OVERDUE:
        text = f"Overdue: the review was due on {due}"
    elif row.state == DUE:
        text = f"Review due soon: by {due}"
    elif row.state == AWAITING and pending:
        text = f"Awaiting the {awaits}: {_stages_done(pending)}"
    elif row.first_approval and not row.changed:
        text = f"For first approval: never approved; due by {due}"
    else:
        text = f"Changed since it was approved on {long_date(row.approved_on)}" if row.approved_on else "Changed"
    if row.changed and row.state in (OVERDUE, DUE, AWAITING):
        text += "; the text has changed since it was approved"
        if row.approved_on:
            text += f" on {long_date(row.approved_on)}"
    return text + "."


def _decides(stages: Sequence[str], done: int, board: str) -> tuple[str, bool]:
    """Who decides, in the cover's words, and whether the meeting's own body is one of them."""
    left = list(stages[done:]) or list(stages)
    if board not in left:
        return f"The {' then the '.join(left)}; here for the {board} to note", False
    if left[0] == board:
        return (f"The {board}" + (f", after the {' and the '.join(stages[:done])}" if done else "")
                + (f", then the {' then the '.join(left[1:])}" if len(left) > 1 else "")), True
    before = left[:left.index(board)]
    return f"The {board}, once the {' then the '.join(before)} has approved it", True


def pack_markdown(plan: Plan, docs: Sequence[RenderedDocument], chosen: Sequence[StatusRow],
                  redlines: Mapping[str, Redline | None], meeting: date) -> tuple[tuple[PackItem, ...], str]:
    """The policies for decision (`chosen`: the status rows as `select` picks and orders them) and
    the pack's one Markdown document, from one school's documents planned and rendered as of the
    meeting."""
    project = plan.project
    docs_by_policy = {d.policy_id: d for d in docs}
    plans = {p.policy.id: p for p in plan.documents}
    setting = project.settings[plan.documents[0].setting.id] if plan.documents else None
    school = setting.name if setting else ""
    board = meeting_body(project, setting.id) if setting else ""
    items: list[PackItem] = []
    sections: list[str] = []
    for row in chosen:
        doc, plan_doc = docs_by_policy[row.policy], plans[row.policy]
        stages = list(plan_doc.bodies)
        pending = tuple(doc.standing.pending) if doc.standing is not None else ()
        awaits = " then the ".join(stages[len(pending):])
        decides, here = _decides(stages, len(pending), board)
        item = PackItem(row.policy, row.title, row.state, row.changed, row.next_review, _reason(row, pending, awaits),
                        " then ".join(stages), decides, here)
        items.append(item)
        sections.append(_policy_section(item, row, doc, redlines[doc.key], pending, awaits))
    trust = str(project.trust["trust"]["name"])
    markdown = _front_matter(school, trust, board, meeting) + _cover(items, school, board, meeting) + "".join(sections)
    return tuple(items), markdown


def pack_pdf(markdown: str, project: Project, meeting: date, converter: Converter) -> bytes:
    """The pack's tagged PDF (PDF/UA-1), dated the meeting."""
    epoch = noon_epoch(meeting)
    job = Job(markdown, (Output("typst", template=asset("templates/pack.typ"), variables=project.colours),), epoch)
    typst_source = converter.convert([job])[0][0]
    return typst_pdf(typst_source, epoch, logo=project.logo)


# --- the Markdown -------------------------------------------------------------------------

def _front_matter(school: str, trust: str, board: str, meeting: date) -> str:
    return (f"---\ntitle: {yamlstr('Policies for decision')}\nschool: {yamlstr(school)}\ntrust: {yamlstr(trust)}\n"
            f"board: {yamlstr(board)}\nmeeting: {yamlstr(long_date(meeting))}\nlang: en-GB\n"
            f"subject: {yamlstr(f'Policies for decision at the {board} of {school}, {long_date(meeting)}')}\n---\n\n")


def _cover(items: Sequence[PackItem], school: str, board: str, meeting: date) -> str:
    lines = ["# Policies for decision {#decisions}\n"]
    if not items:
        lines.append(f"No policy of {escape(school)} is overdue, due for review, waiting for its first approval by the "
                     f"{escape(board)}, changed since approval or awaiting a later stage of approval on "
                     f"{long_date(meeting)}: there is nothing for the {escape(board)} to decide.\n")
        return "\n".join(lines) + "\n"

    def policies(n: int) -> str:
        return f"{n} polic{'y' if n == 1 else 'ies'}"

    ours = sum(1 for i in items if i.for_meeting)
    if ours == len(items):
        who = f"The {escape(board)} decides each of them"
    elif ours == 0:
        who = f"Other bodies decide them (the last column says which): they are here for the {escape(board)} to note"
    else:
        who = (f"The {escape(board)} decides {ours} of them; {policies(len(items) - ours)} another body decides "
               f"(the last column says which), and {'it is' if len(items) - ours == 1 else 'they are'} here for "
               f"the {escape(board)} to note")
    lines.append(f"{policies(len(items))} for the meeting of the {escape(board)} of {escape(school)} on "
                 f"{long_date(meeting)}: overdue first, then those due for review soon, then those for first "
                 "approval, then those changed since they were approved, then those awaiting a later stage of "
                 "approval. "
                 f"{who}. Each has a one-page summary of what changed and why, the redline against the approved "
                 "text, and the clean copy.\n")
    lines.append("| No. | Policy | Why it is here | Who decides |")
    lines.append("|:----|:------------------------------|:----------------------------------------|:-----------------|")
    for n, item in enumerate(items, 1):
        lines.append(f"| {n} | {escape(item.title)} | {escape(item.reason)} | {escape(item.decides)} |")
    return "\n".join(lines) + "\n\n"


_KINDS = {ADDED: "Added", REMOVED: "Removed", CHANGED: "Changed", MOVED: "Moved"}
_ATX = re.compile(r"^(#{1,6}) ", re.M)


def shift_headings(markdown: str, by: int) -> str:
    """Every ATX heading `by` levels deeper (at most 6). Clause bodies hold no headings
    (validate refuses them) and settings values are escaped, so only the frame's match."""
    return _ATX.sub(lambda m: "#" * min(6, len(m.group(1)) + by) + " ", markdown)


def clean_copy(doc: RenderedDocument) -> str:
    """The policy's canonical Markdown without its metadata block and draft banner."""
    return body_only(doc.markdown)


def _anchor(policy: str, part: str = "") -> str:
    return f"pack-{policy}" + (f"-{part}" if part else "")


def _policy_section(item: PackItem, row: StatusRow, doc: RenderedDocument, redline: Redline | None,
                    pending: Sequence[Approval] = (), awaits: str = "") -> str:
    out = [f"# {escape(item.title)} {{#{_anchor(item.policy)}}}\n",
           f"## {SUMMARY} {{#{_anchor(item.policy, 'summary')}}}\n",
           f"**{escape(item.reason)}**\n"]
    approved = (f"{long_date(row.approved_on)} by the {row.approved_by}" + (f" (minute {row.minute})" if row.minute else "")
                if row.approved_on else "Not yet at every stage" if pending else "Never")
    state = row.state[:1].upper() + row.state[1:]
    if row.changed and row.state != CHANGED_SINCE_APPROVAL:
        state += " (and the text has changed since it was approved)"
    out += ["| Item | Detail |", "|:-------------------|:--------------------------------------------------------|",
            f"| State on the meeting date | {escape(state)} |",
            f"| Last approved | {escape(approved)} |"]
    if pending:
        done = _stages_done(pending)
        out.append(f"| This text so far | {escape(done[:1].upper() + done[1:])}; awaiting the {escape(awaits)} |")
    out += [f"| {'Next review' if row.approved_on else 'Approval due by'} | {long_date(row.next_review)} |",
            f"| Decided by | {escape(item.decides)} |",
            f"| Version | {escape(row.version)} (library release {escape(row.library_release)}) |",
            f"| Text fingerprint | {row.text_sha256[:16]} |", ""]
    out.append(_changes(redline))
    # an empty redline stays on the summary's page (the template breaks before the others)
    empty = redline is None or bool(redline.problem) or redline.unchanged
    out.append(f"## {REDLINE} {{#{_anchor(item.policy, 'redline-same' if empty else 'redline')}}}\n")
    if redline is None and pending:
        first = pending[0]
        out.append(f"No text of this policy has yet been approved at every stage, so there is nothing to compare with. "
                   f"The clean copy is the text the {escape(first.body)} approved on {long_date(first.date)}, "
                   f"which now awaits the {escape(awaits)}.\n")
    elif redline is None:
        out.append("This policy has never been approved: there is no approved text to compare with.\n")
    elif redline.problem:
        out.append(f"No redline: {escape(redline.problem)}.\n")
    elif redline.unchanged:
        out.append(f"No changes: this is the text the {escape(redline.approved_by)} approved on "
                   f"{long_date(redline.approved_on)}. The clean copy follows.\n")
    else:
        stage = f" (the {redline.stage})" if redline.stage else ""
        out.append(f"The current text against the one the {escape(redline.approved_by)} approved on "
                   f"{long_date(redline.approved_on)}{stage}: added text is \\{{+ [underlined]{{.underline}} +\\}}, "
                   "removed text \\[- ~~struck through~~ -\\]. Under each changed clause, the clause library says "
                   "why it changed.\n")
        out.append(shift_headings(redline.print_markdown, 2))
    out.append(f"## {CLEAN} {{#{_anchor(item.policy, 'clean')}}}\n")
    out.append(shift_headings(clean_copy(doc), 2))
    return "\n".join(out) + "\n"


def _changes(redline: Redline | None) -> str:
    if redline is None or redline.problem:
        return ""
    if redline.unchanged:
        return ("The text is unchanged since it was approved. The board reviews it as it stands, with the clause "
                "library's latest release in mind.\n")
    lines = ["What changed since the last approval, clause by clause, and why (from the clause library's "
             "changelog):\n", "| Clause | Change | Why |",
             "|:-------------------|:--------------|:------------------------------------------|"]
    for change in redline.changes:
        versions = ""
        if change.old_version and change.new_version and change.old_version != change.new_version:
            versions = f" ({change.old_version} to {change.new_version})"
        elif change.new_version or change.old_version:
            versions = f" ({change.new_version or change.old_version})"
        why = " ".join(change.notes) or "–"
        lines.append(f"| {escape(change.title)} | {_KINDS.get(change.kind, change.kind)}{versions} | {escape(why)} |")
    return "\n".join(lines) + "\n"

