"""Citus on a real three-node cluster (a coordinator and two workers): distributed and reference tables
created, their distribution column, colocation and shard count changed, undistributed and dropped;
every step applied by `pgdecl apply`, planned again empty, and the rows kept."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from pgdecl.apply import apply
from pgdecl.errors import PlanError
from pgdecl.hazards import LONG_LOCK, TABLE_REWRITE
from pgdecl.plan import make_plan

pytestmark = pytest.mark.citus

COUNTRIES = """
  countries:
    reference: true
    columns:
      code: {type: text, primary_key: true}
      name: {type: text, nullable: false}
"""
TENANTS = """
  tenants:
    distribution: {column: id, shard_count: 4}
    columns:
      id: {type: bigint, primary_key: true}
      name: {type: text, nullable: false}
      country: {type: text, nullable: false, references: countries, on_delete: restrict}
    indexes:
      - columns: [country]
"""
STORES = """
  stores:
    distribution: {column: tenant_id, colocate_with: tenants}
    primary_key: [tenant_id, id]
    columns:
      id: {type: bigint}
      tenant_id: {type: bigint, nullable: false, references: tenants, on_delete: cascade}
      name: {type: text, nullable: false}
"""
EVENTS = """
  events:
    distribution: {column: id, colocate_with: none}
    columns:
      id: {type: bigint, nullable: false}
      tenant_id: {type: bigint, nullable: false}
      body: {type: text, nullable: false}
"""


def _write(root: Path, *tables: str) -> Path:
    d = root / "schema"
    d.mkdir(exist_ok=True)
    (d / "a.yaml").write_text("tables:" + "".join(tables))
    return d


def _state(db) -> dict[str, tuple]:
    with psycopg.connect(db.conninfo) as conn:
        rows = conn.execute("""SELECT table_name::text, citus_table_type, distribution_column, colocation_id,
                                      shard_count FROM citus_tables""").fetchall()
    return {r[0]: r[1:] for r in rows}


def _run(db, sql: str) -> list[tuple]:
    with psycopg.connect(db.conninfo, autocommit=True) as conn:
        cur = conn.execute(sql)
        return cur.fetchall() if cur.description else []


def _apply(d: Path, db, hazards: set[str] | None = None):
    result = apply(str(d), database_url=db.conninfo, allowed_hazards=hazards or set())
    assert result.after is not None and result.after.empty, [s.sql for s in result.after.steps]
    assert make_plan(d, database_url=db.conninfo).empty
    return result


def _seed(db) -> None:
    _run(db, "INSERT INTO countries VALUES ('NL', 'Netherlands'), ('JP', 'Japan')")
    _run(db, "INSERT INTO tenants SELECT i, 'tenant ' || i, CASE WHEN i % 2 = 0 THEN 'NL' ELSE 'JP' END "
             "FROM generate_series(1, 40) i")
    _run(db, "INSERT INTO stores (tenant_id, id, name) SELECT i % 40 + 1, i, 'store ' || i FROM generate_series(1, 200) i")


def test_create_change_and_drop(citus_db, tmp_path: Path) -> None:
    d = _write(tmp_path, COUNTRIES, TENANTS, STORES, EVENTS)
    first = _apply(d, citus_db)
    sql = [s.sql for s in first.plan.steps]
    assert sql.index("SELECT create_reference_table('public.countries')") < \
        sql.index("SELECT create_distributed_table('public.tenants', 'id', shard_count => 4)") < \
        sql.index("SELECT create_distributed_table('public.stores', 'tenant_id', colocate_with => 'public.tenants')")
    assert not first.plan.hazard_kinds()  # new tables: nothing to copy
    state = _state(citus_db)
    assert state["countries"][0] == "reference"
    assert state["tenants"][1:] == ("id", state["stores"][2], 4)
    assert state["stores"][1] == "tenant_id" and state["stores"][2] == state["tenants"][2]
    assert state["events"][2] != state["tenants"][2]  # colocate_with: none
    _seed(citus_db)
    _run(citus_db, "INSERT INTO events (id, tenant_id, body) SELECT i, i % 40 + 1, 'e' FROM generate_series(1, 100) i")
    with pytest.raises(psycopg.Error, match="violates foreign key constraint"):  # checked on the workers
        _run(citus_db, "INSERT INTO stores (tenant_id, id, name) VALUES (999, 1, 'orphan')")

    # shard count of a colocated group: one alter, cascaded; a rewrite, refused until allowed
    d = _write(tmp_path, COUNTRIES, TENANTS.replace("shard_count: 4", "shard_count: 6"), STORES, EVENTS)
    plan = make_plan(d, database_url=citus_db.conninfo)
    alters = [s for s in plan.steps if "alter_distributed_table" in s.sql]
    assert [s.sql for s in alters] == ["SELECT alter_distributed_table('public.tenants', shard_count := 6, "
                                       "cascade_to_colocated := true)"]
    assert {h.kind for h in alters[0].hazards} == {TABLE_REWRITE, LONG_LOCK}
    with pytest.raises(Exception, match="table_rewrite"):
        apply(str(d), database_url=citus_db.conninfo)
    _apply(d, citus_db, {TABLE_REWRITE, LONG_LOCK})
    state = _state(citus_db)
    assert state["tenants"][3] == state["stores"][3] == 6 and state["tenants"][2] == state["stores"][2]

    # distribution column and colocation of events: distributed by tenant_id, colocated with tenants
    events = EVENTS.replace("{column: id, colocate_with: none}", "{column: tenant_id, colocate_with: tenants}")
    d = _write(tmp_path, COUNTRIES, TENANTS.replace("shard_count: 4", "shard_count: 6"), STORES, events)
    _apply(d, citus_db, {TABLE_REWRITE, LONG_LOCK})
    state = _state(citus_db)
    assert state["events"][1:] == ("tenant_id", state["tenants"][2], 6)

    # a new distributed table with keys to a distributed and a reference table
    orders = """
  orders:
    distribution: {column: tenant_id, colocate_with: stores}
    primary_key: [tenant_id, id]
    columns:
      id: {type: bigint}
      tenant_id: {type: bigint, nullable: false}
      store_id: {type: bigint, nullable: false}
      country: {type: text, nullable: false, references: countries, on_delete: restrict}
    foreign_keys:
      - columns: [tenant_id, store_id]
        references: stores(tenant_id, id)
        on_delete: cascade
    indexes:
      - columns: [country]
