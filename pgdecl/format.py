"""Formatters: how plans, errors and statuses look as text, SQL and JSON. Commands stay thin."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .errors import PgdeclError, SpecErrors, one_line

if TYPE_CHECKING:  # importing plan pulls in psycopg; `pgdecl lint` must start fast
    from .plan import Plan


def _notes(plan: Plan) -> list[str]:
    return [f"Note: {n}" for n in plan.notes] + ([""] if plan.notes else [])


def plan_text(plan: Plan) -> str:
    head = f"Plan for {plan.target}"
    if plan.empty:
        said = "No changes: the database matches the specs" + (", except as noted." if plan.notes else ".")
        return "\n".join([head, said, *_notes(plan)]).rstrip("\n") + "\n"
    kinds = sorted(plan.hazard_kinds())
    lines = [head, f"{len(plan.steps)} statement(s); hazards: {', '.join(kinds) if kinds else 'none'}", ""]
    lines += [one_line(n) for n in _notes(plan)]
    notes = {"pre": " (before the transaction, committed on its own)",
             "post": " (after the transaction, on its own)"}
    for i, step in enumerate(plan.steps, 1):
        lines.append(f"-- [{i}]" + notes.get(step.phase, ""))
        for h in step.hazards:
            lines.append(f"-- ! {h.kind}: {one_line(h.message)}")
        lines.append(step.sql.rstrip() + ";")
        lines.append("")
    return "\n".join(lines)


def plan_sql(plan: Plan) -> str:
    out = [f"-- pgdecl plan for {one_line(plan.target)}", f"-- live schema fingerprint {plan.live_fingerprint}", ""]
    out += [f"-- note: {one_line(n)}" for n in plan.notes]
    if plan.empty:
        out.append("-- no changes")
    for step in plan.steps:
        if step.phase != "main":
            out.append(f"-- {step.phase}: outside the main transaction")
        for h in step.hazards:
            out.append(f"-- hazard {h.kind}: {one_line(h.message)}")
        out.append(step.sql.rstrip() + ";\n")
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
