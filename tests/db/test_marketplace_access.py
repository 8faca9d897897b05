"""The marketplace's access model (schema/README.md, "Who may do what") on a deployed copy.

Every test acts as one role - the application role `ecommerce_app` for a customer, a seller, an admin
or an anonymous visitor (app.user_id unset), or `ecommerce_analytics` / `ecommerce_backup` - and checks
that each allowed write succeeds (and does what it says) and each forbidden one is refused with the
exact SQLSTATE and, where the database names one, the rule: 42501 insufficient_privilege for a missing
(column) privilege, for a row-level security WITH CHECK and for the write guards (which report their
rule as the constraint name). UPDATEs and DELETEs that RLS hides rows from reach no row (no error).
Each test runs in one transaction that is rolled back.
"""

from __future__ import annotations

import sys
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

import psycopg
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import marketplace as m  # noqa: E402

DENIED = "42501"  # insufficient_privilege: privileges, RLS WITH CHECK, and the write guards


@pytest.fixture(scope="module")
def deployment(admin, server) -> Iterator[m.Deployment]:
    with m.deployed_marketplace(admin, server, prefix="t_access_") as d:
        yield d


@pytest.fixture(scope="module")
def conn(deployment) -> Iterator[psycopg.Connection]:
    with psycopg.connect(deployment.db.conninfo, autocommit=True) as c:
        yield c


@dataclass
class World:
    """Rows made by the owner: users of every kind, a seller's product, orders and reviews."""

    admin: uuid.UUID
    admin2: uuid.UUID
    customer: uuid.UUID
    other: uuid.UUID
    seller: uuid.UUID
    seller2: uuid.UUID
    product: uuid.UUID          # the seller's, 25.00, commission 0.0800
    variant: uuid.UUID          # of product, 30.00
    product2: uuid.UUID         # seller2's
    order: uuid.UUID            # the customer's, pending, one item of product
    item: uuid.UUID
    delivered_order: uuid.UUID  # the customer's, delivered
    delivered_item: uuid.UUID
    other_order: uuid.UUID      # other's, pending
    other_item: uuid.UUID       # of product2 (seller2's) in other_order
    review: uuid.UUID           # other's approved review of product
    pending_review: uuid.UUID   # other's pending review of product2
    coupon: uuid.UUID


@pytest.fixture
def w(conn) -> Iterator[World]:
    """A fresh world in a transaction that is rolled back after the test."""
    with conn.transaction(force_rollback=True):
        admin = m.user(conn, role="admin")
        admin2 = m.user(conn, role="admin")
        customer, other = m.user(conn), m.user(conn)
        seller = m.seller(conn, profile={"commission_rate": Decimal("0.0800")})
        seller2 = m.seller(conn)
        product = m.product(conn, seller, price=Decimal("25.00"))
        variant = m.variant(conn, product, price=Decimal("30.00"))
        product2 = m.product(conn, seller2)
        order = m.order(conn, customer, subtotal=Decimal("25.00"))
        item = m.order_item(conn, order, product, unit_price=Decimal("25.00"), commission_rate=Decimal("0.0800"))
        delivered_order = m.order(conn, customer, status="delivered", payment_status="paid")
        delivered_item = m.order_item(conn, delivered_order, product, status="delivered")
        other_order = m.order(conn, other)
        other_item = m.order_item(conn, other_order, product2)
        review = m.review(conn, product, other, status="approved")
        pending_review = m.review(conn, product2, other, status="pending")
        coupon = m.coupon(conn, admin)
        yield World(admin, admin2, customer, other, seller, seller2, product, variant, product2, order, item,
                    delivered_order, delivered_item, other_order, other_item, review, pending_review, coupon)


def refused(conn: psycopg.Connection, rule: str | None = None):
    """The block must fail with 42501, reported for `rule` (None: a privilege or RLS error, no name)."""
    return m.violates(conn, rule, DENIED)


def one(conn: psycopg.Connection, query: str, params: Any = None) -> Any:
    row = conn.execute(query, params).fetchone()
    return row[0] if row else None


def reached(conn: psycopg.Connection, query: str, params: Any = None) -> int:
    """How many rows a write reached (RLS hides rows from UPDATE and DELETE without an error)."""
    return conn.execute(query, params).rowcount


