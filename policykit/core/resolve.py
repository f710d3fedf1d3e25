"""Stage 3, resolve: which clauses each school's policy holds, in order, with what values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterable, Mapping

from policykit.core.conditions import applies, setting_facts
from policykit.core.context import clause_context
from policykit.core.public import PublicCopy, public_copy
from policykit.errors import Problem, UsageError, did_you_mean
from policykit.governance.scheme import body_names, due_soon_days, review_months, stages
from policykit.model import Approval, Clause, Library, Policy, Project, Setting, freeze


@dataclass(frozen=True)
class ResolvedPart:
    heading: str
    intro: str
    clauses: tuple[Clause, ...]
    group: str = ""  # see model.Part.group
    related: bool = False  # see model.Part.related


@dataclass(frozen=True)
class DocumentPlan:
    """One school x policy: the clauses it holds and the values they are filled with."""

    setting: Setting
    policy: Policy
    parts: tuple[ResolvedPart, ...]
    context: Mapping[str, Any]
    library_release: str
    issued: date  # the date the text is dated from: the library release (approval comes later)
    related: tuple[str, ...] = ()  # titles of related policies, then of the school's related documents
    related_urls: tuple[str, ...] = ()  # beside each title: where settings say it can be read ("" if nowhere)
    stages: tuple[str, ...] = ("board",)  # who approves, in order (scheme of delegation)
    review_months: int = 12  # the cycle after the scheme's caps
    due_soon_days: int = 60  # how long before its due date a review counts as due soon (the scheme's)
    approvals: tuple[Approval, ...] = ()  # this school x policy's ledger records
    library_changelog: tuple[Mapping[str, Any], ...] = ()
    # "clause-id@version" -> title, for every clause version the approvals recorded: as archived
    # with the approved text (so history keeps the titles approved then), else as in the library now
    recorded_titles: Mapping[str, str] = field(default_factory=dict)
    # the newest changelog date among its clauses changed since its library release (None: none
    # did); and the ledger records whose approved text held such changes, by seq
    unreleased: date | None = None
    unreleased_records: frozenset[int] = frozenset()

    @property
    def key(self) -> str:
        return f"{self.setting.id}/{self.policy.id}"

    @property
    def bodies(self) -> tuple[str, ...]:
        """Who approves, in order, by this school's names for them ('Local Academy Committee')."""
        return body_names(self.stages, self.context["terms"], self.context["trust"])

    @property
    def clause_versions(self) -> dict[str, str]:
        return {c.id: c.version for part in self.parts for c in part.clauses}


@dataclass(frozen=True)
class Plan:
    project: Project
    documents: tuple[DocumentPlan, ...]
    # the day the documents are rendered for: a text whose approval or review is due by then says
    # it is overdue (not part of any document's plan key: see RenderedDocument.changes_on)
    as_of: date = field(default_factory=date.today)
    # the copy for the school's website (core/public.py): None for the staff copy
    public: PublicCopy | None = None


def resolve(project: Project, settings: Iterable[str] | None = None,
            policies: Iterable[str] | None = None, as_of: date | None = None, public: bool = False) -> Plan:
    """Plan every selected school x policy (all of them by default), to be rendered as of
    `as_of` (default today); `public`: the copies for the schools' websites, of the policies
    the library marks `published` (every one by default)."""
    chosen_settings = _select(settings, project.settings, "setting", "school")
    chosen_policies = _select(policies, project.library.policies, "policy", "policy")
    if public:
        chosen_policies = _published(chosen_policies, project.library, policies is not None and bool(policies))
    library = project.library
    documents = []
    for sid in chosen_settings:
        setting = project.settings[sid]
        facts = setting_facts(setting.values)
        for pid in chosen_policies:
            policy = library.policies[pid]
            parts = []
            for part in policy.parts:
                chosen = tuple(library.clauses[c] for c in part.clauses
                               if applies(library.clauses[c].conditions, facts))
                if chosen or (part.related and policy.related + policy.documents):
                    parts.append(ResolvedPart(part.heading, part.intro, chosen, part.group, part.related))
            approvers = stages(project.trust, policy, setting.values["school"]["type"])
            context = clause_context(project.trust, setting.values, setting.local_authority,
                                     {"id": policy.id, "title": policy.title, "version": policy.version}, approvers,
                                     library.guidance)
            approvals = project.approvals_for(sid, pid)
            versions = {c.id: c.version for part in parts for c in part.clauses}
            documents.append(DocumentPlan(
                setting=setting, policy=policy, parts=tuple(parts), context=freeze(context),
                library_release=library.release, issued=library.date,
                related=tuple(library.policies[r].title for r in policy.related) + tuple(
                    _document(d, library, setting)[0] for d in policy.documents),
                related_urls=("",) * len(policy.related) + tuple(
                    _document(d, library, setting)[1] for d in policy.documents),
                stages=approvers,
                review_months=review_months(project.trust, policy),
                due_soon_days=due_soon_days(project.trust),
                approvals=approvals,
                library_changelog=library.changelog,
                recorded_titles=_recorded_titles(approvals, project.archived, library.clauses),
                unreleased=library.unreleased(versions),
                unreleased_records=unreleased_approvals(library, approvals),
            ))
    return Plan(project, tuple(documents), as_of or date.today(), public_copy(project.trust) if public else None)


def _published(chosen: list[str], library: Library, asked: bool) -> list[str]:
    """The policies of a public build: those published; naming one that is not is a usage error."""
    if asked:
        unpublished = [p for p in chosen if not library.policies[p].published]
        if unpublished:
            raise UsageError([Problem("--policy", 0, 0, "", f"policy '{p}' is not published",
                                      f"{library.policies[p].path} says published: false; a public copy is made "
                                      "only of a policy the school publishes") for p in unpublished])
    return [p for p in chosen if library.policies[p].published]


def _document(doc_id: str, library: Library, setting: Setting) -> tuple[str, str]:
    """A related school document's title (the school's own, else the library's) and link."""
    own = setting.values.get("documents", {}).get(doc_id, {})
    return str(own.get("title") or library.documents[doc_id]["title"]), str(own.get("url") or "")


def unreleased_approvals(library: Library, approvals: Iterable[Approval]) -> frozenset[int]:
    """The ledger records (by seq) whose approved text held clause versions dated after the
    library release the record names."""
    return frozenset(a.seq for a in approvals if library.unreleased(a.clauses, a.library_release))


def _recorded_titles(approvals: Iterable[Approval], archived: Mapping[str, Mapping[str, Any]],
                     clauses: Mapping[str, Clause]) -> Mapping[str, str]:
    titles: dict[str, str] = {}
    for record in approvals:
        kept = {str(c[0]): str(c[2]) for part in archived.get(record.text_sha256, {}).get("parts", ())
                for c in part.get("clauses", ())}
        for cid, version in record.clauses.items():
            titles.setdefault(f"{cid}@{version}", kept.get(cid) or (clauses[cid].title if cid in clauses else cid))
    return freeze(dict(sorted(titles.items())))


def _select(wanted: Iterable[str] | None, known: Mapping[str, Any], what: str, label: str) -> list[str]:
    if not wanted:
        return sorted(known)
    wanted = list(dict.fromkeys(wanted))
    problems = [Problem(f"--{what}", 0, 0, "", f"unknown {label} '{w}'",
                        did_you_mean(w, known) or f"known: {', '.join(sorted(known))}")
                for w in wanted if w not in known]
    if problems:
        raise UsageError(problems)
    return wanted
