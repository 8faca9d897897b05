"""The writer's state and the small pieces every part of it uses (raw SQL, comments, grants)."""

from __future__ import annotations

from typing import Any


from .constants import PRIVILEGE_ORDER
from .names import _grantee, _yaml_role, literal
from .acl import AclEntry, _public_privileges, acl_delta, privilege_list
from .result import RawItem
from .queries import COMPOSITE_COLUMNS_SQL, DOMAIN_COLLATION_SQL, RANGES_SQL, SEQUENCE_OPTIONS_SQL
from .reader import Importer, Unit


PerSchema = dict[str, dict[str, Any]]  # schema -> kind -> name -> spec data


class WriterBase:
    """The writer's state: raw SQL, privileges and comments collected, the counts of YAML objects."""

    def __init__(self, imp: Importer) -> None:
        self.imp = imp
        self.raw_sql: list[tuple[tuple[str, int], str]] = []
        self.acl_sql: list[str] = []
        self.default_acl_sql: list[str] = []
        self.comment_sql: list[str] = []
        self.raw_items: list[RawItem] = []
        self.roles: set[str] = set()
        self.counts: dict[str, int] = {k: 0 for k in ("schemas", "extensions", "roles", "enums", "domains",
                                                       "sequences", "functions", "tables", "views")}
        c = imp.conn
        rels = list(imp.rels)
        types = list(imp.types)
        self.seq_options = {r[0]: r[1:] for r in c.execute(SEQUENCE_OPTIONS_SQL, {"rels": rels}).fetchall()}
        self.composite_columns: dict[int, list[tuple[str, str, str | None]]] = {}
        for oid, name, typ, coll in c.execute(COMPOSITE_COLUMNS_SQL, {"types": types}).fetchall():
            self.composite_columns.setdefault(oid, []).append((name, typ, coll))
        self.ranges = {r[0]: r[1:] for r in c.execute(RANGES_SQL, {"types": types}).fetchall()}
        self.domain_collation: dict[int, str] = dict(c.execute(DOMAIN_COLLATION_SQL, {"types": types}).fetchall())
        self.pk_columns: dict[int, list[str]] = {}
        for row in imp.constraints:
            if row[2] == "p" and row[3] in imp.rels:
                self.pk_columns[row[3]] = imp.col_names(row[3], row[5])

    # -- small pieces ------------------------------------------------------------------------------------

    def raw(self, u: Unit, *statements: str) -> None:
        for s in statements:
            self.raw_sql.append((u.key, s.strip().rstrip(";").strip()))

    def comment(self, target: str, text: str | None) -> None:
        if text is not None:
            self.comment_sql.append(f"COMMENT ON {target} IS {literal(text)}")

    def grants(self, oid: int, on: str, yaml_ok: bool, late: bool = False) -> dict[str, list[str]]:
        """YAML grants (role -> privileges) of an object; what YAML cannot say goes to raw GRANT/REVOKE.
        `late`: the object is raw SQL, made after the default privileges, so it starts with those."""
        acl = self.imp.acl.get(oid)
        if not acl:
            return {}
        extra, missing = acl_delta(acl["have"], acl["late"] if late else acl["default"])
        if on.startswith("SCHEMA ") and on.split(" ", 1)[1] == "public":
            baseline = [AclEntry("PUBLIC", "USAGE", False)]
            if self.imp.server_version < 150000:
                baseline.append(AclEntry("PUBLIC", "CREATE", False))
            extra = [e for e in extra if e not in baseline]
            missing += [b for b in baseline if b not in acl["have"]]
        out: dict[str, list[str]] = {}
        for e in extra:
            if e.grantee != "PUBLIC":
                self.roles.add(e.grantee)
            if yaml_ok and not e.grantable and e.privilege.lower() in PRIVILEGE_ORDER:
                out.setdefault(_yaml_role(e.grantee), []).append(e.privilege)
            else:
                self.acl_sql.append(f"GRANT {e.privilege} ON {on} TO {_grantee(e.grantee)}"
                                    + (" WITH GRANT OPTION" if e.grantable else ""))
        for e in missing:
            self.acl_sql.append(f"REVOKE {'GRANT OPTION FOR ' if e.grantable else ''}{e.privilege} ON {on} "
                                f"FROM {_grantee(e.grantee)}")
        if "public" in out:
            # naming PUBLIC in YAML grants means exactly those privileges (the template revokes the rest),
            # so the ones it holds by default (USAGE on schema public, ...) are listed too
            out["public"] = _public_privileges(acl["have"])
        owner_full = {e.privilege for e in acl["default"] if e.grantee != "PUBLIC"}
        return {r: privilege_list(p, owner_full) for r, p in sorted(out.items())}

    def note_raw(self, u: Unit) -> None:
        if u.raw and u.raw != "skip":
            self.raw_items.append(RawItem(u.kind, u.name, u.raw))

    # -- the whole output --------------------------------------------------------------------------------


    def _put(self, per_schema: dict[str, dict[str, Any]], schema: str, kind: str, name: str, value: Any) -> None:
        per_schema[schema].setdefault(kind, {})[name] = value
        self.counts[kind] += 1
