"""The lint engine: rules, findings, inline silences, and the facts about a project that rules share.

A rule is a function `check(ctx) -> Iterable[Hit]` decorated with `@rule(...)` in its own module under
`pgdecl/lint/rules/`. A hit names the object it is about and the objects containing it (innermost
first); a `lint: {ignore: {CODE: reason}}` key on any of them silences it.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any, Callable, Iterable, Iterator, Literal

from ..model import Node, Project, Table, qualify, split_name

Severity = Literal["error", "warning"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning")


@dataclass(frozen=True)
class Hit:
    """One thing a rule found: a specific message, the object and its containers (innermost first)."""

    message: str
    owners: tuple[Node, ...]
    label: str
    fix: str | None = None


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    summary: str
    fix: str
    check: Callable[["Context"], Iterable[Hit]]
    default: bool = True
    doc: str = ""


def rule(code: str, name: str, severity: Severity, summary: str, fix: str,
         default: bool = True) -> Callable[[Callable[["Context"], Iterable[Hit]]], Rule]:
    """Declare a rule; its module docstring (anti-pattern and fix as YAML) becomes its explanation."""

    def wrap(fn: Callable[[Context], Iterable[Hit]]) -> Rule:
        doc = sys.modules[fn.__module__].__doc__ or ""
        return Rule(code, name, severity, summary, fix, fn, default, doc.strip())
    return wrap


@dataclass(frozen=True)
class Finding:
    code: str
    name: str
    severity: Severity
    message: str
    fix: str
    file: str | None
    line: int | None
    object: str
    silenced: str | None = None  # the reason, when a lint key silences it

    @property
    def where(self) -> str:
        if self.file is None:
            return "<project>"
        return self.file if self.line is None else f"{self.file}:{self.line}"

    def sort_key(self) -> tuple[Any, ...]:
        return (self.file or "", self.line or 0, self.code, self.object, self.message)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code, "name": self.name, "severity": self.severity, "file": self.file, "line": self.line,
            "object": self.object, "message": self.message, "fix": self.fix,
        }
        if self.silenced is not None:
            out["silenced"] = self.silenced
        return out


# --- facts about the project, shared by the rules ------------------------------------------------

_IDENT = r'(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)'
_ORDER_WORDS = {"asc", "desc", "nulls", "first", "last"}


_QUOTED = re.compile(r"""('(?:[^']|'')*'|"(?:[^"]|"")*")""")


@lru_cache(maxsize=16384)
def norm_sql(text: str | None) -> str | None:
    """An SQL fragment with case and spacing normalised, for comparing predicates and elements."""
    if text is None:
        return None
    # case and spacing matter inside 'string literals' and "quoted identifiers": kept as written
    parts = _QUOTED.split(text.strip())
    s = "".join(p if i % 2 else re.sub(r"\s*([(),])\s*", r"\1", re.sub(r"\s+", " ", p).lower())
                for i, p in enumerate(parts))
    while s.startswith("(") and s.endswith(")") and _balanced(s[1:-1]):
        s = s[1:-1]
    return s


def _balanced(s: str) -> bool:
    depth = 0
    for ch in s:
        depth += ch == "("
        depth -= ch == ")"
        if depth < 0:
            return False
    return depth == 0


def element_column(element: str, columns: Iterable[str]) -> str | None:
    """The table column an index element names (`email`, `created_at DESC`, `name text_pattern_ops`), or None
    for an expression such as `lower(email)`."""
    cols = set(columns)
    if element in cols:
        return element
    m = re.fullmatch(rf"\s*({_IDENT})((?:\s+[A-Za-z_][A-Za-z0-9_]*)*)\s*", element)
    if not m:
        return None
    name = m.group(1)
    name = name[1:-1].replace('""', '"') if name.startswith('"') else name
    words = m.group(2).lower().split()
    if name not in cols or not all(w in _ORDER_WORDS or w.endswith("_ops") for w in words):
        return None
    return name


