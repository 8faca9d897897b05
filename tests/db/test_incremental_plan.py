"""The plan after a small change, from the objects it touches (pgdecl.incremental), equals the full plan.

The marketplace schema/ is applied once; its last (empty) plan is the baseline. Each edit below is
planned twice against the same live database: from the small sides, with the cache that holds the
baseline, and in full with no cache at all. The steps, their order, hazards, objects and spec lines
must be the same, and the small path must have been the one taken (or, for the edits it must not
take, not taken).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Callable

import pytest
from conftest import ROOT, fresh_database

from pgdecl import incremental
from pgdecl.apply import apply
from pgdecl.errors import PgdeclError
from pgdecl.plan import make_plan

pytestmark = pytest.mark.db


def _replace(file: str, old: str, new: str) -> Callable[[Path], None]:
    def edit(project: Path) -> None:
        path = project / file
        text = path.read_text()
        assert old in text, f"{old!r} not in {file}"
        path.write_text(text.replace(old, new, 1))
    return edit


CATALOG = "30_catalog.yaml"
# (name, edit, whether the small path takes it)
EDITS: list[tuple[str, Callable[[Path], None], bool]] = [
    ("column added to a table with foreign keys into it, a view and policies",
     _replace(CATALOG, "      description: text\n      short_description: varchar(500)\n",
              "      description: text\n      short_description: varchar(500)\n"
              "      gift_note:\n        type: text\n        comment: A note printed on gift orders.\n"), True),
    ("column type changed under a view",
     _replace(CATALOG, "      name:\n        type: varchar(255)\n        nullable: false\n      slug:\n"
                       "        type: varchar(255)",
              "      name:\n        type: varchar(300)\n        nullable: false\n      slug:\n        type: varchar(255)"),
     True),
    ("column dropped",
     _replace(CATALOG, "      seo_keywords: varchar(500)\n", ""), True),
    ("comment changed", _replace(CATALOG, "Original price shown struck through.", "The list price, struck through."),
     True),
    ("new table with a foreign key",
     _replace(CATALOG, "tables:\n", "tables:\n  product_tags:\n    columns:\n      id: {type: bigint, primary_key: true}\n"
                                    "      product_id: {type: uuid, nullable: false, references: products}\n"
                                    "      tag: {type: text, nullable: false}\n"
                                    "    indexes:\n      - columns: [product_id]\n"), True),
    ("enum value added: not a relation's, the full plan",
     _replace(CATALOG, "product_status: [draft, active, inactive, out_of_stock]",
              "product_status: [draft, active, inactive, out_of_stock, archived]"), False),
]


def _steps(plan: Any) -> list[tuple[Any, ...]]:
    return [(s.sql, s.phase, tuple((h.kind, h.message) for h in s.hazards), s.action, s.object, s.lock, s.origin)
            for s in plan.steps]


@pytest.fixture(scope="module")
def applied(admin, server, tmp_path_factory: pytest.TempPathFactory):
    """schema/ applied into a database of its own; the cache directory holding its baseline."""
    cache = tmp_path_factory.mktemp("incr-cache")
    project = tmp_path_factory.mktemp("incr") / "schema"
    shutil.copytree(ROOT / "schema", project)
    mp = pytest.MonkeyPatch()
    mp.setenv("PGDECL_CACHE_DIR", str(cache))
    mp.delenv("PGDECL_NO_CACHE", raising=False)
    try:
        with fresh_database(admin, "incr_") as db:
            result = apply(str(project), db.conninfo, allowed_hazards={"security"}, server=server)
            assert result.after is not None and result.after.empty
            assert make_plan(project, db.conninfo, server=server).empty
            assert list(cache.glob("baseline-*.pickle")), "the empty plan left no baseline"
            yield db, project, cache
    finally:
        mp.undo()


@pytest.mark.parametrize("name,edit,small", EDITS, ids=[e[0] for e in EDITS])
def test_small_plan_equals_the_full_plan(applied, server, tmp_path, monkeypatch, name, edit, small) -> None:
    db, original, cache = applied
    project = tmp_path / "schema"
    shutil.copytree(original, project)
    edit(project)
    taken: list[bool] = []
    real = incremental.plan_steps

    def spy(*args: Any) -> Any:
        result = real(*args)
        taken.append(result is not None)
        return result

    monkeypatch.setattr(incremental, "plan_steps", spy)
    run_cache = tmp_path / "cache"
    shutil.copytree(cache, run_cache)
    monkeypatch.setenv("PGDECL_CACHE_DIR", str(run_cache))
    monkeypatch.delenv("PGDECL_NO_CACHE", raising=False)
    quick = make_plan(project, db.conninfo, server=server)
    assert any(taken) == small, f"small path {taken}: {incremental.fell_back}"
    monkeypatch.setenv("PGDECL_NO_CACHE", "1")
    full = make_plan(project, db.conninfo, server=server)
    assert full.steps, "the edit changes nothing"
    assert _steps(quick) == _steps(full)
    assert quick.notes == full.notes and quick.live_fingerprint == full.live_fingerprint


def test_small_plan_applies_and_converges(admin, server, tmp_path, monkeypatch) -> None:
    """Apply a plan made from the small sides: the database then matches the specs in full."""
    project = tmp_path / "schema"
    shutil.copytree(ROOT / "schema", project)
    monkeypatch.setenv("PGDECL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("PGDECL_NO_CACHE", raising=False)
    with fresh_database(admin, "incr_apply_") as db:
        apply(str(project), db.conninfo, allowed_hazards={"security"}, server=server)
        assert make_plan(project, db.conninfo, server=server).empty
        EDITS[0][1](project)
        taken: list[bool] = []
        real = incremental.plan_steps
        monkeypatch.setattr(incremental, "plan_steps", lambda *a: taken.append(True) or real(*a))
        result = apply(str(project), db.conninfo, allowed_hazards={"security"}, server=server)
        assert taken, "the small path was not tried"
        assert any("gift_note" in s.sql for s in result.plan.steps)
        monkeypatch.setenv("PGDECL_NO_CACHE", "1")
        assert make_plan(project, db.conninfo, server=server).empty


def test_a_name_the_live_database_holds_elsewhere_takes_the_full_plan(admin, server, tmp_path, monkeypatch) -> None:
    """A new table named like the sequence of another table's identity column, which no spec names:
    only the full DDL shows the clash, so the small path gives way and the full plan names it."""
    project = tmp_path / "proj"
    project.mkdir()
    (project / "tables.yaml").write_text(
        "tables:\n  orders:\n    columns:\n      id: {type: bigint, identity: always, primary_key: true}\n"
        "  notes:\n    columns:\n      id: {type: bigint, primary_key: true}\n")
    monkeypatch.setenv("PGDECL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("PGDECL_NO_CACHE", raising=False)
    with fresh_database(admin, "incr_clash_") as db:
        apply(str(project), db.conninfo, server=server)
        assert make_plan(project, db.conninfo, server=server).empty
        with (project / "tables.yaml").open("a") as f:
            f.write("  orders_id_seq:\n    columns:\n      id: {type: bigint, primary_key: true}\n")
        taken: list[Any] = []
        real = incremental.plan_steps
        monkeypatch.setattr(incremental, "plan_steps", lambda *a: taken.append(real(*a)) or taken[-1])
        with pytest.raises(PgdeclError) as raised:
            make_plan(project, db.conninfo, server=server)
        assert taken == [None] and "orders_id_seq" in incremental.fell_back
        assert "orders_id_seq" in str(raised.value) and "tables.yaml" in str(raised.value)
