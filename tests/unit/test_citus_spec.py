"""Citus keys without a database: validation, colocation groups, and the calls planned from a live state."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from pgdecl.citus import Live, merge, plan_calls
from pgdecl.citus_spec import colocated, creation_order, group_key, wanted
from pgdecl.cli import main
from pgdecl.errors import SpecErrors
from pgdecl.hazards import LONG_LOCK, TABLE_REWRITE
from pgdecl.model import Project
from pgdecl.desired import desired_from_specs

BASE = """
tables:
  tenants:
    distribution: {column: id, shard_count: 8}
    columns:
      id: {type: bigint, primary_key: true}
  stores:
    distribution: {column: tenant_id, colocate_with: tenants}
    primary_key: [tenant_id, id]
    columns:
      id: {type: bigint}
      tenant_id: {type: bigint, nullable: false, references: tenants, on_delete: cascade}
      country: {type: text, nullable: false, references: countries, on_delete: restrict}
  countries:
    reference: true
    columns:
      code: {type: text, primary_key: true}
  notes:
    columns:
      id: {type: bigint, primary_key: true}
"""


def _project(tmp_path: Path, text: str = BASE) -> Project:
    d = tmp_path / "schema"
    d.mkdir(exist_ok=True)
    (d / "a.yaml").write_text(text)
    return desired_from_specs(d).project


def test_wanted_and_groups(tmp_path: Path) -> None:
    p = _project(tmp_path)
    w = wanted(p)
    assert set(w) == {"public.tenants", "public.stores", "public.countries"}
    assert w["public.stores"].shard_count == 8  # from the root of its colocate_with chain
    assert w["public.stores"].colocate_with == "public.tenants"
    assert colocated(p, "public.stores", "public.tenants")
    assert not colocated(p, "public.stores", "public.countries")
    assert group_key(p, "public.tenants") == ("default", "bigint", 8)
    assert creation_order(p, list(w)) == ["public.countries", "public.tenants", "public.stores"]


def test_fresh_database_creates_in_order(tmp_path: Path) -> None:
    calls = plan_calls(_project(tmp_path), {}, set())
    assert [c.sql for c in calls] == [
        "SELECT create_reference_table('public.countries')",
        "SELECT create_distributed_table('public.tenants', 'id', shard_count => 8)",
        "SELECT create_distributed_table('public.stores', 'tenant_id', colocate_with => 'public.tenants')",
    ]
    assert all(c.hazards == () for c in calls)  # new tables hold no rows


def test_matching_live_state_plans_nothing(tmp_path: Path) -> None:
    live = {"public.tenants": Live("distributed", "id", 5, 8), "public.stores": Live("distributed", "tenant_id", 5, 8),
            "public.countries": Live("reference", None, 2, 1)}
    assert plan_calls(_project(tmp_path), live, set(live)) == []


def test_changes_become_alters_and_undistributes(tmp_path: Path) -> None:
    text = BASE.replace("shard_count: 8", "shard_count: 4").replace("reference: true", "reference: false")
    live = {"public.tenants": Live("distributed", "id", 5, 8), "public.stores": Live("distributed", "tenant_id", 5, 8),
            "public.countries": Live("reference", None, 2, 1), "public.notes": Live("distributed", "id", 7, 32)}
    calls = plan_calls(_project(tmp_path, text), live, set(live))
    assert [c.sql for c in calls] == [
        "SELECT undistribute_table('public.countries')",
        "SELECT undistribute_table('public.notes')",
        # the colocated group moves together: one call
        "SELECT alter_distributed_table('public.tenants', shard_count := 4, cascade_to_colocated := true)",
    ]
    assert {h.kind for h in calls[0].hazards} == {TABLE_REWRITE, LONG_LOCK}


def test_colocation_and_column_changes(tmp_path: Path) -> None:
    live = {"public.tenants": Live("distributed", "id", 5, 8), "public.stores": Live("distributed", "id", 6, 8),
            "public.countries": Live("reference", None, 2, 1)}
    calls = plan_calls(_project(tmp_path), live, set(live))
    assert [c.sql for c in calls] == [
        "SELECT alter_distributed_table('public.stores', distribution_column := 'tenant_id', "
        "colocate_with := 'public.tenants')"]


def test_existing_plain_table_distributed_is_a_rewrite(tmp_path: Path) -> None:
    live = {"public.tenants": Live("distributed", "id", 5, 8), "public.stores": Live("distributed", "tenant_id", 5, 8)}
    calls = plan_calls(_project(tmp_path), live, {"public.tenants", "public.stores", "public.countries"})
    assert [c.op for c in calls] == ["reference"]
    assert {h.kind for h in calls[0].hazards} == {TABLE_REWRITE, LONG_LOCK}


def test_merge_puts_foreign_keys_after_the_calls(tmp_path: Path) -> None:
    from pgdecl.plan import Step

    p = _project(tmp_path)
    steps = [Step("CREATE TABLE public.countries (code text NOT NULL)"),
             Step("ALTER TABLE public.stores ADD CONSTRAINT stores_country_fkey FOREIGN KEY (country) "
                  "REFERENCES public.countries (code)"),
             Step("CREATE INDEX i ON public.notes (id)")]
    out = merge(steps, plan_calls(p, {}, set()), p)
    sql = [s.sql for s in out]
    assert sql[0].startswith("SET LOCAL citus.multi_shard_modify_mode")
    assert sql.index("SELECT create_reference_table('public.countries')") > sql.index(steps[2].sql)
    assert sql[-1] == steps[1].sql
    assert merge(steps, [], p) == tuple(steps)


@pytest.mark.parametrize("table, message", [
    ("distribution: {column: nope}", "distribution column 'nope' is not a column of table public.t"),
    ("distribution: {column: id}\n    reference: true", "either distributed or a reference table"),
    ("distribution: {column: id, colocate_with: ghosts}", "colocate_with names 'ghosts', which is not a table"),
    ("distribution: {column: id, colocate_with: plain}", "colocate_with names public.plain, which is not a distributed"),
    ("distribution: {column: id, colocate_with: other, shard_count: 4}", "give shard_count or colocate_with"),
    ("distribution: {column: id, colocate_with: texty}", "distribution columns of different types"),
    ("distribution: {column: id, shard_count: 0}", "greater than or equal to 1"),
])
def test_bad_citus_keys_name_file_and_line(tmp_path: Path, table: str, message: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    text = f"""tables:
  other:
    distribution: {{column: id}}
    columns:
      id: {{type: bigint, primary_key: true}}
  texty:
    distribution: {{column: id}}
    columns:
      id: {{type: text, primary_key: true}}
  plain:
    columns:
      id: {{type: bigint, primary_key: true}}
  t:
    {table}
    columns:
      id: {{type: bigint, primary_key: true}}
