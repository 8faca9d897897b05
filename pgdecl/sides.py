"""The two sides of a diff, read from their databases: migra's snapshot plus pgdecl's own catalog reads.

Each side is read once per plan, its independent reads in parallel on separate connections (the
server works on one while Python builds objects from another). The desired side is built in a scratch
database and cached (pgdecl.cache) by the hash of its DDL and the server's version: an unchanged
spec is neither reloaded nor re-inspected.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator

from . import cache, catalog_diff
from .catalog import check_constraints, column_types, invalid_indexes, live_fingerprint, role_statements
from .db import Database, connect
from .engine import graph as depgraph
from .engine.graph import Graph
from .model import Project
from .render import Rendered
from .scratch import drop_roles, load, scratch_database, sweep


@dataclass
class Side:
    """One side of a diff, as read from its database."""

    schema: Any                                   # migra's (schemainspect's) snapshot
    extra: dict[str, Any]                         # pgdecl.catalog_diff.snapshot: what migra misses
    checks: dict[tuple[str, str], bool]           # CHECK and FK constraints -> validated
    types: dict[tuple[str, str], str] = field(default_factory=dict)  # (table, column) -> type
    invalid: dict[str, str] = field(default_factory=dict)            # INVALID indexes
    fingerprint: str = ""                         # live side: pgdecl.catalog.live_fingerprint
    roles: list[str] = field(default_factory=list)  # live side: role statements the cluster lacks
    graph: Graph | None = None                    # desired side: pg_depend (live: read when a plan drops)


def _fingerprint(db: Database) -> str:
    with connect(db) as conn:
        return live_fingerprint(conn)


def load_diff() -> None:
    """Import pgdecl.diff (migra, SQLAlchemy: most of a plan's import time) before any worker thread
    reads a side: imports must not race. A plan found in the cache (pgdecl.plan_cache) never needs it."""
    from . import diff  # noqa: F401


def read(db: Database, project: Project | None = None, live: bool = True, fingerprint: bool = True) -> Side:
    """Read one side. The live side also gets its fingerprint (unless not `fingerprint`), column types,
    INVALID indexes and the role statements `project` needs; the desired side only what the diff
    compares. Call load_diff() first when this runs in a worker thread."""
    from .diff import inspect

    with ThreadPoolExecutor(max_workers=2) as pool:
        schema = pool.submit(inspect, db)
        # the live side's fingerprint, or the desired side's dependency graph, on a connection of its own
        other: Future[Any] | None = pool.submit(_graph, db) if not live else \
            pool.submit(_fingerprint, db) if fingerprint else None
        with connect(db) as conn:
            side = Side(schema=None, extra=catalog_diff.snapshot(conn), checks=check_constraints(conn))
            if live:
                side.types, side.invalid = column_types(conn), invalid_indexes(conn)
                side.roles = role_statements(conn, project) if project is not None else []
            conn.rollback()
        side.schema = schema.result()
        if not live:
            side.graph = other.result() if other is not None else None
        elif other is not None:
            side.fingerprint = other.result()
    return side


def _graph(db: Database) -> Graph:
    with connect(db) as conn:
        return depgraph.read(conn)


def server_version(db: Database, sweep_scratch: bool = False) -> str:
    """The server's version; with `sweep_scratch`, on the same connection, scratch databases left
    by killed runs are dropped (pgdecl.scratch.sweep)."""
    with connect(db, autocommit=True) as conn:
        version = str(conn.execute("SELECT version()").fetchone()[0])  # type: ignore[index]
        if sweep_scratch:
            sweep(db, conn)
        return version


class DesiredSide:
    """The desired side of a plan: from the cache when the same DDL was inspected on the same server
    version before, else built in a scratch database (kept open until `close`, for renames)."""

    def __init__(self, admin: Database, rendered: Rendered) -> None:
        self.admin, self.rendered = admin, rendered
        self._stack = ExitStack()
        self._scratch: Database | None = None
        self._key: str | None = None
        self.from_cache = False
        self._dropping: threading.Thread | None = None
        self._drop_error: BaseException | None = None

    def _build(self) -> Database:
        from . import progress

        created: set[str] = set()
        # roles are cluster-wide: those the load made are dropped after the scratch database (LIFO)
        self._stack.callback(drop_roles, self.admin, created)
        db = self._stack.enter_context(scratch_database(self.admin))
        with progress.step(f"building the desired schema in a scratch database ({len(self.rendered.statements)} "
                           "statements)"):
            created |= load(db, self.rendered)
        return db

    def key(self) -> str:
        """The cache key of this desired side: its DDL and the server's version (asked once; scratch
        databases that killed runs left are swept then)."""
        if self._key is None:
            self._key = cache.key("desired", self.rendered.sha256(), server_version(self.admin, sweep_scratch=True))
        return self._key

    def read(self) -> Side:
        load_diff()
        k = self.key()
        side: Side | None = cache.get("desired", k)
        if side is not None:
            self.from_cache = True
            return side
        self._scratch = self._build()
        side = read(self._scratch, live=False)
        cache.put("desired", k, side)
        return side

    @contextmanager
    def scratch(self) -> Iterator[Database]:
        """A scratch database holding the desired schema, which the caller may change (renames are
        undone in it): the one the side was read from, or a new one when it came from the cache."""
        if self._scratch is None:
            self._scratch = self._build()
        yield self._scratch

    def release(self) -> None:
        """The scratch database will not be asked for again (no rename is undone in it): dropped on a
        thread of its own while the plan goes on (dropping 10,000 tables takes seconds); `close`
        waits for it and raises what it raised."""
        if self._scratch is None or self._dropping is not None:
            return
        stack, self._stack, self._scratch = self._stack, ExitStack(), None

        def drop() -> None:
            try:
                stack.close()
            except BaseException as e:  # noqa: BLE001 - raised again by close()
                self._drop_error = e

        self._dropping = threading.Thread(target=drop, name="pgdecl-drop", daemon=True)
        self._dropping.start()

    def close(self) -> None:
        try:
            self._stack.close()
        finally:
            if self._dropping is not None:
                self._dropping.join()
                self._dropping = None
        if self._drop_error is not None:
            error, self._drop_error = self._drop_error, None
            raise error

    def __enter__(self) -> "DesiredSide":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
