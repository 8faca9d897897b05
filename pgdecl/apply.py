"""Apply: run a plan against the live database, record it in the history, check it converged.

One advisory lock serialises applies to a database; it is taken before planning and held until the
re-plan, so a second `pgdecl apply` waits and then finds nothing to do. Phases run in order (see
pgdecl.online): `pre` steps each committed on their own, the `main` steps in one transaction, then
the `post` steps one by one. The history table `pgdecl.history` gets a row when an apply starts; the
main transaction marks it `main_committed` in the same commit as the DDL, so after a crash or a kill
at any moment the row says whether the transactional part landed (new schema) or not (old schema),
and how many pre and post steps ran. The next apply marks such rows `interrupted`. An apply whose
second plan is not empty (or cannot be made) ends `not_converged`, never `applied` (pgdecl.history).
Into an empty database the second plan is made only when the live state at the end of the main
transaction is not that of the same DDL loaded into a scratch database (pgdecl.fresh.DesiredBuild),
or, on the server that would hold that scratch database, when another session changed a catalog
while the main transaction ran (pgdecl.fresh.LiveLoad).
"""

from __future__ import annotations

import os
import signal
import time
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Callable, Iterator

import psycopg
from psycopg import sql as psql

from . import history, progress, sqltree
from .catalog import live_fingerprint
from .db import Database, connect, scrub
from .errors import ApplyError, PgdeclError, PlanError
from .hazards import KINDS
from .online import MAIN, POST, PRE, created_index
from .plan import Plan, Step

if TYPE_CHECKING:
    from . import fresh
    from .desired import Desired
    from .server import LocalServer

LOCK_KEY = zlib.crc32(b"pgdecl apply")  # one advisory lock serialises applies to a database
FAULT_ENV = "PGDECL_FAULT_KILL_AT"       # tests only: SIGKILL pgdecl at this statement boundary
PAUSE_ENV, PAUSE_FILE_ENV = "PGDECL_FAULT_PAUSE_AT", "PGDECL_FAULT_PAUSE_FILE"  # tests only: wait there


@dataclass(frozen=True)
class ApplyResult:
    plan: Plan
    applied: int
    after: Plan | None  # the plan made again after applying; empty when the database converged
    history_id: int | None = None


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


@contextmanager
def locked(live: Database, wait: float = 300.0) -> Iterator[psycopg.Connection]:
    """An autocommit connection holding pgdecl's advisory lock on the live database."""
    try:
        conn = connect(live, autocommit=True)
    except psycopg.Error as e:
        raise ApplyError(f"cannot connect to {live.display}: {scrub(str(e).strip(), live.conninfo)}") from None
    with conn:
        # the history must say what landed even after a crash, whatever the server's default
        conn.execute("SET synchronous_commit = on")
        deadline = time.monotonic() + wait
        waiting = progress.Waiting(f"another pgdecl apply to release its lock on {live.display} (up to {wait:.0f} s)")
        while not conn.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()[0]:  # type: ignore[index]
            waiting.tick()
            if time.monotonic() > deadline:
                raise ApplyError(f"another pgdecl apply has held the lock on {live.display} for over {wait:.0f} s; "
                                 "nothing was applied")
            time.sleep(0.2)
        try:
            yield conn
        finally:
            if not conn.closed:
                try:
                    conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
                except psycopg.Error:
                    pass  # the session's end releases it


class _Boundaries:
    """Counts statement boundaries; with PGDECL_FAULT_KILL_AT=n set (tests), pgdecl kills itself at
    boundary n, as a crash or `kill -9` would, to prove what the history and schema say afterwards.
    PGDECL_FAULT_PAUSE_AT=n (tests) writes the file PGDECL_FAULT_PAUSE_FILE at boundary n and waits
    until it is removed, so a test can stop the server there."""

    def __init__(self) -> None:
        at, pause = os.environ.get(FAULT_ENV), os.environ.get(PAUSE_ENV)
        self.kill_at = int(at) if at else None
        self.pause_at = int(pause) if pause else None
        self.passed = 0

    def __call__(self) -> None:
        if self.kill_at is not None and self.passed == self.kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        if self.pause_at is not None and self.passed == self.pause_at:
            flag = os.environ[PAUSE_FILE_ENV]
            with open(flag, "w") as fh:
                fh.write(str(os.getpid()))
            deadline = time.monotonic() + 300
            while os.path.exists(flag) and time.monotonic() < deadline:
                time.sleep(0.05)
        self.passed += 1


