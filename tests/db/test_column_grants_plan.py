"""Column privileges in the specs (a column's `grants`): plan, apply and convergence on PostgreSQL.

A table-wide REVOKE also takes back the column privileges of that privilege, so replacing a table's
UPDATE by UPDATE on some columns must converge (apply, then an empty re-plan); so must the upgrade of
a deployed schema/ from before its column privileges.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import psycopg

from pgdecl.apply import apply
from pgdecl.plan import make_plan

ROOT = Path(__file__).resolve().parents[2]

SPEC = """\
roles:
  cg_app: {}
tables:
  accounts:
    columns:
      id: {type: bigint, primary_key: true}
      name: %(name)s
      balance: numeric(12,2)
    grants:
      cg_app: %(table)s
"""


def write(project: Path, name: str, table: str) -> Path:
    project.mkdir(exist_ok=True)
    (project / "spec.yaml").write_text(SPEC % {"name": name, "table": table})
    return project


def privileges(db, role: str = "cg_app") -> dict[str, set[str]]:
    """Per column of public.accounts, the privileges `role` holds (table-wide ones included)."""
    with psycopg.connect(db.conninfo) as conn:
        out: dict[str, set[str]] = {}
        for col in ("id", "name", "balance"):
            out[col] = {p for p in ("SELECT", "INSERT", "UPDATE")
                        if conn.execute("SELECT has_column_privilege(%s, 'public.accounts', %s, %s)",
                                        [role, col, p]).fetchone()[0]}
        return out


def test_table_update_replaced_by_column_update_converges(tmp_path, empty_db, admin, server) -> None:
    project = write(tmp_path / "p", "text", "[select, insert, update]")
    first = apply(str(project), empty_db.conninfo, admin.conninfo, server=server)
    assert first.after is not None and first.after.empty
    assert privileges(empty_db)["balance"] == {"SELECT", "INSERT", "UPDATE"}

    write(project, "{type: text, grants: {cg_app: [update]}}", "[select, insert]")
    plan = make_plan(project, database_url=empty_db.conninfo, dev_url=admin.conninfo, server=server)
    sqls = [s.sql for s in plan.steps]
    assert any("REVOKE UPDATE ON TABLE public.accounts FROM cg_app" in s for s in sqls), sqls
    assert any("GRANT UPDATE (name) ON TABLE public.accounts TO cg_app" in s for s in sqls), sqls
    assert "security" in {h.kind for s in plan.steps for h in s.hazards}
    second = apply(str(project), empty_db.conninfo, admin.conninfo, {"security"}, server=server)
    assert second.after is not None and second.after.empty, [s.sql for s in second.after.steps]
    got = privileges(empty_db)
    assert got["name"] == {"SELECT", "INSERT", "UPDATE"}
    assert got["balance"] == got["id"] == {"SELECT", "INSERT"}

    # and back: the column grant goes, the table's UPDATE returns
    write(project, "text", "[select, insert, update]")
    third = apply(str(project), empty_db.conninfo, admin.conninfo, {"security"}, server=server)
    assert third.after is not None and third.after.empty
    with psycopg.connect(empty_db.conninfo) as conn:
        assert conn.execute("SELECT attacl FROM pg_attribute WHERE attrelid = 'public.accounts'::regclass "
                            "AND attname = 'name'").fetchone()[0] is None
    assert privileges(empty_db)["balance"] == {"SELECT", "INSERT", "UPDATE"}


def test_marketplace_upgrade_to_column_privileges_converges(tmp_path, empty_db, admin, server) -> None:
    """schema/ as it was before its column privileges, deployed, then upgraded to the current one."""
    old = tmp_path / "old"
    old.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "cc5de5d", "schema"], capture_output=True)
    if archive.returncode != 0:  # not a git checkout with that history: build the old state by hand
        shutil.copytree(ROOT / "schema", old / "schema")
        for f in (old / "schema").glob("*.yaml"):
            f.write_text(f.read_text().replace("grants: {ecommerce_app: [update]}", "")
                         .replace("ecommerce_app: [select, insert, delete]  # UPDATE only of the columns that grant it",
                                  "ecommerce_app: [select, insert, update, delete]"))
    else:
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive.stdout, check=True)
    first = apply(str(old / "schema"), empty_db.conninfo, admin.conninfo, {"security"}, server=server)
    assert first.after is not None and first.after.empty
    upgrade = apply(str(ROOT / "schema"), empty_db.conninfo, admin.conninfo, {"security", "drop"}, server=server)
    assert upgrade.after is not None and upgrade.after.empty, [s.sql for s in upgrade.after.steps]
    with psycopg.connect(empty_db.conninfo) as conn:
        check = "SELECT has_column_privilege('ecommerce_app', %s, %s, 'UPDATE')"
        assert conn.execute(check, ["public.orders", "payment_status"]).fetchone()[0]
        assert not conn.execute(check, ["public.orders", "total_amount"]).fetchone()[0]
        assert not conn.execute(check, ["public.order_items", "commission_rate"]).fetchone()[0]
