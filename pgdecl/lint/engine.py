"""Run the selected rules over a loaded project and apply the inline silences."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ..errors import PgdeclError
from ..model import Project
from .core import Context, Finding, Hit, Rule, Severity, Silences
from .rules import all_rules

META = "PD000"  # the rule about silences themselves; it runs last


class LintUsageError(PgdeclError):
    """A bad --select/--ignore/--explain argument."""


@dataclass
class LintResult:
    findings: list[Finding]                              # what is left to fix
    silenced: list[Finding] = field(default_factory=list)  # silenced inline, each with its reason
    rules: list[Rule] = field(default_factory=list)        # the rules that ran
    tables: int = 0

    def count(self, severity: Severity) -> int:
        return sum(f.severity == severity for f in self.findings)

    def failed(self, fail_on: str = "warning") -> bool:
        """Whether the findings should fail the run: any finding (fail_on=warning) or any error."""
        if fail_on == "never":
            return False
        return any(f.severity == "error" or fail_on == "warning" for f in self.findings)

    def to_json(self) -> dict[str, object]:
        return {
            "findings": [f.to_json() for f in self.findings],
            "silenced": [f.to_json() for f in self.silenced],
            "summary": {"errors": self.count("error"), "warnings": self.count("warning"),
                        "silenced": len(self.silenced), "rules": [r.code for r in self.rules],
                        "tables": self.tables},
        }


def _codes(values: Iterable[str] | None) -> list[str]:
    out: list[str] = []
    for v in values or ():
        out += [c.strip() for c in v.split(",") if c.strip()]
    return out


def select_rules(select: Iterable[str] | None = None, ignore: Iterable[str] | None = None) -> list[Rule]:
    """The rules to run: the default set, or exactly `select` (codes or names, `ALL` for every rule), minus
    `ignore`. Values may be comma-separated."""
    rules = all_rules()
    by_key = {r.code.upper(): r for r in rules} | {r.name.upper(): r for r in rules}

    def lookup(key: str) -> Rule:
        r = by_key.get(key.upper())
        if r is None:
            raise LintUsageError(f"unknown lint rule {key!r} (known: {', '.join(r.code for r in rules)}; "
                                 "`pgdecl lint --list-rules` lists them)")
        return r

    chosen_keys = _codes(select)
    if not chosen_keys:
        chosen = [r for r in rules if r.default]
    elif any(k.upper() == "ALL" for k in chosen_keys):
        chosen = list(rules)
    else:
        chosen = [lookup(k) for k in chosen_keys]
    dropped = {lookup(k).code for k in _codes(ignore)}
    unique = {r.code: r for r in chosen if r.code not in dropped}
    return [unique[c] for c in sorted(unique)]


def _finding(rule: Rule, hit: Hit, silenced: str | None = None) -> Finding:
    origin = next((o.origin for o in hit.owners if o.origin is not None), None)
    return Finding(rule.code, rule.name, rule.severity, hit.message, hit.fix or rule.fix,
                   origin.file if origin else None, origin.line if origin else None, hit.label, silenced)


def lint_model(project: Project, select: Iterable[str] | None = None,
               ignore: Iterable[str] | None = None) -> LintResult:
    """Lint a loaded project; findings silenced by a `lint: {ignore: {CODE: reason}}` key are set apart."""
    rules = select_rules(select, ignore)
    ctx = Context(project)
    silences = Silences.collect(ctx)
    ctx.silences = silences
    ctx.known_codes = {r.code for r in all_rules()}
    ctx.ran = {r.code for r in rules}
    findings: list[Finding] = []
    quiet: list[Finding] = []
    for r in sorted(rules, key=lambda r: (r.code == META, r.code)):
        for hit in r.check(ctx):
            s = silences.find(hit.owners, r.code) if r.code != META else None
            if s is None:
                findings.append(_finding(r, hit))
            else:
                s.used = True
                quiet.append(_finding(r, hit, s.reason or ""))
    return LintResult(sorted(findings, key=Finding.sort_key), sorted(quiet, key=Finding.sort_key), rules,
                      len(project.tables))


def lint_project(project_dir: str | Path, select: Iterable[str] | None = None,
                 ignore: Iterable[str] | None = None) -> LintResult:
    """Load the specs of `project_dir` (no database) and lint them."""
    from ..spec import load_project, paused_gc

    from .raw import with_raw_objects

    select_rules(select, ignore)  # bad arguments fail before the specs are read
    with paused_gc():
        return lint_model(with_raw_objects(load_project(project_dir, keep_docs=False).project), select, ignore)
