"""Fleets: one project planned, applied and checked on many databases with the same schema (a
database per tenant, region or shard, staging copies).

An environment of pgdecl.toml lists its targets with `urls`, `urls_file` or `urls_command`
(`fleet_urls`). The desired side is made once (specs loaded and rendered once, the scratch schema
built and inspected once, then read from pgdecl's cache by every target's plan); targets are worked
on by a bounded pool of threads (the work is in the databases). An apply runs a canary first (K
targets; any failure or non-convergence stops the run), then the rest; on a failure no new target
starts (running ones finish) unless `keep_going`. Every target's apply is an ordinary pgdecl apply:
its advisory lock, its history row in pgdecl.history, its second plan that must be empty; so a run
started again resumes, converged targets planning empty.
"""

from __future__ import annotations

import shlex
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import psycopg
from psycopg.conninfo import conninfo_to_dict

from .config import ConfigError, Env
from .db import Database, mask, scrub
from .errors import PgdeclError

if TYPE_CHECKING:
    from .desired import Desired
    from .plan import Plan
    from .server import LocalServer

# outcomes; FAILED_OUTCOMES make a run exit 1, PENDING_OUTCOMES exit 2
APPLIED, UNCHANGED, CHANGES, IN_SYNC, DRIFT = "applied", "unchanged", "changes", "in sync", "drift"
FAILED, NOT_CONVERGED, SKIPPED = "failed", "not converged", "skipped"
FAILED_OUTCOMES = {FAILED, NOT_CONVERGED}
PENDING_OUTCOMES = {CHANGES, DRIFT}


@dataclass(frozen=True)
class Target:
    """One database of a fleet: its place in the list, its URL (secret) and its masked form."""

    index: int  # 1-based
    url: str

    @property
    def display(self) -> str:
        return mask(self.url)


@dataclass
class Outcome:
    """What happened on one target."""

    target: Target
    outcome: str
    steps: int | None = None           # statements planned (apply: applied)
    hazards: tuple[str, ...] = ()
    seconds: float = 0.0
    history_id: int | None = None      # the pgdecl.history row of this apply (status: the last row)
    error: str | None = None
    canary: bool = False
    live_fingerprint: str | None = None
    last: dict[str, Any] | None = None  # status: the last pgdecl.history row
    changed_since_apply: bool = False   # status: the live schema is not what the last apply left
    plan: "Plan | None" = None

    @property
    def failed(self) -> bool:
        return self.outcome in FAILED_OUTCOMES


@dataclass
class FleetResult:
    env: str
    action: str                        # plan, apply or status
    outcomes: list[Outcome]
    seconds: float = 0.0
    stopped: str | None = None         # why targets were skipped

    def count(self, *outcomes: str) -> int:
        return sum(o.outcome in outcomes for o in self.outcomes)

    @property
    def exit_code(self) -> int:
        """0 all converged (or in sync), 2 changes pending, 1 any failure or skipped target."""
        if self.count(*FAILED_OUTCOMES, SKIPPED):
            return 1
        return 2 if self.count(*PENDING_OUTCOMES) else 0


@dataclass(frozen=True)
class FleetOptions:
    """How every target is planned and applied (the env's settings and the command line's)."""

    specs: str
    dev_url: str | None = None
    lock_timeout: str = "10s"
    statement_timeout: str = "0"
    lock_wait: float = 300.0
    allowed: frozenset[str] = frozenset()
    online: bool = True
    reorder_columns: bool = False
    parallel: int = 4
    canary: int = 1
    keep_going: bool = False


# --- the list of targets ---------------------------------------------------------------------------

def _url_lines(text: str, where: str) -> list[str]:
    """URLs from text: one a line; blank lines and `#` comments (whole line, or after a space) skipped."""
    urls = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if " #" in line:
            line = line[:line.index(" #")].strip()
        if not line or line.startswith("#"):
            continue
        urls.append((line, f"{where}:{n}"))
    return [u for u, _ in _checked(urls)]


