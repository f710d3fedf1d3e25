"""Names, email addresses and phone numbers in imported text that settings could supply instead.

Nothing is replaced: a school's name typed into a Word policy is listed, with the template
variable that would give each school its own (`{{ school.name }}`), for a person to decide.
The trust's own settings are looked for first (every school's name, every person's name, email
and phone, the trust's and local authorities' contacts), then patterns: email addresses, UK phone
numbers, 'Mrs J Smith', 'Headteacher: ...', and names ending in School, Academy, College or Nursery.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from policykit.core.yamlfile import leaves

_FIELDS = ("name", "short_name", "email", "phone")
_ROOTS = {"school": "school", "people": "people", "terminology": "terms", "reporting": "reporting"}

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?<![\w+])(?:\+44\s?(?:\(0\)\s?)?|\(?0)\d{2,4}\)?(?:[\s-]?\d){6,8}(?!\d)")
_TITLE = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Revd|Rev)\.?"
PERSON = re.compile(r"\b" + _TITLE + r"\s+(?:[A-Z]\.?\s+){0,3}[A-Z][A-Za-z'\u2019-]+")
_ROLE_WORDS = {
    "head": r"Executive Headteacher|Headteacher|Head teacher|Head of School|Principal",
    "dsl": r"Designated Safeguarding Lead|DSL",
    "dpo": r"Data Protection Officer|DPO",
    "online_safety_lead": r"Online Safety Lead|E-?Safety Lead",
    "chair": r"Chair of (?:the )?(?:Governors|Governing Body|Local Governing Body|Trustees)",
}
ROLE = re.compile(r"\b(?P<role>" + "|".join(f"(?P<{k}>{v})" for k, v in _ROLE_WORDS.items())
                  + r")\s*(?:is|[:\u2013\u2014-])\s*(?P<name>(?:" + _TITLE
                  + r"\s+)?(?:[A-Z]\.?\s+){0,3}[A-Z][A-Za-z'\u2019-]+(?:\s+[A-Z][A-Za-z'\u2019-]+)?)")
_WORD = r"[A-Z][A-Za-z'\u2019.-]*"
SCHOOL = re.compile(r"\b(?P<name>(?:" + _WORD + r"\s+(?:(?:of|the|and|&|on|upon)\s+)?){1,5}"
                    r"(?:C of E |CE |RC |Catholic |Church of England )?"
                    r"(?:Primary School|Junior School|Infant School|Nursery School|High School|Secondary School|"
                    r"Grammar School|School|Academy|College|Nursery|Learning Trust|Academy Trust|Trust))\b")
_NOT_A_NAME = {"The", "This", "That", "Our", "Each", "Every", "A", "An", "Whole", "Local", "Any", "All", "Your",
               "Multi", "Multi-Academy", "Our", "Other", "Another", "Schools", "Trust", "Academy", "School",
               "Within", "At", "In", "If", "When", "Where", "For", "From", "By", "To", "On"}


@dataclass(frozen=True)
class Candidate:
    """Text in a clause that a settings value could give: where it is, and what could give it."""

    path: str  # clauses/<section>/<id>.md
    line: int
    text: str
    variable: str  # "{{ school.name }}", or a phrase when no one variable fits
    reason: str
    column: int = 0

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" + (f":{self.column}" if self.column else "")
        return f"{where}: '{self.text}' could be {self.variable} ({self.reason})"


@dataclass(frozen=True)
class Known:
    """A value the trust's settings hold, and the variable a clause names it by."""

    value: str
    variable: str
    where: str  # "school.name in settings/oakfield.yaml"


def known_values(settings: Iterable[tuple[str, Any]]) -> list[Known]:
    """Every name, email and phone number settings files hold (shown path, data), longest first."""
    found: dict[str, Known] = {}
    for shown, data in settings:
        if not isinstance(data, Mapping):
            continue
        trust_file = shown.endswith("trust.yaml")
        for path, value in leaves(data):
            if not isinstance(value, str) or len(value.strip()) < 4 or str(path[-1]) not in _FIELDS:
                continue
            variable, text = _variable(path, trust_file), value.strip()
            if variable and text not in found:
                found[text] = Known(text, "{{ " + variable + " }}", f"{'.'.join(str(p) for p in path)} in {shown}")
    return sorted(found.values(), key=lambda k: (-len(k.value), k.value))


def _variable(path: tuple[Any, ...], trust_file: bool) -> str:
    if trust_file:
        if path[0] == "trust":
            return _dotted(path)
        if path[0] == "local_authorities" and len(path) > 2:
            return _dotted(("la", *path[2:]))
        if path[0] == "defaults" and len(path) > 2:
            path = path[1:]
        else:
            return ""
    root = _ROOTS.get(str(path[0]))
    return _dotted((root, *path[1:])) if root else ""


def _dotted(path: Sequence[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def find(path: str, first_line: int, body: str, known: Sequence[Known]) -> list[Candidate]:
    """The candidates in a clause body whose first line is line `first_line` of the file at `path`."""
    out: list[Candidate] = []
    for i, line in enumerate(body.splitlines()):
        taken: dict[tuple[int, int], Candidate] = {}

        def add(start: int, end: int, variable: str, reason: str, wider: bool = False) -> None:
            """A candidate, unless it overlaps one found already; with `wider`, it takes the place of
            those it holds (a school's full name round the short name settings gave)."""
            text = line[start:end].strip()
            inside = [span for span in taken if start <= span[0] and span[1] <= end and span != (start, end)]
            if wider and inside:
                reason += " (" + "; ".join(f"'{taken[s].text}' is {taken[s].reason}" for s in inside) + ")"
                for span in inside:
                    del taken[span]
            if any(text == c.text for c in taken.values()) or any(s < end and start < e for s, e in taken):
                return
            taken[(start, end)] = Candidate(path, first_line + i, text, variable, reason, start + 1)

        for item in known:
            for match in re.finditer(r"(?<!\w)" + re.escape(item.value) + r"(?!\w)", line):
                add(match.start(), match.end(), item.variable, item.where)
        for match in ROLE.finditer(line):
            role = next(k for k in _ROLE_WORDS if match.group(k))
            add(match.start("name"), match.end("name"), "{{ people." + role + ".name }}",
                f"the {match.group('role')} named in the text; who('{role}') names them in a sentence")
        for match in PERSON.finditer(line):
            add(match.start(), match.end(), "a name from settings (people.<role>.name, or who('<role>'))",
                "a person's name")
        for match in EMAIL.finditer(line):
            add(match.start(), match.end(), "{{ people.<role>.email }} or another email in settings",
                "an email address")
        for match in PHONE.finditer(line):
            add(match.start(), match.end(), "{{ people.<role>.phone }} or another phone number in settings",
                "a phone number")
        for match in SCHOOL.finditer(line):
            start, name = match.start("name"), match.group("name")
            words = name.split()
            while words and words[0] in _NOT_A_NAME:
                start += len(line[start:]) - len(line[start:].removeprefix(words[0]).lstrip())
                words = words[1:]
            if len(words) < 2:
                continue
            trust = words[-1] == "Trust"
            add(start, match.end("name"), "{{ trust.name }}" if trust else "{{ school.name }}",
                "the name of a trust" if trust else "the name of a school", wider=True)
        out.extend(taken.values())
    return sorted(out, key=lambda c: (c.path, c.line, c.column))
