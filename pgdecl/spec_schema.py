"""The JSON Schema of a spec file as people write it: the model's schema (pgdecl.model) widened by
the shorthands the loader accepts, so editors accept what the README teaches: `extensions: [..]`,
an enum as a list of values, `col: text`, `references: users`, `rls: true`, a single string where a
list is expected, privileges in any case."""

from __future__ import annotations

import copy
from typing import Any, Callable

# model ($defs name) -> shorthand alternatives accepted before validation
_SHORTHANDS: dict[str, list[dict[str, Any]]] = {
    "Column": [{"type": "string", "description": "Shorthand: just the SQL type, e.g. `email: text`"}],
    "Reference": [{"type": "string", "description": "Shorthand: 'table', 'table(col)' or 'schema.table(col, ...)'"}],
    "RowLevelSecurity": [{"type": "boolean", "description": "true: ENABLE ROW LEVEL SECURITY"},
                         {"const": "force", "description": "enabled and FORCE ROW LEVEL SECURITY"}],
    "Enum": [{"type": "array", "items": {"type": "string"}, "description": "Shorthand: the list of values"}],
    "PartitionBy": [{"type": "string", "pattern": r"^\s*(?i:range|list|hash)\s*\(.*\)\s*$",
                     "description": "Shorthand: range(key), list(key) or hash(key, ...)"},
                    {"type": "object", "minProperties": 1, "maxProperties": 1,
                     "propertyNames": {"enum": ["range", "list", "hash"]},
                     "description": "Shorthand: {range: [created_at]}"}],
    "Bounds": [{"type": "string", "enum": ["default", "DEFAULT"], "description": "The default partition"}],
}


def _walk(node: Any, fn: Callable[[dict[str, Any]], dict[str, Any]]) -> Any:
    if isinstance(node, dict):  # children first: what fn wraps is not visited again
        return fn({k: _walk(v, fn) for k, v in node.items()})
    if isinstance(node, list):
        return [_walk(v, fn) for v in node]
    return node


def _widen(node: dict[str, Any]) -> dict[str, Any]:
    """A list of strings also accepts one string; a list of privilege names any case."""
    if node.get("type") == "array" and isinstance(node.get("items"), dict):
        items = node["items"]
        if items.get("type") == "string" and "enum" not in items:
            return {"anyOf": [node, {"type": "string"}], **({"description": node["description"]}
                                                            if "description" in node else {})}
        if "enum" in items and all(isinstance(v, str) for v in items["enum"]):
            values = sorted({*items["enum"], *(v.upper() for v in items["enum"])})
            wide = {**node, "items": {**items, "enum": values}}
            return {"anyOf": [wide, {"type": "string", "enum": values}]}
    if "enum" in node and node.get("type") == "string" and all(isinstance(v, str) for v in node["enum"]):
        return {**node, "enum": sorted({*node["enum"], *(v.upper() for v in node["enum"])})}
    return node


def input_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of one spec file as written, shorthands included."""
    from .model import json_schema

    schema = copy.deepcopy(json_schema())
    defs = schema.get("$defs", {})
    for d in defs.values():
        d.get("properties", {}).pop("origin", None)  # set by the loader, never written
    schema.get("properties", {}).pop("origin", None)
    schema = _walk(schema, _widen)
    assert isinstance(schema, dict)  # _walk maps a dict to a dict
    defs = schema.get("$defs", {})
    for key in ("from", "to", "in"):  # bound values: SQL text, a number, or a date (a string to JSON)
        prop = defs.get("Bounds", {}).get("properties", {}).get(key)
        if prop is not None:
            value = {"type": ["string", "number"]}
            defs["Bounds"]["properties"][key] = {"anyOf": [{"type": "array", "items": value}, value, {"type": "null"}],
                                                 "description": prop.get("description", "")}
    for name, alternatives in _SHORTHANDS.items():
        if name in defs:
            full = defs[name]
            defs[name] = {"anyOf": [full, *alternatives]}
    props = schema["properties"]
    ext = props.get("extensions")
    if ext is not None:
        props["extensions"] = {"anyOf": [ext, {"type": "array", "items": {"type": "string"},
                                               "description": "Shorthand: a list of extension names"}]}
    schema["description"] = ("A pgdecl spec file (YAML). Shorthands are accepted where the README teaches them: "
                             "`col: text`, `references: users`, `rls: true`, `extensions: [pgcrypto]`, an enum "
                             "as a list of values.")
    return schema
