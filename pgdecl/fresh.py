"""A plan into an empty database: the rendered DDL itself, not migra's piecemeal diff.

When the live database holds nothing of its own (no user schema but a pristine `public`, no object
in it, no extension but plpgsql, no default privileges, event triggers, casts, languages, publications
or foreign servers), the difference from it to the desired schema is the whole desired schema, and
the rendered DDL already is a correct, ordered script creating it (the scratch load proves exactly
that: the same statements, in one transaction, into an empty database): tables with their constraints
inline, each index once, then triggers, policies, owners, grants and comments. migra would write about
three times as many statements (a constraint, a NOT NULL, a default each) for the same schema.

The steps are typed like any plan's (pgdecl.engine.describe) and carry their spec line. Roles are
cluster-wide: the rendered CREATE ROLE statements give way to those the live cluster lacks.

`DesiredBuild` loads the DDL into a scratch database on a thread of its own while the live database
takes the plan, so `apply` commits only once the scratch load has proved it (SQL function bodies
checked), and reads that database's `state`: everything a plan compares. At the end of the main
transaction the live database's state is read too; when the two are the same the apply converged,
proved without a second plan (two full inspections and a diff); else `apply` makes the second plan,
which decides. When that scratch database would be on the live database's own server, loaded by the
same user, the apply's main transaction is that very load (`LiveLoad`): no second load runs beside it,
SQL function bodies are checked in a savepoint of the main transaction, and convergence holds unless
another session changed a catalog while it ran (the rows it did not write are compared).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import psycopg

from . import sqltree
from .catalog import FINGERPRINT_SQL, live_fingerprint, others_rows, role_statements
from .db import Database, connect
from .engine.ops import (ACCESS_EXCLUSIVE, ALTER, CREATE, NO_LOCK, RELATION, SHARE, SHARE_ROW_EXCLUSIVE,
                         SHARE_UPDATE_EXCLUSIVE, ObjectId)
from .hazards import Hazard
from .errors import DatabaseError, PgdeclError, PlanError

if TYPE_CHECKING:
    from .desired import Desired
    from .plan import Plan, Step
    from .render import Rendered

SOURCE = "render"  # Step.source of a step taken from the rendered DDL

# Anything of its own in a database makes it not empty; pgdecl's own schema (the history) and the
# temporary schemas of sessions aside (a table's TOAST table has it in its own schema). Objects made
# by initdb have OIDs below 16384.
_OWN_NS = ("SELECT oid FROM pg_namespace WHERE nspname = 'pgdecl' OR nspname LIKE 'pg\\_temp\\_%' "
           "OR nspname LIKE 'pg\\_toast\\_temp\\_%'")
EMPTY_SQL = f"""
SELECT NOT EXISTS (SELECT FROM pg_namespace WHERE oid >= 16384 AND oid NOT IN ({_OWN_NS}))
   AND NOT EXISTS (SELECT FROM pg_class WHERE oid >= 16384 AND relnamespace NOT IN ({_OWN_NS})
                      AND relnamespace <> 'pg_toast'::regnamespace)
   AND NOT EXISTS (SELECT FROM pg_type WHERE oid >= 16384 AND typnamespace NOT IN ({_OWN_NS})
                      AND typnamespace <> 'pg_toast'::regnamespace)
   AND NOT EXISTS (SELECT FROM pg_proc WHERE oid >= 16384)
   AND NOT EXISTS (SELECT FROM pg_extension WHERE extname <> 'plpgsql')
   AND NOT EXISTS (SELECT FROM pg_default_acl)
   AND NOT EXISTS (SELECT FROM pg_event_trigger)
   AND NOT EXISTS (SELECT FROM pg_cast WHERE oid >= 16384)
   AND NOT EXISTS (SELECT FROM pg_language WHERE oid >= 16384 AND lanname <> 'plpgsql')
   AND NOT EXISTS (SELECT FROM pg_publication)
   AND NOT EXISTS (SELECT FROM pg_foreign_server)
   AND NOT EXISTS (SELECT FROM pg_collation WHERE oid >= 16384)
   AND NOT EXISTS (SELECT FROM pg_operator WHERE oid >= 16384)
   AND NOT EXISTS (SELECT FROM pg_ts_config WHERE oid >= 16384)
   AND NOT EXISTS (SELECT FROM pg_ts_dict WHERE oid >= 16384)
   AND EXISTS (SELECT FROM pg_namespace n WHERE n.oid = 'public'::regnamespace
                  AND obj_description(n.oid, 'pg_namespace') IS NOT DISTINCT FROM 'standard public schema'
                  AND ((n.nspowner = 'pg_database_owner'::regrole
                        AND n.nspacl::text = '{{pg_database_owner=UC/pg_database_owner,=U/pg_database_owner}}')
                       OR (n.nspowner = 10 AND n.nspacl::text = format('{{%1$s=UC/%1$s,=UC/%1$s}}',
                                                                        quote_ident(n.nspowner::regrole::text)))))
   AND current_setting('search_path') = '"$user", public'
