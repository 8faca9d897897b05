"""What changed in the specs between the two sides of a review, compared object by object on the two
loaded models: added, removed, renamed or changed, each with the file:line of the side that has it (from the
origins the model carries; nothing is read again)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from .errors import Origin
from .model import Index, Node, Project, Table, split_name
from .review_sides import DIRECTORY, Side, SideInfo, build_side


@dataclass(frozen=True)
class Change:
    """One object added, removed, renamed or changed between the two sides' specs."""

    action: str                  # added, removed, renamed, changed
    kind: str                    # table, column, index, check, foreign key, policy, trigger, view, ...
    name: str                    # as readers know it: `posts`, `posts.title`, `posts.posts_slug_key`
    table: str | None = None     # the qualified table or view it belongs to (for grouping)
    summary: str = ""            # one line about the object (added or removed ones)
    details: tuple[tuple[str, Any, Any], ...] = ()  # (field, live value, desired value) for changed ones
    file: str | None = None      # where it is written: the desired side, or the live side when removed
    line: int | None = None

    @property
    def where(self) -> str | None:
        if self.file is None:
            return None
        return self.file if self.line is None else f"{self.file}:{self.line}"

    def to_json(self) -> dict[str, Any]:
        return {"action": self.action, "kind": self.kind, "name": self.name, "table": self.table,
                "summary": self.summary, "file": self.file, "line": self.line,
                "details": [{"field": f, "live": a, "desired": b} for f, a, b in self.details]}


def shown_name(name: str) -> str:
    schema, bare = split_name(name)
    return bare if schema == "public" else f"{schema}.{bare}"


def _dump(node: Node, exclude: Iterable[str] = ()) -> dict[str, Any]:
    return node.model_dump(mode="json", by_alias=True, exclude=set(exclude))


def _field_diff(live: dict[str, Any], desired: dict[str, Any]) -> tuple[tuple[str, Any, Any], ...]:
    keys = list(desired) + [k for k in live if k not in desired]
    return tuple((k, live.get(k), desired.get(k)) for k in keys if live.get(k) != desired.get(k))


def as_text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return ", ".join(as_text(x) for x in v)
    if isinstance(v, dict):
        return "; ".join(f"{k}: {as_text(x)}" for k, x in v.items())
    return " ".join(str(v).split())


def _column_summary(d: dict[str, Any]) -> str:
    parts = [d["type"]]
    if d.get("primary_key"):
        parts.append("primary key")
    elif not d.get("nullable", True):
        parts.append("not null")
    if d.get("identity"):
        parts.append(f"identity {d['identity']}")
    if d.get("default") is not None:
        parts.append(f"default {as_text(d['default'])}")
    if d.get("generated"):
        parts.append(f"generated as {as_text(d['generated'])}")
    if d.get("unique"):
        parts.append("unique")
    if d.get("references"):
        ref = d["references"]
        parts.append(f"references {ref['table']}" + (f"({', '.join(ref['columns'])})" if ref.get("columns") else ""))
        if d.get("on_delete"):
            parts.append(f"on delete {d['on_delete']}")
    if d.get("check"):
        parts.append(f"check {as_text(d['check'])}")
    return ", ".join(parts)


def _index_summary(d: dict[str, Any]) -> str:
    s = ("unique " if d.get("unique") else "") + f"on ({', '.join(d['columns'])})"
    if d.get("using", "btree") != "btree":
        s += f" using {d['using']}"
    if d.get("include"):
        s += f" include ({', '.join(d['include'])})"
    if d.get("where"):
        s += f" where {as_text(d['where'])}"
    if d.get("nulls_not_distinct"):
        s += " nulls not distinct"
    return s


_LONG = ("body", "query")


def _policy_summary(d: dict[str, Any]) -> str:
    parts = [f"for {d['for']} to {', '.join(d['to'])}" + ("" if d.get("permissive", True) else " (restrictive)")]
    if d.get("using"):
        parts.append(f"using {as_text(d['using'])}")
    if d.get("with_check"):
        parts.append(f"with check {as_text(d['with_check'])}")
    return "; ".join(parts)


def _rls(t: Table) -> str:
    if t.rls is None or not t.rls.enabled:
        return "off"
    return "enabled, forced" if t.rls.force else "enabled"


def _table_fields(t: Table) -> dict[str, Any]:
    """A table's own settings (its parts are compared one by one), row-level security as one word."""
    return {**_dump(t, (*_TABLE_PARTS, "rls")), "row-level security": _rls(t)}


