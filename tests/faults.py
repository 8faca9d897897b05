"""What the fault tests share (tests/db/test_apply_faults.py, test_apply_safety.py, test_server_faults.py):
the v1 spec they start from (and the customers table of their v2), a project directory of one spec, a
database deployed at v1 with rows, and the rows of pgdecl's history."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import psycopg
from conftest import fresh_database, run_sql

from pgdecl.apply import apply

V1 = """
tables:
  customers:
    columns:
      id: {type: bigint, primary_key: true}
      email: {type: text, nullable: false}
      score: {type: integer}
"""
# v1's customers with score NOT NULL and a nickname: the start of each test's v2
CUSTOMERS_V2 = V1.replace("      score: {type: integer}\n",
                          "      score: {type: integer, nullable: false}\n      nickname: {type: text}\n")


def project(tmp_path: Path, name: str, spec: str) -> Path:
    """`tmp_path/name/spec.yaml` holding `spec`; the directory."""
    d = tmp_path / name
    d.mkdir(exist_ok=True)
    (d / "spec.yaml").write_text(spec)
    return d


def history(db: Any, columns: str) -> list[tuple[Any, ...]]:
    """`columns` of every row of pgdecl.history, oldest first."""
    with psycopg.connect(db.conninfo) as conn:
        return conn.execute(f"SELECT {columns} FROM pgdecl.history ORDER BY id").fetchall()


@contextmanager
def at_v1(tmp_path: Path, admin: Any, server: Any, prefix: str, rows: str) -> Iterator[Any]:
    """A fresh database (named `prefix`...) deployed at V1 by pgdecl, `rows` (SQL) run in it; dropped afterwards."""
    with fresh_database(admin, prefix) as db:
        apply(str(project(tmp_path, "v1", V1)), db.conninfo, admin.conninfo, server=server)
        run_sql(db, rows)
        yield db
