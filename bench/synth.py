"""Synthetic pgdecl projects for the benchmark: N tables of varied columns, keys, indexes, foreign keys,
a few enums, views, functions and triggers; about 4 DDL statements per table. Deterministic for a seed.

    python bench/synth.py 1000 /tmp/p1000 [--seed 7] [--extra-column]

The projects load, validate and lint clean (`bench/run.py` asserts it). Every foreign key has an index
led by its column, names are short enough never to be truncated at 63 bytes, and nothing needs quoting.
"""

from __future__ import annotations

import argparse
import copy
import random
from pathlib import Path
from typing import Any

import yaml

TABLES_PER_FILE = 50
NOUNS = ("account", "address", "asset", "batch", "booking", "branch", "campaign", "carrier", "claim", "contract",
         "coupon", "device", "dispatch", "document", "event", "invoice", "item", "ledger", "listing", "member",
         "message", "meter", "note", "offer", "parcel", "payment", "permit", "plan", "policy", "quote", "receipt",
         "region", "report", "request", "route", "sample", "season", "segment", "session", "shift", "site",
         "stock", "survey", "task", "ticket", "tier", "track", "vendor", "visit", "voucher", "wallet", "zone")
ENUMS = {
    "bench_status": ["new", "active", "suspended", "closed"],
    "bench_priority": ["low", "normal", "high", "urgent"],
    "bench_channel": ["web", "mobile", "email", "phone", "partner"],
    "bench_region": ["emea", "amer", "apac"],
}
EXTRA_COLUMN = "bench_extra"


def _optional_columns(rng: random.Random) -> dict[str, dict[str, Any]]:
    """Every optional column a table may get, with its spec; a table takes a random subset."""
    n = rng.choice((50, 100, 200))
    p, s = rng.choice(((12, 2), (14, 4), (10, 0)))
    return {
        "name": {"type": "text", "nullable": False, "check": "length(name) BETWEEN 1 AND 200"},
        "code": {"type": f"varchar({rng.choice((16, 32, 64))})", "nullable": False, "unique": True},
        "title": {"type": f"varchar({n})"},
        "amount": {"type": f"numeric({p},{s})", "nullable": False, "default": "0"},
        "rate": {"type": "numeric(7,4)", "check": "rate BETWEEN 0 AND 1"},
        "quantity": {"type": "integer", "nullable": False, "default": "0", "check": "quantity >= 0"},
        "happened_at": {"type": "timestamptz"},
        "valid_from": {"type": "date", "nullable": False, "default": "CURRENT_DATE"},
        "valid_to": {"type": "date"},
        "is_active": {"type": "boolean", "nullable": False, "default": "true"},
        "payload": {"type": "jsonb", "nullable": False, "default": "'{}'",
                    "check": "jsonb_typeof(payload) = 'object'"},
        "external_ref": {"type": "uuid"},
        "status": {"type": "bench_status", "nullable": False, "default": "'new'"},
        "priority": {"type": "bench_priority"},
        "channel": {"type": "bench_channel", "nullable": False, "default": "'web'"},
        "notes": {"type": "text"},
        "score": {"type": "bigint", "check": "score > -1000000"},
    }


def _table(rng: random.Random, i: int, name: str, names: list[str], extra_column: bool) -> tuple[dict[str, Any], int]:
    """One table's spec and its number of foreign keys. `names` are the tables before it."""
    cols: dict[str, Any] = {"id": {"type": "bigint", "identity": "always", "primary_key": True}}
    fks: list[str] = []
    if names:
        r = rng.random()
        count = 0 if r < 0.15 else 1 if r < 0.75 else 2
        near = names[max(0, len(names) - TABLES_PER_FILE):]
        for _ in range(count):
            target = rng.choice(near) if rng.random() < 0.8 else rng.choice(names)
            if target in fks:
                continue
            fks.append(target)
            col: dict[str, Any] = {"type": "bigint", "references": target,
                                   "on_delete": rng.choice(("cascade", "restrict", "set null", "no action"))}
            if col["on_delete"] != "set null" and rng.random() < 0.6:
                col["nullable"] = False
            cols[f"{target}_id"] = col
    pool = _optional_columns(rng)
    chosen = sorted(rng.sample(sorted(pool), rng.randint(4, 9)), key=list(pool).index)
    if "name" not in chosen and rng.random() < 0.5:
        chosen.insert(0, "name")
    for c in chosen:
        cols[c] = pool[c]
    cols["created_at"] = {"type": "timestamptz", "nullable": False, "default": "now()"}
    touch = rng.random() < 0.12
    if touch:
        cols["updated_at"] = {"type": "timestamptz", "nullable": False, "default": "now()"}
    if extra_column:
        cols[EXTRA_COLUMN] = {"type": "text", "comment": "the one change of the one-change plan"}

    spec: dict[str, Any] = {}
    if rng.random() < 0.3:
        spec["comment"] = f"Synthetic table {i} ({name.split('_')[0]} records)."
    spec["columns"] = cols
    checks: dict[str, str] = {}
    if "valid_to" in cols and "valid_from" in cols:
        checks[f"{name}_valid_range"] = "valid_to IS NULL OR valid_to >= valid_from"
    if "amount" in cols and rng.random() < 0.5:
        checks[f"{name}_amount_positive"] = "amount >= 0"
    if checks:
        spec["checks"] = checks
    if "name" in cols and "valid_from" in cols and rng.random() < 0.4:
        spec["unique"] = [{"columns": ["name", "valid_from"]}]
    elif "external_ref" in cols and "channel" in cols and rng.random() < 0.4:
        spec["unique"] = [{"columns": ["channel", "external_ref"], "nulls_not_distinct": True}]

    indexes: list[dict[str, Any]] = []
    for k, target in enumerate(fks):
        columns = [f"{target}_id"] + (["created_at"] if rng.random() < 0.5 else [])
        indexes.append({"name": f"{name}_fk{k}_idx", "columns": columns})
    if "status" in cols and "is_active" in cols and rng.random() < 0.5:
        indexes.append({"name": f"{name}_live_idx", "columns": ["status", "created_at DESC"], "where": "is_active"})
    elif "happened_at" in cols and rng.random() < 0.5:
        indexes.append({"name": f"{name}_happened_idx", "columns": ["happened_at"],
                        "where": "happened_at IS NOT NULL"})
    if "name" in cols and rng.random() < 0.3:
        indexes.append({"name": f"{name}_name_idx", "columns": ["lower(name)", "created_at"]})
    if "payload" in cols and rng.random() < 0.15:
        indexes.append({"name": f"{name}_payload_idx", "columns": ["payload"], "using": "gin"})
    if indexes:
        spec["indexes"] = indexes
    triggers: dict[str, Any] = {}
    if touch:
        triggers[f"{name}_touch"] = {"function": "bench_touch", "timing": "before", "events": ["update"]}
    if "quantity" in cols and rng.random() < 0.1:
        triggers[f"{name}_audit"] = {"function": "bench_audit", "timing": "after",
                                     "events": ["insert", "delete"], "for_each": "statement"}
    if triggers:
        spec["triggers"] = triggers
    return spec, len(fks)


