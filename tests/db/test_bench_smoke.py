"""The benchmark's synthetic project really deploys: a small one (bench/synth.py) applied through the CLI,
a second plan empty, and the one-change variant planned as just that column. No timing."""

from __future__ import annotations

import sys
from pathlib import Path

import psycopg
from click.testing import CliRunner
from conftest import fresh_database

from pgdecl.cli import main
from pgdecl.plan import make_plan

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import synth  # noqa: E402

TABLES = 20


def test_synthetic_project_applies_and_converges(admin, server, tmp_path: Path) -> None:
    project = synth.write(synth.generate(TABLES, seed=0), tmp_path / "p")
    changed = synth.write(synth.generate(TABLES, seed=0, extra_column=True), tmp_path / "p_change")
    with fresh_database(admin, "bench_") as db:
        r = CliRunner().invoke(main, ["apply", str(project), "--database-url", db.conninfo, "--yes"])
        assert r.exit_code == 0, r.output
        again = make_plan(project, database_url=db.conninfo, server=server)
        assert again.empty, [s.sql for s in again.steps]
        with psycopg.connect(db.conninfo) as conn:
            count = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
            assert count("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == TABLES
            assert count("SELECT count(*) FROM pg_views WHERE schemaname = 'public'") >= 1
            assert count("SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal") >= 1
            assert count("SELECT count(*) FROM pg_constraint WHERE contype = 'f'") >= TABLES // 2
            assert count("SELECT count(*) FROM pg_type WHERE typtype = 'e'") == len(synth.ENUMS)
        one = make_plan(changed, database_url=db.conninfo, server=server)
        first = next(iter(synth.generate(TABLES, seed=0)["m000.yaml"]["tables"]))
        assert one.steps and all(first in s.sql and synth.EXTRA_COLUMN in s.sql for s in one.steps), \
            [s.sql for s in one.steps]
        assert any("ADD COLUMN" in s.sql.upper() for s in one.steps)