"""


def empty(conn: psycopg.Connection) -> bool:
    """Whether the database holds nothing a plan would have to take into account: the rendered DDL
    then makes it exactly what a scratch load of that DDL is."""
    try:
        row = conn.execute(EMPTY_SQL).fetchone()
    except psycopg.Error:  # an older or unusual server (no pg_database_owner): the general path
        conn.rollback()
        return False
    return bool(row and row[0])


def desired_for(project_dir: str) -> Desired:
    """The desired side an apply plans and loads: pgdecl.desired.desired_from_specs with each statement
    as its template wrote it, laid out by `layout` instead of prettified (the same parse trees; pglast's
    printer is most of a render's time), cached like it; a new cache entry is written by a thread
    while the apply works (the caller calls pgdecl.cache.flush() before it returns)."""
    from .desired import desired_from_specs

    return desired_from_specs(project_dir, store_later=True, pretty=False)


# what `_top_commas` looks at: quoted strings and names, dollar quotes' opening tags, comments, lists
_TOKEN = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|(?<![A-Za-z_0-9$])\$(?:[A-Za-z_][A-Za-z_0-9]*)?\$|--|/\*|['"(),]""")
_NAME = r'(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z_0-9$]*)'
_TABLE_HEAD = re.compile(rf"CREATE TABLE (?:IF NOT EXISTS )?{_NAME}(?:\.{_NAME})? ?")
_LOCATION = re.compile(r'"(?:\w*location|stmt_len|\w*list_start|\w*list_end)":-?\d+,?')  # offsets


def layout(sql: str) -> str:
    """A CREATE TABLE with its columns and constraints one a line, as the prettifier lays them out:
    the text broken at the top-level commas of its first parenthesised list (outside quotes, dollar
    quotes and comments). Any other statement, or one whose parse tree (locations aside) this would
    change, as it is."""
    if not sql.startswith("CREATE TABLE"):
        return sql
    cuts = _top_commas(sql)
    if cuts is None or not _TABLE_HEAD.fullmatch(sql[:cuts[0]]):  # not a column list (PARTITION OF, AS)
        return sql
    start, commas, end = cuts
    bounds = [start, *commas, end]
    parts = [sql[a + 1:b].strip() for a, b in zip(bounds, bounds[1:])]
    out = sql[:start + 1].rstrip() + "\n  " + ",\n  ".join(parts) + "\n" + sql[end:]
    if "\\" not in sql:  # only whitespace next to comma tokens changed (the scanner knows every quote
        return out        # there is): the same tokens, the same tree
    from pglast.parser import ParseError, parse_sql_json  # a backslash: what a server might read as an escape

    try:
        same = _LOCATION.sub("", parse_sql_json(out)) == _LOCATION.sub("", parse_sql_json(sql))
    except ParseError:
        return sql
    return out if same else sql


