"""Import: an existing database -> a pgdecl project, so a team can adopt pgdecl.

The catalog is read with plain pg_catalog queries (never migra: only `pgdecl/diff.py` imports it).
Every object becomes YAML in the spec format when the model can express it; whatever it cannot
(partitioned and inherited tables, overloaded functions, exclusion constraints, composite and range
types, revokes, ...) goes to a raw `.sql` file of the project, made with PostgreSQL's own `pg_get_*def`
functions where they exist. Anything that depends on a raw object goes raw too, because raw SQL is
loaded after the YAML objects. Nothing is dropped silently: the summary lists each raw object with its
reason, and what the importer does not cover at all.

Output, deterministic for a given database: `00_database.yaml` (extensions, roles, schemas),
`10_<schema>.yaml` per schema, `90_raw.sql`. The written project is loaded and validated before it
is kept; an object pgdecl's validation rejects is moved to raw SQL with the reason.
"""

from __future__ import annotations

import heapq
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import psycopg
import yaml

from . import citus
from .attoptions import user_attoptions
from .db import connect, resolve_target
from .errors import PgdeclError, SpecErrors

DATABASE_FILE = "00_database.yaml"
RAW_FILE = "90_raw.sql"
SHOWN_STATEMENTS = 20  # privilege/comment statements listed one by one in the summary

INDEX_METHODS = ("btree", "hash", "gin", "gist", "brin", "spgist")
PRIVILEGE_ORDER = ("select", "insert", "update", "delete", "truncate", "references", "trigger",
                   "usage", "create", "execute", "connect", "temporary")
FK_ACTIONS = {"a": "no action", "r": "restrict", "c": "cascade", "n": "set null", "d": "set default"}
POLICY_COMMANDS = {"*": "all", "r": "select", "a": "insert", "w": "update", "d": "delete"}
# settings whose value pg_get_functiondef writes unquoted (GUC_LIST_QUOTE)
LIST_SETTINGS = frozenset({"search_path", "temp_tablespaces", "session_preload_libraries",
                           "shared_preload_libraries", "local_preload_libraries"})
INT_RANGES = {"smallint": (-32768, 32767), "integer": (-2147483648, 2147483647),
              "bigint": (-9223372036854775808, 9223372036854775807)}


class ImportFailed(PgdeclError):
    """The import could not be written as asked."""


# -- pure helpers ---------------------------------------------------------------------------------------

def quote_ident(name: str) -> str:
    """Quote an identifier the way PostgreSQL's quote_ident and catalog output do (pgdecl's renderer agrees)."""
    from .render import ident

    return ident(name)


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def qualified(schema: str, name: str) -> str:
    return f"{quote_ident(schema)}.{quote_ident(name)}"


def public_relative(schema: str, name: str) -> str:
    """Names that pgdecl resolves against `public` (trigger functions, owned_by, references): bare in public."""
    return name if schema == "public" else f"{schema}.{name}"


def schema_file_name(schema: str, taken: Iterable[str] = ()) -> str:
    """`10_<schema>.yaml` with the schema name made file-system safe; a short hash tells apart names that
    sanitise alike."""
    import hashlib

    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", schema).strip("_") or "schema"
    name = f"10_{safe}.yaml"
    if safe != schema or name in set(taken):
        name = f"10_{safe}_{hashlib.sha1(schema.encode()).hexdigest()[:6]}.yaml"
    return name


def matching_paren(text: str, start: int) -> int:
    """Index of the parenthesis closing the one at `start`, skipping quoted strings and identifiers."""
    assert text[start] == "("
    depth, i, n = 0, start, len(text)
    while i < n:
        ch = text[i]
        if ch in ("'", '"'):
            j = i + 1
            while j < n:
                if text[j] == ch:
                    if j + 1 < n and text[j + 1] == ch:
                        j += 2
                        continue
                    break
                j += 1
            i = j
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError(f"unbalanced parentheses in {text!r}")


def split_top_level(text: str, sep: str = ",") -> list[str]:
    """Split at `sep` outside parentheses, brackets and quotes."""
    parts, depth, cur, i, n = [], 0, [], 0, len(text)
    while i < n:
        ch = text[i]
        if ch in ("'", '"'):
            j = i + 1
            while j < n:
                if text[j] == ch:
                    if j + 1 < n and text[j + 1] == ch:
                        j += 2
                        continue
                    break
                j += 1
            cur.append(text[i:j + 1])
            i = j + 1
            continue
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
        i += 1
    if "".join(cur).strip():
        parts.append("".join(cur).strip())
    return parts


def strip_outer_parens(expr: str) -> str:
    """`(a > 0)` -> `a > 0`; `(a) AND (b)` stays as it is."""
    expr = expr.strip()
    while expr.startswith("(") and expr.endswith(")"):
        try:
            if matching_paren(expr, 0) != len(expr) - 1:
                break
        except ValueError:
            break
        inner = expr[1:-1].strip()
        if re.match(r"(?i)(select|with|values|table)\b", inner):
            break  # a scalar subquery keeps its parentheses
        expr = inner
    return expr


def setting_value(name: str, value: str) -> str:
    """A function's SET value as SQL, the way pg_get_functiondef writes it."""
    return value if name.lower() in LIST_SETTINGS else literal(value)


def sequence_defaults(type_: str, increment: int) -> dict[str, int]:
    """What CREATE SEQUENCE picks when start/min/max are not given."""
    lo, hi = INT_RANGES.get(type_, INT_RANGES["bigint"])
    if increment > 0:
        return {"min_value": 1, "max_value": hi, "start": 1}
    return {"min_value": lo, "max_value": -1, "start": -1}


def privilege_list(privs: Iterable[str], full: Iterable[str]) -> list[str]:
    """Privileges in a stable order; the whole set an owner has is written `all`."""
    p, f = {x.lower() for x in privs}, {x.lower() for x in full}
    if p and p == f and len(f) > 1:
        return ["all"]
    return sorted(p, key=lambda x: (PRIVILEGE_ORDER.index(x) if x in PRIVILEGE_ORDER else 99, x))


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


def topo_order(nodes: dict[Any, tuple[Any, ...]], deps: dict[Any, set[Any]]) -> list[Any]:
    """Nodes so that each comes after what it depends on; among the ready ones the smallest sort key first.
    A cycle is broken at its smallest node."""
    pending = {n: {d for d in deps.get(n, ()) if d in nodes and d != n} for n in nodes}
    users: dict[Any, set[Any]] = {}
    for n, ds in pending.items():
        for d in ds:
            users.setdefault(d, set()).add(n)
    heap = [(nodes[n], i, n) for i, n in enumerate(sorted(nodes, key=lambda x: nodes[x])) if not pending[n]]
    heapq.heapify(heap)
    counter = len(nodes)
    out: list[Any] = []
    done: set[Any] = set()
    while len(out) < len(nodes):
        if not heap:  # a cycle: take the smallest remaining node
            n = min((x for x in nodes if x not in done), key=lambda x: nodes[x])
            pending[n] = set()
            heap.append((nodes[n], counter, n))
            counter += 1
        _, _, n = heapq.heappop(heap)
        if n in done:
            continue
        done.add(n)
        out.append(n)
        for u in sorted(users.get(n, ()), key=lambda x: nodes[x]):
            pending[u].discard(n)
            if not pending[u] and u not in done:
                counter += 1
                heapq.heappush(heap, (nodes[u], counter, u))
    return out


# -- YAML emission ----------------------------------------------------------------------------------------

