"""The catalog as the importer sees it: units, their dependencies, what goes raw."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

import psycopg

from .. import citus
from ..attoptions import user_attoptions
from .constants import INDEX_METHODS, ImportFailed
from .names import _odd_name, qualified, quote_ident
from .sqltext import parse_index
from .acl import AclEntry
from .result import RawItem
from .partitions import mark_trees as mark_partition_trees
from .queries import ACL_SQL, AGGREGATES_SQL, COLLATIONS_SQL, COLUMNS_SQL, COLUMN_ACL_SQL, CONSTRAINTS_SQL, DEFAULT_ACL_SQL, DEPENDS_SQL, EVENT_TRIGGERS_SQL, EXTENSIONS_SQL, EXTENSION_USERS_SQL, FUNCTIONS_SQL, INDEXES_SQL, POLICIES_SQL, RELATIONS_SQL, RULES_SQL, SCHEMAS_SQL, STATISTICS_SQL, TRIGGERS_SQL, TYPES_SQL, UNCOVERED_SQL


# -- the catalog, as the importer sees it ------------------------------------------------------------------

@dataclass
class Unit:
    """One thing that is written either as YAML or as raw SQL. Parts (columns' defaults, constraints,
    indexes, triggers, policies) can go raw on their own; a raw table takes all its parts with it."""

    key: tuple[str, int]
    kind: str                 # human kind: table, view, function, check constraint, ...
    name: str                 # schema.name or schema.table.part, for messages
    phase: int                # order among raw statements when no dependency decides
    parent: tuple[str, int] | None = None
    raw: str | None = None    # reason when raw
    data: dict[str, Any] = field(default_factory=dict)
    sql: list[str] = field(default_factory=list)   # statements made while reading (table properties)


class Importer:
    def __init__(self, conn: psycopg.Connection, schemas: Iterable[str] = ()) -> None:
        self.conn = conn
        self.wanted = list(schemas)
        self.units: dict[tuple[str, int], Unit] = {}
        self.deps: dict[tuple[str, int], set[tuple[str, int]]] = {}
        self.skipped: list[RawItem] = []
        self.notes: list[str] = []

    # -- reading ---------------------------------------------------------------------------------------

    def q(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        return self.conn.execute(sql, params).fetchall()

    def read(self) -> None:
        c = self.conn
        c.execute("SET search_path = public")
        c.execute("SET intervalstyle = postgres")
        self.server_version = c.info.server_version
        self.current_user = c.execute("SELECT current_user").fetchone()[0]  # type: ignore[index]
        all_schemas = self.q(SCHEMAS_SQL)
        known = {r[1] for r in all_schemas}
        missing = [s for s in self.wanted if s not in known]
        if missing:
            raise ImportFailed(f"no such schema in the database: {', '.join(missing)}")
        self.schema_rows = [r for r in all_schemas if not self.wanted or r[1] in self.wanted]
        self.schemas = [r[1] for r in self.schema_rows]
        p = {"schemas": self.schemas}
        self.extensions = [e for e in self.q(EXTENSIONS_SQL) if e[1] not in citus.CITUS_EXTENSIONS]
        self.citus = citus.read_live(c)[0] if citus.installed(c) else {}  # distributed and reference tables
        self.ext_users = {r[0] for r in self.q(EXTENSION_USERS_SQL)}
        self.types = {r[0]: r for r in self.q(TYPES_SQL, **p)}
        self.rels = {r[0]: r for r in self.q(RELATIONS_SQL, **p)}
        rels = list(self.rels)
        self.columns: dict[int, list[tuple[Any, ...]]] = {}
        for r in self.q(COLUMNS_SQL, rels=rels):
            self.columns.setdefault(r[0], []).append(r)
        domain_oids = [o for o, t in self.types.items() if t[3] == "d"]
        self.constraints = self.q(CONSTRAINTS_SQL, rels=rels, types=domain_oids)
        self.indexes = self.q(INDEXES_SQL, rels=rels)
        self.triggers = self.q(TRIGGERS_SQL, rels=rels)
        self.policies = self.q(POLICIES_SQL, rels=rels)
        self.functions = {r[0]: r for r in self.q(FUNCTIONS_SQL, **p)}
        aggs = [o for o, f in self.functions.items() if f[3] == "a"]
        self.aggregates = {r[0]: r for r in self.q(AGGREGATES_SQL, fns=aggs)} if aggs else {}
        self.collations = self.q(COLLATIONS_SQL, **p)
        self.rules = self.q(RULES_SQL, rels=rels)
        self.statistics = self.q(STATISTICS_SQL, **p)
        self.event_triggers = [r for r in self.q(EVENT_TRIGGERS_SQL) if r[6] in self.schemas]
        nsps = [r[0] for r in self.schema_rows]
        self.acl: dict[int, dict[str, list[AclEntry]]] = {}
        for oid, src, grantee, priv, grantable in self.q(ACL_SQL, rels=rels, fns=list(self.functions),
                                                          types=list(self.types), nsps=nsps):
            self.acl.setdefault(oid, {"have": [], "default": [], "late": []})[src].append(AclEntry(grantee, priv, grantable))
        self.column_acl = self.q(COLUMN_ACL_SQL, rels=rels)
        self.default_acl = self.q(DEFAULT_ACL_SQL, **p)
        self.depends = self.q(DEPENDS_SQL)
        for kind, sql in UNCOVERED_SQL.items():
            for (name,) in self.q(sql, **p):
                self.skipped.append(RawItem(kind, name, "not covered by the spec format or the importer; "
                                                        "recreate it in a .sql file of the project by hand"))

    # -- helpers -----------------------------------------------------------------------------------------

    def rel_name(self, oid: int) -> str:
        r = self.rels[oid]
        return f"{r[1]}.{r[2]}"

    def rel_sql(self, oid: int) -> str:
        r = self.rels[oid]
        return qualified(r[1], r[2])

    def col_names(self, rel: int, nums: Iterable[int]) -> list[str]:
        by_num = {c[1]: c[2] for c in self.columns.get(rel, [])}
        return [by_num[n] for n in nums]

    def unit(self, key: tuple[str, int], kind: str, name: str, phase: int, parent: tuple[str, int] | None = None,
             **data: Any) -> Unit:
        u = Unit(key, kind, name, phase, parent, data=data)
        self.units[key] = u
        return u

    def make_raw(self, key: tuple[str, int], reason: str) -> bool:
        u = self.units.get(key)
        if u is None or u.raw is not None:
            return False
        u.raw = reason
        return True

    def yaml_table(self, oid: int) -> bool:
        u = self.units.get(("rel", oid))
        return u is not None and u.raw is None and u.kind == "table"

    # -- units -------------------------------------------------------------------------------------------

    def build(self) -> None:
        self._collations()
        self._types()
        self._functions()
        self._relations()
        self._constraints()
        self._indexes()
        self._triggers()
        mark_partition_trees(self)  # after the parts of every table are units
        self._policies()
        self._rules()
        self._statistics()
        self._event_triggers()
        self._kinds()
        self._dependencies()
        self.propagate()

    def _collations(self) -> None:
        for oid, schema, name, info, comment in self.collations:
            self.unit(("coll", oid), "collation", f"{schema}.{name}", 0, info=info, schema=schema, bare=name,
                      comment=comment)
            self.make_raw(("coll", oid), "the spec format has no collations")

    def _types(self) -> None:
        arrays = {t[6] for t in self.types.values() if t[6]}
        for oid, t in self.types.items():
            (_, schema, name, typtype, typrelid, _elem, _arr, _base, _basefmt, _nn, _default, collated, _comment,
             _owner, _labels, relkind) = t
            if oid in arrays or typtype == "m" or (typtype == "c" and relkind != "c"):
                continue  # array, multirange and relation row types come with their owners
            kind = {"e": "enum", "d": "domain", "c": "composite type", "r": "range type", "b": "base type",
                    "p": "pseudo type"}.get(typtype, "type")
            u = self.unit(("type", oid), kind, f"{schema}.{name}", 1, row=t)
            if typtype == "b" or typtype == "p":
                u.raw = "skip"
                self.skipped.append(RawItem(kind, u.name, "a base type needs C input/output functions; "
                                                          "recreate it by hand"))
            elif typtype in ("c", "r"):
                u.raw = f"the spec format has no {kind}s"
            elif typtype == "d" and collated:
                u.raw = "a domain with its own collation"
            elif _odd_name(schema) or _odd_name(name):
                u.raw = "a name with a dot or a double quote"

    def _functions(self) -> None:
        for oid, f in self.functions.items():
            (_, schema, name, prokind, lang, _args, _ident, _result, _src, probin, _vol, _strict, _secdef, _par,
             _config, _cost, _rows, _leak, _retset, support, sqlbody, _comment, _owner, overloads, _fdef) = f
            kind = {"f": "function", "p": "procedure", "a": "aggregate", "w": "window function"}[prokind]
            u = self.unit(("fn", oid), kind, f"{schema}.{name}({f[6]})", 2, row=f)
            if prokind != "f":
                u.raw = f"the spec format has no {kind}s"
            elif overloads > 1:
                u.raw = "overloaded name (the spec format keys functions by name)"
            elif lang in ("c", "internal") or probin:
                u.raw = f"a {lang} function"
            elif sqlbody:
                u.raw = "a SQL-standard body (BEGIN ATOMIC / RETURN)"
            elif support:
                u.raw = "a planner support function"
            elif _odd_name(schema) or _odd_name(name):
                u.raw = "a name with a dot or a double quote"
            elif lang == "plpgsql" and not _plpgsql_parses(f):
                u.raw = "pglast cannot parse its PL/pgSQL body"
            if prokind == "a" and oid in self.aggregates:
                agg = self.aggregates[oid]
                if agg[1] != "n" or agg[10] or agg[11] or agg[9] or agg[12] not in ("r",):
                    u.raw = "skip"
                    self.skipped.append(RawItem("aggregate", u.name, "ordered-set, moving or serialising "
                                                                    "aggregates are not imported"))

    def _relations(self) -> None:
        for oid, r in self.rels.items():
            (_, schema, name, relkind, persistence, reloptions, _rls, _force, replident, ispartition, typed, am,
             tablespace, _comment, _owner, _viewdef, _bound, _partkey, parents, _populated, _oftype) = r
            if relkind == "S":
                self.unit(("rel", oid), "sequence", f"{schema}.{name}", 3, row=r)
                continue
            if relkind in ("v", "m"):
                kind = "view" if relkind == "v" else "materialized view"
                u = self.unit(("rel", oid), kind, f"{schema}.{name}", 9, row=r)
                opts = dict(o.split("=", 1) for o in reloptions or [])
                extra = set(opts) - {"security_invoker", "security_barrier"}
                if extra:
                    u.raw = f"view option(s) {', '.join(sorted(extra))}"
                elif relkind == "m" and reloptions:
                    u.raw = "storage parameters of a materialized view"
                elif _odd_name(schema) or _odd_name(name):
                    u.raw = "a name with a dot or a double quote"
                if tablespace:
                    self.notes.append(f"{kind} {u.name} lives in a tablespace; tablespaces are not imported")
                continue
            if relkind == "f":  # written with its server by the foreign kind (_kinds)
                u = self.unit(("rel", oid), "foreign table", f"{schema}.{name}", 4, row=r)
                u.raw = "skip"
                continue
            u = self.unit(("rel", oid), "table", f"{schema}.{name}", 4, row=r)
            cols = self.columns.get(oid, [])
            if parents and not ispartition:
                u.raw = "an inheritance child (the spec format has no INHERITS)"
            elif typed:
                u.raw = "a typed table (OF type)"
            elif am and am != "heap":
                u.raw = f"table access method {am}"
            elif not cols:
                u.raw = "a table without columns (the spec format needs at least one)"
            elif _odd_name(schema) or _odd_name(name):
                u.raw = "a name with a dot or a double quote"
            elif any(c[11] and c[12] not in ("pg_catalog", "public") for c in cols):
                u.raw = "a column collation outside pg_catalog and public"
            if tablespace:
                self.notes.append(f"table {u.name} lives in a tablespace; tablespaces are not imported")
            # table-level properties the spec format lacks, written as ALTER TABLE after the table
            extras = _table_properties(persistence, reloptions, replident, cols)
            if extras:
                x = self.unit(("tx", oid), "table properties", u.name, 5, parent=u.key)
                x.raw = "storage, persistence or replica identity settings"
                x.sql = [f"ALTER TABLE {self.rel_sql(oid)} {e}" for e in extras]
            # column defaults: a part of their own, so one can go raw while the table stays YAML
            for c in cols:
                if c[8] is not None and not c[6]:
                    self.unit(("def", c[8]), "column default", f"{u.name}.{c[2]}", 5, parent=u.key, column=c)

    def _constraints(self) -> None:
        for row in self.constraints:
            (oid, name, contype, conrelid, contypid, _conkey, _confkey, _confrelid, _upd, _del, match, deferrable,
             _deferred, validated, islocal, noinherit, _indid, parentid, definition, _comment, delsetcols) = row
            if contypid:  # a domain constraint belongs to its domain
                dom = self.units.get(("type", contypid))
                if dom is not None and dom.raw is None:
                    if contype != "c":
                        continue
                    if not validated:
                        dom.raw = "a domain constraint NOT VALID"
                continue
            if conrelid not in self.rels or contype == "n":
                continue
            if parentid or not islocal:
                continue  # made by the parent's constraint / inherited
            if contype == "t":
                continue  # a constraint trigger's own row: its CREATE CONSTRAINT TRIGGER (a trigger unit) makes it
            kind = {"p": "primary key", "u": "unique constraint", "c": "check constraint", "f": "foreign key",
                    "x": "exclusion constraint", "t": "constraint trigger"}.get(contype, "constraint")
            phase = 7 if contype == "f" else 6
            u = self.unit(("con", oid), kind, f"{self.rel_name(conrelid)}.{name}", phase, parent=("rel", conrelid),
                          row=row)
            bare = self.rels[conrelid][2]
            if contype == "x":
                u.raw = "the spec format has no exclusion constraints"
            elif not validated:
                u.raw = "NOT VALID"
            elif contype == "c" and noinherit:
                u.raw = "NO INHERIT"
            elif contype == "p":
                cols = self.col_names(conrelid, row[5])
                if name != f"{bare}_pkey"[:63]:
                    u.raw = f"primary key named {name} (pgdecl names it {bare}_pkey)"
                elif definition != f"PRIMARY KEY ({', '.join(map(quote_ident, cols))})":
                    u.raw = "primary key with index options or DEFERRABLE"
            elif contype == "u":
                cols = self.col_names(conrelid, row[5])
                plain = f"UNIQUE ({', '.join(map(quote_ident, cols))})"
                nnd = f"UNIQUE NULLS NOT DISTINCT ({', '.join(map(quote_ident, cols))})"
                if definition not in (plain, nnd):
                    u.raw = "unique constraint with index options or DEFERRABLE"
            elif contype == "f":
                if _confrelid not in self.rels:
                    u.raw = "references a table outside the imported schemas"
                elif match == "f" or match == "p":
                    u.raw = "MATCH FULL / MATCH PARTIAL"
                elif delsetcols:
                    u.raw = "ON DELETE SET NULL/DEFAULT with a column list"
            if (deferrable and contype in ("p", "u")) and u.raw is None:
                u.raw = "DEFERRABLE"

    def _indexes(self) -> None:
        for row in self.indexes:
            (oid, rel, name, _idef, _unique, _nnd, _nkey, _indkey, am, _pred, reloptions, tablespace, _comment,
             valid, constraint, _parent, _relkind, clustered) = row
            owner = self.units.get(("rel", rel))
            if owner is None or rel not in self.rels:
                continue
            if clustered:  # ALTER TABLE ... CLUSTER ON, after the index
                c = self.unit(("clu", oid), "clustering", f"{owner.name} on {name}", 12, parent=owner.key,
                              owner_kind=owner.kind, index=name, table=self.rel_sql(rel))
                c.raw = "the spec format has no CLUSTER ON"
            if constraint:
                continue
            u = self.unit(("idx", oid), "index", f"{owner.name}.{name}", 8, parent=owner.key, row=row)
            if not valid:
                u.raw = "skip"
                self.skipped.append(RawItem("index", u.name, "an invalid index (a failed CREATE INDEX "
                                                             "CONCURRENTLY); rebuild or drop it"))
            elif am not in INDEX_METHODS:
                u.raw = f"index method {am}"
            elif reloptions:
                u.raw = "index storage parameters"
            elif _parent:
                u.raw = "an index of a partition, attached to its parent's index"
            elif parse_index(row[3]) is None:
                u.raw = "an index definition the importer cannot take apart"
            if tablespace:
                self.notes.append(f"index {u.name} lives in a tablespace; tablespaces are not imported")

    def _triggers(self) -> None:
        for row in self.triggers:
            (oid, rel, name, _tgtype, enabled, isconstraint, _nargs, _args, _attr, transition, cloned, _tdef,
             fn, _fname, _fschema, _comment, _qual) = row
            if cloned or rel not in self.rels:
                continue
            owner = self.units[("rel", rel)]
            u = self.unit(("trg", oid), "trigger", f"{owner.name}.{name}", 10, parent=owner.key, row=row)
            if owner.kind != "table":
                u.raw = f"a trigger on a {owner.kind} (the spec format has triggers on tables only)"
            elif isconstraint:
                u.raw = "a constraint trigger"
            elif transition:
                u.raw = "REFERENCING transition tables"
            elif fn not in self.functions:
                u.raw = "its function is outside the imported schemas"
            elif enabled != "O":
                u.raw = "a disabled or replica-mode trigger"

    def _policies(self) -> None:
        for row in self.policies:
            oid, rel, name, _cmd, _perm, roles, _qual, _check, _comment = row
            if rel not in self.rels:
                continue
            owner = self.units[("rel", rel)]
            u = self.unit(("pol", oid), "policy", f"{owner.name}.{name}", 11, parent=owner.key, row=row)
            if any(r != r.lower() for r in roles):
                u.raw = "a role name with capitals (the spec format lower-cases policy roles)"

    def _rules(self) -> None:
        for row in self.rules:
            oid, rel, name, definition, comment = row
            owner = self.units.get(("rel", rel))
            if owner is None:
                continue
            u = self.unit(("rule", oid), "rule", f"{owner.name}.{name}", 10, parent=owner.key, row=row)
            u.raw = "the spec format has no rules"

    def _statistics(self) -> None:
        for row in self.statistics:
            oid, schema, name, definition, comment = row
            u = self.unit(("stat", oid), "statistics", f"{schema}.{name}", 12, row=row)
            u.raw = "the spec format has no extended statistics"

    def _event_triggers(self) -> None:
        for row in self.event_triggers:
            u = self.unit(("evt", row[0]), "event trigger", row[1], 12, row=row)
            u.raw = "the spec format has no event triggers"

    def _kinds(self) -> None:
        """Kinds the plan engine compares that the spec format has no keys for (pgdecl.importer.engine_kinds)."""
        from .engine_kinds import raw_kinds

        raw_kinds(self)

    # -- dependencies ------------------------------------------------------------------------------------

    # catalog -> the unit kinds its objects can be, in order, and the map of objects folded into another unit
    _UNITS: dict[str, tuple[tuple[str, ...], str | None]] = {
        "pg_class": (("rel", "idx"), "index_constraint"),
        "pg_proc": (("fn",), None),
        "pg_constraint": (("con",), "domain_constraint"),
        "pg_attrdef": (("def",), "generated_default"),
        "pg_trigger": (("trg",), None),
        "pg_policy": (("pol",), None),
        "pg_rewrite": (("rule",), "view_rule"),
        "pg_collation": (("coll",), None),
        "pg_statistic_ext": (("stat",), None),
    }

    def _unit_of(self, catalog: str, oid: int, sub: int) -> tuple[str, int] | None:
        if catalog == "pg_type":
            if ("type", oid) in self.units:
                return ("type", oid)
            t = self.types.get(oid)
            if t is None:
                return None
            if t[4]:
                return ("rel", t[4]) if ("rel", t[4]) in self.units else None
            return self._unit_of("pg_type", t[5], 0) if t[5] else None
        kinds, folded = self._UNITS.get(catalog, ((), None))
        for kind in kinds:
            if (kind, oid) in self.units:
                return (kind, oid)
        return self._folded[folded].get(oid) if folded else None

    def _dependencies(self) -> None:
        self.index_constraint = {row[16]: ("con", row[0]) for row in self.constraints
                                 if ("con", row[0]) in self.units and row[2] in ("p", "u", "x")}
        self.domain_constraint = {row[0]: ("type", row[4]) for row in self.constraints
                                  if row[4] and ("type", row[4]) in self.units}
        self.generated_default = {c[8]: ("rel", c[0]) for cols in self.columns.values() for c in cols
                                  if c[8] is not None and c[6]}
        self.view_rule = {}
        for oid, rel, *_ in self.q("SELECT oid, ev_class FROM pg_rewrite WHERE rulename = '_RETURN' "
                                   "AND ev_class = ANY(%(rels)s)", rels=list(self.rels)):
            self.view_rule[oid] = ("rel", rel)
        self._folded: dict[str, dict[int, tuple[str, int]]] = {
            "index_constraint": self.index_constraint, "domain_constraint": self.domain_constraint,
            "generated_default": self.generated_default, "view_rule": self.view_rule}
        self.owned_by: dict[int, tuple[int, int]] = {}
        self.identity_seq: dict[int, tuple[int, int]] = {}
        for cls, objid, _sub, refcls, refobjid, refsub, deptype in self.depends:
            if cls == "pg_class" and refcls == "pg_class" and ("rel", objid) in self.units \
                    and self.units[("rel", objid)].kind == "sequence" and refsub:
                if deptype == "a":
                    self.owned_by[objid] = (refobjid, refsub)
                    continue
                if deptype == "i":
                    self.identity_seq[objid] = (refobjid, refsub)
                    continue
            if deptype == "i":
                continue
            uk = self._unit_of(cls, objid, _sub)
            rk = self._unit_of(refcls, refobjid, refsub)
            if uk is None or rk is None or uk == rk:
                continue
            if deptype in ("P", "S") and uk[0] == "idx" and rk[0] == "idx":
                # a partition's index is made first; the parent's CREATE INDEX then attaches it
                self.deps.setdefault(rk, set()).add(uk)
                continue
            self.deps.setdefault(uk, set()).add(rk)
        # a part depends on its table
        for key, part in self.units.items():
            if part.parent is not None:
                self.deps.setdefault(key, set()).add(part.parent)
        # identity sequences are part of their table
        for seq in self.identity_seq:
            self.units.pop(("rel", seq), None)
        # pgdecl renders domains before functions and a function before the views: a domain check
        # calling a function of the specs, or a function typed by a view, cannot be YAML
        for key, ds in self.deps.items():
            u = self.units.get(key)
            if u is None or u.raw is not None:
                continue
            if u.kind == "domain" and any(d[0] == "fn" for d in ds):
                u.raw = "a domain whose check calls a function (pgdecl creates domains before functions)"
            if u.key[0] == "fn" and any(self.units.get(d) is not None and self.units[d].kind in
                                        ("view", "materialized view") for d in ds):
                u.raw = "its signature uses a view's row type (pgdecl creates views after functions)"

    def propagate(self) -> None:
        """Whatever depends on a raw object goes raw too: raw SQL is loaded after the YAML objects."""
        changed = True
        while changed:
            changed = False
            for key, u in sorted(self.units.items()):
                if u.raw is not None:
                    continue
                parent = self.units.get(u.parent) if u.parent else None
                if parent is not None and parent.raw is not None:
                    u.raw = f"part of {parent.kind} {parent.name}, which is raw SQL"
                    changed = True
                    continue
                for d in sorted(self.deps.get(key, ())):
                    dep = self.units.get(d)
                    if dep is None or dep.raw is None or d == u.parent:
                        continue
                    if dep.raw == "skip":
                        continue
                    if dep.parent == key:  # the table's own raw part (e.g. an index) does not force the table
                        continue
                    u.raw = f"depends on {dep.kind} {dep.name}, which is raw SQL"
                    changed = True
                    break
                else:
                    if key[0] == "con" and self._fk_target_raw(u):
                        changed = True

    def _fk_target_raw(self, u: Unit) -> bool:
        row = u.data["row"]
        if row[2] != "f":
            return False
        target = self.units.get(("rel", row[7]))
        if target is not None and target.raw is not None:
            u.raw = f"references {target.kind} {target.name}, which is raw SQL"
            return True
        return False



def _plpgsql_parses(f: tuple[Any, ...]) -> bool:
    import pglast
    from pglast.parser import ParseError

    from ..render import dollar, qname

    sql = f"CREATE FUNCTION {qname(f[1] + '.' + f[2])}({f[5]}) RETURNS {f[7]} LANGUAGE plpgsql AS {dollar(f[8])}"
    try:
        pglast.parse_plpgsql(sql)
    except (ParseError, Exception):
        return False
    return True


def _table_properties(persistence: str, reloptions: list[str] | None, replident: str,
                      cols: list[tuple[Any, ...]]) -> list[str]:
    """What ALTER TABLE must set after the table: persistence, storage parameters, replica identity and the
    columns' storage, statistics, compression and options."""
    extras: list[str] = []
    if persistence == "u":
        extras.append("SET UNLOGGED")
    if reloptions:
        extras.append(f"SET ({', '.join(reloptions)})")
    if replident in ("f", "n"):
        extras.append("REPLICA IDENTITY " + ("FULL" if replident == "f" else "NOTHING"))
    for c in cols:
        col = quote_ident(c[2])
        if c[14]:
            extras.append(f"ALTER COLUMN {col} SET STORAGE "
                          + {"p": "PLAIN", "e": "EXTERNAL", "m": "MAIN", "x": "EXTENDED"}[c[15]])
        if c[16] is not None and c[16] >= 0:
            extras.append(f"ALTER COLUMN {col} SET STATISTICS {c[16]}")
        if c[17]:
            extras.append(f"ALTER COLUMN {col} SET COMPRESSION " + {"p": "pglz", "l": "lz4"}.get(c[17], c[17]))
        options = user_attoptions(c[18])
        if options:
            extras.append(f"ALTER COLUMN {col} SET ({', '.join(options)})")
    return extras
