"""Hypothesis strategies for random, valid pgdecl spec data.

`specs()` draws plain dicts shaped exactly like a YAML spec file (what a user would write): enums and
tables with columns of varied types, nullability, defaults that fit the type, identity and generated
columns, single and composite primary keys, unique constraints, named and column checks, foreign keys
between the drawn tables, indexes (multi-column, expression, partial, unique, INCLUDE, gin on jsonb,
brin on timestamptz/date, hash) and comments. Identifiers are distinct, and some need quoting: mixed
case, reserved words such as "order" or "user", spaces, dashes and non-ASCII letters.

`spec_mutations()` draws a pair (A, B): B is A with a column added, an index added, a check expression
changed and/or an index dropped.

`write_spec()` / `spec_dir()` write a drawn dict as YAML (yaml.safe_dump) into a directory that
`pgdecl.spec.load_project` can read.

The strategy keeps clear of known engine limitations; each is marked "AVOIDS:" below.
"""

from __future__ import annotations

import contextlib
import copy
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import yaml
from hypothesis import assume
from hypothesis import strategies as st
from pglast.keywords import COL_NAME_KEYWORDS, RESERVED_KEYWORDS, TYPE_FUNC_NAME_KEYWORDS

# --- identifiers ----------------------------------------------------------------------------------

_PLAIN = re.compile(r"^[a-z_][a-z0-9_$]*$")
_KEYWORDS = RESERVED_KEYWORDS | COL_NAME_KEYWORDS | TYPE_FUNC_NAME_KEYWORDS

RESERVED_NAMES = (
    "order", "user", "group", "select", "table", "check", "default", "limit", "offset", "desc", "end",
    "column", "references", "window", "all", "case", "grant", "having", "only", "union", "using", "with",
    "primary", "constraint", "from", "to", "where", "when", "analyse", "unique", "int", "text", "char",
    "time", "value", "name", "position", "session_user",
)
MIXED_NAMES = ("UserId", "CreatedAt", "Order", "User", "ItemCount", "isActive", "Name", "SKU", "eMail")
ODD_NAMES = ("first name", "e-mail", "café", "naïve", "a$b", "x1", "ü")

# type names that a drawn enum must not shadow (it would make a column's type ambiguous)
_TYPE_WORDS = frozenset("""
int integer int2 int4 int8 smallint bigint text varchar numeric decimal boolean bool timestamptz timestamp
date uuid jsonb json char character time timetz interval real float money name bit varbit bytea inet
cidr xml oid record
""".split())


def quote(name: str) -> str:
    """An identifier as SQL: quoted unless it is a plain lower-case non-keyword."""
    if _PLAIN.match(name) and name not in _KEYWORDS:
        return name
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


identifiers = st.one_of(
    st.from_regex(r"\A[a-z][a-z0-9_]{0,9}\Z"),
    st.from_regex(r"\A[a-z][a-z0-9_]{0,9}\Z"),
    st.sampled_from(RESERVED_NAMES),
    st.sampled_from(MIXED_NAMES),
    st.from_regex(r"\A[A-Z][a-z]{1,4}[A-Z][a-z0-9]{0,3}\Z"),
    st.sampled_from(ODD_NAMES),
)
"""One identifier as a user writes it in YAML (unquoted; pgdecl quotes what needs quoting)."""


def _fresh(draw: Any, taken: set[str], strategy: st.SearchStrategy[str] = identifiers,
           avoid: set[str] | frozenset[str] = frozenset()) -> str:
    """A drawn identifier made distinct from `taken` (and `avoid`) by a numeric suffix (deterministic,
    shrinks well); it is added to `taken`."""
    base = draw(strategy)
    name, i = base, 2
    while name in taken or name in avoid or len(name.encode()) > 30:
        name = f"{base[:20]}{i}"
        i += 1
    taken.add(name)
    return name


# --- free text --------------------------------------------------------------------------------------

