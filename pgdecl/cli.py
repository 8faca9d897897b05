"""The command line: each command parses arguments, calls one library function, formats the result
and returns an exit code (0 fine, 1 error, 2 plan has changes)."""

from __future__ import annotations

import gc
import json
import os
import sys
from pathlib import Path

from . import GC_THRESHOLDS, __version__

# The collector's thresholds of cli_common._tune_gc before the imports below: they build tens of thousands
# of long-lived objects (pydantic, the model, click) and the default thresholds walked them about 60 times
# (10 ms of every command); _tune_gc freezes them once a command runs.
gc.set_threshold(*GC_THRESHOLDS)

import click  # noqa: E402

from .cli_common import (EXIT_CHANGES, EXIT_ERROR, EXIT_OK, _UI, _echo, _run, _settings, _specs,  # noqa: E402
                         _start_ui, database_opt, dev_opt, env_opt, lock_opt, no_cache_opt, parallel_opt,
                         project_arg, reorder_opt, single_opt, stmt_opt, ui_opts)
from .cli_server import server  # noqa: E402
from .errors import PgdeclError  # noqa: E402
from .format import PLAN_FORMATS, plan_text  # noqa: E402


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pgdecl")
def main() -> None:
    """Declarative schema-as-code for PostgreSQL."""


@main.command()
@project_arg
@no_cache_opt
def render(project_dir: str | None) -> None:
    """Print the canonical DDL of the specs."""
    from .desired import desired_from_specs

    def run() -> int:
        click.echo(desired_from_specs(_specs(project_dir)).rendered.text(), nl=False)
        return EXIT_OK
    _run(run)


@main.command()
@project_arg
def validate(project_dir: str | None) -> None:
    """Check the specs without a database."""
    from .desired import check_specs

    def run() -> int:
        specs = _specs(project_dir)
        tables, statements = check_specs(specs)
        click.echo(f"{specs}: {tables} tables, {statements} statements, ok")
        return EXIT_OK
    _run(run)


@main.command()
@project_arg
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write the Markdown to this file instead of standard output.")
def docs(project_dir: str | None, output: str | None) -> None:
    """Markdown documentation of the specs with a Mermaid ER diagram (no database)."""
    from .docs import project_docs

    def run() -> int:
        text = project_docs(_specs(project_dir))
        if output:
            try:
                Path(output).write_text(text, encoding="utf-8")
            except OSError as e:
                raise PgdeclError(f"cannot write {output}: {e.strerror}") from None
            click.echo(f"wrote {output}")
        else:
            click.echo(text, nl=False)
        return EXIT_OK
    _run(run)


@main.command()
@project_arg
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--select", multiple=True, metavar="CODES",
              help="Run only these rules (codes or names, comma-separated; ALL for every rule; default: [lint] "
                   "select of pgdecl.toml).")
@click.option("--ignore", multiple=True, metavar="CODES", help="Skip these rules (added to [lint] ignore).")
@click.option("--fail-on", type=click.Choice(["warning", "error", "never"]), default=None,
              help="Exit 1 on any finding (warning), only on errors, or never  [default: warning]")
@click.option("--list-rules", is_flag=True, help="List the rules and exit.")
@click.option("--explain", metavar="CODE", default=None, help="Explain a rule (anti-pattern and fix) and exit.")
def lint(project_dir: str | None, fmt: str, select: tuple[str, ...], ignore: tuple[str, ...], fail_on: str | None,
         list_rules: bool, explain: str | None) -> None:
    """Check the specs for schema mistakes, without a database. Exit 1 on findings not silenced inline."""
    from .config import current_config
    from .lint import all_rules, lint_project, select_rules
    from .lint.output import LINT_FORMATS, explain_text, rules_text

    def run() -> int:
        if list_rules:
            click.echo(rules_text(all_rules()), nl=False)
            return EXIT_OK
        if explain:
            click.echo(explain_text(select_rules([explain])[0]), nl=False)
            return EXIT_OK
        config = current_config()
        specs = project_dir or config.specs_dir()
        result = lint_project(specs, select or config.lint_select, ignore + config.lint_ignore)
        click.echo(LINT_FORMATS[fmt](result, specs), nl=False)
        return EXIT_ERROR if result.failed(fail_on or config.lint_fail_on or "warning") else EXIT_OK
    _run(run)


@main.command()
@project_arg
@env_opt
@database_opt
@dev_opt
@click.option("--format", "fmt", type=click.Choice(sorted(PLAN_FORMATS)), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Also save the plan as JSON (for `pgdecl apply plan.json`); the exit code is then 0 when it "
                   "was saved.")
