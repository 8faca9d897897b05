"""`pgdecl import`, the database-free parts: YAML emission, file naming, taking catalog text apart, ACL
arithmetic and the order of raw SQL."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pgdecl.importer import (
    AclEntry, acl_delta, dump_yaml, index_column, matching_paren, parse_index, privilege_list, schema_file_name,
    sequence_defaults, setting_value, short_type, spec_texts, split_top_level, strip_outer_parens, topo_order,
    _check_expr,
)
from pgdecl.spec import load_project, load_yaml


# -- YAML -------------------------------------------------------------------------------------------------

def _reload(data: dict) -> dict:
    return load_yaml(dump_yaml(data), "t.yaml").data


TRICKY = [
    "'draft'::post_status", '"Display Name"', "yes", "on", "no", "off", "null", "~", "0", "1.5", "true",
    "SELECT 1\n", "  BEGIN\n    RETURN 1;\n  END\n\n\n", " leading space", "trailing space ", "a: b", "- item",
    "# not a comment", "{braces}", "[brackets]", "x\ty", "multi\nline\nwithout end", "", "\n", "ünïcödé ✓",
    "back\\slash 'q'", "both 'single' and \"double\"", "%percent", "@at", "`tick`", "*star", "&amp", "!bang",
]


@pytest.mark.parametrize("text", TRICKY)
def test_strings_survive_pgdecl_loader(text: str) -> None:
    data = {"tables": {"t": {"columns": {"c": {"type": "text", "default": text, "comment": text}}}}}
    assert _reload(data) == data


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=12), st.one_of(
    st.text(max_size=40), st.lists(st.text(max_size=10), max_size=4), st.booleans(), st.integers()), max_size=6))
def test_random_spec_data_round_trips(obj: dict) -> None:
    data = {"functions": {"f": obj}, "views": {"v": {"query": "SELECT 1\n", "extra": obj}}}
    assert _reload(data) == data


def test_readable_shape() -> None:
    data = {
        "enums": {"mood": ["sad", "ok"]},
        "tables": {
            "a": {"columns": {"id": {"type": "uuid", "primary_key": True}, "n": "text"},
                  "indexes": [{"columns": ["n", "id DESC"]}]},
            "b": {"columns": {"x": "int"}},
        },
        "functions": {"f": {"returns": "int", "body": "SELECT 1\n"}},
    }
    text = dump_yaml(data, "# header")
    assert text == (
        "# header\n"
        "enums:\n"
        "  mood: [sad, ok]\n"
        "\n"
        "tables:\n"
        "  a:\n"
        "    columns:\n"
        "      id: {type: uuid, primary_key: true}\n"
        "      n: text\n"
        "    indexes:\n"
        "      - {columns: [n, id DESC]}\n"
        "\n"
        "  b:\n"
        "    columns: {x: int}\n"
        "\n"
        "functions:\n"
        "  f:\n"
        "    returns: int\n"
        "    body: |\n"
        "      SELECT 1\n"
    )


def test_long_leaf_mappings_are_block_style() -> None:
    long = "x" * 120
    text = dump_yaml({"tables": {"t": {"columns": {"c": {"type": "text", "check": long}}}}})
    assert f"        check: {long}\n" in text and "{" not in text


def test_spec_texts_load_as_a_project(tmp_path: Path) -> None:
    per_schema = {
        "public": {"tables": {"t": {"columns": {"id": {"type": "integer", "primary_key": True}}}}},
        "billing": {"enums": {"state": ["open", "paid"]},
                    "tables": {"inv": {"columns": {"t_id": {"type": "integer", "references": "public.t"},
                                                   "s": "state"}}}},
        "empty": {},
    }
    database = {"schemas": {"billing": {}, "empty": {}}, "extensions": ["citext"]}
    files = spec_texts(per_schema, database, "CREATE TYPE public.pair AS (a int, b int);\n", "postgresql://x")
    assert sorted(files) == ["00_database.yaml", "10_billing.yaml", "10_public.yaml", "90_raw.sql"]
    assert files["10_billing.yaml"].splitlines()[1] == "schema: billing"
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    project = load_project(tmp_path).project
    assert set(project.tables) == {"public.t", "billing.inv"}
    assert project.tables["billing.inv"].columns["t_id"].references.table == "public.t"
    assert project.enums["billing.state"].values == ["open", "paid"]
    assert set(project.schemas) == {"billing", "empty"} and list(project.extensions) == ["citext"]
    assert [r.path.rsplit("/", 1)[1] for r in project.raw_sql] == ["90_raw.sql"]


# -- names ------------------------------------------------------------------------------------------------

def test_schema_file_names() -> None:
    assert schema_file_name("public") == "10_public.yaml"
    assert schema_file_name("billing-v2") == "10_billing-v2.yaml"
    odd = schema_file_name("My Schema")
    assert odd.startswith("10_My_Schema_") and odd.endswith(".yaml")
    assert schema_file_name("My Schema") == odd  # deterministic
    assert schema_file_name("My_Schema", taken=["10_My_Schema.yaml"]) != "10_My_Schema.yaml"
    assert schema_file_name("my/schema") != schema_file_name("my schema")


def test_index_column_quotes_only_what_pgdecl_would_read_as_sql() -> None:
    assert index_column("email") == "email"
    assert index_column("UserId") == "UserId"
    assert index_column("order") == "order"
    assert index_column("Display Name") == '"Display Name"'
    assert index_column("f(x)") == '"f(x)"'
    assert index_column('say "hi"') == '"say ""hi"""'