@dataclass(frozen=True)
class TypeInfo:
    """A column type, normalised: `name` is canonical (int4, int8, timestamp, timestamptz, varchar, float8, ...)."""

    raw: str
    name: str
    modifiers: str | None
    array: bool

    @property
    def family(self) -> str:
        """What must match across a foreign key: serials count as their integers, character types as text."""
        return _FAMILY.get(self.name, self.name) + ("[]" if self.array else "")


_ALIASES = {
    "int": "int4", "integer": "int4", "int4": "int4", "bigint": "int8", "int8": "int8", "smallint": "int2",
    "int2": "int2", "serial": "serial4", "serial4": "serial4", "bigserial": "serial8", "serial8": "serial8",
    "smallserial": "serial2", "serial2": "serial2", "real": "float4", "float4": "float4",
    "double precision": "float8", "float8": "float8", "decimal": "numeric", "numeric": "numeric",
    "bool": "bool", "boolean": "bool", "character varying": "varchar", "varchar": "varchar",
    "character": "bpchar", "char": "bpchar", "bpchar": "bpchar", "timestamptz": "timestamptz",
    "timestamp with time zone": "timestamptz", "timestamp without time zone": "timestamp",
    "timestamp": "timestamp", "time": "time", "time without time zone": "time", "timetz": "timetz",
    "time with time zone": "timetz", "bit varying": "varbit",
}
_FAMILY = {"serial4": "int4", "serial8": "int8", "serial2": "int2", "varchar": "text", "bpchar": "text"}


@lru_cache(maxsize=4096)
def parse_type(raw: str) -> TypeInfo:
    t = re.sub(r"\s+", " ", raw.strip().lower())
    array = False
    while t.endswith("[]") or re.search(r"\[\d*\]$", t) or t.endswith(" array"):
        array = True
        t = re.sub(r"(\s*\[\d*\]|\s+array)$", "", t)
    mods = None
    m = re.search(r"\s*\(([^)]*)\)", t)
    if m:
        mods = m.group(1).replace(" ", "")
        t = (t[:m.start()] + " " + t[m.end():]).strip()
        t = re.sub(r"\s+", " ", t)
    if t.startswith("pg_catalog."):
        t = t[len("pg_catalog."):]
    if t == "float":  # float(p): float4 up to 24 bits of precision, else float8
        t = "float4" if mods and mods.isdigit() and int(mods) <= 24 else "float8"
        mods = None
    return TypeInfo(raw, _ALIASES.get(t, t), mods, array)


@dataclass(frozen=True)
class Key:
    """Something backed by an index: the primary key, a unique constraint or an index."""

    kind: Literal["primary key", "unique constraint", "index"]
    name: str
    elements: tuple[str, ...]          # normalised SQL of each element
    columns: tuple[str | None, ...]    # the column each element names, None for expressions
    using: str
    where: str | None
    include: tuple[str, ...]
    unique: bool
    nulls_not_distinct: bool
    owners: tuple[Node, ...]
    label: str


@dataclass(frozen=True)
class ForeignKeyInfo:
    name: str
    columns: tuple[str, ...]
    target: str                  # qualified table name
    target_columns: tuple[str, ...]  # resolved: the target's primary key when the spec names none
    on_delete: str
    on_delete_explicit: bool
    owners: tuple[Node, ...]
    label: str


