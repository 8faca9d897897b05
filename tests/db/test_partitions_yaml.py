"""Declarative partitioning on a real PostgreSQL: a YAML-partitioned project (range, list sub-partitions,
hash, a default partition, foreign keys to and from partitioned tables) applies and re-plans empty, rows go
to the right partitions, partitions are added, detached with their rows, re-bounded and dropped only with
`data_loss` allowed, and repartitioning a table holding rows is refused with the reason."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from conftest import fresh_database
from pgdecl.apply import apply
from pgdecl.errors import PgdeclError, PlanError
from pgdecl.plan import make_plan

pytestmark = pytest.mark.db

SPEC = """\
schemas:
  archive: {}
tables:
  accounts:
    columns:
      id: {type: bigint, primary_key: true}
  events:
    columns:
      id: {type: bigint, nullable: false}
      account_id: {type: bigint, nullable: false, references: accounts, on_delete: cascade}
      kind: {type: text, nullable: false}
      created_at: {type: date, nullable: false}
    primary_key: [id, created_at, kind]
    partition_by: range(created_at)
    indexes:
      - columns: [account_id]
  events_2024:
    partition_of: events
    bounds: {from: 2024-01-01, to: 2025-01-01}
  events_2025:
    partition_of: events
    bounds: {from: 2025-01-01, to: 2026-01-01}
    partition_by: list(kind)
  events_2025_auth:
    partition_of: events_2025
    bounds: {in: ["'login'", "'logout'"]}
  events_2025_rest:
    partition_of: events_2025
    bounds: default
  archive.events_old:
    partition_of: public.events
    bounds: {from: MINVALUE, to: 2024-01-01}
  event_notes:
    columns:
      id: {type: bigint, primary_key: true}
      event_id: {type: bigint, nullable: false}
      event_created_at: {type: date, nullable: false}
      event_kind: {type: text, nullable: false}
      note: text
    foreign_keys:
      - columns: [event_id, event_created_at, event_kind]
        references: events(id, created_at, kind)
        on_delete: cascade
    indexes:
      - columns: [event_id, event_created_at, event_kind]
  tags:
    columns:
      id: {type: bigint, nullable: false}
      label: text
    primary_key: [id]
    partition_by: hash(id)
  tags_0: {partition_of: tags, bounds: {modulus: 2, remainder: 0}}
  tags_1: {partition_of: tags, bounds: {modulus: 2, remainder: 1}}
"""

ROWS = """
INSERT INTO accounts VALUES (1), (2);
INSERT INTO events VALUES (1, 1, 'login', '2023-06-01'), (2, 1, 'login', '2024-06-01'),
  (3, 1, 'login', '2025-02-01'), (4, 2, 'upload', '2025-03-01');
INSERT INTO tags SELECT g, 'tag ' || g FROM generate_series(1, 20) g;
INSERT INTO event_notes VALUES (1, 3, '2025-02-01', 'login', 'first');
"""


def write(project: Path, text: str) -> Path:
    project.mkdir(exist_ok=True)
    (project / "app.yaml").write_text(text)
    return project


def where_rows_are(conninfo: str, table: str) -> dict[int, str]:
    with psycopg.connect(conninfo) as conn:
        return dict(conn.execute(f"SELECT id, tableoid::regclass::text FROM {table} ORDER BY id").fetchall())


def steps(project: Path, db, server) -> list[str]:
    return [" ".join(s.sql.split()) for s in make_plan(project, db.conninfo, server=server).steps]


@pytest.fixture
def applied(server, admin, tmp_path: Path):
    """A database holding SPEC, applied from the specs, with ROWS."""
    project = write(tmp_path / "project", SPEC)
    with fresh_database(admin, "part_") as db:
        result = apply(str(project), db.conninfo, allowed_hazards=set(), server=server)
        assert result.after is not None and result.after.empty  # a second plan is empty
        with psycopg.connect(db.conninfo, autocommit=True) as conn:
            conn.execute(ROWS)
        yield project, db


def test_a_yaml_partitioned_project_applies_and_rows_go_to_their_partitions(applied, server) -> None:
    project, db = applied
    assert where_rows_are(db.conninfo, "events") == {1: "archive.events_old", 2: "events_2024",
                                                     3: "events_2025_auth", 4: "events_2025_rest"}
    placed = where_rows_are(db.conninfo, "tags")
    assert set(placed.values()) == {"tags_0", "tags_1"} and len(placed) == 20
    assert make_plan(project, db.conninfo, server=server).empty
    with psycopg.connect(db.conninfo, autocommit=True) as conn:
        # the parent's key, index and foreign key were created on the parent and cascaded
        names = {r[0] for r in conn.execute("SELECT indexrelid::regclass::text FROM pg_index "
                                            "WHERE indrelid = 'events_2025_auth'::regclass")}
        assert names == {"events_2025_auth_pkey", "events_2025_auth_account_id_idx"}
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("INSERT INTO events VALUES (3, 1, 'login', '2025-02-01')")
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            conn.execute("INSERT INTO events VALUES (9, 99, 'login', '2025-02-01')")
        with pytest.raises(psycopg.errors.ForeignKeyViolation):  # a key into a partitioned table
            conn.execute("INSERT INTO event_notes VALUES (2, 77, '2025-02-01', 'login', 'none')")
        conn.execute("DELETE FROM accounts WHERE id = 1")  # cascades into the partitions, and on to the notes
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM event_notes").fetchone()[0] == 0


def test_adding_a_partition_and_detaching_one_keeps_the_rows(applied, server) -> None:
    project, db = applied
    detached_spec = """\
  events_2024:
    columns:
      id: {type: bigint, nullable: false}
      account_id: {type: bigint, nullable: false}
      kind: {type: text, nullable: false}
      created_at: {type: date, nullable: false}
    primary_key: [id, created_at, kind]
  events_2026:
    partition_of: events
    bounds: {from: 2026-01-01, to: 2027-01-01}
