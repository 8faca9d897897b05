"""Render determinism, canonical form and the spec JSON Schema: no database."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pglast
import pytest
from click.testing import CliRunner

from pgdecl.cli import main
from pgdecl.desired import desired_from_specs
from pgdecl.model import json_schema

ROOT = Path(__file__).resolve().parents[2]
PROJECTS = [ROOT / "schema", ROOT / "examples" / "starter"]


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_render_is_byte_identical_and_parses(project: Path, tmp_path: Path) -> None:
    first = desired_from_specs(project).rendered
    second = desired_from_specs(project).rendered
    assert first.text() == second.text()
    # a copy elsewhere renders the same DDL (paths appear only in origin comments)
    copy = tmp_path / "copy"
    shutil.copytree(project, copy)
    assert desired_from_specs(copy).rendered.sql() == first.sql()
    for stmt in first.statements:
        assert len(pglast.parse_sql(stmt.sql)) == 1, stmt.sql


def test_render_orders_dependencies() -> None:
    stmts = desired_from_specs(ROOT / "examples" / "starter").rendered.statements
    kinds = [s.kind for s in stmts]
    pos = {k: kinds.index(k) for k in ("enum", "sequence", "function", "table", "foreign key", "index", "view",
                                       "trigger", "policy", "grant", "comment")}
    assert pos["enum"] < pos["table"] and pos["sequence"] < pos["table"]
    assert pos["function"] < pos["table"]  # a generated column calls slugify()
    assert pos["table"] < pos["foreign key"] < pos["view"] < pos["trigger"] < pos["policy"] < pos["grant"]


def test_fingerprint_is_stable_and_sensitive(tmp_path: Path) -> None:
    src = ROOT / "examples" / "starter"
    a = desired_from_specs(src).project.fingerprint()
    shutil.copytree(src, tmp_path / "p")
    f = tmp_path / "p" / "blog.yaml"
    assert desired_from_specs(tmp_path / "p").project.fingerprint() == a
    f.write_text(f.read_text().replace("title: {type: text, nullable: false}", "title: {type: varchar(200), nullable: false}"))
    assert desired_from_specs(tmp_path / "p").project.fingerprint() != a


def test_yaml_12_booleans_keep_yes_no_as_strings(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text("enums:\n  answer: [yes, no, on, off]\n")
    project = desired_from_specs(tmp_path).project
    assert project.enums["public.answer"].values == ["yes", "no", "on", "off"]


def test_spec_schema_command_prints_json_schema() -> None:
    result = CliRunner().invoke(main, ["spec-schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert set(schema["$defs"]) == set(json_schema()["$defs"])  # the model's, widened by the shorthands
    assert {"tables", "enums", "views", "functions", "roles"} <= set(schema["properties"])
    assert "password" not in json.dumps(schema)


def test_render_command_and_error_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(main, ["render", str(ROOT / "examples" / "starter")])
    assert ok.exit_code == 0 and "CREATE TABLE public.posts" in ok.output
    (tmp_path / "bad.yaml").write_text("tables:\n  t:\n    columns:\n      a: {type: int, default: '1 1'}\n")
    bad = runner.invoke(main, ["render", str(tmp_path)])
    assert bad.exit_code == 1
    assert "bad.yaml:4: table t, column a" in bad.output and "Traceback" not in bad.output
    missing = runner.invoke(main, ["render", str(tmp_path / "nope")])
    assert missing.exit_code != 0


def test_project_traits_override_and_extend(tmp_path: Path) -> None:
    (tmp_path / "traits").mkdir()
    (tmp_path / "traits" / "tenant.yaml.j2").write_text(
        "columns:\n  tenant_id: {type: bigint, nullable: false}\nindexes:\n  - columns: [tenant_id]\n"
        "    name: {{ table }}_tenant_idx\n")
    (tmp_path / "s.yaml").write_text(
        "tables:\n  docs:\n    traits: [uuid_pk, tenant]\n    columns:\n      title: text\n")
    d = desired_from_specs(tmp_path)
    table = d.project.tables["public.docs"]
    assert list(table.columns) == ["id", "title", "tenant_id"]
    assert table.indexes[0].name == "docs_tenant_idx"
    assert "CREATE INDEX docs_tenant_idx" in d.rendered.sql()


def _render_one(tmp_path: Path, spec: str) -> str:
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / "spec.yaml").write_text(spec)
    return " ".join(desired_from_specs(tmp_path / "schema").rendered.sql().split())


def test_index_columns_that_need_quoting(tmp_path: Path) -> None:
    sql = _render_one(tmp_path, """
tables:
  t:
    columns:
      id: {type: bigint, primary_key: true}
      order: {type: int}
      UserId: {type: int}
    indexes:
      - {name: t_order, columns: [order, UserId]}
      - {name: t_quoted, columns: ['"UserId" DESC', '"order"']}
""")
    assert 'CREATE INDEX t_order ON public.t ("order", "UserId")' in sql, sql
    assert 'CREATE INDEX t_quoted ON public.t ("UserId" DESC, "order")' in sql, sql


def test_function_grant_and_comment_use_identity_arguments(tmp_path: Path) -> None:
    sql = _render_one(tmp_path, """
roles:
  app: {}
functions:
  add_points:
    args: "p_user uuid, p_points integer DEFAULT 10, OUT total bigint"
    returns: bigint
    language: sql
    body: select 1::bigint
    grants: {app: [execute]}
    comment: adds points
""")
    assert "ON FUNCTION public.add_points (uuid, integer) TO app" in sql, sql
    assert "COMMENT ON FUNCTION public.add_points (uuid, integer) IS 'adds points'" in sql, sql
