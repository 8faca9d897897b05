"""Validation reads each distinct SQL fragment once (memoised per text) and counts rendered statements
from libpg_query: the messages stay those of a fresh parse, every time."""

from __future__ import annotations

import pytest

from pgdecl import fragments
from pgdecl import validate as v
from pgdecl.errors import Origin, SpecErrors
from pgdecl.model import Project
from pgdecl.render import DDL, Rendered
from pgdecl.spec import SpecFile


def _project(tables: dict) -> Project:  # type: ignore[type-arg]
    return Project(tables=SpecFile.model_validate({"tables": tables}).tables)


def _errors(project: Project, rendered: Rendered | None = None) -> list[str]:
    try:
        v.validate(project, rendered)
    except SpecErrors as e:
        return [str(x) for x in e.errors]
    return []


def test_fragment_helpers_are_stable() -> None:
    for _ in range(2):
        assert fragments.parse_expression("lower(name) = code") == (None, None, ("name", "code"))
        assert fragments.parse_expression("a.b + c") == (None, None, ("c",))
        assert fragments.parse_expression("1, 2") == ("list", None, ())
        assert fragments.parse_expression("1); drop table t; --")[0] == "not one"
        assert fragments.parse_expression("1 +")[0] == "parse"
        assert fragments.parse_type_name("numeric(7,4)") == ("pg_catalog", "numeric")
        assert fragments.parse_type_name("public.thing[]") == ("public", "thing")
        assert fragments.parse_type_name("int; drop table x") is None
        assert fragments.parse_index_element("lower(email)") == (None, None, ("email",))
        assert fragments.parse_index_element("email") == (None, "email", None)
        assert fragments.parse_index_element("a, b")[0] == "not one index element"


def test_repeated_validation_reports_the_same_mistakes() -> None:
    project = _project({"t": {"columns": {
        "a": {"type": "integer", "check": "b > 0"},
        "c": {"type": "nosuchtype"},
        "d": {"type": "text", "default": "1, 2"},
        "e": {"type": "text", "generated": "upper(zz)"},
    }, "indexes": [{"columns": ["lower(q)"]}, {"columns": ["a"], "where": "r is null"}]}})
    first = _errors(project)
    assert first == _errors(project) == _errors(project)
    text = "\n".join(first)
    for part in ("column a check refers to unknown column 'b'", "unknown type 'nosuchtype'",
                 "column d default must be exactly one SQL expression, got a list",
                 "column e generated refers to unknown column 'zz'", "refers to unknown column 'q'",
                 "where refers to unknown column 'r'"):
        assert part in text


@pytest.mark.parametrize("sql, message", [
    ("CREATE TABLE x (a int); DROP TABLE y", "renders to 2 statements; a fragment contains SQL of its own"),
    ("CREATE TABLE x (a int", "renders to SQL that does not parse: syntax error at end of input"),
])
def test_rendered_statements_are_counted(sql: str, message: str) -> None:
    project = _project({"x": {"columns": {"a": "integer"}}})
    rendered = Rendered((DDL(sql, "table", "public.x", Origin("f.yaml", 1)),))
    assert any(message in e for e in _errors(project, rendered))


# Statements whose count and kind `pgdecl validate` reads from one parse into JSON text (shared=False) and a
# plan from the parser's split and sqltree (shared=True): a string or identifier spelling the JSON of a
# statement, bodies with statements of their own, comments, empty statements, mistakes
_TRICKY = [
    ("table", "CREATE TABLE x (a text DEFAULT '{\"stmt\":{\"DropStmt\":{}}}')"),
    ("table", 'CREATE TABLE "{""stmt"":{" (a int)'),
    ("table", "CREATE TABLE x (a int); DROP TABLE y"),
    ("table", "CREATE TABLE x (a int);"),
    ("table", "CREATE TABLE x (a int);;"),
    ("table", "-- a comment\nCREATE TABLE x (a int) /* another; */"),
    ("table", "-- only a comment"),
    ("table", ""),
    ("table", "CREATE TABLE x (a int"),
    ("table", "SELECT $$abc"),
    ("table", "DROP TABLE y"),
    ("function", "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END"),
    ("function", "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$SELECT 1; SELECT 2$$"),
    ("view", "CREATE RULE r AS ON INSERT TO t DO ALSO (SELECT 1; SELECT 2)"),
    ("schema", "CREATE SCHEMA s CREATE TABLE a (x int) CREATE TABLE b (y int)"),
    ("comment", "COMMENT ON TABLE x IS '}]}, {\"stmt\":{\"DropStmt\":'"),
]


