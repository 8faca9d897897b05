"""The frozen, typed model between YAML specs and SQL.

Each YAML file validates into a `SpecFile`; files merge into one `Project`. Objects carry an
`origin` (file, line, name) that is excluded from comparisons and from the fingerprint.
`Project.fingerprint()` is a stable hash of the normalised model.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic.json_schema import SkipJsonSchema

from .errors import Origin
from .partition_model import Bounds, PartitionBy

FkAction = Literal["no action", "restrict", "cascade", "set null", "set default"]
Privilege = Literal[
    "select", "insert", "update", "delete", "truncate", "references", "trigger",
    "usage", "create", "execute", "connect", "temporary", "all",
]


def _lower(v: Any) -> Any:
    return v.lower().strip() if isinstance(v, str) else v


def _str_list(v: Any) -> Any:
    return [v] if isinstance(v, str) else v


def _lower_list(v: Any) -> Any:
    v = _str_list(v)
    return [x.lower().strip() if isinstance(x, str) else x for x in v] if isinstance(v, list) else v


_ROLE_KEYWORDS = ("public", "current_user", "session_user", "current_role")


def _role_list(v: Any) -> Any:
    """Role names as written (PostgreSQL role names are case-sensitive: `AppRole` is "AppRole"); only the
    keywords PUBLIC, CURRENT_USER, SESSION_USER and CURRENT_ROLE are case-insensitive."""
    v = _str_list(v)
    if not isinstance(v, list):
        return v
    return [x.strip().lower() if isinstance(x, str) and x.strip().lower() in _ROLE_KEYWORDS else x for x in v]


LowerList = Annotated[list[str], BeforeValidator(_lower_list)]
RoleList = Annotated[list[str], BeforeValidator(_role_list)]
StrList = Annotated[list[str], BeforeValidator(_str_list)]
Grants = dict[str, Annotated[list[Privilege], BeforeValidator(_lower_list)]]
ColumnPrivilege = Literal["select", "insert", "update", "references"]
ColumnGrants = dict[str, Annotated[list[ColumnPrivilege], BeforeValidator(_lower_list)]]


class Node(BaseModel):
    """Base of every model object: frozen, no unknown keys, an origin that is not compared."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, defer_build=True)

    origin: Origin | None = Field(default=None, exclude=True, repr=False)

    def __eq__(self, other: object) -> bool:  # origins never make two objects differ
        if type(other) is not type(self):
            return NotImplemented
        return self.model_dump() == other.model_dump()  # type: ignore[union-attr]

    __hash__ = None  # type: ignore[assignment]


class Lint(Node):
    """Lint silences of one object (`pgdecl lint`); not part of the schema, so not in the fingerprint."""

    ignore: dict[str, str | None] = Field(
        default_factory=dict,
        description="Rule code -> why it does not apply here, e.g. {PD001: 'looked up by the (a, b) index'}",
    )


LintField = Field(None, exclude=True, description="Silence lint rules: {ignore: {PD001: 'reason'}}")
OwnerField = Field(None, description="Role that owns it (ALTER ... OWNER TO); unset: the role that applies the specs")


class Reference(Node):
    """The target of a foreign key."""

    table: str = Field(description="Referenced table, optionally schema-qualified")
    columns: StrList = Field(default_factory=list, description="Referenced columns; empty means its primary key")

    @model_validator(mode="before")
    @classmethod
    def _short(cls, v: Any) -> Any:
        # "users" or "users(id)" or "auth.users(id, tenant_id)"
        if isinstance(v, str):
            s = v.strip()
            if s.endswith(")") and "(" in s:
                t, cols = s[:-1].split("(", 1)
                return {"table": t.strip(), "columns": [c.strip() for c in cols.split(",") if c.strip()]}
            return {"table": s}
        return v


