"""Citus on the live side: the distributed and reference tables of a coordinator (pg_dist_partition,
see citus.sql), the calls that make them match the specs, and where those calls go in a plan.

The desired side is built in a scratch database without Citus, so the diff sees plain tables; the
Citus state is compared here, table by table:

- a table the specs distribute (or make a reference table) that is plain on the live side:
  `create_distributed_table` / `create_reference_table`, after its CREATE TABLE and before the foreign
  keys that involve it (Citus only accepts foreign keys between tables it already knows);
- distribution column, shard count or colocation changed: `alter_distributed_table` (a rewrite:
  hazards table_rewrite and long_lock); a shard count shared by a whole colocation group changes once,
  with cascade_to_colocated;
- distributed or reference on the live side but not in the specs, or switching between the two:
  `undistribute_table` first (the same hazards).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

import psycopg

from .citus_spec import (CITUS_DEFAULT_SHARD_COUNT, DISTRIBUTED, REFERENCE, Want, creation_order, group_key,
                         normal_type, wanted)
from .errors import PlanError
from .hazards import LONG_LOCK, TABLE_REWRITE, Hazard
from .model import Project, qualify
from .render import _env, literal

if TYPE_CHECKING:
    from .plan import Step

LIVE_SQL = (Path(__file__).with_name("citus.sql")).read_text()
SEQUENTIAL = "SET LOCAL citus.multi_shard_modify_mode TO 'sequential'"
UNSAFE_TRIGGERS = "SET LOCAL citus.enable_unsafe_triggers TO on"


@dataclass(frozen=True)
class Live:
    """A table Citus knows on the live side."""

    kind: str               # distributed, reference or local (a Citus local table)
    column: str | None
    colocation: int
    shard_count: int
    column_type: str | None = None


@dataclass(frozen=True)
class Call:
    """One Citus function call of a plan."""

    op: str       # distribute, reference, undistribute or alter
    table: str    # qualified name
    sql: str
    rewrite: bool  # runs on a table that exists (and may hold rows) before the plan

    @property
    def hazards(self) -> tuple[Hazard, ...]:
        if not self.rewrite:
            return ()
        what = {"undistribute": "undistribute_table copies every shard back into one table on the coordinator",
                "alter": "alter_distributed_table copies every row into a new set of shards",
                }.get(self.op, "Citus copies the table's rows into shards")
        return (Hazard(TABLE_REWRITE, f"{what} ({self.table})"),
                Hazard(LONG_LOCK, f"writes to {self.table} are blocked while its rows are copied"))


def installed(conn: psycopg.Connection) -> bool:
    return conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'citus'").fetchone() is not None


def read_live(conn: psycopg.Connection) -> tuple[dict[str, Live], int]:
    """Citus tables by qualified name, and the cluster's default shard count."""
    tables = {row[0]: Live(*row[1:]) for row in conn.execute(LIVE_SQL).fetchall()}
    default = conn.execute("SELECT current_setting('citus.shard_count')::int").fetchone()
    return tables, int(default[0]) if default else CITUS_DEFAULT_SHARD_COUNT


def _existing(conn: psycopg.Connection, names: Iterable[str]) -> set[str]:
    rows = conn.execute("""SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n
                           ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p')
                           AND n.nspname || '.' || c.relname = ANY(%s)""", (sorted(names),)).fetchall()
    return {r[0] for r in rows}


def _sql(op: str, table: str, **kw: object) -> str:
    return _env().get_template("citus.sql.j2").render(op=op, name=table, **kw)


def _renamed(project: Project, live: dict[str, Live]) -> dict[str, Live]:
    """Live state under the specs' names: a table renamed by the plan keeps its Citus metadata."""
    out = dict(live)
    for name, t in project.tables.items():
        if t.renamed_from and name not in out:
            old = qualify(t.renamed_from, name.split(".", 1)[0])
            if old in out:
                out[name] = out.pop(old)
    return out


