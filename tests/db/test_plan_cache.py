"""The desired side cached by DDL hash and server version: the same plan, without a scratch database."""

from __future__ import annotations

import shutil

from conftest import ROOT, fresh_database

from pgdecl import sides
from pgdecl.apply import apply
from pgdecl.desired import desired_from_specs
from pgdecl.plan import make_plan


def _steps(plan) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(s.sql, s.phase, tuple(h.kind for h in s.hazards)) for s in plan.steps]


def test_cached_desired_side_gives_the_same_plan_without_a_scratch_database(admin, server, cache_dir, tmp_path,
                                                                              monkeypatch) -> None:
    project = tmp_path / "proj"
    shutil.copytree(ROOT / "examples" / "starter", project)
    with fresh_database(admin, "cache_") as db:
        monkeypatch.setenv("PGDECL_NO_CACHE", "1")
        # the scratch load creates the project's roles on this (shared) cluster: plan once before comparing
        make_plan(project, db.conninfo, server=server)
        uncached = make_plan(project, db.conninfo, server=server)
        monkeypatch.delenv("PGDECL_NO_CACHE")
        cold = make_plan(project, db.conninfo, server=server)
        assert list(cache_dir.glob("desired-*.pickle"))
        warm = make_plan(project, db.conninfo, server=server)
        assert uncached.steps and _steps(cold) == _steps(uncached) == _steps(warm)
        assert cold.live_fingerprint == warm.live_fingerprint == uncached.live_fingerprint

        desired = desired_from_specs(project, pretty=False)  # what plans load
        with sides.DesiredSide(admin, desired.rendered) as side:
            side.read()
            assert side.from_cache and side._scratch is None  # nothing loaded, nothing inspected

        result = apply(str(project), db.conninfo, allowed_hazards={"security"}, server=server)
        assert result.after is not None and result.after.empty


def test_a_changed_spec_misses_the_cache(admin, server, cache_dir, tmp_path) -> None:
    project = tmp_path / "proj"
    shutil.copytree(ROOT / "examples" / "starter", project)
    with fresh_database(admin, "cache_") as db:
        apply(str(project), db.conninfo, allowed_hazards={"security"}, server=server)
        assert make_plan(project, db.conninfo, server=server).empty
        spec = next(p for p in sorted(project.glob("*.yaml")) if "tables:" in p.read_text())
        text = spec.read_text()
        changed = text.replace("    columns:\n", "    columns:\n      cache_probe: {type: text}\n", 1)
        assert changed != text
        spec.write_text(changed)
        plan = make_plan(project, db.conninfo, server=server)
        assert any("cache_probe" in s.sql for s in plan.steps)
        assert len(list(cache_dir.glob("desired-*.pickle"))) == 2