"""
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / "a.yaml").write_text(text)
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(main, ["validate"])
    assert r.exit_code == 1, r.output
    assert message in r.output, r.output
    assert re.search(r"schema/a\.yaml:1[34]: table t: ", r.output) and "Traceback" not in r.output
    with pytest.raises(SpecErrors):
        desired_from_specs(tmp_path / "schema")


def test_spec_json_schema_offers_the_citus_keys() -> None:
    from pgdecl.model import json_schema

    defs = json_schema()["$defs"]
    assert {"distribution", "reference"} <= set(defs["Table"]["properties"])
    assert {"column", "colocate_with", "shard_count"} <= set(defs["Distribution"]["properties"])
    assert defs["Distribution"]["required"] == ["column"]


def test_colocate_with_none_breaks_only_unwanted_colocation(tmp_path: Path) -> None:
    text = """
tables:
  a:
    distribution: {column: id, colocate_with: none, shard_count: 4}
    columns:
      id: {type: bigint, primary_key: true}
  b:
    distribution: {column: id, colocate_with: a}
    columns:
      id: {type: bigint, primary_key: true}
  c:
    distribution: {column: id, shard_count: 4}
    columns:
      id: {type: bigint, primary_key: true}
"""
    p = _project(tmp_path, text)
    together = {"public.a": Live("distributed", "id", 1, 4), "public.b": Live("distributed", "id", 1, 4),
                "public.c": Live("distributed", "id", 2, 4)}
    assert plan_calls(p, together, set(together)) == []  # a's group holds only what the specs put there
    merged = {**together, "public.c": Live("distributed", "id", 1, 4)}
    assert [c.sql for c in plan_calls(p, merged, set(merged))] == [
        "SELECT alter_distributed_table('public.a', colocate_with := 'none')",
        "SELECT alter_distributed_table('public.b', colocate_with := 'public.a')"]


def test_renamed_table_keeps_its_citus_state(tmp_path: Path) -> None:
    text = """
tables:
  shops:
    renamed_from: stores
    distribution: {column: id, shard_count: 4}
    columns:
      id: {type: bigint, primary_key: true}
"""
    p = _project(tmp_path, text)
    live = {"public.stores": Live("distributed", "id", 3, 4)}
    assert plan_calls(p, live, {"public.stores"}) == []  # the rename keeps the shards: nothing to redo
    assert [c.op for c in plan_calls(p, {}, set())] == ["distribute"]
