"""The desired side's scratch database: its catalogs analyzed after a big load (a database just
loaded has an empty one's statistics, and reading 10,000 tables then took 25 s instead of 10 s), and
dropped on a thread of its own as soon as a plan will not ask for it again."""

from __future__ import annotations

import psycopg
from conftest import fresh_database

from pgdecl import scratch
from pgdecl.db import connect
from pgdecl.render import DDL, Rendered
from pgdecl.sides import DesiredSide


def _tables(n: int) -> Rendered:
    return Rendered(tuple(DDL(f"CREATE TABLE public.t{i} (id int PRIMARY KEY, name text)", "table", f"public.t{i}")
                          for i in range(n)))


def _analyzed(db) -> bool:
    with connect(db, autocommit=True) as conn:
        row = conn.execute("SELECT last_analyze IS NOT NULL FROM pg_stat_sys_tables "
                           "WHERE relid = 'pg_catalog.pg_attribute'::regclass").fetchone()
        return bool(row and row[0])


def test_a_big_load_analyzes_the_catalogs_a_small_one_does_not(admin, monkeypatch) -> None:
    monkeypatch.setattr(scratch, "ANALYZE_FROM", 60)  # a big load, made small for the test
    with fresh_database(admin, "small_load_") as db:
        scratch.load(db, _tables(10))
        assert not _analyzed(db)
    with fresh_database(admin, "big_load_") as db:
        scratch.load(db, _tables(scratch.ANALYZE_FROM))
        assert _analyzed(db)
        with connect(db, autocommit=True) as conn:  # the statistics know the new rows
            tuples = conn.execute("SELECT reltuples FROM pg_class WHERE oid = 'pg_catalog.pg_attribute'::regclass")
            assert tuples.fetchone()[0] >= 7 * scratch.ANALYZE_FROM


def _exists(admin, name: str) -> bool:
    with psycopg.connect(admin.conninfo, autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def test_a_released_scratch_database_is_dropped_by_close_at_the_latest(admin) -> None:
    side = DesiredSide(admin, _tables(3))
    read = side.read()
    assert sorted(read.extra["kinds"]) and read.schema.tables  # read from a scratch database
    with side.scratch() as db:
        name = psycopg.conninfo.conninfo_to_dict(db.conninfo)["dbname"]
    assert _exists(admin, name)
    side.release()
    side.release()  # twice: nothing more
    side.close()
    assert not _exists(admin, name)
    with side.scratch() as again:  # asked for after all: a new one is built
        assert psycopg.conninfo.conninfo_to_dict(again.conninfo)["dbname"] != name
    side.close()


def test_a_big_apply_analyzes_the_live_catalogs(tmp_path, admin, server, monkeypatch) -> None:
    """In the main transaction (for its own reads: the live load's proof holds, no second plan) and
    for the next plan's."""
    from pgdecl import plan as plan_module
    from pgdecl.apply import apply

    monkeypatch.setattr(scratch, "ANALYZE_FROM", 60)  # a big apply, made small for the test
    made: list[int] = []
    real = plan_module.make_plan
    monkeypatch.setattr(plan_module, "make_plan", lambda *a, **k: made.append(1) or real(*a, **k))

    specs = tmp_path / "schema"
    specs.mkdir()
    (specs / "many.yaml").write_text("tables:\n" + "".join(
        f"  public.t{i}:\n    columns:\n      id: {{type: int, primary_key: true}}\n" for i in range(scratch.ANALYZE_FROM)))
    with fresh_database(admin, "big_apply_") as db:
        result = apply(str(specs), db.conninfo, server=server)
        assert result.applied >= scratch.ANALYZE_FROM and result.after is not None and result.after.empty
        assert made == [1] and _analyzed(db)
