"""Formatters: how plans, errors and statuses look as text, SQL and JSON. Commands stay thin."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import TYPE_CHECKING, Any

import click

from .errors import PgdeclError, SpecErrors, one_line
from .quoting import literal

if TYPE_CHECKING:  # importing plan pulls in psycopg; `pgdecl lint` must start fast
    from .plan import Plan


def _notes(plan: Plan) -> list[str]:
    return [f"Note: {n}" for n in plan.notes] + ([""] if plan.notes else [])


_HAZARD_COLOURS = {"data_loss": "red", "security": "red"}
_KIND = re.compile(r"^\s*(create|alter|drop|comment on|grant|revoke|do|refresh|select|set|reset|update)\b"
                   r"(?:\s+or\s+replace)?(?:\s+(unique|materialized|recursive|temporary|temp|unlogged))?"
                   r"(?:\s+(table|index|view|type|function|procedure|sequence|schema|extension|trigger|policy|domain"
                   r"|role|column|constraint|database|aggregate|default\s+privileges))?", re.IGNORECASE)


def statement_kind(sql: str) -> str:
    """A statement's verb and object, e.g. `CREATE TABLE`, `ALTER TABLE`, `CREATE INDEX`, `GRANT`."""
    m = _KIND.match(sql)
    if not m:
        return sql.split(None, 1)[0].upper() if sql.strip() else "?"
    verb, _, obj = m.groups()
    if verb.lower() == "alter" and obj and obj.lower() == "default privileges":
        return "ALTER DEFAULT PRIVILEGES"
    return " ".join(x.upper() for x in (verb, obj) if x)


def plan_summary(plan: Plan) -> list[str]:
    """Counts of statements by kind and phase, and of hazards by kind: what to read first."""
    kinds = Counter(statement_kind(s.sql) for s in plan.steps)
    phases = Counter(s.phase for s in plan.steps)
    hazards = Counter(h.kind for s in plan.steps for h in s.hazards)
    lines = ["Summary:"]
    lines.append("  statements: " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))))
    lines.append("  phases: " + ", ".join(f"{phases[p]} {p}" for p in ("pre", "main", "post") if phases[p]))
    if hazards:
        lines.append("  hazards: " + ", ".join(click.style(f"{n} {k}", fg=_HAZARD_COLOURS.get(k, "yellow"))
                                               for k, n in sorted(hazards.items())))
    else:
        lines.append("  hazards: " + click.style("none", fg="green"))
    return lines


def plan_text(plan: Plan, summary: bool = False, sql: bool = True) -> str:
    """The plan for a reader. With `summary`, counts by kind and hazard come before the SQL (the
    command line's form; colour codes are stripped by click when not on a terminal); without `sql`
    only the head and summary are shown (`--quiet`)."""
    head = f"Plan for {plan.target}"
    if summary:
        head = click.style(head, bold=True)
    if plan.empty:
        said = "No changes: the database matches the specs" + (", except as noted." if plan.notes else ".")
        return "\n".join([head, said, *_notes(plan)]).rstrip("\n") + "\n"
    kinds = sorted(plan.hazard_kinds())
    lines = [head, f"{len(plan.steps)} statement(s); hazards: {', '.join(kinds) if kinds else 'none'}", ""]
    if summary:
        lines[1:2] = plan_summary(plan)
    lines += [one_line(n) for n in _notes(plan)]
    if not sql:
        return "\n".join(lines).rstrip("\n") + "\n"
    notes = {"pre": " (before the transaction, committed on its own)",
             "post": " (after the transaction, on its own)"}
    for i, step in enumerate(plan.steps, 1):
        lines.append(f"-- [{i}]" + notes.get(step.phase, ""))
        for h in step.hazards:
            line = f"-- ! {h.kind}: {one_line(h.message)}"
            lines.append(click.style(line, fg=_HAZARD_COLOURS.get(h.kind, "yellow")) if summary else line)
        lines.append(step.sql.rstrip() + ";")
        lines.append("")
    return "\n".join(lines)


def plan_sql(plan: Plan) -> str:
    """The plan as the SQL that `pgdecl apply` runs, transactions and timeouts included: each pre
    step committed on its own, the main steps in one transaction, the post steps one by one
    (concurrent index builds outside any transaction). Run it with `psql -v ON_ERROR_STOP=1 -f`."""
    from .apply import _needs_autocommit

    out = [f"-- pgdecl plan for {one_line(plan.target)}", f"-- live schema fingerprint {plan.live_fingerprint}",
           "-- what `pgdecl apply` runs (without its history bookkeeping); run with psql -v ON_ERROR_STOP=1 -f", ""]
    out += [f"-- note: {one_line(n)}" for n in plan.notes]
    if plan.empty:
        out.append("-- no changes")
        return "\n".join(out) + "\n"
    local = [f"SET LOCAL lock_timeout = {literal(plan.lock_timeout)};",
             f"SET LOCAL statement_timeout = {literal(plan.statement_timeout)};"]

    def stmt(step: Any) -> list[str]:
        return [f"-- hazard {h.kind}: {one_line(h.message)}" for h in step.hazards] + [step.sql.rstrip() + ";"]

    for i, step in enumerate(plan.phase("pre"), 1):
        out += [f"-- pre step {i}: committed on its own, before the main transaction", "BEGIN;", *local,
                *stmt(step), "COMMIT;", ""]
    main = plan.phase("main")
    if main:
        out += ["-- main: one transaction, all or nothing", "BEGIN;", *local]
        for step in main:
            out += stmt(step)
        out += ["COMMIT;", ""]
    post = plan.phase("post")
    if post:
        out += ["-- post: after the main transaction, one by one", "SET lock_timeout = " + literal(plan.lock_timeout)
                + ";", "SET statement_timeout = " + literal(plan.statement_timeout) + ";"]
        for step in post:
            out += stmt(step) if _needs_autocommit(step.sql) else ["BEGIN;", *stmt(step), "COMMIT;"]
        out += ["RESET lock_timeout;", "RESET statement_timeout;", ""]
    return "\n".join(out) + "\n"


def plan_json(plan: Plan) -> str:
    return json.dumps(plan.to_json(), indent=2) + "\n"


PLAN_FORMATS = {"text": plan_text, "sql": plan_sql, "json": plan_json}


def error_text(err: PgdeclError) -> str:
    if isinstance(err, SpecErrors):
        n = len(err.errors)
        return "\n".join(f"error: {e}" for e in err.errors) + (f"\n{n} errors in the specs" if n > 1 else "")
    return f"error: {err}"


def status_text(info: dict[str, Any]) -> str:
    return "\n".join(f"{k}: {v}" for k, v in info.items())