def _table_summary(t: Table) -> str:
    from .render import primary_key

    parts = [f"columns {', '.join(t.columns)}"]
    if primary_key(t):
        parts.append(f"primary key ({', '.join(primary_key(t))})")
    counts = [(len(t.foreign_keys) + sum(c.references is not None for c in t.columns.values()), "foreign key",
               "foreign keys"), (len(t.indexes), "index", "indexes"), (len(t.checks), "check", "checks"),
              (len(t.triggers), "trigger", "triggers"), (len(t.policies), "policy", "policies")]
    parts += [f"{n} {one if n == 1 else many}" for n, one, many in counts if n]
    if _rls(t) != "off":
        parts.append(f"row-level security {_rls(t)}")
    return "; ".join(parts)


def _summary(kind: str, node: Node | str | list[str]) -> str:
    if isinstance(node, str):
        return as_text(node)
    if isinstance(node, list):
        return f"({', '.join(node)})"
    if kind == "column":
        return _column_summary(_dump(node, ("renamed_from",)))
    if kind == "index":
        return _index_summary(_dump(node, ("name", "comment")))
    if kind == "table" and isinstance(node, Table):
        return _table_summary(node)
    if kind == "policy":
        return _policy_summary(_dump(node))
    d = node.model_dump(mode="json", by_alias=True, exclude_defaults=True, exclude={"renamed_from", "name", *_LONG})
    if kind == "foreign key":
        ref = d.pop("references")
        d = {"columns": d.pop("columns"), "references": ref["table"] + (
            f"({', '.join(ref['columns'])})" if ref.get("columns") else ""), **d}
    if kind == "unique":
        return f"({', '.join(d.pop('columns'))})" + ("".join(f"; {k}: {as_text(v)}" for k, v in d.items()))
    return "; ".join(f"{k}: {as_text(v)}" for k, v in d.items())