def plan_calls(project: Project, live: dict[str, Live], existing: set[str],
               default_shard_count: int = CITUS_DEFAULT_SHARD_COUNT) -> list[Call]:
    """The Citus calls that make `live` (Citus tables by name; `existing`: the specs' tables the live
    database has at all) match the specs. Pure: no database."""
    want = wanted(project)
    live = _renamed(project, live)
    calls: list[Call] = []
    plain_now: set[str] = set()  # tables that are plain once the undistributes ran
    for name in sorted(project.tables):
        cur, w = live.get(name), want.get(name)
        if cur is not None and cur.kind in (DISTRIBUTED, REFERENCE) and (w is None or w.kind != cur.kind):
            calls.append(Call("undistribute", name, _sql("undistribute", name), True))
            plain_now.add(name)
        elif cur is None or cur.kind not in (DISTRIBUTED, REFERENCE):
            plain_now.add(name)
    creates = [n for n in want if n in plain_now]
    for name in creation_order(project, creates):
        w = want[name]
        if w.kind == REFERENCE:
            calls.append(Call("reference", name, _sql("reference", name), name in existing))
        else:
            own = project.tables[name].distribution
            count = own.shard_count if own is not None and w.colocate_with in (None, "none") else None
            calls.append(Call("distribute", name, _sql("distribute", name, column=w.column,
                                                       colocate_with=w.colocate_with, shard_count=count),
                              name in existing))
    calls += _alters(project, want, live, set(creates), default_shard_count)
    return calls


def _alters(project: Project, want: dict[str, Want], live: dict[str, Live], created: set[str],
            default_shard_count: int) -> list[Call]:
    """alter_distributed_table for distributed tables that stay distributed but differ."""
    keep = [n for n in creation_order(project, [n for n, w in want.items() if w.kind == DISTRIBUTED])
            if n not in created and live.get(n) is not None and live[n].kind == DISTRIBUTED]
    key = {n: group_key(project, n, default_shard_count) for n, w in want.items() if w.kind == DISTRIBUTED}
    group_of = {n: live[n].colocation for n in keep}  # live groups, as the calls below change them
    count_of = {n: live[n].shard_count for n in keep}
    out: list[Call] = []
    for name in keep:
        w, cur = want[name], live[name]
        params: list[tuple[str, str]] = []
        if w.column != cur.column:
            params.append(("distribution_column", literal(w.column)))
        peers = [p for p in keep if p != name and key[p] == key[name] and p in _before(keep, name)]
        target = w.colocate_with if w.colocate_with not in (None, "none") else (peers[0] if peers else None)
        live_peers = {p for p in keep if p != name and group_of[p] == group_of[name]}
        if target is not None and target in group_of and group_of[target] != group_of[name]:
            params.append(("colocate_with", literal(target)))  # adopts the target's shard count
            group_of[name], count_of[name] = group_of[target], count_of[target]
        elif w.colocate_with == "none" and any(key.get(p) != key[name] for p in live_peers):
            params.append(("colocate_with", literal("none")))
            group_of[name] = -len(out) - 1 - len(keep)
        else:
            count = w.shard_count or (default_shard_count if w.colocate_with in (None, "none") else None)
            if count is not None and count != count_of[name]:
                params.append(("shard_count", str(count)))
                if live_peers:
                    # the whole live group moves together when the specs keep it together
                    together = all(key.get(p) == key[name] and p in want for p in live_peers)
                    params.append(("cascade_to_colocated", "true" if together else "false"))
                    moved = live_peers if together else set()
                    for p in moved:
                        count_of[p] = count
                count_of[name] = count
        if params:
            out.append(Call("alter", name, _sql("alter", name, params=params), True))
    return out


def _before(order: list[str], name: str) -> list[str]:
    return order[: order.index(name)]


