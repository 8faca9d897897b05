"""renamed_from: tables and columns are renamed in place, so their rows survive; the rest of the plan
is made as if the renames had run; a hint that no longer applies is harmless; both names live is an
error naming the spec."""

from __future__ import annotations

import re

import shutil
from pathlib import Path

import psycopg
import pytest
from conftest import run_sql

from pgdecl.apply import apply
from pgdecl.errors import SpecError
from pgdecl.hazards import DATA_LOSS, DROP
from pgdecl.plan import make_plan

ROOT = Path(__file__).resolve().parents[2]

LIVE = """
CREATE TABLE public.users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL UNIQUE,
                           age integer);
CREATE TABLE public.orders (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES public.users (id),
                            total numeric(12,2) NOT NULL);
CREATE INDEX orders_user_id_idx ON public.orders (user_id);
INSERT INTO public.users (name, age) VALUES ('Ann', 31), ('Bob', 45);
INSERT INTO public.orders SELECT 10 + id, id, 9.5 * id FROM public.users;
"""

SPEC = """
tables:
  customers:
    renamed_from: users
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      full_name: {renamed_from: name, type: text, nullable: false, unique: true}
      age: integer
  orders:
    columns:
      id: {type: bigint, primary_key: true}
      customer_id: {renamed_from: user_id, type: bigint, nullable: false, references: customers}
      total: {type: "numeric(12,2)", nullable: false}
    indexes:
      - columns: [customer_id]
"""


def project(tmp_path: Path, spec: str) -> Path:
    d = tmp_path / "schema"
    d.mkdir(exist_ok=True)
    (d / "spec.yaml").write_text(spec)
    return d


def plan_for(specs: Path, db, admin, server):
    return make_plan(specs, database_url=db.conninfo, dev_url=admin.conninfo, server=server)


def test_rows_survive_renames_and_second_plan_is_empty(tmp_path, empty_db, admin, server) -> None:
    run_sql(empty_db, LIVE)
    specs = project(tmp_path, SPEC)
    plan = plan_for(specs, empty_db, admin, server)
    sqls = [s.sql for s in plan.steps]
    assert sqls[:2] == ["ALTER TABLE public.users RENAME TO customers",
                        "ALTER TABLE public.customers RENAME COLUMN name TO full_name"]
    assert all(s.source == "renames" for s in plan.steps), sqls  # nothing else changes
    # typed: each rename step names its object and the spec line of its hint
    assert [(s.action, s.object) for s in plan.steps[:2]] == [("rename", "relation public.users"),
                                                              ("rename", "column public.customers.name")]
    assert plan.steps[0].origin == f"{specs / 'spec.yaml'}:3", plan.steps[0]
    assert plan.steps[1].origin == f"{specs / 'spec.yaml'}:7", plan.steps[1]
    assert plan.hazard_kinds() == {DROP}
    # applied with only `drop` (renames) allowed: no data loss could run
    result = apply(str(specs), empty_db.conninfo, admin.conninfo, {DROP}, server=server)
    assert result.after is not None and result.after.empty
    with psycopg.connect(empty_db.conninfo) as conn:
        assert conn.execute("SELECT id, full_name, age FROM customers ORDER BY id").fetchall() == \
            [(1, "Ann", 31), (2, "Bob", 45)]
        assert [(c, str(t)) for c, t in conn.execute("SELECT customer_id, total FROM orders ORDER BY id")] == \
            [(1, "9.50"), (2, "19.00")]
        assert conn.execute("INSERT INTO customers (full_name) VALUES ('Cy') RETURNING id").fetchone() == (3,)
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            conn.execute("INSERT INTO orders VALUES (99, 42, 1)")
    assert plan_for(specs, empty_db, admin, server).empty


def test_without_the_hint_the_same_change_loses_data(tmp_path, empty_db, admin, server) -> None:
    """The contrast: the same specs without renamed_from drop the old table and column."""
    run_sql(empty_db, LIVE)
    specs = project(tmp_path, SPEC.replace("    renamed_from: users\n", "").replace("renamed_from: name, ", ""))
    plan = plan_for(specs, empty_db, admin, server)
    assert DATA_LOSS in plan.hazard_kinds()
    assert any(s.sql.startswith('drop table "public"."users"') for s in plan.steps)


