"""Order a plan's operations from dependencies, not from fixed phases.

Edges, each read from an operation's needs/provides/removes/touches and the two sides' graphs:
- a create comes after whatever creates what it needs (its parse tree's references, and what the
  desired side's `pg_depend` says the created object uses; an extension provides its members);
- a drop of X comes after every operation that drops or changes an object that (on the live side)
  depends on X: a view on a column goes before the column, a default before its function;
- a drop of X comes before a create of X (a replaced object), and a rename to X before a drop of X;
- a rename is no drop: what depends on the object follows it to its new name;
- in a plan, default privileges change after the plan creates what it creates in their schema (it
  compares a new object's privileges with what the live defaults give it); a rendered creation
  script keeps them where they are written, before the objects they apply to.
The sort is stable: an operation moves only when an edge makes it, so the comparer's order stands
wherever it is already right. A cycle is broken at its earliest operation, in the comparer's order
(PostgreSQL's own way out: functions are created with check_function_bodies off)."""

from __future__ import annotations

import heapq
from typing import Sequence

from .graph import Graph
from .ops import (
    ALTER, COLUMN, CONSTRAINT, DEFAULT_ACL, FUNCTION, POLICY, RELATION, RENAME, REPLACE, SET, TRIGGER, TYPE,
    VALUE_SOURCE, ObjectId, Operation,
)


def edges(ops: Sequence[Operation], desired: Graph | None = None, live: Graph | None = None,
          defaults_last: bool = False) -> list[set[int]]:
    """succ[i]: the operations that must run after operation i. `defaults_last` (a plan, not a
    rendered creation script, where defaults come first as written): default privileges change
    after the creates in their schema. Kept whole: each rule of the module docstring is one block
    over the same three indexes (providers, removers, changers)."""
    providers: dict[ObjectId, list[int]] = {}
    removers: dict[ObjectId, list[int]] = {}
    changers: dict[ObjectId, list[int]] = {}
    for i, op in enumerate(ops):
        for x in op.provides:
            providers.setdefault(x, []).append(i)
            if desired is not None:
                for member in desired.provided_by_extension(x):
                    providers.setdefault(member, []).append(i)
        for x in op.removes:
            removers.setdefault(x, []).append(i)
            changers.setdefault(x, []).append(i)
    for i, op in enumerate(ops):  # in-place changes that release a dependency (not of objects dropped anyway)
        if op.action in (ALTER, REPLACE):
            for x in op.touches:
                if x not in removers:
                    changers.setdefault(x, []).append(i)
    succ: list[set[int]] = [set() for _ in ops]
    for b, op in enumerate(ops):
        wanted = set(op.needs)
        if desired is not None:
            for p in op.provides:
                wanted |= desired.uses.get(p, set())
        for x in wanted - op.provides - op.removes:  # what it drops or renames is the live object
            for a in providers.get(x, ()):
                if a != b:
                    succ[a].add(b)
        for x in op.provides:  # a drop and a create (or rename) of one name keep their order
            for a in removers.get(x, ()):
                if a < b or (x.kind == VALUE_SOURCE and a != b):  # a column's old default goes first
                    succ[a].add(b)
                elif a > b:
                    succ[b].add(a)
            if x.kind == COLUMN and desired is not None:  # a column added to a parent table reaches its
                table = _table_of(x)                        # children: a child's own drops it first
                for child in desired.used_by.get(table, set()):
                    if child.kind == RELATION:
                        for a in removers.get(ObjectId(COLUMN, child.schema, f"{child.name}.{x.name.split('.', 1)[1]}"), ()):
                            succ[a].add(b)
    defaults = [(b, {x.name for x in op.touches if x.kind == DEFAULT_ACL}) for b, op in enumerate(ops)
                if any(x.kind == DEFAULT_ACL for x in op.touches)]
    if defaults and defaults_last:
        for a, op in enumerate(ops):
            schemas = {x.schema for x in op.provides if x.kind in (RELATION, FUNCTION, TYPE)}
            for b, where in defaults:
                if a != b and schemas and ("*" in where or schemas & where):
                    succ[a].add(b)
    if live is not None and removers:
        # a renamed object keeps its dependants: they follow it to its new name
        was = {new: old for op in ops if op.action == RENAME for old in op.removes for new in op.provides}
        for a, op in enumerate(ops):
            if op.action == RENAME:
                continue
            for x in op.removes:
                for y in live.dependants(was.get(x, x)):
                    for b in changers.get(y, ()) or changers.get(_table_of(y), ()):
                        if b != a:
                            succ[b].add(a)
    return succ


def _table_of(obj: ObjectId) -> ObjectId:
    """The table a column, constraint, trigger or policy belongs to (dropped with it); else itself."""
    if obj.kind in (COLUMN, CONSTRAINT, TRIGGER, POLICY):
        return ObjectId(RELATION, obj.schema, obj.name.split(".", 1)[0])
    return obj


def order(ops: Sequence[Operation], desired: Graph | None = None, live: Graph | None = None) -> list[Operation]:
    """`ops` sorted by their dependencies (stable; settings such as check_function_bodies first)."""
    settings = [op for op in ops if op.action == SET]
    rest = [op for op in ops if op.action != SET]
    return settings + [rest[i] for i in toposort(edges(rest, desired, live, defaults_last=True))]


def toposort(succ: list[set[int]]) -> list[int]:
    """Kahn's algorithm taking the earliest ready index first; a cycle is broken at its earliest
    member."""
    n = len(succ)
    indegree = [0] * n
    for targets in succ:
        for t in targets:
            indegree[t] += 1
    ready = [i for i in range(n) if indegree[i] == 0]
    heapq.heapify(ready)
    done = [False] * n
    out: list[int] = []
    waiting = 0  # lowest index that may still be undone (cycle breaking)
    while len(out) < n:
        if not ready:
            while done[waiting]:
                waiting += 1
            indegree[waiting] = 0
            heapq.heappush(ready, waiting)
        i = heapq.heappop(ready)
        if done[i]:
            continue
        done[i] = True
        out.append(i)
        for t in succ[i]:
            indegree[t] -= 1
            if indegree[t] == 0 and not done[t]:
                heapq.heappush(ready, t)
    return out