def citus_steps(live_conninfo: str, desired_project: Project) -> list[str]:
    """The Citus calls a plan needs against the live database, as SQL (the hook's plain form)."""
    return [c.sql for c in live_calls(live_conninfo, desired_project)]


def live_calls(live_conninfo: str, project: Project) -> list[Call]:
    """Read the live Citus state and plan the calls. A project with Citus keys needs the extension."""
    want = wanted(project)
    from .db import Database, connect

    with connect(Database(live_conninfo), autocommit=True) as conn:
        if not installed(conn):
            if want:
                first = sorted(want)[0]
                raise PlanError(f"table {first} is distributed or a reference table in the specs, but the "
                                "database has no citus extension: run CREATE EXTENSION citus on the coordinator "
                                "and add the workers first")
            return []
        live, default = read_live(conn)
        existing = _existing(conn, set(project.tables) | set(live))
    return plan_calls(project, live, existing, default)


def _fk(sql: str) -> tuple[str, str, str] | None:
    """(table, referenced table, constraint) of an ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY."""
    from pglast import ast
    from pglast.enums import AlterTableType, ConstrType

    from . import sqltree

    stmt = sqltree.fresh(sql)
    if not isinstance(stmt, ast.AlterTableStmt):
        return None
    for cmd in stmt.cmds or ():
        c = getattr(cmd, "def_", None)
        if cmd.subtype == AlterTableType.AT_AddConstraint and isinstance(c, ast.Constraint) \
                and c.contype == ConstrType.CONSTR_FOREIGN:
            rel, pk = stmt.relation, c.pktable
            return (f"{rel.schemaname or 'public'}.{rel.relname}", f"{pk.schemaname or 'public'}.{pk.relname}",
                    c.conname or "")
    return None


def _validated(sql: str) -> str | None:
    """The constraint an ALTER TABLE ... VALIDATE CONSTRAINT validates."""
    from pglast import ast
    from pglast.enums import AlterTableType

    from . import sqltree

    stmt = sqltree.fresh(sql)
    if isinstance(stmt, ast.AlterTableStmt) and len(stmt.cmds or ()) == 1 \
            and stmt.cmds[0].subtype == AlterTableType.AT_ValidateConstraint:
        return str(stmt.cmds[0].name)
    return None


def merge(steps: Sequence["Step"], calls: Sequence[Call], project: Project) -> tuple["Step", ...]:
    """The plan's steps with the Citus calls in the main transaction: undistributes first; creates and
    alters after the rest of the main phase, except the foreign keys that involve a table they create,
    which follow them. With any call, the transaction runs Citus's multi-shard commands sequentially (a
    distributed table made in a transaction may then take foreign keys to reference tables), and allows
    triggers on Citus tables when the specs give one any."""
    from .online import MAIN, PRE
    from .plan import Step

    main = [s for s in steps if s.phase == MAIN]
    triggers = any(project.tables[n].triggers for n in wanted(project))
    if not calls:
        if not (triggers and main):
            return tuple(steps)
        return tuple([s for s in steps if s.phase == PRE] + [Step(UNSAFE_TRIGGERS, (), MAIN, "citus")] + main
                     + [s for s in steps if s.phase not in (MAIN, PRE)])
    made = {c.table for c in calls if c.op in ("distribute", "reference")}
    fks = [s for s in main if (t := _fk(s.sql)) is not None and (t[0] in made or t[1] in made)]
    names = {t[2] for s in fks if (t := _fk(s.sql)) is not None}
    fks += [s for s in main if _validated(s.sql) in names]  # after the keys they validate
    moved = {id(s) for s in fks}
    rest = [s for s in main if id(s) not in moved]
    first = [Step(c.sql, c.hazards, MAIN, "citus") for c in calls if c.op == "undistribute"]
    last = [Step(c.sql, c.hazards, MAIN, "citus") for c in calls if c.op != "undistribute"]
    setup = [Step(SEQUENTIAL, (), MAIN, "citus")]
    if triggers:
        setup.append(Step(UNSAFE_TRIGGERS, (), MAIN, "citus"))
    new_main = setup + first + rest + last + fks
    before = [s for s in steps if s.phase == PRE]
    after = [s for s in steps if s.phase not in (MAIN, PRE)]
    return tuple(before + new_main + after)


