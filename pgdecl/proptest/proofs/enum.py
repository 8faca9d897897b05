"""Enums: every value of the specs accepted, a value outside them rejected (22P02); the database's
values must be the specs' (same order)."""

from __future__ import annotations

from ...render import qname
from ..model import lit, origin_of
from ..verdicts import Prover
from . import Proof


def prove_enum(p: Prover, name: str) -> None:
    spec = p.project.enums[name]
    origin = origin_of(spec.origin)
    rows = p.q("SELECT enumlabel FROM pg_enum WHERE enumtypid = to_regtype(%s) ORDER BY enumsortorder",
               (qname(name),))
    labels = [r[0] for r in rows]
    if labels != list(spec.values):
        p.add("enum", name, None, "failed", f"the database has {labels}, the specs say {list(spec.values)}",
              origin)
        return
    bad = "pgdecl_not_a_value"
    while bad in labels:
        bad += "_"
    t = qname(name)
    _, err = p.tryq("SELECT " + ", ".join(f"CAST({lit(v)} AS {t})" for v in labels))
    _, err2 = p.tryq(f"SELECT CAST({lit(bad)} AS {t})")
    if err is None and err2 is not None and err2.sqlstate == "22P02":
        p.add("enum", name, None, "proved", f"its {len(labels)} values accepted, {bad!r} rejected (22P02)",
              origin, "22P02", None, {"value": bad})
    elif err2 is None:
        p.add("enum", name, None, "failed", f"{bad!r} was accepted", origin)
    else:
        p.add("enum", name, None, "unproved", f"{err.text() if err else err2.text()}", origin)



def _run(p: Prover) -> None:
    for name in sorted(p.project.enums):
        prove_enum(p, name)


PROOF = Proof("enum", 10, project=_run)
