"""bench/synth.py, the benchmark's project generator: deterministic for a seed, the requested number of
tables, and projects that load, validate and lint clean (a benchmark of failing input is worthless)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from pgdecl.lint import lint_model
from pgdecl.render import render
from pgdecl.spec import load_project
from pgdecl.validate import validate

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import synth  # noqa: E402


def test_same_seed_same_project_other_seed_other_project(tmp_path: Path) -> None:
    assert synth.generate(120, seed=3) == synth.generate(120, seed=3)
    assert synth.generate(120, seed=3) != synth.generate(120, seed=4)
    a = synth.write(synth.generate(60, seed=5), tmp_path / "a")
    b = synth.write(synth.generate(60, seed=5), tmp_path / "b")
    assert sorted(p.name for p in a.iterdir()) == sorted(p.name for p in b.iterdir())
    for f in a.iterdir():
        assert f.read_text() == (b / f.name).read_text()


@pytest.mark.parametrize("tables", [1, 20, 137])
def test_requested_tables_load_validate_and_lint_clean(tmp_path: Path, tables: int) -> None:
    project = load_project(synth.write(synth.generate(tables, seed=1), tmp_path / "p")).project
    assert len(project.tables) == tables
    validate(project)
    rendered = render(project)
    validate(project, rendered)
    result = lint_model(project)
    assert result.findings == [], [f"{f.code} {f.object}: {f.message}" for f in result.findings]
    assert result.tables == tables


def test_project_has_every_kind_of_object_and_about_four_statements_per_table(tmp_path: Path) -> None:
    project = load_project(synth.write(synth.generate(200, seed=0), tmp_path / "p")).project
    assert len(project.enums) >= 3 and len(project.views) >= 5 and len(project.functions) >= 3
    tables = project.tables.values()
    assert sum(len(t.triggers) for t in tables) >= 10
    assert any(fk for t in tables for fk in (c.references for c in t.columns.values()) if fk)
    assert any(i.where for t in tables for i in t.indexes) and any(len(i.columns) > 1 for t in tables for i in t.indexes)
    assert any(t.checks for t in tables) and any(t.unique for t in tables)
    types = {c.type for t in tables for c in t.columns.values()}
    for wanted in ("bigint", "text", "timestamptz", "date", "boolean", "jsonb", "uuid", "bench_status"):
        assert wanted in types
    assert any(t.startswith("varchar(") for t in types) and any(t.startswith("numeric(") for t in types)
    statements = len(render(project).statements)
    assert 3.5 * 200 <= statements <= 5 * 200


def test_extra_column_is_the_only_difference(tmp_path: Path) -> None:
    plain = synth.generate(30, seed=2)
    changed = synth.generate(30, seed=2, extra_column=True)
    first = next(iter(plain["m000.yaml"]["tables"]))
    assert synth.EXTRA_COLUMN in changed["m000.yaml"]["tables"][first]["columns"]
    del changed["m000.yaml"]["tables"][first]["columns"][synth.EXTRA_COLUMN]
    assert changed == plain
