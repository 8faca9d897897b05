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


def _synth() -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_synth", ROOT / "bench" / "synth.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _random_edit(files: dict[str, Any], rng: Any) -> str:
    """One edit of a table of the synthetic project: a column added, dropped, retyped or made NOT NULL,
    an index added, or a table added with a foreign key into an existing one."""
    tables = [(f, n) for f, data in files.items() for n in data.get("tables", {})]
    f, name = rng.choice(tables)
    table = files[f]["tables"][name]
    cols = [c for c in table["columns"] if c not in ("id",) and not c.endswith("_id")]
    kind = rng.choice(["add", "drop", "type", "not_null", "index", "new_table"])
    if kind == "drop" and cols:
        table["columns"].pop(rng.choice(cols))
    elif kind == "type" and "notes" in table["columns"]:
        table["columns"]["notes"] = {"type": "varchar(4000)"}
    elif kind == "not_null" and "title" in table["columns"]:
        table["columns"]["title"] = {"type": "text", "nullable": False, "default": "''"}
    elif kind == "index" and cols:
        table.setdefault("indexes", []).append({"columns": [rng.choice(cols)], "name": f"{name}_probe_idx"})
    elif kind == "new_table":
        files[f]["tables"][f"probe_{name}"] = {
            "columns": {"id": {"type": "bigint", "primary_key": True},
                        f"{name}_id": {"type": "bigint", "references": name, "nullable": False}},
            "indexes": [{"columns": [f"{name}_id"]}]}
    else:
        kind = "add"
        table["columns"]["probe"] = {"type": "integer", "default": "7", "comment": "added by the test"}
    return f"{kind} {name}"


def test_random_edits_of_a_synthetic_project_plan_the_same_small_and_full(admin, server, tmp_path, monkeypatch) -> None:
    """Eight seeded edits of a 60-table project of foreign keys, views, triggers and enums: each plans
    the same steps from the small sides as in full, and the small path is taken for every one."""
    import copy
    import random

    synth = _synth()
    base = synth.generate(60, 3)
    project = synth.write(base, tmp_path / "base")
    cache = tmp_path / "cache"
    monkeypatch.setenv("PGDECL_CACHE_DIR", str(cache))
    monkeypatch.delenv("PGDECL_NO_CACHE", raising=False)
    rng = random.Random(11)
    taken: list[Any] = []
    kinds: set[str] = set()
    real = incremental.plan_steps
    monkeypatch.setattr(incremental, "plan_steps", lambda *a: taken.append(real(*a)) or taken[-1])
    with fresh_database(admin, "incr_synth_") as db:
        apply(str(project), db.conninfo, server=server)
        assert make_plan(project, db.conninfo, server=server).empty
        for i in range(8):
            files = copy.deepcopy(base)
            what = _random_edit(files, rng)
            edited = synth.write(files, tmp_path / f"edit{i}")
            run_cache = shutil.copytree(cache, tmp_path / f"cache{i}")
            monkeypatch.setenv("PGDECL_CACHE_DIR", str(run_cache))
            incremental.fell_back = ""
            taken.clear()
            quick = make_plan(edited, db.conninfo, server=server)
            assert taken and taken[0] is not None, f"{what}: {incremental.fell_back}"
            monkeypatch.setenv("PGDECL_NO_CACHE", "1")
            full = make_plan(edited, db.conninfo, server=server)
            monkeypatch.delenv("PGDECL_NO_CACHE")
            assert full.steps, what
            assert _steps(quick) == _steps(full), what
            kinds.add(what.split()[0])
    assert len(kinds) >= 4, kinds  # the seed gives edits of several kinds


PARTITIONED = """\
tables:
  accounts:
    columns:
      id: {type: bigint, primary_key: true}
      name: text
  events:
    columns:
      id: {type: bigint, nullable: false}
      account_id: {type: bigint, nullable: false, references: accounts}
      created_at: {type: date, nullable: false}
    primary_key: [id, created_at]
    partition_by: range(created_at)
  events_2025:
    partition_of: events
    bounds: {from: 2025-01-01, to: 2026-01-01}
  notes:
    columns:
      id: {type: bigint, primary_key: true}
      body: text
""" + "".join(f"  filler_{i}:\n    columns:\n      id: {{type: bigint, primary_key: true}}\n" for i in range(8))


def test_partitioned_tables_take_the_full_plan_and_others_the_small_one(admin, server, tmp_path, monkeypatch) -> None:
    """A change that reaches a partitioned table (here through the foreign key of its parent into the
    changed table) is planned in full; a change beside it, from the small sides; both as in full."""
    project = tmp_path / "proj"
    project.mkdir()
    spec = project / "tables.yaml"
    spec.write_text(PARTITIONED)
    cache = tmp_path / "cache"
    monkeypatch.setenv("PGDECL_CACHE_DIR", str(cache))
    monkeypatch.delenv("PGDECL_NO_CACHE", raising=False)
    taken: list[Any] = []
    real = incremental.plan_steps
    monkeypatch.setattr(incremental, "plan_steps", lambda *a: taken.append(real(*a)) or taken[-1])
    with fresh_database(admin, "incr_parts_") as db:
        apply(str(project), db.conninfo, server=server)
        assert make_plan(project, db.conninfo, server=server).empty
        for old, new, small in (("      name: text\n", "      name: text\n      region: text\n", False),
                                ("      body: text\n", "      body: text\n      author: text\n", True)):
            spec.write_text(PARTITIONED.replace(old, new))
            monkeypatch.setenv("PGDECL_CACHE_DIR", str(shutil.copytree(cache, tmp_path / f"c{len(taken)}")))
            taken.clear()
            quick = make_plan(project, db.conninfo, server=server)
            assert (taken[0] is not None) == small, incremental.fell_back
            if not small:
                assert "partition" in incremental.fell_back
            monkeypatch.setenv("PGDECL_NO_CACHE", "1")
            assert _steps(quick) == _steps(make_plan(project, db.conninfo, server=server))
            monkeypatch.delenv("PGDECL_NO_CACHE")


def test_a_plan_of_the_baseline_files_makes_no_scratch_database_early(admin, server, tmp_path, monkeypatch) -> None:
    """The early thread makes the small sides' scratch databases only for other files than the
    baseline's: a no-op plan makes none (pgdecl.plan._early); an edit does (a project without roles)."""
    project = tmp_path / "proj"
    project.mkdir()
    (project / "t.yaml").write_text("tables:\n" + "".join(
        f"  t{i}:\n    columns:\n      id: {{type: bigint, primary_key: true}}\n" for i in range(6)))
    monkeypatch.setenv("PGDECL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("PGDECL_NO_CACHE", raising=False)
    made: list[Any] = []
    real = incremental.prepare
    monkeypatch.setattr(incremental, "prepare", lambda *a: made.append(a) or real(*a))
    with fresh_database(admin, "incr_early_") as db:
        apply(str(project), db.conninfo, server=server)
        assert make_plan(project, db.conninfo, server=server).empty  # stores the baseline
        made.clear()
        assert make_plan(project, db.conninfo, server=server).empty
        assert made == []
        (project / "t.yaml").write_text((project / "t.yaml").read_text().replace(
            "  t0:\n    columns:\n", "  t0:\n    columns:\n      note: text\n", 1))
        assert any("note" in s.sql for s in make_plan(project, db.conninfo, server=server).steps)
        assert len(made) == 1