_text_chars = st.one_of(
    st.characters(blacklist_categories=("Cs", "Cc", "Co", "Cn")),  # no NUL: PostgreSQL text cannot hold it
    st.sampled_from(list("'\"\\$%;:-/*\n#{}[]&!|>?@`")),
)
texts = st.text(_text_chars, max_size=12)
"""Free text for comments and string defaults: quotes, backslashes, dollars, percent, newlines, unicode."""


# --- column types -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ColType:
    kind: str          # int, bigint, smallint, text, varchar, numeric, boolean, timestamptz, date, uuid, jsonb, enum
    sql: str           # as written in the spec
    length: int = 0    # varchar(n)
    precision: int = 0
    scale: int = 0
    enum_values: tuple[str, ...] = ()

    @property
    def keyable(self) -> bool:
        """Usable in a primary key / unique key that foreign keys reference."""
        return self.kind not in ("jsonb", "boolean", "timestamptz")

    @property
    def integral(self) -> bool:
        return self.kind in ("int", "bigint", "smallint")

    @property
    def texty(self) -> bool:
        return self.kind in ("text", "varchar")


SIMPLE_KINDS = ("int", "bigint", "smallint", "text", "varchar", "numeric", "boolean", "timestamptz", "date",
                "uuid", "jsonb")


