"""pgdecl.diff.inspect runs schemainspect's catalog queries at once on several plain psycopg connections
sharing one snapshot: it must give exactly the objects schemainspect's own one-connection inspector gives
through a SQLAlchemy engine, as migra runs it."""

from __future__ import annotations

import pickle

import pytest
from conftest import ROOT, fresh_database

from pgdecl import diff
from pgdecl.desired import desired_from_specs
from pgdecl.scratch import load

PROPS = ("schemas", "relations", "tables", "views", "functions", "selectables", "sequences", "constraints",
         "indexes", "enums", "extensions", "privileges", "collations", "triggers", "rlspolicies", "domains",
         "deps")


def _reference(db) -> object:
    import sqlalchemy
    from schemainspect import get_inspector

    from pgdecl.db import connect

    engine = sqlalchemy.create_engine("postgresql+psycopg://", creator=lambda: connect(db),
                                      poolclass=sqlalchemy.pool.NullPool)
    try:
        with engine.connect() as conn:
            return get_inspector(conn, exclude_schema=diff.HISTORY_SCHEMA)
    finally:
        engine.dispose()


def _assert_same(parallel: object, reference: object) -> None:
    for prop in PROPS:
        mine, theirs = getattr(parallel, prop), getattr(reference, prop)
        if isinstance(theirs, dict):
            assert list(mine) == list(theirs), prop
            assert [k for k in theirs if mine[k] != theirs[k]] == [], prop
        else:
            assert mine == theirs, prop


@pytest.fixture(scope="module")
def marketplace_db(admin):
    with fresh_database(admin) as db:
        load(db, desired_from_specs(ROOT / "schema").rendered)
        yield db


def test_parallel_inspection_equals_schemainspect(marketplace_db) -> None:
    parallel = diff.inspect(marketplace_db)
    assert len(parallel.tables) > 10 and parallel.constraints and parallel.indexes  # a real schema was read
    _assert_same(parallel, _reference(marketplace_db))
    # the snapshot holds no connection and survives the plan cache's pickling
    _assert_same(pickle.loads(pickle.dumps(parallel)), _reference(marketplace_db))


def test_one_connection_when_no_more_can_be_opened(marketplace_db, monkeypatch: pytest.MonkeyPatch) -> None:
    import psycopg

    def refuse(self: object) -> object:
        raise psycopg.OperationalError("too many connections")

    monkeypatch.setattr(diff._ParallelInspector, "_prefetch", refuse)
    _assert_same(diff.inspect(marketplace_db), _reference(marketplace_db))
