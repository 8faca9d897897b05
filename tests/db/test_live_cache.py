"""The live side and the plan itself reused while the live catalogs are unchanged (pgdecl.plan_cache),
keyed by pgdecl.catalog.catalog_signal: any catalog change is seen, another database is not."""

from __future__ import annotations

import shutil

import psycopg
from conftest import ROOT, fresh_database, run_sql

from pgdecl import plan_cache, sides
from pgdecl.apply import apply
from pgdecl.catalog import catalog_signal
from pgdecl.db import connect
from pgdecl.desired import desired_from_specs
from pgdecl.plan import make_plan


COMMENT_ON_DATABASE = "DO $$BEGIN EXECUTE format('COMMENT ON DATABASE %I IS %L', current_database(), 'c'); END$$"


def _signal(db) -> str:
    with connect(db) as conn:
        return catalog_signal(conn)


def _steps(plan) -> list[tuple[str, str, tuple[str, ...], str, str]]:
    return [(s.sql, s.phase, tuple(h.kind for h in s.hazards), s.object, s.origin or "") for s in plan.steps]


def test_the_catalog_signal_changes_with_every_kind_of_change_and_nothing_else(admin, empty_db) -> None:
    run_sql(empty_db, "CREATE TABLE t (id int PRIMARY KEY, a text); CREATE VIEW v AS SELECT id FROM t")
    seen = [_signal(empty_db)]
    assert _signal(empty_db) == seen[0]  # stable
    run_sql(empty_db, "INSERT INTO t SELECT g, 'x' FROM generate_series(1, 500) g")
    run_sql(empty_db, "ANALYZE t")
    run_sql(empty_db, "VACUUM t")
    with fresh_database(admin, "other_") as other:  # another database made, changed and dropped
        run_sql(other, f"CREATE TABLE elsewhere (id int); {COMMENT_ON_DATABASE}")
    assert _signal(empty_db) == seen[0]  # data, statistics and other databases are not the schema
    for ddl in ("ALTER TABLE t ADD COLUMN b int", "COMMENT ON TABLE t IS 'x'", "COMMENT ON TABLE t IS 'y'",
                "GRANT SELECT ON t TO PUBLIC", "CREATE INDEX t_a ON t (a)", "ALTER TABLE t ALTER a SET DEFAULT 'd'",
                "ALTER INDEX t_a SET (fillfactor = 70)", "CREATE OR REPLACE VIEW v AS SELECT id, a FROM t",
                "ALTER TABLE t ALTER b SET STATISTICS 200", "DROP INDEX t_a", "ALTER TABLE t RENAME COLUMN b TO c",
                COMMENT_ON_DATABASE, "CREATE SCHEMA s2", "ALTER TABLE t SET SCHEMA s2"):
        run_sql(empty_db, ddl)
        now = _signal(empty_db)
        assert now not in seen, ddl
        seen.append(now)


def test_an_older_transaction_committing_last_changes_the_signal(empty_db) -> None:
    """A change whose transaction began before another's and commits after it rewrites catalog rows with
    an older transaction id than the newest one there: the signal still sees it."""
    run_sql(empty_db, "CREATE TABLE t (id int, a int); CREATE TABLE u (id int)")
    with psycopg.connect(empty_db.conninfo) as older:
        older.execute("ALTER TABLE t ALTER COLUMN a TYPE bigint")  # an update of pg_attribute rows, uncommitted
        run_sql(empty_db, "COMMENT ON TABLE u IS 'newer'")  # a later transaction id, committed first
        before = _signal(empty_db)
        older.commit()
    assert _signal(empty_db) != before


def test_a_reused_plan_is_the_plan_made_from_scratch(server, empty_db, cache_dir, tmp_path, monkeypatch) -> None:
    """After a no-op plan, a second one reads neither side; any change of the live schema made since
    gives the same plan as a run without the cache."""
    project = tmp_path / "marketplace"
    shutil.copytree(ROOT / "schema", project)
    apply(str(project), empty_db.conninfo, allowed_hazards={"security"}, server=server)
    first = make_plan(project, empty_db.conninfo, server=server)
    assert first.empty and list(cache_dir.glob("live-*.pickle")) and list(cache_dir.glob("plan-*.pickle"))

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a side was read")

    with monkeypatch.context() as m:
        m.setattr(sides, "read", refuse)
        again = make_plan(project, empty_db.conninfo, server=server)
    assert again.empty and again.live_fingerprint == first.live_fingerprint

    table = sorted(desired_from_specs(project).project.tables)[0]
    for change in (f"ALTER TABLE {table} ADD COLUMN probe text", f"COMMENT ON TABLE {table} IS 'changed live'",
                   f"ALTER TABLE {table} DROP COLUMN probe"):
        run_sql(empty_db, change)
        cached = make_plan(project, empty_db.conninfo, server=server)
        with monkeypatch.context() as m:
            m.setenv("PGDECL_NO_CACHE", "1")
            uncached = make_plan(project, empty_db.conninfo, server=server)
        assert uncached.steps and _steps(cached) == _steps(uncached), change
        assert cached.live_fingerprint == uncached.live_fingerprint
        reused = make_plan(project, empty_db.conninfo, server=server)  # the same state again: reused
        assert _steps(reused) == _steps(uncached)


def test_no_signal_without_the_cache(empty_db, monkeypatch) -> None:
    monkeypatch.setenv("PGDECL_NO_CACHE", "1")
    assert plan_cache.signal(empty_db) is None


def test_a_changed_spec_planned_with_a_warm_cache_is_the_cold_plan(server, empty_db, cache_dir, tmp_path,
                                                                      monkeypatch) -> None:
    """The one-change plan a developer waits for: the live side and the prettified statements come
    from the cache, the desired side is built again; the plan is the one an empty cache gives."""
    project = tmp_path / "marketplace"
    shutil.copytree(ROOT / "schema", project)
    apply(str(project), empty_db.conninfo, allowed_hazards={"security"}, server=server)
    assert make_plan(project, empty_db.conninfo, server=server).empty
    spec = project / "70_reviews.yaml"
    text = spec.read_text()
    changed = text.replace("    columns:\n", "    columns:\n      warm_probe: {type: text, comment: probe}\n", 1)
    assert changed != text
    spec.write_text(changed)
    lives = sorted(cache_dir.glob("live-*.pickle"))  # before and after the apply
    assert lives

    warm = make_plan(project, empty_db.conninfo, server=server)
    assert sorted(cache_dir.glob("live-*.pickle")) == lives  # the live side was not read again
    monkeypatch.setenv("PGDECL_CACHE_DIR", str(tmp_path / "cold"))
    cold = make_plan(project, empty_db.conninfo, server=server)
    assert any("warm_probe" in s.sql for s in warm.steps)
    assert _steps(warm) == _steps(cold) and warm.notes == cold.notes
    assert warm.live_fingerprint == cold.live_fingerprint and warm.desired_fingerprint == cold.desired_fingerprint
