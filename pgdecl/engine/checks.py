"""Checks of a plan against the live database before anything runs: what PostgreSQL would refuse is
said at plan time, with the way out, instead of failing mid-apply."""

from __future__ import annotations

from typing import Any

from pglast import ast

from .. import sqltree
from ..errors import PlanError


def extension_updates(statements: list[str], conn: Any) -> None:
    """`ALTER EXTENSION x UPDATE TO v` needs an update path from the installed version to v: PostgreSQL
    ships none for downgrades."""
    for sql in statements:
        s = sqltree.statement(sql)
        if not isinstance(s, ast.AlterExtensionStmt):
            continue
        wanted = next((o.arg.sval for o in s.options or ()
                       if isinstance(o, ast.DefElem) and o.defname == "new_version" and isinstance(o.arg, ast.String)),
                      None)
        if wanted is None:
            continue
        row = conn.execute("SELECT extversion FROM pg_extension WHERE extname = %s", (s.extname,)).fetchone()
        if row is None or row[0] == wanted:
            continue
        path = conn.execute("SELECT 1 FROM pg_extension_update_paths(%s) WHERE source = %s AND target = %s "
                            "AND path IS NOT NULL", (s.extname, row[0], wanted)).fetchone()
        if path is None:
            raise PlanError(f"extension {s.extname} is at version {row[0]} and the specs want {wanted}, but "
                            f"PostgreSQL has no update path from {row[0]} to {wanted} (a downgrade would be a drop "
                            "and create, losing every object that uses the extension): change the version in the "
                            "specs, or move the extension by hand")