@lock_opt
@stmt_opt
@single_opt
@reorder_opt
@parallel_opt
@no_cache_opt
@ui_opts
def plan(project_dir: str | None, env_name: str | None, database_url: str | None, dev_url: str | None, fmt: str,
         output: str | None, lock_timeout: str | None, statement_timeout: str | None, single_transaction: bool,
         reorder_columns: bool, parallel: int) -> None:
    """Show what it takes to make the database match the specs. Exit 0: nothing to do (or the plan
    was saved with -o); 2: changes. A fleet env is planned on every target (1: any failed)."""
    from .plan import make_plan

    def run() -> int:
        _start_ui(machine=fmt != "text")
        from .fleet_cli import fleet_env, run_fleet

        fleet = fleet_env(env_name, database_url)
        if fleet is not None:
            if output or fmt == "sql":
                raise PgdeclError(f"env {fleet.name} is a fleet: -o and --format sql are for one database "
                                  "(pass --database-url to plan one of its targets)")
            return run_fleet("plan", fleet, project_dir, fmt, parallel, online=not single_transaction,
                              reorder_columns=reorder_columns, dev_url=dev_url, lock_timeout=lock_timeout,
                              statement_timeout=statement_timeout)
        s = _settings(project_dir, env_name, database_url, dev_url, lock_timeout, statement_timeout)
        from . import progress

        with progress.step(f"planning {s.specs}"):
            p = make_plan(s.specs, s.database_url, s.dev_url, s.lock_timeout, s.statement_timeout,
                          online=not single_transaction, reorder_columns=reorder_columns)
        if fmt == "text":
            _echo(plan_text(p, summary=True, sql=not _UI["quiet"]), nl=False)
        else:
            click.echo(PLAN_FORMATS[fmt](p), nl=False)
        if output:
            p.save(output)
            if fmt == "text":
                click.echo(f"Saved the plan to {output}; apply it with: pgdecl apply {output}"
                           + (f" --env {env_name}" if env_name else ""), err=True)
            return EXIT_OK
        return EXIT_OK if p.empty else EXIT_CHANGES
    _run(run)


@main.command("diff")
@click.argument("project_dir", default=None, required=False, type=click.Path())
@click.option("--from", "from_ref", default=None, metavar="REF",
              help="Old side: a git revision, a directory of specs or a database URL (default: the merge base "
                   "of HEAD and the main branch).")
@click.option("--to", "to_ref", default=None, metavar="REF",
              help="New side, the same kinds (default: PROJECT_DIR in the work tree).")
@env_opt
@click.option("--dev-url", default=None, help="Server for the scratch databases (default: the env's dev_url, "
                                              "else pgdecl's local server).")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text",
              show_default=True)
@click.option("--link-base", default=None, metavar="URL",
              help="Markdown: link file:line of the new side to URL/path#Lline "
                   "(e.g. https://github.com/OWNER/REPO/blob/SHA).")
@single_opt
@no_cache_opt
@ui_opts
def diff_command(project_dir: str | None, from_ref: str | None, to_ref: str | None, env_name: str | None,
                 dev_url: str | None, fmt: str, link_base: str | None, single_transaction: bool) -> None:
    """Review a schema change: spec changes, the DDL plan with hazards, new lint findings, an ER
    diagram of the touched tables. Both spec sides are built in scratch databases; a database URL
    side is only read. Exit 0: no changes; 2: changes."""
    from .review import review
    from .review_format import REVIEW_FORMATS, review_markdown

    def run() -> int:
        _start_ui(machine=fmt != "text")
        from .config import current_config

        config = current_config()
        env = config.env(env_name) if env_name else None
        specs = project_dir or os.path.relpath(config.root / config.specs)
        r = review(specs, from_ref, to_ref, dev_url or (env.dev_url if env else None),
                   online=not single_transaction)
        text = review_markdown(r, link_base) if fmt == "markdown" else REVIEW_FORMATS[fmt](r)
        click.echo(text, nl=False)
        return EXIT_OK if r.empty else EXIT_CHANGES
    _run(run)


@main.command()
@click.argument("source", default=None, required=False, type=click.Path())
@env_opt
@database_opt
@dev_opt
@click.option("--yes", "-y", is_flag=True, help="Apply without asking.")
@click.option("--allow-hazard", "allowed", multiple=True, metavar="KIND",
              help="Allow steps with this hazard kind (repeat for each kind; added to the env's allow_hazards).")
@lock_opt
@stmt_opt
@single_opt
@click.option("--specs", "specs_dir", default=None, type=click.Path(file_okay=False),
              help="With a saved plan: the specs it was made from, to re-plan afterwards (default: the project's "
                   "spec directory when its fingerprint is the plan's).")
