"""Diff: the one module that imports migra. Inspects two databases and lists the statements
that turn the live one into the desired one."""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from typing import Any, Iterator

from .db import Database, connect

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import sqlalchemy
    from migra import Migration
    from schemainspect import get_inspector

HISTORY_SCHEMA = "pgdecl"  # pgdecl's own bookkeeping, never part of a user's schema


@contextmanager
def _sa_connection(db: Database) -> Iterator[Any]:
    engine = sqlalchemy.create_engine("postgresql+psycopg://", creator=lambda: connect(db),
                                      poolclass=sqlalchemy.pool.NullPool)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def inspect(db: Database) -> Any:
    """A schemainspect snapshot of one database (pgdecl's own schema left out)."""
    with _sa_connection(db) as conn:
        return get_inspector(conn, exclude_schema=HISTORY_SCHEMA)


def changes(live: Any, desired: Any, privileges: bool = True) -> list[str]:
    """Statements (as migra writes them) that make `live` look like `desired`."""
    m = Migration(live, desired, exclude_schema=HISTORY_SCHEMA)
    m.set_safety(False)
    m.add_all_changes(privileges=privileges)
    return [s.strip().rstrip(";").strip() for s in m.statements if s.strip()]
