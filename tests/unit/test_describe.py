"""What `pgdecl.engine.describe` reads from one statement, no database: the object it is about, what
it provides, needs, removes and touches (the edges the plan is ordered by) and the lock it takes."""

from __future__ import annotations

import pytest

from pgdecl.engine.describe import describe, references
from pgdecl.engine.ops import (
    ACCESS_EXCLUSIVE, ALTER, COMMENT, CREATE, DROP, GRANT, NO_LOCK, RENAME, REPLACE, REVOKE, SET,
    SHARE, SHARE_ROW_EXCLUSIVE, SHARE_UPDATE_EXCLUSIVE, Operation,
)
from pgdecl.sqltree import statement


def ids(objects: frozenset) -> set[str]:
    return {str(o) for o in objects}


def test_views_and_materialized_views_need_what_their_query_reads() -> None:
    v = describe("CREATE VIEW app.v AS SELECT a FROM app.t")
    assert (v.action, str(v.obj)) == (CREATE, "relation app.v")
    assert ids(v.provides) == {"relation app.v", "type app.v"}  # a view has a row type too
    assert {"relation app.t", "columns app.t", "schema app"} <= ids(v.needs)
    r = describe("CREATE OR REPLACE VIEW app.v AS SELECT a FROM app.t")
    assert r.action == REPLACE and ids(r.touches) == {"relation app.v"}
    m = describe("CREATE MATERIALIZED VIEW app.m AS SELECT app.f(a) FROM app.t")
    assert "function app.f" in ids(m.needs) and "relation app.m" in ids(m.provides)


def test_a_unique_index_on_plain_columns_provides_a_key_a_foreign_key_can_use() -> None:
    plain = describe("CREATE UNIQUE INDEX u ON app.t (b, a)")
    assert ids(plain.provides) == {"relation app.u", "key app.t(a,b)"}  # columns sorted: order is no matter
    assert {"column app.t.a", "column app.t.b", "relation app.t"} <= ids(plain.needs)
    assert plain.lock == SHARE
    expression = describe("CREATE UNIQUE INDEX u ON app.t (lower(b))")
    assert ids(expression.provides) == {"relation app.u"}
    partial = describe("CREATE UNIQUE INDEX u ON app.t (a) WHERE a > 0")
    assert ids(partial.provides) == {"relation app.u"}  # a partial index is no key for a foreign key


def test_types_functions_and_domains() -> None:
    f = describe("CREATE OR REPLACE FUNCTION app.f(x app.money) RETURNS app.mood LANGUAGE sql AS 'select 1'")
    assert (f.action, str(f.obj)) == (REPLACE, "function app.f")
    assert {"type app.money", "type app.mood"} <= ids(f.needs) and ids(f.touches) == {"function app.f"}
    assert ids(describe("CREATE TYPE app.mood AS ENUM ('a')").provides) == {"type app.mood"}
    assert "type app.money" in ids(describe("CREATE TYPE app.r AS RANGE (subtype = app.money)").needs)
    assert "type app.money" in ids(describe("CREATE TYPE app.c AS (a app.money, b int)").needs)
    d = describe("CREATE DOMAIN app.money AS numeric CHECK (VALUE >= app.zero())")
    assert ids(d.provides) == {"type app.money"} and "function app.zero" in ids(d.needs)
    e = describe("ALTER TYPE app.mood ADD VALUE 'b'")
    assert (e.action, ids(e.touches)) == (ALTER, {"type app.mood"}) and "type app.mood" in ids(e.needs)


def test_built_in_types_and_functions_are_never_needs() -> None:
    op = describe("CREATE TABLE app.t (a pg_catalog.int4, b text DEFAULT pg_catalog.now())")
    assert not {o for o in op.needs if o.schema == "pg_catalog"}


