"""Property tests of the marketplace schema (schema/) on a deployed copy.

Every Hypothesis example runs in one transaction that is rolled back, so examples are independent;
every statement expected to fail runs in a savepoint and must be rejected by the constraint meant for
it (psycopg's `diag.constraint_name` and the SQLSTATE). Row-level security is checked as the
application role with app.user_id set, against a Python model of the access rules in
schema/README.md.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Iterator

import psycopg
import pytest
from hypothesis import HealthCheck, event, example, given, note, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import marketplace as m  # noqa: E402
from marketplace import CHECK_VIOLATION, RLS_VIOLATION, UNIQUE_VIOLATION, violates  # noqa: E402

SETTINGS = settings(max_examples=m.examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def deployment(admin, server) -> Iterator[m.Deployment]:
    with m.deployed_marketplace(admin, server) as d:
        yield d


@pytest.fixture(scope="module")
def conn(deployment) -> Iterator[psycopg.Connection]:
    """One connection (autocommit; tests open their own transactions) to a deployed marketplace."""
    with psycopg.connect(deployment.db.conninfo, autocommit=True) as c:
        yield c


@pytest.fixture
def tx(conn) -> Iterator[psycopg.Connection]:
    """For tests without Hypothesis: the connection inside a transaction that is rolled back."""
    with conn.transaction(force_rollback=True):
        yield conn


def rolled_back(conn: psycopg.Connection):
    return conn.transaction(force_rollback=True)


# -- privileges ------------------------------------------------------------------------------------

def test_apply_deploys_every_privilege_in_the_specs(deployment) -> None:
    shown = "\n".join(f"  {k}: applied {a!r}, specs say {b!r}" for k, (a, b) in deployment.missed_privileges.items())
    assert not deployment.missed_privileges, f"apply left out {len(deployment.missed_privileges)} ACLs:\n{shown}"


@pytest.mark.parametrize(("role", "statement", "allowed"), [
    ("ecommerce_app", "SELECT count(*) FROM users_safe", True),
    ("ecommerce_app", "SELECT count(*) FROM catalog_products", True),
    ("ecommerce_app", "SELECT nextval('order_number_seq')", True),
    ("ecommerce_app", "SELECT app_is_admin()", True),
    ("ecommerce_app", "INSERT INTO audit_logs (table_name, record_id, action, new_values) "
                      "VALUES ('x', gen_random_uuid(), 'CREATE', '{}')", False),
    ("ecommerce_app", "SELECT count(*) FROM sales_analytics", False),
    ("ecommerce_analytics", "SELECT count(*) FROM users", False),
    ("ecommerce_analytics", "SELECT count(*) FROM users_safe", True),
    ("ecommerce_analytics", "SELECT count(*) FROM product_performance", True),
    ("ecommerce_analytics", "SELECT count(*) FROM sales_analytics", True),
    ("ecommerce_analytics", "SELECT app_order_has_seller(gen_random_uuid())", False),
    ("ecommerce_analytics", "SELECT notify_user(gen_random_uuid(), 't', 't', 'm', NULL, NULL)", False),
    ("ecommerce_analytics", "DELETE FROM orders", False),
    ("ecommerce_backup", "SELECT count(*) FROM user_sessions", True),
    ("ecommerce_backup", "SELECT last_value FROM order_number_seq", True),
    ("ecommerce_backup", "UPDATE products SET name = name", False),
])
def test_roles_have_the_privileges_of_the_access_model(tx, role, statement, allowed) -> None:
    with m.acting_as(tx, None, role=role):
        rejection = m.attempt(tx, lambda c: c.execute(statement))
    if allowed:
        assert rejection is None, rejection
    else:
        assert rejection is not None and rejection.sqlstate == RLS_VIOLATION, rejection


# -- strategies --------------------------------------------------------------------------------------

def amounts(min_value: str = "0", max_value: str = "99999.99") -> st.SearchStrategy[Decimal]:
    """numeric(10,2) values."""
    return st.decimals(min_value=Decimal(min_value), max_value=Decimal(max_value), places=2,
                       allow_nan=False, allow_infinity=False)


negative_amounts = amounts("-99999.99", "-0.01")
valid_emails = st.from_regex(r"\A[A-Za-z0-9._%+-]{1,30}@[A-Za-z0-9-]{1,20}(\.[A-Za-z0-9-]{1,10})?\.[A-Za-z]{2,8}\Z")
valid_phones = st.from_regex(r"\A\+?[1-9][0-9]{1,14}\Z")
# candidate strings around the patterns: ASCII letters/digits/punctuation plus look-alikes (Kelvin
# sign, long s, fullwidth and Arabic-Indic digits, accents, whitespace) that a sloppy check might accept
_odd = "KſéÉüß١２ \t\n"
email_like = st.one_of(
    valid_emails,
    st.emails(),
    st.builds(lambda a, b, c: f"{a}@{b}.{c}",
              st.text(st.sampled_from("ab.%+-_!#" + _odd), max_size=6),
              st.text(st.sampled_from("ab-.1" + _odd), max_size=6),
              st.text(st.sampled_from("abZ1-" + _odd), max_size=4)),
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20),
).filter(lambda s: len(s) <= 255)
phone_like = st.one_of(
    valid_phones,
    st.text(st.sampled_from("+0123456789 -()" + _odd), max_size=20),
).filter(lambda s: len(s) <= 20)


# -- valid data is accepted ---------------------------------------------------------------------------

@st.composite
def valid_marketplaces(draw):
    """A small, valid world: a seller with products (maybe variants), a customer with a cart, an order,
    reviews and votes; every value within its constraints."""
    products = draw(st.lists(st.fixed_dictionaries({
        "price": amounts(),
        "compare_price": st.none() | amounts(),
        "cost_price": st.none() | amounts(),
        "stock": st.integers(0, 1000),
        "variants": st.lists(st.fixed_dictionaries({"price": st.none() | amounts(),
                                                    "stock": st.integers(0, 50)}), max_size=2),
    }), min_size=1, max_size=3))
    lines = draw(st.lists(st.tuples(st.integers(0, len(products) - 1), st.integers(-1, 1),
                                    st.integers(1, 5), amounts("0", "999.99")),
                          max_size=4, unique_by=lambda t: (t[0], t[1])))
    return {
        "email": draw(valid_emails),
        "phone": draw(st.none() | valid_phones),
        "products": products,
        "lines": lines,
        "tax": draw(amounts("0", "999.99")),
        "shipping": draw(amounts("0", "99.99")),
        "discount_share": draw(st.decimals(Decimal("0"), Decimal("1"), places=2)),
        "commission_rate": draw(st.decimals(Decimal("0"), Decimal("1"), places=4)),
        "ratings": draw(st.lists(st.tuples(st.integers(1, 5), st.sampled_from(["approved", "pending"])),
                                 max_size=4)),
        "votes": draw(st.lists(st.booleans(), max_size=3)),
    }


@SETTINGS
@given(world=valid_marketplaces())
def test_valid_generated_data_is_accepted_and_derived_columns_follow(conn, world) -> None:
    with rolled_back(conn):
        customer = m.user(conn, email=world["email"], phone=world["phone"])
        seller_id = m.seller(conn, {"business_email": world["email"], "business_phone": world["phone"]})
        products, variants = [], []
        for p in world["products"]:
            pid = m.product(conn, seller_id, price=p["price"], compare_price=p["compare_price"],
                            cost_price=p["cost_price"], stock_quantity=p["stock"])
            products.append(pid)
            variants.append([m.variant(conn, pid, price=v["price"], stock_quantity=v["stock"])
                             for v in p["variants"]])
        # a cart: at most one line per (product, variant or none)
        cart_id = m.cart(conn, customer)
        subtotal = Decimal(0)
        for pi, vi, qty, price in world["lines"]:
            vid = variants[pi][vi] if vi >= 0 and vi < len(variants[pi]) else None
            if vi >= 0 and vid is None:
                continue
            m.cart_item(conn, cart_id, products[pi], vid, qty, price)
            subtotal += price * qty
        assert conn.execute("SELECT subtotal FROM carts WHERE id = %s", [cart_id]).fetchone() == (subtotal,)
        # an order: consistent amounts and commission split, stock taken out
        order_subtotal = sum((p["price"] for p in world["products"]), Decimal(0))
        discount = m.money(order_subtotal * world["discount_share"])
        oid = m.order(conn, customer, order_subtotal, world["tax"], world["shipping"], discount)
        for pid, p in zip(products, world["products"]):
            if p["stock"] >= 1:
                m.order_item(conn, oid, pid, 1, p["price"], world["commission_rate"])
        total, number = conn.execute("SELECT total_amount, order_number FROM orders WHERE id = %s", [oid]).fetchone()
        assert total == order_subtotal + world["tax"] + world["shipping"] - discount
        assert re.fullmatch(r"ORD-[0-9]{8}", number)
        stocks = dict(conn.execute("SELECT id, stock_quantity FROM products WHERE id = ANY(%s)", [products]).fetchall())
        assert [stocks[pid] for pid in products] == [p["stock"] - (p["stock"] >= 1) for p in world["products"]]
        sold = conn.execute("SELECT seller_id, sum(commission_amount + seller_amount) = sum(total_price) "
                            "FROM order_items WHERE order_id = %s GROUP BY 1", [oid]).fetchall()
        assert sold in ([], [(seller_id, True)])
        # reviews of the first product by different users, votes on the first review
        target = products[0]
        reviews = [m.review(conn, target, m.user(conn), rating, status) for rating, status in world["ratings"]]
        approved = [r for r, s in world["ratings"] if s == "approved"]
        expected_avg = m.money(Decimal(sum(approved)) / len(approved)) if approved else Decimal(0)
        assert conn.execute("SELECT average_rating, review_count FROM products WHERE id = %s",
                            [target]).fetchone() == (expected_avg, len(approved))
        if reviews:
            for helpful in world["votes"]:
                m.vote(conn, reviews[0], m.user(conn), helpful)
            assert conn.execute("SELECT helpful_count, not_helpful_count FROM reviews WHERE id = %s",
                                [reviews[0]]).fetchone() == (sum(world["votes"]), len(world["votes"]) - sum(world["votes"]))


# -- each violation is rejected by the constraint meant for it ---------------------------------------

@SETTINGS
@given(email=email_like)
@example(email="plainaddress")
@example(email="a@b.c")
@example(email="two@@example.com")
@example(email="spaces in@example.com")
@example(email="kelvin@example.\u212aom")
@example(email="ok.name+tag@sub.example.co")
def test_email_is_accepted_exactly_when_it_matches_the_format_check(conn, email) -> None:
    well_formed = re.fullmatch(m.EMAIL_PATTERN, email) is not None
    event(f"well_formed={well_formed}")
    with rolled_back(conn):
        if well_formed:
            m.user(conn, email=email)
            m.seller(conn, {"business_email": email})
        else:
            with violates(conn, "users_email_format"):
                m.user(conn, email=email)
            with violates(conn, "seller_profiles_business_email_format"):
                m.seller(conn, {"business_email": email})


@SETTINGS
@given(phone=phone_like)
@example(phone="+0123456")
@example(phone="1")
@example(phone="+1234567890123456")
@example(phone="+31 20 123 4567")
@example(phone="+١٢٣٤٥")
@example(phone="+14155550123")
def test_phone_is_accepted_exactly_when_it_matches_the_format_check(conn, phone) -> None:
    well_formed = re.fullmatch(m.PHONE_PATTERN, phone) is not None
    event(f"well_formed={well_formed}")
    with rolled_back(conn):
        if well_formed:
            m.user(conn, phone=phone)
            m.seller(conn, {"business_phone": phone})
        else:
            with violates(conn, "users_phone_format"):
                m.user(conn, phone=phone)
            with violates(conn, "seller_profiles_business_phone_format"):
                m.seller(conn, {"business_phone": phone})


@SETTINGS
@given(rating=st.integers(-32768, 32767), status=st.sampled_from(["pending", "approved"]))
@example(rating=0, status="approved")
@example(rating=6, status="approved")
def test_rating_outside_one_to_five_is_rejected_by_reviews_rating_range(conn, rating, status) -> None:
    with rolled_back(conn):
        pid = m.product(conn, m.seller(conn))
        if 1 <= rating <= 5:
            m.review(conn, pid, m.user(conn), rating, status)
        else:
            with violates(conn, "reviews_rating_range"):
                m.review(conn, pid, m.user(conn), rating, status)
            # also when an existing review is changed
            rid = m.review(conn, pid, m.user(conn), 3, status)
            with violates(conn, "reviews_rating_range"):
                conn.execute("UPDATE reviews SET rating = %s WHERE id = %s", [rating, rid])


@SETTINGS
@given(first=st.tuples(st.integers(1, 5), st.sampled_from(["pending", "approved", "rejected", "spam"])),
       second=st.tuples(st.integers(1, 5), st.sampled_from(["pending", "approved", "rejected", "spam"])))
def test_second_review_of_a_product_by_the_same_user_is_rejected(conn, first, second) -> None:
    with rolled_back(conn):
        pid, other = m.product(conn, m.seller(conn)), m.product(conn, m.seller(conn))
        reviewer = m.user(conn)
        m.review(conn, pid, reviewer, *first)
        with violates(conn, "reviews_one_per_user_product", UNIQUE_VIOLATION):
            m.review(conn, pid, reviewer, *second)
        m.review(conn, other, reviewer, *second)  # another product: fine
        m.review(conn, pid, m.user(conn), *second)  # another user: fine


@SETTINGS
@given(with_variant=st.booleans(), guest=st.booleans(), q1=st.integers(1, 10), q2=st.integers(1, 10),
       price=amounts("0", "999.99"))
def test_duplicate_cart_line_is_rejected_with_or_without_variant(conn, with_variant, guest, q1, q2, price) -> None:
    with rolled_back(conn):
        pid = m.product(conn, m.seller(conn))
        vid = m.variant(conn, pid) if with_variant else None
        cid = m.cart(conn, None, session_id=m.unique("guest")) if guest else m.cart(conn, m.user(conn))
        m.cart_item(conn, cid, pid, vid, q1, price)
        with violates(conn, "cart_items_cart_product_variant_key", UNIQUE_VIOLATION):
            m.cart_item(conn, cid, pid, vid, q2, price)
        # the other kind of line for the same product is a different line
        m.cart_item(conn, cid, pid, None if with_variant else m.variant(conn, pid), q2, price)
        assert conn.execute("SELECT count(*) FROM cart_items WHERE cart_id = %s", [cid]).fetchone() == (2,)


NEGATIVE_PRICE_TARGETS = {
    # (table, column): the constraint meant for it
    ("products", "price"): "products_prices_non_negative",
    ("products", "compare_price"): "products_prices_non_negative",
    ("products", "cost_price"): "products_prices_non_negative",
    ("product_variants", "price"): "product_variants_prices_non_negative",
    ("product_variants", "compare_price"): "product_variants_prices_non_negative",
    ("product_variants", "cost_price"): "product_variants_prices_non_negative",
    ("cart_items", "unit_price"): "cart_items_unit_price_non_negative",
    ("order_items", "unit_price"): "order_items_amounts_non_negative",
}


@SETTINGS
@given(target=st.sampled_from(sorted(NEGATIVE_PRICE_TARGETS)), price=negative_amounts, quantity=st.integers(1, 5))
def test_negative_price_is_rejected(conn, target, price, quantity) -> None:
    table, column = target
    with rolled_back(conn):
        sid = m.seller(conn)
        pid = m.product(conn, sid)
        with violates(conn, NEGATIVE_PRICE_TARGETS[target]):
            if table == "products":
                m.product(conn, sid, **{column: price})
            elif table == "product_variants":
                m.variant(conn, pid, **{column: price})
            elif table == "cart_items":  # total_price = unit_price * quantity holds: only the sign is wrong
                m.cart_item(conn, m.cart(conn, m.user(conn)), pid, None, quantity, price)
            else:
                m.order_item(conn, m.order(conn, m.user(conn)), pid, quantity, price, Decimal("0"))


@SETTINGS
@given(helpful=st.booleans(), again=st.booleans())
def test_second_helpfulness_vote_by_the_same_user_is_rejected(conn, helpful, again) -> None:
    with rolled_back(conn):
        pid = m.product(conn, m.seller(conn))
        rid = m.review(conn, pid, m.user(conn))
        voter = m.user(conn)
        m.vote(conn, rid, voter, helpful)
        with violates(conn, "review_helpfulness_one_vote_per_user", UNIQUE_VIOLATION):
            m.vote(conn, rid, voter, again)
        m.vote(conn, m.review(conn, pid, m.user(conn)), voter, again)  # the same voter on another review
        assert conn.execute("SELECT helpful_count + not_helpful_count FROM reviews WHERE id = %s",
                            [rid]).fetchone() == (1,)


@SETTINGS
@given(usage_limit=st.none() | st.integers(1, 4), per_user=st.none() | st.integers(1, 3),
       redeemers=st.lists(st.integers(0, 2), min_size=1, max_size=8))
def test_coupon_redemptions_past_the_limits_are_rejected(conn, usage_limit, per_user, redeemers) -> None:
    """Redemptions in sequence: each is accepted exactly while both limits allow it."""
    with rolled_back(conn):
        admin_id = m.user(conn, role="admin")
        cid = m.coupon(conn, admin_id, usage_limit, per_user)
        users = [m.user(conn) for _ in range(3)]
        used: list[int] = []
        for who in redeemers:
            oid = m.order(conn, users[who])
            if usage_limit is not None and len(used) >= usage_limit:
                with violates(conn, "coupon_usage_within_limit"):
                    m.redeem(conn, cid, users[who], oid)
            elif per_user is not None and used.count(who) >= per_user:
                with violates(conn, "coupon_usage_within_user_limit"):
                    m.redeem(conn, cid, users[who], oid)
            else:
                m.redeem(conn, cid, users[who], oid)
                used.append(who)
            assert conn.execute("SELECT used_count FROM coupons WHERE id = %s", [cid]).fetchone() == (len(used),)


def test_coupon_usage_rules_beyond_the_limits(tx) -> None:
    """Redemptions of an expired or inactive coupon, for someone else's order, or twice per order;
    and used_count cannot be written."""
    conn = tx
    admin_id, buyer, other = m.user(conn, role="admin"), m.user(conn), m.user(conn)
    cid = m.coupon(conn, admin_id, None, None)
    oid = m.order(conn, buyer)
    with violates(conn, "coupon_usage_user_matches_order"):
        m.redeem(conn, cid, other, oid)
    m.redeem(conn, cid, buyer, oid)
    with violates(conn, "coupon_usage_coupon_order_key", UNIQUE_VIOLATION):
        m.redeem(conn, cid, buyer, oid)
    conn.execute("UPDATE coupons SET used_count = 42 WHERE id = %s", [cid])
    assert conn.execute("SELECT used_count FROM coupons WHERE id = %s", [cid]).fetchone() == (1,)
    expired = m.coupon(conn, admin_id, None, None, starts_at="2020-01-01", expires_at="2020-02-01")
    inactive = m.coupon(conn, admin_id, None, None, is_active=False)
    for c in (expired, inactive):
        with violates(conn, "coupon_usage_coupon_valid"):
            m.redeem(conn, c, buyer, m.order(conn, buyer))


@SETTINGS
@given(subtotal=amounts("-999.99"), tax=amounts("-99.99", "999.99"), shipping=amounts("-99.99", "99.99"),
       discount=amounts("-99.99", "999.99"), error=st.one_of(st.just(Decimal(0)), amounts("-99.99", "99.99")))
@example(subtotal=Decimal("10.00"), tax=Decimal("1.00"), shipping=Decimal("2.00"), discount=Decimal("3.00"),
         error=Decimal("0.01"))
@example(subtotal=Decimal("-10.00"), tax=Decimal("0"), shipping=Decimal("0"), discount=Decimal("0"),
         error=Decimal("0"))
@example(subtotal=Decimal("10.00"), tax=Decimal("0"), shipping=Decimal("0"), discount=Decimal("20.00"),
         error=Decimal("0"))
def test_order_amounts_add_up_and_are_never_negative(conn, subtotal, tax, shipping, discount, error) -> None:
    total = subtotal + tax + shipping - discount + error
    violated = set()
    if min(subtotal, tax, shipping, discount, total) < 0:
        violated.add("orders_amounts_non_negative")
    if error != 0:
        violated.add("orders_total_amount_check")
    with rolled_back(conn):
        customer = m.user(conn)

        def place(c):
            m.order(c, customer, subtotal, tax, shipping, discount, total_amount=total)

        rejection = m.attempt(conn, place)
        if not violated:
            assert rejection is None, rejection
        else:
            assert rejection is not None, f"accepted an order violating {violated}"
            assert rejection.sqlstate == CHECK_VIOLATION and rejection.constraint in violated, rejection
            if len(violated) == 1:
                assert rejection.constraint == violated.pop()


@SETTINGS
@given(unit_price=amounts("0", "9999.99"), quantity=st.integers(1, 20),
       rate=st.decimals(Decimal("0"), Decimal("1"), places=4), error=st.one_of(st.just(Decimal(0)), amounts("-9.99", "9.99")))
@example(unit_price=Decimal("10.00"), quantity=1, rate=Decimal("0.1"), error=Decimal("0.01"))
def test_commission_plus_seller_amount_equals_total_price(conn, unit_price, quantity, rate, error) -> None:
    total = unit_price * quantity
    commission = m.money(total * rate)
    seller_amount = total - commission + error
    with rolled_back(conn):
        pid = m.product(conn, m.seller(conn), stock_quantity=100)
        oid = m.order(conn, m.user(conn))

        def add(c):
            m.order_item(c, oid, pid, quantity, unit_price, rate, seller_amount=seller_amount)

        rejection = m.attempt(conn, add)
        if error == 0:
            assert rejection is None, rejection
        elif seller_amount < 0:  # two checks fail; PostgreSQL reports either
            assert rejection is not None and rejection.constraint in {
                "order_items_commission_split_check", "order_items_amounts_non_negative"}, rejection
        else:
            assert rejection is not None and (rejection.sqlstate, rejection.constraint) == (
                CHECK_VIOLATION, "order_items_commission_split_check"), rejection


@SETTINGS
@given(stock=st.integers(0, 10), ordered=st.integers(1, 15), backorders=st.booleans(),
       tracked=st.booleans(), on_variant=st.booleans())
def test_stock_never_goes_negative_unless_backorders_are_allowed(conn, stock, ordered, backorders, tracked,
                                                                 on_variant) -> None:
    """Ordering takes stock (when tracked); overselling is rejected by the stock check of the product or
    variant; cancelling gives the stock back."""
    with rolled_back(conn):
        sid = m.seller(conn)
        pid = m.product(conn, sid, stock_quantity=stock, allow_backorders=backorders and not on_variant,
                        track_inventory=tracked)
        vid = m.variant(conn, pid, stock_quantity=stock, allow_backorders=backorders) if on_variant else None
        table = "product_variants" if on_variant else "products"
        row_id = vid or pid
        stock_of = f"SELECT stock_quantity FROM {table} WHERE id = %s"
        oid = m.order(conn, m.user(conn))
        oversold = tracked and not backorders and ordered > stock
        if oversold:
            with violates(conn, f"{table}_stock_non_negative"):
                m.order_item(conn, oid, pid, ordered, variant_id=vid)
            assert conn.execute(stock_of, [row_id]).fetchone() == (stock,)
        else:
            item = m.order_item(conn, oid, pid, ordered, variant_id=vid)
            left = stock - ordered if tracked else stock
            assert conn.execute(stock_of, [row_id]).fetchone() == (left,)
            conn.execute("UPDATE order_items SET status = 'cancelled' WHERE id = %s", [item])
            assert conn.execute(stock_of, [row_id]).fetchone() == (stock,)
        # setting stock directly below zero
        if backorders:
            conn.execute(f"UPDATE {table} SET stock_quantity = -1 WHERE id = %s", [row_id])
            with violates(conn, f"{table}_stock_non_negative"):  # and backorders cannot be switched off then
                conn.execute(f"UPDATE {table} SET allow_backorders = false WHERE id = %s", [row_id])
        else:
            with violates(conn, f"{table}_stock_non_negative"):
                conn.execute(f"UPDATE {table} SET stock_quantity = -1 WHERE id = %s", [row_id])


@SETTINGS
@given(ratings=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2), st.integers(1, 5)), min_size=1, max_size=9,
                        unique_by=lambda t: (t[0], t[1])),
       votes=st.lists(st.tuples(st.integers(0, 2), st.booleans()), max_size=3, unique_by=lambda t: t[0]),
       erase_product=st.integers(0, 2), erase_user=st.integers(0, 2))
def test_cascading_deletes_keep_derived_data_true(conn, ratings, votes, erase_product, erase_user) -> None:
    """Hard-deleting a product (its reviews cascade) or a user (their reviews and votes cascade)
    recomputes product ratings, the seller's rating and review vote counts."""
    with rolled_back(conn):
        sid = m.seller(conn)
        products = [m.product(conn, sid) for _ in range(3)]
        users = [m.user(conn) for _ in range(3)]
        reviews = {(p, u): m.review(conn, products[p], users[u], r) for p, u, r in ratings}
        first = next(iter(reviews.values()))
        for u, helpful in votes:
            m.vote(conn, first, users[u], helpful)
        conn.execute("DELETE FROM products WHERE id = %s", [products[erase_product]])
        conn.execute("DELETE FROM users WHERE id = %s", [users[erase_user]])
        left = [(p, r) for p, u, r in ratings if p != erase_product and u != erase_user]
        for p in range(3):
            if p != erase_product:
                mine = [r for q, r in left if q == p]
                assert conn.execute("SELECT average_rating, review_count FROM products WHERE id = %s",
                                    [products[p]]).fetchone() == (m.money(Decimal(sum(mine)) / len(mine)) if mine else 0, len(mine))
        every = [r for _, r in left]
        assert conn.execute("SELECT average_rating, rating_count FROM seller_profiles WHERE user_id = %s", [sid]).fetchone() \
            == (m.money(Decimal(sum(every)) / len(every)) if every else 0, len(every))
        counts = conn.execute("SELECT helpful_count, not_helpful_count FROM reviews WHERE id = %s", [first]).fetchone()
        if counts is not None:  # the first review survived
            kept = [h for u, h in votes if u != erase_user]
            assert counts == (sum(kept), len(kept) - sum(kept))


