"""Faults of the server under pgdecl: the server stopped as by a crash in the middle of an apply,
binaries replaced under a running local server, scratch databases left by a killed plan."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import psycopg
import pytest

from faults import CUSTOMERS_V2, V1, history
from faults import project as _project
from pgdecl.apply import PAUSE_ENV, PAUSE_FILE_ENV
from pgdecl.db import Database, connect
from pgdecl.plan import make_plan
from pgdecl.server import LocalServer

V2 = CUSTOMERS_V2 + """\
    indexes:
      - columns: [email]
  visits:
    columns:
      id: {type: bigint, primary_key: true}
      customer_id: {type: bigint, references: customers}
"""


@pytest.fixture(scope="module")
def own_server() -> Iterator[LocalServer]:
    """A server of this module's own: the tests stop it as a crash would."""
    home = Path("/var/tmp" if os.geteuid() == 0 else "/tmp") / f"pgdecl-faults-{secrets.token_hex(4)}"
    s = LocalServer(home=home)
    s.ensure_running()
    yield s
    s.stop()
    shutil.rmtree(home, ignore_errors=True)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "DATABASE_URL"}
    env.update(extra)
    return env


def _cli(args: list[str], env: dict[str, str], **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "pgdecl.cli", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


def _history(db: Any) -> list[tuple[Any, ...]]:
    return history(db, "outcome, main_committed, post_done")


def _wait_for(path: Path, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the apply never reached the boundary"
        time.sleep(0.05)


@pytest.mark.parametrize("where", ["main", "post"])
def test_server_stopped_mid_apply(tmp_path: Path, own_server: LocalServer, where: str) -> None:
    """`pg_ctl stop -m immediate` while an apply runs: a clean error, no traceback; after the
    restart the next apply finishes the job and the history says interrupted, then applied."""
    admin = Database(own_server.conninfo(), local=True)
    name = f"crash_{where}_{secrets.token_hex(3)}"
    with connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    db = admin.with_dbname(name)
    common = ["--database-url", db.conninfo, "--dev-url", admin.conninfo, "--yes"]
    v1, v2 = _project(tmp_path, "v1", V1), _project(tmp_path, "v2", V2)
    assert subprocess.run([sys.executable, "-m", "pgdecl.cli", "apply", str(v1), *common], env=_env(),
                          capture_output=True, text=True).returncode == 0
    with psycopg.connect(db.conninfo, autocommit=True) as conn:
        conn.execute("INSERT INTO customers SELECT g, 'c' || g, g FROM generate_series(1, 100) g")
    plan = make_plan(v2, db.conninfo, admin.conninfo, server=own_server)
    phases = [s.phase for s in plan.steps]
    n_main = phases.count("main")
    boundary = 1 if where == "main" else n_main + 1  # inside the main transaction / after a post step
    flag = tmp_path / f"paused-{where}"
    proc = _cli(["apply", str(v2), *common], _env(**{PAUSE_ENV: str(boundary), PAUSE_FILE_ENV: str(flag)}))
    _wait_for(flag, proc)
    own_server.stop(mode="immediate")
    flag.unlink()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, out + err
    assert "Traceback" not in err
    assert "the connection to the database was lost" in err
    assert "still reads 'running' (the next `pgdecl apply` marks it interrupted)" in err
    own_server.ensure_running()
    assert _history(db)[-1][:2] == ("running", where == "post")  # the main commit landed or not
    again = subprocess.run([sys.executable, "-m", "pgdecl.cli", "apply", str(v2), *common], env=_env(),
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stdout + again.stderr
    assert [h[0] for h in _history(db)] == ["applied", "interrupted", "applied"]
    assert make_plan(v2, db.conninfo, admin.conninfo, server=own_server).empty
    with psycopg.connect(db.conninfo) as conn:
        assert conn.execute("SELECT count(*) FROM customers").fetchone() == (100,)


def test_binaries_changed_under_a_running_server_restart_it(own_server: LocalServer, capfd) -> None:
    own_server.ensure_running()
    before = own_server.pid()
    assert before is not None
    own_server.ensure_running()  # same binaries: left alone, nothing said
    assert own_server.pid() == before and "restarting" not in capfd.readouterr().err
    real = own_server.fingerprint()
    fake = "/usr/lib/postgresql/15/bin/postgres:12345:1"  # what an upgraded package would have left
    own_server.started_file.write_text(f'{{"binary": "{fake}"}}')
    own_server.ensure_running()
    err = capfd.readouterr().err
    assert f"the PostgreSQL binaries of the local server changed since it started (was {fake}, now {real}); " \
           "restarting it" in err
    after = own_server.pid()
    assert after is not None and after != before
    with psycopg.connect(own_server.conninfo()) as conn:  # it answers again
        assert conn.execute("SELECT 1").fetchone() == (1,)
    assert '"binary"' in own_server.started_file.read_text() and real in own_server.started_file.read_text()


def _scratch_names(admin: Database) -> list[str]:
    with connect(admin, autocommit=True) as conn:
        return [r[0] for r in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'pgdecl\\_scratch\\_%'")]


def _kill_during_scratch_build(tmp_path: Path, own_server: LocalServer, project: Path, admin: Database) -> str:
    """A `pgdecl plan` killed with SIGKILL while its scratch database exists; returns its name."""
    flag = tmp_path / "scratch-built"
    env = _env(PGDECL_NO_CACHE="1", PGDECL_HOME=str(own_server._home), **{"PGDECL_FAULT_PAUSE_SCRATCH": str(flag)})
    proc = _cli(["plan", str(project), "--database-url", admin.with_dbname("postgres").conninfo], env)
    _wait_for(flag, proc)
    [name] = _scratch_names(admin)
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 10  # the killed client's backend exits when it sees the socket closed
    while time.monotonic() < deadline:
        with connect(admin, autocommit=True) as conn:
            if not conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (name,)).fetchone()[0]:
                break
        time.sleep(0.1)
    assert _scratch_names(admin) == [name]  # left behind
    return name


def test_scratch_left_by_a_killed_plan_is_swept_by_the_next_run(tmp_path: Path, own_server: LocalServer) -> None:
    admin = Database(own_server.ensure_running(), local=True)
    project = _project(tmp_path, "v1", V1)
    name = _kill_during_scratch_build(tmp_path, own_server, project, admin)
    env = _env(PGDECL_HOME=str(own_server._home))  # the next run: a cached desired side, no build of its own
    listed = subprocess.run([sys.executable, "-m", "pgdecl.cli", "server", "scratch"], env=env, capture_output=True,
                            text=True, timeout=120)
    assert listed.returncode == 0 and f"{name} " in listed.stdout and "left behind" in listed.stdout, listed.stderr
    again = subprocess.run([sys.executable, "-m", "pgdecl.cli", "plan", str(project), "--database-url",
                            admin.with_dbname("postgres").conninfo], env=env, capture_output=True, text=True,
                           timeout=300)
    assert again.returncode == 2, again.stdout + again.stderr
    assert _scratch_names(admin) == []


def test_server_clean_drops_scratch_left_behind_and_keeps_one_in_use(tmp_path: Path, own_server: LocalServer) -> None:
    from pgdecl.scratch import scratch_database

    admin = Database(own_server.ensure_running(), local=True)
    name = _kill_during_scratch_build(tmp_path, own_server, _project(tmp_path, "v1", V1), admin)
    env = _env(PGDECL_HOME=str(own_server._home))
    with scratch_database(admin) as live_one:  # another run's, still working: its lock keeps it
        out = subprocess.run([sys.executable, "-m", "pgdecl.cli", "server", "clean"], env=env, capture_output=True,
                             text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        assert f"dropped {name}" in out.stdout and f"kept {live_one.dbname} (in use)" in out.stdout
        assert _scratch_names(admin) == [live_one.dbname]
    assert _scratch_names(admin) == []


def test_wrong_password_is_a_clean_error_without_the_password(tmp_path: Path, own_server: LocalServer) -> None:
    """A server asking for passwords (scram for this role on the socket), given a wrong one."""
    admin = Database(own_server.ensure_running(), local=True)
    hba = own_server.data / "pg_hba.conf"
    original = hba.read_text()
    with connect(admin, autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS pw_user")
        conn.execute("CREATE ROLE pw_user LOGIN PASSWORD 'right-one'")
    hba.write_text("local all pw_user scram-sha-256\n" + original)
    try:
        with connect(admin, autocommit=True) as conn:
            conn.execute("SELECT pg_reload_conf()")
        time.sleep(0.5)
        url = admin.with_dbname("postgres").conninfo + " user=pw_user password=wrong-sekret-7"
        out = subprocess.run([sys.executable, "-m", "pgdecl.cli", "plan", str(_project(tmp_path, "v1", V1)),
                              "--database-url", url, "--dev-url", admin.conninfo], env=_env(), capture_output=True,
                             text=True, timeout=120)
        assert out.returncode == 1, out.stdout + out.stderr
        assert "Traceback" not in out.stderr and "wrong-sekret-7" not in out.stdout + out.stderr
        assert 'password authentication failed for user "pw_user"' in out.stderr
        assert out.stderr.startswith("error: cannot connect to postgresql://pw_user@")
    finally:
        hba.write_text(original)
        with connect(admin, autocommit=True) as conn:
            conn.execute("SELECT pg_reload_conf()")
            conn.execute("DROP ROLE IF EXISTS pw_user")
