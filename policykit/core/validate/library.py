"""The library as validate reads it: library.yaml, every clause and every policy definition."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from policykit.core import schema
from policykit.core.conditions import age_range
from policykit.core.load import Sources
from policykit.core.validate.clause_text import body_problems
from policykit.core.validate.includes import expand, include_loops
from policykit.core.yamlfile import YamlDoc
from policykit.errors import Problem, did_you_mean
from policykit.model import SECTIONS, ChangeNote, Clause, Library, Policy, Requirement, freeze



def check_library(sources: Sources, problems: list[Problem]) -> Library | None:
    doc = sources.library
    lib_problems = schema.check(doc, "library") if doc is not None else []
    problems.extend(lib_problems)
    options = declared_options(sources)
    guidance = declared(sources, "guidance")
    documents = declared(sources, "documents")
    sections = declared(sources, "sections")
    known = None if sections is None else (*SECTIONS, *sections)
    clauses = parse_clauses(sources.clauses, options, problems, guidance, known)
    # a clause file that is itself broken is reported once, not again by each policy naming it
    broken = {d.path.stem for d in sources.clauses if d.path.stem not in clauses}
    broken |= {Path(p.path).stem for p in sources.problems if p.path.endswith(".md")}
    policies = parse_policies(sources.policies, clauses, problems, broken, policy_names(sources), documents)
    requirements = parse_requirements(sources.requirements, sources.clauses, clauses, problems, known)
    if doc is None or lib_problems:
        return None
    return Library(
        name=doc.data["name"],
        release=str(doc.data["release"]),
        date=date.fromisoformat(doc.data["date"]),
        options=freeze(options),
        changelog=freeze(doc.data.get("changelog", [])),
        clauses=freeze(clauses),
        policies=freeze(policies),
        guidance=freeze(guidance or {}),
        documents=freeze(documents or {}),
        requirements=requirements,
        sections=freeze(sections or {}),
    )


def parse_requirements(doc: YamlDoc | None, clause_docs: Iterable[YamlDoc], clauses: Mapping[str, Clause],
                       problems: list[Problem], sections: Sequence[str] | None = None) -> tuple[Requirement, ...]:
    """clauses/requirements.yaml, and every clause's `covers` checked against it."""
    if doc is None:
        return ()
    found = schema.check(doc, "requirements")
    problems.extend(found)
    if found:
        return ()
    out: list[Requirement] = []
    seen: set[str] = set()
    for i, entry in enumerate(doc.data["requirements"]):
        if entry["id"] in seen:
            problems.append(doc.problem(("requirements", i, "id"), f"requirement '{entry['id']}' is listed twice"))
            continue
        seen.add(entry["id"])
        if sections is not None and entry["section"] not in sections:
            problems.append(section_problem(doc, ("requirements", i, "section"), entry["section"], sections))
        ages = entry.get("applies", {}).get("ages")
        if ages is not None and age_range(ages) is None:
            problems.append(doc.problem(("requirements", i, "applies", "ages"), f"'{ages}' gives the older age first",
                                        "write the youngest age first, e.g. 16-17"))
        out.append(Requirement(entry["id"], entry["section"], entry["text"], freeze(entry.get("applies", {}))))
    for clause_doc in clause_docs:
        if clause_doc.path.stem not in clauses:
            continue  # its own problems are reported already
        for j, rid in enumerate(clauses[clause_doc.path.stem].covers):
            if rid not in seen:
                problems.append(clause_doc.problem(("covers", j), f"unknown requirement '{rid}'",
                                                   did_you_mean(rid, seen) or f"add it to {doc.shown} or correct the id"))
    return tuple(out)


def declared_options(sources: Sources) -> Mapping[str, Any] | None:
    """The options clauses/library.yaml declares, or None when that file is missing or unreadable
    (then nothing can be said about which options exist, and no option is checked)."""
    data = sources.library.data if sources.library is not None else None
    if not isinstance(data, dict):
        return None
    options = data.get("options", {})
    return options if isinstance(options, dict) else None