def as_owner(conn: psycopg.Connection, query: str, params: Any = None) -> Any:
    """Read as the connection's own (owner, superuser) role, outside acting_as."""
    return one(conn, query, params)


def checkout_item(conn: psycopg.Connection, order_id: uuid.UUID, product_id: uuid.UUID, unit_price: Decimal,
                  rate: Decimal, quantity: int = 2, **kw: Any) -> uuid.UUID:
    """An order item as a customer inserts it at checkout (no RETURNING: the id is made here)."""
    return m.order_item(conn, order_id, product_id, quantity=quantity, unit_price=unit_price, commission_rate=rate,
                        returning=False, **kw)


# -- the customer ----------------------------------------------------------------------------------

def test_customer_places_a_pending_order_and_cannot_place_a_paid_or_shipped_one(conn, w) -> None:
    with m.acting_as(conn, w.customer):
        m.order(conn, w.customer, returning=False)
        with refused(conn, "orders_customer_checkout"):
            m.order(conn, w.customer, payment_status="paid", returning=False)
        with refused(conn, "orders_customer_checkout"):
            m.order(conn, w.customer, status="shipped", shipped_at="2026-01-01T00:00:00Z", returning=False)
        with refused(conn, "orders_customer_checkout"):
            m.order(conn, w.customer, admin_notes="VIP, ship for free", returning=False)
        with refused(conn):  # RLS: an order in somebody else's name
            m.order(conn, w.other, returning=False)


def test_customer_cannot_rewrite_the_amounts_of_their_order(conn, w) -> None:
    with m.acting_as(conn, w.customer):
        for column in ("subtotal", "tax_amount", "shipping_amount", "discount_amount", "total_amount"):
            with refused(conn):  # no UPDATE privilege on the column: permission denied for table orders
                conn.execute(f"UPDATE orders SET {column} = 0 WHERE id = %s", [w.order])
        with refused(conn):
            conn.execute("UPDATE orders SET subtotal = 1, total_amount = 1 WHERE id = %s", [w.order])
        with refused(conn):  # nor give the order to somebody else
            conn.execute("UPDATE orders SET user_id = %s WHERE id = %s", [w.other, w.order])
    assert as_owner(conn, "SELECT total_amount FROM orders WHERE id = %s", [w.order]) == Decimal("25.00")


def test_customer_cannot_change_payment_or_fulfilment_of_their_order(conn, w) -> None:
    with m.acting_as(conn, w.customer):
        with refused(conn, "orders_customer_columns"):
            conn.execute("UPDATE orders SET payment_status = 'paid' WHERE id = %s", [w.order])
        with refused(conn, "orders_customer_columns"):
            conn.execute("UPDATE orders SET tracking_number = 'X1' WHERE id = %s", [w.order])
        with refused(conn, "orders_customer_columns"):
            conn.execute("UPDATE orders SET admin_notes = 'refund twice' WHERE id = %s", [w.order])
        for status in ("confirmed", "shipped", "delivered", "refunded"):
            with refused(conn, "orders_customer_status"):
                conn.execute("UPDATE orders SET status = %s WHERE id = %s", [status, w.order])
        with refused(conn, "orders_customer_status"):  # a delivered order is not cancelled by the customer
            conn.execute("UPDATE orders SET status = 'cancelled', cancelled_at = now(), cancelled_by = %s "
                         "WHERE id = %s", [w.customer, w.delivered_order])
        with refused(conn, "orders_customer_columns"):  # addresses are fixed once the order is under way
            conn.execute("UPDATE orders SET shipping_address = '{\"country\": \"DE\"}' WHERE id = %s",
                         [w.delivered_order])
    assert as_owner(conn, "SELECT payment_status::text FROM orders WHERE id = %s", [w.order]) == "pending"


