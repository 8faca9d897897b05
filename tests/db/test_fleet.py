"""Fleets through the command line (subprocesses, cwd = the project): 50 local databases listed in a
urls_file applied to convergence (a pgdecl.history row on each), drift on exactly the one changed by
hand, a target that fails in the middle (default stop, --continue, a failing canary), urls_command,
and no password ever printed."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from pgdecl.db import Database, connect

BIN = Path(sys.executable).parent
PASSWORD = "s3cret-fleet-pw"

SPEC = """\
tables:
  accounts:
    columns:
      id: {type: bigint, nullable: false, primary_key: true}
      email: {type: text, nullable: false, unique: true}
  notes:
    columns:
      id: {type: bigint, nullable: false, primary_key: true}
      account_id: {type: bigint, nullable: false, references: accounts}
      body: {type: text, nullable: false, default: "''"}
    indexes:
      - columns: [account_id]
"""


@contextmanager
def databases(admin: Database, n: int) -> Iterator[list[Database]]:
    """n fresh databases on the test server, dropped afterwards."""
    prefix = f"fleet_{secrets.token_hex(3)}_"
    names = [f"{prefix}{i:02d}" for i in range(n)]
    with connect(admin, autocommit=True) as conn:
        for name in names:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE template0")
    try:
        yield [admin.with_dbname(name) for name in names]
    finally:
        with connect(admin, autocommit=True) as conn:
            for name in names:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _project(tmp: Path, toml: str) -> Path:
    proj = tmp / "proj"
    (proj / "schema").mkdir(parents=True, exist_ok=True)
    (proj / "schema" / "app.yaml").write_text(SPEC)
    (proj / "pgdecl.toml").write_text(toml)
    return proj


def _env(server) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE")}
    env.update(PGDECL_HOME=str(server._home), PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}")
    env["PGDECL_PROGRESS"] = "1"  # progress lines on standard error too: checked for passwords
    return env


def pgdecl(args: list[str], proj: Path, env: dict[str, str], expect: int) -> subprocess.CompletedProcess[str]:
    r = subprocess.run([str(BIN / "pgdecl"), *args], cwd=proj, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == expect, f"{args} exited {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}"
    assert "Traceback" not in r.stderr, r.stderr
    assert PASSWORD not in r.stdout + r.stderr
    return r


def _with_password(db: Database) -> str:
    """The database's URL with a password (the test server trusts local connections: it is ignored)."""
    return make_conninfo(db.conninfo, password=PASSWORD)


def _history(db: Database) -> list[tuple[int, str]]:
    with psycopg.connect(db.conninfo) as conn:
        return [(r[0], r[1]) for r in conn.execute("SELECT id, outcome FROM pgdecl.history ORDER BY id")]


def _urls_file(proj: Path, dbs: list[Database]) -> None:
    lines = ["# the fleet: one database per line"] + [_with_password(d) for d in dbs] + ["", "# end"]
    (proj / "tenants.txt").write_text("\n".join(lines) + "\n")


def _by_index(out: str) -> dict[int, dict]:
    return {t["index"]: t for t in json.loads(out)["targets"]}


def test_fifty_databases_converge_and_drift_shows_on_the_one_changed(tmp_path: Path, server, admin) -> None:
    env = _env(server)
    with databases(admin, 50) as dbs:
        proj = _project(tmp_path, '[env.fleet]\nurls_file = "tenants.txt"\n')
        _urls_file(proj, dbs)
        planned = pgdecl(["plan", "--env", "fleet", "--format", "json"], proj, env, expect=2)
        assert [t["outcome"] for t in json.loads(planned.stdout)["targets"]] == ["changes"] * 50

        applied = pgdecl(["apply", "--env", "fleet", "--yes", "--parallel", "4"], proj, env, expect=0)
        assert "50 applied" in applied.stdout, applied.stdout
        assert all(d.dbname in applied.stdout for d in dbs)  # the table names every target (masked)
        for d in dbs:
            assert _history(d) == [(1, "applied")]

        again = pgdecl(["apply", "--env", "fleet", "--yes", "--format", "json"], proj, env, expect=0)
        assert {t["outcome"] for t in json.loads(again.stdout)["targets"]} == {"unchanged"}
        assert all(_history(d) == [(1, "applied")] for d in dbs)  # nothing new recorded
        assert "50 in sync" in pgdecl(["status", "--env", "fleet"], proj, env, expect=0).stdout

        with psycopg.connect(dbs[17].conninfo, autocommit=True) as conn:  # by hand, on one tenant
            conn.execute("ALTER TABLE notes ADD COLUMN hand_made text")
        status = pgdecl(["status", "--env", "fleet", "--format", "json"], proj, env, expect=2)
        targets = _by_index(status.stdout)
        drifted = [i for i, t in targets.items() if t["outcome"] == "drift"]
        assert drifted == [18], drifted
        assert targets[18]["steps"] == 1 and targets[18]["changed_since_apply"] is True
        assert targets[18]["last_apply"]["outcome"] == "applied" and targets[18]["history_id"] == 1
        assert not targets[1]["changed_since_apply"] and targets[1]["outcome"] == "in sync"
        text = pgdecl(["status", "--env", "fleet"], proj, env, expect=2).stdout
        assert "1 drift" in text and "49 in sync" in text and "hand_made" in text, text


