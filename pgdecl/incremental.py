"""The plan after a small change to the specs, from the objects it touches only.

A plan whose result was empty proves that the live database, in the catalog state its signal names
(pgdecl.catalog.catalog_signal), holds the schema of that plan's desired DDL: the *baseline*, stored
with its statements and the desired side's dependency graph. When the specs then change while the
live catalogs have not, the plan against the new specs equals the diff between the baseline's DDL
and the new DDL, and that diff is confined to:

- the *changed* relations: those owning a statement that differs (a table and its indexes, keys,
  triggers, policies, comments, grants and owner; a view);
- their *dependants* in the baseline's graph (views on them, foreign keys of other tables into
  them), transitively: their catalog state follows the changed ones';
- and, present on both sides alike so that these load, what they need: other tables and views
  (with their indexes, for keys), and every statement that belongs to no relation (schemas,
  extensions, types, functions, roles, settings, raw SQL).

Both sides of that diff are built in small scratch databases and diffed by the same
pgdecl.plan.steps_between as a full plan; what was left out is the same on both sides and in the
live database, so it has no step. Anything this cannot prove confined gives None, and the caller
makes the full plan: a change to an object that belongs to no relation, a dependant that is not a
relation's, partitioning or inheritance, Citus, a rename hint, a new name that the live database
already holds elsewhere, a statement it cannot place, or a small side that does not load.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from . import cache
from .db import Database, connect
from .engine.ops import COLUMN, CONSTRAINT, KEY, POLICY, RELATION, TRIGGER, ObjectId
from .render import DDL, Rendered

KIND = "baseline"
MAX_SHARE = 0.5  # above this share of the relations, the small sides would not be small: full plan

_OWN_KINDS = {"table", "view", "materialized view", "row level security"}  # name: the relation
_PART_KINDS = {"index", "foreign key", "trigger", "policy"}                 # name: relation.part
_NAMED_KINDS = {"comment", "owner", "grant"}                               # name: what they are about
_SUPPORT_KINDS = {"table", "view", "materialized view", "index"}          # what a needed relation brings
_SHAPES = (" PARTITION ", "PARTITION OF", "PARTITION BY", "INHERITS", "partition of", "partition by", "inherits")
GLOBAL = ""  # the owner of a statement that belongs to no relation


class Fallback(Exception):
    """The change is not provably confined: make the full plan."""


@dataclass(frozen=True)
class Baseline:
    """What an empty plan proved: the live database holds the schema of `statements`."""

    desired_key: str
    statements: tuple[DDL, ...]
    relations: frozenset[str]      # the relations of that project (tables and views, `schema.name`)
    others: frozenset[str]         # its names of objects that are not relations (functions, types, ...)
    index_tables: dict[str, str]   # `schema.index` -> the relation it is on
    graph_rows: tuple[tuple[Any, ...], ...]
    live_fingerprint: str
    roles: bool = False            # the project had roles (its scratch databases go to a server of their own)


def baseline_key(sig: str | None) -> str | None:
    return cache.key(KIND, sig) if sig and cache.enabled() else None


def remember(sig: str | None, desired_key: str, project: Any, rendered: Rendered, graph: Any,
             live_fingerprint: str, specs_key: str | None = None) -> None:
    """Store the baseline of an empty plan against the catalog state `sig`; `specs_key`: that of the
    files the specs were read from (pgdecl.desired.specs_key)."""
    k = baseline_key(sig)
    if k is None or graph is None:
        return
    relations, others, index_tables = names(project)
    cache.put(KIND, k, Baseline(desired_key, tuple(rendered.statements), relations, others, index_tables,
                                tuple(graph.rows), live_fingerprint, bool(project.roles)))
    cache.put(KIND_MARK, k, Mark(bool(project.roles), specs_key))


KIND_MARK = "baseline-mark"  # beside each baseline, what a plan asks before its specs are loaded


@dataclass(frozen=True)
class Mark:
    """Whether the baseline's project had roles, and the key of its spec files."""

    roles: bool
    specs_key: str | None


def find(sig: str | None) -> Baseline | None:
    """The baseline stored for this catalog state, if any."""
    k = baseline_key(sig)
    value = cache.get(KIND, k) if k else None
    return value if isinstance(value, Baseline) else None


