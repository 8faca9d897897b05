"""Fleet apply time against N times the single-target time. Prints figures; asserts nothing.

    python bench/fleet.py [N] [--parallel P] [--project DIR]   # default 50 targets, 4 at a time, examples/eshop

On pgdecl's local server: creates N + 3 empty databases; applies the project to 3 of them one by one
(pgdecl.apply.apply, the warm plan cache as a shell loop of `pgdecl apply` would have it after its
first run) and takes the median as the single-target time; then applies it to the other N as one
fleet (pgdecl.fleet.Fleet: canary 1, then P at a time), as `pgdecl apply --env FLEET --yes` does.
Every database is dropped afterwards.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(n: int, parallel: int, project: str) -> None:
    from pgdecl.apply import apply
    from pgdecl.config import Env
    from pgdecl.db import Database, connect
    from pgdecl.desired import desired_from_specs
    from pgdecl.fleet import APPLIED, Fleet, FleetOptions
    from pgdecl.hazards import KINDS
    from pgdecl.server import LocalServer

    server = LocalServer()
    admin = Database(server.ensure_running(), local=True)
    prefix = f"bench_fleet_{secrets.token_hex(3)}_"
    names = [f"{prefix}{i:03d}" for i in range(n + 3)]
    with connect(admin, autocommit=True) as conn:
        for name in names:
            conn.execute(f"CREATE DATABASE {name}")
    try:
        urls = [admin.with_dbname(name).conninfo for name in names]
        apply(project, urls[0], allowed_hazards=set(KINDS), server=server)  # warms the caches
        singles = []
        for url in urls[1:3]:
            t = time.perf_counter()
            apply(project, url, allowed_hazards=set(KINDS), server=server)
            singles.append(time.perf_counter() - t)
        single = statistics.median(singles)
        env = Env(name="bench", urls=tuple(urls[3:]))
        opts = FleetOptions(specs=project, allowed=frozenset(KINDS), parallel=parallel, canary=1)
        t = time.perf_counter()
        fleet = Fleet(env, opts, desired_from_specs(project), server)
        result = fleet.run("apply")
        took = time.perf_counter() - t
        applied = result.count(APPLIED)
        print(f"project {project}: {len(desired_from_specs(project).rendered.statements)} statements")
        print(f"single-target apply (median of {len(singles)}): {single:.2f} s")
        print(f"{n} x single: {n * single:.1f} s")
        print(f"fleet apply of {n} targets, --parallel {parallel}: {took:.1f} s ({applied}/{n} applied, "
              f"exit {result.exit_code})")
        print(f"ratio fleet / (N x single): {took / (n * single):.2f}")
    finally:
        with connect(admin, autocommit=True) as conn:
            for name in names:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", nargs="?", type=int, default=50)
    ap.add_argument("--parallel", type=int, default=4)
    ap.add_argument("--project", default=str(ROOT / "examples" / "eshop"))
    a = ap.parse_args()
    main(a.n, a.parallel, a.project)