def test_sequences_triggers_and_policies() -> None:
    s = describe("CREATE SEQUENCE app.s AS bigint")
    # nextval('app.s') names a sequence in a string: the sequence provides both spellings
    assert ids(s.provides) == {"relation app.s", "literal app.s", "literal s"}
    owned = describe("ALTER SEQUENCE app.s OWNED BY app.t.id")
    assert {"relation app.t", "column app.t.id"} <= ids(owned.needs)
    assert "relation app.t" not in ids(describe("ALTER SEQUENCE app.s OWNED BY NONE").needs)
    tg = describe("CREATE TRIGGER tg BEFORE UPDATE OF a ON app.t FOR EACH ROW EXECUTE FUNCTION app.touch()")
    assert (str(tg.obj), tg.lock) == ("trigger app.t.tg", SHARE_ROW_EXCLUSIVE)
    assert {"relation app.t", "function app.touch", "column app.t.a"} <= ids(tg.needs)
    p = describe("CREATE POLICY p ON app.t TO reader USING (owner = current_user)")
    assert (str(p.obj), p.lock) == ("policy app.t.p", ACCESS_EXCLUSIVE) and "role reader" in ids(p.needs)
    ap = describe("ALTER POLICY p ON app.t TO writer USING (true)")
    assert ap.action == ALTER and {"policy app.t.p", "role writer"} <= ids(ap.needs)


def test_text_search_rules_event_triggers_and_publications() -> None:
    cfg = describe("CREATE TEXT SEARCH CONFIGURATION app.cfg (COPY = pg_catalog.english)")
    assert ids(cfg.provides) == {"tsconfig app.cfg", "literal app.cfg", "literal cfg"}
    mapping = describe("ALTER TEXT SEARCH CONFIGURATION app.cfg ALTER MAPPING FOR word WITH app.d")
    assert {"tsconfig app.cfg", "tsdictionary app.d"} <= ids(mapping.needs)
    rule = describe("CREATE RULE r AS ON INSERT TO app.t DO INSTEAD NOTHING")
    assert (str(rule.obj), rule.lock) == ("rule app.t.r", ACCESS_EXCLUSIVE)
    et = describe("CREATE EVENT TRIGGER et ON ddl_command_end EXECUTE FUNCTION app.on_ddl()")
    assert ids(et.provides) == {"event_trigger et"} and "function app.on_ddl" in ids(et.needs)
    pub = describe("CREATE PUBLICATION pub FOR TABLE app.t, TABLES IN SCHEMA other")
    assert {"relation app.t", "schema other"} <= ids(pub.needs)
    alter_pub = describe("ALTER PUBLICATION pub ADD TABLE app.u")
    assert alter_pub.action == ALTER and ids(alter_pub.touches) == {"publication pub"}


def test_schemas_extensions_and_roles() -> None:
    assert ids(describe("CREATE SCHEMA app").provides) == {"schema app"}
    ext = describe("CREATE EXTENSION citext WITH SCHEMA ext")
    assert ids(ext.provides) == {"extension citext"} and ids(ext.needs) == {"schema ext"}
    assert ids(describe("CREATE ROLE reader").provides) == {"role reader"}
    membership = describe("GRANT reader TO writer")
    assert membership.action == GRANT and ids(membership.needs) == {"role reader", "role writer"}


@pytest.mark.parametrize("sql, obj, needs", [
    ("COMMENT ON COLUMN app.t.a IS 'x'", "column app.t.a", {"column app.t.a", "relation app.t"}),
    ("COMMENT ON TABLE app.t IS 'x'", "relation app.t", {"relation app.t"}),
    ("COMMENT ON FUNCTION app.f(int) IS 'x'", "function app.f", {"function app.f"}),
    ("COMMENT ON TYPE app.mood IS 'x'", "type app.mood", {"type app.mood"}),
    ("COMMENT ON SCHEMA app IS 'x'", "schema app", {"schema app"}),
    ("COMMENT ON EXTENSION citext IS 'x'", "extension citext", {"extension citext"}),
    ("COMMENT ON TRIGGER tg ON app.t IS 'x'", "trigger app.t.tg", {"trigger app.t.tg"}),
])
def test_a_comment_needs_and_touches_its_object(sql: str, obj: str, needs: set[str]) -> None:
    op = describe(sql)
    assert (op.action, str(op.obj)) == (COMMENT, obj)
    assert needs <= ids(op.needs) and obj in ids(op.touches)


