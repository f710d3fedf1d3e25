"""Stage 2, validate: schemas, cross references and template variables, all problems at once."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from functools import lru_cache
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Mapping

from . import characters, schema
from .archive import check_archive
from .conditions import applies, setting_facts
from .context import ROOTS, clause_context, merge, settings_key
from .errors import PolicykitError, Problem, did_you_mean
from .ledger import LEDGER, Approval, chain_problems, to_approval
from .load import Sources
from .scheme import stages
from .model import ChangeNote, Clause, Library, Part, Policy, Project, Setting, freeze
from .templating import TemplateProblem, Variable, column_of, compile_template, dead, missing, variables
from .yamlfile import YamlDoc, dotted

_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_HEADING = re.compile(r"^ {0,3}#{1,6}(\s|$)")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
# Clause text is Markdown for people to read: no pictures (pandoc would fetch them) and no
# links except to web pages and email addresses.
_IMAGE = re.compile(r"!\[[^\]]*\]\(")
_LINK = re.compile(r"\]\(\s*<?([A-Za-z][A-Za-z0-9+.-]*:)?")
_TAGS = re.compile(r"\{%-?\s*(include|import|from|extends)\b")


@lru_cache(maxsize=1)
def frame_source() -> str:
    """The document frame (cover, tables, approval block) every policy is rendered into."""
    return (resources.files("policykit") / "templates" / "policy.md.j2").read_text(encoding="utf-8")


def validate(sources: Sources) -> Project:
    """Check everything in `sources`; return the Project or raise with every problem."""
    problems: list[Problem] = list(sources.problems)
    problems.extend(_character_problems(sources))
    from .releases import history_problems  # here: releases builds on this module's checks

    problems.extend(history_problems(sources))
    # Each file is checked on its own, so one broken file hides nothing else: only the checks
    # that need a broken file's contents (a school's local authority needs trust.yaml, say) wait.
    library = _library(sources, problems)
    trust = _trust(sources, problems)
    settings = _settings(sources, trust, library, problems)
    if library is not None and trust is not None:
        _check_variables(library, trust, settings, problems)
        _check_adaptations(library, settings, {d.path.stem: d for d in sources.settings}, problems)
    if trust is not None and sources.trust is not None:
        known = policy_names(sources)
        for pid in trust.get("scheme_of_delegation", {}).get("policies", {}):
            if pid not in known:
                problems.append(sources.trust.problem(("scheme_of_delegation", "policies", pid),
                                                      f"unknown policy '{pid}'", did_you_mean(pid, known)))
    approvals = _ledger(sources, library, trust, settings, problems)
    archived = check_archive(sources.archive, approvals, problems)
    if problems:
        raise PolicykitError(problems)
    assert library is not None and trust is not None
    return Project(sources.root, library, freeze(trust), settings, digest=_digest(sources), approvals=approvals,
                   archived=archived)


def _ledger(sources: Sources, library: Library | None, trust: Mapping[str, Any] | None,
            settings: Mapping[str, Setting], problems: list[Problem]) -> tuple[Approval, ...]:
    """Ledger records: intact chain, valid fields, known schools and policies, allowed bodies."""
    shown = LEDGER.as_posix()
    problems.extend(chain_problems(sources.ledger, shown))
    approvals = []
    for entry in sources.ledger:
        if not isinstance(entry.data, dict):
            continue
        data = {k: v for k, v in entry.data.items() if k != "hash"}
        doc = YamlDoc(sources.root / LEDGER, shown, data, {(): (entry.line, 0)})
        found = schema.check(doc, "approval")
        if found:
            problems.extend(Problem(p.path, entry.line, 0, f"record {entry.data.get('seq', '?')}: {p.key}".rstrip(": "),
                                    p.message, p.hint) for p in found)
            continue
        record = to_approval(data)
        where = f"record {record.seq}"
        if record.setting not in settings:
            if settings or not problems:
                problems.append(Problem(shown, entry.line, 0, where, f"unknown school '{record.setting}'",
                                        did_you_mean(record.setting, settings)))
            continue
        if library is None or trust is None:
            continue
        policy = library.policies.get(record.policy)
        if policy is None:
            known = policy_names(sources)
            if record.policy not in known:  # a known but broken policy reports its own problem
                problems.append(Problem(shown, entry.line, 0, where, f"unknown policy '{record.policy}'",
                                        did_you_mean(record.policy, known)))
            continue
        allowed = stages(trust, policy, settings[record.setting].values["school"]["type"])
        if record.stage not in allowed:
            problems.append(Problem(shown, entry.line, 0, where, f"the scheme of delegation does not let "
                                    f"'{record.stage}' approve {record.policy} at {record.setting}",
                                    f"allowed: {', '.join(allowed)}"))
            continue
        approvals.append(record)
    return tuple(approvals)


def _digest(sources: Sources) -> str:
    h = hashlib.sha256()
    for doc in (sources.library, sources.trust, *sources.clauses, *sources.policies, *sources.settings):
        if doc is not None:
            h.update(doc.shown.encode() + b"\0" + repr(doc.data).encode() + b"\0" + doc.body.encode())
    return h.hexdigest()


# --- characters ------------------------------------------------------------------------

def _character_problems(sources: Sources) -> list[Problem]:
    """Characters a value (or clause text) holds that no document can carry or the PDF draw."""
    found: list[tuple[YamlDoc, tuple[Any, ...] | tuple[int, int], str, bool]] = []  # doc, key or (line, col), text

    def walk(doc: YamlDoc, value: Any, key: tuple[Any, ...]) -> None:
        if isinstance(value, str):
            if characters.suspicious(value):
                found.append((doc, key, value, True))
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(doc, v, key + (k,))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(doc, v, key + (i,))

    docs = [d for d in (sources.library, sources.trust) if d is not None]
    for doc in (*docs, *sources.clauses, *sources.policies, *sources.settings):
        walk(doc, doc.data, ())
        for i, line in enumerate(doc.body.splitlines()):
            if characters.suspicious(line):
                found.append((doc, (doc.body_line + i, 0), line, False))
    if not found:
        return []
    cannot = characters.undrawable({c for *_, text, _ in found for c in text})
    problems = []
    for doc, where, text, is_key in found:
        if is_key:
            line, col = doc.where(where)
            key = dotted(where)
        else:
            line, col, key = where[0], 0, ""
        bad = [c for c in dict.fromkeys(text) if characters.not_text(c)]
        for char in bad:
            problems.append(Problem(doc.shown, line, col or text.index(char) + 1, key,
                                    f"contains {characters.describe(char)}, {characters.not_text(char)}",
                                    "remove it: in YAML, an escape such as \\0 or \\uFFFE in double quotes makes one"))
        missing = [c for c in dict.fromkeys(text) if c in cannot]
        if missing:
            problems.append(Problem(doc.shown, line, col or text.index(missing[0]) + 1, key,
                                    "the PDF's fonts cannot draw " + ", ".join(characters.describe(c) for c in missing),
                                    "use other characters or leave them out: the PDF has no font for emoji and "
                                    "many scripts"))
    return problems


# --- library: clauses, policies, options ---------------------------------------------

def _library(sources: Sources, problems: list[Problem]) -> Library | None:
    doc = sources.library
    lib_problems = schema.check(doc, "library") if doc is not None else []
    problems.extend(lib_problems)
    options = declared_options(sources)
    clauses = _clauses(sources.clauses, options, problems)
    # a clause file that is itself broken is reported once, not again by each policy naming it
    broken = {d.path.stem for d in sources.clauses if d.path.stem not in clauses}
    broken |= {Path(p.path).stem for p in sources.problems if p.path.endswith(".md")}
    policies = _policies(sources.policies, clauses, problems, broken, policy_names(sources))
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
    )


def declared_options(sources: Sources) -> Mapping[str, Any] | None:
    """The options clauses/library.yaml declares, or None when that file is missing or unreadable
    (then nothing can be said about which options exist, and no option is checked)."""
    data = sources.library.data if sources.library is not None else None
    if not isinstance(data, dict):
        return None
    options = data.get("options", {})
    return options if isinstance(options, dict) else None


def _clauses(docs: Iterable[YamlDoc], options: Mapping[str, Any] | None, problems: list[Problem]) -> dict[str, Clause]:
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
                problems.extend(_option_value(doc, key, value, options[name]))
        problems.extend(_body_problems(doc))
        clauses[cid] = Clause(
            id=cid, version=data["version"], title=data["title"], section=data["section"],
            covers=tuple(data["covers"]), conditions=freeze(data.get("conditions", {})),
            source=tuple(data["source"]), locked=bool(data.get("locked", True)),
            changelog=tuple(ChangeNote(c["version"], date.fromisoformat(c["date"]), c["note"])
                            for c in data["changelog"]),
            body=doc.body, path=doc.shown, body_line=doc.body_line,
        )
    return clauses


def _body_problems(doc: YamlDoc) -> list[Problem]:
    problems: list[Problem] = []
    try:
        compile_template(doc.body)
    except TemplateProblem as exc:
        line = doc.body_line + exc.line - 1
        if not (0 < exc.line <= len(doc.body.splitlines()) and _TAGS.search(doc.body.splitlines()[exc.line - 1])):
            problems.append(Problem(doc.shown, line, 0, "", exc.message))
            return problems
        # an include or import: the line check below says so, with its hint
    fenced = False
    for i, line in enumerate(doc.body.splitlines()):
        at = doc.body_line + i
        if _IMAGE.search(line):
            problems.append(Problem(doc.shown, at, 1, "", "images are not allowed in a clause",
                                    "the trust's logo goes in settings/trust.yaml; describe anything else in words"))
        for match in _LINK.finditer(line):
            scheme = (match.group(1) or "").lower()
            if scheme not in ("https:", "mailto:", "http:"):
                problems.append(Problem(doc.shown, at, match.start() + 1, "",
                                        f"link to '{scheme or 'a relative path'}' is not allowed",
                                        "link only to web pages (https://) and email addresses (mailto:)"))
        if _TAGS.search(line):
            problems.append(Problem(doc.shown, at, 1, "", "a clause cannot include or import other templates",
                                    "write the text in the clause itself"))
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and _HEADING.match(line):
            problems.append(Problem(doc.shown, doc.body_line + i, 1, "", "headings are not allowed in a clause body",
                                    "the clause title is its heading; split it into two clauses"))
    lines = doc.body.splitlines()
    for var in variables(doc.body):
        if var.path[0] not in ROOTS:
            problems.append(Problem(doc.shown, doc.body_line + var.line - 1, _column(lines, var), var.dotted,
                                    f"unknown name '{var.path[0]}'",
                                    did_you_mean(var.path[0], ROOTS) or f"use one of: {', '.join(ROOTS)}"))
    return problems


def _column(lines: list[str], var: Variable) -> int:
    """Where on its line a template variable is written (0 when not written plainly)."""
    return column_of(lines[var.line - 1], var.dotted) if 0 < var.line <= len(lines) else 0


def _option_value(doc: YamlDoc, key: tuple[Any, ...], value: Any, spec: Any) -> list[Problem]:
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


def _policies(docs: Iterable[YamlDoc], clauses: Mapping[str, Clause], problems: list[Problem],
              broken: set[str] = frozenset(), known: set[str] | None = None) -> dict[str, Policy]:
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
    loops = _include_loops(raw, problems)
    policies: dict[str, Policy] = {}
    for pid, doc in raw.items():
        parts = _expand(pid, raw, clauses, problems, (), broken, known, loops)
        listed: dict[str, int] = {}
        for part in parts:
            for cid in part.clauses:
                listed[cid] = listed.get(cid, 0) + 1
        for cid, count in listed.items():
            if count > 1 and cid in clauses:
                problems.append(doc.problem(("parts",), f"clause '{cid}' appears {count} times in this policy"))
        for i, rel in enumerate(doc.data.get("related", [])):
            if rel not in known:
                problems.append(doc.problem(("related", i), f"unknown policy '{rel}'", did_you_mean(rel, known)))
        d = doc.data
        policies[pid] = Policy(
            id=pid, title=d["title"], version=d["version"], summary=d.get("summary", ""), owner=d["owner"],
            approver=d["approver"], review_months=d["review_months"], audience=d["audience"],
            published=d.get("published", True), related=tuple(r for r in d.get("related", []) if r in raw),
            parts=tuple(parts), path=doc.shown,
        )
    return policies


def _includes(doc: YamlDoc) -> list[tuple[int, str]]:
    return [(i, part["include"]) for i, part in enumerate(doc.data["parts"]) if "include" in part]


def _include_loops(raw: Mapping[str, YamlDoc], problems: list[Problem]) -> set[tuple[str, int]]:
    """Report each cycle of `include`s once, with its chain; return the includes that close one
    (policy id, part index), which expansion then skips."""
    closing: set[tuple[str, int]] = set()
    reported = 0
    for start in sorted(raw):
        # the cycles through `start` whose other members all sort after it: each cycle found once
        stack: list[tuple[str, list[tuple[str, int]]]] = [(start, [])]
        while stack:
            node, path = stack.pop()
            for i, other in reversed(_includes(raw[node])):
                if other == start:
                    chain = path + [(node, i)]
                    closing.add((node, i))
                    if reported < 20:  # a pathological library: enough to see the problem
                        reported += 1
                        problems.append(_loop_problem(raw, chain))
                elif other in raw and other > start and other not in {n for n, _ in path} and other != node:
                    stack.append((other, path + [(node, i)]))
    return closing


def _loop_problem(raw: Mapping[str, YamlDoc], chain: list[tuple[str, int]]) -> Problem:
    first, i = chain[0]
    names = " -> ".join([pid for pid, _ in chain] + [first])
    doc = raw[first]
    others = [raw[pid].shown + ":{}:{}".format(*raw[pid].where(("parts", j, "include"))) for pid, j in chain[1:]]
    hint = "an included policy must not include, directly or through others, the policy that includes it"
    return doc.problem(("parts", i, "include"), f"including '{raw[first].data['parts'][i]['include']}' makes a loop: "
                       f"{names}" + (f" (see {', '.join(others)})" if others else ""), hint)


def _expand(pid: str, raw: Mapping[str, YamlDoc], clauses: Mapping[str, Clause], problems: list[Problem] | None,
            chain: tuple[str, ...], broken: set[str] = frozenset(), known: set[str] = frozenset(),
            loops: set[tuple[str, int]] = frozenset()) -> list[Part]:
    """A policy's parts with its includes expanded. Only the policy's own parts report
    problems (`problems` is None inside an include: the included policy reports its own)."""
    doc = raw[pid]
    parts: list[Part] = []
    for i, part in enumerate(doc.data["parts"]):
        if "include" in part:
            other = part["include"]
            if other not in raw:
                if other not in known and problems is not None:
                    problems.append(doc.problem(("parts", i, "include"), f"unknown policy '{other}'",
                                                did_you_mean(other, known)))
                continue
            if (pid, i) in loops or other in chain + (pid,):
                continue  # reported once, by _include_loops
            # an included policy's parts go under its title: a handbook of four policies reads as
            # four divisions, not as one run of parts named 'Purpose and scope' four times
            title = str(raw[other].data["title"])
            parts.extend(replace(p, group=title)
                         for p in _expand(other, raw, clauses, None, chain + (pid,), broken, known, loops))
            continue
        for j, cid in enumerate(part["clauses"]):
            if cid not in clauses and cid not in broken and problems is not None:
                problems.append(doc.problem(("parts", i, "clauses", j), f"unknown clause '{cid}'",
                                            did_you_mean(cid, clauses)))
        parts.append(Part(part["heading"], part.get("intro", ""), tuple(c for c in part["clauses"] if c in clauses)))
    return parts


# --- trust and settings ---------------------------------------------------------------

def _trust(sources: Sources, problems: list[Problem]) -> dict[str, Any] | None:
    doc = sources.trust
    if doc is None:
        return None
    found = schema.check(doc, "trust")
    problems.extend(found)
    defaults = doc.data.get("defaults") if isinstance(doc.data, dict) else None
    options = declared_options(sources)
    if isinstance(defaults, dict) and isinstance(defaults.get("options"), dict) and options is not None:
        problems.extend(_option_problems(doc, defaults["options"], options, ("defaults", "options")))
    if found:
        return None
    if (logo := doc.data["trust"].get("logo")) and not (doc.path.parent / logo).is_file():
        problems.append(doc.problem(("trust", "logo"), f"no file settings/{logo}"))
    return doc.data


def _settings(sources: Sources, trust: Mapping[str, Any] | None, library: Library | None,
              problems: list[Problem]) -> dict[str, Setting]:
    """Check every school file; return the schools, merged with the trust's defaults (none when
    trust.yaml is broken: each school's own file is still checked)."""
    settings: dict[str, Setting] = {}
    authorities = trust["local_authorities"] if trust is not None else _authorities(sources, problems)
    options = declared_options(sources)
    for doc in sources.settings:
        sid = doc.path.stem
        if not _ID.match(sid):
            problems.append(Problem(doc.shown, 0, 0, "", f"'{sid}' is not a usable school id",
                                    "name the file with lower-case letters, digits and hyphens, e.g. oakfield.yaml"))
            continue
        found = schema.check(doc, "setting")
        problems.extend(found)
        data = doc.data if isinstance(doc.data, dict) else {}
        given = data.get("options") if isinstance(data.get("options"), dict) else {}
        if options is not None:
            problems.extend(_option_problems(doc, given, options))
        if found:
            continue
        la_key = data["school"]["local_authority"]
        if authorities is not None and la_key not in authorities:
            problems.append(doc.problem(("school", "local_authority"), f"unknown local authority '{la_key}'",
                                        did_you_mean(la_key, authorities) or
                                        "add it under local_authorities in settings/trust.yaml"))
            continue
        if trust is None:
            continue  # merging needs the trust's defaults
        values = merge(trust.get("defaults", {}), data)
        settings[sid] = Setting(sid, doc.shown, freeze(values), freeze(authorities[la_key]))
    return settings