def peek(sig: str | None) -> Mark | None:
    """The Mark of the baseline stored for this catalog state; None when there is none. Cheap: a plan
    asks it before its specs are loaded, and most plans then need no baseline."""
    k = baseline_key(sig)
    value = cache.get(KIND_MARK, k) if k else None
    return value if isinstance(value, Mark) else None


def names(project: Any) -> tuple[frozenset[str], frozenset[str], dict[str, str]]:
    """(relations, other object names, index -> relation) of a project, as render names them."""
    from .model import split_name
    from .render import indexes

    relations = frozenset(project.tables) | frozenset(project.views)
    others = frozenset(project.functions) | frozenset(project.enums) | frozenset(project.domains) | \
        frozenset(project.sequences) | frozenset(project.schemas) | frozenset(project.roles)
    index_tables = {}
    for name, rel in (*project.tables.items(), *project.views.items()):
        schema = split_name(name)[0]
        for ix in indexes(name, rel.indexes):
            index_tables[f"{schema}.{ix.name}"] = name
    return relations, others, index_tables


class Owners:
    """Which relation each statement belongs to (GLOBAL for none), from render's kind and name; the
    few it cannot tell so (an index's comment, say) from the statement's operation."""

    def __init__(self, relations: frozenset[str], others: frozenset[str], index_tables: dict[str, str]) -> None:
        self.relations, self.others, self.index_tables = relations, others, index_tables

    def of(self, ddl: DDL) -> str | None:
        """The owning relation, GLOBAL, or None when it cannot be told."""
        kind, name = ddl.kind, ddl.name
        if kind in _OWN_KINDS:
            return name if name in self.relations else self._described(ddl.sql)
        if kind in _PART_KINDS:
            prefix = name.rpartition(".")[0]
            return prefix if prefix in self.relations else self._described(ddl.sql)
        if kind in _NAMED_KINDS:
            if name in self.others:
                return GLOBAL if name not in self.relations else None
            if name in self.relations:
                return name
            prefix = name.rpartition(".")[0]
            if kind == "comment" and prefix in self.relations:
                return prefix
            return self._described(ddl.sql)
        if kind == "sequence" and "OWNED BY" in ddl.sql.upper():
            return self._described(ddl.sql)
        return GLOBAL

    def _described(self, sql: str) -> str | None:
        from .engine.describe import describe

        op = describe(sql)
        for obj in (op.obj, *sorted(op.touches), *sorted(n for n in op.needs if n.kind == COLUMN)):
            rel = self.relation(obj) if obj is not None else None
            if rel:
                return rel
        return None

    def relation(self, obj: ObjectId) -> str | None:
        """The relation of the project an object belongs to (itself, or the table of a column,
        constraint, key, trigger, policy or index), or None."""
        if obj.kind == RELATION:
            name = f"{obj.schema}.{obj.name}"
            return name if name in self.relations else self.index_tables.get(name)
        if obj.kind in (COLUMN, CONSTRAINT, TRIGGER, POLICY):
            name = f"{obj.schema}.{obj.name.split('.', 1)[0]}"
        elif obj.kind == KEY:
            name = f"{obj.schema}.{obj.name.split('(', 1)[0]}"
        else:
            return None
        return name if name in self.relations else None


def _grouped(statements: Iterable[DDL]) -> dict[tuple[str, str], list[str]]:
    out: dict[tuple[str, str], list[str]] = {}
    for d in statements:  # raw SQL is named by its file's path, which moves with the project: by text
        out.setdefault(_key(d), []).append(d.sql)
    return out


def _key(d: DDL) -> tuple[str, str]:
    return (d.kind, "") if d.kind == "sql" else (d.kind, d.name)


def _changed(old: tuple[DDL, ...], new: tuple[DDL, ...]) -> set[tuple[str, str]]:
    """(kind, name) of the statements that differ between the two DDLs."""
    before, after = _grouped(old), _grouped(new)
    return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}


@dataclass
class Selection:
    """The statements of each small side and the relations they were chosen for."""

    live: tuple[DDL, ...]
    desired: tuple[DDL, ...]
    changed: frozenset[str]
    full: frozenset[str]     # changed and dependants: every statement of theirs
    support: frozenset[str]  # what those need: their definitions and indexes
    bodies: tuple[str, ...] = ()  # SQL functions' CREATE OR REPLACE, checked on the desired side


