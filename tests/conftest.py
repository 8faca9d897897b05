"""Shared fixtures. Tests under tests/db/ are marked `db` and run against pgdecl's own private
PostgreSQL server (started on demand in a per-session directory); tests/unit/ need no database."""

from __future__ import annotations

import os
import secrets
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import psycopg
import pytest

ROOT = Path(__file__).resolve().parent.parent
# kept in the repository, so a clone anywhere is complete: migra's public fixture pairs (Unlicense)
# and the seed descriptions of the e-commerce database (copies of ../shared/)
CONFORMANCE_DIR = ROOT / "tests" / "conformance" / "migra"
SEEDS_DIR = ROOT / "tests" / "fixtures" / "seeds"


def pytest_configure(config: pytest.Config) -> None:
    """The plan cache of this test session lives in a directory of its own, never the user's."""
    import tempfile

    if not os.environ.get("PGDECL_CACHE_DIR"):
        os.environ["PGDECL_CACHE_DIR"] = tempfile.mkdtemp(prefix="pgdecl-test-cache-")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "/tests/db/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.db)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory):
    """pgdecl's LocalServer in a private directory of this test session (PGDECL_TEST_HOME to reuse one)."""
    from pgdecl.server import LocalServer

    home = os.environ.get("PGDECL_TEST_HOME")
    if home:
        path = Path(home)
    else:
        path = Path("/var/tmp" if os.geteuid() == 0 else tmp_path_factory.getbasetemp()) / f"pgdecl-test-{secrets.token_hex(4)}"
    s = LocalServer(home=path)
    s.ensure_running()
    yield s
    if not home:
        s.stop()
        import shutil

        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def admin(server):
    from pgdecl.db import Database

    return Database(server.conninfo(), local=True)


# -- the same tests on several PostgreSQL versions (tests/pg_versions.py) ---------------------------------

def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test using `pg_version` (or `pg_server`, `pg_admin`) runs once per server version, ids `pg15.18`..."""
    if "pg_version" in metafunc.fixturenames:
        from pg_versions import server_versions

        versions = server_versions()
        metafunc.parametrize("pg_version", versions, ids=[f"pg{v.label}" for v in versions], indirect=True,
                             scope="session")


@pytest.fixture(scope="session")
def pg_version(request: pytest.FixtureRequest):
    """The pg_versions.ServerVersion this run of the test is for."""
    return request.param


@pytest.fixture(scope="session")
def pg_server(pg_version, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A LocalServer of `pg_version`'s binaries: the session's `server` for the machine's own, else one
    started in a private directory and stopped when the tests of that version are done."""
    from pgdecl.server import Binaries, LocalServer

    if pg_version.missing:
        pytest.fail(pg_version.missing)
    if pg_version.system:
        yield request.getfixturevalue("server")
        return
    base = Path("/var/tmp" if os.geteuid() == 0 else tmp_path_factory.getbasetemp())
    path = base / f"pgdecl-test-{secrets.token_hex(4)}-pg{pg_version.label}"
    s = LocalServer(home=path, binaries=Binaries(pg_version.bindir, int(pg_version.label.split(".")[0]),
                                                 pg_version.source))
    s.ensure_running()
    yield s
    s.stop()
    import shutil

    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_admin(pg_server):
    from pgdecl.db import Database

    return Database(pg_server.conninfo(), local=True)


@contextmanager
def fresh_database(admin, prefix: str = "t_", template=None) -> Iterator:
    """A fresh database on the test server, dropped afterwards: empty, or a copy of `template`."""
    from pgdecl.db import connect

    name = f"{prefix}{secrets.token_hex(6)}"
    source = f"{template.dbname}" if template is not None else "template0 ENCODING 'UTF8'"
    with connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {source}")
    try:
        yield admin.with_dbname(name)
    finally:
        from pgdecl.engine.kinds.subscriptions import HAS_SUBSCRIPTIONS, release

        with connect(admin, autocommit=True) as conn:
            if conn.execute(HAS_SUBSCRIPTIONS, (name,)).fetchone()[0]:
                with connect(admin.with_dbname(name), autocommit=True) as db_conn:
                    release(db_conn)  # DROP DATABASE refuses while it has subscriptions
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def empty_db(admin) -> Iterator:
    with fresh_database(admin) as db:
        yield db


def run_sql(db, sql: str) -> None:
    with psycopg.connect(db.conninfo, autocommit=True) as conn:
        conn.execute(sql.encode())


@pytest.fixture(scope="session")
def citus_cluster(tmp_path_factory: pytest.TempPathFactory):
    """A Citus coordinator and two workers (tests/citus_cluster.py), stopped at the end of the session.
    Citus missing is a failure, not a skip: CI installs it (.ci/run runs ../shared/citus/install.sh)."""
    from citus_cluster import CitusCluster, citus_installed

    from pgdecl.server import LocalServer

    probe = LocalServer()
    if not citus_installed(probe):
        pytest.fail(f"Citus is not installed for PostgreSQL {probe.binaries.major}: run "
                    "`bash ../shared/citus/install.sh` as root (see /work/shared/citus/README.md)")
    base = Path("/var/tmp" if os.geteuid() == 0 else tmp_path_factory.getbasetemp())
    cluster = CitusCluster(base / f"pgdecl-citus-{secrets.token_hex(4)}")
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture
def citus_db(citus_cluster) -> Iterator:
    """A fresh database on the cluster: Citus in it on every node, the workers added."""
    with citus_cluster.database() as db:
        yield db


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """pgdecl's plan cache switched on, in a directory of this test's own."""
    d = tmp_path / "cache"
    monkeypatch.setenv("PGDECL_CACHE_DIR", str(d))
    monkeypatch.delenv("PGDECL_NO_CACHE", raising=False)
    return d