class Column(Node):
    type: str = Field(description="SQL type, e.g. text, numeric(12,2), timestamptz, an enum name")
    nullable: bool = Field(True, description="false adds NOT NULL (primary key columns are never null)")
    default: str | None = Field(None, description="Default as one SQL expression, e.g. now() or 'active'")
    identity: Literal["always", "by default"] | None = Field(None, description="GENERATED ... AS IDENTITY")
    generated: str | None = Field(None, description="GENERATED ALWAYS AS (expression) STORED")
    primary_key: bool = False
    unique: bool = False
    references: Reference | None = Field(None, description="Single-column foreign key: 'table' or 'table(column)'")
    on_delete: FkAction | None = None
    on_update: FkAction | None = None
    check: str | None = Field(None, description="A column CHECK as one boolean expression")
    collation: str | None = None
    comment: str | None = None
    renamed_from: str | None = Field(None, description="Old name of this column: rename instead of drop + add")
    grants: ColumnGrants = Field(
        default_factory=dict,
        description="Column privileges, role -> privileges (select, insert, update, references): "
                    "GRANT UPDATE (column) ON TABLE ... TO role, on top of the table's grants")
    lint: Lint | None = LintField

    @model_validator(mode="before")
    @classmethod
    def _short(cls, v: Any) -> Any:
        return {"type": v} if isinstance(v, str) else v

    _lowered = model_validator(mode="before")(lambda cls, v: _lower_actions(v))


def _lower_actions(v: Any) -> Any:
    if isinstance(v, dict):
        for k in ("on_delete", "on_update", "identity"):
            text = v.get(k)
            if isinstance(text, str):
                lowered = text.lower().replace("_", " ").strip()
                if lowered != text:  # a copy only then: most are written as they are read
                    v = {**v, k: lowered}
    return v


class ForeignKey(Node):
    columns: StrList
    references: Reference
    on_delete: FkAction = "no action"
    on_update: FkAction = "no action"
    name: str | None = None
    deferrable: bool = False
    initially_deferred: bool = False
    lint: Lint | None = LintField

    _lowered = model_validator(mode="before")(lambda cls, v: _lower_actions(v))


class Unique(Node):
    columns: StrList
    name: str | None = None
    nulls_not_distinct: bool = Field(False, description="NULLS NOT DISTINCT (PostgreSQL 15+)")
    lint: Lint | None = LintField


def _lowering(key: str) -> Any:
    """A before-validator lowering the string under `key` (`using: GIN` reads as gin)."""
    return model_validator(mode="before")(
        lambda cls, v: {**v, key: v[key].lower()} if isinstance(v, dict) and isinstance(v.get(key), str) else v)


class Index(Node):
    columns: StrList = Field(description="Column names or expressions, each optionally with DESC/opclass")
    name: str | None = None
    unique: bool = False
    using: Literal["btree", "hash", "gin", "gist", "brin", "spgist"] = "btree"
    include: StrList = Field(default_factory=list)
    where: str | None = Field(None, description="Partial index predicate")
    nulls_not_distinct: bool = False
    comment: str | None = None
    lint: Lint | None = LintField

    _lowered = _lowering("using")


class RowLevelSecurity(Node):
    enabled: bool = True
    force: bool = False

    @model_validator(mode="before")
    @classmethod
    def _short(cls, v: Any) -> Any:
        if isinstance(v, bool):
            return {"enabled": v}
        if v == "force":
            return {"enabled": True, "force": True}
        return v


class Policy(Node):
    command: Literal["all", "select", "insert", "update", "delete"] = Field("all", alias="for")
    to: RoleList = Field(default_factory=lambda: ["public"])
    using: str | None = None
    with_check: str | None = None
    permissive: bool = True
    comment: str | None = None
    lint: Lint | None = LintField

    _lowered = _lowering("for")


