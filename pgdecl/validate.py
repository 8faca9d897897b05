"""Validate: every SQL fragment parses (one expression where one is expected) and references resolve.

All mistakes are collected and raised together as SpecErrors, each naming file, line and object.
"""

from __future__ import annotations

import difflib
import re
from typing import Any, Mapping

import pglast
import pglast.enums
from pglast.parser import ParseError, parse_sql_json, scan, split

from . import citus_spec, partition_spec, sqltree
from .errors import Origin, SpecError, SpecErrors
from .fragments import (STATEMENT_NODES, function_part_problem, parse_expression, parse_index_element, parse_type_name,
                        setting_problem)
from .model import _ROLE_KEYWORDS, Node, Project, Table, View, split_name
from .render import Rendered, foreign_keys, index_element, indexes, primary_key, qualify_in, uniques

BUILTIN_TYPES = frozenset("""
aclitem bit bool boolean box bpchar bytea char character cid cidr circle date datemultirange daterange float4
float8 inet int int2 int4 int8 int4multirange int4range int8multirange int8range integer interval json jsonb
jsonpath line lseg macaddr macaddr8 money name numeric nummultirange numrange oid path point polygon record
refcursor regclass regconfig regdictionary regnamespace regoper regoperator regproc regprocedure regrole regtype
smallint bigint real text tid time timestamp timestamptz timetz trigger tsmultirange tsquery tsrange
tstzmultirange tstzrange tsvector txid_snapshot uuid varbit varchar void xid xid8 xml serial bigserial
smallserial serial4 serial8 serial2 decimal event_trigger anyelement anyarray anynonarray anyenum anyrange
anycompatible cstring internal language_handler
""".split())

EXTENSION_TYPES = {
    "citext": {"citext"}, "hstore": {"hstore"}, "ltree": {"ltree", "lquery", "ltxtquery"}, "cube": {"cube"},
    "isn": {"isbn", "isbn13", "issn", "issn13", "ean13", "upc", "ismn", "ismn13"}, "seg": {"seg"},
    "vector": {"vector", "halfvec", "sparsevec"}, "postgis": {"geometry", "geography", "box2d", "box3d"},
    "pg_trgm": {"gtrgm"}, "uuid-ossp": set(), "pgcrypto": set(), "btree_gin": set(), "btree_gist": set(),
    "unaccent": set(), "pg_stat_statements": set(), "fuzzystrmatch": set(), "tablefunc": set(),
}


def _parse_error(e: ParseError, what: str, text: str) -> str:
    return f"{what} does not parse: {e.args[0]} in {text!r}"