@st.composite
def col_types(draw: Any, enums: dict[str, tuple[str, ...]]) -> ColType:
    kinds = list(SIMPLE_KINDS) + (["enum"] * 2 if enums else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "int":
        return ColType(kind, draw(st.sampled_from(["int", "integer", "INT", "int4"])))
    if kind == "bigint":
        return ColType(kind, draw(st.sampled_from(["bigint", "int8", "BIGINT"])))
    if kind == "smallint":
        return ColType(kind, draw(st.sampled_from(["smallint", "int2"])))
    if kind == "text":
        return ColType(kind, draw(st.sampled_from(["text", "TEXT"])))
    if kind == "varchar":
        n = draw(st.integers(1, 40))
        spelled = draw(st.sampled_from(["varchar({n})", "character varying({n})", "VARCHAR({n})"]))
        return ColType(kind, spelled.format(n=n), length=n)
    if kind == "numeric":
        p = draw(st.integers(1, 14))
        s = draw(st.integers(0, p))
        spelled = draw(st.sampled_from(["numeric({p},{s})", "numeric({p}, {s})", "decimal({p},{s})", "NUMERIC({p},{s})"]))
        return ColType(kind, spelled.format(p=p, s=s), precision=p, scale=s)
    if kind == "boolean":
        return ColType(kind, draw(st.sampled_from(["boolean", "bool"])))
    if kind == "timestamptz":
        return ColType(kind, draw(st.sampled_from(["timestamptz", "timestamp with time zone"])))
    if kind == "date":
        return ColType(kind, "date")
    if kind == "uuid":
        return ColType(kind, "uuid")
    if kind == "jsonb":
        return ColType(kind, draw(st.sampled_from(["jsonb", "JSONB"])))
    name = draw(st.sampled_from(sorted(enums)))
    q = quote(name)
    spelled = draw(st.sampled_from([q, f"public.{q}"])) if q != name else draw(st.sampled_from([name, f"public.{name}", f'"{name}"']))
    return ColType("enum", spelled, enum_values=enums[name])


def _numeric_value(draw: Any, t: ColType) -> str:
    whole_digits = t.precision - t.scale
    whole = draw(st.integers(0, 10 ** whole_digits - 1)) if whole_digits else 0
    frac = draw(st.integers(0, 10 ** t.scale - 1)) if t.scale else None
    sign = draw(st.sampled_from(["", "-"]))
    return f"{sign}{whole}" + (f".{frac:0{t.scale}d}" if frac is not None else "")


@st.composite
def defaults(draw: Any, t: ColType) -> str:
    """A DEFAULT expression (SQL text) that fits the type."""
    k = t.kind
    if k == "int":
        return str(draw(st.integers(-(2**31) + 1, 2**31 - 1)))
    if k == "smallint":
        return str(draw(st.integers(-32767, 32767)))
    if k == "bigint":
        return str(draw(st.integers(-(2**62), 2**62)))
    if k == "text":
        return draw(st.one_of(texts.map(literal), st.sampled_from(["''", "current_user", "'n/a'::text"])))
    if k == "varchar":
        return literal(draw(st.text(_text_chars, max_size=t.length)))
    if k == "numeric":
        return _numeric_value(draw, t)
    if k == "boolean":
        return draw(st.sampled_from(["true", "false", "TRUE", "FALSE"]))
    if k == "timestamptz":
        return draw(st.sampled_from(["now()", "CURRENT_TIMESTAMP", "'2024-01-01 00:00:00+00'", "clock_timestamp()"]))
    if k == "date":
        return draw(st.sampled_from(["CURRENT_DATE", "'2024-02-29'", "'1999-12-31'::date"]))
    if k == "uuid":
        return draw(st.sampled_from(["gen_random_uuid()", "'00000000-0000-0000-0000-000000000000'"]))
    if k == "jsonb":
        return draw(st.sampled_from(["'{}'", "'{}'::jsonb", "'[]'::jsonb", """'{"a": 1}'::jsonb"""]))
    return literal(draw(st.sampled_from(t.enum_values)))


@st.composite
def checks_on(draw: Any, col: str, t: ColType) -> str:
    """A boolean expression (SQL text) over one column of type `t`."""
    c = quote(col)
    k = t.kind
    if t.integral:
        n = draw(st.integers(-100, 100))
        return draw(st.sampled_from([f"{c} > {n}", f"{c} % 2 = 0", f"{c} BETWEEN {n} AND {n + 1000}",
                                     f"{c} <> {n}", f"({c} IS NULL) OR ({c} >= {n})"]))
    if k == "text":
        return draw(st.sampled_from([f"length({c}) <= 200", f"{c} <> ''", f"{c} ~ '^[^%]*$'",
                                     f"{c} NOT LIKE '%;%'", f"btrim({c}) = {c}"]))
    if k == "varchar":
        return draw(st.sampled_from([f"char_length({c}) > 0", f"{c} <> 'x'", f"lower({c}) = {c}"]))
    if k == "numeric":
        return draw(st.sampled_from([f"{c} >= 0", f"{c} <> 0", f"abs({c}) < 1000000"]))
    if k == "boolean":
        return draw(st.sampled_from([f"{c} IS NOT NULL", f"{c} OR NOT {c}", f"{c} IS DISTINCT FROM NULL"]))
    if k == "timestamptz":
        return draw(st.sampled_from([f"{c} > '2000-01-01'", f"{c} < 'infinity'::timestamptz"]))
    if k == "date":
        return draw(st.sampled_from([f"{c} >= '1900-01-01'", f"{c} <> 'epoch'::date"]))
    if k == "uuid":
        return f"{c} <> '00000000-0000-0000-0000-000000000000'"
    if k == "jsonb":
        return draw(st.sampled_from([f"jsonb_typeof({c}) = 'object'", f"{c} <> 'null'::jsonb"]))
    return f"{c} <> {literal(draw(st.sampled_from(t.enum_values)))}"


# --- the spec -----------------------------------------------------------------------------------------


@dataclass
class ColMeta:
    name: str
    type: ColType
    nullable: bool
    generated: bool = False
    identity: bool = False


@dataclass
class TableMeta:
    """What the strategy knows about a drawn table (kept beside the dict to draw valid mutations)."""

    name: str
    columns: dict[str, ColMeta] = field(default_factory=dict)
    keys: list[tuple[str, ...]] = field(default_factory=list)  # primary key first (if any), then unique constraints
    has_pk: bool = False
    constraint_names: set[str] = field(default_factory=set)
    index_names: set[str] = field(default_factory=set)  # of the `indexes` list


@dataclass
class SpecMeta:
    tables: dict[str, TableMeta] = field(default_factory=dict)
    relation_names: set[str] = field(default_factory=set)  # tables, types, indexes, key constraints, sequences


def _sanitize(element: str) -> str:
    # mirrors pgdecl.render.default_index_name, only to keep drawn names apart
    return re.sub(r"[^a-z0-9_]+", "_", element.lower()).strip("_")


def _name_ok(name: str, taken: set[str]) -> bool:
    return name not in taken and len(name.encode()) <= 60


def _index_element(col: str, draw: Any) -> str:
    """A column as an index element: its bare name as YAML spells it (`Order`, `e-mail`), quoted, or
    with an ordering."""
    q = quote(col)
    return draw(st.sampled_from([col, col, q, f"{q} DESC", f"{q} ASC NULLS FIRST", f"{q} DESC NULLS LAST"]))


def _unordered_element(col: str, draw: Any) -> str:
    """A column as the element of an index that takes no ASC/DESC (hash, gin, brin): bare or quoted."""
    return draw(st.sampled_from([col, quote(col)]))


@st.composite
def _spec(draw: Any, max_tables: int = 4, max_enums: int = 2) -> tuple[dict[str, Any], SpecMeta]:
    meta = SpecMeta()
    rel = meta.relation_names
    spec: dict[str, Any] = {}

    # enums
    enums: dict[str, tuple[str, ...]] = {}
    enum_specs: dict[str, Any] = {}
    for _ in range(draw(st.integers(0, max_enums))):
        name = _fresh(draw, rel, identifiers.filter(lambda n: n.lower() not in _TYPE_WORDS))
        rel.add(f"_{name}")
        label = st.text(_text_chars, min_size=1, max_size=8)
        values = draw(st.lists(label, min_size=1, max_size=4, unique=True))
        enums[name] = tuple(values)
        comment = draw(st.none() | texts)
        enum_specs[name] = values if comment is None and draw(st.booleans()) else \
            {"values": values, **({"comment": comment} if comment is not None else {})}
    if enum_specs:
        spec["enums"] = enum_specs

    tables: dict[str, dict[str, Any]] = {}
    for _ in range(draw(st.integers(1, max_tables))):
        tname = _fresh(draw, rel)
        rel.add(f"_{tname}")
        tables[tname] = _table(draw, tname, enums, meta)

    # foreign keys, once every table exists (render emits them after all tables)
    keyed = [t for t in meta.tables.values() if t.keys]
    for tname, tdata in tables.items():
        if not keyed:
            break
        for _ in range(draw(st.integers(0, 2))):
            _foreign_key(draw, tname, tdata, draw(st.sampled_from(keyed)), meta)

    # indexes, after foreign key columns exist
    for tname, tdata in tables.items():
        idx = [_index(draw, meta.tables[tname], meta) for _ in range(draw(st.integers(0, 3)))]
        if idx:
            tdata["indexes"] = idx
    spec["tables"] = tables
    return spec, meta


def _column_spec(draw: Any, t: ColType, *, nullable: bool | None, default: str | None, **extra: Any) -> Any:
    d: dict[str, Any] = {"type": t.sql}
    if nullable is not None:
        d["nullable"] = nullable
    if default is not None:
        d["default"] = default
    d.update({k: v for k, v in extra.items() if v is not None})
    if list(d) == ["type"] and draw(st.booleans()):
        return t.sql  # shorthand `name: type`
    return d


def _table(draw: Any, tname: str, enums: dict[str, tuple[str, ...]], meta: SpecMeta) -> dict[str, Any]:
    tm = TableMeta(tname)
    meta.tables[tname] = tm
    rel = meta.relation_names
    colnames: set[str] = set()
    columns: dict[str, Any] = {}
    table: dict[str, Any] = {"columns": columns}

    # identity column, usually the primary key
    identity_col = None
    if draw(st.booleans()):
        identity_col = _fresh(draw, colnames)
        t = ColType(*draw(st.sampled_from([("int", "integer"), ("bigint", "bigint"), ("int", "int")])))
        seq = f"{tname}_{identity_col}_seq"
        if not _name_ok(seq, rel):  # PostgreSQL picks another sequence name, but keep them apart anyway
            colnames.discard(identity_col)
            identity_col = None
        else:
            rel.add(seq)
            how = draw(st.sampled_from(["always", "by default", "BY DEFAULT", "by_default", "Always"]))
            columns[identity_col] = {"type": t.sql, "identity": how,
                                     **({"nullable": False} if draw(st.booleans()) else {})}
            tm.columns[identity_col] = ColMeta(identity_col, t, nullable=False, identity=True)

    for _ in range(draw(st.integers(1, 6))):
        cname = _fresh(draw, colnames)
        t = draw(col_types(enums))
        nullable = draw(st.booleans())
        default = draw(st.none() | defaults(t)) if draw(st.booleans()) else None
        comment = draw(st.none() | texts) if draw(st.integers(0, 3)) == 0 else None
        check = None
        if draw(st.integers(0, 3)) == 0:
            cname_check = f"{tname}_{cname}_check"
            if _name_ok(cname_check, tm.constraint_names):
                tm.constraint_names.add(cname_check)
                check = draw(checks_on(cname, t))
        columns[cname] = _column_spec(draw, t, nullable=nullable if draw(st.booleans()) or not nullable else None,
                                      default=default, comment=comment, check=check)
        tm.columns[cname] = ColMeta(cname, t, nullable=nullable)

    plain = [c for c in tm.columns.values() if not c.identity]
    # a generated column now and then
    if draw(st.integers(0, 3)) == 0:
        sources = [c for c in plain if c.type.integral or c.type.texty or c.type.kind == "numeric"]
        if sources:
            src = draw(st.sampled_from(sources))
            q = quote(src.name)
            if src.type.integral:
                t, expr = ColType("bigint", "bigint"), draw(st.sampled_from([f"{q} * 2", f"({q} + 1)", f"abs({q})"]))
            elif src.type.texty:
                t, expr = ColType("text", "text"), draw(st.sampled_from([f"lower({q})", f"{q} || '!'", f"md5({q})"]))
            else:
                t, expr = ColType("numeric", "numeric"), f"{q} * 2"
            gname = _fresh(draw, colnames)
            columns[gname] = {"type": t.sql, "generated": expr}
            tm.columns[gname] = ColMeta(gname, t, nullable=True, generated=True)

    # primary key
    keyable = [c.name for c in tm.columns.values() if c.type.keyable and not c.generated]
    pk: list[str] = []
    pk_name = f"{tname}_pkey"
    if keyable and _name_ok(pk_name, rel) and draw(st.integers(0, 4)) > 0:
        if identity_col and draw(st.booleans()):
            pk = [identity_col]
        else:
            pk = draw(st.lists(st.sampled_from(keyable), min_size=1, max_size=min(3, len(keyable)), unique=True))
        rel.add(pk_name)
        tm.constraint_names.add(pk_name)
        tm.keys.append(tuple(pk))
        tm.has_pk = True
        col = columns[pk[0]]
        if len(pk) == 1 and draw(st.booleans()):
            if isinstance(col, str):
                columns[pk[0]] = col = {"type": col}
            col["primary_key"] = True
        else:
            table["primary_key"] = pk[0] if len(pk) == 1 and draw(st.booleans()) else pk
        for c in pk:
            tm.columns[c].nullable = False

    # unique constraints: on a column, or in the table's list
    uniques: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(0, 2))):
        if not keyable:
            break
        cols = tuple(draw(st.lists(st.sampled_from(keyable), min_size=1, max_size=min(3, len(keyable)), unique=True)))
        if any(sorted(cols) == sorted(k) for k in tm.keys):
            continue
        default_name = f"{tname}_{'_'.join(cols)}_key"
        explicit = draw(st.booleans())
        if not explicit and _name_ok(default_name, rel) and _name_ok(default_name, tm.constraint_names):
            name = default_name
        else:
            explicit = True
            name = _fresh(draw, rel, avoid=tm.constraint_names)
        rel.add(name)
        tm.constraint_names.add(name)
        tm.keys.append(cols)
        nnd = draw(st.booleans())
        if len(cols) == 1 and not explicit and not nnd and draw(st.booleans()):
            col = columns[cols[0]]
            if isinstance(col, str):
                columns[cols[0]] = col = {"type": col}
            col["unique"] = True
            continue
        u: dict[str, Any] = {"columns": list(cols) if len(cols) > 1 or draw(st.booleans()) else cols[0]}
        if explicit:
            u["name"] = name
        if nnd:
            u["nulls_not_distinct"] = True
        uniques.append(u)
    if uniques:
        table["unique"] = uniques

    # named checks over one or two columns
    checks: dict[str, str] = {}
    for _ in range(draw(st.integers(0, 2))):
        cm = draw(st.sampled_from(list(tm.columns.values())))
        expr = draw(checks_on(cm.name, cm.type))
        if draw(st.booleans()) and len(tm.columns) > 1:
            other = draw(st.sampled_from([c for c in tm.columns.values() if c.name != cm.name]))
            op = draw(st.sampled_from(["OR", "AND"]))
            expr = f"({expr}) {op} ({draw(checks_on(other.name, other.type))})"
        checks[_fresh(draw, tm.constraint_names, avoid=tm.index_names)] = expr
    if checks:
        table["checks"] = checks

    if draw(st.integers(0, 2)) == 0:
        table["comment"] = draw(texts)
    return table