@dataclass
class TableFacts:
    name: str
    table: Table
    ctx: "Context"

    @cached_property
    def label(self) -> str:
        return f"table {self.ctx.display(self.name)}"

    def child(self, kind: str, name: str) -> str:
        return f"{self.label}, {kind} {name}"

    @cached_property
    def primary_key(self) -> tuple[str, ...]:
        t = self.table
        if t.partition_of is not None:  # a partition has its partitioned table's
            from ..partition_spec import root_of

            t = self.ctx.project.tables[root_of(self.ctx.project, self.name)]
        return tuple(t.primary_key) or tuple(n for n, c in t.columns.items() if c.primary_key)

    def not_null(self, column: str) -> bool:
        col = self.table.columns.get(column)
        if col is None:
            return True  # unknown: validation reports it; do not guess
        return not col.nullable or col.primary_key or column in self.primary_key or col.identity is not None

    @cached_property
    def keys(self) -> list[Key]:
        from ..model import default_index_name, default_unique_name

        t, out = self.table, []
        cols = list(t.columns)

        def key(kind: Any, name: str, elements: list[str], owners: tuple[Node, ...], using: str = "btree",
                where: str | None = None, include: Iterable[str] = (), unique: bool = True, nnd: bool = False,
                label_kind: str | None = None) -> Key:
            return Key(kind, name, tuple(norm_sql(e) or "" for e in elements),
                       tuple(element_column(e, cols) for e in elements), using, norm_sql(where), tuple(include),
                       unique, nnd, owners, self.child(label_kind or kind, name))

        if self.primary_key:
            out.append(key("primary key", f"{self.ctx.bare(self.name)}_pkey", list(self.primary_key), (t,)))
        for cname, col in t.columns.items():
            if col.unique:
                from ..model import Unique

                name = default_unique_name(self.name, Unique(columns=[cname]))
                out.append(key("unique constraint", name, [cname], (col, t)))
        for u in t.unique:
            name = u.name or default_unique_name(self.name, u)
            out.append(key("unique constraint", name, list(u.columns), (u, t), nnd=u.nulls_not_distinct))
        for ix in t.indexes:
            name = ix.name or default_index_name(self.name, ix)
            out.append(key("index", name, list(ix.columns), (ix, t), ix.using, ix.where, ix.include, ix.unique,
                           ix.nulls_not_distinct, "unique index" if ix.unique else "index"))
        return out

    @cached_property
    def foreign_keys(self) -> list[ForeignKeyInfo]:
        from ..model import ForeignKey, default_fk_name

        t, out = self.table, []
        schema = split_name(self.name)[0]
        pairs: list[tuple[ForeignKey, tuple[Node, ...], bool]] = []
        for cname, col in t.columns.items():
            if col.references is not None:
                fk = ForeignKey(columns=[cname], references=col.references, on_delete=col.on_delete or "no action")
                pairs.append((fk, (col, t), col.on_delete is not None))
        for fk in t.foreign_keys:
            pairs.append((fk, (fk, t), "on_delete" in fk.model_fields_set))
        for fk, owners, explicit in pairs:
            target = qualify(fk.references.table, schema)
            tcols = tuple(fk.references.columns)
            if not tcols and target in self.ctx.project.tables:
                tcols = self.ctx.table(target).primary_key
            name = fk.name or default_fk_name(self.name, fk)
            out.append(ForeignKeyInfo(name, tuple(fk.columns), target, tcols, fk.on_delete, explicit, owners,
                                      self.child("foreign key", name)))
        return out