def _checked(urls: list[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for url, where in urls:
        try:
            conninfo_to_dict(url)
        except psycopg.ProgrammingError:
            raise ConfigError(f"{where}: not a valid PostgreSQL connection string ({mask_loose(url)})") from None
        shown = mask(url)
        if shown in seen:
            raise ConfigError(f"{where}: {shown} is listed twice (first at {seen[shown]})")
        seen[shown] = where
    return urls


def mask_loose(text: str) -> str:
    """A string that failed to parse as a URL, with anything between `:` and `@` hidden."""
    import re

    return re.sub(r"(://[^:/@\s]*:)[^@\s]*@", r"\1***@", text)


def fleet_urls(env: Env) -> tuple[str, ...]:
    """The URLs of a fleet environment: `urls`, the lines of `urls_file`, or the lines printed by
    `urls_command` (run without a shell, in the project root, within `urls_timeout` seconds)."""
    root = Path(env.root) if env.root else Path.cwd()
    where = f"{env.source}: env {env.name}"
    if env.urls:
        urls = [u for u, _ in _checked([(u, f"{where}: urls[{i}]") for i, u in enumerate(env.urls)])]
    elif env.urls_file:
        path = root / env.urls_file
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as e:
            raise ConfigError(f"{where}: urls_file {env.urls_file}: {e.strerror}") from None
        urls = _url_lines(text, env.urls_file)
    elif env.urls_command:
        urls = _url_lines(_run_command(env.urls_command, root, env.urls_timeout, where),
                          f"env {env.name}: urls_command output")
    else:
        raise ConfigError(f"{where}: not a fleet (no urls, urls_file or urls_command)")
    if not urls:
        raise ConfigError(f"{where}: the fleet lists no database")
    return tuple(urls)


def _run_command(command: str, cwd: Path, timeout: float, where: str) -> str:
    try:
        argv = shlex.split(command)
    except ValueError as e:
        raise ConfigError(f"{where}: urls_command {command!r}: {e}") from None
    if not argv:
        raise ConfigError(f"{where}: urls_command is empty")
    try:
        r = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise ConfigError(f"{where}: urls_command: {argv[0]}: command not found") from None
    except subprocess.TimeoutExpired:
        raise ConfigError(f"{where}: urls_command {argv[0]} did not finish within {timeout:g} s "
                          "(urls_timeout)") from None
    except OSError as e:
        raise ConfigError(f"{where}: urls_command {argv[0]}: {e.strerror}") from None
    if r.returncode != 0:
        err = mask_loose(r.stderr.strip().splitlines()[-1]) if r.stderr.strip() else "no message"
        raise ConfigError(f"{where}: urls_command {argv[0]} exited {r.returncode}: {err}")
    return r.stdout


def targets_of(env: Env) -> list[Target]:
    """The targets of a fleet environment, numbered from 1 in the order listed."""
    return [Target(i, url) for i, url in enumerate(fleet_urls(env), 1)]


# --- running over the fleet ----------------------------------------------------------------------

Work = Callable[[Target, bool], Outcome]


def run_fleet(targets: list[Target], work: Work, parallel: int, canary: int = 0, keep_going: bool = True,
              report: Callable[[Outcome], None] | None = None) -> tuple[list[Outcome], str | None]:
    """`work` on every target, `parallel` at a time: the first `canary` targets first (a failure
    among them stops the run), then the rest (a failure stops new starts unless `keep_going`).
    Returns the outcomes in the targets' order and why targets were skipped (None: none were)."""
    parallel = max(1, parallel)
    results: dict[int, Outcome] = {}
    stop = threading.Event()
    why: list[str] = []
    lock = threading.Lock()

    def one(t: Target, is_canary: bool, stops: bool) -> Outcome:
        if stop.is_set():
            out = Outcome(t, SKIPPED, canary=is_canary)
        else:
            start = time.monotonic()
            out = work(t, is_canary)
            out.seconds, out.canary = time.monotonic() - start, is_canary
            if out.failed and stops and not stop.is_set():
                with lock:
                    why.append(f"{'canary ' if is_canary else ''}target #{t.index} {t.display} {out.outcome}")
                stop.set()
        with lock:
            results[t.index] = out
            if report is not None:
                report(out)
        return out

    first, rest = targets[:max(0, canary)], targets[max(0, canary):]
    for batch, is_canary, stops in ((first, True, True), (rest, False, not keep_going)):
        if not batch:
            continue
        with ThreadPoolExecutor(max_workers=min(parallel, len(batch))) as pool:
            list(pool.map(lambda t: one(t, is_canary, stops), batch))  # noqa: B023 (used before the loop moves)
    return [results[t.index] for t in targets], (why[0] if why else None)


def _error(e: BaseException, t: Target) -> str:
    text = str(e) if isinstance(e, PgdeclError) else f"{type(e).__name__}: {e}"
    return scrub(text.strip(), t.url)


class Fleet:
    """One project and one fleet environment: plan, apply or status on every target."""

    def __init__(self, env: Env, opts: FleetOptions, desired: "Desired", server: "LocalServer",
                 targets: list[Target] | None = None) -> None:
        self.env, self.opts, self.desired, self.server = env, opts, desired, server
        self.targets = targets if targets is not None else targets_of(env)
        self.expected: dict[int, tuple[str, ...]] | None = None  # confirmed plans: apply only these

    def confirmed(self, plans: "FleetResult") -> None:
        """Apply only what was shown: a target whose plan differs when applied fails instead."""
        self.expected = {o.target.index: tuple(s.sql for s in o.plan.steps) for o in plans.outcomes
                         if o.plan is not None}

    def warm(self) -> None:
        """Build and inspect the desired side once (into pgdecl's cache) before the targets' plans
        run in parallel, on the scratch server the first target's plan would use. Errors are left
        to the targets' own plans."""
        from .plan import _scratch_admin
        from .sides import DesiredSide

        try:
            admin = _scratch_admin(Database(self.targets[0].url), self.opts.dev_url,
                                   bool(self.desired.project.roles), self.server)
            with DesiredSide(admin, self.desired.rendered) as side:
                side.read()
        except (PgdeclError, psycopg.Error):
            pass

    def _plan(self, t: Target) -> "Plan":
        from .plan import make_plan

        o = self.opts
        return make_plan(o.specs, t.url, o.dev_url, o.lock_timeout, o.statement_timeout, self.server, self.desired,
                         o.online, o.reorder_columns)

    def plan_one(self, t: Target, canary: bool = False) -> Outcome:
        try:
            p = self._plan(t)
        except Exception as e:  # noqa: BLE001 (a target's failure is its outcome; the others go on)
            return Outcome(t, FAILED, error=_error(e, t))
        return Outcome(t, CHANGES if p.steps else IN_SYNC, len(p.steps), tuple(sorted(p.hazard_kinds())),
                       live_fingerprint=p.live_fingerprint, plan=p)

    def apply_one(self, t: Target, canary: bool = False) -> Outcome:
        """An ordinary apply under the target's advisory lock: plan, check hazards, run, plan again."""
        from .apply import check_hazards, execute, locked

        live = Database(t.url)
        hazards: tuple[str, ...] = ()
        steps: int | None = None
        try:
            with locked(live, self.opts.lock_wait) as conn:
                p = self._plan(t)
                steps, hazards = len(p.steps), tuple(sorted(p.hazard_kinds()))
                if p.empty:
                    return Outcome(t, UNCHANGED, 0, live_fingerprint=p.live_fingerprint, plan=p)
                check_hazards(p, set(self.opts.allowed))
                if self.expected is not None and self.expected.get(t.index) != tuple(s.sql for s in p.steps):
                    return Outcome(t, FAILED, steps, hazards, plan=p, error="its plan changed since it was shown; "
                                   "nothing was applied; run the apply again")
                try:
                    applied, hid = execute(p, live, conn)
                except PgdeclError as e:
                    return Outcome(t, FAILED, steps, hazards, history_id=_last_history_id(conn),
                                   error=_error(e, t), plan=p)
                after = self._plan(t)
        except Exception as e:  # noqa: BLE001
            return Outcome(t, FAILED, steps, hazards, error=_error(e, t))
        if not after.empty:
            return Outcome(t, NOT_CONVERGED, applied, hazards, history_id=hid, plan=after,
                           error=f"a second plan still has {len(after.steps)} statement(s)")
        return Outcome(t, APPLIED, applied, hazards, history_id=hid, live_fingerprint=after.live_fingerprint, plan=p)

    def status_one(self, t: Target, canary: bool = False) -> Outcome:
        """The live fingerprint, the steps a plan would take, the last pgdecl.history row."""
        from .db import connect

        out = self.plan_one(t)
        if out.failed:
            return out
        if out.outcome == CHANGES:
            out.outcome = DRIFT
        try:
            with connect(Database(t.url)) as conn:
                out.last = _last_history(conn)
        except Exception as e:  # noqa: BLE001
            return Outcome(t, FAILED, error=_error(e, t))
        if out.last:
            out.history_id = out.last["id"]
            after = out.last.get("live_fingerprint_after")
            out.changed_since_apply = bool(out.last["outcome"] == "applied" and after
                                           and after != out.live_fingerprint)
        return out

    def run(self, action: str, report: Callable[[Outcome], None] | None = None) -> FleetResult:
        """Plan, apply or status on every target."""
        start = time.monotonic()
        self.warm()
        o = self.opts
        if action == "apply":
            outcomes, why = run_fleet(self.targets, self.apply_one, o.parallel, o.canary, o.keep_going, report)
        else:
            work = self.plan_one if action == "plan" else self.status_one
            outcomes, why = run_fleet(self.targets, work, o.parallel, 0, True, report)
        return FleetResult(self.env.name, action, outcomes, time.monotonic() - start, why)


_HISTORY_COLUMNS = "id, outcome, started_at, finished_at, applied_by, live_fingerprint_after, error"


def _last_history(conn: psycopg.Connection) -> dict[str, Any] | None:
    if not conn.execute("SELECT to_regclass('pgdecl.history') IS NOT NULL").fetchone()[0]:  # type: ignore[index]
        return None
    row = conn.execute(f"SELECT {_HISTORY_COLUMNS} FROM pgdecl.history ORDER BY id DESC LIMIT 1").fetchone()
    if row is None:
        return None
    d = dict(zip([c.strip() for c in _HISTORY_COLUMNS.split(",")], row))
    for k in ("started_at", "finished_at"):
        d[k] = d[k].isoformat() if d[k] is not None else None
    return d


def _last_history_id(conn: psycopg.Connection) -> int | None:
    try:
        last = _last_history(conn)
    except psycopg.Error:
        return None
    return int(last["id"]) if last else None

