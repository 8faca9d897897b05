"""Hostile input, without a database: broken and hostile mutations of the repository's own projects
(tests/hostile.py) through validate/render, lint and docs never end in a traceback, and every render
parses into exactly the statements pgdecl says it rendered (nothing smuggled in through a value, a
name or a file name). A few run as `pgdecl` commands; an alias bomb runs under a 1 GiB address-space
limit and a timeout. bench/fuzz.py runs thousands of the same projects."""

from __future__ import annotations

import os
import random
import resource
import subprocess
import sys
from pathlib import Path

import pglast
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import hostile  # noqa: E402

from pgdecl.desired import desired_from_specs  # noqa: E402
from pgdecl.errors import SpecError, SpecErrors  # noqa: E402

STARTER = (hostile.BASES["starter"] / "blog.yaml").read_text()
ENV = {**os.environ, "PGDECL_NO_CACHE": "1"}
FUZZ = settings(max_examples=100, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(autouse=True)
def _no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGDECL_NO_CACHE", "1")


def _project(tmp: Path, files: dict[str, str | bytes]) -> Path:
    for name, data in files.items():
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)
    return tmp


def _bad(outcomes: list[str]) -> list[str]:
    return [o for o in outcomes if o not in ("ok", "error")]


@FUZZ
@given(seed=st.integers(0, 2**32 - 1))
def test_mutated_projects_give_clear_errors_or_clean_renders(tmp_path_factory: pytest.TempPathFactory,
                                                             seed: int) -> None:
    out = tmp_path_factory.mktemp("fuzz")
    what = hostile.make_project(random.Random(seed), out)
    outcomes = hostile.run_commands(out)
    assert len(outcomes) >= 3
    assert not _bad(outcomes), what


def _with_function(**fields: str | dict[str, str]) -> str:
    doc = yaml.safe_load(STARTER)
    doc["functions"]["slugify"].update(fields)
    return yaml.safe_dump(doc, sort_keys=False)


def _errors(project: Path) -> list[SpecError]:
    with pytest.raises(SpecErrors) as err:
        desired_from_specs(project)
    return err.value.errors


@pytest.mark.parametrize("field", ["args", "returns", "set"])
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_function_values_cannot_add_statements(tmp_path_factory: pytest.TempPathFactory, field: str,
                                               data: st.DataObject) -> None:
    value = data.draw(st.sampled_from(hostile.INJECT[field]))
    fields = {"set": {"search_path": value}} if field == "set" else {field: value}
    project = _project(tmp_path_factory.mktemp("fn"), {"blog.yaml": _with_function(**fields)})
    errors = _errors(project)
    assert any(e.origin and e.origin.line and e.origin.object == "function slugify" for e in errors), errors
    assert any(f"function {field}" in e.message for e in errors), errors


def test_the_issue_examples_are_errors_naming_file_line_and_function(tmp_path: Path) -> None:
    project = _project(tmp_path, {"blog.yaml": _with_function(
        args="x integer) RETURNS integer LANGUAGE sql AS 'select 1'; CREATE TABLE pwned (a int); "
             "CREATE FUNCTION f(y integer",
        set={"search_path": "public; CREATE ROLE x SUPERUSER LOGIN"})})
    errors = _errors(project)
    line = next(i for i, s in enumerate((tmp_path / "blog.yaml").read_text().splitlines(), 1) if "slugify:" in s)
    assert [str(e.origin) for e in errors] == [f"{tmp_path}/blog.yaml:{line}: function slugify"]
    assert "is not a parameter list" in errors[0].message


def test_legitimate_function_values_still_render(tmp_path: Path) -> None:
    project = _project(tmp_path, {"blog.yaml": _with_function(
        args="title text, n integer DEFAULT (1 + 2), VARIADIC rest text[] DEFAULT '{}'",
        returns="TABLE(a text, b integer)", set={"search_path": "public, pg_temp", "work_mem": "'64MB'"})})
    rendered = desired_from_specs(project).rendered
    assert hostile.check_rendered(desired_from_specs(project).project, rendered) == []
    fn = next(s.sql for s in rendered.statements if s.kind == "function" and "slugify" in s.name)
    assert "VARIADIC rest text[]" in fn and "RETURNS TABLE" in fn


def test_file_name_with_a_newline_stays_in_its_comment(tmp_path: Path) -> None:
    name = "x\nCREATE TABLE pwned (a int);\n--.yaml"
    project = _project(tmp_path, {"blog.yaml": STARTER, name: "tables:\n  nl: {columns: {id: {type: int, primary_key: true}}}\n"})
    d = desired_from_specs(project)
    stmts = pglast.parse_sql(d.rendered.text())
    assert len(stmts) == len(d.rendered.statements)
    assert "-- " + str(tmp_path) + "/x\\x0aCREATE TABLE pwned" in d.rendered.text()
    assert hostile.check_rendered(d.project, d.rendered) == []


