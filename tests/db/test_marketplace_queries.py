"""The seed's queries (examples/queries/*.sql) on a deployed marketplace with generated data.

Data: a bulk load (2,200 users, 50 categories, 20,000 products, 20,000 orders 13+ months old, 40,000
order items with a product snapshot each, as real order lines carry) made with generate_series, plus
small hand-made data sets whose answers are known, one per query. After VACUUM ANALYZE the planner
works from real statistics: no enable_* setting is changed, so a plan that uses the intended index
shows that PostgreSQL itself prefers it at this size (forcing it with enable_seqscan = off would
prove only that the index can be used). Each query runs as the role its file names, from a
prepared statement with its $n parameters, in a session whose TimeZone is far from UTC (the queries
must not depend on it); its rows are compared with answers computed here, and EXPLAIN (FORMAT JSON)
of the custom plan and, for queries with parameters, of the generic plan must name the index meant
for it.
"""

from __future__ import annotations

import itertools
import sys
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

import pglast
import psycopg
import pytest
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import marketplace as m  # noqa: E402

FAR_FROM_UTC = "Pacific/Kiritimati"  # UTC+14: local dates differ from UTC dates most of the day
LAST_KEY = ("infinity", uuid.UUID("ffffffff-ffff-ffff-ffff-ffffffffffff"))  # first page of a keyset listing

BULK_SQL = """
INSERT INTO users (email, password_hash, name, role, created_at)
SELECT format('bulk-customer-%s@example.com', i), 'x', format('Customer %s', i), 'customer', now() - interval '5 years'
  FROM generate_series(1, 2000) AS i;
INSERT INTO users (email, password_hash, name, role, created_at)
SELECT format('bulk-seller-%s@example.com', i), 'x', format('Seller %s', i), 'seller', now() - interval '5 years'
  FROM generate_series(1, 200) AS i;
INSERT INTO categories (name, slug)
SELECT format('Bulk category %s', i), format('bulk-category-%s', i) FROM generate_series(1, 50) AS i;
-- products: 85 % active, 5 % each draft / inactive / out of stock, 2 % private, 3 % deleted,
-- names and texts from 20 words (none of the words the known data searches for)
WITH s AS (SELECT array_agg(id ORDER BY email) AS ids FROM users WHERE email LIKE 'bulk-seller-%'),
     c AS (SELECT array_agg(id ORDER BY slug) AS ids FROM categories WHERE slug LIKE 'bulk-%'),
     w AS (SELECT array['red', 'blue', 'green', 'large', 'small', 'classic', 'modern', 'wooden', 'steel', 'cotton',
                        'chair', 'table', 'shirt', 'mug', 'bottle', 'backpack', 'watch', 'speaker', 'blanket',
                        'candle'] AS w)
INSERT INTO products (seller_id, category_id, name, slug, description, short_description, price, status,
                      visibility, deleted_at, track_inventory, stock_quantity, view_count, tags, created_at)
SELECT s.ids[1 + i % 200], c.ids[1 + (i / 7) % 50],
       initcap(w.w[1 + i % 10] || ' ' || w.w[11 + (i / 10) % 10]) || ' ' || i,
       format('bulk-product-%s', i),
       'A ' || w.w[1 + (i / 3) % 10] || ' ' || w.w[11 + i % 10] || ' for every day.',
       w.w[1 + (i / 5) % 10] || ' ' || w.w[11 + (i / 2) % 10],
       ((i * 7919) % 20000) / 100.0 + 1,
       (CASE i % 20 WHEN 0 THEN 'draft' WHEN 1 THEN 'inactive' WHEN 2 THEN 'out_of_stock' ELSE 'active' END)::product_status,
       (CASE WHEN i % 50 = 3 THEN 'private' ELSE 'public' END)::product_visibility,
       CASE WHEN i % 33 = 4 THEN now() - interval '10 days' END,
       false, 100, (i * 31) % 1000, ARRAY[w.w[1 + (i / 11) % 10]],
       now() - i * interval '37 minutes'
  FROM generate_series(1, 20000) AS i, s, c, w;
-- order history older than the 12 months of the revenue report
WITH u AS (SELECT array_agg(id ORDER BY email) AS ids FROM users WHERE email LIKE 'bulk-customer-%')
INSERT INTO orders (user_id, status, payment_status, subtotal, total_amount, billing_address, shipping_address, created_at)
SELECT u.ids[1 + (i * 13) % 2000], 'delivered', 'paid', 20, 20, '{}', '{}', now() - interval '13 months' - i * interval '71 minutes'
  FROM generate_series(1, 20000) AS i, u;
WITH o AS (SELECT array_agg(id ORDER BY created_at) AS ids, array_agg(created_at ORDER BY created_at) AS at FROM orders),
     p AS (SELECT array_agg(id ORDER BY slug) AS ids FROM products WHERE slug LIKE 'bulk-%')
INSERT INTO order_items (order_id, product_id, product_name, quantity, unit_price, total_price, commission_rate,
                         commission_amount, seller_amount, status, product_snapshot, created_at)
SELECT o.ids[1 + i % 20000], p.ids[1 + (i * 7) % 20000], 'bulk item', 1, 10, 10, 0.1, 1, 9, 'delivered',
       jsonb_build_object('name', 'bulk item', 'description', repeat('A sturdy item for every day. ', 15),
                          'price', 10, 'images', jsonb_build_array('https://img.example.com/1.jpg'),
                          'attributes', jsonb_build_object('brand', 'Acme', 'color', 'blue')),
       o.at[1 + i % 20000]
  FROM generate_series(1, 40000) AS i, o, p;
"""


