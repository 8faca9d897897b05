"""pgdecl at scale: lint, validate, render, plan and apply on synthetic projects of 100 to 10,000 tables,
side by side with migra's bare diff and psql loading the same DDL. Prints a table, the peak memory of
each command and a PASS/FAIL line per target of issue 16 (each a ratio or a bound within this one run),
writes JSON; asserts only that the input is sound (validate and lint clean, plans as expected).

    python bench/run.py                      # sizes 100,1000,5000,10000; 3 runs each (1 from 5,000 on)
    python bench/run.py --json bench/results/$(date -u +%F).json
    python bench/run.py --quick              # sizes 100,1000, one run each (a smoke run)
    python bench/run.py --sizes 100,1000 --repeat 5 --json /tmp/b.json --keep --profile

Nothing needs to be running: the script starts a private pgdecl server (its own PGDECL_HOME in a
temporary directory, /var/tmp as root, where the server runs as user postgres) and removes it
afterwards. Every figure is the wall clock of a subprocess of the real command line, as a user runs it:

- `pgdecl lint DIR`, `pgdecl validate DIR`, `pgdecl render DIR`;
- `pgdecl apply DIR --yes` into an empty database (plan, apply, re-plan), desired-side cache empty;
- a no-op `pgdecl plan DIR` against the applied database (exit 0 asserted), cold (PGDECL_CACHE_DIR a
  fresh empty directory each run) and warm (the cache filled by one untimed run first);
- a one-change plan: one column added to one table (exit 2 asserted), with the cache the warm no-op
  plans left (a copy each run): what a developer waits for after editing one spec;
- `migra --unsafe` between the applied database and a second one loaded from the rendered DDL;
- `psql -1 -q -v ON_ERROR_STOP=1 -f ddl.sql` loading the rendered DDL into an empty database.

Sizes of 5,000 tables and more run once unless `--repeat-at 5000=N` says otherwise; the JSON records the
runs of every figure and the peak resident memory of each command (its own process, from wait4; a child
pgdecl forks to read a large project on a second CPU is not in it). Each database loaded is vacuumed and
analyzed (untimed, as autovacuum leaves a live database), before each timed run the server is left to
settle (a checkpoint, `sync`, no autovacuum worker running: `Bench.settle`), and the applies alternate with
psql's loads, so that what the server does between runs weighs on both sides of a ratio alike.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import pstats
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SIZES = (100, 1000, 5000, 10000)
LARGE = 5000  # sizes from here on run once by default
OPS = (
    ("lint", "pgdecl lint"),
    ("validate", "pgdecl validate"),
    ("render", "pgdecl render"),
    ("apply", "pgdecl apply (empty db)"),
    ("plan_noop_cold", "no-op plan, cold cache"),
    ("plan_noop_warm", "no-op plan, warm cache"),
    ("plan_one_change", "one-change plan"),
    ("migra", "migra bare diff"),
    ("psql_load", "psql -1 -f ddl.sql"),
)
GROWTH_OPS = ("lint", "validate", "render", "apply", "plan_noop_cold", "plan_noop_warm", "plan_one_change", "migra", "psql_load")
LINEAR_SLACK = 1.5  # marginal cost per table of the last interval at most this times the first one's
PGDECL_OPS = tuple(k for k in GROWTH_OPS if k not in ("migra", "psql_load"))


class BenchError(Exception):
    """A step gave an unexpected result: the benchmark input is unsound, so no figure is worth printing."""


@dataclass
class Op:
    runs: list[float] = field(default_factory=list)
    note: str = ""
    rss_mb: list[float] = field(default_factory=list)  # peak resident memory of each run's process

    def add(self, timed: tuple[float, Any]) -> subprocess.CompletedProcess[str]:
        """Record one run (seconds, process) of `Bench.run`; returns the process."""
        seconds, proc = timed
        self.runs.append(seconds)
        self.rss_mb.append(proc.rss_mb)
        return proc  # type: ignore[no-any-return]

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    def json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"median": round(self.median, 4), "min": round(min(self.runs), 4),
                               "max": round(max(self.runs), 4), "runs": [round(r, 4) for r in self.runs]}
        if self.rss_mb:
            out["peak_rss_mb"] = round(max(self.rss_mb), 1)
        if self.note:
            out["note"] = self.note
        return out


def tool(name: str) -> list[str]:
    exe = Path(sys.executable).parent / name
    if exe.exists():
        return [str(exe)]
    if name == "pgdecl":
        return [sys.executable, "-m", "pgdecl.cli"]
    found = shutil.which(name)
    if not found:
        raise BenchError(f"{name} not found next to {sys.executable} nor on PATH")
    return [found]


class Bench:
    """One benchmark run: a private server, databases on it, and the commands timed against them."""

    def __init__(self, home: Path, work: Path, repeat: int, repeat_at: dict[int, int], seed: int,
                 profile_dir: Path | None, keep_projects: bool = False) -> None:
        from pgdecl.db import Database
        from pgdecl.server import LocalServer

        self.server = LocalServer(home=home)
        self.home = home
        self.work = work
        self.repeat = repeat
        self.repeat_at = repeat_at
        self.seed = seed
        self.profile_dir = profile_dir
        self.keep_projects = keep_projects
        self.pgdecl = tool("pgdecl")
        self.migra = tool("migra")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "DATABASE_URL"}
        self.env["PGDECL_HOME"] = str(home)
        self.admin = Database(self.server.ensure_running(), local=True)
        self.psql = self.server.binaries.tool("psql")
        self.profiles: dict[str, str] = {}

    # -- databases -----------------------------------------------------------------------------

    def url(self, dbname: str, driver: str = "postgresql") -> str:
        """A URL of a database on the private server, over its Unix socket."""
        return f"{driver}://postgres@/{dbname}?host={self.server.socket_dir}&port=5432"

    def create_db(self, prefix: str) -> str:
        from pgdecl.db import connect

        name = f"bench_{prefix}_{secrets.token_hex(3)}"
        with connect(self.admin, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'")
        return name

    def drop_db(self, name: str) -> None:
        from pgdecl.db import connect

        with connect(self.admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def server_version(self) -> str:
        from pgdecl.db import connect

        with connect(self.admin, autocommit=True) as conn:
            row = conn.execute("SELECT current_setting('server_version')").fetchone()
        return str(row[0]) if row else "?"

    def vacuum(self, name: str) -> None:
        """A database just loaded, vacuumed and analyzed, untimed: as autovacuum leaves a live database
        long before anyone plans against it. Left to autovacuum, its workers ran during the next timed
        runs (a minute's nap after the load): the first cold no-op plan at 10,000 tables took 64 s
        instead of 52."""
        from pgdecl.db import Database, connect

        with connect(Database(self.url(name), local=True), autocommit=True) as conn:
            conn.execute("VACUUM (ANALYZE)")

    def settle(self, limit: float = 120.0) -> None:
        """Before each timed run, the server quiet: a checkpoint, the page cache's dirty pages written
        out, then no autovacuum worker (at most `limit` seconds). The databases loaded by earlier runs
        are vacuumed and analyzed meanwhile, and on two CPUs a worker running beside a timed command
        took a quarter off or on its time, for pgdecl's runs and psql's alike."""
        from pgdecl.db import connect

        with connect(self.admin, autocommit=True) as conn:
            conn.execute("CHECKPOINT")
            os.sync()  # the files earlier runs wrote (fsync is off) are written out now, not during this one
            end = time.monotonic() + limit
            while time.monotonic() < end:
                row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'"
                                   " OR (backend_type = 'client backend' AND state = 'active'"
                                   " AND pid <> pg_backend_pid())").fetchone()
                if not row or not row[0]:
                    return
                time.sleep(0.1)

    # -- commands ------------------------------------------------------------------------------

    def cache_dir(self) -> str:
        path = Path(tempfile.mkdtemp(prefix="cache-", dir=self.work))
        return str(path)

    def run(self, cmd: list[str], expect: tuple[int, ...] = (0,), cache: str | None = None,
            stdout: Path | None = None) -> tuple[float, Any]:
        """Wall-clock seconds of one subprocess and the process (its output and, as `rss_mb`, its peak
        resident memory from wait4); BenchError unless its exit code is expected."""
        env = dict(self.env, PGDECL_CACHE_DIR=cache or self.cache_dir())
        self.settle()
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
            t = time.perf_counter()
            child = subprocess.Popen(cmd, env=env, stdout=out, stderr=err, text=True, cwd=self.work)
            _, status, usage = os.wait4(child.pid, 0)
            seconds = time.perf_counter() - t
            child.returncode = os.waitstatus_to_exitcode(status)
            out.seek(0)
            err.seek(0)
            proc = subprocess.CompletedProcess(cmd, child.returncode, out.read(), err.read())
        proc.rss_mb = usage.ru_maxrss / 1024  # type: ignore[attr-defined]  # kilobytes on Linux
        if proc.returncode not in expect:
            tail = (proc.stderr or proc.stdout).strip()[-3000:]
            raise BenchError(f"{' '.join(cmd[-4:])} exited {proc.returncode}, expected {expect}:\n{tail}")
        if stdout is not None:
            stdout.write_text(proc.stdout)
        return seconds, proc

    def runs(self, size: int) -> int:
        for at in sorted(self.repeat_at, reverse=True):
            if size >= at:
                return self.repeat_at[at]
        return self.repeat

    # -- one size ------------------------------------------------------------------------------

    def size(self, tables: int, log: Any) -> dict[str, Any]:
        n = self.runs(tables)
        project = synth.write(synth.generate(tables, self.seed), self.work / f"p{tables}")
        changed = synth.write(synth.generate(tables, self.seed, extra_column=True), self.work / f"p{tables}_change")
        ops: dict[str, Op] = {k: Op() for k, _ in OPS}
        p, c = str(project), str(changed)

        for _ in range(n):
            proc = ops["validate"].add(self.run(self.pgdecl + ["validate", p]))
        m = re.search(r"(\d+) tables, (\d+) statements", proc.stdout)
        if not m or int(m.group(1)) != tables:
            raise BenchError(f"pgdecl validate did not report {tables} tables: {proc.stdout.strip()}")
        statements = int(m.group(2))
        for _ in range(n):
            ops["lint"].add(self.run(self.pgdecl + ["lint", p]))
        ddl = self.work / f"ddl{tables}.sql"
        for _ in range(n):
            ops["render"].add(self.run(self.pgdecl + ["render", p], stdout=ddl))
        log(f"  lint clean; {statements} statements rendered ({statements / tables:.1f} per table)")

        dbs: list[str] = []
        try:
            live = copy = ""
            for _ in range(n):  # in turn, so that the server's state drifting (autovacuum, checkpoints,
                live = self.create_db(f"live{tables}")  # the page cache) weighs on both sides of the ratio
                dbs.append(live)
                ops["apply"].add(self.run(self.pgdecl + ["apply", p, "--yes", "--database-url", self.url(live)]))
                self.vacuum(live)
                copy = self.create_db(f"copy{tables}")
                dbs.append(copy)
                ops["psql_load"].add(self.run([self.psql, "-1", "-q", "-v", "ON_ERROR_STOP=1", "-f", str(ddl),
                                               self.url(copy)]))
                self.vacuum(copy)
            ops["apply"].note = "into an empty database; plan + apply + re-plan; cache empty; runs alternate with psql's"
            log(f"  apply: {ops['apply'].median:.2f} s, psql: {ops['psql_load'].median:.2f} s")

            plan = self.pgdecl + ["plan", p, "--database-url", self.url(live)]
            for _ in range(n):
                ops["plan_noop_cold"].add(self.run(plan))
            warm = self.cache_dir()
            self.run(plan, cache=warm)
            for _ in range(n):
                ops["plan_noop_warm"].add(self.run(plan, cache=warm))
            log(f"  no-op plan: cold {ops['plan_noop_cold'].median:.2f} s, warm {ops['plan_noop_warm'].median:.2f} s")
            change = self.pgdecl + ["plan", c, "--database-url", self.url(live)]
            for _ in range(n):  # each run the first plan after the change: a copy of the warm cache
                after = self.cache_dir()
                shutil.copytree(warm, after, dirs_exist_ok=True)
                proc = ops["plan_one_change"].add(self.run(change, expect=(2,), cache=after))
            if synth.EXTRA_COLUMN not in proc.stdout:
                raise BenchError(f"the one-change plan does not add {synth.EXTRA_COLUMN}:\n{proc.stdout[-2000:]}")
            ops["plan_one_change"].note = "column added to one table; the cache as the no-op plans left it"

            migra = self.migra + ["--unsafe", self.url(live, "postgresql+psycopg"), self.url(copy, "postgresql+psycopg")]
            for _ in range(n):
                proc = ops["migra"].add(self.run(migra, expect=(0, 2)))
            ops["migra"].note = (f"exit {proc.returncode}, {proc.stdout.count(';')} statements "
                                 "(the applied side also holds pgdecl's history schema)")
            if self.profile_dir is not None:
                self.profile(f"plan_{tables}", ["plan", p, "--database-url", self.url(live)], warm, (0,))
                self.profile(f"lint_{tables}", ["lint", p], None, (0,))
        finally:
            for db in dbs:
                self.drop_db(db)
            if not self.keep_projects:
                shutil.rmtree(project, ignore_errors=True)
                shutil.rmtree(changed, ignore_errors=True)
        return {"tables": tables, "statements": statements, "repeat": n,
                "operations": {k: ops[k].json() for k, _ in OPS}}

    def schema_noop(self, n: int) -> dict[str, Any]:
        """The repository's own schema/: applied once, then warm no-op plans."""
        live = self.create_db("schema")
        try:
            url = self.url(live)
            schema = str(ROOT / "schema")
            self.run(self.pgdecl + ["apply", schema, "--yes", "--allow-hazard", "security", "--database-url", url])
            warm = self.cache_dir()
            plan = self.pgdecl + ["plan", schema, "--database-url", url]
            self.run(plan, cache=warm)
            op = Op(note="schema/ applied, local server running, cache warm")
            for _ in range(n):
                op.add(self.run(plan, cache=warm))
            return op.json()
        finally:
            self.drop_db(live)

    def profile(self, name: str, args: list[str], cache: str | None, expect: tuple[int, ...]) -> None:
        assert self.profile_dir is not None
        self.profile_dir.mkdir(parents=True, exist_ok=True)
        out = self.profile_dir / f"profile_{name}.prof"
        self.run([sys.executable, "-m", "cProfile", "-o", str(out), "-m", "pgdecl.cli", *args], expect=expect,
                 cache=cache)
        self.profiles[name] = top_entries(out)


WRAPPERS = re.compile(r"click/|runpy|importlib|builtins\.exec|^<string>|cli\.py:1\(|cli\.py:\d+\((_run|main|plan|lint)\)")


def top_entries(path: Path, count: int = 15) -> str:
    """The `count` entries of a profile with the most cumulative time, leaving out the command-line
    wrappers (click, runpy, imports of the entry point) that would otherwise head the list."""
    stats = pstats.Stats(str(path), stream=io.StringIO()).sort_stats("cumulative")
    lines = [f"total {stats.total_tt:.3f} s (under the profiler)", "  cumtime  tottime   ncalls  function"]
    for func in stats.fcn_list:  # type: ignore[attr-defined]
        _, calls, tottime, cumtime, _ = stats.stats[func]  # type: ignore[attr-defined]
        name = pstats.func_std_string(func)
        if WRAPPERS.search(name):
            continue
        for prefix in (str(ROOT) + "/", sysconfig.get_paths()["purelib"] + "/", sysconfig.get_paths()["stdlib"] + "/"):
            name = name.replace(prefix, "")
        lines.append(f"{cumtime:9.3f} {tottime:8.3f} {calls:8d}  {name}")
        if len(lines) == count + 2:
            break
    return "\n".join(lines)


# -- report ------------------------------------------------------------------------------------

def machine(bench: Bench) -> dict[str, Any]:
    import pgdecl

    def git(*args: str) -> str:
        p = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return p.stdout.strip() if p.returncode == 0 else ""

    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "postgresql": bench.server_version(),
        "postgresql_binaries": str(bench.server.binaries.bindir),
        "pgdecl_commit": git("rev-parse", "HEAD"),
        "pgdecl_module": str(Path(pgdecl.__file__).parent),
        "work_tree_dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],  # a shared machine shows here
    }


