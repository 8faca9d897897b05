"""Role DDL, one implementation for rendering, planning and reviewing: CREATE ROLE (idempotent: roles are
cluster-wide, so a scratch load on the same server may have made one meanwhile), ALTER ROLE for changed
options, and memberships granted and revoked. Roles are never dropped."""

from __future__ import annotations

from typing import Iterable, Mapping

from .model import Role
from .quoting import dollar, ident, literal

Options = tuple[bool, bool, bool]  # login, inherit, bypass_rls: what a spec says of a role and the catalog shows


def options(role: Role) -> Options:
    return (role.login, role.inherit, role.bypass_rls)


def option_words(role: Role) -> str:
    """`LOGIN INHERIT NOBYPASSRLS`: every option spelled out, so the statement sets them all."""
    return " ".join(["LOGIN" if role.login else "NOLOGIN", "INHERIT" if role.inherit else "NOINHERIT",
                     "BYPASSRLS" if role.bypass_rls else "NOBYPASSRLS"])


def create_role(name: str, role: Role) -> str:
    """CREATE ROLE unless it exists (a DO block: CREATE ROLE has no IF NOT EXISTS)."""
    body = (f"BEGIN IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = {literal(name)}) "
            f"THEN CREATE ROLE {ident(name)} {option_words(role)}; END IF; END")
    return f"DO {dollar(body)}"


def alter_role(name: str, role: Role) -> str:
    return f"ALTER ROLE {ident(name)} {option_words(role)}"


def grant_membership(parent: str, member: str) -> str:
    return f"GRANT {ident(parent)} TO {ident(member)}"


def revoke_membership(parent: str, member: str) -> str:
    return f"REVOKE {ident(parent)} FROM {ident(member)}"


def role_steps(roles: Mapping[str, Role], live: Mapping[str, Options],
               members: Iterable[tuple[str, str]]) -> list[str]:
    """What makes the live roles match `roles`: each missing role created, each whose options differ
    altered, then memberships: `member_of` is the whole list, so one the specs no longer name is revoked.
    `live` maps the existing roles (of those named) to their options, `members` holds (member, parent)."""
    members = set(members)
    out = []
    for name, role in sorted(roles.items()):
        if name not in live:
            out.append(create_role(name, role))
        elif tuple(live[name]) != options(role):
            out.append(alter_role(name, role))
    for name, role in sorted(roles.items()):
        out += [grant_membership(parent, name) for parent in role.member_of if (name, parent) not in members]
        out += [revoke_membership(parent, name) for member, parent in sorted(members)
                if member == name and parent not in role.member_of]  # names are case-sensitive as written
    return out
