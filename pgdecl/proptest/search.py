"""Finding values for a row: CHECK expressions evaluated by the database over candidate rows, and a
local search over the free columns until every CHECK holds (or just one is false)."""

from __future__ import annotations

from typing import Any

from collections.abc import Callable

from ..render import ident
from .model import DEFAULT, PAIR_OPTIONS, Tab, lit
from .session import Session
from .values import expr_facts


class Search(Session):
    """Evaluating CHECK expressions and searching for rows that satisfy them."""

    def full(self, tab: Tab, assign: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for c in tab.cols.values():
            if c.generated:
                continue
            v = assign.get(c.name, DEFAULT)
            if v is DEFAULT:
                v = tab.defaults.get(c.name) if c.default is not None else ("1" if c.identity else None)
            out[c.name] = v
        return out

    def eval(self, tab: Tab, rows: list[dict[str, Any]], exprs: list[str]) -> list[list[Any] | None]:
        """Each expression on each (full) row: True, False or None (NULL); None for a row that errs."""
        if not rows:
            return []
        if not exprs:
            return [[] for _ in rows]
        cols = [c for c in tab.cols.values() if not c.generated]
        gens = [c for c in tab.cols.values() if c.generated]
        out: list[list[Any] | None] = [None] * len(rows)

        def run(lo: int, hi: int) -> None:
            vals = ", ".join(
                "(" + ", ".join([str(i)] + [f"CAST({lit(r[c.name])} AS {c.type.name})" if r[c.name] is not None
                                           else f"CAST(NULL AS {c.type.name})" for c in cols]) + ")"
                for i, r in enumerate(rows[lo:hi], lo))
            names = ", ".join(["pgdecl_i"] + [ident(c.name) for c in cols])
            gen = "".join(f", ({g.generated}) AS {ident(g.name)}" for g in gens)
            sql = (f"SELECT pgdecl_i, {', '.join(f'({e})' for e in exprs)} FROM "
                   f"(SELECT v.*{gen} FROM (VALUES {vals}) AS v({names})) AS {ident(tab.bare)}")
            res, err = self.tryq(sql)
            if err is None:
                for r in res or []:
                    out[r[0]] = list(r[1:])
            elif hi - lo > 1:
                mid = (lo + hi) // 2
                run(lo, mid)
                run(mid, hi)

        for lo in range(0, len(rows), 400):
            run(lo, min(lo + 400, len(rows)))
        return out

    def options(self, tab: Tab, col: str, avoid: dict[str, Any], nonnull: set[Any], mutation: bool) -> list[Any]:
        c = tab.cols[col]
        opts: list[Any] = list(c.fk_values)
        if mutation or not c.fk_values:
            opts += c.candidates
        if not c.notnull and col not in nonnull:
            opts.append(None)
        if c.default is not None and col not in nonnull:
            opts.append(DEFAULT)
        bad = avoid.get(col, ())
        return [o for o in dict.fromkeys(opts) if o not in bad]

    def solve(self, tab: Tab, assign: dict[str, Any], frozen: set[Any], want_false: str | None = None, extra: tuple[Any, ...] = (),
              avoid: dict[str, Any] | None = None, nonnull: set[Any] | None = None) -> dict[str, Any] | None:
        """Change free columns until every CHECK (and `extra` expression) holds, except `want_false`,
        which must be false. Local search; the database evaluates every candidate row."""
        avoid, nonnull = avoid or {}, nonnull or set()
        self.blocker = None
        exprs = [(c.name, c.expr, c.columns) for c in tab.checks if not c.missing]
        exprs += [(f"extra{i}", e, [c for c in expr_facts(e).columns if c in tab.cols]) for i, e in enumerate(extra)]
        exprs.sort(key=lambda x: x[0] != want_false)
        texts = [e for _, e, _ in exprs]

        def violated(res: list[Any]) -> list[int]:
            return [i for i, r in enumerate(res) if (r is not False if exprs[i][0] == want_false else r is False)]

        cur = dict(assign)
        for c in nonnull:  # nonnull columns must have a value
            if tab.cols[c].identity and cur.get(c, DEFAULT) is DEFAULT:
                continue  # an identity column always gets a value
            if cur.get(c, DEFAULT) in (None, DEFAULT) and c not in frozen:
                opts = self.options(tab, c, avoid, nonnull, False)
                if not opts:
                    return None
                cur[c] = opts[0]
        res = self.eval(tab, [self.full(tab, cur)], texts)[0]
        if res is None:
            return None
        for _ in range(8):
            bad = violated(res)
            if not bad:
                return cur
            target = exprs[bad[0]]
            self.blocker = target[0]
            free = [c for c in target[2] if c not in frozen and tab.cols[c].writable and tab.cols[c].identity != "a"]
            if not free:
                return None
            mutation = want_false is not None
            neigh = [{**cur, c: v} for c in free for v in self.options(tab, c, avoid, nonnull, mutation)
                     if v != cur.get(c, DEFAULT)]
            best = self._best(tab, neigh, texts, violated, bad)
            if best is None and len(free) > 1:
                pairs = []
                for i, a in enumerate(free):
                    for b in free[i + 1:]:
                        oa = self.options(tab, a, avoid, nonnull, mutation)[:PAIR_OPTIONS]
                        ob = self.options(tab, b, avoid, nonnull, mutation)[:PAIR_OPTIONS]
                        pairs += [{**cur, a: x, b: y} for x in oa for y in ob]
                neigh = pairs
                best = self._best(tab, neigh, texts, violated, bad)
            if best is None:
                return None
            cur, res = best
        return None

    def _best(self, tab: Tab, neigh: list[dict[str, Any]], texts: list[str], violated: Callable[..., Any], bad: list[int]) \
            -> tuple[dict[str, Any], list[Any]] | None:
        results = self.eval(tab, [self.full(tab, n) for n in neigh], texts)
        best, best_key = None, (len(bad), True)
        for n, r in zip(neigh, results):
            if r is None:
                continue
            v = violated(r)
            key = (len(v), bad[0] in v)
            if key < best_key:
                best, best_key = (n, r), key
                if not v:
                    break
        return best

