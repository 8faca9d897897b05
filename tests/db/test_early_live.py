"""A plan whose specs are not in the cache reads the live side on a thread of its own from its start,
while the specs are loaded and rendered (pgdecl.plan._read_live_early): the same plan as when the live
side is read after them, roles included."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import fresh_database, run_sql

from pgdecl import plan as plan_module

_REAL = plan_module._read_live_early
SPECS = ("roles:\n  early_reader: {login: false}\n"
         "tables:\n  public.t:\n    columns:\n      id: {type: int, primary_key: true}\n      name: {type: text}\n"
         "    grants:\n      early_reader: [SELECT]\n")


def _plan(specs: Path, db, server, monkeypatch: pytest.MonkeyPatch, early: bool) -> tuple[list[str], int]:
    started: list[int] = []
    real = _REAL

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        future = real(*args, **kwargs) if early else None
        started.append(future is not None)
        return future

    monkeypatch.setattr(plan_module, "_read_live_early", counted)  # replaces the previous call's

    steps = [s.sql for s in plan_module.make_plan(specs, db.conninfo, server=server).steps]
    return steps, sum(started)


def test_the_early_live_read_gives_the_same_plan(tmp_path: Path, admin, server, cache_dir,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    specs = tmp_path / "schema"
    specs.mkdir()
    (specs / "t.yaml").write_text(SPECS)
    with fresh_database(admin, "early_") as db:
        run_sql(db, "CREATE TABLE public.t (id int PRIMARY KEY); CREATE TABLE public.gone (id int)")
        early, started = _plan(specs, db, server, monkeypatch, early=True)
        assert started == 1
        for entry in cache_dir.iterdir():  # cold again
            entry.unlink() if entry.is_file() else None
        late, started_late = _plan(specs, db, server, monkeypatch, early=False)
        assert started_late == 0
    assert early == late
    assert any("early_reader" in s for s in early) and any("gone" in s for s in early)
    assert any("ADD COLUMN name" in s or "add column \"name\"" in s.lower() for s in early)