@click.option("--lock-wait", default=None, type=float,
              help="Seconds to wait for another apply to finish  [default: 300]")
@reorder_opt
@parallel_opt
@click.option("--canary", default=1, show_default=True, type=click.IntRange(0),
              help="Fleet: apply this many targets first; stop if any of them fails or does not converge.")
@click.option("--continue", "keep_going", is_flag=True,
              help="Fleet: after the canary, go on past failed targets (default: stop starting new ones).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Fleet: the table of outcomes as text or JSON.")
@no_cache_opt
@ui_opts
def apply(source: str | None, env_name: str | None, database_url: str | None, dev_url: str | None, yes: bool,
          allowed: tuple[str, ...], lock_timeout: str | None, statement_timeout: str | None,
          single_transaction: bool, specs_dir: str | None, lock_wait: float | None, reorder_columns: bool,
          parallel: int, canary: int, keep_going: bool, fmt: str) -> None:
    """Plan (or load a plan saved with `plan -o`), confirm, apply, and check that a second plan is empty.

    SOURCE is a spec directory (default: the project's, else schema) or a saved plan file (.json),
    which is refused if the database changed since it was made."""
    from .apply import apply as apply_project
    from .apply import apply_saved

    def confirm(p) -> bool:  # type: ignore[no-untyped-def]
        _echo(plan_text(p, summary=True, sql=not _UI["quiet"]))
        if yes:
            return True
        if not sys.stdin.isatty():
            raise PgdeclError("not applied: no terminal to confirm on; pass --yes to apply without asking")
        return click.confirm(f"Apply {len(p.steps)} statement(s) to {p.target}?", default=False)

    def run() -> int:
        _start_ui(machine=fmt != "text")
        saved = source is not None and Path(source).is_file()
        from .fleet_cli import fleet_env, run_fleet

        fleet = fleet_env(env_name, database_url)
        if fleet is not None:
            if saved:
                raise PgdeclError(f"env {fleet.name} is a fleet: a saved plan is for the one database it was made "
                                  "against (pass --database-url)")
            return run_fleet("apply", fleet, source, fmt, parallel, canary, keep_going, yes,
                              online=not single_transaction, reorder_columns=reorder_columns, dev_url=dev_url,
                              lock_timeout=lock_timeout, statement_timeout=statement_timeout, lock_wait=lock_wait,
                              allowed=allowed)
        s = _settings(None if saved else source, env_name, database_url, dev_url, lock_timeout, statement_timeout,
                      lock_wait, allowed)
        if saved:
            specs = specs_dir or _matching_specs(source, s.specs)  # type: ignore[arg-type]
            result = apply_saved(source, s.database_url, s.allowed, confirm, specs, s.dev_url,  # type: ignore[arg-type]
                                 lock_wait=s.lock_wait)
        else:
            result = apply_project(s.specs, s.database_url, s.dev_url, s.allowed, confirm, s.lock_timeout,
                                   s.statement_timeout, online=not single_transaction, lock_wait=s.lock_wait,
                                   reorder_columns=reorder_columns)
        if result.plan.empty:
            _echo(plan_text(result.plan, summary=True), nl=False)
        elif result.after is None and result.applied == 0:
            click.echo("Not applied.")
            return EXIT_ERROR
        elif result.after is None:
            click.echo(f"Applied {result.applied} statement(s) to {result.plan.target} (history #{result.history_id}); "
                       "not re-planned: pass --specs DIR to check convergence.")
        else:
            click.echo(f"Applied {result.applied} statement(s) to {result.plan.target} (history #{result.history_id}); "
                       "a second plan is empty.")
        return EXIT_OK
    _run(run)


def _matching_specs(plan_file: str, specs: str) -> str | None:
    """The project's spec directory when it holds the specs the saved plan was made from."""
    from .desired import desired_from_specs
    from .plan import Plan

    if not Path(specs).is_dir():
        return None
    try:
        same = desired_from_specs(specs, pretty=False).spec_fingerprint == Plan.load(plan_file).spec_fingerprint
    except PgdeclError:
        return None
    return specs if same else None


@main.command("test")
@project_arg
@env_opt
@click.option("--dev-url", default=None, help="Server for the scratch database (default: the env's dev_url, else "
                                              "pgdecl's local server).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the generated values.")
