"""Raw `.sql` files under lint: each is parsed with pglast (a parse error is reported with its
file:line), and the tables, indexes and triggers it creates join the model the rules look at, so
`timestamp`, `json`, `serial`, a missing primary key or a foreign key without an index are found
in raw SQL too (with the file:line of the statement)."""

from __future__ import annotations

from typing import Any

from ..errors import Origin, SpecError, SpecErrors
from ..model import Column, ForeignKey, Index, Project, Reference, Table, Trigger, Unique


def _line(text: str, offset: int) -> int:
    """The line of the first token at or after `offset`, past blanks and -- comments."""
    i = offset
    while i < len(text):
        if text[i].isspace():
            i += 1
        elif text.startswith("--", i):
            nl = text.find("\n", i)
            i = len(text) if nl < 0 else nl + 1
        else:
            break
    return text.count("\n", 0, i) + 1


def _deparse(node: Any) -> str:
    from pglast.stream import RawStream

    return str(RawStream()(node))


def _type(type_name: Any) -> str:
    text = _deparse(type_name)
    return text.removeprefix("pg_catalog.")


def _qualified(rel: Any) -> str:
    return f"{rel.schemaname or 'public'}.{rel.relname}"


def _names(nodes: Any) -> list[str]:
    return [n.sval for n in nodes or ()]


def _reference(con: Any) -> Reference:
    return Reference(table=_qualified(con.pktable), columns=_names(con.pk_attrs))


def _action(code: str) -> str | None:
    return {"a": None, "r": "restrict", "c": "cascade", "n": "set null", "d": "set default"}.get(code)


def _table(stmt: Any, origin: Origin) -> Table:
    from pglast import ast
    from pglast.enums import ConstrType

    columns: dict[str, Column] = {}
    pk: list[str] = []
    fks: list[ForeignKey] = []
    uniques: list[Unique] = []
    for el in stmt.tableElts or ():
        if isinstance(el, ast.ColumnDef):
            col: dict[str, Any] = {"type": _type(el.typeName), "origin": origin}
            for con in el.constraints or ():
                if con.contype == ConstrType.CONSTR_NOTNULL:
                    col["nullable"] = False
                elif con.contype == ConstrType.CONSTR_PRIMARY:
                    pk.append(el.colname)
                elif con.contype == ConstrType.CONSTR_UNIQUE:
                    col["unique"] = True
                elif con.contype == ConstrType.CONSTR_FOREIGN:
                    col["references"] = _reference(con)
                    col["on_delete"] = _action(con.fk_del_action)
                    col["on_update"] = _action(con.fk_upd_action)
            columns[el.colname] = Column(**col)
        elif isinstance(el, ast.Constraint):
            if el.contype == ConstrType.CONSTR_PRIMARY:
                pk += _names(el.keys)
            elif el.contype == ConstrType.CONSTR_UNIQUE:
                uniques.append(Unique(columns=_names(el.keys), origin=origin))
            elif el.contype == ConstrType.CONSTR_FOREIGN:
                fks.append(ForeignKey(columns=_names(el.fk_attrs), references=_reference(el),
                                      on_delete=_action(el.fk_del_action), on_update=_action(el.fk_upd_action),
                                      origin=origin))
    return Table(columns=columns, primary_key=pk, foreign_keys=fks, unique=uniques, origin=origin)


def _index(stmt: Any, origin: Origin) -> Index:
    elements = [p.name if p.name else f"({_deparse(p.expr)})" for p in stmt.indexParams or ()]
    return Index(columns=elements, name=stmt.idxname, unique=bool(stmt.unique),
                 using=(stmt.accessMethod or "btree").lower(), include=[p.name for p in stmt.indexIncludingParams or ()
                                                                        if p.name],
                 where=_deparse(stmt.whereClause) if stmt.whereClause else None, origin=origin)


_TIMING = {2: "before", 64: "instead of", 0: "after"}
_EVENTS = {4: "insert", 8: "delete", 16: "update", 32: "truncate"}


def _trigger(stmt: Any, origin: Origin) -> Trigger:
    return Trigger(function=".".join(_names(stmt.funcname)), timing=_TIMING.get(stmt.timing, "after"),
                   events=[e for bit, e in _EVENTS.items() if stmt.events & bit] or ["update"],
                   of=_names(stmt.columns), for_each="row" if stmt.row else "statement", origin=origin)


def with_raw_objects(project: Project) -> Project:
    """The project with the tables, indexes and triggers its raw SQL files create; a file that does
    not parse is a SpecError naming file:line."""
    if not project.raw_sql:
        return project
    from .. import sqltree  # imported only here: pglast costs a project without raw SQL 20 ms

    tables = dict(project.tables)
    extra: dict[str, dict[str, list[Any]]] = {}
    errors: list[SpecError] = []
    for raw in project.raw_sql:
        try:
            stmts = sqltree.parse(raw.sql)  # shared with validation: only read
        except sqltree.ParseError as e:
            at = e.args[1] if len(e.args) > 1 and isinstance(e.args[1], int) else 0
            errors.append(SpecError(f"SQL does not parse: {e.args[0] if e.args else e}",
                                    Origin(raw.path, raw.sql.count("\n", 0, at) + 1, f"sql file {raw.path}")))
            continue
        for rs in stmts:
            try:
                _add(rs, raw, tables, extra)
            except (ValueError, TypeError, AttributeError):  # a form the model cannot hold: not linted
                continue
    if errors:
        raise SpecErrors(errors)
    for name, more in extra.items():
        if name not in tables:
            continue
        t = tables[name]
        tables[name] = t.model_copy(update={
            "indexes": [*t.indexes, *more.get("indexes", [])],
            "triggers": {**t.triggers, **dict(more.get("triggers", []))}})
    return project.model_copy(update={"tables": tables})


def _add(rs: Any, raw: Any, tables: dict[str, Table], extra: dict[str, dict[str, list[Any]]]) -> None:
    """One raw statement into `tables` (a new table) or `extra` (an index or trigger of a table)."""
    from pglast import ast

    stmt = rs.stmt
    line = _line(raw.sql, rs.stmt_location or 0)
    if isinstance(stmt, ast.CreateStmt) and not stmt.inhRelations and not stmt.partbound \
            and not stmt.ofTypename:
        name = _qualified(stmt.relation)
        if name not in tables:
            tables[name] = _table(stmt, Origin(raw.path, line, f"table {name} (raw SQL)"))
    elif isinstance(stmt, ast.IndexStmt):
        name = _qualified(stmt.relation)
        extra.setdefault(name, {}).setdefault("indexes", []).append(
            _index(stmt, Origin(raw.path, line, f"index {stmt.idxname or 'on ' + name} (raw SQL)")))
    elif isinstance(stmt, ast.CreateTrigStmt):
        name = _qualified(stmt.relation)
        extra.setdefault(name, {}).setdefault("triggers", []).append(
            (stmt.trigname, _trigger(stmt, Origin(raw.path, line, f"trigger {stmt.trigname} (raw SQL)"))))
