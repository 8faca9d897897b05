"""Plan: specs -> DDL -> scratch database -> diff against the live database -> a typed plan.

A plan records what it was made against (the live fingerprint) and what it aims at (the spec and
DDL fingerprints); every step carries the hazards found in its parse tree.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, ContextManager

from . import __version__, cache, catalog_diff, citus, citus_spec, partition_plan, plan_cache, renames, reorder, sides, sqltree, violations
from .db import Database, connect, resolve_target
from .desired import Desired, desired_from_specs, specs_key
from .engine import checks, kinds, views
from .engine.describe import describe
from .engine.ops import Operation
from .errors import PgdeclError, PlanError
from .hazards import DATA_LOSS, TABLE_REWRITE, Hazard, classify, created_tables, recreated_objects
from .online import MAIN, POST, PRE, constraint_names, rewrite_operations
from .render import ident
from .scratch import can_create_databases
from .server import LocalServer

if TYPE_CHECKING:
    from .engine.graph import Graph

PLAN_FORMAT = 2


@dataclass(frozen=True)
class Step:
    sql: str
    hazards: tuple[Hazard, ...] = ()
    phase: str = MAIN     # pre (committed first), main (one transaction) or post (after it, one by one)
    source: str = "diff"  # diff (migra and pgdecl's catalog diff) or roles (pgdecl)
    action: str = ""      # the operation (pgdecl.engine.ops): create, alter, drop, replace, rename, grant, ...
    object: str = ""      # what it is about: `relation public.users`, `column public.users.email`, ...
    lock: str = ""        # the lock it takes on that object (`ACCESS EXCLUSIVE`, `SHARE`, ...), "" for none
    origin: str | None = None  # the spec file:line of the object, when the specs have it

    @property
    def transactional(self) -> bool:
        """Runs in the plan's one all-or-nothing transaction."""
        return self.phase == MAIN


@dataclass(frozen=True)
class Plan:
    target: str                 # display form of the live database, never with a password
    live_fingerprint: str       # the live schema the plan was made against
    desired_fingerprint: str    # hash of the desired DDL
    spec_fingerprint: str       # hash of the normalised spec model
    steps: tuple[Step, ...]
    lock_timeout: str = "10s"
    statement_timeout: str = "0"
    created_at: float = field(default_factory=time.time)
    pgdecl_version: str = __version__
    notes: tuple[str, ...] = ()  # what the plan leaves undone on purpose (column order, without reorder)

    @property
    def empty(self) -> bool:
        return not self.steps

    def phase(self, name: str) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.phase == name)

    def hazard_kinds(self) -> set[str]:
        return {h.kind for s in self.steps for h in s.hazards}

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["format"] = PLAN_FORMAT
        return d

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Plan":
        if data.get("format") != PLAN_FORMAT:
            raise PlanError(f"unsupported plan file format {data.get('format')!r}")
        optional = ("action", "object", "lock", "origin")
        steps = tuple(Step(s["sql"], tuple(Hazard(**h) for h in s["hazards"]), s["phase"], s["source"],
                           **{k: s[k] for k in optional if k in s})
                      for s in data["steps"])
        fields = {k: v for k, v in data.items() if k not in ("steps", "format", "notes")}
        return cls(steps=steps, notes=tuple(data.get("notes", [])), **fields)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_json(), indent=2) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> "Plan":
        try:
            return cls.from_json(json.loads(Path(path).read_text()))
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise PlanError(f"cannot read plan file {path}: {e}") from None


class LiveGraph:
    """The live side's dependency graph, read from the database on first use only (a plan that drops
    nothing never needs it) and then kept for the plan."""

    def __init__(self, db: Database | None) -> None:
        self.db = db
        self._graph: Graph | None = None

    def __call__(self) -> Any:
        from .engine import graph as depgraph

        if self._graph is None and self.db is not None:
            with connect(self.db) as conn:
                self._graph = depgraph.read(conn)
        return self._graph


