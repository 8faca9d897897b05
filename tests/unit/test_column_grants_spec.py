"""Column privileges in the specs (a column's `grants`): model, rendering, errors, JSON Schema; no database."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pgdecl.cli import main
from pgdecl.desired import desired_from_specs
from pgdecl.errors import SpecErrors
from pgdecl.model import json_schema
from pgdecl.spec import load_project

ROOT = Path(__file__).resolve().parents[2]

SPEC = """\
tables:
  accounts:
    columns:
      id: {type: bigint, primary_key: true}
      "Display Name":
        type: text
        grants: {app: [update, select], reader: [SELECT]}
      balance: numeric(12,2)
      note:
        type: text
        grants: {app: [update]}
    grants:
      app: [select, insert]
"""


def project(tmp_path: Path, text: str = SPEC) -> Path:
    (tmp_path / "spec.yaml").write_text(text)
    return tmp_path


def test_column_grants_render_one_grant_per_role_and_privilege_in_column_order(tmp_path: Path) -> None:
    stmts = [" ".join(s.sql.split()) for s in desired_from_specs(project(tmp_path)).rendered.statements
             if s.kind == "grant"]
    assert stmts == [
        "GRANT SELECT, INSERT ON TABLE public.accounts TO app",
        "GRANT SELECT (\"Display Name\") ON TABLE public.accounts TO app",
        "GRANT UPDATE (\"Display Name\", note) ON TABLE public.accounts TO app",
        "GRANT SELECT (\"Display Name\") ON TABLE public.accounts TO reader",
    ]


def test_column_grants_change_the_fingerprint(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = load_project(project(tmp_path / "a")).project
    other = SPEC.replace("grants: {app: [update]}", "grants: {app: [select]}")
    b = load_project(project(tmp_path / "b", other)).project
    assert a.fingerprint() != b.fingerprint()


def test_a_table_privilege_on_a_column_is_an_error_naming_file_and_line(tmp_path: Path) -> None:
    bad = SPEC.replace("grants: {app: [update]}", "grants: {app: [delete]}")
    with pytest.raises(SpecErrors) as e:
        load_project(project(tmp_path, bad))
    text = str(e.value)
    assert "spec.yaml:11" in text and "table accounts, column note" in text
    assert "'select', 'insert', 'update' or 'references'" in text
    result = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_json_schema_describes_column_grants() -> None:
    column = json_schema()["$defs"]["Column"]["properties"]["grants"]
    assert column["additionalProperties"]["items"]["enum"] == ["select", "insert", "update", "references"]


def test_docs_list_column_grants(tmp_path: Path) -> None:
    from pgdecl.docs import project_docs

    text = project_docs(project(tmp_path))
    assert ("**Column grants:** app: select (Display Name); app: update (Display Name, note); "
            "reader: select (Display Name)") in text