def _top_commas(sql: str) -> tuple[int, list[int], int] | None:
    """(its opening parenthesis, the commas at its top level, its closing parenthesis) of the first
    parenthesised list of `sql`; None when there is none or the text is not what this scanner knows."""
    depth, start, commas = 0, -1, list[int]()
    pos = 0
    while (m := _TOKEN.search(sql, pos)) is not None:
        token, i, pos = m.group(), m.start(), m.end()
        if token == "(":
            depth += 1
            start = i if depth == 1 and start < 0 else start
        elif token == ")":
            depth -= 1
            if depth == 0:
                return start, commas, i
        elif token == ",":
            if depth == 1:
                commas.append(i)
        elif token[0] == "$":
            pos = sql.find(token, pos)
            if pos < 0:
                return None
            pos += len(token)
        elif token[0] not in "'\"" or len(token) == 1 or (token[0] == "'" and i > 0 and sql[i - 1] in "eE"):
            return None  # comments, escape strings, an unterminated quote: left as they are
    return None


def eligible(desired: Desired) -> bool:
    """Specs the rendered DDL can be planned from: all but what is planned from the model against
    the live database rather than rendered (pgdecl.desired._rendered_plan)."""
    return desired.rendered_plan


def probe(live: Database, desired: Desired) -> tuple[str, list[str]] | None:
    """(live fingerprint, role statements the cluster lacks) when the live database is empty, read
    in one snapshot; else None."""
    if not eligible(desired):
        return None
    with connect(live) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        if not empty(conn):
            return None
        found = live_fingerprint(conn), role_statements(conn, desired.project)
        conn.rollback()
    return found


def steps(desired: Desired, roles: list[str]) -> tuple[Step, ...] | None:
    """The plan into an empty database: `roles` (what the cluster lacks), then the rendered DDL but
    its own role statements, all in the main transaction, typed, with hazards and spec lines. None
    when the DDL creates no table, view, function, type or sequence: the database would be as empty
    afterwards, and the next plan the same statements again (role comments, settings), so such specs
    take the general path."""
    from .engine.describe import describe
    from .hazards import classify, recreated_objects
    from .online import MAIN
    from .plan import Step, _typed

    ddl = [s for s in desired.rendered.statements if s.kind != "role"]
    trees = [_tree(s.sql) for s in ddl]
    if not any(t is not None and t.kind in _LEAVES_A_TRACE for t in trees):
        return None
    new = {t.table for t in trees if t is not None and t.kind == "CreateStmt" and t.table is not None}
    again = recreated_objects(s.sql for s, t in zip(ddl, trees) if t is None or t.kind in _RECREATED)
    out = list(_typed([Step(sql, classify(sql), MAIN, "roles") for sql in roles], desired.project))
    for s, tree in zip(ddl, trees):
        where = None if s.origin is None else s.origin.file if s.origin.line is None \
            else f"{s.origin.file}:{s.origin.line}"
        typed = _quick(tree, new) if tree is not None else None
        if typed is None:
            op = describe(s.sql)
            typed = (classify(s.sql, new_tables=new, recreated=again), op.action, str(op.obj) if op.obj else "",
                     op.lock)
        out.append(Step(s.sql, typed[0], MAIN, SOURCE, *typed[1:], origin=where))
    return tuple(out)


_RECREATED = {"ViewStmt", "CreateTableAsStmt", "CreateFunctionStmt"}
# statements that leave an object in a schema of the database: after them it is not empty (`empty`)
_LEAVES_A_TRACE = {"CreateStmt", "ViewStmt", "CreateTableAsStmt", "CreateFunctionStmt", "CreateEnumStmt",
                   "CreateDomainStmt", "CreateSeqStmt", "CompositeTypeStmt", "CreateRangeStmt"}
_STR = r'"((?:[^"\\]|\\.)*)"'
_RV = rf'\{{(?:"schemaname":{_STR},)?"relname":{_STR}'
# libpg_query's JSON of one statement starts with its node type and, for these, its relation
_HEAD = re.compile(sqltree.JSON_HEAD + r':\{'
                   rf'(?:"relation":{_RV}|"idxname":{_STR},"relation":{_RV})?')
