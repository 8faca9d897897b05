"""`pgdecl docs`: Markdown in the shape of seed 002's documentation and Mermaid ER diagrams, from the
loaded model (no database). Golden output on examples/starter; examples/eshop documents every table
and column of seed 002; docs work on schema/.

Set PGDECL_UPDATE_GOLDEN=1 to rewrite the golden files from the current output (then review the diff)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from pgdecl.cli import main
from pgdecl.docs import docs_markdown, er_diagram, project_docs
from pgdecl.errors import PgdeclError
from pgdecl.render import foreign_keys
from pgdecl.spec import load_project

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "tests" / "cases" / "docs"
SEED = ROOT / "tests" / "fixtures" / "seeds" / "002_3771d1f0fe3f68f1.txt"
STARTER, ESHOP, SCHEMA = ROOT / "examples" / "starter", ROOT / "examples" / "eshop", ROOT / "schema"

# Seed columns that examples/eshop does not keep under their seed name, on purpose:
# (table, seed column) -> (our column or None when dropped, why).
RENAMED: dict[tuple[str, str], tuple[str | None, str]] = {
    ("user_sessions", "refresh_token"): (
        "refresh_token_hash", "a refresh token is a credential: store its SHA-256, the client keeps the token"),
    ("email_verifications", "verify_code"): (
        "verify_code_hash", "the code proves ownership of an address: store its SHA-256, the e-mail carries the code"),
    ("user_payment_infos", "card_number"): (
        None, "no card numbers, masked or not: the gateway token identifies the card, card_last4 is for display"),
}
# Columns that traits add without a comment (uuid_pk, timestamps): their meaning is the same everywhere.
TRAIT_COLUMNS = {"id", "created_at", "updated_at"}


def documented_tables(markdown: str) -> dict[str, dict[str, list[str]]]:
    """Tables and their column rows (cells) of a document in seed 002's shape: in a `## ...Tables`
    section, a heading `#### `name`` followed by a table of `| `column` | type | constraints | description |`."""
    out: dict[str, dict[str, list[str]]] = {}
    in_tables, current = False, None
    for line in markdown.splitlines():
        if line.startswith("## "):
            in_tables, current = "Tables" in line, None
            continue
        heading = re.match(r"^#{3,4} `([\w.]+)`\s*$", line)
        if heading:
            current = heading.group(1) if in_tables else None
            if current:
                out[current] = {}
            continue
        if line.startswith("#"):
            current = None
            continue
        row = re.match(r"^\| `(\w+)` \|", line)
        if row and current:
            out[current][row.group(1)] = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
    return out


@pytest.fixture(scope="module")
def seed_tables() -> dict[str, dict[str, list[str]]]:
    tables = documented_tables(SEED.read_text(encoding="utf-8"))
    assert len(tables) == 25 and all(tables.values()), "the seed's documentation did not parse"
    return tables


@pytest.fixture(scope="module")
def eshop_docs() -> str:
    return project_docs(ESHOP)


# --- golden output ------------------------------------------------------------------------------


@pytest.mark.parametrize("name, produce", [
    ("expected.md", lambda: project_docs(STARTER)),
    ("er_posts_neighbors.mmd", lambda: er_diagram(load_project(STARTER).project, ["posts"], neighbors=True)),
])
def test_starter_golden(name, produce) -> None:
    got = produce()
    expected = CASES / "starter" / name
    if os.environ.get("PGDECL_UPDATE_GOLDEN"):
        expected.write_text(got, encoding="utf-8")
    assert got == expected.read_text(encoding="utf-8")


def test_docs_are_deterministic_and_independent_of_the_working_directory(tmp_path, monkeypatch) -> None:
    first = project_docs(STARTER)
    monkeypatch.chdir(ROOT / "examples")
    assert project_docs("starter") == first


# --- examples/eshop covers seed 002 -------------------------------------------------------------


def test_eshop_docs_cover_every_table_and_column_of_the_seed(seed_tables, eshop_docs) -> None:
    ours = documented_tables(eshop_docs)
    assert set(ours) == set(seed_tables)
    missing = []
    for table, columns in seed_tables.items():
        for column in columns:
            mapped = RENAMED.get((table, column), (column, ""))[0]
            if mapped is not None and mapped not in ours[table]:
                missing.append(f"{table}.{column}" + (f" (as {mapped})" if mapped != column else ""))
    assert not missing, f"seed columns missing from the eshop docs: {missing}"


def test_renamed_seed_columns_are_really_renamed(seed_tables, eshop_docs) -> None:
    ours = documented_tables(eshop_docs)
    for (table, column), (new, why) in RENAMED.items():
        assert column in seed_tables[table], f"{table}.{column} is not a seed column"
        assert column not in ours[table], f"{table}.{column} is kept: drop it from RENAMED"
        assert new is None or new in ours[table]
        assert len(why) > 20


def test_eshop_docs_describe_every_seed_column(seed_tables, eshop_docs) -> None:
    ours = documented_tables(eshop_docs)
    undescribed = [
        f"{table}.{column}" for table, columns in ours.items() for column, cells in columns.items()
        if not cells[3] and column not in TRAIT_COLUMNS
    ]
    assert not undescribed, f"columns without a comment: {undescribed}"
    for table, columns in ours.items():
        assert all(cells[1] for cells in columns.values()), f"{table}: a column without a type"


def test_eshop_docs_show_enums_indexes_and_unique_constraints(eshop_docs) -> None:
    enums = dict(re.findall(r"#### `(\w+)`\n\n[^\n]*\n\n\*\*Values:\*\* ([^\n]+)", eshop_docs))
    assert enums["order_status"] == ("`'pending'`, `'confirmed'`, `'delivering'`, `'delivered'`, `'cancelled'`, "
                                     "`'refunded'`, `'completed'`")
    assert set(enums) == {"product_status", "cart_status", "order_status", "payment_status", "discount_type"}
    assert "- `cart_items_cart_product_variant_key`: `(cart_id, product_id, variant_id)` NULLS NOT DISTINCT" \
        in eshop_docs
    assert "- `products_search_idx` (gin): `(to_tsvector('english', name || ' ' || coalesce(description, '')))`" \
        in eshop_docs
    assert "**Primary key:** `(variant_id, attribute_value_id)`" in eshop_docs
    assert "- `set_order_number`: BEFORE INSERT FOR EACH ROW → `generate_order_number()`" in eshop_docs


# --- ER diagrams --------------------------------------------------------------------------------

_ENTITY = r"[A-Za-z_][A-Za-z0-9_]*"
_MERMAID_LINE = re.compile(
    rf"^(erDiagram|    {_ENTITY}( \{{)?|        {_ENTITY} {_ENTITY} (PK|FK|UK)(, (PK|FK|UK))*|    \}}"
    rf'|    {_ENTITY} (\|o|\|\|)(--|\.\.)(o\||o\{{) {_ENTITY} : "[\w, ]+")$')


def _relationships(diagram: str) -> list[tuple[str, str, str, str]]:
    return re.findall(rf'^    ({_ENTITY}) (\S+) ({_ENTITY}) : "([^"]+)"$', diagram, re.M)


@pytest.mark.parametrize("project_dir", [STARTER, ESHOP, SCHEMA], ids=["starter", "eshop", "schema"])
def test_er_diagram_has_every_table_and_foreign_key(project_dir) -> None:
    project = load_project(project_dir).project
    diagram = er_diagram(project)
    bad = [line for line in diagram.splitlines() if not _MERMAID_LINE.match(line)]
    assert not bad, f"lines outside the Mermaid erDiagram subset we emit: {bad}"
    entities = re.findall(rf"^    ({_ENTITY})(?: \{{)?$", diagram, re.M)
    assert sorted(entities) == sorted(name.split(".")[-1] for name in project.tables)
    expected = sorted((t.split(".")[-1], ", ".join(fk.columns))
                      for t, table in project.tables.items() for fk in foreign_keys(t, table))
    assert sorted((child, label) for _, _, child, label in _relationships(diagram)) == expected


def test_er_cardinality_follows_nullability_uniqueness_and_primary_keys(tmp_path) -> None:
    (tmp_path / "s.yaml").write_text("""
