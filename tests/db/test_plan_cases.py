"""Golden plan cases: tests/cases/plans/<name>/ holds `live.sql` (builds the live database), `schema/`
(the specs) and `expected.txt` (the plan as `pgdecl plan` prints it, without the target line: each
statement with its hazards and whether it runs outside the transaction), and optionally
`options.json` (keyword arguments of make_plan and apply, e.g. {"reorder_columns": true}). Each case
is also applied, with every hazard allowed, and must converge: a second plan is empty.

A case without `live.sql` plans into an empty database, where a plan is the rendered DDL (pgdecl.fresh,
tests/db/test_fresh_apply.py): its golden plan is the diff engine's, as a database holding anything
gets it, and the plan into the empty database is checked to be the rendered DDL.

Set PGDECL_UPDATE_GOLDEN=1 to write expected.txt from the current output (then review the diff)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import fresh_database, run_sql
from pgdecl import fresh
from pgdecl.apply import apply
from pgdecl.desired import desired_from_specs
from pgdecl.format import plan_text
from pgdecl.hazards import KINDS
from pgdecl.plan import make_plan

CASES = Path(__file__).resolve().parent.parent / "cases" / "plans"


def _cases() -> list[str]:
    return sorted(p.name for p in CASES.iterdir() if (p / "schema").is_dir()) if CASES.is_dir() else []


@pytest.mark.parametrize("case", _cases())
def test_plan_case(case: str, admin, server, monkeypatch: pytest.MonkeyPatch) -> None:
    path = CASES / case
    with fresh_database(admin, "plan_case_") as db:
        live_sql = path / "live.sql"
        options = json.loads((path / "options.json").read_text()) if (path / "options.json").exists() else {}
        if live_sql.exists():
            run_sql(db, live_sql.read_text())
        else:
            rendered = [s.sql for s in desired_from_specs(path / "schema", pretty=False).rendered.statements
                        if s.kind != "role"]
            into_empty = make_plan(path / "schema", db.conninfo, server=server, **options)
            assert [s.sql for s in into_empty.steps if s.source == fresh.SOURCE] == rendered
            monkeypatch.setattr(fresh, "probe", lambda live, desired: None)  # the diff engine's plan
        plan = make_plan(path / "schema", db.conninfo, server=server, **options)
        got = plan_text(plan).split("\n", 1)[1]
        expected = path / "expected.txt"
        if os.environ.get("PGDECL_UPDATE_GOLDEN"):
            expected.write_text(got)
        assert got == expected.read_text()
        result = apply(str(path / "schema"), db.conninfo, allowed_hazards=set(KINDS), server=server, **options)
        assert result.after is not None and result.after.empty
