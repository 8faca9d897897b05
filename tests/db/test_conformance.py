"""Conformance: migra's 26 fixture pairs (tests/conformance/migra/<case>/{a,b}.sql) run end to end.

A case passes when a database built from a.sql, given pgdecl's plan to the schema of b.sql (a project
directory holding only a copy of b.sql), applies that plan, a second plan is empty, and
`pg_dump --schema-only` of the result equals that of a fresh database built from b.sql. Plans are
made with `reorder_columns=True`: pg_dump shows column order, so live columns are rebuilt into
b.sql's order (the default plan only notes it).

Cases that cannot pass because of a real engine/migra limitation are listed in KNOWN_FAILURES with
the specific finding; they are strict xfails, so a fix makes them XPASS (a failure) and the list
must be updated.

Everything runs as the superuser postgres, which owns every object: the fixtures' GRANTs to postgres
(privileges, everything) are grants to the owner and leave the ACL at its default, so those cases do
not exercise privilege diffs.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest

from conftest import CONFORMANCE_DIR, fresh_database

ROOT = Path(__file__).resolve().parents[2]
CASES_DIR = CONFORMANCE_DIR


class ApplyFailed(AssertionError):
    """Step 1: the plan from a.sql to b.sql did not apply."""


class SecondPlanNotEmpty(AssertionError):
    """Step 2: a second plan against the result was not empty."""


class DumpDiffers(AssertionError):
    """Step 3: pg_dump --schema-only of the result differs from that of a database built from b.sql."""


# case -> (the step that fails, the specific finding). Strict xfails: a fix flips a case to XPASS.
# Sequence data types and options (everything, rls2, seq), inheritance children (inherit) and column
# order (identitycols, singleschema, singleschema_ext, triggers3: migra only appends columns) were
# findings of bare migra; pgdecl's own layers (pgdecl/catalog_diff.py, pgdecl/reorder.py) close them.
KNOWN_FAILURES: dict[str, tuple[type[AssertionError], str]] = {}

# cluster-wide roles that fixtures refer to
ROLES = ("schemainspect_test_role",)


def _cases() -> list[str]:
    if not CASES_DIR.is_dir():
        return []
    return sorted(p.name for p in CASES_DIR.iterdir() if (p / "a.sql").is_file() and (p / "b.sql").is_file())


def _params() -> list:
    out = []
    for name in _cases():
        marks = []
        if name in KNOWN_FAILURES:
            step, reason = KNOWN_FAILURES[name]
            marks.append(pytest.mark.xfail(strict=True, raises=step, reason=f"{step.__name__}: {reason}"))
        out.append(pytest.param(name, id=name, marks=marks))
    return out


# -- helpers -----------------------------------------------------------------------------------------

def _run_sql(db, sql: str) -> None:
    with psycopg.connect(db.conninfo, autocommit=True) as conn:
        conn.execute(sql.encode())




_EXT_VERSION = re.compile(
    r"create\s+extension\s+(?:if\s+not\s+exists\s+)?\"?(\w+)\"?(?:\s+(?:with\s+)?version\s+'([^']+)')?", re.IGNORECASE)


def _require_extensions(admin, *sqls: str) -> None:
    """Skip (an environment gap, not a finding) when the server lacks an extension version a fixture asks for."""
    wanted = {(m.group(1).lower(), m.group(2)) for sql in sqls for m in _EXT_VERSION.finditer(sql)}
    if not wanted:
        return
    with psycopg.connect(admin.conninfo, autocommit=True) as conn:
        offered = {(r[0], r[1]) for r in conn.execute("SELECT name, version FROM pg_available_extension_versions")}
    names = {n for n, _ in offered}
    missing = sorted(f"{n} {v or ''}".strip() for n, v in wanted
                     if (n not in names if v is None else (n, v) not in offered))
    if missing:
        pytest.skip(f"the server does not offer extension(s): {', '.join(missing)}")


def _dump(server, db) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    proc = subprocess.run(
        [server.binaries.tool("pg_dump"), "-h", str(server.socket_dir), "-p", "5432", "-U", "postgres",
         "--schema-only", "--exclude-schema=pgdecl", "--no-password", db.dbname],
        capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, f"pg_dump failed: {proc.stderr}"
    return proc.stdout


def _normalise(dump: str) -> list[str]:
    """The statements of a schema dump without comments, psql meta-commands and the SET preamble."""
    lines = [ln for ln in dump.splitlines()
             if ln.strip()
             and not ln.startswith("--")
             and not ln.startswith("\\")  # \restrict / \unrestrict (random key) since 15.14
             and not re.match(r"SET \w+ = ", ln)
             and not ln.startswith("SELECT pg_catalog.set_config(")]
    text = "\n".join(lines)
    try:
        import pglast

        return [s.strip() for s in pglast.split(text)]
    except Exception:  # pragma: no cover - pg_dump output always parses
        return [s.strip() for s in text.split(";\n") if s.strip()]


def _plan(server, admin, live, project_dir: Path):
    from pgdecl.plan import make_plan

    return make_plan(project_dir, database_url=live.conninfo, dev_url=admin.conninfo, server=server,
                     reorder_columns=True)


# -- fixtures ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def roles(admin) -> None:
    with psycopg.connect(admin.conninfo, autocommit=True) as conn:
        for role in ROLES:
            conn.execute(f"""DO $$ BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN CREATE ROLE {role} NOLOGIN; END IF;
                END $$""")


# -- the suite ---------------------------------------------------------------------------------------

def test_cases_present() -> None:
    assert len(_cases()) == 26, f"expected migra's 26 fixture pairs under {CASES_DIR}"


@pytest.mark.parametrize("case", _params())
def test_conformance(case: str, server, admin, roles, tmp_path: Path) -> None:
    from pgdecl.apply import execute
    from pgdecl.errors import PgdeclError

    a_sql = (CASES_DIR / case / "a.sql").read_text()
    b_sql = (CASES_DIR / case / "b.sql").read_text()
    _require_extensions(admin, a_sql, b_sql)
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(CASES_DIR / case / "b.sql", project / "b.sql")

    with fresh_database(admin, "conf_") as live, fresh_database(admin, "conf_") as expected:
        _run_sql(live, a_sql)
        _run_sql(expected, b_sql)

        # 1. the plan from a to b applies
        try:
            plan = _plan(server, admin, live, project)
        except PgdeclError as e:
            raise ApplyFailed(f"planning failed: {e}") from e
        shown = "\n".join(f"  {s.sql};" for s in plan.steps)
        try:
            execute(plan, live)
        except PgdeclError as e:
            raise ApplyFailed(f"{e}\nplan was:\n{shown}") from e

        # 2. a second plan is empty
        again = _plan(server, admin, live, project)
        if not again.empty:
            raise SecondPlanNotEmpty("a second plan is not empty:\n" + "\n".join(f"  {s.sql};" for s in again.steps)
                                     + f"\nfirst plan was:\n{shown}")

        # 3. the result dumps like a database built from b.sql
        got, want = _normalise(_dump(server, live)), _normalise(_dump(server, expected))
        if got != want and sorted(got) != sorted(want):
            diff = "\n".join(difflib.unified_diff(sorted(want), sorted(got), "from b.sql", "migrated from a.sql",
                                                  lineterm=""))
            raise DumpDiffers(f"schema dumps differ (sorted statements):\n{diff}\nplan was:\n{shown}")
