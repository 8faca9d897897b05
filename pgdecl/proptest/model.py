"""What `pgdecl test` works with: the tables of the specs typed by the catalog (`Tab`, `Col`, `Check`,
`Key`, `FKey`), one try at inserting a row (`Attempt`), a database error (`Err`), and the literal and
display helpers the proofs share."""

from __future__ import annotations

from typing import Any

import re
from dataclasses import dataclass, field

import psycopg

from ..model import Table, split_name
from ..quoting import literal
from ..render import qname
from .values import TypeInfo


class _Default:
    """The column default: the column is left out of the INSERT."""

    def __repr__(self) -> str:
        return "DEFAULT"


DEFAULT = _Default()
ORDERING = re.compile(r"\s+(ASC|DESC|NULLS\s+(FIRST|LAST))(\s.*)?$", re.IGNORECASE)
NAMED_CONSTRAINTS = {"check", "unique", "primary key", "unique index", "foreign key", "on delete"}
MAX_ATTEMPTS = 12
MAX_DEPTH = 3
PAIR_OPTIONS = 12


@dataclass(frozen=True)
class Err:
    sqlstate: str
    constraint: str | None
    schema: str | None
    table: str | None
    column: str | None
    message: str

    @classmethod
    def of(cls, e: psycopg.Error) -> Err:
        d = e.diag
        return cls(e.sqlstate or "", d.constraint_name, d.schema_name, d.table_name, d.column_name,
                   (d.message_primary or str(e)).strip())

    def text(self) -> str:
        return f"{self.message} ({self.sqlstate})"


SKIPPED = Err("", None, None, None, None, "a BEFORE trigger skipped the row (returned NULL)")


@dataclass
class Col:
    name: str
    type: TypeInfo
    notnull: bool                  # NOT NULL in the specs (or the primary key)
    default: str | None            # default expression (catalog)
    generated: str | None          # generation expression (catalog)
    identity: str                  # '', 'a' (always), 'd' (by default)
    candidates: list[str] = field(default_factory=list)
    fk_values: list[str] = field(default_factory=list)   # values of the parents' base rows

    @property
    def writable(self) -> bool:
        return not self.generated


@dataclass
class Check:
    name: str
    expr: str
    columns: list[str]
    origin: str | None
    missing: list[str] = field(default_factory=list)  # columns of the specs it reads that the database lacks


@dataclass
class Key:
    kind: str                      # primary key, unique, unique index
    name: str
    columns: list[str]             # columns whose values make two rows duplicates
    nulls_not_distinct: bool
    where: str | None
    origin: str | None


@dataclass
class FKey:
    name: str
    columns: list[str]
    parent: str
    refcolumns: list[str]
    origin: str | None
    on_delete: str = "no action"


@dataclass
class Tab:
    name: str
    spec: Table
    cols: dict[str, Col]
    checks: list[Check]
    keys: list[Key]
    fks: list[FKey]
    defaults: dict[str, str | None] = field(default_factory=dict)
    db_names: set[str] = field(default_factory=set)
    triggers: list[str] = field(default_factory=list)        # user triggers (catalog)
    before_insert: list[str] = field(default_factory=list)   # BEFORE INSERT ... FOR EACH ROW ones
    base_assign: dict[str, Any] | None = None
    base_row: dict[str, Any] | None = None
    base_reason: str | None = None

    @property
    def schema(self) -> str:
        return split_name(self.name)[0]

    @property
    def bare(self) -> str:
        return split_name(self.name)[1]

    @property
    def sql(self) -> str:
        return qname(self.name)


@dataclass
class Attempt:
    outcome: str                   # accepted, rejected, unsat
    assign: dict[str, Any] = field(default_factory=dict)
    stored: dict[str, Any] | None = None
    error: Err | None = None
    reason: str = ""
    first: dict[str, Any] | None = None      # unique tests: the first row
    expected: bool = False         # rejected with the error the caller expected
    triggers_off: bool = False     # made with the table's own triggers disabled


def lit(v: str) -> str:
    """`v` as an SQL string literal."""
    return literal(v)


def show(v: object) -> str | None:
    """A value as reported: None for NULL, `(default)` for the column default."""
    return None if v is None else "(default)" if v is DEFAULT else str(v)


def origin_of(o: object) -> str | None:
    """`file:line` of a spec origin."""
    return str(o).split(": ", 1)[0] if o is not None else None



def values_of(values: dict[str, Any] | None) -> str:
    """`col='value', ...` for a detail line (long values cut)."""
    def one(v: object) -> str:
        s = show(v)
        if s is None:
            return "NULL"
        return repr(s) if len(s) <= 40 else repr(s[:37] + "...")
    return ", ".join(f"{k}={one(v)}" for k, v in (values or {}).items())