_ACTIONS = ("no action", "restrict", "cascade", "NO ACTION", "CASCADE", "Restrict")
_NULL_ACTIONS = ("set null", "SET NULL", "set_null", "set default")


def _foreign_key(draw: Any, tname: str, tdata: dict[str, Any], target: TableMeta, meta: SpecMeta) -> None:
    tm = meta.tables[tname]
    key_index = draw(st.integers(0, len(target.keys) - 1))
    key = target.keys[key_index]
    by_pk = target.has_pk and key_index == 0
    # new referencing columns, typed like the referenced ones
    colnames = set(tm.columns)
    nullable = draw(st.booleans())
    fk_cols = []
    for kc in key:
        name = _fresh(draw, colnames)
        ktype = target.columns[kc].type
        tdata["columns"][name] = {"type": ktype.sql, **({"nullable": False} if not nullable else {})}
        tm.columns[name] = ColMeta(name, ktype, nullable=nullable)
        fk_cols.append(name)
    name = None
    default_name = f"{tname}_{'_'.join(fk_cols)}_fkey"
    if draw(st.booleans()) or not _name_ok(default_name, tm.constraint_names | tm.index_names):
        name = _fresh(draw, tm.constraint_names, avoid=tm.index_names)
    else:
        tm.constraint_names.add(default_name)
    actions = _ACTIONS + (_NULL_ACTIONS if nullable else ())
    on_delete = draw(st.none() | st.sampled_from(actions))
    on_update = draw(st.none() | st.sampled_from(actions))
    ref_table = draw(st.sampled_from([target.name, f"public.{target.name}", f'"{target.name}"']))
    plain_cols = not any(ch in c for c in key for ch in ",()")
    if len(key) == 1 and name is None and draw(st.booleans()):
        col = tdata["columns"][fk_cols[0]]
        col["references"] = ref_table if by_pk and draw(st.booleans()) else \
            (f"{ref_table}({key[0]})" if plain_cols and draw(st.booleans()) else {"table": ref_table, "columns": [key[0]]})
        if on_delete:
            col["on_delete"] = on_delete
        if on_update:
            col["on_update"] = on_update
        return
    if by_pk and draw(st.booleans()):
        ref: Any = ref_table
    elif plain_cols and draw(st.booleans()):
        ref = f"{ref_table}({', '.join(key)})"
    else:
        ref = {"table": ref_table, "columns": list(key)}
    fk: dict[str, Any] = {"columns": fk_cols if len(fk_cols) > 1 or draw(st.booleans()) else fk_cols[0], "references": ref}
    if name:
        fk["name"] = name
    if on_delete:
        fk["on_delete"] = on_delete
    if on_update:
        fk["on_update"] = on_update
    if draw(st.integers(0, 3)) == 0:
        fk["deferrable"] = True
        if draw(st.booleans()):
            fk["initially_deferred"] = True
    tdata.setdefault("foreign_keys", []).append(fk)


