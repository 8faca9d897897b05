"""Subscriptions (pgdecl.engine.kinds.subscriptions): the connection password is never read nor
printed, and a plan changes a subscription in place without a publisher. Convergence both ways is
tests/conformance/kinds/subscriptions (tests/db/test_conformance.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg

from conftest import fresh_database
from pgdecl.engine.kinds import subscriptions

PAIR = Path(__file__).resolve().parents[1] / "conformance" / "kinds" / "subscriptions"
SECRET = "s3cret-pw"


def test_read_takes_every_password_form_out_on_the_server(admin) -> None:
    with fresh_database(admin, "sub_") as db, psycopg.connect(db.conninfo, autocommit=True) as conn:
        for name, conninfo in (("plain", f"host=h port=1 password={SECRET} dbname=d"),
                               ("quoted", f"host=h password = 'it\\'s {SECRET}' dbname=d"),
                               ("spaced", f"password={SECRET}   host=h"),
                               ("uri", f"postgresql://repl:{SECRET}@h:1/d")):
            conn.execute(f"CREATE SUBSCRIPTION {name} CONNECTION '{conninfo.replace(chr(39), chr(39) * 2)}' "
                         "PUBLICATION p WITH (connect = false, slot_name = NONE)")
        got = subscriptions.read(conn)
    assert SECRET not in repr(got)
    assert {n: s["connection"] for n, s in got.items()} == {
        "plain": "host=h port=1 dbname=d", "quoted": "host=h dbname=d", "spaced": "host=h",
        "uri": "postgresql://repl@h:1/d"}


def test_plan_never_shows_the_password_and_alters_in_place(server, admin, tmp_path: Path) -> None:
    from pgdecl.plan import make_plan

    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(PAIR / "b.sql", project / "b.sql")
    with fresh_database(admin, "sub_") as live:
        with psycopg.connect(live.conninfo, autocommit=True) as conn:
            conn.execute((PAIR / "a.sql").read_text())
        plan = make_plan(project, database_url=live.conninfo, dev_url=admin.conninfo, server=server)
    steps = [s.sql for s in plan.steps]
    assert SECRET not in repr(plan) and not any(SECRET in s for s in steps)
    assert 'ALTER SUBSCRIPTION keep SET PUBLICATION pub_a, pub_c WITH (refresh = false)' in steps
    assert "ALTER SUBSCRIPTION moved CONNECTION 'host=db2.example port=1 dbname=upstream'" in steps
    assert "DROP SUBSCRIPTION gone" in steps
    assert not any(s.startswith("DROP SUBSCRIPTION keep") for s in steps)  # changed in place, never made again
    assert any(s.startswith("CREATE SUBSCRIPTION fresh") and "connect = false" in s and "two_phase = true" in s
               for s in steps)
