"""Fuzz pgdecl with broken and hostile spec projects (tests/hostile.py makes them) and count what goes
wrong: Python tracebacks (by kind), hangs, runs that need more than 1 GiB, renders whose DDL does not
parse, renders holding a statement nobody declared. Each project runs validate+render, lint and docs
in a worker process (without root's power to read any file, so unreadable files are unreadable), under a time limit per project and an address-space limit of the worker's size + 1 GiB;
every 20th project also runs `pgdecl validate` and `pgdecl render` as commands.

    python bench/fuzz.py [--projects 2000] [--seed 0] [--jobs 2] [--timeout 20] [-v]

Prints the figures; exit 1 when any count but the projects' is not zero.
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
os.environ["PGDECL_NO_CACHE"] = "1"

import hostile  # noqa: E402

GIB = 1 << 30
TIMEOUT = 20


class Hang(BaseException):
    """The time limit of one project ran out."""


def _alarm(signum: int, frame: object) -> None:
    raise Hang


def _vm_size() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


def _init() -> None:
    import pgdecl.desired  # noqa: F401 - imported before the limit is set
    import pgdecl.docs  # noqa: F401
    import pgdecl.lint  # noqa: F401

    hostile.drop_dac()
    resource.setrlimit(resource.RLIMIT_AS, (_vm_size() + GIB, resource.RLIM_INFINITY))
    signal.signal(signal.SIGALRM, _alarm)


def _cleanup(path: Path) -> None:
    for p in [path, *path.rglob("*")]:
        try:
            if not p.is_symlink():
                os.chmod(p, 0o700)
        except OSError:
            pass
    shutil.rmtree(path, ignore_errors=True)


def run_one(seed: int) -> tuple[int, str, list[str]]:
    """Make project `seed` and run the commands on it: (seed, what was made, outcomes)."""
    rng = random.Random(seed)
    tmp = Path(tempfile.mkdtemp(prefix="pgdecl-fuzz-"))
    out = tmp / "p"
    out.mkdir()
    outcomes: list[str] = []
    try:
        what = hostile.make_project(rng, out)
        signal.alarm(TIMEOUT)
        try:
            outcomes = hostile.run_commands(out)
        except Hang:
            outcomes = ["hang"]
        except MemoryError:
            outcomes = ["memory"]
        finally:
            signal.alarm(0)
        if seed % 20 == 0:
            for cmd in ("validate", "render"):
                try:
                    r = subprocess.run([sys.executable, "-m", "pgdecl.cli", cmd, str(out)], capture_output=True,
                                       text=True, timeout=TIMEOUT * 3, errors="replace")
                except subprocess.TimeoutExpired:
                    outcomes.append(f"subprocess {cmd} hang")
                    continue
                if "Traceback" in r.stderr or r.returncode not in (0, 1):
                    last = (r.stderr.strip().splitlines() or ["?"])[-1]
                    outcomes.append(f"subprocess {cmd} traceback: exit {r.returncode}: {last[:100]}")
    finally:
        _cleanup(tmp)
    return seed, what, outcomes


def main() -> int:
    global TIMEOUT
    ap = argparse.ArgumentParser()
    ap.add_argument("--projects", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=TIMEOUT)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    TIMEOUT = args.timeout
    t0 = time.perf_counter()
    counts: collections.Counter[str] = collections.Counter()
    kinds: collections.Counter[str] = collections.Counter()
    examples: dict[str, str] = {}
    runs = 0
    seeds = range(args.seed, args.seed + args.projects)
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(args.jobs, initializer=_init, maxtasksperchild=25) as pool:
        for seed, what, outcomes in pool.imap_unordered(run_one, seeds, chunksize=4):
            runs += len(outcomes)
            for o in outcomes:
                if o in ("ok", "error"):
                    counts[o] += 1
                    continue
                key = ("traceback" if "traceback" in o else "hang" if "hang" in o else "memory" if o == "memory"
                       else "unparseable" if "unparseable" in o else "injected" if "injected" in o else o)
                counts[key] += 1
                kind = o.split(":", 2)[0] + ":" + o.split(":", 2)[1] if "traceback" in o else o[:120]
                kinds[kind] += 1
                examples.setdefault(kind, f"seed {seed}: {what[:300]} -> {o[:300]}")
    took = time.perf_counter() - t0
    print(f"projects: {args.projects} (seeds {args.seed}..{args.seed + args.projects - 1}), runs: {runs}, "
          f"{took:.0f} s, {args.jobs} jobs, timeout {TIMEOUT} s per project, 1 GiB over the worker's size")
    print(f"ok: {counts['ok']}, clear errors: {counts['error']}")
    for key in ("traceback", "hang", "memory", "unparseable", "injected"):
        label = {"memory": "over 1 GiB", "traceback": "tracebacks", "hang": "hangs",
                 "unparseable": "unparseable renders", "injected": "injected statements"}[key]
        print(f"{label}: {counts[key]}")
    print(f"traceback kinds: {sum(1 for k in kinds if 'traceback' in k)}")
    for kind, n in kinds.most_common():
        print(f"  {n:5d}  {kind}")
        if args.verbose:
            print(f"         e.g. {examples[kind]}")
    return 1 if any(counts[k] for k in ("traceback", "hang", "memory", "unparseable", "injected")) else 0


if __name__ == "__main__":
    sys.exit(main())