# -- running a query file --------------------------------------------------------------------------

def statements(name: str) -> list[str]:
    """The SQL statements of examples/queries/<name>.sql."""
    return list(pglast.split((m.QUERIES / f"{name}.sql").read_text()))


def index_names(plan: Any) -> set[str]:
    """Every index a plan (EXPLAIN FORMAT JSON) reads."""
    found: set[str] = set()
    if isinstance(plan, dict):
        if "Index Name" in plan:
            found.add(plan["Index Name"])
        for v in plan.values():
            found |= index_names(v)
    elif isinstance(plan, list):
        for v in plan:
            found |= index_names(v)
    return found


def seq_scanned(plan: Any) -> set[str]:
    """Every relation a plan reads with a sequential scan."""
    found: set[str] = set()
    if isinstance(plan, dict):
        if plan.get("Node Type") == "Seq Scan":
            found.add(plan["Relation Name"])
        for v in plan.values():
            found |= seq_scanned(v)
    elif isinstance(plan, list):
        for v in plan:
            found |= seq_scanned(v)
    return found


@dataclass
class Result:
    rows: list[tuple]
    columns: list[str]
    custom_plan: Any
    generic_plan: Any | None  # None for queries without parameters

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, r)) for r in self.rows]


_names = itertools.count()


def run(conn: psycopg.Connection, statement: str, params: tuple = (), role: str = "ecommerce_app",
        user_id: uuid.UUID | None = None) -> Result:
    """PREPARE the statement as `role` (with app.user_id), EXECUTE it with `params`, and EXPLAIN its
    custom and generic plans."""
    name = sql.Identifier(f"q{next(_names)}")
    args = sql.SQL("({})").format(sql.SQL(", ").join(map(sql.Literal, params))) if params else sql.SQL("")
    try:
        with conn.transaction(force_rollback=True), m.acting_as(conn, user_id, role):
            conn.execute(sql.SQL("PREPARE {} AS ").format(name) + sql.SQL(statement))
            cur = conn.execute(sql.SQL("EXECUTE {}{}").format(name, args))
            rows, columns = cur.fetchall(), [d.name for d in cur.description or []]
            custom = conn.execute(sql.SQL("EXPLAIN (FORMAT JSON) EXECUTE {}{}").format(name, args)).fetchone()[0]
            generic = None
            if params:
                conn.execute("SET LOCAL plan_cache_mode = force_generic_plan")
                generic = conn.execute(sql.SQL("EXPLAIN (FORMAT JSON) EXECUTE {}{}").format(name, args)).fetchone()[0]
    finally:  # prepared statements outlive transactions
        conn.execute(sql.SQL("DEALLOCATE {}").format(name))
    return Result(rows, columns, custom, generic)