class Trigger(Node):
    function: str = Field(description="Trigger function, optionally schema-qualified")
    timing: Literal["before", "after", "instead of"] = "before"
    events: LowerList = Field(description="insert, update, delete, truncate")
    of: StrList = Field(default_factory=list, description="Columns for UPDATE OF")
    for_each: Literal["row", "statement"] = "row"
    when: str | None = None
    args: list[str] = Field(default_factory=list, description="String arguments passed to the function")
    comment: str | None = None
    lint: Lint | None = LintField

    @model_validator(mode="before")
    @classmethod
    def _low(cls, v: Any) -> Any:
        if isinstance(v, dict):
            v = dict(v)
            for k in ("timing", "for_each"):
                if isinstance(v.get(k), str):
                    v[k] = v[k].lower().replace("_", " ")
        return v


class Distribution(Node):
    """How Citus shards a table: `SELECT create_distributed_table(table, column, ...)`."""

    column: str = Field(description="The distribution column: rows with the same value live on the same shard")
    colocate_with: str | None = Field(
        None, description="A distributed table to share shard placement with (joins and foreign keys between "
                          "them stay on one node), or 'none'; unset: Citus's default group for the column type")
    shard_count: int | None = Field(None, ge=1, le=64000, description="Number of shards (unset: citus.shard_count)")


class Table(Node):
    columns: dict[str, Column] = Field(default_factory=dict)
    primary_key: StrList = Field(default_factory=list)
    foreign_keys: list[ForeignKey] = Field(default_factory=list)
    unique: list[Unique] = Field(default_factory=list)
    checks: dict[str, str] = Field(default_factory=dict, description="Named CHECK constraints: name -> expression")
    indexes: list[Index] = Field(default_factory=list)
    triggers: dict[str, Trigger] = Field(default_factory=dict)
    rls: RowLevelSecurity | None = Field(None, description="Row-level security: true, 'force', or {enabled, force}")
    policies: dict[str, Policy] = Field(default_factory=dict)
    grants: Grants = Field(default_factory=dict, description="role -> privileges")
    owner: str | None = OwnerField
    comment: str | None = None
    traits: list[str | dict[str, Any]] = Field(default_factory=list, description="Reusable traits to expand")
    renamed_from: str | None = None
    distribution: Distribution | None = Field(None, description="Citus: shard the table by a column")
    reference: bool = Field(False, description="Citus: a reference table, copied whole to every node")
    partition_by: PartitionBy | None = Field(
        None, description="Partition the table: range(key), list(key), hash(key) or {strategy, columns}")
    partition_of: str | None = Field(None, description="This table is a partition of the named partitioned "
                                                       "table (its columns, keys and indexes come from it)")
    bounds: Bounds | None = Field(None, description="A partition's FOR VALUES: {from, to}, {in}, "
                                                    "{modulus, remainder} or default")
    lint: Lint | None = LintField
    part_origins: SkipJsonSchema[dict[str, Origin]] = Field(default_factory=dict, exclude=True, repr=False)
    """Set by the loader: where the parts without an origin of their own are written ("primary_key",
    "checks.NAME"), so a review names their lines without reading the file again. Never compared."""


class Enum(Node):
    values: list[str]
    grants: Grants = Field(default_factory=dict, description="role -> privileges (usage)")
    owner: str | None = OwnerField
    comment: str | None = None
    lint: Lint | None = LintField

    @model_validator(mode="before")
    @classmethod
    def _short(cls, v: Any) -> Any:
        return {"values": v} if isinstance(v, list) else v


class Domain(Node):
    type: str
    nullable: bool = True
    default: str | None = None
    checks: dict[str, str] = Field(default_factory=dict)
    grants: Grants = Field(default_factory=dict, description="role -> privileges (usage)")
    owner: str | None = OwnerField
    comment: str | None = None
    lint: Lint | None = LintField


class Extension(Node):
    schema_: str | None = Field(None, alias="schema")
    version: str | None = None


