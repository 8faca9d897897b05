"""`pgdecl test` on real PostgreSQL: it proves the marketplace's and the examples' constraints, and it
says so when the database does not enforce what the specs declare."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from pgdecl.cli import main
from pgdecl.proptest import TestReport, run_tests

ROOT = Path(__file__).resolve().parents[2]
PROJECTS = [p for p in (ROOT / "schema", ROOT / "examples" / "starter", ROOT / "examples" / "eshop") if p.is_dir()]

# Specs whose raw SQL file undoes part of what the YAML declares (drift), plus a trigger that
# clamps a value before its CHECK sees it (the CHECK holds; the report must say a trigger interfered).
BROKEN_YAML = r"""
enums:
  mood: [happy, sad]
domains:
  positive_int:
    type: integer
    nullable: false
    checks:
      positive_int_check: VALUE > 0
  short_code:
    type: text
    checks:
      short_code_format: VALUE ~ '^[A-Z]{3}$'
      short_code_not_xxx: VALUE <> 'XXX'
functions:
  notes_clamp_stars:
    returns: trigger
    body: |
      BEGIN
        NEW.stars := least(greatest(NEW.stars, 0), 3);
        RETURN NEW;
      END;
tables:
  accounts:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      email: {type: text, nullable: false, unique: true}
      nick: {type: varchar(20), nullable: false}
      rating: {type: smallint, nullable: false, default: "3"}
      mood: {type: mood, nullable: false, default: "'happy'"}
      qty: {type: positive_int, default: "1"}
      code: short_code
    checks:
      accounts_rating_range: rating BETWEEN 1 AND 5
      accounts_email_format: email ~ '^[a-z]+@[a-z]+\.[a-z]{2,}$'
  notes:
    columns:
      id: {type: bigint, identity: by default, primary_key: true}
      account_id: {type: bigint, nullable: false, references: accounts, on_delete: cascade}
      body: {type: text, nullable: false}
      stars: {type: integer, nullable: false, default: "0"}
    checks:
      notes_stars_range: stars BETWEEN 0 AND 3
    triggers:
      notes_clamp:
        function: notes_clamp_stars
        timing: before
        events: [insert, update]
  slots:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      day: {type: date, nullable: false}
      room: text
      owner_id: {type: bigint, references: accounts, on_delete: set null}
    unique:
      - columns: [day, room]
  bookings:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      day: {type: date, nullable: false}
      room: text
    unique:
      - columns: [day, room]
        nulls_not_distinct: true
"""

DRIFT_SQL = """
ALTER TABLE accounts DROP CONSTRAINT accounts_email_key;
ALTER TABLE accounts DROP CONSTRAINT accounts_rating_range;
ALTER TABLE accounts ADD CONSTRAINT accounts_rating_range CHECK (rating BETWEEN 0 AND 10);
ALTER TABLE accounts ALTER COLUMN nick DROP NOT NULL;
ALTER TABLE accounts ALTER COLUMN nick TYPE text;
ALTER TABLE notes DROP CONSTRAINT notes_account_id_fkey;
ALTER TYPE mood ADD VALUE 'meh';
ALTER DOMAIN short_code DROP CONSTRAINT short_code_not_xxx;
ALTER TABLE slots DROP CONSTRAINT slots_day_room_key;
ALTER TABLE slots ADD CONSTRAINT slots_day_room_key UNIQUE NULLS NOT DISTINCT (day, room);
ALTER TABLE bookings DROP CONSTRAINT bookings_day_room_key;
ALTER TABLE bookings ADD CONSTRAINT bookings_day_room_key UNIQUE (day, room);
ALTER TABLE slots DROP CONSTRAINT slots_owner_id_fkey;
ALTER TABLE slots ADD CONSTRAINT slots_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES accounts ON DELETE CASCADE;
"""

# Odd corners: another schema, quoted and reserved names, identity columns, composite keys, a deferred
# foreign key, expression and partial unique indexes, a domain column, arrays, LIKE, generated columns.
CORNERS_YAML = r"""
schema: billing
schemas:
  billing: {}
enums:
  plan_kind: [free, pro]
domains:
  cents:
    type: bigint
    checks:
      cents_non_negative: VALUE >= 0