_FK_CMD = '"cmds":[{"AlterTableCmd":{"subtype":"AT_AddConstraint","def":{"Constraint":{"contype":"CONSTR_FOREIGN"'


@dataclass(frozen=True)
class _Tree:
    """What `_quick` needs of one statement's parse tree."""

    kind: str          # node type: CreateStmt, IndexStmt, ...
    table: str | None  # schema.name of its relation (CREATE TABLE, CREATE INDEX, ALTER TABLE)
    index: str | None  # CREATE INDEX: the index's name
    inherits: bool     # CREATE TABLE: INHERITS or PARTITION OF (the parent is locked)
    concurrent: bool   # CREATE INDEX CONCURRENTLY
    fk_only: bool      # ALTER TABLE: exactly one command, ADD FOREIGN KEY, on a table


def _tree(sql: str) -> _Tree | None:
    """The node type and relation of the one statement of `sql`, read from the head of libpg_query's
    JSON (a C parse, many times faster than pglast's Python tree); None unless it is exactly one
    statement."""
    from pglast.parser import ParseError, parse_sql_json

    try:
        text = parse_sql_json(sql)
    except ParseError:
        return None
    m = _HEAD.match(text)
    if m is None or text.count('{"stmt":') != 1:  # a string literal's braces and quotes come escaped
        return None
    kind, schema, name, index, ischema, iname = m.groups()
    schema, name = (schema, name) if name is not None else (ischema, iname)
    table = None if name is None else f"{_unescape(schema) if schema is not None else 'public'}.{_unescape(name)}"
    # flags read now: the JSON (many times the statement) is not kept
    return _Tree(kind, table, None if index is None else _unescape(index), '"inhRelations":' in text,
                 '"concurrent":true' in text,
                 text.count('{"AlterTableCmd":') == 1 and _FK_CMD in text and '"objtype":"OBJECT_TABLE"' in text)


def _unescape(s: str) -> str:
    return str(json.loads(f'"{s}"'))


def _quick(tree: _Tree, new: set[str]) -> tuple[tuple[Hazard, ...], str, str, str] | None:
    """(hazards, action, object, lock) of the statements most of a schema is made of (CREATE TABLE,
    CREATE INDEX and ADD FOREIGN KEY on a table the plan creates: no hazard), exactly as
    pgdecl.engine.describe and pgdecl.hazards.classify find them; None for any other statement."""
    if tree.table is None:
        return None
    schema, _, name = tree.table.partition(".")
    if tree.kind == "CreateStmt":
        inherits = tree.inherits
        return (), CREATE, str(ObjectId(RELATION, schema, name)), ACCESS_EXCLUSIVE if inherits else NO_LOCK
    if tree.table not in new:
        return None
    if tree.kind == "IndexStmt" and tree.index:
        lock = SHARE_UPDATE_EXCLUSIVE if tree.concurrent else SHARE
        return (), CREATE, str(ObjectId(RELATION, schema, tree.index)), lock
    if tree.kind == "AlterTableStmt" and tree.fk_only:
        return (), ALTER, str(ObjectId(RELATION, schema, name)), SHARE_ROW_EXCLUSIVE
    return None


def from_render(plan: Plan) -> bool:
    """Whether a plan was taken from the rendered DDL (into an empty database)."""
    return any(s.source == SOURCE for s in plan.steps)


# every user function's full definition (language, cost, argument defaults, ...): the live
# fingerprint has a hash of its body only
_FUNCTIONS_SQL = """
SELECT n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
       CASE WHEN p.prokind IN ('f', 'p') THEN pg_get_functiondef(p.oid) ELSE p.prokind::text END
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgdecl') AND n.nspname NOT LIKE 'pg\\_%'
   AND NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.objid = p.oid AND dep.deptype = 'e')
"""


# pgdecl.catalog_diff.snapshot's entries about the database itself, not its schema: the connecting
# user, and the database's name, owner and grants (compared only for specs with `database: grants:`,
# which are not planned from the rendered DDL: `eligible`)
_NOT_SCHEMA = ("user", "database")


