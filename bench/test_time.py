"""How long `pgdecl test` takes and how much it proves. Prints figures; asserts nothing.

    python bench/test_time.py [DIR ...]      # default: schema examples/starter (and examples/eshop)
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 3


def main(projects: list[str]) -> None:
    from pgdecl.proptest import run_tests

    for project in projects:
        walls = []
        for _ in range(RUNS):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "pgdecl.cli", "test", project], cwd=ROOT, capture_output=True)
            walls.append(time.perf_counter() - t)
        report = run_tests(ROOT / project)
        kinds: dict[str, int] = {}
        for r in report.results:
            kinds[r.kind] = kinds.get(r.kind, 0) + 1
        print(f"{project}: `pgdecl test` wall median {statistics.median(walls):.2f} s (min {min(walls):.2f}, "
              f"{RUNS} runs); proving alone {report.seconds:.2f} s, {report.statements} statements")
        print(f"  {len(report.results)} constraints: {report.count('proved')} proved, {report.count('failed')} failed, "
              f"{report.count('unproved')} not proved; "
              f"{sum(r.triggers_off for r in report.results)} proved with the table's triggers disabled")
        print("  " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))


if __name__ == "__main__":
    default = [p for p in ("schema", "examples/starter", "examples/eshop") if (ROOT / p).is_dir()]
    main(sys.argv[1:] or default)