def test_grants_revokes_and_owners_need_their_objects_and_roles() -> None:
    g = describe("GRANT SELECT ON app.t, app.v TO reader")
    assert g.action == GRANT and {"relation app.t", "relation app.v", "role reader"} <= ids(g.needs)
    assert str(g.obj) == "relation app.t"
    r = describe("REVOKE ALL ON FUNCTION app.f(int) FROM PUBLIC")
    assert r.action == REVOKE and ids(r.touches) == {"function app.f"}
    assert "role owner_role" in ids(describe("ALTER FUNCTION app.f(int) OWNER TO owner_role").needs)
    # ALTER TABLE ... OWNER TO is an ALTER TABLE command: the new owner is a need there too
    table_owner = describe("ALTER TABLE app.t OWNER TO owner_role")
    assert "role owner_role" in ids(table_owner.needs)
    assert not {o for o in describe("ALTER TABLE app.t OWNER TO CURRENT_USER").needs if o.kind == "role"}


@pytest.mark.parametrize("sql, old, new", [
    ("ALTER TABLE app.t RENAME TO u", "relation app.t", "relation app.u"),
    ("ALTER TABLE app.t RENAME COLUMN a TO b", "column app.t.a", "column app.t.b"),
    ("ALTER TABLE app.t RENAME CONSTRAINT c TO d", "constraint app.t.c", "constraint app.t.d"),
    ("ALTER TRIGGER tg ON app.t RENAME TO tg2", "trigger app.t.tg", "trigger app.t.tg2"),
    ("ALTER FUNCTION app.f(int) RENAME TO g", "function app.f", "function app.g"),
])
def test_a_rename_removes_the_old_name_and_provides_the_new(sql: str, old: str, new: str) -> None:
    op = describe(sql)
    assert (op.action, op.lock) == (RENAME, ACCESS_EXCLUSIVE)
    assert ids(op.removes) == {old} and ids(op.provides) == {new} and old in ids(op.needs)


def test_moving_to_another_schema_is_a_remove_and_a_provide() -> None:
    op = describe("ALTER TABLE app.t SET SCHEMA other")
    assert ids(op.removes) == {"relation app.t"} and ids(op.provides) == {"relation other.t"}
    assert "schema other" in ids(op.needs)


@pytest.mark.parametrize("sql, removed, lock", [
    ("DROP SCHEMA app", "schema app", ACCESS_EXCLUSIVE),
    ("DROP EXTENSION citext", "extension citext", ACCESS_EXCLUSIVE),
    ("DROP PUBLICATION pub", "publication pub", ACCESS_EXCLUSIVE),
    ("DROP TEXT SEARCH CONFIGURATION app.cfg", "tsconfig app.cfg", ACCESS_EXCLUSIVE),
    ("DROP DOMAIN app.money", "type app.money", ACCESS_EXCLUSIVE),
    ("DROP POLICY p ON app.t", "policy app.t.p", ACCESS_EXCLUSIVE),
    ("DROP FUNCTION app.f(int)", "function app.f", ACCESS_EXCLUSIVE),
    ("DROP INDEX CONCURRENTLY app.i", "relation app.i", SHARE_UPDATE_EXCLUSIVE),
])
def test_drops(sql: str, removed: str, lock: str) -> None:
    op = describe(sql)
    assert (op.action, ids(op.removes), op.lock) == (DROP, {removed}, lock)
    assert str(op.obj) == removed