def _predicate(draw: Any, tm: TableMeta) -> str:
    cm = draw(st.sampled_from(list(tm.columns.values())))
    c = quote(cm.name)
    if cm.type.kind == "boolean":
        return draw(st.sampled_from([c, f"NOT {c}", f"{c} IS TRUE"]))
    if cm.type.integral:
        return draw(st.sampled_from([f"{c} > 0", f"{c} IS NOT NULL", f"{c} % 10 = 0"]))
    return draw(st.sampled_from([f"{c} IS NOT NULL", f"{c} IS NULL"]))


def _index(draw: Any, tm: TableMeta, meta: SpecMeta) -> dict[str, Any]:
    cols = list(tm.columns.values())
    jsonb = [c for c in cols if c.type.kind == "jsonb"]
    ranged = [c for c in cols if c.type.kind in ("timestamptz", "date")]
    texty = [c for c in cols if c.type.texty]
    integral = [c for c in cols if c.type.integral]
    shapes = ["btree", "btree", "btree"] + (["gin"] if jsonb else []) + (["brin"] if ranged else []) + \
        (["expr"] if texty or integral else []) + ["hash"]
    shape = draw(st.sampled_from(shapes))
    ix: dict[str, Any] = {}
    if shape == "gin":
        name = draw(st.sampled_from(jsonb)).name
        c = quote(name)
        ix["columns"] = [draw(st.sampled_from([_unordered_element(name, draw), f"{c} jsonb_path_ops", f"{c} jsonb_ops"]))]
        ix["using"] = draw(st.sampled_from(["gin", "GIN"]))
    elif shape == "brin":
        ix["columns"] = [_unordered_element(draw(st.sampled_from(ranged)).name, draw)]
        ix["using"] = "brin"
    elif shape == "hash":
        ix["columns"] = [_unordered_element(draw(st.sampled_from(cols)).name, draw)]
        ix["using"] = "hash"
    elif shape == "expr":
        c = draw(st.sampled_from(texty + integral))
        q = quote(c.name)
        ix["columns"] = [f"lower({q})" if c.type.texty else f"({q} + 1)"]
        if draw(st.booleans()):
            ix["unique"] = True
    else:
        chosen = draw(st.lists(st.sampled_from(cols), min_size=1, max_size=min(3, len(cols)), unique_by=lambda c: c.name))
        ix["columns"] = [_index_element(c.name, draw) for c in chosen]
        if draw(st.booleans()):
            ix["unique"] = True
            if draw(st.booleans()):
                ix["nulls_not_distinct"] = True
        rest = [c.name for c in cols if c.name not in {x.name for x in chosen}]
        if rest and draw(st.integers(0, 3)) == 0:
            ix["include"] = draw(st.lists(st.sampled_from(rest), min_size=1, max_size=2, unique=True))
    if len(ix["columns"]) == 1 and draw(st.booleans()):
        ix["columns"] = ix["columns"][0]  # the string shorthand
    if draw(st.integers(0, 2)) == 0:
        ix["where"] = _predicate(draw, tm)
    elements = ix["columns"] if isinstance(ix["columns"], list) else [ix["columns"]]
    default_name = f"{tm.name}_{'_'.join(_sanitize(e) for e in elements)}_{'key' if ix.get('unique') else 'idx'}"
    # AVOIDS: an index named like a CHECK or FOREIGN KEY constraint of its table; schemainspect pairs
    # constraints with indexes by name, and migra then writes `ADD CONSTRAINT x FOREIGN KEY USING INDEX x`
    if _name_ok(default_name, meta.relation_names | tm.constraint_names) and draw(st.booleans()):
        name = default_name
        meta.relation_names.add(name)
    else:
        name = _fresh(draw, meta.relation_names, avoid=tm.constraint_names)
        ix["name"] = name
    tm.index_names.add(name)
    if draw(st.integers(0, 3)) == 0:
        ix["comment"] = draw(texts)
    return ix