@dataclass(frozen=True)
class State:
    """Everything a plan compares in a database (pgdecl's history aside), read in one snapshot: the
    live fingerprint (pgdecl.catalog), every function's definition and pgdecl's own catalog reads
    (pgdecl.catalog_diff.snapshot: owners, privileges, comments, partitions and each kind migra
    misses). Two databases in the same state plan nothing from one to the other. Owners and grants
    count by name: databases loaded by users of different names differ (a second plan then decides)."""

    fingerprint: str
    functions: tuple[tuple[str, str], ...]
    catalog: dict[str, Any]


def state(conn: psycopg.Connection, in_transaction: bool = False) -> State:
    """The database's State, read in one snapshot; `in_transaction`: within the open transaction of
    `conn` (with what it changed), in a savepoint, which an error rolls back."""
    from .catalog_diff import snapshot

    with conn.transaction():
        if not in_transaction:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        rows = conn.execute(FINGERPRINT_SQL).fetchall()
        functions = tuple(sorted(conn.execute(_FUNCTIONS_SQL).fetchall()))
        catalog = {k: v for k, v in snapshot(conn).items() if k not in _NOT_SCHEMA}
    return State(fingerprint_of(rows), functions, catalog)


def fingerprint_of(rows: list[tuple[Any, ...]]) -> str:
    """pgdecl.catalog.live_fingerprint from the rows of its query."""
    h = hashlib.sha256()
    for row in sorted(rows):
        h.update("\x1f".join(str(x) for x in row).encode())
        h.update(b"\x1e")
    return h.hexdigest()


class LiveLoad:
    """The proof of an apply whose desired side would be built on the live database's own server, by
    the same user (`alike`): its main transaction, into an empty database with no settings of its own,
    is that very load (the same statements in one transaction), so the state after it is the scratch
    load's by construction, unless another session changed a catalog meanwhile. That is checked
    instead: the catalog rows the transaction did not write are the same at its end as at its start
    (pgdecl.catalog.others_rows), and the database was still the planned one at its start. No scratch
    database is loaded beside it (on the same server it doubled the server's work); the fingerprint
    the history records is read in the main transaction."""

    def __init__(self, planned: str, rendered: Rendered) -> None:
        self.planned = planned                 # the live fingerprint the plan was made against
        self.rendered = rendered               # its SQL functions' bodies are checked as a scratch load would
        self.converged: State | None = None
        self._start: list[tuple[object, ...]] | None = None

    def begin(self, conn: psycopg.Connection) -> None:
        """At the start of the main transaction: the rows of others, then the database as planned
        (a change before the first read is found by the second, one after it by before_commit)."""
        self._start = others_rows(conn)
        if live_fingerprint(conn) != self.planned:
            raise PlanError("the schema of the live database changed since the plan was made; nothing was "
                            "applied; make a new plan")

    def before_commit(self, conn: psycopg.Connection) -> None:
        """At its end: the same rows of others, then the fingerprint: converged. Else `converged`
        stays None and the second plan decides. First, SQL functions' bodies are checked as a scratch
        load checks them (pgdecl.scratch.check_bodies_in): a LoadError rolls the transaction back."""
        from .scratch import analyze_catalogs, check_bodies_in

        check_bodies_in(conn, self.rendered)
        analyze_catalogs(conn, len(self.rendered.statements), in_transaction=True)  # for the reads below
        with conn.transaction():  # a savepoint: a failed read leaves the transaction usable
            same = self._start is not None and others_rows(conn) == self._start
            rows = conn.execute(FINGERPRINT_SQL).fetchall() if same else None
        self.converged = State(fingerprint_of(rows), (), {}) if rows is not None else None

    def join(self) -> None:
        """Nothing runs beside the apply."""


# settings of the live database itself (ALTER DATABASE ... SET, ALTER ROLE ... IN DATABASE ... SET):
# a scratch database would not have them, and some change what the same DDL makes
_OWN_SETTINGS_SQL = """
SELECT EXISTS (SELECT 1 FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
                WHERE d.datname = current_database())"""