def dependency_order(ops: list[Operation], desired_graph: Any, live_graph: Callable[[], Any]) -> list[Operation]:
    """Operations sorted by what they need, provide and drop: the desired side's pg_depend for
    creates, the live side's (read only when the plan drops something) for drops."""
    from .engine.order import order

    live = live_graph() if any(op.removes for op in ops) else None
    return order(ops, desired_graph, live)


def _scratch_admin(live: Database, dev_url: str | None, roles: bool, server: LocalServer) -> Database:
    """Where to build the desired side: --dev-url, else the target's server when it allows CREATE
    DATABASE (and nothing cluster-wide would be created there), else the local server."""
    if dev_url:
        return Database(dev_url)
    if live.local or roles or not can_create_databases(live):
        return Database(server.ensure_running(), local=True)
    return live


def make_plan(project_dir: str | Path = "schema", database_url: str | None = None, dev_url: str | None = None,
              lock_timeout: str = "10s", statement_timeout: str = "0",
              server: LocalServer | None = None, desired: Desired | None = None, online: bool = True,
              reorder_columns: bool = False, check_load: bool = True) -> Plan:
    """Plan the changes that make the live database match the specs. With `online` (the default),
    steps are made online-safe (see pgdecl.online); else everything runs in one transaction. With
    `reorder_columns`, columns of live tables are rebuilt into the specs' order (pgdecl.reorder);
    else the plan notes the tables left out of order.

    The live side is read while the desired side is fetched from the cache or built in a scratch
    database: the two are independent. Into an empty database the plan is the rendered DDL
    (pgdecl.fresh); `check_load=False` leaves proving that it loads to the caller (`apply` builds
    the desired side while the live database takes the plan, and commits only once it has)."""
    server = server or LocalServer()
    live = resolve_target(database_url, server)
    building = desired is None
    try:
        with ExitStack() as stack, ThreadPoolExecutor(max_workers=1) as pool:
            # the server's part of the plan starts while Python loads the specs (the pool's thread is
            # joined before the stack drops what it made)
            key = desired.specs_key if desired is not None else specs_key(project_dir)
            early = pool.submit(_early, stack, live, dev_url, server, key)
            desired = desired or desired_from_specs(project_dir, store_later=True, key=key, pretty=False)
            return _make_plan(live, dev_url, lock_timeout, statement_timeout, server, desired, online,
                              reorder_columns, check_load, early)
    finally:
        if building:
            cache.flush()  # the specs' cache entry, written meanwhile (a caller's desired side: its own)


@dataclass(frozen=True)
class _Early:
    """What a plan reads and makes on the servers before its specs are loaded."""

    sig: str | None                            # the live catalogs' signal (pgdecl.plan_cache)
    baseline: bool = False                     # a baseline is stored for it (pgdecl.incremental)
    admin: Database | None = None              # where the two scratch databases below are
    made: tuple[Database, Database] | None = None


def _early(stack: ExitStack, live: Database, dev_url: str | None, server: LocalServer,
           files: str | None) -> _Early:
    """The live catalog signal; with a baseline for it of a project without roles, made from other
    spec files than `files` (their specs_key: the same files plan nothing), the two empty scratch
    databases a plan from small sides needs. What fails here is left to the plan proper."""
    from . import incremental

    sig = plan_cache.signal(live)
    mark = incremental.peek(sig)
    if mark is None or mark.roles or (files is not None and mark.specs_key == files):
        return _Early(sig, mark is not None)
    try:
        admin = _scratch_admin(live, dev_url, False, server)
        return _Early(sig, True, admin, incremental.prepare(stack, admin))
    except (PgdeclError, OSError):
        return _Early(sig, True)