def select(base: Baseline, desired_project: Any, desired_statements: tuple[DDL, ...]) -> Selection:
    """The statements of the two small sides; Fallback when the change is not provably confined."""
    from .model import split_name

    relations, others, index_tables = names(desired_project)
    old_owners = Owners(base.relations, base.others, base.index_tables)
    new_owners = Owners(relations, others, index_tables)
    old_of = [old_owners.of(d) for d in base.statements]
    new_of = [new_owners.of(d) for d in desired_statements]
    keys = _changed(base.statements, desired_statements)
    if not keys:
        raise Fallback("no statement changed")
    changed: set[str] = set()
    for statements, owners in ((base.statements, old_of), (desired_statements, new_of)):
        for d, owner in zip(statements, owners):
            if _key(d) in keys:
                if not owner:
                    raise Fallback(f"{d.kind} {d.name} belongs to no relation")
                changed.add(owner)
    for name in changed & set(desired_project.tables):
        table = desired_project.tables[name]
        if table.renamed_from or any(c.renamed_from for c in table.columns.values()):
            raise Fallback(f"table {name} has a rename hint")
    # dependants in the baseline's graph: their catalog state follows the changed relations'. A view
    # (or a column, trigger or policy) that depends on one comes whole, with what depends on it in
    # turn; a constraint of another table (a foreign key into one) comes alone, its table defined
    both = Owners(base.relations | relations, base.others | others, {**base.index_tables, **index_tables})
    full, parts, wave = set(changed), set(), set(changed)
    while wave:
        found = _dependants(base.graph_rows, {split_name(r) for r in wave})
        wave = set()
        for dep, on in found:
            rel = both.relation(dep)
            if rel is None:
                raise Fallback(f"{dep} depends on {on}")
            if dep.kind == CONSTRAINT:
                parts.add(f"{rel}.{dep.name.split('.', 1)[1]}")
            elif rel not in full:
                full.add(rel)
                wave.add(rel)
    chosen = Chosen(full, parts)
    chosen.support = _support(chosen, base.statements, old_of, desired_statements, new_of, both)
    bodies, read = _bodies(changed, desired_statements, relations)
    if read - full - chosen.support:  # the tables those bodies read, defined on both sides
        extra = read - full - chosen.support
        chosen.support |= extra | _support(Chosen(set(), set(), extra), base.statements, old_of,
                                           desired_statements, new_of, both, start=extra)
    total = len(base.relations | relations) or 1
    if len(full | chosen.support) > MAX_SHARE * total:
        raise Fallback("the change reaches most relations")
    live = _pick(base.statements, old_of, chosen)
    desired = _pick(desired_statements, new_of, chosen)
    for d in (*live, *desired):
        if d.kind == "table" and any(s in d.sql for s in _SHAPES):  # (a view's window may PARTITION BY)
            raise Fallback(f"{d.kind} {d.name} is partitioned or inherits")
    return Selection(live, desired, frozenset(changed), frozenset(full), frozenset(chosen.support), bodies)


def _dependants(rows: tuple[tuple[Any, ...], ...], relations: set[tuple[str, str]]) -> set[tuple[ObjectId, str]]:
    """(object, `schema.relation` it depends on) for what depends on the relations (schema, name), on
    them or their columns, in the rows of pgdecl.engine.graph (normal dependencies; not extension
    members): one pass over the rows, not the graph's maps, which cost more to build than to scan."""
    out = set()
    for kind, schema, name, rkind, rschema, rname, deptype in rows:
        if deptype == "e" or rkind not in (RELATION, COLUMN):
            continue
        on = (rschema, rname if rkind == RELATION else rname.split(".", 1)[0])
        if on in relations and not (kind == RELATION and (schema, name) == on):
            out.add((ObjectId(kind, schema, name), f"{on[0]}.{on[1]}"))
    return out


@dataclass
class Chosen:
    """Relations whose every statement is chosen (`full`), single statements of other relations
    (`parts`: `relation.constraint`, as render names them) and relations only defined (`support`)."""

    full: set[str]
    parts: set[str]
    support: set[str] = field(default_factory=set)

    def takes(self, d: DDL, owner: str | None) -> bool:
        if owner is None:
            raise Fallback(f"cannot tell what {d.kind} {d.name} belongs to")
        return owner == GLOBAL or owner in self.full or d.name in self.parts or \
            (owner in self.support and d.kind in _SUPPORT_KINDS)


