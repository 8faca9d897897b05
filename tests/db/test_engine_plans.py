"""The plan engine end to end: each step of a real plan carries its operation (action, object, lock)
and the spec line of its object."""

from __future__ import annotations

from pathlib import Path

import psycopg
from conftest import fresh_database
from pgdecl.apply import apply
from pgdecl.plan import Plan, make_plan

STARTER = Path(__file__).resolve().parents[2] / "examples" / "starter"


def test_steps_carry_their_operation_and_spec_origin(admin, server) -> None:
    with fresh_database(admin, "engine_") as db:
        plan = make_plan(STARTER, db.conninfo, server=server)
    table = next(s for s in plan.steps if s.action == "create" and s.object == "relation public.posts")
    assert table.origin is not None and "blog.yaml:" in table.origin  # the file and line of `posts:`
    index = next(s for s in plan.steps if s.sql.lstrip().upper().startswith("CREATE INDEX"))
    assert index.lock == "SHARE" and index.object.startswith("relation public.")
    assert all(s.action for s in plan.steps)
    again = Plan.from_json(plan.to_json())
    assert [(s.action, s.object, s.lock, s.origin) for s in again.steps] == \
        [(s.action, s.object, s.lock, s.origin) for s in plan.steps]


def test_history_keeps_each_steps_operation(admin, server) -> None:
    """An applied plan's steps in pgdecl.history carry their action, object, lock and spec line."""
    with fresh_database(admin, "engine_hist_") as db:
        result = apply(str(STARTER), db.conninfo, server=server)
        assert result.after is not None and result.after.empty
        with psycopg.connect(db.conninfo) as conn:
            steps = conn.execute("SELECT statements FROM pgdecl.history WHERE outcome = 'applied' "
                                 "ORDER BY id DESC LIMIT 1").fetchone()[0]
    assert len(steps) == len(result.plan.steps) and all(s["action"] for s in steps)
    posts = next(s for s in steps if s["action"] == "create" and s["object"] == "relation public.posts")
    assert "blog.yaml:" in posts["origin"] and posts["phase"] == "main"
    assert {s["lock"] for s in steps if s["sql"].lstrip().upper().startswith("CREATE INDEX")} <= {"SHARE", "SHARE UPDATE EXCLUSIVE"}