class Validator:
    def __init__(self, project: Project) -> None:
        self.project = project
        self.errors: list[SpecError] = []
        self.known_types = self._known_types()

    def error(self, message: str, origin: Origin | None) -> None:
        self.errors.append(SpecError(message, origin))

    # -- fragments --------------------------------------------------------------------------------

    def expression(self, text: str, what: str, origin: Origin | None) -> tuple[str, ...] | None:
        """Exactly one SQL expression; returns the unqualified column names it refers to."""
        problem, message, refs = parse_expression(text)
        if problem == "parse":
            self.error(f"{what} must be one SQL expression: {message} in {text!r}", origin)
            return None
        if problem == "not one":
            self.error(f"{what} must be exactly one SQL expression, got {text!r}", origin)
            return None
        if problem == "list":
            self.error(f"{what} must be exactly one SQL expression, got a list: {text!r}", origin)
            return None
        return refs

    def type_(self, text: str, what: str, origin: Origin | None) -> list[str] | None:
        """A type name; returns its name parts."""
        names = parse_type_name(text)
        if names is None:
            self.error(f"{what}: {text!r} is not a type", origin)
            return None
        return list(names)

    def check_type(self, text: str, what: str, origin: Origin | None) -> None:
        names = self.type_(text, what, origin)
        if not names or names[0] == "pg_catalog":
            return
        name = ".".join(names)
        qualified = qualify_in(name)
        if names[-1] in BUILTIN_TYPES or qualified in self.known_types or names[-1] in self.known_types:
            return
        if self.unknown_extensions:
            return  # a declared extension we know nothing about may define it
        hint = difflib.get_close_matches(names[-1], [k.split(".")[-1] for k in self.known_types] + sorted(BUILTIN_TYPES), 1)
        self.error(f"{what}: unknown type {name!r}" + (f" (did you mean {hint[0]!r}?)" if hint else ""), origin)

    def _known_types(self) -> set[str]:
        p = self.project
        known = set(p.enums) | set(p.domains) | set(p.tables) | set(p.views)
        self.unknown_extensions = False
        for ext in p.extensions:
            if ext in EXTENSION_TYPES:
                known |= EXTENSION_TYPES[ext]
            else:
                self.unknown_extensions = True
        for raw in p.raw_sql:
            try:
                for stmt in sqltree.parse(raw.sql):
                    s = stmt.stmt
                    if isinstance(s, (pglast.ast.CreateEnumStmt, pglast.ast.CompositeTypeStmt)):
                        names = [n.sval for n in (s.typeName if hasattr(s, "typeName") else s.typevar)] \
                            if isinstance(s, pglast.ast.CreateEnumStmt) else [s.typevar.relname]
                        known.add(qualify_in(".".join(names)))
                    elif isinstance(s, pglast.ast.CreateDomainStmt):
                        known.add(qualify_in(".".join(n.sval for n in s.domainname)))
                    elif isinstance(s, pglast.ast.CreateStmt):
                        known.add(qualify_in(s.relation.relname if not s.relation.schemaname
                                             else f"{s.relation.schemaname}.{s.relation.relname}"))
                    elif isinstance(s, pglast.ast.CreateExtensionStmt) and s.extname not in EXTENSION_TYPES:
                        self.unknown_extensions = True
                    elif isinstance(s, pglast.ast.CreateExtensionStmt):
                        known |= EXTENSION_TYPES[s.extname]
            except ParseError:
                pass  # reported by raw_sql()
        return known

    def columns_in(self, refs: tuple[str, ...], table: Table, what: str, origin: Origin | None) -> None:
        """Every unqualified column reference of an expression (`expression()`) names a column of the table."""
        for name in refs:
            if name not in table.columns and name != "value":
                self.error(f"{what} refers to unknown column {name!r}", origin)

    # -- objects ----------------------------------------------------------------------------------

    def run(self, rendered: Rendered | None = None) -> None:
        p = self.project
        for name, table in p.tables.items():
            self.table(name, table)
        for name, domain in p.domains.items():
            self.check_type(domain.type, f"domain {name}", domain.origin)
            if domain.default is not None:
                self.expression(domain.default, "default", domain.origin)
            for cname, expr in domain.checks.items():
                self.expression(expr, f"check {cname}", domain.origin)
        for name, fn in p.functions.items():
            self.function(name, fn)
        for name, view in p.views.items():
            self.view(name, view)
        for seq in p.sequences.values():
            if seq.owned_by:
                t, _, c = seq.owned_by.rpartition(".")
                owner = p.tables.get(qualify_in(t)) if t else None
                if owner is None or c not in owner.columns:
                    self.error(f"owned_by {seq.owned_by!r} is not a column of a table in the specs", seq.origin)
        for enum in p.enums.values():
            if len(set(enum.values)) != len(enum.values):
                self.error("enum values must be unique", enum.origin)
            if not enum.values:
                self.error("an enum needs at least one value", enum.origin)
        for role in p.roles.values():
            for parent in role.member_of:
                if parent not in p.roles:
                    self.error(f"member_of names role {parent!r}, which is not in the specs"
                               + self._role_hint(parent), role.origin)
        self.role_names()
        for message, origin in citus_spec.problems(p):
            self.error(message, origin)
        for message, origin in partition_spec.problems(p):
            self.error(message, origin)
        self.names()
        self.renamed_from()
        self.raw_sql()
        if rendered is not None:
            self.statements(rendered)
        if self.errors:
            raise SpecErrors(self.errors)

    def _role_hint(self, name: str) -> str:
        same = [r for r in self.project.roles if r.lower() == name.lower() and r != name]
        return f" (role names are case-sensitive: did you mean {same[0]!r}?)" if same else ""

    def role_names(self) -> None:
        """Role names PostgreSQL would truncate (over 63 bytes: apply would create another role and never
        converge), and names in policies, grants and owners that differ from a role of the specs only
        in case (PostgreSQL role names are case-sensitive)."""
        p = self.project
        for name, role in p.roles.items():
            if len(name.encode()) > 63:
                self.error(f"the role name {name!r} is longer than PostgreSQL's 63 bytes", role.origin)
        uses: list[tuple[str, str, Origin | None]] = []
        for kind, objs in (("table", p.tables), ("view", p.views), ("function", p.functions), ("enum", p.enums),
                           ("domain", p.domains), ("sequence", p.sequences), ("schema", p.schemas)):
            for oname, obj in objs.items():
                uses += [(r, f"grants of {kind} {oname}", obj.origin) for r in obj.grants]
                if obj.owner:
                    uses.append((obj.owner, f"owner of {kind} {oname}", obj.origin))
        for _tname, t in p.tables.items():
            for pname, pol in t.policies.items():
                uses += [(r, f"policy {pname} to", pol.origin or t.origin) for r in pol.to]
        for sname, schema in p.schemas.items():
            uses += [(r, f"default_privileges of schema {sname}", schema.origin) for r in schema.default_privileges]
        if p.database is not None:
            uses += [(r, "database grants", p.database.origin) for r in p.database.grants]
        for used, where, origin in uses:
            if len(used.encode()) > 63:
                self.error(f"{where}: the role name {used!r} is longer than PostgreSQL's 63 bytes", origin)
            elif used not in p.roles and used.lower() not in _ROLE_KEYWORDS:
                hint = self._role_hint(used)
                if hint:
                    self.error(f"{where}: role {used!r} is not in the specs{hint}", origin)

    def names(self) -> None:
        """Names PostgreSQL would refuse or silently change: longer than 63 bytes (truncated, so the plan
        never converges), or taken twice in a namespace (relations and types per schema, constraints per
        table), including the names pgdecl gives unnamed constraints and indexes."""
        p = self.project
        relations: dict[str, tuple[str, Origin | None]] = {}
        types: dict[str, tuple[str, Origin | None]] = {}

        def claim(space: dict[str, tuple[str, Origin | None]], key: str, what: str, origin: Origin | None,
                  kind: str) -> bool:
            bare = key.rpartition(".")[2]
            if len(bare.encode()) > 63:
                self.error(f"the name {bare!r} is longer than PostgreSQL's 63 bytes", origin)
            if key in space:
                other, other_origin = space[key]
                at = f" ({other_origin.file}:{other_origin.line})" if other_origin and other_origin.line else ""
                self.error(f"{what}: the {kind} name {bare!r} is already taken by {other}{at}", origin)
                return False
            space[key] = (what, origin)
            return True

        named: tuple[tuple[str, Mapping[str, Node]], ...] = (("table", p.tables), ("view", p.views),
                                                             ("sequence", p.sequences))
        for kind, objs in named:
            for name, node in objs.items():
                claim(relations, qualify_in(name), f"{kind} {name}", node.origin, "relation")
        named = (("table", p.tables), ("view", p.views), ("enum", p.enums), ("domain", p.domains))
        for kind, objs in named:
            for name, node in objs.items():
                claim(types, qualify_in(name), f"{kind} {name}", node.origin, "type")
        relations_of: list[tuple[str, Table | View]] = [*p.tables.items(), *p.views.items()]
        for name, obj in relations_of:
            schema = split_name(name)[0]
            constraints: dict[str, tuple[str, Origin | None]] = {}
            if isinstance(obj, Table):
                bare = split_name(name)[1]
                if primary_key(obj):
                    claim(relations, f"{schema}.{bare}_pkey", "primary key", obj.origin, "index")
                    claim(constraints, f"{bare}_pkey", "primary key", obj.origin, "constraint")
                for u in uniques(name, obj):
                    claim(relations, f"{schema}.{u.name}", f"unique constraint {u.name}", u.origin or obj.origin, "index")
                    claim(constraints, str(u.name), f"unique constraint {u.name}", u.origin or obj.origin, "constraint")
                for cname, col in obj.columns.items():
                    if col.check is not None:
                        claim(constraints, f"{bare}_{cname}_check", f"column {cname} check",
                              col.origin or obj.origin, "constraint")
                for cname in obj.checks:
                    claim(constraints, cname, f"check {cname}", obj.origin, "constraint")
                for fk in foreign_keys(name, obj):
                    claim(constraints, str(fk.name), f"foreign key {fk.name}", fk.origin or obj.origin,
                          "constraint")
            for ix in indexes(name, obj.indexes):
                o = ix.origin or obj.origin
                if claim(relations, f"{schema}.{ix.name}", f"index {ix.name}", o, "relation") \
                        and ix.name in constraints:
                    # schemainspect pairs constraints with indexes by name: the plan would be wrong
                    self.error(f"index {ix.name}: {constraints[str(ix.name)][0]} of table {name} has the same "
                               "name; rename one of them", o)

    def renamed_from(self) -> None:
        """`renamed_from` hints: the old name must not be in the specs too (a renamed object exists
        once), name the same schema (moving is not a rename), and be claimed by one object only."""
        p = self.project
        claimed: dict[str, str] = {}
        for name, t in p.tables.items():
            if t.renamed_from:
                schema = split_name(name)[0]
                old = qualify_in(t.renamed_from, schema)
                if split_name(old)[0] != schema:
                    self.error(f"renamed_from {t.renamed_from!r} is in another schema; pgdecl renames tables "
                               "within their schema only", t.origin)
                elif old == name:
                    self.error("renamed_from names the table itself", t.origin)
                elif old in p.tables:
                    other = p.tables[old].origin
                    at = f" ({other.file}:{other.line})" if other and other.line else ""
                    self.error(f"renamed_from {t.renamed_from!r}: table {old} is also in the specs{at}; "
                               "a renamed table exists under its new name only", t.origin)
                elif old in claimed:
                    self.error(f"renamed_from {t.renamed_from!r}: table {claimed[old]} is renamed from it too", t.origin)
                claimed.setdefault(old, name)
            columns: dict[str, str] = {}
            for cname, col in t.columns.items():
                if not col.renamed_from:
                    continue
                o = col.origin or t.origin
                what = "" if col.origin else f"column {cname}: "
                if col.renamed_from == cname:
                    self.error(f"{what}renamed_from names the column itself", o)
                elif col.renamed_from in t.columns:
                    self.error(f"{what}renamed_from {col.renamed_from!r}: column {col.renamed_from} is also in "
                               f"table {name}; a renamed column exists under its new name only", o)
                elif col.renamed_from in columns:
                    self.error(f"{what}renamed_from {col.renamed_from!r}: column {columns[col.renamed_from]} is "
                               "renamed from it too", o)
                columns.setdefault(col.renamed_from, cname)

    def table(self, name: str, t: Table) -> None:
        """Every check of one table: columns, keys, checks, foreign keys, indexes, triggers, policies.
        Kept whole (~70 lines): a flat run of short checks in the order a table spec is written."""
        p = self.project
        label = f"table {name}"
        partition = t.partition_of is not None and t.bounds is not None  # its columns are its root's
        if partition:  # the parent's columns, for the names the partition's own parts use
            t = t.model_copy(update={"columns": {c: col.model_copy(update={
                "references": None, "unique": False, "check": None, "primary_key": False})
                for c, col in partition_spec.columns_of(p, name).items()}})
        if not t.columns:
            self.error("a table needs at least one column", t.origin)
        for cname, col in () if partition else t.columns.items():
            o = col.origin or t.origin
            if len(cname.encode()) > 63:
                self.error("the column name is longer than PostgreSQL's 63 bytes", o)
            self.check_type(col.type, f"column {cname} type", o)
            for field in ("default", "generated", "check"):
                text = getattr(col, field)
                if text is not None:
                    refs = self.expression(text, f"column {cname} {field}", o)
                    if refs is not None and field != "default":
                        self.columns_in(refs, t, f"column {cname} {field}", o)
            if col.identity and (col.default is not None or col.generated is not None):
                self.error(f"column {cname}: identity cannot be combined with default or generated", o)
            if col.generated is not None and col.default is not None:
                self.error(f"column {cname}: a generated column cannot have a default", o)
            if (col.on_delete or col.on_update) and col.references is None:
                self.error(f"column {cname}: on_delete/on_update need references", o)
        pk = primary_key(t)
        if t.primary_key and any(c.primary_key for c in t.columns.values()):
            self.error("give the primary key either as primary_key: [...] or on columns, not both", t.origin)
        for c in pk:
            if c not in t.columns:
                self.error(f"primary key column {c!r} is not a column of {label}", t.origin)
        for u in uniques(name, t):
            for c in u.columns:
                if c not in t.columns:
                    self.error(f"unique constraint {u.name}: unknown column {c!r}", u.origin or t.origin)
        for cname, expr in t.checks.items():
            refs = self.expression(expr, f"check {cname}", t.origin)
            if refs is not None:
                self.columns_in(refs, t, f"check {cname}", t.origin)
        for fk in foreign_keys(name, t):
            self.foreign_key(name, t, fk)
        for ix in indexes(name, t.indexes):
            self.index(t, ix)
        for tname, trig in t.triggers.items():
            o = trig.origin or t.origin
            fname = qualify_in(trig.function)
            fn = p.functions.get(fname)
            if fn is None and not self._raw_defines_function(fname):
                hint = difflib.get_close_matches(fname, list(p.functions), 1)
                self.error(f"trigger {tname}: function {trig.function!r} is not in the specs"
                           + (f" (did you mean {hint[0]!r}?)" if hint else ""), o)
            elif fn is not None and fn.returns.strip().lower() != "trigger":
                self.error(f"trigger {tname}: function {fname} must return trigger, not {fn.returns}", o)
            bad = [e for e in trig.events if e not in ("insert", "update", "delete", "truncate")]
            if bad or not trig.events:
                self.error(f"trigger {tname}: events must be insert, update, delete or truncate, got {bad or '[]'}", o)
            for c in trig.of:
                if c not in t.columns:
                    self.error(f"trigger {tname}: unknown column {c!r} in of", o)
            if trig.when:
                self.expression(trig.when, f"trigger {tname} when", o)
        for pname, pol in t.policies.items():
            o = pol.origin or t.origin
            for field in ("using", "with_check"):
                text = getattr(pol, field)
                if text is not None:
                    self.expression(text, f"policy {pname} {field}", o)
            if pol.command == "insert" and pol.using:
                self.error(f"policy {pname}: an INSERT policy takes with_check only, not using", o)
            if pol.command == "select" and pol.with_check:
                self.error(f"policy {pname}: a SELECT policy takes using only, not with_check", o)
        if t.policies and not t.rls:
            self.error("policies have no effect unless row-level security is enabled (rls: true)", t.origin)

    def foreign_key(self, name: str, t: Table, fk: Any) -> None:
        o = fk.origin or t.origin
        for c in fk.columns:
            if c not in t.columns:
                self.error(f"foreign key {fk.name}: unknown column {c!r}", o)
        target_name = qualify_in(fk.references.table, split_name(name)[0])
        target = self.project.tables.get(target_name)
        if target is None:
            hint = difflib.get_close_matches(target_name, list(self.project.tables), 1)
            self.error(f"foreign key {fk.name} references unknown table {fk.references.table!r}"
                       + (f" (did you mean {hint[0]!r}?)" if hint else ""), o)
            return
        cols = list(fk.references.columns) or primary_key(target)
        if not cols:
            self.error(f"foreign key {fk.name}: {target_name} has no primary key; name the referenced columns", o)
            return
        for c in cols:
            if c not in target.columns:
                self.error(f"foreign key {fk.name} references unknown column {target_name}.{c}", o)
        if len(cols) != len(fk.columns):
            self.error(f"foreign key {fk.name}: {len(fk.columns)} columns reference {len(cols)}", o)
        keys = [primary_key(target)] + [u.columns for u in uniques(target_name, target)] + \
            [ix.columns for ix in target.indexes if ix.unique and not ix.where]
        if all(c in target.columns for c in cols) and not any(sorted(k) == sorted(cols) for k in keys):
            self.error(f"foreign key {fk.name}: {target_name}({', '.join(cols)}) is not a primary key or unique", o)
        for action in (fk.on_delete, fk.on_update):
            pk = primary_key(t)
            if action == "set null" and any(not t.columns[c].nullable or c in pk for c in fk.columns if c in t.columns):
                self.error(f"foreign key {fk.name}: ON ... SET NULL on a column that cannot be null "
                           "(NOT NULL or in the primary key)", o)

    def index(self, t: Table | None, ix: Any) -> None:
        o = ix.origin or (t.origin if t else None)
        for elem in ix.columns:
            if t is not None and elem in t.columns:
                continue
            problem, column, refs = parse_index_element(index_element(elem, t.columns if t else ()))
            if problem is not None:
                self.error(f"index {ix.name}: {elem!r} is not one index column or expression ({problem})", o)
                continue
            if t is not None:
                if column and column not in t.columns:
                    self.error(f"index {ix.name}: unknown column {column!r}", o)
                elif refs is not None:
                    self.columns_in(refs, t, f"index {ix.name}", o)
        for c in ix.include:
            if t is not None and c not in t.columns:
                self.error(f"index {ix.name}: unknown include column {c!r}", o)
        if ix.where:
            refs = self.expression(ix.where, f"index {ix.name} where", o)
            if refs is not None and t is not None:
                self.columns_in(refs, t, f"index {ix.name} where", o)
        if ix.unique and ix.using not in ("btree",):
            self.error(f"index {ix.name}: only btree indexes can be unique", o)

    def function(self, name: str, fn: Any) -> None:
        o = fn.origin
        for part in ("args", "returns"):
            problem = function_part_problem(part, getattr(fn, part))
            if problem is not None:
                self.error(f"function {part} {getattr(fn, part)!r:.120} is not a "
                           f"{'parameter list' if part == 'args' else 'return type'}: {problem}", o)
                return
        for setting, value in fn.set.items():
            problem = setting_problem(setting, value)
            if problem is not None:
                self.error(f"function set {setting}: {value!r:.120} is not one setting: {problem}", o)
                return
        self.check_type(fn.returns.removeprefix("setof ").removeprefix("SETOF "), "function returns", o) \
            if not fn.returns.lower().startswith("table") else None
        lang = fn.language.lower()
        if lang == "plpgsql":
            from .render import dollar, qname
            sql = f"CREATE FUNCTION {qname(name)}({fn.args}) RETURNS {fn.returns} LANGUAGE plpgsql AS {dollar(fn.body)}"
            try:
                pglast.parse_plpgsql(sql)
            except ParseError as e:
                self.error(_parse_error(e, "function body", fn.body.strip()[:80]), o)
            except Exception as e:  # pglast raises plain errors for some plpgsql failures
                self.error(f"function body does not parse: {e}", o)
        elif lang == "sql":
            try:
                pglast.parse_sql(fn.body)
            except ParseError as e:
                self.error(_parse_error(e, "function body", fn.body.strip()[:80]), o)

    def view(self, name: str, view: Any) -> None:
        try:
            scan(view.query)  # an unterminated quote or comment would run into the statements after it
            stmts = sqltree.parse(view.query)
        except ParseError as e:
            self.error(f"view query does not parse: {e.args[0]}", view.origin)
            return
        if len(stmts) != 1 or not isinstance(stmts[0].stmt, pglast.ast.SelectStmt):
            self.error("view query must be exactly one SELECT", view.origin)
        if view.indexes and not view.materialized:
            self.error("only materialized views have indexes", view.origin)
        for ix in indexes(name, view.indexes):
            self.index(None, ix)

    def raw_sql(self) -> None:
        for raw in self.project.raw_sql:
            try:
                sqltree.parse(raw.sql)
            except ParseError as e:
                pos = e.args[1] if len(e.args) > 1 and isinstance(e.args[1], int) else 0
                line = raw.sql[:pos].count("\n") + 1
                self.error(f"SQL does not parse: {e.args[0]}", Origin(raw.path, line, "sql file"))

    def _raw_defines_function(self, qualified: str) -> bool:
        for raw in self.project.raw_sql:
            try:
                for stmt in sqltree.parse(raw.sql):
                    s = stmt.stmt
                    if isinstance(s, pglast.ast.CreateFunctionStmt):
                        if qualify_in(".".join(n.sval for n in s.funcname)) == qualified:
                            return True
            except ParseError:
                continue
        return False

    def statements(self, rendered: Rendered) -> None:
        self.errors += statement_errors(rendered)