def assert_uses(result: Result, index: str, not_seq_scanned: str | None = None, generic: bool = True) -> None:
    """The custom plan (and, unless generic=False, the generic plan) reads `index`, and not all of
    `not_seq_scanned`."""
    for kind, plan in (("custom", result.custom_plan), ("generic", result.generic_plan if generic else None)):
        if plan is None:
            continue
        assert index in index_names(plan), f"{kind} plan does not use {index}: {index_names(plan)}\n{plan}"
        if not_seq_scanned:
            assert not_seq_scanned not in seq_scanned(plan), f"{kind} plan scans all of {not_seq_scanned}"


def utc_month_start(now: datetime, back: int) -> datetime:
    """The first instant of the UTC month `back` months before the one of `now`."""
    now = now.astimezone(timezone.utc)
    y, mo = divmod(now.year * 12 + now.month - 1 - back, 12)
    return datetime(y, mo + 1, 1, tzinfo=timezone.utc)


# -- known data ------------------------------------------------------------------------------------

@dataclass
class Known:
    """The hand-made rows whose query answers are known."""

    now: datetime
    orders: list[dict[str, Any]] = field(default_factory=list)  # every order made here: user, total, status, created_at
    search: dict[str, uuid.UUID] = field(default_factory=dict)
    listing_category: uuid.UUID | None = None
    dashboard_seller: uuid.UUID | None = None
    dashboard_items: list[dict[str, Any]] = field(default_factory=list)
    related_viewed: uuid.UUID | None = None
    related: dict[str, uuid.UUID] = field(default_factory=dict)
    top: dict[str, dict[str, Any]] = field(default_factory=dict)


def approved_reviews(conn: psycopg.Connection, product_id: uuid.UUID, ratings: list[int], status: str = "approved") -> None:
    for rating in ratings:
        m.review(conn, product_id, m.user(conn), rating, status)


