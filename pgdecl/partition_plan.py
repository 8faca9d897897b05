"""Partitions in a plan, planned as PostgreSQL partitions are managed: attached, detached, created under
their parent, never dropped and created again.

What migra writes for a partition tree whose parent already exists does not run or loses rows:

- a new partition: `CREATE TABLE p PARTITION OF parent` already gives it the parent's indexes, primary
  key and foreign keys, so migra's own `CREATE INDEX` on it, `ADD CONSTRAINT ... USING INDEX` and
  `ALTER INDEX ... ATTACH PARTITION` are left out (an index whose name PostgreSQL would choose
  differently is renamed to the specs' name);
- a partition gone from the specs: `ALTER TABLE parent DETACH PARTITION p` then `DROP TABLE p` (hazard
  `data_loss`), instead of dropping its inherited constraints and indexes first (PostgreSQL refuses);
  a partition tree gone from the specs is one DROP TABLE of its root, which takes the rest with it;
- a partition that becomes a table of its own: the DETACH comes first, before anything changes it;
- a table of its own that becomes a partition: `ALTER TABLE parent ATTACH PARTITION` alone, which gives
  it the parent's indexes and keys (and checks its rows, hazard `full_scan`);
- a partition whose bounds (or parent) change: DETACH then ATTACH with the new bounds (its rows stay;
  the ATTACH checks them, hazard `full_scan`); migra writes nothing for it;
- a changed partition key (`partition_by`), or a table that becomes partitioned or stops being so:
  PostgreSQL cannot do that in place, so the plan is refused with the reason (migra writes nothing).
"""

from __future__ import annotations

import re
from typing import Any

import pglast
from pglast import ast
from pglast.enums import AlterTableType, ConstrType, ObjectType
from pglast.parser import ParseError

from .errors import PlanError

NAMEDATALEN = 64


def _plain(qualified: str) -> str:
    from .partitions import _plain as plain

    return plain(qualified)


def _quote(bare: str) -> str:
    from .render import ident

    schema, _, name = bare.partition(".")
    return f"{ident(schema)}.{ident(name)}"


def _rel(rv: Any) -> str:
    return f"{rv.schemaname or 'public'}.{rv.relname}"


def _parse(sql: str) -> Any:
    try:
        stmts = pglast.parse_sql(sql)
    except ParseError:
        return None
    return stmts[0].stmt if len(stmts) == 1 else None


# -- PostgreSQL's choice of names for the indexes a new partition gets from its parent -------------------

def _object_name(name1: str, name2: str | None, label: str) -> str:
    """makeObjectName of PostgreSQL (ASCII names): name1_name2_label cut to 63 bytes, the longer part first."""
    avail = NAMEDATALEN - 1 - (len(label) + 1) - (1 if name2 else 0)
    n1, n2 = len(name1), len(name2 or "")
    while n1 + n2 > avail:
        if n1 > n2:
            n1 -= 1
        else:
            n2 -= 1
    return "_".join([name1[:n1], *([name2[:n2]] if name2 else []), label])


def default_index_name(table: str, stmt: Any, kind: str) -> str:
    """The name PostgreSQL gives a partition's copy of its parent's index (ChooseIndexName): `kind` is
    pkey, key (a unique constraint) or idx."""
    bare = table.rpartition(".")[2]
    if kind == "pkey":
        return _object_name(bare, None, "pkey")
    names: list[str] = []
    for elem in [*(stmt.indexParams or ()), *(stmt.indexIncludingParams or ())]:
        base = elem.name or "expr"
        name, i = base, 1
        while name in names:
            name, i = f"{base}{i}", i + 1
        names.append(name)
    addition = ""
    for name in names:
        addition = f"{addition}_{name}" if addition else name
        if len(addition) >= NAMEDATALEN:
            break
    return _object_name(bare, addition[:NAMEDATALEN - 1], kind)


# -- the plan ----------------------------------------------------------------------------------------------