def derived(results: dict[str, Any], schema: dict[str, Any] | None) -> dict[str, Any]:
    """Ratios, per-table growth and the issue's targets, from the per-size figures."""
    sizes = sorted(results, key=int)
    med = {s: {k: v["median"] for k, v in results[s]["operations"].items()} for s in sizes}
    ratios = {s: {"plan_noop_warm/migra": med[s]["plan_noop_warm"] / med[s]["migra"],
                  "plan_noop_cold/migra": med[s]["plan_noop_cold"] / med[s]["migra"],
                  "plan_one_change/migra": med[s]["plan_one_change"] / med[s]["migra"],
                  "apply/psql_load": med[s]["apply"] / med[s]["psql_load"]} for s in sizes}
    first = sizes[0]
    per_table = {s: {k: med[s][k] / int(s) for k in GROWTH_OPS} for s in sizes}
    relative = {s: {k: per_table[s][k] / per_table[first][k] for k in GROWTH_OPS} for s in sizes}
    marginal: dict[str, Any] = {}
    if len(sizes) >= 3:
        a, b, y, z = sizes[0], sizes[1], sizes[-2], sizes[-1]
        for k in GROWTH_OPS:
            early = (med[b][k] - med[a][k]) / (int(b) - int(a))
            late = (med[z][k] - med[y][k]) / (int(z) - int(y))
            marginal[k] = {"first": early, "last": late, "ratio": late / early if early > 0 else None}
    return {"ratios": ratios, "per_table_seconds": per_table, "per_table_relative": relative,
            "marginal_per_table": marginal, "targets": targets(med, ratios, marginal, sizes, schema)}