def _make_plan(live: Database, dev_url: str | None, lock_timeout: str, statement_timeout: str, server: LocalServer,
               desired: Desired, online: bool, reorder_columns: bool, check_load: bool, early: Future[_Early]) -> Plan:
    into_empty = _into_empty(live, desired, dev_url, server, check_load)
    if into_empty is not None:
        return Plan(target=live.display, live_fingerprint=into_empty[0], desired_fingerprint=desired.rendered.sha256(),
                    spec_fingerprint=desired.spec_fingerprint, steps=into_empty[1], lock_timeout=lock_timeout,
                    statement_timeout=statement_timeout)
    found = early.result()
    sig = found.sig  # the live catalogs' state: reuse what was read and planned against it
    # roles are cluster-wide: a project with roles builds its scratch side on a server of its own
    admin = _scratch_admin(live, dev_url, bool(desired.roles), server)
    with sides.DesiredSide(admin, desired.rendered) as desired_side:
        reuse = plan_cache.plan_key(sig, desired_side.key(), desired.spec_fingerprint,
                                    {"online": online, "reorder": reorder_columns})
        reused = plan_cache.get_plan(reuse, live, desired)
        if reused is None:
            made = found.made if found.admin is not None and found.admin.conninfo == admin.conninfo else None
            from .incremental import find

            base = find(sig) if found.baseline else None
            reused = _plan_steps(live, sig, desired, desired_side, online, reorder_columns, admin, base, made)
            plan_cache.put_plan(reuse, live, sig, reused)
    steps, notes = reused.steps, reused.notes
    violations.refuse(live, [s.sql for s in steps])  # rows that would make the apply fail: refused now
    notes = _unseen(live, notes)
    return Plan(
        target=live.display,
        live_fingerprint=reused.live_fingerprint,
        desired_fingerprint=desired.rendered.sha256(),
        spec_fingerprint=desired.spec_fingerprint,
        steps=steps,
        lock_timeout=lock_timeout,
        statement_timeout=statement_timeout,
        notes=notes,
    )


def _plan_steps(live: Database, sig: str | None, desired: Desired, desired_side: sides.DesiredSide, online: bool,
                reorder_columns: bool, admin: Database, base: Any = None,
                made: tuple[Database, Database] | None = None) -> plan_cache.Reused:
    """make_plan's steps and notes from the two sides. After a small change to specs whose last
    plan against these very catalogs was empty, from the objects the change touches only
    (pgdecl.incremental); else from the whole of both sides, the live one read while the desired
    one is fetched from the cache or built in a scratch database: the two are independent."""
    from . import incremental

    def finish(live_side: sides.Side, desired_read: sides.Side,
               scratch: Callable[[], ContextManager[Database]]) -> plan_cache.Reused:
        steps = steps_between(live, live_side, desired_read, online, desired.project, scratch, reorder_columns)
        # Citus: distributed and reference tables (pgdecl.citus); nothing when neither side uses it
        steps = citus.merge(steps, citus.live_calls(live.conninfo, desired.project), desired.project)
        untyped = [s for s in steps if not s.action]  # Citus's calls and what it moved: typed too
        if untyped:
            typed = dict(zip(map(id, untyped), _typed(untyped, desired.project)))
            steps = tuple(typed.get(id(s), s) for s in steps)
        notes = reorder.notes([s.sql for s in steps], live_side.schema, desired_read.schema)
        return plan_cache.Reused(steps, notes, live_side.fingerprint, tuple(live_side.roles))

    if base is not None and base.desired_key != desired_side.key() and not citus_spec.wanted(desired.project):
        small = incremental.plan_steps(live, admin, base, desired, online, reorder_columns, finish, made)
        if small is not None:
            return small  # type: ignore[no-any-return]
    sides.load_diff()
    with ThreadPoolExecutor(max_workers=1) as pool:
        live_read = pool.submit(plan_cache.read_live, live, desired.project, sig)
        if desired.project.roles:  # read the live roles before a scratch load makes them (cluster-wide)
            live_read.result()
        desired_read = desired_side.read()
        if not renames.hinted(desired.project):  # the scratch database is not asked for again
            desired_side.release()
        live_side = live_read.result()
        reused = finish(live_side, desired_read, desired_side.scratch)
    if not reused.steps and not reused.notes and plan_cache.signal(live) == sig:
        incremental.remember(sig, desired_side.key(), desired.project, desired.rendered, desired_read.graph,
                             live_side.fingerprint, desired.specs_key)
    return reused


