"""Who is who in a school's documents: the key people table and the roles the frame names."""

from __future__ import annotations

from typing import Any, Mapping

from policykit.model import ROLE_LABELS, Setting


def role(role: str, setting: Setting) -> str:
    terms = setting.values.get("terminology", {})
    label = ROLE_LABELS.get(role) or terms.get({"head": "head", "chair": "chair"}[role], role)
    person = setting.values.get("people", {}).get(role)
    return f"{label} ({person['name']})" if person else label


def key_people(setting: Setting, la: Mapping[str, Any]) -> list[dict[str, str]]:
    people = setting.values.get("people", {})
    terms = setting.values.get("terminology", {})
    rows: list[dict[str, str]] = []
    # one row for each person: a head who is also the DSL is listed once, with both roles
    seen: dict[str, dict[str, str]] = {}

    def add(label: str, person: Mapping[str, Any] | None) -> None:
        if not person:
            return
        same = seen.get(str(person["name"]).strip().casefold())
        if same is not None:
            same["role"] += f" and {label}"
            for key in ("email", "phone"):
                if person.get(key) and str(person[key]) not in same["contact"]:
                    same["contact"] = "; ".join(c for c in (same["contact"], str(person[key])) if c)
            return
        name = person["name"] + (f", {person['role']}" if person.get("role") and person["role"] != label else "")
        contact = "; ".join(str(person[k]) for k in ("email", "phone") if person.get(k))
        rows.append({"role": label, "name": name, "contact": contact})
        seen[str(person["name"]).strip().casefold()] = rows[-1]

    add(str(terms.get("head", "Headteacher")), people.get("head"))
    add("Designated Safeguarding Lead", people.get("dsl"))
    for deputy in people.get("deputy_dsls", ()):
        add("Deputy Designated Safeguarding Lead", deputy)
    add("Online Safety Lead", people.get("online_safety_lead"))
    add("Data Protection Officer", people.get("dpo"))
    add(str(terms.get("chair", "Chair of Governors")), people.get("chair"))
    add("Link Governor for Online Safety", people.get("link_governor"))
    if la.get("lado"):
        add(f"Local Authority Designated Officer ({la['name']})", la["lado"])
    return rows
