"""Generate a synthetic trust of N schools from this repository's real library and settings.

The clause library is copied as it is; each school is derived from one of the example
schools in settings/ with its own name, URN, people, phase flags, options and local
authority, so that conditions select different clauses for different schools.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent

PLACES = ["Ashby", "Brook", "Castle", "Dale", "Elm", "Fern", "Glen", "Hazel", "Ivy", "Juniper", "Kings",
          "Lark", "Maple", "North", "Orchard", "Park", "Queens", "Rowan", "South", "Thorn", "Upton", "Vale",
          "Willow", "Yew"]
KINDS = ["Hill", "Field", "Green", "Mead", "Bridge"]
FIRST = ["Alex", "Bina", "Carys", "Dmitri", "Esme", "Farah", "Gareth", "Hana", "Idris", "Jo", "Kemi", "Liam"]
LAST = ["Adams", "Bhatt", "Cole", "Dunn", "Evans", "Fox", "Gill", "Hart", "Iqbal", "Jones", "Khan", "Lowe"]
PLATFORMS = ["Microsoft Teams", "Google Classroom", "Seesaw", "Tapestry"]


def _person(i: int, k: int, domain: str, role: str | None = None) -> dict[str, str]:
    first, last = FIRST[(i + k) % len(FIRST)], LAST[(i * 7 + k) % len(LAST)]
    person = {"name": f"{first} {last}", "email": f"{first[0].lower()}.{last.lower()}@{domain}"}
    if role:
        person["role"] = role
    return person


def school(i: int, template: dict[str, Any], authorities: list[str]) -> dict[str, Any]:
    """The i-th synthetic school, derived from one of the example schools."""
    data = copy.deepcopy(template)
    place = PLACES[i % len(PLACES)] + KINDS[(i // len(PLACES)) % len(KINDS)]
    s = data["school"]
    kind = {"early-years": "Nursery", "primary": "Primary School", "secondary": "Academy",
            "all-through": "School"}[s["phase"]]
    s["name"] = f"{place} {kind}" + (f" ({i // (len(PLACES) * len(KINDS)) + 1})" if i >= len(PLACES) * len(KINDS) else "")
    s.pop("short_name", None)
    s["urn"] = f"{200000 + i:06d}"
    s["local_authority"] = authorities[i % len(authorities)]
    domain = f"{place.lower()}{i}.example"
    s["email"] = f"office@{domain}"
    s["website"] = f"https://www.{domain}"
    if s["phase"] == "secondary":
        s["post16"] = i % 3 != 0
    if s["phase"] == "primary":
        s["eyfs"] = i % 2 == 0
    people = data.setdefault("people", {})
    people["head"] = _person(i, 0, domain)
    people["dsl"] = _person(i, 1, domain, "Designated Safeguarding Lead")
    people["deputy_dsls"] = [_person(i, 2 + k, domain, "Deputy DSL") for k in range(1 + i % 3)]
    people["online_safety_lead"] = _person(i, 5, domain, "Computing Lead")
    people["chair"] = _person(i, 6, domain)
    people["link_governor"] = _person(i, 7, domain)
    options = data.setdefault("options", {})
    options["work_phones"] = i % 2 == 1
    options["personal_devices_for_work"] = i % 4 == 0
    options["remote_learning_platform"] = PLATFORMS[i % len(PLATFORMS)]
    data.pop("adaptations", None)  # they name one real school's chaplain
    return data


def generate(root: Path, schools: int) -> Path:
    """Write a trust of `schools` schools into `root` (replacing anything there)."""
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(REPO / "clauses", root / "clauses")
    (root / "settings").mkdir(parents=True)
    trust_text = (REPO / "settings" / "trust.yaml").read_text(encoding="utf-8")
    (root / "settings" / "trust.yaml").write_text(trust_text, encoding="utf-8")
    for extra in (REPO / "settings").iterdir():  # the logo and any other asset the trust file names
        if extra.is_dir() and extra.name != "approvals":
            shutil.copytree(extra, root / "settings" / extra.name)
        elif extra.is_file() and extra.suffix not in (".yaml", ".yml"):
            shutil.copy2(extra, root / "settings" / extra.name)
    authorities = sorted(yaml.safe_load(trust_text)["local_authorities"])
    templates = [yaml.safe_load(p.read_text(encoding="utf-8"))
                 for p in sorted((REPO / "settings").glob("*.yaml")) if p.name != "trust.yaml"]
    for i in range(schools):
        data = school(i, templates[i % len(templates)], authorities)
        text = "# yaml-language-server: $schema=../schemas/setting.schema.json\n" + \
            yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
        (root / "settings" / f"school-{i:04d}.yaml").write_text(text, encoding="utf-8")
    return root