def _into_empty(live: Database, desired: Desired, dev_url: str | None, server: LocalServer,
                check_load: bool) -> tuple[str, tuple[Step, ...]] | None:
    """(live fingerprint, steps) of the plan into an empty live database: the rendered DDL
    (pgdecl.fresh); None when the database holds anything. With `check_load`, the desired side is
    built (or found in the cache) first, which proves the DDL loads, as every plan does."""
    from . import fresh

    found = fresh.probe(live, desired)
    steps = None if found is None else fresh.steps(desired, found[1])
    if found is None or steps is None:
        return None
    if check_load:
        with sides.DesiredSide(_scratch_admin(live, dev_url, bool(desired.roles), server),
                               desired.rendered) as side:
            side.read()
    return found[0], steps


def _unseen(live: Database, notes: tuple[str, ...]) -> tuple[str, ...]:
    """The notes that no applied plan in the live database's history carried already: a column left
    at the end by an apply is noted once, not on every plan after it."""
    if not notes:
        return notes
    from .db import connect

    with connect(live) as conn:
        has = conn.execute("SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('pgdecl.history') "
                           "AND attname = 'notes' AND NOT attisdropped").fetchone()
        if not has:
            return notes
        seen = {r[0] for r in conn.execute("SELECT DISTINCT jsonb_array_elements_text(notes) FROM pgdecl.history "
                                           "WHERE outcome = 'applied'")}
    return tuple(n for n in notes if n not in seen)


def plan_between(live_db: Database, desired_db: Database, roles: list[str] | tuple[str, ...] = (),
                 online: bool = True, desired_project: Any = None,
                 reorder_columns: bool = False) -> tuple[Step, ...]:
    """The steps that turn the schema of `live_db` into that of `desired_db`, two existing databases
    that are only read: make_plan's diff, for `pgdecl diff` (which builds both sides in scratch
    databases). `roles` are role statements worked out by the caller. With `desired_project` (the
    specs `desired_db` was built from, a scratch database renames may be undone in), its
    renamed_from hints become rename steps as in make_plan."""
    sides.load_diff()
    with ThreadPoolExecutor(max_workers=1) as pool:
        desired_read = pool.submit(sides.read, desired_db, live=False)
        live_side = sides.read(live_db)
        desired_side = desired_read.result()
    live_side.roles = list(roles)
    return steps_between(live_db, live_side, desired_side, online, desired_project, lambda: nullcontext(desired_db),
                         reorder_columns)


def steps_between(live_db: Database, live: sides.Side, desired: sides.Side, online: bool = True,
                  desired_project: Any = None,
                  desired_scratch: Callable[[], ContextManager[Database]] | None = None,
                  reorder_columns: bool = False) -> tuple[Step, ...]:
    """The typed, ordered steps from two sides read from their databases. `desired_scratch` gives a
    database holding the desired schema, asked for only when a renamed_from hint is due."""
    try:
        return _steps_between(live_db, live, desired, online, desired_project, desired_scratch, reorder_columns)
    except PgdeclError:
        raise
    except (AttributeError, KeyError, TypeError, ValueError, IndexError, AssertionError) as e:
        # an unexpected catalog shape (in migra, schemainspect or pgdecl): an error naming the object
        raise PlanError(f"the diff cannot handle {_object_in(e)}: {type(e).__name__}: {e}. Nothing was changed; "
                        "please report this with the object's definition") from e
    finally:
        sqltree.clear()  # every stage has read the statements' trees: free them


def _object_in(e: BaseException) -> str:
    """The database object the failing code was looking at, read from its traceback's frames."""
    tb, found = e.__traceback__, None
    while tb is not None:
        for name in ("self", "v", "before", "o", "obj", "table", "ix", "con"):
            value = tb.tb_frame.f_locals.get(name)
            label = getattr(value, "quoted_full_name", None) or getattr(value, "signature", None)
            if isinstance(label, str):
                found = label
        tb = tb.tb_next
    return f"object {found}" if found else "an object of the database"


