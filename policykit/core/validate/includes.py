"""A policy's `include`s: expanded into its parts, with every loop reported once, with its chain."""

from __future__ import annotations

from dataclasses import replace
from typing import Mapping

from policykit.core.yamlfile import YamlDoc
from policykit.errors import Problem, did_you_mean
from policykit.model import Clause, Part


def _includes(doc: YamlDoc) -> list[tuple[int, str]]:
    return [(i, part["include"]) for i, part in enumerate(doc.data["parts"]) if "include" in part]


def include_loops(raw: Mapping[str, YamlDoc], problems: list[Problem]) -> set[tuple[str, int]]:
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


def expand(pid: str, raw: Mapping[str, YamlDoc], clauses: Mapping[str, Clause], problems: list[Problem] | None,
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
            # an included policy's list of related documents is its own, not the including one's
            parts.extend(replace(p, group=title)
                         for p in expand(other, raw, clauses, None, chain + (pid,), broken, known, loops)
                         if not p.related)
            continue
        if "related" in part:
            parts.append(Part(part["related"], part.get("intro", ""), (), related=True))
            continue
        for j, cid in enumerate(part["clauses"]):
            if cid not in clauses and cid not in broken and problems is not None:
                problems.append(doc.problem(("parts", i, "clauses", j), f"unknown clause '{cid}'",
                                            did_you_mean(cid, clauses)))
        parts.append(Part(part["heading"], part.get("intro", ""), tuple(c for c in part["clauses"] if c in clauses)))
    return parts
