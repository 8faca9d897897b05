"""Domains: migra ignores them altogether. This layer creates them (before the first statement that
uses one), alters them in place (default, NOT NULL, checks; a check under a new name is renamed) and
drops them (before migra drops types, schemas or extensions). A changed base type or collation is a
drop and create, refused while columns use the domain."""

from __future__ import annotations

from typing import Any, Iterable

import psycopg
from pglast import ast
from pglast.enums import ObjectType
from pglast.visitors import Visitor

from ...errors import PlanError
from ..graph import sql
from ..sqltext import first, same
from . import Context

NAME = "domains"
STAGE = 30


def read(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """`domains`: schema.name -> target, type, collation, NOT NULL, default, checks, columns using it."""
    return {"domains": {r[0]: {"target": r[1], "type": r[2], "collation": r[3], "not_null": r[4], "default": r[5],
                               "checks": {c[0]: (c[1], c[2]) for c in r[6]}, "used_by": r[7]}
                        for r in conn.execute(sql("domains")).fetchall()}}


def create(d: dict[str, Any]) -> str:
    text = f"CREATE DOMAIN {d['target']} AS {d['type']}"
    if d["collation"]:
        text += f" COLLATE {d['collation']}"
    if d["default"] is not None:
        text += f" DEFAULT {d['default']}"
    if d["not_null"]:
        text += " NOT NULL"
    for name, (definition, _valid) in d["checks"].items():
        text += f" CONSTRAINT {name} {definition}"
    return text


def alter(name: str, have: dict[str, Any], want: dict[str, Any]) -> list[str]:
    """The statements that change domain `name` from `have` to `want`."""
    target = want["target"]
    if have["type"] != want["type"] or have["collation"] != want["collation"]:
        if have["used_by"]:
            raise PlanError(
                f"domain {name} changes from {have['type']} to {want['type']}"
                + (f" collate {want['collation']}" if want["collation"] else "")
                + f", but PostgreSQL cannot change a domain's type and {have['used_by']} column(s) use it: "
                "create a domain under a new name, move the columns to it, then remove this one")
        return [f"DROP DOMAIN {target}", create(want)]
    out = []
    if not same(have["default"], want["default"], "SELECT {}"):
        out.append(f"ALTER DOMAIN {target} " + ("DROP DEFAULT" if want["default"] is None
                                                 else f"SET DEFAULT {want['default']}"))

    def alike(a: str, b: str) -> bool:
        return same(a, b, "ALTER DOMAIN d ADD {}")

    have_checks = dict(have["checks"])
    for cname, (definition, valid) in have["checks"].items():
        if cname in want["checks"] and alike(definition, want["checks"][cname][0]):
            continue
        # the same check under a new name is renamed, not dropped and checked again
        new = next((n for n, (d, _v) in want["checks"].items() if n not in have_checks and alike(definition, d)), None)
        del have_checks[cname]
        if new is not None:
            out.append(f"ALTER DOMAIN {target} RENAME CONSTRAINT {cname} TO {new}")
            have_checks[new] = (definition, valid)
        else:
            out.append(f"ALTER DOMAIN {target} DROP CONSTRAINT {cname}")
    if have["not_null"] != want["not_null"]:
        out.append(f"ALTER DOMAIN {target} {'SET' if want['not_null'] else 'DROP'} NOT NULL")
    for cname, (definition, _valid) in want["checks"].items():
        old = have_checks.get(cname)
        if old is None or not alike(old[0], definition):
            out.append(f"ALTER DOMAIN {target} ADD CONSTRAINT {cname} {definition}")
        elif not old[1]:
            out.append(f"ALTER DOMAIN {target} VALIDATE CONSTRAINT {cname}")
    return out


def _qualified(names: Iterable[str]) -> str:
    parts = list(names)
    return ".".join(parts) if len(parts) > 1 else f"public.{parts[0]}"


class _TypeNames(Visitor):  # type: ignore[misc]
    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_TypeName(self, ancestors: Any, node: ast.TypeName) -> None:
        names = [n.sval for n in node.names or () if isinstance(n, ast.String)]
        if names and names[0] != "pg_catalog":
            self.names.add(_qualified(names))


def _types_used(stmt: Any) -> set[str]:
    if stmt is None:
        return set()
    v = _TypeNames()
    v(stmt)
    return v.names


_DROPS_BEFORE = (ObjectType.OBJECT_TYPE, ObjectType.OBJECT_SCHEMA, ObjectType.OBJECT_EXTENSION,
                 ObjectType.OBJECT_COLLATION)


def merge(statements: list[str], ctx: Context) -> list[str]:
    live, desired = ctx.live["domains"], ctx.desired["domains"]
    new = [name for name in desired if name not in live]
    gone = [name for name in live if name not in desired]
    out = list(statements)
    if gone:
        drops = [f"DROP DOMAIN {live[name]['target']}" for name in reversed(gone)]
        at = next((i for i, s in enumerate(out) if isinstance(d := first(s), ast.DropStmt)
                   and d.removeType in _DROPS_BEFORE), len(out))
        out[at:at] = drops
    if new:
        names = set(new)
        at = next((i for i, s in enumerate(out) if _types_used(first(s)) & names), len(out))
        out[at:at] = [create(desired[name]) for name in new]
    for name in sorted(set(desired) & set(live)):
        out += alter(name, live[name], desired[name])
    return out
