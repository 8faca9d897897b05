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
from typing import Iterator

import psycopg
import pytest

from pgdecl.apply import PAUSE_ENV, PAUSE_FILE_ENV
from pgdecl.db import Database, connect
from pgdecl.plan import make_plan
from pgdecl.server import LocalServer

V1 = """
tables:
  customers:
    columns:
      id: {type: bigint, primary_key: true}
      email: {type: text, nullable: false}
      score: {type: integer}
"""
V2 = """
tables:
  customers:
    columns:
      id: {type: bigint, primary_key: true}
      email: {type: text, nullable: false}
      score: {type: integer, nullable: false}
      nickname: {type: text}
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


def _project(tmp_path: Path, name: str, spec: str) -> Path:
    d = tmp_path / name
    d.mkdir(exist_ok=True)
    (d / "spec.yaml").write_text(spec)
    return d


def _history(db: Database) -> list[tuple]:
    with psycopg.connect(db.conninfo) as conn:
        return conn.execute("SELECT outcome, main_committed, post_done FROM pgdecl.history ORDER BY id").fetchall()


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
