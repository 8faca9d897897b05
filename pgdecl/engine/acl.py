"""ACL handling shared by the plan's privilege kinds and the importer: ACL entries as aclexplode
gives them (grantee, privilege, grant option; PUBLIC for everybody), and the GRANT / REVOKE
statements that turn one ACL into another, grant options included."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Iterable

from ..render import ident

Entry = tuple[str, str, bool]
Acl = dict[tuple[str, str], bool]  # (grantee, privilege) -> with grant option

PRIVILEGE_ORDER = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER", "USAGE",
                   "CREATE", "EXECUTE", "CONNECT", "TEMPORARY", "MAINTAIN")


@dataclass(frozen=True)
class AclEntry:
    grantee: str      # 'PUBLIC' for everybody
    privilege: str    # upper case, as aclexplode names it
    grantable: bool


def acl_delta(have: Iterable[AclEntry], default: Iterable[AclEntry]) -> tuple[list[AclEntry], list[AclEntry]]:
    """(granted beyond the default ACL, revoked from it), each sorted."""
    h, d = set(have), set(default)
    key = lambda e: (e.grantee, e.privilege, e.grantable)  # noqa: E731
    return sorted(h - d, key=key), sorted(d - h, key=key)


def entries(rows: Any) -> frozenset[Entry]:
    """The entries of a catalog query's json array of [grantee, privilege, grantable]."""
    return frozenset((g, p, bool(o)) for g, p, o in rows or ())


def acl(items: Iterable[Entry], leave_out: set[str]) -> Acl:
    """The entries as a map, without those of the roles left out (owners: they hold everything)."""
    return {(g, p): o for g, p, o in items if g not in leave_out}


def grantee(role: str) -> str:
    return "PUBLIC" if role == "PUBLIC" else ident(role)


def privileges(ps: Iterable[str]) -> str:
    """Privileges as a GRANT lists them, in PostgreSQL's order."""
    return ", ".join(sorted(set(ps), key=lambda p: (PRIVILEGE_ORDER.index(p) if p in PRIVILEGE_ORDER else 99, p)))


def changes(have: Acl, want: Acl) -> tuple[dict[str, set[str]], dict[str, set[str]],
                                           dict[str, set[str]], dict[str, set[str]]]:
    """Per grantee: privileges to revoke, grant options to revoke, privileges to grant, to grant with
    grant option."""
    revoke: dict[str, set[str]] = defaultdict(set)
    revoke_option: dict[str, set[str]] = defaultdict(set)
    grant: dict[str, set[str]] = defaultdict(set)
    grant_option: dict[str, set[str]] = defaultdict(set)
    for (g, p), option in have.items():
        if (g, p) not in want:
            revoke[g].add(p)
        elif option and not want[(g, p)]:
            revoke_option[g].add(p)
    for (g, p), option in want.items():
        if (g, p) not in have or (option and not have[(g, p)]):
            (grant_option if option else grant)[g].add(p)
    return revoke, revoke_option, grant, grant_option


def _by_privileges(per_grantee: dict[str, set[str]]) -> list[tuple[str, str]]:
    """(privileges, grantees): grantees that get the same privileges share one statement."""
    groups: dict[str, list[str]] = defaultdict(list)
    for g, ps in sorted(per_grantee.items(), key=lambda kv: (kv[0] != "PUBLIC", kv[0])):
        groups[privileges(ps)].append(grantee(g))
    return [(ps, ", ".join(gs)) for ps, gs in groups.items()]


def statements(on: str, have: Acl, want: Acl) -> list[str]:
    """GRANT and REVOKE on one object (`TABLE s.t`, `DATABASE d`, `TABLES` for default privileges)."""
    revoke, revoke_option, grant, grant_option = changes(have, want)
    out = [f"REVOKE {ps} ON {on} FROM {gs}" for ps, gs in _by_privileges(revoke)]
    out += [f"REVOKE GRANT OPTION FOR {ps} ON {on} FROM {gs}" for ps, gs in _by_privileges(revoke_option)]
    out += [f"GRANT {ps} ON {on} TO {gs}" for ps, gs in _by_privileges(grant)]
    out += [f"GRANT {ps} ON {on} TO {gs} WITH GRANT OPTION" for ps, gs in _by_privileges(grant_option)]
    return out