def test_customer_edits_notes_and_address_and_cancels_a_pending_order_in_their_own_name(conn, w) -> None:
    with m.acting_as(conn, w.customer):
        assert reached(conn, "UPDATE orders SET customer_notes = 'leave at the door', "
                             "shipping_address = '{\"country\": \"BE\"}' WHERE id = %s", [w.order]) == 1
        with refused(conn, "orders_customer_status"):  # cancelled by somebody else
            conn.execute("UPDATE orders SET status = 'cancelled', cancelled_at = now(), cancelled_by = %s "
                         "WHERE id = %s", [w.admin, w.order])
        assert reached(conn, "UPDATE orders SET status = 'cancelled', cancelled_at = now(), cancelled_by = %s, "
                             "cancellation_reason = 'changed my mind' WHERE id = %s", [w.customer, w.order]) == 1
        # somebody else's order is out of reach
        assert reached(conn, "UPDATE orders SET customer_notes = 'x' WHERE id = %s", [w.other_order]) == 0
    assert as_owner(conn, "SELECT status::text FROM orders WHERE id = %s", [w.order]) == "cancelled"
    assert as_owner(conn, "SELECT customer_notes FROM orders WHERE id = %s", [w.order]) == "leave at the door"


def test_customer_checks_out_items_at_the_current_price_and_the_sellers_commission(conn, w) -> None:
    with m.acting_as(conn, w.customer):
        order = m.order(conn, w.customer, subtotal=Decimal("110.00"), returning=False)
        checkout_item(conn, order, w.product, Decimal("25.00"), Decimal("0.0800"))
        checkout_item(conn, order, w.product, Decimal("30.00"), Decimal("0.0800"), variant_id=w.variant)
        with refused(conn, "order_items_checkout_price"):  # cheaper than the product
            checkout_item(conn, order, w.product, Decimal("0.01"), Decimal("0.0800"), variant_id=None,
                          product_name="again")
        with refused(conn, "order_items_checkout_price"):  # the product's price for a dearer variant
            checkout_item(conn, order, w.product, Decimal("25.00"), Decimal("0.0800"), variant_id=w.variant)
        with refused(conn, "order_items_checkout_commission"):  # no commission for the marketplace
            checkout_item(conn, m.order(conn, w.customer, returning=False), w.product, Decimal("25.00"),
                          Decimal("0"))
        with refused(conn, "order_items_checkout"):  # items of an order that is under way
            checkout_item(conn, w.delivered_order, w.product, Decimal("25.00"), Decimal("0.0800"))
        with refused(conn, "order_items_checkout"):  # an item that is already delivered
            checkout_item(conn, m.order(conn, w.customer, returning=False), w.product, Decimal("25.00"),
                          Decimal("0.0800"), status="delivered")
        with refused(conn, "order_items_checkout"):  # items of somebody else's order (RLS hides it)
            checkout_item(conn, w.other_order, w.product, Decimal("25.00"), Decimal("0.0800"))
        # and once placed, the customer changes no item
        assert reached(conn, "UPDATE order_items SET status = 'cancelled' WHERE id = %s", [w.item]) == 0
        with refused(conn):
            conn.execute("UPDATE order_items SET unit_price = 0.01 WHERE id = %s", [w.item])
    # seller_id and the stock followed (SECURITY DEFINER triggers, owner's rights)
    assert as_owner(conn, "SELECT count(*) FROM order_items WHERE order_id = %s AND seller_id = %s",
                    [order, w.seller]) == 2


def test_customer_writes_reviews_only_in_their_own_name_and_cannot_approve_them(conn, w) -> None:
    with m.acting_as(conn, w.customer):
        mine = m.review(conn, w.product, w.customer, status="pending", returning=False)
        with refused(conn):  # RLS: a review in somebody else's name
            m.review(conn, w.product2, w.other, status="pending", returning=False)
        with refused(conn, "reviews_moderation_by_admin"):  # published without moderation
            m.review(conn, w.product2, w.customer, status="approved", returning=False)
        with refused(conn, "reviews_moderation_by_admin"):  # approving their own review
            conn.execute("UPDATE reviews SET status = 'approved' WHERE id = %s", [mine])
        with refused(conn, "reviews_moderation_by_admin"):
            conn.execute("UPDATE reviews SET moderated_by = %s, moderated_at = now() WHERE id = %s",
                         [w.admin, mine])
        with refused(conn, "reviews_author_columns"):
            conn.execute("UPDATE reviews SET product_id = %s WHERE id = %s", [w.product2, mine])
        assert reached(conn, "UPDATE reviews SET rating = 4, title = 'Good', content = 'Fine pen' "
                             "WHERE id = %s", [mine]) == 1
        # somebody else's reviews: approved ones are read, none is changed or deleted
        assert m.ids(conn, "SELECT id FROM reviews") >= {w.review, mine}
        assert w.pending_review not in m.ids(conn, "SELECT id FROM reviews")
        assert reached(conn, "UPDATE reviews SET rating = 1 WHERE id = %s", [w.review]) == 0
        assert reached(conn, "DELETE FROM reviews WHERE id = %s", [w.review]) == 0
        assert reached(conn, "DELETE FROM reviews WHERE id = %s", [mine]) == 1


