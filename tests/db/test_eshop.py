"""examples/eshop (seed 002) deploys to a fresh database with `pgdecl apply --yes`, a second plan is
empty, and its triggers and constraints do what the specs promise."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import psycopg
import pytest
from click.testing import CliRunner
from conftest import fresh_database
from psycopg import errors

from pgdecl.cli import main
from pgdecl.plan import make_plan

ESHOP = Path(__file__).resolve().parents[2] / "examples" / "eshop"


@pytest.fixture(scope="module")
def eshop_db(admin, server):
    """A fresh database with examples/eshop applied through the CLI."""
    with fresh_database(admin, "eshop_") as db:
        r = CliRunner().invoke(main, ["apply", str(ESHOP), "--database-url", db.conninfo, "--yes"])
        assert r.exit_code == 0, r.output
        assert "a second plan is empty" in r.output
        yield db


@contextmanager
def rolled_back(db) -> Iterator[psycopg.Connection]:
    """A connection whose work is rolled back at the end, so tests do not see each other's rows."""
    with psycopg.connect(db.conninfo) as conn:
        try:
            yield conn
        finally:
            conn.rollback()


def fails(conn: psycopg.Connection, exc: type[Exception], sql: str, params: tuple = ()) -> str:
    """Run `sql` in a savepoint, expect `exc`, return the violated constraint's name."""
    with pytest.raises(exc) as err:
        with conn.transaction():
            conn.execute(sql, params)
    return err.value.diag.constraint_name or ""


def one(conn: psycopg.Connection, sql: str, params: tuple = ()):
    return conn.execute(sql, params).fetchone()[0]


def new_user(conn: psycopg.Connection, name: str) -> str:
    role = conn.execute("INSERT INTO user_roles (code, name) VALUES (%s, %s) ON CONFLICT (code) DO UPDATE "
                        "SET name = EXCLUDED.name RETURNING id", ("user", "User")).fetchone()[0]
    return one(conn, "INSERT INTO users (role_id, username, email, phone_number, first_name, last_name, "
                     "hashed_password) VALUES (%s, %s, %s, '0123456789', 'A', 'B', '$2b$12$x') RETURNING id",
               (role, name, f"{name}@example.org"))


def new_product(conn: psycopg.Connection, slug: str) -> str:
    return one(conn, "INSERT INTO products (name, slug, base_price) VALUES (%s, %s, 10) RETURNING id", (slug, slug))


def new_order(conn: psycopg.Connection, user: str) -> tuple[str, str]:
    return conn.execute(
        "INSERT INTO orders (user_id, subtotal, total_amount, shipping_address) "
        "VALUES (%s, 10, 10, '{\"city\": \"Hanoi\"}') RETURNING id, order_number", (user,)).fetchone()


