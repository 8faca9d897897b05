"""NOT NULL columns (and primary key ones): a row with the column NULL rejected (23502)."""

from __future__ import annotations

from ..model import Attempt, Col, Tab, origin_of
from ..verdicts import Prover
from . import Proof


def prove_not_null(p: Prover, tab: Tab, col: Col) -> None:
    name = f"{tab.name}.{col.name}"
    origin = origin_of((tab.spec.columns.get(col.name) or tab.spec).origin)
    if col.generated:
        p.add("not null", name, tab.name, "unproved", "generated column: the database computes it", origin)
        return
    if p.no_base(tab, "not null", name, origin):
        return

    def attempt() -> Attempt:
        return p.find_row(tab, fixed={col.name: None}, expect=p.expect("23502", column=col.name))

    def violates(a: Attempt) -> bool:
        return bool(a.stored) and a.stored is not None and a.stored.get(col.name) is None

    status, how, last = p.judge(tab, attempt, violates)
    if status == "proved":
        detail = "NULL rejected (23502)" + (f" {how}" if how else "")
        p.add("not null", name, tab.name, status, detail, origin, "23502", None, {col.name: None},
              last.triggers_off)
    else:
        p.finish("not null", name, tab, status, how, last, origin, None, {col.name: None})



def _run(p: Prover, tab: Tab) -> None:
    for col in tab.cols.values():
        if col.notnull:
            prove_not_null(p, tab, col)


PROOF = Proof("not null", 60, table=_run)
