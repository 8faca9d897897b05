"""How long `pgdecl lint` takes (it runs in pre-commit on every commit). Prints figures; asserts nothing.

    python bench/lint_time.py [DIR ...]      # default: schema examples/starter
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 7


def wall(args: list[str]) -> list[float]:
    out = []
    for _ in range(RUNS):
        t = time.perf_counter()
        subprocess.run(args, cwd=ROOT, capture_output=True)
        out.append(time.perf_counter() - t)
    return out


def stages(project: str) -> str:
    code = f"""
import time
t0 = time.perf_counter()
import pgdecl.cli
from pgdecl.lint import lint_model
from pgdecl.spec import load_project
t1 = time.perf_counter()
loaded = load_project({project!r})
t2 = time.perf_counter()
result = lint_model(loaded.project)
t3 = time.perf_counter()
print(f"import {{t1 - t0:.3f}} s, load specs {{t2 - t1:.3f}} s, rules {{t3 - t2:.3f}} s "
      f"({{len(result.rules)}} rules, {{result.tables}} tables)")
"""
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True).stdout.strip()


def main() -> None:
    exe = Path(sys.executable).parent / "pgdecl"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "pgdecl.cli"]
    for project in sys.argv[1:] or ["schema", "examples/starter"]:
        times = wall(cmd + ["lint", project])
        print(f"pgdecl lint {project}: median {statistics.median(times):.3f} s, min {min(times):.3f} s "
              f"over {RUNS} runs (whole process)")
        print(f"  in one process: {stages(project)}")


if __name__ == "__main__":
    main()
