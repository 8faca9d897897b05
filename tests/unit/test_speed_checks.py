"""The database-free commands' shortcuts (issue 16) keep their answers: a spec file is walked for NULs and
lone surrogates only when an escape could make one, and `pgdecl lint` of a project without raw SQL does not
import pglast."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pgdecl import spec_yaml
from pgdecl.errors import SpecError

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("text, what, line", [
    ('a: 1\nb: "x\\0y"\n', "a NUL character", 2),
    ('b: "x\\x00"\n', "a NUL character", 1),
    ('b: "\\u0000"\n', "a NUL character", 1),
    ('b: "\\U00000000"\n', "a NUL character", 1),
    ('a: 1\nb:\n  - ok\n  - "\\uD800"\n', "a lone surrogate", 4),
    ('b: "\\udfff"\n', "a lone surrogate", 1),
    ('b: "\\U0000dC00"\n', "a lone surrogate", 1),
    ('"k\\0": 1\n', "a NUL character", 1),
    ('tables:\n  t:\n    comment: "\\\\0 and \\ud8ff"\n', "a lone surrogate", 3),
])
def test_escapes_making_a_nul_or_a_surrogate_are_refused(text: str, what: str, line: int) -> None:
    with pytest.raises(SpecError) as e:
        spec_yaml.load_spec_yaml(text, "f.yaml")
    assert what in str(e.value)
    assert e.value.origin is not None and (e.value.origin.file, e.value.origin.line) == ("f.yaml", line)


@pytest.mark.parametrize("text, data", [
    ('q: "SELECT 1\\n  FROM t\\n"\n', {"q": "SELECT 1\n  FROM t\n"}),
    ('a: "\\u00e9\\x41\\U0001F600\\t\\\\0"\n', {"a": "\u00e9A\U0001F600\t\\0"}),
    ('a: "\\ue000\\ud7ff"\n', {"a": "\ue000\ud7ff"}),
    ("a: 'single \\0 quoted'\n", {"a": "single \\0 quoted"}),
])
def test_other_escapes_load(text: str, data: object) -> None:
    assert spec_yaml.load_spec_yaml(text, "f.yaml").data == data


def test_lint_without_raw_sql_does_not_import_pglast(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("tables:\n  t:\n    columns:\n      id: {type: bigint, primary_key: true}\n"
                                     "      name: {type: text, nullable: false}\n")
    code = ("import sys\nfrom pgdecl.lint import lint_project\n"
            f"r = lint_project({str(tmp_path)!r})\n"
            "assert r.tables == 1, r.tables\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pglast', 'jinja2', 'psycopg')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("sql, kind", [
    ("CREATE TABLE x (a int); DROP TABLE y", "table"),
    ("CREATE TABLE x (a int", "table"),
    ("CREATE TABLE x (a int)", "table"),
    ("SELECT 1", "table"),
    ("CREATE INDEX i ON x (a)", "table"),
    ("CREATE INDEX i ON x (a)", "index"),
    ("COMMENT ON TABLE x IS '{\"stmt\":{\"CreateStmt\"'", "comment"),
    ("COMMENT ON TABLE x IS '{\"stmt\":{\"CreateStmt\"'", "table"),
    ("  -- lead\n  ALTER TABLE x OWNER TO bob", "owner"),
    ("ALTER TABLE x OWNER TO bob", "view"),
    ("", "table"),
    ("-- only a comment", "table"),
    ("GRANT SELECT ON x TO bob", "grant"),
    ("SET check_function_bodies = false", "setting"),
    ("anything at all", "sql"),
])
def test_validate_reads_statement_kinds_as_sqltree_does(sql: str, kind: str) -> None:
    """`pgdecl validate` reads each statement's node from the JSON text (statement_errors(shared=False)):
    the same mistakes, worded the same, as through sqltree.kind."""
    from pgdecl import sqltree
    from pgdecl import validate as v
    from pgdecl.errors import Origin
    from pgdecl.render import DDL, Rendered

    rendered = Rendered((DDL(sql, kind, "public.x", Origin("f.yaml", 3, "table x")),))
    shared = [str(e) for e in v.statement_errors(rendered)]
    sqltree.clear()
    assert [str(e) for e in v.statement_errors(rendered, shared=False)] == shared
    expect_error = {"CREATE TABLE x (a int)": kind != "table", "CREATE INDEX i ON x (a)": kind != "index",
                    "GRANT SELECT ON x TO bob": False, "SET check_function_bodies = false": False,
                    "anything at all": False}.get(sql, True)
    if sql.startswith("COMMENT"):
        expect_error = kind != "comment"
    if "OWNER" in sql:
        expect_error = kind != "owner"
    assert bool(shared) == expect_error, shared
    assert all(s.startswith("f.yaml:3") for s in shared)


def test_load_without_docs_gives_the_same_project_and_mistakes(tmp_path: Path) -> None:
    from pgdecl.errors import SpecErrors
    from pgdecl.spec import load_project

    full = load_project(ROOT / "schema")
    lean = load_project(ROOT / "schema", keep_docs=False)
    assert lean.docs == {} and len(full.docs) > 3
    assert lean.project.fingerprint() == full.project.fingerprint()
    assert lean.project == full.project
    table = next(iter(lean.project.tables.values()))
    assert table.origin == next(iter(full.project.tables.values())).origin and table.origin.line
    (tmp_path / "a.yaml").write_text("tables:\n  t:\n    columns:\n      id: bigint\n")
    (tmp_path / "b.yaml").write_text("tables:\n  u:\n    columns:\n      id: {type: bigint, nulable: false}\n")
    messages = []
    for keep in (True, False):
        with pytest.raises(SpecErrors) as e:
            load_project(tmp_path, keep_docs=keep)
        messages.append([str(x) for x in e.value.errors])
    assert messages[0] == messages[1] and len(messages[0]) == 1
    assert messages[0][0].startswith(f"{tmp_path / 'b.yaml'}:4") and "nulable" in messages[0][0]
