"""Type limits of the declared column types (`varchar(n)`, `numeric(p,s)`, integer ranges): a value just
out of range rejected (22001, 22003)."""

from __future__ import annotations

from ..model import Col, Tab, origin_of
from ..values import out_of_range, type_info
from ..verdicts import Prover
from . import Proof


def prove_type(p: Prover, tab: Tab, col: Col) -> None:
    spec_col = tab.spec.columns.get(col.name)
    declared = type_info(spec_col.type) if spec_col is not None else col.type
    bad = out_of_range(declared) if col.type.kind == "base" else None
    if bad is None or col.generated or tab.base_row is None:
        return
    name = f"{tab.name}.{col.name}"
    origin = origin_of((tab.spec.columns.get(col.name) or tab.spec).origin)
    states = ("22001", "22003")
    with p.savepoint():
        a = p.find_row(tab, nonnull={col.name}, override={col.name: bad}, expect=p.expect(states))
    shown = bad if len(bad) <= 24 else f"{len(bad)} characters"
    if a.outcome == "rejected" and a.error and a.error.sqlstate in states:
        p.add("type", name, tab.name, "proved", f"{declared.name}: {shown} rejected ({a.error.sqlstate})",
              origin, a.error.sqlstate, None, {col.name: bad})
    elif a.outcome == "accepted":
        p.add("type", name, tab.name, "failed", f"{declared.name}: {shown} was accepted (the database "
              f"has {col.type.name})", origin, None, None, {col.name: bad})
    else:
        p.add("type", name, tab.name, "unproved", f"{declared.name}: {p.describe(a, tab)}", origin)



def _run(p: Prover, tab: Tab) -> None:
    for col in tab.cols.values():
        if col.type.kind == "base" and col.name in tab.spec.columns:
            prove_type(p, tab, col)


PROOF = Proof("type", 70, table=_run)