class Sequence(Node):
    type: Literal["smallint", "integer", "bigint"] = "bigint"
    start: int | None = None
    increment: int = 1
    min_value: int | None = None
    max_value: int | None = None
    cache: int = 1
    cycle: bool = False
    owned_by: str | None = Field(None, description="table.column")
    grants: Grants = Field(default_factory=dict)
    owner: str | None = OwnerField
    comment: str | None = None
    lint: Lint | None = LintField


class Function(Node):
    returns: str
    args: str = Field("", description="Argument list as SQL, e.g. 'p_user uuid, p_limit integer DEFAULT 10'")
    language: str = "plpgsql"
    body: str
    volatility: Literal["volatile", "stable", "immutable"] = "volatile"
    strict: bool = False
    security_definer: bool = False
    parallel: Literal["unsafe", "restricted", "safe"] | None = None
    set: dict[str, str] = Field(default_factory=dict, description="SET configuration for the function")
    grants: Grants = Field(default_factory=dict, description="role -> privileges; `public: []` revokes the "
                                                             "EXECUTE PostgreSQL grants PUBLIC on every function")
    owner: str | None = OwnerField
    comment: str | None = None
    lint: Lint | None = LintField


class View(Node):
    query: str
    materialized: bool = False
    security_invoker: bool = False
    security_barrier: bool = False
    indexes: list[Index] = Field(default_factory=list, description="Indexes of a materialized view")
    grants: Grants = Field(default_factory=dict)
    owner: str | None = OwnerField
    comment: str | None = None
    lint: Lint | None = LintField


class Role(Node):
    login: bool = False
    inherit: bool = True
    bypass_rls: bool = False
    member_of: RoleList = Field(default_factory=list)
    comment: str | None = None


class DefaultPrivileges(Node):
    tables: Annotated[list[Privilege], BeforeValidator(_lower_list)] = Field(default_factory=list)
    sequences: Annotated[list[Privilege], BeforeValidator(_lower_list)] = Field(default_factory=list)
    functions: Annotated[list[Privilege], BeforeValidator(_lower_list)] = Field(default_factory=list)
    types: Annotated[list[Privilege], BeforeValidator(_lower_list)] = Field(default_factory=list)


class Schema(Node):
    grants: Grants = Field(default_factory=dict, description="role -> privileges; `public: []` revokes the "
                                                             "public schema's USAGE from PUBLIC")
    owner: str | None = OwnerField
    default_privileges: dict[str, DefaultPrivileges] = Field(
        default_factory=dict, description="role -> privileges granted on future objects in this schema"
    )
    comment: str | None = None


class TargetDatabase(Node):
    """Privileges on the database the specs are applied to (it has no name in the specs)."""

    grants: Grants = Field(
        default_factory=dict,
        description="role -> privileges on the database (connect, temporary, create): exactly these for each "
                    "role named, roles not named are left alone; `public: [connect]` takes TEMPORARY from PUBLIC")

    @model_validator(mode="after")
    def _database_privileges(self) -> TargetDatabase:
        for role_, ps in self.grants.items():
            wrong = sorted(set(ps) - {"connect", "temporary", "create", "all"})
            if wrong:
                raise ValueError(f"role {role_}: {', '.join(wrong)} is not a database privilege "
                                 "(connect, temporary, create, all)")
        return self


class SpecFile(Node):
    """One YAML spec file. Names may be schema-qualified; unqualified names go to `schema`."""

    schema_: str = Field("public", alias="schema", description="Default schema for unqualified names in this file")
    extensions: dict[str, Extension] = Field(default_factory=dict)
    schemas: dict[str, Schema] = Field(default_factory=dict)
    roles: dict[str, Role] = Field(default_factory=dict)
    enums: dict[str, Enum] = Field(default_factory=dict)
    domains: dict[str, Domain] = Field(default_factory=dict)
    sequences: dict[str, Sequence] = Field(default_factory=dict)
    functions: dict[str, Function] = Field(default_factory=dict)
    tables: dict[str, Table] = Field(default_factory=dict)
    views: dict[str, View] = Field(default_factory=dict)
    database: TargetDatabase | None = Field(None, description="Privileges on the database itself (one file only)")

    @model_validator(mode="before")
    @classmethod
    def _short(cls, v: Any) -> Any:
        if isinstance(v, dict) and isinstance(v.get("extensions"), list):
            v = {**v, "extensions": {e: {} for e in v["extensions"]}}
        return v