def test_short_type() -> None:
    assert short_type("timestamp with time zone") == "timestamptz"
    assert short_type("timestamp(3) with time zone[]") == "timestamptz(3)[]"
    assert short_type("timestamp without time zone") == "timestamp"
    assert short_type("time with time zone") == "timetz"
    assert short_type("character varying(100)") == "varchar(100)"
    assert short_type("character(3)") == "character(3)"
    assert short_type("public.timestamp with time zone") == "public.timestamp with time zone"


# -- taking catalog text apart ----------------------------------------------------------------------------

def test_matching_paren_skips_quotes() -> None:
    text = "f(a, ')', \"x)\", g(b)) tail"
    assert text[matching_paren(text, 1)] == ")" and text[matching_paren(text, 1) + 1:] == " tail"
    with pytest.raises(ValueError):
        matching_paren("(a", 0)


def test_split_top_level() -> None:
    assert split_top_level("a, lower(b, c), 'x,y', \"q,r\" DESC, d[1,2]") == \
        ["a", "lower(b, c)", "'x,y'", '"q,r" DESC', "d[1,2]"]
    assert split_top_level("") == []


@pytest.mark.parametrize("expr, stripped", [
    ("(a > 0)", "a > 0"),
    ("((a > 0))", "a > 0"),
    ("(a > 0) AND (b > 0)", "(a > 0) AND (b > 0)"),
    ("( SELECT app_is_admin() AS app_is_admin)", "( SELECT app_is_admin() AS app_is_admin)"),
    ("((SELECT 1))", "(SELECT 1)"),
    ("(')(' = x)", "')(' = x"),
    ("true", "true"),
])
def test_strip_outer_parens(expr: str, stripped: str) -> None:
    assert strip_outer_parens(expr) == stripped


def test_check_expr() -> None:
    assert _check_expr("CHECK ((price > (0)::numeric))") == "price > (0)::numeric"
    assert _check_expr("CHECK (((a >= 1) AND (a <= 9)))") == "(a >= 1) AND (a <= 9)"


def test_parse_index() -> None:
    parts = parse_index('CREATE UNIQUE INDEX "i x" ON public.t USING btree (lower((email)::text) text_pattern_ops '
                        'DESC NULLS LAST, "Display Name") INCLUDE (id, "Other") NULLS NOT DISTINCT WHERE (a > 0)')
    assert parts is not None
    assert parts.elements == ["lower((email)::text) text_pattern_ops DESC NULLS LAST", '"Display Name"']
    assert parts.include == ["id", '"Other"'] and parts.nulls_not_distinct and parts.rest == "WHERE (a > 0)"
    gin = parse_index("CREATE INDEX t_tags_idx ON public.t USING gin (tags)")
    assert gin is not None and gin.elements == ["tags"] and not gin.include and gin.rest == ""
    assert parse_index("CREATE INDEX broken ON t (a)") is None


def test_setting_value() -> None:
    assert setting_value("search_path", "public, pg_temp") == "public, pg_temp"
    assert setting_value("work_mem", "64MB") == "'64MB'"
    assert setting_value("TimeZone", "it's") == "'it''s'"