def statement_errors(rendered: Rendered, shared: bool = True) -> list[SpecError]:
    """Each rendered statement is exactly one statement: no fragment smuggled in a second one. With
    `shared`, each statement's kind is read through sqltree (remembered for the plan that follows);
    without, from one parse into libpg_query's JSON text (`pgdecl validate`, whose process ends here)."""
    errors = []
    for ddl in rendered.statements:
        if ddl.kind == "sql":
            continue
        tree = None
        try:  # libpg_query's parser: the same parse, without building pglast's objects
            if shared:
                n = len(split(ddl.sql, with_parser=True, only_slices=True))
            else:
                tree = parse_sql_json(ddl.sql)
                n = tree.count(_RAW_STMT)
        except ParseError as e:
            errors.append(SpecError(f"{ddl.kind} {ddl.name} renders to SQL that does not parse: {e.args[0]}",
                                    ddl.origin))
            continue
        if n != 1:
            errors.append(SpecError(f"{ddl.kind} {ddl.name} renders to {n} statements; a fragment contains SQL of "
                                    "its own", ddl.origin))
            continue
        node = (sqltree.kind(ddl.sql) if tree is None else _kind(tree, ddl.sql)) or "?"
        if node not in STATEMENT_NODES.get(ddl.kind, (node,)):
            errors.append(SpecError(f"{ddl.kind} {ddl.name} renders to a {node}; a fragment contains SQL of its own",
                                    ddl.origin))
    return errors