"""
    write(project, SPEC.replace("""  events_2024:
    partition_of: events
    bounds: {from: 2024-01-01, to: 2025-01-01}
""", detached_spec))
    plan = steps(project, db, server)
    assert plan[0] == 'alter table "public"."events" detach partition "public"."events_2024"', plan
    assert not any(s.lower().startswith(("drop table", "create index", "alter index")) for s in plan), plan
    assert any(s.startswith('create table "public"."events_2026" partition of "public"."events"') for s in plan), plan
    result = apply(str(project), db.conninfo, allowed_hazards={"drop"}, server=server)
    assert result.after is not None and result.after.empty
    assert where_rows_are(db.conninfo, "events_2024") == {2: "events_2024"}  # kept, in a table of its own
    assert 2 not in where_rows_are(db.conninfo, "events")
    with psycopg.connect(db.conninfo, autocommit=True) as conn:
        conn.execute("INSERT INTO events VALUES (5, 2, 'x', '2026-04-01')")
        assert conn.execute("SELECT relispartition FROM pg_class WHERE oid = 'events_2024'::regclass").fetchone() == (False,)
    assert where_rows_are(db.conninfo, "events")[5] == "events_2026"
    # and back: the table of its own is attached again, with its rows, and gets the parent's indexes
    write(project, SPEC)
    plan = steps(project, db, server)
    assert any(s.startswith('alter table "public"."events" attach partition "public"."events_2024" FOR VALUES')
               for s in plan), plan
    assert not any(s.lower().startswith(("create index", "create unique index", "alter index")) for s in plan), plan
    result = apply(str(project), db.conninfo, allowed_hazards={"drop", "full_scan", "data_loss"}, server=server)
    assert result.after is not None and result.after.empty
    assert where_rows_are(db.conninfo, "events")[2] == "events_2024"


def test_a_partition_removed_from_the_specs_is_detached_then_dropped_only_with_data_loss(applied, server) -> None:
    project, db = applied
    write(project, SPEC.replace("""  archive.events_old:
    partition_of: public.events
    bounds: {from: MINVALUE, to: 2024-01-01}