class _Compare:
    """Walks the two models and collects Changes; file names come out as the user knows them."""

    def __init__(self, live: Side, desired: Side) -> None:
        self.live, self.desired = live, desired
        self.out: list[Change] = []

    @staticmethod
    def part_origin(table: Table, part: str) -> Origin | None:
        """The origin of a part of a table that has none of its own ("primary_key", "checks.NAME"), as the
        loader recorded it in the model; the table's own when its line is not marked."""
        return table.part_origins.get(part) or table.origin

    def add(self, action: str, kind: str, name: str, table: str | None, node: Any,
            details: tuple[tuple[str, Any, Any], ...] = (), origin_node: Any = None) -> None:
        side = self.live if action == "removed" else self.desired
        origin = origin_node if isinstance(origin_node, Origin) else \
            getattr(origin_node if origin_node is not None else node, "origin", None)
        summary = _summary(kind, node) if action in ("added", "removed") and node is not None else ""
        self.out.append(Change(action, kind, name, table, summary, details,
                               side.relabel(origin.file) if origin else None, origin.line if origin else None))

    def named(self, kind: str, live: dict[str, Any], desired: dict[str, Any], table: str | None, prefix: str = "",
              exclude: Iterable[str] = (), container: Any = None,
              dump: Any = None) -> Iterator[tuple[str, Any, Any]]:
        """Compare two name -> object maps; yields (name, live, desired) pairs present on both sides
        (for nested comparison) after recording the added, removed, renamed and changed ones."""
        dump = dump or (lambda n: _dump(n, exclude) if isinstance(n, Node) else n)
        renamed = {getattr(obj, "renamed_from", None): n for n, obj in desired.items()
                   if getattr(obj, "renamed_from", None) in live and n not in live}
        def owner(name: str) -> str | None:
            return table if table is not None else name if kind in ("table", "view") else None

        for name, obj in desired.items():
            shown = prefix + (shown_name(name) if table is None else name)
            old_name = name if name in live else next((o for o, n in renamed.items() if n == name), None)
            if old_name is None:
                self.add("added", kind, shown, owner(name), obj,
                         origin_node=obj if isinstance(obj, Node) else container)
                continue
            old = live[old_name]
            details = _field_diff(dump(old), dump(obj))
            if old_name != name:
                shown_old = prefix + (shown_name(old_name) if table is None else old_name)
                self.add("renamed", kind, shown, owner(name), obj, (("name", shown_old, shown),) + details,
                         origin_node=obj if isinstance(obj, Node) else container)
            elif details:
                self.add("changed", kind, shown, owner(name), obj, details,
                         origin_node=obj if isinstance(obj, Node) else container)
            yield name, old, obj
        for name, obj in live.items():
            if name not in desired and name not in renamed:
                shown = prefix + (shown_name(name) if table is None else name)
                self.add("removed", kind, shown, owner(name), obj,
                         origin_node=obj if isinstance(obj, Node) else None)

    def run(self) -> list[Change]:
        live, desired = self.live.project, self.desired.project
        assert live is not None and desired is not None
        for kind, attr in (("extension", "extensions"), ("schema", "schemas"), ("role", "roles"),
                           ("enum", "enums"), ("domain", "domains"), ("sequence", "sequences"),
                           ("function", "functions")):
            list(self.named(kind, getattr(live, attr), getattr(desired, attr), None))
        for name, old, new in self.named("table", live.tables, desired.tables, None, dump=_table_fields):
            self.table(name, old, new)
        for name, old, new in self.named("view", live.views, desired.views, None, exclude=("indexes",)):
            self.indexes(name, old.indexes, new.indexes, new)
        self.raw_sql(live, desired)
        return self.out

    def table(self, name: str, old: Table, new: Table) -> None:
        from .model import default_fk_name, default_unique_name
        from .render import primary_key

        t = shown_name(name)
        list(self.named("column", old.columns, new.columns, name, f"{t}.", exclude=("renamed_from",)))
        old_pk, new_pk = primary_key(old), primary_key(new)
        if old_pk != new_pk:
            action = "added" if not old_pk else "removed" if not new_pk else "changed"
            self.add(action, "primary key", t, name, new_pk or old_pk,
                     (("columns", old_pk, new_pk),) if action == "changed" else (),
                     origin_node=self.part_origin(new if action != "removed" else old, "primary_key"))
        def fks(tab: Table) -> dict[str, Any]:
            return {fk.name or default_fk_name(name, fk): fk for fk in tab.foreign_keys}

        def uks(tab: Table) -> dict[str, Any]:
            return {u.name or default_unique_name(name, u): u for u in tab.unique}

        list(self.named("foreign key", fks(old), fks(new), name, f"{t}.", exclude=("name",)))
        list(self.named("unique", uks(old), uks(new), name, f"{t}.", exclude=("name",)))
        for check in list(new.checks) + [c for c in old.checks if c not in new.checks]:
            before, after = old.checks.get(check), new.checks.get(check)
            if before == after:
                continue
            action = "added" if before is None else "removed" if after is None else "changed"
            self.add(action, "check", f"{t}.{check}", name, after if before is None else before if after is None
                     else None, (("expression", before, after),) if action == "changed" else (),
                     self.part_origin(old if action == "removed" else new, f"checks.{check}"))
        self.indexes(name, old.indexes, new.indexes, new)
        list(self.named("trigger", old.triggers, new.triggers, name, f"{t}."))
        list(self.named("policy", old.policies, new.policies, name, f"{t}."))

    def indexes(self, name: str, old: list[Index], new: list[Index], container: Any) -> None:
        from .render import indexes

        def by_name(ixs: list[Index]) -> dict[str, Any]:
            return {str(i.name): i for i in indexes(name, ixs)}  # rendered indexes are always named

        list(self.named("index", by_name(old), by_name(new), name, f"{shown_name(name)}.", exclude=("name",),
                        container=container))

    def raw_sql(self, live: Project, desired: Project) -> None:
        def files(side: Side, project: Project) -> dict[str, Any]:
            return {side.relabel(r.path) or r.path: r for r in project.raw_sql}

        old, new = files(self.live, live), files(self.desired, desired)
        for path in list(new) + [p for p in old if p not in new]:
            if path not in old:
                self.out.append(Change("added", "sql file", path, file=path, line=1))
            elif path not in new:
                self.out.append(Change("removed", "sql file", path, file=path, line=1))
            elif old[path].sql != new[path].sql:
                self.out.append(Change("changed", "sql file", path, details=(("sql", old[path].sql, new[path].sql),),
                                       file=path, line=1))


_TABLE_PARTS = ("columns", "primary_key", "foreign_keys", "unique", "checks", "indexes", "triggers", "policies",
                "traits", "renamed_from")


def compare_projects(live: Side, desired: Side) -> list[Change]:
    """Every object added, removed, renamed or changed between the two sides' models."""
    return _Compare(live, desired).run()


def compare_dirs(live_dir: str | Path, desired_dir: str | Path) -> list[Change]:
    """The spec changes between two directories of specs (no database)."""
    sides = [Side(SideInfo(DIRECTORY, str(d), str(d)), directory=Path(d), shown=str(d))
             for d in (live_dir, desired_dir)]
    for side in sides:
        build_side(side)
    return compare_projects(*sides)
