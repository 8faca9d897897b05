"""Foreign keys: a row referencing the parent's base row accepted, one referencing a value absent from
the parent rejected by the key (23503). Each key's ON DELETE action is proved right after it
(`on_delete.py`)."""

from __future__ import annotations

from ...render import ident
from ..model import Attempt, FKey, Tab, values_of
from ..values import uuids
from ..verdicts import Prover
from . import Proof
from .on_delete import prove_on_delete


def prove_fk(p: Prover, tab: Tab, fk: FKey) -> None:
    if p.gone(tab, "foreign key", fk.name, fk.columns, fk.origin) or \
            p.no_base(tab, "foreign key", fk.name, fk.origin):
        return
    parent = p.tables.get(fk.parent)
    if parent is None or parent.base_row is None:
        why = parent.base_reason if parent else "the table is not in the specs or not in the database"
        p.add("foreign key", fk.name, tab.name, "unproved", f"no row in {fk.parent}: {why}", fk.origin)
        return
    missing_ref = [c for c in fk.refcolumns if c not in parent.cols]
    if missing_ref:
        p.add("foreign key", fk.name, tab.name, "failed",
              f"{fk.parent} has no column {', '.join(missing_ref)} in the database", fk.origin)
        return
    with p.savepoint():
        acc = p.find_row(tab, nonnull=set(fk.columns))
    others = {c for f in tab.fks if f is not fk for c in f.columns}
    col = next((c for c in fk.columns if c not in others), fk.columns[0])
    ref = fk.refcolumns[fk.columns.index(col)]
    values = {c: parent.base_row.get(rc) for c, rc in zip(fk.columns, fk.refcolumns)}
    pcol = parent.cols.get(ref)
    pool = (pcol.candidates if pcol else []) + uuids(p.seed + 1)
    pool = p.valid_literals(tab.cols[col].type, [v for v in pool if v != values[col]])
    missing = None
    cond = " AND ".join(f"{ident(rc)} = CAST(%s AS {parent.cols[rc].type.name})" for rc in fk.refcolumns)
    for v in pool:
        trial = {**values, col: v}
        rows, _ = p.tryq(f"SELECT EXISTS (SELECT 1 FROM {parent.sql} WHERE {cond})",
                              tuple(trial[c] for c in fk.columns))
        if rows is not None and not rows[0][0]:
            missing = trial
            break
    if missing is None:
        p.add("foreign key", fk.name, tab.name, "unproved", f"found no value of {col} absent from {fk.parent}",
              fk.origin)
        return

    def attempt() -> Attempt:
        return p.find_row(tab, fixed=missing, expect=p.expect("23503", fk.name))

    def violates(a: Attempt) -> bool:
        if not a.stored or any(a.stored.get(c) is None for c in fk.columns):
            return False
        rows, _ = p.tryq(f"SELECT EXISTS (SELECT 1 FROM {parent.sql} WHERE {cond})",
                         tuple(a.stored.get(c) for c in fk.columns))
        return rows is not None and not rows[0][0]

    status, how, last = p.judge(tab, attempt, violates)
    accepted = {c: acc.stored.get(c) for c in fk.columns} if acc.outcome == "accepted" and acc.stored else None
    if accepted is None and status == "proved":
        status, how = "unproved", (f"the missing parent was rejected, but no row referencing {fk.parent} "
                                   f"was accepted: {p.describe(acc)}")
    p.finish("foreign key", fk.name, tab, status, how, last, fk.origin, accepted, missing,
             proved=f"accepted {values_of(accepted)} (a row of {fk.parent}); rejected {values_of(missing)} "
                       f"(not in {fk.parent})")



def _run(p: Prover, tab: Tab) -> None:
    for fk in tab.fks:
        prove_fk(p, tab, fk)
        prove_on_delete(p, tab, fk)


PROOF = Proof("foreign key, on delete", 40, table=_run)