def build_known(conn: psycopg.Connection) -> Known:
    now = conn.execute("SELECT now()").fetchone()[0]
    k = Known(now=now)
    seller = m.seller(conn, name="Known Seller")

    def order(user_id: uuid.UUID, total: Decimal = Decimal("10.00"), status: str = "pending",
              created_at: datetime = now) -> uuid.UUID:
        k.orders.append({"user": user_id, "total": total, "status": status, "created_at": created_at})
        return m.order(conn, user_id, total, status=status, created_at=created_at,
                       cancelled_at=created_at if status == "cancelled" else None)

    # ranked search: the word zephyrquill with weight A (name), B (short description), C (tags)
    s = k.search
    s["pen"] = m.product(conn, seller, name="Zephyrquill Fountain Pen",
                         description="Writes smoothly: the zephyrquill nib is made of steel.")
    s["lamp"] = m.product(conn, seller, name="Zephyrquill Desk Lamp")
    s["refill"] = m.product(conn, seller, name="Refill Kit", short_description="Ink refills for a zephyrquill")
    s["notebook"] = m.product(conn, seller, name="Leather Notebook", tags=["zephyrquill"])
    s["draft"] = m.product(conn, seller, name="Zephyrquill Prototype", status="draft")
    s["private"] = m.product(conn, seller, name="Zephyrquill Private", visibility="private")
    s["deleted"] = m.product(conn, seller, name="Zephyrquill Old", deleted_at=now - timedelta(days=1))
    s["sold_out"] = m.product(conn, seller, name="Zephyrquill Sold Out", status="out_of_stock")
    approved_reviews(conn, s["pen"], [5])

    # filtered listing: a big category - 45 active products an hour apart (two share a timestamp),
    # rows the listing must skip, and 1,500 generated rows of every kind, pairs sharing a timestamp
    cat = m.category(conn, name="Known listing category")
    k.listing_category = cat
    for i in range(45):
        m.product(conn, seller, category_id=cat, price=Decimal(10 * (i + 1)),
                  created_at=now - timedelta(hours=i if i != 11 else 10))
    for extra in ({"status": "draft"}, {"status": "inactive"}, {"status": "out_of_stock"},
                  {"visibility": "private"}, {"deleted_at": now}):
        m.product(conn, seller, category_id=cat, price=Decimal(100), created_at=now - timedelta(minutes=30), **extra)
    conn.execute("""
        INSERT INTO products (seller_id, category_id, name, slug, price, status, visibility, deleted_at, track_inventory,
                              created_at)
        SELECT %(seller)s, %(cat)s, 'Listed ' || i, 'known-listed-' || i, ((i * 7919) %% 100000) / 100.0 + 1,
               (CASE i %% 10 WHEN 0 THEN 'draft' WHEN 1 THEN 'out_of_stock' ELSE 'active' END)::product_status,
               (CASE WHEN i %% 25 = 2 THEN 'private' ELSE 'public' END)::product_visibility,
               CASE WHEN i %% 30 = 3 THEN now() END, false, now() - (i / 2) * interval '53 minutes'
          FROM generate_series(1, 1500) AS i""", {"seller": seller, "cat": cat})

    # seller dashboard
    sd = m.seller(conn, name="Dashboard Seller")
    k.dashboard_seller = sd
    pd1, pd2 = m.product(conn, sd), m.product(conn, sd)
    other = m.product(conn, seller)
    customer = m.user(conn)

    def sale(order_status: str, at: datetime, lines: list[tuple[uuid.UUID, int, str]]) -> None:
        oid = order(customer, status=order_status, created_at=at)
        for pid, qty, item_status in lines:
            unit = Decimal("12.50")
            total = unit * qty
            commission = m.money(total * Decimal("0.08"))
            m.order_item(conn, oid, pid, qty, unit, Decimal("0.08"), status=item_status, created_at=at)
            if pid != other:
                k.dashboard_items.append({"order": oid, "order_status": order_status, "status": item_status,
                                          "quantity": qty, "seller_amount": total - commission, "created_at": at})

    sale("confirmed", now - timedelta(days=1), [(pd1, 2, "confirmed"), (pd2, 1, "confirmed"), (other, 9, "confirmed")])
    sale("delivered", now - timedelta(days=3), [(pd1, 3, "delivered")])
    sale("shipped", now - timedelta(days=3), [(pd2, 1, "shipped"), (pd1, 5, "cancelled")])
    sale("processing", now - timedelta(days=29), [(pd2, 2, "pending"), (pd1, 1, "refunded")])
    sale("cancelled", now - timedelta(days=2), [(pd1, 4, "cancelled")])
    sale("pending", now - timedelta(days=2), [(pd1, 1, "pending")])
    sale("delivered", now - timedelta(days=31), [(pd1, 7, "delivered")])

    # related products: one category, ratings from approved reviews, view counts
    rc = m.category(conn, name="Known related category")
    k.related_viewed = m.product(conn, seller, category_id=rc, view_count=10)
    approved_reviews(conn, k.related_viewed, [5])
    related = {  # name: (approved ratings, view_count, extra columns)
        "r1": ([5], 10, {}), "r2": ([5, 5], 50, {}), "r3": ([4, 5], 0, {}), "r4": ([4], 100, {}),
        "r5": ([3], 5, {}), "r6": ([], 1000, {}), "r7": ([], 3, {}), "r8": ([2], 0, {}), "r9": ([1], 0, {}),
        "r10": ([], 2, {}),
        "draft": ([5], 0, {"status": "draft"}), "deleted": ([5], 0, {"deleted_at": now}),
        "private": ([5], 0, {"visibility": "private"}), "sold_out": ([5], 0, {"status": "out_of_stock"}),
    }
    for name, (ratings, views, extra) in related.items():
        pid = m.product(conn, seller, category_id=rc, view_count=views, **extra)
        approved_reviews(conn, pid, ratings)
        k.related[name] = pid
    approved_reviews(conn, k.related["r10"], [5], status="pending")

    # monthly revenue: orders inside the 12 months (the current one included) and around its edges
    def month_start(back: int) -> datetime:
        return utc_month_start(now, back)

    buyers = [m.user(conn) for _ in range(3)]
    for buyer, total, status, at in [
        (0, "100.00", "confirmed", now), (1, "50.00", "delivered", now),
        (0, "30.00", "processing", month_start(1) + timedelta(hours=1)),
        (0, "20.00", "shipped", month_start(1) + timedelta(days=3)),
        (1, "999.00", "cancelled", month_start(1) + timedelta(days=4)),
        (2, "999.00", "pending", month_start(1) + timedelta(days=5)),
        (2, "70.00", "delivered", month_start(11) + timedelta(seconds=1)),
        (2, "500.00", "delivered", month_start(11) - timedelta(seconds=1)),
    ]:
        order(buyers[buyer], Decimal(total), status, at)

    # top products: three products selling for far more than any bulk product
    tc = m.category(conn, name="Top Category")
    top_seller = m.seller(conn, name="Top Seller")
    for name, views, lines in [
        ("Top One", 200, [("delivered", 2, "5000.00", "delivered"), ("confirmed", 1, "5000.00", "pending"),
                          ("delivered", 3, "5000.00", "cancelled"), ("cancelled", 1, "5000.00", "cancelled")]),
        ("Top Two", 50, [("shipped", 4, "3000.00", "shipped"), ("refunded", 1, "3000.00", "refunded")]),
        ("Top Three", 0, [("processing", 1, "11000.00", "confirmed")]),
    ]:
        pid = m.product(conn, top_seller, name=name, category_id=tc, view_count=views, price=Decimal(lines[0][2]))
        counted = [(s, q, Decimal(p)) for s, q, p, item_status in lines
                   if s in ("confirmed", "processing", "shipped", "delivered") and item_status not in ("cancelled", "refunded")]
        for order_status, qty, price, item_status in lines:
            oid = order(customer, status=order_status)
            m.order_item(conn, oid, pid, qty, Decimal(price), status=item_status)
        orders = len(counted)
        k.top[name] = {"name": name, "seller_name": "Top Seller", "category_name": "Top Category",
                       "total_sold": sum(q for _, q, _ in counted), "total_revenue": sum(q * p for _, q, p in counted),
                       "average_rating": Decimal("0.00"),
                       "conversion_rate": m.money(Decimal(100 * orders) / views) if views else Decimal(0)}
    return k