def specs(max_tables: int = 4, max_enums: int = 2) -> st.SearchStrategy[dict[str, Any]]:
    """A random valid spec file, as the plain data a user writes in YAML."""
    return _spec(max_tables, max_enums).map(lambda pair: pair[0])


# --- mutations ----------------------------------------------------------------------------------------


@st.composite
def spec_mutations(draw: Any, max_tables: int = 3) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """(A, B, what changed): B adds a column and/or an index, changes a check and/or drops an index."""
    a, meta = draw(_spec(max_tables))
    b = copy.deepcopy(a)
    tables = b["tables"]
    what: list[str] = []
    added: list[dict[str, Any]] = []  # indexes this mutation adds
    possible = ["add column", "add index"]
    if any(t.get("checks") for t in tables.values()):
        possible.append("change check")
    if any(t.get("indexes") for t in tables.values()):
        possible.append("drop index")
    for kind in draw(st.lists(st.sampled_from(possible), min_size=1, max_size=4, unique=True)):
        if kind == "add column":
            tname = draw(st.sampled_from(sorted(tables)))
            tm = meta.tables[tname]
            cname = _fresh(draw, set(tm.columns))
            t = draw(col_types({}))
            col: dict[str, Any] = {"type": t.sql}
            if draw(st.booleans()):
                col["default"] = draw(defaults(t))
                if draw(st.booleans()) and not col["default"].endswith("()") and "CURRENT" not in col["default"]:
                    col["nullable"] = False  # NOT NULL with a constant default: fine on existing rows
            tables[tname]["columns"][cname] = col
            tm.columns[cname] = ColMeta(cname, t, nullable=col.get("nullable", True))
            what.append(f"add column {tname}.{cname}")
        elif kind == "add index":
            tname = draw(st.sampled_from(sorted(tables)))
            ix = _index(draw, meta.tables[tname], meta)
            tables[tname].setdefault("indexes", []).append(ix)
            added.append(ix)
            what.append(f"add index {ix.get('name', '(default name)')} on {tname}")
        elif kind == "change check":
            tname = draw(st.sampled_from(sorted(n for n, t in tables.items() if t.get("checks"))))
            checks = tables[tname]["checks"]
            cname = draw(st.sampled_from(sorted(checks)))
            tm = meta.tables[tname]
            cm = draw(st.sampled_from(list(tm.columns.values())))
            new = draw(checks_on(cm.name, cm.type).filter(lambda e: e != checks[cname]))  # noqa: B023 (drawn now)
            checks[cname] = new
            what.append(f"change check {tname}.{cname}")
        elif kind == "drop index":  # one A has: dropping the one just added would leave A as it was
            tname, at = draw(st.sampled_from([(n, i) for n, t in sorted(tables.items())
                                               for i, ix in enumerate(t.get("indexes", []))
                                               if not any(ix is x for x in added)]))
            idx = tables[tname]["indexes"]
            dropped = idx.pop(at)
            if not idx:
                del tables[tname]["indexes"]
            what.append(f"drop index {dropped.get('name', '(default name)')} on {tname}")
    assume(b != a)  # an index dropped and the same one added again: nothing changed
    return a, b, what


# --- writing specs ----------------------------------------------------------------------------------


def write_spec(spec: dict[str, Any], directory: str | Path | None = None, split: bool = False) -> Path:
    """Write `spec` as YAML into `directory` (a new temporary one by default) and return the directory.

    With split=True the enums and each table go to files of their own (pgdecl merges them)."""
    root = Path(directory) if directory is not None else Path(tempfile.mkdtemp(prefix="pgdecl-spec-"))
    root.mkdir(parents=True, exist_ok=True)
    if not split:
        files = {"schema.yaml": spec}
    else:
        files = {}
        if spec.get("enums"):
            files["00_enums.yaml"] = {"enums": spec["enums"]}
        for i, (name, table) in enumerate(spec.get("tables", {}).items()):
            files[f"{i + 1:02d}_table.yaml"] = {"tables": {name: table}}
    for fname, data in files.items():
        (root / fname).write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return root


@contextlib.contextmanager
def spec_dir(spec: dict[str, Any], split: bool = False) -> Iterator[Path]:
    """A temporary project directory holding `spec`, removed afterwards."""
    root = write_spec(spec, split=split)
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)
