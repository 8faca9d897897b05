"""examples/marketplace-citus on the three-node Citus cluster: `pgdecl apply` deploys it and plans
again empty; the seed's example queries (examples/queries/*.sql, each as the role its file names)
give the same rows there as on a single PostgreSQL server holding the same schema without Citus and
the same data (deterministic ids and times, one anchor instant for both)."""

from __future__ import annotations

import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import pglast
import psycopg
import pytest
from conftest import fresh_database
from psycopg import sql

from pgdecl.apply import apply
from pgdecl.catalog import role_statements
from pgdecl.desired import desired_from_specs
from pgdecl.plan import make_plan
from pgdecl.scratch import load

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import marketplace as m  # noqa: E402

pytestmark = pytest.mark.citus

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "marketplace-citus"
QUERIES = ROOT / "examples" / "queries"

# Deterministic rows: ids from md5 of a label, times as offsets (whole days and a half) from an anchor
# instant given as {t0}, far from the day and month edges the queries cut at.
DATA_SQL = """
INSERT INTO users (id, email, password_hash, name, role, created_at)
SELECT md5('customer' || i)::uuid, format('customer-%s@example.com', i), 'x', format('Customer %s', i), 'customer',
       {t0} - interval '5 years' FROM generate_series(1, 200) AS i;
INSERT INTO users (id, email, password_hash, name, role, created_at)
SELECT md5('seller' || i)::uuid, format('seller-%s@example.com', i), 'x', format('Seller %s', i), 'seller',
       {t0} - interval '5 years' FROM generate_series(1, 20) AS i;
INSERT INTO categories (id, name, slug)
SELECT md5('category' || i)::uuid, format('Category %s', i), format('category-%s', i) FROM generate_series(1, 10) AS i;
WITH w AS (SELECT array['red', 'blue', 'green', 'large', 'small', 'classic', 'modern', 'wooden', 'steel', 'cotton',
                        'chair', 'table', 'shirt', 'mug', 'bottle', 'backpack', 'watch', 'speaker', 'blanket',
                        'candle'] AS w)
INSERT INTO products (id, seller_id, category_id, name, slug, description, short_description, price, status,
                      visibility, deleted_at, track_inventory, stock_quantity, view_count, tags, created_at)
SELECT md5('product' || i)::uuid, md5('seller' || (1 + i % 20))::uuid, md5('category' || (1 + (i / 7) % 10))::uuid,
       initcap(w.w[1 + i % 10] || ' ' || w.w[11 + (i / 10) % 10]) || ' ' || i,
       format('product-%s', i),
       'A ' || w.w[1 + (i / 3) % 10] || ' ' || w.w[11 + i % 10] || ' for every day.',
       w.w[1 + (i / 5) % 10] || ' ' || w.w[11 + (i / 2) % 10],
       ((i * 7919) % 20000) / 100.0 + 1,
       (CASE i % 20 WHEN 0 THEN 'draft' WHEN 1 THEN 'inactive' ELSE 'active' END)::product_status,
       (CASE WHEN i % 50 = 3 THEN 'private' ELSE 'public' END)::product_visibility,
       CASE WHEN i % 33 = 4 THEN {t0} - interval '10 days' END,
       false, 100, (i * 31) % 1000, ARRAY[w.w[1 + (i / 11) % 10]],
       {t0} - i * interval '1 day' - interval '12 hours'
  FROM generate_series(1, 600) AS i, w;
INSERT INTO orders (id, user_id, status, payment_status, subtotal, total_amount, billing_address, shipping_address,
                    created_at)
SELECT md5('order' || i)::uuid, md5('customer' || (1 + (i * 13) % 200))::uuid,
       (array['delivered', 'confirmed', 'shipped', 'processing', 'pending'])[1 + i % 5]::order_status,
       'paid', 20 + i % 7, 20 + i % 7, '{{}}', '{{}}', {t0} - (i % 420) * interval '1 day' - interval '12 hours'
  FROM generate_series(1, 900) AS i;
INSERT INTO order_items (id, order_id, product_id, seller_id, product_name, quantity, unit_price, total_price,
                         commission_rate, commission_amount, seller_amount, status, product_snapshot, created_at)
SELECT md5('item' || i)::uuid, o.id, p.id, p.seller_id, p.name, 1 + i % 3, 10, 10 * (1 + i % 3), 0.1, (1 + i % 3),
       9 * (1 + i % 3), (CASE WHEN i % 9 = 0 THEN 'cancelled' ELSE 'delivered' END)::order_item_status,
       jsonb_build_object('name', p.name), o.created_at
  FROM generate_series(1, 1800) AS i
  JOIN orders AS o ON o.id = md5('order' || (1 + i % 900))::uuid
  JOIN products AS p ON p.id = md5('product' || (1 + (i * 7) % 600))::uuid;
"""

def _md5_uuid(label: str) -> uuid.UUID:
    import hashlib

    return uuid.UUID(hashlib.md5(label.encode()).hexdigest())


