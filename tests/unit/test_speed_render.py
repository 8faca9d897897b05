"""Render prettifies its statements together (pgdecl.sqlparse_cache.pretty_many), sharing large batches
with worker processes: every text is exactly what prettifying it alone gives, workers or not."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from pgdecl import sqlparse_cache as sc
from pgdecl.desired import desired_from_specs

ROOT = Path(__file__).resolve().parents[2]

TEXTS = [
    "create table t (a int, b text not null default 'x', check (a > 0))",
    "CREATE INDEX t_a_idx ON public.t USING btree (a)",
    "create table t (a int, b text not null default 'x', check (a > 0))",  # again
    "COMMENT ON TABLE public.t IS 'it''s a table'",
    "ALTER TABLE public.t ADD CONSTRAINT t_fk FOREIGN KEY (a) REFERENCES public.u (id) ON DELETE CASCADE;",
    "CREATE VIEW v AS SELECT a, count(*) FROM t GROUP BY a",
    "this is not sql",
    "  SELECT 'ünïcødé', E'tab\\there'  ;  ",
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$",
]


def _alone() -> list[str]:
    return [sc._pretty(t) for t in TEXTS]


def test_pretty_many_is_pretty_of_each() -> None:
    sc._memo.clear()
    assert sc.pretty_many(TEXTS) == _alone() == [sc.pretty(t) for t in TEXTS]


def test_workers_give_the_same_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sc, "PARALLEL_MIN", 1)
    monkeypatch.setattr(sc, "CHUNK", 2)
    monkeypatch.setattr(sc, "_cpus", lambda: 3)
    many = TEXTS * 3 + [f"CREATE INDEX i{n} ON t (a)" for n in range(30)]
    sc._memo.clear()
    got = sc.pretty_many(many)
    sc._memo.clear()
    assert got == [sc._pretty(t) for t in many]


def test_a_worker_answers_batches() -> None:
    proc = sc._start_worker()
    assert proc is not None and proc.stdin is not None and proc.stdout is not None
    try:
        for _ in range(2):
            proc.stdin.write(json.dumps(TEXTS) + "\n")
            proc.stdin.flush()
            assert json.loads(proc.stdout.readline()) == _alone()
    finally:
        sc._stop(proc)
    assert proc.returncode == 0


def test_without_workers_this_process_does_it_all(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sc, "PARALLEL_MIN", 1)
    monkeypatch.setattr(sc, "_cpus", lambda: 2)
    for executable in ("", str(ROOT / "no-such-python")):
        monkeypatch.setattr(sys, "executable", executable)
        sc._memo.clear()
        assert sc.pretty_many(TEXTS) == _alone()


@pytest.mark.parametrize("project", [ROOT / "schema", ROOT / "examples" / "starter"], ids=lambda p: p.name)
def test_render_with_workers_matches_render_without(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGDECL_NO_CACHE", "1")
    sc._memo.clear()
    serial = desired_from_specs(project).rendered.text()
    monkeypatch.setattr(sc, "PARALLEL_MIN", 1)
    monkeypatch.setattr(sc, "CHUNK", 3)
    monkeypatch.setattr(sc, "_cpus", lambda: 2)
    sc._memo.clear()
    assert desired_from_specs(project).rendered.text() == serial


def test_a_batch_left_unfinished_stops_its_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sc, "PARALLEL_MIN", 2)
    monkeypatch.setattr(sc, "CHUNK", 2)
    monkeypatch.setattr(sc, "_cpus", lambda: 2)
    sc._memo.clear()
    with pytest.raises(RuntimeError):
        with sc.Batch() as batch:
            for n in range(20):
                batch.add(f"CREATE INDEX j{n} ON t (a)")
            assert len(batch._threads) == 1
            raise RuntimeError("a template failed")
    assert not any(t.is_alive() for t in batch._threads)