def generate(tables: int, seed: int = 0, extra_column: bool = False) -> dict[str, dict[str, Any]]:
    """The project as {file name: YAML data}. `extra_column` adds one text column to the first table,
    the only difference from the project without it (the one-change plan)."""
    rng = random.Random(seed * 1_000_003 + tables)
    files: dict[str, dict[str, Any]] = {}
    functions: dict[str, Any] = {
        "bench_touch": {"args": "", "returns": "trigger", "language": "plpgsql",
                        "body": "BEGIN\n  NEW.updated_at := now();\n  RETURN NEW;\nEND;\n",
                        "comment": "Keeps updated_at current."},
        "bench_audit": {"args": "", "returns": "trigger", "language": "plpgsql",
                        "body": "BEGIN\n  RAISE DEBUG '% on %', TG_OP, TG_TABLE_NAME;\n  RETURN NULL;\nEND;\n"},
    }
    for k in range(max(1, tables // 100)):
        functions[f"bench_fn_{k}"] = {"args": "x numeric, y numeric DEFAULT 1", "returns": "numeric",
                                      "language": "sql", "volatility": "immutable",
                                      "body": f"SELECT round(x * y + {k}, 2)"}
    files["00_types.yaml"] = {"enums": copy.deepcopy(ENUMS), "functions": functions}

    names: list[str] = []
    all_specs: dict[str, dict[str, Any]] = {}
    file_of: dict[str, str] = {}
    for i in range(tables):
        name = f"{rng.choice(NOUNS)}_{i:05d}"
        spec, _ = _table(rng, i, name, names, extra_column and i == 0)
        names.append(name)
        all_specs[name] = spec
        fname = f"m{i // TABLES_PER_FILE:03d}.yaml"
        file_of[name] = fname
        files.setdefault(fname, {"tables": {}})["tables"][name] = spec

    # views: about one per 25 tables, over one table or a child joined to its parent
    for name in names[::25]:
        cols = all_specs[name]["columns"]
        parents = [c for c in cols if c.endswith("_id") and c != "id"]
        picked = [c for c in ("name", "code", "status", "amount", "created_at") if c in cols][:3]
        if parents:
            fk = parents[0]
            parent = fk[: -len("_id")]
            select = ", ".join(["c.id", "p.id AS parent_id"] + [f"c.{c}" for c in picked])
            query = f"SELECT {select}\n  FROM {name} c JOIN {parent} p ON p.id = c.{fk}"
        else:
            where = "\n WHERE is_active" if "is_active" in cols else ""
            query = f"SELECT id, {', '.join(picked)}\n  FROM {name}{where}"
        files[file_of[name]].setdefault("views", {})[f"v_{name}"] = {"query": query + "\n"}
    return files


def write(files: dict[str, dict[str, Any]], directory: Path) -> Path:
    """Write the YAML files into `directory` (created); return it."""
    directory.mkdir(parents=True, exist_ok=True)
    for fname, data in files.items():
        text = yaml.safe_dump(data, sort_keys=False, default_flow_style=False, width=120, allow_unicode=True)
        (directory / fname).write_text(f"# generated by bench/synth.py; do not edit\n{text}")
    return directory


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tables", type=int)
    ap.add_argument("directory", type=Path)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--extra-column", action="store_true", help="the one-change variant")
    args = ap.parse_args()
    write(generate(args.tables, args.seed, args.extra_column), args.directory)
    print(f"wrote {args.tables} tables to {args.directory}")


if __name__ == "__main__":
    main()
