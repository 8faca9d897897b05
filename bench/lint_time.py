"""How long `pgdecl lint` (it runs in pre-commit on every commit) and `pgdecl render` take, whole process
and by stage. Prints figures; asserts nothing. The desired-side cache is off (PGDECL_NO_CACHE=1), so
render is timed cold.

    python bench/lint_time.py [DIR ...]             # default: schema examples/starter
    python bench/lint_time.py --render [DIR ...]    # pgdecl render too
    python bench/synth.py 1000 /tmp/p1000 && python bench/lint_time.py --render /tmp/p1000
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 7
ENV = {**os.environ, "PGDECL_NO_CACHE": "1"}


def wall(args: list[str], runs: int = RUNS) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(args, cwd=ROOT, capture_output=True, env=ENV)
        out.append(time.perf_counter() - t)
    return out


LINT_STAGES = """
import time
t0 = time.perf_counter()
import pgdecl.cli
from pgdecl.lint import lint_model
from pgdecl.spec import load_project, paused_gc
t1 = time.perf_counter()
with paused_gc():  # as lint_project
    loaded = load_project({project!r})
    t2 = time.perf_counter()
    result = lint_model(loaded.project)
t3 = time.perf_counter()
print(f"import {{t1 - t0:.3f}} s, load specs {{t2 - t1:.3f}} s, rules {{t3 - t2:.3f}} s "
      f"({{len(result.rules)}} rules, {{result.tables}} tables)")
"""

RENDER_STAGES = """
import time
t0 = time.perf_counter()
import pgdecl.cli
from pgdecl.desired import desired_from_specs  # what `pgdecl render` imports
from pgdecl.render import render
from pgdecl.spec import load_project
from pgdecl.validate import validate
t1 = time.perf_counter()
loaded = load_project({project!r})
t2 = time.perf_counter()
validate(loaded.project)
t3 = time.perf_counter()
rendered = render(loaded.project)
t4 = time.perf_counter()
validate(loaded.project, rendered)
loaded.project.fingerprint()
t5 = time.perf_counter()
print(f"import {{t1 - t0:.3f}} s, load specs {{t2 - t1:.3f}} s, validate {{t3 - t2:.3f}} s, "
      f"render {{t4 - t3:.3f}} s, validate statements + fingerprint {{t5 - t4:.3f}} s "
      f"({{len(rendered.statements)}} statements)")
"""


def stages(code: str, project: str) -> str:
    run = subprocess.run([sys.executable, "-c", code.format(project=project)], cwd=ROOT, capture_output=True,
                         text=True, env=ENV)
    return (run.stdout or run.stderr).strip()


def main() -> None:
    args = sys.argv[1:]
    with_render = "--render" in args
    projects = [a for a in args if a != "--render"] or ["schema", "examples/starter"]
    exe = Path(sys.executable).parent / "pgdecl"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "pgdecl.cli"]
    for project in projects:
        times = wall(cmd + ["lint", project])
        print(f"pgdecl lint {project}: median {statistics.median(times):.3f} s, min {min(times):.3f} s "
              f"over {RUNS} runs (whole process)")
        print(f"  in one process: {stages(LINT_STAGES, project)}")
        if with_render:
            times = wall(cmd + ["render", project], 3)
            print(f"pgdecl render {project}: median {statistics.median(times):.3f} s, min {min(times):.3f} s "
                  f"over 3 runs (whole process, cache off)")
            print(f"  in one process: {stages(RENDER_STAGES, project)}")


if __name__ == "__main__":
    main()
