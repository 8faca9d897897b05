"""Apply: run a plan against the live database in one transaction, then check it converged."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import psycopg
from psycopg import sql as psql

from .catalog import live_fingerprint
from .db import Database, connect, scrub
from .errors import ApplyError, PlanError
from .hazards import KINDS
from .plan import Plan

LOCK_KEY = zlib.crc32(b"pgdecl apply")  # one advisory lock serialises applies to a database


@dataclass(frozen=True)
class ApplyResult:
    plan: Plan
    applied: int
    after: Plan | None  # the plan made again after applying; empty when the database converged


def check_hazards(plan: Plan, allowed: set[str]) -> None:
    """Refuse a plan whose hazards were not each allowed by name."""
    unknown = allowed - set(KINDS)
    if unknown:
        raise PlanError(f"unknown hazard kind(s): {', '.join(sorted(unknown))} (known: {', '.join(KINDS)})")
    missing = plan.hazard_kinds() - allowed
    if missing:
        lines = [f"  [{h.kind}] {h.message}" for s in plan.steps for h in s.hazards if h.kind in missing]
        flags = " ".join(f"--allow-hazard {k}" for k in sorted(missing))
        raise PlanError("the plan has hazards that were not allowed:\n" + "\n".join(lines)
                        + f"\nnothing was applied; to go ahead, review them and pass {flags}")


def execute(plan: Plan, live: Database) -> int:
    """Run every step in one transaction, under the advisory lock, after checking that the live
    schema is still the one the plan was made against. All or nothing."""
    with connect(live) as conn:
        try:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
                current = live_fingerprint(conn)
                if current != plan.live_fingerprint:
                    raise PlanError(f"the schema of {plan.target} changed since the plan was made; make a new plan")
                conn.execute(psql.SQL("SET LOCAL lock_timeout = {}").format(psql.Literal(plan.lock_timeout)))
                conn.execute(psql.SQL("SET LOCAL statement_timeout = {}").format(psql.Literal(plan.statement_timeout)))
                for i, step in enumerate(plan.steps, 1):
                    try:
                        conn.execute(step.sql.encode())
                    except psycopg.Error as e:
                        msg = scrub((e.diag.message_primary or str(e)).strip(), live.conninfo)
                        raise ApplyError(f"step {i} of {len(plan.steps)} failed: {msg}\n  {step.sql}\n"
                                         "the transaction was rolled back: nothing was applied") from None
        except psycopg.Error as e:
            raise ApplyError(f"apply failed: {scrub(str(e).strip(), live.conninfo)}; nothing was applied") from None
    return len(plan.steps)


def apply(project_dir: str = "schema", database_url: str | None = None, dev_url: str | None = None,
          allowed_hazards: set[str] | None = None, confirm=None, lock_timeout: str = "10s",
          statement_timeout: str = "0", server=None) -> ApplyResult:
    """Plan, refuse unallowed hazards, ask `confirm(plan)`, apply in one transaction, plan again.

    Raises ApplyError when the second plan is not empty: the database did not converge."""
    from .db import resolve_target
    from .plan import desired_from_specs, make_plan
    from .server import LocalServer

    server = server or LocalServer()
    desired = desired_from_specs(project_dir)
    plan = make_plan(project_dir, database_url, dev_url, lock_timeout, statement_timeout, server, desired)
    if plan.empty:
        return ApplyResult(plan, 0, plan)
    check_hazards(plan, allowed_hazards or set())
    if confirm is not None and not confirm(plan):
        return ApplyResult(plan, 0, None)
    live = resolve_target(database_url, server)
    applied = execute(plan, live)
    after = make_plan(project_dir, database_url, dev_url, lock_timeout, statement_timeout, server, desired)
    if not after.empty:
        shown = "\n".join(f"  {s.sql}" for s in after.steps)
        raise ApplyError(f"applied {applied} statements, but the database did not converge: a second plan "
                         f"still has {len(after.steps)} statements:\n{shown}")
    return ApplyResult(plan, applied, after)