def test_verified_purchase_needs_a_delivered_item_of_the_reviewers_own_order(conn, w) -> None:
    with m.acting_as(conn, w.customer):
        with refused(conn, "reviews_verified_purchase"):  # no order item at all
            m.review(conn, w.product, w.customer, status="pending", is_verified_purchase=True, returning=False)
        with refused(conn, "reviews_verified_purchase"):  # an item not delivered yet
            m.review(conn, w.product, w.customer, status="pending", is_verified_purchase=True,
                     order_item_id=w.item, returning=False)
        with refused(conn, "reviews_verified_purchase"):  # somebody else's purchase
            m.review(conn, w.product2, w.customer, status="pending", is_verified_purchase=True,
                     order_item_id=w.other_item, returning=False)
        m.review(conn, w.product, w.customer, status="pending", is_verified_purchase=True,
                 order_item_id=w.delivered_item, returning=False)


def test_helpfulness_votes_only_in_ones_own_name_on_others_approved_reviews(conn, w) -> None:
    with m.acting_as(conn, w.customer):
        m.insert(conn, "review_helpfulness", {"review_id": w.review, "user_id": w.customer, "is_helpful": True,
                                              "returning": False})
        with refused(conn):  # in somebody else's name
            m.insert(conn, "review_helpfulness", {"review_id": w.review, "user_id": w.seller, "is_helpful": True,
                                                  "returning": False})
        with refused(conn):  # on a review nobody may see yet
            m.insert(conn, "review_helpfulness", {"review_id": w.pending_review, "user_id": w.customer,
                                                  "is_helpful": False, "returning": False})
        with refused(conn):  # moving a vote into somebody else's name
            conn.execute("UPDATE review_helpfulness SET user_id = %s WHERE user_id = %s", [w.other, w.customer])
    with m.acting_as(conn, w.other):
        with refused(conn):  # on their own review
            m.insert(conn, "review_helpfulness", {"review_id": w.review, "user_id": w.other, "is_helpful": True,
                                                  "returning": False})
        assert m.ids(conn, "SELECT user_id FROM review_helpfulness") == set()  # others' votes are private
        assert reached(conn, "DELETE FROM review_helpfulness") == 0
    # the vote count followed (SECURITY DEFINER trigger)
    assert as_owner(conn, "SELECT helpful_count FROM reviews WHERE id = %s", [w.review]) == 1


def test_coupon_usage_is_recorded_only_for_ones_own_pending_order(conn, w) -> None:
    with m.acting_as(conn, w.customer):
        order = m.order(conn, w.customer, returning=False)
        with refused(conn):  # in somebody else's name, for their order
            m.insert(conn, "coupon_usage", {"coupon_id": w.coupon, "user_id": w.other, "order_id": w.other_order,
                                            "discount_amount": Decimal("5.00"), "returning": False})
        # own name, somebody else's order: coupon_usage_enforce_limits (a BEFORE trigger, so before the
        # policy) rejects it as an integrity error
        with m.violates(conn, "coupon_usage_user_matches_order", m.CHECK_VIOLATION):
            m.insert(conn, "coupon_usage", {"coupon_id": w.coupon, "user_id": w.customer,
                                            "order_id": w.other_order, "discount_amount": Decimal("5.00"),
                                            "returning": False})
        with refused(conn):  # an order that is under way
            m.insert(conn, "coupon_usage", {"coupon_id": w.coupon, "user_id": w.customer,
                                            "order_id": w.delivered_order, "discount_amount": Decimal("5.00"),
                                            "returning": False})
        m.insert(conn, "coupon_usage", {"coupon_id": w.coupon, "user_id": w.customer, "order_id": order,
                                        "discount_amount": Decimal("5.00"), "returning": False})
        # a redemption is not undone or moved by the customer
        assert reached(conn, "DELETE FROM coupon_usage WHERE order_id = %s", [order]) == 0
        assert reached(conn, "UPDATE coupon_usage SET discount_amount = 50 WHERE order_id = %s", [order]) == 0
    assert as_owner(conn, "SELECT used_count FROM coupons WHERE id = %s", [w.coupon]) == 1