tables:
  "Customers":
    columns:
      id: {type: integer, identity: always, primary_key: true}
      "order": {type: text, nullable: false}
      name: {type: text, nullable: false}
      tags: {type: "text[]", nullable: false, default: "'{}'"}
      plan: {type: billing.plan_kind, nullable: false}
      balance: {type: billing.cents, nullable: false, default: "0"}
      name_upper: {type: text, generated: "upper(name)"}
      score: {type: "double precision"}
      active: {type: boolean, nullable: false, default: "true"}
      code: {type: "char(4)", nullable: false}
    checks:
      customers_order_like: '"order" LIKE ''ord%'''
      customers_tags_small: cardinality(tags) <= 3
      customers_name_len: length(name) BETWEEN 2 AND 10
      customers_score_range: score IS NULL OR score BETWEEN 0 AND 1
    indexes:
      - name: customers_lower_name_key
        columns: [lower(name)]
        unique: true
      - name: customers_active_code_key
        columns: [code]
        unique: true
        where: active
  invoices:
    primary_key: [customer_id, number]
    columns:
      customer_id: {type: integer, nullable: false}
      number: {type: integer, nullable: false}
      total: {type: billing.cents, nullable: false}
      due: {type: date, nullable: false}
      paid: {type: date}
    foreign_keys:
      - columns: [customer_id]
        references: '"Customers"(id)'
        deferrable: true
        initially_deferred: true
    checks:
      invoices_paid_after_due: paid IS NULL OR paid >= due - 30
  lines:
    columns:
      id: {type: uuid, default: gen_random_uuid(), primary_key: true}
      customer_id: {type: integer, nullable: false}
      invoice_number: {type: integer, nullable: false}
      amount: {type: "numeric(8,3)", nullable: false}
    foreign_keys:
      - columns: [customer_id, invoice_number]
        references: invoices(customer_id, number)
        on_delete: cascade
    checks:
      lines_amount_positive: amount > 0
"""

UNPROVABLE_YAML = """
tables:
  tokens:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      code: {type: text, nullable: false}
      secret: {type: text, nullable: false}
    checks:
      tokens_code_digest_nonempty: md5(code) <> ''
      tokens_secret_known: secret = md5('secret')
  pairs:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      a: {type: text, nullable: false}
      b: {type: text, nullable: false}
    checks:
      pairs_b_is_digest: b = md5(a)
  children:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      pair_id: {type: bigint, nullable: false, references: pairs}