def targets(med: dict[str, dict[str, float]], ratios: dict[str, dict[str, float]], marginal: dict[str, Any],
            sizes: list[str], schema: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Issue 16's targets, each PASS (True), FAIL (False) or not measured (None) in this run: every
    target is listed, so a run at other sizes says what it left out."""
    out: list[dict[str, Any]] = []

    def target(name: str, value: str | None, ok: bool | None) -> None:
        out.append({"target": name, "value": value if value is not None else "not measured (size not run)",
                    "pass": ok if value is not None else None})

    for n in (100, 1000, 5000):
        s = str(n)
        r = ratios[s]["plan_one_change/migra"] if s in med else None
        target(f"one-change plan at {n:,} tables <= 1.0 x migra's bare diff",
               None if r is None else f"{med[s]['plan_one_change']:.2f} s = {r:.2f} x migra ({med[s]['migra']:.2f} s)",
               r is not None and r <= 1.0)
    r = ratios["1000"]["plan_noop_warm/migra"] if "1000" in med else None
    target("no-op plan (warm cache) at 1,000 tables <= 0.5 x migra's bare diff",
           None if r is None else f"{med['1000']['plan_noop_warm']:.2f} s = {r:.2f} x migra "
                                  f"({med['1000']['migra']:.2f} s); cold {ratios['1000']['plan_noop_cold/migra']:.2f} x",
           r is not None and r <= 0.5)
    for n in (1000, 5000, 10000):  # below, starting Python and importing pgdecl alone takes psql's whole load
        s = str(n)
        r = ratios[s]["apply/psql_load"] if s in med else None
        target(f"first apply into an empty database at {n:,} tables <= 1.5 x psql -1 -f of the rendered DDL",
               None if r is None else f"{med[s]['apply']:.2f} s = {r:.2f} x psql ({med[s]['psql_load']:.2f} s)",
               r is not None and r <= 1.5)
    for op in ("lint", "validate"):
        v = med["1000"][op] if "1000" in med else None
        target(f"pgdecl {op} at 1,000 tables <= 0.5 s", None if v is None else f"{v:.2f} s", v is not None and v <= 0.5)
    target("no-op plan of schema/ (warm cache) <= 0.5 s",
           None if schema is None else f"{schema['median']:.2f} s", schema is not None and schema["median"] <= 0.5)
    flat = marginal and sizes[0] == "100" and int(sizes[-1]) >= 10000
    shown = ", ".join(f"{k} {m['ratio']:.2f}" for k, m in marginal.items() if m["ratio"] is not None)
    target(f"cost per table flat from 100 to 10,000 tables (marginal cost per table of the last interval <= "
           f"{LINEAR_SLACK} x that of 100->{sizes[1] if len(sizes) > 1 else '?'}, every pgdecl command)",
           shown if flat else None,
           bool(flat) and all(m["ratio"] is not None and m["ratio"] <= LINEAR_SLACK
                              for k, m in marginal.items() if k in PGDECL_OPS))
    return out


def table(results: dict[str, Any], extra: dict[str, Any]) -> str:
    sizes = sorted(results, key=int)
    width = 26
    head = f"{'operation (seconds)':28s}" + "".join(f"{int(s):>{width},d}" for s in sizes)
    lines = [head, f"{'statements':28s}" + "".join(f"{results[s]['statements']:>{width},d}" for s in sizes),
             f"{'runs':28s}" + "".join(f"{results[s]['repeat']:>{width}d}" for s in sizes)]
    for key, label in OPS:
        cells = []
        for s in sizes:
            o = results[s]["operations"][key]
            cells.append(f"{o['median']:.3f} ({o['min']:.3f}-{o['max']:.3f})" if len(o["runs"]) > 1
                         else f"{o['median']:.3f}")
        lines.append(f"{label:28s}" + "".join(f"{c:>{width}}" for c in cells))
    lines.append("")
    for name in ("plan_noop_warm/migra", "plan_noop_cold/migra", "plan_one_change/migra", "apply/psql_load"):
        lines.append(f"{name:28s}" + "".join(f"{extra['ratios'][s][name]:>{width}.2f}" for s in sizes))
    lines.append("")
    lines.append("peak resident memory of the process (MB):")
    for key, label in OPS:
        cells = [results[s]["operations"][key].get("peak_rss_mb") for s in sizes]
        lines.append(f"  {label:26s}" + "".join(f"{c:>{width}.0f}" if c is not None else f"{'-':>{width}}"
                                                   for c in cells))
    lines.append("")
    lines.append("per-table time relative to the smallest size (1.00 = same cost per table):")
    for key, label in OPS:
        lines.append(f"  {label:26s}" + "".join(f"{extra['per_table_relative'][s][key]:>{width}.2f}" for s in sizes))
    if extra["marginal_per_table"]:
        lines.append("marginal ms per table, first interval -> last interval (ratio):")
        for key, label in OPS:
            m = extra["marginal_per_table"][key]
            ratio = f"{m['ratio']:.2f}" if m["ratio"] is not None else "-"
            lines.append(f"  {label:26s}{m['first'] * 1000:>10.2f} -> {m['last'] * 1000:8.2f}  ({ratio})")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)), help="table counts, comma-separated")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each figure (the median is shown)")
    ap.add_argument("--repeat-at", action="append", default=[], metavar="SIZE=N",
                    help=f"runs from this size on (default {LARGE}=1)")
    ap.add_argument("--quick", action="store_true", help="sizes 100,1000, one run each")
    ap.add_argument("--seed", type=int, default=0, help="seed of the generated projects")
    ap.add_argument("--json", type=Path,
                    default=ROOT / "bench" / "results" / f"{datetime.now(timezone.utc):%Y-%m-%d}.json",
                    help="where to write the results (default bench/results/<UTC date>.json)")
    ap.add_argument("--keep", action="store_true", help="keep the generated projects (their directory is printed)")
    ap.add_argument("--profile", action="store_true",
                    help="also cProfile a warm no-op plan and lint at each size (files next to the JSON)")
    ap.add_argument("--no-schema", action="store_true", help="skip the no-op plan of the repository's schema/")
    args = ap.parse_args(argv)
    if args.quick:
        args.sizes, args.repeat, args.repeat_at = "100,1000", 1, []
    try:
        args.sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
        repeat_at = {LARGE: 1} if not args.repeat_at else {}
        for item in args.repeat_at:
            size, runs = item.split("=")
            repeat_at[int(size)] = int(runs)
        args.repeat_at = {k: min(v, args.repeat) for k, v in repeat_at.items()}
    except ValueError:
        ap.error("--sizes takes numbers like 100,1000; --repeat-at takes SIZE=N")
    if not args.sizes or min(args.sizes) < 1 or args.repeat < 1:
        ap.error("sizes and --repeat must be positive")
    return args


@contextmanager
def private_bench(prefix: str, repeat: int = 1, repeat_at: dict[int, int] | None = None, seed: int = 0,
                  profile_dir: Path | None = None, keep: bool = False) -> Iterator[Bench]:
    """A Bench on a private server in temporary directories (its home under /var/tmp as root, where the
    server runs as user postgres): the server stopped and both removed afterwards, the generated
    projects kept with `keep`."""
    base = "/var/tmp" if os.geteuid() == 0 else None
    home = Path(tempfile.mkdtemp(prefix=f"{prefix}-home-", dir=base))
    work = Path(tempfile.mkdtemp(prefix=f"{prefix}-"))
    bench: Bench | None = None
    try:
        bench = Bench(home, work, repeat, repeat_at or {}, seed, profile_dir, keep)
        yield bench
    finally:
        if bench is not None:
            bench.server.stop()
        shutil.rmtree(home, ignore_errors=True)
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # `kill` stops the private server too (finally)
    # pgdecl's modules compiled once, as an installed package's are: with PYTHONDONTWRITEBYTECODE set
    # (as here) an editable install would otherwise compile every module it imports on every command
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "pgdecl")], check=False)
    started = time.perf_counter()
    began = datetime.now(timezone.utc).isoformat(timespec="seconds")
    results: dict[str, Any] = {}
    schema: dict[str, Any] | None = None

    def log(msg: str) -> None:
        print(msg, flush=True)

    def write(complete: bool) -> dict[str, Any]:
        """The JSON so far: written after each size too, so a run cut short still leaves its figures."""
        extra = derived(results, schema) if results else {"targets": []}
        out = {
            "started": began,
            "complete": complete,
            "wall_seconds": round(time.perf_counter() - started, 1),
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
            "machine": info,
            "seed": args.seed,
            "repeat": args.repeat,
            "repeat_at": {str(k): v for k, v in args.repeat_at.items()},
            "note": "figures are wall-clock seconds of one CLI subprocess; median of `repeat` runs "
                    "(sizes at or above a repeat_at key run that many times); each database loaded is vacuumed and "
                    "analyzed, untimed; each run starts on a settled server (a checkpoint, sync, no autovacuum worker "
                    "running); applies alternate with psql's loads",
            "sizes": results,
            "schema_noop_plan_warm": schema,
            **extra,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=2) + "\n")
        return extra

    try:
        with private_bench("pgdecl-bench", args.repeat, args.repeat_at, args.seed,
                           args.json.parent if args.profile else None, args.keep) as bench:
            info, kept = machine(bench), bench.work
            log(f"pgdecl {info['pgdecl_commit'][:10]}{' (dirty)' if info['work_tree_dirty'] else ''}, "
                f"PostgreSQL {info['postgresql']}, {info['cpus']} CPUs; server in {bench.home}")
            if not args.no_schema:  # first: a short figure, there even when the large sizes are cut short
                schema = bench.schema_noop(max(args.repeat, 3))
                log(f"schema/ no-op plan, warm: {schema['median']:.2f} s")
            for size in args.sizes:
                t = time.perf_counter()
                log(f"{size} tables ({bench.runs(size)} runs of each figure):")
                results[str(size)] = bench.size(size, log)
                log(f"  done in {time.perf_counter() - t:.0f} s")
                write(complete=False)
            extra = write(complete=True)
    except BenchError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print()
    print(table(results, extra))
    if schema is not None:
        print(f"\nschema/ no-op plan, warm: median {schema['median']:.3f} s ({schema['min']:.3f}-{schema['max']:.3f})")
    print()
    for t in extra["targets"]:
        mark = {True: "PASS", False: "FAIL", None: "n/a "}[t["pass"]]
        print(f"{mark}  {t['target']}: {t['value']}")
    for name, text in bench.profiles.items() if bench else ():
        print(f"\nprofile {name} (top 15 cumulative, {args.json.parent}/profile_{name}.prof):\n{text}")
    print(f"\nwhole run {time.perf_counter() - started:.0f} s; JSON in {args.json}"
          + (f"; projects kept in {kept}" if args.keep else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