tables:
  people:
    columns:
      id: {type: uuid, primary_key: true}
  passports:
    columns:
      id: {type: uuid, primary_key: true}
      person_id: {type: uuid, nullable: false, unique: true, references: people, on_delete: cascade}
      issuer_id: {type: uuid, references: people, on_delete: set null}
  memberships:
    primary_key: [person_id, club]
    columns:
      person_id: {type: uuid, references: people, on_delete: cascade}
      club: text
""")
    rels = {(parent, child, label): card for parent, card, child, label in
            _relationships(er_diagram(load_project(tmp_path).project))}
    assert rels == {
        ("people", "passports", "person_id"): "||..o|",   # required and unique: one-to-zero-or-one
        ("people", "passports", "issuer_id"): "|o..o{",   # nullable: zero-or-one parent
        ("people", "memberships", "person_id"): "||--o{",  # part of the primary key: identifying
    }


def test_er_diagram_of_a_subset(tmp_path) -> None:
    project = load_project(ESHOP).project
    diagram = er_diagram(project, ["orders", "public.order_items"])
    assert re.findall(rf"^    ({_ENTITY}) \{{$", diagram, re.M) == ["orders", "order_items"]
    assert [(p, c) for p, _, c, _ in _relationships(diagram)] == [("orders", "order_items")]
    wider = er_diagram(project, ["order_items"], neighbors=True)
    assert re.findall(rf"^    ({_ENTITY}) \{{$", wider, re.M) == ["order_items"]
    assert {(p, c) for p, _, c, _ in _relationships(wider)} == {
        ("orders", "order_items"), ("products", "order_items"), ("product_variants", "order_items")}
    with pytest.raises(PgdeclError, match="unknown table.*public.nope"):
        er_diagram(project, ["nope"])


# --- Markdown details, schema/, CLI -------------------------------------------------------------


@pytest.mark.parametrize("project_dir", [STARTER, ESHOP, SCHEMA], ids=["starter", "eshop", "schema"])
def test_docs_list_every_table_and_column_in_four_cell_rows(project_dir) -> None:
    project = load_project(project_dir).project
    text = project_docs(project_dir)
    tables = documented_tables(text)
    assert {name.split(".")[-1]: list(cols) for name, cols in tables.items()} == {
        name.split(".")[-1]: list(table.columns) for name, table in project.tables.items()}
    for columns in tables.values():
        assert all(len(cells) == 4 for cells in columns.values())
    assert text.count("```mermaid\nerDiagram\n") == 1


def test_table_cells_escape_pipes_and_join_lines(tmp_path) -> None:
    (tmp_path / "s.yaml").write_text("""
