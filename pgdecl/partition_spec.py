"""Declarative partitioning in the specs, without a database: which table is a partition of which, the
order tables are created in (a parent before its partitions), the SQL of a partition key and of a
partition's bounds, and the checks `validate` runs on `partition_by`, `partition_of` and `bounds`
(each naming the table's file:line). The model keys are in pgdecl.partition_model; the plan's
attach/detach steps in pgdecl.partition_plan.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache
from typing import Any, Iterator

from .errors import Origin
from .model import Project, Table, qualify, split_name
from .partition_model import Bounds, PartitionBy

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")
_DATE_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}")


# -- the shape of the specs -------------------------------------------------------------------------

def parent_name(name: str, table: Table) -> str | None:
    """The qualified name of the table `name` is a partition of (unqualified: the partition's schema)."""
    return qualify(table.partition_of.strip(), split_name(name)[0]) if table.partition_of else None


def ancestors(project: Project, name: str) -> list[str]:
    """The partition's parent, its parent's parent, ... up to the root (stops at a cycle or an unknown name)."""
    out: list[str] = []
    table = project.tables.get(name)
    while table is not None and table.partition_of:
        parent = parent_name(name, table)
        if parent is None or parent in out or parent == name:
            break
        out.append(parent)
        name, table = parent, project.tables.get(parent)
    return out


def root_of(project: Project, name: str) -> str:
    """The table at the top of `name`'s partition tree (itself when it is no partition)."""
    chain = ancestors(project, name)
    return chain[-1] if chain and chain[-1] in project.tables else name


def columns_of(project: Project, name: str) -> dict[str, Any]:
    """The columns a table has: its own, or its root's for a partition."""
    return project.tables[root_of(project, name)].columns


def is_partitioned(table: Table) -> bool:
    return table.partition_by is not None


def table_order(project: Project) -> list[str]:
    """Table names sorted, except that a partition comes right after its parent (whatever their names)."""
    names = sorted(project.tables)
    children: dict[str, list[str]] = {}
    for n in names:
        parent = parent_name(n, project.tables[n])
        if parent is not None and parent in project.tables and parent != n:
            children.setdefault(parent, []).append(n)
    placed: set[str] = set()
    out: list[str] = []

    def put(n: str) -> None:
        if n in placed:
            return
        placed.add(n)
        out.append(n)
        for c in children.get(n, ()):
            put(c)

    for n in names:  # roots first: tables that are no partition of a table in the specs
        parent = parent_name(n, project.tables[n])
        if parent is None or parent not in project.tables:
            put(n)
    for n in names:  # what a cycle left out, so nothing is lost (validation reports the cycle)
        put(n)
    return out


# -- SQL ----------------------------------------------------------------------------------------------

def _ident(name: str) -> str:
    from .render import ident

    return ident(name)


@lru_cache(maxsize=4096)
def _key_element_parses(element: str) -> bool:
    import pglast
    from pglast.parser import ParseError

    from .fragments import fragment_problem

    if fragment_problem(element) is not None:
        return False
    try:
        stmts = pglast.parse_sql(f"CREATE TABLE t () PARTITION BY RANGE ({element})")
    except ParseError:
        return False
    spec = stmts[0].stmt.partspec if len(stmts) == 1 and isinstance(stmts[0].stmt, pglast.ast.CreateStmt) else None
    return spec is not None and len(spec.partParams or ()) == 1


def key_element(element: str, columns: Any = ()) -> str:
    """One element of a partition key as SQL: a column name quoted as an identifier; an expression as
    written, in parentheses unless it is a function call or already parenthesised."""
    e = element.strip()
    if e in columns or (_NAME.match(e) and e == e.lower()):
        return _ident(e)
    if _key_element_parses(e):
        return e
    return f"({e})"


def key_sql(pb: PartitionBy, columns: Any = ()) -> str:
    """`RANGE (created_at)`: the PARTITION BY clause after its keywords."""
    return f"{pb.strategy.upper()} ({', '.join(key_element(c, columns) for c in pb.columns)})"


def bound_sql(b: Bounds) -> str:
    """`FOR VALUES FROM (...) TO (...)`, `FOR VALUES IN (...)`, `FOR VALUES WITH (MODULUS m, REMAINDER r)`
    or `DEFAULT`."""
    if b.default:
        return "DEFAULT"
    if b.in_ is not None:
        return f"FOR VALUES IN ({', '.join(b.in_)})"
    if b.modulus is not None:
        return f"FOR VALUES WITH (MODULUS {b.modulus}, REMAINDER {b.remainder})"
    return f"FOR VALUES FROM ({', '.join(b.from_ or ())}) TO ({', '.join(b.to or ())})"


def table_context(project: Project, name: str) -> dict[str, Any]:
    """What templates/ddl/table.sql.j2 needs about partitioning: the parent, the bound, the key."""
    t = project.tables[name]
    columns = columns_of(project, name)
    return {"partition_of": parent_name(name, t) if t.bounds is not None else None,
            "bound": bound_sql(t.bounds) if t.bounds is not None else "",
            "partition_key": key_sql(t.partition_by, columns) if t.partition_by is not None else ""}


def partition_lines(project: Project, name: str, table: Table) -> list[str]:
    """Markdown lines saying how a table is partitioned or what it is a partition of (pgdecl docs)."""
    out = []
    if table.partition_of is not None and table.bounds is not None:
        parent = parent_name(name, table) or ""
        out += [f"**Partition of** `{parent.removeprefix('public.')}`: `{bound_sql(table.bounds)}`", ""]
    if table.partition_by is not None:
        out += [f"**Partitioned by** `{key_sql(table.partition_by, columns_of(project, name))}`", ""]
    return out


# -- validation ---------------------------------------------------------------------------------------

@lru_cache(maxsize=4096)
def bound_value_problem(value: str) -> str | None:
    """Why a bound value is not one SQL value in its slot of FOR VALUES (...), or None."""
    import pglast
    from pglast.parser import ParseError

    from .fragments import fragment_problem

    if _DATE_LIKE.match(value) and not value.startswith("'"):
        return (f"{value!r} reads as arithmetic in SQL; write a date or time as a quoted literal, "
                f"\"'{value}'\", or as a YAML date without quotes")
    problem = fragment_problem(value)
    if problem is not None:
        return problem
    try:
        stmts = pglast.parse_sql(f"CREATE TABLE p PARTITION OF t FOR VALUES IN ({value})")
    except ParseError as e:
        return str(e.args[0])
    stmt = stmts[0].stmt if len(stmts) == 1 else None
    if not isinstance(stmt, pglast.ast.CreateStmt) or stmt.partbound is None \
            or len(stmt.partbound.listdatums or ()) != 1:
        return "not one value"
    return None


def problems(project: Project) -> Iterator[tuple[str, Origin | None]]:
    """Mistakes in the partitioning keys, each with the origin of the key or of its table."""
    for name, t in project.tables.items():
        if t.partition_by is not None:
            yield from _partitioned(project, name, t)
        if t.partition_of is not None or t.bounds is not None:
            yield from _partition(project, name, t)


def _origin(part: Any, t: Table) -> Origin | None:
    return getattr(part, "origin", None) or t.origin


def _plain_key_columns(pb: PartitionBy, columns: Any) -> tuple[list[str], bool]:
    """The column names of a partition key, and whether it has an expression (PostgreSQL then allows no
    primary key or unique constraint)."""
    cols, expression = [], False
    for element in pb.columns:
        e = element.strip()
        word = e.split()[0] if e.split() else e
        if e in columns:
            cols.append(e)
        elif _NAME.match(word) and word in columns:
            cols.append(word)  # a column with COLLATE or an operator class
        else:
            expression = True
    return cols, expression


def _partitioned(project: Project, name: str, t: Table) -> Iterator[tuple[str, Origin | None]]:
    pb = t.partition_by
    assert pb is not None
    o = _origin(pb, t)
    columns = columns_of(project, name)
    if not pb.columns:
        yield "partition_by needs at least one key column or expression", o
        return
    if pb.strategy == "list" and len(pb.columns) > 1:
        yield "a list partition key has exactly one column or expression (PostgreSQL refuses more)", o
    for element in pb.columns:
        e = element.strip()
        if e in columns:
            continue
        if not _key_element_parses(key_element(e, columns)):
            yield f"partition_by {element!r} is not a column or one key expression", o
            continue
        if _NAME.match(e):
            hint = difflib.get_close_matches(e, list(columns), 1)
            yield (f"partition_by names {e!r}, which is not a column of table {name}"
                   + (f" (did you mean {hint[0]!r}?)" if hint else "")), o
    if t.distribution is not None or t.reference:
        yield "a partitioned table cannot also be a Citus distributed or reference table in pgdecl's specs", o
    key_cols, expression = _plain_key_columns(pb, columns)
    root = project.tables[root_of(project, name)]
    from .render import primary_key, uniques

    keys = [("primary key", primary_key(root))] if primary_key(root) else []
    keys += [(f"unique constraint {u.name}", list(u.columns)) for u in uniques(root_of(project, name), root)]
    keys += [(f"unique index {ix.name or ', '.join(ix.columns)}", list(ix.columns))
             for ix in root.indexes if ix.unique]
    for what, cols in keys:
        if expression:
            yield (f"{what} of table {root_of(project, name)}: PostgreSQL refuses a primary key or unique "
                   f"constraint on a table partitioned by an expression ({key_sql(pb, columns)})"), o
            continue
        missing = [c for c in key_cols if c not in cols]
        if missing:
            where = "" if root_of(project, name) == name else f" (inherited from {root_of(project, name)})"
            yield (f"{what} ({', '.join(cols)}){where} leaves out the partition key column "
                   f"{', '.join(missing)}: PostgreSQL refuses a unique constraint on a partitioned table "
                   f"unless it includes every partition key column; add {', '.join(missing)} to it"), o
    if root_of(project, name) == name:
        identity = [c for c, col in t.columns.items() if col.identity]
        if identity:
            yield (f"column {identity[0]}: identity columns are not supported on partitioned tables before "
                   "PostgreSQL 17; use a sequence default (default: \"nextval('seq')\")"), o


_PARTITION_KEYS = ("columns", "primary_key", "foreign_keys", "unique", "traits")


def _partition(project: Project, name: str, t: Table) -> Iterator[tuple[str, Origin | None]]:
    o = t.origin
    if t.partition_of is None:
        yield "bounds belong to a partition: add partition_of: PARENT", _origin(t.bounds, t)
        return
    parent = parent_name(name, t)
    if parent is None or not t.partition_of.strip():
        yield "partition_of must name the partitioned table this table is a partition of", o
        return
    if t.bounds is None:
        yield (f"partition of {parent} needs bounds: {{from, to}}, {{in}}, {{modulus, remainder}} or "
               "default"), o
    for key in _PARTITION_KEYS:
        if getattr(t, key):
            yield (f"{key} of a partition come from its parent {parent}: remove {key} here (PostgreSQL "
                   "gives every partition its parent's columns, keys and foreign keys)"), o
    if t.distribution is not None or t.reference:
        yield "a partition cannot be a Citus distributed or reference table in pgdecl's specs", o
    if parent == name or name in ancestors(project, parent):
        yield f"partition_of makes a cycle through {parent}", o
        return
    target = project.tables.get(parent)
    if target is None:
        hint = difflib.get_close_matches(parent, list(project.tables), 1)
        yield (f"partition_of names {t.partition_of!r}, which is not a table in the specs"
               + (f" (did you mean {hint[0]!r}?)" if hint else "")), o
        return
    if target.partition_by is None:
        yield (f"partition_of names {parent}, which is not partitioned: give {parent} a partition_by "
               "(range(key), list(key) or hash(key))"), o
        return
    if t.bounds is not None:
        yield from _bounds(project, name, parent, target.partition_by, t.bounds, _origin(t.bounds, t))


def _bounds(project: Project, name: str, parent: str, pb: PartitionBy, b: Bounds,
            o: Origin | None) -> Iterator[tuple[str, Origin | None]]:
    form = b.form()
    expect = {"range": "{from: [...], to: [...]}", "list": "{in: [...]}",
              "hash": "{modulus: N, remainder: R}"}[pb.strategy]
    if form == "mixed":
        yield (f"bounds take one form: for {pb.strategy} partitioning of {parent}, {expect}"
               + ("" if pb.strategy == "hash" else " or default")), o
        return
    if form == "default":
        if pb.strategy == "hash":
            yield f"a hash partitioned table ({parent}) has no default partition; give {expect}", o
        return
    if form != pb.strategy:
        yield (f"{form} bounds for a partition of {parent}, which is partitioned by {pb.strategy}: "
               f"give {expect}" + ("" if pb.strategy == "hash" else " or default")), o
        return
    n = len(pb.columns)
    if form == "range":
        for side, values in (("from", b.from_), ("to", b.to)):
            if not values:
                yield f"range bounds need both from and to (missing {side})", o
            elif len(values) != n:
                yield (f"bounds {side} has {len(values)} value(s); the partition key of {parent} has {n} "
                       f"({', '.join(pb.columns)})"), o
    elif form == "list" and not b.in_:
        yield "list bounds need at least one value in `in`", o
    elif form == "hash":
        if b.modulus is None or b.remainder is None:
            yield "hash bounds need both modulus and remainder", o
        elif b.modulus < 1 or not 0 <= b.remainder < b.modulus:
            yield f"hash bounds need modulus >= 1 and 0 <= remainder < modulus, got {b.modulus} and {b.remainder}", o
    for values in (b.from_, b.to, b.in_):
        for v in values or ():
            if not isinstance(v, str):
                yield f"bound value {v!r} must be SQL text, e.g. \"'{v}'\" or {str(v).lower()}", o
                continue
            problem = bound_value_problem(v)
            if problem is not None:
                yield f"bound value {v!r:.80} is not one SQL value: {problem}", o
