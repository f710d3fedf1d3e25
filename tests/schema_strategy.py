"""Hypothesis strategies from the project's own JSON Schemas (the subset they use).

hypothesis-jsonschema does this in general but lags behind Hypothesis's internals; our
schemas use few keywords, so a small builder keeps the tests independent of it.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)


def from_schema(schema: dict[str, Any], root: dict[str, Any] | None = None, depth: int = 0) -> st.SearchStrategy:
    """Values valid against `schema` (refs resolved within `root`), with optional keys sometimes left out."""
    root = root or schema
    if "$ref" in schema:
        ref = schema["$ref"]
        assert ref.startswith("#/"), ref
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part]
        return from_schema(target, root, depth + 1)
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of(*(from_schema({**schema, "type": k}, root, depth) for k in kind))
    if kind == "string":
        if "pattern" in schema:
            return st.from_regex(schema["pattern"], fullmatch=True)
        return st.text(st.characters(blacklist_categories=("Cs",)), min_size=schema.get("minLength", 0),
                       max_size=min(schema.get("maxLength", 60), 60))
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers(schema.get("minimum", -1000), schema.get("maximum", 1000))
    if kind == "array":
        return st.lists(from_schema(schema["items"], root, depth + 1), min_size=schema.get("minItems", 0),
                        max_size=3, unique_by=(lambda v: repr(v)) if schema.get("uniqueItems") else None)
    if kind == "object":
        props = schema.get("properties", {})
        required = set(schema.get("required", ()))
        fixed = {k: from_schema(v, root, depth + 1) for k, v in props.items() if k in required}
        optional = {k: from_schema(v, root, depth + 1) for k, v in props.items() if k not in required}
        extra = schema.get("additionalProperties")
        base = st.fixed_dictionaries(fixed, optional=optional)
        if isinstance(extra, dict) and depth < 4:
            names = st.from_regex(schema.get("propertyNames", {}).get("pattern", r"^[a-z]{1,8}$"), fullmatch=True)
            more = st.dictionaries(names, from_schema(extra, root, depth + 1), max_size=2)
            return st.tuples(base, more).map(lambda pair: {**pair[1], **pair[0]})
        return base
    return st.none()
