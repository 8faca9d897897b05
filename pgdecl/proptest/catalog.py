"""The tables of the specs as the scratch database has them: columns typed by the catalog, the CHECKs,
keys and foreign keys the specs declare, the database's own constraint, index and trigger names, and the
candidate values of every column. Also the order the tables are filled in (parents first)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..model import Table, split_name
from ..render import foreign_keys, indexes, primary_key, qname, uniques
from .model import ORDERING, Check, Col, FKey, Key, Tab, origin_of
from .values import array_of, expr_facts, type_candidates

if TYPE_CHECKING:
    from .verdicts import Prover


def load_tables(r: Prover) -> None:
    """Fill `r.tables` from the specs and the catalog; tables and columns the database lacks are
    reported failed."""
    for name, spec in r.project.tables.items():
        pk = primary_key(spec)
        cols = _columns(r, name, spec, pk)
        if cols is None:
            r.add("table", name, name, "failed", "declared in the specs but not in the database",
                  origin_of(spec.origin))
            continue
        bare = split_name(name)[1]
        checks = [_check(cn, e, spec.origin, cols, spec) for cn, e in sorted(spec.checks.items())]
        checks += [_check(f"{bare}_{cn}_check"[:63], c.check or "", c.origin or spec.origin, cols, spec)
                   for cn, c in spec.columns.items() if c.check]
        tab = Tab(name, spec, cols, checks, _keys(name, spec, cols, pk), _fkeys(r, name, spec))
        _catalog_names(r, tab)
        for col in cols.values():
            _candidates(r, tab, col)
        r.tables[name] = tab
        for cname, sc in spec.columns.items():
            if cname not in cols:
                r.add("column", f"{name}.{cname}", name, "failed", "declared in the specs but not in the "
                      "database", origin_of(sc.origin or spec.origin))


def _columns(r: Prover, name: str, spec: Table, pk: list[str]) -> dict[str, Col] | None:
    """The table's columns in the database (None: no such table)."""
    rows = r.q(
        "SELECT a.attname, a.atttypid, a.atttypmod, pg_get_expr(d.adbin, d.adrelid), a.attgenerated, "
        "a.attidentity FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid "
        "AND d.adnum = a.attnum WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped "
        "ORDER BY a.attnum", (qname(name),))
    if not rows:
        return None
    cols: dict[str, Col] = {}
    for cname, oid, typmod, expr, generated, identity in rows:
        s = spec.columns.get(cname)
        notnull = cname in pk or (s is not None and not s.nullable)
        cols[cname] = Col(cname, r.typeinfo(oid, typmod), notnull,
                          expr if not generated else None, expr if generated else None, identity or "")
    return cols


def _keys(name: str, spec: Table, cols: dict[str, Col], pk: list[str]) -> list[Key]:
    """The primary key, UNIQUE constraints and unique indexes of the specs."""
    bare = split_name(name)[1]
    keys = []
    if pk:
        keys.append(Key("primary key", f"{bare}_pkey"[:63], list(pk), False, None, origin_of(spec.origin)))
    for u in uniques(name, spec):
        keys.append(Key("unique", u.name or "", list(u.columns), u.nulls_not_distinct, None,
                        origin_of(u.origin or spec.origin)))
    for ix in indexes(name, spec.indexes):
        if ix.unique:
            elements = [ORDERING.sub("", e) for e in ix.columns]
            refs = [c for e in elements for c in ([e] if e in cols else expr_facts(e).columns) if c in cols]
            keys.append(Key("unique index", ix.name or "", list(dict.fromkeys(refs)), ix.nulls_not_distinct,
                            ix.where, origin_of(ix.origin or spec.origin)))
    return keys


def _fkeys(r: Prover, name: str, spec: Table) -> list[FKey]:
    """The foreign keys of the specs, the referenced columns resolved (the parent's primary key)."""
    fks = []
    for fk in foreign_keys(name, spec):
        parent = "{}.{}".format(*split_name(fk.references.table, split_name(name)[0]))
        refcols = list(fk.references.columns) or primary_key(r.project.tables[parent]) \
            if parent in r.project.tables else list(fk.references.columns)
        fks.append(FKey(fk.name or "", list(fk.columns), parent, refcols, origin_of(fk.origin or spec.origin),
                        fk.on_delete))
    return fks


def _catalog_names(r: Prover, tab: Tab) -> None:
    """The constraint and index names the database has for the table, and its user triggers."""
    tab.db_names = {row[0] for row in r.q(
        "SELECT conname FROM pg_constraint WHERE conrelid = to_regclass(%s) UNION ALL "
        "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = to_regclass(%s)", (qname(tab.name), qname(tab.name)))}
    for tg, tgtype in r.q("SELECT tgname, tgtype FROM pg_trigger WHERE tgrelid = to_regclass(%s) "
                          "AND NOT tgisinternal ORDER BY tgname", (qname(tab.name),)):
        tab.triggers.append(tg)
        if tgtype & 7 == 7:  # ROW | BEFORE | INSERT
            tab.before_insert.append(tg)


def _candidates(r: Prover, tab: Tab, c: Col) -> None:
    """The column's default value and its candidate values: those the CHECKs mention first, then the
    type's own; only those the type accepts."""
    checks = tab.checks
    if c.default is not None:
        rows_, _ = r.tryq(f"SELECT CAST(({c.default}) AS text)")
        tab.defaults[c.name] = rows_[0][0] if rows_ else None
    derived = [v for chk in checks if c.name in chk.columns
               for v in expr_facts(chk.expr, r.seed).literals.get(c.name, [])]
    if c.type.kind == "array" and c.type.element is not None:  # arrays of the sizes compared with
        elem = (type_candidates(c.type.element, r.seed) or ["1"])[0]
        derived += [array_of(elem, n) for chk in checks if c.name in chk.columns
                    for n in expr_facts(chk.expr).sizes.get(c.name, [])]
    for chk in checks:  # values of column-free expressions the column is compared with
        for sql in expr_facts(chk.expr).closed.get(c.name, []):
            rows_, _ = r.tryq(f"SELECT CAST(({sql}) AS text)")
            if rows_ and rows_[0][0] is not None:
                derived.append(rows_[0][0])
    c.candidates = r.valid_literals(c.type, derived + type_candidates(c.type, r.seed))


def order(tables: dict[str, Tab]) -> list[Tab]:
    """Parents before children (cycles broken in spec order)."""
    done: list[Tab] = []
    seen: set[str] = set()

    def visit(t: Tab, stack: tuple[str, ...]) -> None:
        if t.name in seen or t.name in stack:
            return
        for fk in t.fks:
            if fk.parent != t.name and fk.parent in tables:
                visit(tables[fk.parent], stack + (t.name,))
        seen.add(t.name)
        done.append(t)

    for t in tables.values():
        visit(t, ())
    return done


def _check(name: str, expr: str, origin: object, cols: dict[str, Col], spec: Table) -> Check:
    read = expr_facts(expr).columns
    return Check(name, expr, [c for c in read if c in cols], origin_of(origin),
                 [c for c in read if c in spec.columns and c not in cols])