def test_customer_reads_the_payments_of_their_orders_and_records_none(conn, w) -> None:
    with conn.transaction():
        mine = m.insert(conn, "transactions", {"order_id": w.order, "type": "payment", "amount": Decimal("25.00"),
                                               "gateway": "stripe"})
        theirs = m.insert(conn, "transactions", {"order_id": w.other_order, "type": "payment",
                                                 "amount": Decimal("10.00"), "gateway": "stripe"})
    with m.acting_as(conn, w.customer):
        assert m.ids(conn, "SELECT id FROM transactions") == {mine}
        with refused(conn):  # RLS: no payment, refund or chargeback recorded by a customer
            m.insert(conn, "transactions", {"order_id": w.order, "type": "refund", "amount": Decimal("25.00"),
                                            "gateway": "stripe", "returning": False})
        assert reached(conn, "UPDATE transactions SET status = 'succeeded' WHERE id = %s", [mine]) == 0
    assert theirs


def test_users_cannot_make_themselves_admins_or_change_other_users(conn, w) -> None:
    with m.acting_as(conn, w.customer):
        assert reached(conn, "UPDATE users SET name = 'New Name', deleted_at = now() WHERE id = %s",
                       [w.customer]) == 1
        with refused(conn, "users_role_by_admin"):
            conn.execute("UPDATE users SET role = 'admin' WHERE id = %s", [w.customer])
        with refused(conn, "users_role_by_admin"):  # nor suspend somebody
            conn.execute("UPDATE users SET status = 'suspended' WHERE id = %s", [w.other])
        with refused(conn, "users_own_row"):  # nor take over their account
            conn.execute("UPDATE users SET email = 'mine@example.com' WHERE id = %s", [w.other])
        with refused(conn, "users_own_row"):
            conn.execute("UPDATE users SET password_hash = 'x' WHERE id = %s", [w.other])
        assert reached(conn, "DELETE FROM users WHERE id = %s", [w.other]) == 0
    with m.acting_as(conn, None):  # signing up and in
        m.user(conn, returning=False)
        with refused(conn, "users_role_by_admin"):
            m.user(conn, role="admin", returning=False)
        assert reached(conn, "UPDATE users SET failed_login_attempts = failed_login_attempts + 1 "
                             "WHERE id = %s", [w.other]) == 1
        with refused(conn, "users_sign_in_columns"):
            conn.execute("UPDATE users SET email = 'mine@example.com' WHERE id = %s", [w.other])
    assert as_owner(conn, "SELECT role::text FROM users WHERE id = %s", [w.customer]) == "customer"
    assert as_owner(conn, "SELECT failed_login_attempts FROM users WHERE id = %s", [w.other]) == 1


def test_customer_creates_no_coupons_categories_or_settings(conn, w) -> None:
    category = m.category(conn)
    setting = m.insert(conn, "settings", {"key_name": m.unique("k").lower(), "value": "1", "data_type": "integer"})
    with m.acting_as(conn, w.customer):
        with refused(conn):  # a 100 % coupon in an admin's name
            m.coupon(conn, w.admin, type="percentage", value=Decimal("100"), returning=False)
        with refused(conn):  # or in their own
            m.coupon(conn, w.customer, type="percentage", value=Decimal("100"), returning=False)
        assert reached(conn, "UPDATE coupons SET value = 100, usage_limit = NULL WHERE id = %s", [w.coupon]) == 0
        with refused(conn):
            m.category(conn, returning=False)
        assert reached(conn, "UPDATE categories SET name = 'x' WHERE id = %s", [category]) == 0
        assert reached(conn, "UPDATE settings SET value = '2' WHERE id = %s", [setting]) == 0
        # but reads them, as the storefront does
        assert w.coupon in m.ids(conn, "SELECT id FROM coupons")
        assert category in m.ids(conn, "SELECT id FROM categories")
        assert setting in m.ids(conn, "SELECT id FROM settings")