def declared(sources: Sources, key: str) -> Mapping[str, Any] | None:
    """A mapping clauses/library.yaml declares (`guidance`, `documents`), or None when that file
    is missing or unreadable (then references to it are not checked)."""
    data = sources.library.data if sources.library is not None else None
    if not isinstance(data, dict):
        return None
    found = data.get(key, {})
    return {k: v for k, v in found.items() if isinstance(v, dict)} if isinstance(found, dict) else None


def source_text(item: Any, guidance: Mapping[str, Any] | None) -> str:
    """A clause's source as documents print it: text as written; {guidance: kcsie, part: Part 5}
    as the edition the release follows ("KCSIE 2025, Part 5")."""
    if not isinstance(item, Mapping):
        return str(item)
    edition = (guidance or {}).get(item["guidance"], {})
    name = str(edition.get("short") or edition.get("title") or item["guidance"])
    return f"{name}, {item['part']}" if item.get("part") else name


def section_problem(doc: YamlDoc, key: tuple[Any, ...], section: str, sections: Sequence[str]) -> Problem:
    """A section that is neither one of the first library's four nor declared in clauses/library.yaml."""
    return doc.problem(key, f"unknown section '{section}'", did_you_mean(section, sections)
                       or f"use one of: {', '.join(sections)}; or declare it under sections in clauses/library.yaml")


def parse_clauses(docs: Iterable[YamlDoc], options: Mapping[str, Any] | None, problems: list[Problem],
                  guidance: Mapping[str, Any] | None = None,
                  sections: Sequence[str] | None = SECTIONS) -> dict[str, Clause]:
    clauses: dict[str, Clause] = {}
    seen: dict[str, str] = {}
    for doc in docs:
        found = schema.check(doc, "clause")
        if found:
            problems.extend(found)
            continue
        data = doc.data
        cid = data["id"]
        if cid != doc.path.stem:
            problems.append(doc.problem(("id",), f"'{cid}' does not match the file name",
                                        f"rename the file to {cid}.md or set id: {doc.path.stem}"))
        if cid in seen:
            problems.append(doc.problem(("id",), f"clause id '{cid}' is also used by {seen[cid]}"))
            continue
        seen[cid] = doc.shown
        if sections is not None and data["section"] not in sections:
            problems.append(section_problem(doc, ("section",), data["section"], sections))
        folder = doc.path.parent.name
        if folder != data["section"]:
            problems.append(doc.problem(("section",), f"clause is in clauses/{folder}/ but names section "
                                        f"'{data['section']}'", f"move it to clauses/{data['section']}/"))
        if data["changelog"][0]["version"] != data["version"]:
            problems.append(doc.problem(("changelog", 0, "version"),
                                        f"newest changelog entry is {data['changelog'][0]['version']} but the "
                                        f"clause is version {data['version']}", "add a changelog entry first"))
        for name, value in data.get("conditions", {}).get("options", {}).items() if options is not None else ():
            key = ("conditions", "options", name)
            if name not in options:
                problems.append(doc.problem(key, f"unknown option '{name}'",
                                            did_you_mean(name, options) or "declare it in clauses/library.yaml"))
            else:
                problems.extend(option_value(doc, key, value, options[name]))
        ages = data.get("conditions", {}).get("ages")
        if ages is not None and age_range(ages) is None:
            problems.append(doc.problem(("conditions", "ages"), f"'{ages}' gives the older age first",
                                        "write the youngest age first, e.g. 16-17"))
        for i, item in enumerate(data["source"]):
            if isinstance(item, dict) and guidance is not None and item["guidance"] not in guidance:
                problems.append(doc.problem(("source", i, "guidance"), f"unknown guidance '{item['guidance']}'",
                                            did_you_mean(item["guidance"], guidance)
                                            or "declare it under guidance in clauses/library.yaml"))
        problems.extend(body_problems(doc))
        clauses[cid] = Clause(
            id=cid, version=data["version"], title=data["title"], section=data["section"],
            covers=tuple(data["covers"]), conditions=freeze(data.get("conditions", {})),
            source=tuple(source_text(s, guidance) for s in data["source"]), locked=bool(data.get("locked", True)),
            changelog=tuple(ChangeNote(c["version"], date.fromisoformat(c["date"]), c["note"])
                            for c in data["changelog"]),
            body=doc.body, path=doc.shown, body_line=doc.body_line,
        )
    return clauses


