"""What the proofs share: recording a result (`add`, `finish`), running an attempt with the table's
triggers on and then off (`judge`), and the common reasons a constraint cannot be tried (`gone`,
`no_base`)."""

from __future__ import annotations

from typing import Any

from collections.abc import Callable

from .model import NAMED_CONSTRAINTS, Attempt, Err, Tab, show, values_of
from .report import NO_ROW, ConstraintResult
from .rows import Rows


class Prover(Rows):
    """Everything a proof (`pgdecl.proptest.proofs`) works with."""

    def add(self, kind: str, name: str, table: str | None, status: str, detail: str, origin: str | None = None,
            sqlstate: str | None = None, accepted: dict[str, Any] | None = None, rejected: dict[str, Any] | None = None,
            triggers_off: bool = False) -> None:
        tab = self.tables.get(table or "")
        if tab is not None and kind in NAMED_CONSTRAINTS and name not in tab.db_names:
            status = "failed"
            detail = f"{name} is declared in the specs but the database has no constraint or index of that name; " \
                     + detail
        self.results.append(ConstraintResult(kind, name, table, status, detail, origin, sqlstate,  # type: ignore[arg-type]
                                             {k: show(v) for k, v in accepted.items()} if accepted else None,
                                             {k: show(v) for k, v in rejected.items()} if rejected else None,
                                             triggers_off))

    def judge(self, tab: Tab, attempt: Callable[[], Attempt], violates: Callable[[Attempt], bool | None]) \
            -> tuple[str, str, Attempt]:
        """Run `attempt` (which expects a rejection) with the table's triggers on, then, if a trigger
        pre-empted the constraint, once more with them off. Returns status, how, last attempt."""
        with self.savepoint():
            first = attempt()
        if first.expected:
            return "proved", "", first
        if first.outcome == "accepted" and violates(first):
            return "failed", "the database accepted and stored it", first
        if first.outcome == "unsat":
            return "unproved", first.reason, first
        on = self.describe(first, tab)
        if not tab.triggers:
            return "unproved", on, first
        with self.savepoint():
            self.q(f"ALTER TABLE {tab.sql} DISABLE TRIGGER USER")
            second = attempt()
        second.triggers_off = True
        if second.expected:
            return "proved", f"with the table's triggers disabled (with them: {on})", second
        if second.outcome == "accepted" and violates(second):
            return "failed", f"accepted and stored with the table's triggers disabled (with them: {on})", second
        return "unproved", f"{on}; with the table's triggers disabled: {self.describe(second, tab)}", second

    @staticmethod
    def describe(a: Attempt, tab: Tab | None = None) -> str:
        if a.outcome == "accepted":
            before = ", ".join(tab.before_insert) if tab and tab.before_insert else ""
            by = f"BEFORE INSERT trigger {before}" if before else "a trigger"
            return f"accepted, but {by} changed the values before they were stored"
        if a.outcome == "unsat":
            return a.reason
        e = a.error
        assert e is not None
        who = f" by {e.constraint}" if e.constraint else ""
        return f"rejected{who} instead: {e.text()}" + (f" [{a.reason}]" if a.reason else "")

    def expect(self, sqlstate: str | tuple[Any, ...], constraint: str | None = None, column: str | None = None) \
            -> Callable[[Err], bool]:
        states = (sqlstate,) if isinstance(sqlstate, str) else sqlstate

        def ok(e: Err) -> bool:
            return e.sqlstate in states and (constraint is None or e.constraint == constraint) and \
                (column is None or e.column == column)
        return ok

    def no_base(self, tab: Tab, kind: str, name: str, origin: str | None) -> bool:
        if tab.base_row is None:
            self.add(kind, name, tab.name, "unproved", f"{NO_ROW}: {tab.base_reason}", origin)
            return True
        return False

    def finish(self, kind: str, name: str, tab: Tab, status: str, how: str, last: Attempt, origin: str | None,
               accepted: dict[str, Any] | None, rejected: dict[str, Any] | None, extra: str = "", proved: str = "") -> None:
        if status == "proved":
            e = last.error
            assert e is not None
            detail = proved or ((f"accepted {values_of(accepted)}; " if accepted else "accepted a valid row; ") +
                                f"rejected {values_of(rejected)}")
            detail += f" ({e.sqlstate} {e.constraint or e.column or ''}".rstrip() + ")" + (f" {how}" if how else "")
        elif status == "failed":
            detail = f"a row violating it was not rejected: {values_of(rejected)}; {how}"
        else:
            detail = how
        if extra:
            detail += f"; {extra}"
        self.add(kind, name, tab.name, status, detail, origin, last.error.sqlstate if last.error else None,
                 accepted, rejected, last.triggers_off)

    def gone(self, tab: Tab, kind: str, name: str, columns: list[str], origin: str | None) -> bool:
        missing = [c for c in columns if c not in tab.cols]
        if missing:
            self.add(kind, name, tab.name, "failed", f"column {', '.join(missing)} is not in the database", origin)
        return bool(missing)