def alike(admin: Database, live: Database) -> bool:
    """Whether loading the DDL into the empty live database is the scratch load itself (LiveLoad):
    the desired side would be built on the same server by the same user (`admin` is the live
    database's connection, or both are the local server's) and the live database has no settings
    of its own."""
    if not (admin is live or (admin.local and live.local)):
        return False
    with connect(live, autocommit=True) as conn:
        row = conn.execute(_OWN_SETTINGS_SQL).fetchone()
    return row is not None and not row[0]


class DesiredBuild:
    """The DDL loaded into a scratch database and its `state` read there, on a thread of its own
    (or the state found in the cache: the same DDL loaded on the same server version before);
    `wait()` returns once it is, raising what the load raised (a LoadError naming the spec line).
    `before_commit(conn)` compares the live database's state with it at the end of the apply's main
    transaction; `converged` is then the live state when they are the same."""

    def __init__(self, admin: Database, desired: Desired) -> None:
        self._statements = desired.rendered.statements
        self._error: BaseException | None = None
        self.state: State | None = None
        self.converged: State | None = None
        self._ready = threading.Event()  # the state is read (or the build failed): the drop may go on
        self._thread = threading.Thread(target=self._build, args=(admin, desired), name="pgdecl-desired",
                                        daemon=True)
        self._thread.start()

    def _build(self, admin: Database, desired: Desired) -> None:
        from . import cache
        from .sides import DesiredSide

        try:
            # the DDL and server version, and who loads it (owners count by name)
            key = cache.key("fresh-state", DesiredSide(admin, desired.rendered).key(), admin.conninfo)
            found = cache.get("fresh-state", key)
            if isinstance(found, State):
                self.state = found
                return
            self.state = self._load(admin, desired)
            cache.put("fresh-state", key, self.state)
        except BaseException as e:  # noqa: BLE001 - handed to the waiting thread
            self._error = e
        finally:
            self._ready.set()

    def _load(self, admin: Database, desired: Desired) -> State:
        """The DDL loaded into a scratch database and its state read in the same transaction, which
        is rolled back: the state is ready before the commit and the drop, which the apply does not
        wait for. Role statements (cluster-wide) are committed, their roles dropped afterwards."""
        from .scratch import analyze_catalogs, load_in, loaded_scratch, scratch_database

        if any(s.kind == "role" for s in desired.rendered.statements):
            with loaded_scratch(admin, desired.rendered) as db, connect(db, autocommit=True) as conn:
                return state(conn)
        with scratch_database(admin) as db, connect(db) as conn:
            load_in(conn, desired.rendered)
            analyze_catalogs(conn, len(desired.rendered.statements), in_transaction=True)
            found = state(conn, in_transaction=True)
            self.state = found
            self._ready.set()
            conn.rollback()
            return found

    def wait(self) -> None:
        self._ready.wait()
        if isinstance(self._error, PgdeclError):
            raise self._error
        if self._error is not None:
            raise DatabaseError(f"building the desired schema in a scratch database failed: "
                                f"{type(self._error).__name__}: {self._error}")

    def begin(self, conn: psycopg.Connection) -> None:
        """At the start of the main transaction: nothing (the load beside it is the proof)."""

    def before_commit(self, conn: psycopg.Connection) -> None:
        """In the apply's main transaction, once its statements ran: the live state read (while the
        build may still run), then the build waited for (what it raises rolls the transaction back)
        and the two compared. A live state that cannot be read leaves `converged` None."""
        from .scratch import analyze_catalogs

        try:
            analyze_catalogs(conn, len(self._statements), in_transaction=True)
            live = state(conn, in_transaction=True)
        except psycopg.Error:
            live = None
        self.wait()
        self.converged = live if live is not None and live == self.state else None

    def join(self) -> None:
        """Wait for the build, whatever it raised (its scratch database is dropped by then)."""
        self._thread.join()
