"""The command line's side of fleets: whether `--env` names a fleet, and `plan`, `apply` or `status`
run over its targets with one progress line per target (pgdecl.fleet does the work,
pgdecl.fleet_format the output)."""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

import click

from .config import Env
from .errors import PgdeclError


def fleet_env(env_name: str | None, database_url: str | None) -> Env | None:
    """The chosen environment when it is a fleet (urls, urls_file, urls_command) and no
    --database-url names one database instead; else None. Without --env the default env is chosen
    unless DATABASE_URL or the PG* variables name a database (as for one database)."""
    from .cli_common import _PG_ENV
    from .config import current_config

    if database_url:
        return None
    outside = bool(os.environ.get("DATABASE_URL")) or any(os.environ.get(k) for k in _PG_ENV)
    if env_name is None and outside:
        return None
    env = current_config().env(env_name)
    return env if env is not None and env.fleet else None


def run_fleet(action: str, env: Env, project_dir: str | None, fmt: str, parallel: int = 4, canary: int = 1,
              keep_going: bool = False, yes: bool = False, online: bool = True, reorder_columns: bool = False,
              single: bool = False, env_name: str | None = None, **settings: Any) -> int:
    """plan, apply or status on every target of `env`; returns the exit code. `single`: `env` is one
    database made up by `pgdecl status`, the settings come from `env_name`."""
    from . import progress
    from .cli_common import EXIT_ERROR, _UI, _color, _echo, _settings
    from .desired import desired_from_specs
    from .fleet import Fleet, FleetOptions, Outcome, targets_of
    from .fleet_format import fleet_json, fleet_text, outcome_line
    from .server import LocalServer

    if single:
        s = _settings(project_dir, env_name, **settings)
    else:  # the targets are listed once below (urls_command runs once): no URL is resolved here
        s = _settings(project_dir, env.name, database_url="(fleet)", **settings)
    opts = FleetOptions(specs=s.specs, dev_url=s.dev_url, lock_timeout=s.lock_timeout,
                        statement_timeout=s.statement_timeout, lock_wait=s.lock_wait, allowed=frozenset(s.allowed),
                        online=online, reorder_columns=reorder_columns, parallel=parallel, canary=canary,
                        keep_going=keep_going)
    with progress.step(f"loading the specs and the targets of env {env.name}"):
        desired = desired_from_specs(s.specs, pretty=False)
        targets = targets_of(env)
    fleet = Fleet(env, opts, desired, LocalServer(), targets)
    shown = progress.enabled()
    lock = threading.Lock()

    def report(o: Outcome) -> None:
        if shown:
            with lock:
                click.echo(outcome_line(o, len(targets)), err=True, color=_color())

    progress.enable(False)  # the steps of many targets at once would interleave: one line per target instead
    try:
        if action == "apply" and not yes:
            if not sys.stdin.isatty():
                raise PgdeclError("not applied: no terminal to confirm on; pass --yes to apply without asking")
            planned = fleet.run("plan", report)
            _echo(fleet_text(planned, sql=not _UI["quiet"]), nl=False)
            if planned.exit_code != 2:
                return planned.exit_code
            if not click.confirm(f"Apply to {planned.count('changes')} target(s) of env {env.name}?", default=False):
                click.echo("Not applied.")
                return EXIT_ERROR
            fleet.confirmed(planned)
        result = fleet.run(action, report)
    finally:
        progress.enable(shown, _color())
    if fmt == "json":
        click.echo(fleet_json(result), nl=False)
    else:
        _echo(fleet_text(result, sql=not _UI["quiet"]), nl=False)
    return result.exit_code
