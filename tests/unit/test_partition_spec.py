"""Declarative partitioning in the specs (`partition_by`, `partition_of`, `bounds`): model and shorthands,
rendering, every mistake named with file:line and table, JSON Schema, lint and docs; no database."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from pgdecl.cli import main
from pgdecl.desired import desired_from_specs
from pgdecl.docs import project_docs
from pgdecl.errors import SpecErrors
from pgdecl.partition_plan import default_index_name
from pgdecl.spec import load_project, load_yaml

SPEC = """\
tables:
  accounts:
    columns:
      id: {type: bigint, primary_key: true}
  events:
    columns:
      id: {type: bigint, nullable: false}
      account_id: {type: bigint, nullable: false, references: accounts, on_delete: cascade}
      kind: {type: text, nullable: false}
      created_at: {type: timestamptz, nullable: false, default: now()}
    primary_key: [id, created_at, kind]
    partition_by: range(created_at)
    indexes:
      - columns: [account_id]
  ev_2025_login:
    partition_of: ev_2025
    bounds: {in: ["'login'", "'logout'"]}
  ev_2024:
    partition_of: events
    bounds: {from: 2024-01-01, to: '2025-01-01'}
  ev_2025:
    partition_of: events
    bounds: {from: "'2025-01-01'", to: "'2026-01-01'"}
    partition_by: {list: [kind]}
  ev_2025_rest:
    partition_of: ev_2025
    bounds: default
  archive.events_old:
    partition_of: public.events
    bounds: {from: MINVALUE, to: 2024-01-01}
    checks:
      old_enough: "created_at < '2024-01-01'"
  tags:
    columns:
      id: {type: bigint, nullable: false}
      label: text
    primary_key: [id]
    partition_by: {strategy: HASH, columns: id}
  tags_0: {partition_of: tags, bounds: {modulus: 2, remainder: 0}}
  tags_1: {partition_of: tags, bounds: {modulus: 2, remainder: 1}}
schemas:
  archive: {}
"""


TAGS = "  tags: {columns: {id: bigint}, partition_by: hash(id)}\n"


def project(tmp_path: Path, text: str = SPEC) -> Path:
    (tmp_path / "spec.yaml").write_text(text)
    return tmp_path


def errors(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(SpecErrors) as e:
        desired_from_specs(project(tmp_path, text))
    return [str(x) for x in e.value.errors]


def tables_sql(tmp_path: Path, text: str = SPEC) -> list[str]:
    return [" ".join(s.sql.split()) for s in desired_from_specs(project(tmp_path, text)).rendered.statements
            if s.kind == "table"]


def test_shorthands_and_long_forms_make_one_model(tmp_path: Path) -> None:
    p = load_project(project(tmp_path)).project
    assert p.tables["public.events"].partition_by.strategy == "range"
    assert p.tables["public.events"].partition_by.columns == ["created_at"]
    assert p.tables["public.ev_2025"].partition_by.strategy == "list"
    assert p.tables["public.tags"].partition_by.strategy == "hash"
    assert p.tables["public.tags"].partition_by.columns == ["id"]
    assert p.tables["public.ev_2025_rest"].bounds.default is True
    # a YAML date and a bare date string are both the date's SQL literal
    assert p.tables["public.ev_2024"].bounds.from_ == ["'2024-01-01'"]
    assert p.tables["public.ev_2024"].bounds.to == ["'2025-01-01'"]
    assert p.tables["archive.events_old"].bounds.from_ == ["MINVALUE"]


def test_renders_parents_before_partitions_whatever_their_names(tmp_path: Path) -> None:
    sql = tables_sql(tmp_path)
    names = [s.split()[2] for s in sql]
    assert names.index("public.events") < names.index("archive.events_old")
    assert names.index("public.events") < names.index("public.ev_2025") < names.index("public.ev_2025_login")
    assert "CREATE TABLE public.events (" in sql[names.index("public.events")]
    assert sql[names.index("public.events")].endswith(") PARTITION BY range (created_at)")
    assert sql[names.index("public.ev_2024")] == (
        "CREATE TABLE public.ev_2024 PARTITION OF public.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')")
    assert sql[names.index("public.ev_2025")] == (
        "CREATE TABLE public.ev_2025 PARTITION OF public.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01') "
        "PARTITION BY list (kind)")
    assert sql[names.index("public.ev_2025_rest")] == "CREATE TABLE public.ev_2025_rest PARTITION OF public.ev_2025 DEFAULT"
    assert sql[names.index("archive.events_old")] == (
        "CREATE TABLE archive.events_old PARTITION OF public.events ( CONSTRAINT old_enough CHECK (created_at < "
        "'2024-01-01') ) FOR VALUES FROM (minvalue) TO ('2024-01-01')")
    assert sql[names.index("public.tags_1")] == (
        "CREATE TABLE public.tags_1 PARTITION OF public.tags FOR VALUES WITH (MODULUS 2, REMAINDER 1)")


def test_key_expressions_render_in_their_slot(tmp_path: Path) -> None:
    text = """\
