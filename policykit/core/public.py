"""Public copies: which settings values a school's website copy leaves out, and the values without them.

A public copy is rendered from the same plan as the staff copy, with the template context
passed through `PublicCopy.context` first: every value a private pattern names is taken out
(so a clause's `{% if people.dsl.phone is defined %}` leaves its sentence out), and any other
text that quotes a removed value has it replaced by the contact words ("the school office").
Patterns are dotted paths of the names a clause uses (`people.dsl.email`), where `*` stands for
any one key and a list's items are reached through the list's own key (`people.*.email` covers
`people.deputy_dsls[0].email`). Two names are not settings but parts of the approval block:
`approval.minute` (minute references) and `approval.recorded_by` (who recorded the decision).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any, Iterable, Iterator, Mapping

from policykit.templating.markdown import escape
from policykit.templating.withheld import Withheld

# What a school's website copy leaves out unless settings/trust.yaml says otherwise (public.private):
# staff members' direct email addresses and phone numbers (names and roles stay: a published child
# protection policy names its DSL), the trust's IT service desk and the chief executive's direct
# contacts (internal lines), and the approval block's minute references and recorder (internal
# records of the board). The school's and trust's own office contacts and the local authority's
# services (LADO, children's services) are published by their owners, so they stay.
DEFAULT_PRIVATE: tuple[str, ...] = (
    "people.*.email",
    "people.*.phone",
    "reporting.it_support.email",
    "reporting.it_support.phone",
    "trust.ceo.email",
    "trust.ceo.phone",
    "approval.minute",
    "approval.recorded_by",
)
DEFAULT_CONTACT = "the school office"
# the approval block's own fields a pattern may name (they are not settings)
APPROVAL_FIELDS = ("approval.minute", "approval.recorded_by")
# the context roots a pattern may start with (the names a clause uses)
ROOTS = ("trust", "school", "people", "reporting", "la", "terms", "options", "approval")
FOLDER = "public"  # a build's public copies go to build/public/ unless --out says otherwise


@dataclass(frozen=True)
class PublicCopy:
    """The trust's rules for its public copies (settings/trust.yaml `public`, or the defaults)."""

    private: tuple[str, ...] = DEFAULT_PRIVATE
    contact: str = DEFAULT_CONTACT

    def is_private(self, path: Iterable[str]) -> bool:
        """Whether the value at dotted `path` (list indexes left out) is private."""
        parts = tuple(path)
        return any(matches(pattern, parts) for pattern in self.private)

    @property
    def minutes(self) -> bool:
        """Whether minute references are left out."""
        return self.is_private(("approval", "minute"))

    def context(self, context: Mapping[str, Any]) -> dict[str, Any]:
        """A clause context with every private value taken out and any text quoting one of them
        given the contact words instead."""
        removed: set[str] = set()
        kept = {root: self._strip(value, (root,), removed) if root in ROOTS else value
                for root, value in context.items()}
        found = sorted((v for v in removed if v.strip()), key=len, reverse=True)
        return {root: _replace(value, found, self.contact) if root in ROOTS else value for root, value in kept.items()}

    def values(self, context: Mapping[str, Any]) -> set[str]:
        """Every private text in a clause context (what a public copy must never show)."""
        removed: set[str] = set()
        for root in ROOTS:
            if root in context:
                self._strip(context[root], (root,), removed)
        return {v for v in removed if v.strip()}

    def _strip(self, value: Any, path: tuple[str, ...], removed: set[str]) -> Any:
        if isinstance(value, Mapping):
            out, gone = {}, set()
            for key, item in value.items():
                here = (*path, str(key))
                if self.is_private(here):
                    removed.update(_texts(item))
                    gone.add(str(key))
                else:
                    out[key] = self._strip(item, here, removed)
            # a clause naming a value left out without asking reads the contact words (templating/withheld.py)
            return Withheld(out, frozenset(gone), self.contact) if gone else out
        if isinstance(value, (list, tuple)):
            return [self._strip(item, path, removed) for item in value]
        return value


    def note(self, public_context: Mapping[str, Any]) -> str:
        """What the About table says of a public copy, with the school's office contacts (if public):
        from the context `context()` made."""
        school = public_context.get("school", {})
        office = "; ".join(str(school[k]) for k in ("phone", "email") if school.get(k))
        return (f"Public copy for the school's website: staff contact details and internal references are "
                f"left out. Contact {self.contact}" + (f" ({office})" if office else "") + ".")

    def archived(self, markdown: str, context: Mapping[str, Any], minutes: Iterable[str],
                 recorders: Iterable[str]) -> str:
        """The public copy of a version in force, made from the document its approval archived
        (Markdown, staff copy): it cannot be rendered again, so the private values are taken out
        of its text. Those are this school's private values now, the minute references and
        recorders of its approvals, and every email address and phone number its key people
        table gave that is not one of the school's public values now (a DSL since replaced)."""
        private = self.values(context)
        public = {v for v in _texts({r: context[r] for r in ROOTS if r in context}) if v.strip()} - private
        text = markdown
        if self.minutes:
            text = _MINUTE_NOTE.sub("", text)
            text = _MINUTE_CELL.sub(" |", text)
        hidden = set(private)
        if self.minutes:
            hidden.update(m for m in minutes if m.strip())
        if self.is_private(("approval", "recorded_by")):
            hidden.update(r for r in recorders if r.strip())
        # the contacts its key people table gave when it was approved (someone since replaced, say)
        hidden.update(found for cell in _contact_cells(text) for pattern in (_EMAILS, _PHONES)
                      for found in pattern.findall(cell) if found not in public)
        text = replace_values(text, hidden, self.contact)
        text = _people_cells(text, self.contact)
        row = "| This copy | " + escape(self.note(self.context(context))) + " |"
        return re.sub(r"^(\| Text fingerprint \|[^\n]*\n)", lambda m: m.group(1) + row + "\n", text, count=1,
                      flags=re.M)