""", ""))
    assert steps(project, db, server) == ["ALTER TABLE public.events DETACH PARTITION archive.events_old",
                                          "DROP TABLE archive.events_old"]
    with pytest.raises(PgdeclError, match=r"\[data_loss\] drops table archive.events_old"):
        apply(str(project), db.conninfo, allowed_hazards={"drop"}, server=server)
    assert where_rows_are(db.conninfo, "events")[1] == "archive.events_old"  # nothing ran
    result = apply(str(project), db.conninfo, allowed_hazards={"drop", "data_loss"}, server=server)
    assert result.after is not None and result.after.empty
    assert 1 not in where_rows_are(db.conninfo, "events") and len(where_rows_are(db.conninfo, "events")) == 3


def test_new_bounds_detach_and_attach_the_partition_with_its_rows(applied, server) -> None:
    project, db = applied
    write(project, SPEC.replace("bounds: {from: 2024-01-01, to: 2025-01-01}", "bounds: {from: 2023-07-01, to: 2025-01-01}")
          .replace("bounds: {from: MINVALUE, to: 2024-01-01}", "bounds: {from: MINVALUE, to: 2023-07-01}"))
    plan = steps(project, db, server)
    assert plan == [
        "ALTER TABLE public.events DETACH PARTITION archive.events_old",
        "ALTER TABLE public.events DETACH PARTITION public.events_2024",
        "ALTER TABLE public.events ATTACH PARTITION archive.events_old FOR VALUES FROM (MINVALUE) TO ('2023-07-01')",
        "ALTER TABLE public.events ATTACH PARTITION public.events_2024 FOR VALUES FROM ('2023-07-01') TO ('2025-01-01')",
    ], plan
    result = apply(str(project), db.conninfo, allowed_hazards={"drop", "full_scan"}, server=server)
    assert result.after is not None and result.after.empty
    assert where_rows_are(db.conninfo, "events") == {1: "archive.events_old", 2: "events_2024",
                                                     3: "events_2025_auth", 4: "events_2025_rest"}
    with psycopg.connect(db.conninfo, autocommit=True) as conn:
        conn.execute("INSERT INTO events VALUES (6, 1, 'x', '2023-08-01')")
    assert where_rows_are(db.conninfo, "events")[6] == "events_2024"
    # bounds the partition's rows break: the ATTACH fails inside the transaction and nothing changes
    write(project, SPEC.replace("bounds: {from: 2024-01-01, to: 2025-01-01}", "bounds: {from: 2024-07-01, to: 2025-01-01}")
          .replace("bounds: {from: MINVALUE, to: 2024-01-01}", "bounds: {from: MINVALUE, to: 2023-07-01}"))
    with pytest.raises(PgdeclError, match="partition constraint of relation \"events_2024\" is violated"):
        apply(str(project), db.conninfo, allowed_hazards={"drop", "full_scan"}, server=server)
    assert where_rows_are(db.conninfo, "events")[2] == "events_2024"


def test_repartitioning_a_table_holding_rows_is_refused(applied, server) -> None:
    project, db = applied
    write(project, SPEC.replace("partition_by: hash(id)", "partition_by: range(id)")
          .replace("tags_0: {partition_of: tags, bounds: {modulus: 2, remainder: 0}}",
                   "tags_0: {partition_of: tags, bounds: {from: 0, to: 100}}")
          .replace("  tags_1: {partition_of: tags, bounds: {modulus: 2, remainder: 1}}\n", ""))
    with pytest.raises(PlanError, match=r"table public.tags is partitioned by HASH \(id\) and the specs want it "
                                        r"partitioned by RANGE \(id\): refused, it holds rows"):
        make_plan(project, db.conninfo, server=server)
    write(project, SPEC.replace("    partition_by: hash(id)\n", "").replace(
        "  tags_0: {partition_of: tags, bounds: {modulus: 2, remainder: 0}}\n"
        "  tags_1: {partition_of: tags, bounds: {modulus: 2, remainder: 1}}\n", ""))
    with pytest.raises(PlanError, match="the specs want it not partitioned: refused, it holds rows"):
        make_plan(project, db.conninfo, server=server)
    assert len(where_rows_are(db.conninfo, "tags")) == 20


def test_an_empty_table_may_become_partitioned(server, admin, tmp_path: Path) -> None:
    project = write(tmp_path / "p", "tables:\n  t:\n    columns: {id: bigint, at: date}\n")
    with fresh_database(admin, "part_") as db:
        apply(str(project), db.conninfo, server=server)
        write(project, "tables:\n  t:\n    columns: {id: bigint, at: date}\n    partition_by: range(at)\n"
                       "  t_all: {partition_of: t, bounds: {from: MINVALUE, to: MAXVALUE}}\n")
        result = apply(str(project), db.conninfo, allowed_hazards={"data_loss", "drop"}, server=server)
        assert result.after is not None and result.after.empty
        with psycopg.connect(db.conninfo) as conn:
            assert conn.execute("SELECT relkind FROM pg_class WHERE oid = 't'::regclass").fetchone() == ("p",)


def test_pgdecl_test_proves_the_keys_of_partitioned_tables(server, tmp_path: Path) -> None:
    """PostgreSQL names a partition's copy of a key in its errors (events_2024_pkey); `pgdecl test` reads it as
    the partitioned table's key the specs declare."""
    from pgdecl.proptest import run_tests

    report = run_tests(write(tmp_path / "p", SPEC), server=server)
    assert report.ok, [(x.name, x.detail) for x in report.results if x.status == "failed"]
    by = {(x.table, x.kind, x.name): x for x in report.results}
    assert by[("public.events", "primary key", "events_pkey")].status == "proved"
    assert by[("public.events", "foreign key", "events_account_id_fkey")].status == "proved"
    assert by[("public.event_notes", "foreign key", "event_notes_event_id_event_created_at_event_kind_fkey")].status \
        == "proved"
    # all but a type limit on the partition key: a value out of the type's range has no partition to go to
    assert [x.name for x in report.results if x.status != "proved"] == ["public.events.created_at"]


def test_a_partition_tree_gone_from_the_specs_is_one_drop_of_its_root(applied, server) -> None:
    project, db = applied
    kept = SPEC.split("  events:")[0] + "  tags:" + SPEC.split("  tags:")[1]
    write(project, kept)
    plan = steps(project, db, server)
    about_events = [s for s in plan if "events" in s]  # event_notes, a plain table, is dropped as usual
    assert about_events == ['drop table "public"."events"'], plan
    result = apply(str(project), db.conninfo, allowed_hazards={"drop", "data_loss"}, server=server)
    assert result.after is not None and result.after.empty
    with psycopg.connect(db.conninfo) as conn:
        left = {r[0] for r in conn.execute("SELECT relname FROM pg_class WHERE relname LIKE 'events%'")}
    assert left == set()
