"""`database: grants:` in the specs: privileges on the database itself (CONNECT, TEMPORARY, CREATE).

Not a golden plan case: the statements name the database, whose name is random in tests."""

from __future__ import annotations

from pathlib import Path

import psycopg
from conftest import fresh_database, run_sql

from pgdecl.apply import apply
from pgdecl.hazards import KINDS, SECURITY
from pgdecl.plan import make_plan

LIVE = """
DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'gap_app') THEN CREATE ROLE gap_app; END IF; END$$;
DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'gap_reader') THEN CREATE ROLE gap_reader; END IF; END$$;
DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'gap_other') THEN CREATE ROLE gap_other; END IF; END$$;
DO $$BEGIN EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO gap_reader, gap_other', current_database()); END$$;
"""

SPEC = """
roles:
  gap_app: {}
  gap_reader: {}
database:
  grants:
    public: [connect]
    gap_app: [connect]
    gap_reader: [connect]
"""


def test_database_grants_exact_for_named_roles_only(tmp_path: Path, admin, server) -> None:
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / "spec.yaml").write_text(SPEC)
    with fresh_database(admin, "plan_dbgrants_") as db:
        run_sql(db, LIVE)
        plan = make_plan(tmp_path / "schema", db.conninfo, server=server)
        name = db.dbname
        assert [s.sql for s in plan.steps] == [
            f"REVOKE TEMPORARY ON DATABASE {name} FROM PUBLIC, gap_reader",
            f"GRANT CONNECT ON DATABASE {name} TO gap_app",
        ]  # gap_other is not named in the specs: left alone
        assert [h.kind for h in plan.steps[0].hazards] == [SECURITY]
        result = apply(str(tmp_path / "schema"), db.conninfo, allowed_hazards=set(KINDS), server=server)
        assert result.after is not None and result.after.empty
        with psycopg.connect(db.conninfo) as conn:
            acl = conn.execute("SELECT datacl::text FROM pg_database WHERE datname = current_database()").fetchone()[0]
        assert "gap_other=Tc/" in acl and "=c/" in acl and "gap_app=c/" in acl and "gap_reader=c/" in acl