def _timeouts(conn: psycopg.Connection, plan: Plan, local: bool) -> None:
    scope = psql.SQL("SET LOCAL" if local else "SET")
    conn.execute(psql.SQL("{} lock_timeout = {}").format(scope, psql.Literal(plan.lock_timeout)))
    conn.execute(psql.SQL("{} statement_timeout = {}").format(scope, psql.Literal(plan.statement_timeout)))


def execute(plan: Plan, live: Database, conn: psycopg.Connection | None = None) -> tuple[int, int]:
    """Run the plan's phases under the advisory lock (taken here unless `conn` holds it), after
    checking that the live schema is still the one the plan was made against. Returns (statements
    applied, history id). The main phase is all or nothing."""
    if conn is None:
        with locked(live) as own:
            return execute(plan, live, own)
    done, row = _run(plan, live, conn)
    _finish(row, conn, None)
    return done, row.id


def _run(plan: Plan, live: Database, conn: psycopg.Connection,
         before_commit: Callable[[], None] | None = None,
         begin: Callable[[], None] | None = None) -> tuple[int, history.Row]:
    """The phases of `apply`, each step counted in the history row; the row is left `running`.
    `begin` runs at the start of the main transaction and `before_commit` at its end: what they raise
    rolls it back. Kept whole:
    the pre, main and post phases share one connection, one history row and one error path, and
    reading them in order is how to check that a step is never counted twice or lost."""
    current = live_fingerprint(conn)
    if current != plan.live_fingerprint:
        raise PlanError(f"the schema of {plan.target} changed since the plan was made; nothing was applied; "
                        "make a new plan")
    row = history.Row(live, conn, plan)
    boundary = _Boundaries()
    done = 0

    def fail(phase: str, i: int, step_sql: str, e: psycopg.Error, note: str) -> ApplyError:
        msg = history.lost(conn, e, live.conninfo)
        written = row.set("outcome = 'failed', finished_at = clock_timestamp(), error = %s", f"{phase} step {i}: {msg}")
        return ApplyError(f"{phase} step {i} failed: {msg}\n  {step_sql}\n{note}"
                          + ("" if written else row.unwritten()))

    pre, main, post = plan.phase(PRE), plan.phase(MAIN), plan.phase(POST)
    for i, step in enumerate(pre, 1):
        boundary()
        try:
            with progress.step(f"pre step {i}/{len(pre)}: {_short(step.sql)}"), conn.transaction():
                _timeouts(conn, plan, local=True)
                conn.execute(step.sql.encode())
                conn.execute("UPDATE pgdecl.history SET pre_done = %s WHERE id = %s", (i, row.id))
        except psycopg.Error as e:
            raise fail("pre", i, step.sql, e, f"{i - 1} earlier pre step(s) were committed; the main transaction "
                                              "did not run") from None
        done += 1
    if main:
        try:
            try:
                with progress.step(f"main transaction: {len(main)} statement(s)"), conn.transaction():
                    _timeouts(conn, plan, local=True)
                    if begin is not None:
                        begin()
                    _main_statements(conn, main, boundary, _batched(plan, boundary, conn))
                    if before_commit is not None:
                        before_commit()
                    conn.execute("UPDATE pgdecl.history SET main_committed = true WHERE id = %s", (row.id,))
            except _BatchFailed as e:  # rolled back; which statement failed is found by running them again
                raise (_StepFailed(len(main), _BATCH, e.error) if conn.closed  # before the commit: rolled back
                       else _pinpoint(conn, plan, main, e.error)) from None
        except (_StepFailed, psycopg.Error) as e:
            if conn.closed and not isinstance(e, _StepFailed):
                rolled_back = ("the connection was lost at the commit: the history row's main_committed says "
                               "whether it landed; run `pgdecl apply` again to finish")
            else:
                rolled_back = "the transaction was rolled back: " + (
                    "nothing was applied" if not pre else
                    f"none of its {len(main)} statements was applied; the {len(pre)} pre step(s) stay committed")
            if isinstance(e, _StepFailed):
                raise fail("main", e.index, e.sql, e.error, rolled_back) from None
            raise fail("main", len(main), "COMMIT", e, rolled_back) from None
        except PgdeclError as e:  # what had to hold before the commit did not (the desired side's load)
            written = row.set("outcome = 'failed', finished_at = clock_timestamp(), error = %s", f"main: {e}")
            raise ApplyError(f"{e}\nthe main transaction was rolled back: "
                             + ("nothing was applied" if not pre else f"the {len(pre)} pre step(s) stay committed")
                             + ("" if written else row.unwritten())) from None
        done += len(main)
    for i, step in enumerate(post, 1):
        boundary()
        try:
            if i == 1:
                _timeouts(conn, plan, local=False)
            with progress.step(f"post step {i}/{len(post)}: {_short(step.sql)}"):
                if _needs_autocommit(step.sql):
                    conn.execute(step.sql.encode())
                else:
                    with conn.transaction():
                        conn.execute(step.sql.encode())
            conn.execute("UPDATE pgdecl.history SET post_done = %s WHERE id = %s", (i, row.id))
        except psycopg.Error as e:
            note = "" if conn.closed else _clean_failed_index(conn, step.sql) + _validate_hint(conn, step.sql)
            raise fail("post", i, step.sql, e, "the main transaction was committed and "
                                               f"{i - 1} post step(s) ran; {note}run `pgdecl apply` again to "
                                               "finish") from None
        done += 1
    boundary()
    return done, row


