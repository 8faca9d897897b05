"""Plan: specs -> DDL -> scratch database -> diff against the live database -> a typed plan.

A plan records what it was made against (the live fingerprint) and what it aims at (the spec and
DDL fingerprints); every step carries the hazards found in its parse tree.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, ContextManager

from . import __version__, catalog_diff, renames, reorder, sides, sqltree
from .db import Database, resolve_target
from .desired import Desired, desired_from_specs
from .errors import PlanError
from .hazards import DATA_LOSS, Hazard, classify, created_tables, recreated_objects
from .online import MAIN, POST, PRE, constraint_names, rewrite, single_transaction
from .render import ident
from .scratch import can_create_databases
from .server import LocalServer

PLAN_FORMAT = 2


@dataclass(frozen=True)
class Step:
    sql: str
    hazards: tuple[Hazard, ...] = ()
    phase: str = MAIN     # pre (committed first), main (one transaction) or post (after it, one by one)
    source: str = "diff"  # diff (migra and pgdecl's catalog diff) or roles (pgdecl)

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
        steps = tuple(Step(s["sql"], tuple(Hazard(**h) for h in s["hazards"]), s["phase"], s["source"])
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


def order_functions_first(statements: list[str]) -> list[str]:
    """migra creates functions after tables, so a default, check or generated column calling a
    function of the specs fails. Move function creations (bodies unchecked) ahead of the first
    CREATE TABLE, unless their signature uses a relation the same plan creates."""
    from pglast import ast

    created: set[str] = set()
    kinds: list[str] = []
    for sql in statements:
        stmt = sqltree.statement(sql)
        if stmt is None:
            kinds.append("other")
            continue
        if isinstance(stmt, (ast.CreateStmt, ast.ViewStmt, ast.CreateTableAsStmt)):
            rel = stmt.relation if isinstance(stmt, ast.CreateStmt) else \
                stmt.view if isinstance(stmt, ast.ViewStmt) else stmt.into.rel
            created.add(rel.relname)
            kinds.append("table" if isinstance(stmt, ast.CreateStmt) else "other")
        elif isinstance(stmt, ast.CreateFunctionStmt):
            types = [stmt.returnType] + [p.argType for p in (stmt.parameters or ())]
            names = {t.names[-1].sval for t in types if t is not None}
            kinds.append("function" if not names & created else "other")
        elif isinstance(stmt, ast.VariableSetStmt) and stmt.name == "check_function_bodies":
            kinds.append("setting")
        else:
            kinds.append("other")
    if "table" not in kinds or "function" not in kinds:
        return statements
    first_table = kinds.index("table")
    moved = [s for s, k in zip(statements, kinds) if k in ("setting", "function")]
    rest = [s for s, k in zip(statements, kinds) if k not in ("setting", "function")]
    head = [s for s, k in zip(statements[:first_table], kinds[:first_table]) if k not in ("setting", "function")]
    return head + moved + rest[len(head):]


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
              reorder_columns: bool = False) -> Plan:
    """Plan the changes that make the live database match the specs. With `online` (the default),
    steps are made online-safe (see pgdecl.online); else everything runs in one transaction. With
    `reorder_columns`, columns of live tables are rebuilt into the specs' order (pgdecl.reorder);
    else the plan notes the tables left out of order.

    The live side is read while the desired side is fetched from the cache or built in a scratch
    database: the two are independent."""
    server = server or LocalServer()
    desired = desired or desired_from_specs(project_dir)
    live = resolve_target(database_url, server)
    with ThreadPoolExecutor(max_workers=1) as pool:
        live_read = pool.submit(sides.read, live, desired.project)
        # roles are cluster-wide: a project with roles builds its scratch side on a server of its own
        admin = _scratch_admin(live, dev_url, bool(desired.project.roles), server)
        with sides.DesiredSide(admin, desired.rendered) as desired_side:
            desired_read = desired_side.read()
            live_side = live_read.result()
            steps = steps_between(live, live_side, desired_read, online, desired.project, desired_side.scratch,
                                  reorder_columns)
            notes = reorder.notes([s.sql for s in steps], live_side.schema, desired_read.schema)
    return Plan(
        target=live.display,
        live_fingerprint=live_side.fingerprint,
        desired_fingerprint=desired.rendered.sha256(),
        spec_fingerprint=desired.spec_fingerprint,
        steps=steps,
        lock_timeout=lock_timeout,
        statement_timeout=statement_timeout,
        notes=notes,
    )


def plan_between(live_db: Database, desired_db: Database, roles: list[str] | tuple[str, ...] = (),
                 online: bool = True, desired_project: Any = None,
                 reorder_columns: bool = False) -> tuple[Step, ...]:
    """The steps that turn the schema of `live_db` into that of `desired_db`, two existing databases
    that are only read: make_plan's diff, for `pgdecl diff` (which builds both sides in scratch
    databases). `roles` are role statements worked out by the caller. With `desired_project` (the
    specs `desired_db` was built from, a scratch database renames may be undone in), its
    renamed_from hints become rename steps as in make_plan."""
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
    finally:
        sqltree.clear()  # every stage has read the statements' trees: free them


def _steps_between(live_db: Database, live: sides.Side, desired: sides.Side, online: bool,
                   desired_project: Any, desired_scratch: Callable[[], ContextManager[Database]] | None,
                   reorder_columns: bool) -> tuple[Step, ...]:
    from .diff import changes, enum_changes, index_definitions

    live_schema, live_extra, types = live.schema, live.extra, live.types
    desired_schema, desired_extra = desired.schema, desired.extra
    rename_steps: list[str] = []
    if desired_project is not None and desired_scratch is not None:
        rename_steps, live_schema, live_extra, types = renames.prepare(
            desired_project, live_db, desired_scratch, live_schema, desired_schema, live_extra, desired_extra, types)
    # enum_changes updates the live snapshot (read for this plan only; the cached desired side is
    # never changed)
    enum_adds, enum_losses = enum_changes(live_schema, desired_schema) if online else ([], {})
    statements = order_functions_first(changes(live_schema, desired_schema, privileges=False))
    statements = catalog_diff.merge(statements, live_extra, desired_extra, desired_project)
    statements, rebuilt = reorder.columns(  # the diff again against another live snapshot, when columns move
        statements, live_schema, desired_schema, live_extra, desired_extra,
        lambda s, e: catalog_diff.merge(order_functions_first(changes(s, desired_schema, privileges=False)), e,
                                        desired_extra, desired_project), reorder_columns)
    statements = enum_adds + _without_indexes(statements, live.invalid)
    new_tables, recreated = created_tables(statements) | rebuilt, recreated_objects(statements)
    if online:
        parts = live_extra.get("partitions") or {}
        rewritten = rewrite(statements, new_tables, types, recreated,
                            set(parts.get("tables", ())) | set(parts.get("indexes", ())))
    else:
        rewritten = single_transaction(statements, new_tables, types, recreated)
    steps = [Step(sql, classify(sql), source="roles") for sql in live.roles]
    steps += [Step(sql, classify(sql), source="renames") for sql in rename_steps]
    steps += [Step(r.sql, r.hazards + _enum_loss(r.sql, enum_losses), r.phase) for r in rewritten]
    steps += _rebuild_invalid(live.invalid, index_definitions(desired_schema))
    steps += [Step(sql, (), POST) for sql in _validations(live.checks, desired.checks, statements)]
    return tuple(_ordered(steps))


def _validations(live: dict[tuple[str, str], bool], desired: dict[tuple[str, str], bool],
                 statements: list[str]) -> list[str]:
    """VALIDATE for constraints left NOT VALID on the live side (say, by an apply killed before its
    post phase) that the desired side has validated, unless the plan adds, drops or validates them."""
    touched = constraint_names(statements)
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
        if name in losses:
            labels = ", ".join(repr(v) for v in losses[name])
            return (Hazard(DATA_LOSS, f"removes value(s) {labels} from enum {name}: the type is recreated and "
                                      "every column using it rewritten; rows holding a removed value fail the apply"),)
    return ()


def _without_indexes(statements: list[str], names: dict[str, str]) -> list[str]:
    """The statements minus those creating or dropping the given indexes (rebuilt separately)."""
    if not names:
        return statements
    from .online import index_name

    return [sql for sql in statements if index_name(sql) not in names]


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