# -- row-level security ----------------------------------------------------------------------------

PUBLISHED = {"active", "out_of_stock"}


@dataclass
class Population:
    """Generated users and their rows, with the ids PostgreSQL gave them."""

    users: list[dict] = field(default_factory=list)
    products: list[dict] = field(default_factory=list)
    orders: list[dict] = field(default_factory=list)
    items: list[dict] = field(default_factory=list)
    carts: list[dict] = field(default_factory=list)
    notifications: list[dict] = field(default_factory=list)


@st.composite
def populations(draw):
    n = draw(st.integers(1, 5))
    users = [draw(st.fixed_dictionaries({
        "role": st.sampled_from(["customer", "seller", "admin"]),
        "status": st.sampled_from(["approved", "approved", "approved", "suspended"]),
        "deleted": st.booleans().map(lambda b: b and draw(st.booleans())),
    })) for _ in range(n)]
    who = st.integers(0, n - 1)
    products = draw(st.lists(st.fixed_dictionaries({
        "seller": who,
        "status": st.sampled_from(["draft", "active", "inactive", "out_of_stock"]),
        "visibility": st.sampled_from(["public", "private", "password_protected"]),
        "deleted": st.booleans(),
    }), max_size=6))
    orders = draw(st.lists(st.fixed_dictionaries({
        "user": who,
        "items": st.lists(st.integers(0, len(products) - 1), max_size=3) if products else st.just([]),
    }), max_size=5))
    carts = draw(st.lists(st.one_of(st.tuples(st.just("user"), who),
                                    st.tuples(st.just("guest"), st.sampled_from(["s1", "s2"]))), max_size=4))
    notifications = draw(st.lists(who, max_size=4))
    return users, products, orders, carts, notifications


