"""How long `pgdecl diff` takes on a pull request that edits schema/ (the marketplace review case:
tests/cases/review/marketplace/branch.patch). Prints figures; asserts nothing.

    python bench/review_time.py

Uses pgdecl's local server (`pgdecl server status`), started on demand.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5
GIT_ENV = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com", "GIT_COMMITTER_NAME": "bench",
           "GIT_COMMITTER_EMAIL": "bench@example.com", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, env={**os.environ, **GIT_ENV}, check=True, capture_output=True)


def main() -> None:
    pgdecl = str(Path(sys.executable).parent / "pgdecl")
    with tempfile.TemporaryDirectory(prefix="pgdecl-bench-review-") as tmp:
        repo = Path(tmp)
        git(repo, "init", "-q", "-b", "main")
        shutil.copytree(ROOT / "schema", repo / "schema", ignore=shutil.ignore_patterns("README.md"))
        git(repo, "add", "schema")
        git(repo, "commit", "-q", "-m", "schema")
        git(repo, "checkout", "-q", "-b", "feature")
        git(repo, "apply", str(ROOT / "tests" / "cases" / "review" / "marketplace" / "branch.patch"))
        git(repo, "commit", "-q", "-am", "edit")
        subprocess.run([pgdecl, "server", "start"], capture_output=True, check=True)
        times = []
        for _ in range(RUNS):
            t = time.perf_counter()
            p = subprocess.run([pgdecl, "diff", "--from", "main", "--to", "feature", "--format", "markdown"],
                               cwd=repo, capture_output=True, text=True)
            times.append(time.perf_counter() - t)
            if p.returncode != 2:
                sys.exit(f"pgdecl diff exited {p.returncode}: {p.stderr}")
        print(f"pgdecl diff --from main --to feature (schema/, {RUNS} runs): median {statistics.median(times):.2f} s, "
              f"min {min(times):.2f} s, max {max(times):.2f} s; {len(p.stdout)} characters of Markdown")
        code = """
import time
from pgdecl import review as rv
from pgdecl.desired import desired_from_specs
from pgdecl.lint import lint_model
t0 = time.perf_counter(); import pgdecl.cli; t1 = time.perf_counter()
d = desired_from_specs("schema"); t2 = time.perf_counter()
lint_model(d.project); t3 = time.perf_counter()
r = rv.review("schema", "main", "feature"); t4 = time.perf_counter()
print(f"one side's specs load+validate+render {t2 - t1:.2f} s, lint {t3 - t2:.2f} s, whole review in-process {t4 - t3:.2f} s "
      f"({len(r.changes)} spec changes, {len(r.steps)} statements)")
"""
        subprocess.run([sys.executable, "-c", code], cwd=repo, check=True)


if __name__ == "__main__":
    main()