def test_seller_runs_coupons_only_in_their_own_name_for_their_own_products(conn, w) -> None:
    own = {"applicable_to": "specific_sellers", "applicable_ids": [w.seller], "returning": False}
    with m.acting_as(conn, w.seller):
        mine = m.coupon(conn, w.seller, **own)
        with refused(conn):  # for every product of the marketplace
            m.coupon(conn, w.seller, returning=False)
        with refused(conn):  # for another seller's products
            m.coupon(conn, w.seller, **(own | {"applicable_ids": [w.seller2]}))
        with refused(conn):  # in an admin's name
            m.coupon(conn, w.admin, **own)
        assert reached(conn, "UPDATE coupons SET value = 7 WHERE id = %s", [mine]) == 1
        assert reached(conn, "UPDATE coupons SET value = 7 WHERE id = %s", [w.coupon]) == 0
        with refused(conn):  # widening their coupon to the whole marketplace
            conn.execute("UPDATE coupons SET applicable_to = 'all', applicable_ids = NULL WHERE id = %s", [mine])


# -- the seller ------------------------------------------------------------------------------------

def test_seller_moves_their_items_through_fulfilment_and_cannot_touch_the_commission(conn, w) -> None:
    with m.acting_as(conn, w.seller):
        assert reached(conn, "UPDATE order_items SET status = 'shipped' WHERE id = %s", [w.item]) == 1
        for column, value in (("commission_rate", "0"), ("commission_amount", "0"), ("seller_amount", "25.00"),
                              ("unit_price", "99.00"), ("total_price", "99.00"), ("quantity", "9"),
                              ("seller_id", f"'{w.seller2}'"), ("order_id", f"'{w.other_order}'")):
            with refused(conn):  # no UPDATE privilege on the column
                conn.execute(f"UPDATE order_items SET {column} = {value} WHERE id = %s", [w.item])
        with refused(conn):
            conn.execute("UPDATE order_items SET commission_amount = 0, seller_amount = total_price WHERE id = %s",
                         [w.item])
        for status in ("refunded", "pending"):
            with refused(conn, "order_items_seller_status"):
                conn.execute("UPDATE order_items SET status = %s WHERE id = %s", [status, w.item])
        # another seller's items and the customer's order are out of reach
        assert reached(conn, "UPDATE order_items SET status = 'cancelled' WHERE id = %s", [w.other_item]) == 0
        assert reached(conn, "UPDATE orders SET customer_notes = 'x' WHERE id = %s", [w.order]) == 0
        with refused(conn):  # and a seller creates no items
            checkout_item(conn, w.order, w.product, Decimal("25.00"), Decimal("0.0800"))
    assert conn.execute("SELECT status::text, commission_rate FROM order_items WHERE id = %s",
                        [w.item]).fetchone() == ("shipped", Decimal("0.0800"))


def test_seller_edits_their_profile_but_not_commission_verification_or_sales(conn, w) -> None:
    with m.acting_as(conn, w.seller):
        assert reached(conn, "UPDATE seller_profiles SET business_name = 'Pens & Co', vacation_mode = true "
                             "WHERE user_id = %s", [w.seller]) == 1
        for assignment in ("commission_rate = 0", "verification_status = 'approved', verified_at = now()",
                           "total_sales = 1000000", "verified_by = user_id", "rating_count = 99"):
            with refused(conn, "seller_profiles_owner_columns"):
                conn.execute(f"UPDATE seller_profiles SET {assignment} WHERE user_id = %s", [w.seller])
        assert m.ids(conn, "SELECT user_id FROM seller_profiles") == {w.seller}  # only their own
        assert reached(conn, "UPDATE seller_profiles SET business_name = 'x' WHERE user_id = %s", [w.seller2]) == 0
        assert reached(conn, "DELETE FROM seller_profiles WHERE user_id = %s", [w.seller]) == 0
    assert as_owner(conn, "SELECT commission_rate FROM seller_profiles WHERE user_id = %s", [w.seller]) == \
        Decimal("0.0800")


