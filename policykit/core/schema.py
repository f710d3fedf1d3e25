"""JSON Schemas for every file kind, and schema errors turned into located problems."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource

from policykit.core.yamlfile import YamlDoc, dotted
from policykit.errors import Problem, did_you_mean
from policykit.system.assets import PACKAGE

KINDS = ("clause", "policy", "library", "setting", "trust", "approval", "requirements")


def schema_dir() -> Path:
    """The shipped schemas: inside the installed package, or the repository's schemas/."""
    packaged = PACKAGE / "schemas"
    if packaged.is_dir():
        return packaged
    return PACKAGE.parent / "schemas"


@lru_cache(maxsize=None)
def _registry() -> tuple[Registry, dict[str, dict[str, Any]]]:
    schemas = {}
    registry: Registry = Registry()
    for kind in KINDS:
        schema = json.loads((schema_dir() / f"{kind}.schema.json").read_text(encoding="utf-8"))
        schemas[kind] = schema
        resource = Resource.from_contents(schema)
        registry = registry.with_resources([(schema["$id"], resource), (f"{kind}.schema.json", resource)])
    return registry, schemas


@lru_cache(maxsize=None)
def validator(kind: str) -> Draft202012Validator:
    registry, schemas = _registry()
    return Draft202012Validator(schemas[kind], registry=registry, format_checker=FormatChecker())


def check(doc: YamlDoc, kind: str, data: Any = None, base: tuple[Any, ...] = ()) -> list[Problem]:
    """Every schema problem in `doc` (or in `data` found at `base` within it)."""
    data = doc.data if data is None else data
    problems = []
    for error in validator(kind).iter_errors(data):
        problems.extend(_describe(doc, error, base))
    return problems


def _describe(doc: YamlDoc, error: ValidationError, base: tuple[Any, ...]) -> list[Problem]:
    if error.validator in ("oneOf", "anyOf") and error.context:
        error = best_match(error.context)
    path = base + tuple(error.absolute_path)
    value = error.instance
    kind = error.validator
    if kind == "additionalProperties" and isinstance(value, dict):
        allowed = list(error.schema.get("properties", {}))
        extra = [k for k in value if k not in allowed]
        return [doc.problem(path + (k,), "unknown key", did_you_mean(str(k), allowed) or
                            f"allowed here: {', '.join(allowed)}") for k in extra]
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return [doc.problem(path, f"missing required key '{missing}'")]
    if kind == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        return [doc.problem(path, f"must be {_article(expected)}, not {_typename(value)}",
                            "put quotes round it" if expected == "string" else "")]
    if kind == "enum":
        choices = [str(c) for c in error.validator_value]
        return [doc.problem(path, f"'{value}' is not one of: {', '.join(choices)}",
                            did_you_mean(str(value), choices))]
    if kind == "pattern" and error.validator_value == "\\S":
        return [doc.problem(path, "is blank (only spaces)", "write the name or text it stands for")]
    if kind == "pattern":
        return [doc.problem(path, f"'{value}' is not in the expected form", _pattern_hint(path, error))]
    if kind == "format":
        return [doc.problem(path, f"'{value}' is not a valid {error.validator_value}",
                            "write dates as YYYY-MM-DD" if error.validator_value == "date" else "")]
    if kind == "minimum":
        return [doc.problem(path, f"must be at least {error.validator_value}")]
    if kind == "maximum":
        return [doc.problem(path, f"must be at most {error.validator_value}")]
    if kind == "minLength":
        return [doc.problem(path, "must not be empty")]
    if kind == "maxLength":
        return [doc.problem(path, f"is too long (at most {error.validator_value} characters)")]
    if kind == "minItems":
        return [doc.problem(path, f"needs at least {error.validator_value} item(s)")]
    if kind == "uniqueItems":
        return [doc.problem(path, "has a repeated item")]
    if kind == "not" and error.validator_value == {"required": ["replace", "append"]}:
        return [doc.problem(path, "give either 'replace' or 'append', not both")]
    if kind == "minProperties":
        return [doc.problem(path, "is empty")]
    if kind == "propertyNames":
        return [doc.problem(path, f"bad key: {error.message}")]
    return [doc.problem(path, error.message)]


def _pattern_hint(path: tuple[Any, ...], error: ValidationError) -> str:
    name = str(path[-1]) if path else ""
    hints = {
        "urn": "six digits in quotes, e.g. \"123456\"",
        "version": "a semantic version such as 1.2.0",
        "id": "lower-case letters, digits and hyphens",
        "release": "for example 2025.1",
    }
    if len(path) >= 2 and path[-2] == "private":
        return "a dotted name of a value, e.g. people.*.email or approval.minute"
    return hints.get(name, f"must match {error.validator_value}")


def _typename(value: Any) -> str:
    if value is None:
        return "empty"
    return {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list",
            dict: "a mapping"}.get(type(value), type(value).__name__)


def _article(expected: str) -> str:
    return {"string": "text", "integer": "a whole number", "boolean": "true or false", "object": "a mapping",
            "array": "a list", "number": "a number"}.get(expected, expected)


__all__ = ["check", "schema_dir", "validator", "dotted"]
