"""The catalog queries the importer runs, read from `catalog.sql` (one `-- name:` section per query)."""

from __future__ import annotations

import re
from pathlib import Path

_SECTION = re.compile(r"^-- (name|uncovered): (.+)$", re.MULTILINE)
_NOT_EXT = re.compile(r"@not_ext\((\w+), ([\w.]+)\)@")


def _not_ext(catalog: str, oid: str) -> str:
    """SQL: the object `oid` of `catalog` is not a member of an extension."""
    return (f"NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend dx WHERE dx.classid = '{catalog}'::regclass "
            f"AND dx.objid = {oid} AND dx.deptype = 'e')")


def _load(text: str) -> tuple[dict[str, str], dict[str, str]]:
    """(name -> query, uncovered kind -> query) of a catalog.sql text."""
    named: dict[str, str] = {}
    uncovered: dict[str, str] = {}
    heads = list(_SECTION.finditer(text))
    for i, m in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        body = _NOT_EXT.sub(lambda x: _not_ext(x[1], x[2]), text[m.end() + 1:end].rstrip("\n"))
        if m[1] == "name":
            named[m[2]] = "\n" + body
        else:
            uncovered[m[2]] = body
    return named, uncovered


_NAMED, UNCOVERED_SQL = _load(Path(__file__).with_name("catalog.sql").read_text(encoding="utf-8"))

SCHEMAS_SQL = _NAMED["SCHEMAS_SQL"]
EXTENSIONS_SQL = _NAMED["EXTENSIONS_SQL"]
EXTENSION_USERS_SQL = _NAMED["EXTENSION_USERS_SQL"]
TYPES_SQL = _NAMED["TYPES_SQL"]
RELATIONS_SQL = _NAMED["RELATIONS_SQL"]
COLUMNS_SQL = _NAMED["COLUMNS_SQL"]
CONSTRAINTS_SQL = _NAMED["CONSTRAINTS_SQL"]
INDEXES_SQL = _NAMED["INDEXES_SQL"]
TRIGGERS_SQL = _NAMED["TRIGGERS_SQL"]
POLICIES_SQL = _NAMED["POLICIES_SQL"]
FUNCTIONS_SQL = _NAMED["FUNCTIONS_SQL"]
AGGREGATES_SQL = _NAMED["AGGREGATES_SQL"]
ACL_SQL = _NAMED["ACL_SQL"]
COLUMN_ACL_SQL = _NAMED["COLUMN_ACL_SQL"]
DEFAULT_ACL_SQL = _NAMED["DEFAULT_ACL_SQL"]
ROLES_SQL = _NAMED["ROLES_SQL"]
DEPENDS_SQL = _NAMED["DEPENDS_SQL"]
COLLATIONS_SQL = _NAMED["COLLATIONS_SQL"]
RULES_SQL = _NAMED["RULES_SQL"]
STATISTICS_SQL = _NAMED["STATISTICS_SQL"]
EVENT_TRIGGERS_SQL = _NAMED["EVENT_TRIGGERS_SQL"]
SEQUENCE_OPTIONS_SQL = _NAMED["SEQUENCE_OPTIONS_SQL"]
COMPOSITE_COLUMNS_SQL = _NAMED["COMPOSITE_COLUMNS_SQL"]
RANGES_SQL = _NAMED["RANGES_SQL"]
DOMAIN_COLLATION_SQL = _NAMED["DOMAIN_COLLATION_SQL"]
