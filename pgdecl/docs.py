"""Documentation from the loaded model, no database: Markdown in the shape of seed 002's schema
documentation (per table: column, type, constraints, description; unique constraints, indexes, ...;
enums with their values) and Mermaid ER diagrams.

`er_diagram(project, tables)` draws any subset of tables (the PR review draws the touched ones);
`docs_markdown(project)` is the whole document; `project_docs(dir)` loads a project and documents it.
Column comments become descriptions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from .errors import PgdeclError
from .model import Column, ForeignKey, Project, Table, column_grants, qualify, split_name
from .partition_spec import partition_lines
from .render import foreign_keys, indexes, primary_key, uniques


# --- small text helpers -------------------------------------------------------------------------


def _flat(text: str) -> str:
    """One line: runs of whitespace (YAML folded text, multi-line SQL) become one space."""
    return " ".join(text.split())


def _code(text: str) -> str:
    """Inline code that survives backticks in the text."""
    text = _flat(text)
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def _cell(text: str) -> str:
    """A Markdown table cell: pipes escaped (also inside code spans, as GFM requires), one line."""
    return _flat(text).replace("|", "\\|")


def _display(name: str) -> str:
    """A table/type name as readers know it: bare in public, else schema-qualified."""
    schema, bare = split_name(name)
    return bare if schema == "public" else f"{schema}.{bare}"


def _target(project: Project, table: str, fk: ForeignKey) -> tuple[str, list[str]]:
    """Qualified referenced table and its referenced columns (its primary key when not named)."""
    target = qualify(fk.references.table, split_name(table)[0])
    cols = list(fk.references.columns)
    if not cols and target in project.tables:
        cols = primary_key(project.tables[target])
    return target, cols


def _action(fk: ForeignKey) -> str:
    parts = []
    if fk.on_delete != "no action":
        parts.append(f"ON DELETE {fk.on_delete.upper()}")
    if fk.on_update != "no action":
        parts.append(f"ON UPDATE {fk.on_update.upper()}")
    return " ".join(parts)


def _unique_sets(name: str, table: Table) -> list[frozenset[str]]:
    """Column sets that are unique in a table: primary key, unique constraints, plain unique indexes."""
    sets = [frozenset(primary_key(table))] if primary_key(table) else []
    sets += [frozenset(u.columns) for u in uniques(name, table)]
    sets += [frozenset(i.columns) for i in table.indexes
             if i.unique and not i.where and all(c in table.columns for c in i.columns)]
    return sets


# --- ER diagram ---------------------------------------------------------------------------------


def _entity(name: str) -> str:
    schema, bare = split_name(name)
    text = bare if schema == "public" else f"{schema}__{bare}"
    return re.sub(r"[^A-Za-z0-9_]", "_", text)


def _attr_type(type_: str) -> str:
    """A type as one Mermaid word: no size/precision, no schema, `[]` as `_array`, spaces as `_`."""
    t = re.sub(r"\(.*?\)", "", type_).strip().rsplit(".", 1)[-1].replace("[]", "_array")
    return re.sub(r"[^A-Za-z0-9_]+", "_", t).strip("_") or "unknown"


def _attr_name(name: str) -> str:
    text = re.sub(r"[^A-Za-z0-9_]", "_", name)
    return text if re.match(r"[A-Za-z_]", text) else f"_{text}"


def _selected(project: Project, tables: Iterable[str] | None) -> list[str]:
    if tables is None:
        return list(project.tables)
    wanted = {qualify(t) for t in tables}
    unknown = sorted(wanted - set(project.tables))
    if unknown:
        raise PgdeclError(f"er diagram: unknown table(s) {', '.join(unknown)}")
    return [t for t in project.tables if t in wanted]


def er_diagram(project: Project, tables: Iterable[str] | None = None, neighbors: bool = False) -> str:
    """A Mermaid `erDiagram` of `tables` (default: all): entities with their key columns (PK, FK, UK)
    and the foreign keys between them, with cardinality: a nullable foreign key is zero-or-one on the
    referenced side, a unique one zero-or-one on the referencing side; foreign keys within the
    primary key are identifying (solid line). With `neighbors`, foreign keys to and from tables
    outside the subset are drawn too (those tables appear without attributes)."""
    shown = _selected(project, tables)
    shown_set = set(shown)
    lines = ["erDiagram"]
    for name in shown:
        table = project.tables[name]
        pk = set(primary_key(table))
        fk_cols = {c for fk in foreign_keys(name, table) for c in fk.columns}
        uk_cols = {next(iter(s)) for s in _unique_sets(name, table) if len(s) == 1} - pk
        attrs = []
        for cname, col in table.columns.items():
            keys = [k for k, on in (("PK", cname in pk), ("FK", cname in fk_cols), ("UK", cname in uk_cols)) if on]
            if keys:
                attrs.append(f"        {_attr_type(col.type)} {_attr_name(cname)} {', '.join(keys)}")
        if attrs:
            lines += [f"    {_entity(name)} {{", *attrs, "    }"]
        else:
            lines.append(f"    {_entity(name)}")
    for name in (list(project.tables) if neighbors else shown):
        table = project.tables[name]
        pk = set(primary_key(table))
        unique_sets = _unique_sets(name, table)
        for fk in foreign_keys(name, table):
            target, _ = _target(project, name, fk)
            if not ({name, target} & shown_set) or (not neighbors and target not in shown_set):
                continue
            nullable = any(table.columns[c].nullable and c not in pk for c in fk.columns if c in table.columns)
            left = "|o" if nullable else "||"
            right = "o|" if frozenset(fk.columns) in unique_sets else "o{"
            line = "--" if set(fk.columns) <= pk else ".."
            label = ", ".join(fk.columns).replace('"', "'")
            lines.append(f'    {_entity(target)} {left}{line}{right} {_entity(name)} : "{label}"')
    return "\n".join(lines) + "\n"


# --- Markdown -----------------------------------------------------------------------------------


def _column_constraints(project: Project, name: str, table: Table, cname: str, col: Column) -> str:
    pk = primary_key(table)
    out = []
    if pk == [cname]:
        out.append("PRIMARY KEY")
    elif not col.nullable or cname in pk:
        out.append("NOT NULL")
    for u in uniques(name, table):
        if list(u.columns) == [cname]:
            out.append("UNIQUE NULLS NOT DISTINCT" if u.nulls_not_distinct else "UNIQUE")
    if col.identity:
        out.append(f"GENERATED {col.identity.upper()} AS IDENTITY")
    if col.generated is not None:
        out.append(f"GENERATED ALWAYS AS ({_flat(col.generated)}) STORED")
    if col.default is not None:
        out.append(f"DEFAULT {_flat(col.default)}")
    for fk in foreign_keys(name, table):
        if list(fk.columns) == [cname]:
            target = qualify(fk.references.table, split_name(name)[0])
            cols = fk.references.columns
            ref = _display(target) + (f"({', '.join(cols)})" if cols else "")
            out.append(" ".join(filter(None, [f"FK to {ref}", _action(fk)])))
    if col.check is not None:
        out.append(f"CHECK ({_flat(col.check)})")
    if col.collation:
        out.append(f"COLLATE {col.collation}")
    return ", ".join(out)


def _table_section(project: Project, name: str, table: Table) -> list[str]:
    """A table's Markdown: columns, keys, indexes, checks, triggers, row-level security, grants. Kept whole
    (~80 lines): one short block per part, in the order the reader sees them."""
    out = [f"#### `{_display(name)}`", ""]
    if table.comment:
        out += [_flat(table.comment), ""]
    out += partition_lines(project, name, table)
    if table.partition_of is not None and not table.columns:
        return out  # its columns are its parent's
    out += ["| Column | Type | Constraints | Description |", "|--------|------|-------------|-------------|"]
    for cname, col in table.columns.items():
        out.append(f"| `{cname}` | {_cell(col.type)} | {_cell(_column_constraints(project, name, table, cname, col))} "
                   f"| {_cell(col.comment or '')} |")
    out.append("")
    pk = primary_key(table)
    if len(pk) > 1:
        out += [f"**Primary key:** `({', '.join(pk)})`", ""]
    multi = [u for u in uniques(name, table) if len(u.columns) > 1]
    if multi:
        out.append("**Unique constraints:**")
        out += [f"- `{u.name}`: `({', '.join(u.columns)})`" + (" NULLS NOT DISTINCT" if u.nulls_not_distinct else "")
                for u in multi]
        out.append("")
    fks = [fk for fk in foreign_keys(name, table) if len(fk.columns) > 1]
    if fks:
        out.append("**Foreign keys:**")
        for fk in fks:
            target, cols = _target(project, name, fk)
            out.append(" ".join(filter(None, [
                f"- `{fk.name}`: `({', '.join(fk.columns)})` to `{_display(target)}({', '.join(cols)})`",
                _action(fk), "DEFERRABLE" if fk.deferrable else "",
                "INITIALLY DEFERRED" if fk.initially_deferred else ""])))
        out.append("")
    if table.checks:
        out.append("**Checks:**")
        out += [f"- `{cname}`: {_code(expr)}" for cname, expr in sorted(table.checks.items())]
        out.append("")
    ixs = indexes(name, table.indexes)
    if ixs:
        out.append("**Indexes:**")
        for ix in ixs:
            kind = " ".join(filter(None, ["unique" if ix.unique else "", ix.using if ix.using != "btree" else ""]))
            text = f"- `{ix.name}`{f' ({kind})' if kind else ''}: {_code('(' + ', '.join(ix.columns) + ')')}"
            if ix.include:
                text += f" INCLUDE {_code('(' + ', '.join(ix.include) + ')')}"
            if ix.nulls_not_distinct:
                text += " NULLS NOT DISTINCT"
            if ix.where:
                text += f" WHERE {_code(ix.where)}"
            if ix.comment:
                text += f" - {_flat(ix.comment)}"
            out.append(text)
        out.append("")
    if table.triggers:
        out.append("**Triggers:**")
        for tname, trig in sorted(table.triggers.items()):
            events = " OR ".join(e.upper() + (f" OF {', '.join(trig.of)}" if e == "update" and trig.of else "")
                                 for e in trig.events)
            text = f"- `{tname}`: {trig.timing.upper()} {events} FOR EACH {trig.for_each.upper()}"
            if trig.when:
                text += f" WHEN {_code(trig.when)}"
            text += f" → `{_display(qualify(trig.function))}()`"
            if trig.comment:
                text += f" - {_flat(trig.comment)}"
            out.append(text)
        out.append("")
    if table.rls and table.rls.enabled:
        out += [f"**Row-level security:** enabled{' and forced' if table.rls.force else ''}.", ""]
    if table.policies:
        out.append("**Policies:**")
        for pname, pol in sorted(table.policies.items()):
            text = f"- `{pname}` ({'permissive' if pol.permissive else 'restrictive'}, FOR {pol.command.upper()} " \
                   f"TO {', '.join(pol.to)})"
            if pol.using:
                text += f" USING {_code(pol.using)}"
            if pol.with_check:
                text += f" WITH CHECK {_code(pol.with_check)}"
            if pol.comment:
                text += f" - {_flat(pol.comment)}"
            out.append(text)
        out.append("")
    if table.grants:
        out += ["**Grants:** " + "; ".join(f"{r}: {', '.join(p)}" for r, p in sorted(table.grants.items())), ""]
    if any(col.grants for col in table.columns.values()):
        out += ["**Column grants:** " + "; ".join(f"{r}: {p} ({', '.join(cols)})"
                                                 for r, p, cols in column_grants(table)), ""]
    return out


def _enum_users(project: Project, enum: str) -> list[str]:
    return [f"{_display(t)}.{c}" for t, table in project.tables.items() for c, col in table.columns.items()
            if qualify(col.type.removesuffix("[]")) == enum]


def docs_markdown(project: Project, title: str = "Database schema", headings: Mapping[str, str] | None = None,
                  source: str | None = None) -> str:
    """The whole Markdown document. Tables are grouped by spec file, in file order; `headings` maps a
    spec file (as in the objects' origins) to its section heading (default: the file name)."""
    headings = dict(headings or {})
    counts = [(len(project.tables), "table"), (len(project.enums), "enum"), (len(project.views), "view"),
              (len(project.functions), "function"), (len(project.sequences), "sequence")]
    out = [f"# {title}", "",
           f"Generated by `pgdecl docs` from the specs{f' of `{source}`' if source else ''}; do not edit by hand.",
           "", ", ".join(f"{n} {word}{'s' if n != 1 else ''}" for n, word in counts if n) + ".", ""]
    if project.tables:
        out += ["## Entity-relationship diagram", "", "```mermaid", er_diagram(project).rstrip("\n"), "```", "",
                "## Tables", ""]
        groups: dict[str, list[str]] = {}
        for name, table in project.tables.items():
            groups.setdefault(table.origin.file if table.origin else "", []).append(name)
        for file, names in groups.items():
            if len(groups) > 1 or file in headings:
                out += [f"### {headings.get(file) or Path(file).name or 'Tables'}", ""]
            for name in names:
                out += _table_section(project, name, project.tables[name])
    if project.enums:
        out += ["## Enums", ""]
        for name, enum in project.enums.items():
            out += [f"#### `{_display(name)}`", ""]
            if enum.comment:
                out += [_flat(enum.comment), ""]
            out += ["**Values:** " + ", ".join(f"`'{v}'`" for v in enum.values), ""]
            used = _enum_users(project, name)
            if used:
                out += [f"**Used by:** {', '.join(f'`{u}`' for u in used)}", ""]
    if project.views:
        out += ["## Views", ""]
        for name, view in project.views.items():
            kind = "materialized view" if view.materialized else "view"
            out += [f"#### `{_display(name)}`", "", f"_{kind}_" + (f" - {_flat(view.comment)}" if view.comment else ""),
                    "", "<details><summary>query</summary>", "", "```sql", view.query.strip("\n"), "```", "", "</details>",
                    ""]
    if project.functions:
        out += ["## Functions", "", "| Function | Returns | Language | Description |",
                "|----------|---------|----------|-------------|"]
        for name, fn in project.functions.items():
            out.append(f"| `{_cell(_display(name))}({_cell(fn.args)})` | {_cell(fn.returns)} | {fn.language} "
                       f"| {_cell(fn.comment or '')} |")
        out.append("")
    if project.sequences:
        out += ["## Sequences", "", "| Sequence | Type | Owned by | Description |",
                "|----------|------|----------|-------------|"]
        for name, seq in project.sequences.items():
            out.append(f"| `{_display(name)}` | {seq.type} | {_cell(seq.owned_by or '')} | {_cell(seq.comment or '')} |")
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _file_heading(path: Path) -> str | None:
    """The first sentence of a spec file's leading comment, e.g. 'Users and authentication'."""
    try:
        first = path.read_text(encoding="utf-8").lstrip().splitlines()[0]
    except (OSError, IndexError, UnicodeDecodeError):
        return None
    if not first.startswith("#"):
        return None
    text = first.lstrip("#").strip()
    text = re.split(r":\s|\.\s|\.$", text, maxsplit=1)[0].strip()
    return text or None


def project_docs(project_dir: str | Path, title: str | None = None) -> str:
    """Load the specs of `project_dir` (no database) and document them."""
    from .spec import load_project

    loaded = load_project(project_dir)
    root = Path(project_dir)
    headings = {}
    for name in loaded.docs:
        path = Path(name)
        heading = _file_heading(path)
        rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
        headings[name] = f"{heading} (`{rel}`)" if heading else f"`{rel}`"
    name = root.resolve().name
    return docs_markdown(loaded.project, title or f"Database schema: {name}", headings, source=name)