def test_new_seller_profile_is_pending_at_the_default_commission_in_ones_own_name(conn, w) -> None:
    profile = {"business_name": "New Biz", "business_type": "individual", "business_address": {"country": "NL"},
               "returning": False}
    with m.acting_as(conn, w.customer):
        with refused(conn):  # in somebody else's name
            m.insert(conn, "seller_profiles", profile | {"user_id": w.other})
        with refused(conn, "seller_profiles_owner_insert"):
            m.insert(conn, "seller_profiles", profile | {"user_id": w.customer, "commission_rate": Decimal("0")})
        with refused(conn, "seller_profiles_owner_insert"):
            m.insert(conn, "seller_profiles", profile | {"user_id": w.customer, "verification_status": "approved",
                                                         "verified_at": "2026-01-01T00:00:00Z"})
        m.insert(conn, "seller_profiles", profile | {"user_id": w.customer})
    assert conn.execute("SELECT verification_status::text, commission_rate FROM seller_profiles WHERE user_id = %s",
                        [w.customer]).fetchone() == ("pending", Decimal("0.0500"))


# -- the admin -------------------------------------------------------------------------------------

def test_admin_records_payment_and_fulfilment_but_not_new_amounts(conn, w) -> None:
    setting = m.insert(conn, "settings", {"key_name": m.unique("k").lower(), "value": "x"})
    with m.acting_as(conn, w.admin):
        assert reached(conn, "UPDATE orders SET payment_status = 'paid', status = 'shipped', shipped_at = now(), "
                             "tracking_number = 'TRACK1', admin_notes = 'ok' WHERE id = %s", [w.order]) == 1
        m.insert(conn, "transactions", {"order_id": w.order, "type": "payment", "amount": Decimal("25.00"),
                                        "gateway": "stripe", "status": "succeeded", "returning": False})
        assert reached(conn, "UPDATE order_items SET status = 'refunded' WHERE id = %s", [w.item]) == 1
        with refused(conn):  # amounts are fixed at checkout, for everybody using the application role
            conn.execute("UPDATE orders SET total_amount = 0, subtotal = 0 WHERE id = %s", [w.order])
        with refused(conn):
            conn.execute("UPDATE order_items SET commission_rate = 0 WHERE id = %s", [w.item])
        assert reached(conn, "UPDATE seller_profiles SET commission_rate = 0.1000, verification_status = 'approved', "
                             "verified_at = now(), verified_by = %s WHERE user_id = %s", [w.admin, w.seller]) == 1
        assert reached(conn, "UPDATE users SET role = 'seller' WHERE id = %s", [w.customer]) == 1
        m.coupon(conn, w.admin, type="percentage", value=Decimal("10"), returning=False)
        assert reached(conn, "UPDATE settings SET description = 'checked' WHERE id = %s", [setting]) == 1
        m.category(conn, returning=False)
    assert as_owner(conn, "SELECT payment_status::text FROM orders WHERE id = %s", [w.order]) == "paid"


def test_admin_moderates_others_reviews_in_their_own_name_only(conn, w) -> None:
    own = m.review(conn, w.product2, w.admin, status="pending")
    with m.acting_as(conn, w.admin):
        with refused(conn, "reviews_no_self_moderation"):
            conn.execute("UPDATE reviews SET status = 'approved', moderated_by = %s, moderated_at = now() "
                         "WHERE id = %s", [w.admin, own])
        with refused(conn, "reviews_no_self_moderation"):
            m.review(conn, w.product, w.admin, status="approved", moderated_by=w.admin, returning=False)
        with refused(conn, "reviews_moderator_is_self"):  # in another admin's name
            conn.execute("UPDATE reviews SET status = 'approved', moderated_by = %s, moderated_at = now() "
                         "WHERE id = %s", [w.admin2, w.pending_review])
        assert reached(conn, "UPDATE reviews SET status = 'approved', moderated_by = %s, moderated_at = now() "
                             "WHERE id = %s", [w.admin, w.pending_review]) == 1
    # the approval counted in the product's rating (SECURITY DEFINER triggers)
    assert as_owner(conn, "SELECT review_count FROM products WHERE id = %s", [w.product2]) == 1