# The node of a one-statement parse, where libpg_query's JSON names it
_FIRST_NODE = re.compile(sqltree.JSON_HEAD)
# Each statement of libpg_query's JSON is a RawStmt {"stmt":{...}}, the only node with a field `stmt` (and
# RawStmts are only the top-level list's); no string holds it, as a string's quotes are written \".
_RAW_STMT = '{"stmt":'


def _kind(tree: str, sql: str) -> str | None:
    """sqltree.kind without decoding the whole JSON tree (most of its time) and without remembering it,
    for a statement the parser has found to be one statement (`tree`, its JSON text)."""
    m = _FIRST_NODE.match(tree)
    return m.group(1) if m else sqltree.kind(sql)


def validate(project: Project, rendered: Rendered | None = None) -> None:
    """Raise SpecErrors listing every mistake in the project's specs (and, given `rendered`, its DDL)."""
    Validator(project).run(rendered)


def validate_rendered(rendered: Rendered, shared: bool = True) -> None:
    """Raise SpecErrors when a rendered statement is not exactly the one statement its kind renders: the
    check that needs the DDL, for a project `validate` has already passed (the model is not checked again).
    `shared`: see statement_errors."""
    errors = statement_errors(rendered) if shared else statement_errors(rendered, shared=False)
    if errors:
        raise SpecErrors(errors)