tables:
  t:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      code:
        type: text
        check: "code || 'x' <> 'x'"
        comment: |
          First line
          second | line
""")
    text = docs_markdown(load_project(tmp_path).project, title="T")
    row = documented_tables(text)["t"]["code"]
    assert row == ["`code`", "text", "CHECK (code \\|\\| 'x' <> 'x')", "First line second \\| line"]
    assert documented_tables(text)["t"]["id"][2] == "PRIMARY KEY, GENERATED ALWAYS AS IDENTITY"
    assert text.startswith("# T\n")


def test_schema_docs_show_policies_views_and_sections() -> None:
    text = project_docs(SCHEMA)
    assert text.startswith("# Database schema: schema\n")
    assert "### Users & authentication (`10_identity.yaml`)" in text
    assert "- `products_catalog_read` (permissive, FOR SELECT TO ecommerce_app) USING" in text
    assert "#### `users_safe`" in text.split("## Views")[1]
    assert "**Row-level security:** enabled." in text


def test_cli_docs_writes_a_file_and_reports_errors_without_traceback(tmp_path) -> None:
    out = tmp_path / "docs.md"
    r = CliRunner().invoke(main, ["docs", str(STARTER), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert out.read_text(encoding="utf-8") == project_docs(STARTER)
    r = CliRunner().invoke(main, ["docs", str(STARTER)])
    assert r.exit_code == 0 and r.output == project_docs(STARTER)
    r = CliRunner().invoke(main, ["docs", str(tmp_path / "missing")])
    assert r.exit_code == 1 and "does not exist" in r.output and "Traceback" not in r.output
    r = CliRunner().invoke(main, ["docs", str(STARTER), "-o", str(tmp_path / "no" / "dir" / "x.md")])
    assert r.exit_code == 1 and "cannot write" in r.output and "Traceback" not in r.output


def test_other_schemas_are_qualified_in_docs_and_safe_in_diagrams(tmp_path) -> None:
    (tmp_path / "s.yaml").write_text("""
schemas:
  billing: {}
enums:
  billing.state: [open, paid]
tables:
  people:
    columns:
      id: {type: uuid, primary_key: true}
  billing.invoices:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      person_id: {type: uuid, nullable: false, references: public.people, on_delete: restrict}
      state: {type: billing.state, nullable: false}
      amount: {type: "numeric(12,2)", nullable: false}
""")
    project = load_project(tmp_path).project
    diagram = er_diagram(project, ["billing.invoices"], neighbors=True)
    assert diagram == ('erDiagram\n    billing__invoices {\n        bigint id PK\n        uuid person_id FK\n    }\n'
                       '    people ||..o{ billing__invoices : "person_id"\n')
    text = docs_markdown(project)
    assert documented_tables(text)["billing.invoices"]["state"][1] == "billing.state"
    assert "**Used by:** `billing.invoices.state`" in text
