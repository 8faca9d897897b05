"""pgdecl.fresh.layout: a first apply into an empty database runs the DDL as its templates wrote it
(not prettified: pglast's printer is most of a render's time) with each CREATE TABLE's columns and
constraints one a line, for the plan it prints. The parse tree never changes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pglast.parser import parse_sql_json

from pgdecl.fresh import _LOCATION, layout
from pgdecl.render import render
from pgdecl.spec import load_project

ROOT = Path(__file__).resolve().parents[2]


def _tree(sql: str) -> str:
    return _LOCATION.sub("", parse_sql_json(sql))


def test_a_create_table_has_one_column_or_constraint_a_line() -> None:
    sql = ("CREATE TABLE app.t (id bigint NOT NULL, name text DEFAULT 'a, b' CHECK (name IN ('x', 'y')), "
           "\"odd, name\" numeric(7,2), body text DEFAULT $$it's, (here)$$, CONSTRAINT t_pkey PRIMARY KEY (id))")
    out = layout(sql)
    assert out.splitlines() == [
        "CREATE TABLE app.t (",
        "  id bigint NOT NULL,",
        "  name text DEFAULT 'a, b' CHECK (name IN ('x', 'y')),",
        "  \"odd, name\" numeric(7,2),",
        "  body text DEFAULT $$it's, (here)$$,",
        "  CONSTRAINT t_pkey PRIMARY KEY (id)",
        ")",
    ]
    assert _tree(out) == _tree(sql)


@pytest.mark.parametrize("sql", [
    "CREATE TABLE p_1 PARTITION OF p FOR VALUES FROM (1) TO (2)",
    "CREATE TABLE t2 AS SELECT 1 AS a, 2 AS b",
    "CREATE TABLE t (a text DEFAULT E'x\\', y', b int)",
    "CREATE TABLE t (a int, -- a comment, with a comma\n b int)",
    "CREATE TABLE t (a text DEFAULT 'unterminated, b int",
    "CREATE INDEX i ON t (a, b)",
    "COMMENT ON TABLE t IS 'a, b'",
])
def test_what_it_does_not_know_is_left_as_it_is(sql: str) -> None:
    assert layout(sql) == sql


def test_a_change_of_meaning_is_refused() -> None:
    """A doubled quote inside a string: the scanner must not cut there (the tree would change)."""
    sql = "CREATE TABLE t (a text DEFAULT 'it''s, here', b int)"
    out = layout(sql)
    assert out != sql and _tree(out) == _tree(sql) and "'it''s, here'" in out


def test_every_statement_of_the_marketplace_keeps_its_parse_tree() -> None:
    statements = render(load_project(ROOT / "schema").project, pretty=False).statements
    tables = [s.sql for s in statements if s.sql.startswith("CREATE TABLE")]
    assert len(tables) >= 20
    laid_out = 0
    for s in statements:
        out = layout(s.sql)
        assert _tree(out) == _tree(s.sql), s.sql
        laid_out += out != s.sql
        if out != s.sql:
            assert re.fullmatch(r"CREATE TABLE [^\n]*\(\n(  .*\n)+\)[^\n]*", out, re.S), out
    assert laid_out >= len(tables) // 2


_PIECES = st.sampled_from([
    "a int", '"x, y" text', "b text DEFAULT 'p, q'", "c text DEFAULT 'it''s, (here'", "d int[] DEFAULT ARRAY[1, 2]",
    "e numeric(10, 2)", "f text DEFAULT $$a, b$$", "g text DEFAULT $t$x), ($t$", "CHECK (a IN (1, 2))",
    "h text DEFAULT U&'d\\0061, t'", "i text DEFAULT 'back\\slash, here'", "CONSTRAINT \"c, 1\" UNIQUE (a, b)",
    "j int DEFAULT (1), k int", "l text COLLATE \"C\"", "m text DEFAULT E'x\\', y'", "n int -- c, d\n",
])


@given(st.lists(_PIECES, min_size=1, max_size=6), st.sampled_from(["", " PARTITION BY RANGE (a)", " WITH (fillfactor=70)"]))
@settings(max_examples=300, deadline=None)
def test_the_parse_tree_never_changes(pieces: list[str], tail: str) -> None:
    """Whatever the column list holds (strings, names and dollar quotes with commas and parentheses
    in them, arrays, escapes, comments), a statement laid out has the parse tree it had."""
    sql = f"CREATE TABLE s.t ({', '.join(pieces)}){tail}"
    try:
        before = _tree(sql)
    except Exception:  # noqa: BLE001 - not a statement (a comment swallowing the closing parenthesis)
        assert layout(sql) == sql
        return
    out = layout(sql)
    assert _tree(out) == before, (sql, out)
