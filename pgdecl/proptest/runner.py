"""`pgdecl test`: prove the constraints of the specs on a scratch copy of the schema.

For every table, in foreign-key order, a valid row is found and inserted (the base row; parents
first). Then, for each constraint of the specs, a row that violates just that constraint is
built and inserted inside a savepoint, and the database must reject it with that constraint's
name (NOT NULL and type limits: that column / SQLSTATE). Values come from the column types, the
enums and the constants, ranges, IN lists and regular expressions of the CHECK expressions; the
database judges every candidate (CHECK expressions are evaluated in SELECTs over candidate rows,
rows are inserted for real). A row rejected by something else (a trigger raising, another
constraint) is repaired and retried: colliding unique values are changed, a parent row is added
or updated. When a trigger pre-empts the constraint (raises first, or rewrites the value), the
attempt is repeated with the table's own triggers disabled - foreign keys stay on - and the
result says so.

Everything runs in one transaction on a scratch database that is dropped afterwards.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from ..db import Database, connect
from ..errors import PgdeclError
from ..model import Project, Table, split_name
from ..render import foreign_keys, ident, indexes, primary_key, qname, uniques
from .report import NO_ROW, ConstraintResult, TableResult, TestReport
from .values import (
    TypeInfo,
    array_of,
    expr_facts,
    fits,
    out_of_range,
    type_candidates,
    type_info,
    uuids,
)


class _Default:
    def __repr__(self) -> str:
        return "DEFAULT"


DEFAULT = _Default()
_ORDERING = re.compile(r"\s+(ASC|DESC|NULLS\s+(FIRST|LAST))(\s.*)?$", re.IGNORECASE)
NAMED_CONSTRAINTS = {"check", "unique", "primary key", "unique index", "foreign key", "on delete"}
MAX_ATTEMPTS = 12
MAX_DEPTH = 3
PAIR_OPTIONS = 12


@dataclass(frozen=True)
class Err:
    sqlstate: str
    constraint: str | None
    schema: str | None
    table: str | None
    column: str | None
    message: str

    @classmethod
    def of(cls, e: psycopg.Error) -> Err:
        d = e.diag
        return cls(e.sqlstate or "", d.constraint_name, d.schema_name, d.table_name, d.column_name,
                   (d.message_primary or str(e)).strip())

    def text(self) -> str:
        return f"{self.message} ({self.sqlstate})"


SKIPPED = Err("", None, None, None, None, "a BEFORE trigger skipped the row (returned NULL)")


@dataclass
class Col:
    name: str
    type: TypeInfo
    notnull: bool                  # NOT NULL in the specs (or the primary key)
    default: str | None            # default expression (catalog)
    generated: str | None          # generation expression (catalog)
    identity: str                  # '', 'a' (always), 'd' (by default)
    candidates: list[str] = field(default_factory=list)
    fk_values: list[str] = field(default_factory=list)   # values of the parents' base rows

    @property
    def writable(self) -> bool:
        return not self.generated


@dataclass
class Check:
    name: str
    expr: str
    columns: list[str]
    origin: str | None
    missing: list[str] = field(default_factory=list)  # columns of the specs it reads that the database lacks


@dataclass
class Key:
    kind: str                      # primary key, unique, unique index
    name: str
    columns: list[str]             # columns whose values make two rows duplicates
    nulls_not_distinct: bool
    where: str | None
    origin: str | None


@dataclass
class FKey:
    name: str
    columns: list[str]
    parent: str
    refcolumns: list[str]
    origin: str | None
    on_delete: str = "no action"


@dataclass
class Tab:
    name: str
    spec: Table
    cols: dict[str, Col]
    checks: list[Check]
    keys: list[Key]
    fks: list[FKey]
    defaults: dict[str, str | None] = field(default_factory=dict)
    db_names: set[str] = field(default_factory=set)
    triggers: list[str] = field(default_factory=list)        # user triggers (catalog)
    before_insert: list[str] = field(default_factory=list)   # BEFORE INSERT ... FOR EACH ROW ones
    base_assign: dict | None = None
    base_row: dict | None = None
    base_reason: str | None = None

    @property
    def schema(self) -> str:
        return split_name(self.name)[0]

    @property
    def bare(self) -> str:
        return split_name(self.name)[1]

    @property
    def sql(self) -> str:
        return qname(self.name)


@dataclass
class Attempt:
    outcome: str                   # accepted, rejected, unsat
    assign: dict = field(default_factory=dict)
    stored: dict | None = None
    error: Err | None = None
    reason: str = ""
    first: dict | None = None      # unique tests: the first row
    expected: bool = False         # rejected with the error the caller expected
    triggers_off: bool = False     # made with the table's own triggers disabled


def _lit(v: str) -> str:
    return "'" + v.replace("'", "''") + "'"


def _show(v: object) -> str | None:
    return None if v is None else "(default)" if v is DEFAULT else str(v)


def _origin(o: object) -> str | None:
    return str(o).split(": ", 1)[0] if o is not None else None


class _Runner:
    def __init__(self, conn: psycopg.Connection, project: Project, seed: int) -> None:
        self.conn = conn
        self.project = project
        self.seed = seed
        self.statements = 0
        self.tables: dict[str, Tab] = {}
        self.results: list[ConstraintResult] = []
        self._types: dict[tuple[int, int], TypeInfo] = {}
        self._valid: dict[str, set[str]] = {}
        self.blocker: str | None = None  # the CHECK the last failed search could not make hold

    # --- plumbing ---------------------------------------------------------------------------

    def q(self, sql: str, params: tuple = ()) -> list[tuple]:
        self.statements += 1
        cur = self.conn.execute(sql.encode() if not params else sql, params or None)  # type: ignore[arg-type]
        return cur.fetchall() if cur.description else []

    @contextmanager
    def savepoint(self, keep: bool = False) -> Iterator[None]:
        self.statements += 2
        with self.conn.transaction() as tx:
            yield
            if not keep:
                raise psycopg.Rollback(tx)

    def tryq(self, sql: str, params: tuple = ()) -> tuple[list[tuple] | None, Err | None]:
        try:
            with self.savepoint(keep=True):
                return self.q(sql, params), None
        except psycopg.Error as e:
            return None, Err.of(e)

    # --- what the specs declare, typed by the catalog ----------------------------------------

    def typeinfo(self, oid: int, typmod: int) -> TypeInfo:
        key = (oid, typmod)
        if key in self._types:
            return self._types[key]
        typtype, name, elem, basetype, basetypmod, notnull, category = self.q(
            "SELECT typtype, format_type(oid, %s), typelem, typbasetype, typtypmod, typnotnull, typcategory "
            "FROM pg_type WHERE oid = %s", (typmod if typmod >= 0 else None, oid))[0]
        if typtype == "e":
            labels = tuple(r[0] for r in self.q(
                "SELECT enumlabel FROM pg_enum WHERE enumtypid = %s ORDER BY enumsortorder", (oid,)))
            t = TypeInfo(name, name, kind="enum", enum_values=labels)
        elif typtype == "d":
            checks = tuple((r[0], r[1]) for r in self.q(
                "SELECT conname, pg_get_expr(conbin, 0) FROM pg_constraint WHERE contypid = %s AND contype = 'c' "
                "ORDER BY conname", (oid,)))
            t = TypeInfo(name, name, kind="domain", element=self.typeinfo(basetype, basetypmod),
                         domain_checks=checks, domain_notnull=notnull)
        elif category == "A" and elem:
            t = TypeInfo(name, "array", kind="array", element=self.typeinfo(elem, typmod))
        else:
            t = type_info(name)
        self._types[key] = t
        return t

    def valid_literals(self, t: TypeInfo, values: list[str]) -> list[str]:
        """The values the type accepts (cast by the database), in order."""
        known = self._valid.setdefault(t.name, set())
        todo = [v for v in dict.fromkeys(values) if v not in known and fits(v, t)]
        if todo:
            _, err = self.tryq("SELECT " + ", ".join(f"CAST({_lit(v)} AS {t.name})" for v in todo))
            if err is None:
                known.update(todo)
            else:
                for v in todo:
                    if self.tryq(f"SELECT CAST({_lit(v)} AS {t.name})")[1] is None:
                        known.add(v)
        return [v for v in dict.fromkeys(values) if v in known]

    def load_tables(self) -> None:
        for name, spec in self.project.tables.items():
            pk = primary_key(spec)
            rows = self.q(
                "SELECT a.attname, a.atttypid, a.atttypmod, pg_get_expr(d.adbin, d.adrelid), a.attgenerated, "
                "a.attidentity FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid "
                "AND d.adnum = a.attnum WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped "
                "ORDER BY a.attnum", (qname(name),))
            if not rows:
                self.add("table", name, name, "failed", "declared in the specs but not in the database",
                         _origin(spec.origin))
                continue
            cols: dict[str, Col] = {}
            for cname, oid, typmod, expr, generated, identity in rows:
                s = spec.columns.get(cname)
                notnull = cname in pk or (s is not None and not s.nullable)
                cols[cname] = Col(cname, self.typeinfo(oid, typmod), notnull,
                                  expr if not generated else None, expr if generated else None, identity or "")
            bare = split_name(name)[1]
            checks = [_check(cn, e, spec.origin, cols, spec) for cn, e in sorted(spec.checks.items())]
            checks += [_check(f"{bare}_{cn}_check"[:63], c.check or "", c.origin or spec.origin, cols, spec)
                       for cn, c in spec.columns.items() if c.check]
            keys = []
            if pk:
                keys.append(Key("primary key", f"{bare}_pkey"[:63], list(pk), False, None, _origin(spec.origin)))
            for u in uniques(name, spec):
                keys.append(Key("unique", u.name or "", list(u.columns), u.nulls_not_distinct, None,
                                _origin(u.origin or spec.origin)))
            for ix in indexes(name, spec.indexes):
                if ix.unique:
                    elements = [_ORDERING.sub("", e) for e in ix.columns]
                    refs = [c for e in elements for c in ([e] if e in cols else expr_facts(e).columns) if c in cols]
                    keys.append(Key("unique index", ix.name or "", list(dict.fromkeys(refs)), ix.nulls_not_distinct,
                                    ix.where, _origin(ix.origin or spec.origin)))
            fks = []
            for fk in foreign_keys(name, spec):
                parent = "{}.{}".format(*split_name(fk.references.table, split_name(name)[0]))
                refcols = list(fk.references.columns) or primary_key(self.project.tables[parent]) \
                    if parent in self.project.tables else list(fk.references.columns)
                fks.append(FKey(fk.name or "", list(fk.columns), parent, refcols, _origin(fk.origin or spec.origin),
                                fk.on_delete))
            tab = Tab(name, spec, cols, checks, keys, fks)
            tab.db_names = {r[0] for r in self.q(
                "SELECT conname FROM pg_constraint WHERE conrelid = to_regclass(%s) UNION ALL "
                "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                "WHERE x.indrelid = to_regclass(%s)", (qname(name), qname(name)))}
            for tg, tgtype in self.q("SELECT tgname, tgtype FROM pg_trigger WHERE tgrelid = to_regclass(%s) "
                                     "AND NOT tgisinternal ORDER BY tgname", (qname(name),)):
                tab.triggers.append(tg)
                if tgtype & 7 == 7:  # ROW | BEFORE | INSERT
                    tab.before_insert.append(tg)
            for c in cols.values():
                if c.default is not None:
                    rows_, _ = self.tryq(f"SELECT CAST(({c.default}) AS text)")
                    tab.defaults[c.name] = rows_[0][0] if rows_ else None
                derived = [v for chk in checks if c.name in chk.columns
                           for v in expr_facts(chk.expr, self.seed).literals.get(c.name, [])]
                if c.type.kind == "array" and c.type.element is not None:  # arrays of the sizes compared with
                    elem = (type_candidates(c.type.element, self.seed) or ["1"])[0]
                    derived += [array_of(elem, n) for chk in checks if c.name in chk.columns
                                for n in expr_facts(chk.expr).sizes.get(c.name, [])]
                for chk in checks:  # values of column-free expressions the column is compared with
                    for sql in expr_facts(chk.expr).closed.get(c.name, []):
                        rows_, _ = self.tryq(f"SELECT CAST(({sql}) AS text)")
                        if rows_ and rows_[0][0] is not None:
                            derived.append(rows_[0][0])
                c.candidates = self.valid_literals(c.type, derived + type_candidates(c.type, self.seed))
            self.tables[name] = tab
            for cname, c in spec.columns.items():
                if cname not in cols:
                    self.add("column", f"{name}.{cname}", name, "failed", "declared in the specs but not in the "
                             "database", _origin(c.origin or spec.origin))

    def order(self) -> list[Tab]:
        """Parents before children (cycles broken in spec order)."""
        done: list[Tab] = []
        seen: set[str] = set()

        def visit(t: Tab, stack: tuple[str, ...]) -> None:
            if t.name in seen or t.name in stack:
                return
            for fk in t.fks:
                if fk.parent != t.name and fk.parent in self.tables:
                    visit(self.tables[fk.parent], stack + (t.name,))
            seen.add(t.name)
            done.append(t)

        for t in self.tables.values():
            visit(t, ())
        return done

    # --- evaluating CHECK expressions over candidate rows ---------------------------------------

    def full(self, tab: Tab, assign: dict) -> dict:
        out = {}
        for c in tab.cols.values():
            if c.generated:
                continue
            v = assign.get(c.name, DEFAULT)
            if v is DEFAULT:
                v = tab.defaults.get(c.name) if c.default is not None else ("1" if c.identity else None)
            out[c.name] = v
        return out

    def eval(self, tab: Tab, rows: list[dict], exprs: list[str]) -> list[list | None]:
        """Each expression on each (full) row: True, False or None (NULL); None for a row that errs."""
        if not rows:
            return []
        if not exprs:
            return [[] for _ in rows]
        cols = [c for c in tab.cols.values() if not c.generated]
        gens = [c for c in tab.cols.values() if c.generated]
        out: list[list | None] = [None] * len(rows)

        def run(lo: int, hi: int) -> None:
            vals = ", ".join(
                "(" + ", ".join([str(i)] + [f"CAST({_lit(r[c.name])} AS {c.type.name})" if r[c.name] is not None
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

    def options(self, tab: Tab, col: str, avoid: dict, nonnull: set, mutation: bool) -> list:
        c = tab.cols[col]
        opts: list = list(c.fk_values)
        if mutation or not c.fk_values:
            opts += c.candidates
        if not c.notnull and col not in nonnull:
            opts.append(None)
        if c.default is not None and col not in nonnull:
            opts.append(DEFAULT)
        bad = avoid.get(col, ())
        return [o for o in dict.fromkeys(opts) if o not in bad]

    def solve(self, tab: Tab, assign: dict, frozen: set, want_false: str | None = None, extra: tuple = (),
              avoid: dict | None = None, nonnull: set | None = None) -> dict | None:
        """Change free columns until every CHECK (and `extra` expression) holds, except `want_false`,
        which must be false. Local search; the database evaluates every candidate row."""
        avoid, nonnull = avoid or {}, nonnull or set()
        self.blocker = None
        exprs = [(c.name, c.expr, c.columns) for c in tab.checks if not c.missing]
        exprs += [(f"extra{i}", e, [c for c in expr_facts(e).columns if c in tab.cols]) for i, e in enumerate(extra)]
        exprs.sort(key=lambda x: x[0] != want_false)
        texts = [e for _, e, _ in exprs]

        def violated(res: list) -> list[int]:
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

    def _best(self, tab: Tab, neigh: list[dict], texts: list[str], violated: Callable, bad: list[int]) \
            -> tuple[dict, list] | None:
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

    # --- inserting rows ------------------------------------------------------------------------

    def insert(self, tab: Tab, assign: dict, keep: bool, override: dict | None = None) \
            -> tuple[dict | None, Err | None]:
        vals = {**assign, **(override or {})}
        cols = [c for c, v in vals.items() if v is not DEFAULT and tab.cols[c].writable]
        returning = ", ".join(f"CAST({ident(c)} AS text)" for c in tab.cols)
        if cols:
            over = " OVERRIDING SYSTEM VALUE" if any(tab.cols[c].identity == "a" for c in cols) else ""
            values = ", ".join("NULL" if vals[c] is None else _lit(vals[c]) for c in cols)
            sql = (f"INSERT INTO {tab.sql} ({', '.join(ident(c) for c in cols)}){over} VALUES ({values}) "
                   f"RETURNING {returning}")
        else:
            sql = f"INSERT INTO {tab.sql} DEFAULT VALUES RETURNING {returning}"
        try:
            with self.savepoint(keep=keep):
                rows = self.q(sql)
        except psycopg.Error as e:
            return None, Err.of(e)
        if not rows:
            return None, SKIPPED
        return dict(zip(tab.cols, rows[0])), None

    def find_row(self, tab: Tab, fixed: dict | None = None, nonnull: set | None = None,
                 expect: Callable[[Err], bool] | None = None, keep: bool = False, override: dict | None = None,
                 want_false: str | None = None, extra: tuple = (), depth: int = 0) -> Attempt:
        """Find and insert a row: `fixed` columns as given, `nonnull` columns not NULL, every CHECK true
        (but `want_false`). Errors other than the expected one are repaired and the insert retried."""
        fixed = dict(fixed or {})
        nonnull = set(nonnull or ()) - set(fixed)
        assign = dict(fixed)
        frozen = set(fixed)
        fk_of: dict[str, FKey] = {}
        for fk in tab.fks:
            if any(c in fixed or c not in tab.cols for c in fk.columns):
                continue
            if not any((tab.cols[c].notnull and tab.cols[c].default is None) or c in nonnull for c in fk.columns):
                continue
            parent = self.tables.get(fk.parent)
            if parent is None or parent.base_row is None:
                why = parent.base_reason if parent is not None else "not in the specs or not in the database"
                return Attempt("unsat", assign, reason=f"no row in {fk.parent} to reference ({why})")
            for c, rc in zip(fk.columns, fk.refcolumns):
                assign[c] = parent.base_row.get(rc)
                frozen.add(c)
                fk_of[c] = fk
        for c in tab.cols.values():
            if c.name in assign or c.generated or c.identity == "a":
                continue
            if c.name in nonnull or (c.notnull and c.default is None and not c.identity):
                opts = self.options(tab, c.name, {}, nonnull | {c.name}, False)
                if not opts:
                    return Attempt("unsat", assign, reason=f"no value of type {c.type.name} known for column {c.name}")
                assign[c.name] = opts[0]
        avoid: dict[str, set] = {}
        refreshed: set[str] = set()
        err: Err | None = None
        for _ in range(MAX_ATTEMPTS):
            solved = self.solve(tab, assign, frozen, want_false, extra, avoid, nonnull)
            if solved is None:
                b = self.blocker
                what = f"that violate only {want_false}" + (f" ({b} stays false)" if b and b != want_false else "") \
                    if want_false else f"for which {b} holds" if b and not b.startswith("extra") else \
                    "that satisfy every CHECK"
                return Attempt("unsat", assign, reason=f"found no values {what}" + (
                    f" (last rejection: {err.text()})" if err else ""))
            assign = solved
            stored, err = self.insert(tab, assign, keep, override)
            if err is None:
                return Attempt("accepted", assign, stored)
            if expect is not None and expect(err):
                return Attempt("rejected", assign, error=err, expected=True)
            if not self.repair(tab, assign, fixed, frozen, fk_of, avoid, err, depth, refreshed):
                return Attempt("rejected", assign, error=err)
        return Attempt("rejected", assign, error=err, reason=f"gave up after {MAX_ATTEMPTS} attempts")

    def key_columns(self, tab: Tab, name: str | None) -> list[str]:
        for k in tab.keys:
            if k.name == name:
                return k.columns
        rows = self.q(
            "SELECT a.attname FROM pg_class i JOIN pg_index x ON x.indexrelid = i.oid JOIN pg_attribute a "
            "ON a.attrelid = x.indrelid AND a.attnum = ANY (x.indkey) WHERE i.relname = %s "
            "AND x.indrelid = to_regclass(%s)", (name, tab.sql))
        return [r[0] for r in rows]

    def fresh_parent(self, assign: dict, fk: FKey, depth: int) -> bool:
        """Reference a new row of the parent instead of its base row."""
        parent = self.tables.get(fk.parent)
        if parent is None or depth >= MAX_DEPTH:
            return False
        att = self.find_row(parent, keep=True, depth=depth + 1)
        if att.outcome != "accepted" or att.stored is None:
            return False
        for fc, rc in zip(fk.columns, fk.refcolumns):
            assign[fc] = att.stored.get(rc)
        return True

    def repair(self, tab: Tab, assign: dict, fixed: dict, frozen: set, fk_of: dict, avoid: dict, err: Err,
               depth: int, refreshed: set) -> bool:  # refreshed: what this find_row already tried
        """Change the row (or what it references) so that `err` goes away; False if nothing can."""
        same_table = err.table == tab.bare and (err.schema in (None, tab.schema))
        if err.sqlstate == "23505" and same_table:
            for c in self.key_columns(tab, err.constraint):
                if c in fixed or c not in tab.cols:
                    continue
                if c in fk_of:
                    if self.fresh_parent(assign, fk_of[c], depth):
                        return True
                    continue
                col = tab.cols[c]
                if col.identity and assign.get(c, DEFAULT) is not DEFAULT:
                    del assign[c]  # let the identity generate a fresh value
                    return True
                if not col.writable or col.identity == "a":
                    continue
                taken = {r[0] for r in self.q(f"SELECT DISTINCT CAST({ident(c)} AS text) FROM {tab.sql} "
                                              f"WHERE {ident(c)} IS NOT NULL")}
                avoid.setdefault(c, set()).update(taken | {assign.get(c, DEFAULT)})
                opts = [o for o in self.options(tab, c, avoid, {c}, False) if o is not DEFAULT]
                if opts:
                    assign[c] = opts[0]
                    return True
            return False
        if err.sqlstate == "23502" and same_table and err.column in tab.cols and err.column not in fixed:
            if assign.get(err.column, DEFAULT) not in (None, DEFAULT):
                return False  # it had a value: a trigger set it to NULL
            opts = [o for o in self.options(tab, err.column, avoid, {err.column}, False) if o is not DEFAULT]
            if opts:
                assign[err.column] = opts[0]
                frozen.add(err.column)
                return True
            return False
        if err.table and not same_table and self.repair_parent(tab, assign, err, refreshed):
            return True
        own = {c.name for c in tab.checks} | {k.name for k in tab.keys} | {f.name for f in tab.fks}
        if err.sqlstate == "23503" or (err.constraint in own and same_table):
            return False
        # rejected by something else, typically a trigger enforcing a per-parent rule: try fresh parents
        for fk in tab.fks:
            if fk.name in refreshed or not fk.columns or not all(c in fk_of and c not in fixed for c in fk.columns):
                continue
            refreshed.add(fk.name)
            if self.fresh_parent(assign, fk, depth):
                return True
        return False

    def repair_parent(self, tab: Tab, assign: dict, err: Err, tried: set) -> bool:
        """A trigger of this row changed a parent row, which broke the parent's CHECK: give the
        referenced parent row other values for that CHECK's columns (kept: later attempts see them)."""
        parent = next((t for t in self.tables.values() if t.bare == err.table
                       and err.schema in (None, t.schema)), None)
        if parent is None or parent.base_row is None:
            return False
        chk = next((c for c in parent.checks if c.name == err.constraint), None)
        if chk is None:
            return False
        fks = [fk for fk in tab.fks if fk.parent == parent.name and all(assign.get(c) is not None for c in fk.columns)]
        if not fks:
            return False
        fk = fks[0]
        where = " AND ".join(f"{ident(rc)} = {_lit(assign[c])}" for c, rc in zip(fk.columns, fk.refcolumns))
        for col in chk.columns:
            pc = parent.cols[col]
            if not pc.writable or pc.identity == "a":
                continue
            for v in pc.candidates[::-1]:
                key = (parent.name, where, col, v)
                if key in tried:
                    continue
                tried.add(key)
                _, e = self.tryq(f"UPDATE {parent.sql} SET {ident(col)} = {_lit(v)} WHERE {where}")
                if e is None:
                    return True
        return False

    # --- proving ---------------------------------------------------------------------------

    def add(self, kind: str, name: str, table: str | None, status: str, detail: str, origin: str | None = None,
            sqlstate: str | None = None, accepted: dict | None = None, rejected: dict | None = None,
            triggers_off: bool = False) -> None:
        tab = self.tables.get(table or "")
        if tab is not None and kind in NAMED_CONSTRAINTS and name not in tab.db_names:
            status = "failed"
            detail = f"{name} is declared in the specs but the database has no constraint or index of that name; " \
                     + detail
        self.results.append(ConstraintResult(kind, name, table, status, detail, origin, sqlstate,  # type: ignore[arg-type]
                                             {k: _show(v) for k, v in accepted.items()} if accepted else None,
                                             {k: _show(v) for k, v in rejected.items()} if rejected else None,
                                             triggers_off))

    def judge(self, tab: Tab, attempt: Callable[[], Attempt], violates: Callable[[Attempt], bool | None]) \
            -> tuple[str, str, Attempt]:
        """Run `attempt` (which expects a rejection) with the table's triggers on, then, if a trigger
        pre-empted the constraint, once more with them off. Returns status, how, last attempt."""
        with self.savepoint():
            first = attempt()
        if first.expected:
            return "proved", "", first
        if first.outcome == "accepted" and violates(first):
            return "failed", "the database accepted and stored it", first
        if first.outcome == "unsat":
            return "unproved", first.reason, first
        on = self.describe(first, tab)
        if not tab.triggers:
            return "unproved", on, first
        with self.savepoint():
            self.q(f"ALTER TABLE {tab.sql} DISABLE TRIGGER USER")
            second = attempt()
        second.triggers_off = True
        if second.expected:
            return "proved", f"with the table's triggers disabled (with them: {on})", second
        if second.outcome == "accepted" and violates(second):
            return "failed", f"accepted and stored with the table's triggers disabled (with them: {on})", second
        return "unproved", f"{on}; with the table's triggers disabled: {self.describe(second, tab)}", second

    @staticmethod
    def describe(a: Attempt, tab: Tab | None = None) -> str:
        if a.outcome == "accepted":
            before = ", ".join(tab.before_insert) if tab and tab.before_insert else ""
            by = f"BEFORE INSERT trigger {before}" if before else "a trigger"
            return f"accepted, but {by} changed the values before they were stored"
        if a.outcome == "unsat":
            return a.reason
        e = a.error
        assert e is not None
        who = f" by {e.constraint}" if e.constraint else ""
        return f"rejected{who} instead: {e.text()}" + (f" [{a.reason}]" if a.reason else "")

    def expect(self, sqlstate: str | tuple, constraint: str | None = None, column: str | None = None) \
            -> Callable[[Err], bool]:
        states = (sqlstate,) if isinstance(sqlstate, str) else sqlstate

        def ok(e: Err) -> bool:
            return e.sqlstate in states and (constraint is None or e.constraint == constraint) and \
                (column is None or e.column == column)
        return ok

    def no_base(self, tab: Tab, kind: str, name: str, origin: str | None) -> bool:
        if tab.base_row is None:
            self.add(kind, name, tab.name, "unproved", f"{NO_ROW}: {tab.base_reason}", origin)
            return True
        return False

    def prove_check(self, tab: Tab, chk: Check) -> None:
        if self.gone(tab, "check", chk.name, chk.missing, chk.origin) or \
                self.no_base(tab, "check", chk.name, chk.origin):
            return
        if not chk.columns:
            self.add("check", chk.name, tab.name, "unproved", "the expression reads no column", chk.origin)
            return
        with self.savepoint():
            acc = self.find_row(tab, nonnull={c for c in chk.columns if tab.cols[c].writable})
        accepted_row = acc.stored if acc.outcome == "accepted" else tab.base_row
        start = dict(tab.base_assign or {})
        mut = self.solve(tab, start, set(), want_false=chk.name)
        if mut is None:
            tried = ", ".join(f"{len(self.options(tab, c, {}, set(), True))} values of {c}" for c in chk.columns)
            self.add("check", chk.name, tab.name, "unproved",
                     f"no candidate row makes it false while the other checks hold (tried {tried})", chk.origin,
                     accepted={c: accepted_row.get(c) for c in chk.columns} if accepted_row else None)
            return
        fixed = {c: mut.get(c, DEFAULT if tab.cols[c].default is not None else None)
                 for c in chk.columns if tab.cols[c].writable}

        def attempt() -> Attempt:
            return self.find_row(tab, fixed=fixed, want_false=chk.name,
                                           expect=self.expect("23514", chk.name))

        def violates(a: Attempt) -> bool:
            row = {c: a.stored.get(c) for c in tab.cols if tab.cols[c].writable} if a.stored else {}
            res = self.eval(tab, [row], [chk.expr])[0] if row else None
            return bool(res) and res[0] is False

        status, how, last = self.judge(tab, attempt, violates)
        self.finish("check", chk.name, tab, status, how, last, chk.origin,
                    accepted={c: accepted_row.get(c) for c in chk.columns} if accepted_row else None,
                    rejected=fixed)

    def finish(self, kind: str, name: str, tab: Tab, status: str, how: str, last: Attempt, origin: str | None,
               accepted: dict | None, rejected: dict | None, extra: str = "", proved: str = "") -> None:
        if status == "proved":
            e = last.error
            assert e is not None
            detail = proved or ((f"accepted {_values(accepted)}; " if accepted else "accepted a valid row; ") +
                                f"rejected {_values(rejected)}")
            detail += f" ({e.sqlstate} {e.constraint or e.column or ''}".rstrip() + ")" + (f" {how}" if how else "")
        elif status == "failed":
            detail = f"a row violating it was not rejected: {_values(rejected)}; {how}"
        else:
            detail = how
        if extra:
            detail += f"; {extra}"
        self.add(kind, name, tab.name, status, detail, origin, last.error.sqlstate if last.error else None,
                 accepted, rejected, last.triggers_off)

    def prove_not_null(self, tab: Tab, col: Col) -> None:
        name = f"{tab.name}.{col.name}"
        origin = _origin((tab.spec.columns.get(col.name) or tab.spec).origin)
        if col.generated:
            self.add("not null", name, tab.name, "unproved", "generated column: the database computes it", origin)
            return
        if self.no_base(tab, "not null", name, origin):
            return

        def attempt() -> Attempt:
            return self.find_row(tab, fixed={col.name: None}, expect=self.expect("23502", column=col.name))

        status, how, last = self.judge(tab, attempt, lambda a: bool(a.stored) and a.stored.get(col.name) is None)
        if status == "proved":
            detail = "NULL rejected (23502)" + (f" {how}" if how else "")
            self.add("not null", name, tab.name, status, detail, origin, "23502", None, {col.name: None},
                     last.triggers_off)
        else:
            self.finish("not null", name, tab, status, how, last, origin, None, {col.name: None})

    def prove_type(self, tab: Tab, col: Col) -> None:
        spec_col = tab.spec.columns.get(col.name)
        declared = type_info(spec_col.type) if spec_col is not None else col.type
        bad = out_of_range(declared) if col.type.kind == "base" else None
        if bad is None or col.generated or tab.base_row is None:
            return
        name = f"{tab.name}.{col.name}"
        origin = _origin((tab.spec.columns.get(col.name) or tab.spec).origin)
        states = ("22001", "22003")
        with self.savepoint():
            a = self.find_row(tab, nonnull={col.name}, override={col.name: bad}, expect=self.expect(states))
        shown = bad if len(bad) <= 24 else f"{len(bad)} characters"
        if a.outcome == "rejected" and a.error and a.error.sqlstate in states:
            self.add("type", name, tab.name, "proved", f"{declared.name}: {shown} rejected ({a.error.sqlstate})",
                     origin, a.error.sqlstate, None, {col.name: bad})
        elif a.outcome == "accepted":
            self.add("type", name, tab.name, "failed", f"{declared.name}: {shown} was accepted (the database "
                     f"has {col.type.name})", origin, None, None, {col.name: bad})
        else:
            self.add("type", name, tab.name, "unproved", f"{declared.name}: {self.describe(a, tab)}", origin)

    def gone(self, tab: Tab, kind: str, name: str, columns: list[str], origin: str | None) -> bool:
        missing = [c for c in columns if c not in tab.cols]
        if missing:
            self.add(kind, name, tab.name, "failed", f"column {', '.join(missing)} is not in the database", origin)
        return bool(missing)

    def prove_key(self, tab: Tab, key: Key) -> None:
        if self.gone(tab, key.kind, key.name, key.columns, key.origin) or \
                self.no_base(tab, key.kind, key.name, key.origin):
            return
        if not key.columns:
            self.add(key.kind, key.name, tab.name, "unproved", "its expressions read no column", key.origin)
            return
        extra = (key.where,) if key.where else ()
        copy = list(dict.fromkeys(key.columns + ([c for c in expr_facts(key.where).columns if c in tab.cols]
                                                 if key.where else [])))
        for c in list(copy):  # a generated column is duplicated through the columns it is computed from
            if tab.cols[c].generated:
                copy += [x for x in expr_facts(tab.cols[c].generated).columns if x in tab.cols and x not in copy]
        copy = [c for c in copy if tab.cols[c].writable]
        settable = {c for c in key.columns if tab.cols[c].writable}

        def attempt_with(nulls: set[str], expect_reject: bool) -> Callable[[], Attempt]:
            def attempt() -> Attempt:
                first = self.find_row(tab, fixed={c: None for c in nulls}, nonnull=settable - nulls,
                                      keep=True, extra=extra)
                if first.outcome != "accepted" or first.stored is None:
                    first.outcome, first.reason = "unsat", f"no first row: {self.describe(first)}"
                    return first
                dup = {c: first.stored.get(c) for c in copy}
                second = self.find_row(tab, fixed=dup, extra=extra, expect=self.expect("23505", key.name))
                second.first = first.stored
                return second
            return attempt

        def violates(a: Attempt) -> bool:
            if not a.stored or not a.first:
                return False
            same = all(a.stored.get(c) == a.first.get(c) for c in key.columns)
            nulls = any(a.stored.get(c) is None for c in key.columns)
            return same and (not nulls or key.nulls_not_distinct)

        status, how, last = self.judge(tab, attempt_with(set(), True), violates)
        implied = next((k for k in tab.keys if k is not key and not k.where and last.error is not None
                        and last.error.constraint == k.name and set(k.columns) <= set(key.columns)), None)
        if status == "unproved" and implied is not None:
            # every duplicate of this key duplicates `implied` too, which PostgreSQL checks first: test
            # this key with the other one dropped (rolled back afterwards)
            drop = f"ALTER TABLE {tab.sql} DROP CONSTRAINT {ident(implied.name)} CASCADE" \
                if implied.kind != "unique index" else f"DROP INDEX {qname(tab.schema + '.' + implied.name)} CASCADE"
            with self.savepoint():
                _, err = self.tryq(drop)
                if err is None:
                    status, how2, last2 = self.judge(tab, attempt_with(set(), True), violates)
                    if status == "proved":
                        last = last2
                        how = f"with {implied.name} dropped for the test: it implies this key and is checked first" + \
                              (f", {how2}" if how2 else "")
                    else:
                        status, how = "unproved", f"implied by {implied.name}; with it dropped: {how2}"
        accepted = {c: last.first.get(c) for c in key.columns} if last.first else None
        rejected = {c: last.assign.get(c) for c in copy} if last.assign else None
        extra_note = ""
        nullable = {c for c in key.columns if not tab.cols[c].notnull and tab.cols[c].writable}
        if status == "proved" and nullable and key.kind != "primary key":
            cols = ", ".join(sorted(nullable))
            if key.nulls_not_distinct:
                s2, how2, _ = self.judge(tab, attempt_with(nullable, True), violates)
                if s2 == "proved":
                    extra_note = f"also with {cols} NULL (NULLS NOT DISTINCT)"
                else:
                    status, how = s2, f"duplicate with {cols} NULL: {how2 or 'not rejected'}"
            else:
                with self.savepoint():
                    a = attempt_with(nullable, False)()
                if a.outcome == "accepted":
                    extra_note = f"two rows with {cols} NULL both accepted (NULLs distinct)"
                elif a.outcome == "rejected" and a.error and a.error.constraint == key.name:
                    status, how = "failed", (f"two rows with {cols} NULL rejected: the database treats NULLs as "
                                             "equal but the specs do not say nulls_not_distinct")
        self.finish(key.kind, key.name, tab, status, how, last, key.origin, accepted, rejected, extra_note,
                    proved=f"accepted a row with {_values(accepted)}, rejected a second one with the same values")

    def prove_fk(self, tab: Tab, fk: FKey) -> None:
        if self.gone(tab, "foreign key", fk.name, fk.columns, fk.origin) or \
                self.no_base(tab, "foreign key", fk.name, fk.origin):
            return
        parent = self.tables.get(fk.parent)
        if parent is None or parent.base_row is None:
            why = parent.base_reason if parent else "the table is not in the specs or not in the database"
            self.add("foreign key", fk.name, tab.name, "unproved", f"no row in {fk.parent}: {why}", fk.origin)
            return
        missing_ref = [c for c in fk.refcolumns if c not in parent.cols]
        if missing_ref:
            self.add("foreign key", fk.name, tab.name, "failed",
                     f"{fk.parent} has no column {', '.join(missing_ref)} in the database", fk.origin)
            return
        with self.savepoint():
            acc = self.find_row(tab, nonnull=set(fk.columns))
        others = {c for f in tab.fks if f is not fk for c in f.columns}
        col = next((c for c in fk.columns if c not in others), fk.columns[0])
        ref = fk.refcolumns[fk.columns.index(col)]
        values = {c: parent.base_row.get(rc) for c, rc in zip(fk.columns, fk.refcolumns)}
        pcol = parent.cols.get(ref)
        pool = (pcol.candidates if pcol else []) + uuids(self.seed + 1)
        pool = self.valid_literals(tab.cols[col].type, [v for v in pool if v != values[col]])
        missing = None
        cond = " AND ".join(f"{ident(rc)} = CAST(%s AS {parent.cols[rc].type.name})" for rc in fk.refcolumns)
        for v in pool:
            trial = {**values, col: v}
            rows, _ = self.tryq(f"SELECT EXISTS (SELECT 1 FROM {parent.sql} WHERE {cond})",
                                  tuple(trial[c] for c in fk.columns))
            if rows is not None and not rows[0][0]:
                missing = trial
                break
        if missing is None:
            self.add("foreign key", fk.name, tab.name, "unproved", f"found no value of {col} absent from {fk.parent}",
                     fk.origin)
            return

        def attempt() -> Attempt:
            return self.find_row(tab, fixed=missing, expect=self.expect("23503", fk.name))

        def violates(a: Attempt) -> bool:
            if not a.stored or any(a.stored.get(c) is None for c in fk.columns):
                return False
            rows, _ = self.tryq(f"SELECT EXISTS (SELECT 1 FROM {parent.sql} WHERE {cond})",
                                tuple(a.stored.get(c) for c in fk.columns))
            return rows is not None and not rows[0][0]

        status, how, last = self.judge(tab, attempt, violates)
        accepted = {c: acc.stored.get(c) for c in fk.columns} if acc.outcome == "accepted" and acc.stored else None
        if accepted is None and status == "proved":
            status, how = "unproved", (f"the missing parent was rejected, but no row referencing {fk.parent} "
                                       f"was accepted: {self.describe(acc)}")
        self.finish("foreign key", fk.name, tab, status, how, last, fk.origin, accepted, missing,
                    proved=f"accepted {_values(accepted)} (a row of {fk.parent}); rejected {_values(missing)} "
                           f"(not in {fk.parent})")

    def prove_on_delete(self, tab: Tab, fk: FKey) -> None:
        """Delete a referenced row: the referencing row must go (cascade), lose its reference (set null,
        set default) or the delete must be refused (restrict, no action)."""
        parent = self.tables.get(fk.parent)
        action = fk.on_delete
        if parent is None or parent.base_row is None or tab.base_row is None or \
                any(c not in tab.cols for c in fk.columns) or any(c not in parent.cols for c in fk.refcolumns):
            return  # the foreign key's own result says why
        pk = primary_key(tab.spec)
        if not pk:
            self.add("on delete", fk.name, tab.name, "unproved", f"{action}: {tab.name} has no primary key to find "
                     "the referencing row again", fk.origin)
            return

        def attempt() -> tuple[str, str, Err | None]:
            p2 = self.find_row(parent, keep=True)
            if p2.outcome != "accepted" or p2.stored is None:
                return "unproved", f"no second row of {fk.parent}: {self.describe(p2, parent)}", None
            ref = {c: p2.stored.get(rc) for c, rc in zip(fk.columns, fk.refcolumns)}
            child = self.find_row(tab, fixed=ref, keep=True)
            if child.outcome != "accepted" or child.stored is None:
                return "other", f"no row referencing a second {fk.parent} row: {self.describe(child, tab)}", None
            if any(child.stored.get(c) != v for c, v in ref.items()):
                return "other", f"a trigger changed the reference to {_values({c: child.stored.get(c) for c in ref})}", \
                    None
            where = " AND ".join(f"{ident(rc)} = {_lit(ref[c])}" for c, rc in zip(fk.columns, fk.refcolumns))
            _, err = self.tryq(f"DELETE FROM {parent.sql} WHERE {where}")
            find = " AND ".join(f"{ident(c)} = {_lit(child.stored[c])}" for c in pk)
            rows = self.q(f"SELECT {', '.join(f'CAST({ident(c)} AS text)' for c in fk.columns)} FROM {tab.sql} "
                          f"WHERE {find}")
            after = dict(zip(fk.columns, rows[0])) if rows else None
            refused = err is not None and err.sqlstate == "23503" and err.constraint == fk.name
            if action in ("restrict", "no action"):
                if refused:
                    return "proved", f"deleting the referenced row was refused (23503 {fk.name})", err
                if err is None:
                    return "failed", f"deleting the referenced row succeeded (the row {'stayed' if after else 'went'})", \
                        None
            elif err is None:
                want = {c: None for c in fk.columns} if action == "set null" else \
                    {c: tab.defaults.get(c) for c in fk.columns} if action == "set default" else None
                if after == want:
                    did = "deleted the row" if want is None else f"set {_values(after)}"
                    return "proved", f"deleting the referenced row {did}", None
                return "failed", f"deleting the referenced row left {_values(after) if after else 'no row'}", None
            return "other", f"deleting the referenced row: {err.text() if err else ''}", err

        with self.savepoint():
            status, detail, err = attempt()
        off = False
        if status == "other":
            with self.savepoint():
                self.q(f"ALTER TABLE {tab.sql} DISABLE TRIGGER USER")
                if parent is not tab:
                    self.q(f"ALTER TABLE {parent.sql} DISABLE TRIGGER USER")
                status2, detail2, err = attempt()
            off = True
            if status2 in ("proved", "failed"):
                status, detail = status2, f"{detail2} with the tables' triggers disabled (with them: {detail})"
            else:
                status, detail = "unproved", f"{detail}; with the tables' triggers disabled: {detail2}"
        self.add("on delete", fk.name, tab.name, status, f"{action}: {detail}", fk.origin,
                 err.sqlstate if err else None, triggers_off=off)

    def prove_enum(self, name: str) -> None:
        spec = self.project.enums[name]
        origin = _origin(spec.origin)
        rows = self.q("SELECT enumlabel FROM pg_enum WHERE enumtypid = to_regtype(%s) ORDER BY enumsortorder",
                      (qname(name),))
        labels = [r[0] for r in rows]
        if labels != list(spec.values):
            self.add("enum", name, None, "failed", f"the database has {labels}, the specs say {list(spec.values)}",
                     origin)
            return
        bad = "pgdecl_not_a_value"
        while bad in labels:
            bad += "_"
        t = qname(name)
        _, err = self.tryq("SELECT " + ", ".join(f"CAST({_lit(v)} AS {t})" for v in labels))
        _, err2 = self.tryq(f"SELECT CAST({_lit(bad)} AS {t})")
        if err is None and err2 is not None and err2.sqlstate == "22P02":
            self.add("enum", name, None, "proved", f"its {len(labels)} values accepted, {bad!r} rejected (22P02)",
                     origin, "22P02", None, {"value": bad})
        elif err2 is None:
            self.add("enum", name, None, "failed", f"{bad!r} was accepted", origin)
        else:
            self.add("enum", name, None, "unproved", f"{err.text() if err else err2.text()}", origin)

    def prove_domain(self, name: str) -> None:
        spec = self.project.domains[name]
        origin = _origin(spec.origin)
        t = qname(name)
        rows = self.q("SELECT to_regtype(%s)::oid", (t,))
        if not rows or rows[0][0] is None:
            self.add("domain check", name, None, "failed", "the domain is not in the database", origin)
            return
        info = self.typeinfo(rows[0][0], -1)
        base = info.element or type_info(spec.type)
        checks = sorted(spec.checks.items())
        derived = [v for _, e in checks for v in expr_facts(e, self.seed).literals.get("value", [])]
        cands = self.valid_literals(base, derived + type_candidates(base, self.seed))
        exprs = [e for _, e in checks]
        results: list[list | None] = []
        if exprs and cands:
            vals = ", ".join(f"({i}, CAST({_lit(v)} AS {base.name}))" for i, v in enumerate(cands))
            res, _ = self.tryq(f"SELECT i, {', '.join(f'({e})' for e in exprs)} FROM (VALUES {vals}) AS v(i, value) "
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
                self.add("domain check", cname, None, "unproved", f"domain {name}: {why}", origin)
                continue
            _, ok = self.tryq(f"SELECT CAST({_lit(valid)} AS {t})")
            _, e = self.tryq(f"SELECT CAST({_lit(bad)} AS {t})")
            if ok is None and e is not None and e.sqlstate == "23514" and e.constraint == cname:
                self.add("domain check", cname, None, "proved",
                         f"domain {name}: {valid!r} accepted, {bad!r} rejected (23514 {cname})", origin, "23514",
                         {"value": valid}, {"value": bad})
            elif e is None:
                self.add("domain check", cname, None, "failed", f"domain {name}: {bad!r} was accepted", origin,
                         rejected={"value": bad})
            else:
                self.add("domain check", cname, None, "unproved",
                         f"domain {name}: {(ok or e).text()}", origin)
        if not spec.nullable:
            _, e = self.tryq(f"SELECT CAST(NULL AS {t})")
            status = "proved" if e is not None and e.sqlstate == "23502" else "failed" if e is None else "unproved"
            detail = "NULL rejected (23502)" if status == "proved" else "NULL was accepted" if e is None else e.text()
            self.add("domain not null", name, None, status, f"domain {name}: {detail}", origin,
                     e.sqlstate if e else None)

    # --- the run -------------------------------------------------------------------------------

    def run(self) -> list[TableResult]:
        self.q("SET CONSTRAINTS ALL IMMEDIATE")
        for name in sorted(self.project.enums):
            self.prove_enum(name)
        for name in sorted(self.project.domains):
            self.prove_domain(name)
        self.load_tables()
        ordered = self.order()
        for tab in ordered:
            for fk in tab.fks:  # parents' base rows are known now (self-references: after this row)
                parent = self.tables.get(fk.parent)
                if parent is not None and parent.base_row is not None:
                    for c, rc in zip(fk.columns, fk.refcolumns):
                        v = parent.base_row.get(rc)
                        if v is not None and c in tab.cols and v not in tab.cols[c].fk_values:
                            tab.cols[c].fk_values.append(v)
            att = self.find_row(tab, keep=True)
            if att.outcome == "accepted":
                tab.base_assign, tab.base_row = att.assign, att.stored
                for fk in tab.fks:
                    if fk.parent == tab.name:
                        for c, rc in zip(fk.columns, fk.refcolumns):
                            if c in tab.cols and att.stored and att.stored.get(rc) is not None:
                                tab.cols[c].fk_values.append(att.stored[rc])
            else:
                tab.base_reason = att.reason or self.describe(att)
        for tab in ordered:
            for key in tab.keys:
                self.prove_key(tab, key)
            for fk in tab.fks:
                self.prove_fk(tab, fk)
                self.prove_on_delete(tab, fk)
            for chk in tab.checks:
                self.prove_check(tab, chk)
            for col in tab.cols.values():
                if col.notnull:
                    self.prove_not_null(tab, col)
            for col in tab.cols.values():
                if col.type.kind == "base" and col.name in tab.spec.columns:
                    self.prove_type(tab, col)
        return [TableResult(t.name, t.base_row is not None,
                            {k: _show(v) for k, v in t.base_row.items()} if t.base_row else None, t.base_reason)
                for t in ordered]


def _check(name: str, expr: str, origin: object, cols: dict[str, Col], spec: Table) -> Check:
    read = expr_facts(expr).columns
    return Check(name, expr, [c for c in read if c in cols], _origin(origin),
                 [c for c in read if c in spec.columns and c not in cols])


def _values(values: dict | None) -> str:
    def one(v: object) -> str:
        s = _show(v)
        if s is None:
            return "NULL"
        return repr(s) if len(s) <= 40 else repr(s[:37] + "...")
    return ", ".join(f"{k}={one(v)}" for k, v in (values or {}).items())


def run_on(db: Database, project: Project, seed: int = 0, project_name: str = "", server: str = "") -> TestReport:
    """Prove the project's constraints on `db`, a database that already holds its schema (and nothing else
    of value: rows are inserted and rolled back)."""
    start = time.monotonic()
    with connect(db, autocommit=True) as conn:
        conn.execute("SET statement_timeout = '30s'")
        runner = _Runner(conn, project, seed)
        try:
            with conn.transaction() as tx:
                tables = runner.run()
                raise psycopg.Rollback(tx)
        except psycopg.Error as e:
            raise PgdeclError(f"pgdecl test: the scratch database failed: {Err.of(e).text()}") from None
    return TestReport(project_name, server or db.display, seed, tuple(tables), tuple(runner.results),
                      round(time.monotonic() - start, 2), runner.statements)


def run_tests(project_dir: str | Path = "schema", dev_url: str | None = None, seed: int = 0,
              server: LocalServer | None = None) -> TestReport:  # type: ignore[name-defined] # noqa: F821
    """Load the specs into a scratch database (the local server, or `dev_url`'s server) and prove
    each of their constraints there. The scratch database is dropped afterwards."""
    from ..plan import desired_from_specs
    from ..scratch import drop_roles, load, scratch_database, sweep
    from ..server import LocalServer

    desired = desired_from_specs(project_dir)
    if dev_url:
        admin = Database(dev_url)
    else:
        admin = Database((server or LocalServer()).ensure_running(), local=True)
        sweep(admin)
    created: set[str] = set()
    try:
        with scratch_database(admin) as scratch:
            created |= load(scratch, desired.rendered)
            return run_on(scratch, desired.project, seed, str(project_dir), admin.display)
    finally:
        drop_roles(admin, created)  # roles are cluster-wide: leave none behind


__all__ = ["run_on", "run_tests"]