def _cases() -> dict[str, tuple[tuple[Any, ...], str, uuid.UUID | None]]:
    """Each query's parameters and the role (and user) it runs as, as its file says."""
    seller = _md5_uuid("seller16")  # one with sales in the last 30 days
    return {
        "filtered_listing": ((_md5_uuid("category2"), 1, 150, "infinity", uuid.UUID(int=2**128 - 1)), "ecommerce_app",
                             None),
        "monthly_revenue": ((), "ecommerce_analytics", None),
        "ranked_search": (("red chair",), "ecommerce_app", None),
        "related_products": ((_md5_uuid("product14"),), "ecommerce_app", None),
        "seller_dashboard": ((seller,), "ecommerce_app", seller),
        "top_products": ((), "ecommerce_analytics", None),
    }


def _query_names() -> list[str]:
    return sorted(p.stem for p in QUERIES.glob("*.sql"))


def _statements(name: str) -> list[str]:
    return list(pglast.split((QUERIES / f"{name}.sql").read_text()))


def _privileges(project_dir: Path) -> list[str]:
    """The rendered grants and revokes (apply leaves some out: see tests/marketplace.py)."""
    rendered = desired_from_specs(project_dir).rendered.statements
    return [s.sql for s in rendered if s.kind in ("grant", "default privileges")
            or s.sql.lstrip().upper().startswith(("GRANT ", "REVOKE "))]


def _fill(conninfo: str, t0: datetime) -> None:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for statement in _privileges(EXAMPLE):
            conn.execute(statement.encode())
        with conn.transaction():
            conn.execute(DATA_SQL.format(t0=sql.Literal(t0).as_string(conn)).encode())


def _rows(conninfo: str, name: str) -> list[list[tuple]]:
    """The rows of each statement of the query file, PREPAREd and EXECUTEd with its $n parameters."""
    params, role, user = _cases()[name]
    out = []
    with psycopg.connect(conninfo, autocommit=True, prepare_threshold=None) as conn:
        for i, statement in enumerate(_statements(name)):
            used = params[: _max_param(statement)]
            args = sql.SQL("({})").format(sql.SQL(", ").join(map(sql.Literal, used))) if used else sql.SQL("")
            with conn.transaction(force_rollback=True), m.acting_as(conn, user, role):
                conn.execute(sql.SQL("PREPARE {} AS ").format(sql.Identifier(f"q{i}")) + sql.SQL(statement))
                out.append(conn.execute(sql.SQL("EXECUTE {}{}").format(sql.Identifier(f"q{i}"), args)).fetchall())
            conn.execute(sql.SQL("DEALLOCATE {}").format(sql.Identifier(f"q{i}")))
    return out


def _max_param(statement: str) -> int:
    import re

    return max((int(x) for x in re.findall(r"\$(\d+)", statement)), default=0)


@pytest.fixture(scope="module")
def deployments(citus_cluster, admin, tmp_path_factory) -> Iterator[tuple[Any, Any]]:
    """(the Citus deployment, the same schema and data on one plain server)."""
    desired = desired_from_specs(EXAMPLE)
    t0 = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)  # rows at noon UTC
    with citus_cluster.database("mkt_") as citus_db, fresh_database(admin, "t_mkt_plain_") as plain:
        result = apply(str(EXAMPLE), database_url=citus_db.conninfo, allowed_hazards={"security"})
        assert result.after is not None and result.after.empty
        with psycopg.connect(plain.conninfo, autocommit=True) as conn:  # roles are the cluster's
            for statement in role_statements(conn, desired.project):
                conn.execute(statement.encode())
        load(plain, desired.rendered)
        for db in (citus_db, plain):
            _fill(db.conninfo, t0)
        yield citus_db, plain


def test_example_is_distributed_and_converged(deployments) -> None:
    citus_db, _ = deployments
    assert make_plan(EXAMPLE, database_url=citus_db.conninfo).empty
    with psycopg.connect(citus_db.conninfo) as conn:
        kinds = dict(conn.execute("SELECT table_name::text, citus_table_type FROM citus_tables").fetchall())
        placements = conn.execute("SELECT count(DISTINCT nodename) FROM citus_shards").fetchone()[0]
        rows = conn.execute("SELECT count(*) FROM order_items").fetchone()[0]
    project = desired_from_specs(EXAMPLE).project
    assert kinds == {n.split(".")[1]: "distributed" if t.distribution else "reference"
                     for n, t in project.tables.items() if t.distribution or t.reference}
    assert len(kinds) == len(project.tables)  # every table is a Citus table
    assert placements == 3  # shards and replicas on the coordinator and both workers
    assert rows == 1800


@pytest.mark.parametrize("name", _query_names())
def test_query_gives_the_single_server_answer(deployments, name: str) -> None:
    citus_db, plain = deployments
    assert name in _cases(), f"examples/queries/{name}.sql has no parameters here: add it to _cases()"
    on_citus, on_plain = _rows(citus_db.conninfo, name), _rows(plain.conninfo, name)
    assert on_citus == on_plain
    assert any(on_plain), f"{name}: no rows on either side, so nothing was compared"
