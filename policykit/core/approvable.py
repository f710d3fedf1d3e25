"""The text governors approve: what its fingerprint (governance/archive.content_hash) is taken of."""

from __future__ import annotations

from typing import Any

from policykit.core.resolve import DocumentPlan


def approvable_content(doc: DocumentPlan, key_people: list[dict[str, str]],
                       parts: list[dict[str, Any]]) -> dict[str, Any]:
    """The text governors approve: everything but the approval details and the layout.

    Recording an approval (or restyling the documents) therefore does not change it.
    """
    return {
        "policy": doc.policy.id, "title": doc.policy.title, "version": doc.policy.version,
        "school": doc.setting.name, "key_people": key_people,
        # a division's title is text the board approves too; only parts in one carry the key, so
        # the texts of policies without divisions keep their fingerprints
        "parts": [{"heading": str(p["heading"]), "intro": str(p["intro"]),
                   "clauses": [[c["id"], c["version"], str(c["title"]), str(c["text"])] for c in p["clauses"]],
                   **({"group": str(p["group"])} if p["group"] else {})}
                  for p in parts],
        # the policies and documents it is to be read with are approved with it (none: no key, as before)
        **({"related": list(doc.related)} if doc.related else {}),
    }