# "(minute OAK/LAC/25/07)" in the approval block, ", minute ..." in the document control table
_MINUTE_NOTE = re.compile(r" \(minute [^)\n]*\)")
_MINUTE_CELL = re.compile(r", minute [^|\n]*\|")
_EMAILS = re.compile(r"[A-Za-z0-9_%+.-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+", re.ASCII)
_PHONES = re.compile(r"(?<![\w.])\+?[0-9][0-9 ]{8,}[0-9](?![\w.])", re.ASCII)


def _lines(markdown: str) -> Iterator[tuple[str, list[str] | None]]:
    """Each line of a document, with its cells (person, role, contact) when it is a row of the key
    people table."""
    inside = False
    for line in markdown.split("\n"):
        cells = None
        if line.startswith("## Key people"):
            inside = True
        elif line.startswith("#"):
            inside = False
        elif inside and line.startswith("| ") and line.endswith(" |"):
            cells = line[2:-2].split(" | ")
        yield line, cells if cells is not None and len(cells) == 3 else None


def _contact_cells(markdown: str) -> list[str]:
    """The contact cells of a document's key people table."""
    return [cells[2] for _, cells in _lines(markdown) if cells]


def _people_cells(markdown: str, contact: str) -> str:
    """The key people table's contact cells once their values were replaced: "Through the
    school office" for a cell left with nothing but the contact words."""
    out = []
    for line, cells in _lines(markdown):
        if cells:
            rest = [c.strip() for c in cells[2].split(";") if c.strip() and c.strip() != contact]
            left = "; ".join(dict.fromkeys(rest))
            cells[2] = left if left else f"Through {contact}"
            line = "| " + " | ".join(cells) + " |"
        out.append(line)
    return "\n".join(out)


def matches(pattern: str, path: tuple[str, ...]) -> bool:
    """Whether a dotted pattern (`*`: any one key) names `path`."""
    parts = pattern.split(".")
    return len(parts) == len(path) and all(fnmatchcase(p, w) for p, w in zip(path, parts))


def public_copy(trust: Mapping[str, Any]) -> PublicCopy:
    """The trust's rules (settings/trust.yaml `public`), the defaults where it gives none."""
    given = trust.get("public") or {}
    private = given.get("private")
    return PublicCopy(private=tuple(str(p) for p in private) if private is not None else DEFAULT_PRIVATE,
                      contact=str(given.get("contact") or DEFAULT_CONTACT))


def _texts(value: Any) -> list[str]:
    if isinstance(value, Mapping):
        return [t for item in value.values() for t in _texts(item)]
    if isinstance(value, (list, tuple)):
        return [t for item in value for t in _texts(item)]
    return [str(value)] if isinstance(value, (str, int, float)) and not isinstance(value, bool) else []


def _replace(value: Any, found: list[str], contact: str) -> Any:
    if isinstance(value, Withheld):
        return Withheld({k: _replace(v, found, contact) for k, v in value.items()}, value.withheld, value.contact)
    if isinstance(value, Mapping):
        return {k: _replace(v, found, contact) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, found, contact) for v in value]
    if isinstance(value, str):
        value = replace_values(value, found, contact)
    return value


def replace_values(text: str, values: Iterable[str], contact: str) -> str:
    """`text` with each of `values` that stands as a whole (not inside a longer word or number)
    replaced by the contact words, the longest first."""
    for value in sorted(values, key=len, reverse=True):
        if value in text:
            text = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", lambda _: contact, text)
    return text