_EXTENSION_MEMBER = "d.refclassid = 'pg_extension'::regclass"


def fix_extension_members(si_module: object) -> None:
    """schemainspect hides every object with any pg_depend row on an extension, but only deptype 'e'
    makes an object an extension's member: Citus records a normal ('n') dependency of each
    distributed and reference table on its extension, which hid those tables, their columns, indexes
    and constraints from the diff. Patch its queries (module constants read per inspection)."""
    for attr, value in list(vars(si_module).items()):
        if attr.endswith("_QUERY") and isinstance(value, str) and _EXTENSION_MEMBER in value \
                and "d.deptype = 'e'" not in value:
            setattr(si_module, attr, value.replace(_EXTENSION_MEMBER, f"d.deptype = 'e' and {_EXTENSION_MEMBER}"))


CITUS_EXTENSIONS = ("citus", "citus_columnar")
CITUS_SCHEMAS = ("citus", "citus_internal", "columnar", "columnar_internal", "pg_catalog")
_SNAPSHOT_PROPS = ("schemas", "relations", "tables", "views", "functions", "selectables", "sequences",
                   "constraints", "indexes", "enums", "privileges", "collations", "triggers", "rlspolicies",
                   "types", "domains")


def exclude(snapshot: Any) -> None:
    """Leave Citus's own objects out of a schemainspect snapshot: its extensions, and whatever lives in
    its schemas or pg_catalog (the triggers on pg_dist_* tables). Shard tables are hidden by Citus
    itself from other sessions' catalog reads on the coordinator."""
    exts = getattr(snapshot, "extensions", None)
    if not exts or not any(e in exts or f'"{e}"' in exts for e in CITUS_EXTENSIONS):
        return
    snapshot.extensions = {k: v for k, v in exts.items() if getattr(v, "name", k).strip('"') not in CITUS_EXTENSIONS}
    for prop in _SNAPSHOT_PROPS:
        objs = getattr(snapshot, prop, None)
        if isinstance(objs, dict):
            setattr(snapshot, prop, {k: v for k, v in objs.items()
                                     if getattr(v, "schema", None) not in CITUS_SCHEMAS})


def spec_keys(live: dict[str, Live], name: str) -> dict[str, object]:
    """The Citus keys `pgdecl import` writes for table `name` (schema.name): `reference: true`, or a
    distribution whose colocation the specs reproduce: the first table of each live colocation group
    (by name) gives the shard count, the others colocate_with it; a group that Citus's default
    grouping would merge with an earlier one gets colocate_with: none."""
    cur = live.get(name)
    if cur is None or cur.kind == "local":
        return {}
    if cur.kind == REFERENCE:
        return {"reference": True}
    groups: dict[int, list[str]] = {}
    for n in sorted(live):
        if live[n].kind == DISTRIBUTED:
            groups.setdefault(live[n].colocation, []).append(n)
    members = groups[cur.colocation]
    root = members[0]
    if root != name:
        same_schema = root.split(".", 1)[0] == name.split(".", 1)[0]
        return {"distribution": {"column": cur.column, "colocate_with": root.split(".", 1)[1] if same_schema else root}}
    dist: dict[str, object] = {"column": cur.column, "shard_count": cur.shard_count}

    def default_key(n: str) -> tuple[str, int]:
        return normal_type(live[n].column_type or ""), live[n].shard_count

    earlier = [g[0] for g in groups.values() if g[0] < root]
    if any(default_key(r) == default_key(root) for r in earlier):
        dist = {"column": cur.column, "colocate_with": "none", "shard_count": cur.shard_count}
    return {"distribution": dist}