def test_eshop_second_plan_is_empty_and_all_objects_exist(eshop_db, admin, server) -> None:
    r = CliRunner().invoke(main, ["plan", str(ESHOP), "--database-url", eshop_db.conninfo])
    assert r.exit_code == 0 and "No changes" in r.output, r.output
    p = make_plan(ESHOP, database_url=eshop_db.conninfo, dev_url=admin.conninfo, server=server)
    assert p.empty, [s.sql for s in p.steps]
    with rolled_back(eshop_db) as conn:
        assert one(conn, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == 25
        with_updated_at = one(conn, "SELECT count(*) FROM information_schema.columns "
                                    "WHERE table_schema = 'public' AND column_name = 'updated_at'")
        triggers = one(conn, "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal "
                             "AND tgname LIKE '%%set_updated_at' AND tgtype & 16 = 16")  # BEFORE ... UPDATE
        assert with_updated_at == triggers == 17  # the 17 tables of the seed with updated_at
        assert one(conn, "SELECT col_description('public.users'::regclass, 1)") is None  # id: no comment
        assert "bcrypt" in one(conn, "SELECT col_description('public.users'::regclass, "
                                     "(SELECT attnum FROM pg_attribute WHERE attrelid = 'public.users'::regclass "
                                     "AND attname = 'hashed_password'))")


def test_order_numbers_and_updated_at(eshop_db) -> None:
    with rolled_back(eshop_db) as conn:
        user = new_user(conn, "ann")
        first, second = new_order(conn, user), new_order(conn, user)
        assert first[1].startswith("ORD-") and len(first[1]) == 12
        assert int(second[1][4:]) == int(first[1][4:]) + 1
        conn.execute("UPDATE orders SET updated_at = now() - interval '1 day', "
                     "created_at = now() - interval '1 day' WHERE id = %s", (first[0],))
        conn.execute("UPDATE orders SET notes = 'ring twice' WHERE id = %s", (first[0],))
        assert one(conn, "SELECT updated_at > created_at FROM orders WHERE id = %s", (first[0],))
        assert fails(conn, errors.CheckViolation, "UPDATE orders SET total_amount = 99 WHERE id = %s",
                     (first[0],)) == "orders_total_amount_check"
        assert fails(conn, errors.UniqueViolation, "INSERT INTO users (role_id, username, email, phone_number, "
                     "first_name, last_name, hashed_password) SELECT role_id, 'ANN', 'x@example.org', phone_number, "
                     "'A', 'B', 'h' FROM users WHERE id = %s", (user,)) == "users_username_lower_key"
        conn.execute("INSERT INTO email_verifications (user_id, email, verify_code_hash) VALUES (%s, 'a@x.org', 'h')",
                     (user,))
        assert str(one(conn, "SELECT expired_at - created_at FROM email_verifications")) == "1 day, 0:00:00"


def test_cart_lines_variants_and_saved_cards(eshop_db) -> None:
    with rolled_back(eshop_db) as conn:
        user = new_user(conn, "bob")
        shoe, hat = new_product(conn, "shoe"), new_product(conn, "hat")
        hat_red = one(conn, "INSERT INTO product_variants (product_id, name, price) VALUES (%s, 'Red', 12) "
                            "RETURNING id", (hat,))
        cart = one(conn, "INSERT INTO shopping_carts (user_id) VALUES (%s) RETURNING id", (user,))
        assert fails(conn, errors.UniqueViolation, "INSERT INTO shopping_carts (user_id) VALUES (%s)",
                     (user,)) == "shopping_carts_one_active_idx"
        line = "INSERT INTO cart_items (cart_id, product_id, variant_id, quantity, unit_price) VALUES (%s, %s, %s, 1, 10)"
        conn.execute(line, (cart, shoe, None))
        assert fails(conn, errors.UniqueViolation, line, (cart, shoe, None)) == "cart_items_cart_product_variant_key"
        conn.execute(line, (cart, hat, hat_red))
        assert fails(conn, errors.ForeignKeyViolation, line, (cart, shoe, hat_red)) == "cart_items_variant_fkey"
        card = ("INSERT INTO user_payment_infos (user_id, card_last4, payment_method_token, expiration_date, "
                "billing_address) VALUES (%s, '4242', %s, '2030-12-31', '{}')")
        conn.execute(card, (user, "pm_1NqXyZ2eZvKYlo2C"))
        assert fails(conn, errors.CheckViolation, card, (user, "4242 4242 4242 4242")) == \
            "user_payment_infos_token_not_card_number"


def test_discount_limits_and_used_count(eshop_db) -> None:
    with rolled_back(eshop_db) as conn:
        ann, bob = new_user(conn, "carl"), new_user(conn, "dora")
        disc = one(conn, "INSERT INTO discounts (name, code, type, value, usage_limit, user_limit) "
                         "VALUES ('Spring', 'SPRING', 'percentage', 10, 2, 1) RETURNING id")
        (ann_order, _), (bob_order, _) = new_order(conn, ann), new_order(conn, bob)
        use = "INSERT INTO discount_usages (discount_id, user_id, order_id) VALUES (%s, %s, %s)"
        assert fails(conn, errors.CheckViolation, use, (disc, ann, bob_order)) == "discount_usages_user_is_customer"
        conn.execute(use, (disc, ann, ann_order))
        assert fails(conn, errors.CheckViolation, use, (disc, ann, None)) == "discount_usages_user_limit"
        conn.execute(use, (disc, bob, bob_order))
        assert one(conn, "SELECT used_count FROM discounts WHERE id = %s", (disc,)) == 2
        conn.execute("UPDATE discounts SET user_limit = NULL WHERE id = %s", (disc,))
        assert fails(conn, errors.CheckViolation, use, (disc, bob, None)) == "discounts_used_count_within_limit"
        conn.execute("DELETE FROM orders WHERE id = %s", (bob_order,))  # gives the use back
        assert one(conn, "SELECT used_count FROM discounts WHERE id = %s", (disc,)) == 1
        conn.execute("UPDATE discounts SET is_active = false WHERE id = %s", (disc,))
        assert fails(conn, errors.CheckViolation, use, (disc, bob, None)) == "discount_usages_discount_active"


def test_ratings_verified_purchase_is_derived(eshop_db) -> None:
    with rolled_back(eshop_db) as conn:
        user = new_user(conn, "eve")
        lamp = new_product(conn, "lamp")
        order, _ = new_order(conn, user)
        conn.execute("INSERT INTO order_items (order_id, product_id, quantity, unit_price, total_price) "
                     "VALUES (%s, %s, 1, 10, 10)", (order, lamp))
        rating = one(conn, "INSERT INTO ratings (product_id, user_id, rating, verified_purchase) "
                           "VALUES (%s, %s, 5, true) RETURNING id", (lamp, user))
        assert one(conn, "SELECT verified_purchase FROM ratings WHERE id = %s", (rating,)) is False
        conn.execute("UPDATE orders SET status = 'delivered' WHERE id = %s", (order,))
        conn.execute("UPDATE ratings SET verified_purchase = false WHERE id = %s", (rating,))
        assert one(conn, "SELECT verified_purchase FROM ratings WHERE id = %s", (rating,)) is True
        assert fails(conn, errors.CheckViolation, "UPDATE ratings SET rating = 6 WHERE id = %s",
                     (rating,)) == "ratings_rating_check"
        assert fails(conn, errors.ForeignKeyViolation, "DELETE FROM products WHERE id = %s",
                     (lamp,)) == "order_items_product_id_fkey"