def _authorities(sources: Sources, problems: list[Problem]) -> Mapping[str, Any] | None:
    """A broken trust.yaml's local authorities, if that part of it is sound."""
    data = sources.trust.data if sources.trust is not None else None
    las = data.get("local_authorities") if isinstance(data, dict) else None
    shown = sources.trust.shown if sources.trust is not None else ""
    if not isinstance(las, dict) or any(p.path == shown and p.key.startswith("local_authorities") for p in problems):
        return None
    return las


def _check_adaptations(library: Library, settings: Mapping[str, Setting], docs: Mapping[str, YamlDoc],
                       problems: list[Problem]) -> None:
    """A school may adapt only clauses the trust left adaptable and that are in its policies."""
    for sid, setting in settings.items():
        adaptations = setting.values.get("adaptations", {})
        if not adaptations:
            continue
        doc = docs[sid]
        facts = setting_facts(setting.values)
        used = {cid for policy in library.policies.values() for part in policy.parts for cid in part.clauses
                if applies(library.clauses[cid].conditions, facts)}
        for cid in adaptations:
            key = ("adaptations", cid)
            clause = library.clauses.get(cid)
            if clause is None:
                problems.append(doc.problem(key, f"unknown clause '{cid}'", did_you_mean(cid, library.clauses)))
            elif clause.locked:
                problems.append(doc.problem(key, f"clause '{cid}' is locked by the trust in {clause.path}",
                                            "only clauses with 'locked: false' may be adapted; ask the trust"))
            elif cid not in used:
                problems.append(doc.problem(key, f"clause '{cid}' is not in any of this school's policies"))


