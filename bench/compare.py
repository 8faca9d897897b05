"""pgdecl against an earlier pgdecl, on the same databases, runs interleaved so machine load falls on
both alike: is this version's plan at N tables slower than before?

    python bench/compare.py --baseline /path/to/old/venv/bin/pgdecl            # 1,000 tables, 4 rounds
    python bench/compare.py --baseline OLD --sizes 100,1000 --rounds 6 --json /tmp/cmp.json

Make the baseline with a worktree of the earlier commit and a venv of its own:
`git worktree add /tmp/base <rev> && python -m venv /tmp/base/.venv && /tmp/base/.venv/bin/pip install -e /tmp/base`.

Per size: one synthetic project (bench/synth.py) applied once by this version into a database; then,
each round and for each version in turn, the wall clock of
- a no-op `pgdecl plan` with a warm cache (each version has its own cache, filled by one untimed run);
- a one-change plan (one column added to one table, exit 2 asserted), the first after the edit: from a
  copy of that version's warm cache, as a developer runs it (bench/run.py measures it so too).
Prints the medians, the ratio now/before (<= 1.0 is "not slower") and writes JSON.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth  # noqa: E402
from run import Bench, BenchError, private_bench, tool  # noqa: E402

FIGURES = (("noop_warm", "no-op plan, warm cache"), ("one_change", "one-change plan"))


def compare(bench: Bench, size: int, versions: dict[str, list[str]], rounds: int) -> dict[str, Any]:
    """The figures of one size: {figure: {version: [seconds...]}}."""
    project = synth.write(synth.generate(size, bench.seed), bench.work / f"p{size}")
    changed = synth.write(synth.generate(size, bench.seed, extra_column=True), bench.work / f"p{size}_change")
    live = bench.create_db(f"cmp{size}")
    try:
        url = bench.url(live)
        bench.run(versions["now"] + ["apply", str(project), "--yes", "--database-url", url])
        warm = {name: bench.cache_dir() for name in versions}
        for name, exe in versions.items():  # fill each version's cache (and check the no-op is empty)
            bench.run(exe + ["plan", str(project), "--database-url", url], cache=warm[name])
        runs: dict[str, dict[str, list[float]]] = {f: {name: [] for name in versions} for f, _ in FIGURES}
        for r in range(rounds):
            order = list(versions) if r % 2 == 0 else list(reversed(versions))  # alternate who goes first
            for name in order:
                exe = versions[name]
                runs["noop_warm"][name].append(
                    bench.run(exe + ["plan", str(project), "--database-url", url], cache=warm[name])[0])
                after = bench.cache_dir()  # the first plan after the edit: a copy of this version's warm cache
                shutil.copytree(warm[name], after, dirs_exist_ok=True)
                seconds, proc = bench.run(exe + ["plan", str(changed), "--database-url", url], expect=(2,),
                                          cache=after)
                if synth.EXTRA_COLUMN not in proc.stdout:
                    raise BenchError(f"{name}: the one-change plan does not add {synth.EXTRA_COLUMN}")
                runs["one_change"][name].append(seconds)
        return runs
    finally:
        bench.drop_db(live)
        shutil.rmtree(project, ignore_errors=True)
        shutil.rmtree(changed, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--baseline", required=True, help="the earlier version's pgdecl executable")
    ap.add_argument("--sizes", default="1000", help="table counts, comma-separated")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, default=Path("bench/results/compare.json"))
    args = ap.parse_args(argv)
    baseline = Path(args.baseline)
    if not baseline.exists():
        print(f"error: {baseline} does not exist", file=sys.stderr)
        return 1
    versions = {"before": [str(baseline)], "now": tool("pgdecl")}
    results: dict[str, Any] = {}
    started = time.perf_counter()
    try:
        with private_bench("pgdecl-cmp", seed=args.seed) as bench:
            for size in (int(s) for s in args.sizes.split(",")):
                print(f"{size} tables, {args.rounds} rounds ...", flush=True)
                results[str(size)] = compare(bench, size, versions, args.rounds)
    except BenchError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"\n{'figure':<34}{'before':>10}{'now':>10}{'now/before':>12}")
    summary: dict[str, Any] = {}
    for size, runs in results.items():
        for figure, label in FIGURES:
            before, now = (statistics.median(runs[figure][v]) for v in ("before", "now"))
            ratio = now / before
            summary[f"{figure}_{size}"] = {"before": before, "now": now, "ratio": round(ratio, 3),
                                           "runs": runs[figure]}
            print(f"{label + ' @' + size:<34}{before:>10.2f}{now:>10.2f}{ratio:>12.2f}")
    for key, s in summary.items():
        print(f"{'PASS' if s['ratio'] <= 1.0 else 'MISS'}  {key}: now {s['now']:.2f} s <= before {s['before']:.2f} s")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"baseline": str(baseline), "rounds": args.rounds, "seed": args.seed,
                                     "wall_seconds": round(time.perf_counter() - started, 1),
                                     "figures": summary}, indent=2) + "\n")
    print(f"JSON in {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
