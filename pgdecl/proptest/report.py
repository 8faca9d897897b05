"""The result of `pgdecl test`: one entry per constraint of the specs, and how it looks as text or JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Status = Literal["proved", "failed", "unproved"]
KINDS = ("table", "column", "primary key", "unique", "unique index", "foreign key", "on delete", "check", "not null", "type", "enum",
         "domain check", "domain not null")
# kinds listed one line each in the text report; the others are summarised per table unless --verbose
NAMED_KINDS = {"table", "column", "primary key", "unique", "unique index", "foreign key", "on delete", "check", "enum",
               "domain check", "domain not null"}
NO_ROW = "no valid row could be inserted"


@dataclass(frozen=True)
class ConstraintResult:
    """What `pgdecl test` found out about one constraint of the specs.

    proved:   a valid row was accepted and a row violating just this constraint was rejected by it
              (its name, or for NOT NULL and types the column and the SQLSTATE);
    failed:   the database accepted a row that breaks it (or lacks the constraint altogether);
    unproved: neither could be shown; `detail` says why.
    """

    kind: str
    name: str                 # constraint name, or table.column for NOT NULL and types
    table: str | None         # qualified table; None for enums and domains
    status: Status
    detail: str
    origin: str | None = None
    sqlstate: str | None = None              # the SQLSTATE of the rejection seen
    accepted: dict[str, str | None] | None = None   # values of the accepted row that matter here
    rejected: dict[str, str | None] | None = None   # values of the violating row
    triggers_off: bool = False  # shown with the table's own triggers disabled (one of them pre-empted it)


@dataclass(frozen=True)
class TableResult:
    name: str
    accepted: bool            # a valid row was found and inserted
    row: dict[str, str | None] | None = None
    reason: str | None = None


@dataclass(frozen=True)
class TestReport:
    """Everything `pgdecl test` found out about a project."""

    __test__ = False  # not a pytest test class

    project: str
    server: str               # where the scratch database ran, without password
    seed: int
    tables: tuple[TableResult, ...]
    results: tuple[ConstraintResult, ...]
    seconds: float = 0.0
    statements: int = 0       # statements sent to the scratch database
    notes: tuple[str, ...] = field(default_factory=tuple)

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def ok(self) -> bool:
        """No constraint was shown not to hold."""
        return self.count("failed") == 0

    def by_name(self, name: str, kind: str | None = None) -> list[ConstraintResult]:
        return [r for r in self.results if r.name == name and (kind is None or r.kind == kind)]

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["summary"] = {s: self.count(s) for s in ("proved", "failed", "unproved")}
        return d


def _short(v: str | None, n: int = 40) -> str:
    if v is None:
        return "NULL"
    s = repr(v) if len(v) <= n else repr(v[: n - 3] + "...")
    return s


def values_text(values: dict[str, str | None] | None) -> str:
    return ", ".join(f"{k}={_short(v)}" for k, v in (values or {}).items())


def report_text(report: TestReport, verbose: bool = False) -> str:
    """Per table: the named constraints one line each, NOT NULL and type limits summarised (listed when
    not proved, or with `verbose`)."""
    mark = {"proved": "ok  ", "failed": "FAIL", "unproved": "??  "}
    lines = [f"pgdecl test {report.project} (scratch database on {report.server}, seed {report.seed})", ""]
    tables = {t.name: t for t in report.tables}
    groups: dict[str | None, list[ConstraintResult]] = {}
    for r in report.results:
        groups.setdefault(r.table, []).append(r)
    for table, results in groups.items():
        head = table if table else "types"
        t = tables.get(table or "")
        if t is not None and not t.accepted:
            head += f"  (no valid row: {t.reason})"
        lines.append(head)
        summarised: dict[str, list[ConstraintResult]] = {}
        for r in results:
            if t is not None and not t.accepted and r.detail.startswith(NO_ROW):
                lines.append(f"  {mark[r.status]} {r.kind} {r.name}: no valid row (above)")
            elif verbose or r.kind in NAMED_KINDS or r.status != "proved":
                lines.append(f"  {mark[r.status]} {r.kind} {r.name}: {r.detail}")
            else:
                summarised.setdefault(r.kind, []).append(r)
        for kind, rs in summarised.items():
            cols = ", ".join(r.name.rsplit(".", 1)[-1] for r in rs)
            lines.append(f"  {mark['proved']} {kind} ({len(rs)}): {cols}")
        lines.append("")
    lines += list(report.notes)
    p, f, u = report.count("proved"), report.count("failed"), report.count("unproved")
    lines.append(f"{len(report.results)} constraints: {p} proved, {f} failed, {u} not proved "
                 f"({report.seconds:.1f}s, {report.statements} statements)")
    return "\n".join(lines) + "\n"


def report_json(report: TestReport, verbose: bool = False) -> str:
    return json.dumps(report.to_json(), indent=2) + "\n"


REPORT_FORMATS = {"text": report_text, "json": report_json}
