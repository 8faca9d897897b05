"""Operators (`CREATE OPERATOR`): migra ignores them. A new one is created, a gone one dropped; one
whose definition changes is dropped and created again (PostgreSQL alters only a few of its options
in place), with its comment."""

from __future__ import annotations

from typing import Any

import psycopg

from ...render import literal
from ..graph import sql

NAME = "operators"


def read(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """`schema.op(left, right)` -> the parts of its definition."""
    return {key: dict(data) for key, data in conn.execute(sql("operators")).fetchall()}


def _name(o: dict[str, Any]) -> str:
    return f"{o['schema']}.{o['name']}"


def _signature(o: dict[str, Any]) -> str:
    return f"{_name(o)} ({o['left'] or 'NONE'}, {o['right'] or 'NONE'})"


def _create(o: dict[str, Any]) -> list[str]:
    parts = [f"FUNCTION = {o['function']}"]
    parts += [f"LEFTARG = {o['left']}"] if o["left"] else []
    parts += [f"RIGHTARG = {o['right']}"] if o["right"] else []
    parts += [f"COMMUTATOR = OPERATOR({o['commutator']})"] if o["commutator"] else []
    parts += [f"NEGATOR = OPERATOR({o['negator']})"] if o["negator"] else []
    parts += [f"RESTRICT = {o['restrict']}"] if o["restrict"] else []
    parts += [f"JOIN = {o['join']}"] if o["join"] else []
    parts += ["HASHES"] if o["hashes"] else []
    parts += ["MERGES"] if o["merges"] else []
    out = [f"CREATE OPERATOR {_name(o)} ({', '.join(parts)})"]
    if o["comment"] is not None:
        out.append(f"COMMENT ON OPERATOR {_signature(o)} IS {literal(o['comment'])}")
    return out


def compare(live: dict[str, Any], desired: dict[str, Any], planned: list[str]) -> list[str]:
    out: list[str] = []
    for key in sorted(set(live) | set(desired)):
        have, want = live.get(key), desired.get(key)
        if want is None and have is not None:
            out.append(f"DROP OPERATOR {_signature(have)}")
        elif have is None and want is not None:
            out += _create(want)
        elif have != want and want is not None and have is not None:
            if {k: v for k, v in have.items() if k != "comment"} != {k: v for k, v in want.items() if k != "comment"}:
                out.append(f"DROP OPERATOR {_signature(have)}")
                out += _create(want)
            else:
                out.append(f"COMMENT ON OPERATOR {_signature(want)} IS "
                           f"{'NULL' if want['comment'] is None else literal(want['comment'])}")
    return out
