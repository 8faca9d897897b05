"""Online rewriting of a plan's statements (pgdecl.online), no database: which phase each statement
runs in, what is built or dropped CONCURRENTLY, how SET NOT NULL is proven by a CHECK, and when a
statement is left in the main transaction because the online form would be wrong."""

from __future__ import annotations

import pytest

from pgdecl.hazards import FULL_SCAN, NOT_NULL_HELPER_SUFFIX
from pgdecl.online import (
    MAIN, POST, PRE, REPLACEMENT_SUFFIX, Rewritten, concurrently, constraint_names, created_index, index_name,
    rewrite, single_transaction, swap_index,
)
from pgdecl.sqltree import statement


def phases(statements: list[str], new_tables: set[str] = frozenset(), partitioned: set[str] = frozenset()
           ) -> list[tuple[str, str]]:
    return [(r.phase, r.sql) for r in rewrite(statements, set(new_tables), {}, set(), set(partitioned))]


# -- enums --------------------------------------------------------------------------------------------

def test_a_new_enum_value_is_committed_before_the_transaction_that_may_use_it() -> None:
    out = rewrite(["ALTER TYPE public.mood ADD VALUE 'meh'", "ALTER TYPE public.mood RENAME VALUE 'a' TO 'b'"],
                  set(), {}, set())
    assert [r.phase for r in out] == [PRE, MAIN]  # a rename may run in the transaction
    assert out[0].hazards == () and {h.kind for h in out[1].hazards} == {"drop"}


# -- indexes ------------------------------------------------------------------------------------------

def test_an_index_on_a_live_table_is_built_concurrently_after_the_commit() -> None:
    assert phases(["create index i on public.t (a)"]) == [(POST, "create index CONCURRENTLY i on public.t (a)")]
    [r] = rewrite(["CREATE INDEX i ON public.t (a)"], set(), {}, set())
    assert r.hazards == ()  # building concurrently blocks no writes: the long_lock hazard is gone


def test_a_unique_index_a_new_foreign_key_references_stays_in_the_transaction() -> None:
    stmts = ["CREATE UNIQUE INDEX u ON public.users (email)",
             "ALTER TABLE public.orders ADD CONSTRAINT f FOREIGN KEY (e) REFERENCES public.users (email)"]
    assert [p for p, _ in phases(stmts)] == [MAIN, MAIN]
    # the same index with no foreign key waiting for it goes online
    assert phases(stmts[:1]) == [(POST, "CREATE UNIQUE INDEX CONCURRENTLY u ON public.users (email)")]


def test_partitioned_tables_and_indexes_cannot_be_built_or_dropped_concurrently() -> None:
    stmts = ["CREATE INDEX p_a ON public.parted (a)", "DROP INDEX public.parted_b"]
    assert phases(stmts, partitioned={"public.parted", "public.parted_b"}) == [(MAIN, stmts[0]), (MAIN, stmts[1])]
    assert [p for p, _ in phases(stmts)] == [POST, POST]


def test_a_dropped_index_goes_concurrently_unless_cascading_or_its_name_is_taken_again() -> None:
    assert phases(["DROP INDEX public.i"]) == [(POST, "DROP INDEX CONCURRENTLY IF EXISTS public.i")]
    assert phases(["DROP INDEX public.i CASCADE"]) == [(MAIN, "DROP INDEX public.i CASCADE")]
    # a relation of the same name made later in the plan needs the name free inside the transaction
    stmts = ["DROP INDEX public.i", "CREATE TABLE public.i (a int)"]
    assert phases(stmts, new_tables={"public.i"}) == [(MAIN, stmts[0]), (MAIN, stmts[1])]


def test_swapping_an_index_keeps_the_temporary_name_within_postgres_limit() -> None:
    name = "x" * 63
    sql = f"CREATE UNIQUE INDEX {name} ON app.t (a)"
    tree = statement(sql)
    steps = swap_index(sql, tree)
    temp = name[:63 - len(REPLACEMENT_SUFFIX)] + REPLACEMENT_SUFFIX
    assert len(temp) == 63
    assert [s for s, _, _ in steps] == [
        f"DROP INDEX CONCURRENTLY IF EXISTS app.{temp}",
        f"CREATE UNIQUE INDEX CONCURRENTLY {temp} ON app.t (a)",
        f"DROP INDEX CONCURRENTLY app.{name}",
        f"ALTER INDEX app.{temp} RENAME TO {name}",
    ]
    assert {phase for _, phase, _ in steps} == {POST} and all(h == () for _, _, h in steps)