def repartitioned(live: dict[str, Any] | None, desired: dict[str, Any] | None) -> list[tuple[str, str, str, bool]]:
    """Tables on both sides partitioned differently: (name, how live, how the specs want it, whether only the
    key changes: migra plans nothing for that; a table that becomes partitioned or stops being so, migra
    drops and creates)."""
    if not live or not desired or "relations" not in live or "relations" not in desired:
        return []
    lrel, drel = live["relations"], desired["relations"]
    out = []
    for name in sorted(set(lrel) & set(drel)):
        (lkind, lkey), (dkind, dkey) = lrel[name], drel[name]
        if (lkind == dkind and lkey == dkey) or "f" in (lkind, dkind):
            continue
        out.append((name, f"partitioned by {lkey}" if lkind == "p" else "not partitioned",
                    f"partitioned by {dkey}" if dkind == "p" else "not partitioned", lkind == dkind))
    return out


def refuse_repartitioning(live: dict[str, Any] | None, desired: dict[str, Any] | None, conn: Any) -> None:
    """A PlanError for a table whose partitioning the specs change while it holds rows (migra would drop and
    create it), or whose partition key alone changes (PostgreSQL cannot do that in place)."""
    from psycopg import sql as psql

    for name, was, wants, key_only in repartitioned(live, desired):
        schema, _, bare = name.partition(".")
        rows = conn.execute(psql.SQL("SELECT EXISTS (SELECT 1 FROM {}.{})").format(
            psql.Identifier(schema), psql.Identifier(bare))).fetchone()[0]
        if not rows and not key_only:
            continue  # an empty table: dropped and created again
        why = "it holds rows, and pgdecl never drops and creates a table holding rows" if rows else \
            "PostgreSQL cannot change a partition key in place"
        raise PlanError(
            f"table {name} is {was} and the specs want it {wants}: refused, {why}. Create the new table under "
            "another name with the new partition_by, copy the rows (INSERT INTO new SELECT * FROM old), then drop "
            "the old one and rename the new one" + ("; or, as it is empty, remove it from the specs, apply, and "
                                                    "add it back" if not rows else ""))


def _without_clone_drops(statements: list[str], live: dict[str, Any], detached: set[str]) -> list[str]:
    """Without migra's drops of the foreign keys PostgreSQL keeps per partition of a referenced partitioned
    table (conparentid set): they come and go with the partitions and their parent's foreign key. Those
    of a partition that becomes a table of its own (`detached`) stay its own after the DETACH."""
    clones = {tuple(c) for c in live.get("inherited_fks", ()) if c[0] not in detached}
    if not clones:
        return statements
    out = []
    for sql in statements:
        s = _parse(sql) if "drop constraint" in sql.lower() else None
        if isinstance(s, ast.AlterTableStmt) and len(s.cmds or ()) == 1 \
                and s.cmds[0].subtype == AlterTableType.AT_DropConstraint \
                and (_rel(s.relation), s.cmds[0].name) in clones:
            continue
        out.append(sql)
    return out