def _finish(row: history.Row, conn: psycopg.Connection, after: Plan | None, fingerprint: str | None = None) -> None:
    """The row's outcome: `applied`, or `not_converged` with the steps a second plan still has;
    `fingerprint`: the live one after the apply, when it was just read."""
    if fingerprint is None:
        try:
            fingerprint = live_fingerprint(conn)
        except psycopg.Error:
            fingerprint = None
    if after is None or after.empty:
        written = row.set("outcome = 'applied', finished_at = clock_timestamp(), live_fingerprint_after = %s",
                          fingerprint)
    else:
        written = row.set("outcome = 'not_converged', finished_at = clock_timestamp(), live_fingerprint_after = %s, "
                          "remaining = %s, error = %s", fingerprint, history.steps_json(after.steps),
                          f"a second plan still has {len(after.steps)} statement(s)")
    if not written:
        raise ApplyError("the plan ran, but " + row.unwritten().lstrip("; "))


def _short(sql: str, width: int = 90) -> str:
    """One line of a statement, for progress lines."""
    line = " ".join(sql.split())
    return line if len(line) <= width else line[:width - 1] + "…"


class _StepFailed(Exception):
    def __init__(self, index: int, sql: str, error: psycopg.Error) -> None:
        super().__init__(sql)
        self.index, self.sql, self.error = index, sql, error


_BATCH = "(the main statements, sent as one batch)"


class _BatchFailed(Exception):
    def __init__(self, error: psycopg.Error) -> None:
        super().__init__(str(error))
        self.error = error


def _batched(plan: Plan, boundary: _Boundaries, conn: psycopg.Connection) -> bool:
    """Whether the main statements go in one round trip: unless a statement timeout is set (it would
    bound the whole batch, not each statement), a test stops pgdecl between statements, or the database
    runs Citus (it sends a DDL statement's source text on to the workers: the whole batch)."""
    from .citus import installed

    return plan.statement_timeout in ("0", "") and boundary.kill_at is None and boundary.pause_at is None \
        and not installed(conn)


def _main_statements(conn: psycopg.Connection, main: tuple[Step, ...], boundary: _Boundaries, batched: bool) -> None:
    """The main phase's statements, in the open transaction: joined into one simple query (one round
    trip, as `psql -1 -f` would send them) when `batched`, else one by one."""
    if batched:
        for _ in main:
            boundary()
        try:  # "\n;\n": a statement may end in a -- comment
            conn.execute("\n;\n".join(step.sql for step in main).encode())
        except psycopg.Error as e:
            raise _BatchFailed(e) from None
        return
    for i, step in enumerate(main, 1):
        boundary()
        try:
            conn.execute(step.sql.encode())
        except psycopg.Error as e:
            raise _StepFailed(i, step.sql, e) from None


def _pinpoint(conn: psycopg.Connection, plan: Plan, main: tuple[Step, ...], error: psycopg.Error) -> _StepFailed:
    """After a batch failed and was rolled back: its statements again one by one, in a transaction
    rolled back whatever happens, to name the one that fails (or the batch's error, when none does)."""
    found = _StepFailed(len(main), f"{_BATCH}; each ran when tried again alone", error)
    try:
        with conn.transaction():
            _timeouts(conn, plan, local=True)
            for i, step in enumerate(main, 1):
                try:
                    conn.execute(step.sql.encode())
                except psycopg.Error as e:
                    found = _StepFailed(i, step.sql, e)
                    break
            raise psycopg.Rollback()
    except psycopg.Error:  # the connection went meanwhile: the batch's own error is all there is
        pass
    return found