def build(conn: psycopg.Connection, drawn) -> Population:
    users, products, orders, carts, notifications = drawn
    pop = Population()
    for u in users:
        uid = m.user(conn, role=u["role"], status=u["status"],
                     deleted_at="2024-01-01T00:00:00Z" if u["deleted"] else None)
        pop.users.append(u | {"id": uid})
    for p in products:
        seller_id = pop.users[p["seller"]]["id"]
        pid = m.product(conn, seller_id, status=p["status"], visibility=p["visibility"],
                        password_hash="$hash" if p["visibility"] == "password_protected" else None,
                        deleted_at="2024-01-01T00:00:00Z" if p["deleted"] else None, track_inventory=False)
        pop.products.append(p | {"id": pid, "seller_id": seller_id})
    for o in orders:
        oid = m.order(conn, pop.users[o["user"]]["id"])
        pop.orders.append({"id": oid, "user_id": pop.users[o["user"]]["id"]})
        for pi in o["items"]:
            iid = m.order_item(conn, oid, pop.products[pi]["id"])
            pop.items.append({"id": iid, "order_id": oid, "product_id": pop.products[pi]["id"],
                              "seller_id": pop.products[pi]["seller_id"],
                              "customer_id": pop.users[o["user"]]["id"]})
    for kind, owner in carts:
        if kind == "user":
            cid = m.cart(conn, pop.users[owner]["id"])
            pop.carts.append({"id": cid, "user_id": pop.users[owner]["id"], "session_id": None})
        else:
            cid = m.cart(conn, None, session_id=owner)
            pop.carts.append({"id": cid, "user_id": None, "session_id": owner})
    for owner in notifications:
        nid = m.notification(conn, pop.users[owner]["id"])
        pop.notifications.append({"id": nid, "user_id": pop.users[owner]["id"]})
    return pop


