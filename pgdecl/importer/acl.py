"""Privileges, sequence defaults, function settings and dependency order: pure helpers."""

from __future__ import annotations

import heapq
from typing import Any, Iterable


from ..engine.acl import AclEntry as AclEntry, acl_delta as acl_delta  # one ACL implementation (plan, import)
from .constants import INT_RANGES, LIST_SETTINGS, PRIVILEGE_ORDER
from .names import literal


def setting_value(name: str, value: str) -> str:
    """A function's SET value as SQL, the way pg_get_functiondef writes it."""
    return value if name.lower() in LIST_SETTINGS else literal(value)


def sequence_defaults(type_: str, increment: int) -> dict[str, int]:
    """What CREATE SEQUENCE picks when start/min/max are not given."""
    lo, hi = INT_RANGES.get(type_, INT_RANGES["bigint"])
    if increment > 0:
        return {"min_value": 1, "max_value": hi, "start": 1}
    return {"min_value": lo, "max_value": -1, "start": -1}


def privilege_list(privs: Iterable[str], full: Iterable[str]) -> list[str]:
    """Privileges in a stable order; the whole set an owner has is written `all`."""
    p, f = {x.lower() for x in privs}, {x.lower() for x in full}
    if p and p == f and len(f) > 1:
        return ["all"]
    return sorted(p, key=lambda x: (PRIVILEGE_ORDER.index(x) if x in PRIVILEGE_ORDER else 99, x))


def topo_order(nodes: dict[Any, tuple[Any, ...]], deps: dict[Any, set[Any]]) -> list[Any]:
    """Nodes so that each comes after what it depends on; among the ready ones the smallest sort key first.
    A cycle is broken at its smallest node."""
    pending = {n: {d for d in deps.get(n, ()) if d in nodes and d != n} for n in nodes}
    users: dict[Any, set[Any]] = {}
    for n, ds in pending.items():
        for d in ds:
            users.setdefault(d, set()).add(n)
    heap = [(nodes[n], i, n) for i, n in enumerate(sorted(nodes, key=lambda x: nodes[x])) if not pending[n]]
    heapq.heapify(heap)
    counter = len(nodes)
    out: list[Any] = []
    done: set[Any] = set()
    while len(out) < len(nodes):
        if not heap:  # a cycle: take the smallest remaining node
            n = min((x for x in nodes if x not in done), key=lambda x: nodes[x])
            pending[n] = set()
            heap.append((nodes[n], counter, n))
            counter += 1
        _, _, n = heapq.heappop(heap)
        if n in done:
            continue
        done.add(n)
        out.append(n)
        for u in sorted(users.get(n, ()), key=lambda x: nodes[x]):
            pending[u].discard(n)
            if not pending[u] and u not in done:
                counter += 1
                heapq.heappush(heap, (nodes[u], counter, u))
    return out


# -- YAML emission ----------------------------------------------------------------------------------------
def _public_privileges(have: Iterable[AclEntry]) -> list[str]:
    """Every privilege PUBLIC holds without grant option, in pgdecl's order: what a YAML `public:` grant
    must list so the rendered REVOKE ALL + GRANT leaves the ACL as it was."""
    held = {e.privilege for e in have if e.grantee == "PUBLIC" and not e.grantable}
    return [p for p in PRIVILEGE_ORDER if p.upper() in held or p in held] or sorted(held)