def _support(chosen: Chosen, old: tuple[DDL, ...], old_of: list[str | None], new: tuple[DDL, ...],
             new_of: list[str | None], owners: Owners, start: set[str] | None = None) -> set[str]:
    """The relations that the chosen statements and the statements of no relation (a publication's
    tables, raw SQL's) need, or the definitions of `start` need, transitively (their definitions and
    indexes only)."""
    from .engine.describe import describe

    support: set[str] = set(start or ())
    probe = Chosen(chosen.full, chosen.parts) if start is None else Chosen(set(), set(), set(start))
    first = start is None
    while True:
        added: set[str] = set()
        for statements, owners_of in ((old, old_of), (new, new_of)):
            for d, owner in zip(statements, owners_of):
                if not ((owner == GLOBAL and first) or (owner != GLOBAL and probe.takes(d, owner))):
                    continue
                for need in describe(d.sql).needs:
                    rel = owners.relation(need)
                    if rel and rel not in chosen.full and rel not in support:
                        added.add(rel)
        for part in chosen.parts:  # the table a chosen constraint is on
            rel = owners.relation(ObjectId(CONSTRAINT, *_split_part(part)))
            if rel and rel not in chosen.full and rel not in support:
                added.add(rel)
        if not added:
            return support
        support |= added
        probe, first = Chosen(set(), set(), added), False


def _split_part(part: str) -> tuple[str, str]:
    """`schema.table.constraint` -> (schema, `table.constraint`)."""
    schema, _, rest = part.partition(".")
    return schema, rest


def _pick(statements: tuple[DDL, ...], owners: list[str | None], chosen: Chosen) -> tuple[DDL, ...]:
    return tuple(d for d, owner in zip(statements, owners) if chosen.takes(d, owner))


def _clashes(live: Database, selection: Selection, desired_project: Any) -> None:
    """Fallback when a relation or type the new statements create already exists in the live
    database outside the chosen relations (the full DDL would not load: the full plan says where)."""
    from .engine.describe import describe

    old = {d.sql for d in selection.live}
    made = sorted({f"{o.schema}.{o.name}" for d in selection.desired if d.sql not in old
                   for o in describe(d.sql).provides if o.kind == RELATION and o.schema})
    if not made:
        return
    kept = {f"{o.schema}.{o.name}" for d in selection.live for o in describe(d.sql).provides if o.kind == RELATION}
    fresh = [m for m in made if m not in kept]
    if not fresh:
        return
    with connect(live) as conn:
        rows = conn.execute("SELECT n FROM unnest(%s::text[]) AS n WHERE to_regclass(quote_ident(split_part(n, '.', 1)) "
                            "|| '.' || quote_ident(substr(n, length(split_part(n, '.', 1)) + 2))) IS NOT NULL "
                            "OR to_regtype(quote_ident(split_part(n, '.', 1)) || '.' || "
                            "quote_ident(substr(n, length(split_part(n, '.', 1)) + 2))) IS NOT NULL",
                            (fresh,)).fetchall()
        conn.rollback()
    if rows:
        raise Fallback(f"{rows[0][0]} exists in the live database already")


def plan_steps(live: Database, admin: Database, base: Baseline, desired: Any, online: bool, reorder_columns: bool,
               finish: Callable[..., Any], made: tuple[Database, Database] | None = None) -> Any:
    """The plan's steps (pgdecl.plan_cache.Reused) from two small sides, or None: make the full plan.
    `finish(live_side, desired_side, scratch)` turns the two sides into the result, as a full plan
    would. `made`: two empty scratch databases on `admin` made beforehand (prepare)."""
    from . import progress, sides
    from .catalog import role_statements
    from .errors import PgdeclError

    import psycopg

    try:
        selection = select(base, desired.project, tuple(desired.rendered.statements))
        _clashes(live, selection, desired.project)
    except Fallback as e:
        return _full(str(e))
    sides.load_diff()
    with ExitStack() as stack:
        try:
            with progress.step(f"building {len(selection.full) + len(selection.support)} of the "
                               f"{len(base.relations)} relations on both sides ({len(selection.changed)} changed)"):
                live_db, desired_db = _build_both(stack, admin, selection, made)
                with ThreadPoolExecutor(max_workers=1) as pool:
                    old = pool.submit(sides.read, live_db, None, True, False)  # the baseline's fingerprint
                    new = sides.read(desired_db, live=False)
                    live_side = old.result()
        except (PgdeclError, psycopg.Error) as e:  # a small side that does not load: the full plan
            return _full(f"a small side does not load: {str(e).splitlines()[0] if str(e) else e}")  # names it
        with connect(live) as conn:
            live_side.roles = role_statements(conn, desired.project) if desired.project.roles else []
            conn.rollback()
        live_side.fingerprint = base.live_fingerprint
        return finish(live_side, new, lambda: nullcontext(desired_db))


