"""How a fleet run looks: a table of outcomes per target (text) or JSON; the targets' plans grouped
by their SQL. URLs are always masked (pgdecl.db.mask): no password is ever printed."""

from __future__ import annotations

import json
from typing import Any

import click

from .fleet import APPLIED, DRIFT, FAILED_OUTCOMES, SKIPPED, UNCHANGED, FleetResult, Outcome

_COLOURS = {APPLIED: "green", UNCHANGED: "green", "in sync": "green", "changes": "yellow", DRIFT: "yellow",
            SKIPPED: "yellow"}


def _outcome_cell(o: Outcome) -> str:
    text = o.outcome + (" (canary)" if o.canary else "")
    return click.style(text, fg="red" if o.failed else _COLOURS.get(o.outcome))


def _history(o: Outcome, action: str) -> str:
    if o.history_id is None:
        return "-"
    if action == "status" and o.last:
        return f"#{o.history_id} {o.last['outcome']}" + (" (changed since)" if o.changed_since_apply else "")
    return f"#{o.history_id}"


def outcome_line(o: Outcome, total: int) -> str:
    """One progress line when a target is done."""
    steps = "" if o.steps is None else f", {o.steps} statement(s)"
    err = f": {o.error.splitlines()[0]}" if o.error else ""
    return f"[{o.target.index}/{total}] {o.target.display}: {_outcome_cell(o)}{steps} in {o.seconds:.1f} s{err}"


def fleet_text(r: FleetResult, sql: bool = True) -> str:
    """The table of outcomes, then (plan) each distinct plan once with the targets it is for, then
    the errors and a one-line summary."""
    heads = ["#", "target", "steps", "hazards", "seconds", "history" if r.action != "status" else "last apply",
             "outcome"]
    rows = [[str(o.target.index), o.target.display, "-" if o.steps is None else str(o.steps),
             ",".join(o.hazards) or "-", f"{o.seconds:.1f}", _history(o, r.action), _outcome_cell(o)]
            for o in r.outcomes]
    widths = [max(len(click.unstyle(x)) for x in col) for col in zip(heads, *rows)]

    def line(cells: list[str]) -> str:
        return "  ".join(c + " " * (w - len(click.unstyle(c))) for c, w in zip(cells, widths)).rstrip()

    out = [click.style(f"Env {r.env}: {r.action} on {len(r.outcomes)} target(s)", bold=True), line(heads)]
    out += [line(row) for row in rows]
    out.append("")
    if r.action in ("plan", "status") and sql:
        out += _plans(r)
    for o in r.outcomes:
        if o.error:
            out.append(click.style(f"#{o.target.index} {o.target.display}: {o.outcome}", fg="red"))
            out += [f"  {ln}" for ln in o.error.splitlines()]
    if any(o.error for o in r.outcomes):
        out.append("")
    if r.stopped:
        out.append(f"Stopped after {r.stopped}: {r.count(SKIPPED)} target(s) not started "
                   "(--continue goes on past failures after the canary).")
    out.append(summary(r))
    return "\n".join(out) + "\n"


def summary(r: FleetResult) -> str:
    counts: dict[str, int] = {}
    for o in r.outcomes:
        counts[o.outcome] = counts.get(o.outcome, 0) + 1
    said = ", ".join(f"{n} {k}" for k, n in sorted(counts.items(), key=lambda kv: -kv[1]))
    return f"{len(r.outcomes)} target(s) in {r.seconds:.1f} s: {said}"


def _plans(r: FleetResult) -> list[str]:
    """Each distinct pending plan once, with the targets that have it."""
    groups: dict[tuple[str, ...], list[Outcome]] = {}
    for o in r.outcomes:
        if o.plan is not None and o.plan.steps:
            groups.setdefault(tuple(s.sql for s in o.plan.steps), []).append(o)
    out: list[str] = []
    for i, (_sqls, members) in enumerate(groups.items(), 1):
        who = ", ".join(f"#{o.target.index}" for o in members)
        out.append(click.style(f"Plan {i} of {len(groups)}, for {len(members)} target(s) ({who}):", bold=True))
        for step in members[0].plan.steps:  # type: ignore[union-attr]
            out += [f"-- ! {h.kind}: {h.message}" for h in step.hazards]
            out.append(step.sql.rstrip() + ";")
        out.append("")
    return out


def _outcome_json(o: Outcome, action: str) -> dict[str, Any]:
    d: dict[str, Any] = {"index": o.target.index, "target": o.target.display, "outcome": o.outcome,
                         "canary": o.canary, "steps": o.steps, "hazards": list(o.hazards),
                         "seconds": round(o.seconds, 3), "history_id": o.history_id, "error": o.error,
                         "live_fingerprint": o.live_fingerprint}
    if action in ("plan", "status") and o.plan is not None:
        d["statements"] = [{"sql": s.sql, "phase": s.phase, "hazards": [h.kind for h in s.hazards]}
                           for s in o.plan.steps]
    if action == "status":
        d["last_apply"] = o.last
        d["changed_since_apply"] = o.changed_since_apply
    return d


def fleet_json(r: FleetResult) -> str:
    counts = {k: r.count(k) for k in sorted({o.outcome for o in r.outcomes})}
    return json.dumps({"env": r.env, "action": r.action, "exit_code": r.exit_code, "seconds": round(r.seconds, 3),
                       "stopped": r.stopped, "counts": counts, "failed": r.count(*FAILED_OUTCOMES),
                       "targets": [_outcome_json(o, r.action) for o in r.outcomes]}, indent=2, default=str) + "\n"