@dataclass
class Shop:
    conn: psycopg.Connection
    known: Known


@pytest.fixture(scope="module")
def shop(admin, server) -> Iterator[Shop]:
    # prepare_threshold=None: psycopg's own automatic prepared statements make it send DEALLOCATE ALL
    # on rollback, which would also drop the statements run() prepares
    with m.deployed_marketplace(admin, server, "t_mkt_queries_") as d, \
            psycopg.connect(d.db.conninfo, autocommit=True, prepare_threshold=None) as conn:
        with conn.transaction():
            conn.execute(BULK_SQL)
            known = build_known(conn)
        conn.execute("VACUUM ANALYZE")
        conn.execute(sql.SQL("SET TimeZone = {}").format(sql.Literal(FAR_FROM_UTC)))
        yield Shop(conn, known)


# -- the queries -----------------------------------------------------------------------------------

def search(shop: Shop, text: str) -> Result:
    (statement,) = statements("ranked_search")
    return run(shop.conn, statement, (text,))


def test_ranked_search_ranks_by_weight_hides_unpublished_and_highlights(shop) -> None:
    s = shop.known.search
    r = search(shop, "zephyrquill")
    # name + description (A+B) > name (A) > short description (B) > tags (C); unpublished rows never show
    assert [row["id"] for row in r.dicts()] == [s["pen"], s["lamp"], s["refill"], s["notebook"]]
    relevance = [row["relevance"] for row in r.dicts()]
    assert relevance == sorted(relevance, reverse=True) and len(set(relevance)) == 4
    pen = r.dicts()[0]
    assert pen["highlighted_name"] == "<b>Zephyrquill</b> Fountain Pen"
    assert "<b>zephyrquill</b>" in pen["highlighted_description"]
    assert pen["average_rating"] == Decimal("5.00")
    assert_uses(r, "products_search_idx", not_seq_scanned="products")
    # websearch syntax: exclusion and phrases
    # (ts_rank of a query with a negated term may tie the weaker matches; their order then follows
    # the query's id tiebreak, so only which rows come back is asserted here; ranking is asserted above)
    excluded = [row[0] for row in search(shop, "zephyrquill -lamp").rows]
    assert sorted(excluded) == sorted([s["pen"], s["refill"], s["notebook"]]) and s["lamp"] not in excluded
    assert [row[0] for row in search(shop, '"fountain pen"').rows] == [s["pen"]]
    assert search(shop, "no-such-word-anywhere").rows == []