class _Dumper(yaml.SafeDumper):
    """Block style for the kinds and their objects, flow style for short leaf mappings and lists, `|` for
    multi-line text, double quotes for SQL holding single quotes, list items indented under their key."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


class _Block(dict):  # type: ignore[type-arg]
    """A mapping always written in block style (the top two levels of a spec file)."""


def _is_scalar(v: Any) -> bool:
    return not isinstance(v, (dict, list))


def _short(items: Iterable[Any], limit: int = 100) -> bool:
    return sum(len(str(x)) + 2 for x in items) <= limit and all("\n" not in str(x) for x in items)


_ODD_BREAKS = re.compile("[\r\x85\u2028\u2029]")


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    if _ODD_BREAKS.search(data):  # line breaks YAML readers fold: only double quotes keep them
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style='"')
    if "\n" in data and not data.endswith("\n\n") and data.strip():
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    if "'" in data and '"' not in data and "\\" not in data and data.isprintable():
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style='"')
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


def _represent_dict(dumper: yaml.SafeDumper, data: dict[Any, Any]) -> yaml.Node:
    flow = not isinstance(data, _Block) and bool(data) \
        and all(_is_scalar(v) or (isinstance(v, list) and all(map(_is_scalar, v))) for v in data.values()) \
        and _short([*data.keys(), *(x for v in data.values() for x in (v if isinstance(v, list) else [v]))], 90)
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=flow)


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flow = all(map(_is_scalar, data)) and _short(data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(dict, _represent_dict)
_Dumper.add_representer(_Block, _represent_dict)
_Dumper.add_representer(list, _represent_list)


def dump_yaml(data: dict[str, Any], header: str = "") -> str:
    """YAML text of spec data: keys in the order given, kinds and the objects of a kind separated by blank
    lines."""
    parts = []
    for key, value in data.items():
        if isinstance(value, dict):
            value = _Block({k: (_Block(v) if isinstance(v, dict) and not _leaf(v) else v) for k, v in value.items()})
        text = yaml.dump(_Block({key: value}), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=4096)
        # a blank line between the block-style objects of a kind
        text = re.sub(r"(?<!:)\n(?=  [^ \n-][^\n]*:\n)", "\n\n", text)
        parts.append(text)
    body = re.sub(r"\n{3,}", "\n\n", "\n".join(parts)).rstrip("\n") + "\n"
    return (header + "\n" if header else "") + body


def _leaf(v: dict[Any, Any]) -> bool:
    return all(_is_scalar(x) or (isinstance(x, list) and all(map(_is_scalar, x))) for x in v.values()) \
        and _short([*v.keys(), *(y for x in v.values() for y in (x if isinstance(x, list) else [x]))], 90)


_TYPE_ALIASES = (
    (re.compile(r"^timestamp(\(\d+\))? with time zone"), r"timestamptz\1"),
    (re.compile(r"^timestamp(\(\d+\))? without time zone"), r"timestamp\1"),
    (re.compile(r"^time(\(\d+\))? with time zone"), r"timetz\1"),
    (re.compile(r"^time(\(\d+\))? without time zone"), r"time\1"),
    (re.compile(r"^character varying"), "varchar"),
)


def short_type(type_: str) -> str:
    """format_type's long names in their common short form: `timestamp with time zone` -> `timestamptz`."""
    for rx, repl in _TYPE_ALIASES:
        type_ = rx.sub(repl, type_)
    return type_


# -- what the importer makes ------------------------------------------------------------------------------

@dataclass(frozen=True)
class RawItem:
    """One object written as raw SQL (or not imported at all), and why."""

    kind: str
    name: str
    reason: str