def _option_problems(doc: YamlDoc, given: Mapping[str, Any], options: Mapping[str, Any],
                     base: tuple[str, ...] = ("options",)) -> list[Problem]:
    problems = []
    for name, value in given.items():
        if name not in options:
            problems.append(doc.problem(base + (name,), f"unknown option '{name}'",
                                        did_you_mean(str(name), options) or f"options are: {', '.join(options)}"))
        else:
            problems.extend(_option_value(doc, base + (name,), value, options[name]))
    return problems


def _check_variables(library: Library, trust: Mapping[str, Any], settings: Mapping[str, Setting],
                     problems: list[Problem]) -> None:
    """Every variable of every clause that applies to a school must resolve in its settings."""
    frame = frame_source()
    frame_vars = [v for v in variables(frame) if v.path[0] in ROOTS]
    policies = list(library.policies.values())
    for setting in settings.values():
        facts = setting_facts(setting.values)
        la_key = setting.values["school"]["local_authority"]
        # Only key presence is checked, and every policy gives `policy` the same keys: so each
        # clause (in several policies) and the frame are checked once per school, not per policy.
        checked: set[str] = set()
        for policy in policies[:1]:
            ctx = clause_context(trust, setting.values, setting.local_authority,
                                 {"id": policy.id, "title": policy.title, "version": policy.version})
            for part in (p for pol in policies for p in pol.parts):
                for cid in part.clauses:
                    clause = library.clauses[cid]
                    if cid in checked or not applies(clause.conditions, facts):
                        continue
                    checked.add(cid)
                    for var in variables(clause.body):
                        if var.when and dead(var.when, ctx):
                            continue  # under an `if` this school's settings rule out: never rendered
                        gap = missing(var.path, ctx) if var.path[0] in ROOTS else None
                        if gap:
                            where, key = settings_key(gap, setting.path, la_key)
                            problems.append(Problem(
                                clause.path, clause.body_line + var.line - 1,
                                _column(clause.body.splitlines(), var), var.dotted,
                                f"not set for {setting.path} (clause {cid})",
                                f"set {key} in {where}" + ("" if where != setting.path else
                                                          " or under defaults in settings/trust.yaml")))
            for var in frame_vars:
                gap = missing(var.path, ctx)
                if gap:
                    where, key = settings_key(gap, setting.path, la_key)
                    problems.append(Problem(where, 0, 0, key, "is required by every policy document "
                                            "(cover, key people and approval block)",
                                            f"set it in {where}" + ("" if where != setting.path else
                                                                   " or under defaults in settings/trust.yaml")))


__all__ = ["validate", "frame_source", "Path"]
