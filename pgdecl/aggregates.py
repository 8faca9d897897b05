"""Aggregates in a plan: migra (schemainspect) does not diff `CREATE AGGREGATE`, so a view using an
imported aggregate failed to apply into an empty database. Plain aggregates (no moving state, no
serialisation) are compared by their definition and created, dropped or made again here."""

from __future__ import annotations

import re
from typing import Any

import psycopg

_NS = "n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgdecl') AND n.nspname NOT LIKE 'pg\\_%%'"

AGGREGATES_SQL = f"""
SELECT quote_ident(n.nspname) || '.' || quote_ident(p.proname) || '(' || pg_get_function_identity_arguments(p.oid) || ')',
       quote_ident(n.nspname) || '.' || quote_ident(p.proname), pg_get_function_arguments(p.oid),
       (SELECT quote_ident(tn.nspname) || '.' || quote_ident(t.proname) FROM pg_proc t
          JOIN pg_namespace tn ON tn.oid = t.pronamespace WHERE t.oid = a.aggtransfn),
       format_type(a.aggtranstype, NULL),
       (SELECT quote_ident(fn.nspname) || '.' || quote_ident(f.proname) FROM pg_proc f
          JOIN pg_namespace fn ON fn.oid = f.pronamespace WHERE f.oid = a.aggfinalfn),
       (SELECT quote_ident(cn.nspname) || '.' || quote_ident(c.proname) FROM pg_proc c
          JOIN pg_namespace cn ON cn.oid = c.pronamespace WHERE c.oid = a.aggcombinefn),
       a.agginitval, a.aggtransspace, p.proparallel::text
  FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE {_NS} AND a.aggkind = 'n' AND a.aggmtransfn = 0 AND a.aggserialfn = 0 AND a.aggsortop = 0
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                     AND d.deptype = 'e')
"""


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def snapshot(conn: psycopg.Connection) -> dict[str, tuple[str, tuple[str, ...]]]:
    """identity (schema.name(args)) -> its CREATE AGGREGATE statement and support functions."""
    out = {}
    for ident, name, args, sfunc, stype, final, combine, initval, space, parallel in conn.execute(AGGREGATES_SQL):
        opts = [f"SFUNC = {sfunc}", f"STYPE = {stype}"]
        if space:
            opts.append(f"SSPACE = {space}")
        if final:
            opts.append(f"FINALFUNC = {final}")
        if combine:
            opts.append(f"COMBINEFUNC = {combine}")
        if initval is not None:
            opts.append(f"INITCOND = {_literal(initval)}")
        if parallel != "u":
            opts.append(f"PARALLEL = {'SAFE' if parallel == 's' else 'RESTRICTED'}")
        out[ident] = (f"CREATE AGGREGATE {name}({args or '*'}) ({', '.join(opts)})",
                      tuple(f for f in (sfunc, final, combine) if f))
    return out


_FUNCTION = re.compile(r"\s*create\s+(?:or\s+replace\s+)?function\s+([^(]+)\(", re.IGNORECASE)


def aggregate_statements(statements: list[str], live: dict[str, Any] | None,
                         desired: dict[str, Any] | None) -> list[str]:
    """`statements` with the aggregates to drop first and each one to create right after the plan
    creates its last support function (views using it come later), else first."""
    if live is None or desired is None:
        return statements
    drops = [f"DROP AGGREGATE {ident}" for ident in sorted(live) if live[ident][0] != (desired.get(ident) or ("",))[0]]
    creates = [desired[ident] for ident in sorted(desired) if (live.get(ident) or ("",))[0] != desired[ident][0]]
    if not drops and not creates:
        return statements
    made: dict[str, int] = {}
    for i, sql in enumerate(statements):
        m = _FUNCTION.match(sql)
        if m:
            made[m[1].strip()] = i
    after: dict[int, list[str]] = {}
    for sql, support in creates:
        at = max((made[f] for f in support if f in made), default=-1)
        after.setdefault(at, []).append(sql)
    out = drops + after.get(-1, [])
    for i, sql in enumerate(statements):
        out.append(sql)
        out += after.get(i, [])
    return out