def test_ranked_search_returns_at_most_20_best_of_many_matches(shop) -> None:
    r = search(shop, "blue chairs")  # thousands of bulk matches (stemmed: chairs -> chair)
    assert len(r.rows) == 20
    for row in r.dicts():  # the whole name, every match highlighted
        words = row["name"].split()
        assert row["highlighted_name"] == " ".join(
            f"<b>{w}</b>" if w.lower() in ("blue", "chair") else w for w in words)
    keys = [(-row["relevance"], -row["average_rating"], row["id"]) for row in r.dicts()]
    assert keys == sorted(keys)
    assert_uses(r, "products_search_idx")


def test_filtered_listing_pages_with_keyset_and_counts(shop) -> None:
    page_sql, count_sql = statements("filtered_listing")
    k = shop.known
    low, high = Decimal(50), Decimal(400)
    # the answer, from the category's raw rows
    raw = shop.conn.execute("SELECT id, price, created_at, status::text, visibility::text, deleted_at FROM products "
                            "WHERE category_id = %s", [k.listing_category]).fetchall()
    expected = [r[0] for r in sorted(
        (r for r in raw if r[3] == "active" and r[4] != "private" and r[5] is None and low <= r[1] <= high),
        key=lambda r: (r[2], r[0]), reverse=True)]
    assert len(raw) > 1500 and 300 < len(expected) < 600
    pages, key = [], LAST_KEY
    while True:
        r = run(shop.conn, page_sql, (k.listing_category, low, high, *key))
        if not r.rows:
            break
        if not pages:  # the first page, what most requests ask for
            assert_uses(r, "products_category_listing_idx", not_seq_scanned="products", generic=False)
            # as the query file warns: a generic plan guesses a narrow price range and sorts instead
            assert "products_category_status_price_idx" in index_names(r.generic_plan)
        rows = r.dicts()
        pages.append([row["id"] for row in rows])
        assert all(row["category_name"] == "Known listing category" and row["seller_name"] == "Known Seller"
                   for row in rows)
        key = (rows[-1]["created_at"], rows[-1]["id"])
    assert all(len(p) == 20 for p in pages[:-1]) and 1 <= len(pages[-1]) <= 20
    assert [i for p in pages for i in p] == expected
    count = run(shop.conn, count_sql, (k.listing_category, low, high))
    assert count.rows == [(len(expected),)]
    assert_uses(count, "products_category_status_price_idx", not_seq_scanned="products")


