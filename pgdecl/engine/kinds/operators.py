"""Operators (`CREATE OPERATOR`): migra ignores them. A new one is created, a gone one dropped; one
whose definition changes is dropped and created again (PostgreSQL alters only a few of its options
in place), with its comment."""

from __future__ import annotations

from typing import Any

import psycopg

from ...render import literal
from ..graph import sql
from ..remake import drop_create

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
    return drop_create(live, desired, lambda o: f"DROP OPERATOR {_signature(o)}", _create,
                       lambda o: f"OPERATOR {_signature(o)}")
