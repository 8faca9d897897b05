"""The writer: the decided units -> spec data and raw SQL, one handler per kind of unit."""

from __future__ import annotations

from typing import Any, Callable


from .constants import POLICY_COMMANDS
from .names import literal, qualified, quote_ident
from .reader import Unit
from .writer_base import PerSchema
from .writer_objects import ObjectWriter
from .writer_database import DatabaseWriter


class Writer(ObjectWriter, DatabaseWriter):
    """Turns the decided units into spec data (one mapping per schema) and raw SQL."""

    def write(self) -> tuple[dict[str, dict[str, Any]], dict[str, Any], str]:
        imp = self.imp
        per_schema: dict[str, dict[str, Any]] = {s: {} for s in imp.schemas}
        for key in sorted(imp.units, key=lambda k: (imp.units[k].phase, imp.units[k].name, k)):
            u = imp.units[key]
            if u.raw == "skip":
                continue
            HANDLERS[key[0]](self, u, per_schema)
        database = self._database(per_schema)
        return per_schema, database, self._raw_text()


    # relations: tables, views, sequences
    def _rel(self, u: Unit, per_schema: dict[str, dict[str, Any]]) -> None:
        if u.kind == "sequence":
            return self._sequence(u, per_schema)
        if u.kind in ("view", "materialized view"):
            return self._view(u, per_schema)
        return self._table(u, per_schema)


    # parts that went raw on their own (or with their table)
    def _def(self, u: Unit, per_schema: dict[str, dict[str, Any]]) -> None:
        if u.raw is None:
            return
        c = u.data["column"]
        self.note_raw(u) if not u.raw.startswith("part of") else None
        self.raw(u, f"ALTER TABLE {self.imp.rel_sql(c[0])} ALTER COLUMN {quote_ident(c[2])} SET DEFAULT {c[7]}")

    def _con(self, u: Unit, per_schema: dict[str, dict[str, Any]]) -> None:
        if u.raw is None:
            return
        row = u.data["row"]
        self.note_raw(u) if not u.raw.startswith("part of") else None
        target = self.imp.rel_sql(row[3])
        self.raw(u, f"ALTER TABLE {target} ADD CONSTRAINT {quote_ident(row[1])} {row[18]}")
        if self.imp.units[u.parent].raw is not None:  # type: ignore[index]
            self.comment(f"CONSTRAINT {quote_ident(row[1])} ON {target}", row[19])

    def _idx(self, u: Unit, per_schema: dict[str, dict[str, Any]]) -> None:
        if u.raw is None:
            return
        row = u.data["row"]
        self.note_raw(u) if not u.raw.startswith("part of") else None
        # a partitioned table's index is made after its partitions' indexes and attaches them
        self.raw(u, row[3].replace(" ON ONLY ", " ON ", 1) if row[16] == "I" else row[3])
        self.comment(f"INDEX {qualified(self.imp.rels[row[1]][1], row[2])}", row[12])

    def _trg(self, u: Unit, per_schema: dict[str, dict[str, Any]]) -> None:
        if u.raw is None:
            return
        row = u.data["row"]
        self.note_raw(u) if not u.raw.startswith("part of") else None
        target = self.imp.rel_sql(row[1])
        self.raw(u, row[11])
        if row[4] != "O":
            how = {"D": "DISABLE", "R": "ENABLE REPLICA", "A": "ENABLE ALWAYS"}[row[4]]
            self.raw(u, f"ALTER TABLE {target} {how} TRIGGER {quote_ident(row[2])}")
        self.comment(f"TRIGGER {quote_ident(row[2])} ON {target}", row[15])

    def _pol(self, u: Unit, per_schema: dict[str, dict[str, Any]]) -> None:
        if u.raw is None:
            return
        _, rel, name, cmd, permissive, roles, qual, check, comment = u.data["row"]
        self.note_raw(u) if not u.raw.startswith("part of") else None
        target = self.imp.rel_sql(rel)
        self.roles.update(r for r in roles if r != "public")
        sql = (f"CREATE POLICY {quote_ident(name)} ON {target} AS {'PERMISSIVE' if permissive else 'RESTRICTIVE'} "
               f"FOR {POLICY_COMMANDS[cmd].upper()} TO "
               + ", ".join("PUBLIC" if r == "public" else quote_ident(r) for r in roles))
        if qual is not None:
            sql += f" USING ({qual})"
        if check is not None:
            sql += f" WITH CHECK ({check})"
        self.raw(u, sql)
        self.comment(f"POLICY {quote_ident(name)} ON {target}", comment)

    def _tx(self, u: Unit, per_schema: dict[str, dict[str, Any]]) -> None:
        self.note_raw(u)
        self.raw(u, *u.sql)

    def _rule(self, u: Unit, per_schema: dict[str, dict[str, Any]]) -> None:
        oid, rel, name, definition, comment = u.data["row"]
        self.note_raw(u)
        self.raw(u, definition)
        self.comment(f"RULE {quote_ident(name)} ON {self.imp.rel_sql(rel)}", comment)

    def _stat(self, u: Unit, per_schema: dict[str, dict[str, Any]]) -> None:
        oid, schema, name, definition, comment = u.data["row"]
        self.note_raw(u)
        self.raw(u, definition)
        self.comment(f"STATISTICS {qualified(schema, name)}", comment)

    def _evt(self, u: Unit, per_schema: dict[str, dict[str, Any]]) -> None:
        oid, name, event, enabled, tags, _fn, fschema, fname, comment = u.data["row"]
        self.note_raw(u)
        sql = f"CREATE EVENT TRIGGER {quote_ident(name)} ON {event}"
        if tags:
            sql += f" WHEN TAG IN ({', '.join(literal(t) for t in tags)})"
        self.raw(u, sql + f" EXECUTE FUNCTION {qualified(fschema, fname)}()")
        if enabled != "O":
            how = {"D": "DISABLE", "R": "ENABLE REPLICA", "A": "ENABLE ALWAYS"}[enabled]
            self.raw(u, f"ALTER EVENT TRIGGER {quote_ident(name)} {how}")
        self.comment(f"EVENT TRIGGER {quote_ident(name)}", comment)


# unit kind (the first part of its key) -> the method that writes it
def _clu(self: Writer, u: Unit, per_schema: dict[str, dict[str, Any]]) -> None:
    self.note_raw(u)
    what = "MATERIALIZED VIEW" if u.data["owner_kind"] == "materialized view" else "TABLE"
    self.raw(u, f"ALTER {what} {u.data['table']} CLUSTER ON {quote_ident(u.data['index'])}")


def _kind(self: Writer, u: Unit, per_schema: dict[str, dict[str, Any]]) -> None:
    self.note_raw(u)
    self.raw(u, *u.data["statements"])


HANDLERS: dict[str, Callable[[Writer, Unit, PerSchema], None]] = {
    "coll": Writer._coll, "type": Writer._type, "fn": Writer._fn, "rel": Writer._rel, "def": Writer._def,
    "con": Writer._con, "idx": Writer._idx, "trg": Writer._trg, "pol": Writer._pol, "tx": Writer._tx,
    "rule": Writer._rule, "stat": Writer._stat, "evt": Writer._evt, "kind": _kind, "clu": _clu,
}
