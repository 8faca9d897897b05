"""Role names as PostgreSQL has them: mixed case (`AppRole` is the role "AppRole") in policies' `to`,
`member_of`, grants and owners applies and converges; a live table whose name holds a newline cannot
smuggle a statement into `plan --format sql` through the comments around its DROP."""

from __future__ import annotations

from pathlib import Path

import pglast
import psycopg
from conftest import fresh_database, run_sql

from pgdecl.apply import apply
from pgdecl.format import plan_sql
from pgdecl.hazards import KINDS
from pgdecl.plan import make_plan

SPEC = """
roles:
  HostileApp: {member_of: [Hostile Parent]}
  Hostile Parent: {}
tables:
  notes:
    columns:
      id: {type: int, primary_key: true}
      owner_name: text
    rls: true
    owner: Hostile Parent
    policies:
      own_notes: {to: [HostileApp], using: "owner_name = current_user"}
    grants: {HostileApp: [select, insert]}
"""


def test_mixed_case_roles_apply_and_converge(tmp_path: Path, admin, server) -> None:
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / "spec.yaml").write_text(SPEC)
    with fresh_database(admin, "hostile_roles_") as db:
        result = apply(str(tmp_path / "schema"), db.conninfo, allowed_hazards=set(KINDS), server=server)
        assert result.after is not None and result.after.empty
        with psycopg.connect(db.conninfo) as conn:
            roles = conn.execute("SELECT polroles::regrole[]::text FROM pg_policy WHERE polname = 'own_notes'"
                                 ).fetchone()[0]
            owner = conn.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'notes'").fetchone()[0]
            member = conn.execute(
                """SELECT g.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member
                   JOIN pg_roles g ON g.oid = m.roleid WHERE r.rolname = 'HostileApp'""").fetchone()[0]
            grants = conn.execute("SELECT has_table_privilege('HostileApp', 'notes', 'INSERT')").fetchone()[0]
        assert "HostileApp" in roles and "hostileapp" not in roles
        assert owner == "Hostile Parent" and member == "Hostile Parent" and grants is True


def test_plan_sql_of_a_table_named_with_a_newline(tmp_path: Path, admin, server) -> None:
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / "spec.yaml").write_text("tables:\n  kept: {columns: {id: {type: int, primary_key: true}}}\n")
    with fresh_database(admin, "hostile_nl_") as db:
        run_sql(db, 'CREATE TABLE kept (id int PRIMARY KEY);\n'
                    'CREATE TABLE "gone\nCREATE ROLE pwned SUPERUSER; --" (id int);')
        plan = make_plan(tmp_path / "schema", db.conninfo, server=server)
        text = plan_sql(plan)
        # what apply runs: the steps, plus the transaction control and timeouts around them
        control = (pglast.ast.TransactionStmt, pglast.ast.VariableSetStmt)
        stmts = [s for s in pglast.parse_sql(text) if not isinstance(s.stmt, control)]
        assert len(plan.steps) >= 1
        assert len(stmts) == len(plan.steps), text
        assert not any(isinstance(s.stmt, pglast.ast.CreateRoleStmt) for s in stmts), text
        assert all("\n" not in line for line in text.splitlines())
        assert any("DropStmt" == type(s.stmt).__name__ for s in stmts)
