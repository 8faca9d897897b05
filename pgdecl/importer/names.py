"""Identifiers and names as SQL and as the spec writes them."""

from __future__ import annotations

import re
from typing import Iterable

from ..quoting import ident, literal as literal

quote_ident = ident  # the importer's name for pgdecl's quoting




# -- pure helpers ---------------------------------------------------------------------------------------

def qualified(schema: str, name: str) -> str:
    return f"{quote_ident(schema)}.{quote_ident(name)}"


def public_relative(schema: str, name: str) -> str:
    """Names that pgdecl resolves against `public` (trigger functions, owned_by, references): bare in public."""
    return name if schema == "public" else f"{schema}.{name}"


def schema_file_name(schema: str, taken: Iterable[str] = ()) -> str:
    """`10_<schema>.yaml` with the schema name made file-system safe; a short hash tells apart names that
    sanitise alike."""
    import hashlib

    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", schema).strip("_") or "schema"
    name = f"10_{safe}.yaml"
    if safe != schema or name in set(taken):
        name = f"10_{safe}_{hashlib.sha1(schema.encode()).hexdigest()[:6]}.yaml"
    return name



def index_column(name: str) -> str:
    """An index column as the spec writes it: the bare name, quoted only where pgdecl would otherwise read it as
    an expression (spaces, parentheses, commas, colons)."""
    if re.search(r"[\s(),:]", name) or name.startswith('"'):
        return '"' + name.replace('"', '""') + '"'
    return name


_TYPE_ALIASES = (
    (re.compile(r"^timestamp(\(\d+\))? with time zone"), r"timestamptz\1"),
    (re.compile(r"^timestamp(\(\d+\))? without time zone"), r"timestamp\1"),
    (re.compile(r"^time(\(\d+\))? with time zone"), r"timetz\1"),
    (re.compile(r"^time(\(\d+\))? without time zone"), r"time\1"),
    (re.compile(r"^character varying"), "varchar"),
)


def short_type(type_: str) -> str:
    """format_type's long names in their common short form: `timestamp with time zone` -> `timestamptz`."""
    for rx, repl in _TYPE_ALIASES:
        type_ = rx.sub(repl, type_)
    return type_


# -- what the importer makes ------------------------------------------------------------------------------

def _odd_name(name: str) -> bool:
    return "." in name or '"' in name


def _grantee(name: str) -> str:
    return "PUBLIC" if name == "PUBLIC" else quote_ident(name)


def _yaml_role(name: str) -> str:
    return "public" if name == "PUBLIC" else name
