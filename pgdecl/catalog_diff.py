"""pgdecl's own diff layer for what migra misses or gets wrong: a thin merge of the layers registered
in `pgdecl.engine.kinds` (one module per concern, each with its catalog SQL in pgdecl/engine/sql):

- extensions: moved to another schema (ALTER EXTENSION ... SET SCHEMA);
- generated: generated columns whose expression changes (SET EXPRESSION, or a drop and add);
- inheritance: children's inherited columns left to their parents;
- domains: created, altered in place and dropped (migra ignores them);
- comments, force_rls, sequences: comments, FORCE ROW LEVEL SECURITY, sequence options;
- owners and privileges: owners the specs name; ACLs entry by entry (grant options and PUBLIC
  included), column privileges, default privileges of the applying role, the database's grants;
- options: relation and column options.

Both sides are read with the same catalog queries (`snapshot(conn)` on the live database and on the
scratch database holding the desired DDL); `merge` takes migra's statements and returns the plan's.
"""

from __future__ import annotations

from typing import Any

import psycopg

from . import partitions
from .engine import kinds
from .engine.kinds import Context, Snapshot
from .engine.kinds.inheritance import inherited_columns  # noqa: F401 - pgdecl's public helpers, kept here
from .engine.kinds.options import attoption_statements, attoptions_sql, reloption_statements  # noqa: F401

ATTOPTIONS_SQL = attoptions_sql()


def snapshot(conn: psycopg.Connection[Any]) -> Snapshot:
    """The facts this layer compares, read from one database."""
    row = conn.execute("SELECT current_user, current_setting('server_version_num')::int").fetchone()
    assert row is not None
    user, version = row
    return {
        "user": user,
        "version": version,
        **kinds.read_layers(conn),
        "partitions": partitions.snapshot(conn),
        "kinds": kinds.read(conn),  # pgdecl.engine.kinds compared on their own: one entry per kind
    }


def merge(migra: list[str], live: Snapshot, desired: Snapshot, project: Any = None) -> list[str]:
    """The plan's statements from migra's and both snapshots. `project` (the spec model) says which
    owners the specs name."""
    from .hazards import dropped_objects

    migra = partitions.partitions_in_order(migra, desired.get("partitions"))
    ctx = Context(live, desired, migra, dropped_objects(migra), project)
    out = kinds.merge(migra, ctx)
    return partitions.partition_statements(out, live.get("partitions"), desired.get("partitions"))
