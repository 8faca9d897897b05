"""What the commands share: exit codes, options, the settings a command that touches a database works
with (options, then --env, then pgdecl.toml), progress and colour, and `_run`, which turns every error into
a message and an exit code, never a traceback."""

from __future__ import annotations

import gc
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Callable

import click

from .errors import PgdeclError
from .format import error_text

EXIT_OK, EXIT_ERROR, EXIT_CHANGES = 0, 1, 2

project_arg = click.argument("project_dir", default=None, required=False, type=click.Path(file_okay=False))
database_opt = click.option("--database-url", default=None,
                            help="Target database (default: the --env's, else DATABASE_URL, the PG* variables, the "
                                 "default env of pgdecl.toml, else the project's own database on pgdecl's local "
                                 "server).")
env_opt = click.option("--env", "env_name", default=None, metavar="NAME",
                       help="Environment of pgdecl.toml ([env.NAME]) giving the database, dev server, timeouts and "
                            "allowed hazards.")
dev_opt = click.option("--dev-url", default=None, help="Server for scratch databases (default: the target's "
                                                       "server when it allows CREATE DATABASE, else the local one).")
lock_opt = click.option("--lock-timeout", default=None, help="lock_timeout for each statement  [default: 10s]")
single_opt = click.option("--single-transaction", is_flag=True,
                          help="Run every step in one transaction, as written: no CONCURRENTLY index builds, "
                               "constraints validated under their lock (fine for small or idle databases).")
parallel_opt = click.option("--parallel", default=4, show_default=True, type=click.IntRange(1, 64),
                            help="Fleet: how many targets are worked on at once.")
stmt_opt = click.option("--statement-timeout", default=None,
                        help="statement_timeout for each statement (0: none)  [default: 0]")


