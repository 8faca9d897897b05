"""Kinds the plan engine compares (pgdecl.engine.kinds) that the spec format has no keys for: imported as
the statements their own comparer writes to make them from nothing, as raw SQL units of the reader. Each
kind is narrowed to what an import of chosen schemas takes."""

from __future__ import annotations

import importlib
import re
from typing import Any, Callable

from .result import RawItem

Data = dict[str, Any]


def _in_schemas(reader: Any, qualified_name: str) -> bool:
    """Whether a quoted `schema.name` is in an imported schema."""
    m = re.match(r'("(?:[^"]|"")*"|[^."]+)\.', qualified_name)
    schema = m.group(1) if m else ""
    return (schema[1:-1].replace('""', '"') if schema.startswith('"') else schema) in reader.schemas


def _text_search(reader: Any, data: Data) -> Data:
    return {section: {n: v for n, v in objects.items() if _in_schemas(reader, n)} for section, objects in data.items()}


def _operators(reader: Any, data: Data) -> Data:
    return {n: o for n, o in data.items() if _in_schemas(reader, n)}


def _casts(reader: Any, data: Data) -> Data:
    """Casts belong to no schema: imported with the whole database only."""
    if reader.wanted and data:
        reader.skipped += [RawItem("cast", n, "casts belong to the whole database: import it without "
                                              "choosing schemas to take them") for n in sorted(data)]
        return {}
    return data


def _foreign(reader: Any, data: Data) -> Data:
    """Foreign tables of the imported schemas, and the servers and user mappings: all of them, or with
    schemas chosen those the tables use. A mapping's password is never read: noted."""
    tables = {n: t for n, t in data.get("tables", {}).items() if _in_schemas(reader, n)}
    servers = data.get("servers", {})
    if reader.wanted:
        servers = {n: s for n, s in servers.items() if n in {t["server"] for t in tables.values()}}
    mappings = {k: m for k, m in data.get("mappings", {}).items() if k.split(" SERVER ", 1)[1] in servers}
    if mappings:
        reader.notes.append(f"{len(mappings)} user mapping(s) imported without their password: pgdecl never reads "
                            "it; set it outside pgdecl (ALTER USER MAPPING ... OPTIONS (ADD password '...'))")
    return {"servers": servers, "mappings": mappings, "tables": tables}


def _publications(reader: Any, data: Data) -> Data:
    """The publications of the imported schemas' tables (all of them when no schema is chosen)."""
    if not reader.wanted:
        return data
    return {n: p for n, p in data.items() if not p["all_tables"]
            and all(_in_schemas(reader, t[0]) for t in p["tables"]) and all(s in reader.schemas for s in p["schemas"])}


# kind module, label, phase among raw statements, and what an import takes of its data
RAW_KINDS: tuple[tuple[str, str, int, Callable[[Any, Data], Data]], ...] = (
    ("text_search", "text search objects", 1, _text_search),
    ("operators", "operator", 2, _operators),
    ("casts", "cast", 3, _casts),
    ("foreign", "foreign server, user mapping or foreign table", 4, _foreign),
    ("publications", "publication", 12, _publications),
)


def _names(data: Data) -> list[str]:
    if all(isinstance(v, dict) and all(isinstance(x, dict) for x in v.values()) for v in data.values()):
        return sorted(n for v in data.values() for n in v)  # sections of named objects
    return sorted(data)


def raw_kinds(reader: Any) -> None:
    """One raw unit per kind with anything to import, holding its CREATE statements."""
    for i, (name, label, phase, only) in enumerate(RAW_KINDS):
        module = importlib.import_module(f"pgdecl.engine.kinds.{name}")
        data = only(reader, module.read(reader.conn))
        statements = module.compare({}, data, [])
        if statements:
            u = reader.unit(("kind", i), label, ", ".join(_names(data)), phase, statements=statements)
            u.raw = "the spec format has no keys for them"
