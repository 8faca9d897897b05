"""ON DELETE actions: deleting a referenced row removes the referencing row (cascade), clears or resets
its reference (set null, set default) or is refused (restrict, no action, 23503). When a trigger gets
in the way, the try is repeated with both tables' triggers disabled. Run by `foreign_key.py`, after
each foreign key's own proof."""

from __future__ import annotations

from typing import cast

from ...render import ident, primary_key
from ..model import Err, FKey, Tab, lit, values_of
from ..verdicts import Prover


def _delete_parent(p: Prover, tab: Tab, parent: Tab, fk: FKey, pk: list[str]) -> tuple[str, str, Err | None]:
    """Add a second parent row and a row referencing it, delete the parent row and look at the child:
    status (proved, failed, other: something else got in the way), detail, error."""
    action = fk.on_delete
    p2 = p.find_row(parent, keep=True)
    if p2.outcome != "accepted" or p2.stored is None:
        return "unproved", f"no second row of {fk.parent}: {p.describe(p2, parent)}", None
    ref = {c: p2.stored.get(rc) for c, rc in zip(fk.columns, fk.refcolumns)}
    child = p.find_row(tab, fixed=ref, keep=True)
    if child.outcome != "accepted" or child.stored is None:
        return "other", f"no row referencing a second {fk.parent} row: {p.describe(child, tab)}", None
    if any(child.stored.get(c) != v for c, v in ref.items()):
        return "other", f"a trigger changed the reference to {values_of({c: child.stored.get(c) for c in ref})}", \
            None
    where = " AND ".join(f"{ident(rc)} = {lit(cast(str, ref[c]))}" for c, rc in zip(fk.columns, fk.refcolumns))
    _, err = p.tryq(f"DELETE FROM {parent.sql} WHERE {where}")
    find = " AND ".join(f"{ident(c)} = {lit(cast(str, child.stored[c]))}" for c in pk)
    rows = p.q(f"SELECT {', '.join(f'CAST({ident(c)} AS text)' for c in fk.columns)} FROM {tab.sql} "
               f"WHERE {find}")
    after = dict(zip(fk.columns, rows[0])) if rows else None
    refused = err is not None and err.sqlstate == "23503" and err.constraint == fk.name
    if action in ("restrict", "no action"):
        if refused:
            return "proved", f"deleting the referenced row was refused (23503 {fk.name})", err
        if err is None:
            return "failed", f"deleting the referenced row succeeded (the row {'stayed' if after else 'went'})", \
                None
    elif err is None:
        want = {c: None for c in fk.columns} if action == "set null" else \
            {c: tab.defaults.get(c) for c in fk.columns} if action == "set default" else None
        if after == want:
            did = "deleted the row" if want is None else f"set {values_of(after)}"
            return "proved", f"deleting the referenced row {did}", None
        return "failed", f"deleting the referenced row left {values_of(after) if after else 'no row'}", None
    return "other", f"deleting the referenced row: {err.text() if err else ''}", err


def prove_on_delete(p: Prover, tab: Tab, fk: FKey) -> None:
    """Delete a referenced row: the referencing row must go (cascade), lose its reference (set null,
    set default) or the delete must be refused (restrict, no action)."""
    parent = p.tables.get(fk.parent)
    action = fk.on_delete
    if parent is None or parent.base_row is None or tab.base_row is None or \
            any(c not in tab.cols for c in fk.columns) or any(c not in parent.cols for c in fk.refcolumns):
        return  # the foreign key's own result says why
    pk = primary_key(tab.spec)
    if not pk:
        p.add("on delete", fk.name, tab.name, "unproved", f"{action}: {tab.name} has no primary key to find "
              "the referencing row again", fk.origin)
        return
    with p.savepoint():
        status, detail, err = _delete_parent(p, tab, parent, fk, pk)
    off = False
    if status == "other":
        with p.savepoint():
            p.q(f"ALTER TABLE {tab.sql} DISABLE TRIGGER USER")
            if parent is not tab:
                p.q(f"ALTER TABLE {parent.sql} DISABLE TRIGGER USER")
            status2, detail2, err = _delete_parent(p, tab, parent, fk, pk)
        off = True
        if status2 in ("proved", "failed"):
            status, detail = status2, f"{detail2} with the tables' triggers disabled (with them: {detail})"
        else:
            status, detail = "unproved", f"{detail}; with the tables' triggers disabled: {detail2}"
    p.add("on delete", fk.name, tab.name, status, f"{action}: {detail}", fk.origin,
          err.sqlstate if err else None, triggers_off=off)