def test_rename_with_other_changes_to_the_renamed_objects(tmp_path, empty_db, admin, server) -> None:
    """Renamed and changed in the same plan: the changes name the new names, the live type of a
    renamed column is known (integer -> bigint is lossless), and the plan converges."""
    run_sql(empty_db, LIVE)
    spec = SPEC.replace("      age: integer\n",
                        "      age: {type: bigint, check: age >= 0}\n      email: text\n")
    specs = project(tmp_path, spec)
    plan = plan_for(specs, empty_db, admin, server)
    sqls = [s.sql for s in plan.steps]
    assert sqls[0] == "ALTER TABLE public.users RENAME TO customers"
    assert 'alter table "public"."customers" alter column "age" set data type bigint using "age"::bigint' in sqls
    assert 'alter table "public"."customers" add column "email" text' in sqls
    assert not any("users" in s and "RENAME" not in s for s in sqls), sqls
    assert DATA_LOSS not in plan.hazard_kinds()
    result = apply(str(specs), empty_db.conninfo, admin.conninfo, {"drop", "table_rewrite", "full_scan", "long_lock"},
                   server=server)
    assert result.after is not None and result.after.empty
    with psycopg.connect(empty_db.conninfo) as conn:
        assert conn.execute("SELECT full_name, age FROM customers ORDER BY id").fetchall() == [("Ann", 31), ("Bob", 45)]


def test_both_names_live_is_an_error_naming_the_spec(tmp_path, empty_db, admin, server) -> None:
    run_sql(empty_db, LIVE + "CREATE TABLE public.customers (id bigint PRIMARY KEY);")
    specs = project(tmp_path, SPEC)
    with pytest.raises(SpecError) as e:
        plan_for(specs, empty_db, admin, server)
    assert "spec.yaml:3" in str(e.value) and "public.users" in str(e.value) and "public.customers" in str(e.value)


def test_both_column_names_live_is_an_error(tmp_path, empty_db, admin, server) -> None:
    run_sql(empty_db, LIVE + "ALTER TABLE public.orders ADD COLUMN customer_id bigint;")
    specs = project(tmp_path, SPEC)
    with pytest.raises(SpecError) as e:
        plan_for(specs, empty_db, admin, server)
    assert "spec.yaml:12" in str(e.value) and "user_id" in str(e.value) and "customer_id" in str(e.value)


def test_hint_without_the_old_name_creates_the_table(tmp_path, empty_db, admin, server) -> None:
    specs = project(tmp_path, SPEC)
    plan = plan_for(specs, empty_db, admin, server)
    assert not [s for s in plan.steps if s.source == "renames"]
    assert any(re.match(r'create table (public|"public")\.("customers"|customers) ', s.sql, re.I) for s in plan.steps)


def test_starter_table_renamed_with_traits_grants_policies_and_view(tmp_path, empty_db, admin, server) -> None:
    """A rich table (trigger from a trait, grants, comment, citext unique, FK from another table, a
    view over it) renamed, with the referencing column: only renames, and the rows survive."""
    starter = tmp_path / "starter"
    shutil.copytree(ROOT / "examples" / "starter", starter)
    apply(str(starter), empty_db.conninfo, admin.conninfo, set(), server=server)
    run_sql(empty_db, "INSERT INTO authors (email, name) VALUES ('a@x.org', 'Ann');"
                      "INSERT INTO posts (author_id, title) SELECT id, 'Hello' FROM authors;")
    blog = starter / "blog.yaml"
    text = blog.read_text()
    for old, new in (("  authors:\n", "  writers:\n    renamed_from: authors\n"),
                     ("author_id: {type: uuid", "writer_id: {renamed_from: author_id, type: uuid"),
                     ("references: authors", "references: writers"),
                     ("author_id, slug", "writer_id, slug"), ("author_id, published_at", "writer_id, published_at"),
                     ("author_id = current", "writer_id = current"), ("JOIN authors a ON a.id = p.author_id",
                                                                     "JOIN writers a ON a.id = p.writer_id")):
        assert old in text, old
        text = text.replace(old, new)
    blog.write_text(text)
    plan = plan_for(starter, empty_db, admin, server)
    assert plan.steps and all(s.source == "renames" for s in plan.steps), [s.sql for s in plan.steps]
    result = apply(str(starter), empty_db.conninfo, admin.conninfo, {DROP}, server=server)
    assert result.after is not None and result.after.empty
    with psycopg.connect(empty_db.conninfo) as conn:
        assert conn.execute("SELECT w.name, p.title FROM writers w JOIN posts p ON p.writer_id = w.id").fetchall() == \
            [("Ann", "Hello")]
        assert conn.execute("SELECT obj_description('public.writers'::regclass)").fetchone()[0] == "People who write posts."
