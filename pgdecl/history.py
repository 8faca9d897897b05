"""`pgdecl.history`: one row per apply, written so that a lost connection or a missing grant ends in
a clear message, never a traceback.

The schema `pgdecl` is used when it exists (an administrator may create it for a deploy role that
may not create schemas), else created. Ids are `max(id) + 1` under the apply lock, not the identity
sequence, so a sequence set back by a crash never makes the next apply fail on a duplicate key.
A write on a connection that died (server crash, terminated backend) is retried on a fresh one; when
that fails too, the caller says the row still reads `running` (the next apply marks it `interrupted`).
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import time
from typing import Any

import psycopg

from . import __version__
from .db import Database, connect, scrub
from .errors import ApplyError, PgdeclError
from .quoting import ident

OUTCOMES = ("running", "applied", "failed", "interrupted", "not_converged")
_OUTCOME_CHECK = "CHECK (outcome IN (" + ", ".join(f"'{o}'" for o in OUTCOMES) + "))"

TABLE_DDL = f"""
CREATE TABLE pgdecl.history (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at timestamptz,
    outcome text NOT NULL CONSTRAINT history_outcome_check {_OUTCOME_CHECK},
    main_committed boolean NOT NULL DEFAULT false,
    pre_done integer NOT NULL DEFAULT 0,
    post_done integer NOT NULL DEFAULT 0,
    spec_fingerprint text,
    desired_fingerprint text,
    live_fingerprint_before text NOT NULL,
    live_fingerprint_after text,
    statements jsonb NOT NULL,
    applied_by text NOT NULL,
    client text NOT NULL,
    pgdecl_version text NOT NULL,
    error text,
    remaining jsonb,
    notes jsonb NOT NULL DEFAULT '[]'
)
"""
# a table made by an earlier pgdecl gains what this one writes
UPGRADE_DDL = ("ALTER TABLE pgdecl.history ADD COLUMN IF NOT EXISTS remaining jsonb",
               "ALTER TABLE pgdecl.history ADD COLUMN IF NOT EXISTS notes jsonb NOT NULL DEFAULT '[]'",
               "ALTER TABLE pgdecl.history DROP CONSTRAINT IF EXISTS history_outcome_check",
               f"ALTER TABLE pgdecl.history ADD CONSTRAINT history_outcome_check {_OUTCOME_CHECK}")
RETRY_FOR = 5.0  # seconds to retry a history write on a fresh connection


def _who(conn: psycopg.Connection) -> tuple[str, str]:
    row = conn.execute("SELECT current_user, current_database()").fetchone()
    return str(row[0]), str(row[1])  # type: ignore[index]


def ensure(conn: psycopg.Connection) -> None:
    """The history table exists and takes this pgdecl's rows; else a PgdeclError naming the grant
    that is missing. Needs no privilege beyond SELECT/INSERT/UPDATE once the table is there."""
    user, dbname = _who(conn)
    try:
        schema, table = conn.execute(
            "SELECT to_regnamespace('pgdecl') IS NOT NULL, to_regclass('pgdecl.history') IS NOT NULL").fetchone()  # type: ignore[misc]
    except psycopg.errors.InsufficientPrivilege:
        raise _grant_error(user) from None
    try:
        with conn.transaction():
            if not schema:
                conn.execute("CREATE SCHEMA pgdecl")
                conn.execute("COMMENT ON SCHEMA pgdecl IS 'pgdecl bookkeeping: the history of applies. "
                             "Not part of any spec.'")
            if not table:
                conn.execute(TABLE_DDL)
    except psycopg.errors.InsufficientPrivilege:
        if not schema:
            raise ApplyError(
                f"role {user} may not create the schema pgdecl in database {dbname}, where pgdecl records each "
                f"apply; nothing was applied. Have an administrator run either\n"
                f"  CREATE SCHEMA pgdecl AUTHORIZATION {ident(user)};\n"
                f"or\n  GRANT CREATE ON DATABASE {ident(dbname)} TO {ident(user)};") from None
        raise ApplyError(
            f"role {user} may not create the table pgdecl.history in the schema pgdecl of database {dbname}; "
            f"nothing was applied. Have an administrator run\n  GRANT USAGE, CREATE ON SCHEMA pgdecl TO {ident(user)};"
        ) from None
    _upgrade(conn, user)
    ok = conn.execute("SELECT has_table_privilege('pgdecl.history', 'SELECT, INSERT, UPDATE') AND "
                      "has_schema_privilege('pgdecl', 'USAGE')").fetchone()[0]  # type: ignore[index]
    if not ok:
        raise _grant_error(user)


def _grant_error(user: str) -> ApplyError:
    return ApplyError(f"role {user} may not write the history table pgdecl.history; nothing was applied. Have "
                      f"an administrator run\n  GRANT USAGE ON SCHEMA pgdecl TO {ident(user)};\n"
                      f"  GRANT SELECT, INSERT, UPDATE ON pgdecl.history TO {ident(user)};")


def _upgrade(conn: psycopg.Connection, user: str) -> None:
    current = conn.execute(
        "SELECT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'pgdecl.history'::regclass "
        "               AND attname = 'remaining' AND NOT attisdropped)"
        " AND EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'pgdecl.history'::regclass "
        "               AND attname = 'notes' AND NOT attisdropped)"
        " AND EXISTS (SELECT FROM pg_constraint WHERE conrelid = 'pgdecl.history'::regclass "
        "             AND conname = 'history_outcome_check' AND pg_get_constraintdef(oid) LIKE '%not_converged%')"
    ).fetchone()[0]  # type: ignore[index]
    if current:
        return
    try:
        with conn.transaction():
            for ddl in UPGRADE_DDL:
                conn.execute(ddl)
    except psycopg.errors.InsufficientPrivilege:
        statements = "\n".join(f"  {d};" for d in UPGRADE_DDL)
        raise ApplyError(f"pgdecl.history was made by an earlier pgdecl and role {user} does not own it; nothing "
                         f"was applied. Have its owner run\n{statements}") from None


def mark_interrupted(conn: psycopg.Connection) -> None:
    """Under the lock no other apply runs: a row still `running` belongs to one that died."""
    try:
        if not conn.execute("SELECT to_regclass('pgdecl.history') IS NOT NULL").fetchone()[0]:  # type: ignore[index]
            return
        conn.execute("UPDATE pgdecl.history SET outcome = 'interrupted', finished_at = clock_timestamp() "
                     "WHERE outcome = 'running'")
    except psycopg.errors.InsufficientPrivilege:
        raise _grant_error(_who(conn)[0]) from None


def steps_json(steps: Any) -> str:
    """The steps as history keeps them: SQL, phase and hazard kinds, and the operation each carries
    (action, object, lock, spec origin) where it has one."""
    out = []
    for s in steps:
        step = {"sql": s.sql, "phase": s.phase, "hazards": [h.kind for h in s.hazards]}
        step.update({k: v for k in ("action", "object", "lock", "origin") if (v := getattr(s, k, None))})
        out.append(step)
    return json.dumps(out)


class Row:
    """The history row of one apply."""

    def __init__(self, live: Database, conn: psycopg.Connection, plan: Any) -> None:
        self.live, self.conn = live, conn
        ensure(conn)
        mark_interrupted(conn)
        client = f"{getpass.getuser()}@{socket.gethostname()} (pid {os.getpid()})"
        row = conn.execute(
            "INSERT INTO pgdecl.history (id, outcome, spec_fingerprint, desired_fingerprint, live_fingerprint_before,"
            " statements, applied_by, client, pgdecl_version, notes) OVERRIDING SYSTEM VALUE"
            " SELECT coalesce(max(id), 0) + 1, 'running', %s, %s, %s, %s, current_user, %s, %s, %s FROM pgdecl.history"
            " RETURNING id",
            (plan.spec_fingerprint, plan.desired_fingerprint, plan.live_fingerprint, steps_json(plan.steps), client,
             __version__, json.dumps(list(plan.notes)))).fetchone()
        self.id = int(row[0])  # type: ignore[index]

    def set(self, assignments: str, *params: Any) -> bool:
        """UPDATE the row (`assignments` is a SET list with %s placeholders); on a dead connection
        again on fresh ones for a few seconds. False when it could not be written."""
        query = f"UPDATE pgdecl.history SET {assignments} WHERE id = %s".encode()
        if not self.conn.closed:
            try:
                self.conn.execute(query, (*params, self.id))
                return True
            except psycopg.OperationalError:
                if not self.conn.closed:
                    raise
        deadline = time.monotonic() + RETRY_FOR
        while True:
            try:
                with connect(self.live, autocommit=True) as fresh:
                    fresh.execute("SET synchronous_commit = on")
                    fresh.execute(query, (*params, self.id))
                return True
            except (PgdeclError, psycopg.OperationalError):
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.5)

    def unwritten(self) -> str:
        return (f"; the history row #{self.id} could not be updated and still reads 'running' (the next "
                "`pgdecl apply` marks it interrupted)")


def lost(conn: psycopg.Connection, e: psycopg.Error, conninfo: str) -> str:
    """An error's message, saying so when the connection itself was lost."""
    diag = e.diag
    msg = (diag.message_primary or str(e)).strip()
    if diag.message_detail:  # a failed unique build names the duplicated key here
        msg += f"\n  DETAIL: {diag.message_detail}"
    if diag.message_hint:
        msg += f"\n  HINT: {diag.message_hint}"
    msg = scrub(msg, conninfo)
    if conn.closed:
        return f"the connection to the database was lost ({msg})"
    return msg
