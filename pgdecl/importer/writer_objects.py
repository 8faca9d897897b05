"""Writing collations, types, functions, sequences and views."""

from __future__ import annotations

from typing import Any


from .names import literal, public_relative, qualified, quote_ident, short_type
from .sqltext import _check_expr, _truthy
from .acl import sequence_defaults, setting_value
from .result import RawItem
from .reader import Unit
from .writer_tables import TableWriter


class ObjectWriter(TableWriter):
    """Collations, types, functions, aggregates, sequences, views."""

    # collations
    def _coll(self, u: Unit, per_schema: dict[str, dict[str, Any]]) -> None:
        info = u.data["info"]
        provider = {"i": "icu", "c": "libc", "d": "libc"}.get(info.get("collprovider"), "libc")
        opts = [f"provider = {provider}"]
        if provider == "icu":
            opts.append(f"locale = {literal(info.get('colliculocale') or info.get('colllocale') or '')}")
        else:
            opts.append(f"lc_collate = {literal(info.get('collcollate') or '')}")
            opts.append(f"lc_ctype = {literal(info.get('collctype') or '')}")
        if not info.get("collisdeterministic", True):
            opts.append("deterministic = false")
        target = qualified(u.data["schema"], u.data["bare"])
        self.raw(u, f"CREATE COLLATION {target} ({', '.join(opts)})")
        self.comment(f"COLLATION {target}", u.data["comment"])
        self.note_raw(u)

    # types
    def _type(self, u: Unit, per_schema: dict[str, dict[str, Any]]) -> None:
        """An enum or a domain as YAML, or any type as raw SQL. Kept whole (~65 lines): one branch per kind of
        type, each short, reading the same row."""
        t = u.data["row"]
        oid, schema, name, typtype = t[0], t[1], t[2], t[3]
        target = qualified(schema, name)
        if typtype in ("e", "d"):
            self.grants(oid, f"TYPE {target}", False)
        if u.raw is None and typtype == "e":
            value: Any = list(t[14]) if t[12] is None else {"values": list(t[14]), "comment": t[12]}
            self._put(per_schema, schema, "enums", name, value)
            return
        if u.raw is None and typtype == "d":
            d: dict[str, Any] = {"type": short_type(t[8])}
            if t[9]:
                d["nullable"] = False
            if t[10] is not None:
                d["default"] = t[10]
            checks = {row[1]: _check_expr(row[18]) for row in self.imp.constraints
                      if row[4] == oid and row[2] == "c"}
            if checks:
                d["checks"] = dict(sorted(checks.items()))
            if t[12] is not None:
                d["comment"] = t[12]
            self._put(per_schema, schema, "domains", name, d)
            for row in self.imp.constraints:
                if row[4] == oid and row[19] is not None:
                    self.comment(f"CONSTRAINT {quote_ident(row[1])} ON DOMAIN {target}", row[19])
            return
        self.note_raw(u)
        if typtype == "e":
            self.raw(u, f"CREATE TYPE {target} AS ENUM ({', '.join(literal(v) for v in t[14])})")
        elif typtype == "d":
            parts = [f"CREATE DOMAIN {target} AS {t[8]}"]
            if oid in self.domain_collation and t[11]:
                parts.append(f"COLLATE {self.domain_collation[oid]}")
            if t[10] is not None:
                parts.append(f"DEFAULT {t[10]}")
            if t[9]:
                parts.append("NOT NULL")
            for row in self.imp.constraints:
                if row[4] == oid and row[2] == "c":
                    parts.append(f"CONSTRAINT {quote_ident(row[1])} {row[18]}")
            self.raw(u, " ".join(parts))
            for row in self.imp.constraints:
                if row[4] == oid and row[19] is not None:
                    self.comment(f"CONSTRAINT {quote_ident(row[1])} ON DOMAIN {target}", row[19])
        elif typtype == "c":
            cols = ", ".join(f"{quote_ident(n)} {typ}" + (f" COLLATE {coll}" if coll else "")
                             for n, typ, coll in self.composite_columns.get(oid, []))
            self.raw(u, f"CREATE TYPE {target} AS ({cols})")
        elif typtype == "r":
            sub, opc, coll, canonical, diff, multi = self.ranges[oid]
            opts = [f"SUBTYPE = {sub}"]
            if opc:
                opts.append(f"SUBTYPE_OPCLASS = {opc}")
            if coll:
                opts.append(f"COLLATION = {coll}")
            if canonical:
                opts.append(f"CANONICAL = {canonical}")
            if diff:
                opts.append(f"SUBTYPE_DIFF = {diff}")
            if multi:
                opts.append(f"MULTIRANGE_TYPE_NAME = {multi}")
            self.raw(u, f"CREATE TYPE {target} AS RANGE ({', '.join(opts)})")
        kind = "DOMAIN" if typtype == "d" else "TYPE"
        self.comment(f"{kind} {target}", t[12])

    # functions
    def _fn(self, u: Unit, per_schema: dict[str, dict[str, Any]]) -> None:
        f = u.data["row"]
        (oid, schema, name, prokind, lang, args, ident_args, result, src, _probin, vol, strict, secdef, parallel,
         config, cost, rows, leak, retset, _support, _sqlbody, comment, _owner, _n, fdef) = f
        word = "PROCEDURE" if prokind == "p" else "FUNCTION"
        target = f"{qualified(schema, name)}({ident_args})"
        grants = self.grants(oid, f"{word} {target}", u.raw is None, u.raw is not None)
        extras = []
        default_cost = 1 if lang in ("c", "internal") else 100
        if cost != default_cost and prokind != "a":
            extras.append(f"COST {cost:g}")
        if retset and rows != 1000:
            extras.append(f"ROWS {rows:g}")
        if leak:
            extras.append("LEAKPROOF")
        if u.raw is None:
            fn: dict[str, Any] = {}
            if args:
                fn["args"] = args
            fn["returns"] = result
            fn["language"] = lang
            if vol != "v":
                fn["volatility"] = {"s": "stable", "i": "immutable"}[vol]
            if strict:
                fn["strict"] = True
            if secdef:
                fn["security_definer"] = True
            if parallel != "u":
                fn["parallel"] = {"s": "safe", "r": "restricted"}[parallel]
            if config:
                fn["set"] = {k: setting_value(k, v) for k, v in (c.split("=", 1) for c in config)}
            fn["body"] = src
            if grants:
                fn["grants"] = grants
            if comment is not None:
                fn["comment"] = comment
            self._put(per_schema, schema, "functions", name, fn)
            if extras:
                self.raw_sql.append((u.key, f"ALTER FUNCTION {target} {' '.join(extras)}"))
                self.raw_items.append(RawItem("function option", u.name, ", ".join(extras)))
            return
        self.note_raw(u)
        if prokind == "a":
            self.raw(u, self._aggregate(f))
        else:
            self.raw(u, fdef)
        self.comment(f"{'AGGREGATE' if prokind == 'a' else word} {target}", comment)

    def _aggregate(self, f: tuple[Any, ...]) -> str:
        a = self.imp.aggregates[f[0]]
        opts = [f"SFUNC = {a[2]}", f"STYPE = {a[3]}"]
        if a[8]:
            opts.append(f"SSPACE = {a[8]}")
        if a[4]:
            opts.append(f"FINALFUNC = {a[4]}")
        if a[5]:
            opts.append(f"COMBINEFUNC = {a[5]}")
        if a[6] is not None:
            opts.append(f"INITCOND = {literal(a[6])}")
        if a[7]:
            opts.append(f"SORTOP = OPERATOR({a[7].split('(')[0]})")
        if a[13] != "u":
            opts.append(f"PARALLEL = {'SAFE' if a[13] == 's' else 'RESTRICTED'}")
        return f"CREATE AGGREGATE {qualified(f[1], f[2])}({f[6] or '*'}) ({', '.join(opts)})"

    def _sequence(self, u: Unit, per_schema: dict[str, dict[str, Any]]) -> None:
        r = u.data["row"]
        oid, schema, name = r[0], r[1], r[2]
        typ, start, inc, hi, lo, cache, cycle = self.seq_options[oid]
        target = qualified(schema, name)
        grants = self.grants(oid, f"SEQUENCE {target}", u.raw is None, u.raw is not None)
        defaults = sequence_defaults(typ, inc)
        s: dict[str, Any] = {}
        if typ != "bigint":
            s["type"] = typ
        if start != (lo if inc > 0 else hi) or start != defaults["start"] and (lo != defaults["min_value"]
                                                                              or hi != defaults["max_value"]):
            s["start"] = start
        if inc != 1:
            s["increment"] = inc
        if lo != defaults["min_value"]:
            s["min_value"] = lo
        if hi != defaults["max_value"]:
            s["max_value"] = hi
        if cache != 1:
            s["cache"] = cache
        if cycle:
            s["cycle"] = True
        owner = self.imp.owned_by.get(oid)
        if owner and owner[0] not in self.imp.rels:
            self.imp.notes.append(f"sequence {u.name} is owned by a table outside the imported schemas; "
                                  "the ownership is not imported")
            owner = None
        if owner and self.imp.yaml_table(owner[0]) and u.raw is None:
            t = self.imp.rels[owner[0]]
            s["owned_by"] = f"{public_relative(t[1], t[2])}.{self.imp.col_names(owner[0], [owner[1]])[0]}"
        elif owner:
            self.raw_sql.append((("own", oid), f"ALTER SEQUENCE {target} OWNED BY {self.imp.rel_sql(owner[0])}."
                                 f"{quote_ident(self.imp.col_names(owner[0], [owner[1]])[0])}"))
        if u.raw is None:
            if grants:
                s["grants"] = grants
            if r[13] is not None:
                s["comment"] = r[13]
            self._put(per_schema, schema, "sequences", name, s)
            return
        self.note_raw(u)
        opts = [f"AS {typ}", f"INCREMENT BY {inc}", f"MINVALUE {lo}", f"MAXVALUE {hi}", f"START WITH {start}",
                f"CACHE {cache}", "CYCLE" if cycle else "NO CYCLE"]
        self.raw(u, f"CREATE SEQUENCE {target} {' '.join(opts)}")
        self.comment(f"SEQUENCE {target}", r[13])

    def _view(self, u: Unit, per_schema: dict[str, dict[str, Any]]) -> None:
        r = u.data["row"]
        oid, schema, name, relkind, reloptions, comment, viewdef = r[0], r[1], r[2], r[3], r[5], r[13], r[15]
        target = qualified(schema, name)
        query = viewdef.strip().rstrip(";").rstrip()
        grants = self.grants(oid, f"TABLE {target}", u.raw is None, u.raw is not None)
        self._column_extras(oid, target, yaml_comments=False)
        if u.raw is None:
            v: dict[str, Any] = {}
            if comment is not None:
                v["comment"] = comment
            if relkind == "m":
                v["materialized"] = True
            opts = dict(o.split("=", 1) for o in reloptions or [])
            if _truthy(opts.get("security_invoker")):
                v["security_invoker"] = True
            if _truthy(opts.get("security_barrier")):
                v["security_barrier"] = True
            v["query"] = query + "\n"
            idx = self._yaml_indexes(oid, f"{schema}.{name}")
            if idx:
                v["indexes"] = idx
            if grants:
                v["grants"] = grants
            self._put(per_schema, schema, "views", name, v)
            return
        self.note_raw(u)
        kind = "MATERIALIZED VIEW" if relkind == "m" else "VIEW"
        with_ = f" WITH ({', '.join(reloptions)})" if reloptions else ""
        self.raw(u, f"CREATE {kind} {target}{with_} AS\n{query}" + (" WITH NO DATA" if relkind == "m" and not r[19]
                                                                     else ""))
        self.comment(f"{kind} {target}", comment)