def _steps_between(live_db: Database, live: sides.Side, desired: sides.Side, online: bool,
                   desired_project: Any, desired_scratch: Callable[[], ContextManager[Database]] | None,
                   reorder_columns: bool) -> tuple[Step, ...]:
    from .diff import changes, enum_changes, index_definitions

    live_schema, live_extra, types = live.schema, live.extra, live.types
    desired_schema, desired_extra = desired.schema, desired.extra
    rename_ops: list[Operation] = []
    if desired_project is not None and desired_scratch is not None:
        rename_ops, live_schema, live_extra, types = renames.prepare(
            desired_project, live_db, desired_scratch, live_schema, desired_schema, live_extra, desired_extra, types)
    # enums that only gain values get ADD VALUE; enum_changes updates the live snapshot (read for this
    # plan only; the cached desired side is never changed) so migra sees them as they will be
    enum_adds, enum_losses = enum_changes(live_schema, desired_schema) if online else ([], {})
    # tables whose live columns are rebuilt into the specs' order: known before the diff, which then
    # runs once against the live side as the rebuilds leave it
    rebuilt = reorder.rebuilds(live_schema, desired_schema, live_extra, desired_extra) if reorder_columns \
        else reorder.Rebuilds((), live_schema, live_extra)

    live_graph = LiveGraph(live_db)
    statements = changes(rebuilt.live_schema, desired_schema, privileges=False)
    statements = views.minimal(statements, rebuilt.live_schema, desired_schema, live_graph, desired_extra["comments"])
    statements = catalog_diff.merge(statements, rebuilt.live_extra, desired_extra, desired_project)
    statements += kinds.compare(rebuilt.live_extra.get("kinds", {}), desired_extra.get("kinds", {}), statements)
    # SQL enters the plan here: from now on every stage reads and replaces typed operations
    ops = dependency_order([describe(sql) for sql in statements], desired.graph, live_graph)
    ops = reorder.columns(ops, rebuilt, live_schema, desired_schema, live_extra, desired_extra)
    if any(op.sql and sqltree.kind(op.sql) == "AlterExtensionStmt" for op in ops):
        with connect(live_db) as conn:
            checks.extension_updates([op.sql for op in ops], conn)
    if partition_plan.repartitioned(live_extra.get("partitions"), desired_extra.get("partitions")):
        with connect(live_db) as conn:
            partition_plan.refuse_repartitioning(live_extra.get("partitions"), desired_extra.get("partitions"), conn)
    ops = [describe(sql) for sql in enum_adds] + _without_indexes(_not_valid_kept(ops, desired.checks), live.invalid)
    recreated = recreated_objects([op.sql for op in ops])
    # indexes on tables and (materialized) views the plan creates are built in its transaction
    new_tables = created_tables([op.sql for op in ops]) | rebuilt.tables | recreated
    parts = live_extra.get("partitions") or {}
    rewritten = rewrite_operations(ops, new_tables, types, recreated, online,
                                   set(parts.get("tables", ())) | set(parts.get("indexes", ())))
    steps = [Step(sql, classify(sql), source="roles") for sql in live.roles]
    steps += [Step(op.sql, op.hazards or classify(op.sql), source=op.source, origin=op.origin) for op in rename_ops]
    steps += [Step(op.sql, op.hazards + _enum_loss(op.sql, enum_losses), op.phase) for op in rewritten]
    steps += _rebuild_invalid(live.invalid, index_definitions(desired_schema))
    touched = constraint_names([op.sql for op in ops])
    steps += [Step(sql, (), POST) for sql in _validations(live.checks, desired.checks, touched)]
    return tuple(_typed(_ordered(steps), desired_project))


def _typed(steps: list[Step], project: Any) -> list[Step]:
    """Each step with its operation's object, action and lock (pgdecl.engine.describe) and the spec
    line of its object."""
    from dataclasses import replace

    from .engine.describe import describe
    from .engine.origins import origin_of, origins

    if not steps:
        return steps
    ops = [describe(step.sql) for step in steps]
    known = origins(project, {o for op in ops for o in (*op.touches, *op.provides, op.obj) if o is not None})
    out = []
    for step, op in zip(steps, ops):
        where = origin_of([*sorted(op.touches), *sorted(op.provides), op.obj], known) if known else None
        out.append(replace(step, action=op.action, object=str(op.obj) if op.obj else "", lock=op.lock,
                           origin=step.origin or where))
    return out


