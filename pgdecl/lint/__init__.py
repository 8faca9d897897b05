"""`pgdecl lint`: database-free checks of the specs for common schema mistakes.

Rules live one per module in `pgdecl/lint/rules/`; findings name file:line and object, and can be
silenced on the object with `lint: {ignore: {CODE: "reason"}}`.
"""

from __future__ import annotations

from .core import Finding, Rule
from .engine import LintResult, LintUsageError, lint_model, lint_project, select_rules
from .rules import all_rules

__all__ = ["Finding", "LintResult", "LintUsageError", "Rule", "all_rules", "lint_model", "lint_project",
           "select_rules"]
