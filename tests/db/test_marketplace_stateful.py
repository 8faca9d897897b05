"""Derived data of the marketplace schema (schema/) stays true, on a deployed copy.

A Hypothesis state machine drives random sequences of operations - reviews added, moderated, re-rated,
moved to another product and deleted; helpfulness votes cast, changed, moved and retracted; derived
columns written directly; coupon redemptions and their cancellation; stock set directly, backorders
switched, order items placed, re-sized, moved to another product, cancelled, reinstated and
deleted - keeps a Python model of what should be, and after every step checks that
products.average_rating / review_count follow the approved reviews (and the seller's rating all
approved reviews of their products), reviews.helpful_count / not_helpful_count follow
review_helpfulness, coupons.used_count follows coupon_usage and never passes usage_limit or
usage_limit_per_user, and stock follows the orders. A rejected step must be rejected by the
constraint meant for it. Each run is one transaction, rolled back at the end.

The concurrency tests redeem one coupon, or buy the last units of a product, from several
connections at once (one thread each) and check that the limits hold with committed data.
"""

from __future__ import annotations

import sys
import threading
import time
import uuid
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterator

import psycopg
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule, run_state_machine_as_test

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import marketplace as m  # noqa: E402
from marketplace import CHECK_VIOLATION, UNIQUE_VIOLATION, Rejection  # noqa: E402

N_USERS = 3
N_PRODUCTS = 2
REVIEW_STATUSES = ["pending", "approved", "rejected", "spam"]


@pytest.fixture(scope="module")
def deployment(admin, server) -> Iterator[m.Deployment]:
    with m.deployed_marketplace(admin, server, "t_mkt_state_") as d:
        yield d


@pytest.fixture(scope="module")
def conn(deployment) -> Iterator[psycopg.Connection]:
    with psycopg.connect(deployment.db.conninfo, autocommit=True) as c:
        yield c


def average(ratings: list[int]) -> Decimal:
    """round(avg(rating), 2) as PostgreSQL computes it; 0 without ratings."""
    return m.money(Decimal(sum(ratings)) / len(ratings)) if ratings else Decimal("0.00")


