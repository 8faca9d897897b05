"""The rendered DDL of many projects, one file each, to check that a change to spec loading, validation or
rendering leaves every statement, origin and error message byte-identical.

    python bench/render_identity.py corpus /tmp/corpus          # synthetic, random and hand-written projects
    PYTHONPATH=/tmp/base python bench/render_identity.py snapshot /tmp/before --root /tmp/base --corpus /tmp/corpus
    python bench/render_identity.py snapshot /tmp/after --corpus /tmp/corpus
    diff -r /tmp/before /tmp/after

`corpus` writes the synthetic projects (bench/synth.py: 100 and 1,000 tables, seeds 0 and 1, with and
without the extra column), random valid ones (tests/strategies.py, drawn once: keep the directory) and one
that uses every column and constraint feature. `snapshot` reads every spec directory of the repository at
`--root` (schema/, examples/*, tests/**, each directory holding YAML and its parent) and of the corpus, and
writes for each: load, validate, render unprettified (text with origins, and the statements' reprs),
validate_rendered, render prettified; or the first error's text. Run it from a checkout (git archive) of the
code to compare with PYTHONPATH pointing at it. The cache is off.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
FEATURES: dict[str, Any] = {
    "schemas": {"Sales": {}},
    "enums": {"mood": ["happy", "sad"]},
    "tables": {
        "accounts": {
            "columns": {
                "id": {"type": "bigint", "primary_key": True, "identity": "by default"},
                "Name": {"type": "text", "collation": "C", "nullable": False, "check": 'length("Name") > 0'},
                "order": {"type": "int", "unique": True, "default": "0"},
                "email": {"type": "text", "collation": "en-x-icu", "unique": True, "comment": "it's mail"},
                "lowered": {"type": "text", "generated": "lower(email)"},
                "code": {"type": "text", "identity": "always"},
                "mood": {"type": "mood", "grants": {"app": ["update"]}},
            },
            "unique": [{"columns": ["email", "order"], "nulls_not_distinct": True},
                       {"columns": ["Name"], "name": "Weird Name"}],
            "checks": {"zz_last": '"order" >= 0', "aa_first": "id > 0"},
            "indexes": [{"columns": ["lower(email)"], "unique": True},
                        {"columns": ["Name", '"order" DESC'], "include": ["mood"], "where": "id > 10",
                         "nulls_not_distinct": True, "comment": "by name"},
                        {"columns": ["email"], "using": "gin", "name": "Idx Email"}],
            "comment": "it's a table",
        },
        "Sales.select": {
            "columns": {
                "user": {"type": "bigint", "references": "public.accounts", "on_delete": "cascade",
                         "on_update": "cascade"},
                "ref": {"type": "bigint"},
                "at": {"type": "date", "nullable": False},
            },
            "primary_key": ["user", "at"],
            "foreign_keys": [
                {"columns": ["ref"], "references": "public.accounts(id)", "deferrable": True,
                 "initially_deferred": True, "on_delete": "RESTRICT"},
                {"columns": ["ref"], "references": "public.accounts(id)", "deferrable": True, "name": "Fk Two"},
            ],
            "partition_by": "range(at)",
        },
        "Sales.select_2024": {"partition_of": "Sales.select", "bounds": {"from": "2024-01-01", "to": "2025-01-01"},
                              "checks": {"positive": "ref > 0"}},
        "Sales.select_2025": {"partition_of": "Sales.select", "bounds": {"from": "2025-01-01", "to": "2026-01-01"},
                              "partition_by": "list(at)"},
        "empty_one": {"columns": {"x": "int"}},
    },
    "roles": {"app": {}},
}


def corpus(out: Path, random_projects: int) -> None:
    sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]
    import synth

    for tables in (100, 1000):
        for seed in (0, 1):
            for extra in (False, True):
                synth.write(synth.generate(tables, seed, extra), out / f"synth_{tables}_{seed}_{int(extra)}")
    (out / "features").mkdir(parents=True, exist_ok=True)
    (out / "features" / "spec.yaml").write_text(yaml.safe_dump(FEATURES, sort_keys=False), encoding="utf-8")
    import warnings

    import strategies  # tests/strategies.py (hypothesis)

    warnings.simplefilter("ignore")  # .example() outside a test
    strategy = strategies.specs(max_tables=6, max_enums=3)
    for i in range(random_projects):
        strategies.write_spec(strategy.example(), out / f"random_{i:03d}", split=i % 3 == 0)


def _projects(root: Path) -> list[str]:
    dirs: set[Path] = set()
    for top in ("schema", "examples", "tests"):
        for p in (root / top).rglob("*"):
            if p.suffix in (".yaml", ".yml") and "traits" not in p.parts:
                dirs.add(p.parent)
                if p.parent.parent != root:
                    dirs.add(p.parent.parent)
    return sorted(d.relative_to(root).as_posix() for d in dirs)


def _snapshot(project: str) -> str:
    from pgdecl.render import render
    from pgdecl.spec import load_project
    from pgdecl.validate import validate, validate_rendered

    out = []
    try:
        loaded = load_project(project, keep_docs=False).project
        out.append("loaded")
        validate(loaded)
        out.append("validated")
        plain = render(loaded, pretty=False)
        out += [plain.text(), repr(plain.statements)]
        validate_rendered(plain, shared=False)
        out.append("statements validated")
        pretty = render(loaded)
        out += [pretty.text(), repr(pretty.statements)]
    except Exception as e:  # noqa: BLE001 - the error is part of the snapshot
        out.append(f"ERROR {type(e).__name__}: {e}")
    return "\n=====\n".join(out)


def snapshot(out: Path, root: Path, corpus_dir: Path | None) -> int:
    os.environ["PGDECL_NO_CACHE"] = "1"
    out.mkdir(parents=True, exist_ok=True)
    os.chdir(root)  # relative names, as the origins show them
    projects = _projects(root) + (sorted(str(p) for p in corpus_dir.iterdir() if p.is_dir()) if corpus_dir else [])
    for project in projects:
        (out / project.strip("/").replace("/", "__")).write_text(_snapshot(project), encoding="utf-8")
    return len(projects)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("corpus", help="write the synthetic, random and hand-written projects")
    c.add_argument("directory", type=Path)
    c.add_argument("--random", type=int, default=400, help="random projects (default 400)")
    s = sub.add_parser("snapshot", help="write one file per project")
    s.add_argument("directory", type=Path)
    s.add_argument("--root", type=Path, default=HERE.parent, help="the repository whose projects are read")
    s.add_argument("--corpus", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.command == "corpus":
        corpus(args.directory.resolve(), args.random)
        return 0
    n = snapshot(args.directory.resolve(), args.root.resolve(), args.corpus.resolve() if args.corpus else None)
    print(f"{n} projects written to {args.directory}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