def option_value(doc: YamlDoc, key: tuple[Any, ...], value: Any, spec: Any) -> list[Problem]:
    if not isinstance(spec, Mapping) or spec.get("type") not in ("boolean", "string", "integer"):
        return []  # a malformed declaration is reported against clauses/library.yaml itself
    kind = {"boolean": bool, "string": str, "integer": int}[spec["type"]]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        return [doc.problem(key, f"must be {'true or false' if kind is bool else spec['type']}, not {value!r}")]
    choices = spec.get("choices")
    if choices and value not in choices:
        return [doc.problem(key, f"'{value}' is not one of: {', '.join(choices)}", did_you_mean(str(value), choices))]
    return []


def policy_names(sources: Sources) -> set[str]:
    """Every policy the library has a file for, by file name, whether or not the file is sound:
    a reference to a broken policy is not reported again as an unknown one."""
    names = {d.path.stem for d in sources.policies}
    names |= {Path(p.path).stem for p in sources.problems
              if p.path.startswith("clauses/policies/") and p.path.endswith(".yaml")}
    return names


def parse_policies(docs: Iterable[YamlDoc], clauses: Mapping[str, Clause], problems: list[Problem],
              broken: set[str] = frozenset(), known: set[str] | None = None,
              documents: Mapping[str, Any] | None = None) -> dict[str, Policy]:
    """The policies whose files are sound, keyed by file name (the id other files use).

    `known` names every policy file (see `policy_names`); a reference to one that failed its
    own checks counts as known, so only its own problem is reported."""
    docs = list(docs)
    known = set(known or ()) | {d.path.stem for d in docs}
    raw: dict[str, YamlDoc] = {}
    for doc in docs:
        found = schema.check(doc, "policy")
        if found:
            problems.extend(found)
            continue
        pid = doc.path.stem
        if doc.data["id"] != pid:
            problems.append(doc.problem(("id",), f"'{doc.data['id']}' does not match the file name",
                                        f"rename the file to {doc.data['id']}.yaml or set id: {pid}"))
        raw[pid] = doc
    loops = include_loops(raw, problems)
    policies: dict[str, Policy] = {}
    for pid, doc in raw.items():
        parts = expand(pid, raw, clauses, problems, (), broken, known, loops)
        listed: dict[str, int] = {}
        for part in parts:
            for cid in part.clauses:
                listed[cid] = listed.get(cid, 0) + 1
        for cid, count in listed.items():
            if count > 1 and cid in clauses:
                problems.append(doc.problem(("parts",), f"clause '{cid}' appears {count} times in this policy"))
        for i, rel in enumerate(doc.data.get("related", [])):
            if rel not in known and (documents is None or rel not in documents):
                problems.append(doc.problem(("related", i), f"unknown policy or document '{rel}'",
                                            did_you_mean(rel, [*known, *(documents or ())])
                                            or "declare school documents under documents in clauses/library.yaml"))
        d = doc.data
        policies[pid] = Policy(
            id=pid, title=d["title"], version=d["version"], summary=d.get("summary", ""), owner=d["owner"],
            approver=d["approver"], review_months=d["review_months"], audience=d["audience"],
            published=d.get("published", True), related=tuple(r for r in d.get("related", []) if r in raw),
            parts=tuple(parts), path=doc.shown,
            documents=tuple(r for r in d.get("related", []) if r not in raw and r in (documents or {})),
        )
    return policies
