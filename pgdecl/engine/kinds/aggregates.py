"""Aggregates (`CREATE AGGREGATE`): migra ignores them. A changed aggregate with the same arguments is
replaced in place (`CREATE OR REPLACE AGGREGATE`, so views using it stay); a gone one is dropped."""

from __future__ import annotations

from typing import Any

import psycopg

from ..graph import sql

NAME = "aggregates"
_PARALLEL = {"s": "SAFE", "r": "RESTRICTED", "u": "UNSAFE"}
_MODIFY = {"r": "READ_ONLY", "s": "SHAREABLE", "w": "READ_WRITE"}


def read(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """`name(args)` -> the CREATE AGGREGATE clauses."""
    out: dict[str, Any] = {}
    for (name, args, kind, direct, sfunc, stype, final, final_extra, final_modify, combine, serial, deserial,
         init, sortop, space, parallel) in conn.execute(sql("aggregates")).fetchall():
        clauses = [f"SFUNC = {sfunc}", f"STYPE = {stype}"]
        if space:
            clauses.append(f"SSPACE = {space}")
        if final:
            clauses.append(f"FINALFUNC = {final}")
            if final_extra:
                clauses.append("FINALFUNC_EXTRA")
            if final_modify != ("w" if kind != "n" else "r"):
                clauses.append(f"FINALFUNC_MODIFY = {_MODIFY[final_modify]}")
        for label, value in (("COMBINEFUNC", combine), ("SERIALFUNC", serial), ("DESERIALFUNC", deserial)):
            if value:
                clauses.append(f"{label} = {value}")
        if init is not None:
            clauses.append("INITCOND = '" + init.replace("'", "''") + "'")
        if sortop:
            clauses.append(f"SORTOP = OPERATOR({sortop.split('(')[0]})")
        if parallel != "u":
            clauses.append(f"PARALLEL = {_PARALLEL[parallel]}")
        if kind == "h":
            clauses.append("HYPOTHETICAL")
        if kind != "n":  # ordered-set: the direct arguments, then ORDER BY the aggregated ones
            parts = [a.strip() for a in args.split(",")] if args else []
            signature = f"{', '.join(parts[:direct])} ORDER BY {', '.join(parts[direct:])}"
        else:
            signature = args or "*"
        out[f"{name}({args})"] = {"name": name, "args": args, "signature": signature, "clauses": clauses}
    return out


def compare(live: dict[str, Any], desired: dict[str, Any], planned: list[str]) -> list[str]:
    out: list[str] = []
    for key in sorted(set(live) - set(desired)):
        out.append(f"DROP AGGREGATE {live[key]['name']}({live[key]['args'] or '*'})")
    for key in sorted(desired):
        want, have = desired[key], live.get(key)
        if have is None or have["clauses"] != want["clauses"]:
            verb = "CREATE OR REPLACE AGGREGATE" if have is not None else "CREATE AGGREGATE"
            out.append(f"{verb} {want['name']}({want['signature']}) ({', '.join(want['clauses'])})")
    return out
