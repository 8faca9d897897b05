"""Relation options (`WITH (fillfactor = 70)`, a view's security_invoker) and the options a user can
set on columns (n_distinct, ...): migra compares neither. ALTER ... SET (...) / RESET (...) so each
matches the specs'; a relation the plan creates or replaces (CREATE OR REPLACE VIEW resets its
options), or a column re-added, starts with none. Internal column options (`pg_attver`) are left
out (pgdecl.attoptions)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import psycopg

from ...attoptions import sql_user_attoptions
from ..graph import sql
from . import Context

NAME = "options"
STAGE = 70

_CREATES_RELATION = re.compile(r'\s*create\s+(?:or\s+replace\s+)?(?:materialized\s+)?(?:view|table)\s+'
                               r'"((?:[^"]|"")+)"\."((?:[^"]|"")+)"', re.IGNORECASE)


@lru_cache(maxsize=None)
def attoptions_sql() -> str:
    """The column options query, with pgdecl.attoptions' filter of internal options."""
    return sql("attoptions").replace("{user_attoptions}", sql_user_attoptions("a.attoptions"))


def read(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """`attoptions`: per column with user options its relation, ALTER target, quoted name and
    options; `reloptions`: per relation (schema.name) its ALTER word, quoted name and options."""
    attoptions = {key: {"name": name, "target": target, "column": col, "options": list(opts)}
                  for key, name, target, col, opts in conn.execute(attoptions_sql()).fetchall() if opts}
    reloptions = {bare: {"kind": kind, "target": target, "options": dict(o.split("=", 1) for o in opts)}
                  for kind, target, bare, opts in conn.execute(sql("reloptions")).fetchall()}
    return {"attoptions": attoptions, "reloptions": reloptions}


def attoption_statements(live: dict[str, Any], desired: dict[str, Any], dropped: frozenset[str] | set[str] = frozenset(),
                         readded: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """ALTER ... ALTER COLUMN c SET (...) / RESET (...) per column whose user options differ."""
    have_all: dict[str, dict[str, Any]] = live.get("attoptions", {})
    want_all: dict[str, dict[str, Any]] = desired.get("attoptions", {})
    out = []
    for key in sorted(set(have_all) | set(want_all)):
        want, have = want_all.get(key), have_all.get(key)
        ref = want or have
        assert ref is not None
        if want is None and key not in desired["columns"]:
            continue  # the column (or its relation) goes away
        gone = have is None or ref["name"] in dropped or key in readded
        have_opts = {} if gone or have is None else dict(o.split("=", 1) for o in have["options"])
        want_opts = dict(o.split("=", 1) for o in want["options"]) if want else {}
        reset = sorted(set(have_opts) - set(want_opts))
        changed = [f"{k}={v}" for k, v in sorted(want_opts.items()) if have_opts.get(k) != v]
        alter = f"ALTER {ref['target']} ALTER COLUMN {ref['column']}"
        if reset:
            out.append(f"{alter} RESET ({', '.join(reset)})")
        if changed:
            out.append(f"{alter} SET ({', '.join(changed)})")
    return out


def reloption_statements(migra: list[str], live: dict[str, Any], desired: dict[str, Any],
                         dropped: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """ALTER TABLE/VIEW ... SET (...) / RESET (...) per relation whose options differ."""
    have_all: dict[str, dict[str, Any]] = live.get("reloptions") or {}
    want_all: dict[str, dict[str, Any]] = desired.get("reloptions") or {}
    if not want_all:
        return []
    made = {f"{m[1].replace(chr(34) * 2, chr(34))}.{m[2].replace(chr(34) * 2, chr(34))}"
            for m in map(_CREATES_RELATION.match, migra) if m}
    out = []
    for name in sorted(want_all):
        want, have = want_all[name], have_all.get(name)
        have_opts = {} if have is None or name in made or name in dropped or have["kind"] != want["kind"] \
            else have["options"]
        reset = sorted(set(have_opts) - set(want["options"]))
        # in the desired side's order: a relation made by the plan keeps them as the source has them
        changed = [f"{k}={v}" for k, v in want["options"].items() if have_opts.get(k) != v]
        if reset:
            out.append(f"ALTER {want['kind']} {want['target']} RESET ({', '.join(reset)})")
        if changed:
            out.append(f"ALTER {want['kind']} {want['target']} SET ({', '.join(changed)})")
    return out


def merge(statements: list[str], ctx: Context) -> list[str]:
    return (statements + attoption_statements(ctx.live, ctx.desired, ctx.dropped, ctx.readded)
            + reloption_statements(ctx.migra, ctx.live, ctx.desired, ctx.dropped))
