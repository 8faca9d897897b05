"""Range types (`CREATE TYPE .. AS RANGE`): migra ignores them. Created and dropped; PostgreSQL
cannot alter a range's definition, so a changed one is dropped and made again (the DROP TYPE carries
the data_loss hazard, so apply asks for it), and refused with the reason while columns use it."""

from __future__ import annotations

from typing import Any

import psycopg

from ...errors import PlanError
from ..graph import sql

NAME = "range_types"
_CLAUSES = ("subtype", "subtype_opclass", "collation", "canonical", "subtype_diff", "multirange_type_name")


def read(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """schema.name -> quoted name, the CREATE TYPE clauses that are set, columns using it."""
    out: dict[str, Any] = {}
    for name, target, *values, used_by in conn.execute(sql("range_types")).fetchall():
        out[name] = {"target": target, "clauses": [[k, v] for k, v in zip(_CLAUSES, values) if v is not None],
                     "used_by": used_by}
    return out


def _create(want: dict[str, Any]) -> str:
    return f"CREATE TYPE {want['target']} AS RANGE ({', '.join(f'{k} = {v}' for k, v in want['clauses'])})"


def compare(live: dict[str, Any], desired: dict[str, Any], planned: list[str]) -> list[str]:
    out: list[str] = []
    for name in sorted(set(live) - set(desired)):
        out.append(f"DROP TYPE {live[name]['target']}")
    for name in sorted(desired):
        want, have = desired[name], live.get(name)
        if have is None:
            out.append(_create(want))
        elif have["clauses"] != want["clauses"]:
            if have["used_by"]:
                raise PlanError(
                    f"range type {name} changes ({_create(want)}), which PostgreSQL cannot alter, and "
                    f"{have['used_by']} column(s) use it: create a range type under a new name, move the "
                    "columns to it, then remove this one")
            out += [f"DROP TYPE {have['target']}", _create(want)]
    return out