fell_back: str = ""  # why the last call of plan_steps gave None (shown with --verbose progress)


def _full(why: str) -> None:
    global fell_back
    from . import progress

    fell_back = why
    progress.note(f"planning both sides in full: {why}")
    return None


def prepare(stack: ExitStack, admin: Database) -> tuple[Database, Database]:
    """Two empty scratch databases on `admin`, dropped when `stack` closes: made by a plan while it
    loads the specs, when the cache holds a baseline for the live catalogs (the server does this
    while Python works)."""
    from .scratch import scratch_database

    with ThreadPoolExecutor(max_workers=1) as pool:  # the server makes the two at once
        other = pool.submit(stack.enter_context, scratch_database(admin))
        desired_db = stack.enter_context(scratch_database(admin))
        return other.result(), desired_db


def _build_both(stack: ExitStack, admin: Database, selection: Selection,
                made: tuple[Database, Database] | None) -> tuple[Database, Database]:
    """Two scratch databases loaded with the two selections (in parallel unless roles are made:
    roles are cluster-wide)."""
    from .scratch import drop_roles

    created: set[str] = set()
    stack.callback(drop_roles, admin, created)  # after the databases made here (LIFO)
    roles = any(d.kind == "role" for d in (*selection.live, *selection.desired))
    # databases made beforehand are dropped after this returns: only where no role is made
    live_db, desired_db = made if made and not roles else prepare(stack, admin)
    live_r, desired_r = Rendered(selection.live), Rendered(selection.desired)
    if roles:
        created |= load(live_db, live_r)
        created |= load(desired_db, desired_r, selection.bodies)
    else:
        with ThreadPoolExecutor(max_workers=1) as pool:
            other = pool.submit(load, live_db, live_r)
            created |= load(desired_db, desired_r, selection.bodies)
            created |= other.result()
    return live_db, desired_db


_ROLES_SQL = "SELECT rolname FROM pg_catalog.pg_roles"


def load(db: Database, rendered: Rendered, bodies: tuple[str, ...] = ()) -> set[str]:
    """Run a small side's DDL in one transaction; returns the roles it created. The bodies of SQL
    functions are not checked here, as pgdecl.scratch.load checks them: the tables they read may
    be among those left out; `bodies` (pgdecl.incremental._bodies) are checked, after the DDL."""
    from .scratch import _check_bodies_on

    has_roles = any(s.kind == "role" for s in rendered.statements)
    with connect(db) as conn:
        before = {r[0] for r in conn.execute(_ROLES_SQL)} if has_roles else set()
        conn.commit()
        with conn.transaction():
            conn.execute("\n;\n".join(s.sql for s in rendered.statements).encode())
            if bodies:
                _check_bodies_on(conn)
                conn.execute("\n;\n".join(bodies).encode())
        return {r[0] for r in conn.execute(_ROLES_SQL)} - before if has_roles else set()


def _bodies(changed: set[str], statements: tuple[DDL, ...], relations: frozenset[str]) -> tuple[tuple[str, ...], set[str]]:
    """The body checks (CREATE OR REPLACE) of the SQL functions whose bodies name a changed relation,
    which a full load would check against every table, and the relations those bodies name."""
    import re

    from .model import split_name
    from .scratch import _body_check

    changed_names = {split_name(r)[1].lower() for r in changed}
    by_name: dict[str, set[str]] = {}
    for r in relations:
        by_name.setdefault(split_name(r)[1].lower(), set()).add(r)
    checks, read = [], set()
    for d in statements:
        body = _body_check(d)
        if body:
            words = set(re.findall(r"[a-z_][a-z0-9_$]*", d.sql.lower()))
            if changed_names & words:
                checks.append(body)
                read |= {r for w in words & by_name.keys() for r in by_name[w]}
    return tuple(checks), read