def _not_valid_kept(ops: list[Operation], desired_checks: dict[tuple[str, str], bool]) -> list[Operation]:
    """Constraints the desired side holds NOT VALID (they bind new rows only) are added so and never
    validated: migra validates every constraint it adds."""
    from pglast import ast
    from pglast.enums import AlterTableType

    keep = {(t, n) for (t, n), valid in desired_checks.items() if not valid}
    if not keep:
        return ops
    out = []
    for op in ops:
        s = sqltree.statement(op.sql)
        if isinstance(s, ast.AlterTableStmt) and len(s.cmds or ()) == 1:
            cmd = s.cmds[0]
            table = f"{ident(s.relation.schemaname or 'public')}.{ident(s.relation.relname)}"
            if cmd.subtype == AlterTableType.AT_ValidateConstraint and (table, cmd.name) in keep:
                continue
            if cmd.subtype == AlterTableType.AT_AddConstraint and op.sql.endswith(" NOT VALID not valid"):
                op = describe(op.sql[: -len(" not valid")], op.source, op.origin)
        out.append(op)
    return out


def _validations(live: dict[tuple[str, str], bool], desired: dict[tuple[str, str], bool],
                 touched: set[str]) -> list[str]:
    """VALIDATE for constraints left NOT VALID on the live side (say, by an apply killed before its
    post phase) that the desired side has validated, unless the plan adds, drops or validates them
    (`touched`: the constraint names it names)."""
    return [f"ALTER TABLE {table} VALIDATE CONSTRAINT {ident(name)}" for (table, name), valid in sorted(live.items())
            if not valid and desired.get((table, name)) and name not in touched]


def _ordered(steps: list[Step]) -> list[Step]:
    """Steps in the order they run: pre, main, post (stable within each phase)."""
    order = {PRE: 0, MAIN: 1, POST: 2}
    return sorted(steps, key=lambda s: order[s.phase])


def _enum_loss(sql: str, losses: dict[str, list[str]]) -> tuple[Hazard, ...]:
    """migra recreates an enum that loses values; name the values on the step that starts it."""
    import pglast
    from pglast import ast

    if not losses:
        return ()
    s = sqltree.statement(sql)
    if isinstance(s, ast.RenameStmt) and s.renameType == pglast.enums.ObjectType.OBJECT_TYPE:
        name = ".".join(n.sval for n in s.object)
        name = name if "." in name else f"public.{name}"
        if name in losses and not losses[name]:  # the same values in another order
            return (Hazard(TABLE_REWRITE, f"reorders the values of enum {name}: the type is recreated and every "
                                          "column using it rewritten"),)
        if name in losses:
            labels = ", ".join(repr(v) for v in losses[name])
            return (Hazard(DATA_LOSS, f"removes value(s) {labels} from enum {name}: the type is recreated and "
                                      "every column using it rewritten; rows holding a removed value fail the apply"),)
    return ()


def _without_indexes(ops: list[Operation], names: dict[str, str]) -> list[Operation]:
    """The operations minus those creating or dropping the given indexes (rebuilt separately)."""
    if not names:
        return ops
    from .online import index_name

    return [op for op in ops if index_name(op.sql) not in names]


def _rebuild_invalid(live_invalid: dict[str, str], desired_defs: dict[str, str]) -> list[Step]:
    """An index left INVALID by a failed or killed concurrent build: drop it, and build it again
    when the specs have it."""
    from .online import concurrently

    out = []
    for name in sorted(live_invalid):
        drop = f"DROP INDEX CONCURRENTLY IF EXISTS {live_invalid[name]}"
        out.append(Step(drop, (), POST))  # an INVALID index serves no query: dropping it loses nothing
        if name in desired_defs:
            create = concurrently(desired_defs[name])
            out.append(Step(create, classify(create), POST))
    return out
