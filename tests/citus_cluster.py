"""A three-node Citus cluster for tests: a coordinator and two workers, each a pgdecl LocalServer of its
own (initdb as the unprivileged user, Unix socket in a private directory) with `citus` preloaded.

Citus keeps its node list per database, so every test database is made on all three nodes with the
extension in each, and the workers are added to the coordinator's copy (`CitusCluster.database`).
"""

from __future__ import annotations

import secrets
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import psycopg

from pgdecl.db import Database, connect
from pgdecl.server import PORT, LocalServer

CITUS_CONF = """
shared_preload_libraries = 'citus'
max_connections = 60
max_worker_processes = 16
citus.log_remote_commands = off
"""


def citus_installed(server: LocalServer) -> bool:
    """The Citus extension is built for these server binaries."""
    share = Path("/usr/share/postgresql") / str(server.binaries.major) / "extension" / "citus.control"
    lib = server.binaries.bindir.parent / "lib" / "citus.so"
    return share.exists() and lib.exists()


class CitusNode(LocalServer):
    """A LocalServer whose data directory preloads Citus."""

    def init(self) -> None:
        super().init()
        with open(self.data / "pgdecl.conf", "a") as fh:
            fh.write(CITUS_CONF)


class CitusCluster:
    """A coordinator and workers started in `home`; stopped and removed by `stop`."""

    def __init__(self, home: Path, workers: int = 2) -> None:
        self.home = home
        self.coordinator = CitusNode(home=home / "coordinator")
        self.workers = [CitusNode(home=home / f"worker{i}") for i in range(1, workers + 1)]

    @property
    def nodes(self) -> list[CitusNode]:
        return [self.coordinator, *self.workers]

    def start(self) -> None:
        for node in self.nodes:
            node.ensure_running()

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()
        shutil.rmtree(self.home, ignore_errors=True)

    def admin(self, node: LocalServer, dbname: str = "postgres") -> Database:
        return Database(node.conninfo(dbname), local=False)

    def create_database(self, name: str) -> Database:
        """`name` on every node with the extension, the workers added to the coordinator's copy."""
        for node in self.nodes:
            with connect(self.admin(node), autocommit=True) as conn:
                conn.execute(f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'")
            with psycopg.connect(node.conninfo(name), autocommit=True) as conn:
                conn.execute("CREATE EXTENSION citus")
        with psycopg.connect(self.coordinator.conninfo(name), autocommit=True) as conn:
            conn.execute("SELECT citus_set_coordinator_host(%s, %s)", (str(self.coordinator.socket_dir), PORT))
            for w in self.workers:
                conn.execute("SELECT citus_add_node(%s, %s)", (str(w.socket_dir), PORT))
        return Database(self.coordinator.conninfo(name), local=False)

    def drop_database(self, name: str) -> None:
        for node in self.nodes:
            with connect(self.admin(node), autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    @contextmanager
    def database(self, prefix: str = "citus_") -> Iterator[Database]:
        """A fresh distributed database (on the coordinator), dropped on every node afterwards."""
        name = f"{prefix}{secrets.token_hex(5)}"
        try:
            yield self.create_database(name)
        finally:
            self.drop_database(name)
