"""The version in force: while a changed text waits for approval, the one staff still follow.

It is the document as its latest approval at every stage left it, which `approve` archived
(settings/approvals/texts/<school>/<policy>/<fingerprint>.md): made again from there, in
every format, at any later time, under `<school>/in-force/<policy>.<format>` beside the draft.
A document whose current text is the one approved needs none: its own files are in force.
"""

from __future__ import annotations

from policykit.core.render import RenderedDocument
from policykit.core.resolve import DocumentPlan
from policykit.dates import noon_epoch
from policykit.governance.archive import archive_path
from policykit.governance.standing import standing
from policykit.model import Project, template_colours

FOLDER = "in-force"


def in_force_key(setting: str, policy: str) -> str:
    """The key (and path stem, under the output folder) of a policy's version in force."""
    return f"{setting}/{FOLDER}/{policy}"


def in_force(project: Project, plan_doc: DocumentPlan, text_sha256: str) -> RenderedDocument | None:
    """The version in force of a document whose current text has fingerprint `text_sha256`, or
    None when that text is itself approved at every stage (or nothing ever was)."""
    place = standing(plan_doc.approvals, text_sha256, plan_doc.stages, plan_doc.review_months)
    decision = place.latest
    if decision is None or place.current is not None:
        return None
    path = archive_path(plan_doc.setting.id, plan_doc.policy.id, decision.text_sha256, "md").as_posix()
    markdown = project.archived_documents.get(path)
    if markdown is None:  # an archive from before documents were kept: nothing to make it from
        return None
    last = decision.last
    return RenderedDocument(
        key=in_force_key(plan_doc.setting.id, plan_doc.policy.id), setting_id=plan_doc.setting.id,
        policy_id=plan_doc.policy.id, markdown=markdown, title=plan_doc.policy.title, school=plan_doc.setting.name,
        trust=str(plan_doc.context["trust"]["name"]), epoch=noon_epoch(decision.date), clause_versions=last.clauses,
        colours=template_colours(plan_doc.context["trust"]), text_sha256=decision.text_sha256, issued=decision.date,
        logo=project.logo,
    )