def test_swapping_a_quoted_index_name_quotes_the_temporary_one() -> None:
    steps = swap_index('CREATE INDEX "Big Idx" ON public.t (a)', statement('CREATE INDEX "Big Idx" ON public.t (a)'))
    build = steps[1][0]
    assert build == 'CREATE INDEX CONCURRENTLY "Big Idx_pgdecl_new" ON public.t (a)'
    assert statement(build).idxname == "Big Idx_pgdecl_new"
    assert steps[3][0] == 'ALTER INDEX public."Big Idx_pgdecl_new" RENAME TO "Big Idx"'


def test_an_index_attached_to_a_partitioned_parent_waits_for_its_concurrent_build() -> None:
    stmts = ["CREATE INDEX child_a ON public.child (a)", "ALTER INDEX public.parent_a ATTACH PARTITION public.child_a"]
    assert [p for p, _ in phases(stmts)] == [POST, POST]
    # attaching an index built in the transaction (a new table's) stays there
    assert [p for p, _ in phases(stmts, new_tables={"public.child"})] == [MAIN, MAIN]


def test_a_comment_on_an_index_built_concurrently_follows_it() -> None:
    stmts = ["CREATE INDEX t_c ON public.t (c)", "COMMENT ON INDEX public.t_c IS 'x'",
             "COMMENT ON INDEX public.other IS 'y'"]
    assert [p for p, _ in phases(stmts)] == [POST, POST, MAIN]


# -- constraints --------------------------------------------------------------------------------------

def test_validating_a_live_tables_constraint_runs_after_the_commit() -> None:
    assert phases(["ALTER TABLE public.t VALIDATE CONSTRAINT c"]) == [(POST, "ALTER TABLE public.t VALIDATE CONSTRAINT c")]
    assert phases(["ALTER TABLE public.n VALIDATE CONSTRAINT c"], new_tables={"public.n"})[0][0] == MAIN


def test_a_constraint_using_an_index_built_concurrently_comes_after_it() -> None:
    stmts = ["CREATE UNIQUE INDEX t_k ON public.t (k)", "ALTER TABLE public.t ADD CONSTRAINT t_k UNIQUE USING INDEX t_k"]
    assert phases(stmts) == [(POST, "CREATE UNIQUE INDEX CONCURRENTLY t_k ON public.t (k)"), (POST, stmts[1])]


def test_set_not_null_on_a_live_table_is_proven_by_a_validated_check() -> None:
    out = rewrite(["ALTER TABLE public.t ALTER COLUMN c SET NOT NULL"], set(), {}, set())
    check = f"c{NOT_NULL_HELPER_SUFFIX}"
    assert [(r.phase, r.sql) for r in out] == [
        (MAIN, f"ALTER TABLE public.t ADD CONSTRAINT {check} CHECK (c IS NOT NULL) NOT VALID"),
        (POST, f"ALTER TABLE public.t VALIDATE CONSTRAINT {check}"),
        (POST, "ALTER TABLE public.t ALTER COLUMN c SET NOT NULL"),
        (POST, f"ALTER TABLE public.t DROP CONSTRAINT {check}"),
    ]
    # no step scans under an exclusive lock: the NOT VALID check is instant, the validation takes a weak lock
    assert all(FULL_SCAN not in {h.kind for h in r.hazards} for r in out)


def test_a_long_column_name_keeps_the_helper_check_name_short() -> None:
    col = "c" * 60
    out = rewrite([f"ALTER TABLE public.t ALTER COLUMN {col} SET NOT NULL"], set(), {}, set())
    helper = statement(out[0].sql).cmds[0].def_.conname
    assert helper == "c" * 40 + NOT_NULL_HELPER_SUFFIX and len(helper) <= 63


@pytest.mark.parametrize("later", ["ALTER TABLE public.t ALTER COLUMN c ADD GENERATED ALWAYS AS IDENTITY",
                                   "ALTER TABLE public.t ADD CONSTRAINT t_pkey PRIMARY KEY (c)"])
def test_set_not_null_that_a_later_step_relies_on_stays_in_the_transaction(later: str) -> None:
    stmts = ["ALTER TABLE public.t ALTER COLUMN c SET NOT NULL", later]
    assert phases(stmts) == [(MAIN, stmts[0]), (MAIN, later)]


def test_an_alter_table_of_several_commands_is_left_as_written() -> None:
    sql = "ALTER TABLE public.t ALTER COLUMN c SET NOT NULL, ALTER COLUMN d SET NOT NULL"
    [r] = rewrite([sql], set(), {}, set())
    assert (r.phase, r.sql) == (MAIN, sql)
    assert [h.kind for h in r.hazards] == [FULL_SCAN, FULL_SCAN]  # one per column, both said


