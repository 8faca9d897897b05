"""Writing tables: columns, keys, indexes, triggers, policies, or CREATE TABLE as raw SQL."""

from __future__ import annotations

import re
from typing import Any, Callable


from .. import citus
from .constants import FK_ACTIONS, POLICY_COMMANDS, _COLUMN_KEYS
from .names import _grantee, index_column, public_relative, qualified, quote_ident, short_type
from .sqltext import _check_expr, matching_paren, parse_index, strip_outer_parens
from .acl import sequence_defaults
from .result import RawItem
from .reader import Unit
from .writer_base import WriterBase


class TableWriter(WriterBase):
    """Tables as YAML or raw SQL."""

    def _column_extras(self, oid: int, target: str, yaml_comments: bool) -> None:
        """Column privileges always, column comments of views, as raw SQL."""
        for rel, col, grantee, priv, grantable in self.imp.column_acl:
            if rel == oid:
                if grantee != "PUBLIC":
                    self.roles.add(grantee)
                self.acl_sql.append(f"GRANT {priv} ({quote_ident(col)}) ON TABLE {target} TO {_grantee(grantee)}"
                                    + (" WITH GRANT OPTION" if grantable else ""))
        if not yaml_comments:
            for c in self.imp.columns.get(oid, []):
                self.comment(f"COLUMN {target}.{quote_ident(c[2])}", c[13])

    def _yaml_columns(self, cols: list[tuple[Any, ...]], pk_cols: list[str], single_pk: bool) -> dict[str, Any]:
        """The column specs of a YAML table, in table order (constraints are added by _yaml_constraints)."""
        imp = self.imp
        columns: dict[str, Any] = {}
        for c in cols:
            col: dict[str, Any] = {"type": short_type(c[3])}
            if c[4] and c[2] not in pk_cols:
                col["nullable"] = False
            if c[5]:
                col["identity"] = "always" if c[5] == "a" else "by default"
            if c[6] == "s":
                col["generated"] = c[7]
            elif c[8] is not None and imp.units.get(("def", c[8])) is not None \
                    and imp.units[("def", c[8])].raw is None:
                col["default"] = c[7]
            if single_pk and pk_cols[0] == c[2]:
                col["primary_key"] = True
            if c[11]:
                col["collation"] = c[11]
            if c[13] is not None:
                col["comment"] = c[13]
            columns[c[2]] = col
        return columns

    def _yaml_constraints(self, oid: int, name: str, schema: str, cons: list[Unit], columns: dict[str, Any]
                          ) -> tuple[list[dict[str, Any]], dict[str, str], list[dict[str, Any] | None]]:
        """Unique, check and foreign key constraints of a YAML table: (unique, checks, foreign keys); a
        single-column one that has its default name goes onto its column in `columns`."""
        imp = self.imp
        unique: list[dict[str, Any]] = []
        checks: dict[str, str] = {}
        fks: list[dict[str, Any] | None] = []
        for p in cons:
            row = p.data["row"]
            cname, contype = row[1], row[2]
            ccols = imp.col_names(oid, row[5] or [])
            if contype == "u":
                nnd = "NULLS NOT DISTINCT" in row[18]
                if len(ccols) == 1 and not nnd and cname == f"{name}_{ccols[0]}_key"[:63]:
                    columns[ccols[0]]["unique"] = True
                else:
                    entry: dict[str, Any] = {"columns": ccols}
                    if cname != f"{name}_{'_'.join(ccols)}_key"[:63]:
                        entry = {"name": cname, **entry}
                    if nnd:
                        entry["nulls_not_distinct"] = True
                    unique.append(entry)
            elif contype == "c":
                expr = _check_expr(row[18])
                if len(ccols) == 1 and cname == f"{name}_{ccols[0]}_check" and len(cname.encode()) <= 63:
                    columns[ccols[0]]["check"] = expr
                else:
                    checks[cname] = expr
            elif contype == "f":
                fks.append(self._fk(oid, name, schema, row, columns))
        return unique, checks, fks

    def _table(self, u: Unit, per_schema: dict[str, dict[str, Any]]) -> None:
        """One table as YAML (or raw SQL). Kept whole: the keys come out in the spec format's order,
        one block each, and what goes raw is decided key by key with the table's row at hand."""
        imp = self.imp
        r = u.data["row"]
        oid, schema, name = r[0], r[1], r[2]
        target = qualified(schema, name)
        cols = imp.columns.get(oid, [])
        grants = self.grants(oid, f"TABLE {target}", u.raw is None, u.raw is not None)
        yaml_ok = u.raw is None
        self._column_extras(oid, target, yaml_comments=yaml_ok)
        if not yaml_ok:
            self.note_raw(u)
            self.raw(u, *self._create_table(u))
            self.comment(f"TABLE {target}", r[13])
            for c in cols:
                self.comment(f"COLUMN {target}.{quote_ident(c[2])}", c[13])
            return
        parts = {k: v for k, v in imp.units.items() if v.parent == u.key}
        cons = [p for k, p in sorted(parts.items()) if k[0] == "con" and p.raw is None]
        pk = next((p for p in cons if p.data["row"][2] == "p"), None)
        pk_cols = imp.col_names(oid, pk.data["row"][5]) if pk else []
        t: dict[str, Any] = {}
        if r[13] is not None:
            t["comment"] = r[13]
        columns = self._yaml_columns(cols, pk_cols, single_pk=bool(pk) and len(pk_cols) == 1)
        col_by_num = {c[1]: c for c in cols}
        unique, checks, fks = self._yaml_constraints(oid, name, schema, cons, columns)
        # columns in their readable key order, bare types as the shorthand
        for cname, col in columns.items():
            ordered = {k: col[k] for k in _COLUMN_KEYS if k in col}
            columns[cname] = ordered["type"] if list(ordered) == ["type"] else ordered
        t["columns"] = columns
        if pk and len(pk_cols) > 1:
            t["primary_key"] = pk_cols
        if "partkey" in u.data:
            t["partition_by"] = u.data["partkey"]
        if "parent" in u.data:  # a partition: its columns and keys come from its parent
            for cname, col in columns.items():
                if isinstance(col, dict) and "check" in col:
                    checks[f"{name}_{cname}_check"] = col["check"]
            t.pop("columns")
            t.pop("primary_key", None)
            for c in cols:  # column comments of a partition, which has no columns in YAML
                self.comment(f"COLUMN {target}.{quote_ident(c[2])}", c[13])
            prow = imp.rels[u.data["parent"]]
            t["partition_of"] = prow[2] if prow[1] == schema else f"{prow[1]}.{prow[2]}"
            t["bounds"] = u.data["bound"]
            if "partkey" in u.data:  # a sub-partitioned partition: the key after the bounds
                t["partition_by"] = t.pop("partition_by")
        if fks := [f for f in fks if f is not None]:
            t["foreign_keys"] = fks
        if unique:
            t["unique"] = unique
        if checks:
            t["checks"] = dict(sorted(checks.items()))
        idx = self._yaml_indexes(oid, f"{schema}.{name}")
        if idx:
            t["indexes"] = idx
        if triggers := _yaml_parts(parts, "trg", lambda row: self._trigger(oid, row)):
            t["triggers"] = triggers
        if r[6] or r[7]:
            t["rls"] = True if r[6] and not r[7] else "force" if r[6] else {"enabled": False, "force": True}
        if policies := _yaml_parts(parts, "pol", self._policy):
            t["policies"] = policies
        if grants:
            t["grants"] = grants
        for p in cons:
            if p.data["row"][19] is not None:
                self.comment(f"CONSTRAINT {quote_ident(p.data['row'][1])} ON {target}", p.data["row"][19])
        # identity columns: sequence options and names pgdecl cannot write
        for seq, (rel, num) in sorted(imp.identity_seq.items()):
            if rel == oid:
                self._identity_extras(u, target, name, col_by_num[num], seq)
        t.update(citus.spec_keys(imp.citus, f"{schema}.{name}"))
        self._put(per_schema, schema, "tables", name, t)

    def identity_options(self, seq: int) -> list[str]:
        """Sequence options of an identity column that differ from what GENERATED ... AS IDENTITY picks."""
        typ, start, inc, hi, lo, cache, cycle = self.seq_options[seq]
        defaults = sequence_defaults(typ, inc)
        opts = []
        if inc != 1:
            opts.append(f"INCREMENT BY {inc}")
        if lo != defaults["min_value"]:
            opts.append(f"MINVALUE {lo}")
        if hi != defaults["max_value"]:
            opts.append(f"MAXVALUE {hi}")
        if start != (lo if inc > 0 else hi):
            opts.append(f"START WITH {start}")
        if cache != 1:
            opts.append(f"CACHE {cache}")
        if cycle:
            opts.append("CYCLE")
        return opts

    def _identity_extras(self, u: Unit, target: str, table: str, col: tuple[Any, ...], seq: int) -> None:
        opts = self.identity_options(seq)
        if opts:
            self.raw_sql.append((("tx", u.key[1]), f"ALTER TABLE {target} ALTER COLUMN {quote_ident(col[2])} "
                                 + " ".join(f"SET {o}" for o in opts)))
            self.raw_items.append(RawItem("identity options", f"{u.name}.{col[2]}", ", ".join(opts)))
        seq_row = self.imp.rels.get(seq)
        if seq_row is not None:  # the identity sequence's privileges, as raw GRANT/REVOKE
            self.grants(seq, f"SEQUENCE {qualified(seq_row[1], seq_row[2])}", False)
        if seq_row is not None and seq_row[2] != f"{table}_{col[2]}_seq":
            self.raw_sql.append((("tx", u.key[1]), f"ALTER SEQUENCE {qualified(seq_row[1], f'{table}_{col[2]}_seq')} "
                                 f"RENAME TO {quote_ident(seq_row[2])}"))
            self.raw_items.append(RawItem("identity sequence name", f"{u.name}.{col[2]}", seq_row[2]))

    def _fk(self, oid: int, table: str, schema: str, row: tuple[Any, ...], columns: dict[str, Any]) -> dict[str, Any] | None:
        imp = self.imp
        cname, ccols = row[1], imp.col_names(oid, row[5])
        target = imp.rels[row[7]]
        tname = target[2] if target[1] == schema else f"{target[1]}.{target[2]}"
        tcols = imp.col_names(row[7], row[6])
        on_update, on_delete = FK_ACTIONS[row[8]], FK_ACTIONS[row[9]]
        same_as_pk = self.pk_columns.get(row[7]) == tcols
        plain = not re.search(r"[(),\s]", tname + "".join(tcols))
        ref: Any = (tname if same_as_pk else f"{tname}({', '.join(tcols)})") if plain else \
            {"table": tname, "columns": tcols}
        if len(ccols) == 1 and cname == f"{table}_{ccols[0]}_fkey"[:63] and not row[11]:
            col = columns[ccols[0]]
            if "references" not in col:
                col["references"] = ref
                if on_delete != "no action":
                    col["on_delete"] = on_delete
                if on_update != "no action":
                    col["on_update"] = on_update
                return None
        fk: dict[str, Any] = {}
        if cname != f"{table}_{'_'.join(ccols)}_fkey"[:63]:
            fk["name"] = cname
        fk["columns"] = ccols
        fk["references"] = ref
        if on_delete != "no action":
            fk["on_delete"] = on_delete
        if on_update != "no action":
            fk["on_update"] = on_update
        if row[11]:
            fk["deferrable"] = True
            if row[12]:
                fk["initially_deferred"] = True
        return fk

    def _yaml_indexes(self, oid: int, table: str) -> list[dict[str, Any]]:
        from ..model import Index, default_index_name

        imp = self.imp
        out = []
        for key, p in sorted(imp.units.items(), key=lambda kv: kv[1].name):
            if key[0] != "idx" or p.parent != ("rel", oid) or p.raw is not None:
                continue
            row = p.data["row"]
            (_, rel, name, indexdef, unique, _nnd, nkey, indkey, am, pred, *_rest) = row
            parts = parse_index(indexdef)
            assert parts is not None
            by_num = {c[1]: c[2] for c in imp.columns.get(rel, [])}
            elements = []
            for k, text in enumerate(parts.elements):
                num = indkey[k]
                if num and text == quote_ident(by_num[num]):
                    elements.append(index_column(by_num[num]))
                else:
                    elements.append(text)
            ix: dict[str, Any] = {"columns": elements}
            if unique:
                ix["unique"] = True
            if am != "btree":
                ix["using"] = am
            if indkey[nkey:]:
                ix["include"] = [by_num[n] for n in indkey[nkey:]]
            if pred is not None:
                ix["where"] = strip_outer_parens(pred)
            if parts.nulls_not_distinct:
                ix["nulls_not_distinct"] = True
            if row[12] is not None:
                ix["comment"] = row[12]
            model = Index(columns=elements, unique=bool(unique), where=None)
            if name != default_index_name(table, model):
                ix = {"name": name, **ix}
            out.append(ix)
        return out

    def _trigger(self, rel: int, row: tuple[Any, ...]) -> dict[str, Any]:
        (_, _, _, tgtype, _, _, nargs, args, attr, _, _, tdef, _, fname, fschema, comment, hasqual) = row
        t: dict[str, Any] = {"function": public_relative(fschema, fname)}
        t["timing"] = "instead of" if tgtype & 64 else "before" if tgtype & 2 else "after"
        t["events"] = [e for bit, e in ((4, "insert"), (16, "update"), (8, "delete"), (32, "truncate")) if tgtype & bit]
        if attr:
            t["of"] = self.imp.col_names(rel, attr)
        if not tgtype & 1:
            t["for_each"] = "statement"
        if hasqual:
            i = tdef.index(" WHEN (")
            start = i + len(" WHEN ")
            t["when"] = strip_outer_parens(tdef[start + 1:matching_paren(tdef, start)])
        if nargs:
            t["args"] = [a.decode() for a in bytes(args).split(b"\x00")[:nargs]]
        if comment is not None:
            t["comment"] = comment
        return t

    def _policy(self, row: tuple[Any, ...]) -> dict[str, Any]:
        _, _, _, cmd, permissive, roles, qual, check, comment = row
        p: dict[str, Any] = {"for": POLICY_COMMANDS[cmd]}
        if list(roles) != ["public"]:
            p["to"] = list(roles)
            self.roles.update(r for r in roles if r != "public")
        if qual is not None:
            p["using"] = strip_outer_parens(qual)
        if check is not None:
            p["with_check"] = strip_outer_parens(check)
        if not permissive:
            p["permissive"] = False
        if comment is not None:
            p["comment"] = comment
        return p

    def _not_null_names(self, oid: int, parent: int) -> str:
        """` (col CONSTRAINT name NOT NULL, ...)` for a partition's NOT NULL constraints named otherwise than
        its parent's (PostgreSQL 18 catalogs them: PARTITION OF copies the parent's names, a table attached
        the pg_dump way keeps its own); empty before 18 and for partitions made with PARTITION OF."""
        names: dict[int, dict[str, str]] = {oid: {}, parent: {}}
        for row in self.imp.constraints:
            if row[2] == "n" and row[3] in names and row[5]:
                names[row[3]][row[5][0]] = row[1]
        by_num = {c[1]: c[2] for c in self.imp.columns.get(oid, [])}
        parent_names = {c[2]: names[parent].get(c[1]) for c in self.imp.columns.get(parent, [])}
        own = [f"{quote_ident(by_num[num])} CONSTRAINT {quote_ident(name)} NOT NULL"
               for num, name in sorted(names[oid].items())
               if num in by_num and parent_names.get(by_num[num]) not in (None, name)]
        return f" ({', '.join(own)})" if own else ""

    def _create_table(self, u: Unit) -> list[str]:
        imp = self.imp
        r = u.data["row"]
        oid, relkind, parents, bound, partkey = r[0], r[3], r[18], r[16], r[17]
        target = imp.rel_sql(oid)
        cols = imp.columns.get(oid, [])
        out = []
        if r[9] and parents:  # a partition
            named = self._not_null_names(oid, parents[0])
            sql = f"CREATE TABLE {target} PARTITION OF {imp.rel_sql(parents[0])}{named} {bound}"
        elif r[10]:
            sql = f"CREATE TABLE {target} OF {r[20]}"
        else:
            defs = []
            for c in cols:
                if not c[9]:
                    continue  # inherited
                d = f"{quote_ident(c[2])} {c[3]}"
                if c[11]:
                    d += f" COLLATE {quote_ident(c[12])}.{quote_ident(c[11])}"
                if c[6] == "s":
                    d += f" GENERATED ALWAYS AS ({c[7]}) STORED"
                if c[5]:
                    d += f" GENERATED {'ALWAYS' if c[5] == 'a' else 'BY DEFAULT'} AS IDENTITY"
                    seq = next((q for q, (rel, num) in imp.identity_seq.items() if rel == oid and num == c[1]), None)
                    opts = self.identity_options(seq) if seq is not None else []
                    seq_name = imp.rels[seq][2] if seq is not None and seq in imp.rels else None
                    if seq_name and seq_name != f"{r[2]}_{c[2]}_seq":
                        opts.insert(0, f"SEQUENCE NAME {qualified(r[1], seq_name)}")
                    if opts:
                        d += f" ({' '.join(opts)})"
                    if seq is not None and seq in imp.rels:  # its privileges, as raw GRANT/REVOKE
                        self.grants(seq, f"SEQUENCE {qualified(imp.rels[seq][1], imp.rels[seq][2])}", False, True)
                if c[4]:
                    d += " NOT NULL"
                defs.append(d)
            sql = f"CREATE TABLE {target} ({', '.join(defs)})"
            if parents:
                sql += f" INHERITS ({', '.join(imp.rel_sql(p) for p in parents)})"
        if relkind == "p":
            sql += f" PARTITION BY {partkey}"
        if r[11] and r[11] != "heap" and relkind != "p":
            sql += f" USING {quote_ident(r[11])}"
        out.append(sql)
        if parents:
            parent_cols = {c[2]: c for p in parents for c in imp.columns.get(p, [])}
            for c in cols:
                if not c[9] and c[4] and not (parent_cols.get(c[2]) or (None,) * 5)[4]:
                    out.append(f"ALTER TABLE {target} ALTER COLUMN {quote_ident(c[2])} SET NOT NULL")
        if r[6]:
            out.append(f"ALTER TABLE {target} ENABLE ROW LEVEL SECURITY")
        if r[7]:
            out.append(f"ALTER TABLE {target} FORCE ROW LEVEL SECURITY")
        return out


def _yaml_parts(parts: dict[tuple[str, int], Unit], kind: str, make: Callable[[tuple[Any, ...]], dict[str, Any]]
                ) -> dict[str, Any]:
    """name -> spec of a table's YAML parts of one kind (triggers, policies), in the order of their names."""
    return {p.data["row"][2]: make(p.data["row"]) for k, p in sorted(parts.items(), key=lambda kv: kv[1].name)
            if k[0] == kind and p.raw is None}
