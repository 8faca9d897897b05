"""pgdecl.db.connect: its sessions run without JIT (pgdecl's catalog reads, run once each, paid more
to compile than they saved), and the connection is as asked: autocommit or not, no transaction open."""

from __future__ import annotations

import psycopg
import pytest

from pgdecl.db import connect

pytestmark = pytest.mark.db


@pytest.mark.parametrize("autocommit", [True, False])
def test_no_jit_and_no_transaction_left_open(admin, autocommit: bool) -> None:  # type: ignore[no-untyped-def]
    with connect(admin, autocommit=autocommit) as conn:
        assert conn.autocommit is autocommit
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        assert conn.execute("SHOW jit").fetchone() == ("off",)
        if not autocommit:  # the first statement opens the caller's transaction, with the isolation it set
            conn.rollback()
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            assert conn.execute("SHOW transaction_isolation").fetchone() == ("repeatable read",)