def _needs_autocommit(sql: str) -> bool:
    """CREATE/DROP INDEX CONCURRENTLY cannot run inside a transaction block."""
    from pglast import ast

    s = sqltree.statement(sql)
    return bool(getattr(s, "concurrent", False)) and isinstance(s, (ast.IndexStmt, ast.DropStmt))


def _validate_hint(conn: psycopg.Connection, sql: str) -> str:
    """After a failed VALIDATE: the rows breaking the constraint and how to fix them."""
    from .violations import hint

    found = hint(conn, sql)
    return f"{found}until then the NOT VALID constraint rejects new rows that break it; " if found else ""


def _clean_failed_index(conn: psycopg.Connection, sql: str) -> str:
    """A failed CREATE INDEX CONCURRENTLY leaves an INVALID index behind: drop it."""
    name = created_index(sql)
    if not name:
        return ""
    schema, _, bare = name.partition(".")
    row = conn.execute("SELECT NOT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                       "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname = %s",
                       (schema, bare)).fetchone()
    if not row or not row[0]:
        return ""
    try:
        conn.execute(psql.SQL("DROP INDEX CONCURRENTLY IF EXISTS {}").format(psql.Identifier(schema, bare)))
    except psycopg.Error:
        return f"the invalid index {name} it left could not be dropped (the next plan drops it); "
    return f"the invalid index {name} it left was dropped; "


def _replan(row: history.Row, applied: int, make: Callable[[], Plan]) -> Plan:
    """The second plan; when it cannot be made, the row says not_converged with the reason."""
    try:
        return make()
    except (PgdeclError, psycopg.Error) as e:
        reason = str(e) if isinstance(e, PgdeclError) else scrub(str(e).strip(), row.live.conninfo)
        written = row.set("outcome = 'not_converged', finished_at = clock_timestamp(), error = %s",
                          f"the second plan failed: {reason}")
        raise ApplyError(f"applied {applied} statement(s), but the second plan, which proves convergence, failed "
                         f"(history #{row.id} says not_converged):\n{reason}"
                         + ("" if written else row.unwritten())) from None


def _converged(after: Plan, applied: int, hid: int) -> None:
    if not after.empty:
        shown = "\n".join(f"  {s.sql}" for s in after.steps)
        raise ApplyError(f"applied {applied} statement(s), but the database did not converge: a second plan still "
                         f"has {len(after.steps)} statement(s) (history #{hid} says not_converged):\n{shown}\n"
                         "the specs describe something this server does not keep as written; fix the specs "
                         "(or report it) before applying again")


def _proof(live: Database, dev_url: str | None, server: LocalServer, desired: Desired,
           plan: Plan) -> fresh.LiveLoad | fresh.DesiredBuild:
    """What proves an apply into an empty database converged: the live load itself when it is the
    scratch load (pgdecl.fresh.alike), else the DDL loaded into a scratch database beside it."""
    from . import fresh
    from .plan import _scratch_admin

    admin = _scratch_admin(live, dev_url, False, server)
    if fresh.alike(admin, live):
        return fresh.LiveLoad(plan.live_fingerprint, desired.rendered)
    return fresh.DesiredBuild(admin, desired)


def apply(project_dir: str = "schema", database_url: str | None = None, dev_url: str | None = None,
          allowed_hazards: set[str] | None = None, confirm: Callable[[Plan], bool] | None = None,
          lock_timeout: str = "10s", statement_timeout: str = "0", server: LocalServer | None = None,
          online: bool = True, lock_wait: float = 300.0, reorder_columns: bool = False) -> ApplyResult:
    """Under the advisory lock: plan, refuse unallowed hazards, ask `confirm(plan)`, apply, plan again
    (into an empty database, unless its state after the DDL is the scratch load's: pgdecl.fresh).
    With `reorder_columns`, live columns are rebuilt into the specs' order (pgdecl.reorder).

    Raises ApplyError when the second plan is not empty: the database did not converge."""
    from . import cache

    try:
        return _apply(project_dir, database_url, dev_url, allowed_hazards, confirm, lock_timeout, statement_timeout,
                      server, online, lock_wait, reorder_columns)
    finally:
        cache.flush()  # the specs' cache entry, written by a thread meanwhile (fresh.desired_for)