def test_one_parse_counts_and_names_statements_as_the_split_does() -> None:
    rendered = Rendered(tuple(DDL(sql, kind, f"n{i}", Origin("f.yaml", i)) for i, (kind, sql) in enumerate(_TRICKY)))
    unshared = [str(e) for e in v.statement_errors(rendered, shared=False)]
    assert unshared == [str(e) for e in v.statement_errors(rendered, shared=True)]
    assert len(unshared) == 7  # the statements that are not exactly one of their kind, each named
    for i, what in ((2, "renders to 2 statements"), (6, "renders to 0 statements"), (7, "renders to 0 statements"),
                    (8, "does not parse: syntax error at end of input"), (9, "does not parse: unterminated dollar"),
                    (10, "renders to a DropStmt"), (13, "renders to a RuleStmt")):
        assert any(e.startswith(f"f.yaml:{i}: ") and what in e for e in unshared), (i, what, unshared)


def test_specs_are_validated_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Making the desired side (what plan, apply, diff and render use) checks the model once and the rendered
    DDL once: every table of the marketplace schema is validated one time, the statements one time."""
    from pathlib import Path

    from pgdecl.desired import _desired_from_specs

    seen: dict[str, int] = {}
    statements: list[int] = []
    real_table, real_errors = v.Validator.table, v.statement_errors

    def table(self: v.Validator, name: str, t: object) -> None:
        seen[name] = seen.get(name, 0) + 1
        real_table(self, name, t)  # type: ignore[arg-type]

    def statement_errors(rendered: Rendered, shared: bool = True) -> list:  # type: ignore[type-arg]
        statements.append(len(rendered.statements))
        return real_errors(rendered, shared)

    monkeypatch.setenv("PGDECL_NO_CACHE", "1")  # no statement known good from an earlier run
    monkeypatch.setattr(v.Validator, "table", table)
    monkeypatch.setattr(v, "statement_errors", statement_errors)
    d = _desired_from_specs(Path(__file__).resolve().parents[2] / "schema")
    assert set(seen) == set(d.project.tables) and len(seen) > 10
    assert set(seen.values()) == {1}
    assert statements == [len(d.rendered.statements)]


def test_statements_known_good_are_not_checked_again(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The desired side checks only the rendered statements no earlier run found good: after an edit of
    one column, the statements of that table; a statement that smuggles a second one is still refused."""
    import shutil
    from pathlib import Path

    from pgdecl.desired import _desired_from_specs
    from pgdecl.errors import SpecErrors

    monkeypatch.setenv("PGDECL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("PGDECL_NO_CACHE", raising=False)
    project = tmp_path / "schema"
    shutil.copytree(Path(__file__).resolve().parents[2] / "schema", project)
    checked: list[int] = []
    real_errors = v.statement_errors

    def statement_errors(rendered: Rendered, shared: bool = True) -> list:  # type: ignore[type-arg]
        checked.append(len(rendered.statements))
        return real_errors(rendered, shared)

    monkeypatch.setattr(v, "statement_errors", statement_errors)
    first = _desired_from_specs(project)
    assert checked == [len(first.rendered.statements)]
    spec = project / "30_catalog.yaml"
    spec.write_text(spec.read_text().replace("      description: text\n", "      description: text\n      memo: text\n", 1))
    checked.clear()
    second = _desired_from_specs(project)
    assert len(checked) == 1 and 0 < checked[0] < 5 and any("memo" in s.sql for s in second.rendered.statements)
    spec.write_text(spec.read_text().replace("      memo: text\n",
                                             "      memo:\n        type: text\n        default: \"'x'); DROP TABLE users; --\"\n", 1))
    with pytest.raises(SpecErrors):
        _desired_from_specs(project)