def test_single_transaction_keeps_every_statement_and_says_what_validating_costs() -> None:
    stmts = ["CREATE INDEX i ON public.t (a)", "ALTER TABLE public.t VALIDATE CONSTRAINT c",
             "ALTER TABLE public.n VALIDATE CONSTRAINT c"]
    out = single_transaction(stmts, {"public.n"}, {}, set())
    assert [(r.phase, r.sql) for r in out] == [(MAIN, s) for s in stmts]
    assert [h.kind for h in out[1].hazards] == [FULL_SCAN] and "public.t" in out[1].hazards[0].message
    assert out[2].hazards == ()  # a new table is empty
    assert {h.kind for h in out[0].hazards} == {"long_lock"}


# -- helpers ------------------------------------------------------------------------------------------

def test_concurrently_inserts_the_keyword_and_keeps_the_rest_of_the_text() -> None:
    sql = "CREATE UNIQUE INDEX IF NOT EXISTS u ON public.t (a) NULLS NOT DISTINCT WHERE a > 0"
    out = concurrently(sql)
    assert out == "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS u ON public.t (a) NULLS NOT DISTINCT WHERE a > 0"
    tree = statement(out)
    assert tree.concurrent and tree.unique and tree.nulls_not_distinct and tree.if_not_exists
    already = "CREATE INDEX CONCURRENTLY i ON public.t (a)"
    assert concurrently(already) is already
    with pytest.raises(ValueError, match="not a CREATE INDEX"):
        concurrently("DROP INDEX public.i")


def test_index_names_of_statements() -> None:
    assert index_name("DROP INDEX i") == "public.i"
    assert index_name("DROP INDEX s.i") == "s.i"
    assert index_name("CREATE INDEX i ON s.t (a)") == "s.i"
    assert index_name("SELECT 1") is None
    assert created_index("CREATE INDEX i ON t (a)") == "public.i"
    assert created_index("CREATE INDEX ON t (a)") is None  # unnamed: PostgreSQL picks the name
    assert created_index("DROP INDEX i") is None


def test_constraint_names_are_those_added_dropped_or_validated() -> None:
    assert constraint_names([
        "ALTER TABLE t ADD CONSTRAINT a CHECK (x > 0)", "ALTER TABLE t DROP CONSTRAINT b",
        "ALTER TABLE t VALIDATE CONSTRAINT c", "ALTER TABLE t ADD COLUMN z int", "SELECT 1", "not sql",
    ]) == {"a", "b", "c"}


def test_rewritten_steps_are_values() -> None:
    a = Rewritten("SELECT 1", MAIN)
    assert a == Rewritten("SELECT 1", MAIN, ()) and a != Rewritten("SELECT 1", POST)
    with pytest.raises(AttributeError):
        a.phase = POST  # type: ignore[misc]


@pytest.mark.parametrize("later", ["CREATE VIEW public.i AS SELECT 1", "CREATE MATERIALIZED VIEW public.i AS SELECT 1",
                                   "CREATE SEQUENCE public.i", "CREATE INDEX i ON public.u (a)"])
def test_a_dropped_index_whose_name_any_later_relation_takes_stays_in_the_transaction(later: str) -> None:
    assert phases(["DROP INDEX public.i", later], new_tables={"public.u"})[0] == (MAIN, "DROP INDEX public.i")


def test_a_foreign_key_inside_a_new_table_keeps_the_unique_index_it_needs_in_the_transaction() -> None:
    stmts = ["CREATE UNIQUE INDEX u ON public.users (email)",
             "CREATE TABLE public.orders (e text REFERENCES public.users (email))"]
    assert phases(stmts, new_tables={"public.orders"}) == [(MAIN, stmts[0]), (MAIN, stmts[1])]
    table_constraint = ["CREATE UNIQUE INDEX u ON public.users (email)",
                        "CREATE TABLE public.orders (e text, FOREIGN KEY (e) REFERENCES public.users (email))"]
    assert phases(table_constraint, new_tables={"public.orders"})[0][0] == MAIN


def test_concurrently_deparses_when_the_text_cannot_take_the_keyword() -> None:
    out = concurrently("/* built by hand */ CREATE INDEX i ON public.t (a)")
    tree = statement(out)
    assert tree.concurrent and tree.idxname == "i" and tree.relation.relname == "t"