"""


def one(report: TestReport, name: str, kind: str | None = None):
    found = report.by_name(name, kind)
    assert len(found) == 1, f"{name}: {found}"
    return found[0]


def proved(report: TestReport, name: str, kind: str | None = None):
    r = one(report, name, kind)
    assert r.status == "proved", f"{name}: {r.status}: {r.detail}"
    return r


@pytest.fixture(scope="module")
def marketplace(server) -> TestReport:
    return run_tests(ROOT / "schema", server=server)


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    (tmp_path / "shop.yaml").write_text(BROKEN_YAML)
    (tmp_path / "90_drift.sql").write_text(DRIFT_SQL)
    return tmp_path


def test_marketplace_constraints_all_proved(marketplace: TestReport):
    r = marketplace
    assert r.ok, [(x.name, x.detail) for x in r.results if x.status == "failed"]
    unproved = [(x.name, x.detail) for x in r.results if x.status == "unproved"]
    assert not unproved, unproved
    assert len(r.tables) == 20 and all(t.accepted for t in r.tables), [t for t in r.tables if not t.accepted]
    kinds = {x.kind for x in r.results}
    assert {"primary key", "unique", "unique index", "foreign key", "on delete", "check", "not null", "type",
            "enum"} <= kinds


def test_marketplace_rating_email_and_cart_lines(marketplace: TestReport):
    rating = proved(marketplace, "reviews_rating_range")
    assert rating.accepted and 1 <= int(rating.accepted["rating"]) <= 5
    assert rating.rejected and not 1 <= int(rating.rejected["rating"]) <= 5 and rating.sqlstate == "23514"
    email = proved(marketplace, "users_email_format")
    assert email.accepted and "@" in (email.accepted["email"] or "")
    proved(marketplace, "users_phone_format")
    proved(marketplace, "users_email_lower_key")
    cart = proved(marketplace, "cart_items_cart_product_variant_key")
    assert cart.sqlstate == "23505" and "variant_id NULL (NULLS NOT DISTINCT)" in cart.detail
    assert cart.accepted and cart.accepted["variant_id"] is not None
    for name in ("reviews_one_per_user_product", "review_helpfulness_one_vote_per_user", "orders_total_amount_check",
                 "order_items_commission_split_check", "products_prices_non_negative",
                 "coupon_usage_coupon_order_key", "coupons_used_count_within_limit"):
        proved(marketplace, name)
    proved(marketplace, "cart_items_variant_fkey", "foreign key")
    # what happens to references when a user goes: the seed left it unsaid, the specs say it
    assert "deleted the row" in proved(marketplace, "user_sessions_user_id_fkey", "on delete").detail
    assert "refused" in proved(marketplace, "orders_user_id_fkey", "on delete").detail
    assert "set moderated_by=NULL" in proved(marketplace, "reviews_moderated_by_fkey", "on delete").detail
    price = proved(marketplace, "products_prices_non_negative")
    assert price.rejected and any(v is not None and v not in ("(default)",) and Decimal(v) < 0
                                  for v in price.rejected.values())


def test_marketplace_says_when_a_trigger_interfered(marketplace: TestReport):
    # products.average_rating is recomputed by a BEFORE trigger: the CHECK is proved with triggers off
    r = proved(marketplace, "products_average_rating_range")
    assert r.triggers_off and "products_refresh_rating" in r.detail
    # an implied key (unique (id, product_id) next to the primary key id) is tested with the key dropped
    r = proved(marketplace, "product_variants_id_product_key")
    assert "product_variants_pkey dropped" in r.detail
    assert proved(marketplace, "public.users.email", "not null").sqlstate == "23502"
    assert proved(marketplace, "public.users.email", "type").sqlstate == "22001"


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_examples_hold(project: Path, server):
    report = run_tests(project, server=server)
    assert report.ok, [(x.name, x.detail) for x in report.results if x.status == "failed"]
    assert report.count("proved") >= 0.95 * len(report.results), \
        [(x.name, x.detail) for x in report.results if x.status != "proved"]


def test_starter_is_deterministic(server):
    a = run_tests(ROOT / "examples" / "starter", server=server)
    b = run_tests(ROOT / "examples" / "starter", server=server)
    assert [(x.name, x.status) for x in a.results] == [(x.name, x.status) for x in b.results]
    checks = [(x.name, x.rejected) for x in a.results if x.kind == "check"]
    assert checks == [(x.name, x.rejected) for x in b.results if x.kind == "check"]
    r = proved(a, "published_has_date")
    assert r.rejected == {"status": "published", "published_at": None}


def test_drift_is_reported_as_failed(broken: Path, server):
    r = run_tests(broken, server=server)
    assert not r.ok
    email = one(r, "accounts_email_key")
    assert email.status == "failed" and "no constraint or index of that name" in email.detail
    rating = one(r, "accounts_rating_range")  # present, but weaker than the specs say
    assert rating.status == "failed" and rating.rejected is not None
    assert not 1 <= int(rating.rejected["rating"]) <= 5 and 0 <= int(rating.rejected["rating"]) <= 10
    assert one(r, "public.accounts.nick", "not null").status == "failed"          # NOT NULL dropped
    nick_type = one(r, "public.accounts.nick", "type")                            # varchar(20) became text
    assert nick_type.status == "failed" and "varchar(20)" in nick_type.detail
    assert one(r, "notes_account_id_fkey", "foreign key").status == "failed"
    dropped = one(r, "notes_account_id_fkey", "on delete")      # cascade declared, nothing happens
    assert dropped.status == "failed" and "left account_id=" in dropped.detail
    owner = one(r, "slots_owner_id_fkey", "on delete")            # set null declared, cascade in the database
    assert owner.status == "failed" and "no row" in owner.detail
    assert proved(r, "slots_owner_id_fkey", "foreign key").sqlstate == "23503"
    assert one(r, "public.mood").status == "failed"                                # extra enum value
    assert one(r, "short_code_not_xxx").status == "failed"                         # domain check dropped
    slots = one(r, "slots_day_room_key")
    assert slots.status == "failed" and "NULLs as equal" in slots.detail
    bookings = one(r, "bookings_day_room_key")
    assert bookings.status == "failed" and "room NULL" in bookings.detail
    # what still holds is proved
    for name in ("accounts_email_format", "positive_int_check", "short_code_format", "accounts_pkey"):
        proved(r, name)
    assert one(r, "public.positive_int", "domain not null").status == "proved"
    stars = proved(r, "notes_stars_range")
    assert stars.triggers_off and "notes_clamp" in stars.detail


def test_cli_exit_codes_and_formats(broken: Path, tmp_path: Path, admin):
    runner = CliRunner()
    res = runner.invoke(main, ["test", str(broken), "--dev-url", admin.conninfo])
    assert res.exit_code == 1, res.output
    assert "FAIL unique accounts_email_key" in res.output
    assert "failed" in res.output.strip().splitlines()[-1]

    res = runner.invoke(main, ["test", str(ROOT / "examples" / "starter"), "--dev-url", admin.conninfo,
                               "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["summary"]["failed"] == 0 and sum(data["summary"].values()) == len(data["results"])
    assert all(t["accepted"] for t in data["tables"])

    unprovable = tmp_path / "unprovable"
    unprovable.mkdir()
    (unprovable / "t.yaml").write_text(UNPROVABLE_YAML)
    res = runner.invoke(main, ["test", str(unprovable), "--dev-url", admin.conninfo])
    assert res.exit_code == 0, res.output
    res = runner.invoke(main, ["test", str(unprovable), "--dev-url", admin.conninfo, "--strict"])
    assert res.exit_code == 1, res.output

    res = runner.invoke(main, ["test", str(tmp_path / "missing"), "--dev-url", admin.conninfo])
    assert res.exit_code == 1 and "does not exist" in res.output and "Traceback" not in res.output


def test_odd_corners_are_proved(tmp_path: Path, server):
    (tmp_path / "s.yaml").write_text(CORNERS_YAML)
    r = run_tests(tmp_path, server=server)
    assert all(x.status == "proved" for x in r.results), [(x.name, x.detail) for x in r.results
                                                           if x.status != "proved"]
    assert proved(r, "customers_tags_small").rejected == {"tags": '{"a","a","a","a"}'}
    assert proved(r, "customers_active_code_key").kind == "unique index"
    assert proved(r, "invoices_customer_id_fkey", "foreign key").sqlstate == "23503"  # deferred, checked at once
    assert "refused" in proved(r, "invoices_customer_id_fkey", "on delete").detail
    assert proved(r, "lines_customer_id_invoice_number_fkey", "foreign key").rejected is not None
    assert "deleted the row" in proved(r, "lines_customer_id_invoice_number_fkey", "on delete").detail
    assert proved(r, "billing.Customers.id", "type").sqlstate == "22003"  # identity always, overridden
    assert proved(r, "cents_non_negative").kind == "domain check"
    assert {t.name for t in r.tables} == {"billing.Customers", "billing.invoices", "billing.lines"}


def test_unprovable_constraints_are_explained(tmp_path: Path, server):
    (tmp_path / "t.yaml").write_text(UNPROVABLE_YAML)
    r = run_tests(tmp_path, server=server)
    assert r.ok
    digest = one(r, "tokens_code_digest_nonempty")
    assert digest.status == "unproved" and "no candidate row makes it false" in digest.detail
    # the value of a column-free expression it is compared with is a candidate
    secret = proved(r, "tokens_secret_known")
    assert secret.accepted == {"secret": "5ebe2294ecd0e0f08eab7690d2a6ee69"}
    pairs = [x for x in r.results if x.table == "public.pairs"]
    assert pairs and all(x.status == "unproved" and "pairs_b_is_digest" in x.detail for x in pairs)
    children = [x for x in r.results if x.table == "public.children"]
    assert children and all("public.pairs" in x.detail for x in children)


def test_objects_missing_from_the_database_fail(tmp_path: Path, server):
    (tmp_path / "a.yaml").write_text("""
tables:
  a:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      code: {type: text, nullable: false, unique: true}
      flag: {type: integer, check: "flag > 0"}
  b:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      a_id: {type: bigint, references: a}
  c:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
""")
    (tmp_path / "z.sql").write_text("ALTER TABLE a DROP COLUMN code;\nALTER TABLE a DROP COLUMN flag;\nDROP TABLE c;\n")
    r = run_tests(tmp_path, server=server)
    assert one(r, "public.c", "table").status == "failed"
    assert one(r, "public.a.code", "column").status == "failed"
    assert "column code is not in the database" in one(r, "a_code_key").detail
    assert one(r, "a_flag_check").status == "failed"
    # the rest of the table is still proved
    proved(r, "a_pkey")
    proved(r, "b_a_id_fkey", "foreign key")