def is_admin(me: dict | None) -> bool:
    """app_is_admin(): users.role admin, approved, not soft-deleted."""
    return me is not None and me["role"] == "admin" and me["status"] == "approved" and not me["deleted"]


@dataclass
class Access:
    visible: set
    changeable: set
    deletable: set


def expected_access(pop: Population, me: dict | None, session: str | None) -> dict[str, Access]:
    """The access model of schema/README.md: per table, the rows the actor sees, updates and deletes."""
    uid = me["id"] if me else None
    my_orders = {o["id"] for o in pop.orders if o["user_id"] == uid}
    sold_in = {i["order_id"] for i in pop.items if i["seller_id"] == uid}

    def published(p: dict) -> bool:
        return p["status"] in PUBLISHED and p["visibility"] != "private" and not p["deleted"]

    def my_cart(c: dict) -> bool:
        return (c["user_id"] is not None and c["user_id"] == uid) or \
            (c["user_id"] is None and session is not None and c["session_id"] == session)

    def never(_: dict) -> bool:
        return False

    rules = {  # table: (rows, visible, changeable, deletable)
        "products": (pop.products, lambda p: published(p) or p["seller_id"] == uid,
                     lambda p: p["seller_id"] == uid, lambda p: p["seller_id"] == uid),
        "orders": (pop.orders, lambda o: o["id"] in my_orders or o["id"] in sold_in,
                   lambda o: o["id"] in my_orders, never),
        "order_items": (pop.items, lambda i: i["seller_id"] == uid or i["order_id"] in my_orders,
                        lambda i: i["seller_id"] == uid, never),
        "carts": (pop.carts, my_cart, my_cart, my_cart),
        "notifications": (pop.notifications, lambda n: n["user_id"] == uid, lambda n: n["user_id"] == uid,
                          lambda n: n["user_id"] == uid),
    }
    out = {}
    for table, (rows, visible, changeable, deletable) in rules.items():
        if is_admin(me):
            every = {r["id"] for r in rows}
            out[table] = Access(every, every, every)
        else:
            out[table] = Access({r["id"] for r in rows if visible(r)}, {r["id"] for r in rows if changeable(r)},
                                {r["id"] for r in rows if deletable(r)})
    return out


