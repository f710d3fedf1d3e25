"""Values a public copy has taken out of the settings: a clause that names one reads the contact words.

A public copy (core/public.py) takes each private value out of the template context, so a
clause's `{% if people.dsl.phone is defined %}` (or `{% if people.dsl.phone %}`) leaves its
sentence out. A clause that names one without asking (`{{ people.dpo.email }}`) would otherwise
stop the public build with an undefined value that the staff build never meets; it reads "the
school office" (the trust's contact words) instead. Anything else missing is still an error.
"""

from __future__ import annotations

from typing import Any

from jinja2.runtime import Undefined


class Withheld(dict):
    """A settings mapping less the keys in `withheld`, which a public copy left out."""

    def __init__(self, items: dict[str, Any], withheld: frozenset[str], contact: str):
        super().__init__(items)
        self.withheld = withheld
        self.contact = contact


class WithheldValue(Undefined):
    """A value left out of a public copy: not defined for `is defined` and `if`, and shown as the
    contact words where a clause prints it."""

    __slots__ = ("_contact",)

    def __init__(self, contact: str, name: str):
        super().__init__(name=name)
        self._contact = contact

    def __str__(self) -> str:
        return self._contact


def withheld(obj: Any, name: Any) -> WithheldValue | None:
    """The stand-in for key `name` of `obj` when a public copy took it out, else None."""
    if isinstance(obj, Withheld) and str(name) in obj.withheld:
        return WithheldValue(obj.contact, str(name))
    return None