@dataclass
class ImportResult:
    out_dir: Path
    source: str                                      # the database, shown without a password
    files: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)   # kind -> objects written as YAML
    raw: list[RawItem] = field(default_factory=list)
    skipped: list[RawItem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    raw_statements: list[str] = field(default_factory=list)  # privileges and comments in raw SQL


def summary_text(result: ImportResult) -> str:
    """What `pgdecl import` wrote: YAML counts, each raw SQL object with its reason, what was not imported."""
    lines = [f"Imported {result.source} into {result.out_dir}"]
    if result.replaced:
        lines.append(f"replaced {len(result.replaced)} existing spec file(s)")
    counts = ", ".join(f"{n} {k}" for k, n in result.counts.items() if n)
    lines.append(f"YAML: {counts or 'nothing'}")
    lines.append("files: " + ", ".join(result.files))
    if result.raw:
        lines.append(f"raw SQL ({RAW_FILE}): {len(result.raw)} object(s) the spec format cannot express:")
        lines += [f"  {r.kind} {r.name}: {r.reason}" for r in result.raw]
    if result.raw_statements:
        lines.append(f"raw SQL ({RAW_FILE}): {len(result.raw_statements)} privilege and comment statement(s) the "
                     "spec format cannot express:")
        shown = result.raw_statements[:SHOWN_STATEMENTS]
        lines += [f"  {s}" for s in shown]
        if len(result.raw_statements) > len(shown):
            lines.append(f"  ... and {len(result.raw_statements) - len(shown)} more in {RAW_FILE}")
    if not result.raw and not result.raw_statements:
        lines.append("raw SQL: none")
    if result.skipped:
        lines.append(f"not imported: {len(result.skipped)} object(s):")
        lines += [f"  {r.kind} {r.name}: {r.reason}" for r in result.skipped]
    lines += [f"note: {n}" for n in result.notes]
    return "\n".join(lines) + "\n"


# -- catalog queries ------------------------------------------------------------------------------------

def _not_ext(catalog: str, oid: str) -> str:
    return (f"NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend dx WHERE dx.classid = '{catalog}'::regclass "
            f"AND dx.objid = {oid} AND dx.deptype = 'e')")


SCHEMAS_SQL = f"""
SELECT n.oid, n.nspname, pg_get_userbyid(n.nspowner), obj_description(n.oid, 'pg_namespace')
  FROM pg_namespace n
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgdecl') AND n.nspname NOT LIKE 'pg\\_%%'
   AND {_not_ext('pg_namespace', 'n.oid')}
 ORDER BY n.nspname"""

EXTENSIONS_SQL = """
SELECT e.oid, e.extname, n.nspname, e.extversion, a.default_version
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
  LEFT JOIN pg_available_extensions a ON a.name = e.extname
 ORDER BY e.extname"""

EXTENSION_USERS_SQL = """
SELECT DISTINCT x.refobjid FROM pg_depend d JOIN pg_depend x
    ON x.classid = d.refclassid AND x.objid = d.refobjid AND x.deptype = 'e'
 WHERE d.deptype IN ('n', 'a') AND d.objid >= 16384 AND d.refobjid >= 16384"""

TYPES_SQL = f"""
SELECT t.oid, n.nspname, t.typname, t.typtype, t.typrelid, t.typelem, t.typarray, t.typbasetype,
       CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END, t.typnotnull, t.typdefault,
       t.typcollation <> coalesce((SELECT b.typcollation FROM pg_type b WHERE b.oid = t.typbasetype), 0),
       obj_description(t.oid, 'pg_type'), pg_get_userbyid(t.typowner),
       CASE WHEN t.typtype = 'e' THEN ARRAY(SELECT e.enumlabel FROM pg_enum e WHERE e.enumtypid = t.oid
                                            ORDER BY e.enumsortorder) END,
       (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid)
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
 WHERE n.nspname = ANY(%(schemas)s) AND {_not_ext('pg_type', 't.oid')}
   AND NOT EXISTS (SELECT 1 FROM pg_type e WHERE e.typarray = t.oid)
 ORDER BY n.nspname, t.typname"""

RELATIONS_SQL = f"""
SELECT c.oid, n.nspname, c.relname, c.relkind, c.relpersistence, c.reloptions, c.relrowsecurity,
       c.relforcerowsecurity, c.relreplident, c.relispartition, c.reloftype <> 0,
       (SELECT a.amname FROM pg_am a WHERE a.oid = c.relam), c.reltablespace <> 0,
       obj_description(c.oid, 'pg_class'), pg_get_userbyid(c.relowner),
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END,
       CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,
       ARRAY(SELECT i.inhparent FROM pg_inherits i WHERE i.inhrelid = c.oid ORDER BY i.inhseqno),
       c.relispopulated, CASE WHEN c.reloftype <> 0 THEN format_type(c.reloftype, NULL) END
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = ANY(%(schemas)s) AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
   AND {_not_ext('pg_class', 'c.oid')}
 ORDER BY n.nspname, c.relname"""

COLUMNS_SQL = """
SELECT a.attrelid, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity,
       a.attgenerated, pg_get_expr(d.adbin, d.adrelid), d.oid, a.attislocal, a.attinhcount,
       CASE WHEN a.attcollation <> t.typcollation THEN co.collname END,
       CASE WHEN a.attcollation <> t.typcollation THEN cn.nspname END,
       col_description(a.attrelid, a.attnum), a.attstorage <> t.typstorage, a.attstorage,
       a.attstattarget, a.attcompression, a.attoptions, a.atttypid
  FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  LEFT JOIN pg_collation co ON co.oid = a.attcollation
  LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
 WHERE a.attrelid = ANY(%(rels)s) AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY a.attrelid, a.attnum"""

CONSTRAINTS_SQL = """
SELECT co.oid, co.conname, co.contype, co.conrelid, co.contypid, co.conkey::int2[], co.confkey::int2[],
       co.confrelid, co.confupdtype, co.confdeltype, co.confmatchtype, co.condeferrable, co.condeferred,
       co.convalidated, co.conislocal, co.connoinherit, co.conindid, co.conparentid,
       pg_get_constraintdef(co.oid), obj_description(co.oid, 'pg_constraint'),
       co.confdelsetcols IS NOT NULL AND cardinality(co.confdelsetcols) > 0
  FROM pg_constraint co
 WHERE co.conrelid = ANY(%(rels)s) OR co.contypid = ANY(%(types)s)
 ORDER BY co.conname, co.oid"""

INDEXES_SQL = """
SELECT i.indexrelid, i.indrelid, c.relname, pg_get_indexdef(i.indexrelid), i.indisunique, i.indnullsnotdistinct,
       i.indnkeyatts, i.indkey::int2[], am.amname, pg_get_expr(i.indpred, i.indrelid), c.reloptions,
       c.reltablespace <> 0, obj_description(c.oid, 'pg_class'), i.indisvalid,
       EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid
                  AND k.contype IN ('p', 'u', 'x')),
       (SELECT h.inhparent FROM pg_inherits h WHERE h.inhrelid = i.indexrelid), c.relkind
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
 WHERE i.indrelid = ANY(%(rels)s)
 ORDER BY c.relname"""

TRIGGERS_SQL = """
SELECT tg.oid, tg.tgrelid, tg.tgname, tg.tgtype, tg.tgenabled, tg.tgconstraint <> 0, tg.tgnargs, tg.tgargs,
       tg.tgattr::int2[], tg.tgoldtable IS NOT NULL OR tg.tgnewtable IS NOT NULL, tg.tgparentid <> 0,
       pg_get_triggerdef(tg.oid), tg.tgfoid, p.proname, pn.nspname, obj_description(tg.oid, 'pg_trigger'),
       tg.tgqual IS NOT NULL
  FROM pg_trigger tg JOIN pg_proc p ON p.oid = tg.tgfoid JOIN pg_namespace pn ON pn.oid = p.pronamespace
 WHERE NOT tg.tgisinternal AND tg.tgrelid = ANY(%(rels)s)
 ORDER BY tg.tgname"""

POLICIES_SQL = """
SELECT pol.oid, pol.polrelid, pol.polname, pol.polcmd, pol.polpermissive,
       ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r) END FROM unnest(pol.polroles) r ORDER BY 1),
       pg_get_expr(pol.polqual, pol.polrelid), pg_get_expr(pol.polwithcheck, pol.polrelid),
       obj_description(pol.oid, 'pg_policy')
  FROM pg_policy pol WHERE pol.polrelid = ANY(%(rels)s)
 ORDER BY pol.polname"""

FUNCTIONS_SQL = f"""
SELECT p.oid, n.nspname, p.proname, p.prokind, l.lanname, pg_get_function_arguments(p.oid),
       pg_get_function_identity_arguments(p.oid), pg_get_function_result(p.oid), p.prosrc, p.probin,
       p.provolatile, p.proisstrict, p.prosecdef, p.proparallel, p.proconfig, p.procost, p.prorows,
       p.proleakproof, p.proretset, p.prosupport <> 0, p.prosqlbody IS NOT NULL,
       obj_description(p.oid, 'pg_proc'), pg_get_userbyid(p.proowner),
       count(*) OVER (PARTITION BY n.nspname, p.proname),
       CASE WHEN p.prokind IN ('f', 'p', 'w') THEN pg_get_functiondef(p.oid) END
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
 WHERE n.nspname = ANY(%(schemas)s) AND {_not_ext('pg_proc', 'p.oid')}
   AND NOT EXISTS (SELECT 1 FROM pg_depend di WHERE di.classid = 'pg_proc'::regclass AND di.objid = p.oid
                      AND di.deptype = 'i')  -- range and multirange constructors come with their type
 ORDER BY n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)"""

AGGREGATES_SQL = """
SELECT a.aggfnoid::oid, a.aggkind, a.aggtransfn::text, format_type(a.aggtranstype, NULL),
       CASE WHEN a.aggfinalfn::oid <> 0 THEN a.aggfinalfn::text END,
       CASE WHEN a.aggcombinefn::oid <> 0 THEN a.aggcombinefn::text END, a.agginitval,
       CASE WHEN a.aggsortop <> 0 THEN a.aggsortop::regoperator::text END, a.aggtransspace, a.aggfinalextra,
       a.aggmtransfn::oid <> 0, a.aggserialfn::oid <> 0, a.aggfinalmodify, p.proparallel
  FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid WHERE a.aggfnoid::oid = ANY(%(fns)s)"""

ACL_SQL = """
SELECT o.oid, x.src, CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END,
       x.privilege_type, x.is_grantable
  FROM (SELECT c.oid, c.relacl AS acl, c.relowner AS owner,
               CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char" AS kind, c.relnamespace AS nsp,
               CASE WHEN c.relkind = 'S' THEN 'S' ELSE 'r' END::"char" AS defkind
          FROM pg_class c WHERE c.oid = ANY(%(rels)s)
        UNION ALL SELECT p.oid, p.proacl, p.proowner, 'f', p.pronamespace, 'f' FROM pg_proc p WHERE p.oid = ANY(%(fns)s)
        UNION ALL SELECT t.oid, t.typacl, t.typowner, 'T', t.typnamespace, 'T' FROM pg_type t WHERE t.oid = ANY(%(types)s)
        UNION ALL SELECT n.oid, n.nspacl, n.nspowner, 'n', 0, 'n' FROM pg_namespace n WHERE n.oid = ANY(%(nsps)s)) o,
       LATERAL (SELECT 'have' AS src, * FROM aclexplode(coalesce(o.acl, acldefault(o.kind, o.owner)))
                -- 'late': what an object made after the default privileges (raw SQL is loaded after
                -- them) gets: the owner's global default privileges (else the built-in ones) plus
                -- its default privileges in the object's schema
                UNION ALL SELECT 'default', * FROM aclexplode(acldefault(o.kind, o.owner))
                UNION SELECT 'late', * FROM aclexplode(coalesce(
                    (SELECT d.defaclacl FROM pg_default_acl d WHERE d.defaclrole = o.owner
                        AND d.defaclnamespace = 0 AND d.defaclobjtype = o.defkind), acldefault(o.kind, o.owner)))
                UNION SELECT 'late', a.* FROM pg_default_acl d, aclexplode(d.defaclacl) a
                 WHERE d.defaclrole = o.owner AND d.defaclnamespace = o.nsp AND o.nsp <> 0
                   AND d.defaclobjtype = o.defkind) x
 ORDER BY 1, 2, 3, 4"""

COLUMN_ACL_SQL = """
SELECT a.attrelid, a.attname, CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END,
       x.privilege_type, x.is_grantable
  FROM pg_attribute a, LATERAL aclexplode(a.attacl) x
 WHERE a.attrelid = ANY(%(rels)s) AND a.attacl IS NOT NULL AND NOT a.attisdropped
 ORDER BY 1, 2, 3, 4"""

DEFAULT_ACL_SQL = """
SELECT pg_get_userbyid(d.defaclrole), n.nspname, d.defaclobjtype, x.src,
       CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END, x.privilege_type, x.is_grantable
  FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace,
       LATERAL (SELECT 'have' AS src, * FROM aclexplode(d.defaclacl)
                UNION ALL SELECT 'default', * FROM aclexplode(
                    acldefault(CASE d.defaclobjtype WHEN 'S' THEN 's' WHEN 'f' THEN 'f' WHEN 'T' THEN 'T'
                                                    WHEN 'n' THEN 'n' ELSE 'r' END::"char", d.defaclrole))
                 WHERE d.defaclnamespace = 0) x
 WHERE d.defaclnamespace = 0 OR n.nspname = ANY(%(schemas)s)
 ORDER BY 1, 2, 3, 4, 5, 6"""

ROLES_SQL = """
SELECT r.rolname, r.rolcanlogin, r.rolinherit, r.rolbypassrls, r.rolsuper, r.rolcreatedb, r.rolcreaterole,
       r.rolreplication, r.rolconnlimit <> -1 OR r.rolvaliduntil IS NOT NULL OR r.rolconfig IS NOT NULL,
       shobj_description(r.oid, 'pg_authid'),
       ARRAY(SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
              WHERE m.member = r.oid ORDER BY g.rolname)
  FROM pg_roles r WHERE r.rolname = ANY(%(roles)s)"""

DEPENDS_SQL = """
SELECT d.classid::regclass::text, d.objid, d.objsubid, d.refclassid::regclass::text, d.refobjid, d.refobjsubid,
       d.deptype
  FROM pg_depend d
 WHERE d.deptype IN ('n', 'a', 'P', 'S', 'i') AND d.objid >= 16384 AND d.refobjid >= 16384"""

COLLATIONS_SQL = f"""
SELECT c.oid, n.nspname, c.collname, to_jsonb(c), obj_description(c.oid, 'pg_collation')
  FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace
 WHERE n.nspname = ANY(%(schemas)s) AND {_not_ext('pg_collation', 'c.oid')}
 ORDER BY n.nspname, c.collname"""

RULES_SQL = """
SELECT r.oid, r.ev_class, r.rulename, pg_get_ruledef(r.oid), obj_description(r.oid, 'pg_rewrite')
  FROM pg_rewrite r WHERE r.ev_class = ANY(%(rels)s) AND r.rulename <> '_RETURN'
 ORDER BY r.rulename"""

STATISTICS_SQL = f"""
SELECT s.oid, n.nspname, s.stxname, pg_get_statisticsobjdef(s.oid), obj_description(s.oid, 'pg_statistic_ext')
  FROM pg_statistic_ext s JOIN pg_namespace n ON n.oid = s.stxnamespace
 WHERE n.nspname = ANY(%(schemas)s) AND {_not_ext('pg_statistic_ext', 's.oid')}
 ORDER BY n.nspname, s.stxname"""

EVENT_TRIGGERS_SQL = f"""
SELECT e.oid, e.evtname, e.evtevent, e.evtenabled, e.evttags, p.oid, n.nspname, p.proname,
       obj_description(e.oid, 'pg_event_trigger')
  FROM pg_event_trigger e JOIN pg_proc p ON p.oid = e.evtfoid JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE {_not_ext('pg_event_trigger', 'e.oid')}
 ORDER BY e.evtname"""

# objects the importer does not cover: (kind, query returning names)
UNCOVERED_SQL = {
    "operator": f"""SELECT n.nspname || '.' || o.oprname || '(' || coalesce(format_type(o.oprleft, NULL), 'NONE')
                    || ', ' || coalesce(format_type(o.oprright, NULL), 'NONE') || ')'
                    FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace
                    WHERE n.nspname = ANY(%(schemas)s) AND {_not_ext('pg_operator', 'o.oid')}""",
    "operator class": f"""SELECT n.nspname || '.' || o.opcname FROM pg_opclass o JOIN pg_namespace n
                          ON n.oid = o.opcnamespace WHERE n.nspname = ANY(%(schemas)s)
                          AND {_not_ext('pg_opclass', 'o.oid')}""",
    "operator family": f"""SELECT n.nspname || '.' || o.opfname FROM pg_opfamily o JOIN pg_namespace n
                           ON n.oid = o.opfnamespace WHERE n.nspname = ANY(%(schemas)s)
                           AND {_not_ext('pg_opfamily', 'o.oid')}""",
    "text search configuration": f"""SELECT n.nspname || '.' || c.cfgname FROM pg_ts_config c JOIN pg_namespace n
                                     ON n.oid = c.cfgnamespace WHERE n.nspname = ANY(%(schemas)s)
                                     AND {_not_ext('pg_ts_config', 'c.oid')}""",
    "text search dictionary": f"""SELECT n.nspname || '.' || d.dictname FROM pg_ts_dict d JOIN pg_namespace n
                                  ON n.oid = d.dictnamespace WHERE n.nspname = ANY(%(schemas)s)
                                  AND {_not_ext('pg_ts_dict', 'd.oid')}""",
    "conversion": f"""SELECT n.nspname || '.' || c.conname FROM pg_conversion c JOIN pg_namespace n
                      ON n.oid = c.connamespace WHERE n.nspname = ANY(%(schemas)s)
                      AND {_not_ext('pg_conversion', 'c.oid')}""",
    "cast": f"""SELECT format_type(c.castsource, NULL) || ' AS ' || format_type(c.casttarget, NULL) FROM pg_cast c
                WHERE c.oid >= 16384 AND {_not_ext('pg_cast', 'c.oid')} AND NOT EXISTS (SELECT 1 FROM pg_depend di
                      WHERE di.classid = 'pg_cast'::regclass AND di.objid = c.oid AND di.deptype = 'i')""",
    "foreign data wrapper": f"""SELECT w.fdwname FROM pg_foreign_data_wrapper w
                                WHERE {_not_ext('pg_foreign_data_wrapper', 'w.oid')}""",
    "foreign server": f"""SELECT s.srvname FROM pg_foreign_server s
                          WHERE {_not_ext('pg_foreign_server', 's.oid')}""",
    "publication": "SELECT p.pubname FROM pg_publication p",
    "language": f"""SELECT l.lanname FROM pg_language l WHERE l.oid >= 16384
                    AND {_not_ext('pg_language', 'l.oid')}""",
}


# -- the catalog, as the importer sees it ------------------------------------------------------------------

@dataclass
class Unit:
    """One thing that is written either as YAML or as raw SQL. Parts (columns' defaults, constraints,
    indexes, triggers, policies) can go raw on their own; a raw table takes all its parts with it."""

    key: tuple[str, int]
    kind: str                 # human kind: table, view, function, check constraint, ...
    name: str                 # schema.name or schema.table.part, for messages
    phase: int                # order among raw statements when no dependency decides
    parent: tuple[str, int] | None = None
    raw: str | None = None    # reason when raw
    data: dict[str, Any] = field(default_factory=dict)
    sql: list[str] = field(default_factory=list)   # statements made while reading (table properties)


class Importer:
    def __init__(self, conn: psycopg.Connection, schemas: Iterable[str] = ()) -> None:
        self.conn = conn
        self.wanted = list(schemas)
        self.units: dict[tuple[str, int], Unit] = {}
        self.deps: dict[tuple[str, int], set[tuple[str, int]]] = {}
        self.skipped: list[RawItem] = []
        self.notes: list[str] = []

    # -- reading ---------------------------------------------------------------------------------------

    def q(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        return self.conn.execute(sql, params).fetchall()

    def read(self) -> None:
        c = self.conn
        c.execute("SET search_path = public")
        c.execute("SET intervalstyle = postgres")
        self.server_version = c.info.server_version
        self.current_user = c.execute("SELECT current_user").fetchone()[0]  # type: ignore[index]
        all_schemas = self.q(SCHEMAS_SQL)
        known = {r[1] for r in all_schemas}
        missing = [s for s in self.wanted if s not in known]
        if missing:
            raise ImportFailed(f"no such schema in the database: {', '.join(missing)}")
        self.schema_rows = [r for r in all_schemas if not self.wanted or r[1] in self.wanted]
        self.schemas = [r[1] for r in self.schema_rows]
        p = {"schemas": self.schemas}
        self.extensions = [e for e in self.q(EXTENSIONS_SQL) if e[1] not in citus.CITUS_EXTENSIONS]
        self.citus = citus.read_live(c)[0] if citus.installed(c) else {}  # distributed and reference tables
        self.ext_users = {r[0] for r in self.q(EXTENSION_USERS_SQL)}
        self.types = {r[0]: r for r in self.q(TYPES_SQL, **p)}
        self.rels = {r[0]: r for r in self.q(RELATIONS_SQL, **p)}
        rels = list(self.rels)
        self.columns: dict[int, list[tuple[Any, ...]]] = {}
        for r in self.q(COLUMNS_SQL, rels=rels):
            self.columns.setdefault(r[0], []).append(r)
        domain_oids = [o for o, t in self.types.items() if t[3] == "d"]
        self.constraints = self.q(CONSTRAINTS_SQL, rels=rels, types=domain_oids)
        self.indexes = self.q(INDEXES_SQL, rels=rels)
        self.triggers = self.q(TRIGGERS_SQL, rels=rels)
        self.policies = self.q(POLICIES_SQL, rels=rels)
        self.functions = {r[0]: r for r in self.q(FUNCTIONS_SQL, **p)}
        aggs = [o for o, f in self.functions.items() if f[3] == "a"]
        self.aggregates = {r[0]: r for r in self.q(AGGREGATES_SQL, fns=aggs)} if aggs else {}
        self.collations = self.q(COLLATIONS_SQL, **p)
        self.rules = self.q(RULES_SQL, rels=rels)
        self.statistics = self.q(STATISTICS_SQL, **p)
        self.event_triggers = [r for r in self.q(EVENT_TRIGGERS_SQL) if r[6] in self.schemas]
        nsps = [r[0] for r in self.schema_rows]
        self.acl: dict[int, dict[str, list[AclEntry]]] = {}
        for oid, src, grantee, priv, grantable in self.q(ACL_SQL, rels=rels, fns=list(self.functions),
                                                          types=list(self.types), nsps=nsps):
            self.acl.setdefault(oid, {"have": [], "default": [], "late": []})[src].append(AclEntry(grantee, priv, grantable))
        self.column_acl = self.q(COLUMN_ACL_SQL, rels=rels)
        self.default_acl = self.q(DEFAULT_ACL_SQL, **p)
        self.depends = self.q(DEPENDS_SQL)
        for kind, sql in UNCOVERED_SQL.items():
            for (name,) in self.q(sql, **p):
                self.skipped.append(RawItem(kind, name, "not covered by the spec format or the importer; "
                                                        "recreate it in a .sql file of the project by hand"))

    # -- helpers -----------------------------------------------------------------------------------------

    def rel_name(self, oid: int) -> str:
        r = self.rels[oid]
        return f"{r[1]}.{r[2]}"

    def rel_sql(self, oid: int) -> str:
        r = self.rels[oid]
        return qualified(r[1], r[2])

    def col_names(self, rel: int, nums: Iterable[int]) -> list[str]:
        by_num = {c[1]: c[2] for c in self.columns.get(rel, [])}
        return [by_num[n] for n in nums]

    def unit(self, key: tuple[str, int], kind: str, name: str, phase: int, parent: tuple[str, int] | None = None,
             **data: Any) -> Unit:
        u = Unit(key, kind, name, phase, parent, data=data)
        self.units[key] = u
        return u

    def make_raw(self, key: tuple[str, int], reason: str) -> bool:
        u = self.units.get(key)
        if u is None or u.raw is not None:
            return False
        u.raw = reason
        return True

    def yaml_table(self, oid: int) -> bool:
        u = self.units.get(("rel", oid))
        return u is not None and u.raw is None and u.kind == "table"

    # -- units -------------------------------------------------------------------------------------------

    def build(self) -> None:
        self._collations()
        self._types()
        self._functions()
        self._relations()
        self._constraints()
        self._indexes()
        self._triggers()
        self._policies()
        self._rules()
        self._statistics()
        self._event_triggers()
        self._dependencies()
        self.propagate()

    def _collations(self) -> None:
        for oid, schema, name, info, comment in self.collations:
            self.unit(("coll", oid), "collation", f"{schema}.{name}", 0, info=info, schema=schema, bare=name,
                      comment=comment)
            self.make_raw(("coll", oid), "the spec format has no collations")

    def _types(self) -> None:
        arrays = {t[6] for t in self.types.values() if t[6]}
        for oid, t in self.types.items():
            (_, schema, name, typtype, typrelid, _elem, _arr, _base, _basefmt, _nn, _default, collated, _comment,
             _owner, _labels, relkind) = t
            if oid in arrays or typtype == "m" or (typtype == "c" and relkind != "c"):
                continue  # array, multirange and relation row types come with their owners
            kind = {"e": "enum", "d": "domain", "c": "composite type", "r": "range type", "b": "base type",
                    "p": "pseudo type"}.get(typtype, "type")
            u = self.unit(("type", oid), kind, f"{schema}.{name}", 1, row=t)
            if typtype == "b" or typtype == "p":
                u.raw = "skip"
                self.skipped.append(RawItem(kind, u.name, "a base type needs C input/output functions; "
                                                          "recreate it by hand"))
            elif typtype in ("c", "r"):
                u.raw = f"the spec format has no {kind}s"
            elif typtype == "d" and collated:
                u.raw = "a domain with its own collation"
            elif _odd_name(schema) or _odd_name(name):
                u.raw = "a name with a dot or a double quote"

    def _functions(self) -> None:
        for oid, f in self.functions.items():
            (_, schema, name, prokind, lang, _args, _ident, _result, _src, probin, _vol, _strict, _secdef, _par,
             _config, _cost, _rows, _leak, _retset, support, sqlbody, _comment, _owner, overloads, _fdef) = f
            kind = {"f": "function", "p": "procedure", "a": "aggregate", "w": "window function"}[prokind]
            u = self.unit(("fn", oid), kind, f"{schema}.{name}({f[6]})", 2, row=f)
            if prokind != "f":
                u.raw = f"the spec format has no {kind}s"
            elif overloads > 1:
                u.raw = "overloaded name (the spec format keys functions by name)"
            elif lang in ("c", "internal") or probin:
                u.raw = f"a {lang} function"
            elif sqlbody:
                u.raw = "a SQL-standard body (BEGIN ATOMIC / RETURN)"
            elif support:
                u.raw = "a planner support function"
            elif _odd_name(schema) or _odd_name(name):
                u.raw = "a name with a dot or a double quote"
            elif lang == "plpgsql" and not _plpgsql_parses(f):
                u.raw = "pglast cannot parse its PL/pgSQL body"
            if prokind == "a" and oid in self.aggregates:
                agg = self.aggregates[oid]
                if agg[1] != "n" or agg[10] or agg[11] or agg[9] or agg[12] not in ("r",):
                    u.raw = "skip"
                    self.skipped.append(RawItem("aggregate", u.name, "ordered-set, moving or serialising "
                                                                    "aggregates are not imported"))

    def _relations(self) -> None:
        for oid, r in self.rels.items():
            (_, schema, name, relkind, persistence, reloptions, _rls, _force, replident, ispartition, typed, am,
             tablespace, _comment, _owner, _viewdef, _bound, _partkey, parents, _populated, _oftype) = r
            if relkind == "S":
                self.unit(("rel", oid), "sequence", f"{schema}.{name}", 3, row=r)
                continue
            if relkind in ("v", "m"):
                kind = "view" if relkind == "v" else "materialized view"
                u = self.unit(("rel", oid), kind, f"{schema}.{name}", 9, row=r)
                opts = dict(o.split("=", 1) for o in reloptions or [])
                extra = set(opts) - {"security_invoker", "security_barrier"}
                if extra:
                    u.raw = f"view option(s) {', '.join(sorted(extra))}"
                elif relkind == "m" and reloptions:
                    u.raw = "storage parameters of a materialized view"
                elif _odd_name(schema) or _odd_name(name):
                    u.raw = "a name with a dot or a double quote"
                if tablespace:
                    self.notes.append(f"{kind} {u.name} lives in a tablespace; tablespaces are not imported")
                continue
            if relkind == "f":
                u = self.unit(("rel", oid), "foreign table", f"{schema}.{name}", 4, row=r)
                u.raw = "skip"
                self.skipped.append(RawItem("foreign table", u.name, "foreign tables (and their servers) are not "
                                                                     "imported"))
                continue
            u = self.unit(("rel", oid), "table", f"{schema}.{name}", 4, row=r)
            cols = self.columns.get(oid, [])
            if relkind == "p":
                u.raw = "a partitioned table (the spec format has no PARTITION BY)"
            elif ispartition:
                u.raw = "a partition (the spec format has no PARTITION OF)"
            elif parents:
                u.raw = "an inheritance child (the spec format has no INHERITS)"
            elif typed:
                u.raw = "a typed table (OF type)"
            elif am and am != "heap":
                u.raw = f"table access method {am}"
            elif not cols:
                u.raw = "a table without columns (the spec format needs at least one)"
            elif _odd_name(schema) or _odd_name(name):
                u.raw = "a name with a dot or a double quote"
            elif any(c[11] and c[12] not in ("pg_catalog", "public") for c in cols):
                u.raw = "a column collation outside pg_catalog and public"
            if tablespace:
                self.notes.append(f"table {u.name} lives in a tablespace; tablespaces are not imported")
            # table-level properties the spec format lacks, written as ALTER TABLE after the table
            extras = []
            if persistence == "u":
                extras.append("SET UNLOGGED")
            if reloptions:
                extras.append(f"SET ({', '.join(reloptions)})")
            if replident in ("f", "n"):
                extras.append("REPLICA IDENTITY " + ("FULL" if replident == "f" else "NOTHING"))
            for c in cols:
                col = quote_ident(c[2])
                if c[14]:
                    extras.append(f"ALTER COLUMN {col} SET STORAGE "
                                  + {"p": "PLAIN", "e": "EXTERNAL", "m": "MAIN", "x": "EXTENDED"}[c[15]])
                if c[16] is not None and c[16] >= 0:
                    extras.append(f"ALTER COLUMN {col} SET STATISTICS {c[16]}")
                if c[17]:
                    extras.append(f"ALTER COLUMN {col} SET COMPRESSION " + {"p": "pglz", "l": "lz4"}.get(c[17], c[17]))
                options = user_attoptions(c[18])
                if options:
                    extras.append(f"ALTER COLUMN {col} SET ({', '.join(options)})")
            if extras:
                x = self.unit(("tx", oid), "table properties", u.name, 5, parent=u.key)
                x.raw = "storage, persistence or replica identity settings"
                x.sql = [f"ALTER TABLE {self.rel_sql(oid)} {e}" for e in extras]
            # column defaults: a part of their own, so one can go raw while the table stays YAML
            for c in cols:
                if c[8] is not None and not c[6]:
                    self.unit(("def", c[8]), "column default", f"{u.name}.{c[2]}", 5, parent=u.key, column=c)

    def _constraints(self) -> None:
        for row in self.constraints:
            (oid, name, contype, conrelid, contypid, _conkey, _confkey, _confrelid, _upd, _del, match, deferrable,
             _deferred, validated, islocal, noinherit, _indid, parentid, definition, _comment, delsetcols) = row
            if contypid:  # a domain constraint belongs to its domain
                dom = self.units.get(("type", contypid))
                if dom is not None and dom.raw is None:
                    if contype != "c":
                        continue
                    if not validated:
                        dom.raw = "a domain constraint NOT VALID"
                continue
            if conrelid not in self.rels or contype == "n":
                continue
            if parentid or not islocal:
                continue  # made by the parent's constraint / inherited
            if contype == "t":
                continue  # a constraint trigger's own row: its CREATE CONSTRAINT TRIGGER (a trigger unit) makes it
            kind = {"p": "primary key", "u": "unique constraint", "c": "check constraint", "f": "foreign key",
                    "x": "exclusion constraint", "t": "constraint trigger"}.get(contype, "constraint")
            phase = 7 if contype == "f" else 6
            u = self.unit(("con", oid), kind, f"{self.rel_name(conrelid)}.{name}", phase, parent=("rel", conrelid),
                          row=row)
            bare = self.rels[conrelid][2]
            if contype == "x":
                u.raw = "the spec format has no exclusion constraints"
            elif not validated:
                u.raw = "NOT VALID"
            elif contype == "c" and noinherit:
                u.raw = "NO INHERIT"
            elif contype == "p":
                cols = self.col_names(conrelid, row[5])
                if name != f"{bare}_pkey"[:63]:
                    u.raw = f"primary key named {name} (pgdecl names it {bare}_pkey)"
                elif definition != f"PRIMARY KEY ({', '.join(map(quote_ident, cols))})":
                    u.raw = "primary key with index options or DEFERRABLE"
            elif contype == "u":
                cols = self.col_names(conrelid, row[5])
                plain = f"UNIQUE ({', '.join(map(quote_ident, cols))})"
                nnd = f"UNIQUE NULLS NOT DISTINCT ({', '.join(map(quote_ident, cols))})"
                if definition not in (plain, nnd):
                    u.raw = "unique constraint with index options or DEFERRABLE"
            elif contype == "f":
                if _confrelid not in self.rels:
                    u.raw = "references a table outside the imported schemas"
                elif match == "f" or match == "p":
                    u.raw = "MATCH FULL / MATCH PARTIAL"
                elif delsetcols:
                    u.raw = "ON DELETE SET NULL/DEFAULT with a column list"
            if (deferrable and contype in ("p", "u")) and u.raw is None:
                u.raw = "DEFERRABLE"

    def _indexes(self) -> None:
        for row in self.indexes:
            (oid, rel, name, _idef, _unique, _nnd, _nkey, _indkey, am, _pred, reloptions, tablespace, _comment,
             valid, constraint, _parent, _relkind) = row
            if constraint or rel not in self.rels:
                continue
            owner = self.units.get(("rel", rel))
            if owner is None:
                continue
            u = self.unit(("idx", oid), "index", f"{owner.name}.{name}", 8, parent=owner.key, row=row)
            if not valid:
                u.raw = "skip"
                self.skipped.append(RawItem("index", u.name, "an invalid index (a failed CREATE INDEX "
                                                             "CONCURRENTLY); rebuild or drop it"))
            elif am not in INDEX_METHODS:
                u.raw = f"index method {am}"
            elif reloptions:
                u.raw = "index storage parameters"
            elif _parent:
                u.raw = "an index of a partition, attached to its parent's index"
            elif parse_index(row[3]) is None:
                u.raw = "an index definition the importer cannot take apart"
            if tablespace:
                self.notes.append(f"index {u.name} lives in a tablespace; tablespaces are not imported")

    def _triggers(self) -> None:
        for row in self.triggers:
            (oid, rel, name, _tgtype, enabled, isconstraint, _nargs, _args, _attr, transition, cloned, _tdef,
             fn, _fname, _fschema, _comment, _qual) = row
            if cloned or rel not in self.rels:
                continue
            owner = self.units[("rel", rel)]
            u = self.unit(("trg", oid), "trigger", f"{owner.name}.{name}", 10, parent=owner.key, row=row)
            if owner.kind != "table":
                u.raw = f"a trigger on a {owner.kind} (the spec format has triggers on tables only)"
            elif isconstraint:
                u.raw = "a constraint trigger"
            elif transition:
                u.raw = "REFERENCING transition tables"
            elif fn not in self.functions:
                u.raw = "its function is outside the imported schemas"
            elif enabled != "O":
                u.raw = "a disabled or replica-mode trigger"

    def _policies(self) -> None:
        for row in self.policies:
            oid, rel, name, _cmd, _perm, roles, _qual, _check, _comment = row
            if rel not in self.rels:
                continue
            owner = self.units[("rel", rel)]
            u = self.unit(("pol", oid), "policy", f"{owner.name}.{name}", 11, parent=owner.key, row=row)
            if any(r != r.lower() for r in roles):
                u.raw = "a role name with capitals (the spec format lower-cases policy roles)"

    def _rules(self) -> None:
        for row in self.rules:
            oid, rel, name, definition, comment = row
            owner = self.units.get(("rel", rel))
            if owner is None:
                continue
            u = self.unit(("rule", oid), "rule", f"{owner.name}.{name}", 10, parent=owner.key, row=row)
            u.raw = "the spec format has no rules"

    def _statistics(self) -> None:
        for row in self.statistics:
            oid, schema, name, definition, comment = row
            u = self.unit(("stat", oid), "statistics", f"{schema}.{name}", 12, row=row)
            u.raw = "the spec format has no extended statistics"

    def _event_triggers(self) -> None:
        for row in self.event_triggers:
            u = self.unit(("evt", row[0]), "event trigger", row[1], 12, row=row)
            u.raw = "the spec format has no event triggers"

    # -- dependencies ------------------------------------------------------------------------------------

    # catalog -> the unit kinds its objects can be, in order, and the map of objects folded into another unit
    _UNITS: dict[str, tuple[tuple[str, ...], str | None]] = {
        "pg_class": (("rel", "idx"), "index_constraint"),
        "pg_proc": (("fn",), None),
        "pg_constraint": (("con",), "domain_constraint"),
        "pg_attrdef": (("def",), "generated_default"),
        "pg_trigger": (("trg",), None),
        "pg_policy": (("pol",), None),
        "pg_rewrite": (("rule",), "view_rule"),
        "pg_collation": (("coll",), None),
        "pg_statistic_ext": (("stat",), None),
    }

    def _unit_of(self, catalog: str, oid: int, sub: int) -> tuple[str, int] | None:
        if catalog == "pg_type":
            if ("type", oid) in self.units:
                return ("type", oid)
            t = self.types.get(oid)
            if t is None:
                return None
            if t[4]:
                return ("rel", t[4]) if ("rel", t[4]) in self.units else None
            return self._unit_of("pg_type", t[5], 0) if t[5] else None
        kinds, folded = self._UNITS.get(catalog, ((), None))
        for kind in kinds:
            if (kind, oid) in self.units:
                return (kind, oid)
        return getattr(self, folded).get(oid) if folded else None

    def _dependencies(self) -> None:
        self.index_constraint = {row[16]: ("con", row[0]) for row in self.constraints
                                 if ("con", row[0]) in self.units and row[2] in ("p", "u", "x")}
        self.domain_constraint = {row[0]: ("type", row[4]) for row in self.constraints
                                  if row[4] and ("type", row[4]) in self.units}
        self.generated_default = {c[8]: ("rel", c[0]) for cols in self.columns.values() for c in cols
                                  if c[8] is not None and c[6]}
        self.view_rule = {}
        for oid, rel, *_ in self.q("SELECT oid, ev_class FROM pg_rewrite WHERE rulename = '_RETURN' "
                                   "AND ev_class = ANY(%(rels)s)", rels=list(self.rels)):
            self.view_rule[oid] = ("rel", rel)
        self.owned_by: dict[int, tuple[int, int]] = {}
        self.identity_seq: dict[int, tuple[int, int]] = {}
        for cls, objid, _sub, refcls, refobjid, refsub, deptype in self.depends:
            if cls == "pg_class" and refcls == "pg_class" and ("rel", objid) in self.units \
                    and self.units[("rel", objid)].kind == "sequence" and refsub:
                if deptype == "a":
                    self.owned_by[objid] = (refobjid, refsub)
                    continue
                if deptype == "i":
                    self.identity_seq[objid] = (refobjid, refsub)
                    continue
            if deptype == "i":
                continue
            u = self._unit_of(cls, objid, _sub)
            r = self._unit_of(refcls, refobjid, refsub)
            if u is None or r is None or u == r:
                continue
            if deptype in ("P", "S") and u[0] == "idx" and r[0] == "idx":
                # a partition's index is made first; the parent's CREATE INDEX then attaches it
                self.deps.setdefault(r, set()).add(u)
                continue
            self.deps.setdefault(u, set()).add(r)
        # a part depends on its table
        for key, u in self.units.items():
            if u.parent is not None:
                self.deps.setdefault(key, set()).add(u.parent)
        # identity sequences are part of their table
        for seq in self.identity_seq:
            self.units.pop(("rel", seq), None)
        # pgdecl renders domains before functions and a function before the views: a domain check
        # calling a function of the specs, or a function typed by a view, cannot be YAML
        for key, ds in self.deps.items():
            u = self.units.get(key)
            if u is None or u.raw is not None:
                continue
            if u.kind == "domain" and any(d[0] == "fn" for d in ds):
                u.raw = "a domain whose check calls a function (pgdecl creates domains before functions)"
            if u.key[0] == "fn" and any(self.units.get(d) is not None and self.units[d].kind in
                                        ("view", "materialized view") for d in ds):
                u.raw = "its signature uses a view's row type (pgdecl creates views after functions)"

    def propagate(self) -> None:
        """Whatever depends on a raw object goes raw too: raw SQL is loaded after the YAML objects."""
        changed = True
        while changed:
            changed = False
            for key, u in sorted(self.units.items()):
                if u.raw is not None:
                    continue
                parent = self.units.get(u.parent) if u.parent else None
                if parent is not None and parent.raw is not None:
                    u.raw = f"part of {parent.kind} {parent.name}, which is raw SQL"
                    changed = True
                    continue
                for d in sorted(self.deps.get(key, ())):
                    dep = self.units.get(d)
                    if dep is None or dep.raw is None or d == u.parent:
                        continue
                    if dep.raw == "skip":
                        continue
                    if dep.parent == key:  # the table's own raw part (e.g. an index) does not force the table
                        continue
                    u.raw = f"depends on {dep.kind} {dep.name}, which is raw SQL"
                    changed = True
                    break
                else:
                    if key[0] == "con" and self._fk_target_raw(u):
                        changed = True

    def _fk_target_raw(self, u: Unit) -> bool:
        row = u.data["row"]
        if row[2] != "f":
            return False
        target = self.units.get(("rel", row[7]))
        if target is not None and target.raw is not None:
            u.raw = f"references {target.kind} {target.name}, which is raw SQL"
            return True
        return False


def _odd_name(name: str) -> bool:
    return "." in name or '"' in name


def _plpgsql_parses(f: tuple[Any, ...]) -> bool:
    import pglast
    from pglast.parser import ParseError

    from .render import dollar, qname

    sql = f"CREATE FUNCTION {qname(f[1] + '.' + f[2])}({f[5]}) RETURNS {f[7]} LANGUAGE plpgsql AS {dollar(f[8])}"
    try:
        pglast.parse_plpgsql(sql)
    except (ParseError, Exception):
        return False
    return True


@dataclass(frozen=True)
class IndexParts:
    elements: list[str]
    include: list[str]
    nulls_not_distinct: bool
    rest: str            # WITH (...), TABLESPACE, WHERE ... after the element lists


def parse_index(indexdef: str) -> IndexParts | None:
    """Take pg_get_indexdef apart: `... USING method (elements) [INCLUDE (cols)] [NULLS NOT DISTINCT] [rest]`."""
    m = re.search(r" USING [a-z_0-9]+ \(", indexdef)
    if not m:
        return None
    start = m.end() - 1
    try:
        end = matching_paren(indexdef, start)
    except ValueError:
        return None
    elements = split_top_level(indexdef[start + 1:end])
    rest = indexdef[end + 1:]
    include: list[str] = []
    if rest.startswith(" INCLUDE ("):
        s = rest.index("(")
        e = matching_paren(rest, s)
        include = split_top_level(rest[s + 1:e])
        rest = rest[e + 1:]
    nnd = rest.startswith(" NULLS NOT DISTINCT")
    if nnd:
        rest = rest[len(" NULLS NOT DISTINCT"):]
    return IndexParts(elements, include, nnd, rest.strip())


def index_column(name: str) -> str:
    """An index column as the spec writes it: the bare name, quoted only where pgdecl would otherwise read it as
    an expression (spaces, parentheses, commas, colons)."""
    if re.search(r"[\s(),:]", name) or name.startswith('"'):
        return '"' + name.replace('"', '""') + '"'
    return name


SEQUENCE_OPTIONS_SQL = """
SELECT s.seqrelid, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmax, s.seqmin, s.seqcache,
       s.seqcycle
  FROM pg_sequence s WHERE s.seqrelid = ANY(%(rels)s)"""

COMPOSITE_COLUMNS_SQL = """
SELECT t.oid, a.attname, format_type(a.atttypid, a.atttypmod),
       CASE WHEN a.attcollation <> ty.typcollation THEN quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END
  FROM pg_type t JOIN pg_attribute a ON a.attrelid = t.typrelid JOIN pg_type ty ON ty.oid = a.atttypid
  LEFT JOIN pg_collation co ON co.oid = a.attcollation LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
 WHERE t.oid = ANY(%(types)s) AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY t.oid, a.attnum"""

RANGES_SQL = """
SELECT r.rngtypid, format_type(r.rngsubtype, NULL),
       (SELECT quote_ident(n.nspname) || '.' || quote_ident(o.opcname) FROM pg_opclass o
          JOIN pg_namespace n ON n.oid = o.opcnamespace WHERE o.oid = r.rngsubopc AND NOT o.opcdefault),
       (SELECT quote_ident(n.nspname) || '.' || quote_ident(c.collname) FROM pg_collation c
          JOIN pg_namespace n ON n.oid = c.collnamespace
         WHERE c.oid = r.rngcollation AND r.rngcollation <> (SELECT typcollation FROM pg_type WHERE oid = r.rngsubtype)),
       nullif(r.rngcanonical, 0)::regproc::text, nullif(r.rngsubdiff, 0)::regproc::text,
       format_type(r.rngmultitypid, NULL)
  FROM pg_range r WHERE r.rngtypid = ANY(%(types)s)"""

DOMAIN_COLLATION_SQL = """
SELECT t.oid, quote_ident(n.nspname) || '.' || quote_ident(c.collname)
  FROM pg_type t JOIN pg_collation c ON c.oid = t.typcollation JOIN pg_namespace n ON n.oid = c.collnamespace
 WHERE t.oid = ANY(%(types)s)"""

_OBJTYPES = {"r": "TABLES", "S": "SEQUENCES", "f": "FUNCTIONS", "T": "TYPES", "n": "SCHEMAS"}


def _grantee(name: str) -> str:
    return "PUBLIC" if name == "PUBLIC" else quote_ident(name)


def _public_privileges(have: Iterable[AclEntry]) -> list[str]:
    """Every privilege PUBLIC holds without grant option, in pgdecl's order: what a YAML `public:` grant
    must list so the rendered REVOKE ALL + GRANT leaves the ACL as it was."""
    held = {e.privilege for e in have if e.grantee == "PUBLIC" and not e.grantable}
    return [p for p in PRIVILEGE_ORDER if p.upper() in held or p in held] or sorted(held)


def _yaml_role(name: str) -> str:
    return "public" if name == "PUBLIC" else name


class Writer:
    """Turns the decided units into spec data (one mapping per schema) and raw SQL."""

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
        self.domain_collation = dict(c.execute(DOMAIN_COLLATION_SQL, {"types": types}).fetchall())
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

    def write(self) -> tuple[dict[str, dict[str, Any]], dict[str, Any], str]:
        imp = self.imp
        per_schema: dict[str, dict[str, Any]] = {s: {} for s in imp.schemas}
        for key in sorted(imp.units, key=lambda k: (imp.units[k].phase, imp.units[k].name, k)):
            u = imp.units[key]
            if u.raw == "skip":
                continue
            handler = getattr(self, f"_{key[0]}")
            handler(u, per_schema)
        database = self._database(per_schema)
        return per_schema, database, self._raw_text()

    def _put(self, per_schema: dict[str, dict[str, Any]], schema: str, kind: str, name: str, value: Any) -> None:
        per_schema[schema].setdefault(kind, {})[name] = value
        self.counts[kind] += 1

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

    # relations: tables, views, sequences
    def _rel(self, u: Unit, per_schema: dict[str, dict[str, Any]]) -> None:
        if u.kind == "sequence":
            return self._sequence(u, per_schema)
        if u.kind in ("view", "materialized view"):
            return self._view(u, per_schema)
        return self._table(u, per_schema)

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

    def _table(self, u: Unit, per_schema: dict[str, dict[str, Any]]) -> None:
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
        columns: dict[str, Any] = {}
        col_by_num = {c[1]: c for c in cols}
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
            if pk and len(pk_cols) == 1 and pk_cols[0] == c[2]:
                col["primary_key"] = True
            if c[11]:
                col["collation"] = c[11]
            if c[13] is not None:
                col["comment"] = c[13]
            columns[c[2]] = col
        unique, checks, fks = [], {}, []
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
        # columns in their readable key order, bare types as the shorthand
        for cname, col in columns.items():
            ordered = {k: col[k] for k in _COLUMN_KEYS if k in col}
            columns[cname] = ordered["type"] if list(ordered) == ["type"] else ordered
        t["columns"] = columns
        if pk and len(pk_cols) > 1:
            t["primary_key"] = pk_cols
        if fks := [f for f in fks if f is not None]:
            t["foreign_keys"] = fks
        if unique:
            t["unique"] = unique
        if checks:
            t["checks"] = dict(sorted(checks.items()))
        idx = self._yaml_indexes(oid, f"{schema}.{name}")
        if idx:
            t["indexes"] = idx
        triggers = {}
        for k, p in sorted(parts.items(), key=lambda kv: kv[1].name):
            if k[0] == "trg" and p.raw is None:
                triggers[p.data["row"][2]] = self._trigger(oid, p.data["row"])
        if triggers:
            t["triggers"] = triggers
        if r[6] or r[7]:
            t["rls"] = True if r[6] and not r[7] else "force" if r[6] else {"enabled": False, "force": True}
        policies = {}
        for k, p in sorted(parts.items(), key=lambda kv: kv[1].name):
            if k[0] == "pol" and p.raw is None:
                policies[p.data["row"][2]] = self._policy(p.data["row"])
        if policies:
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
        from .model import Index
        from .render import default_index_name

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
            model = Index(columns=elements, unique=bool(unique))
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

    def _create_table(self, u: Unit) -> list[str]:
        imp = self.imp
        r = u.data["row"]
        oid, relkind, parents, bound, partkey = r[0], r[3], r[18], r[16], r[17]
        target = imp.rel_sql(oid)
        cols = imp.columns.get(oid, [])
        out = []
        if r[9] and parents:  # a partition
            sql = f"CREATE TABLE {target} PARTITION OF {imp.rel_sql(parents[0])} {bound}"
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
                if schema and role == imp.current_user and not e.grantable and objtype in "rSfT":
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
                    self.acl_sql.append(f"GRANT {quote_ident(parent)} TO {quote_ident(name)}")
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


_COLUMN_KEYS = ("type", "nullable", "default", "identity", "generated", "primary_key", "unique", "references",
                "on_delete", "on_update", "check", "collation", "comment")


def _truthy(v: str | None) -> bool:
    return v is not None and v.lower() in ("true", "on", "1", "yes")


def _check_expr(definition: str) -> str:
    """`CHECK ((price > 0))` -> `price > 0`."""
    body = definition.strip()
    if body.startswith("CHECK "):
        body = body[len("CHECK "):]
    return strip_outer_parens(body)


# -- spec files -------------------------------------------------------------------------------------------

_SPEC_ORDER = ("schema", "extensions", "roles", "schemas", "enums", "domains", "sequences", "functions", "tables",
               "views")


def spec_texts(per_schema: dict[str, dict[str, Any]], database: dict[str, Any], raw: str,
               source: str) -> dict[str, str]:
    """File name -> text of the project."""
    files: dict[str, str] = {}
    header = f"# Imported by `pgdecl import` from {source}."
    if database:
        files[DATABASE_FILE] = dump_yaml({k: database[k] for k in _SPEC_ORDER if k in database}, header)
    taken: list[str] = []
    for schema in sorted(per_schema):
        data = per_schema[schema]
        if not data:
            continue
        name = schema_file_name(schema, taken)
        taken.append(name)
        body = {"schema": schema} if schema != "public" else {}
        for kind in _SPEC_ORDER[4:]:
            if kind in data:
                body[kind] = dict(sorted(data[kind].items()))
        files[name] = dump_yaml(body, header)
    if raw:
        files[RAW_FILE] = raw
    return files


def _demote(imp: Importer, errors: SpecErrors, file_schema: dict[str, str]) -> bool:
    """Move the objects pgdecl's validation rejects to raw SQL; False when an error names none."""
    moved = False
    for err in errors.errors:
        origin = err.origin
        label = (origin.object or "") if origin else ""
        m = re.match(r"(table|view|function|enum|domain|sequence) ([^,]+)", label)
        schema = file_schema.get(Path(origin.file).name) if origin else None
        if not m or schema is None:
            return False
        kind, name = m.group(1), m.group(2)
        if "." in name:
            schema, name = name.split(".", 1)
        for key, u in imp.units.items():
            base = u.name.split("(")[0] if key[0] == "fn" else u.name
            if u.parent is None and u.raw is None and base == f"{schema}.{name}" and \
                    (kind in u.kind or (kind == "enum" and u.kind == "enum")):
                u.raw = f"pgdecl's validation rejects it: {err.message}"
                moved = True
                break
        else:
            return False
    return moved


def build_project(conn: psycopg.Connection, source: str, schemas: Iterable[str] = ()
                  ) -> tuple[dict[str, str], ImportResult]:
    """Read the catalog and make the project's files; each is loaded and validated the way `pgdecl plan`
    loads specs, and an object validation rejects is moved to raw SQL."""
    from .desired import desired_from_specs

    imp = Importer(conn, schemas)
    imp.read()
    imp.build()
    for _ in range(10):
        writer = Writer(imp)
        per_schema, database, raw = writer.write()
        files = spec_texts(per_schema, database, raw, source)
        file_schema = {}
        taken: list[str] = []
        for s in sorted(per_schema):
            if per_schema[s]:
                n = schema_file_name(s, taken)
                taken.append(n)
                file_schema[n] = s
        with tempfile.TemporaryDirectory(prefix="pgdecl-import-") as tmp:
            for name, text in files.items():
                (Path(tmp) / name).write_text(text, encoding="utf-8")
            try:
                desired_from_specs(tmp)
            except SpecErrors as e:
                if not _demote(imp, e, file_schema):
                    raise ImportFailed("the imported specs do not validate (an importer bug):\n" + str(e)) from None
                imp.propagate()
                continue
        break
    else:
        raise ImportFailed("the imported specs still do not validate after moving objects to raw SQL")
    raw_items = writer.raw_items
    result = ImportResult(Path("."), source, files=sorted(files), counts=dict(writer.counts),
                          raw=raw_items, skipped=list(imp.skipped), notes=list(imp.notes),
                          raw_statements=writer.default_acl_sql + writer.acl_sql + writer.comment_sql)
    return files, result


def import_database(out_dir: str | Path, database_url: str | None = None, schemas: Iterable[str] = (),
                    force: bool = False, server: Any = None) -> ImportResult:
    """Write pgdecl specs for the database (default: the same one `pgdecl plan` would use) into `out_dir`."""
    from .spec import spec_files

    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ImportFailed(f"{out} exists and is not a directory")
    existing = [p for p in out.iterdir()] if out.is_dir() else []
    if existing and not force:
        raise ImportFailed(f"{out} is not empty; pass --force to replace its spec files")
    live = resolve_target(database_url, server)
    with connect(live) as conn:
        try:
            files, result = build_project(conn, live.display, schemas)
        except psycopg.Error as e:
            raise ImportFailed(f"reading the catalog of {live.display} failed: {str(e).strip()}") from None
        finally:
            conn.rollback()
    replaced = []
    if existing:
        for p in spec_files(out):
            replaced.append(str(p.relative_to(out)))
            p.unlink()
    out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8")
    result.out_dir = out
    result.replaced = replaced
    return result