def test_a_failing_target_stops_the_fleet_and_continue_goes_past_it(tmp_path: Path, server, admin) -> None:
    env = _env(server)
    with databases(admin, 12) as dbs:
        # the unique constraint on the live table is built under its lock: the env allows long_lock
        proj = _project(tmp_path, '[env.fleet]\nurls_file = "tenants.txt"\nallow_hazards = ["long_lock"]\n')
        _urls_file(proj, dbs)
        bad = 6  # 1-based: the 6th target holds duplicate emails, so the unique index cannot be built
        with psycopg.connect(dbs[bad - 1].conninfo, autocommit=True) as conn:
            conn.execute("CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL);"
                         "INSERT INTO accounts VALUES (1, 'a@example.com'), (2, 'a@example.com')")

        r = pgdecl(["apply", "--env", "fleet", "--yes", "--parallel", "2", "--format", "json"], proj, env, expect=1)
        out = _by_index(r.stdout)
        assert out[1]["canary"] and out[1]["outcome"] == "applied"
        assert out[bad]["outcome"] == "failed" and "a@example.com" in out[bad]["error"]
        assert _history(dbs[bad - 1])[-1][1] == "failed" and out[bad]["history_id"] == _history(dbs[bad - 1])[-1][0]
        assert all(out[i]["outcome"] == "applied" for i in range(1, bad))  # started before it: finished
        assert out[12]["outcome"] == "skipped" and json.loads(r.stdout)["stopped"]
        skipped = [i for i, t in out.items() if t["outcome"] == "skipped"]
        assert skipped and min(skipped) > bad and all(out[i]["outcome"] == "skipped" for i in range(min(skipped), 13))
        for i in skipped:
            with psycopg.connect(dbs[i - 1].conninfo) as conn:
                assert conn.execute("SELECT to_regclass('pgdecl.history')").fetchone()[0] is None

        text = pgdecl(["apply", "--env", "fleet", "--yes", "--continue"], proj, env, expect=1).stdout
        assert "Stopped" not in text and "1 failed" in text and "skipped" not in text, text
        r = pgdecl(["apply", "--env", "fleet", "--yes", "--continue", "--format", "json"], proj, env, expect=1)
        out = _by_index(r.stdout)
        assert [i for i, t in out.items() if t["outcome"] != "unchanged"] == [bad]  # the rest resumed converged

        with psycopg.connect(dbs[bad - 1].conninfo, autocommit=True) as conn:
            conn.execute("DELETE FROM accounts WHERE id = 2")
        r = pgdecl(["apply", "--env", "fleet", "--yes", "--format", "json"], proj, env, expect=0)
        assert [i for i, t in _by_index(r.stdout).items() if t["outcome"] == "applied"] == [bad]


def test_a_failing_canary_stops_everything_even_with_continue(tmp_path: Path, server, admin) -> None:
    env = _env(server)
    with databases(admin, 6) as dbs:
        with psycopg.connect(dbs[1].conninfo, autocommit=True) as conn:
            conn.execute("CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL);"
                         "INSERT INTO accounts VALUES (1, 'x'), (2, 'x')")
        urls = ", ".join(json.dumps(_with_password(d)) for d in dbs)
        proj = _project(tmp_path, f"[env.fleet]\nurls = [{urls}]\nallow_hazards = [\"long_lock\"]\n")
        r = pgdecl(["apply", "--env", "fleet", "--yes", "--canary", "2", "--continue", "--format", "json"], proj,
                   env, expect=1)
        out = _by_index(r.stdout)
        assert out[2]["outcome"] == "failed" and out[2]["canary"]
        assert [out[i]["outcome"] for i in range(3, 7)] == ["skipped"] * 4
        assert "canary target #2" in json.loads(r.stdout)["stopped"]
        text = pgdecl(["apply", "--env", "fleet", "--yes", "--canary", "2"], proj, env, expect=1).stdout
        assert "Stopped after canary target #2" in text and "4 skipped" in text, text


