"""The plan engine end to end: each step of a real plan carries its operation (action, object, lock)
and the spec line of its object."""

from __future__ import annotations

from pathlib import Path

from conftest import fresh_database
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