def test_seller_dashboard_sums_the_last_30_days_per_utc_day(shop) -> None:
    (statement,) = statements("seller_dashboard")
    k = shop.known
    r = run(shop.conn, statement, (k.dashboard_seller,), user_id=k.dashboard_seller)
    days: dict[Any, dict[str, Any]] = {}
    for it in k.dashboard_items:
        if it["order_status"] in ("confirmed", "processing", "shipped", "delivered") and \
                it["status"] not in ("cancelled", "refunded") and it["created_at"] >= k.now - timedelta(days=30):
            d = days.setdefault(it["created_at"].astimezone(timezone.utc).date(),
                                {"orders": set(), "items": 0, "revenue": Decimal(0)})
            d["orders"].add(it["order"])
            d["items"] += it["quantity"]
            d["revenue"] += it["seller_amount"]
    expected = [(day, len(v["orders"]), v["items"], v["revenue"]) for day, v in sorted(days.items(), reverse=True)]
    assert len(expected) == 3 and expected[1][1] == 2  # two orders on one day
    assert r.rows == expected
    assert_uses(r, "order_items_seller_created_status_idx", not_seq_scanned="order_items")
    # another seller sees none of these rows, even when asking for this seller's (row-level security)
    other = run(shop.conn, statement, (k.dashboard_seller,), user_id=m.user(shop.conn))
    assert other.rows == []


def test_related_products_are_the_best_rated_published_of_the_category(shop) -> None:
    (statement,) = statements("related_products")
    k = shop.known
    r = run(shop.conn, statement, (k.related_viewed,))
    assert [row["id"] for row in r.dicts()] == [k.related[n] for n in ("r2", "r1", "r3", "r4", "r5", "r8", "r9", "r6")]
    assert [row["average_rating"] for row in r.dicts()][:4] == [Decimal("5.00"), Decimal("5.00"), Decimal("4.50"),
                                                                Decimal("4.00")]
    assert_uses(r, "products_related_idx", not_seq_scanned="products")


def test_monthly_revenue_covers_twelve_utc_months(shop) -> None:
    (statement,) = statements("monthly_revenue")
    k = shop.known
    r = run(shop.conn, statement, role="ecommerce_analytics")
    start = utc_month_start(k.now, 11)
    months: dict[str, list[dict[str, Any]]] = {}
    for o in k.orders:  # the bulk orders are all older than the 12 months
        if o["status"] in ("confirmed", "processing", "shipped", "delivered") and o["created_at"] >= start:
            months.setdefault(o["created_at"].astimezone(timezone.utc).strftime("%Y-%m"), []).append(o)
    expected = [(month, sum(o["total"] for o in os), len(os), m.money(sum(o["total"] for o in os) / len(os)),
                 len({o["user"] for o in os})) for month, os in sorted(months.items(), reverse=True)]
    first = utc_month_start(k.now, 11)  # only the order 1 s after the window opens; not the one 1 s before
    assert expected[-1] == (first.strftime("%Y-%m"), Decimal("70.00"), 1, Decimal("70.00"), 1)
    assert r.rows == expected
    assert_uses(r, "orders_created_at_idx", not_seq_scanned="orders")


def test_top_products_by_revenue(shop) -> None:
    (statement,) = statements("top_products")
    r = run(shop.conn, statement, role="ecommerce_analytics")
    rows = r.dicts()
    assert len(rows) == 20
    assert rows[:3] == [shop.known.top[n] for n in ("Top One", "Top Two", "Top Three")]
    revenue = [row["total_revenue"] for row in rows]
    assert revenue == sorted(revenue, reverse=True) and all(row["total_sold"] > 0 for row in rows)
    assert_uses(r, "order_items_product_status_idx", not_seq_scanned="order_items")
