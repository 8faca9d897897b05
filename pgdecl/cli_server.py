"""`pgdecl server`: pgdecl's private local PostgreSQL server and the scratch databases on it."""

from __future__ import annotations

from typing import Any

import click

from .cli_common import EXIT_OK, _run, _start_ui, ui_opts
from .format import status_text


@click.group()
def server() -> None:
    """pgdecl's private local PostgreSQL server."""


@server.command("status")
def server_status() -> None:
    """Where the local server lives and whether it runs."""
    from .server import LocalServer

    def run() -> int:
        click.echo(status_text(LocalServer().status()))
        return EXIT_OK
    _run(run)


@server.command("start")
@ui_opts
def server_start() -> None:
    """Start the local server (it also starts on demand)."""
    from .server import LocalServer

    def run() -> int:
        _start_ui()
        s = LocalServer()
        s.ensure_running()
        click.echo(f"running: {s.conninfo()}")
        return EXIT_OK
    _run(run)


@server.command("stop")
def server_stop() -> None:
    """Stop the local server."""
    from .server import LocalServer

    def run() -> int:
        click.echo("stopped" if LocalServer().stop() else "not running")
        return EXIT_OK
    _run(run)


def _scratch_admin(dev_url: str | None) -> Any:
    from .scratch import scratch_server

    return scratch_server(dev_url, sweep_left_behind=False)


scratch_server_opt = click.option("--dev-url", default=None,
                                  help="The server holding the scratch databases (default: pgdecl's local server).")


@server.command("scratch")
@scratch_server_opt
def server_scratch(dev_url: str | None) -> None:
    """List pgdecl's scratch databases (name, age, whether a run uses it)."""
    import time

    from .db import connect
    from .scratch import scratch_databases

    def run() -> int:
        with connect(_scratch_admin(dev_url), autocommit=True) as conn:
            found = scratch_databases(conn)
        for s in found:
            age = f"{time.time() - s.created:.0f} s old" if s.created else "age unknown"
            click.echo(f"{s.name}  {age}  {'in use' if s.in_use else 'left behind'}")
        click.echo(f"{len(found)} scratch database(s), {sum(not s.in_use for s in found)} left behind")
        return EXIT_OK
    _run(run)


@server.command("clean")
@scratch_server_opt
def server_clean(dev_url: str | None) -> None:
    """Drop pgdecl's scratch databases that no run uses."""
    from .scratch import clean

    def run() -> int:
        dropped, kept = clean(_scratch_admin(dev_url))
        for name in dropped:
            click.echo(f"dropped {name}")
        for name in kept:
            click.echo(f"kept {name} (in use)")
        click.echo(f"{len(dropped)} dropped, {len(kept)} in use")
        return EXIT_OK
    _run(run)