def test_urls_command_lists_the_fleet_and_its_failures_are_clear(tmp_path: Path, server, admin) -> None:
    env = _env(server)
    with databases(admin, 3) as dbs:
        proj = _project(tmp_path, '[env.fleet]\nurls_command = "python3 list_dbs.py --env prod"\n'
                                  'allow_hazards = ["data_loss"]\n')
        (proj / "list_dbs.py").write_text(
            "import sys\nassert sys.argv[1:] == ['--env', 'prod'], sys.argv\n"
            + "".join(f"print({_with_password(d)!r})\n" for d in dbs))
        r = pgdecl(["apply", "--env", "fleet", "--yes"], proj, env, expect=0)
        assert "3 applied" in r.stdout and all(d.dbname in r.stdout for d in dbs)
        assert all(_history(d) == [(1, "applied")] for d in dbs)
        # the env's allow_hazards apply to every target: dropping a column (data_loss) goes through
        (proj / "schema" / "app.yaml").write_text(SPEC.replace("      body: {type: text, nullable: false, "
                                                               "default: \"''\"}\n", ""))
        r = pgdecl(["apply", "--env", "fleet", "--yes", "--format", "json"], proj, env, expect=0)
        assert {(t["outcome"], tuple(t["hazards"])) for t in json.loads(r.stdout)["targets"]} == \
            {("applied", ("data_loss",))}, r.stdout

        (proj / "list_dbs.py").write_text("import sys\nprint('postgresql://u:" + PASSWORD + "@nowhere/db "
                                          "refused', file=sys.stderr)\nsys.exit(3)\n")
        err = pgdecl(["plan", "--env", "fleet"], proj, env, expect=1).stderr
        assert "urls_command python3 exited 3" in err and "***" in err, err
        (proj / "pgdecl.toml").write_text('[env.fleet]\nurls_command = "no-such-command-xyz"\n')
        assert "command not found" in pgdecl(["plan", "--env", "fleet"], proj, env, expect=1).stderr


def test_a_password_is_never_printed_even_when_a_target_cannot_be_reached(tmp_path: Path, server, admin) -> None:
    env = _env(server)
    with databases(admin, 1) as dbs:
        gone = make_conninfo(admin.with_dbname("fleet_no_such_db").conninfo, password=PASSWORD)
        proj = _project(tmp_path, "[env.fleet]\nurls = [" + json.dumps(_with_password(dbs[0])) + ", "
                        + json.dumps(gone) + "]\n")
        r = pgdecl(["plan", "--env", "fleet"], proj, env, expect=1)  # pgdecl() asserts the password is absent
        assert "fleet_no_such_db" in r.stdout and "failed" in r.stdout, r.stdout
        assert "[2/2] " in r.stderr and "fleet_no_such_db" in r.stderr, r.stderr  # its progress line too
        pgdecl(["apply", "--env", "fleet", "--yes", "--canary", "0", "--continue"], proj, env, expect=1)
        pgdecl(["status", "--env", "fleet", "--format", "json"], proj, env, expect=1)


@pytest.mark.parametrize("toml, message", [
    ('[env.f]\nurls = []\n', "non-empty list"),
    ('[env.f]\nurls = ["postgresql://a@h/x", "postgresql://a:pw@h/x"]\n', "listed twice"),
    ('[env.f]\nurls_file = "missing.txt"\n', "missing.txt"),
    ('[env.f]\nurl = "postgresql://h/x"\nurls_file = "t.txt"\n', "not url and urls_file"),
])
def test_fleet_config_mistakes_are_clear(tmp_path: Path, server, toml: str, message: str) -> None:
    proj = _project(tmp_path, toml)
    r = pgdecl(["plan", "--env", "f"], proj, _env(server), expect=1)
    assert message in r.stderr and "pgdecl.toml" in r.stderr or message in r.stderr, r.stderr


def _on_a_terminal(args: list[str], proj: Path, env: dict[str, str], answer: str) -> subprocess.CompletedProcess[str]:
    """pgdecl with a terminal as standard input, answering the confirmation with `answer`."""
    import pty

    master, slave = pty.openpty()
    try:
        os.write(master, answer.encode() + b"\n")
        r = subprocess.run([str(BIN / "pgdecl"), *args], cwd=proj, env=env, stdin=slave, capture_output=True,
                           text=True, timeout=300)
    finally:
        os.close(slave)
        os.close(master)
    assert "Traceback" not in r.stderr and PASSWORD not in r.stdout + r.stderr, r.stderr
    return r


def test_without_yes_the_fleet_is_planned_shown_and_confirmed_once(tmp_path: Path, server, admin) -> None:
    env = _env(server)
    with databases(admin, 3) as dbs:
        proj = _project(tmp_path, '[env.fleet]\nurls_file = "tenants.txt"\n')
        _urls_file(proj, dbs)
        refused = _on_a_terminal(["apply", "--env", "fleet"], proj, env, "n")
        assert refused.returncode == 1 and "Plan 1 of 1, for 3 target(s) (#1, #2, #3)" in refused.stdout
        assert "Apply to 3 target(s) of env fleet?" in refused.stdout and "Not applied." in refused.stdout
        for d in dbs:
            with psycopg.connect(d.conninfo) as conn:
                assert conn.execute("SELECT to_regclass('pgdecl.history')").fetchone()[0] is None
        ok = _on_a_terminal(["apply", "--env", "fleet"], proj, env, "y")
        assert ok.returncode == 0 and "3 applied" in ok.stdout, ok.stdout
        assert all(_history(d) == [(1, "applied")] for d in dbs)
        no_tty = pgdecl(["apply", "--env", "fleet"], proj, env, expect=1)
        assert "pass --yes" in no_tty.stderr