class MarketplaceMachine(RuleBasedStateMachine):
    """Random operations on one seller's products, three customers, reviews, votes, a coupon and orders."""

    conn: psycopg.Connection  # set by the test

    def __init__(self) -> None:
        super().__init__()
        self._tx = self.conn.transaction(force_rollback=True)
        self._tx.__enter__()
        c = self.conn
        self.seller = m.seller(c)
        self.users = [m.user(c) for _ in range(N_USERS)]
        self.products: list[uuid.UUID] = []
        self.product_flags: list[dict[str, Any]] = []  # tracked, backorders
        self.stock: list[int] = []
        self.reviews: dict[uuid.UUID, dict[str, Any]] = {}  # id -> product, user, rating, status
        self.votes: dict[tuple[int, uuid.UUID], bool] = {}  # (user, review) -> helpful
        self.usages: dict[uuid.UUID, int] = {}  # coupon_usage id -> user
        self.items: dict[uuid.UUID, dict[str, Any]] = {}  # order item id -> product, quantity, cancelled
        self.coupon: uuid.UUID | None = None
        self.limits: tuple[int | None, int | None] = (None, None)

    def teardown(self) -> None:
        self._tx.__exit__(None, None, None)

    # -- helpers ---------------------------------------------------------------------------------

    def expect(self, statements: Callable[[psycopg.Connection], Any], constraint: str | None = None,
               sqlstate: str = CHECK_VIOLATION) -> bool:
        """Run `statements` in a savepoint: succeed when constraint is None, else be rejected by it."""
        rejection = m.attempt(self.conn, statements)
        if constraint is None:
            assert rejection is None, rejection
            return True
        assert rejection is not None, f"expected {constraint} to reject the step, but it succeeded"
        assert (rejection.sqlstate, rejection.constraint) == (sqlstate, constraint), rejection
        return False

    def stock_constraint(self, p: int, new_stock: int) -> str | None:
        if new_stock < 0 and not self.product_flags[p]["backorders"]:
            return "products_stock_non_negative"
        return None

    # -- setup -----------------------------------------------------------------------------------

    @initialize(usage_limit=st.none() | st.integers(1, 4), per_user=st.none() | st.integers(1, 2),
                products=st.lists(st.fixed_dictionaries({"stock": st.integers(0, 6), "tracked": st.booleans(),
                                                         "backorders": st.booleans()}),
                                  min_size=N_PRODUCTS, max_size=N_PRODUCTS))
    def setup(self, usage_limit, per_user, products) -> None:
        admin_id = m.user(self.conn, role="admin")
        self.coupon = m.coupon(self.conn, admin_id, usage_limit, per_user)
        self.limits = (usage_limit, per_user)
        for p in products:
            self.products.append(m.product(self.conn, self.seller, stock_quantity=p["stock"],
                                           track_inventory=p["tracked"], allow_backorders=p["backorders"]))
            self.product_flags.append({"tracked": p["tracked"], "backorders": p["backorders"]})
            self.stock.append(p["stock"])

    # -- reviews ---------------------------------------------------------------------------------

    @rule(u=st.integers(0, N_USERS - 1), p=st.integers(0, N_PRODUCTS - 1), rating=st.integers(0, 6),
          status=st.sampled_from(REVIEW_STATUSES))
    def add_review(self, u, p, rating, status) -> None:
        constraint, sqlstate = None, CHECK_VIOLATION
        if not 1 <= rating <= 5:
            constraint = "reviews_rating_range"
        elif any(r["user"] == u and r["product"] == p for r in self.reviews.values()):
            constraint, sqlstate = "reviews_one_per_user_product", UNIQUE_VIOLATION
        made: list[uuid.UUID] = []
        if self.expect(lambda c: made.append(m.review(c, self.products[p], self.users[u], rating, status)),
                       constraint, sqlstate):
            self.reviews[made[0]] = {"product": p, "user": u, "rating": rating, "status": status}

    @precondition(lambda self: self.reviews)
    @rule(data=st.data(), status=st.sampled_from(REVIEW_STATUSES))
    def moderate_review(self, data, status) -> None:
        rid = data.draw(st.sampled_from(list(self.reviews)))
        self.expect(lambda c: c.execute("UPDATE reviews SET status = %s, moderated_at = now() WHERE id = %s",
                                        [status, rid]))
        self.reviews[rid]["status"] = status

    @precondition(lambda self: self.reviews)
    @rule(data=st.data(), rating=st.integers(0, 6))
    def rerate_review(self, data, rating) -> None:
        rid = data.draw(st.sampled_from(list(self.reviews)))
        ok = self.expect(lambda c: c.execute("UPDATE reviews SET rating = %s WHERE id = %s", [rating, rid]),
                         None if 1 <= rating <= 5 else "reviews_rating_range")
        if ok:
            self.reviews[rid]["rating"] = rating

    @precondition(lambda self: self.reviews)
    @rule(data=st.data(), p=st.integers(0, N_PRODUCTS - 1))
    def move_review(self, data, p) -> None:
        """Both the old and the new product recompute their rating."""
        rid = data.draw(st.sampled_from(list(self.reviews)))
        review = self.reviews[rid]
        clash = any(r["user"] == review["user"] and r["product"] == p for k, r in self.reviews.items() if k != rid)
        if self.expect(lambda c: c.execute("UPDATE reviews SET product_id = %s WHERE id = %s", [self.products[p], rid]),
                       "reviews_one_per_user_product" if clash else None, UNIQUE_VIOLATION):
            review["product"] = p

    @precondition(lambda self: self.reviews)
    @rule(data=st.data())
    def delete_review(self, data) -> None:
        rid = data.draw(st.sampled_from(list(self.reviews)))
        self.expect(lambda c: c.execute("DELETE FROM reviews WHERE id = %s", [rid]))
        del self.reviews[rid]
        self.votes = {k: v for k, v in self.votes.items() if k[1] != rid}  # votes go with the review

    @precondition(lambda self: self.reviews)
    @rule(data=st.data(), u=st.integers(0, N_USERS - 1), helpful=st.booleans())
    def write_review_counts(self, data, u, helpful) -> None:
        """Writing derived columns directly changes nothing: they are recomputed."""
        rid = data.draw(st.sampled_from(list(self.reviews)))
        pid = self.products[self.reviews[rid]["product"]]
        self.expect(lambda c: (c.execute("UPDATE reviews SET helpful_count = 99, not_helpful_count = 7 WHERE id = %s", [rid]),
                               c.execute("UPDATE products SET average_rating = 1.5, review_count = 42 WHERE id = %s", [pid]),
                               c.execute("UPDATE coupons SET used_count = 0 WHERE id = %s", [self.coupon])))

    # -- votes -----------------------------------------------------------------------------------

    @precondition(lambda self: self.reviews)
    @rule(data=st.data(), u=st.integers(0, N_USERS - 1), helpful=st.booleans())
    def cast_vote(self, data, u, helpful) -> None:
        rid = data.draw(st.sampled_from(list(self.reviews)))
        duplicate = (u, rid) in self.votes
        if self.expect(lambda c: m.vote(c, rid, self.users[u], helpful),
                       "review_helpfulness_one_vote_per_user" if duplicate else None, UNIQUE_VIOLATION):
            self.votes[(u, rid)] = helpful

    @precondition(lambda self: self.votes)
    @rule(data=st.data(), helpful=st.booleans())
    def change_vote(self, data, helpful) -> None:
        u, rid = data.draw(st.sampled_from(list(self.votes)))
        self.expect(lambda c: c.execute("UPDATE review_helpfulness SET is_helpful = %s WHERE user_id = %s AND review_id = %s",
                                        [helpful, self.users[u], rid]))
        self.votes[(u, rid)] = helpful

    @precondition(lambda self: self.votes and len(self.reviews) > 1)
    @rule(data=st.data())
    def move_vote(self, data) -> None:
        """Both the old and the new review recompute their vote counts."""
        u, rid = data.draw(st.sampled_from(list(self.votes)))
        target = data.draw(st.sampled_from([r for r in self.reviews if r != rid]))
        clash = (u, target) in self.votes
        if self.expect(lambda c: c.execute("UPDATE review_helpfulness SET review_id = %s WHERE user_id = %s AND review_id = %s",
                                           [target, self.users[u], rid]),
                       "review_helpfulness_one_vote_per_user" if clash else None, UNIQUE_VIOLATION):
            self.votes[(u, target)] = self.votes.pop((u, rid))

    @precondition(lambda self: self.votes)
    @rule(data=st.data())
    def retract_vote(self, data) -> None:
        u, rid = data.draw(st.sampled_from(list(self.votes)))
        self.expect(lambda c: c.execute("DELETE FROM review_helpfulness WHERE user_id = %s AND review_id = %s",
                                        [self.users[u], rid]))
        del self.votes[(u, rid)]

    # -- coupon ----------------------------------------------------------------------------------

    @rule(u=st.integers(0, N_USERS - 1))
    def redeem_coupon(self, u) -> None:
        usage_limit, per_user = self.limits
        constraint = None
        if usage_limit is not None and len(self.usages) >= usage_limit:
            constraint = "coupon_usage_within_limit"
        elif per_user is not None and list(self.usages.values()).count(u) >= per_user:
            constraint = "coupon_usage_within_user_limit"
        made: list[uuid.UUID] = []
        if self.expect(lambda c: made.append(m.redeem(c, self.coupon, self.users[u], m.order(c, self.users[u]))),
                       constraint):
            self.usages[made[0]] = u

    @precondition(lambda self: self.usages)
    @rule(data=st.data())
    def cancel_redemption(self, data) -> None:
        usage = data.draw(st.sampled_from(list(self.usages)))
        self.expect(lambda c: c.execute("DELETE FROM coupon_usage WHERE id = %s", [usage]))
        del self.usages[usage]

    # -- stock and orders ------------------------------------------------------------------------

    @rule(p=st.integers(0, N_PRODUCTS - 1), value=st.integers(-3, 8))
    def set_stock(self, p, value) -> None:
        if self.expect(lambda c: c.execute("UPDATE products SET stock_quantity = %s WHERE id = %s",
                                           [value, self.products[p]]), self.stock_constraint(p, value)):
            self.stock[p] = value

    @rule(p=st.integers(0, N_PRODUCTS - 1), allow=st.booleans())
    def switch_backorders(self, p, allow) -> None:
        constraint = None if allow or self.stock[p] >= 0 else "products_stock_non_negative"
        if self.expect(lambda c: c.execute("UPDATE products SET allow_backorders = %s WHERE id = %s",
                                           [allow, self.products[p]]), constraint):
            self.product_flags[p]["backorders"] = allow

    def taken(self, p: int, quantity: int) -> int:
        """Stock left after taking `quantity` (negative: giving back) of product p."""
        return self.stock[p] - quantity if self.product_flags[p]["tracked"] else self.stock[p]

    @rule(u=st.integers(0, N_USERS - 1), p=st.integers(0, N_PRODUCTS - 1), quantity=st.integers(1, 4))
    def place_order_item(self, u, p, quantity) -> None:
        left = self.taken(p, quantity)
        made: list[uuid.UUID] = []
        if self.expect(lambda c: made.append(m.order_item(c, m.order(c, self.users[u]), self.products[p], quantity)),
                       self.stock_constraint(p, left)):
            self.items[made[0]] = {"product": p, "quantity": quantity, "cancelled": False}
            self.stock[p] = left

    @precondition(lambda self: self.items)
    @rule(data=st.data(), quantity=st.integers(1, 4))
    def resize_order_item(self, data, quantity) -> None:
        iid = data.draw(st.sampled_from(list(self.items)))
        item = self.items[iid]
        delta = 0 if item["cancelled"] else quantity - item["quantity"]
        left = self.taken(item["product"], delta)
        total = Decimal("10.00") * quantity
        commission = m.money(total * Decimal("0.1"))
        if self.expect(lambda c: c.execute(
                "UPDATE order_items SET quantity = %s, total_price = %s, commission_amount = %s, seller_amount = %s "
                "WHERE id = %s", [quantity, total, commission, total - commission, iid]),
                self.stock_constraint(item["product"], left) if delta > 0 else None):
            item["quantity"] = quantity
            self.stock[item["product"]] = left

    @precondition(lambda self: self.items)
    @rule(data=st.data(), cancel=st.booleans())
    def cancel_or_reinstate_order_item(self, data, cancel) -> None:
        iid = data.draw(st.sampled_from(list(self.items)))
        item = self.items[iid]
        if item["cancelled"] == cancel:
            delta = 0
        else:
            delta = -item["quantity"] if cancel else item["quantity"]
        left = self.taken(item["product"], delta)
        if self.expect(lambda c: c.execute("UPDATE order_items SET status = %s WHERE id = %s",
                                           ["cancelled" if cancel else "pending", iid]),
                       self.stock_constraint(item["product"], left) if delta > 0 else None):
            item["cancelled"] = cancel
            self.stock[item["product"]] = left

    @precondition(lambda self: self.items)
    @rule(data=st.data(), p=st.integers(0, N_PRODUCTS - 1))
    def move_order_item(self, data, p) -> None:
        """The old product gets the quantity back, the new one gives it (unless cancelled)."""
        iid = data.draw(st.sampled_from(list(self.items)))
        item = self.items[iid]
        if item["product"] == p:
            return
        held = 0 if item["cancelled"] else item["quantity"]
        old_left, new_left = self.taken(item["product"], -held), self.taken(p, held)
        if self.expect(lambda c: c.execute("UPDATE order_items SET product_id = %s WHERE id = %s", [self.products[p], iid]),
                       self.stock_constraint(p, new_left) if held else None):
            self.stock[item["product"]], self.stock[p] = old_left, new_left
            item["product"] = p

    @precondition(lambda self: self.items)
    @rule(data=st.data())
    def delete_order_item(self, data) -> None:
        iid = data.draw(st.sampled_from(list(self.items)))
        item = self.items.pop(iid)
        self.expect(lambda c: c.execute("DELETE FROM order_items WHERE id = %s", [iid]))
        if not item["cancelled"]:
            self.stock[item["product"]] = self.taken(item["product"], -item["quantity"])

    # -- what must hold after every step ---------------------------------------------------------

    @invariant()
    def base_rows_match_the_model(self) -> None:
        c = self.conn
        if not self.products:
            return
        reviews = {r[0]: r[1:] for r in c.execute(
            "SELECT id, product_id, user_id, rating, status::text FROM reviews WHERE product_id = ANY(%s)",
            [self.products]).fetchall()}
        assert reviews == {rid: (self.products[r["product"]], self.users[r["user"]], r["rating"], r["status"])
                           for rid, r in self.reviews.items()}
        votes = set(c.execute("SELECT user_id, review_id, is_helpful FROM review_helpfulness WHERE review_id = ANY(%s)",
                              [list(reviews)]).fetchall())
        assert votes == {(self.users[u], rid, h) for (u, rid), h in self.votes.items()}

    @invariant()
    def ratings_follow_approved_reviews(self) -> None:
        c = self.conn
        every: list[int] = []
        for p, pid in enumerate(self.products):
            approved = [r["rating"] for r in self.reviews.values() if r["product"] == p and r["status"] == "approved"]
            every += approved
            got = c.execute("SELECT average_rating, review_count FROM products WHERE id = %s", [pid]).fetchone()
            assert got == (average(approved), len(approved)), f"product {p}"
        got = c.execute("SELECT average_rating, rating_count FROM seller_profiles WHERE user_id = %s",
                        [self.seller]).fetchone()
        assert got == (average(every), len(every)), "seller rating"

    @invariant()
    def vote_counts_follow_votes(self) -> None:
        for rid in self.reviews:
            helpful = [h for (_, r), h in self.votes.items() if r == rid]
            got = self.conn.execute("SELECT helpful_count, not_helpful_count FROM reviews WHERE id = %s",
                                    [rid]).fetchone()
            assert got == (sum(helpful), len(helpful) - sum(helpful))

    @invariant()
    def coupon_count_follows_usage_within_limits(self) -> None:
        if self.coupon is None:
            return
        c = self.conn
        used, usage_limit, per_user = c.execute(
            "SELECT used_count, usage_limit, usage_limit_per_user FROM coupons WHERE id = %s", [self.coupon]).fetchone()
        rows = c.execute("SELECT id, user_id FROM coupon_usage WHERE coupon_id = %s", [self.coupon]).fetchall()
        assert {r[0] for r in rows} == set(self.usages)
        assert used == len(rows)
        assert usage_limit is None or used <= usage_limit
        assert per_user is None or max(Counter(r[1] for r in rows).values(), default=0) <= per_user

    @invariant()
    def stock_follows_orders(self) -> None:
        if not self.products:
            return
        got = dict(self.conn.execute("SELECT id, stock_quantity FROM products WHERE id = ANY(%s)",
                                     [self.products]).fetchall())
        assert [got[pid] for pid in self.products] == self.stock
        for p, s in enumerate(self.stock):
            assert s >= 0 or self.product_flags[p]["backorders"]