"""
    tenants6 = TENANTS.replace("shard_count: 4", "shard_count: 6")
    d = _write(tmp_path, COUNTRIES, tenants6, STORES, events, orders)
    _apply(d, citus_db)
    assert _state(citus_db)["orders"][1:] == ("tenant_id", state["tenants"][2], 6)
    _run(citus_db, "INSERT INTO orders (tenant_id, id, store_id, country) SELECT tenant_id, id, id, 'NL' FROM stores")
    with pytest.raises(psycopg.Error, match="violates foreign key constraint"):
        _run(citus_db, "INSERT INTO orders (tenant_id, id, store_id, country) VALUES (1, 5000, 5000, 'NL')")

    # undistribute events (its rows come back to the coordinator), drop orders
    plain_events = events.replace("    distribution: {column: tenant_id, colocate_with: tenants}\n", "")
    assert "distribution" not in plain_events
    d = _write(tmp_path, COUNTRIES, tenants6, STORES, plain_events)
    _apply(d, citus_db, {TABLE_REWRITE, LONG_LOCK, "data_loss", "drop"})
    state = _state(citus_db)
    assert "events" not in state and "orders" not in state
    assert _run(citus_db, "SELECT count(*) FROM events") == [(100,)]
    assert _run(citus_db, "SELECT count(*) FROM stores") == [(200,)]
    assert _run(citus_db, "SELECT count(*), count(DISTINCT country) FROM tenants") == [(40, 2)]


def test_existing_plain_tables_become_citus_tables(citus_db, tmp_path: Path) -> None:
    """Tables made and filled before Citus keys were given: distributed with their rows (a rewrite)."""
    plain = [t.replace("    reference: true\n", "").replace("    distribution: {column: id, shard_count: 4}\n", "")
             for t in (COUNTRIES, TENANTS)]
    d = _write(tmp_path, *plain)
    _apply(d, citus_db)
    _run(citus_db, "INSERT INTO countries VALUES ('NL', 'Netherlands')")
    _run(citus_db, "INSERT INTO tenants SELECT i, 't', 'NL' FROM generate_series(1, 30) i")
    d = _write(tmp_path, COUNTRIES, TENANTS)  # the foreign key between them stays
    plan = make_plan(d, database_url=citus_db.conninfo)
    assert TABLE_REWRITE in plan.hazard_kinds()
    _apply(d, citus_db, {TABLE_REWRITE, LONG_LOCK})
    assert _state(citus_db)["tenants"][:2] == ("distributed", "id")
    assert _run(citus_db, "SELECT count(*) FROM tenants") == [(30,)]


def test_citus_keys_need_the_extension(empty_db, tmp_path: Path) -> None:
    d = _write(tmp_path, COUNTRIES)
    with pytest.raises(PlanError, match="no citus extension"):
        make_plan(d, database_url=empty_db.conninfo)


def test_import_writes_the_citus_keys(citus_db, tmp_path: Path) -> None:
    """`pgdecl import` of a distributed schema writes distribution and reference keys (and no citus
    extension): planning the imported specs against the database is empty, and `pgdecl test` proves
    their constraints."""
    from click.testing import CliRunner

    from pgdecl.citus_spec import colocated
    from pgdecl.cli import main
    from pgdecl.importer import import_database
    from pgdecl.model import Project
    from pgdecl.spec import load_project

    _apply(_write(tmp_path, COUNTRIES, TENANTS, STORES, EVENTS), citus_db)
    _run(citus_db, "CREATE TABLE lonely (id bigint PRIMARY KEY); SELECT create_distributed_table('lonely', 'id', "
                   "colocate_with => 'none', shard_count => 4)")
    out = tmp_path / "imported"
    import_database(out, citus_db.conninfo)
    text = "".join(p.read_text() for p in sorted(out.glob("*.yaml")))
    assert "extensions" not in text  # not citus: the cluster has it, the scratch side never needs it
    project: Project = load_project(out).project
    t = project.tables
    assert t["public.countries"].reference and t["public.countries"].distribution is None
    assert t["public.events"].distribution.column == "id"
    stores, tenants = t["public.stores"].distribution, t["public.tenants"].distribution
    # one of the colocated pair gives the shard count, the other colocates with it
    assert {stores.column, tenants.column} == {"tenant_id", "id"}
    assert (stores.colocate_with, tenants.shard_count) == ("tenants", 4) or \
        (tenants.colocate_with, stores.shard_count) == ("stores", 4)
    # same type and shard count as the stores group, yet apart: one of them says colocate_with: none
    assert not colocated(project, "public.lonely", "public.stores")
    assert colocated(project, "public.tenants", "public.stores")
    assert make_plan(out, database_url=citus_db.conninfo).empty
    r = CliRunner().invoke(main, ["test", str(out)])
    assert r.exit_code == 0 and " 0 failed" in r.output, r.output


def test_pgdecl_test_proves_a_distributed_schema(tmp_path: Path) -> None:
    """`pgdecl test` builds its scratch copy without Citus: the distribution keys change nothing there,
    and every constraint of the Citus marketplace is proved."""
    from click.testing import CliRunner

    from pgdecl.cli import main

    example = Path(__file__).resolve().parents[2] / "examples" / "marketplace-citus"
    r = CliRunner().invoke(main, ["test", str(example), "--strict"])
    assert r.exit_code == 0, r.output[-2000:]
    assert " 0 failed, 0 not proved" in r.output