tables:
  people:
    columns: {id: bigint, name: text, "Region": text}
    partition_by: list(lower(name))
  places:
    columns: {id: bigint, a: int, b: int}
    partition_by: {strategy: range, columns: ["a + b", b]}
  regions:
    columns: {id: bigint, "Region": text}
    partition_by: {list: [Region]}
"""
    sql = tables_sql(tmp_path, text)
    assert sql[0].endswith("PARTITION BY list ((lower(name)))")  # pglast's prettifier adds the parentheses
    assert sql[1].endswith("PARTITION BY range ((a + b), b)")
    assert sql[2].endswith('PARTITION BY list ("Region")')


def test_the_project_validates_and_lints_without_partition_findings(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["validate", str(project(tmp_path))])
    assert r.exit_code == 0, r.output
    lint = CliRunner().invoke(main, ["lint", str(tmp_path), "--select", "PD002"])
    assert lint.exit_code == 0, lint.output  # a partition has its parent's primary key


def test_docs_say_how_tables_are_partitioned(tmp_path: Path) -> None:
    text = project_docs(project(tmp_path))
    assert "**Partitioned by** `RANGE (created_at)`" in text
    assert "**Partition of** `events`: `FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')`" in text
    assert "**Partition of** `ev_2025`: `DEFAULT`" in text


@pytest.mark.parametrize(("spec", "line", "message"), [
    # the parent: unknown, not partitioned, a cycle
    ("  p1: {partition_of: evnts, bounds: default}\n", 15,
     "partition_of names 'evnts', which is not a table in the specs (did you mean 'public.events'?)"),
    ("  p1: {partition_of: '', bounds: default}\n", 15, "partition_of must name the partitioned table"),
    ("  p1: {partition_of: accounts, bounds: default}\n", 15,
     "partition_of names public.accounts, which is not partitioned"),
    ("  p1: {partition_of: p2, bounds: default, partition_by: list(kind)}\n"
     "  p2: {partition_of: p1, bounds: default, partition_by: list(kind)}\n", 15, "partition_of makes a cycle"),
    # bounds of the wrong form for the strategy, or incomplete
    ("  p1: {partition_of: events, bounds: {in: [\"'a'\"]}}\n", 15,
     "list bounds for a partition of public.events, which is partitioned by range: give {from: [...], to: [...]}"),
    ("  p1: {partition_of: events, bounds: {from: 2024-01-01}}\n", 15, "range bounds need both from and to"),
    ("  p1: {partition_of: events, bounds: {from: [1, 2], to: [3, 4]}}\n", 15,
     "bounds from has 2 value(s); the partition key of public.events has 1 (created_at)"),
    ("  p1: {partition_of: events, bounds: {in: [\"'a'\"], default: true}}\n", 15, "bounds take one form"),
    ("  p1: {partition_of: tags, bounds: default}\n" + TAGS, 15, "a hash partitioned table (public.tags) has no default"),
    ("  p1: {partition_of: tags, bounds: {modulus: 2, remainder: 2}}\n" + TAGS, 15,
     "hash bounds need modulus >= 1 and 0 <= remainder < modulus, got 2 and 2"),
    ("  p1: {partition_of: events}\n", 15, "partition of public.events needs bounds"),
    ("  p1:\n    columns: {a: int}\n    bounds: default\n", 17, "bounds belong to a partition: add partition_of"),
    # what a partition takes from its parent
    ("  p1:\n    partition_of: events\n    bounds: default\n    columns: {x: int}\n", 15,
     "columns of a partition come from its parent public.events: remove columns here"),
    ("  p1:\n    partition_of: events\n    bounds: default\n    primary_key: [id]\n", 15,
     "primary_key of a partition come from its parent"),
], ids=["unknown-parent", "empty-parent", "parent-not-partitioned", "cycle", "list-bounds-on-range", "range-half", "range-arity",
        "mixed", "hash-default", "hash-remainder", "no-bounds", "bounds-without-parent", "partition-columns",
        "partition-pk"])
def test_mistakes_name_file_line_and_table(tmp_path: Path, spec: str, line: int, message: str) -> None:
    base = SPEC.split("  ev_2025_login:")[0]  # accounts and events: 14 lines, p1 on line 15
    assert base.count("\n") == 14
    found = errors(tmp_path, base + spec)
    hits = [e for e in found if message in e]
    assert hits, found
    assert hits[0].startswith(f"{tmp_path / 'spec.yaml'}:{line}: table p1"), hits[0]


@pytest.mark.parametrize(("spec", "message"), [
    ("    primary_key: [id]\n    partition_by: range(created_at)\n",
     "primary key (id) leaves out the partition key column created_at: PostgreSQL refuses a unique constraint "
     "on a partitioned table unless it includes every partition key column; add created_at to it"),
    ("    primary_key: [id, created_at]\n    partition_by: range(created_at)\n"
     "    indexes: [{columns: [id], unique: true, name: one_id}]\n",
     "unique index one_id (id) leaves out the partition key column created_at"),
    ("    primary_key: [id, created_at]\n    partition_by: range(date(created_at))\n",
     "PostgreSQL refuses a primary key or unique constraint on a table partitioned by an expression"),
    ("    partition_by: range(creatd_at)\n",
     "partition_by names 'creatd_at', which is not a column of table public.t (did you mean 'created_at'?)"),
    ("    partition_by: list(id, created_at)\n", "a list partition key has exactly one column or expression"),
    ("    partition_by: range(created_at); DROP TABLE t\n", "partition_by is range(key), list(key) or hash(key)"),
    ("    partition_by: {strategy: range, columns: [\"created_at) ; DROP TABLE t; --\"]}\n",
     "is not a column or one key expression"),
    ("    partition_by: {strategy: interval, columns: [id]}\n", "range"),
])
def test_partition_key_mistakes(tmp_path: Path, spec: str, message: str) -> None:
    text = ("tables:\n  t:\n    columns:\n      id: {type: bigint, nullable: false}\n"
            "      created_at: {type: timestamptz, nullable: false}\n" + spec)
    found = errors(tmp_path, text)
    assert any(message in e for e in found), found
    assert all(e.startswith(f"{tmp_path / 'spec.yaml'}:") and "table t" in e for e in found), found


def test_a_sub_partition_key_must_be_in_the_inherited_primary_key(tmp_path: Path) -> None:
    text = SPEC.replace("primary_key: [id, created_at, kind]", "primary_key: [id, created_at]")
    found = errors(tmp_path, text)
    assert any(e.startswith(f"{tmp_path / 'spec.yaml'}:24: table ev_2025") and
               "primary key (id, created_at) (inherited from public.events) leaves out the partition key column kind"
               in e for e in found), found


@pytest.mark.parametrize("value", [
    "\"'a'); DROP TABLE users; --\"", "\"'a') TO ('b'\"", "\"1, 2\"", "\"'unterminated\"", "\"(select 1); select 2\"",
])
def test_no_bound_value_smuggles_sql(tmp_path: Path, value: str) -> None:
    base = SPEC.split("  ev_2025_login:")[0]
    found = errors(tmp_path, base + f"  p1: {{partition_of: events, bounds: {{from: [{value}], to: [MAXVALUE]}}}}\n")
    assert any(e.startswith(f"{tmp_path / 'spec.yaml'}:15: table p1") and "is not one SQL value" in e
               for e in found), found


def test_a_date_written_as_arithmetic_is_named(tmp_path: Path) -> None:
    base = SPEC.split("  ev_2025_login:")[0]
    found = errors(tmp_path, base + "  p1: {partition_of: events, bounds: {from: '2024-01-01 junk', to: [MAXVALUE]}}\n")
    assert any("reads as arithmetic in SQL; write a date or time as a quoted literal" in e for e in found), found


def test_the_cli_exits_1_with_the_error_and_no_traceback(tmp_path: Path) -> None:
    base = SPEC.split("  ev_2025_login:")[0]
    project(tmp_path, base + "  p1: {partition_of: events, bounds: {in: [1]}}\n")
    r = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert "spec.yaml:15: table p1: list bounds for a partition of public.events" in r.output


def test_json_schema_accepts_the_keys_and_shorthands(tmp_path: Path) -> None:
    schema = json.loads(CliRunner().invoke(main, ["spec-schema"]).output)
    validator = jsonschema.Draft202012Validator(schema)
    data = load_yaml(SPEC.replace("2024-01-01", "'2024-01-01'"), "spec.yaml").data
    assert not list(validator.iter_errors(data))
    bad = {"tables": {"t": {"partition_by": "interval(x)"}, "u": {"bounds": "everything"}}}
    assert len(list(validator.iter_errors(bad))) == 2


@pytest.mark.parametrize(("table", "stmt", "kind", "want"), [
    ("public.events_2024", "CREATE INDEX x ON t (account_id)", "idx", "events_2024_account_id_idx"),
    ("public.events_2024", "CREATE UNIQUE INDEX x ON t (id, created_at)", "pkey", "events_2024_pkey"),
    ("public.w", "CREATE UNIQUE INDEX x ON t (key, created_at)", "key", "w_key_created_at_key"),
    ("public.w", "CREATE INDEX x ON t (lower(a), lower(b)) INCLUDE (c)", "idx", "w_expr_expr1_c_idx"),
    ("public." + "p" * 40, "CREATE INDEX x ON t (" + "c" * 40 + ")", "idx", "p" * 29 + "_" + "c" * 29 + "_idx"),
])
def test_postgresql_names_of_inherited_indexes(table: str, stmt: str, kind: str, want: str) -> None:
    import pglast

    assert default_index_name(table, pglast.parse_sql(stmt)[0].stmt, kind) == want
