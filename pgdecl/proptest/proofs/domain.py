"""Domains: for each CHECK of a domain, a value satisfying every check accepted and one violating just
that check rejected by it (23514); a NOT NULL domain rejects NULL (23502)."""

from __future__ import annotations

from typing import Any

from ...render import qname
from ..model import lit, origin_of
from ..values import expr_facts, type_candidates, type_info
from ..verdicts import Prover
from . import Proof


def prove_domain(p: Prover, name: str) -> None:
    spec = p.project.domains[name]
    origin = origin_of(spec.origin)
    t = qname(name)
    rows = p.q("SELECT to_regtype(%s)::oid", (t,))
    if not rows or rows[0][0] is None:
        p.add("domain check", name, None, "failed", "the domain is not in the database", origin)
        return
    info = p.typeinfo(rows[0][0], -1)
    base = info.element or type_info(spec.type)
    checks = sorted(spec.checks.items())
    derived = [v for _, e in checks for v in expr_facts(e, p.seed).literals.get("value", [])]
    cands = p.valid_literals(base, derived + type_candidates(base, p.seed))
    exprs = [e for _, e in checks]
    results: list[list[Any]] = []
    if exprs and cands:
        vals = ", ".join(f"({i}, CAST({lit(v)} AS {base.name}))" for i, v in enumerate(cands))
        res, _ = p.tryq(f"SELECT i, {', '.join(f'({e})' for e in exprs)} FROM (VALUES {vals}) AS v(i, value) "
                             "ORDER BY i")
        results = [list(r[1:]) for r in res] if res else []
    valid = next((v for v, r in zip(cands, results) if all(x is not False for x in r)), None) if exprs else \
        (cands[0] if cands else None)
    for i, (cname, _) in enumerate(checks):
        bad = next((v for v, r in zip(cands, results)
                    if r[i] is False and all(x is not False for j, x in enumerate(r) if j != i)), None)
        if valid is None or bad is None:
            why = "no candidate value satisfies every check" if valid is None else \
                f"no candidate value violates only {cname} (tried {len(cands)})"
            p.add("domain check", cname, None, "unproved", f"domain {name}: {why}", origin)
            continue
        _, ok = p.tryq(f"SELECT CAST({lit(valid)} AS {t})")
        _, e = p.tryq(f"SELECT CAST({lit(bad)} AS {t})")
        if ok is None and e is not None and e.sqlstate == "23514" and e.constraint == cname:
            p.add("domain check", cname, None, "proved",
                  f"domain {name}: {valid!r} accepted, {bad!r} rejected (23514 {cname})", origin, "23514",
                  {"value": valid}, {"value": bad})
        elif e is None:
            p.add("domain check", cname, None, "failed", f"domain {name}: {bad!r} was accepted", origin,
                  rejected={"value": bad})
        else:
            p.add("domain check", cname, None, "unproved",
                  f"domain {name}: {(ok or e).text()}", origin)
    if not spec.nullable:
        _, e = p.tryq(f"SELECT CAST(NULL AS {t})")
        status = "proved" if e is not None and e.sqlstate == "23502" else "failed" if e is None else "unproved"
        detail = "NULL rejected (23502)" if status == "proved" else "NULL was accepted" if e is None else e.text()
        p.add("domain not null", name, None, status, f"domain {name}: {detail}", origin,
              e.sqlstate if e else None)



def _run(p: Prover) -> None:
    for name in sorted(p.project.domains):
        prove_domain(p, name)


PROOF = Proof("domain check, domain not null", 20, project=_run)
