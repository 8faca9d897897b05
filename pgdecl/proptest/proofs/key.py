"""Primary keys, UNIQUE constraints and unique indexes: a row accepted, a second one with the same key
values rejected by the key (23505). Nullable columns: two rows with them NULL both accepted, or, with
NULLS NOT DISTINCT, the second one rejected. A key checked after another one it implies is tried
with that other one dropped (rolled back)."""

from __future__ import annotations

from collections.abc import Callable

from ...render import ident, qname
from ..model import Attempt, Key, Tab, values_of
from ..values import expr_facts
from ..verdicts import Prover
from . import Proof

Verdict = tuple[str, str, Attempt]  # status, how, last attempt


def _copied(tab: Tab, key: Key) -> list[str]:
    """The writable columns a duplicate copies: the key's, its WHERE's, and those generated ones are
    computed from."""
    copy = list(dict.fromkeys(key.columns + ([c for c in expr_facts(key.where).columns if c in tab.cols]
                                             if key.where else [])))
    for c in list(copy):  # a generated column is duplicated through the columns it is computed from
        gen = tab.cols[c].generated
        if gen:
            copy += [x for x in expr_facts(gen).columns if x in tab.cols and x not in copy]
    return [c for c in copy if tab.cols[c].writable]


def _attempt_with(p: Prover, tab: Tab, key: Key, copy: list[str], nulls: set[str]) -> Callable[[], Attempt]:
    """Insert a first row (`nulls` columns NULL), then a second one copying it, which must be rejected."""
    extra = (key.where,) if key.where else ()
    settable = {c for c in key.columns if tab.cols[c].writable}

    def attempt() -> Attempt:
        first = p.find_row(tab, fixed={c: None for c in nulls}, nonnull=settable - nulls, keep=True, extra=extra)
        if first.outcome != "accepted" or first.stored is None:
            first.outcome, first.reason = "unsat", f"no first row: {p.describe(first)}"
            return first
        dup = {c: first.stored.get(c) for c in copy}
        second = p.find_row(tab, fixed=dup, extra=extra, expect=p.expect("23505", key.name))
        second.first = first.stored
        return second
    return attempt


def _violates(key: Key) -> Callable[[Attempt], bool]:
    def violates(a: Attempt) -> bool:
        if not a.stored or not a.first:
            return False
        same = all(a.stored.get(c) == a.first.get(c) for c in key.columns)
        nulls = any(a.stored.get(c) is None for c in key.columns)
        return same and (not nulls or key.nulls_not_distinct)
    return violates


def _without_implied(p: Prover, tab: Tab, key: Key, copy: list[str], verdict: Verdict) -> Verdict:
    """Unproved because a key it implies rejected the duplicate first: try again with that key dropped."""
    status, how, last = verdict
    implied = next((k for k in tab.keys if k is not key and not k.where and last.error is not None
                    and last.error.constraint == k.name and set(k.columns) <= set(key.columns)), None)
    if status != "unproved" or implied is None:
        return verdict
    # every duplicate of this key duplicates `implied` too, which PostgreSQL checks first: test
    # this key with the other one dropped (rolled back afterwards)
    drop = f"ALTER TABLE {tab.sql} DROP CONSTRAINT {ident(implied.name)} CASCADE" \
        if implied.kind != "unique index" else f"DROP INDEX {qname(tab.schema + '.' + implied.name)} CASCADE"
    with p.savepoint():
        _, err = p.tryq(drop)
        if err is None:
            status, how2, last2 = p.judge(tab, _attempt_with(p, tab, key, copy, set()), _violates(key))
            if status == "proved":
                last = last2
                how = f"with {implied.name} dropped for the test: it implies this key and is checked first" + \
                      (f", {how2}" if how2 else "")
            else:
                status, how = "unproved", f"implied by {implied.name}; with it dropped: {how2}"
    return status, how, last


def _null_duplicates(p: Prover, tab: Tab, key: Key, copy: list[str], status: str, how: str) \
        -> tuple[str, str, str]:
    """Two rows with the nullable key columns NULL: status, how and a note for the result."""
    nullable = {c for c in key.columns if not tab.cols[c].notnull and tab.cols[c].writable}
    if status != "proved" or not nullable or key.kind == "primary key":
        return status, how, ""
    cols = ", ".join(sorted(nullable))
    attempt = _attempt_with(p, tab, key, copy, nullable)
    if key.nulls_not_distinct:
        s2, how2, _ = p.judge(tab, attempt, _violates(key))
        if s2 == "proved":
            return status, how, f"also with {cols} NULL (NULLS NOT DISTINCT)"
        return s2, f"duplicate with {cols} NULL: {how2 or 'not rejected'}", ""
    with p.savepoint():
        a = attempt()
    if a.outcome == "accepted":
        return status, how, f"two rows with {cols} NULL both accepted (NULLs distinct)"
    if a.outcome == "rejected" and a.error and a.error.constraint == key.name:
        return "failed", (f"two rows with {cols} NULL rejected: the database treats NULLs as "
                          "equal but the specs do not say nulls_not_distinct"), ""
    return status, how, ""


def prove_key(p: Prover, tab: Tab, key: Key) -> None:
    if p.gone(tab, key.kind, key.name, key.columns, key.origin) or \
            p.no_base(tab, key.kind, key.name, key.origin):
        return
    if not key.columns:
        p.add(key.kind, key.name, tab.name, "unproved", "its expressions read no column", key.origin)
        return
    copy = _copied(tab, key)
    verdict = p.judge(tab, _attempt_with(p, tab, key, copy, set()), _violates(key))
    status, how, last = _without_implied(p, tab, key, copy, verdict)
    accepted = {c: last.first.get(c) for c in key.columns} if last.first else None
    rejected = {c: last.assign.get(c) for c in copy} if last.assign else None
    status, how, note = _null_duplicates(p, tab, key, copy, status, how)
    p.finish(key.kind, key.name, tab, status, how, last, key.origin, accepted, rejected, note,
             proved=f"accepted a row with {values_of(accepted)}, rejected a second one with the same values")


def _run(p: Prover, tab: Tab) -> None:
    for key in tab.keys:
        prove_key(p, tab, key)


PROOF = Proof("primary key, unique, unique index", 30, table=_run)
