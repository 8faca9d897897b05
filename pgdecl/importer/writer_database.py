"""Writing database-wide objects (extensions, roles, schemas, default privileges) and the raw SQL file."""

from __future__ import annotations

from typing import Any


from .constants import PRIVILEGE_ORDER, _OBJTYPES
from ..roles import grant_membership
from .names import _grantee, _yaml_role, qualified, quote_ident
from .acl import AclEntry, acl_delta, privilege_list, topo_order
from .queries import ROLES_SQL
from .writer_base import WriterBase


class DatabaseWriter(WriterBase):
    """Extensions, roles, schemas, default privileges, owners, the raw SQL text."""

    # -- database-wide: extensions, roles, schemas, default privileges ----------------------------------

    def _database(self, per_schema: dict[str, dict[str, Any]]) -> dict[str, Any]:
        imp = self.imp
        out: dict[str, Any] = {}
        exts: dict[str, dict[str, Any]] = {}
        for oid, name, schema, version, default_version in imp.extensions:
            if name == "plpgsql":
                continue
            if imp.wanted and schema not in imp.schemas and oid not in imp.ext_users:
                continue
            e: dict[str, Any] = {}
            if schema != "public":
                e["schema"] = schema
            if default_version is not None and version != default_version:
                e["version"] = version
            exts[name] = e
        if exts:
            out["extensions"] = list(exts) if not any(exts.values()) else exts
            self.counts["extensions"] = len(exts)
        schemas: dict[str, Any] = {}
        for oid, name, owner, comment in imp.schema_rows:
            s: dict[str, Any] = {}
            if name == "public" and imp.server_version >= 150000 and owner != "pg_database_owner":
                s["owner"] = owner  # pg_dump of a database whose public schema was given to a role
                self.roles.add(owner)
            grants = self.grants(oid, f"SCHEMA {quote_ident(name)}", True)
            if grants:
                s["grants"] = grants
            dp = self._default_privileges(name)
            if dp:
                s["default_privileges"] = dp
            if comment is not None and not (name == "public" and comment == "standard public schema"):
                s["comment"] = comment
            elif name == "public" and comment != "standard public schema":
                self.comment("SCHEMA public", comment)
            if name != "public" or s:
                schemas[name] = s
        self._default_privileges(None)
        roles = self._roles()
        if roles:
            out["roles"] = roles
            self.counts["roles"] = len(roles)
        if schemas:
            out["schemas"] = schemas
            self.counts["schemas"] = len(schemas)
        return out

    def _default_privileges(self, schema: str | None) -> dict[str, Any]:
        imp = self.imp
        rows = [r for r in imp.default_acl if r[1] == schema]
        yaml_dp: dict[str, dict[str, list[str]]] = {}
        have: dict[tuple[str, str], list[AclEntry]] = {}
        default: dict[tuple[str, str], list[AclEntry]] = {}
        for role, _nsp, objtype, src, grantee, priv, grantable in rows:
            (have if src == "have" else default).setdefault((role, objtype), []).append(AclEntry(grantee, priv, grantable))
        for (role, objtype) in sorted(set(have) | set(default)):
            extra, missing = acl_delta(have.get((role, objtype), []), default.get((role, objtype), []))
            where = f" IN SCHEMA {quote_ident(schema)}" if schema else ""
            kind = _OBJTYPES[objtype]
            for e in extra:
                if e.grantee != "PUBLIC":
                    self.roles.add(e.grantee)
                if schema and role == imp.current_user and not e.grantable and objtype in "rSfT" \
                        and e.privilege.lower() in PRIVILEGE_ORDER:  # MAINTAIN (PostgreSQL 17+) has no YAML key
                    yaml_dp.setdefault(_yaml_role(e.grantee), {}).setdefault(kind.lower(), []).append(e.privilege.lower())
                else:
                    self.default_acl_sql.append(f"ALTER DEFAULT PRIVILEGES FOR ROLE {quote_ident(role)}{where} GRANT "
                                        f"{e.privilege} ON {kind} TO {_grantee(e.grantee)}"
                                        + (" WITH GRANT OPTION" if e.grantable else ""))
            for e in missing:
                self.default_acl_sql.append(f"ALTER DEFAULT PRIVILEGES FOR ROLE {quote_ident(role)}{where} REVOKE "
                                    f"{e.privilege} ON {kind} FROM {_grantee(e.grantee)}")
        return {r: {k: privilege_list(v, ()) for k, v in sorted(d.items())} for r, d in sorted(yaml_dp.items())}

    def _roles(self) -> dict[str, Any]:
        imp = self.imp
        wanted = {r for r in self.roles if r != "PUBLIC"}
        roles: dict[str, tuple[Any, ...]] = {}
        while wanted - set(roles):
            rows = imp.q(ROLES_SQL, roles=sorted(wanted - set(roles)))
            found = {r[0] for r in rows}
            for missing in sorted(wanted - set(roles) - found):
                roles[missing] = ()  # a grantee that no longer exists: ACLs would show its oid
            for row in rows:
                roles[row[0]] = row
                for parent in row[10]:
                    if not parent.startswith("pg_"):
                        wanted.add(parent)
        out: dict[str, Any] = {}
        for name in sorted(roles):
            row = roles[name]
            if not row or name == imp.current_user or row[4] or name.startswith("pg_"):
                continue
            r: dict[str, Any] = {}
            if row[1]:
                r["login"] = True
            if not row[2]:
                r["inherit"] = False
            if row[3]:
                r["bypass_rls"] = True
            member_of = []
            for parent in row[10]:
                prow = roles.get(parent)
                if parent == parent.lower() and prow and not prow[4] and not parent.startswith("pg_") \
                        and parent != imp.current_user:
                    member_of.append(parent)
                else:
                    self.acl_sql.append(grant_membership(parent, name))
            if member_of:
                r["member_of"] = member_of
            if row[9] is not None:
                r["comment"] = row[9]
            extra = [w for w, on in (("CREATEDB", row[5]), ("CREATEROLE", row[6]), ("REPLICATION", row[7]),
                                     ("connection limit, expiry or settings", row[8])) if on]
            if extra:
                imp.notes.append(f"role {name} has {', '.join(extra)}, which the spec format does not hold; "
                                 "pgdecl creates it without")
            out[name] = r
        return out

    # -- raw SQL text -------------------------------------------------------------------------------------

    def _owner_sql(self) -> list[str]:
        """ALTER ... OWNER TO for every imported object another role than the importing one owns."""
        imp, out = self.imp, []
        me = imp.current_user
        for _oid, name, owner, _comment in imp.schema_rows:
            if name != "public" and owner and owner != me:
                out.append(f"ALTER SCHEMA {quote_ident(name)} OWNER TO {quote_ident(owner)}")
        for key in sorted(imp.units, key=lambda k: imp.units[k].name):
            u = imp.units[key]
            if u.raw == "skip" or u.parent is not None:
                continue
            row = u.data.get("row")
            if key[0] == "rel" and row is not None:
                word = {"r": "TABLE", "p": "TABLE", "f": "FOREIGN TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW",
                        "S": "SEQUENCE"}.get(row[3])
                owner, target = row[14], qualified(row[1], row[2])
            elif key[0] == "fn" and row is not None:
                word = {"p": "PROCEDURE", "a": "AGGREGATE"}.get(row[3], "FUNCTION")
                owner, target = row[22], f"{qualified(row[1], row[2])}({row[6]})"
            elif key[0] == "type" and row is not None and row[3] in ("e", "d", "c", "r"):
                word = "DOMAIN" if row[3] == "d" else "TYPE"
                owner, target = row[13], qualified(row[1], row[2])
            else:
                continue
            if word and owner and owner != me:
                out.append(f"ALTER {word} {target} OWNER TO {quote_ident(owner)}")
        return out

    def _raw_text(self) -> str:
        imp = self.imp
        if not self.raw_sql and not self.acl_sql and not self.comment_sql and not self.default_acl_sql \
                and not self._owner_sql():
            return ""
        units = {}
        for key, _ in self.raw_sql:
            u = imp.units.get(key)
            phase = u.phase if u else 5
            name = u.name if u else ""
            if key[0] == "own":
                phase = 5
            units[key] = (phase, name, key)
        deps = {k: set(imp.deps.get(k, ())) for k in units}
        for k in units:
            if k[0] == "own" and (s := imp.owned_by.get(k[1])):
                deps[k] = {("rel", s[0]), ("rel", k[1])}
            if k[0] == "tx":
                deps[k] = {("rel", k[1])}
        order = topo_order(units, deps)
        by_unit: dict[tuple[str, int], list[str]] = {}
        for key, sql in self.raw_sql:
            by_unit.setdefault(key, []).append(sql)
        lines = ["-- Imported by pgdecl: what the spec format cannot express, as SQL. It is loaded after the",
                 "-- YAML objects; `pgdecl import` lists why each object is here.", ""]
        if self.default_acl_sql:
            lines.append("-- default privileges the spec format cannot express (first, so that the objects below "
                         "get them as they did)")
            lines += [s + ";" for s in self.default_acl_sql]
            lines.append("")
        for key in order:
            u = imp.units.get(key)
            if u is not None:
                lines.append(f"-- {u.kind} {u.name}" + (f": {u.raw}" if u.raw and u.raw != "skip" else ""))
            for sql in by_unit[key]:
                lines.append(sql + ";")
            lines.append("")
        owners = self._owner_sql()
        if owners:
            lines.append("-- owners other than the importing role (before the privileges, as pg_dump orders them)")
            lines += [s + ";" for s in owners]
            lines.append("")
        if self.acl_sql:
            lines.append("-- privileges the spec format cannot express (revokes, grant options, column and type "
                         "privileges, memberships)")
            lines += [s + ";" for s in self.acl_sql]
            lines.append("")
        if self.comment_sql:
            lines.append("-- comments on objects the spec format has no comment key for, or that are raw SQL")
            lines += [s + ";" for s in self.comment_sql]
            lines.append("")
        return "\n".join(lines).rstrip("\n") + "\n"