# a no-op change per table, to see which rows an UPDATE reaches
TOUCH = {
    "products": "UPDATE products SET name = name RETURNING id",
    "orders": "UPDATE orders SET customer_notes = customer_notes RETURNING id",
    "order_items": "UPDATE order_items SET status = status RETURNING id",
    "carts": "UPDATE carts SET expires_at = expires_at RETURNING id",
    "notifications": "UPDATE notifications SET title = title RETURNING id",
}


@settings(max_examples=m.examples(30), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=populations())
def test_row_level_security_follows_the_access_model(conn, drawn) -> None:
    """For every generated user (and an anonymous guest session): the rows it sees, updates and deletes
    in products, orders, order_items, carts and notifications are exactly those the access model
    allows - a seller their own products and order items, a customer their own orders, carts and
    notifications, an admin every row (also rows of other tests in this database)."""
    with rolled_back(conn):
        pop = build(conn, drawn)
        everything = {t: m.ids(conn, f"SELECT id FROM {t}") for t in TOUCH}  # as the owner: all rows
        # rows a DELETE may reach without tripping a RESTRICT foreign key (products with order items)
        candidates = {"products": [p["id"] for p in pop.products if p["id"] not in {i["product_id"] for i in pop.items}],
            "orders": [o["id"] for o in pop.orders], "order_items": [i["id"] for i in pop.items],
            "carts": [c["id"] for c in pop.carts], "notifications": [n["id"] for n in pop.notifications]}
        for me, session in [(u, None) for u in pop.users] + [(None, "s1")]:
            expected = expected_access(pop, me, session)
            note(f"actor {me} session {session}")
            with m.acting_as(conn, me["id"] if me else None, session_id=session):
                for table, access in expected.items():
                    seen = m.ids(conn, f"SELECT id FROM {table}")
                    assert seen == (everything[table] if is_admin(me) else access.visible), f"{table}: select"
                    with rolled_back(conn):
                        touched = m.ids(conn, TOUCH[table])
                    assert touched == (everything[table] if is_admin(me) else access.changeable), f"{table}: update"
                    with rolled_back(conn):
                        deleted = m.ids(conn, f"DELETE FROM {table} WHERE id = ANY(%s) RETURNING id",
                                        [candidates[table]])
                    assert deleted == access.deletable & set(candidates[table]), f"{table}: delete"


