"""PostgreSQL 18 names NOT NULL constraints: a partition created by a plan keeps the names the desired
side gave it (pgdecl.partitions.partitions_in_order); the 18 round trips in tests/db prove it end to end."""

from __future__ import annotations

from pgdecl.partitions import partitions_in_order

PARENT = 'create table "public"."payment" (\n  "id" integer not null\n) partition by RANGE (id);'
CHILD = 'create table "public"."payment_1" partition of "public"."payment" FOR VALUES FROM (0) TO (10);\n'


def _desired(names: tuple[str, ...], key: str | None = None) -> dict:
    return {"partition_of": {"public.payment_1": ('"public"."payment"', "FOR VALUES FROM (0) TO (10)", key, names)}}


def test_named_not_null_constraints_go_into_partition_of() -> None:
    out = partitions_in_order([CHILD, PARENT], _desired(('id CONSTRAINT payment_1_id_not_null NOT NULL',)))
    assert out == [PARENT, 'create table "public"."payment_1" partition of "public"."payment" '
                           "(id CONSTRAINT payment_1_id_not_null NOT NULL) FOR VALUES FROM (0) TO (10)"]


def test_without_names_the_statement_is_migras() -> None:
    # before 18, or a partition made with PARTITION OF: nothing to name, migra's text stays
    assert partitions_in_order([CHILD, PARENT], _desired(())) == [PARENT, CHILD]


def test_unlogged_and_sub_partitioned_partition_keep_their_form() -> None:
    child = 'create unlogged table "public"."payment_1" partition of "public"."payment" FOR VALUES FROM (0) TO (10);'
    out = partitions_in_order([child], _desired(("id CONSTRAINT x NOT NULL",), key="LIST (id)"))
    assert out == ['create unlogged table "public"."payment_1" partition of "public"."payment" '
                   "(id CONSTRAINT x NOT NULL) FOR VALUES FROM (0) TO (10) partition by LIST (id)"]
