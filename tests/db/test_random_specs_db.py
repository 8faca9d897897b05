"""Property tests on real PostgreSQL: random valid specs (tests/strategies.py) plan, apply and converge."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, note, settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conftest import fresh_database  # noqa: E402
from strategies import spec_dir, spec_mutations, specs  # noqa: E402

from pgdecl.apply import execute  # noqa: E402
from pgdecl.db import Database  # noqa: E402
from pgdecl.plan import make_plan  # noqa: E402

# PGDECL_RANDOM_DB_EXAMPLES=200 for a longer hunt
SETTINGS = settings(max_examples=int(os.environ.get("PGDECL_RANDOM_DB_EXAMPLES", "15")), deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def converge(project: Path, db: Database, admin: Database, server) -> int:
    """Plan, apply, and check that a second plan is empty; returns the number of steps applied."""
    plan = make_plan(project, database_url=db.conninfo, dev_url=admin.conninfo, server=server)
    note("plan:\n" + "\n".join(f"  {s.sql};" for s in plan.steps))
    execute(plan, db)
    again = make_plan(project, database_url=db.conninfo, dev_url=admin.conninfo, server=server)
    assert again.empty, "the database did not converge; a second plan has:\n" + \
        "\n".join(f"  {s.sql};" for s in again.steps)
    return len(plan.steps)


@SETTINGS
@given(specs())
def test_random_spec_applies_to_an_empty_database_and_converges(server, admin, spec):
    with spec_dir(spec) as project, fresh_database(admin, "t_rand_") as db:
        assert converge(project, db, admin, server) > 0


@SETTINGS
@given(spec_mutations())
def test_random_change_applies_and_converges(server, admin, pair):
    a, b, what = pair
    note(f"changes: {what}")
    with fresh_database(admin, "t_rand_") as db:
        with spec_dir(a) as project:
            converge(project, db, admin, server)
        with spec_dir(b) as project:
            assert converge(project, db, admin, server) > 0