@SETTINGS
@given(drawn=populations())
def test_rows_cannot_be_written_for_someone_else(conn, drawn) -> None:
    """A seller creates products only for themselves; a customer orders, fills carts and gets
    notifications only as themselves; an admin may do all of it for anybody."""
    with rolled_back(conn):
        pop = build(conn, drawn)
        victim = m.user(conn)
        for me in pop.users:
            admin = is_admin(me)
            seller = me["role"] == "seller" and me["status"] == "approved" and not me["deleted"]
            with m.acting_as(conn, me["id"]):
                writes = {
                    "own product": (lambda c: m.product(c, me["id"], returning=False), seller or admin),  # noqa: B023 (called in this iteration)
                    "product for another": (lambda c: m.product(c, victim, returning=False), admin),
                    "own order": (lambda c: m.order(c, me["id"], returning=False), True),  # noqa: B023 (called in this iteration)
                    "order for another": (lambda c: m.order(c, victim, returning=False), admin),
                    "own cart": (lambda c: m.cart(c, me["id"], returning=False), True),  # noqa: B023 (called in this iteration)
                    "cart for another": (lambda c: m.cart(c, victim, returning=False), admin),
                    "own notification": (lambda c: m.notification(c, me["id"], returning=False), True),  # noqa: B023 (called in this iteration)
                    "notification for another": (lambda c: m.notification(c, victim, returning=False), admin),
                }
                for what, (write, allowed) in writes.items():
                    with rolled_back(conn):
                        rejection = m.attempt(conn, write)
                    if allowed:
                        assert rejection is None, f"{what}: {rejection}"
                    else:
                        assert rejection is not None and rejection.sqlstate == RLS_VIOLATION, f"{what}: {rejection}"
                # a seller cannot hand their product to someone else
                own = next((p for p in pop.products if p["seller_id"] == me["id"]), None)
                if own is not None and not admin:
                    with violates(conn, None, RLS_VIOLATION):
                        conn.execute("UPDATE products SET seller_id = %s WHERE id = %s", [victim, own["id"]])