@click.option("--verbose", "-v", is_flag=True, help="List every NOT NULL and type limit, not only a summary.")
@click.option("--strict", is_flag=True, help="Exit 1 also when a constraint could not be proved.")
@ui_opts
def test_command(project_dir: str | None, env_name: str | None, dev_url: str | None, fmt: str, seed: int,
                 verbose: bool, strict: bool) -> None:
    """Prove each constraint of the specs on a scratch copy: a valid row is accepted, a row violating
    just that constraint is rejected by it. Exit 0: none failed (unproved ones are explained); 1: a
    constraint did not hold (with --strict: or could not be proved), or an error."""
    from .proptest import REPORT_FORMATS, run_tests

    def run() -> int:
        _start_ui(machine=fmt != "text")
        s = _settings(project_dir, env_name, dev_url=dev_url)
        report = run_tests(s.specs, s.dev_url, seed)
        click.echo(REPORT_FORMATS[fmt](report, verbose), nl=False)
        return EXIT_OK if report.ok and not (strict and report.count("unproved")) else EXIT_ERROR
    _run(run)


@main.command("status")
@project_arg
@env_opt
@database_opt
@dev_opt
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@parallel_opt
@no_cache_opt
@ui_opts
def status_command(project_dir: str | None, env_name: str | None, database_url: str | None, dev_url: str | None,
                   fmt: str, parallel: int) -> None:
    """Drift of the env's databases (every target of a fleet): live fingerprint, statements a plan
    would take, last pgdecl.history row. Exit 0: all match the specs; 2: drift; 1: a target failed."""
    from .config import Env
    from .fleet_cli import fleet_env, run_fleet

    def run() -> int:
        _start_ui(machine=fmt != "text")
        env = fleet_env(env_name, database_url)
        if env is None:  # one database: a fleet of one
            s = _settings(project_dir, env_name, database_url, dev_url)
            from .db import resolve_target

            live = resolve_target(s.database_url)
            env = Env(name=env_name or "default", urls=(live.conninfo,))
            return run_fleet("status", env, project_dir, fmt, parallel, single=True, env_name=env_name,
                             database_url=database_url, dev_url=dev_url)
        return run_fleet("status", env, project_dir, fmt, parallel, dev_url=dev_url)
    _run(run)


@main.command("import")
@env_opt
@database_opt
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Directory to write the specs into (refused when not empty, unless --force).")
@click.option("--schema", "schemas", multiple=True, metavar="S",
              help="Import only this schema (repeat for more; default: every schema).")
@click.option("--force", is_flag=True, help="Replace the spec files of a non-empty output directory.")
@ui_opts
def import_command(env_name: str | None, database_url: str | None, out_dir: str, schemas: tuple[str, ...],
                   force: bool) -> None:
    """Write pgdecl specs from an existing database: YAML per schema, raw SQL for the rest."""
    from .importer.project import import_database
    from .importer.result import summary_text

    def run() -> int:
        _start_ui()
        s = _settings(out_dir, env_name, database_url)
        click.echo(summary_text(import_database(out_dir, s.database_url, schemas, force)), nl=False)
        return EXIT_OK
    _run(run)


@main.command("init")
@click.argument("directory", default=".", type=click.Path(file_okay=False))
@click.option("--name", default=None, help="Project name (default: the directory's name).")
@click.option("--force", is_flag=True, help="Overwrite files that exist.")
def init_command(directory: str, name: str | None, force: bool) -> None:
    """Start a project: pgdecl.toml, a starter spec in schema/, .pre-commit-config.yaml and a GitHub
    Actions workflow reviewing each pull request; then say what to run next."""
    from .scaffold import init_project, next_steps

    def run() -> int:
        written = init_project(Path(directory), name, force)
        for path in written:
            click.echo(f"wrote {path}")
        click.echo(next_steps(Path(directory)), nl=False)
        return EXIT_OK
    _run(run)


main.add_command(server)


@main.command("spec-schema")
def spec_schema() -> None:
    """Print the JSON Schema of a spec file as written (shorthands included), for editor completion
    and checks."""
    from .spec_schema import input_schema

    click.echo(json.dumps(input_schema(), indent=2))


def entry() -> None:
    """The console script: the commands, then an exit that skips tearing the interpreter down (freeing
    every imported module costs about 0.1 s that nobody waits for). Threads are joined, exit handlers
    run and output is flushed first, as a normal exit would."""
    import atexit
    import threading

    try:
        main.main(prog_name="pgdecl")
        code: int = EXIT_OK
    except SystemExit as e:
        if e.code is None or isinstance(e.code, int):
            code = e.code or 0
        else:
            click.echo(e.code, err=True)
            code = EXIT_ERROR
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (pgdecl plan | head): nothing more to say
            pass
    os._exit(code)


if __name__ == "__main__":  # python -m pgdecl.cli: a normal exit (profilers write their output then)
    main()
