"""What a renamed_from hint costs in plan time. Prints figures; asserts nothing.

    python bench/rename_time.py [RUNS]      # examples/eshop (25 tables) on pgdecl's local server

Deploys examples/eshop to a fresh database, then times `make_plan` for: the unchanged specs (no
hint, empty plan); the table `brands` renamed to `manufacturers` and its column `slug` to `handle`
with renamed_from (rename steps only); and the same specs without the hints (migra's drop + create).
The extra work of a hint: a catalog read of the live table, the renames undone in the scratch
database, a second schemainspect and catalog snapshot of it, and the object substitution.
"""

from __future__ import annotations

import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _edit(project: Path, hints: bool) -> None:
    f = project / "20_catalog.yaml"
    text = f.read_text()
    table = "  manufacturers:\n    renamed_from: brands\n" if hints else "  manufacturers:\n"
    text = text.replace("  brands:\n", table, 1).replace("references: brands", "references: manufacturers")
    text = text.replace("brands_slug_format: slug ~", "brands_slug_format: handle ~")
    start = text.index("  manufacturers:\n")
    end = text.index("\n  collections:\n")
    block = text[start:end]
    col = "      handle:\n        renamed_from: slug\n" if hints else "      handle:\n"
    text = text[:start] + block.replace("      slug:\n", col, 1) + text[end:]
    f.write_text(text)


def main(runs: int) -> None:
    from pgdecl.apply import apply
    from pgdecl.db import Database, connect
    from pgdecl.desired import desired_from_specs
    from pgdecl.hazards import KINDS
    from pgdecl.plan import make_plan
    from pgdecl.server import LocalServer

    server = LocalServer()
    admin = Database(server.ensure_running(), local=True)
    name = f"bench_rename_{secrets.token_hex(4)}"
    with connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    db = admin.with_dbname(name)
    tmp = Path(tempfile.mkdtemp())
    try:
        base = tmp / "base"
        shutil.copytree(ROOT / "examples" / "eshop", base)
        apply(str(base), db.conninfo, allowed_hazards=set(KINDS), server=server)
        for label, hints in (("unchanged specs (no hint)", None), ("rename with renamed_from", True),
                             ("same change without hints", False)):
            project = tmp / label.replace(" ", "_")
            shutil.copytree(ROOT / "examples" / "eshop", project)
            if hints is not None:
                _edit(project, hints)
            desired = desired_from_specs(project)
            times, plan = [], None
            for _ in range(runs):
                t = time.perf_counter()
                plan = make_plan(project, db.conninfo, server=server, desired=desired)
                times.append(time.perf_counter() - t)
            assert plan is not None
            renames = sum(s.source == "renames" for s in plan.steps)
            print(f"{label:28s} median {statistics.median(times):.3f} s (min {min(times):.3f}, {runs} runs); "
                  f"{len(plan.steps)} steps, {renames} renames, hazards {sorted(plan.hazard_kinds()) or '-'}")
    finally:
        with connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
