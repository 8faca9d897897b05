"""CHECK constraints (table and column ones): a row satisfying every CHECK accepted, a row making just
this one false rejected by it (23514)."""

from __future__ import annotations

from ..model import DEFAULT, Attempt, Check, Tab
from ..verdicts import Prover
from . import Proof


def prove_check(p: Prover, tab: Tab, chk: Check) -> None:
    if p.gone(tab, "check", chk.name, chk.missing, chk.origin) or \
            p.no_base(tab, "check", chk.name, chk.origin):
        return
    if not chk.columns:
        p.add("check", chk.name, tab.name, "unproved", "the expression reads no column", chk.origin)
        return
    with p.savepoint():
        acc = p.find_row(tab, nonnull={c for c in chk.columns if tab.cols[c].writable})
    accepted_row = acc.stored if acc.outcome == "accepted" else tab.base_row
    start = dict(tab.base_assign or {})
    mut = p.solve(tab, start, set(), want_false=chk.name)
    if mut is None:
        tried = ", ".join(f"{len(p.options(tab, c, {}, set(), True))} values of {c}" for c in chk.columns)
        p.add("check", chk.name, tab.name, "unproved",
              f"no candidate row makes it false while the other checks hold (tried {tried})", chk.origin,
              accepted={c: accepted_row.get(c) for c in chk.columns} if accepted_row else None)
        return
    fixed = {c: mut.get(c, DEFAULT if tab.cols[c].default is not None else None)
             for c in chk.columns if tab.cols[c].writable}

    def attempt() -> Attempt:
        return p.find_row(tab, fixed=fixed, want_false=chk.name,
                                       expect=p.expect("23514", chk.name))

    def violates(a: Attempt) -> bool:
        row = {c: a.stored.get(c) for c in tab.cols if tab.cols[c].writable} if a.stored else {}
        res = p.eval(tab, [row], [chk.expr])[0] if row else None
        return res is not None and bool(res) and res[0] is False

    status, how, last = p.judge(tab, attempt, violates)
    p.finish("check", chk.name, tab, status, how, last, chk.origin,
             accepted={c: accepted_row.get(c) for c in chk.columns} if accepted_row else None,
             rejected=fixed)



def _run(p: Prover, tab: Tab) -> None:
    for chk in tab.checks:
        prove_check(p, tab, chk)


PROOF = Proof("check", 50, table=_run)
