"""Stage 2, validate: schemas, cross references and template variables, all problems at once.

Each file is checked on its own, so one broken file hides nothing else; only the checks that
need a broken file's contents (a school's local authority needs trust.yaml, say) wait. The
checks, one module each:

    conflicts.py    merge conflicts `policykit update` left in the library
    characters.py   characters no document can carry or the PDF draw
    library.py      library.yaml, clauses and policies (includes.py: their includes)
    clause_text.py  what a clause body may hold: no headings, images, other templates
    settings.py     trust.yaml and each school's file, merged; local adaptations
    public.py       the names trust.yaml's `public` marks private
    variables.py    every template variable a school's documents use is set for it
    signatories.py  every body that approves a school's documents has someone to sign for it
    ledger.py       the approval records and the archived texts they name
    unversioned.py  (warnings) clauses changed without a new version
"""

from __future__ import annotations

import hashlib
from typing import Iterable

from policykit.core.load import Sources
from policykit.core.releases import history_problems
from policykit.core.validate.characters import character_problems
from policykit.core.validate.conflicts import conflict_problems, conflicted
from policykit.core.validate.ledger import ledger_records
from policykit.core.validate.library import check_library, policy_names
from policykit.core.validate.public import check_public
from policykit.core.validate.settings import check_adaptations, school_settings, trust_settings
from policykit.core.validate.signatories import check_signatories
from policykit.core.validate.unversioned import RecordedText, approval_texts, history_texts, unversioned_changes
from policykit.core.validate.variables import check_variables
from policykit.errors import PolicykitError, Problem, did_you_mean
from policykit.governance.archive import archive_path, check_archive
from policykit.model import Project, freeze

__all__ = ["validate", "RecordedText"]


def validate(sources: Sources, recorded: Iterable[RecordedText] = ()) -> Project:
    """Check everything in `sources`; return the Project or raise with every problem.

    The Project's `warnings` say which clauses changed without a new version, against the
    history files, the approvals and the clause texts `recorded` elsewhere (a build's manifest,
    which the commands read: the core reads no outputs)."""
    conflicts = conflict_problems(sources)
    if conflicts:  # a file with conflict markers is neither side's text: report just those, at their lines
        files = conflicted(conflicts)
        raise PolicykitError([*conflicts, *(p for p in sources.problems if p.path not in files)])
    problems: list[Problem] = list(sources.problems)
    problems.extend(character_problems(sources))
    problems.extend(history_problems(sources))
    # Each file is checked on its own, so one broken file hides nothing else: only the checks
    # that need a broken file's contents (a school's local authority needs trust.yaml, say) wait.
    library = check_library(sources, problems)
    trust = trust_settings(sources, problems)
    settings = school_settings(sources, trust, library, problems)
    if library is not None and trust is not None:
        check_variables(library, trust, settings, problems)
        check_signatories(sources, library, trust, settings, problems)
        check_adaptations(library, settings, {d.path.stem: d for d in sources.settings}, problems)
    if trust is not None:
        check_public(sources, trust, settings, problems)
    if trust is not None and sources.trust is not None:
        known = policy_names(sources)
        for pid in trust.get("scheme_of_delegation", {}).get("policies", {}):
            if pid not in known:
                problems.append(sources.trust.problem(("scheme_of_delegation", "policies", pid),
                                                      f"unknown policy '{pid}'", did_you_mean(pid, known)))
    approvals = ledger_records(sources, library, trust, settings, problems)
    named = {archive_path(str(line.data.get("setting")), str(line.data.get("policy")), str(line.data.get(
        "text_sha256")), suffix).as_posix() for line in sources.ledger if isinstance(line.data, dict)
        for suffix in ("json", "md")}
    archived, documents = check_archive(sources.archive, approvals, problems, named)
    if problems:
        raise PolicykitError(problems)
    assert library is not None and trust is not None
    texts = [*history_texts(sources, library.clauses), *approval_texts(approvals), *recorded]
    warnings = tuple(sorted(unversioned_changes(sources, library.clauses, library.release, texts)))
    return Project(sources.root, library, freeze(trust), settings, digest=_digest(sources), approvals=approvals,
                   archived=archived, archived_documents=documents, warnings=warnings)


def _digest(sources: Sources) -> str:
    h = hashlib.sha256()
    for doc in (sources.library, sources.trust, *sources.clauses, *sources.policies, *sources.settings):
        if doc is not None:
            h.update(doc.shown.encode() + b"\0" + repr(doc.data).encode() + b"\0" + doc.body.encode())
    return h.hexdigest()