def test_derived_data_stays_true_under_random_operations(conn) -> None:
    MarketplaceMachine.conn = conn
    run_state_machine_as_test(MarketplaceMachine, settings=settings(
        max_examples=m.examples(80), stateful_step_count=40, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))


# -- concurrent coupon redemptions ---------------------------------------------------------------

def race(conninfo: str, jobs: list[Callable[[psycopg.Connection], Any]], hold: float = 0.05) -> list[Rejection | None]:
    """Run each job in its own transaction, connection and thread, all starting together; each
    transaction stays open `hold` seconds after its statements before committing, so a job that does
    not wait for the others would overtake them. None = committed."""
    results: list[Rejection | None] = [None] * len(jobs)
    barrier = threading.Barrier(len(jobs))

    def worker(i: int, job: Callable[[psycopg.Connection], Any]) -> None:
        with psycopg.connect(conninfo) as c:
            c.execute("SELECT 1")
            c.rollback()
            barrier.wait(timeout=30)
            try:
                job(c)
                time.sleep(hold)
                c.commit()
            except psycopg.Error as e:
                c.rollback()
                results[i] = Rejection(e.sqlstate, e.diag.constraint_name, str(e).strip())

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a job hung"
    return results


def redemption(coupon_id: uuid.UUID, user_id: uuid.UUID, order_id: uuid.UUID) -> Callable[[psycopg.Connection], Any]:
    return lambda c: m.redeem(c, coupon_id, user_id, order_id)


