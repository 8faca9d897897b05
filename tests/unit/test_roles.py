"""Role DDL has one implementation (pgdecl.roles): what render writes, what plan and review add."""

from __future__ import annotations

from pgdecl.model import Project, Role
from pgdecl.quoting import ident, literal
from pgdecl.render import render
from pgdecl.roles import create_role, role_steps


def test_create_role_is_idempotent_and_spells_every_option() -> None:
    name = 'Odd "name"'
    sql = create_role(name, Role(login=True, inherit=False))
    assert sql.startswith("DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = ")
    assert literal(name) in sql and f"CREATE ROLE {ident(name)} LOGIN NOINHERIT NOBYPASSRLS;" in sql


def test_role_steps_create_alter_grant_and_revoke() -> None:
    roles = {"app": Role(login=True, member_of=["reader"]), "reader": Role(), "new": Role(bypass_rls=True)}
    live = {"app": (False, True, False), "reader": (False, True, False)}
    members = {("app", "writer")}
    steps = role_steps(roles, live, members)
    assert steps == ["ALTER ROLE app LOGIN INHERIT NOBYPASSRLS", create_role("new", roles["new"]),
                     "GRANT reader TO app", "REVOKE writer FROM app"]
    assert "CREATE ROLE new NOLOGIN INHERIT BYPASSRLS;" in steps[1]
    live_now = {"app": (True, True, False), "reader": (False, True, False), "new": (False, True, True)}
    assert role_steps(roles, live_now, {("app", "reader")}) == []


def test_render_writes_roles_through_the_same_functions() -> None:
    project = Project(roles={"app": Role(member_of=["reader"]), "reader": Role()})
    sql = [d.sql for d in render(project).statements if d.kind == "role"]
    assert any("CREATE ROLE app NOLOGIN INHERIT NOBYPASSRLS" in s for s in sql)
    assert "GRANT reader TO app" in sql