def test_role_names_over_63_bytes_and_in_the_wrong_case(tmp_path: Path) -> None:
    long = "r" * 64
    project = _project(tmp_path, {"roles.yaml": f"roles:\n  {long}: {{}}\n  AppRole: {{}}\n"
                                                "tables:\n  t:\n    columns: {id: {type: int, primary_key: true}}\n"
                                                "    grants: {approle: [select]}\n"})
    errors = _errors(project)
    assert f"{tmp_path}/roles.yaml:2: role {long}: the role name {long!r} is longer than PostgreSQL's 63 bytes" \
        in [str(e) for e in errors]
    assert any("did you mean 'AppRole'" in str(e) and ":5: table t" in str(e) for e in errors), errors


def test_mixed_case_roles_are_quoted_everywhere(tmp_path: Path) -> None:
    doc, _ = hostile._mixed_case_role(random.Random(0), yaml.safe_load(STARTER))
    project = _project(tmp_path, {"blog.yaml": yaml.safe_dump(doc, sort_keys=False)})
    sql = desired_from_specs(project).rendered.sql()
    assert 'GRANT "Parent Role" TO "AppRole"' in sql
    assert 'TO "AppRole"' in sql and 'OWNER TO "Parent Role"' in sql
    assert "approle" not in sql.lower().replace('"approle"', "") or '"AppRole"' in sql


@pytest.mark.parametrize("kind", sorted(hostile.BYTE_MUTATIONS))
def test_broken_bytes_are_clear_errors(tmp_path: Path, kind: str) -> None:
    data = hostile.BYTE_MUTATIONS[kind](random.Random(7), STARTER.encode())
    project = _project(tmp_path, {"blog.yaml": data})
    assert not _bad(hostile.run_commands(project))


@pytest.mark.parametrize("kind", sorted(hostile.TRAIT_TEMPLATES))
def test_broken_trait_templates_are_clear_errors(tmp_path: Path, kind: str) -> None:
    text = hostile.TRAIT_TEMPLATES[kind]
    project = _project(tmp_path, {
        "traits/mine.yaml.j2": b"columns:\n  caf\xe9: text\n" if text is None else text,
        "a.yaml": "tables: {t: {columns: {id: {type: int, primary_key: true}}, traits: [mine]}}\n"})
    outcomes = hostile.run_commands(project)
    assert outcomes == ["error", "error", "error"]
    assert any("trait 'mine'" in str(e) and "a.yaml:1: table t" in str(e) for e in _errors(project))


def _cli(args: list[str], limit_as: int | None = None, drop_dac: bool = False,
         timeout: float = 60, env: dict[str, str] = ENV) -> subprocess.CompletedProcess[str]:
    def pre() -> None:
        if limit_as:
            resource.setrlimit(resource.RLIMIT_AS, (limit_as, limit_as))
        if drop_dac:
            hostile.drop_dac()

    return subprocess.run([sys.executable, "-m", "pgdecl.cli", *args], capture_output=True, text=True, env=env,
                          timeout=timeout, preexec_fn=pre)


def test_alias_bomb_bounded_in_time_and_memory(tmp_path: Path) -> None:
    project = _project(tmp_path, {"bomb.yaml": hostile.alias_bomb(levels=30)})
    r = _cli(["validate", str(project)], limit_as=1 << 30, timeout=60)
    assert r.returncode == 1 and "Traceback" not in r.stderr and "MemoryError" not in r.stderr
    assert r.stderr.startswith(f"error: {project}/bomb.yaml:") and "alias bomb" in r.stderr


@pytest.mark.parametrize("cmd,cache", [("validate", True), ("render", False), ("lint", False), ("docs", False)])
def test_commands_on_unreadable_and_odd_files(tmp_path: Path, cmd: str, cache: bool) -> None:
    project = _project(tmp_path / "p", {"blog.yaml": STARTER, "secret.yaml": "tables: {}\n"})
    os.chmod(project / "secret.yaml", 0)
    (project / "dir.yaml").mkdir()
    os.mkfifo(project / "pipe.yaml")
    os.symlink("loop.yaml", project / "loop.yaml")
    env = {k: v for k, v in ENV.items() if k != "PGDECL_NO_CACHE"} if cache else ENV
    r = _cli([cmd, str(project)], drop_dac=True, timeout=60, env=env)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert f"error: {project}/secret.yaml: cannot read the file: Permission denied" in r.stderr
    assert f"error: {project}/loop.yaml: cannot read the file: Too many levels of symbolic links" in r.stderr


def test_commands_on_hostile_projects(tmp_path: Path) -> None:
    rng = random.Random(1234)
    for i in range(6):
        out = tmp_path / f"p{i}"
        out.mkdir()
        hostile.make_project(rng, out)
        for cmd in ("validate", "render"):
            r = _cli([cmd, str(out)], timeout=120)
            assert r.returncode in (0, 1) and "Traceback" not in r.stderr, r.stderr
            assert r.returncode == 0 or r.stderr.startswith("error: ")