class Context:
    """What rules look at: the project and derived facts, computed once."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._tables: dict[str, TableFacts] = {}
        self._typed: list[tuple[str, TypeInfo, tuple[Node, ...], str]] | None = None
        self._domains: dict[str, str | None] = {}  # domain_of, per type text
        self.silences = Silences()          # set by the engine; read by the rule about silences (PD000)
        self.known_codes: set[str] = set()  # every rule's code
        self.ran: set[str] = set()          # the codes of the rules in this run

    @staticmethod
    def bare(name: str) -> str:
        return split_name(name)[1]

    @staticmethod
    @lru_cache(maxsize=65536)
    def display(name: str) -> str:
        """`public.users` -> `users`; other schemas stay qualified."""
        schema, bare = split_name(name)
        return bare if schema == "public" else f"{schema}.{bare}"

    def table(self, name: str) -> TableFacts:
        if name not in self._tables:
            self._tables[name] = TableFacts(name, self.project.tables[name], self)
        return self._tables[name]

    def tables(self) -> Iterator[TableFacts]:
        for name in sorted(self.project.tables):
            yield self.table(name)

    def columns(self) -> Iterator[tuple[TableFacts, str, Any]]:
        """(table, column name, column) of every table."""
        for t in self.tables():
            for cname, col in t.table.columns.items():
                yield t, cname, col

    def domain_of(self, type_: str) -> str | None:
        """The qualified domain a type names, if it is one of the project's domains."""
        if type_ in self._domains:
            return self._domains[type_]
        info = parse_type(type_)
        q = None if info.array else qualify(type_.strip())
        out = self._domains[type_] = q if q is not None and q in self.project.domains else None
        return out

    def resolve(self, type_: str, depth: int = 0) -> TypeInfo:
        """A column type with the project's domains replaced by their base types."""
        d = self.domain_of(type_)
        if d is not None and depth < 10:
            return self.resolve(self.project.domains[d].type, depth + 1)
        return parse_type(type_)

    def typed_objects(self) -> list[tuple[str, TypeInfo, tuple[Node, ...], str]]:
        """(column or domain name, its own type, owners, label): each column not typed by a project domain,
        and each domain, so a type rule reports a domain once rather than at every column using it."""
        if self._typed is None:
            self._typed = list(self._typed_objects())
        return self._typed

    def _typed_objects(self) -> Iterator[tuple[str, TypeInfo, tuple[Node, ...], str]]:
        for t, cname, col in self.columns():
            if self.domain_of(col.type) is None:
                yield cname, parse_type(col.type), (col, t.table), t.child("column", cname)
        for dname, dom in sorted(self.project.domains.items()):
            yield self.bare(dname), parse_type(dom.type), (dom,), f"domain {self.display(dname)}"


@dataclass
class Silence:
    owner: Node
    label: str
    code: str
    reason: str | None
    used: bool = False


@dataclass
class Silences:
    """Every `lint: {ignore: ...}` entry of the project, keyed by the object carrying it."""

    by_owner: dict[int, dict[str, Silence]] = field(default_factory=dict)

    @classmethod
    def collect(cls, ctx: Context) -> "Silences":
        s = cls()
        for owner, label in _lintable(ctx):
            if owner.lint is not None:  # type: ignore[attr-defined]
                s.by_owner[id(owner)] = {
                    str(code).upper(): Silence(owner, label, str(code).upper(), reason)
                    for code, reason in owner.lint.ignore.items()  # type: ignore[attr-defined]
                }
        return s

    def find(self, owners: tuple[Node, ...], code: str) -> Silence | None:
        for owner in owners:
            hit = self.by_owner.get(id(owner), {}).get(code)
            if hit is not None:
                return hit
        return None

    def all(self) -> Iterator[Silence]:
        for entries in self.by_owner.values():
            yield from entries.values()


def _lintable(ctx: Context) -> Iterator[tuple[Node, str]]:
    """Every model object that may carry a lint key, with its label."""
    p = ctx.project
    for t in ctx.tables():
        yield t.table, t.label
        for cname, col in t.table.columns.items():
            yield col, t.child("column", cname)
        labels = {id(k.owners[0]): k.label for k in t.keys}
        labels.update({id(fk.owners[0]): fk.label for fk in t.foreign_keys})
        for obj in [*t.table.unique, *t.table.indexes, *t.table.foreign_keys]:
            yield obj, labels[id(obj)]
        for name, trig in t.table.triggers.items():
            yield trig, t.child("trigger", name)
        for name, pol in t.table.policies.items():
            yield pol, t.child("policy", name)
    for kind, label in (("views", "view"), ("functions", "function"), ("enums", "enum"), ("domains", "domain"),
                        ("sequences", "sequence")):
        for name, obj in sorted(getattr(p, kind).items()):
            yield obj, f"{label} {ctx.display(name)}"
            if kind == "views":
                for i, ix in enumerate(obj.indexes, 1):
                    yield ix, f"view {ctx.display(name)}, index {ix.name or '#' + str(i)}"