def _ui_flag(name: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    def set_flag(ctx: click.Context, param: click.Parameter, value: Any) -> None:
        if value is not None:
            _UI[name] = value
    return set_flag


_UI: dict[str, Any] = {"quiet": False, "color": None}


def ui_opts(f: Callable[..., Any]) -> Callable[..., Any]:
    """-q/--quiet and --color/--no-color, on every command that talks to a database."""
    f = click.option("-q", "--quiet", is_flag=True, default=None, expose_value=False, callback=_ui_flag("quiet"),
                     help="No progress lines; `plan` and `apply` show only the summary of the plan.")(f)
    return click.option("--color/--no-color", default=None, expose_value=False, callback=_ui_flag("color"),
                        help="Colour the output (default: on a terminal, unless NO_COLOR is set).")(f)


def _color() -> bool | None:
    """click's `color` argument: None (a terminal decides) unless asked or NO_COLOR is set."""
    if _UI["color"] is not None:
        return bool(_UI["color"])
    return False if os.environ.get("NO_COLOR") else None


def _start_ui(machine: bool = False) -> None:
    """Progress lines on standard error when it is a terminal, unless --quiet or a machine format."""
    from . import progress

    color = _color()
    forced = os.environ.get("PGDECL_PROGRESS")  # "1": on even without a terminal (logs, tests); "0": off
    on = forced == "1" if forced in ("0", "1") else sys.stderr.isatty()
    progress.enable(on and not _UI["quiet"] and not machine, color if color is not None else None)


def _echo(text: str, nl: bool = True) -> None:
    click.echo(text, nl=nl, color=_color())


@dataclass
class Settings:
    """What a command that touches a database uses, from its options, its --env and pgdecl.toml."""

    specs: str
    database_url: str | None = None
    dev_url: str | None = None
    lock_timeout: str = "10s"
    statement_timeout: str = "0"
    lock_wait: float = 300.0
    allowed: set[str] = field(default_factory=set)


def _specs(project_dir: str | None) -> str:
    if project_dir:
        return project_dir
    from .config import current_config  # only then (tomllib and the config: 2 ms of `validate DIR`)

    return current_config().specs_dir()


def _settings(project_dir: str | None, env_name: str | None = None, database_url: str | None = None,
              dev_url: str | None = None, lock_timeout: str | None = None, statement_timeout: str | None = None,
              lock_wait: float | None = None, allowed: tuple[str, ...] = ()) -> Settings:
    """Options first, then the chosen (or default) environment, then the built-in defaults. Without
    a URL the target is the project's own database on the local server (named after the project)."""
    from .config import check_duration, current_config, project_database_name
    from .db import use_local_database

    config = current_config()
    specs = project_dir or config.specs_dir()
    env = config.env(env_name)
    outside = bool(os.environ.get("DATABASE_URL")) or any(os.environ.get(k) for k in _PG_ENV)
    url = database_url
    if url is None and env is not None and (env_name is not None or not outside):
        url = env.database_url()
        use_local_database(project_database_name(config, specs, env.name), only=url is None)
    else:
        use_local_database(project_database_name(config, specs, None))
    s = Settings(specs=specs, database_url=url, dev_url=dev_url or (env.dev_url if env else None),
                 lock_timeout=lock_timeout or (env.lock_timeout if env else None) or "10s",
                 statement_timeout=statement_timeout or (env.statement_timeout if env else None) or "0",
                 lock_wait=lock_wait if lock_wait is not None else (env.lock_wait if env and env.lock_wait is not None
                                                                    else 300.0),
                 allowed=set(allowed) | set(env.allow_hazards if env else ()))
    check_duration(s.lock_timeout, "--lock-timeout")
    check_duration(s.statement_timeout, "--statement-timeout")
    return s


_PG_ENV = ("PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE")


def _no_cache(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        os.environ["PGDECL_NO_CACHE"] = "1"


no_cache_opt = click.option("--no-cache", is_flag=True, expose_value=False, is_eager=True, callback=_no_cache,
                            help="Neither read nor write pgdecl's plan cache (same as PGDECL_NO_CACHE=1).")
reorder_opt = click.option("--reorder-columns", is_flag=True,
                           help="Rebuild columns of live tables into the specs' order (copies every row under an "
                                "ACCESS EXCLUSIVE lock; hazard table_rewrite). Without it the plan only notes them.")


def _tune_gc() -> None:
    """A command builds hundreds of thousands of long-lived objects (catalog snapshots, parse trees,
    the model) and frees few: with the default thresholds the collector walks them again and again
    (about 15 % of a no-op plan at 1,000 tables). What exists is frozen, young collections made rare."""
    from . import GC_THRESHOLDS

    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def _run(fn: Callable[[], int]) -> None:
    _tune_gc()
    try:
        code = fn()
    except PgdeclError as e:
        click.echo(error_text(e), err=True)
        code = EXIT_ERROR
    except Exception as e:  # noqa: BLE001 - a database error anywhere ends in a message, not a traceback
        text = _database_error(e)
        if text is None:
            raise
        click.echo(f"error: {text}", err=True)
        code = EXIT_ERROR
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        code = 130
    sys.exit(code)


def _database_error(e: BaseException) -> str | None:
    """The message of a database error (psycopg's, or SQLAlchemy's wrapping one), with every password
    the command was given left out; None for any other exception."""
    import psycopg

    cause: BaseException | None = e
    while cause is not None and not isinstance(cause, psycopg.Error):
        cause = getattr(cause, "orig", None) or cause.__cause__
    if cause is None:
        return None
    diag = cause.diag
    text = (diag.message_primary or str(cause)).strip()
    if diag.message_detail:
        text += f" ({diag.message_detail})"
    if diag.message_hint:
        text += f"; hint: {diag.message_hint}"
    code = f" [{diag.sqlstate}]" if diag.sqlstate else ""
    return _without_passwords(f"database error{code}: {text}")


def _without_passwords(text: str) -> str:
    """`text` with the passwords of the command's connection strings (arguments, DATABASE_URL,
    PGPASSWORD) replaced by ***."""
    from psycopg.conninfo import conninfo_to_dict

    secrets = [os.environ.get("PGPASSWORD") or ""]
    for candidate in sys.argv[1:] + [os.environ.get("DATABASE_URL") or ""]:
        for part in candidate.split("=", 1) if candidate.startswith("--") else [candidate]:
            try:
                secrets.append(str(conninfo_to_dict(part).get("password") or ""))
            except Exception:  # noqa: BLE001 - not a connection string
                continue
    for secret in sorted(filter(None, secrets), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text