# -- anonymous visitors ----------------------------------------------------------------------------

def test_anonymous_visitor_reads_approved_reviews_and_writes_nothing_in_anybodys_name(conn, w) -> None:
    with m.acting_as(conn, None):
        seen = m.ids(conn, "SELECT id FROM reviews")
        assert w.review in seen and w.pending_review not in seen
        with refused(conn):
            m.review(conn, w.product, w.customer, status="pending", returning=False)
        with refused(conn):
            m.order(conn, w.customer, returning=False)
        with refused(conn):
            m.insert(conn, "review_helpfulness", {"review_id": w.review, "user_id": w.customer, "is_helpful": True,
                                                  "returning": False})
        with refused(conn):
            m.insert(conn, "coupon_usage", {"coupon_id": w.coupon, "user_id": w.customer, "order_id": w.order,
                                            "discount_amount": Decimal("5.00"), "returning": False})
        with refused(conn, "users_role_by_admin"):
            conn.execute("UPDATE users SET role = 'admin' WHERE id = %s", [w.customer])
        for table in ("transactions", "coupon_usage", "seller_profiles", "review_helpfulness", "orders"):
            assert one(conn, f"SELECT count(*) FROM {table}") == 0, table


# -- reporting and backup roles --------------------------------------------------------------------

@pytest.mark.parametrize("role", ["ecommerce_analytics", "ecommerce_backup"])
def test_reporting_roles_read_every_row_and_write_none(conn, w, role) -> None:
    with conn.transaction():
        m.insert(conn, "transactions", {"order_id": w.order, "type": "payment", "amount": Decimal("1.00"),
                                        "gateway": "stripe"})
        m.redeem(conn, w.coupon, w.customer, w.order)
        m.vote(conn, w.review, w.customer)
    totals = {t: as_owner(conn, f"SELECT count(*) FROM {t}")
              for t in ("reviews", "review_helpfulness", "coupon_usage", "transactions", "seller_profiles", "coupons",
                        "categories", "settings")}
    with m.acting_as(conn, None, role=role):
        for table, total in totals.items():
            assert one(conn, f"SELECT count(*) FROM {table}") == total, table
        for statement in ("UPDATE reviews SET status = 'approved'", "DELETE FROM review_helpfulness",
                          "UPDATE orders SET payment_status = 'paid'", "UPDATE order_items SET status = 'shipped'",
                          "UPDATE seller_profiles SET commission_rate = 0", "DELETE FROM coupon_usage",
                          "UPDATE coupons SET value = 100", "UPDATE settings SET value = NULL",
                          "INSERT INTO transactions (order_id, type, amount, gateway) "
                          "SELECT id, 'refund', 1, 'stripe' FROM orders LIMIT 1"):
            with refused(conn):  # permission denied
                conn.execute(statement)
    if role == "ecommerce_backup":
        with m.acting_as(conn, None, role=role):
            assert one(conn, "SELECT count(*) FROM users") == as_owner(conn, "SELECT count(*) FROM users")


def test_the_application_role_holds_update_only_on_the_columns_meant_for_it(conn) -> None:
    rows = conn.execute(
        "SELECT c.table_name, c.column_name, has_column_privilege('ecommerce_app', "
        "format('public.%I', c.table_name), c.column_name, 'UPDATE') "
        "FROM information_schema.columns c WHERE c.table_schema = 'public' "
        "AND c.table_name IN ('orders', 'order_items')").fetchall()
    updatable = {(t, c) for t, c, ok in rows if ok}
    assert ("orders", "payment_status") in updatable and ("order_items", "status") in updatable
    for money in ("subtotal", "tax_amount", "shipping_amount", "discount_amount", "total_amount", "user_id",
                  "order_number"):
        assert ("orders", money) not in updatable
    assert {c for t, c in updatable if t == "order_items"} == {"status"}
