"""How lint results, the rule list and a rule's explanation look as text and JSON."""

from __future__ import annotations

import json

from .core import Finding, Rule
from .engine import LintResult


def _finding_text(f: Finding) -> str:
    head = f"{f.where}: {f.code} {f.severity}: {f.object}: {f.message}"
    return f"{head}\n    fix: {f.fix}"


def lint_text(result: LintResult, project_dir: str) -> str:
    lines = [_finding_text(f) for f in result.findings]
    n_err, n_warn, n_sil = result.count("error"), result.count("warning"), len(result.silenced)
    scope = f"{len(result.rules)} rules, {result.tables} tables" + (f", {n_sil} silenced" if n_sil else "")
    if result.findings:
        total = len(result.findings)
        lines.append(f"{project_dir}: {total} finding{'s' if total != 1 else ''} "
                     f"({n_err} error{'s' if n_err != 1 else ''}, {n_warn} warning{'s' if n_warn != 1 else ''}; "
                     f"{scope})")
    else:
        lines.append(f"{project_dir}: no findings ({scope})")
    return "\n".join(lines) + "\n"


def lint_json(result: LintResult, project_dir: str) -> str:
    return json.dumps({"project": project_dir, **result.to_json()}, indent=2) + "\n"


LINT_FORMATS = {"text": lint_text, "json": lint_json}


def rules_text(rules: list[Rule]) -> str:
    lines = []
    for r in rules:
        flag = "" if r.default else "  (not run by default)"
        lines.append(f"{r.code}  {r.severity:<7}  {r.name:<28} {r.summary}{flag}")
    return "\n".join(lines) + "\n"


def explain_text(rule: Rule) -> str:
    default = "" if rule.default else "; not run by default (--select it)"
    return (f"{rule.doc}\n\nSeverity: {rule.severity}{default}. Fix: {rule.fix}.\n"
            f"Silence on the object, with the reason: lint: {{ignore: {{{rule.code}: \"why it does not apply\"}}}}\n")