def committed_setup(conninfo: str, usage_limit: int | None, per_user: int | None,
                    orders_per_user: list[int]) -> tuple[uuid.UUID, list[Callable[[psycopg.Connection], Any]]]:
    """A committed coupon and, per entry of orders_per_user, a customer with that many orders;
    returns the coupon and one redemption job per order."""
    with psycopg.connect(conninfo) as c:
        coupon_id = m.coupon(c, m.user(c, role="admin"), usage_limit, per_user)
        jobs = []
        for n in orders_per_user:
            uid = m.user(c)
            jobs += [redemption(coupon_id, uid, m.order(c, uid)) for _ in range(n)]
        c.commit()
    return coupon_id, jobs


def redemptions(conninfo: str, coupon_id: uuid.UUID) -> tuple[int, list[uuid.UUID]]:
    with psycopg.connect(conninfo) as c:
        used = c.execute("SELECT used_count FROM coupons WHERE id = %s", [coupon_id]).fetchone()[0]
        users = [r[0] for r in c.execute("SELECT user_id FROM coupon_usage WHERE coupon_id = %s", [coupon_id])]
    return used, users


ROUNDS = 3


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_concurrent_redemptions_respect_usage_limit(deployment, round_) -> None:
    """8 customers redeem a coupon limited to 3 redemptions at the same time: exactly 3 commit."""
    conninfo = deployment.db.conninfo
    coupon_id, jobs = committed_setup(conninfo, 3, None, [1] * 8)
    results = race(conninfo, jobs)
    assert sum(r is None for r in results) == 3
    assert {(r.sqlstate, r.constraint) for r in results if r is not None} == {(CHECK_VIOLATION, "coupon_usage_within_limit")}
    used, users = redemptions(conninfo, coupon_id)
    assert used == len(users) == 3


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_concurrent_redemptions_respect_usage_limit_per_user(deployment, round_) -> None:
    """One customer redeems a coupon (2 per user, no total limit) for 6 orders at the same time: 2 commit."""
    conninfo = deployment.db.conninfo
    coupon_id, jobs = committed_setup(conninfo, None, 2, [6])
    results = race(conninfo, jobs)
    assert sum(r is None for r in results) == 2
    assert {(r.sqlstate, r.constraint) for r in results if r is not None} == {(CHECK_VIOLATION, "coupon_usage_within_user_limit")}
    used, users = redemptions(conninfo, coupon_id)
    assert used == len(users) == 2


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_concurrent_redemptions_respect_both_limits(deployment, round_) -> None:
    """5 customers with 2 orders each race for a coupon limited to 3 redemptions, 1 per user: 3 commit,
    for 3 different customers; every other attempt is refused by one of the two limits."""
    conninfo = deployment.db.conninfo
    coupon_id, jobs = committed_setup(conninfo, 3, 1, [2] * 5)
    results = race(conninfo, jobs)
    assert sum(r is None for r in results) == 3
    assert {(r.sqlstate, r.constraint) for r in results if r is not None} <= {
        (CHECK_VIOLATION, "coupon_usage_within_limit"), (CHECK_VIOLATION, "coupon_usage_within_user_limit")}
    used, users = redemptions(conninfo, coupon_id)
    assert used == len(users) == len(set(users)) == 3