def plan_statements(statements: list[str], live: dict[str, Any] | None, desired: dict[str, Any] | None) -> list[str]:
    """The plan's statements with partitions attached, detached and created under their parent (see the
    module's docstring). Kept whole: the sets it works out (removed, standalone, new, attached,
    rebound) decide one another's statements, and splitting them apart would pass them all around."""
    if not live or not desired or "relations" not in live or "relations" not in desired:
        return statements
    lrel, drel = live["relations"], desired["relations"]
    lpo, dpo = live["partition_of"], desired["partition_of"]
    statements = _without_clone_drops(statements, live, {p for p in lpo if p in drel and p not in dpo})

    def ancestors(name: str, po: dict[str, Any]) -> list[str]:
        out: list[str] = []
        while name in po and _plain(po[name][0]) not in out:
            name = _plain(po[name][0])
            out.append(name)
        return out

    gone = {t for t in lrel if t not in drel}
    removed = {p for p in lpo if p in gone and _plain(lpo[p][0]) not in gone}
    gone_with = {p for p in lpo if p in gone and p not in removed}  # dropped with its parent (DROP TABLE cascades)
    tree_gone = {t for t in gone if lrel[t][0] == "p"} | removed | gone_with  # their indexes and keys go with them
    standalone = {p for p in lpo if p in drel and p not in dpo}
    new = {p for p in dpo if p not in lrel and _plain(dpo[p][0]) in lrel}
    new |= {p for p in dpo if p not in lrel and set(ancestors(p, dpo)) & new}
    created = {p for p in dpo if p not in lrel}  # every partition the plan creates
    attached = {p for p in dpo if p in lrel and p not in lpo}  # a table of its own that becomes a partition
    gets = new | attached  # partitions PostgreSQL gives the parent's existing indexes, keys and foreign keys
    rebound = sorted(p for p in dpo if p in lpo and (lpo[p][0], lpo[p][1]) != (dpo[p][0], dpo[p][1]))
    if not (tree_gone or standalone or created or attached or rebound):
        return statements

    parent_index = {_plain(child): _plain(parent) for parent, child in desired.get("attached", ())}
    live_indexes = set(live.get("indexes", ())) | set(live.get("partition_indexes", ()))
    index_table = dict(live.get("partition_indexes", {}))
    index_stmts: dict[str, Any] = {}
    constraint_kind: dict[str, str] = {}  # index -> pkey or key, from migra's ADD CONSTRAINT ... USING INDEX
    for sql in statements:
        s = _parse(sql)
        if isinstance(s, ast.IndexStmt) and s.idxname:
            index_stmts[f"{s.relation.schemaname or 'public'}.{s.idxname}"] = s
        elif isinstance(s, ast.AlterTableStmt):
            for cmd in s.cmds or ():
                c = cmd.def_ if cmd.subtype == AlterTableType.AT_AddConstraint else None
                if isinstance(c, ast.Constraint) and c.contype in (ConstrType.CONSTR_PRIMARY, ConstrType.CONSTR_UNIQUE):
                    index = f"{s.relation.schemaname or 'public'}.{c.indexname or c.conname}"
                    constraint_kind[index] = "pkey" if c.contype == ConstrType.CONSTR_PRIMARY else "key"
                    if not c.indexname:  # ADD CONSTRAINT ... PRIMARY KEY (cols): builds its index
                        index_stmts[index] = ast.IndexStmt(
                            relation=s.relation, idxname=c.conname,
                            indexParams=tuple(ast.IndexElem(name=k.sval) for k in c.keys or ()),
                            indexIncludingParams=tuple(ast.IndexElem(name=k.sval) for k in c.including or ()))

    children: dict[str, list[str]] = {}
    for child, parent in parent_index.items():
        children.setdefault(parent, []).append(child)

    def cascades(index: str, seen: frozenset[str] = frozenset()) -> bool:
        """An index the plan builds ON ONLY a partitioned table whose partitions the plan all creates: built
        on the parent instead, PostgreSQL makes the partitions' copies itself."""
        if index in seen or index not in index_stmts or not children.get(index):
            return False
        return all(_rel(index_stmts[c].relation) in created and (not children.get(c) or cascades(c, seen | {index}))
                   for c in children[index] if c in index_stmts) and all(c in index_stmts for c in children[index])

    def inherited(index: str, seen: frozenset[str] = frozenset()) -> bool:
        """A new partition's index that PostgreSQL makes itself: its parent index exists or is made so too."""
        s = index_stmts.get(index)
        parent = parent_index.get(index)
        if s is None or parent is None or _rel(s.relation) not in created | attached or index in seen:
            return False
        if _rel(s.relation) in gets and parent in live_indexes:
            return True
        return cascades(parent) and (parent not in parent_index or inherited(parent, seen | {index})
                                     or parent_index[parent] not in index_stmts)

    auto = {i for i in index_stmts if inherited(i)}
    on_parent = {i for i in index_stmts if cascades(i) and i not in auto}  # built on the parent, cascading
    renames = []
    for index in sorted(auto):
        s = index_stmts[index]
        want = index.rpartition(".")[2]
        got = default_index_name(_rel(s.relation), s, constraint_kind.get(index, "idx"))
        if got != want:
            schema = index.rpartition(".")[0]
            renames.append(f"ALTER INDEX {_quote(f'{schema}.{got}')} RENAME TO {_quote(f'{schema}.{want}')[len(_quote(schema)) + 1:]}")

    first: list[str] = [f"ALTER TABLE {lpo[p][0]} DETACH PARTITION {_quote(p)}" for p in rebound]
    out: list[str] = []
    for sql in statements:
        s = _parse(sql)
        if isinstance(s, ast.DropStmt) and s.removeType == ObjectType.OBJECT_TABLE:
            names = {".".join(n.sval for n in obj) if len(obj) > 1 else f"public.{obj[0].sval}" for obj in s.objects}
            if names & (removed | gone_with):
                for name in sorted(names & removed):
                    out.append(f"ALTER TABLE {lpo[name][0]} DETACH PARTITION {_quote(name)}")
                    out.append(f"DROP TABLE {_quote(name)}")
                continue
        elif isinstance(s, ast.DropStmt) and s.removeType == ObjectType.OBJECT_INDEX:
            names = {".".join(n.sval for n in obj) if len(obj) > 1 else f"public.{obj[0].sval}" for obj in s.objects}
            if any(index_table.get(n) in tree_gone for n in names):
                continue
        elif isinstance(s, ast.AlterTableStmt) and s.objtype == ObjectType.OBJECT_TABLE:
            table = _rel(s.relation)
            subtypes = {cmd.subtype for cmd in s.cmds or ()}
            if table in tree_gone and subtypes <= {AlterTableType.AT_DropConstraint}:
                continue
            if subtypes == {AlterTableType.AT_DetachPartition} and _rel(s.cmds[0].def_.name) in standalone:
                first.append(sql)
                continue
            if table in created | attached and subtypes == {AlterTableType.AT_AddConstraint}:
                c = s.cmds[0].def_
                if f"{s.relation.schemaname or 'public'}.{c.indexname or c.conname}" in auto:
                    continue
            if subtypes == {AlterTableType.AT_AddConstraint} and not s.relation.inh:
                c = s.cmds[0].def_
                if f"{s.relation.schemaname or 'public'}.{c.indexname or c.conname}" in on_parent:
                    sql = re.sub(r"^\s*ALTER\s+TABLE\s+ONLY\s+", "ALTER TABLE ", sql, count=1, flags=re.IGNORECASE)
        elif isinstance(s, ast.AlterTableStmt) and s.objtype == ObjectType.OBJECT_INDEX:
            cmd = (s.cmds or (None,))[0]
            attaching = _rel(cmd.def_.name) if cmd is not None and cmd.subtype == AlterTableType.AT_AttachPartition else None
            if attaching is not None and (attaching in auto
                                          or desired.get("partition_indexes", {}).get(attaching) in attached):
                continue  # ATTACH PARTITION of its table attaches it
        elif isinstance(s, ast.IndexStmt) and s.idxname:
            index = f"{s.relation.schemaname or 'public'}.{s.idxname}"
            if index in auto:
                continue
            if index in on_parent and not s.relation.inh:
                sql = re.sub(r"\s+ON\s+ONLY\s+", " ON ", sql, count=1, flags=re.IGNORECASE)
        out.append(sql)
    attach = [f"ALTER TABLE {dpo[p][0]} ATTACH PARTITION {_quote(p)} {dpo[p][1]}" for p in rebound]
    return first + out + renames + attach