def _apply(project_dir: str, database_url: str | None, dev_url: str | None, allowed_hazards: set[str] | None,
           confirm: Callable[[Plan], bool] | None, lock_timeout: str, statement_timeout: str,
           server: LocalServer | None, online: bool, lock_wait: float, reorder_columns: bool) -> ApplyResult:
    from .db import resolve_target
    from . import fresh
    from .plan import make_plan
    from .scratch import analyze_catalogs
    from .server import LocalServer

    server = server or LocalServer()
    live = resolve_target(database_url, server)
    desired = fresh.desired_for(project_dir)  # laid out, not prettified
    # into an empty database, the desired side is built while the live one takes the plan (pgdecl.fresh);
    # a project with roles (cluster-wide) builds it first, as for any plan
    alongside = not desired.project.roles
    with locked(live, lock_wait) as conn:
        history.mark_interrupted(conn)
        plan = make_plan(project_dir, database_url, dev_url, lock_timeout, statement_timeout, server, desired, online,
                         reorder_columns, check_load=not alongside)
        if plan.empty:
            return ApplyResult(plan, 0, plan)
        check_hazards(plan, allowed_hazards or set())
        if confirm is not None and not confirm(plan):
            return ApplyResult(plan, 0, None)
        build = _proof(live, dev_url, server, desired, plan) if alongside and fresh.from_render(plan) else None
        try:
            applied, row = _run(plan, live, conn, (lambda: build.before_commit(conn)) if build is not None else None,
                                (lambda: build.begin(conn)) if build is not None else None)
            if build is None:  # after a big apply the next plan's reads have statistics (a build's proof
                analyze_catalogs(conn, applied)  # analyzed them in the main transaction already)
            # the live database as committed is in the state of the scratch load: converged, no second
            # plan needed; else (or without a build) the second plan decides
            same = build.converged if build is not None else None
            after = replace(plan, steps=(), notes=(), live_fingerprint=same.fingerprint) if same is not None \
                else _replan(row, applied, lambda: make_plan(project_dir, database_url, dev_url, lock_timeout,
                                                             statement_timeout, server, desired, online,
                                                             reorder_columns))
            _finish(row, conn, after, same.fingerprint if same is not None else None)
        finally:
            if build is not None:
                build.join()  # its scratch database dropped
    _converged(after, applied, row.id)
    return ApplyResult(plan, applied, after, row.id)


def apply_saved(plan_file: str, database_url: str | None = None, allowed_hazards: set[str] | None = None,
                confirm: Callable[[Plan], bool] | None = None, project_dir: str | None = None,
                dev_url: str | None = None, server: LocalServer | None = None, lock_wait: float = 300.0) -> ApplyResult:
    """Apply a plan saved by `pgdecl plan -o`: refused unless the live schema is still the one it was
    made against, so what was reviewed is what runs. With the project's specs (their fingerprint
    must be the plan's), the database is planned again afterwards and must have converged."""
    from .db import resolve_target
    from .desired import desired_from_specs
    from .plan import make_plan
    from .server import LocalServer

    plan = Plan.load(plan_file)
    server = server or LocalServer()
    live = resolve_target(database_url, server)
    if live.display != plan.target:  # shown and confirmed as where it will run (the fingerprint guards the rest)
        plan = replace(plan, target=live.display)
    desired = None
    if project_dir is not None:
        desired = desired_from_specs(project_dir, pretty=False)
        if desired.spec_fingerprint != plan.spec_fingerprint:
            raise PlanError(f"the specs in {project_dir} changed since {plan_file} was made; make a new plan")
    if plan.empty:
        return ApplyResult(plan, 0, plan)
    check_hazards(plan, allowed_hazards or set())
    if confirm is not None and not confirm(plan):
        return ApplyResult(plan, 0, None)
    with locked(live, lock_wait) as conn:
        applied, row = _run(plan, live, conn)
        after = _replan(row, applied, lambda: make_plan(project_dir, database_url, dev_url, plan.lock_timeout,
                                                        plan.statement_timeout, server, desired)) \
            if desired is not None and project_dir is not None else None
        _finish(row, conn, after)
    if after is not None:
        _converged(after, applied, row.id)
    return ApplyResult(plan, applied, after, row.id)