def test_sequence_defaults() -> None:
    assert sequence_defaults("integer", 1) == {"min_value": 1, "max_value": 2147483647, "start": 1}
    assert sequence_defaults("smallint", -2) == {"min_value": -32768, "max_value": -1, "start": -1}
    assert sequence_defaults("bigint", 5)["max_value"] == 9223372036854775807


# -- privileges -------------------------------------------------------------------------------------------

TABLE_ALL = ["INSERT", "SELECT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"]


def test_privilege_list() -> None:
    assert privilege_list(["UPDATE", "SELECT", "INSERT"], TABLE_ALL) == ["select", "insert", "update"]
    assert privilege_list(TABLE_ALL, TABLE_ALL) == ["all"]
    assert privilege_list(["EXECUTE"], ["EXECUTE"]) == ["execute"]  # one privilege is not shortened


def test_acl_delta() -> None:
    default = [AclEntry("owner", "EXECUTE", False), AclEntry("PUBLIC", "EXECUTE", False)]
    have = [AclEntry("owner", "EXECUTE", False), AclEntry("app", "EXECUTE", False),
            AclEntry("admin", "EXECUTE", True)]
    extra, missing = acl_delta(have, default)
    assert extra == [AclEntry("admin", "EXECUTE", True), AclEntry("app", "EXECUTE", False)]
    assert missing == [AclEntry("PUBLIC", "EXECUTE", False)]
    assert acl_delta(default, default) == ([], [])


# -- order of raw SQL -------------------------------------------------------------------------------------

def test_topo_order_respects_dependencies_then_phase() -> None:
    nodes = {"view": (9, "v"), "table": (4, "t"), "type": (1, "ty"), "fn": (2, "f"), "idx": (8, "i")}
    deps = {"view": {"table", "fn"}, "table": {"type"}, "fn": {"table"}, "idx": {"table"}}
    order = topo_order(nodes, deps)
    assert order == ["type", "table", "fn", "idx", "view"]


def test_topo_order_breaks_cycles_and_ignores_outside_nodes() -> None:
    nodes = {"a": (1, "a"), "b": (2, "b"), "c": (0, "c")}
    deps = {"a": {"b", "not-raw"}, "b": {"a"}}
    order = topo_order(nodes, deps)
    assert sorted(order) == ["a", "b", "c"] and order[0] == "c" and order.index("a") < order.index("b")


def test_dump_is_plain_yaml_too() -> None:
    data = {"tables": {"t": {"columns": {"c": {"type": "text", "default": "'x'::text"}}}}}
    assert yaml.safe_load(dump_yaml(data)) == data


def test_summary_lists_raw_objects_and_statements() -> None:
    from pgdecl.importer import SHOWN_STATEMENTS, ImportResult, RawItem, summary_text

    statements = [f"REVOKE EXECUTE ON FUNCTION public.f{i}() FROM PUBLIC" for i in range(SHOWN_STATEMENTS + 3)]
    result = ImportResult(Path("out"), "postgresql://u@h:5432/db", files=["00_database.yaml", "90_raw.sql"],
                          counts={"tables": 2, "views": 0}, raw=[RawItem("table", "public.p", "a partitioned table")],
                          skipped=[RawItem("operator", "public.===", "not covered")], raw_statements=statements)
    text = summary_text(result)
    assert "YAML: 2 tables\n" in text and "views" not in text
    assert "  table public.p: a partitioned table\n" in text and "  operator public.===: not covered\n" in text
    assert f"{len(statements)} privilege and comment statement(s)" in text
    assert statements[0] in text and statements[-1] not in text and "... and 3 more in 90_raw.sql" in text
    empty = summary_text(ImportResult(Path("out"), "x", counts={"tables": 1}))
    assert "raw SQL: none" in empty


def test_catalog_queries_loaded_from_sql_file() -> None:
    """pgdecl/importer/catalog.sql: every section becomes a query, with its placeholders expanded."""
    from pathlib import Path

    import pgdecl.importer.queries as q

    text = (Path(q.__file__).with_name("catalog.sql")).read_text()
    assert len(q._NAMED) == text.count("\n-- name: ") and len(q.UNCOVERED_SQL) == text.count("\n-- uncovered: ")
    for sql in [*q._NAMED.values(), *q.UNCOVERED_SQL.values()]:
        assert sql.strip() and "@not_ext" not in sql and "\n-- " not in sql
    assert q._not_ext("pg_type", "t.oid") in q.TYPES_SQL and q.SCHEMAS_SQL.lstrip().startswith("SELECT n.oid")
