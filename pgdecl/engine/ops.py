"""Typed operations: one DDL statement with what it is about, what it needs and provides, its phase,
hazards and lock level. Built once where SQL enters the plan (`pgdecl.engine.describe`); every later
stage reads and replaces operations instead of re-parsing text."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from ..hazards import Hazard

PRE, MAIN, POST = "pre", "main", "post"

# actions
CREATE, ALTER, DROP, REPLACE, RENAME, GRANT, REVOKE, COMMENT, SET, OTHER = (
    "create", "alter", "drop", "replace", "rename", "grant", "revoke", "comment", "set", "other")

# object kinds of an ObjectId: relations (tables, views, sequences, indexes) share pg_class's
# namespace; a column is `table.column`, a constraint, trigger or policy `table.name`
RELATION, COLUMN, TYPE, FUNCTION, CONSTRAINT, TRIGGER, POLICY, SCHEMA, EXTENSION, KEY, ROLE = (
    "relation", "column", "type", "function", "constraint", "trigger", "policy", "schema", "extension",
    "key", "role")
# what fills a column when a row gives no value: a default, an identity or a generation expression;
# the one there must go before another comes (`table.column`)
VALUE_SOURCE = "value_source"
# a table's set of columns: a partition is attached (or a child inherits) once both tables' columns
# are as the plan leaves them
COLUMNS = "columns"
# the default privileges in a schema (named by it; "*" for every schema): set once the plan has created what it
# creates there (new objects are planned from the live defaults)
DEFAULT_ACL = "default_acl"
# a name written as a string ('english_nostop', nextval('orders_seq')): objects named that way provide it
LITERAL = "literal"

# lock levels a statement takes on the object it changes (PostgreSQL's names)
ACCESS_EXCLUSIVE = "ACCESS EXCLUSIVE"
SHARE = "SHARE"
SHARE_ROW_EXCLUSIVE = "SHARE ROW EXCLUSIVE"
SHARE_UPDATE_EXCLUSIVE = "SHARE UPDATE EXCLUSIVE"
NO_LOCK = ""


@dataclass(frozen=True, order=True)
class ObjectId:
    """Identity of a database object as the plan knows it."""

    kind: str
    schema: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind} {self.schema + '.' if self.schema else ''}{self.name}"


@dataclass(frozen=True)
class Operation:
    """One step of a plan. `needs`: objects that must exist before it runs; `provides`: objects it
    creates; `removes`: objects it drops; `touches`: objects it changes in place (an ALTER of a column,
    a CREATE OR REPLACE). Order comes from these and the catalogs' dependency graph."""

    sql: str
    action: str = OTHER
    obj: ObjectId | None = None
    needs: frozenset[ObjectId] = frozenset()
    provides: frozenset[ObjectId] = frozenset()
    removes: frozenset[ObjectId] = frozenset()
    touches: frozenset[ObjectId] = frozenset()
    phase: str = MAIN
    hazards: tuple[Hazard, ...] = ()
    lock: str = NO_LOCK
    origin: str | None = None     # spec file:line when known
    source: str = "diff"          # diff, roles, renames, ...
    notes: tuple[str, ...] = field(default=())

    def replace(self, **changes: Any) -> "Operation":
        """A copy with some fields changed (operations are immutable)."""
        return dataclasses.replace(self, **changes)

    @property
    def transactional(self) -> bool:
        return self.phase == MAIN

    def __str__(self) -> str:
        return self.sql