class RawSQL(Node):
    """A raw .sql file of the project, loaded after the YAML objects in file-name order."""

    path: str
    sql: str


KINDS = ("extensions", "schemas", "roles", "enums", "domains", "sequences", "functions", "tables", "views")


class Project(Node):
    """All specs of a project merged; object names are fully qualified (schema.name) except roles/extensions."""

    extensions: dict[str, Extension] = Field(default_factory=dict)
    schemas: dict[str, Schema] = Field(default_factory=dict)
    roles: dict[str, Role] = Field(default_factory=dict)
    enums: dict[str, Enum] = Field(default_factory=dict)
    domains: dict[str, Domain] = Field(default_factory=dict)
    sequences: dict[str, Sequence] = Field(default_factory=dict)
    functions: dict[str, Function] = Field(default_factory=dict)
    tables: dict[str, Table] = Field(default_factory=dict)
    views: dict[str, View] = Field(default_factory=dict)
    database: TargetDatabase | None = None
    raw_sql: list[RawSQL] = Field(default_factory=list)

    def normalized(self) -> dict[str, Any]:
        """Plain data with every mapping sorted: the basis of the fingerprint."""
        data: dict[str, Any] = _sort(self.model_dump(mode="json", by_alias=True))
        return data

    def fingerprint(self) -> str:
        # sort_keys sorts every mapping as normalized() does, without a sorted copy first
        blob = json.dumps(self.model_dump(mode="json", by_alias=True), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()


def _sort(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _sort(v[k]) for k in sorted(v)}
    if isinstance(v, list):
        return [_sort(x) for x in v]
    return v


@lru_cache(maxsize=65536)
def split_name(name: str, default_schema: str = "public") -> tuple[str, str]:
    """'s.t' -> ('s', 't'); 't' -> (default_schema, 't'). Quoted names keep their dots."""
    if name.startswith('"'):
        return default_schema, name.strip('"')
    if "." in name:
        s, n = name.split(".", 1)
        return s, n
    return default_schema, name


def qualify(name: str, default_schema: str = "public") -> str:
    s, n = split_name(name, default_schema)
    return f"{s}.{n}"


# The names pgdecl gives unnamed constraints and indexes (here rather than in render, so that lint
# needs neither pglast nor Jinja).

def default_index_name(table: str, index: Index) -> str:
    _, bare = split_name(table)
    cols = "_".join(re.sub(r"[^a-z0-9_]+", "_", c.lower()).strip("_") for c in index.columns)
    return f"{bare}_{cols}_{'key' if index.unique else 'idx'}"[:63]


def default_unique_name(table: str, u: Unique) -> str:
    return f"{split_name(table)[1]}_{'_'.join(u.columns)}_key"[:63]


def default_fk_name(table: str, fk: ForeignKey) -> str:
    return f"{split_name(table)[1]}_{'_'.join(fk.columns)}_fkey"[:63]


def column_grants(table: Table) -> list[tuple[str, str, list[str]]]:
    """The column privileges of a table as (role, privilege, columns in the table's order), sorted by
    role and privilege: one GRANT per pair, e.g. ('app', 'update', ['status', 'notes'])."""
    out: dict[tuple[str, str], list[str]] = {}
    for cname, col in table.columns.items():
        for role_, ps in col.grants.items():
            for p in dict.fromkeys(ps):
                out.setdefault((role_, p), []).append(cname)
    return [(r, p, cols) for (r, p), cols in sorted(out.items())]


def json_schema() -> dict[str, Any]:
    """JSON Schema of one spec file, for editors."""
    schema = SpecFile.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "pgdecl spec file"
    return schema