@pytest.mark.parametrize("round_", range(ROUNDS))
@pytest.mark.parametrize("on_variant", [False, True], ids=["product", "variant"])
def test_concurrent_orders_never_oversell(deployment, round_, on_variant) -> None:
    """7 customers order the last 3 units (one each) at the same time: exactly 3 orders commit, the
    others are refused by the stock check, and the stock ends at 0."""
    conninfo = deployment.db.conninfo
    with psycopg.connect(conninfo) as c:
        pid = m.product(c, m.seller(c), stock_quantity=0 if on_variant else 3)
        vid = m.variant(c, pid, stock_quantity=3) if on_variant else None
        customers = [m.user(c) for _ in range(7)]
        c.commit()

    def buy(customer: uuid.UUID) -> Callable[[psycopg.Connection], Any]:
        return lambda c: m.order_item(c, m.order(c, customer), pid, 1, variant_id=vid)

    results = race(conninfo, [buy(u) for u in customers])
    table = "product_variants" if on_variant else "products"
    assert sum(r is None for r in results) == 3
    assert {(r.sqlstate, r.constraint) for r in results if r is not None} == {(CHECK_VIOLATION, f"{table}_stock_non_negative")}
    with psycopg.connect(conninfo) as c:
        assert c.execute(f"SELECT stock_quantity FROM {table} WHERE id = %s", [vid or pid]).fetchone() == (0,)
        assert c.execute("SELECT count(*) FROM order_items WHERE product_id = %s", [pid]).fetchone() == (3,)