def test_value_sources_order_defaults_identities_and_generation() -> None:
    """A column has one value source at a time: dropping one must come before adding another."""
    assert ids(describe("ALTER TABLE app.t ALTER COLUMN a DROP DEFAULT").removes) == {"value_source app.t.a"}
    set_default = describe("ALTER TABLE app.t ALTER COLUMN a SET DEFAULT app.next()")
    assert ids(set_default.provides) == {"value_source app.t.a"} and "function app.next" in ids(set_default.needs)
    assert ids(describe("ALTER TABLE app.t ALTER COLUMN a ADD GENERATED ALWAYS AS IDENTITY").provides) \
        == {"value_source app.t.a"}
    assert ids(describe("ALTER TABLE app.t ALTER COLUMN a DROP IDENTITY").removes) == {"value_source app.t.a"}
    assert ids(describe("ALTER TABLE app.t ALTER COLUMN g DROP EXPRESSION").removes) == {"value_source app.t.g"}


def test_alter_table_locks_are_the_strongest_command_s() -> None:
    assert describe("ALTER TABLE app.t ALTER COLUMN a SET STATISTICS 100").lock == SHARE_UPDATE_EXCLUSIVE
    assert describe("ALTER TABLE app.t SET (fillfactor = 70)").lock == SHARE_UPDATE_EXCLUSIVE
    assert describe("ALTER TABLE app.t SET (fillfactor = 70), ALTER COLUMN a TYPE bigint").lock == ACCESS_EXCLUSIVE
    assert describe("ALTER TABLE app.t ENABLE ROW LEVEL SECURITY").lock == ACCESS_EXCLUSIVE


def test_partitions_and_inheritance_wait_for_both_tables_columns() -> None:
    attach = describe("ALTER TABLE app.p ATTACH PARTITION app.p1 FOR VALUES FROM (1) TO (2)")
    assert {"columns app.p", "columns app.p1", "relation app.p1"} <= ids(attach.needs)
    inherit = describe("ALTER TABLE app.c INHERIT app.p")
    assert {"columns app.c", "columns app.p", "relation app.p"} <= ids(inherit.needs)
    detach = describe("ALTER TABLE app.p DETACH PARTITION app.p1")
    assert {"relation app.p", "relation app.p1"} <= ids(detach.touches)
    child = describe("CREATE TABLE app.c (x int) INHERITS (app.p)")
    assert "relation app.p" in ids(child.needs) and child.lock == ACCESS_EXCLUSIVE  # the parent is locked
    parted = describe("CREATE TABLE app.p (a int, b app.mood) PARTITION BY RANGE (app.bucket(a))")
    assert {"function app.bucket", "type app.mood"} <= ids(parted.needs) and parted.lock == NO_LOCK


def test_keys_of_a_new_table() -> None:
    op = describe("CREATE TABLE app.u (id int UNIQUE, ref int)")
    assert "key app.u(id)" in ids(op.provides)
    pk = describe("ALTER TABLE app.t ADD CONSTRAINT pk PRIMARY KEY USING INDEX t_idx")
    # the constraint takes over an index that must exist; it provides the table's primary key
    assert {"constraint app.t.pk", "key app.t()"} <= ids(pk.provides) and "relation app.t_idx" in ids(pk.needs)


def test_other_statements_keep_their_place() -> None:
    assert describe("SET search_path = app").action == SET
    op = describe("SELECT 1")
    assert op.obj is None and not (op.needs or op.provides or op.removes or op.touches)


def test_describe_is_memoised_but_source_and_origin_are_the_callers() -> None:
    a = describe("CREATE SCHEMA memo")
    assert describe("CREATE SCHEMA memo") is a
    b = describe("CREATE SCHEMA memo", source="roles", origin="schema/a.yaml:3")
    assert (b.source, b.origin) == ("roles", "schema/a.yaml:3") and b.provides == a.provides
    assert isinstance(b, Operation) and (a.source, a.origin) == ("diff", None)


def test_references_names_string_literals_that_look_like_object_names() -> None:
    tree = statement("SELECT nextval('app.orders_seq'), to_tsvector('english_nostop', t), 'not a name!'")
    literals = {o.name for o in references(tree) if o.kind == "literal"}
    assert literals == {"app.orders_seq", "english_nostop"}
